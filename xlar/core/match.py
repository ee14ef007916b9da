"""Automatic payment application: statement lines to customers and open entries (spec §7).

Business Central's method, as plain functions over an index:

1. **Candidates.** For a statement line, candidate customers come from the payer's IBAN,
   customer text mappings (learned from manual matches), document / external document
   numbers and RF creditor references found in the text, the payer's name (rapidfuzz
   over a token index) and, when nothing else names anyone, the amount alone. For each
   customer the candidate *document sets* are: the entries named in the text (together
   and one by one), single entries within the amount tolerance (a bisection on the
   customer's amount index), and subset-sums of the customer's open entries (one
   payment for several invoices): sets of 2-4 whose sum is the statement amount to the
   cent, found by meeting in the middle over pair sums; only when there is none, pairs
   and triples within the tolerance.
2. **Criteria** per candidate (§7.2): *Related Party Matched* (Fully / Partially / No),
   *Doc. No./Ext. Doc. No. Matched* (Yes - Multiple / Yes / No) and *Amount Incl.
   Tolerance Matched* (One Match / Multiple Matches / No Matches). An entry's expected
   amount is its remaining amount less the remaining discount while the transaction date
   is inside the discount window (grace period included), else the remaining amount.
3. **Rules** (§7.3): the best-scoring rule whose considered criteria equal the tuple wins;
   ``score = (confidence + 1) * 1000 - priority``. The best candidate of the line is the
   proposal; the next ones are kept as alternatives, each with its rule, score and an
   explanation per criterion.
4. **Text-to-account mapping** (§7.4): when no candidate reaches High, a G/L mapping whose
   text occurs in the line gives ``High`` with rule ``Text-to-Account Mapping`` (score
   3000 + length of the mapping text).

Worked example (EX:BC-MATCH-01): tolerance Amount 2.00; line +1 000.00 from IBAN
``DE89 3704 0044 0532 0130 00``, text ``Payment INV-10045 thanks``; customer C1 has that
IBAN and INV-10045 remaining 1 001.50. Related party Fully (IBAN), Doc. No. Yes, range
998.00-1 002.00 holds one entry: High/3, score 3997, applied 1 000.00, difference 0.00.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import combinations
from operator import attrgetter, itemgetter

from anyascii import anyascii
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from xlar.core import payref
from xlar.core.bank import Confidence, MappingTarget, StatementLine, TextMapping, account_gl
from xlar.core.model import DocumentType, GLLine, JournalLine, LedgerEntry
from xlar.core.money import ZERO
from xlar.core.sepa import Booked, BookedDebits, DebitEntry, DebitStatus


class RelatedParty(StrEnum):
    FULLY = "Fully"
    PARTIALLY = "Partially"
    NO = "No"


class DocMatch(StrEnum):
    YES_MULTIPLE = "Yes - Multiple"
    YES = "Yes"
    NO = "No"


class AmountMatch(StrEnum):
    ONE = "One Match"
    MULTIPLE = "Multiple Matches"
    NONE = "No Matches"
    NOT_CONSIDERED = "Not Considered"


@dataclass(frozen=True, slots=True)
class Rule:
    """One Payment Application Rule row; ``None`` criteria are *Not Considered*."""

    confidence: Confidence
    priority: int
    related_party: RelatedParty | None
    doc_no: DocMatch | None
    amount: AmountMatch | None
    score: int = field(init=False, compare=False)  # (confidence + 1) * 1000 - priority
    name: str = field(init=False, compare=False)  # "High/3"

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", (self.confidence.rank + 1) * 1000 - self.priority)
        object.__setattr__(self, "name", f"{self.confidence.value}/{self.priority}")

    def fits(self, rp: RelatedParty, doc: DocMatch, amount: AmountMatch) -> bool:
        return ((self.related_party is None or self.related_party is rp)
                and (self.doc_no is None or self.doc_no is doc)
                and (self.amount is None or self.amount is amount))


def _rules() -> tuple[Rule, ...]:
    F, P, N = RelatedParty.FULLY, RelatedParty.PARTIALLY, RelatedParty.NO
    YM, Y, NO = DocMatch.YES_MULTIPLE, DocMatch.YES, DocMatch.NO
    ONE, MUL, NOM, NC = AmountMatch.ONE, AmountMatch.MULTIPLE, AmountMatch.NONE, None
    H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
    table = [
        (H, F, YM, ONE), (H, F, YM, MUL), (H, F, Y, ONE), (H, F, Y, MUL), (H, P, YM, ONE), (H, P, YM, MUL),
        (H, P, Y, ONE), (H, F, NO, ONE), (H, N, YM, ONE), (H, N, YM, MUL),
        (M, F, YM, NC), (M, F, Y, NC), (M, F, NO, MUL), (M, P, YM, NC), (M, P, Y, NC), (M, N, Y, ONE),
        (M, N, YM, NC), (M, P, NO, ONE), (M, N, Y, NC),
        (L, F, NO, NOM), (L, P, NO, MUL), (L, P, NO, NOM), (L, N, NO, ONE), (L, N, NO, MUL),
    ]
    out, prio = [], defaultdict(int)
    for conf, rp, doc, amt in table:
        prio[conf] += 1
        out.append(Rule(conf, prio[conf], rp, doc, amt))
    return tuple(out)


#: BC's default Payment Application Rules (documentation table, spec §7.3).
DEFAULT_RULES: tuple[Rule, ...] = _rules()
MAPPING_RULE = "Text-to-Account Mapping"
#: BC's rule *Direct Debit Collect. Matched = Yes* (High, above the documented table, A12): the
#: line's transaction id is the end-to-end id of a debit xlar collected (``xlar sepa``)
DIRECT_DEBIT_RULE = "Direct Debit Collection"
DIRECT_DEBIT_SCORE = 4000


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """A customer as the matcher sees it: name, bank accounts, address."""

    customer_no: str
    name: str
    ibans: tuple[str, ...] = ()
    address: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchSettings:
    """The bank account's Match Tolerance plus xlar's bounds (documented in docs/decisions.md)."""

    tolerance_type: str = "Amount"  # or "Percentage"
    tolerance_value: Decimal = ZERO
    grace_days: int = 0  # Payment Discount Grace Period in days (the discount window's end moves)
    name_full: int = 95  # nearness for Partially (Fully when the name is unique)
    name_partial: int = 80  # xlar: typo'd / abbreviated names still count as Partially
    max_subset_items: int = 60
    max_subset_size: int = 4
    alternatives: int = 3
    rules: tuple[Rule, ...] = DEFAULT_RULES
    #: the company's structured payment reference (xlar.core.payref: SE, NO, NO11, FI, CH, BE; RF is always read):
    #: a valid one whose base is an open invoice's number names that invoice and identifies its customer
    reference_scheme: str = ""

    def amount_range(self, amount: Decimal) -> tuple[Decimal, Decimal]:
        v = self.tolerance_value
        if self.tolerance_type.lower().startswith("perc"):
            lo, hi = amount * (1 - v / 100), amount * (1 + v / 100)
            return (min(lo, hi), max(lo, hi))
        lo, hi = amount - v, amount + v
        return (max(lo, ZERO) if amount > 0 else lo, hi)


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """A proposed match of one statement line (``rank`` 1 = the one shown on the line)."""

    statement_no: str
    line_no: int
    rank: int
    confidence: Confidence
    rule: str
    score: int
    customer_no: str = ""
    account_no: str = ""  # G/L account of a text-to-account mapping
    documents: tuple[str, ...] = ()
    entry_nos: tuple[int, ...] = ()
    applied_amount: Decimal = ZERO
    difference: Decimal = ZERO
    related_party: RelatedParty = RelatedParty.NO
    doc_no: DocMatch = DocMatch.NO
    amount_match: AmountMatch = AmountMatch.NOT_CONSIDERED
    name_score: int = 0
    explanation: str = ""


# --------------------------------------------------------------------------- text helpers

_ALNUM = re.compile(r"[^A-Z0-9]+")
_WORD = re.compile(r"\S+")
_SEP = re.compile(r"[^A-Za-z0-9]+")
_RF = re.compile(r"\bRF(\d{2})([A-Z0-9]{1,21})\b")
#: Legal forms, each spelling -> its canonical form (a small documented table instead of
#: ``cleanco``: the forms xlar's customers use; docs/decisions.md). Dropped from the name key;
#: two names whose legal forms are both given and differ are different companies.
_FORMS = {
    "gmbh": "gmbh", "mbh": "gmbh", "ag": "ag", "kg": "kg", "ohg": "ohg", "ug": "ug", "ev": "ev", "eg": "eg",
    "se": "se", "kgaa": "kgaa",
    "inc": "inc", "incorporated": "inc", "corp": "corp", "corporation": "corp", "co": "co", "company": "co",
    "llc": "llc", "llp": "llp", "lp": "lp", "ltd": "ltd", "limited": "ltd", "plc": "plc",
    "sa": "sa", "sarl": "sarl", "sas": "sas", "sasu": "sas", "eurl": "eurl", "snc": "snc", "sci": "sci",
    "bv": "bv", "nv": "nv", "bvba": "bvba", "vof": "vof", "cv": "cv",
    "srl": "srl", "spa": "spa", "sl": "sl", "sau": "sa", "slu": "sl", "lda": "lda",
    "oy": "oy", "oyj": "oyj", "ab": "ab", "publ": "ab", "as": "as", "asa": "asa", "aps": "aps", "a/s": "as",
    "kft": "kft", "zrt": "zrt", "sro": "sro", "spzoo": "spzoo", "doo": "doo", "pty": "pty",
}
_LEGAL = set(_FORMS) | {"the", "und", "and"}
_MIN_DOC = 4  # A14: text matching needs at least 4 characters
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "AE", "Ö": "OE", "Ü": "UE"})


@lru_cache(maxsize=1 << 16)
def ascii_name(name: str) -> str:
    """``name`` in ASCII as a bank file spells it: umlauts written out (``Bäckerei`` -> ``Baeckerei``),
    every other letter transliterated (``anyascii``: ``Łódź`` -> ``Lodz``)."""
    if name.isascii():
        return name
    return anyascii(name.translate(_GERMAN))


@lru_cache(maxsize=1 << 16)
def legal_form(name: str) -> str:
    """The canonical legal form at the end of ``name`` (``Sauer & Winkler GmbH`` -> ``gmbh``), or ``""``."""
    words = default_process(ascii_name(name)).split()
    if not words:
        return ""
    for n in (4, 3, 2, 1):  # S.A.R.L. / B.V. arrive as letters with blanks between them
        if len(words) > n:
            form = _FORMS.get("".join(words[-n:]))
            if form:
                return form
    return ""


_MIN_DOC = 4  # A14: text matching needs at least 4 characters


_LAST_DIGITS = re.compile(r"\d+$")
_MIN_DIGITS = 5  # a number without its prefix names a document from 5 digits on (4 for the customer's own)
_NUMBERS = re.compile(r"\d+(?:[ .-]\d+)*")
_CUSTNO = re.compile(r"\b(?:KD|KUNDE|KUNDEN|KUNDENNR|KDNR|KNR|CUSTOMER|CUST|CUSTNO|DEBITOR|CLIENT|ACCOUNT|ACCT)\b"
                     r"[ .:#/-]*(?:NO|NR|NUMBER|NUM)?[ .:#/-]*([A-Z0-9][A-Z0-9-]*)")


def _digits(number: str) -> str:
    """The digits of a document number without leading zeros (``INV-2026-00123`` -> ``202600123``)."""
    return "".join(c for c in number if c.isdigit()).lstrip("0")


def compact(text: str) -> str:
    """Upper-case, every character other than A-Z and 0-9 removed (BC's bank account comparison)."""
    return _ALNUM.sub("", text.upper())


_LONG_LEGAL = tuple(w for w in _LEGAL if len(w) >= 6)  # corporation, incorporated, limited, company


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """A name for fuzzy comparison: lower-case words without legal forms (``Fabrikam Inc.`` -> ``fabrikam``).

    A misspelt long legal form at the end (``Corporaton``, ``Ventures Coporation``) or one
    glued to the word before it (``VenturesCorporation``) goes too: the bank copies
    what the payer typed.
    """
    words = default_process(ascii_name(name)).split()
    while len(words) > 1:  # a legal form spelt with blanks (S.A., B.V.) at the end
        n = next((n for n in (4, 3, 2) if len(words) > n and "".join(words[-n:]) in _FORMS), 0)
        if not n:
            break
        del words[-n:]
    words = [w for w in words if w not in _LEGAL]
    if len(words) > 1:
        last = words[-1]
        if len(last) >= 6 and any(fuzz.ratio(last, f) >= 85 for f in _LONG_LEGAL):
            words.pop()
        else:
            for f in _LONG_LEGAL:
                if last.endswith(f) and len(last) - len(f) >= 3:
                    words[-1] = last[: -len(f)]
                    break
    return " ".join(words)


def _expand(a: str, b: str) -> str:
    """``a`` with each word that abbreviates ``b``'s word at the same place written out.

    A word abbreviates another when it is at least 3 letters and its start, two or more
    letters short (``ind`` for ``industries``, ``cons`` for ``consulting``; ``kraus`` is not
    ``krause``); only when both names have as many words.
    """
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb) or len(wa) < 2:
        return a
    out, changed = [], False
    for n, (x, y) in enumerate(zip(wa, wb)):
        if n and x != y and len(x) >= 3 and len(y) >= len(x) + 2 and y.startswith(x):
            out.append(y)
            changed = True
        else:
            out.append(x)
    return " ".join(out) if changed else a


def name_score(a: str, b: str) -> int:
    """Nearness of two name keys, 0-100: the better of plain and word-order-free similarity.

    Not token-set similarity: ``Summit Systems`` inside ``Trey Summit Systems`` is a
    different company, not a perfect match. Abbreviated words are written out first
    (:func:`_expand`), as BC's nearness, which counts the characters of the shorter
    string found in the longer one, also rates ``ISVIGRA IND GMBH`` 100 for ``Isvigra
    Industries GmbH``; the first word is never abbreviated.
    """
    sc = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))
    if sc < 100:
        x = _expand(a, b)
        if x is not a:
            sc = max(sc, fuzz.ratio(x, b))
    return int(sc)


def party_score(payer: str, customer: str) -> int:
    """:func:`name_score` of two full names; at most 85 when both give a legal form and they differ.

    ``Hofmann Software AG`` is not ``Software Hofmann GmbH``: the same words in another
    order under another legal form are another company (near, never the same).
    """
    sc = name_score(name_key(payer), name_key(customer))
    if sc > LEGAL_CONFLICT:
        a, b = legal_form(payer), legal_form(customer)
        if a and b and a != b:
            return LEGAL_CONFLICT
    return sc


LEGAL_CONFLICT = 85


def _scorer(a: str, b: str, **kw: object) -> float:
    return name_score(a, b)


def text_spans(text: str) -> set[str]:
    """Every run of a word between non-alphanumeric delimiters, upper-case (``'INV-1, X'`` -> INV, 1, INV-1, X)."""
    out: set[str] = set()
    for m in _WORD.finditer(text.upper()):
        word = m.group(0)
        if word.isalnum():
            out.add(word)
            continue
        pieces = [p for p in _SEP.split(word) if p]
        seps = [s for s in _SEP.findall(word)]
        # keep the separators between pieces to rebuild spans exactly
        inner = seps[1:] if word and not word[0].isalnum() else seps
        n = min(len(pieces), 8)
        for i in range(n):
            span = pieces[i]
            out.add(span)
            for j in range(i + 1, n):
                span = span + (inner[j - 1] if j - 1 < len(inner) else "") + pieces[j]
                out.add(span)
    return out


def rf_reference(text: str) -> str | None:
    """The reference part of a valid ISO 11649 RF creditor reference in ``text`` (mod 97 == 1)."""
    for m in _RF.finditer(compact_keep_words(text)):
        check, ref = m.group(1), m.group(2)
        digits = "".join(str(int(c, 36)) for c in ref + "RF" + check)
        if int(digits) % 97 == 1:
            return ref
    return None


def compact_keep_words(text: str) -> str:
    """Upper-case with blanks inside an RF reference removed (``RF18 5390 0754 7034`` -> one word)."""
    return re.sub(r"(RF\d{2})([ A-Z0-9]+)", lambda m: m.group(1) + m.group(2).replace(" ", "") + " ", text.upper())


def rf_of(reference: str) -> str:
    """An RF creditor reference for ``reference`` (ISO 11649), e.g. for tests and invoices."""
    ref = compact(reference)
    digits = "".join(str(int(c, 36)) for c in ref + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{ref}"


# --------------------------------------------------------------------------- the index

@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic GC off while building large indexes: it would rescan every entry again and again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _cents(a: Decimal) -> int | None:
    """``a`` in cents when it has no more than two decimals (the subset search adds integers)."""
    c = a * 100
    i = int(c)
    return i if i == c else None


class _Book:
    """One customer's open entries, oldest first, with amount indexes for the candidate look-ups.

    An entry's expected amount on a date depends on its discount windows (§7.1), so the
    entries are indexed three times: by remaining amount, by remaining amount less the
    first discount and less the second one; a query takes from each index the entries
    whose window state on that date selects it. Per line this is a bisection, not a walk
    over the customer's open items.
    """

    __slots__ = ("_ix", "_tails", "d1", "d2", "entries", "has_disc", "l1", "l2", "pos", "rem")

    def __init__(self, entries: list[LedgerEntry], grace_days: int) -> None:
        self.entries = entries
        self.pos = {e.entry_no: i for i, e in enumerate(entries)}
        self.rem = [e.remaining_amount for e in entries]
        n = len(entries)
        self.d1: list[Decimal] = [ZERO] * n
        self.l1: list[date | None] = [None] * n
        self.d2: list[Decimal] = [ZERO] * n
        self.l2: list[date | None] = [None] * n
        grace = timedelta(days=grace_days)
        self.has_disc = False
        for i in [i for i, e in enumerate(entries) if e.remaining_pmt_disc_possible or e.remaining_pmt_disc_2_possible]:
            e = entries[i]
            last = e.pmt_disc_tolerance_date or (e.pmt_discount_date + grace if e.pmt_discount_date else None)
            if last is not None and e.remaining_pmt_disc_possible:
                self.d1[i], self.l1[i] = e.remaining_pmt_disc_possible, last
                self.has_disc = True
            if e.pmt_discount_date_2 is not None and e.remaining_pmt_disc_2_possible:
                self.d2[i], self.l2[i] = e.remaining_pmt_disc_2_possible, e.pmt_discount_date_2
                self.has_disc = True
        self._ix: list[tuple[list[Decimal], list[int]]] | None = None
        self._tails: dict[str, list[int]] | None = None

    def tail_hits(self, numbers: set[str]) -> list[int]:
        """Positions of the entries whose number ends in one of ``numbers`` (last digit group, no leading zeros)."""
        if self._tails is None:
            t: dict[str, list[int]] = {}
            for i, e in enumerate(self.entries):
                m = _LAST_DIGITS.search(e.document_no)
                if m:
                    t.setdefault(m.group(0).lstrip("0"), []).append(i)
            self._tails = t
        return [i for n in numbers for i in self._tails.get(n, ())]

    def state(self, i: int, on: date) -> int:
        """0: no discount on ``on``; 1: the first discount is granted; 2: the second one."""
        l1 = self.l1[i]
        if l1 is not None and on <= l1:
            return 1
        l2 = self.l2[i]
        if l2 is not None and on <= l2:
            return 2
        return 0

    def expected(self, i: int, on: date) -> Decimal:
        if not self.has_disc:
            return self.rem[i]
        st = self.state(i, on)
        return self.rem[i] - (self.d1[i] if st == 1 else self.d2[i] if st == 2 else ZERO)

    def _indexes(self) -> list[tuple[list[Decimal], list[int]]]:
        if self._ix is None:
            out = []
            rem = self.rem
            idx = sorted(range(len(rem)), key=rem.__getitem__)
            out.append(([rem[i] for i in idx], idx))
            for disc in (self.d1, self.d2):
                pairs = sorted([(rem[i] - d, i) for i, d in enumerate(disc) if d]) if self.has_disc else []
                out.append(([a for a, _ in pairs], [i for _, i in pairs]))
            self._ix = out
        return self._ix

    def in_full(self, lo: Decimal, hi: Decimal) -> list[int]:
        """Positions of the entries whose remaining amount (no discount) is in [lo, hi]."""
        keys, idx = self._indexes()[0]
        return idx[bisect_left(keys, lo):bisect_right(keys, hi)]

    def in_range(self, lo: Decimal, hi: Decimal, on: date) -> list[int]:
        """Positions of the entries whose expected amount on ``on`` is in [lo, hi], oldest first."""
        out: list[int] = []
        for k, (keys, idx) in enumerate(self._indexes()):
            if not keys:
                continue
            a, b = bisect_left(keys, lo), bisect_right(keys, hi)
            if a == b:
                continue
            if not self.has_disc:
                out.extend(idx[a:b])
            else:
                out.extend(i for i in idx[a:b] if self.state(i, on) == k)
        if len(out) > 1:
            out.sort()
        return out



_AGE = attrgetter("due_date", "posting_date", "entry_no")


def _one_or_list(pairs: list[tuple[str, LedgerEntry]]) -> dict[str, LedgerEntry | list[LedgerEntry]]:
    """``key -> entry``, or ``key -> [entries]`` for the keys that repeat (in the pairs' order)."""
    out: dict[str, LedgerEntry | list[LedgerEntry]] = dict(pairs)
    if len(out) < len(pairs):
        counts = Counter(map(itemgetter(0), pairs))
        repeated = {k for k, n in counts.items() if n > 1}
        for k in repeated:
            out[k] = []
        for k, e in [p for p in pairs if p[0] in repeated]:
            out[k].append(e)  # type: ignore[union-attr]
    return out


def _merge(into: dict, first: dict, second: dict) -> None:
    """``into`` = ``first`` and ``second`` (document and external numbers), lists where a key is in both."""
    into.update(first)
    into.update(second)
    for k in first.keys() & second.keys():
        a, b = first[k], second[k]
        into[k] = (a if type(a) is list else [a]) + (b if type(b) is list else [b])


class OpenItemIndex:
    """Open entries and customers, indexed for the candidate look-ups (built once per run)."""

    def __init__(self, ledger: Iterable[LedgerEntry], parties: Iterable[Party],
                 mappings: Sequence[TextMapping] = (), debits: Iterable[DebitEntry] = (),
                 booked: BookedDebits | None = None) -> None:
        self.parties: dict[str, Party] = {p.customer_no: p for p in parties}
        # debits whose money is already posted, with their open bank ledger entries
        self.booked = booked
        # direct debits collected and not returned, by Transaction ID (= the pain.008 EndToEndId)
        self.debits: dict[str, DebitEntry] = {d.transaction_id.upper(): d for d in debits
                                              if d.status is not DebitStatus.REJECTED}
        self.by_doc: dict[str, LedgerEntry | list[LedgerEntry]] = {}
        self.by_compact_doc: dict[str, LedgerEntry | list[LedgerEntry]] = {}
        self.by_customer: dict[str, list[LedgerEntry]] = {}
        self.by_digits: dict[str, LedgerEntry | list[LedgerEntry]] = {}
        self.closed: dict[str, LedgerEntry] = {}
        self.by_iban: dict[str, set[str]] = defaultdict(set)
        self.by_token: dict[str, set[str]] = defaultdict(set)
        self.name_keys: dict[str, str] = {}
        by_doc, by_compact, by_customer = self.by_doc, self.by_compact_doc, self.by_customer
        #: Payment Reference (compact) -> open entries / closed invoices (the ledger's own field, issue 24)
        self.by_payref: dict[str, LedgerEntry | list[LedgerEntry]] = {}
        self.closed_payref: dict[str, LedgerEntry] = {}
        with gc_paused():
            ledger = ledger if isinstance(ledger, (list, tuple)) else list(ledger)
            self._index(ledger, by_doc, by_compact, by_customer, self.by_digits, self.closed)
            refs = [e for e in ledger if e.payment_reference]
            if refs:
                self.by_payref.update(_one_or_list([(compact(e.payment_reference), e) for e in refs
                                                    if e.open and e.remaining_amount > ZERO]))
                self.closed_payref.update((compact(e.payment_reference), e) for e in refs
                                          if not e.open and e.document_type is DocumentType.INVOICE)
        self._sorted: set[str] = set()
        self._rows: dict[str, _Book] = {}
        self._grace = 0
        self._amounts: tuple[list[Decimal], list[LedgerEntry]] | None = None
        self._parties(mappings)

    @staticmethod
    def _index(ledger: Iterable[LedgerEntry], by_doc: dict, by_compact: dict, by_customer: dict, digits: dict,
               closed: dict) -> None:
        # comprehensions and dict() do the per-entry work; one entry per key unless numbers
        # repeat (a list then): a million one-item lists cost more than the look-ups they serve
        zero, least = ZERO, _MIN_DOC
        # money in pays debits; credit memos are applied to invoices first (§7.1)
        ledger = ledger if isinstance(ledger, (list, tuple)) else list(ledger)
        live = [e for e in ledger if e.open and e.remaining_amount > zero]
        for e in live:
            mine = by_customer.get(e.customer_no)
            if mine is None:
                by_customer[e.customer_no] = [e]
            else:
                mine.append(e)
        pairs = [(e.document_no.upper(), e) for e in live if len(e.document_no) >= least]
        ext = [(e.external_document_no.upper(), e) for e in live
               if e.external_document_no and len(e.external_document_no) >= least]
        _merge(by_doc, _one_or_list(pairs), _one_or_list(ext))
        pairs += ext
        loose = [(k.replace("-", "").replace("/", "").replace(".", "").replace(" ", ""), e) for k, e in pairs
                 if not k.isalnum()]  # str.replace is several times faster than translate
        by_compact.update(_one_or_list([(k if k.isalnum() else compact(k), e) for k, e in loose]))
        # the digits of a number with a prefix, without leading zeros (INV-2026-00123 -> 202600123)
        digits.update(_one_or_list([(d, e) for d, e in ((_digits(k), e) for k, e in pairs if not k.isdigit())
                                    if len(d) >= _MIN_DIGITS]))
        # documents already closed: a text naming one may be a duplicate payment
        closed.update((e.document_no.upper(), e) for e in ledger
                      if not e.open and e.document_type is DocumentType.INVOICE and len(e.document_no) >= least)

    def _parties(self, mappings: Sequence[TextMapping]) -> None:
        key_count: dict[str, int] = defaultdict(int)
        for p in self.parties.values():
            for iban in p.ibans:
                if iban:
                    self.by_iban[compact(iban)].add(p.customer_no)
            k = name_key(p.name)
            self.name_keys[p.customer_no] = k
            key_count[k] += 1
            for tok in k.split():
                if len(tok) >= 3:
                    self.by_token[tok].add(p.customer_no)
                    self.by_token["~" + tok[:3]].add(p.customer_no)
        self.unique_name = {c for c, k in self.name_keys.items() if key_count[k] == 1}
        self.by_number = {c.upper(): c for c in self.parties if len(c) >= _MIN_DOC and not c.isdigit()}
        self._rivals: dict[tuple[str, int], list[str]] = {}
        self.customer_maps = [(m.mapping_text.upper(), m.account_no) for m in mappings
                              if m.target is MappingTarget.CUSTOMER and m.mapping_text and m.account_no]
        self.gl_maps = [m for m in mappings if m.target is MappingTarget.GL_ACCOUNT and m.mapping_text]

    def rival(self, payer: str, cust: str, near: int) -> str:
        """The name of another customer (another name) whose nearness to ``payer`` is ``near`` or more, or ``""``.

        A payer's name identifies a customer only when no other customer comes as close
        (``Adatum Systems`` while ``Adatum System`` and ``Adatum Systems`` are both customers).
        """
        key = (payer, near)
        hits = self._rivals.get(key)
        if hits is None:
            if len(self._rivals) > 100_000:
                self._rivals.clear()
            hits = self._rivals[key] = [c for c in self.name_candidates(payer)
                                        if party_score(payer, self.parties[c].name) >= near]
        own = self.name_keys.get(cust)
        return next((self.parties[c].name for c in hits if c != cust and self.name_keys[c] != own), "")

    def open_entries(self, customer_no: str) -> list[LedgerEntry]:
        """The customer's open debit entries, oldest first (due date, posting date, entry no.)."""
        entries = self.by_customer.get(customer_no, [])
        if customer_no not in self._sorted:
            try:
                entries.sort(key=_AGE)  # every entry has a due date (the usual case)
            except TypeError:
                entries.sort(key=lambda x: (x.due_date or x.posting_date, x.posting_date, x.entry_no))
            self._sorted.add(customer_no)
        return entries

    def book(self, customer_no: str, grace_days: int = 0) -> _Book:
        """The customer's open entries as a :class:`_Book` (built on first use, per grace period)."""
        if grace_days != self._grace:
            self._rows.clear()
            self._grace = grace_days
        b = self._rows.get(customer_no)
        if b is None:
            b = self._rows[customer_no] = _Book(self.open_entries(customer_no), grace_days)
        return b

    def expected(self, customer_no: str, on: date, grace_days: int = 0) -> list[tuple[LedgerEntry, Decimal]]:
        """The customer's open entries, oldest first, each with what a payment on ``on`` should be."""
        b = self.book(customer_no, grace_days)
        return [(e, b.expected(i, on)) for i, e in enumerate(b.entries)]

    def in_range(self, lo: Decimal, hi: Decimal, limit: int = 50) -> list[LedgerEntry]:
        """Open entries whose remaining amount is in [lo, hi] (an amount index built on first use)."""
        if self._amounts is None:
            pairs = sorted(((e.remaining_amount, e.entry_no, e) for es in self.by_customer.values() for e in es),
                           key=lambda x: (x[0], x[1]))
            self._amounts = ([a for a, _, _ in pairs], [e for _, _, e in pairs])
        keys, entries = self._amounts
        i, j = bisect_left(keys, lo), bisect_right(keys, hi)
        return entries[i:min(j, i + limit)]

    def name_candidates(self, name: str, limit: int = 40) -> list[str]:
        """Customers sharing the most words with ``name`` (a word counts 2, its first 3 letters 1).

        Word buckets are sets: the customers in two of them at once come from set
        intersections (C speed), so common words (``systems``, ``~mar``) with thousands of
        customers cost no Python loop. Only when no customer shares two of the words do
        the smallest buckets serve alone.
        """
        toks = [t for t in name_key(name).split() if len(t) >= 3]
        buckets: list[tuple[int, set[str], int]] = []
        seen: set[str] = set()
        for n, t in enumerate(toks):
            for key, w in ((t, 2), ("~" + t[:3], 1)):
                s = self.by_token.get(key)
                if s and key not in seen:
                    seen.add(key)
                    buckets.append((w, s, n))
        if not buckets:
            return []
        strong: set[str] = set()
        for (_, x, i), (_, y, j) in combinations(buckets, 2):
            if i != j:  # a word's own 3-letter bucket holds all of its word's
                strong |= (x & y) if len(x) <= len(y) else (y & x)
        if strong:
            scored = sorted((-sum(w for w, s, _ in buckets if c in s), c) for c in strong)
            return [c for _, c in scored[:limit]]
        out: list[str] = []
        for _, s, _ in sorted(buckets, key=lambda b: (-b[0], len(b[1]))):
            out.extend(sorted(s)[: limit - len(out)])
            if len(out) >= limit:
                break
        return out


# --------------------------------------------------------------------------- matching

def expected_amount(e: LedgerEntry, on: date, grace_days: int = 0) -> Decimal:
    """What a payment on ``on`` should be: less the remaining discount while it may be taken."""
    last = e.pmt_disc_tolerance_date or (e.pmt_discount_date + timedelta(days=grace_days)
                                         if e.pmt_discount_date else None)
    if e.remaining_pmt_disc_possible and last is not None and on <= last:
        return e.remaining_amount - e.remaining_pmt_disc_possible
    if e.remaining_pmt_disc_2_possible and e.pmt_discount_date_2 is not None and on <= e.pmt_discount_date_2:
        return e.remaining_amount - e.remaining_pmt_disc_2_possible
    return e.remaining_amount


@dataclass(slots=True)
class _Cand:
    customer_no: str
    entries: tuple[LedgerEntry, ...]
    rp: RelatedParty
    doc: DocMatch
    amount: AmountMatch
    name_score: int
    rp_why: str
    rule: Rule | None = None
    notes: list[str] = field(default_factory=list)
    searched: bool = False  # found by the subset search (no document named): never High on its own

    @property
    def score(self) -> int:
        return self.rule.score if self.rule else 0


def _related_party(line: StatementLine, idx: OpenItemIndex, cust: str, via_iban: set[str],
                   via_map: set[str], s: MatchSettings, via_no: dict[str, str] | None = None) -> tuple[RelatedParty, int, str]:
    if cust in via_iban:
        return RelatedParty.FULLY, 100, f"IBAN {line.payer_iban} is the customer's"
    if via_no and cust in via_no:
        return RelatedParty.FULLY, 100, via_no[cust]
    if cust in via_map:
        return RelatedParty.FULLY, 100, "a customer text mapping names the payer"
    key = idx.name_keys.get(cust, "")
    if not key:
        return RelatedParty.NO, 0, "no customer name"
    name = idx.parties[cust].name
    if line.payer_name:
        sc = party_score(line.payer_name, name)
        src = "payer name"
    else:
        sc = int(fuzz.partial_ratio(key, name_key(line.text))) if len(key) >= 4 else 0
        src = "transaction text"
    if sc >= s.name_full:
        p = idx.parties[cust]
        address_ok = bool(line.payer_address and p.address and compact(line.payer_address) == compact(p.address))
        rival = "" if address_ok or not line.payer_name else idx.rival(line.payer_name, cust, s.name_full)
        if (cust in idx.unique_name and not rival) or address_ok:
            return RelatedParty.FULLY, sc, f"{src} matches the name {name!r} ({sc})" + \
                (", same address" if address_ok else ", name unique")
        why = f"{rival!r} is near too" if rival else "name not unique"
        return RelatedParty.PARTIALLY, sc, f"{src} matches {name!r} ({sc}), {why}"
    if sc >= s.name_partial:
        return RelatedParty.PARTIALLY, sc, f"{src} near {name!r} ({sc})"
    return RelatedParty.NO, sc, f"{src} not near {name!r} ({sc})"


def _entries(hit: LedgerEntry | list[LedgerEntry] | None) -> Sequence[LedgerEntry]:
    if hit is None:
        return ()
    return hit if type(hit) is list else (hit,)  # type: ignore[return-value]


@dataclass(slots=True)
class _Reading:
    """What a line's text names: open and closed documents, customer numbers, bare numbers."""

    named: list[LedgerEntry]
    closed: list[LedgerEntry]
    numbers: set[str]  # digit groups without leading zeros, not part of a named document's number
    customers: set[str]
    structured: dict[str, str] = field(default_factory=dict)  # customer -> the valid structured reference
    exact: set[int] = field(default_factory=set)  # entry nos a valid structured reference names


def _year(g: str) -> bool:
    return len(g) == 4 and g[:2] in ("19", "20")


_REF_RUN = re.compile(r"[+*]{3}[\d/ ]+[+*]{3}|\d[\d ]*\d")


def _structured(text: str, scheme: str, idx: OpenItemIndex) -> dict[int, tuple[LedgerEntry, str]]:
    """Open entries named by a valid structured reference of ``scheme`` in ``text`` (its base is their digits)."""
    out: dict[int, tuple[LedgerEntry, str]] = {}
    runs = {m.group(0).strip() for m in _REF_RUN.finditer(text)}
    runs |= {w for r in list(runs) for w in r.split()}
    for run in runs:
        base = payref.base_of(scheme, run)
        if base:
            for e in _entries(idx.by_digits.get(base.lstrip("0"))):
                out[e.entry_no] = (e, run)
    return out


def _payment_references(text: str, scheme: str, idx: OpenItemIndex) -> list[tuple[LedgerEntry, str, bool]]:
    """Entries whose Payment Reference is in ``text`` (blanks, dashes and ``+++`` frames ignored): (entry, the
    reference as written, whether it is a valid structured reference: of ``scheme``, or any valid RF one).

    The ledger's own field decides, whatever the scheme: a reference typed on an entry is found as typed.
    """
    keys: dict[str, str] = {}
    for m in _REF_RUN.finditer(text):
        keys.setdefault(compact(m.group(0)), m.group(0).strip())
    for w in text.split():
        keys.setdefault(compact(w), w)
    up = text.upper()
    if "RF" in up:
        for w in compact_keep_words(up).split():
            if w.startswith("RF"):  # an RF reference runs on into the next words: every length it may have
                for n in range(5, min(len(w), 25) + 1):
                    keys.setdefault(w[:n], w[:n])
    out = []
    for k, run in keys.items():
        if len(k) < _MIN_DOC:
            continue
        for e in _entries(idx.by_payref.get(k)):
            out.append((e, run, (bool(scheme) and payref.valid(scheme, k)) or _rf_valid(k)))
        c = idx.closed_payref.get(k)
        if c is not None:
            out.append((c, run, False))
    return out


def _rf_valid(k: str) -> bool:
    return k.startswith("RF") and payref.valid("RF", k)


def _read(line: StatementLine, idx: OpenItemIndex, scheme: str = "") -> _Reading:
    """The documents the text names, as people type them.

    Whole numbers (``INV-2026-00123``, without the hyphen), the digits without the prefix
    and the leading zeros (``202600123``, ``2026 00123``) and RF creditor references name
    documents of any customer; the remaining digit groups (``Inv 123``, the rest of a list
    ``INV-2026-01484/01894`` or ``RE 9116, 12009``) name documents of a customer the line
    is already about (:meth:`_Book.tail_hits`). A named document that is already closed is
    kept apart: the line may be a duplicate payment.
    """
    text = line.text + " " + line.reference
    spans = text_spans(text)
    found: dict[int, LedgerEntry] = {}
    closed: dict[int, LedgerEntry] = {}
    for sp in spans:
        if len(sp) < _MIN_DOC:
            continue
        for e in _entries(idx.by_doc.get(sp)):
            found[e.entry_no] = e
        if sp.isalnum():
            for e in _entries(idx.by_compact_doc.get(sp)):
                found[e.entry_no] = e
        if idx.closed:
            c = idx.closed.get(sp)
            if c is not None:
                closed[c.entry_no] = c
    groups: set[str] = set()
    for m in _NUMBERS.finditer(text):
        run = m.group(0)
        parts = [g.lstrip("0") for g in re.split(r"[ .-]", run)]
        k = _digits(run)  # the whole run: a part alone may be another number's tail
        if len(k) >= _MIN_DIGITS:
            for e in _entries(idx.by_digits.get(k)):
                found[e.entry_no] = e
        groups.update(parts)
    both = line.reference + " " + line.text
    ref = rf_reference(both) if "RF" in both.upper() else None
    if ref:
        for e in _entries(idx.by_doc.get(ref) or idx.by_compact_doc.get(ref)):
            found[e.entry_no] = e
    structured: dict[str, str] = {}
    exact: set[int] = set()
    if idx.by_payref or idx.closed_payref:
        for e, run, ok in _payment_references(text, scheme, idx):
            if not e.open:
                closed[e.entry_no] = e
                continue
            found[e.entry_no] = e
            if ok:
                structured[e.customer_no] = run
                exact.add(e.entry_no)
    if scheme:
        for e, run in _structured(text, scheme, idx).values():
            found[e.entry_no] = e
            structured[e.customer_no] = run
            exact.add(e.entry_no)
    own: set[str] = set()
    for e in (*found.values(), *closed.values()):
        own.update(g.lstrip("0") for g in re.findall(r"\d+", e.document_no))
    numbers = {g for g in groups if len(g) >= 3 and g not in own and not _year(g)}
    custs = {idx.by_number[sp] for sp in spans if sp in idx.by_number}
    up = text.upper()
    if any(k in up for k in ("KD", "KUNDE", "KNR", "CUST", "DEBITOR", "CLIENT", "ACC")):
        custs.update(m.group(1) for m in _CUSTNO.finditer(up) if m.group(1) in idx.parties)
    return _Reading(list(found.values()), [c for n, c in closed.items() if n not in found], numbers, custs,
                    structured, exact)


def _named_entries(line: StatementLine, idx: OpenItemIndex) -> list[LedgerEntry]:
    return _read(line, idx).named


_PAIRS: dict[int, list[tuple[int, int]]] = {}


def _pair_index(n: int) -> list[tuple[int, int]]:
    p = _PAIRS.get(n)
    if p is None:
        p = _PAIRS[n] = list(combinations(range(n), 2))
    return p


def _exact_sets(vals: list[int], target: int, max_size: int, cap: int) -> list[tuple[int, ...]]:
    """Index sets of 2..``max_size`` (at most 4) values that add up to ``target`` exactly, at most ``cap``.

    Meet in the middle over the pair sums: a triple is a value plus a pair, a quadruple two
    disjoint pairs. A set look-up tells first whether there is any; the sets are only
    spelled out when there is (most lines have none).
    """
    sums = [a + b for a, b in combinations(vals, 2)]
    have = set(sums)
    rest = target.__sub__
    two = {target} & have
    three = have.intersection(map(rest, vals)) if max_size >= 3 else set()
    four = have.intersection(map(rest, sums)) if max_size >= 4 else set()
    if not (two or three or four):
        return []
    wanted = two | three | four
    by_sum: dict[int, list[tuple[int, int]]] = {}
    for sm, ij in zip(sums, _pair_index(len(vals))):
        if sm in wanted:
            by_sum.setdefault(sm, []).append(ij)
    found: dict[tuple[int, ...], None] = dict.fromkeys(by_sum.get(target, ()))
    if three:
        for k, v in enumerate(vals):
            for i, j in by_sum.get(target - v, ()):
                if k != i and k != j:
                    found[tuple(sorted((i, j, k)))] = None
    for sm in sorted(four):
        if sm + sm > target or len(found) > cap:
            break
        for i, j in by_sum[sm]:
            for k, m in by_sum.get(target - sm, ()):
                if i != k and i != m and j != k and j != m:
                    found[tuple(sorted((i, j, k, m)))] = None
    return list(found)[:cap]


def _near_sets(vals: list[int], lo: int, hi: int, cap: int) -> list[tuple[int, ...]]:
    """Pairs and triples of values whose sum is within [lo, hi] (``vals`` ascending), at most ``cap``.

    Larger sets within a tolerance are left out: among 50 open invoices a dozen sets of
    four fall within ±1.00 of any amount, so such a proposal would say nothing.
    """
    st = sorted(zip([a + b for a, b in combinations(vals, 2)], _pair_index(len(vals))))
    ss = [x for x, _ in st]
    found: dict[tuple[int, ...], None] = {ij: None for _, ij in st[bisect_left(ss, lo):bisect_right(ss, hi)]}
    for k, v in enumerate(vals):
        if len(found) >= cap:
            break
        for _, (i, j) in st[bisect_left(ss, lo - v):bisect_right(ss, hi - v)]:
            if k != i and k != j:
                found[tuple(sorted((i, j, k)))] = None
    return list(found)[:cap]


def _pool(b: _Book, on: date | None, hi: Decimal, s: MatchSettings) -> list[tuple[int, int]]:
    """(cents, position) of the customer's oldest entries whose amount is in (0, hi], ascending.

    The expected amount on ``on``; the remaining amount (no discount) when ``on`` is None.
    """
    pool: list[tuple[int, int]] = []
    for i in range(len(b.entries)):
        a = b.rem[i] if on is None else b.expected(i, on)
        if ZERO < a <= hi:
            c = _cents(a)
            if c is not None:
                pool.append((c, i))
                if len(pool) >= s.max_subset_items:
                    break
    pool.sort()
    return pool


def _subsets(b: _Book, on: date, lo: Decimal, hi: Decimal, amount: Decimal,
             s: MatchSettings) -> tuple[list[tuple[int, ...]], int, list[tuple[int, ...]]]:
    """Sets of 2..max_subset_size open entries (positions in ``b``) that one payment may have paid.

    The pool is the customer's ``max_subset_items`` oldest entries whose expected amount
    is below the range's top. First the sets whose expected amounts add up to the
    statement amount *to the cent* (up to three; the second value returned is how many).
    When there is none: the sets whose *remaining* amounts add up to it while a discount
    is still granted on one of them (third value: BC does not match that amount, but
    these are the invoices paid); else up to three sets whose sum lies within the tolerance.
    """
    pool = _pool(b, on, hi, s)
    if len(pool) < 2:
        return [], 0, []
    size = min(s.max_subset_size, 4)
    target = _cents(amount)
    if target is not None:
        exact = _exact_sets([v for v, _ in pool], target, size, 3)
        if exact:
            return [tuple(sorted(pool[j][1] for j in c)) for c in exact], len(exact), []
        if b.has_disc:
            full = _pool(b, None, hi, s)
            found = [tuple(sorted(full[j][1] for j in c)) for c in _exact_sets([v for v, _ in full], target, size, 3)]
            found = [c for c in found if any(b.state(i, on) for i in c)]
            if found:
                return [], 0, found
    lo_c, hi_c = int(lo * 100), int(hi * 100)
    if lo_c == hi_c:
        return [], 0, []
    return [tuple(sorted(pool[j][1] for j in c)) for c in _near_sets([v for v, _ in pool], lo_c, hi_c, 3)], 0, []


_RP_RANK = {RelatedParty.FULLY: 2, RelatedParty.PARTIALLY: 1, RelatedParty.NO: 0}


def _customer_candidates(line: StatementLine, idx: OpenItemIndex, cust: str, named: list[LedgerEntry],
                         rp: tuple[RelatedParty, int, str], s: MatchSettings, lo: Decimal,
                         hi: Decimal, search: bool = True, numbers: set[str] = frozenset(),
                         exact: set[int] = frozenset()) -> list[_Cand]:
    on = line.transaction_date
    b = idx.book(cust, s.grace_days)
    mine = {b.pos[e.entry_no] for e in named if e.customer_no == cust and e.entry_no in b.pos}
    if numbers and (mine or rp[0] is not RelatedParty.NO):
        mine.update(b.tail_hits(numbers))  # "Inv 123", the rest of a list: this customer's numbers
    named_pos = sorted(mine)
    in_range: list[tuple[int, ...]] = [(i,) for i in b.in_range(lo, hi, on)]
    sets: list[tuple[int, ...]] = []
    if len(named_pos) > 1:
        sets.append(tuple(named_pos))
        tot = sum((b.expected(i, on) for i in named_pos), ZERO)
        if lo <= tot <= hi:
            in_range.append(sets[0])
    sets += [(i,) for i in named_pos]
    subsets: list[tuple[int, ...]] = []
    n_exact = 0
    undiscounted: list[int] = []
    if not in_range and not named_pos and b.has_disc:
        # the full amount of an entry whose discount is still granted: BC does not match the
        # amount (posting would leave the discount as an overpayment), but it is the entry paid
        undiscounted = [i for i in b.in_full(lo, hi) if b.state(i, on)]
        sets += [(i,) for i in undiscounted]
    may_search = search and not named_pos and len(b.entries) > 1 and rp[0] is not RelatedParty.NO
    if may_search and not in_range and not undiscounted:
        # one payment, several invoices, none named: only for a payer we know (spec §7.5)
        subsets, n_exact, undiscounted_sets = _subsets(b, on, lo, hi, line.amount, s)
        in_range += subsets
        sets += undiscounted_sets
    rivals = False
    if not subsets and in_range and not named_pos and all(
            len(c) == 1 and b.expected(c[0], on) != line.amount for c in in_range):
        # single entries only near the amount (a wide tolerance): an entry paid in full while its
        # discount is granted, or a set of entries, that makes the amount to the cent is as good
        # a reading, so none of them is One Match
        full = [i for i in b.in_full(line.amount, line.amount) if b.state(i, on)]
        sets += [(i,) for i in full]
        rivals = bool(full)
        if may_search and not full:
            subsets, _, _ = _subsets(b, on, lo, lo, line.amount, s)
            in_range += subsets
    for c in in_range:
        if c not in sets:
            sets.append(c)
    if not sets:
        sets.append(())
    n_in = len(in_range)
    named_set = set(named_pos)
    out = []
    for c in sets:
        if c and named_set.issuperset(c):
            doc = DocMatch.YES_MULTIPLE if len(c) > 1 else DocMatch.YES
        else:
            doc = DocMatch.NO
        if not c:
            amount = AmountMatch.NONE
        elif c in subsets:
            # a set found by search, not named: One Match only when it is the only one to the cent
            amount = AmountMatch.ONE if n_exact == 1 else AmountMatch.MULTIPLE
        elif lo <= (tot := sum((b.expected(i, on) for i in c), ZERO)) <= hi:
            # xlar: when the text names other documents of this customer, an amount-only match
            # within the tolerance but not to the cent is not the only plausible reading (a short
            # payment of the named invoice); to the cent it is BC's One Match (a mistyped number)
            amount = AmountMatch.ONE if n_in == 1 and not rivals and (
                doc is not DocMatch.NO or not named_pos or tot == line.amount) else AmountMatch.MULTIPLE
            if exact and amount is AmountMatch.MULTIPLE and all(b.entries[i].entry_no in exact for i in c):
                amount = AmountMatch.ONE  # a valid structured reference names them: no amount ambiguity
        else:
            amount = AmountMatch.NONE
        out.append(_Cand(cust, tuple(b.entries[i] for i in c), rp[0], doc, amount, rp[1], rp[2],
                         searched=c in subsets))
    return out


def _explain(line: StatementLine, c: _Cand, lo: Decimal, hi: Decimal, on: date, s: MatchSettings) -> str:
    docs = ", ".join(e.document_no for e in c.entries) or "no document"
    exp = sum((expected_amount(e, on, s.grace_days) for e in c.entries), ZERO)
    parts = [f"Related party {c.rp}: {c.rp_why}",
             f"Doc. No. {c.doc}" + (f" ({docs} in the text)" if c.doc is not DocMatch.NO else ""),
             f"Amount {c.amount}: {docs} expects {exp} in range {lo:.2f}..{hi:.2f}"]
    full = sum((e.remaining_amount for e in c.entries), ZERO)
    if c.amount is AmountMatch.NONE and c.entries and full != exp and lo <= full <= hi:
        parts.append(f"the full amount {full} while a discount is granted "
                     f"(posting leaves {full - exp} as an overpayment)")
    first = [n for n in c.notes if n.startswith("Possible duplicate")]
    return "; ".join(first + parts + [n for n in c.notes if n not in first])


def _proposal(line: StatementLine, c: _Cand, rank: int, lo: Decimal, hi: Decimal, s: MatchSettings) -> Proposal:
    rule = c.rule
    remaining = sum((e.remaining_amount for e in c.entries), ZERO)
    applied = min(line.amount, remaining) if c.entries else line.amount
    return Proposal(
        statement_no=line.statement_no, line_no=line.line_no, rank=rank,
        confidence=rule.confidence if rule else Confidence.NONE, rule=rule.name if rule else "",
        score=c.score, customer_no=c.customer_no, documents=tuple(e.document_no for e in c.entries),
        entry_nos=tuple(e.entry_no for e in c.entries), applied_amount=applied,
        difference=line.amount - applied, related_party=c.rp, doc_no=c.doc, amount_match=c.amount,
        name_score=c.name_score, explanation=_explain(line, c, lo, hi, line.transaction_date, s))


def _mapping(line: StatementLine, idx: OpenItemIndex) -> tuple[TextMapping, int] | None:
    text = f"{line.payer_name} {line.text} {line.reference}".upper()
    best: tuple[TextMapping, int] | None = None
    for m in idx.gl_maps:
        t = m.mapping_text.upper()
        if t in text:
            sc = 3000 + min(len(t), 498) + (1 if t == line.text.upper().strip() else 0)
            if best is None or sc > best[1]:
                best = (m, sc)
    return best


_RULE_CACHE: dict[tuple, Rule | None] = {}


def _best_rule(rules: tuple[Rule, ...], rp: RelatedParty, doc: DocMatch, amount: AmountMatch) -> Rule | None:
    """The best-scoring rule whose considered criteria equal the tuple (cached per rule set)."""
    key = (id(rules), rp, doc, amount)
    if key not in _RULE_CACHE:
        if len(_RULE_CACHE) > 10_000:
            _RULE_CACHE.clear()
        _RULE_CACHE[key] = next((r for r in sorted(rules, key=lambda r: -r.score) if r.fits(rp, doc, amount)),
                                None)
    return _RULE_CACHE[key]


def find_debit(line: StatementLine, idx: OpenItemIndex) -> DebitEntry | None:
    """The collected direct debit whose Transaction ID (EndToEndId) is the line's reference or a word of its text."""
    return debit_in(line, idx.debits)


def debit_in(line: StatementLine, by_id: dict[str, DebitEntry]) -> DebitEntry | None:
    """:func:`find_debit` over debits keyed by upper-case Transaction ID."""
    if not by_id:
        return None
    for word in (line.reference, *line.reference.split(), *line.text.split()):
        d = by_id.get(word.strip(" ,;.()").upper())
        if d is not None:
            return d
    return None


def _debit_proposal(line: StatementLine, idx: OpenItemIndex, d: DebitEntry, lo: Decimal, hi: Decimal,
                    s: MatchSettings) -> Proposal | None:
    """BC's *Direct Debit Collect. Matched = Yes* rule: High for the debit's invoice whatever the other criteria.

    A debit already Posted (``xlar sepa --confirm``) is not proposed for posting again: the
    line gets confidence None and says so. A debit whose invoice is no longer open is left
    to the other rules.
    """
    why = f"Direct debit {d.transaction_id} (mandate {d.mandate_id}, collection {d.collection_id})"
    if d.status is DebitStatus.POSTED:
        return Proposal(statement_no=line.statement_no, line_no=line.line_no, rank=1, confidence=Confidence.NONE,
                        rule=DIRECT_DEBIT_RULE, score=0, customer_no=d.customer_no, documents=(d.document_no,),
                        difference=line.amount, related_party=RelatedParty.FULLY, doc_no=DocMatch.YES,
                        explanation=f"{why} was already posted as {d.payment_document_no or 'a payment'} by "
                        "xlar sepa --confirm: do not post it again; reconcile the bank line")
    b = idx.book(d.customer_no, s.grace_days)
    i = b.pos.get(d.entry_no)
    if i is None:
        return None
    e = b.entries[i]
    exp = b.expected(i, line.transaction_date)
    amount = AmountMatch.ONE if lo <= exp <= hi else AmountMatch.NONE
    applied = min(line.amount, e.remaining_amount)
    return Proposal(statement_no=line.statement_no, line_no=line.line_no, rank=1, confidence=Confidence.HIGH,
                    rule=DIRECT_DEBIT_RULE, score=DIRECT_DEBIT_SCORE, customer_no=d.customer_no,
                    documents=(e.document_no,), entry_nos=(e.entry_no,), applied_amount=applied,
                    difference=line.amount - applied, related_party=RelatedParty.FULLY, doc_no=DocMatch.YES,
                    amount_match=amount, name_score=100,
                    explanation=f"{why} collects {e.document_no} ({d.amount}); Amount {amount.value}: "
                    f"{e.document_no} expects {exp} in range {lo:.2f}..{hi:.2f}")


def _booked_proposal(line: StatementLine, b: Booked) -> Proposal:
    """A line whose money ``xlar sepa`` already posted: never a payment again, reconciled against its entries.

    High with the direct debit rule when the open bank ledger entries of the named debits add
    up to the line (``accept`` links them to it and posts nothing); None with the reason
    otherwise.
    """
    custs = {d.customer_no for d in b.debits}
    cust = custs.pop() if len(custs) == 1 else ""
    if not b.entries:
        return Proposal(statement_no=line.statement_no, line_no=line.line_no, rank=1, confidence=Confidence.NONE,
                        rule=DIRECT_DEBIT_RULE, score=0, customer_no=cust, difference=line.amount,
                        explanation=b.problem)
    docs = tuple(e.document_no for e in b.entries)
    nos = ", ".join(str(e.entry_no) for e in b.entries[:5]) + (" ..." if len(b.entries) > 5 else "")
    what = "returned by the bank: its refund was" if line.amount < 0 else "already"
    return Proposal(statement_no=line.statement_no, line_no=line.line_no, rank=1, confidence=Confidence.HIGH,
                    rule=DIRECT_DEBIT_RULE, score=DIRECT_DEBIT_SCORE, customer_no=cust, documents=docs,
                    applied_amount=line.amount, related_party=RelatedParty.FULLY,
                    doc_no=DocMatch.YES_MULTIPLE if len(docs) > 1 else DocMatch.YES, amount_match=AmountMatch.ONE,
                    explanation=f"{b.name}: {len(b.debits)} direct debit(s) {what} posted by xlar sepa as bank "
                    f"ledger entr{'ies' if len(b.entries) > 1 else 'y'} {nos} ({b.total}); accept links the line to "
                    "them and posts nothing; reconcile closes them")


def match_line(line: StatementLine, idx: OpenItemIndex, s: MatchSettings = MatchSettings()) -> list[Proposal]:
    """Proposals for one statement line, best first (at most ``s.alternatives``)."""
    b = idx.booked.find(line) if idx.booked is not None else None
    if b is not None:
        return [_booked_proposal(line, b)]
    d = find_debit(line, idx) if line.amount > 0 else None
    if d is not None:
        lo, hi = s.amount_range(line.amount)
        p = _debit_proposal(line, idx, d, lo, hi, s)
        if p is not None:
            rest = [q for q in _match_line(line, idx, s)
                    if (q.customer_no, q.documents) != (p.customer_no, p.documents)][: s.alternatives - 1]
            return [p] + [Proposal(**{**_asdict(q), "rank": n}) for n, q in enumerate(rest, start=2)]
    return _match_line(line, idx, s)


def _match_line(line: StatementLine, idx: OpenItemIndex, s: MatchSettings) -> list[Proposal]:
    lo, hi = s.amount_range(line.amount)
    if line.amount <= 0:
        m = _mapping(line, idx)
        if m is None:
            return [Proposal(statement_no=line.statement_no, line_no=line.line_no, rank=1,
                             confidence=Confidence.NONE, rule="", score=0, difference=line.amount,
                             explanation="Money out: no customer match; add a text-to-account mapping")]
        return [_mapping_proposal(line, *m)]
    via_iban = idx.by_iban.get(compact(line.payer_iban), set()) if line.payer_iban else set()
    hay = f"{line.payer_name} {line.text} {compact(line.payer_iban)}".upper()
    via_map = {c for t, c in idx.customer_maps if t in hay}
    reading = _read(line, idx, s.reference_scheme)
    named = reading.named
    via_no = {c: f"the customer number {c} is in the text" for c in reading.customers}
    via_no.update({c: f"the payment reference {run} (valid {s.reference_scheme} check digits) names the "
                   "customer's invoice" for c, run in reading.structured.items()})
    custs: dict[str, None] = dict.fromkeys(sorted(via_iban | via_map | set(via_no)))
    for e in (*named, *reading.closed):
        custs.setdefault(e.customer_no)
    rps = {c: _related_party(line, idx, c, via_iban, via_map, s, via_no) for c in custs if c in idx.parties}
    if not any(r[0] is not RelatedParty.NO for r in rps.values()):
        # nobody named yet is the payer: look the payer up by name
        pool = idx.name_candidates(line.payer_name or line.text)
        if pool:
            payer = name_key(line.payer_name or line.text)
            scorer = _scorer if line.payer_name else fuzz.partial_ratio
            choices = {c: idx.name_keys[c] for c in pool}
            for _, _sc, c in process.extract(payer, choices, scorer=scorer, limit=8,
                                             score_cutoff=s.name_partial):
                custs.setdefault(c)
    if not custs:
        for e in idx.in_range(lo, hi, limit=20):
            if expected_amount(e, line.transaction_date, s.grace_days) >= lo:
                custs.setdefault(e.customer_no)
    for cust in custs:
        if cust not in rps and (cust in idx.parties or cust in idx.by_customer):
            rps[cust] = _related_party(line, idx, cust, via_iban, via_map, s, via_no) if cust in idx.parties else \
                (RelatedParty.NO, 0, "customer not on the Customers sheet")
    # the subset search (several invoices, none named) only for the payer: the best related party
    payer = max(((_RP_RANK[r[0]], r[1]) for r in rps.values()), default=(0, 0))
    cands: list[_Cand] = []
    for cust in custs:
        rp = rps.get(cust)
        if rp is None:
            continue
        cands += _customer_candidates(line, idx, cust, named, rp, s, lo, hi,
                                      search=(_RP_RANK[rp[0]], rp[1]) == payer, numbers=reading.numbers,
                                      exact=reading.exact)
    for c in cands:
        c.rule = _best_rule(s.rules, c.rp, c.doc, c.amount)
    _named_decides(cands, reading, s)
    if len(cands) > 1:
        cands.sort(key=lambda c: (-(c.rule.confidence.rank if c.rule else -1), -_fits_named(c), -c.score,
                                  -c.name_score, -len(c.entries),
                                  c.entries[0].due_date or c.entries[0].posting_date if c.entries else date.max))
    props = [_proposal(line, c, i + 1, lo, hi, s) for i, c in enumerate(cands[: s.alternatives])]
    best = props[0].confidence if props else Confidence.NONE
    if best is not Confidence.HIGH:
        m = _mapping(line, idx)
        if m is not None:
            props = [_mapping_proposal(line, *m)] + [
                Proposal(**{**_asdict(p), "rank": p.rank + 1}) for p in props[: s.alternatives - 1]]
    if not props:
        props = [Proposal(statement_no=line.statement_no, line_no=line.line_no, rank=1,
                          confidence=Confidence.NONE, rule="", score=0, difference=line.amount,
                          explanation=_duplicate_note(reading) or "No customer, document or amount matches")]
    return props


def _fits_named(c: _Cand) -> bool:
    return c.doc is not DocMatch.NO and c.amount in (AmountMatch.ONE, AmountMatch.MULTIPLE)


def _duplicate_note(reading: _Reading) -> str:
    if not reading.closed or reading.named:
        return ""
    docs = ", ".join(f"{e.document_no}" + (f" (closed {e.closed_at_date.isoformat()})" if e.closed_at_date else "")
                     for e in reading.closed)
    return f"Possible duplicate payment: the text names {docs}, already paid"


def _named_decides(cands: list[_Cand], reading: _Reading, s: MatchSettings) -> None:
    """A document the text names decides the match (issue 24).

    No High for: a set of invoices found by amount alone (subset-sum); any amount-only
    candidate while a named open document fits the amount; any candidate of a line
    whose text names only documents already closed (a possible duplicate payment, said
    first in the explanation).
    """
    dup = _duplicate_note(reading)
    named_fits = any(_fits_named(c) for c in cands)
    for c in cands:
        why = ""
        if dup:
            why = dup
        elif c.doc is DocMatch.NO and named_fits:
            why = "the text names another document that fits the amount: an amount-only match is not High"
        elif c.searched:
            why = "invoices combined by amount alone (none named): never High on their own"
        if not why:
            continue
        if c.rule is not None and c.rule.confidence is Confidence.HIGH:
            c.rule = _capped(s.rules, c.rp, c.doc, c.amount)
        if dup:
            c.notes.insert(0, why)
        else:
            c.notes.append(why)


def _capped(rules: tuple[Rule, ...], rp: RelatedParty, doc: DocMatch, amount: AmountMatch) -> Rule | None:
    """The best rule below High for the tuple (amount read as Multiple Matches when no lower rule takes One)."""
    lower = tuple(r for r in rules if r.confidence is not Confidence.HIGH)
    return _best_rule(lower, rp, doc, amount) or _best_rule(lower, rp, doc, AmountMatch.MULTIPLE)


def _asdict(p: Proposal) -> dict[str, object]:
    return {f: getattr(p, f) for f in p.__slots__}  # type: ignore[attr-defined]


def _mapping_proposal(line: StatementLine, m: TextMapping, score: int) -> Proposal:
    return Proposal(statement_no=line.statement_no, line_no=line.line_no, rank=1, confidence=Confidence.HIGH,
                    rule=MAPPING_RULE, score=score, account_no=m.account_no, applied_amount=line.amount,
                    explanation=f"Text {m.mapping_text!r} maps to G/L account {m.account_no}"
                    + (f" ({m.description})" if m.description else ""))


def match_statement(lines: Iterable[StatementLine], idx: OpenItemIndex,
                    s: MatchSettings = MatchSettings()) -> list[Proposal]:
    """Proposals for every open line (``status`` blank), best first per line."""
    out: list[Proposal] = []
    with gc_paused():
        for line in lines:
            if line.status:
                continue
            out.extend(match_line(line, idx, s))
    return out


def learned_mapping(line: StatementLine, customer_no: str) -> TextMapping | None:
    """The mapping row remembered when a user matches ``line`` to ``customer_no`` by hand.

    The payer's IBAN when the bank gave one (exact), else the payer's name.
    """
    text = line.payer_iban.replace(" ", "").upper() or line.payer_name.strip()
    if len(text) < _MIN_DOC:
        return None
    return TextMapping(mapping_text=text[:50], target=MappingTarget.CUSTOMER, account_no=customer_no,
                       description=f"learned from statement {line.statement_no} line {line.line_no}", learned=True)


def split_difference(line: StatementLine, entries: Sequence[LedgerEntry], grace_days: int = 0
                     ) -> tuple[Decimal, Decimal]:
    """BC's *Transfer Difference to Account*: (amount the entries take, difference for the G/L account).

    The entries take what a payment on the transaction date should be (their remaining
    amounts, less a discount still granted); the difference is the statement amount less
    that: positive for an overpayment, negative for a short payment or deducted fees.
    """
    due = sum((expected_amount(e, line.transaction_date, grace_days) for e in entries), ZERO)
    return due, line.amount - due


def difference_gl(line: StatementLine, difference: Decimal, account_no: str, bank_account: str,
                  first_entry_no: int) -> tuple[GLLine, GLLine]:
    """The balanced G/L pair that sends ``difference`` of a statement line to ``account_no``.

    Overpayment (+): Dr bank / Cr account. Short payment or fees (-): Dr account / Cr bank.
    With the payment for the entries' amount, the bank side nets to the statement amount.
    """
    return account_gl(replace(line, amount=difference), account_no, bank_account, first_entry_no,
                      f"Difference of statement {line.statement_no} line {line.line_no}")


def journal_line(line: StatementLine, p: Proposal, line_no: int, amount: Decimal | None = None) -> JournalLine:
    """The cash receipt journal line an accepted customer proposal becomes (posted by ``post_journal``).

    Dated the transaction date, for the whole statement amount (or ``amount``, what the
    documents take when the difference goes to an account), applied to the proposal's
    documents; payment tolerance and discounts are then BC's posting rules (§7.5).
    """
    return JournalLine(line_no=line_no, posting_date=line.transaction_date, document_type=DocumentType.PAYMENT,
                       document_no=f"{line.statement_no}-{line.line_no}",
                       amount=line.amount if amount is None else amount,
                       customer_no=p.customer_no, currency=line.currency,
                       description=(line.text or line.payer_name)[:100], applies_to_doc_nos=p.documents,
                       external_document_no=line.reference[:35])

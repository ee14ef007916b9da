"""SEPA direct debit the way Business Central does it (spec §11).

Records and rules, no I/O; the pain.008 file is written by :mod:`xlar.book.sepa_xml`.

* **Mandates** (:class:`Mandate`): a customer's authorisation to debit one IBAN.
  :func:`check_mandate` lists every reason a mandate cannot be used on a date
  (BC *SEPA DD-Check Line*): no Date of Signature, not yet or no longer valid, blocked,
  closed, a bad IBAN or BIC (schwifty).
* **Sequence type** (:func:`sequence_type`, BC ``GetSequenceType``): One-off → ``OOFF``;
  recurring with Debits Made = 0 → ``FRST``; Debits Made ≥ Expected − 1 → ``FNAL``
  (when an expected number is given); else ``RCUR``.
* **Collection** (:func:`create_collection`): every open invoice, finance charge memo
  and reminder in EUR due on or before the collection date and not On Hold, of a customer with a usable
  mandate (and not blocked for All), becomes one :class:`DebitEntry` for its remaining amount less what active
  collections already hold. Each entry counts as one debit of its mandate, in due-date
  order, so a mandate with Debits Made = 0 and two invoices gives FRST then RCUR.
  The mandates come back with their new Debits Made (closed when it reaches the
  expected number); :func:`batches` groups the entries per (date, sequence type), one
  ``PmtInf`` each.
* **Posting** (:func:`payment_lines`): each collected entry becomes a Payment journal
  line applied to its invoice (BC report 1201), posted by ``post_journal`` like any
  other line; entries whose invoice is closed or holds less than the transfer amount
  are skipped. **Rejecting** an entry rolls its mandate's counter back
  (:func:`roll_back`); reopening a posted invoice is ``unapply`` plus a Refund line
  (:func:`refund_line`).
* **The bank side** (:func:`bank_entries`): report 1201's journal line has the
  collection's bank account as balancing account, so each posted debit is also one open
  bank account ledger entry (posting date = transfer date, the bank G/L amount of its
  payment); a returned debit's refund is a negative one. When the bank statement
  arrives, :class:`BookedDebits` finds the entries a statement line stands for, by the
  ids the bank repeats: a debit's Transaction ID (EndToEndId), the collection's ID
  (``MsgId``) or one of its batches (``PmtInfId``, ``<collection>-<n>``), so the line
  is reconciled against them instead of being posted a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from xlar.core.bank import BankLedgerEntry, StatementLine
from xlar.core.model import (
    Blocked,
    Book,
    DocumentType,
    GLLine,
    Issue,
    JournalLine,
    LedgerEntry,
    Ref,
    Severity,
)
from xlar.core.money import ZERO

DT = DocumentType
#: documents a direct debit collects (BC: invoices, finance charge memos, reminders)
COLLECTIBLE = (DT.INVOICE, DT.FINANCE_CHARGE_MEMO, DT.REMINDER)


class MandateType(StrEnum):
    """SEPA Direct Debit Mandate ``Type of Payment`` (contract words)."""

    RECURRING = "Recurring"
    ONE_OFF = "One-off"


class SequenceType(StrEnum):
    """pain.008 ``SeqTp``."""

    FRST = "FRST"
    RCUR = "RCUR"
    FNAL = "FNAL"
    OOFF = "OOFF"


class DebitStatus(StrEnum):
    """Status of one collection entry (BC words)."""

    FILE_CREATED = "File Created"
    POSTED = "Posted"
    REJECTED = "Rejected"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mandate:
    """A SEPA direct debit mandate (contract sheet ``Mandates``)."""

    mandate_id: str
    customer_no: str
    iban: str
    bic: str = ""
    type: MandateType = MandateType.RECURRING
    signature_date: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    expected_debits: int = 0  # 0: no limit
    debits_made: int = 0
    blocked: bool = False

    @property
    def closed(self) -> bool:
        """BC ``Closed``: a one-off mandate used once, a recurring one used the expected number of times."""
        if self.type is MandateType.ONE_OFF:
            return self.debits_made >= 1
        return self.expected_debits > 0 and self.debits_made >= self.expected_debits


@dataclass(frozen=True, slots=True, kw_only=True)
class Creditor:
    """The company as SEPA creditor: name, creditor identifier, account and bank."""

    name: str
    creditor_id: str
    iban: str
    bic: str = ""
    local_instrument: str = "CORE"  # CORE (persons) or B2B (companies)


@dataclass(frozen=True, slots=True, kw_only=True)
class DebitEntry:
    """One direct debit collection entry (contract sheet ``DirectDebit``)."""

    collection_id: str
    entry_no: int  # the collected ledger entry
    customer_no: str
    customer_name: str
    document_no: str
    mandate_id: str
    iban: str
    bic: str
    signature_date: date
    transfer_date: date
    amount: Decimal
    currency: str
    sequence_type: SequenceType
    status: DebitStatus = DebitStatus.FILE_CREATED
    payment_document_no: str = ""  # the posted payment, once confirmed

    @property
    def transaction_id(self) -> str:
        """BC ``Transaction ID``: ``<collection>/<entry no.>``; also the EndToEndId."""
        return f"{self.collection_id}/{self.entry_no}"

    @property
    def active(self) -> bool:
        return self.status is not DebitStatus.REJECTED


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """The result of :func:`create_collection`: new entries, mandates after it, and issues."""

    collection_id: str
    entries: tuple[DebitEntry, ...]
    mandates: tuple[Mandate, ...]
    issues: tuple[Issue, ...]

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.entries), ZERO)


# --------------------------------------------------------------------------- validation

_CI = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


def _mod97(text: str) -> int:
    digits = "".join(str(int(ch, 36)) for ch in text)
    return int(digits) % 97


def iban_problem(iban: str) -> str:
    """Why ``iban`` is not a valid IBAN ('' when it is): length, country format and check digits."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(iban)
    except SchwiftyException as exc:
        return f"IBAN {iban!r} is not valid: {exc}"
    return ""


def bic_problem(bic: str) -> str:
    """Why ``bic`` is not a valid BIC ('' when it is)."""
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    try:
        BIC(bic)
    except SchwiftyException as exc:
        return f"BIC {bic!r} is not valid: {exc}"
    return ""


def creditor_id_problem(ci: str) -> str:
    """Why ``ci`` is not a SEPA creditor identifier ('' when it is).

    Layout: country code, two check digits, a three-character business code (ignored by
    the check), the national identifier. The check digits are ISO 7064 MOD 97-10 over the
    national identifier followed by the country code and ``00``: ``DE98ZZZ09999999999``
    checks ``09999999999DE00``.
    """
    text = re.sub(r"\s+", "", ci or "").upper()
    if not _CI.match(text):
        return f"Creditor identifier {ci!r} is not of the form CCkkBBBnnnn (e.g. DE98ZZZ09999999999)"
    national = text[7:]
    if 98 - _mod97(national + text[:2] + "00") != int(text[2:4]):
        return f"Creditor identifier {ci!r} has wrong check digits"
    return ""


def normalise_iban(iban: str) -> str:
    return re.sub(r"\s+", "", iban or "").upper()


def check_mandate(m: Mandate, day: date) -> list[str]:
    """Every reason mandate ``m`` cannot be used for a debit on ``day`` (empty: it can)."""
    out: list[str] = []
    if m.signature_date is None:
        out.append(f"Date of Signature must have a value in SEPA Direct Debit Mandate {m.mandate_id}")
    if m.valid_from is not None and day < m.valid_from:
        out.append(f"Mandate {m.mandate_id} is valid only from {m.valid_from.isoformat()}")
    if m.valid_to is not None and day > m.valid_to:
        out.append(f"Mandate {m.mandate_id} expired on {m.valid_to.isoformat()}")
    if m.blocked:
        out.append(f"Mandate {m.mandate_id} is blocked")
    if m.closed:
        out.append(f"Mandate {m.mandate_id} is closed: {m.debits_made} of {m.expected_debits or 1} debits made")
    if not m.iban:
        out.append(f"Mandate {m.mandate_id} has no IBAN")
    elif p := iban_problem(m.iban):
        out.append(p)
    if m.bic and (p := bic_problem(m.bic)):
        out.append(p)
    return out


def check_creditor(c: Creditor) -> list[str]:
    """Problems with the company's creditor data (the export needs every field)."""
    out: list[str] = []
    if not c.name:
        out.append("Creditor Name must have a value")
    if not c.creditor_id:
        out.append("Creditor Identifier (BC Creditor No.) must have a value")
    elif p := creditor_id_problem(c.creditor_id):
        out.append(p)
    if not c.iban:
        out.append("Creditor IBAN must have a value")
    elif p := iban_problem(c.iban):
        out.append(p)
    if c.bic and (p := bic_problem(c.bic)):
        out.append(p)
    if c.local_instrument not in ("CORE", "B2B"):
        out.append(f"Local Instrument {c.local_instrument!r} must be CORE or B2B")
    return out


# --------------------------------------------------------------------------- sequence types


def sequence_type(m: Mandate) -> SequenceType:
    """BC ``GetSequenceType`` for the next debit of ``m``."""
    if m.type is MandateType.ONE_OFF:
        return SequenceType.OOFF
    if m.debits_made == 0:
        return SequenceType.FRST
    if m.expected_debits > 0 and m.debits_made >= m.expected_debits - 1:
        return SequenceType.FNAL
    return SequenceType.RCUR


def count_debit(m: Mandate) -> Mandate:
    """``m`` after one more debit (BC: creating the file increments Debit Counter)."""
    return replace(m, debits_made=m.debits_made + 1)


def roll_back(m: Mandate) -> Mandate:
    """``m`` after a rejected debit: the counter goes back by one (never below zero)."""
    return replace(m, debits_made=max(0, m.debits_made - 1))


# --------------------------------------------------------------------------- collection


def _issue(code: str, problem: str, table: str, key: object, fld: str = "", value: object = None,
           severity: Severity = Severity.ERROR) -> Issue:
    return Issue(code=code, problem=problem, severity=severity, ref=Ref(table=table, key=key, field=fld, value=value))


def usable_mandate(mandates: Iterable[Mandate], customer_no: str, day: date) -> tuple[Mandate | None, list[str]]:
    """The customer's first mandate usable on ``day`` (by Mandate ID), else None and why not."""
    why: list[str] = []
    for m in sorted((m for m in mandates if m.customer_no == customer_no), key=lambda m: m.mandate_id):
        problems = check_mandate(m, day)
        if not problems:
            return m, []
        why.extend(problems)
    return None, why


def create_collection(book: Book, mandates: Sequence[Mandate], collection_date: date, *, collection_id: str,
                      active: Sequence[DebitEntry] = ()) -> Collection:
    """Select what to debit on ``collection_date`` and set each debit's sequence type.

    ``active`` are entries of earlier collections not rejected: an invoice is debited only
    for its remaining amount less what they already hold (posted ones have already reduced
    the remaining amount, so only File Created entries count). Invoices of customers with
    no usable mandate are skipped with a warning; they are not errors of the workbook.
    """
    issues: list[Issue] = []
    held: dict[int, Decimal] = {}
    for a in active:
        if a.status is DebitStatus.FILE_CREATED:
            held[a.entry_no] = held.get(a.entry_no, ZERO) + a.amount
    lcy = book.settings.company_currency
    names = {c.customer_no: c.name for c in book.customers}
    blocked = {c.customer_no: c.blocked for c in book.customers}
    current = {m.mandate_id: m for m in mandates}
    candidates: list[LedgerEntry] = sorted(
        (e for e in book.ledger if e.open and e.document_type in COLLECTIBLE and e.remaining_amount > 0
         and e.due_date is not None and e.due_date <= collection_date and not e.on_hold),
        key=lambda e: (e.customer_no, e.due_date, e.entry_no))
    entries: list[DebitEntry] = []
    warned: set[str] = set()
    for e in candidates:
        if (e.currency or lcy) != "EUR":
            issues.append(_issue("sepa-not-euro", f"{e.document_no} is in {e.currency}; SEPA direct debits are in "
                                 "EUR only.", "ledger", e.entry_no, "currency", e.currency, Severity.WARNING))
            continue
        amount = e.remaining_amount - held.get(e.entry_no, ZERO)
        if amount <= 0:
            continue
        if e.customer_no not in names:
            continue
        if blocked.get(e.customer_no) is Blocked.ALL:
            if e.customer_no not in warned:
                warned.add(e.customer_no)
                issues.append(_issue("customer-blocked", f"Customer {e.customer_no} is blocked (All) and is not "
                                     "debited.", "customers", e.customer_no, "blocked", "All", Severity.WARNING))
            continue
        m, why = usable_mandate(current.values(), e.customer_no, collection_date)
        if m is None:
            if e.customer_no not in warned:
                warned.add(e.customer_no)
                reason = "; ".join(why) if why else "no mandate on the Mandates sheet"
                issues.append(_issue("no-valid-mandate", f"Customer {e.customer_no} is not debited: {reason}.",
                                     "customers", e.customer_no, "customer_no", e.customer_no, Severity.WARNING))
            continue
        assert m.signature_date is not None
        entries.append(DebitEntry(
            collection_id=collection_id, entry_no=e.entry_no, customer_no=e.customer_no,
            customer_name=names[e.customer_no], document_no=e.document_no, mandate_id=m.mandate_id,
            iban=normalise_iban(m.iban), bic=m.bic.strip().upper(), signature_date=m.signature_date,
            transfer_date=collection_date, amount=amount, currency="EUR", sequence_type=sequence_type(m)))
        current[m.mandate_id] = count_debit(m)
    return Collection(collection_id=collection_id, entries=tuple(entries),
                      mandates=tuple(current[m.mandate_id] for m in mandates), issues=tuple(issues))


def batches(entries: Sequence[DebitEntry]) -> list[tuple[tuple[date, SequenceType], list[DebitEntry]]]:
    """Entries grouped per (transfer date, sequence type): one ``PmtInf`` each, in a stable order."""
    order = list(SequenceType)
    groups: dict[tuple[date, SequenceType], list[DebitEntry]] = {}
    for e in entries:
        groups.setdefault((e.transfer_date, e.sequence_type), []).append(e)
    return sorted(groups.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))


# --------------------------------------------------------------------------- posting


def payment_document_no(e: DebitEntry) -> str:
    return f"{e.collection_id}-{e.entry_no}"


def payment_lines(book: Book, entries: Sequence[DebitEntry], *, first_line_no: int = 1,
                  ) -> tuple[list[tuple[DebitEntry, JournalLine]], list[Issue]]:
    """Payment journal lines for File Created entries (BC report 1201 *Post Direct Debit Collection*).

    Posting date = transfer date, amount = transfer amount, applied to the invoice. An
    entry whose invoice is already closed, or holds less than the transfer amount, is
    skipped with a warning.
    """
    by_no = {e.entry_no: e for e in book.ledger}
    out: list[tuple[DebitEntry, JournalLine]] = []
    issues: list[Issue] = []
    line_no = first_line_no
    for d in entries:
        if d.status is not DebitStatus.FILE_CREATED:
            continue
        inv = by_no.get(d.entry_no)
        if inv is None or not inv.open or inv.remaining_amount < d.amount:
            issues.append(_issue("debit-not-postable", f"Direct debit {d.transaction_id} is not posted: invoice "
                                 f"{d.document_no} is closed or holds less than {d.amount}.", "ledger", d.entry_no,
                                 "remaining_amount", None, Severity.WARNING))
            continue
        out.append((d, JournalLine(
            line_no=line_no, posting_date=d.transfer_date, document_type=DT.PAYMENT,
            document_no=payment_document_no(d), amount=d.amount, customer_no=d.customer_no,
            currency="" if d.currency == book.settings.company_currency else d.currency,
            description=f"Direct debit {d.transaction_id} {d.document_no}",
            applies_to_doc_nos=(d.document_no,), external_document_no=d.transaction_id)))
        line_no += 1
    return out, issues


def refund_document_no(d: DebitEntry) -> str:
    return f"RET-{payment_document_no(d)}"


def refund_line(d: DebitEntry, day: date, line_no: int, currency: str = "") -> JournalLine:
    """The Refund that closes the payment of a returned debit (after its application is undone)."""
    return JournalLine(line_no=line_no, posting_date=day, document_type=DT.REFUND,
                       document_no=refund_document_no(d), amount=d.amount, customer_no=d.customer_no,
                       currency=currency, description=f"Returned direct debit {d.transaction_id}",
                       applies_to_doc_nos=(d.payment_document_no or payment_document_no(d),),
                       external_document_no=d.transaction_id)


# --------------------------------------------------------------------------- the bank side


def bank_entries(posted: Sequence[tuple[DebitEntry, JournalLine]], gl: Sequence[GLLine], bank_account: str,
                 first_entry_no: int) -> list[BankLedgerEntry]:
    """One open bank account ledger entry per posted Payment (confirm) or Refund (return) line.

    BC report 1201 posts each debit's journal line with the collection's bank account as
    balancing account, so each line is one bank ledger entry, dated the line's posting
    date. Its amount is what the line posted to the bank G/L account (debit − credit), so
    BankLedger and the bank account in GLEntries agree by construction: +500.00 for a
    collected 500.00, −500.00 for its refund. A line that posted nothing to the bank
    account gets no entry.
    """
    moved: dict[str, Decimal] = {}
    for g in gl:
        if g.account_no == bank_account:
            moved[g.document_no] = moved.get(g.document_no, ZERO) + g.debit - g.credit
    out: list[BankLedgerEntry] = []
    for d, ln in posted:
        amount = moved.get(ln.document_no)
        if amount is None:
            continue
        what = "Returned direct debit" if ln.document_type is DT.REFUND else "Direct debit"
        out.append(BankLedgerEntry(
            entry_no=first_entry_no + len(out), posting_date=ln.posting_date, document_no=ln.document_no,
            amount=amount, description=f"{what} {d.transaction_id}, collection {d.collection_id}, mandate "
            f"{d.mandate_id}, {d.document_no}"))
    return out


def batch_ids(debits: Sequence[DebitEntry]) -> dict[str, list[DebitEntry]]:
    """The pain.008 ``PmtInfId`` of each batch (``<collection>-<n>``, as :mod:`xlar.book.sepa_xml` numbers
    them) with its debits, for every collection among ``debits`` (rejected ones included: they were in
    the file)."""
    per: dict[str, list[DebitEntry]] = {}
    for d in debits:
        per.setdefault(d.collection_id, []).append(d)
    out: dict[str, list[DebitEntry]] = {}
    for cid, group in per.items():
        for n, (_, batch) in enumerate(batches(group), start=1):
            out[f"{cid}-{n}"] = batch
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Booked:
    """What a statement line stands for among debits whose money is already posted.

    ``entries``: the open bank ledger entries that add up to the line (empty when they do
    not; ``problem`` then says why). ``debits``: the named debits already posted.
    """

    name: str  # the id the line carries: a Transaction ID, a Collection ID or a PmtInfId
    debits: tuple[DebitEntry, ...]
    entries: tuple[BankLedgerEntry, ...] = ()
    problem: str = ""

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.entries), ZERO)


_WORDS = re.compile(r"[\s:=]+")


def line_words(line: StatementLine) -> list[str]:
    """The words of a statement line that may be an id xlar gave the bank: its reference, then its text."""
    return [w.strip(",;.()").upper() for w in (line.reference, *_WORDS.split(line.reference),
                                               *_WORDS.split(line.text)) if w.strip(",;.()")]


class BookedDebits:
    """Debits already posted (``xlar sepa --confirm``, a reject's refund) and their open bank ledger entries.

    :meth:`find` answers, for a bank statement line, whether its money is already in the
    books: "Already-posted bank ledger entries are recognised to avoid double posting"
    (spec §7.1). A positive line naming a debit, a collection or a batch stands for the
    bank entries of the named debits that were posted (all of them, else the ones not
    returned since, whichever adds up to the line: a bank may credit the batch net of the
    returns it already knows); a negative line naming a returned debit stands for its
    refund's entry. An entry already linked to another statement line is not taken again.
    """

    def __init__(self, debits: Iterable[DebitEntry], ledger: Iterable[BankLedgerEntry]) -> None:
        debits = list(debits)
        self.by_tx = {d.transaction_id.upper(): d for d in debits}
        groups: dict[str, list[DebitEntry]] = {}
        for d in debits:
            groups.setdefault(d.collection_id.upper(), []).append(d)
        groups.update({k.upper(): v for k, v in batch_ids(debits).items()})
        self.groups = groups
        self.by_doc: dict[str, list[BankLedgerEntry]] = {}
        for e in ledger:
            if e.open and e.document_no:
                self.by_doc.setdefault(e.document_no, []).append(e)

    def named(self, line: StatementLine) -> tuple[str, list[DebitEntry]]:
        """The id the line carries and the debits it names (``("", [])``: none)."""
        for w in line_words(line):
            if w in self.by_tx:
                return w, [self.by_tx[w]]
            if w in self.groups:
                return w, self.groups[w]
        return "", []

    def _entries(self, line: StatementLine, d: DebitEntry) -> list[BankLedgerEntry]:
        """The open entries of ``d``'s payment (money in) or refund (money out) not linked to another line."""
        doc = d.payment_document_no if line.amount > 0 else refund_document_no(d)
        return [e for e in self.by_doc.get(doc, ()) if (e.amount > 0) == (line.amount > 0) and (
            not e.statement_no or (e.statement_no, e.statement_line_no) == (line.statement_no, line.line_no))]

    def find(self, line: StatementLine) -> Booked | None:
        """The booked debits a line names and their bank ledger entries; None when it names none or none
        of them is posted yet (a File Created debit is posted from the line by the direct debit rule)."""
        name, named = self.named(line)
        if not named or not line.amount:
            return None
        if line.amount > 0:
            booked = [d for d in named if d.payment_document_no]
            tries = [booked, [d for d in booked if d.status is DebitStatus.POSTED]]
        else:
            booked = [d for d in named if d.payment_document_no and d.status is DebitStatus.REJECTED]
            tries = [booked]
        if not booked:
            if len(named) > 1:
                return Booked(name=name, debits=(), problem=f"Collection {name}: none of its {len(named)} debits "
                              f"is posted yet; run xlar sepa --confirm {named[0].collection_id} first")
            return None
        found = {d.transaction_id: self._entries(line, d) for d in booked}
        for chosen in tries:
            if chosen and all(found[d.transaction_id] for d in chosen):
                entries = tuple(e for d in chosen for e in found[d.transaction_id])
                if sum((e.amount for e in entries), ZERO) == line.amount:
                    return Booked(name=name, debits=tuple(chosen), entries=entries)
        missing = [d.transaction_id for d in booked if not found[d.transaction_id]]
        total = sum((e.amount for es in found.values() for e in es), ZERO)
        why = (f"no open bank ledger entry for {', '.join(missing[:3])}" + (" ..." if len(missing) > 3 else "")
               if missing else f"their open bank ledger entries add up to {total}, the line is {line.amount}")
        return Booked(name=name, debits=tuple(booked), problem=f"{name}: {len(booked)} debit(s) already posted, "
                      f"but {why}; match the line by hand (do not post it again)")

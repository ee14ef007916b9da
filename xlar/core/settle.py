"""Settlement: posting journal lines, applying entries, unapplying (spec §1-§6, §10, §13).

The engine follows Business Central's application logic and adds the Dynamics 365
Finance options the contract exposes as settings:

* one applying entry (a payment, refund, credit memo or invoice) settles an ordered
  list of applied entries (*legs*): Applies-to Doc. No., Applies-to ID with Amount
  to Apply, or Apply to Oldest (due date, posting date, better discount, entry no.);
* BC cash discount: all or nothing (D1-D6); D365 proportional discount on partial
  payments (``P x RPDP / (Rem - RPDP)``); two discount periods;
* BC payment discount tolerance (grace period) and payment tolerance, spread over the
  legs by descending original amount; D365 maximum over/underpayment, Specific /
  Unspecific cash discount administration, full settlement;
* multi-currency: realized gains/losses against the entries' book value (unrealized
  adjustments are released), cross-currency application at the applying entry's date.

Every function returns new records; inputs are never mutated. Internally a run keeps
mutable working copies (``_W``) of the entries it touches, and freezes them at the end.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from typing import ParamSpec, TypeVar

from xlar.core import payref
from xlar.core.model import (
    Application,
    ApplicationMethod,
    Blocked,
    Book,
    CashDiscountAdministration,
    DocumentType,
    GLLine,
    Issue,
    JournalLine,
    LedgerEntry,
    LineResult,
    Ref,
    Settlement,
    Severity,
    TolerancePosting,
)
from xlar.core.money import ONE as _ONE
from xlar.core.money import ZERO, round_to
from xlar.core.records import constructor, positional, rebuilder
from xlar.core.terms import BookIndex, index_of, new_entry

DT = DocumentType
# enum members bound once: ``DT.PAYMENT`` goes through the enum metaclass on every access
_PAYMENT, _REFUND, _INVOICE, _CREDIT_MEMO = DT.PAYMENT, DT.REFUND, DT.INVOICE, DT.CREDIT_MEMO
_BLOCKED_ALL, _BLOCKED_INVOICE = Blocked.ALL, Blocked.INVOICE
_APPLY_TO_OLDEST = ApplicationMethod.APPLY_TO_OLDEST
_ERROR = Severity.ERROR
_UNSPECIFIC = CashDiscountAdministration.UNSPECIFIC
_DEBIT_SIGN = {t: t.debit_sign for t in DT}
_VALUE = {t: t.value for t in DT}
_JOURNAL_TYPES = (_PAYMENT, _REFUND, _INVOICE, _CREDIT_MEMO)
_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a run.

    A run allocates hundreds of thousands of records next to a ledger of up to a million
    tracked objects; every full collection would rescan the whole ledger, which made a
    1M-entry run superlinear. A run creates no reference cycles, so nothing is lost.

    On the way out, the records the run allocated are handed to the oldest generation
    (``gc.freeze`` + ``gc.unfreeze``, two list splices) instead of being traversed by the
    young collection that the first allocation after ``gc.enable`` would start: a run's
    results are long-lived, and that one pass over up to a million new records cost up
    to a second. Skipped when the caller froze objects itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def _without_gc(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    @wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _gc_paused():
            return fn(*args, **kwargs)
    return run


# --------------------------------------------------------------------------- working state


_CHANGING = ("remaining_amount", "remaining_amount_lcy", "unrealized_lcy", "remaining_pmt_disc_possible",
             "remaining_pmt_disc_2_possible", "max_payment_tolerance", "open", "closed_by_entry_no",
             "closed_at_date", "closed_by_amount", "applies_to_id", "amount_to_apply")

# the Application fields book_legs sets, in the order it passes them (the others keep their defaults)
_APP_FIELDS = (
    "application_no", "posting_date", "customer_no", "applying_entry_no", "applying_document_no",
    "applied_entry_no", "applied_document_no", "amount_applied", "discount", "payment_tolerance",
    "payment_discount_tolerance", "over_underpayment", "full_settlement_discount", "realized_gain_loss_lcy",
    "applied_delta", "applying_delta", "appln_rounding", "applied_lcy", "applying_lcy", "applied_unrealized",
    "applying_unrealized", "applied_pmt_disc_before", "applied_pmt_disc_2_before", "applied_max_tol_before",
    "applying_pmt_disc_before", "applying_pmt_disc_2_before", "applying_max_tol_before",
)
_app_row = positional(Application, _APP_FIELDS)
_GL_FIELDS = ("entry_no", "posting_date", "document_no", "account_no", "description", "debit", "credit",
              "customer_no", "application_no")
_gl_row = positional(GLLine, _GL_FIELDS)
_new_result = constructor(LineResult)
_rebuild = rebuilder(LedgerEntry, _CHANGING)


class _W:
    """Mutable working copy of a ledger entry during one run."""

    __slots__ = (
        "amount_to_apply",
        "applies_to_id",
        "closed_at_date",
        "closed_by_amount",
        "closed_by_entry_no",
        "e",
        "max_tol",
        "open",
        "remaining",
        "remaining_lcy",
        "rpdp",
        "rpdp2",
        "unrealized",
    )

    def __init__(self, e: LedgerEntry) -> None:
        self.e = e
        self.remaining = e.remaining_amount
        self.remaining_lcy = e.remaining_amount_lcy
        self.unrealized = e.unrealized_lcy
        self.rpdp = e.remaining_pmt_disc_possible
        self.rpdp2 = e.remaining_pmt_disc_2_possible
        self.max_tol = e.max_payment_tolerance
        self.open = e.open
        self.closed_by_entry_no = e.closed_by_entry_no
        self.closed_at_date = e.closed_at_date
        self.closed_by_amount = e.closed_by_amount
        self.applies_to_id = e.applies_to_id
        self.amount_to_apply = e.amount_to_apply

    def freeze(self) -> LedgerEntry:
        e = self.e
        if (
            self.remaining == e.remaining_amount
            and self.remaining_lcy == e.remaining_amount_lcy
            and self.unrealized == e.unrealized_lcy
            and self.rpdp == e.remaining_pmt_disc_possible
            and self.rpdp2 == e.remaining_pmt_disc_2_possible
            and self.max_tol == e.max_payment_tolerance
            and self.open == e.open
            and self.closed_by_entry_no == e.closed_by_entry_no
            and self.closed_at_date == e.closed_at_date
            and self.closed_by_amount == e.closed_by_amount
            and self.applies_to_id == e.applies_to_id
            and self.amount_to_apply == e.amount_to_apply
        ):
            return e
        return _rebuild(  # type: ignore[operator]
            e, self.remaining, self.remaining_lcy, self.unrealized, self.rpdp, self.rpdp2, self.max_tol,
            self.open, self.closed_by_entry_no, self.closed_at_date, self.closed_by_amount, self.applies_to_id,
            self.amount_to_apply,
        )


@dataclass(slots=True)
class _Leg:
    """One applied entry inside a settlement, amounts as magnitudes in the applying currency."""

    w: _W
    sign: int  # sign of the applied entry's remaining amount
    conv: Decimal  # applied-currency units -> applying-currency units
    r: Decimal  # |remaining|
    ta: Decimal  # |amount to apply| (<= r)
    d: Decimal = ZERO  # candidate discount
    d_late: bool = False
    tol: Decimal = ZERO  # max payment tolerance usable
    netting: bool = False  # same sign as the applying entry: adds to the cash pool
    applied: Decimal = ZERO
    disc: Decimal = ZERO
    pdt: Decimal = ZERO
    pt: Decimal = ZERO  # + underpayment written off the applied entry, - overpayment off the applying
    ou: Decimal = ZERO
    fsd: Decimal = ZERO
    rnd: Decimal = ZERO  # cross-currency residual closed as application rounding
    partial_discount: bool = False

    @property
    def reduction(self) -> Decimal:
        pt, ou = self.pt, self.ou
        return (self.applied + self.disc + self.pdt + (pt if pt > 0 else ZERO) + (ou if ou > 0 else ZERO)
                + self.fsd + self.rnd)


def _sort_key(w: _W | LedgerEntry) -> tuple:
    """Apply-to-Oldest order: due date, posting date, better discount (D365 tie-break), entry no."""
    if isinstance(w, _W):
        return _amount_key(w.e, w.rpdp, w.remaining)
    return _amount_key(w, w.remaining_pmt_disc_possible, w.remaining_amount)


def _amount_key(e: LedgerEntry, rpdp: Decimal, rem: Decimal) -> tuple:
    """``_sort_key`` of entry ``e`` with remaining discount ``rpdp`` and remaining amount ``rem``."""
    rel = -(abs(rpdp) / abs(rem)) if rem and rpdp else ZERO
    return (e.due_date or date.max, e.posting_date, rel, e.entry_no)


def _issue(code: str, problem: str, table: str, key: object, fld: str = "", value: object = None,
           severity: Severity = _ERROR) -> Issue:
    return Issue(code=code, problem=problem, severity=severity,
                 ref=Ref(table=table, key=key, field=fld, value=value))


# --------------------------------------------------------------------------- the run


class _Run:
    """One posting run over a book: indexes, working copies, new rows."""

    def __init__(self, book: Book, journal: tuple[JournalLine, ...] | None = None) -> None:
        """``journal``: the lines this run will post, to index only what they name (``_expect``)."""
        self.book = book
        self.s = book.settings
        self.acc = book.settings.accounts
        self.disc_acc = self.acc.discount
        self.pt_acc = (self.acc.payment_tolerance
                       if self.s.payment_tolerance_posting is TolerancePosting.TOLERANCE_ACCOUNTS else self.acc.discount)
        self.pdt_acc = (self.acc.discount if self.s.pmt_disc_tolerance_posting is TolerancePosting.DISCOUNT_ACCOUNTS
                        else self.acc.payment_tolerance)
        self.idx: BookIndex = index_of(book)
        self.lcy = self.idx.lcy
        self.lq = self.idx.q(self.lcy)
        self.customers = self.idx.customers
        self.zero_q = ZERO.quantize(self.lq, ROUND_HALF_UP)  # what a zero rounds to in the company currency
        self.entries = list(book.ledger)
        # entry no. -> index: ``entries[no - _base]`` for the usual ledger (numbers ascending without
        # gaps), else ``pos``; ``pos`` also holds the new entries (-1, -2 ...: new_entries). Set by
        # _index_positions, at the end of __init__.
        self.pos: dict[int, int] = {}
        self._base = self._n = 0
        self.unique = True  # no entry number repeats
        self.next_entry_no = 1
        self.work: dict[int, _W] = {}
        self.new_entries: list[LedgerEntry] = []
        self.apps: list[Application] = []
        self.updated_apps: dict[int, Application] = {}
        self.gl: list[GLLine] = []
        self.next_app_no = max((a.application_no for a in book.applications), default=0) + 1
        self.next_gl_no = max((g.entry_no for g in book.gl), default=0) + 1
        self._cust_entries: dict[str, list[LedgerEntry]] | None = None  # entries of customers not yet bucketed
        self._oldest_customers: set[str] = set()
        self._buckets: dict[tuple[str, bool], list[tuple]] = {}
        self._by_doc: dict[str, int | list[int]] | None = None
        self._by_doc_ci: dict[str, list[int]] | None = None
        self._by_id: dict[str, list[int]] | None = None
        # what the journal can look up (``_expect``): the indexes then cover only that
        self._doc_wanted: set[str] | None = None
        self._cust_wanted: set[str] | None = None
        self._closed: set[int] = set()  # entries replaced in ``entries`` by their final, closed record
        if journal:
            self._expect(journal)  # indexes the positions in the same pass
        else:
            self._index_positions()

    def _index_positions(self, dense_from: int | None = None) -> None:
        """Entry no. -> position. ``dense_from``: the caller saw the numbers run from it without gaps."""
        entries = self.entries
        if dense_from is None and entries:
            nos = [e.entry_no for e in entries]
            base = nos[0]
            if nos[-1] == base + len(nos) - 1 and nos == list(range(base, base + len(nos))):
                dense_from = base
        else:
            nos = []
        if dense_from is not None:
            self._base, self._n = dense_from, len(entries)
            self.pos = {}
            self.unique = True
            self.next_entry_no = dense_from + len(entries)
        else:
            self._base, self._n = 0, 0
            self.pos = dict(zip(nos, range(len(nos))))
            self.unique = len(self.pos) == len(nos)
            self.next_entry_no = max(self.pos, default=0) + 1

    def close_in_place(self, e: LedgerEntry, remaining: Decimal, remaining_lcy: Decimal, unrealized: Decimal,
                       by_entry_no: int, day: date, by_amount: Decimal) -> None:
        """Entry ``e`` (input, no working copy) is closed: its final record replaces it in ``entries``.

        The same record the working copy would freeze to (discount possible and tolerance
        zero, marks cleared). Nothing changes a closed entry later in a run.
        """
        no = e.entry_no
        f = _rebuild(e, remaining, remaining_lcy, unrealized, ZERO, ZERO, ZERO, False, by_entry_no, day, by_amount,
                     "", None)
        i = self.index(no)
        if i >= 0:
            self.entries[i] = f
        else:
            self.new_entries[-i - 1] = f
        self._closed.add(no)

    def _expect(self, lines: tuple[JournalLine, ...]) -> None:
        """Restrict the document index and the Apply-to-Oldest grouping to what ``lines`` can ask for.

        The document index then holds only the document numbers the lines name (their
        Applies-to Doc. Nos. and their own numbers); the per-customer grouping only the
        customers of lines without applies-to. A lookup outside those sets (a case-
        insensitive match, another customer) builds the full index first, so the answers
        are the same; a million-entry ledger is just not indexed twice for a small journal.
        """
        docs: set[str] = set()
        custs: set[str] = set()
        ids = False
        for line in lines:
            given = line.applies_to_doc_nos
            if not given:
                parts: tuple[str, ...] = ()
            elif len(given) == 1 and "," not in given[0] and ";" not in given[0]:  # _split_docs, inline
                p = given[0].strip()
                parts = (p,) if p else ()
                docs.update(parts)
            else:
                parts = _split_docs(line)
                docs.update(parts)
            docs.add(line.document_no)
            if line.applies_to_id:
                ids = True
            elif not parts:
                custs.add(line.customer_no.strip())
        self._doc_wanted = docs
        self._cust_wanted = custs
        entries = self.entries
        if not entries:
            self._index_positions()
            return
        # One pass over the ledger for the positions and the three indexes the journal will ask
        # for (each was a pass of its own; at a million entries every pass costs its memory
        # traffic, more than the Python steps in it). Built now they equal the lazy ones: the
        # document index and the grouping are kept up to date by add_entry, and readers of
        # ``by_id`` check that an entry is still open.
        hits: list[LedgerEntry] = []
        marked: list[LedgerEntry] = []
        groups: defaultdict[str, list[LedgerEntry]] = defaultdict(list)
        hit, mark = hits.append, marked.append
        runs: list[tuple[str, int, int]] = []  # (customer, from, to): a wanted customer's consecutive entries
        last = None
        start = 0
        first = k = entries[0].entry_no
        dense = True
        for e in entries:
            if dense and e.entry_no != k:
                dense = False
            if e.document_no in docs:
                hit(e)
            if ids and e.applies_to_id:
                mark(e)
            c = e.customer_no
            if c is not last:  # a customer's entries usually come together: one slice per run of them
                if last in custs:
                    runs.append((last, start, k - first))
                last, start = c, k - first
            k += 1
        if last in custs:
            runs.append((last, start, k - first))
        for c, a, b in runs:
            groups[c] += entries[a:b]
        self._index_positions(first if dense else None)
        self._by_doc = self._doc_index(hits)
        if ids:
            self._by_id = self._by_id_of(marked)
        if custs:
            self._cust_entries = groups

    # ---- lookups
    def entry(self, entry_no: int) -> LedgerEntry:
        i = entry_no - self._base
        if 0 <= i < self._n:
            return self.entries[i]
        i = self.pos[entry_no]
        return self.entries[i] if i >= 0 else self.new_entries[-i - 1]

    def index(self, entry_no: int) -> int:
        """Where entry ``entry_no`` is: its index in ``entries``, or -1, -2 ... for the new entries."""
        i = entry_no - self._base
        return i if 0 <= i < self._n else self.pos[entry_no]

    def has(self, entry_no: int) -> bool:
        return 0 <= entry_no - self._base < self._n or entry_no in self.pos

    def w(self, entry_no: int) -> _W:
        w = self.work.get(entry_no)
        if w is None:
            w = self.work[entry_no] = _W(self.entry(entry_no))
        return w

    def cur_open(self, entry_no: int) -> bool:
        w = self.work.get(entry_no)
        return w.open if w is not None else self.entry(entry_no).open

    def all_entries(self) -> Iterator[LedgerEntry]:
        """The ledger as it stands in this run: the input entries, then those posted so far."""
        yield from self.entries
        yield from self.new_entries

    def docs(self, doc_no: str) -> list[int]:
        """Entry numbers with document number ``doc_no`` (exact first, else case-insensitive)."""
        d = self._by_doc
        wanted = self._doc_wanted
        if wanted is not None and doc_no not in wanted:  # outside the partial index: the full one
            self._doc_wanted = wanted = None
            d = None
        if d is None:
            d = self._by_doc = self._doc_index()
        hit = d.get(doc_no)
        if hit is not None and doc_no.upper() == doc_no:
            return [hit] if hit.__class__ is int else hit
        if wanted is not None:  # a case-insensitive match needs every document number
            self._doc_wanted = None
            d = self._by_doc = self._doc_index()
        if self._by_doc_ci is None:
            ci: dict[str, list[int]] = {}
            for k, nos in d.items():
                if nos.__class__ is int:
                    ci.setdefault(k.upper(), []).append(nos)
                else:
                    ci.setdefault(k.upper(), []).extend(nos)
            self._by_doc_ci = ci
        return self._by_doc_ci.get(doc_no.upper(), [])

    def _doc_index(self, entries: list[LedgerEntry] | None = None) -> dict[str, int | list[int]]:
        """document no. -> entry no. (a list when several entries share it), in ledger order.

        One ``dict(zip(...))`` for the usual unique numbers: a million one-element lists
        cost more to build and to free than the rest of a run's indexes together.
        ``entries``: the ledger's entries with a wanted document number, when already found.
        """
        wanted = self._doc_wanted
        if entries is not None:
            pass
        elif wanted is None:
            entries = [*self.entries, *self.new_entries]
        else:
            entries = [e for e in self.entries if e.document_no in wanted]
            entries += [e for e in self.new_entries if e.document_no in wanted]
        d: dict[str, int | list[int]] = dict(zip([e.document_no for e in entries], [e.entry_no for e in entries]))
        if len(d) != len(entries):  # shared document numbers: lists, first occurrence first
            shared: dict[str, list[int]] = {}
            seen: set[str] = set()
            for e in entries:
                k = e.document_no
                if k in seen:
                    shared.setdefault(k, []).append(e.entry_no)
                else:
                    seen.add(k)
            for k, more in shared.items():
                first = next(e.entry_no for e in entries if e.document_no == k)
                d[k] = [first, *more]
        return d

    def by_id(self) -> dict[str, list[int]]:
        """Applies-to ID (upper case) -> entry nos. of the open entries carrying it, in ledger order."""
        if self._by_id is None:
            marked = [e for e in self.entries if e.applies_to_id]
            marked += [e for e in self.new_entries if e.applies_to_id]
            self._by_id = self._by_id_of(marked)
        return self._by_id

    def _by_id_of(self, marked: list[LedgerEntry]) -> dict[str, list[int]]:
        d: dict[str, list[int]] = {}
        work = self.work
        for e in marked:
            if e.applies_to_id:
                w = work.get(e.entry_no)
                if w.open if w is not None else e.open:
                    d.setdefault(e.applies_to_id.upper(), []).append(e.entry_no)
        return d

    def add_entry(self, e: LedgerEntry) -> None:
        self.new_entries.append(e)
        no = e.entry_no
        self.pos[no] = -len(self.new_entries)
        d = self._by_doc
        if d is not None:
            k = e.document_no
            got = d.get(k)
            if got is None:
                d[k] = no
            elif got.__class__ is int:
                d[k] = [got, no]
            else:
                got.append(no)
        if self._by_doc_ci is not None:
            self._by_doc_ci.setdefault(e.document_no.upper(), []).append(no)
        if e.open and self._cust_entries is not None:
            cust = e.customer_no
            if cust in self._oldest_customers:
                insort(self._buckets.setdefault((cust, e.remaining_amount > 0), []), self.sort_key(e))
            elif self._cust_wanted is None or cust in self._cust_wanted:
                self._cust_entries[cust].append(e)

    # ---- Apply-to-Oldest order
    #
    # Per customer and sign, the open entries sorted by their *current* application order
    # (``sort_key``), built when the customer's first Apply-to-Oldest line comes. Every
    # change of an entry's remaining amount or discount (``_after_change``) moves it to its
    # new place, so a scan sees exactly what sorting all open entries afresh would give;
    # closed entries are dropped lazily. Buckets hold the key tuples (their last element is
    # the entry no.). Only the amount-based key (no Settlement Priority) can change.

    def _reposition(self, w: _W, old_key: tuple) -> None:
        """``w`` (open) changed: move it from ``old_key`` to its current place in its bucket."""
        key = _amount_key(w.e, w.rpdp, w.remaining)
        if key == old_key:
            return
        lst = self._buckets.setdefault((w.e.customer_no, w.remaining > ZERO), [])
        i = bisect_left(lst, old_key)
        if i < len(lst) and lst[i] == old_key:
            del lst[i]
        insort(lst, key)

    def oldest_bucket(self, customer_no: str, positive: bool) -> list[tuple]:
        """Open entries of ``customer_no`` with the sign ``positive`` in Apply-to-Oldest order (keys)."""
        wanted = self._cust_wanted
        if self._cust_entries is None:
            d: defaultdict[str, list[LedgerEntry]] = defaultdict(list)
            if wanted is None:
                mine = self.entries
            else:  # only the customers the journal may apply to oldest (``_expect``)
                mine = [e for e in self.entries if e.customer_no in wanted]
            for e in mine:
                d[e.customer_no].append(e)
            for e in self.new_entries:
                if wanted is None or e.customer_no in wanted:
                    d[e.customer_no].append(e)
            self._cust_entries = d
        if customer_no not in self._oldest_customers:
            if wanted is not None and customer_no not in wanted:  # not grouped: its entries, in ledger order
                self._cust_entries[customer_no] = [e for e in self.all_entries() if e.customer_no == customer_no]
            self._oldest_customers.add(customer_no)
            pos: list[tuple] = []
            neg: list[tuple] = []
            work = self.work
            entry = None if self.unique else self.entry
            by_type = self.s.settlement_priority
            closed = self._closed
            add_pos, add_neg, latest = pos.append, neg.append, date.max  # bound once: up to a million keys
            for e in self._cust_entries.pop(customer_no, ()):
                no = e.entry_no
                if entry is not None:  # repeated entry numbers: the number's entry, as everywhere else
                    e = entry(no)
                w = work.get(no)
                if w is not None:
                    if not w.open:
                        continue
                    key = self.sort_key(w)
                    rem = w.remaining
                else:
                    if not e.open or no in closed:  # closed in place: ``e`` is the input record
                        continue
                    rem = e.remaining_amount
                    if by_type:
                        key = self.sort_key(e)
                    else:  # _sort_key of an untouched entry, inline (the bulk of a big ledger)
                        rpdp = e.remaining_pmt_disc_possible
                        key = (e.due_date or latest, e.posting_date,
                               -(abs(rpdp) / abs(rem)) if rpdp and rem else ZERO, no)
                if rem > ZERO:
                    add_pos(key)
                else:
                    add_neg(key)
            pos.sort()
            neg.sort()
            self._buckets[(customer_no, True)] = pos
            self._buckets[(customer_no, False)] = neg
        return self._buckets[(customer_no, positive)]

    def rate(self, currency: str, day: date) -> Decimal | None:
        return self.idx.rates.rate(currency, day)

    def sort_key(self, w: _W | LedgerEntry) -> tuple:
        """Application order: the Settlement Priority's document types first when set (D365 priority:
        type, then date, then entry), else oldest due date (BC Apply to Oldest / Applies-to ID order)."""
        prio = self.s.settlement_priority
        if prio:
            e = w.e if isinstance(w, _W) else w
            rank = prio.index(e.document_type) if e.document_type in prio else len(prio)
            return (rank, e.posting_date, e.entry_no)
        return _sort_key(w)

    # ---- G/L
    def gl_pair(self, day: date, doc: str, dr: str, cr: str, amount: Decimal, desc: str, customer: str,
                app_no: int | None) -> None:
        """Dr ``dr`` / Cr ``cr`` ``amount`` (LCY); a negative amount swaps the sides; zero posts nothing."""
        if amount == 0:
            return
        if amount < 0:
            dr, cr, amount = cr, dr, -amount
        no = self.next_gl_no
        self.next_gl_no = no + 2
        gl = self.gl
        gl.append(_gl_row(no, day, doc, dr, desc, amount, ZERO, customer, app_no))  # _GL_FIELDS order
        gl.append(_gl_row(no + 1, day, doc, cr, desc, ZERO, amount, customer, app_no))

    # ---- results
    def settlement(self, results: list[LineResult], issues: list[Issue], posted: bool = True) -> Settlement:
        if not posted:
            return Settlement(ledger=self.book.ledger, new_applications=(), new_gl=(),
                              line_results=tuple(results), issues=tuple(issues), posted=False)
        changed: set[int] = set(self._closed)
        changed.update([e.entry_no for e in self.new_entries])
        ledger = [*self.entries, *self.new_entries]  # the new entries with working copies: replaced below
        n_old = len(self.entries)
        index = self.index
        for no, w in self.work.items():
            i = index(no)
            if i < 0:  # a new entry (-1, -2 ...)
                ledger[n_old - i - 1] = w.freeze()
                continue
            f = w.freeze()
            if f is not ledger[i]:
                ledger[i] = f
                changed.add(no)
        return Settlement(
            ledger=tuple(ledger), new_applications=tuple(self.apps), new_gl=tuple(self.gl),
            line_results=tuple(results), issues=tuple(issues), changed_entry_nos=frozenset(changed),
            updated_applications=tuple(self.updated_apps.values()), posted=True,
        )

    # ------------------------------------------------------------------ settlement of one applying entry
    def legs_for(self, n: _W, targets: list[tuple[_W, Decimal | None]], day: date,
                 allow_tol: bool) -> list[_Leg]:
        """Build legs for applying ``n`` to ``targets`` on ``day`` (discount test on ``n``'s posting date)."""
        ne = n.e
        legs: list[_Leg] = []
        pay_date = ne.posting_date
        n_sign = 1 if n.remaining > 0 else -1
        n_cur = ne.currency
        nq = self.idx.q(n_cur)
        n_type = ne.document_type
        # discount (D1) and tolerance pairs: payment -> invoice, refund -> credit memo
        pair_type = _INVOICE if n_type is _PAYMENT else _CREDIT_MEMO if n_type is _REFUND else None
        tol_allowed = allow_tol and self.s.accept_payment_tolerance
        accept_late = self.s.accept_late_discount
        for w, ata in targets:
            rem = w.remaining
            if not w.open or rem == 0:
                continue
            o = w.e
            sign = 1 if rem > 0 else -1
            if o.currency == n_cur:
                conv = _ONE
            else:
                ro = self.rate(o.currency, day) or o.exchange_rate
                rn = self.rate(n_cur, day) or ne.exchange_rate
                conv = ro / rn
            r = (abs(rem) * conv).quantize(nq, ROUND_HALF_UP)
            ta = r if ata is None else min(r, (abs(ata) * conv).quantize(nq, ROUND_HALF_UP))
            leg = _Leg(w, sign, conv, r, ta)
            if sign == n_sign:
                leg.netting = True
                legs.append(leg)
                continue
            pair_ok = o.document_type is pair_type
            if pair_ok:
                d1, d2 = w.rpdp, w.rpdp2
                d = ZERO
                if o.pmt_discount_date and pay_date <= o.pmt_discount_date and d1:
                    d = abs(d1)
                elif o.pmt_discount_date_2 and pay_date <= o.pmt_discount_date_2 and d2:
                    d = abs(d2)
                elif (
                    accept_late
                    and o.pmt_disc_tolerance_date
                    and pay_date <= o.pmt_disc_tolerance_date
                    and (d2 or d1)
                ):
                    last_date = o.pmt_discount_date_2 if (o.pmt_discount_date_2 and d2) else o.pmt_discount_date
                    if last_date and pay_date > last_date:
                        d = abs(d2 or d1)
                        leg.d_late = True
                d = min((d * conv).quantize(nq, ROUND_HALF_UP), r)
                if d and ta < r - d:  # only part of the entry applied: no discount
                    d = ZERO
                    leg.d_late = False
                leg.d = d
            if tol_allowed and pair_ok and w.max_tol and ta == r:
                # never more than the cash the leg needs, so an accepted underpayment cannot turn negative
                leg.tol = min((abs(w.max_tol) * conv).quantize(nq, ROUND_HALF_UP), r - leg.d)
            legs.append(leg)
        return legs

    def settle(self, n: _W, legs: list[_Leg], *, full_settlement: bool, limit: Decimal | None = None) -> None:
        """Decide every leg's applied amount, discount, tolerance and write-offs (magnitudes).

        ``limit``: the applying entry's own Amount to Apply (Post Application), if any.
        """
        pool = abs(n.remaining) if limit is None else min(abs(n.remaining), abs(limit))
        for leg in legs:
            if leg.netting:
                leg.applied = leg.ta
                pool += leg.ta
        opp = [leg for leg in legs if not leg.netting]
        if not opp:
            return
        s = self.s
        nq = self.idx.q(n.e.currency)
        need = ZERO
        for leg in opp:
            need += (leg.r - leg.d) if leg.d else leg.ta
        tol_total = sum((leg.tol for leg in opp), ZERO)
        leftover = ZERO
        if pool >= need - tol_total:
            # the payment covers every leg, within tolerance: all discounts granted
            for leg in opp:
                if leg.d:
                    leg.applied = leg.r - leg.d
                    if leg.d_late:
                        leg.pdt = leg.d
                    else:
                        leg.disc = leg.d
                else:
                    leg.applied = leg.ta
            diff = need - pool  # > 0 underpayment, < 0 overpayment
            if diff > 0:
                for leg, share in _spread(opp, diff, nq):
                    leg.applied -= share
                    leg.pt += share
            elif diff < 0 and -diff <= tol_total:
                for leg, share in _spread(opp, -diff, nq):
                    leg.pt -= share
            elif diff < 0:
                leftover = -diff
        else:
            # short payment: legs in order; a discount only where the cash covers the discounted rest
            left = pool
            last: _Leg | None = None
            for leg in opp:
                if left <= 0:
                    break
                last = leg
                if leg.d and left >= leg.r - leg.d:
                    leg.applied = leg.r - leg.d
                    if leg.d_late:
                        leg.pdt = leg.d
                    else:
                        leg.disc = leg.d
                    left -= leg.applied
                elif leg.d and not leg.d_late and s.calc_pmt_disc_on_partial_payments and leg.r > leg.d:
                    # D365: discount proportional to the partial payment: P / (1 - d) x d
                    leg.applied = min(left, leg.ta)
                    leg.disc = min(round_to(leg.applied * leg.d / (leg.r - leg.d), nq), leg.d)
                    leg.partial_discount = True
                    left -= leg.applied
                else:
                    leg.applied = min(left, leg.ta)
                    left -= leg.applied
            # D365 maximum underpayment: the small rest of the last leg is written off
            if last is not None and s.max_over_underpayment > 0 and last.ta == last.r:
                rest = last.r - last.reduction
                if 0 < rest <= s.max_over_underpayment:
                    last.ou = rest
        if leftover > 0:
            with_disc = [leg for leg in opp if leg.disc]
            if s.cash_discount_administration is _UNSPECIFIC and with_disc:
                # D365 Unspecific: the discount is reduced by the overpayment
                for leg in reversed(with_disc):
                    cut = min(leg.disc, leftover)
                    leg.disc -= cut
                    leg.applied += cut
                    leftover -= cut
                    if leftover == 0:
                        break
            if 0 < leftover <= s.max_over_underpayment:
                opp[-1].ou -= leftover
                leftover = ZERO
        if s.appln_rounding_precision > 0:
            # BC: a residual within Appln. Rounding Precision closes a cross-currency application (A4)
            for leg in opp:
                if leg.conv != 1 and leg.ta == leg.r and leg.reduction and 0 < leg.r - leg.reduction \
                        <= s.appln_rounding_precision:
                    leg.rnd = leg.r - leg.reduction
        if full_settlement:
            for leg in opp:
                if leg.ta == leg.r:
                    rest = leg.r - leg.reduction
                    if rest > 0:
                        leg.fsd += rest

    def book_legs(self, n: _W, legs: list[_Leg], day: date) -> None:
        """Turn decided legs into entry changes, Application rows and G/L lines."""
        ne = n.e
        n_rate = ne.exchange_rate or _ONE
        lq = self.lq
        q_of = self.idx.q
        after_change = self._after_change
        apps = self.apps
        n_no = ne.entry_no
        doc = ne.document_no
        cust = ne.customer_no
        n_scale = ne.document_type is _CREDIT_MEMO
        for leg in legs:
            applied, disc, pdt, pt, ou, fsd, rnd = leg.applied, leg.disc, leg.pdt, leg.pt, leg.ou, leg.fsd, leg.rnd
            reduction = (applied + disc + pdt + (pt if pt > 0 else ZERO) + (ou if ou > 0 else ZERO) + fsd + rnd)
            # applying-entry side
            red_n = applied - (pt if pt < 0 else ZERO) - (ou if ou < 0 else ZERO)
            if reduction == 0 and red_n == 0:
                continue
            w = leg.w
            o = w.e
            s_o = leg.sign
            netting = leg.netting
            # applied-entry side, in its own currency
            closes_o = (reduction == leg.r) if not netting else (applied == leg.r)
            w_rem = w.remaining
            if leg.conv == 1:
                comps = (applied, disc, pdt, pt, ou, fsd)
                rounding = ZERO
                red_o = applied if netting else reduction
                if closes_o:
                    red_o = abs(w_rem)
            else:
                oq = q_of(o.currency)
                conv = leg.conv
                comps = tuple(round_to(x / conv, oq) for x in (applied, disc, pdt, pt, ou, fsd))
                red_o = comps[0] if netting else (
                    comps[0] + comps[1] + comps[2] + max(comps[3], ZERO) + max(comps[4], ZERO) + comps[5])
                rounding = ZERO
                if closes_o:
                    rounding = abs(w_rem) - red_o
                    red_o = abs(w_rem)
            c0, c1, c2, c3, c4, c5 = comps
            rounding = s_o * rounding if rounding else ZERO
            # before values for unapply
            o_rpdp, o_rpdp2, o_tol = w.rpdp, w.rpdp2, w.max_tol
            n_rpdp, n_rpdp2, n_tol = n.rpdp, n.rpdp2, n.max_tol
            # LCY book value relieved on both entries (proportional; the rest when closing)
            if closes_o:
                relief_o, u_o = abs(w.remaining_lcy), w.unrealized
            else:
                rem_o = abs(w_rem)
                relief_o = round_to(abs(w.remaining_lcy) * red_o / rem_o, lq)
                u_o = round_to(w.unrealized * red_o / rem_o, lq)
            applied_delta = -s_o * red_o
            applied_lcy = -s_o * relief_o
            if netting:
                applying_delta_n = s_o * applied
                applying_lcy = -applied_lcy
                u_n = ZERO
            else:
                applying_delta_n = s_o * red_n
                rem_n = abs(n.remaining)
                if red_n == rem_n:
                    relief_n, u_n = abs(n.remaining_lcy), n.unrealized
                else:
                    relief_n = round_to(abs(n.remaining_lcy) * red_n / rem_n, lq) if rem_n else ZERO
                    u_n = round_to(n.unrealized * red_n / rem_n, lq) if rem_n else ZERO
                applying_lcy = s_o * relief_n
            # mutate the applied entry
            w.remaining = rem = w_rem + applied_delta
            w.remaining_lcy += applied_lcy
            w.unrealized -= u_o
            if rem == 0:  # closed (the common case of _after_change, inline)
                w.open = False
                w.rpdp = w.rpdp2 = w.max_tol = ZERO
            else:
                after_change(w, w_rem, leg.partial_discount or n_scale)
            # mutate the applying entry
            old_rem_n = n.remaining
            n.remaining = rem = old_rem_n + applying_delta_n
            n.remaining_lcy += applying_lcy
            n.unrealized -= u_n
            if rem == 0:
                n.open = False
                n.rpdp = n.rpdp2 = n.max_tol = ZERO
            else:
                after_change(n, old_rem_n, n_scale)
            app_no = self.next_app_no
            self.next_app_no = app_no + 1
            if not w.open:
                w.closed_by_entry_no, w.closed_at_date, w.closed_by_amount = n_no, day, applied_delta
            if not n.open and n.closed_by_entry_no is None:
                n.closed_by_entry_no, n.closed_at_date, n.closed_by_amount = o.entry_no, day, applying_delta_n
            # G/L (LCY at the applying entry's rate); debit-positive effect on receivables
            desc = ""
            ar_lines = ZERO
            if disc or pdt or pt or ou or fsd or rnd:
                ar = self.acc.receivables
                for amount, account, what in (
                    (disc, self.disc_acc, "Payment discount"),
                    (pdt, self.pdt_acc, "Payment discount tolerance"),
                    (pt, self.pt_acc, "Payment tolerance"),
                    (ou, self.acc.over_underpayment, "Over/underpayment"),
                    (fsd, self.disc_acc, "Full settlement discount"),
                    (rnd, self.acc.appln_rounding, "Application rounding"),
                ):
                    if amount:
                        desc = desc or _describe(ne, o)
                        # components carry the applied entry's sign; valued at the applying entry's rate
                        v = s_o * round_to(amount * n_rate, lq)
                        self.gl_pair(day, doc, account, ar, v, f"{what}: {desc}", cust, app_no)
                        ar_lines -= v
            if u_o or u_n:
                ar = self.acc.receivables
                for u, who in ((u_o, o), (u_n, ne)):
                    if u:
                        acct = self.acc.unrealized_gains if u > 0 else self.acc.unrealized_losses
                        self.gl_pair(day, doc, acct, ar, u, f"Unrealized adj. reversed: {who.document_no}", cust,
                                     app_no)
                        ar_lines -= u
            realized = (applied_lcy + applying_lcy) - ar_lines
            if realized > 0:
                self.gl_pair(day, doc, self.acc.receivables, self.acc.realized_gains, realized,
                             f"Realized gain: {desc or _describe(ne, o)}", cust, app_no)
            elif realized < 0:
                self.gl_pair(day, doc, self.acc.realized_losses, self.acc.receivables, -realized,
                             f"Realized loss: {desc or _describe(ne, o)}", cust, app_no)
            apps.append(_app_row(  # _APP_FIELDS order
                app_no, day, cust, n_no, doc, o.entry_no, o.document_no,
                s_o * c0 if c0 else ZERO,  # amount_applied
                s_o * c1 if c1 else ZERO,  # discount
                s_o * c3 if c3 else ZERO,  # payment_tolerance
                s_o * c2 if c2 else ZERO,  # payment_discount_tolerance
                s_o * c4 if c4 else ZERO,  # over_underpayment
                s_o * c5 if c5 else ZERO,  # full_settlement_discount
                realized, applied_delta, applying_delta_n, rounding, applied_lcy, applying_lcy, -u_o, -u_n,
                o_rpdp, o_rpdp2, o_tol, n_rpdp, n_rpdp2, n_tol,
            ))
            # BC clears the marks of applied entries once posted
            w.applies_to_id = ""
            w.amount_to_apply = None

    def _after_change(self, w: _W, old_remaining: Decimal, scale: bool) -> None:
        """Open flag, discount possible and max tolerance after an entry's remaining amount changed."""
        rem = w.remaining
        if not rem:
            w.open = False
            w.rpdp = w.rpdp2 = w.max_tol = ZERO
            return  # a closed entry leaves its Apply-to-Oldest bucket lazily
        old_rpdp = w.rpdp
        w.open = True
        if scale and old_remaining:
            # BC CalcRemainingPmtDisc (D5) / D365 partial discounts: proportional to the remaining amount
            q = self.idx.q(w.e.currency)
            w.rpdp = round_to(w.rpdp * rem / old_remaining, q)
            w.rpdp2 = round_to(w.rpdp2 * rem / old_remaining, q)
        a = abs(rem)
        if abs(w.rpdp) > a:
            w.rpdp = rem
        if abs(w.rpdp2) > a:
            w.rpdp2 = rem
        if abs(w.max_tol) > a:
            w.max_tol = rem
        if w.e.customer_no in self._oldest_customers and not self.s.settlement_priority:
            self._reposition(w, _amount_key(w.e, old_rpdp, old_remaining))

    def apply(self, n: _W, targets: list[tuple[_W, Decimal | None]], day: date, *, allow_tol: bool,
              full_settlement: bool = False, limit: Decimal | None = None) -> None:
        legs = self.legs_for(n, targets, day, allow_tol)
        if not legs:
            return
        self.settle(n, legs, full_settlement=full_settlement, limit=limit)
        self.book_legs(n, legs, day)


def _describe(applying: LedgerEntry, applied: LedgerEntry) -> str:
    return (f"{_VALUE[applying.document_type] or 'Entry'} {applying.document_no} -> "
            f"{_VALUE[applied.document_type]} {applied.document_no}")


def _spread(legs: list[_Leg], amount: Decimal, q: Decimal) -> list[tuple[_Leg, Decimal]]:
    """BC ``PutCustPmtTolAmount`` over the general path's legs (see :func:`_spread_by`)."""
    return _spread_by(legs, lambda leg: abs(leg.w.e.amount) * leg.conv, lambda leg: leg.tol, amount, q)


def _spread_by(legs: list, weight: Callable[[object], Decimal], tol: Callable[[object], Decimal],
               amount: Decimal, q: Decimal) -> list[tuple[object, Decimal]]:
    """BC ``PutCustPmtTolAmount``: spread ``amount`` over the legs with tolerance, largest original amount first.

    ``weight`` gives a leg's original amount in the payment's currency, ``tol`` its
    tolerance; each leg takes its share of ``amount`` by weight, at most its tolerance,
    the last the rest, and what is left is pushed onto legs with unused tolerance.
    """
    cands = sorted(((leg, weight(leg), tol(leg)) for leg in legs if tol(leg) > 0), key=lambda c: -c[1])
    shares = [ZERO] * len(cands)
    left = amount
    total = sum((c[1] for c in cands), ZERO)
    last = len(cands) - 1
    for i, (_, a, t) in enumerate(cands):
        if i == last or total == 0:
            share = min(left, t)
        else:
            share = min(round_to(a / total * left, q), t, left)
        total -= a
        left -= share
        shares[i] = share
    if left > 0:  # push what is left onto legs with unused tolerance
        for i, (_, _, t) in enumerate(cands):
            extra = min(left, t - shares[i])
            if extra > 0:
                shares[i] += extra
                left -= extra
            if left == 0:
                break
    return [(c[0], s) for c, s in zip(cands, shares) if s]


# --------------------------------------------------------------------------- journal posting


@dataclass(slots=True)
class _Plan:
    line: JournalLine
    customer_no: str
    currency: str
    rate: Decimal
    targets: list[tuple[int, Decimal | None]] = field(default_factory=list)
    method: str = "none"  # "doc", "id", "oldest", "none"


def _split_docs(line: JournalLine) -> tuple[str, ...]:
    given = line.applies_to_doc_nos
    if not given:
        return ()
    if len(given) == 1 and "," not in given[0] and ";" not in given[0]:
        p = given[0].strip()
        return (p,) if p else ()
    out: list[str] = []
    for d in given:
        for part in d.replace(";", ",").split(","):
            p = part.strip()
            if p and p.upper() not in (x.upper() for x in out):
                out.append(p)
    return tuple(out)


def _validate_line(run: _Run, line: JournalLine) -> tuple[_Plan | None, list[Issue]]:
    """Check one journal line against the current state; no state is changed."""
    issues: list[Issue] = []
    key = line.line_no

    def err(code: str, problem: str, fld: str = "", value: object = None) -> None:
        issues.append(_issue(code, problem, "journal", key, fld, value))

    if line.document_type not in _JOURNAL_TYPES:
        err("bad-document-type", f"Document Type {line.document_type.value!r} cannot be posted from the journal; "
            "use Payment, Refund, Invoice or Credit Memo.", "document_type", line.document_type.value)
    if line.amount <= 0:
        err("non-positive-amount", f"Amount {line.amount} must be positive; the document type gives the sign.",
            "amount", line.amount)
    if not line.document_no.strip():
        err("missing-document-no", "Document No. is empty.", "document_no", line.document_no)
    if line.payment_reference:
        why = payref.check(run.s.payment_reference_scheme.code, line.payment_reference)
        if why:
            err("invalid-payment-reference", f"Payment Reference {why} (Settings: Payment Reference Scheme "
                f"{run.s.payment_reference_scheme.value}).", "payment_reference", line.payment_reference)
    docs = _split_docs(line)
    if docs and line.applies_to_id:
        err("applies-to-both", "Give either Applies-to Doc. No. or Applies-to ID, not both.",
            "applies_to_id", line.applies_to_id)
    # customer
    cust = line.customer_no.strip()
    idx = run.idx
    if cust and cust not in idx.customers:
        err("unknown-customer", f"Customer {cust} is not on the Customers sheet.", "customer_no", cust)
        return None, issues
    if not cust:
        owners: set[str] = set()
        for d in docs:
            owners.update(run.entry(n).customer_no for n in run.docs(d))
        if line.applies_to_id:
            owners.update(run.entry(n).customer_no for n in run.by_id().get(line.applies_to_id.upper(), [])
                          if run.cur_open(n))
        if not owners:
            err("missing-customer", "Customer No. is empty and no applies-to document identifies the customer.",
                "customer_no", "")
            return None, issues
        if len(owners) > 1:
            err("ambiguous-customer", f"The applies-to documents belong to several customers "
                f"({', '.join(sorted(owners))}); give the Customer No.", "customer_no", "")
            return None, issues
        cust = owners.pop()
    customer = idx.customers.get(cust)
    if customer is None:
        err("unknown-customer", f"Customer {cust} is not on the Customers sheet.", "customer_no", cust)
        return None, issues
    if customer.blocked is _BLOCKED_ALL:
        err("customer-blocked", f"Customer {cust} is blocked (All): no transactions are allowed, including "
            "payments.", "customer_no", cust)
    elif customer.blocked is _BLOCKED_INVOICE and line.document_type is _INVOICE:
        err("customer-blocked", f"Customer {cust} is blocked (Invoice): invoices cannot be posted.",
            "customer_no", cust)
    currency = idx.currency_of(cust, line.currency)
    rate = idx.rates.rate(currency, line.posting_date)
    if rate is None:
        err("missing-exchange-rate", f"No exchange rate for {currency} on {line.posting_date.isoformat()} "
            "on the ExchangeRates sheet.", "currency", currency)
    if line.document_type in (_INVOICE, _CREDIT_MEMO):
        for n in run.docs(line.document_no):
            e = run.entry(n)
            if e.document_type is line.document_type and e.customer_no == cust:
                err("duplicate-document-no", f"{line.document_type.value} {line.document_no} is already posted "
                    f"(ledger entry {e.entry_no}).", "document_no", line.document_no)
                break
    plan = _Plan(line=line, customer_no=cust, currency=currency, rate=rate or ZERO)
    sign = _DEBIT_SIGN[line.document_type] if line.document_type in _JOURNAL_TYPES else 0
    if docs:
        plan.method = "doc"
        entry = run.entry
        work = run.work
        positive = sign > 0
        for d in docs:
            cands = [n for n in run.docs(d) if entry(n).customer_no == cust]
            if not cands:
                err("applies-to-not-found", f"Applies-to document {d} is not in the ledger of customer {cust}.",
                    "applies_to_doc_nos", d)
                continue
            opp = []
            any_open = False
            for n in cands:
                w = work.get(n)
                if w.open if w is not None else entry(n).open:
                    any_open = True
                    if w is None:
                        w = run.w(n)
                    if (w.remaining > 0) != positive:
                        opp.append(n)
            if not opp:
                if any_open:
                    err("applies-to-wrong-sign", f"{line.document_type.value} cannot be applied to document {d}: "
                        "both reduce the same side of the account.", "applies_to_doc_nos", d)
                else:
                    err("applies-to-closed", f"Applies-to document {d} of customer {cust} is already closed.",
                        "applies_to_doc_nos", d)
                continue
            for n in opp:
                plan.targets.append((n, None))
    elif line.applies_to_id:
        plan.method = "id"
        wanted = line.applies_to_id.upper()
        marked = [n for n in run.by_id().get(wanted, [])
                  if run.cur_open(n) and run.entry(n).customer_no == cust and run.w(n).applies_to_id.upper() == wanted]
        if not marked:
            err("applies-to-id-not-found", f"No open entry of customer {cust} carries Applies-to ID "
                f"{line.applies_to_id}.", "applies_to_id", line.applies_to_id)
        for n in marked:
            w = run.w(n)
            ata = w.amount_to_apply
            if ata is not None and ata != 0:
                if (ata > 0) != (w.remaining > 0):
                    issues.append(_issue("amount-to-apply-sign", f"Amount to Apply {ata} of entry {n} has the "
                                         f"opposite sign of its remaining amount {w.remaining}.", "ledger", n,
                                         "amount_to_apply", ata))
                elif abs(ata) > abs(w.remaining):
                    issues.append(_issue("amount-to-apply-exceeds-remaining", f"Amount to Apply {ata} of entry "
                                         f"{n} exceeds its remaining amount {w.remaining}.", "ledger", n,
                                         "amount_to_apply", ata))
            plan.targets.append((n, ata if ata else None))
    else:
        plan.method = "oldest" if idx.application_method(cust) is _APPLY_TO_OLDEST else "none"
    if line.full_settlement and plan.method not in ("doc", "id"):
        err("full-settlement-needs-applies-to", "Full Settlement needs Applies-to Doc. No. or Applies-to ID.",
            "full_settlement", True)
    return (None if issues else plan), issues


def _post_line(run: _Run, plan: _Plan) -> int:
    line = plan.line
    entry_no = run.next_entry_no
    run.next_entry_no += 1
    sign = _DEBIT_SIGN[line.document_type]
    e = new_entry(
        book=run.book, entry_no=entry_no, customer_no=plan.customer_no, document_type=line.document_type,
        document_no=line.document_no, posting_date=line.posting_date, amount=sign * line.amount,
        currency=plan.currency, document_date=line.document_date, due_date=line.due_date,
        payment_terms=line.payment_terms, amount_excl_vat=line.amount_excl_vat,
        external_document_no=line.external_document_no,
        description=line.description or f"{_VALUE[line.document_type]} {line.document_no}",
        exchange_rate=plan.rate,
        # typed: kept as typed (validated above); else an invoice's generated from its number (deterministic)
        payment_reference=line.payment_reference.strip() or (
            payref.for_document(run.s.payment_reference_scheme.code, line.document_no)
            if line.document_type is _INVOICE else ""),
    )
    run.add_entry(e)
    acc = run.acc
    day = line.posting_date
    desc = e.description
    lcy = e.amount_lcy
    if line.document_type is _PAYMENT:
        run.gl_pair(day, e.document_no, acc.bank, acc.receivables, -lcy, desc, e.customer_no, None)
    elif line.document_type is _REFUND:
        run.gl_pair(day, e.document_no, acc.receivables, acc.bank, lcy, desc, e.customer_no, None)
    elif line.document_type is _INVOICE:
        run.gl_pair(day, e.document_no, acc.receivables, acc.sales, lcy, desc, e.customer_no, None)
    else:  # credit memo
        run.gl_pair(day, e.document_no, acc.sales, acc.receivables, -lcy, desc, e.customer_no, None)
    n = run.w(entry_no)
    if plan.method in ("doc", "id"):
        targets = [(run.w(no), ata) for no, ata in plan.targets]
        if len(targets) > 1:
            targets.sort(key=lambda t: run.sort_key(t[0]))
        # BC: customers with Apply to Oldest never get payment tolerance postings (a running account, §3.1)
        allow_tol = run.idx.application_method(plan.customer_no) is not _APPLY_TO_OLDEST
        run.apply(n, targets, day, allow_tol=allow_tol, full_settlement=line.full_settlement)
    elif plan.method == "oldest":
        run.apply(n, _oldest_targets(run, n), day, allow_tol=False)
    return entry_no


def _oldest_targets(run: _Run, n: _W) -> list[tuple[_W, Decimal | None]]:
    """Apply to Oldest candidates: open, opposite sign, same currency, posted on or before ``n``."""
    ne = n.e
    return [(w if w.__class__ is _W else run.w(w.entry_no), None)
            for w in _oldest_ws(run, ne.customer_no, n.remaining, ne.entry_no, ne.currency, ne.posting_date)]


def _oldest_ws(run: _Run, customer_no: str, remaining: Decimal, me: int, cur: str, day: date
               ) -> list[_W | LedgerEntry]:
    """``_oldest_targets`` of an applying entry ``me`` of ``customer_no`` with ``remaining`` in ``cur`` on ``day``:
    each the entry's working copy, or the entry itself when the run has not touched it."""
    positive = remaining > ZERO
    out: list[_W | LedgerEntry] = []
    need = abs(remaining)
    got = ZERO
    work = run.work
    lst = run.oldest_bucket(customer_no, not positive)
    dead = 0  # closed entries at the head of the bucket: dropped after the scan
    head = True
    entries, base, n = run.entries, run._base, run._n
    for key in lst:
        no = key[-1]
        w = work.get(no)
        if w is None:
            i = no - base
            o = entries[i] if 0 <= i < n else run.entry(no)
            is_open, rem = o.open, o.remaining_amount
        else:
            o, is_open, rem = w.e, w.open, w.remaining
        if not is_open:
            dead += head
            continue
        head = False
        if no == me or (rem > ZERO) == positive or o.currency != cur or o.posting_date > day:
            continue
        out.append(w if w is not None else o)
        got += abs(rem)
        if got >= need:  # enough candidates to use the payment up
            break
    if dead:
        del lst[:dead]
    return out


# --------------------------------------------------------------------------- the common payment, fast
#
# Most journal lines are payments in the company currency applied to invoices in the
# company currency: by one Applies-to Doc. No., by Applies-to ID, or to the oldest
# entries. ``_fast_payment`` posts such a line with cheap checks and plain locals instead
# of ``_validate_line``/``_Plan``/``_Leg``, doing the very same Decimal operations as the
# general path in the same order (so every amount, exponent and sign of zero is the
# same). Whatever it does not cover (an issue to report, another currency, netting
# entries, Amount to Apply, partial-payment discounts, over/underpayment write-offs,
# full settlement, Settlement Priority, repeated entry numbers ...) it declines *before*
# changing anything, and the line goes the general way. ``tests/core/test_fast_path.py``
# compares both paths on random journals.

_FAST_PATH = True  # tests switch it off to compare against the general path only
_NEG_ONE = Decimal(-1)
_new_payment_entry = positional(LedgerEntry, (
    "entry_no", "customer_no", "posting_date", "document_type", "document_no", "amount", "remaining_amount",
    "currency", "exchange_rate", "amount_lcy", "remaining_amount_lcy", "unrealized_lcy", "document_date",
    "due_date", "open", "closed_by_entry_no", "closed_at_date", "closed_by_amount", "external_document_no",
    "description", "amount_excl_vat", "payment_terms"))
_posted_result = positional(LineResult, ("line_no", "status", "message", "posted_entry_no"))


def _fast_ok(run: _Run) -> bool:
    """Whether this run may use ``_fast_payment`` at all (settings it does not cover)."""
    s = run.s
    return (_FAST_PATH and not s.settlement_priority and s.max_over_underpayment == 0
            and run.unique)


def _fast_payment(run: _Run, line: JournalLine) -> LineResult | None:
    """Post ``line`` if it is a common payment (see above) and return its result; else None, nothing changed."""
    if line.document_type is not _PAYMENT or line.full_settlement:
        return None
    if line.amount <= ZERO or not line.document_no.strip():  # ZERO: a Decimal compares faster with a Decimal
        return None
    cust = line.customer_no.strip()
    customer = run.customers.get(cust) if cust else None
    if customer is None or customer.blocked is _BLOCKED_ALL:
        return None
    lcy = run.lcy
    given_cur = line.currency
    if given_cur:
        if given_cur.upper() != lcy:
            return None
    elif customer.currency and customer.currency.upper() != lcy:
        return None
    lq = run.lq
    amount = (_NEG_ONE * line.amount).quantize(lq, ROUND_HALF_UP)  # new_entry: round_to(sign * amount, q)
    if not amount:
        return None
    # ---- targets, as the general path chooses them (working copies made, nothing changed)
    given = line.applies_to_doc_nos
    aid = line.applies_to_id
    entry = run.entry
    work = run.work
    oldest = (customer.application_method or run.s.application_method) is _APPLY_TO_OLDEST
    targets: list[_W]
    if given:
        if aid or len(given) != 1:
            return None
        d = given[0]
        if "," in d or ";" in d:
            return None
        d = d.strip()
        if not d:
            return None
        # run.docs(d), inline for the usual exact hit on one entry
        by_doc, doc_wanted = run._by_doc, run._doc_wanted
        hit = by_doc.get(d) if by_doc is not None and (doc_wanted is None or d in doc_wanted) else None
        if hit.__class__ is int and d.upper() == d:
            no = hit
            i = no - run._base
            e = run.entries[i] if 0 <= i < run._n else entry(no)
            if e.customer_no != cust:
                return None
        else:
            no = None
            for h in run.docs(d):
                if entry(h).customer_no == cust:
                    if no is not None:
                        return None
                    no = h
            if no is None:
                return None
            e = entry(no)
        w = work.get(no)
        if w is None:
            if not e.open or e.remaining_amount <= 0 or e.currency != lcy:
                return None
            targets = [e]
        else:
            if not w.open or w.remaining <= 0 or w.e.currency != lcy:
                return None
            targets = [w]
    elif aid:
        wanted = aid.upper()
        targets = []
        for no in run.by_id().get(wanted, ()):
            w = work.get(no)
            if w is None:
                e = entry(no)
                if not e.open or e.customer_no != cust or e.applies_to_id.upper() != wanted:
                    continue
                if e.amount_to_apply or e.remaining_amount <= 0 or e.currency != lcy:
                    return None
                targets.append(e)
            else:
                if not w.open or entry(no).customer_no != cust or w.applies_to_id.upper() != wanted:
                    continue
                if w.amount_to_apply or w.remaining <= 0 or w.e.currency != lcy:
                    return None
                targets.append(w)
        if not targets:
            return None
        if len(targets) > 1:
            targets.sort(key=_sort_key)
    elif oldest:
        targets = _oldest_ws(run, cust, amount, run.next_entry_no, lcy, line.posting_date)
    else:
        targets = []
    # ---- legs (legs_for, one currency, no netting): [w, r, d, d_late, tol] + the amounts settle decides;
    # w is the working copy, or the entry itself while the run has not touched it
    s = run.s
    pay_date = line.posting_date
    tol_allowed = not oldest and s.accept_payment_tolerance
    accept_late = s.accept_late_discount
    zero_q = run.zero_q
    legs = []
    need = tol_total = ZERO  # settle's sums over the legs, in leg order
    for w in targets:
        if w.__class__ is _W:
            o = w.e
            rem, d1, d2, max_tol = w.remaining, w.rpdp, w.rpdp2, w.max_tol
        else:
            o = w
            rem, d1, d2 = o.remaining_amount, o.remaining_pmt_disc_possible, o.remaining_pmt_disc_2_possible
            max_tol = o.max_payment_tolerance
        r = abs(rem).quantize(lq, ROUND_HALF_UP)
        d = ZERO
        d_late = False
        tol = ZERO
        if o.document_type is _INVOICE:
            if o.pmt_discount_date and pay_date <= o.pmt_discount_date and d1:
                d = abs(d1)
            elif o.pmt_discount_date_2 and pay_date <= o.pmt_discount_date_2 and d2:
                d = abs(d2)
            elif accept_late and o.pmt_disc_tolerance_date and pay_date <= o.pmt_disc_tolerance_date and (d2 or d1):
                last_date = o.pmt_discount_date_2 if (o.pmt_discount_date_2 and d2) else o.pmt_discount_date
                if last_date and pay_date > last_date:
                    d = abs(d2 or d1)
                    d_late = True
            # min(d.quantize(lq), r), spelt out (min() is a slow call); no discount rounds to zero_q
            if d:
                d = d.quantize(lq, ROUND_HALF_UP)
                if r < d:  # noqa: PLR1730 - see above
                    d = r
            else:
                d = zero_q
            if tol_allowed and max_tol:
                tol = abs(max_tol).quantize(lq, ROUND_HALF_UP)
                rest = r - d
                if rest < tol:  # noqa: PLR1730 - min(tol, r - d), spelt out
                    tol = rest
        legs.append([w, r, d, d_late, tol, ZERO, ZERO, ZERO, ZERO])  # + applied, disc, pdt, pt
        need += (r - d) if d else r
        tol_total += tol
    # ---- settle (the general settle, one currency, no write-offs)
    pool = abs(amount)
    if legs:
        leftover = ZERO
        if pool >= need - tol_total:
            for leg in legs:
                d = leg[2]
                if d:
                    leg[5] = leg[1] - d
                    if leg[3]:
                        leg[7] = d
                    else:
                        leg[6] = d
                else:
                    leg[5] = leg[1]
            diff = need - pool
            if diff > ZERO:
                for leg, share in _fast_spread(legs, diff, lq):
                    leg[5] -= share
                    leg[8] += share
            elif diff < ZERO and -diff <= tol_total:
                for leg, share in _fast_spread(legs, -diff, lq):
                    leg[8] -= share
            elif diff < ZERO:
                leftover = -diff
        else:
            left = pool
            for leg in legs:
                if left <= ZERO:
                    break
                r, d = leg[1], leg[2]
                if d and left >= r - d:
                    leg[5] = applied = r - d
                    if leg[3]:
                        leg[7] = d
                    else:
                        leg[6] = d
                    left -= applied
                elif d and not leg[3] and s.calc_pmt_disc_on_partial_payments and r > d:
                    return None  # D365 proportional discount: the general path
                else:
                    leg[5] = applied = r if r < left else left  # noqa: FURB136 - min(left, r), spelt out
                    left -= applied
        if leftover > ZERO and s.cash_discount_administration is _UNSPECIFIC and any(leg[6] for leg in legs):
            return None
    # ---- post: the new entry's G/L (_post_line), the legs, then the entry as it ends up
    # (the general path makes the entry, a working copy, and freezes the copy at the end;
    # nothing reads the new entry while its own line is booked, so it is built once here)
    entry_no = run.next_entry_no
    run.next_entry_no = entry_no + 1
    day = line.posting_date
    doc = line.document_no
    desc = line.description or f"Payment {doc}"
    acc = run.acc
    gl_no = run.next_gl_no  # gl_pair(day, doc, bank, receivables, -amount, ...): Dr bank / Cr receivables
    run.next_gl_no = gl_no + 2
    paid = -amount
    run.gl.append(_gl_row(gl_no, day, doc, acc.bank, desc, paid, ZERO, cust, None))
    run.gl.append(_gl_row(gl_no + 1, day, doc, acc.receivables, desc, ZERO, paid, cust, None))
    if legs:
        rem, rem_lcy, unreal, closed_by, parts = _fast_book(run, entry_no, doc, cust, amount, legs, day)
    else:
        rem, rem_lcy, unreal, closed_by, parts = amount, amount, ZERO, None, []
    if closed_by is None:
        if rem == amount and rem_lcy == amount and unreal == 0:
            # _W.freeze keeps the entry as posted when every changing field still compares equal
            rem, rem_lcy, unreal = amount, amount, ZERO
        e = _new_payment_entry(
            entry_no, cust, day, _PAYMENT, doc, amount, rem, lcy, _ONE, amount, rem_lcy, unreal,
            line.document_date or day, line.due_date or line.document_date or day, rem != 0, None, None, None,
            line.external_document_no, desc, line.amount_excl_vat, line.payment_terms)
    else:
        e = _new_payment_entry(
            entry_no, cust, day, _PAYMENT, doc, amount, rem, lcy, _ONE, amount, rem_lcy, unreal,
            line.document_date or day, line.due_date or line.document_date or day, False, *closed_by,
            line.external_document_no, desc, line.amount_excl_vat, line.payment_terms)
    run.add_entry(e)
    if not parts:  # _line_message
        msg = "Posted; left open." if rem != 0 else "Posted."
    else:
        msg = "Applied: " + "; ".join(parts) + (f"; {abs(rem)!s} left open" if rem else "")
    return _posted_result(line.line_no, "Posted", msg, entry_no)


def _fast_spread(legs: list[list], amount: Decimal, q: Decimal) -> list[tuple[list, Decimal]]:
    """``_spread`` over fast-path legs (conversion 1)."""
    def weight(leg: list) -> Decimal:
        w = leg[0]
        return abs((w.e if w.__class__ is _W else w).amount) * _ONE

    return _spread_by(legs, weight, lambda leg: leg[4], amount, q)  # type: ignore[return-value]


def _fast_book(run: _Run, n_no: int, doc: str, cust: str, amount: Decimal, legs: list[list], day: date
               ) -> tuple[Decimal, Decimal, Decimal, tuple | None, list[str]]:
    """``book_legs`` for fast-path legs: one currency (rate 1), no netting, no write-offs or rounding.

    The applying payment (entry ``n_no``, ``amount``) is kept in locals: its remaining
    amount (currency and LCY; the same), unrealized adjustment (none), closed-by fields
    and the message parts of its applications are returned. Its discount possible and
    maximum tolerance are zero throughout. An applied entry the run had not touched and
    that this leg closes gets its final record at once (``_Run.close_in_place``): the
    working copy the general path makes and freezes would end the same.
    """
    lq = run.lq
    after_change = run._after_change
    apps = run.apps
    n_rem = n_rem_lcy = amount
    n_unreal = ZERO
    n_open = True
    closed_by = None
    parts: list[str] = []
    next_app_no = run.next_app_no  # local while booking (nothing else numbers applications meanwhile)
    for w, r, _d, _late, _tol, applied, disc, pdt, pt in legs:
        if disc or pdt or pt:
            reduction = applied + disc + pdt + (pt if pt > ZERO else ZERO)  # noqa: FURB136 - max(), spelt out
            red_n = applied - pt if pt < ZERO else applied
        else:  # the usual leg: disc, pdt and pt are ZERO itself, and adding 0 twice more changes nothing
            reduction = applied + ZERO
            red_n = applied
        if not reduction and not red_n:
            continue
        if w.__class__ is _W:
            o = w.e
            w_rem, w_lcy, w_unreal, o_rpdp, o_rpdp2, o_tol = (w.remaining, w.remaining_lcy, w.unrealized, w.rpdp,
                                                              w.rpdp2, w.max_tol)
        else:
            o, w = w, None
            w_rem, w_lcy, w_unreal = o.remaining_amount, o.remaining_amount_lcy, o.unrealized_lcy
            o_rpdp, o_rpdp2, o_tol = (o.remaining_pmt_disc_possible, o.remaining_pmt_disc_2_possible,
                                      o.max_payment_tolerance)
        closes_o = reduction == r
        red_o = abs(w_rem) if closes_o else reduction
        if closes_o:
            relief_o, u_o = abs(w_lcy), w_unreal
        else:
            rem_o = abs(w_rem)
            relief_o = (abs(w_lcy) * red_o / rem_o).quantize(lq, ROUND_HALF_UP)
            u_o = (w_unreal * red_o / rem_o).quantize(lq, ROUND_HALF_UP)
        applied_delta = _NEG_ONE * red_o
        applied_lcy = _NEG_ONE * relief_o
        rem_n = abs(n_rem)
        if red_n == rem_n:
            relief_n, u_n = abs(n_rem_lcy), n_unreal
        elif rem_n:
            relief_n = (abs(n_rem_lcy) * red_n / rem_n).quantize(lq, ROUND_HALF_UP)
            u_n = (n_unreal * red_n / rem_n).quantize(lq, ROUND_HALF_UP)
        else:
            relief_n = u_n = ZERO
        rem = w_rem + applied_delta
        if w is None and not rem:
            # closed, the marks cleared (BC): final
            run.close_in_place(o, rem, w_lcy + applied_lcy, w_unreal - u_o, n_no, day, applied_delta)
        else:
            if w is None:
                w = run.w(o.entry_no)
            w.remaining = rem
            w.remaining_lcy += applied_lcy
            w.unrealized -= u_o
            if not rem:
                w.open = False
                w.rpdp = w.rpdp2 = w.max_tol = ZERO
                w.closed_by_entry_no, w.closed_at_date, w.closed_by_amount = n_no, day, applied_delta
            else:
                after_change(w, w_rem, False)
            w.applies_to_id = ""
            w.amount_to_apply = None
        n_rem = rem = n_rem + red_n
        n_rem_lcy += relief_n
        n_unreal -= u_n
        # the payment's own discount and tolerance are zero: _after_change only reopens it
        n_open = bool(rem)
        app_no = next_app_no
        next_app_no += 1
        if not n_open and closed_by is None:
            closed_by = (o.entry_no, day, red_n)
        desc = ""
        ar_lines = ZERO
        if disc or pdt or pt:
            acc = run.acc
            ar = acc.receivables
            for x, account, what in (
                (disc, run.disc_acc, "Payment discount"),
                (pdt, run.pdt_acc, "Payment discount tolerance"),
                (pt, run.pt_acc, "Payment tolerance"),
            ):
                if x:
                    desc = desc or f"Payment {doc} -> {_VALUE[o.document_type]} {o.document_no}"  # _describe
                    v = round_to(x * _ONE, lq)
                    run.gl_pair(day, doc, account, ar, v, f"{what}: {desc}", cust, app_no)
                    ar_lines -= v
        if u_o or u_n:
            acc = run.acc
            ar = acc.receivables
            for u, who in ((u_o, o.document_no), (u_n, doc)):
                if u:
                    acct = acc.unrealized_gains if u > 0 else acc.unrealized_losses
                    run.gl_pair(day, doc, acct, ar, u, f"Unrealized adj. reversed: {who}", cust, app_no)
                    ar_lines -= u
        realized = (applied_lcy + relief_n) - ar_lines
        if realized:
            acc = run.acc
            desc = desc or f"Payment {doc} -> {_VALUE[o.document_type]} {o.document_no}"
            if realized > ZERO:
                run.gl_pair(day, doc, acc.receivables, acc.realized_gains, realized, f"Realized gain: {desc}",
                            cust, app_no)
            else:
                run.gl_pair(day, doc, acc.realized_losses, acc.receivables, -realized, f"Realized loss: {desc}",
                            cust, app_no)
        c0 = applied if applied else ZERO
        apps.append(_app_row(  # _APP_FIELDS order
            app_no, day, cust, n_no, doc, o.entry_no, o.document_no,
            c0, disc if disc else ZERO, pt if pt else ZERO, pdt if pdt else ZERO,
            ZERO, ZERO, realized, applied_delta, red_n, ZERO, applied_lcy, relief_n, -u_o, -u_n,
            o_rpdp, o_rpdp2, o_tol, ZERO, ZERO, ZERO,
        ))
        # _apps_message's part for this application
        # (``!s``: a Decimal's str, the same text as its default format, without the format call)
        if disc or pdt or pt:
            bits = [f"{o.document_no} {c0!s}"]
            if disc:
                bits.append(f"discount {disc!s}")
            if pdt:
                bits.append(f"late discount {pdt!s}")
            if pt:
                bits.append(f"tolerance {pt!s}")
            parts.append(", ".join(bits))
        else:
            parts.append(f"{o.document_no} {c0!s}")
    run.next_app_no = next_app_no
    return n_rem, n_rem_lcy, n_unreal, closed_by, parts


@_without_gc
def post_journal(book: Book, *, skip_errors: bool = False) -> Settlement:
    """Post the journal: new ledger entries, applications and G/L lines.

    All or nothing: when any line has an error, nothing is posted (``posted=False``) and
    every line gets a result; with ``skip_errors`` the good lines are posted and the bad
    ones marked ``Error``. Lines whose status is already ``Posted`` are skipped, so a
    second run posts nothing twice.
    """
    run = _Run(book, book.journal)
    results: list[LineResult] = []
    issues: list[Issue] = []
    errors = 0
    apps = run.apps
    fast = _fast_ok(run)
    for line in book.journal:
        status = line.status
        if status and status.strip().lower() == "posted":
            continue
        if fast:
            result = _fast_payment(run, line)
            if result is not None:
                results.append(result)
                continue
        plan, line_issues = _validate_line(run, line)
        if line_issues:
            issues.extend(line_issues)
        if plan is None:
            errors += 1
            msg = "; ".join(i.problem for i in line_issues if i.severity is _ERROR)
            results.append(_new_result(line_no=line.line_no, status="Error", message=msg))
            continue
        first_app = len(apps)
        entry_no = _post_line(run, plan)
        results.append(_new_result(line_no=line.line_no, status="Posted", posted_entry_no=entry_no,
                                   message=_line_message(run, entry_no, apps[first_app:])))
    if errors and not skip_errors:
        held = [r if r.status == "Error" else _new_result(
            line_no=r.line_no, status="", message=f"Not posted: {errors} journal line(s) have errors.")
            for r in results]
        return run.settlement(held, issues, posted=False)
    return run.settlement(results, issues)


def _line_message(run: _Run, entry_no: int, apps: list[Application]) -> str:
    """A short human summary of what posting a line did (``apps``: the applications it made)."""
    if not apps:
        w = run.work.get(entry_no)
        return "Posted; left open." if w is not None and w.open and w.e.document_type is _PAYMENT else "Posted."
    w = run.work.get(entry_no)
    return _apps_message(apps, w.remaining if w is not None else ZERO)


def _apps_message(apps: list[Application], remaining: Decimal) -> str:
    """``_line_message`` of a line that made ``apps`` and left ``remaining`` on its entry."""
    parts = []
    for a in apps:
        bits = [f"{a.applied_document_no} {a.amount_applied}"]
        if a.discount:
            bits.append(f"discount {a.discount}")
        if a.payment_discount_tolerance:
            bits.append(f"late discount {a.payment_discount_tolerance}")
        if a.payment_tolerance:
            bits.append(f"tolerance {a.payment_tolerance}")
        if a.over_underpayment:
            bits.append(f"over/under {a.over_underpayment}")
        if a.full_settlement_discount:
            bits.append(f"full settlement {a.full_settlement_discount}")
        parts.append(", ".join(bits))
    tail = f"; {abs(remaining)} left open" if remaining else ""
    return "Applied: " + "; ".join(parts) + tail


# --------------------------------------------------------------------------- apply posted entries


@_without_gc
def apply_entries(book: Book, *, applies_to_id: str | None = None) -> Settlement:
    """*Apply Entries* / *Post Application*: settle open entries sharing an Applies-to ID.

    Only IDs that no unposted journal line uses. Applying entries are the payments and
    credit memos of the group (refunds when the group has any), oldest first; the
    application is dated with the latest posting date of the group (spec A3), the
    discount test uses each applying entry's own posting date.
    """
    run = _Run(book)
    issues: list[Issue] = []
    used = {ln.applies_to_id.upper() for ln in book.journal
            if ln.applies_to_id and ln.status.strip().lower() != "posted"}
    groups: dict[tuple[str, str], list[int]] = {}
    for key, nos in run.by_id().items():
        if key in used or (applies_to_id and key != applies_to_id.upper()):
            continue
        for no in nos:
            groups.setdefault((run.entry(no).customer_no, key), []).append(no)
    if applies_to_id and not groups:
        issues.append(_issue("applies-to-id-not-found", f"No open ledger entry carries Applies-to ID "
                             f"{applies_to_id} (or a journal line still uses it).", "ledger", None,
                             "applies_to_id", applies_to_id))
    for (cust, key), nos in sorted(groups.items()):
        customer = run.idx.customers.get(cust)
        if customer is not None and customer.blocked is _BLOCKED_ALL:
            issues.append(_issue("customer-blocked", f"Customer {cust} is blocked (All): entries with Applies-to "
                                 f"ID {key} cannot be applied.", "ledger", nos[0], "applies_to_id", key))
            continue
        ws = [run.w(no) for no in nos]
        refunds = [w for w in ws if w.e.document_type is _REFUND]
        applying = refunds or [w for w in ws if w.remaining < 0]
        applied = [w for w in ws if w not in applying and (w.remaining > 0) != (applying[0].remaining > 0)] \
            if applying else []
        if not applying or not applied:
            issues.append(_issue("nothing-to-apply", f"Applies-to ID {key} of customer {cust} marks no entries "
                                 "that can settle each other.", "ledger", nos[0], "applies_to_id", key,
                                 Severity.WARNING))
            continue
        for w in ws:
            ata = w.amount_to_apply
            if ata is not None and ata != 0 and ((ata > 0) != (w.remaining > 0) or abs(ata) > abs(w.remaining)):
                issues.append(_issue("amount-to-apply-exceeds-remaining", f"Amount to Apply {ata} of entry "
                                     f"{w.e.entry_no} does not fit its remaining amount {w.remaining}.", "ledger",
                                     w.e.entry_no, "amount_to_apply", ata))
        if any(i.severity is _ERROR for i in issues):
            continue
        day = max(w.e.posting_date for w in ws)
        applying.sort(key=lambda w: (w.e.document_type is not _PAYMENT, w.e.posting_date, w.e.entry_no))
        applied.sort(key=run.sort_key)
        for n in applying:
            targets = [(w, w.amount_to_apply or None) for w in applied if w.open]
            if not targets:
                break
            # the applying entry itself is limited by its own Amount to Apply, when given
            allow_tol = run.idx.application_method(cust) is not _APPLY_TO_OLDEST
            run.apply(n, targets, day, allow_tol=allow_tol, limit=n.amount_to_apply or None)
            n.applies_to_id = "" if not n.open or n.remaining == 0 else n.applies_to_id
        for w in ws:
            if w.open and w.applies_to_id.upper() == key and not any(
                    a.applied_entry_no == w.e.entry_no or a.applying_entry_no == w.e.entry_no for a in run.apps):
                continue
            w.applies_to_id = ""
            w.amount_to_apply = None
    if any(i.severity is _ERROR for i in issues):
        return run.settlement([], issues, posted=False)
    return run.settlement([], issues)


# --------------------------------------------------------------------------- unapply


@_without_gc
def unapply(book: Book, application_no: int, *, posting_date: date | None = None) -> Settlement:
    """Reverse one application exactly (spec §1.9, A22).

    Both entries get back their remaining amounts (currency and LCY), open unrealized
    adjustment, remaining discount possible and maximum tolerance; closed fields are
    cleared; every G/L line of the application is posted again with debit and credit
    swapped; the application is marked *Unapplied* and a reversing row is added. The
    latest application of an entry must be unapplied first.
    """
    run = _Run(book)
    issues: list[Issue] = []
    apps = {a.application_no: a for a in book.applications}
    a = apps.get(application_no)

    def fail(code: str, problem: str) -> Settlement:
        issues.append(_issue(code, problem, "applications", application_no, "application_no", application_no))
        return run.settlement([], issues, posted=False)

    if a is None:
        return fail("unknown-application", f"Application {application_no} is not on the Applications sheet.")
    if a.unapplied:
        return fail("already-unapplied", f"Application {application_no} was already unapplied by application "
                    f"{a.unapplied_by_application_no}.")
    if a.reverses_application_no is not None:
        return fail("cannot-unapply-reversal", f"Application {application_no} is itself the reversal of "
                    f"application {a.reverses_application_no}.")
    for later in book.applications:
        if (later.application_no > application_no and not later.unapplied and later.reverses_application_no is None
                and {later.applied_entry_no, later.applying_entry_no} & {a.applied_entry_no, a.applying_entry_no}):
            return fail("unapply-latest-first", f"Entry {a.applied_document_no if later.applied_entry_no in (a.applied_entry_no, a.applying_entry_no) else a.applying_document_no} "
                        f"was applied again later by application {later.application_no}; unapply that one first.")
    if not run.has(a.applied_entry_no) or not run.has(a.applying_entry_no):
        return fail("unknown-entry", f"Application {application_no} refers to ledger entries that are not in the "
                    "Ledger.")
    customer = run.idx.customers.get(a.customer_no)
    if customer is not None and customer.blocked is _BLOCKED_ALL:
        return fail("customer-blocked", f"Customer {a.customer_no} is blocked (All): application "
                    f"{application_no} cannot be unapplied.")
    day = posting_date or a.posting_date
    if day < a.posting_date:
        return fail("unapply-before-application", f"Unapply date {day.isoformat()} is before the application date "
                    f"{a.posting_date.isoformat()}.")
    o = run.w(a.applied_entry_no)
    n = run.w(a.applying_entry_no)
    for w, delta, dl, du, before in (
        (o, a.applied_delta, a.applied_lcy, a.applied_unrealized,
         (a.applied_pmt_disc_before, a.applied_pmt_disc_2_before, a.applied_max_tol_before)),
        (n, a.applying_delta, a.applying_lcy, a.applying_unrealized,
         (a.applying_pmt_disc_before, a.applying_pmt_disc_2_before, a.applying_max_tol_before)),
    ):
        w.remaining -= delta
        w.remaining_lcy -= dl
        w.unrealized -= du
        w.rpdp, w.rpdp2, w.max_tol = before
        w.open = w.remaining != 0
        if w.open:
            w.closed_by_entry_no = None
            w.closed_at_date = None
            w.closed_by_amount = None
    new_no = run.next_app_no
    run.next_app_no += 1
    neg = {f: -getattr(a, f) for f in (
        "amount_applied", "discount", "payment_tolerance", "payment_discount_tolerance", "over_underpayment",
        "full_settlement_discount", "realized_gain_loss_lcy", "applied_delta", "applying_delta", "appln_rounding",
        "applied_lcy", "applying_lcy", "applied_unrealized", "applying_unrealized")}
    run.apps.append(replace(a, application_no=new_no, posting_date=day, reverses_application_no=application_no,
                            unapplied=False, unapplied_by_application_no=None, **neg))
    run.updated_apps[application_no] = replace(a, unapplied=True, unapplied_by_application_no=new_no)
    for g in book.gl:
        if g.application_no == application_no:
            run.gl.append(replace(g, entry_no=run.next_gl_no, posting_date=day, debit=g.credit, credit=g.debit,
                                  description=f"Unapply {application_no}: {g.description}", application_no=new_no))
            run.next_gl_no += 1
    return run.settlement([], issues)

"""Credit and collections: the collector's worklist and promises to pay.

The ``Collections`` worklist (D365's *Collections* page, as a sheet) has one row per
customer with an overdue balance or a credit balance as of a date, built from the
balances rebuilt as of that date (:func:`xlar.core.aging.balances_as_of`, so it ties to
the Aging sheet) and aged by due date in the Aging sheet's buckets. All amounts are LCY.

* **Overdue (LCY)**: the net remaining amount of the entries due before the date (credits
  in those buckets count against it, as in the aging); **Balance (LCY)** is every open
  amount, not yet due included. A customer is listed when Overdue > 0 or Balance < 0.
* **Days Overdue**: from the due date of the oldest open debit entry past due.
* **Limit Used**: Balance / the customer's Credit Limit (LCY), when the limit is > 0.
* **Broken Promises**: promises to pay (``Activities``) whose date passed unpaid.

The priority is a weighted sum the controller sets (:class:`PriorityWeights`)::

    Priority = W_amount x Overdue / 1,000 + W_days x Days Overdue / 30
             + W_promises x Broken Promises + W_limit x max(Limit Used, 0)

rounded to 0.1; rows are ranked by it (ties: larger Overdue first, then Customer No.).
With the default weights (1, 1, 2, 1), 1,000.00 overdue, 30 days overdue, half a broken
promise and 100 % of the credit limit weigh the same.

A promise to pay (an activity of type Promise with an amount and a date) is **Kept** once
the customer's payments posted from the activity's date up to the promised date (in the
customer's currency) reach the promised amount less the tolerance; it is **Broken** when
the date has passed (before the as-of date) and it was not kept, **Open** otherwise. A
promise the collector marked **Cancelled** stays so. Payments after the promised date do
not mend a broken promise.

``Owner``, ``Next Action`` and ``Note`` are the collector's: the caller passes those of the
previous worklist (customer no. -> (owner, next action, note)) and they are written back
on the same customer's row; notes of customers not on the list are kept in a section of
their own (as :mod:`xlar.core.unapplied` keeps its owners).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from xlar.core.aging import AgingBy, Balances, aging_date, balances_as_of, bucket_of, buckets
from xlar.core.dunning import REMINDER, CollectionEntry
from xlar.core.model import Book, DocumentType
from xlar.core.money import ZERO
from xlar.core.tables import Cell, CellKind, Emphasis, Table, day, money, pct
from xlar.core.terms import index_of

NAME = "Collections"
ACTIVITIES = "Activities"

#: the worklist columns; the book layer finds Customer No., Owner, Next Action and Note by these headers
HEADERS_BEFORE_BUCKETS = ("Customer No.", "Name", "Rank", "Priority", "Flags", "Balance (LCY)", "Overdue (LCY)")
HEADERS_AFTER_BUCKETS = ("Days Overdue", "Limit Used", "Broken Promises", "Promised", "Promised By",
                         "Last Payment", "Last Reminder", "Owner", "Next Action", "Note")

THOUSAND = Decimal(1000)
THIRTY = Decimal(30)
TENTH = Decimal("0.1")


class ActivityType(StrEnum):
    CALL = "Call"
    EMAIL = "E-Mail"
    LETTER = "Letter"
    PROMISE = "Promise"
    NOTE = "Note"


class PromiseStatus(StrEnum):
    NONE = ""  # not a promise
    OPEN = "Open"
    KEPT = "Kept"
    BROKEN = "Broken"
    CANCELLED = "Cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorityWeights:
    """Settings ``Priority Weight ...``: what one unit of each factor adds to the priority."""

    overdue_amount: Decimal = Decimal(1)  # per 1,000 LCY overdue
    days_overdue: Decimal = Decimal(1)  # per 30 days
    broken_promises: Decimal = Decimal(2)  # per broken promise
    credit_limit_use: Decimal = Decimal(1)  # per 100 % of the credit limit


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    """A row of the ``Activities`` sheet; ``key`` is its place there (the sheet row)."""

    key: int
    activity_date: date
    customer_no: str
    kind: ActivityType
    text: str = ""
    promised_amount: Decimal | None = None  # in the customer's currency
    promised_date: date | None = None
    status: str = ""  # as the sheet had it (only Cancelled is the collector's)

    @property
    def is_promise(self) -> bool:
        return self.kind is ActivityType.PROMISE and self.promised_amount is not None and \
            self.promised_amount > 0 and self.promised_date is not None


@dataclass(frozen=True, slots=True)
class PromiseCheck:
    activity: Activity
    status: PromiseStatus
    paid: Decimal  # payments counted towards it (customer's currency)


def check_promises(book: Book, activities: Iterable[Activity], as_of: date,
                   tolerance: Decimal = ZERO) -> tuple[PromiseCheck, ...]:
    """Every promise of ``activities`` dated on or before ``as_of``, with its status as of that date."""
    idx = index_of(book)
    paid_by: dict[str, list[tuple[date, Decimal]]] = {}
    for e in book.ledger:
        if e.document_type is DocumentType.PAYMENT and e.posting_date <= as_of:
            paid_by.setdefault(e.customer_no, []).append((e.posting_date, -e.amount if e.currency == (
                _currency(idx, e.customer_no)) else ZERO))
    out = []
    for a in activities:
        if not a.is_promise or a.activity_date > as_of:
            continue
        assert a.promised_date is not None and a.promised_amount is not None
        end = min(a.promised_date, as_of)
        paid = sum((amt for d, amt in paid_by.get(a.customer_no, ()) if a.activity_date <= d <= end), ZERO)
        if a.status.strip().lower() == "cancelled":
            status = PromiseStatus.CANCELLED
        elif paid >= a.promised_amount - tolerance:
            status = PromiseStatus.KEPT
        elif a.promised_date < as_of:
            status = PromiseStatus.BROKEN
        else:
            status = PromiseStatus.OPEN
        out.append(PromiseCheck(a, status, paid))
    return tuple(out)


def _currency(idx: object, customer_no: str) -> str:
    c = idx.customers.get(customer_no)  # type: ignore[attr-defined]
    return (c.currency if c is not None and c.currency else "") or idx.lcy  # type: ignore[attr-defined]


Notes = Mapping[str, tuple[str, object, str]]  # customer no -> (owner, next action (date or text), note)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItem:
    customer_no: str
    name: str
    priority: Decimal
    balance_lcy: Decimal
    overdue_lcy: Decimal
    buckets_lcy: tuple[Decimal, ...]  # the overdue buckets (not-due left out), oldest last
    days_overdue: int
    credit_limit: Decimal | None
    limit_used: Decimal | None  # a fraction: 1.25 is 125 %
    broken_promises: int
    promised: Decimal | None  # the earliest open promise
    promised_by: date | None
    last_payment: date | None
    last_reminder_level: int
    flags: tuple[str, ...] = ()
    owner: str = ""
    next_action: object = None
    note: str = ""


def priority_of(weights: PriorityWeights, overdue: Decimal, days: int, broken: int,
                used: Decimal | None) -> Decimal:
    """The priority formula of the module docstring, rounded to 0.1."""
    p = (weights.overdue_amount * max(overdue, ZERO) / THOUSAND + weights.days_overdue * Decimal(days) / THIRTY
         + weights.broken_promises * broken + weights.credit_limit_use * max(used or ZERO, ZERO))
    return p.quantize(TENTH, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Worklist:
    as_of: date
    bucket_names: tuple[str, ...]
    items: tuple[WorkItem, ...]
    promises: tuple[PromiseCheck, ...] = ()
    kept_notes: dict[str, tuple[str, object, str]] = field(default_factory=dict)


def worklist(book: Book, as_of: date, *, activities: Iterable[Activity] = (), log: Iterable[CollectionEntry] = (),
             weights: PriorityWeights | None = None, notes: Notes | None = None, tolerance: Decimal = ZERO,
             period_length: str = "30D", periods: int = 3, balances: Balances | None = None) -> Worklist:
    """The ranked worklist as of ``as_of`` (see the module docstring)."""
    weights = weights or PriorityWeights()
    notes = notes or {}
    bal = balances if balances is not None else balances_as_of(book, as_of)
    cols = buckets(as_of, period_length, periods, AgingBy.DUE_DATE)
    n = len(cols)
    per: dict[str, list[Decimal]] = {}
    oldest: dict[str, date] = {}
    for b in bal.items.values():
        e = b.entry
        due = aging_date(e, AgingBy.DUE_DATE)
        acc = per.setdefault(e.customer_no, [ZERO] * n)
        acc[bucket_of(due, cols)] += b.remaining_lcy
        if b.remaining > 0 and due < as_of:
            oldest[e.customer_no] = min(oldest.get(e.customer_no, due), due)
    promises = check_promises(book, activities, as_of, tolerance)
    broken: dict[str, int] = {}
    open_promise: dict[str, PromiseCheck] = {}
    for p in promises:
        c = p.activity.customer_no
        if p.status is PromiseStatus.BROKEN:
            broken[c] = broken.get(c, 0) + 1
        elif p.status is PromiseStatus.OPEN:
            best = open_promise.get(c)
            if best is None or p.activity.promised_date < best.activity.promised_date:  # type: ignore[operator]
                open_promise[c] = p
    last_pay: dict[str, date] = {}
    for e in book.ledger:
        if e.document_type is DocumentType.PAYMENT and e.posting_date <= as_of:
            last_pay[e.customer_no] = max(last_pay.get(e.customer_no, e.posting_date), e.posting_date)
    reminders: dict[str, tuple[date, int]] = {}
    for c in log:
        if c.kind != REMINDER or c.document_date > as_of:
            continue
        prev = reminders.get(c.customer_no)
        if prev is None or (c.document_date, c.level) > prev:
            reminders[c.customer_no] = (c.document_date, c.level)
    customers = {c.customer_no: c for c in book.customers}
    items = []
    for no, acc in per.items():
        balance = sum(acc, ZERO)
        overdue = sum(acc[1:], ZERO)
        if not (overdue > 0 or balance < 0):
            continue
        cust = customers.get(no)
        limit = cust.credit_limit if cust is not None and cust.credit_limit else None
        used = (balance / limit).quantize(Decimal("0.0001"), ROUND_HALF_UP) if limit is not None and limit > 0 else None
        days = (as_of - oldest[no]).days if no in oldest else 0
        nb = broken.get(no, 0)
        op = open_promise.get(no)
        flags = []
        if nb:
            flags.append("Promise broken" if nb == 1 else f"{nb} promises broken")
        if used is not None and used > 1:
            flags.append("Over limit")
        if op is not None:
            flags.append("Promise open")
        if balance < 0:
            flags.append("Credit balance")
        owner, nxt, note = notes.get(no, ("", None, ""))
        items.append(WorkItem(
            customer_no=no, name=cust.name if cust is not None else "",
            priority=priority_of(weights, overdue, days, nb, used), balance_lcy=balance, overdue_lcy=overdue,
            buckets_lcy=tuple(acc[1:]), days_overdue=days, credit_limit=limit, limit_used=used, broken_promises=nb,
            promised=op.activity.promised_amount if op else None, promised_by=op.activity.promised_date if op else None,
            last_payment=last_pay.get(no), last_reminder_level=reminders.get(no, (None, 0))[1], flags=tuple(flags),
            owner=owner, next_action=nxt, note=note))
    items.sort(key=lambda i: (-i.priority, -i.overdue_lcy, i.customer_no))
    shown = {i.customer_no for i in items}
    kept = {k: v for k, v in sorted(notes.items()) if k not in shown and (v[0] or v[1] not in (None, "") or v[2])}
    return Worklist(as_of, tuple(b.name for b in cols[1:]), tuple(items), promises, kept)


def headers(bucket_names: Iterable[str]) -> tuple[str, ...]:
    return (*HEADERS_BEFORE_BUCKETS, *bucket_names, *HEADERS_AFTER_BUCKETS)


def _next(v: object) -> object:
    return day(v) if isinstance(v, date) else ("" if v is None else v)


def worklist_table(book: Book, wl: Worklist, weights: PriorityWeights | None = None) -> Table:
    """The Collections sheet: the ranked rows, a total, and the notes kept for later runs."""
    weights = weights or PriorityWeights()
    lcy = index_of(book).lcy
    heads = headers(wl.bucket_names)
    width = len(heads)
    t = Table(NAME)
    # row 1 reaches the collector's columns: a sheet is read as wide as its first row (workbook contract)
    t.add(f"Collections as of {wl.as_of.isoformat()}", *[""] * (width - 2),
          "Owner, Next Action and Note are yours: kept by Customer No.", emphasis=Emphasis.TITLE)
    t.add(f"Customers with an overdue or a credit balance, most urgent first. Priority = "
          f"{weights.overdue_amount:g} x overdue per 1,000 + {weights.days_overdue:g} x days overdue per 30 + "
          f"{weights.broken_promises:g} x broken promises + {weights.credit_limit_use:g} x credit limit used "
          "(Settings: Priority Weight ...).", emphasis=Emphasis.NOTE)
    t.blank()
    t.add(*heads, emphasis=Emphasis.HEADER)
    t.header_rows = len(t.rows)
    for rank, it in enumerate(wl.items, 1):
        t.add(it.customer_no, it.name, Cell(rank, CellKind.INT), Cell(it.priority, CellKind.NUMBER),
              ", ".join(it.flags), money(it.balance_lcy, lcy), money(it.overdue_lcy, lcy),
              *[money(v, lcy) for v in it.buckets_lcy], Cell(it.days_overdue, CellKind.INT),
              pct(it.limit_used) if it.limit_used is not None else "",
              Cell(it.broken_promises, CellKind.INT) if it.broken_promises else "",
              money(it.promised, _cur(book, it.customer_no)) if it.promised is not None else "",
              day(it.promised_by) if it.promised_by else "", day(it.last_payment) if it.last_payment else "",
              Cell(it.last_reminder_level, CellKind.INT) if it.last_reminder_level else "",
              it.owner, _next(it.next_action), it.note)
    nb = len(wl.bucket_names)
    t.add("Total", f"{len(wl.items)} customers", "", "", "",
          money(sum((i.balance_lcy for i in wl.items), ZERO), lcy),
          money(sum((i.overdue_lcy for i in wl.items), ZERO), lcy),
          *[money(sum((i.buckets_lcy[k] for i in wl.items), ZERO), lcy) for k in range(nb)],
          emphasis=Emphasis.TOTAL)
    if wl.kept_notes:
        t.blank()
        t.add(f"Notes of customers not on the list as of {wl.as_of.isoformat()} (kept for later runs; delete a "
              "row to drop it)", emphasis=Emphasis.TITLE)
        t.add(*heads, emphasis=Emphasis.HEADER)
        names = {c.customer_no: c.name for c in book.customers}
        for no, (owner, nxt, note) in wl.kept_notes.items():
            t.add(no, names.get(no, ""), *[""] * (width - 5), owner, _next(nxt), note)
    t.notes = [
        ("Balance and the buckets are LCY, as the Aging sheet as of the same date (by due date); Overdue is "
         "the sum of the buckets, credits in them included."),
        ("Limit Used = Balance / Credit Limit (Customers). Promised / Promised By: the earliest open promise to "
         "pay on the Activities sheet; a promise not paid by its date is counted under Broken Promises."),
        "Last Reminder: the level of the customer's latest issued reminder (CollectionEntries).",
    ]
    t.end_notes()
    return t


def _cur(book: Book, customer_no: str) -> str:
    return _currency(index_of(book), customer_no)

"""Balances as of any date, aging buckets and the tie-out to the receivables G/L (spec §9.1).

Everything here is rebuilt from history, never from today's remaining amounts: an
entry's remaining amount as of a date E is its amount plus the changes of every
application row posted on or before E (``applied_delta`` / ``applying_delta``, and the
negated copies unapply adds on its own date). A Ledger row whose remaining amount the
Applications sheet does not explain (open items loaded with a remaining amount) keeps
the unexplained part as a change on its own posting date; :func:`balances_as_of`
counts such rows so the report can say so.

Buckets follow BC report 120 ``CalcDates`` with L' = ``-L``: aging by due date has
"Not due" = [E+1, ∞), bucket 1 = [CalcDate(L', E+1), E], bucket k+1 ends the day before
bucket k starts, and the last bucket holds everything older. Aging by posting or
document date has no "Not due" column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from xlar.core.dates import calc_date
from xlar.core.model import Application, Book, Customer, GLLine, LedgerEntry
from xlar.core.money import ZERO, round_to
from xlar.core.tables import Cell, CellKind, Emphasis, Table, money, pct
from xlar.core.terms import index_of


class AgingBy(StrEnum):
    DUE_DATE = "Due Date"
    POSTING_DATE = "Posting Date"
    DOCUMENT_DATE = "Document Date"


# --------------------------------------------------------------------------- balances as of a date

class Balance(NamedTuple):
    """An entry's remaining amount as of a date (its currency and LCY)."""

    entry: LedgerEntry
    remaining: Decimal
    remaining_lcy: Decimal


@dataclass(frozen=True, slots=True)
class Balances:
    as_of: date
    items: dict[int, Balance]  # entry_no -> balance, only entries with a non-zero remaining amount
    unexplained: int  # Ledger rows whose remaining amount the Applications sheet does not explain


def deltas(a: Application) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(applied, applying, applied LCY, applying LCY) changes of one application row."""
    if a.applied_delta or a.applying_delta or a.applied_lcy or a.applying_lcy or not a.amount_applied:
        return (a.applied_delta, a.applying_delta, a.applied_lcy + a.applied_unrealized,
                a.applying_lcy + a.applying_unrealized)
    # an Applications sheet without the extension columns: same-currency approximation
    off = a.amount_applied + a.discount + a.payment_tolerance + a.payment_discount_tolerance + \
        a.over_underpayment + a.full_settlement_discount
    return -off, a.amount_applied, -off, a.amount_applied


def balances_as_of(book: Book, as_of: date) -> Balances:
    """Remaining amount of every entry posted on or before ``as_of``, as it was at the end of that day.

    Remaining as of E = remaining today - the changes of application rows dated after E,
    so whatever the Applications sheet does not explain stays on the posting date.
    """
    later: dict[int, list[Decimal]] = {}  # entry_no -> changes dated after as_of (currency, LCY)
    total: dict[int, Decimal] = {}  # entry_no -> every change (to find unexplained remaining amounts)
    for a in book.applications:
        d_o, d_n, l_o, l_n = deltas(a)
        is_later = a.posting_date > as_of
        for no, d, lc in ((a.applied_entry_no, d_o, l_o), (a.applying_entry_no, d_n, l_n)):
            total[no] = total.get(no, ZERO) + d
            if is_later:
                got = later.get(no)
                if got is None:
                    later[no] = [d, lc]
                else:
                    got[0] += d
                    got[1] += lc
    unexplained = 0
    items: dict[int, Balance] = {}
    for e in book.ledger:
        if e.posting_date > as_of:
            continue
        no = e.entry_no
        r, rl = e.remaining_amount, e.remaining_amount_lcy
        if r != e.amount + total.get(no, ZERO):
            unexplained += 1
        got = later.get(no)
        if got is not None:
            r -= got[0]
            rl -= got[1]
        if r or rl:
            items[no] = Balance(e, r, rl)
    return Balances(as_of, items, unexplained)


# --------------------------------------------------------------------------- buckets

@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    start: date | None  # None: open-ended (older)
    end: date | None  # None: open-ended (not due)


def buckets(as_of: date, period_length: str = "30D", periods: int = 3,
            by: AgingBy = AgingBy.DUE_DATE) -> tuple[Bucket, ...]:
    """The aging columns of BC report 120 for ``as_of`` (see the module docstring)."""
    length = period_length.strip().upper() or "30D"
    neg = "-" + length if not length.startswith("-") else length[1:]
    neg = "+".join("-" + p if not p.startswith("-") else p[1:] for p in length.split("+")) if "+" in length else neg
    out: list[Bucket] = []
    if by is AgingBy.DUE_DATE:
        out.append(Bucket("Not due", as_of + timedelta(days=1), None))
    end = as_of
    start_prev = as_of + timedelta(days=1)
    for _ in range(periods):
        start = calc_date(neg, start_prev)
        # BC report 120 CreateHeadings: "<E - end + 1> - <E - start + 1> days" whatever the aging date
        lo, hi = (as_of - end).days + 1, (as_of - start).days + 1
        out.append(Bucket(f"{lo}-{hi} days", start, end))
        end = start - timedelta(days=1)
        start_prev = start
    out.append(Bucket(f"Over {(as_of - end).days} days", None, end))
    return tuple(out)


def bucket_of(day: date, cols: tuple[Bucket, ...]) -> int:
    for i, b in enumerate(cols):
        if (b.start is None or day >= b.start) and (b.end is None or day <= b.end):
            return i
    return len(cols) - 1


def aging_date(e: LedgerEntry, by: AgingBy) -> date:
    if by is AgingBy.DUE_DATE:
        return e.due_date or e.posting_date
    if by is AgingBy.DOCUMENT_DATE:
        return e.document_date or e.posting_date
    return e.posting_date


# --------------------------------------------------------------------------- the aging

@dataclass(frozen=True, slots=True)
class AgingLine:
    customer_no: str
    name: str
    currency: str
    amounts: tuple[Decimal, ...]  # per bucket, in ``currency``
    amounts_lcy: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)

    @property
    def total_lcy(self) -> Decimal:
        return sum(self.amounts_lcy, ZERO)


@dataclass(frozen=True, slots=True)
class Aging:
    as_of: date
    by: AgingBy
    period_length: str
    buckets: tuple[Bucket, ...]
    lines: tuple[AgingLine, ...]  # per customer and currency, sorted
    lcy: str
    unexplained: int = 0

    def totals_lcy(self) -> tuple[Decimal, ...]:
        return tuple(sum((ln.amounts_lcy[i] for ln in self.lines), ZERO) for i in range(len(self.buckets)))

    def totals_by_currency(self) -> dict[str, tuple[Decimal, ...]]:
        out: dict[str, list[Decimal]] = {}
        for ln in self.lines:
            acc = out.setdefault(ln.currency, [ZERO] * len(self.buckets))
            for i, v in enumerate(ln.amounts):
                acc[i] += v
        return {k: tuple(v) for k, v in sorted(out.items())}

    @property
    def total_lcy(self) -> Decimal:
        return sum(self.totals_lcy(), ZERO)


def age(book: Book, as_of: date, *, by: AgingBy = AgingBy.DUE_DATE, period_length: str = "30D",
        periods: int = 3, balances: Balances | None = None) -> Aging:
    """Aged accounts receivable as of ``as_of`` per customer and currency (LCY and the entry currency)."""
    bal = balances if balances is not None else balances_as_of(book, as_of)
    cols = buckets(as_of, period_length, periods, by)
    n = len(cols)
    acc: dict[tuple[str, str], tuple[list[Decimal], list[Decimal]]] = {}
    # bucket lookup by day: few distinct dates, many entries
    memo: dict[date, int] = {}
    due, doc = by is AgingBy.DUE_DATE, by is AgingBy.DOCUMENT_DATE
    for b in bal.items.values():
        e = b.entry
        day = (e.due_date or e.posting_date) if due else (e.document_date or e.posting_date) if doc else e.posting_date
        i = memo.get(day)
        if i is None:
            i = memo[day] = bucket_of(day, cols)
        key = (e.customer_no, e.currency)
        got = acc.get(key)
        if got is None:
            got = acc[key] = ([ZERO] * n, [ZERO] * n)
        got[0][i] += b.remaining
        got[1][i] += b.remaining_lcy
    names = {c.customer_no: c.name for c in book.customers}
    lines = tuple(AgingLine(c, names.get(c, ""), cur, tuple(v[0]), tuple(v[1]))
                  for (c, cur), v in sorted(acc.items()))
    return Aging(as_of, by, period_length, cols, lines, index_of(book).lcy, bal.unexplained)


# --------------------------------------------------------------------------- tie-out

@dataclass(frozen=True, slots=True)
class TieOut:
    as_of: date
    account: str
    ledger_lcy: Decimal  # Σ remaining (LCY) of the customer ledger as of the date
    gl_lcy: Decimal  # receivables account balance (debit - credit) as of the date
    #: Σ Amount (LCY) of entries posted by the date whose document has no line on the receivables account
    #: (open items loaded on the Ledger without G/L): the usual reason for a difference
    without_gl_lcy: Decimal = ZERO
    without_gl_count: int = 0

    @property
    def difference(self) -> Decimal:
        return self.ledger_lcy - self.gl_lcy

    @property
    def ties(self) -> bool:
        return self.difference == 0


def gl_balance(gl: Iterable[GLLine], account: str, as_of: date) -> Decimal:
    total = ZERO
    for g in gl:
        if g.account_no == account and g.posting_date <= as_of:
            total += g.debit - g.credit
    return total


def tie_out(book: Book, balances: Balances) -> TieOut:
    """The customer ledger against the receivables account as of the balances' date.

    ``without_gl_lcy`` is what the ledger holds without G/L behind it: the Amount (LCY)
    of entries whose document has no line on the receivables account, plus the part of
    any remaining amount the Applications sheet does not explain (loaded open items).
    """
    account = book.settings.accounts.receivables
    as_of = balances.as_of
    ledger = sum((b.remaining_lcy for b in balances.items.values()), ZERO)
    posted = {(g.customer_no, g.document_no) for g in book.gl if g.account_no == account and g.application_no is None}
    changes: dict[int, Decimal] = {}
    for a in book.applications:
        _, _, l_o, l_n = deltas(a)
        changes[a.applied_entry_no] = changes.get(a.applied_entry_no, ZERO) + l_o
        changes[a.applying_entry_no] = changes.get(a.applying_entry_no, ZERO) + l_n
    without = ZERO
    count = 0
    for e in book.ledger:
        if e.posting_date > as_of:
            continue
        x = e.remaining_amount_lcy - e.unrealized_lcy - changes.get(e.entry_no, ZERO)  # = amount (LCY) if explained
        if (e.customer_no, e.document_no) in posted:
            x -= e.amount_lcy
        if x:
            without += x
            count += 1
    return TieOut(as_of, account, ledger, gl_balance(book.gl, account, as_of), without, count)


# --------------------------------------------------------------------------- report

def aging_table(aging: Aging, tie: TieOut | None, *, second: Aging | None = None,
                customers: Iterable[Customer] = ()) -> Table:
    """The Aging sheet: tie-out first, then per customer (LCY), totals per currency, and a second aging."""
    t = Table("Aging")
    lcy = aging.lcy
    t.add(f"Aged accounts receivable as of {aging.as_of.isoformat()}", emphasis=Emphasis.TITLE)
    t.add(f"Aging by {aging.by.value}; period length {aging.period_length}; amounts are remaining amounts as of "
          "the date, rebuilt from the ledger and the Applications history", emphasis=Emphasis.NOTE)
    t.header_rows = 2
    notes: list[str] = []
    top = len(t.rows) + 2
    if tie is not None:
        t.blank()
        t.add("Tie-out to the G/L", emphasis=Emphasis.TITLE)
        t.add("Customer ledger (LCY)", money(tie.ledger_lcy, lcy))
        t.add(f"G/L receivables account {tie.account}", money(tie.gl_lcy, lcy))
        t.add("Difference", money(tie.difference, lcy), "Ties" if tie.ties else "DOES NOT TIE",
              emphasis=Emphasis.OK if tie.ties else Emphasis.WARNING)
        if not tie.ties:
            notes.append("The customer ledger does not tie to the G/L: the difference needs explaining.")
        if not tie.ties and tie.without_gl_count:
            t.add(f"of which {tie.without_gl_count} without G/L", money(tie.without_gl_lcy, lcy),
                  emphasis=Emphasis.NOTE)
            t.add("Difference not explained by them", money(tie.difference - tie.without_gl_lcy, lcy),
                  emphasis=Emphasis.OK if tie.difference == tie.without_gl_lcy else Emphasis.WARNING)
            notes.append(f"Of which {tie.without_gl_count} without G/L: ledger entries without G/L lines behind "
                         "them (open items loaded on the Ledger).")
    if aging.unexplained:
        notes.append(f"{aging.unexplained} ledger row(s) carry a remaining amount the Applications sheet does not "
                     "explain; the difference is dated on their posting date.")
    # the chart sits beside the tie-out, above the customer lines (rows reserved for it)
    chart_rows = 14
    while len(t.rows) < top + chart_rows - 1:
        t.blank()
    head, total = _aging_block(t, aging, in_lcy=True)
    t.chart = (head, total, 3, len(aging.buckets), f"Aging by {aging.by.value.lower()} (LCY)")
    t.chart_at = (top, 4, chart_rows)
    curs = aging.totals_by_currency()
    if len(curs) > 1 or (curs and lcy not in curs):
        _aging_block(t, aging, in_lcy=False)
    if second is not None:
        _aging_block(t, second, in_lcy=True)
    t.notes.extend(notes)
    return t


def _aging_block(t: Table, aging: Aging, *, in_lcy: bool) -> tuple[int, int]:
    """Customer lines and totals; returns the row numbers of the headings and the total (for the chart)."""
    lcy = aging.lcy
    t.blank()
    what = "in LCY" if in_lcy else "per currency"
    t.add(f"Aging by {aging.by.value.lower()}, {what}", emphasis=Emphasis.TITLE)
    heads = ["Customer No.", "Name"] + ([] if in_lcy else ["Currency"]) + [b.name for b in aging.buckets] + \
        ["Total", "% overdue" if aging.by is AgingBy.DUE_DATE else "% of total"]
    head = t.add(*heads, emphasis=Emphasis.HEADER)
    for ln in aging.lines:
        vals = ln.amounts_lcy if in_lcy else ln.amounts
        cur = lcy if in_lcy else ln.currency
        if not any(vals):
            continue
        tot = sum(vals, ZERO)
        share = (tot - vals[0]) / tot if (aging.by is AgingBy.DUE_DATE and tot > 0) else None
        t.add(ln.customer_no, ln.name, *([] if in_lcy else [ln.currency]),
              *(money(v, cur) for v in vals), money(tot, cur), pct(share) if share is not None else "")
    if in_lcy:
        tots = aging.totals_lcy()
        total = sum(tots, ZERO)
        row = t.add("Total", "", *(money(v, lcy) for v in tots), money(total, lcy), "", emphasis=Emphasis.TOTAL)
        t.add("% of total", "", *(pct(v / total if total else ZERO) for v in tots), pct(1 if total else 0), "",
              emphasis=Emphasis.TOTAL)
        return head, row
    row = 0
    for cur, vals in aging.totals_by_currency().items():
        tot = sum(vals, ZERO)
        row = t.add(f"Total {cur}", "", cur, *(money(v, cur) for v in vals), money(tot, cur), "",
                    emphasis=Emphasis.TOTAL)
    return head, row


def days_between(a: date, b: date) -> int:
    return (b - a).days


__all__ = ["Aging", "AgingBy", "AgingLine", "Balance", "Balances", "Bucket", "Cell", "CellKind", "TieOut", "age",
           "aging_table", "balances_as_of", "bucket_of", "buckets", "gl_balance", "round_to", "tie_out"]

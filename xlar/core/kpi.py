"""The figures a controller audits at month end, each with its formula in words and numbers.

Period = ``start`` .. ``as_of`` (both included); amounts in LCY.

- **DSO** = receivables balance at ``as_of`` / net sales of the period (invoices less
  credit memos, by posting date) × days in the period.
- **Overdue %** = remaining amount of open debit entries due before ``as_of`` / remaining
  amount of all open debit entries, both as of ``as_of``.
- **Discount taken** = Σ Discount + Payment Discount Tolerance of the application rows
  posted in the period (an unapply's negated row counts on its own date).
- **Discount lost** = Σ over invoices whose last discount date (tolerance date, else
  second, else first discount date) falls in the period: Original Pmt. Disc. Possible
  less the discount taken on the invoice up to ``as_of``, when positive.
- **Tolerance written off** = Σ Payment Tolerance + Over/Underpayment + Full Settlement
  Discount of the application rows posted in the period (positive = written off the
  customer's debt).

Application amounts are in the applied entry's currency and converted with its rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xlar.core.aging import Balances
from xlar.core.model import Book, DocumentType, LedgerEntry
from xlar.core.money import ZERO, round_to
from xlar.core.tables import Cell, CellKind, Emphasis, Table, money, pct
from xlar.core.terms import index_of


@dataclass(frozen=True, slots=True)
class Kpis:
    start: date
    as_of: date
    balance: Decimal
    sales: Decimal
    days: int
    overdue: Decimal
    open_debits: Decimal
    discount_taken: Decimal
    discount_lost: Decimal
    tolerance: Decimal

    @property
    def dso(self) -> Decimal | None:
        return (self.balance / self.sales * self.days).quantize(Decimal("0.1")) if self.sales > 0 else None

    @property
    def overdue_share(self) -> Decimal | None:
        return self.overdue / self.open_debits if self.open_debits else None


def kpis(book: Book, balances: Balances, start: date) -> Kpis:
    as_of = balances.as_of
    idx = index_of(book)
    lq = idx.q(idx.lcy)
    balance = overdue = debits = ZERO
    for b in balances.items.values():
        balance += b.remaining_lcy
        if b.remaining > 0:
            debits += b.remaining_lcy
            if (b.entry.due_date or b.entry.posting_date) < as_of:
                overdue += b.remaining_lcy
    sales = lost = ZERO
    by_no: dict[int, LedgerEntry] = {}
    taken_on: dict[int, Decimal] = {}
    for a in book.applications:
        if a.posting_date <= as_of and (a.discount or a.payment_discount_tolerance):
            taken_on[a.applied_entry_no] = taken_on.get(a.applied_entry_no, ZERO) + a.discount + \
                a.payment_discount_tolerance
    sales_types = (DocumentType.INVOICE, DocumentType.CREDIT_MEMO)
    one = Decimal(1)
    for e in book.ledger:
        by_no[e.entry_no] = e
        if start <= e.posting_date <= as_of and e.document_type in sales_types:
            sales += e.amount_lcy
        if e.original_pmt_disc_possible and e.document_type is DocumentType.INVOICE:
            last = e.pmt_disc_tolerance_date or e.pmt_discount_date_2 or e.pmt_discount_date
            if last is not None and start <= last <= as_of:
                missed = e.original_pmt_disc_possible - taken_on.get(e.entry_no, ZERO)
                if missed > 0:
                    lost += round_to(missed * (e.exchange_rate if e.currency != idx.lcy else one), lq)
    taken = tol = ZERO
    for a in book.applications:
        if not (start <= a.posting_date <= as_of):
            continue
        e = by_no.get(a.applied_entry_no)
        rate = e.exchange_rate if e is not None and e.currency != idx.lcy else one
        taken += round_to((a.discount + a.payment_discount_tolerance) * rate, lq)
        tol += round_to((a.payment_tolerance + a.over_underpayment + a.full_settlement_discount) * rate, lq)
    return Kpis(start, as_of, balance, sales, (as_of - start).days + 1, overdue, debits, taken, lost, tol)


def kpi_rows(t: Table, k: Kpis, lcy: str) -> None:
    """Append the KPI block (value and formula with its figures) to a report table."""
    t.blank()
    t.add(f"Controller KPIs, {k.start.isoformat()} to {k.as_of.isoformat()}", emphasis=Emphasis.TITLE)
    t.add("KPI", "Value", emphasis=Emphasis.HEADER)
    dso = k.dso
    share = k.overdue_share
    rows = (
        ("DSO (days)", Cell(dso, CellKind.NUMBER) if dso is not None else "n/a",
         f"receivables {k.balance} / net sales {k.sales} x {k.days} days"),
        ("Overdue %", pct(share) if share is not None else "n/a",
         f"overdue debits {k.overdue} / open debits {k.open_debits}"),
        ("Discount taken", money(k.discount_taken, lcy),
         "sum of Discount + Payment Discount Tolerance of the period's applications"),
        ("Discount lost", money(k.discount_lost, lcy),
         "invoices whose discount period ended in the period: Original Pmt. Disc. Possible - discount taken"),
        ("Tolerance written off", money(k.tolerance, lcy),
         "sum of Payment Tolerance + Over/Underpayment + Full Settlement Discount of the period's applications"),
        ("Receivables balance", money(k.balance, lcy), f"remaining amounts (LCY) as of {k.as_of.isoformat()}"),
        ("Net sales", money(k.sales, lcy), "invoices less credit memos posted in the period (LCY)"),
    )
    for name, value, formula in rows:
        t.add(name, value)
        t.notes.append(f"{name} = {formula}")
    t.end_notes()

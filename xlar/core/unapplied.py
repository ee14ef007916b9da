"""Unapplied cash aging: every open payment and credit memo as of a date, with its owner and reason.

Unapplied cash is every ledger entry with a *negative* remaining amount as of the date
(payments and credit memos not yet applied, or applied in part). The remaining amounts
are rebuilt from history exactly as the aging does (:func:`xlar.core.aging.balances_as_of`),
and the buckets are the aging's buckets by posting date (BC report 120,
:func:`xlar.core.aging.buckets`), so a run for a past date shows what a run on that date
showed, and the table's total is the negative part of the Aging sheet.

``Owner`` and ``Reason`` are the user's: the caller passes the notes of the previous
report (entry no. -> (owner, reason)) and they are written back next to the same entry.
Notes of entries that are not open as of the date are kept in a section of their own,
so a run for another date never loses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xlar.core.aging import AgingBy, Balances, balances_as_of, bucket_of, buckets
from xlar.core.model import Book, LedgerEntry
from xlar.core.money import ZERO
from xlar.core.tables import Cell, CellKind, Emphasis, Table, day, money
from xlar.core.terms import index_of

NAME = "UnappliedCash"
#: the columns of the item rows; the book layer finds Owner and Reason by these headers
HEADERS = ("Entry No.", "Customer No.", "Name", "Document Type", "Document No.", "Posting Date", "Age (Days)",
           "Bucket", "Currency", "Remaining Amount", "Remaining Amt. (LCY)", "Owner", "Reason")

Notes = Mapping[int, tuple[str, str]]  # entry no. -> (owner, reason)


@dataclass(frozen=True, slots=True)
class UnappliedItem:
    entry: LedgerEntry
    remaining: Decimal  # negative, in the entry's currency
    remaining_lcy: Decimal
    age_days: int
    bucket: str
    owner: str = ""
    reason: str = ""


def unapplied_items(book: Book, as_of: date, *, balances: Balances | None = None, period_length: str = "30D",
                    periods: int = 3, notes: Notes | None = None) -> tuple[UnappliedItem, ...]:
    """Open payments and credit memos as of ``as_of``, oldest first (then customer, entry no.)."""
    bal = balances if balances is not None else balances_as_of(book, as_of)
    cols = buckets(as_of, period_length, periods, AgingBy.POSTING_DATE)
    notes = notes or {}
    out = []
    for b in bal.items.values():
        if b.remaining >= 0:
            continue
        e = b.entry
        owner, reason = notes.get(e.entry_no, ("", ""))
        out.append(UnappliedItem(e, b.remaining, b.remaining_lcy, (as_of - e.posting_date).days,
                                 cols[bucket_of(e.posting_date, cols)].name, owner, reason))
    out.sort(key=lambda i: (-i.age_days, i.entry.customer_no, i.entry.entry_no))
    return tuple(out)


def unapplied_table(book: Book, as_of: date, *, balances: Balances | None = None, period_length: str = "30D",
                    periods: int = 3, notes: Notes | None = None) -> Table:
    """The UnappliedCash sheet: a summary per bucket (LCY), the items, and the notes kept for later runs."""
    notes = notes or {}
    lcy = index_of(book).lcy
    cols = buckets(as_of, period_length, periods, AgingBy.POSTING_DATE)
    items = unapplied_items(book, as_of, balances=balances, period_length=period_length, periods=periods,
                            notes=notes)
    names = {c.customer_no: c.name for c in book.customers}
    t = Table(NAME)
    # row 1 reaches the Owner / Reason columns: a sheet is read as wide as its first row (workbook contract)
    t.add(f"Unapplied cash as of {as_of.isoformat()}", *[""] * (len(HEADERS) - 3), "Owner and Reason:",
          "yours, kept by Entry No.", emphasis=Emphasis.TITLE)
    t.add("Open payments and credit memos (negative remaining amount) as of the date, rebuilt from the "
          "ledger and the Applications history; aged by posting date. Type Owner and Reason in the open "
          "items: the next run writes them next to the same entries.", emphasis=Emphasis.NOTE)
    t.header_rows = 2
    t.blank()
    t.add("Summary by age (LCY)", emphasis=Emphasis.TITLE)
    t.add("Bucket", "Items", "Remaining Amt. (LCY)", "Without owner", emphasis=Emphasis.HEADER)
    count = [0] * len(cols)
    amount = [ZERO] * len(cols)
    orphans = [0] * len(cols)
    index = {b.name: i for i, b in enumerate(cols)}
    for it in items:
        i = index[it.bucket]
        count[i] += 1
        amount[i] += it.remaining_lcy
        orphans[i] += 0 if it.owner.strip() else 1
    for i, b in enumerate(cols):
        t.add(b.name, Cell(count[i], CellKind.INT), money(amount[i], lcy), Cell(orphans[i], CellKind.INT))
    t.add("Total", Cell(len(items), CellKind.INT), money(sum(amount, ZERO), lcy),
          Cell(sum(orphans), CellKind.INT), emphasis=Emphasis.TOTAL)
    t.blank()
    t.add("Open items", emphasis=Emphasis.TITLE)
    t.add(*HEADERS, emphasis=Emphasis.HEADER)
    for it in items:
        e = it.entry
        t.add(Cell(e.entry_no, CellKind.INT), e.customer_no, names.get(e.customer_no, ""),
              e.document_type.value, e.document_no, day(e.posting_date), Cell(it.age_days, CellKind.INT),
              it.bucket, e.currency, money(it.remaining, e.currency), money(it.remaining_lcy, lcy), it.owner,
              it.reason)
    total = sum((i.remaining_lcy for i in items), ZERO)
    t.add("Total", *[""] * 9, money(total, lcy), emphasis=Emphasis.TOTAL)
    shown = {i.entry.entry_no for i in items}
    kept = sorted(no for no, (owner, reason) in notes.items() if no not in shown and (owner or reason))
    if kept:
        by_no = {e.entry_no: e for e in book.ledger}
        t.blank()
        t.add(f"Notes of entries not open as of {as_of.isoformat()} (kept for later runs; delete a row to "
              "drop it)", emphasis=Emphasis.TITLE)
        t.add(*HEADERS, emphasis=Emphasis.HEADER)
        for no in kept:
            e = by_no.get(no)
            owner, reason = notes[no]
            if e is None:
                t.add(Cell(no, CellKind.INT), "", "", "", "", "", "", "", "", "", "", owner, reason)
                continue
            t.add(Cell(no, CellKind.INT), e.customer_no, names.get(e.customer_no, ""), e.document_type.value,
                  e.document_no, day(e.posting_date), "", "", e.currency, "", "", owner, reason)
    return t

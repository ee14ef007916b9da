"""Customer statements for a period (spec §9.1, BC report 1316), rebuilt from history.

One statement per customer and currency: the balance at the end of the day before
``start``, every movement of the period in date order (documents posted, and the part
of each application that changes the balance: discounts, tolerance, write-offs, and
applications across currencies), the closing balance as of ``end`` and an aging footer
in the statement's currency. The closing balance is the ledger's as of ``end``
(:func:`~xlar.core.aging.balances_as_of`, the aging's figure) and closing = opening +
movements, always.

Where the history is missing (open items loaded with a remaining amount and no rows on
the Applications sheet, e.g. a payment loaded as closed), the ledger as of ``start``
cannot explain the period's documents: a payment of the period whose application is
not on the sheet would lower the balance once more. Such a statement opens with
**Balance brought forward** instead of *Opening balance*: the closing balance less the
period's movements, i.e. the ledger's balance as of ``start`` plus what the Applications
sheet does not explain about the period's entries (``Statement.brought_forward``;
``Statement.ledger_opening`` keeps the ledger's own figure). A statement never carries
an adjustment line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from xlar.core.aging import Aging, Balances, balances_as_of, deltas
from xlar.core.model import Book
from xlar.core.money import ZERO
from xlar.core.tables import Cell, CellKind, Emphasis, Row, Table, day, money

DATE, MONEY = CellKind.DATE, CellKind.MONEY


class Movement(NamedTuple):
    day: date
    document_type: str
    document_no: str
    description: str
    due_date: date | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    customer_no: str
    name: str
    currency: str
    opening: Decimal
    movements: tuple[Movement, ...]
    closing: Decimal
    #: True when the history is missing: ``opening`` is then the balance brought forward (closing less the
    #: movements), not the ledger's balance as of the start date (``ledger_opening``)
    brought_forward: bool = False
    ledger_opening: Decimal | None = None  # the ledger's balance at the end of the day before the start

    @property
    def opening_label(self) -> str:
        return "Balance brought forward" if self.brought_forward else "Opening balance"


def statements(book: Book, start: date, end: date, *, closing: Balances | None = None) -> tuple[Statement, ...]:
    """Every customer's statement for ``start`` .. ``end`` (see the module docstring)."""
    after = closing if closing is not None and closing.as_of == end else balances_as_of(book, end)
    # opening = remaining at the end (of entries posted before the period) less the period's changes to them:
    # the same arithmetic as balances_as_of(start - 1), without a second pass over the ledger
    opening: dict[tuple[str, str], Decimal] = {}
    close: dict[tuple[str, str], Decimal] = {}
    for b in after.items.values():
        e = b.entry
        k = (e.customer_no, e.currency)
        close[k] = close.get(k, ZERO) + b.remaining
        if e.posting_date < start:
            opening[k] = opening.get(k, ZERO) + b.remaining
    moves: dict[tuple[str, str], list[Movement]] = {}
    by_no = {}
    for e in book.ledger:
        by_no[e.entry_no] = e
        if start <= e.posting_date <= end:
            moves.setdefault((e.customer_no, e.currency), []).append(
                Movement(e.posting_date, e.document_type.value, e.document_no, e.description, e.due_date, e.amount))
    for a in book.applications:
        if not (start <= a.posting_date <= end):
            continue
        o, n = by_no.get(a.applied_entry_no), by_no.get(a.applying_entry_no)
        if o is None and n is None:
            continue
        d_o, d_n, _, _ = deltas(a)
        parts = []
        for e, d in ((o, d_o), (n, d_n)):
            if e is None:  # an application row naming an entry the Ledger does not have: its other side moves
                continue
            k = (e.customer_no, e.currency)
            if d and e.posting_date < start:
                opening[k] = opening.get(k, ZERO) - d
            parts.append((k, d))
        if len(parts) == 2 and parts[0][0] == parts[1][0]:
            parts = [(parts[0][0], d_o + d_n)]
        for k, amt in parts:
            if amt:
                what = "Unapplied" if a.reverses_application_no is not None else "Applied"
                moves.setdefault(k, []).append(Movement(
                    a.posting_date, "Application", str(a.application_no),
                    f"{what}: {a.applying_document_no} to {a.applied_document_no}", None, amt))
    names = {c.customer_no: c.name for c in book.customers}
    out = []
    for k in sorted(set(opening) | set(close) | set(moves)):
        mv = sorted(moves.get(k, []), key=lambda m: (m.day, m.document_type == "Application", m.document_no))
        op, cl = opening.get(k, ZERO), close.get(k, ZERO)
        # what the Applications sheet does not explain about the period's entries (loaded without history)
        gap = cl - op - sum((m.amount for m in mv), ZERO)
        if not op and not cl and not mv:
            continue
        out.append(Statement(k[0], names.get(k[0], ""), k[1], op + gap if gap else op, tuple(mv), cl, brought_forward=bool(gap),
                             ledger_opening=op))
    return tuple(out)


def statements_table(sts: tuple[Statement, ...], start: date, end: date, aging: Aging | None) -> Table:
    t = Table("Statements")
    t.add(f"Customer statements {start.isoformat()} to {end.isoformat()}", emphasis=Emphasis.TITLE)
    t.add(f"{len(sts)} statement(s), each in the customer's currency, with an aging footer as of {end.isoformat()}",
          emphasis=Emphasis.NOTE)
    t.header_rows = 2
    lines = {(ln.customer_no, ln.currency): ln for ln in aging.lines} if aging is not None else {}
    for s in sts:
        cur = s.currency
        t.blank()
        t.add(f"Statement {s.customer_no}", s.name, cur, f"{start.isoformat()} to {end.isoformat()}",
              emphasis=Emphasis.TITLE)
        t.add("Date", "Document Type", "Document No.", "Description", "Due Date", "Amount", "Balance",
              emphasis=Emphasis.HEADER)
        t.add(day(start), "", "", s.opening_label, "", "", money(s.opening, cur), emphasis=Emphasis.TOTAL)
        running = s.opening
        add = t.rows.append
        for m in s.movements:  # hot: every movement of the period
            running += m.amount
            add(Row((Cell(m.day, DATE), m.document_type, m.document_no, m.description,
                     Cell(m.due_date, DATE) if m.due_date else "", Cell(m.amount, MONEY, cur),
                     Cell(running, MONEY, cur))))
        t.add(day(end), "", "", "Closing balance", "", "", money(s.closing, cur), emphasis=Emphasis.TOTAL)
        ln = lines.get((s.customer_no, cur))
        if ln is not None and aging is not None:
            t.add("Aging", *(b.name for b in aging.buckets), emphasis=Emphasis.HEADER)
            t.add("", *(money(v, cur) for v in ln.amounts))
    return t

"""Statements never explain a balance with an adjustment line (issue 16 item 3).

The closing balance is the ledger's as of the end date (``balances_as_of``, the aging's
figure). With the whole history on the Applications sheet the statement opens with the
ledger's balance as of the start date; where open items were loaded without their
applications it opens, once, with "Balance brought forward".
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rich.console import Console

from tests.month_end.conftest import DT, D
from xlar.core.aging import balances_as_of
from xlar.core.model import Book, Customer, LedgerEntry
from xlar.core.money import ZERO
from xlar.core.statements import statements, statements_table

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def ledger_balance(book: Book, as_of: date) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = {}
    for b in balances_as_of(book, as_of).items.values():
        k = (b.entry.customer_no, b.entry.currency)
        out[k] = out.get(k, ZERO) + b.remaining
    return out


def loaded(no: int, customer: str, day: str, kind: DT, doc: str, amount: str, remaining: str) -> LedgerEntry:
    """A ledger row as a migration loads it: a remaining amount, no Applications rows."""
    d = date.fromisoformat(day)
    return LedgerEntry(entry_no=no, customer_no=customer, posting_date=d, document_type=kind, document_no=doc,
                       amount=D(amount), remaining_amount=D(remaining), currency="EUR", amount_lcy=D(amount),
                       remaining_amount_lcy=D(remaining), due_date=d + timedelta(days=14),
                       open=D(remaining) != 0)


def with_loaded(full: Book) -> Book:
    top = max(e.entry_no for e in full.ledger)
    rows = (
        # L1, history missing: INV-L1 paid by PAY-L1 (no application row), INV-L2 open
        loaded(top + 1, "L1", "2026-02-20", DT.INVOICE, "INV-L1", "500.00", "0.00"),
        loaded(top + 2, "L1", "2026-03-03", DT.INVOICE, "INV-L2", "400.00", "400.00"),
        loaded(top + 3, "L1", "2026-03-12", DT.PAYMENT, "PAY-L1", "-500.00", "0.00"),
        # C2 (full history) also gets a loaded pair: INV-M0 in February, PAY-M1 paying it in March
        loaded(top + 4, "C2", "2026-02-25", DT.INVOICE, "INV-M0", "250.00", "0.00"),
        loaded(top + 5, "C2", "2026-03-25", DT.PAYMENT, "PAY-M1", "-250.00", "0.00"),
    )
    return replace(full, ledger=full.ledger + rows,
                   customers=full.customers + (Customer(customer_no="L1", name="Loaded Ltd", payment_terms="14D"),))


def test_full_history_opens_with_the_ledger_balance_as_of_the_start(full: Book) -> None:
    (s,) = [s for s in statements(full, *MARCH) if s.customer_no == "C2"]
    assert not s.brought_forward and s.opening_label == "Opening balance"
    assert s.opening == s.ledger_opening == D("1000.00")  # INV-2 300 left + INV-6 700 on 2026-02-28
    assert s.closing == D("-200.00")


def test_loaded_items_open_with_the_balance_brought_forward(full: Book) -> None:
    book = with_loaded(full)
    sts = {s.customer_no: s for s in statements(book, *MARCH)}
    s = sts["L1"]
    # as of 2026-02-28 the ledger dates INV-L1's missing payment on its own posting date: balance 0
    assert s.ledger_opening == D("0.00")
    # INV-L1 (500) was open when PAY-L1 paid it in March: brought forward 500, then +400 -500 = 400
    assert s.brought_forward and s.opening == D("500.00")
    assert [(m.document_no, m.amount) for m in s.movements] == [("INV-L2", D("400.00")), ("PAY-L1", D("-500.00"))]
    assert s.closing == D("400.00") == ledger_balance(book, MARCH[1])[("L1", "EUR")]


def test_mixed_history_brings_forward_only_what_the_applications_do_not_explain(full: Book) -> None:
    book = with_loaded(full)
    (s,) = [s for s in statements(book, *MARCH) if s.customer_no == "C2"]
    assert s.ledger_opening == D("1000.00")  # INV-M0 counts 0 from its posting date
    assert s.brought_forward and s.opening == D("1250.00")  # + INV-M0, which PAY-M1 paid in March
    assert [(m.document_no, m.amount) for m in s.movements] == [("PAY-4", D("-1200.00")), ("PAY-M1", D("-250.00"))]
    assert s.closing == D("-200.00") == ledger_balance(book, MARCH[1])[("C2", "EUR")]
    # the customers with the whole history keep their opening balance
    c1 = next(s for s in statements(book, *MARCH) if s.customer_no == "C1")
    assert not c1.brought_forward and c1.opening == c1.ledger_opening


@pytest.mark.parametrize("period", [MARCH, (date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 1, 1), date(2026, 4, 30))])
def test_closing_is_the_ledger_balance_and_no_adjustment_line(full: Book, period: tuple[date, date]) -> None:
    book = with_loaded(full)
    start, end = period
    sts = statements(book, start, end)
    closing, opening = ledger_balance(book, end), ledger_balance(book, start - timedelta(days=1))
    assert {(s.customer_no, s.currency): s.closing for s in sts if s.closing} == \
        {k: v for k, v in closing.items() if v}
    for s in sts:
        assert s.closing == s.opening + sum((m.amount for m in s.movements), ZERO)
        assert s.ledger_opening == opening.get((s.customer_no, s.currency), ZERO)
        assert s.brought_forward == (s.opening != s.ledger_opening)
        assert not any(m.document_type == "Adjustment" for m in s.movements)


def test_the_statements_sheet_says_balance_brought_forward_once_at_the_top(full: Book) -> None:
    book = with_loaded(full)
    t = statements_table(statements(book, *MARCH), *MARCH, None)
    texts = t.texts()
    start = next(i for i, r in enumerate(texts) if r[:1] == ["Statement L1"])
    block = texts[start:next((i for i in range(start + 1, len(texts)) if not any(texts[i])), len(texts))]
    labels = [r[3] for r in block if len(r) > 3]
    assert labels.count("Balance brought forward") == 1 and labels.index("Balance brought forward") == labels.index("Description") + 1
    assert next(r for r in block if "Balance brought forward" in r)[-1] == "500.00"
    assert not any("Adjustment" in c or "not explained" in c for r in texts for c in r)


def test_the_demo_statements_close_on_the_ledger_without_adjustments(tmp_path) -> None:
    """All 300 customers of ``xlar demo`` (payments loaded as closed, without applications)."""
    from xlar.book.rows import read_book
    from xlar.book.xlsxparts import open_file
    from xlar.demo import DEMO_FILE, run_demo

    assert run_demo(tmp_path, Console(file=io.StringIO())) == 0
    book = read_book(open_file(tmp_path / DEMO_FILE, "auto").grids).book
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    sts = statements(book, start, end)
    closing = ledger_balance(book, end)
    assert len({s.customer_no for s in sts}) == len(book.customers) == 300
    assert {(s.customer_no, s.currency): s.closing for s in sts if s.closing} == {k: v for k, v in closing.items() if v}
    assert not any(m.document_type == "Adjustment" for s in sts for m in s.movements)
    for s in sts:
        assert s.closing == s.opening + sum((m.amount for m in s.movements), ZERO)
    # the demo loads paid history without applications: some statements bring a balance forward, not all
    assert 0 < sum(s.brought_forward for s in sts) < len(sts)

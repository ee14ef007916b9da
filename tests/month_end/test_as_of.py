"""As of any date: the aging, tie-out and statements rebuilt from history equal what a run on that date showed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.month_end.conftest import HISTORY, D, history
from xlar.core.aging import AgingBy, age, balances_as_of, buckets, tie_out
from xlar.core.kpi import kpis
from xlar.core.model import Book
from xlar.core.money import ZERO
from xlar.core.statements import statements

DAYS = sorted({d for d, _ in HISTORY} | {date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 9), date(2026, 4, 30)})


def _naive_aging(book: Book, as_of: date, by: AgingBy) -> dict[tuple[str, str], tuple]:
    """The aging a run on ``as_of`` showed: today's remaining amounts of the book as it was then."""
    cols = buckets(as_of, "30D", 3, by)
    out: dict[tuple[str, str], list] = {}
    for e in book.ledger:
        if not e.remaining_amount:
            continue
        key = e.due_date if by is AgingBy.DUE_DATE else e.posting_date
        i = next(i for i, b in enumerate(cols) if (b.start is None or key >= b.start) and (b.end is None or key <= b.end))
        acc = out.setdefault((e.customer_no, e.currency), [[ZERO] * len(cols), [ZERO] * len(cols)])
        acc[0][i] += e.remaining_amount
        acc[1][i] += e.remaining_amount_lcy
    return {k: (tuple(v[0]), tuple(v[1])) for k, v in out.items() if any(v[0]) or any(v[1])}


@pytest.mark.parametrize("as_of", DAYS, ids=str)
@pytest.mark.parametrize("by", [AgingBy.DUE_DATE, AgingBy.POSTING_DATE])
def test_aging_as_of_a_past_date_equals_the_run_on_that_date(full: Book, as_of: date, by: AgingBy) -> None:
    then = history(as_of).book  # the workbook as it was at the end of that day
    rebuilt = age(full, as_of, by=by)
    assert {(ln.customer_no, ln.currency): (ln.amounts, ln.amounts_lcy) for ln in rebuilt.lines
            if any(ln.amounts) or any(ln.amounts_lcy)} == _naive_aging(then, as_of, by)
    assert rebuilt.lines == age(then, as_of, by=by).lines


@pytest.mark.parametrize("as_of", DAYS, ids=str)
def test_ledger_ties_to_the_gl_on_every_date(full: Book, as_of: date) -> None:
    tie = tie_out(full, balances_as_of(full, as_of))
    assert tie.ties, tie
    assert tie.ledger_lcy == tie_out(history(as_of).book, balances_as_of(history(as_of).book, as_of)).ledger_lcy


def test_balances_at_the_end_are_the_ledger_remaining_amounts(full: Book) -> None:
    bal = balances_as_of(full, date(2099, 1, 1))
    assert bal.unexplained == 0
    assert {n: (b.remaining, b.remaining_lcy) for n, b in bal.items.items()} == {
        e.entry_no: (e.remaining_amount, e.remaining_amount_lcy) for e in full.ledger
        if e.remaining_amount or e.remaining_amount_lcy}


def test_unapplied_payment_counts_as_applied_before_the_unapply(full: Book) -> None:
    inv2 = next(e.entry_no for e in full.ledger if e.document_no == "INV-2")
    assert balances_as_of(full, date(2026, 3, 9)).items[inv2].remaining == D("300.00")
    assert balances_as_of(full, date(2026, 3, 10)).items[inv2].remaining == D("500.00")
    assert inv2 not in balances_as_of(full, date(2026, 3, 15)).items


def test_loaded_remaining_amounts_without_history_are_dated_on_posting(full: Book) -> None:
    # an open item loaded with a remaining amount and no Applications rows
    e = replace(full.ledger[5], remaining_amount=D("120.00"), remaining_amount_lcy=D("120.00"))
    book = replace(full, ledger=full.ledger[:5] + (e,) + full.ledger[6:])
    bal = balances_as_of(book, date(2026, 2, 28))
    assert bal.unexplained == 1
    assert bal.items[e.entry_no].remaining == D("120.00")
    assert e.entry_no not in balances_as_of(book, e.posting_date - timedelta(days=1)).items


@pytest.mark.parametrize(("start", "end"), [(date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
                                            (date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 1, 1), date(2026, 4, 30))])
def test_statement_closing_is_opening_plus_movements(full: Book, start: date, end: date) -> None:
    sts = statements(full, start, end)
    assert sts
    for s in sts:
        assert s.closing == s.opening + sum((m.amount for m in s.movements), ZERO), s
        assert not any(m.document_type == "Adjustment" for m in s.movements)
    before = balances_as_of(full, start - timedelta(days=1))
    for s in sts:
        assert s.opening == sum((b.remaining for b in before.items.values()
                                 if (b.entry.customer_no, b.entry.currency) == (s.customer_no, s.currency)), ZERO)
    bal = balances_as_of(full, end)
    assert sum((s.closing for s in sts if s.currency == "EUR"), ZERO) == sum(
        (b.remaining for b in bal.items.values() if b.entry.currency == "EUR"), ZERO)


def test_statement_of_march_for_c2() -> None:
    full = history().book
    (s,) = [s for s in statements(full, date(2026, 3, 1), date(2026, 3, 31)) if s.customer_no == "C2"]
    assert s.opening == D("1000.00")  # INV-2 300 left + INV-6 700
    # the unapply and PAY-4's applications move nothing within the customer's account: only the payment shows
    assert [(m.document_type, m.document_no, m.amount) for m in s.movements] == [("Payment", "PAY-4", D("-1200.00"))]
    assert s.closing == D("-200.00")  # PAY-2, unapplied, is open again


def test_kpis(full: Book) -> None:
    k = kpis(full, balances_as_of(full, date(2026, 1, 31)), date(2026, 1, 1))
    assert k.discount_taken == D("20.00")
    assert k.sales == D("1000.00") + D("500.00") + D("1800.00")  # INV-3 2000 USD at 0.9
    assert k.balance == D("500.00") + D("1800.00")
    assert k.dso == (k.balance / k.sales * 31).quantize(D("0.1"))
    feb = kpis(full, balances_as_of(full, date(2026, 2, 28)), date(2026, 2, 1))
    assert feb.discount_lost == D("16.00")  # INV-4: 2 % of 800, discount date 2026-02-11 passed unpaid
    assert feb.overdue == D("300.00") + D("300.00") + D("1800.00")  # INV-2 rest, INV-5, INV-3

"""The residual-cents guard: a run that leaves a few cents open says so, once per entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.core.builders import DT, D, book, entry, line, with_entries
from xlar.core.model import ApplicationMethod, Settings, Severity
from xlar.core.remainders import CODE, small_remainders
from xlar.core.settle import post_journal

DAY = date(2026, 3, 1)


def _run(amount: str, settings: Settings | None = None, doc: str = "INV-2"):
    b = with_entries(book(settings=settings), ("C2", DT.INVOICE, "INV-2", date(2026, 2, 1), "500.00"),
                     ("C2", DT.INVOICE, "INV-3", date(2026, 2, 2), "200.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "PAY-1", DAY, amount, "C2", applies_to_doc_nos=(doc,)),))
    s = post_journal(b)
    assert s.posted
    return s, small_remainders(s, b.settings)


def test_one_cent_short_is_flagged_on_the_invoice() -> None:
    s, issues = _run("499.99")
    assert entry(s.ledger, "INV-2").remaining_amount == D("0.01")
    [i] = issues
    assert (i.code, i.severity, i.ref.table, i.ref.key, i.ref.value) == (CODE, Severity.WARNING, "ledger", 1,
                                                                          D("0.01"))
    assert i.problem.startswith("Invoice INV-2 of C2 is left open with 0.01 EUR after applying PAY-1 on 2026-03-01")


def test_limit_is_inclusive_and_larger_remainders_are_left_alone() -> None:
    assert [i.ref.value for i in _run("499.00")[1]] == [D("1.00")]
    assert _run("498.99")[1] == []  # 1.01 open: an ordinary partial payment
    assert _run("500.00")[1] == []  # closed


def test_overpayment_by_a_cent_flags_the_payment_left_open() -> None:
    s, [i] = _run("500.01")
    pay = entry(s.ledger, "PAY-1")
    assert (pay.open, pay.remaining_amount) == (True, D("-0.01"))
    assert (i.ref.key, i.ref.value) == (pay.entry_no, D("-0.01"))


def test_tolerance_closing_the_cent_means_no_warning_and_zero_turns_it_off() -> None:
    tol = Settings(application_method=ApplicationMethod.MANUAL, payment_tolerance_pct=D("0.5"),
                   max_payment_tolerance_amount=D("5.00"))
    s, issues = _run("499.99", tol)
    assert not entry(s.ledger, "INV-2").open and issues == []
    off = Settings(application_method=ApplicationMethod.MANUAL, small_remainder_limit=D(0))
    assert _run("499.99", off)[1] == []

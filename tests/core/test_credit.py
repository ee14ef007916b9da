"""Credit limits and overdue balances on posting (xlar.core.credit; BC *Credit Warnings*).

The ledger: A (limit 1,000.00) has INV-0 600.00 open, due 2026-03-01; U (USD, limit 1,000.00
LCY, USD 1 = EUR 0.90) and N (no limit) owe nothing. The journal, in posting order:

* line 10, Mar 10: A invoice 300.00: balance 600.00 + 300.00 = 900.00, within the limit;
* line 20, Mar 11: A payment 100.00: 800.00;
* line 30, Mar 12: A invoice 250.00: 800.00 + 250.00 = 1,050.00, over the limit by 50.00;
* line 40, Mar 12: U invoice USD 1,200.00 = 1,080.00 LCY, over its limit by 80.00;
* line 50, Mar 12: N invoice 5,000.00: no limit, nothing overdue.

A's INV-0 is overdue (due Mar 1) on lines 10 and 30: the overdue-balance warning.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.domain.harness import Scenario
from xlar.core.credit import LIMIT_CODE, OVERDUE_CODE, check_credit
from xlar.core.model import (
    Book,
    CreditLimitCheck,
    CreditWarnings,
    Customer,
    DocumentType,
    ExchangeRate,
    JournalLine,
    Settings,
    Severity,
)

D = Decimal
DT = DocumentType
W, E = Severity.WARNING, Severity.ERROR


def _line(no: int, day: date, dt: DocumentType, doc: str, cust: str, amount: str, due: date | None = None
          ) -> JournalLine:
    return JournalLine(line_no=no, posting_date=day, document_type=dt, document_no=doc, customer_no=cust,
                       amount=D(amount), due_date=due)


@pytest.fixture(scope="module")
def book() -> Book:
    sc = Scenario(book=Book(settings=Settings(), customers=(
        Customer(customer_no="A", name="Adatum", credit_limit=D("1000.00")),
        Customer(customer_no="U", name="Fabrikam USD", currency="USD", credit_limit=D("1000.00")),
        Customer(customer_no="N", name="Northwind")),
        rates=(ExchangeRate(currency="USD", starting_date=date(2026, 1, 1), rate=D("0.9")),)))
    sc.post(_line(1, date(2026, 2, 1), DT.INVOICE, "INV-0", "A", "600.00", date(2026, 3, 1)))
    return replace(sc.book, journal=(
        _line(10, date(2026, 3, 10), DT.INVOICE, "INV-1", "A", "300.00"),
        _line(20, date(2026, 3, 11), DT.PAYMENT, "PAY-1", "A", "100.00"),
        _line(30, date(2026, 3, 12), DT.INVOICE, "INV-2", "A", "250.00"),
        _line(40, date(2026, 3, 12), DT.INVOICE, "INV-3", "U", "1200.00"),
        _line(50, date(2026, 3, 12), DT.INVOICE, "INV-4", "N", "5000.00")))


@pytest.mark.parametrize("warnings,check,expected", [
    (CreditWarnings.CREDIT_LIMIT, CreditLimitCheck.WARNING, [(30, LIMIT_CODE, W), (40, LIMIT_CODE, W)]),
    (CreditWarnings.CREDIT_LIMIT, CreditLimitCheck.ERROR, [(30, LIMIT_CODE, E), (40, LIMIT_CODE, E)]),
    (CreditWarnings.OVERDUE_BALANCE, CreditLimitCheck.ERROR, [(10, OVERDUE_CODE, W), (30, OVERDUE_CODE, W)]),
    (CreditWarnings.BOTH, CreditLimitCheck.WARNING, [(10, OVERDUE_CODE, W), (30, LIMIT_CODE, W),
                                                     (30, OVERDUE_CODE, W), (40, LIMIT_CODE, W)]),
    (CreditWarnings.NONE, CreditLimitCheck.ERROR, []),
])
def test_which_lines_are_flagged(book, warnings, check, expected):
    b = replace(book, settings=replace(book.settings, credit_warnings=warnings, credit_limit_check=check))
    got = [(f.line_no, f.issue.code, f.issue.severity) for f in check_credit(b)]
    assert got == expected


def test_the_figures_in_the_messages(book):
    b = replace(book, settings=replace(book.settings, credit_warnings=CreditWarnings.BOTH))
    msgs = {(f.line_no, f.issue.code): f.issue.problem for f in check_credit(b)}
    assert msgs[(30, LIMIT_CODE)] == ("Invoice INV-2 takes customer A over the credit limit: balance 800.00 + 250.00 "
                                      "= 1050.00 EUR is over the Credit Limit of 1000.00 EUR by 50.00")
    assert msgs[(40, LIMIT_CODE)].endswith("balance 0 + 1080.00 = 1080.00 EUR is over the Credit Limit of 1000.00 "
                                           "EUR by 80.00")
    assert "overdue balance of 600.00 EUR (entries due before 2026-03-10)" in msgs[(10, OVERDUE_CODE)]


def test_posted_lines_and_a_limit_just_reached_are_not_flagged(book):
    # INV-2 for 200.00 brings A to exactly 1,000.00: at the limit is within it
    j = tuple(replace(ln, amount=D("200.00")) if ln.line_no == 30 else ln for ln in book.journal)
    assert [f.line_no for f in check_credit(replace(book, journal=j))] == [40]
    # a line already posted does not count again
    j = tuple(replace(ln, status="Posted") if ln.line_no == 40 else ln for ln in book.journal)
    assert [f.line_no for f in check_credit(replace(book, journal=j))] == [30]

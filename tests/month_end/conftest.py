"""A small AR history posted through the real engine: invoices, payments, a discount, an unapply, FX."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.domain.harness import Scenario
from xlar.core.model import (
    Blocked,
    Book,
    Customer,
    DocumentType,
    ExchangeRate,
    JournalLine,
    PaymentTerms,
    Settings,
)
from xlar.core.settle import unapply

D = Decimal
DT = DocumentType
CUSTOMERS = (
    Customer(customer_no="C1", name="Adatum", payment_terms="2%10/30"),
    Customer(customer_no="C2", name="Trey Research", payment_terms="14D"),
    Customer(customer_no="C3", name="Fabrikam USD", currency="USD", payment_terms="30D"),
    Customer(customer_no="C4", name="Blocked Ltd", payment_terms="14D", blocked=Blocked.ALL),
)
TERMS = (
    PaymentTerms(code="2%10/30", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D"),
    PaymentTerms(code="14D", due_date_formula="14D"),
    PaymentTerms(code="30D", due_date_formula="30D"),
)
RATES = (ExchangeRate(currency="USD", starting_date=date(2026, 1, 1), rate=D("0.9")),
         ExchangeRate(currency="USD", starting_date=date(2026, 3, 1), rate=D("0.95")))


def line(day: date, doc_type: DocumentType, doc_no: str, customer: str, amount: str,
         docs: tuple[str, ...] = ()) -> JournalLine:
    return JournalLine(line_no=1, posting_date=day, document_type=doc_type, document_no=doc_no,
                       customer_no=customer, amount=D(amount), applies_to_doc_nos=docs)


#: (day, line or ("unapply", application no)) in date order
HISTORY: list[tuple[date, object]] = [
    (date(2026, 1, 5), line(date(2026, 1, 5), DT.INVOICE, "INV-1", "C1", "1000.00")),
    (date(2026, 1, 10), line(date(2026, 1, 10), DT.INVOICE, "INV-2", "C2", "500.00")),
    (date(2026, 1, 12), line(date(2026, 1, 12), DT.PAYMENT, "PAY-1", "C1", "980.00", ("INV-1",))),  # discount 20
    (date(2026, 1, 20), line(date(2026, 1, 20), DT.INVOICE, "INV-3", "C3", "2000.00")),
    (date(2026, 2, 1), line(date(2026, 2, 1), DT.INVOICE, "INV-4", "C1", "800.00")),
    (date(2026, 2, 3), line(date(2026, 2, 3), DT.INVOICE, "INV-5", "C4", "300.00")),
    (date(2026, 2, 10), line(date(2026, 2, 10), DT.PAYMENT, "PAY-2", "C2", "200.00", ("INV-2",))),
    (date(2026, 2, 20), line(date(2026, 2, 20), DT.INVOICE, "INV-6", "C2", "700.00")),
    (date(2026, 3, 5), line(date(2026, 3, 5), DT.PAYMENT, "PAY-3", "C3", "1500.00", ("INV-3",))),  # FX gain
    (date(2026, 3, 10), ("unapply", 2)),  # PAY-2 back off INV-2
    (date(2026, 3, 15), line(date(2026, 3, 15), DT.PAYMENT, "PAY-4", "C2", "1200.00")),  # apply to oldest
    (date(2026, 3, 20), line(date(2026, 3, 20), DT.CREDIT_MEMO, "CM-1", "C1", "100.00", ("INV-4",))),
]


def history(until: date | None = None) -> Scenario:
    """The book after every event on or before ``until`` (all when None)."""
    # C4 is blocked after its invoice was posted (a blocked customer gets no new postings)
    open_customers = tuple(replace(c, blocked=Blocked.NONE) for c in CUSTOMERS)
    sc = Scenario(book=Book(settings=Settings(), customers=open_customers, terms=TERMS, rates=RATES))
    for day, ev in HISTORY:
        if until is not None and day > until:
            break
        if isinstance(ev, tuple):
            s = unapply(sc.book, ev[1], posting_date=day)
            assert s.posted, [i.problem for i in s.issues]
            sc.absorb(s)
        else:
            sc.post(ev)  # type: ignore[arg-type]
    sc.book = replace(sc.book, customers=CUSTOMERS)
    return sc


@pytest.fixture(scope="session")
def full() -> Book:
    return history().book


__all__ = ["DT", "D", "history", "line", "replace"]

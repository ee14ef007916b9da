"""Small literal builders for core tests: a book from a few keyword arguments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from xlar.core.model import (
    ApplicationMethod,
    Book,
    Customer,
    DocumentType,
    ExchangeRate,
    JournalLine,
    LedgerEntry,
    PaymentTerms,
    Settings,
)
from xlar.core.terms import new_entry

D = Decimal
DT = DocumentType
TERMS = (
    PaymentTerms(code="2/10N30", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D"),
    PaymentTerms(code="N30", due_date_formula="30D"),
)


def book(*, settings: Settings | None = None, customers: tuple[Customer, ...] | None = None,
         rates: tuple[ExchangeRate, ...] = (), terms: tuple[PaymentTerms, ...] = TERMS) -> Book:
    return Book(
        settings=settings or Settings(application_method=ApplicationMethod.MANUAL),
        customers=customers or (Customer(customer_no="C1", name="One", payment_terms="2/10N30"),
                                Customer(customer_no="C2", name="Two", payment_terms="N30")),
        terms=terms, rates=rates,
    )


def with_entries(b: Book, *rows: tuple) -> Book:
    """rows: (customer, type, doc, posting date, signed amount[, extra fields dict])."""
    led = list(b.ledger)
    for row in rows:
        cust, dt, doc, day, amount, *extra = row
        e = new_entry(book=b, entry_no=len(led) + 1, customer_no=cust, document_type=dt, document_no=doc,
                      posting_date=day, amount=D(amount))
        if extra:
            e = replace(e, **extra[0])
        led.append(e)
    return replace(b, ledger=tuple(led))


def line(no: int, dt: DocumentType, doc: str, day: date, amount: str, customer: str = "C1", **kw: object
         ) -> JournalLine:
    return JournalLine(line_no=no, posting_date=day, document_type=dt, document_no=doc, amount=D(amount),
                       customer_no=customer, **kw)


def entry(ledger: tuple[LedgerEntry, ...], doc: str) -> LedgerEntry:
    return next(e for e in ledger if e.document_no == doc)

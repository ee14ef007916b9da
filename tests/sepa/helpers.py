"""Small literal books for the SEPA tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from xlar.core.model import Book, Customer, DocumentType, Settings
from xlar.core.sepa import Creditor, Mandate, MandateType
from xlar.core.terms import new_entry

D = Decimal
CREDITOR = Creditor(name="Cronus AG", creditor_id="DE98ZZZ09999999999", iban="DE02120300000000202051",
                    bic="BYLADEM1001")


def mandate(mid: str = "M-0001", customer: str = "C1", **over: object) -> Mandate:
    m = Mandate(mandate_id=mid, customer_no=customer, iban="DE89370400440532013000", bic="COBADEFFXXX",
                type=MandateType.RECURRING, signature_date=date(2023, 12, 1), valid_from=date(2024, 1, 1),
                expected_debits=3)
    return replace(m, **over)


def book(*invoices: tuple[str, str, str, str], customers: tuple[str, ...] = ("C1",)) -> Book:
    """``invoices``: (customer, doc no, due date, amount)."""
    b = Book(settings=Settings(), customers=tuple(Customer(customer_no=c, name=f"Customer {c}") for c in customers))
    ledger = tuple(new_entry(book=b, entry_no=i + 1, customer_no=c, document_type=DocumentType.INVOICE,
                             document_no=doc, posting_date=date(2024, 1, 1), amount=D(amt),
                             due_date=date.fromisoformat(due))
                   for i, (c, doc, due, amt) in enumerate(invoices))
    return replace(b, ledger=ledger)

"""The single ledger pass of a run (``_Run._expect``) on a ledger whose customers are interleaved.

The pass slices each run of a customer's consecutive entries at once; a customer whose
entries come in several runs must still get all of them, in ledger order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from tests.core.builders import DT, book, line, with_entries
from xlar.core.model import ApplicationMethod, Book, Customer, Settings
from xlar.core.settle import _Run, post_journal

D = Decimal
DAY = date(2024, 3, 1)
CUSTOMERS = tuple(Customer(customer_no=c, name=c, payment_terms="N30") for c in ("C1", "C2", "C3"))


def _book() -> Book:
    b = book(settings=Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST), customers=CUSTOMERS)
    b = with_entries(
        b,
        ("C1", DT.INVOICE, "I1", DAY - timedelta(days=10), "100.00"),
        ("C1", DT.INVOICE, "I2", DAY - timedelta(days=5), "50.00"),
        ("C2", DT.INVOICE, "I3", DAY - timedelta(days=8), "40.00"),
        ("C1", DT.INVOICE, "I4", DAY - timedelta(days=20), "30.00"),
        ("C3", DT.INVOICE, "I5", DAY - timedelta(days=3), "60.00"),
        ("C3", DT.INVOICE, "I6", DAY - timedelta(days=2), "20.00"),
        ("C2", DT.INVOICE, "I7", DAY - timedelta(days=30), "25.00"),
        ("C1", DT.INVOICE, "I8", DAY - timedelta(days=1), "70.00"),
    )
    journal = (
        line(1, DT.PAYMENT, "P1", DAY, "120.00", "C1"),
        line(2, DT.PAYMENT, "P2", DAY, "30.00", "C2"),
        line(3, DT.PAYMENT, "P3", DAY, "60.00", "C3", applies_to_doc_nos=("I5",)),
    )
    return replace(b, journal=journal)


def test_interleaved_customers_are_grouped_in_ledger_order() -> None:
    b = _book()
    run = _Run(b, b.journal)
    groups = run._cust_entries
    assert groups is not None
    # C3's line names a document: only the customers of the apply-to-oldest lines are grouped
    assert {c: [e.entry_no for e in es] for c, es in groups.items()} == {"C1": [1, 2, 4, 8], "C2": [3, 7]}


def test_apply_to_oldest_over_interleaved_customers() -> None:
    s = post_journal(_book())
    rem = {e.document_no: e.remaining_amount for e in s.ledger}
    # C1 pays 120.00: I4 (due oldest) 30.00 closed, then 90.00 of I1's 100.00
    assert rem["I4"] == D("0.00") and rem["I1"] == D("10.00") and rem["I2"] == D("50.00") and rem["I8"] == D("70.00")
    # C2 pays 30.00: I7 (posted 30 days ago) 25.00 closed, 5.00 of I3
    assert rem["I7"] == D("0.00") and rem["I3"] == D("35.00")
    # C3 pays I5 by its document number; I6 untouched
    assert rem["I5"] == D("0.00") and rem["I6"] == D("20.00")
    assert [r.status for r in s.line_results] == ["Posted", "Posted", "Posted"]

"""The feature table, the sufficiency rule (spec §12's two worked numbers) and the buckets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xlar.core.model import Application, DocumentType, LedgerEntry
from xlar.core.predict import FEATURES, confidence, features, sufficiency

D = Decimal


def test_sufficiency_worked_examples() -> None:
    ok = sufficiency(100, 20)
    assert ok.ok and round(ok.needed, 1) == 25.8
    no = sufficiency(30, 2)
    assert not no.ok and round(no.needed, 1) == 83.4
    assert "83.4" in no.reason and "2 of 30" in no.reason


def test_sufficiency_needs_twenty_training_rows_and_both_labels() -> None:
    assert not sufficiency(24, 12).ok and "at least 20" in sufficiency(24, 12).reason
    assert sufficiency(25, 12).ok
    assert not sufficiency(200, 0).ok and "late" in sufficiency(200, 0).reason


@pytest.mark.parametrize(("p", "bucket"), [(0.93, "High"), (0.90, "High"), (0.85, "Medium"), (0.80, "Medium"),
                                           (0.75, "Low")])
def test_confidence_buckets(p: float, bucket: str) -> None:
    assert confidence(p) == bucket


def inv(no: int, posted: str, due: str, amount: str, closed: str | None = None, doc: DocumentType =
        DocumentType.INVOICE) -> LedgerEntry:
    a = D(amount)
    return LedgerEntry(entry_no=no, customer_no="C", posting_date=date.fromisoformat(posted), document_type=doc,
                       document_no=f"D{no}", amount=a, remaining_amount=D(0) if closed else a, currency="EUR",
                       amount_lcy=a, due_date=date.fromisoformat(due), open=closed is None,
                       closed_at_date=date.fromisoformat(closed) if closed else None)


def test_features_as_of_the_invoice_posting_date() -> None:
    ledger = [
        inv(1, "2024-01-01", "2024-01-31", "100", "2024-02-10"),  # paid 10 days late
        inv(2, "2024-01-05", "2024-02-04", "300", "2024-01-20"),  # paid on time
        inv(3, "2024-02-01", "2024-02-10", "50"),  # open, overdue by 2024-03-01
        inv(4, "2024-03-01", "2024-03-31", "200"),
        inv(5, "2024-03-02", "2024-03-02", "-20", doc=DocumentType.CREDIT_MEMO),
    ]
    apps = [Application(application_no=1, posting_date=date(2024, 3, 2), customer_no="C", applying_entry_no=5,
                        applying_document_no="D5", applied_entry_no=4, applied_document_no="D4",
                        amount_applied=D(20))]
    rows = {r.entry_no: r for r in features(ledger, apps)}
    assert set(rows) == {1, 2, 3, 4}  # the credit memo is no invoice
    assert rows[1].late is True and rows[2].late is False
    # open and past due by the ledger's last date (2024-03-02): late already; open and not due: unknown
    assert rows[3].open and rows[3].late is True and rows[3].labelled
    assert rows[4].open and rows[4].late is None and not rows[4].matured
    f = dict(zip(FEATURES, rows[4].values, strict=True))
    assert f["Base Amount"] == 200 and f["Payment Terms Days"] == 30 and f["Corrected"] == 1
    assert (f["No. Paid Invoices"], f["No. Paid Late Invoices"], f["Ratio Paid Late/Paid Invoices"]) == (2, 1, 0.5)
    assert (f["Total Paid Invoices Amount"], f["Total Paid Late Inv. Amount"]) == (400, 100)
    assert f["Ratio PaidLateAmnt/PaidAmnt"] == 0.25 and f["Average Days Late"] == 10
    assert (f["No. Outstanding Inv."], f["No. Outstanding Late Inv."], f["Total Outstng Late Inv. Amt."]) == (1, 1, 50)
    assert f["Average Outstanding Days Late"] == 20  # 2024-02-10 -> 2024-03-01
    # invoice 2 sees invoice 1 as outstanding (posted before, closed only later), not yet overdue
    g = dict(zip(FEATURES, rows[2].values, strict=True))
    assert (g["No. Paid Invoices"], g["No. Outstanding Inv."], g["No. Outstanding Late Inv."]) == (0, 1, 0)

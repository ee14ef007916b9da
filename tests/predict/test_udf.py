"""The prediction UDFs, called as plain functions with the values Excel would pass.

``udfs.predict`` imports xlwings, which must come after ``tests/xl/conftest.py`` sets up
the remote engine, so it is imported inside the tests, not at collection.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.predict.test_workbook import ledger_rows

pytest.importorskip("sklearn")


def test_confidence_of_a_probability() -> None:
    from udfs.predict import ar_prediction_confidence

    assert [ar_prediction_confidence(p) for p in (0.93, 0.85, 0.75, 0.05, 0.15)] == [
        "High", "Medium", "Low", "High", "Medium"]
    assert ar_prediction_confidence("x") == "#VALUE!" and ar_prediction_confidence(1.5) == "#VALUE!"


def test_late_payment_probability_from_a_ledger_range() -> None:
    from udfs.predict import ar_late_payment

    rows, _ = ledger_rows(800, 10, 4)
    serial = [rows[0]] + [[r[0], (r[1] - date(1899, 12, 30)).days, *r[2:]] for r in rows[1:]]  # Excel serials
    open_doc = next(r[3] for r in rows[1:] if r[7] is True)
    closed_doc = next(r[3] for r in rows[1:] if r[7] is False)
    p = ar_late_payment(serial, open_doc)
    assert isinstance(p, float) and 0 <= p <= 1
    assert ar_late_payment(serial, closed_doc) == "#N/A"
    assert ar_late_payment(serial[:10], open_doc).startswith("Not enough payment history")
    assert ar_late_payment([["Name"], ["x"]], open_doc).startswith("#VALUE!")

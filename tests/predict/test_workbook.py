"""xlar predict on a real .xlsx: the Outlook sheet, and the refusal on a small history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.book.builders import read_sheet, write_book
from xlar.cli import app
from xlar.core.history import synthetic_ledger

pytest.importorskip("sklearn")
runner = CliRunner()
AS_OF = date(2025, 11, 1)


def ledger_rows(invoices: int, customers: int, seed: int) -> tuple[list[list[object]], list[list[object]]]:
    led = synthetic_ledger(invoices=invoices, customers=customers, seed=seed, as_of=AS_OF)
    rows: list[list[object]] = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount",
                                 "Remaining Amount", "Due Date", "Open", "Closed at Date"]]
    for e in led:
        rows.append([e.customer_no, e.posting_date, "Invoice", e.document_no, float(e.amount),
                     float(e.remaining_amount), e.due_date, e.open, e.closed_at_date])
    custs = [["Customer No.", "Name"]] + [[c, f"Customer {c}"] for c in sorted({e.customer_no for e in led})]
    return rows, custs


def test_outlook_sheet(tmp_path: Path) -> None:
    ledger, customers = ledger_rows(1200, 15, 8)
    book = write_book(tmp_path / "book.xlsx", {"Settings": [["Setting", "Value"]], "Customers": customers,
                                               "Ledger": ledger})
    r = runner.invoke(app, ["predict", str(book)])
    assert r.exit_code == 0, r.output
    assert "predicted late; model quality" in r.output
    ws = load_workbook(book)["Outlook"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values.index(next(v for v in values if v[0] == "Customer No."))
    assert "baseline" in values[1][0]
    rows = [dict(zip(values[header], v, strict=False)) for v in values[header + 1:] if v[0]]
    open_docs = {x[3] for x in ledger[1:] if x[7] is True}
    assert {x["Document No."] for x in rows} == open_docs
    probs = [x["Late Probability"] for x in rows]
    assert probs == sorted(probs, reverse=True)
    for x in rows:
        assert x["Late Payment"] in ("Late", "Not Late")
        assert x["Prediction Confidence"] in ("High", "Medium", "Low")
        p = x["Prediction Confidence %"]
        assert x["Prediction Confidence"] == ("High" if p >= 0.9 else "Medium" if p >= 0.8 else "Low")
    assert any(x["Reasons"] for x in rows)
    assert read_sheet(book, "RunLog")[-1]["Command"] == "predict"


def test_refuses_small_history(tmp_path: Path) -> None:
    ledger, customers = ledger_rows(20, 3, 1)
    book = write_book(tmp_path / "book.xlsx", {"Customers": customers, "Ledger": ledger})
    r = runner.invoke(app, ["predict", str(book)])
    assert r.exit_code == 1
    assert "Not enough payment history" in r.output
    issues = read_sheet(book, "Issues")
    assert issues[-1]["Code"] == "not-enough-history"
    assert "Outlook" not in load_workbook(book).sheetnames


@pytest.mark.parametrize(("code", "accuracy", "baseline", "exit_code"), [
    ("model-quality-too-low", 0.65, 0.60, 1),
    ("model-below-baseline", 0.75, 0.80, 0),
    ("predict-not-installed", None, None, 1),
])
def test_model_refusals_and_warnings(code: str, accuracy: float | None, baseline: float | None, exit_code: int,
                                     tmp_path: Path, monkeypatch) -> None:
    import dataclasses

    import xlar.core.predict_model as pm
    real = pm.train

    def fake(*args, **kwargs):
        if accuracy is None:
            raise ModuleNotFoundError("No module named 'sklearn'", name="sklearn")
        m = real(*args, **kwargs)
        m.quality = dataclasses.replace(m.quality, model_accuracy=accuracy, baseline_accuracy=baseline)
        return m

    monkeypatch.setattr(pm, "train", fake)
    ledger, customers = ledger_rows(600, 8, 2)
    book = write_book(tmp_path / "book.xlsx", {"Customers": customers, "Ledger": ledger})
    r = runner.invoke(app, ["predict", str(book)])
    assert r.exit_code == exit_code, r.output
    assert code in {i["Code"] for i in read_sheet(book, "Issues")}
    assert ("Outlook" in load_workbook(book).sheetnames) is (exit_code == 0)

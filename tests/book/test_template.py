"""``xlar template`` and the committed ``workbooks/template.xlsx``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xlar.book import schema as S
from xlar.book.commands import run_file
from xlar.book.template import OTHER_SHEETS, XLWINGS_CONF_SHEET, build_template
from xlar.cli import app

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "workbooks" / "template.xlsx"
CONTRACT_SHEETS = ("Settings", "Customers", "PaymentTerms", "Ledger", "Journal", "ExchangeRates", "BankStatement",
                   "BankLedger", "Mandates", "ReminderTerms", "FinanceChargeTerms", "Applications", "GLEntries",
                   "Issues", "RunLog")


def structure(path: Path) -> dict[str, object]:
    """Everything a user sees: cells, formats, styles that matter, tables, drop-downs, panes."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, object] = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        out[ws.title] = {
            "cells": [(c.coordinate, c.value, c.number_format, bool(c.font and c.font.b))
                      for row in ws.iter_rows() for c in row if c.value is not None or c.number_format != "General"],
            "tables": sorted((t.displayName, t.ref, tuple(c.name for c in t.tableColumns),
                              t.tableStyleInfo.name if t.tableStyleInfo else None) for t in ws.tables.values()),
            "validations": sorted((str(v.sqref), v.type, v.formula1) for v in ws.data_validations.dataValidation),
            "freeze": ws.freeze_panes,
            "widths": sorted((k, d.width) for k, d in ws.column_dimensions.items()),
        }
    return out


def test_committed_template_is_what_the_build_script_makes(tmp_path):
    assert COMMITTED.exists(), "run: python workbooks/build.py"
    fresh = build_template(tmp_path / "t.xlsx")
    assert structure(fresh) == structure(COMMITTED), "workbooks/template.xlsx is stale: python workbooks/build.py"


def test_every_contract_sheet_is_a_table_with_the_schema_headers(tmp_path):
    wb = openpyxl.load_workbook(build_template(tmp_path / "t.xlsx"))
    for name in CONTRACT_SHEETS:
        ws = wb[name]
        assert len(ws.tables) == 1 and ws.freeze_panes == "A2", name
        headers = [c.value for c in ws[1]]
        spec = S.SHEETS.get(name)
        if name == "Settings":
            expected = ["Setting", "Value", "Description"]
        else:
            expected = spec.headers if spec else list(OTHER_SHEETS[name])
        assert headers == expected, name
        assert all(c.font.b for c in ws[1]), name
    assert wb.sheetnames[-1] == XLWINGS_CONF_SHEET
    conf = {r[0]: r[1] for r in wb[XLWINGS_CONF_SHEET].iter_rows(values_only=True)}
    assert conf["UDF Modules"] == "udfs.ar"


def test_formats_and_drop_downs(tmp_path):
    wb = openpyxl.load_workbook(build_template(tmp_path / "t.xlsx", currency="JPY"))
    led = wb["Ledger"]
    col = {c.value: c.column_letter for c in led[1]}
    assert led[f"{col['Amount']}2"].number_format == "#,##0"  # JPY: no decimals
    assert led[f"{col['Posting Date']}2"].number_format == "yyyy-mm-dd"
    dvs = {str(v.sqref).split(":")[0]: v.formula1 for v in led.data_validations.dataValidation}
    assert "Credit Memo" in dvs[f"{col['Document Type']}2"] and "Finance Charge Memo" in dvs[f"{col['Document Type']}2"]
    assert dvs[f"{col['Open']}2"] == '"TRUE,FALSE"'
    jr = wb["Journal"]
    jcol = {c.value: c.column_letter for c in jr[1]}
    jdv = {str(v.sqref).split(":")[0]: v.formula1 for v in jr.data_validations.dataValidation}
    assert jdv[f"{jcol['Document Type']}2"] == '"Payment,Refund,Invoice,Credit Memo"'
    cu = wb["Customers"]
    ccol = {c.value: c.column_letter for c in cu[1]}
    cdv = {str(v.sqref).split(":")[0]: v.formula1 for v in cu.data_validations.dataValidation}
    assert cdv[f"{ccol['Blocked']}2"] == '"Ship,Invoice,All"'
    assert "Apply to Oldest" in cdv[f"{ccol['Application Method']}2"]
    st = {r[0]: (r[1], r[2]) for r in wb["Settings"].iter_rows(min_row=2, values_only=True)}
    assert set(st) == {s.name for s in S.SETTINGS}
    assert st["Company Currency"][0] == "JPY" and st["Application Method"][0] == "Apply to Oldest"
    assert all(desc for _, desc in st.values())


def test_the_template_checks_clean_and_posts_once_filled(tmp_path):
    p = build_template(tmp_path / "t.xlsx")
    out = run_file(p, "check")
    assert out.exit_code == 0 and not out.issues
    wb = openpyxl.load_workbook(p)

    def fill(name: str, rows: list[dict]) -> None:
        ws = wb[name]
        col = {c.value: c.column for c in ws[1]}
        for i, row in enumerate(rows, start=2):
            for k, v in row.items():
                ws.cell(i, col[k], v)
        t = next(iter(ws.tables.values()))
        last = openpyxl.utils.get_column_letter(len(col))
        t.ref = f"A1:{last}{max(2, len(rows) + 1)}"
        t.autoFilter.ref = t.ref if t.autoFilter is not None else None

    fill("Customers", [{"Customer No.": "C1", "Name": "Adatum", "Payment Terms": "30D"}])
    fill("PaymentTerms", [{"Code": "30D", "Due Date Formula": "30D"}])
    fill("Ledger", [{"Customer No.": "C1", "Posting Date": date(2026, 1, 5), "Document Type": "Invoice",
                     "Document No.": "INV-1", "Amount": 100}])
    fill("Journal", [{"Posting Date": date(2026, 1, 20), "Document Type": "Payment", "Document No.": "PAY-1",
                      "Customer No.": "C1", "Amount": 100, "Applies-to Doc. No.": "INV-1"}])
    wb.save(p)
    out = run_file(p, "post")
    assert out.exit_code == 0 and out.lines_posted == 1 and out.applications == 1, out.issues
    wb = openpyxl.load_workbook(p)
    assert wb["Applications"].tables["tblApplications"].ref.endswith("2")
    assert wb["Applications"].cell(2, 1).value == 1
    assert wb["GLEntries"].tables["tblGLEntries"].ref.endswith("3")


def test_cli_template(tmp_path):
    runner = CliRunner()
    target = tmp_path / "client.xlsx"
    r = runner.invoke(app, ["template", str(target)])
    assert r.exit_code == 0 and target.exists()
    assert runner.invoke(app, ["template", str(target)]).exit_code == 2  # never overwrites silently
    assert runner.invoke(app, ["template", str(target), "--force", "--currency", "usd", "-q"]).exit_code == 0
    assert openpyxl.load_workbook(target)["Settings"]["B2"].value == "USD"
    assert runner.invoke(app, ["template", str(tmp_path / "x.csv")]).exit_code == 2


@pytest.mark.parametrize("name", CONTRACT_SHEETS)
def test_headers_are_found_after_normalisation(name):
    spec = S.SHEETS.get(name)
    headers = spec.headers if spec else list(OTHER_SHEETS.get(name, ("Setting", "Value")))
    assert len({S.norm(h) for h in headers}) == len(headers)


def test_template_has_every_set_up_sheet_a_command_reads(tmp_path):
    """month-end reads ReminderTerms / FinanceChargeTerms, sepa Mandates and SEPASetup, match BankStatement."""
    from xlar.book.sepa import SETUP

    wb = openpyxl.load_workbook(build_template(tmp_path / "t.xlsx"))
    for name in ("ReminderTerms", "FinanceChargeTerms", "Mandates", "SEPASetup", "BankStatement", "BankLedger"):
        assert name in wb.sheetnames, name
    rows = list(wb["SEPASetup"].iter_rows(values_only=True))
    assert rows[0] == ("Setting", "Value", "Description")
    assert {S.norm(r[0]) for r in rows[1:]} == set(SETUP)
    assert {r[0]: r[1] for r in rows[1:]}["Local Instrument"] == "CORE"

"""A sample of the worked examples, end to end: contract workbook -> ``xlar post`` -> figures read back.

Each case writes a real .xlsx from the contract's sheets and columns only (as an outside
user would), runs the CLI, and checks the Ledger, Applications and GLEntries sheets
against the figures of ``shared/domain/examples.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.book.builders import read_sheet, write_book
from tests.domain.harness import EXAMPLES, gl_multiset
from xlar.cli import app

D = Decimal


def _xlar(*args: object) -> int:
    return CliRunner().invoke(app, [str(a) for a in args]).exit_code


def _settings(**extra: object) -> list[list[object]]:
    rows: list[list[object]] = [["Setting", "Value"], ["Company Currency", extra.pop("currency", "EUR")],
                                ["Application Method", extra.pop("method", "Manual")]]
    rows += [[k, v] for k, v in extra.items()]
    return rows


def _money(v: object) -> Decimal:
    return D(str(v)).quantize(D("0.01")) if v is not None else D("0.00")


def _ledger(path: Path) -> dict[str, dict[str, object]]:
    return {str(r["Document No."]): r for r in read_sheet(path, "Ledger")}


def _gl_totals(path: Path) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = {}
    for r in read_sheet(path, "GLEntries"):
        if r["Debit"]:
            out[(str(r["Account No."]), "Dr")] = out.get((str(r["Account No."]), "Dr"), D(0)) + _money(r["Debit"])
        if r["Credit"]:
            out[(str(r["Account No."]), "Cr")] = out.get((str(r["Account No."]), "Cr"), D(0)) + _money(r["Credit"])
    return out


def _apps(path: Path) -> dict[str, dict[str, object]]:
    return {str(r["Applied Document No."]): r for r in read_sheet(path, "Applications")}


TERMS = [["Code", "Due Date Formula", "Discount %", "Discount Date Formula"],
         ["2%10", "30D", 2, "10D"], ["6%10", "30D", 6, "10D"], ["3%12", "30D", 3, "12D"], ["NET", "30D", None, None]]
CUSTOMERS = [["Customer No.", "Name", "Payment Terms", "Currency"], ["C1", "Cronus Ltd", "2%10", ""],
             ["C2", "Northwind", "NET", ""], ["E1", "Euro Client", "NET", "EUR"]]
JOURNAL_HEAD = ["Line No.", "Posting Date", "Document Type", "Document No.", "Customer No.", "Amount",
                "Applies-to Doc. No.", "Applies-to ID", "Full Settlement", "Currency"]


def _book(tmp: Path, *, settings: list, ledger: list, journal: list, rates: list | None = None) -> Path:
    sheets = {"Settings": settings, "Customers": CUSTOMERS, "PaymentTerms": TERMS, "Ledger": ledger,
              "Journal": [JOURNAL_HEAD, *journal]}
    if rates:
        sheets["ExchangeRates"] = rates
    return write_book(tmp / "book.xlsx", sheets)


def test_bc_disc_02_discounted_payment(tmp_path: Path) -> None:
    ex = EXAMPLES["BC-DISC-02"]
    p = _book(tmp_path, settings=_settings(),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
                      ["C1", date(2024, 1, 10), "Invoice", "INV3001", 1000.0]],
              journal=[[1, date(2024, 1, 20), "Payment", "PMT3001", "C1", 980.0, "INV3001", None, None, None]])
    assert _xlar("post", p, "--quiet") == 0
    led = _ledger(p)
    assert _money(led["INV3001"]["Remaining Amount"]) == 0 and led["INV3001"]["Open"] is False
    assert led["INV3001"]["Pmt. Discount Date"].date() == date(2024, 1, 20)
    assert _money(_apps(p)["INV3001"]["Discount"]) == D("20.00")
    assert _gl_totals(p) == gl_multiset(ex["expected"]["gl"])
    # posting again posts nothing: the journal line is marked Posted and skipped
    assert read_sheet(p, "Journal")[0]["Status"] == "Posted"
    assert _xlar("post", p, "--quiet") == 0
    assert len(read_sheet(p, "GLEntries")) == 4 and len(read_sheet(p, "Applications")) == 1
    assert len(read_sheet(p, "RunLog")) == 2


def test_bc_tol_04_late_discount_and_tolerance(tmp_path: Path) -> None:
    ex = EXAMPLES["BC-TOL-04"]
    p = _book(tmp_path, settings=_settings(**{"Payment Discount Grace Period": "5D",
                                              "Max. Payment Tolerance Amount": 5}),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
                      ["C1", date(2003, 1, 5), "Invoice", "INV-T1", 1000.0]],
              journal=[[1, date(2003, 1, 18), "Payment", "PMT-T7", "C1", 985.0, "INV-T1", None, None, None]])
    assert _xlar("post", p, "--quiet") == 0
    led = _ledger(p)
    assert led["INV-T1"]["Pmt. Disc. Tolerance Date"].date() == date(2003, 1, 20)
    assert _money(led["INV-T1"]["Max. Payment Tolerance"]) == 0  # closed
    a = _apps(p)["INV-T1"]
    assert _money(a["Payment Discount Tolerance"]) == D(ex["expected"]["payment_discount_tolerance"])
    assert _money(a["Payment Tolerance"]) == D(ex["expected"]["payment_tolerance"])
    assert _gl_totals(p) == gl_multiset(ex["expected"]["gl"])


def test_bc_tol_06_one_payment_two_invoices_by_applies_to_id(tmp_path: Path) -> None:
    ex = EXAMPLES["BC-TOL-06"]
    p = _book(tmp_path, settings=_settings(**{"Payment Discount Grace Period": "5D",
                                              "Max. Payment Tolerance Amount": 5}),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Payment Terms",
                       "Applies-to ID"],
                      ["C1", date(2003, 1, 5), "Invoice", "INV-M1", 1000.0, "6%10", "PMT-M1"],
                      ["C1", date(2003, 1, 5), "Invoice", "INV-M2", 1000.0, "3%12", "PMT-M1"]],
              journal=[[1, date(2003, 1, 15), "Payment", "PMT-M1", "C1", 1920.0, None, "PMT-M1", None, None]])
    assert _xlar("post", p, "--quiet") == 0
    apps = _apps(p)
    assert {k: _money(v["Discount"]) for k, v in apps.items()} == {"INV-M1": D("60.00"), "INV-M2": D("30.00")}
    assert {k: _money(v["Payment Tolerance"]) for k, v in apps.items()} == {"INV-M1": D("-5.00"),
                                                                           "INV-M2": D("-5.00")}
    assert all(r["Open"] is False for r in _ledger(p).values())
    assert _gl_totals(p) == gl_multiset(ex["expected"]["gl"])


def test_bc_app_05_apply_to_oldest(tmp_path: Path) -> None:
    p = _book(tmp_path, settings=_settings(method="Apply to Oldest"),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Due Date"],
                      ["C2", date(2024, 1, 5), "Invoice", "INV-A", 800.0, date(2024, 2, 4)],
                      ["C2", date(2024, 1, 2), "Invoice", "INV-B", 600.0, date(2024, 2, 15)],
                      ["C2", date(2024, 3, 15), "Invoice", "INV-C", 300.0, date(2024, 4, 14)]],
              journal=[[1, date(2024, 3, 10), "Payment", "PMT5", "C2", 1000.0, None, None, None, None]])
    assert _xlar("post", p, "--quiet") == 0
    led = _ledger(p)
    assert [_money(led[d]["Remaining Amount"]) for d in ("INV-A", "INV-B", "INV-C", "PMT5")] == [
        0, D("400.00"), D("300.00"), 0]


@pytest.mark.parametrize(("ex_id", "settings", "amount", "full"), [
    ("D365-CD-01", {"Calc. Pmt. Disc. on Partial Payments": True}, 49.0, None),
    ("D365-OU-01", {"Max. Over/Underpayment": 1}, 999.90, None),
    ("D365-FS-01", {}, 990.0, True),
])
def test_d365_options(tmp_path: Path, ex_id: str, settings: dict, amount: float, full: bool | None) -> None:
    ex = EXAMPLES[ex_id]
    inv_amount = float(ex["entries"][0]["amount"])
    p = _book(tmp_path, settings=_settings(**settings),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Payment Terms"],
                      ["C1", date(2024, 5, 1), "Invoice", "INV", inv_amount, "2%10" if ex_id == "D365-CD-01"
                       else "NET"]],
              journal=[[1, date(2024, 5, 8), "Payment", "PAY", "C1", amount, "INV", None, full, None]])
    assert _xlar("post", p, "--quiet") == 0
    exp = ex["expected"]
    led = _ledger(p)
    if "invoice_balance" in exp:
        assert _money(led["INV"]["Remaining Amount"]) == D(exp["invoice_balance"])
    assert _money(led["PAY"]["Remaining Amount"]) == D(exp["payment_balance"])
    assert _gl_totals(p) == gl_multiset(exp["gl"])


def test_d365_fx_01_realized_gain(tmp_path: Path) -> None:
    ex = EXAMPLES["D365-FX-01"]
    p = _book(tmp_path, settings=_settings(currency="USD"),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
                      ["E1", date(2024, 1, 10), "Invoice", "INV", 600.0]],
              journal=[[1, date(2024, 2, 10), "Payment", "PAY", "E1", 600.0, "INV", None, None, None]],
              rates=[["Currency", "Starting Date", "Rate"], ["EUR", date(2024, 1, 1), 1.2062],
                     ["EUR", date(2024, 2, 1), 1.2277]])
    assert _xlar("post", p, "--quiet") == 0
    assert _money(_ledger(p)["INV"]["Amount (LCY)"]) == D("723.72")
    assert _money(_apps(p)["INV"]["Realized Gain/Loss (LCY)"]) == D(ex["expected"]["realized_gain_usd"])
    assert _gl_totals(p) == gl_multiset(ex["expected"]["gl_usd"])


def test_bc_app_07_unapply_through_the_cli(tmp_path: Path) -> None:
    ex = EXAMPLES["BC-APP-07"]
    p = _book(tmp_path, settings=_settings(),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
                      ["C1", date(2024, 1, 10), "Invoice", "INV3001", 1000.0]],
              journal=[[1, date(2024, 1, 20), "Payment", "PMT3001", "C1", 980.0, "INV3001", None, None, None]])
    assert _xlar("post", p, "--quiet") == 0
    n_gl = len(read_sheet(p, "GLEntries"))
    assert _xlar("unapply", p, "--application", 1, "--quiet") == 0
    led = _ledger(p)
    assert _money(led["INV3001"]["Remaining Amount"]) == D("1000.00") and led["INV3001"]["Open"] is True
    assert _money(led["INV3001"]["Remaining Pmt. Disc. Possible"]) == D("20.00")
    assert _money(led["PMT3001"]["Remaining Amount"]) == D("-980.00") and led["PMT3001"]["Open"] is True
    rev = read_sheet(p, "GLEntries")[n_gl:]
    got: dict[tuple[str, str], Decimal] = {}
    for r in rev:
        side = "Dr" if r["Debit"] else "Cr"
        got[(str(r["Account No."]), side)] = got.get((str(r["Account No."]), side), D(0)) + _money(
            r["Debit"] or r["Credit"])
    assert got == gl_multiset(ex["expected"]["gl"])
    apps = read_sheet(p, "Applications")
    assert apps[0]["Unapplied"] is True and apps[0]["Unapplied by Application No."] == 2


def test_blocked_all_payment_is_refused_and_nothing_posts(tmp_path: Path) -> None:
    p = _book(tmp_path, settings=_settings(),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
                      ["C1", date(2024, 1, 10), "Invoice", "INV-1", 800.0]],
              journal=[[1, date(2024, 1, 20), "Payment", "PAY-1", "C1", 500.0, "INV-1", None, None, None]])
    wb = openpyxl.load_workbook(p)
    ws = wb["Customers"]
    ws.cell(1, 5, "Blocked")
    ws.cell(2, 5, "All")
    wb.save(p)
    assert _xlar("post", p, "--quiet") == 1
    journal = read_sheet(p, "Journal")
    assert journal[0]["Status"] == "Error"
    assert journal[0]["Message"] == "Customer C1 is blocked (All): no transactions are allowed, including payments."
    issues = read_sheet(p, "Issues")
    assert [(i["Sheet"], i["Row"], i["Column"], i["Value"]) for i in issues] == [("Journal", 2, "Customer No.", "C1")]
    # nothing posted: the Ledger is exactly as the user wrote it, no G/L or applications exist
    assert read_sheet(p, "Ledger") == [{"Customer No.": "C1", "Posting Date": read_sheet(p, "Ledger")[0]["Posting Date"],
                                        "Document Type": "Invoice", "Document No.": "INV-1", "Amount": 800}]
    names = openpyxl.load_workbook(p).sheetnames
    assert ("GLEntries" not in names or not read_sheet(p, "GLEntries")) and (
        "Applications" not in names or not read_sheet(p, "Applications"))


def test_installed_command_runs(tmp_path: Path) -> None:
    """The console script itself (not only the typer app) posts a workbook."""
    exe = shutil.which("xlar")
    if exe is None:
        pytest.skip("the xlar console script is not installed")
    p = _book(tmp_path, settings=_settings(),
              ledger=[["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
                      ["C1", date(2024, 1, 10), "Invoice", "INV3001", 1000.0]],
              journal=[[1, date(2024, 1, 20), "Payment", "PMT3001", "C1", 980.0, "INV3001", None, None, None]])
    r = subprocess.run([exe, "post", str(p), "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["lines_posted"] == 1 and summary["errors"] == 0

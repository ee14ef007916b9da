"""The ``xlar`` command end to end on real .xlsx files."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from collections import defaultdict
from datetime import date, datetime

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.book.builders import CUSTOMERS, JOURNAL, LEDGER, read_sheet
from xlar.cli import app

runner = CliRunner()


def xlar(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def sheet(p, name):
    return read_sheet(p, name)


def snapshot(p, *names):
    wb = openpyxl.load_workbook(p)
    return {n: [[c.value for c in row] for row in wb[n].iter_rows()] if n in wb.sheetnames else None for n in names}


def assert_balanced(gl):
    per_doc = defaultdict(lambda: [0.0, 0.0])
    for g in gl:
        per_doc[g["Document No."]][0] += g["Debit"] or 0
        per_doc[g["Document No."]][1] += g["Credit"] or 0
    for doc, (d, c) in per_doc.items():
        assert round(d, 2) == round(c, 2), doc


def test_post_invoice_and_payment_with_discount(make_book):
    p = make_book()
    r = xlar("post", p)
    assert r.exit_code == 0, r.output
    assert "Posted" in r.output and "applications: 1" in r.output
    ledger = {row["Document No."]: row for row in sheet(p, "Ledger")}
    inv, pay = ledger["INV-1001"], ledger["PAY-1"]
    assert (inv["Entry No."], inv["Remaining Amount"], inv["Open"], inv["Closed by Entry No."]) == (1, 0, False, 3)
    assert inv["Due Date"] == datetime(2026, 2, 5) and inv["Pmt. Discount Date"] == datetime(2026, 1, 13)
    assert inv["Original Pmt. Disc. Possible"] == 20 and inv["Remaining Pmt. Disc. Possible"] == 0
    assert (pay["Entry No."], pay["Amount"], pay["Remaining Amount"], pay["Open"]) == (3, -980, 0, False)
    assert ledger["INV-1002"]["Remaining Amount"] == 500 and ledger["INV-1002"]["Open"] is True
    (app_row,) = sheet(p, "Applications")
    assert (app_row["Application No."], app_row["Applying Document No."], app_row["Applied Document No."],
            app_row["Amount Applied"], app_row["Discount"]) == (1, "PAY-1", "INV-1001", 980, 20)
    gl = sheet(p, "GLEntries")
    assert [(g["Account No."], g["Debit"], g["Credit"]) for g in gl] == [
        ("1200", 980, 0), ("1100", 0, 980), ("8400", 20, 0), ("1100", 0, 20)]
    assert_balanced(gl)
    (line,) = sheet(p, "Journal")
    assert (line["Status"], line["Posted Entry No."]) == ("Posted", 3)
    assert line["Message"] == "Applied: INV-1001 980.00, discount 20.00"
    (log,) = sheet(p, "RunLog")
    assert (log["Run"], log["Command"], log["Lines Posted"], log["Errors"], log["Result"]) == (1, "post", 1, 0, "Posted")
    assert len(log["Workbook Fingerprint"]) == 64
    assert "Issues" not in openpyxl.load_workbook(p).sheetnames


def test_second_post_posts_nothing(make_book):
    p = make_book()
    assert xlar("post", p).exit_code == 0
    after_first = snapshot(p, "Ledger", "Applications", "GLEntries", "Journal")
    r = xlar("post", p, "--json")
    assert r.exit_code == 0
    summary = json.loads(r.stdout)
    assert (summary["result"], summary["lines_posted"], summary["gl_lines"], summary["run"]) == \
        ("Nothing to post", 0, 0, 2)
    assert snapshot(p, "Ledger", "Applications", "GLEntries", "Journal") == after_first
    assert [row["Run"] for row in sheet(p, "RunLog")] == [1, 2]


def test_errors_exit_1_and_post_nothing(make_book):
    journal = [JOURNAL[0], JOURNAL[1], [date(2026, 1, 12), "Payment", "PAY-2", "C20000", 500, "INV-9999"],
               ["31.01.2026", "Payment", "PAY-3", "C20000", 10, None]]
    p = make_book(Journal=journal)
    before = snapshot(p, "Ledger", "Applications", "GLEntries")
    r = xlar("post", p)
    assert r.exit_code == 1
    assert "applies-to-not-found" in r.output and "bad-date" in r.output
    assert snapshot(p, "Ledger", "Applications", "GLEntries") == before
    lines = sheet(p, "Journal")
    assert [(ln["Status"], ln.get("Posted Entry No.")) for ln in lines] == [(None, None), ("Error", None),
                                                                              ("Error", None)]
    assert lines[0]["Message"] == "Not posted: 2 journal line(s) have errors."
    assert lines[1]["Message"] == "Applies-to document INV-9999 is not in the ledger of customer C20000."
    issues = [(i["Run"], i["Sheet"], i["Row"], i["Column"], i["Value"], i["Code"]) for i in sheet(p, "Issues")]
    assert issues == [(1, "Journal", 3, "Applies-to Doc. No.", "INV-9999", "applies-to-not-found"),
                      (1, "Journal", 4, "Posting Date", "31.01.2026", "bad-date")]
    (log,) = sheet(p, "RunLog")
    assert (log["Lines Posted"], log["Errors"], log["Result"]) == (0, 2, "Errors: nothing posted")


def test_skip_errors_posts_the_good_lines(make_book):
    journal = [JOURNAL[0], JOURNAL[1], [date(2026, 1, 12), "Payment", "PAY-2", "C20000", 500, "INV-9999"]]
    p = make_book(Journal=journal)
    r = xlar("post", p, "--skip-errors", "--json")
    assert r.exit_code == 0
    s = json.loads(r.stdout)
    assert (s["lines_posted"], s["lines_with_errors"], s["applications"], s["errors"]) == (1, 1, 1, 1)
    assert [ln["Status"] for ln in sheet(p, "Journal")] == ["Posted", "Error"]
    assert [row["Document No."] for row in sheet(p, "Ledger")] == ["INV-1001", "INV-1002", "PAY-1"]
    assert sheet(p, "RunLog")[0]["Command"] == "post --skip-errors"
    # the bad line is fixed and posted by the next run; the posted one is not posted again
    wb = openpyxl.load_workbook(p)
    wb["Journal"]["F3"] = "INV-1002"
    wb.save(p)
    r = xlar("post", p, "--json")
    assert json.loads(r.stdout)["lines_posted"] == 1
    assert [row["Document No."] for row in sheet(p, "Ledger")] == ["INV-1001", "INV-1002", "PAY-1", "PAY-2"]
    assert {row["Document No."]: row["Open"] for row in sheet(p, "Ledger")}["INV-1002"] is False


def test_bad_ledger_row_stops_even_skip_errors(make_book):
    ledger = LEDGER[:2] + [["C20000", "someday", "Invoice", "INV-1002", 500.0]]
    p = make_book(Ledger=ledger)
    r = xlar("post", p, "--skip-errors")
    assert r.exit_code == 1
    assert "Applications" not in openpyxl.load_workbook(p).sheetnames
    (line,) = sheet(p, "Journal")
    assert line["Message"] == "Not posted: the workbook has errors (see Issues)."
    (issue,) = sheet(p, "Issues")
    assert (issue["Sheet"], issue["Row"], issue["Column"], issue["Code"]) == ("Ledger", 3, "Posting Date", "bad-date")


def test_unapply_restores_the_entries(make_book):
    p = make_book()
    xlar("post", p)
    r = xlar("unapply", p, "--application", "1")
    assert r.exit_code == 0, r.output
    ledger = {row["Document No."]: row for row in sheet(p, "Ledger")}
    assert (ledger["INV-1001"]["Remaining Amount"], ledger["INV-1001"]["Open"]) == (1000, True)
    assert ledger["INV-1001"]["Remaining Pmt. Disc. Possible"] == 20
    assert ledger["INV-1001"]["Closed by Entry No."] is None
    assert (ledger["PAY-1"]["Remaining Amount"], ledger["PAY-1"]["Open"]) == (-980, True)
    apps = sheet(p, "Applications")
    assert [(a["Application No."], a["Unapplied"], a["Unapplied by Application No."], a["Amount Applied"],
             a["Discount"], a["Reverses Application No."]) for a in apps] == [
        (1, True, 2, 980, 20, None), (2, False, None, -980, -20, 1)]
    gl = sheet(p, "GLEntries")
    assert [(g["Account No."], g["Debit"], g["Credit"], g["Application No."]) for g in gl[4:]] == [
        ("8400", 0, 20, 2), ("1100", 20, 0, 2)]
    assert_balanced(gl)
    # unapplying again is an error on the Issues sheet
    r = xlar("unapply", p, "--application", "1")
    assert r.exit_code == 1 and "already-unapplied" in r.output
    (issue,) = sheet(p, "Issues")
    assert (issue["Sheet"], issue["Row"], issue["Column"], issue["Code"]) == \
        ("Applications", 2, "Application No.", "already-unapplied")


def test_unapply_unknown_application(make_book):
    p = make_book()
    r = xlar("unapply", p, "--application", "7", "--json")
    assert r.exit_code == 1
    s = json.loads(r.stdout)
    assert s["issues"][0]["code"] in ("unknown-application", "missing-sheet")


def test_apply_entries_by_id(make_book):
    ledger = [LEDGER[0] + ["Applies-to ID"],
              ["C20000", date(2026, 1, 10), "Invoice", "INV-2001", 500.0, "X1"],
              ["C20000", date(2026, 1, 15), "Credit Memo", "CM-2001", -200.0, "X1"],
              ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 300.0, "Y1"],
              ["C10000", date(2026, 1, 6), "Payment", "PAY-0", -300.0, "Y1"]]
    p = make_book(Ledger=ledger, Journal=[JOURNAL[0]])
    r = xlar("apply", p, "--id", "X1", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["applications"] == 1
    rows = {row["Document No."]: row for row in sheet(p, "Ledger")}
    assert (rows["INV-2001"]["Remaining Amount"], rows["CM-2001"]["Remaining Amount"]) == (300, 0)
    assert rows["CM-2001"]["Open"] is False and rows["INV-2001"]["Open"] is True
    assert rows["INV-1001"]["Remaining Amount"] == 300 and rows["INV-1001"]["Applies-to ID"] == "Y1"
    (a,) = sheet(p, "Applications")
    assert (a["Applying Document No."], a["Applied Document No."], a["Amount Applied"]) == ("CM-2001", "INV-2001", 200)
    assert "GLEntries" not in openpyxl.load_workbook(p).sheetnames  # credit memo to invoice: no G/L lines
    r = xlar("apply", p, "--id", "NOPE")
    assert r.exit_code == 1 and "applies-to-id-not-found" in r.output


def test_foreign_currency_payment_books_a_realized_gain(make_book):
    rates = [["Currency", "Starting Date", "Rate"], ["USD", date(2026, 1, 1), 0.9], ["USD", date(2026, 2, 1), 0.95]]
    ledger = [LEDGER[0], ["C30000", date(2026, 1, 10), "Invoice", "US-1", 1000.0]]
    journal = [JOURNAL[0], [date(2026, 2, 5), "Payment", "PAY-US", "C30000", 1000.0, "US-1"]]
    p = make_book(ExchangeRates=rates, Ledger=ledger, Journal=journal)
    assert xlar("post", p).exit_code == 0
    rows = {row["Document No."]: row for row in sheet(p, "Ledger")}
    assert (rows["US-1"]["Currency"], rows["US-1"]["Amount (LCY)"], rows["US-1"]["Open"]) == ("USD", 900, False)
    assert (rows["PAY-US"]["Exchange Rate"], rows["PAY-US"]["Amount (LCY)"]) == (0.95, -950)
    (a,) = sheet(p, "Applications")
    assert a["Realized Gain/Loss (LCY)"] == 50
    gl = sheet(p, "GLEntries")
    assert ("8500", 0, 50) in [(g["Account No."], g["Debit"], g["Credit"]) for g in gl]
    assert_balanced(gl)


def test_check_writes_issues_and_posts_nothing(make_book):
    good = make_book("good.xlsx")
    r = xlar("check", good)
    assert r.exit_code == 0
    assert "Applications" not in openpyxl.load_workbook(good).sheetnames
    assert sheet(good, "Journal")[0]["Message"] == "Checked: ready to post."
    assert sheet(good, "RunLog")[0]["Result"] == "OK"
    journal = [JOURNAL[0], JOURNAL[1], [date(2026, 1, 12), "Payment", "PAY-2", "C99999", 5, None]]
    bad = make_book("bad.xlsx", Journal=journal)
    r = xlar("check", bad, "--json")
    assert r.exit_code == 1
    assert [i["code"] for i in json.loads(r.stdout)["issues"]] == ["unknown-customer"]
    assert [ln["Status"] for ln in sheet(bad, "Journal")] == [None, "Error"]
    assert len(sheet(bad, "Ledger")) == 2 and "GLEntries" not in openpyxl.load_workbook(bad).sheetnames


def test_out_and_quiet(make_book, tmp_path):
    p = make_book()
    before = p.read_bytes()
    r = xlar("post", p, "--out", tmp_path / "copy.xlsx", "--quiet")
    assert r.exit_code == 0 and r.output == ""
    assert p.read_bytes() == before
    assert len(sheet(tmp_path / "copy.xlsx", "GLEntries")) == 4


def test_usage_errors_exit_2(make_book, tmp_path):
    p = make_book()
    assert xlar("unapply", p).exit_code == 2  # --application missing
    assert xlar("post", p, "--frobnicate").exit_code == 2
    assert xlar("unapply", p, "--application", "x").exit_code == 2
    assert xlar("post", tmp_path / "missing.xlsx").exit_code == 2


def test_unreadable_workbook_exit_1_without_traceback(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = xlar("post", bad)
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    r = xlar("post", bad, "--json")
    assert json.loads(r.stdout)["result"] == "Failed"


def test_demo_calls_run_demo(monkeypatch, tmp_path):
    seen = {}

    def run_demo(directory, console):
        seen["dir"] = directory
        return 0

    monkeypatch.setitem(sys.modules, "xlar.demo", types.SimpleNamespace(run_demo=run_demo))
    r = xlar("demo", tmp_path)
    assert r.exit_code == 0 and seen["dir"] == tmp_path


def test_console_entry_point():
    code = "import sys; sys.argv = ['xlar', '--help']; from xlar.cli import main; main()"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and "unapply" in r.stdout


@pytest.mark.parametrize("customers", [CUSTOMERS])
def test_journal_without_customer_uses_the_applies_to(make_book, customers):
    journal = [JOURNAL[0], [date(2026, 1, 12), "Payment", "PAY-1", None, 980.0, "INV-1001"]]
    p = make_book(Journal=journal, Customers=customers)
    assert xlar("post", p).exit_code == 0
    assert {row["Document No."]: row["Customer No."] for row in sheet(p, "Ledger")}["PAY-1"] == "C10000"


def test_posting_into_a_book_without_ledger_creates_the_output_sheets(make_book):
    journal = [JOURNAL[0] + ["Description"],
               [date(2026, 1, 5), "Invoice", "INV-9", "C10000", 1000.0, None, "=cmd|' /C calc'!A0"]]
    p = make_book(Ledger=None, Journal=journal)
    r = xlar("post", p)
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[-5:] == ["Journal", "Ledger", "GLEntries", "RunLog", "PostedLines"]
    (e,) = sheet(p, "Ledger")
    assert (e["Entry No."], e["Amount"], e["Due Date"], e["Original Pmt. Disc. Possible"]) == \
        (1, 1000, datetime(2026, 2, 5), 20)
    cell = wb["Ledger"].cell(2, [c.value for c in wb["Ledger"][1]].index("Description") + 1)
    assert (cell.value, cell.data_type) == ("=cmd|' /C calc'!A0", "s")
    assert [(g["Account No."], g["Debit"], g["Credit"]) for g in sheet(p, "GLEntries")] == [
        ("1100", 1000, 0), ("4000", 0, 1000)]


def test_issue_values_that_look_like_formulas_stay_text(make_book):
    journal = [JOURNAL[0], ["=1+1 is not a date", "Payment", "P1", "C10000", 5, None]]
    p = make_book(Journal=journal)
    assert xlar("post", p).exit_code == 1
    ws = openpyxl.load_workbook(p)["Issues"]
    assert (ws["E2"].value, ws["E2"].data_type) == ("=1+1 is not a date", "s")


def test_a_bug_in_the_core_becomes_an_issue_not_a_traceback(make_book, monkeypatch):
    def boom(book, **kw):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("xlar.book.commands.post_journal", boom)
    p = make_book()
    before = snapshot(p, "Ledger")
    r = xlar("post", p)
    assert r.exit_code == 1 and "internal-error" in r.output and "Traceback" not in r.output
    assert snapshot(p, "Ledger") == before
    (issue,) = sheet(p, "Issues")
    assert issue["Code"] == "internal-error" and "ZeroDivisionError" in issue["Problem"]
    assert sheet(p, "Journal")[0]["Message"] == "Not posted: xlar failed (see Issues)."


def test_unapply_through_the_workbook_restores_entries_exactly(make_book):
    """post then unapply: the entries read back equal the entries before posting (FX, partial, discount)."""
    from xlar.book.files import open_book
    from xlar.book.rows import read_book

    rates = [["Currency", "Starting Date", "Rate"], ["USD", date(2026, 1, 1), 0.9], ["USD", date(2026, 2, 1), 0.95]]
    ledger = [LEDGER[0], ["C30000", date(2026, 1, 10), "Invoice", "US-1", 1000.0],
              ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0]]
    journal = [JOURNAL[0], [date(2026, 2, 5), "Payment", "PAY-US", "C30000", 400.0, "US-1"],
               [date(2026, 1, 12), "Payment", "PAY-1", "C10000", 980.0, "INV-1001"]]
    p = make_book(ExchangeRates=rates, Ledger=ledger, Journal=journal)
    before = {e.entry_no: e for e in read_book(open_book(p).grids).book.ledger}
    assert xlar("post", p).exit_code == 0
    posted = read_book(open_book(p).grids).book
    assert {e.document_no: e.remaining_amount for e in posted.ledger}["US-1"] == 600
    for n in (1, 2):
        assert xlar("unapply", p, "--application", n).exit_code == 0
    after = {e.entry_no: e for e in read_book(open_book(p).grids).book.ledger}
    for no, e in before.items():
        assert after[no] == e, no

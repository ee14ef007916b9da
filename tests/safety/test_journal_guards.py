"""A journal line is not posted twice because its Status was cleared, and a payment naming a
document number two open entries share gets a warning (issue 18, items 5 and 15)."""

from __future__ import annotations

from datetime import date

import openpyxl
from typer.testing import CliRunner

from tests.book.builders import JOURNAL, LEDGER, read_sheet
from xlar.book.commands import run_file
from xlar.cli import app


def _clear(p, *headers: str) -> None:
    wb = openpyxl.load_workbook(p)
    ws = wb["Journal"]
    for c in ws[1]:
        if c.value in headers:
            ws.cell(2, c.column).value = None
    wb.save(p)


def test_a_line_whose_status_was_cleared_is_refused_unless_repost(make_book):
    p = make_book(Journal=[JOURNAL[0], [date(2026, 1, 12), "Payment", "PAY-1", "C10000", 980.0, None]])
    assert run_file(p, "post").exit_code == 0
    posted = read_sheet(p, "PostedLines")
    assert [(r["Run"], r["Document No."], r["Customer No."], r["Amount"], r["Posted Entry No."]) for r in posted] == [
        (1, "PAY-1", "C10000", 980, 3)]
    assert len(posted[0]["Line Key"]) == 24
    _clear(p, "Status", "Message", "Posted Entry No.")  # cleared by hand
    runner = CliRunner()
    r = runner.invoke(app, ["post", str(p)])
    assert r.exit_code == 1 and "reposted-line" in r.output
    assert len(read_sheet(p, "Ledger")) == 3  # nothing posted a second time
    issue = [i for i in read_sheet(p, "Issues") if i["Code"] == "reposted-line"]
    assert [(i["Sheet"], i["Row"], i["Column"]) for i in issue] == [("Journal", 2, "Status")]
    assert "posted before (run 1, entry 3" in issue[0]["Problem"]
    assert read_sheet(p, "Journal")[0]["Status"] == "Error"
    # the same check in a dry run
    assert run_file(p, "check").exit_code == 1
    _clear(p, "Status", "Message")
    r = runner.invoke(app, ["post", str(p), "--repost"])
    assert r.exit_code == 0, r.output
    ledger = read_sheet(p, "Ledger")
    assert len(ledger) == 4 and ledger[-1]["Document No."] == "PAY-1"
    assert [x["Run"] for x in read_sheet(p, "PostedLines")] == [1, 4]
    assert read_sheet(p, "RunLog")[-1]["Command"] == "post --repost"


def test_an_edited_line_is_a_new_line(make_book):
    p = make_book(Journal=[JOURNAL[0], [date(2026, 1, 12), "Payment", "PAY-1", "C10000", 980.0, None]])
    assert run_file(p, "post").exit_code == 0
    wb = openpyxl.load_workbook(p)
    ws = wb["Journal"]
    head = {c.value: c.column for c in ws[1]}
    ws.cell(2, head["Status"]).value = None
    ws.cell(2, head["Document No."]).value = "PAY-2"  # another payment, typed over the posted one
    wb.save(p)
    o = run_file(p, "post")
    assert o.exit_code == 0 and not [i for i in o.issues if i.code == "reposted-line"]
    assert [r["Document No."] for r in read_sheet(p, "Ledger")][-2:] == ["PAY-1", "PAY-2"]


def test_a_payment_naming_a_document_two_open_entries_share_is_warned(make_book):
    p = make_book(Ledger=LEDGER + [["C10000", date(2026, 1, 7), "Invoice", "INV-1001", 200.0]])
    o = run_file(p, "post")
    assert o.exit_code == 0  # a warning: posted
    warn = [i for i in o.issues if i.code == "duplicate-open-document"]
    assert len(warn) == 1 and (warn[0].sheet, warn[0].row, warn[0].column) == ("Journal", 2, "Applies-to Doc. No.")
    assert "Document No. INV-1001 is on 2 open ledger entries of customer C10000 (entries 1, 3)" in warn[0].problem
    assert [i["Code"] for i in read_sheet(p, "Issues")] == ["duplicate-open-document"]
    # another customer's entry with the same number is no duplicate
    q = make_book("other.xlsx", Ledger=LEDGER + [["C20000", date(2026, 1, 7), "Invoice", "INV-1001", 200.0]])
    assert not [i for i in run_file(q, "post").issues if i.code == "duplicate-open-document"]

"""``Duplicate Payment Check`` on real workbooks: Warning posts and flags, Error holds the line, Off ignores."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from tests.book.builders import JOURNAL, SETTINGS, read_sheet, standard, write_book
from xlar.book.commands import run_file

D = date(2026, 1, 12)
J = JOURNAL[0]  # Posting Date, Document Type, Document No., Customer No., Amount, Applies-to Doc. No.
TWICE = [J, [D, "Payment", "PAY-1", "C10000", 980.0, "INV-1001"], [D, "Payment", "PAY-2", "C10000", 980.0, None]]


def _book(tmp_path, check=None, journal=TWICE):
    settings = SETTINGS + ([["Duplicate Payment Check", check]] if check else [])
    return write_book(tmp_path / "book.xlsx", standard(Settings=settings, Journal=journal))


def _dups(outcome):
    return [i for i in outcome.issues if i.code == "possible-duplicate-payment"]


def test_default_warning_posts_both_and_flags_the_second_naming_the_first(tmp_path):
    p = _book(tmp_path)
    o = run_file(p, "post")
    assert o.exit_code == 0 and o.lines_posted == 2 and o.result == "Posted"
    [i] = _dups(o)
    assert (i.sheet, i.row, i.column, i.value, i.severity.value) == ("Journal", 3, "Amount", 980.0, "Warning")
    assert "customer C10000, 980.00 EUR on 2026-01-12 is also in this journal (Journal row 2, Amount = 980" \
        in i.problem and "document PAY-1" in i.problem
    issues = read_sheet(p, "Issues")
    assert [(r["Sheet"], r["Row"], r["Column"], r["Severity"], r["Code"]) for r in issues] == [
        ("Journal", 3, "Amount", "Warning", "possible-duplicate-payment")]
    assert [r["Status"] for r in read_sheet(p, "Journal")] == ["Posted", "Posted"]
    ledger = read_sheet(p, "Ledger")
    assert [(r["Document No."], r["Amount"]) for r in ledger[2:]] == [("PAY-1", -980), ("PAY-2", -980)]


def test_a_payment_already_on_the_ledger_is_named_by_its_ledger_row(tmp_path):
    p = _book(tmp_path, journal=TWICE[:2])
    assert run_file(p, "post").exit_code == 0
    wb = openpyxl.load_workbook(p)
    ws = wb["Journal"]
    ws.append([D, "Payment", "PAY-1B", "C10000", 980.0, None])  # keyed again from the bank statement
    wb.save(p)
    o = run_file(p, "check")
    [i] = _dups(o)
    assert (i.sheet, i.row, i.column) == ("Journal", 3, "Amount")
    assert "already posted (Ledger row 4, Amount = -980" in i.problem and "document PAY-1)" in i.problem
    assert o.exit_code == 0  # a warning


def test_error_holds_the_run_and_skip_errors_posts_the_first(tmp_path):
    p = _book(tmp_path, "Error")
    o = run_file(p, "post")
    assert o.exit_code == 1 and o.result == "Errors: nothing posted" and o.lines_posted == 0
    [i] = _dups(o)
    assert i.severity.value == "Error" and (i.row, i.column) == (3, "Amount")
    rows = read_sheet(p, "Journal")
    assert rows[0]["Status"] is None and rows[0]["Message"] == "Not posted: 1 journal line(s) have errors."
    assert rows[1]["Status"] == "Error" and rows[1]["Message"].startswith("Possible duplicate payment")
    assert len(read_sheet(p, "Ledger")) == 2  # nothing posted
    o = run_file(p, "post", skip_errors=True)
    assert o.exit_code == 0 and o.lines_posted == 1 and o.result == "Posted, 1 line(s) skipped"
    assert [r["Status"] for r in read_sheet(p, "Journal")] == ["Posted", "Error"]
    assert [(r["Document No."], r["Amount"], r["Open"]) for r in read_sheet(p, "Ledger")[2:]] == [
        ("PAY-1", -980, False)]


@pytest.mark.parametrize("command", ["check", "post"])
def test_off_ignores_the_repeat(tmp_path, command):
    o = run_file(_book(tmp_path, "Off"), command)
    assert o.exit_code == 0 and not _dups(o)


def test_bad_setting_value_is_a_bad_choice(tmp_path):
    o = run_file(_book(tmp_path, "Sometimes"), "check")
    assert [(i.sheet, i.code) for i in o.issues if i.severity.value == "Error"] == [("Settings", "bad-choice")]

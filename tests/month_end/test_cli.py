"""``xlar month-end`` on real .xlsx files: reports, tie-out, issuing through the atomic write path."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from tests.book.builders import standard, write_book
from xlar.cli import app

runner = CliRunner()

LEDGER = [
    ["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Due Date"],
    ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0, date(2026, 2, 4)],
    ["C20000", date(2026, 1, 10), "Invoice", "INV-1002", 500.0, date(2026, 2, 9)],
]
JOURNAL = [
    ["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Applies-to Doc. No."],
    [date(2026, 2, 1), "Invoice", "INV-2001", "C10000", 1200.0, None],
    [date(2026, 2, 2), "Invoice", "INV-2002", "C30000", 2000.0, None],
    [date(2026, 2, 20), "Payment", "PAY-1", "C10000", 400.0, "INV-2001"],
]
CUSTOMERS = [
    ["Customer No.", "Name", "Currency", "Payment Terms", "Blocked", "Reminder Terms", "Fin. Charge Terms"],
    ["C10000", "Adatum Corporation", "", "30D", "", "STD", "FC"],
    ["C20000", "Trey Research", "", "30D", "All", "STD", "FC"],
    ["C30000", "Fabrikam USD", "USD", "30D", "", "STD", ""],
]
REMINDER_TERMS = [
    ["Code", "Level", "Grace Period", "Due Date Formula", "Additional Fee", "Calculate Interest",
     "Max. No. of Reminders"],
    ["STD", 1, "5D", "14D", 10.0, False, 3],
    ["STD", 2, "7D", "14D", 20.0, True, None],
]
FIN_TERMS = [
    ["Code", "Interest Rate %", "Interest Period (Days)", "Interest Calculation Method", "Grace Period",
     "Minimum Amount", "Additional Fee"],
    ["FC", 1.5, 30, "Average Daily Balance", "", 0, 0],
]


def book(tmp_path: Path, **over: object) -> Path:
    sheets = standard(**{"Ledger": LEDGER, "Journal": JOURNAL, "Customers": CUSTOMERS,
                         "ReminderTerms": REMINDER_TERMS, "FinanceChargeTerms": FIN_TERMS, **over})
    return write_book(tmp_path / "book.xlsx", sheets)


def xlar(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


def sheet_rows(path: Path, name: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb[name].iter_rows(values_only=True)]


def find_row(rows: list[tuple], first: object) -> tuple:
    return next(r for r in rows if r and r[0] == first)


def test_month_end_reports_and_ties(tmp_path: Path) -> None:
    p = book(tmp_path)
    assert xlar("post", p).exit_code == 0
    r = xlar("month-end", p, "--as-of", "2026-03-31", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    # INV-1001/1002 were loaded on the Ledger (no G/L), the journal's postings have G/L: the tie-out says so
    assert out["ledger_lcy"] == "4100.00"  # 1000 + 500 + (1200 - 400) + 2000 USD x 0.9
    assert out["gl_lcy"] == "2600.00"  # only the journal's postings: 1200 + 1800 - 400
    assert out["tie_difference"] == "1500.00" and out["ties"] is False
    assert out["reports"] == ["Aging", "Statements", "Reminders", "FinanceCharges", "UnappliedCash"]
    assert out["reminders"] == 2 and out["finance_charges"] == 1 and not out["issued"]
    wb = openpyxl.load_workbook(p)
    assert {"Aging", "Statements", "Reminders", "FinanceCharges"} <= set(wb.sheetnames)
    aging = [tuple(r) for r in wb["Aging"].iter_rows(values_only=True)]
    assert find_row(aging, "Difference")[1] == 1500.0
    # ... all of it the two invoices loaded on the Ledger without G/L
    assert next(r for r in aging if str(r[0]).startswith("of which 2 without G/L"))[1] == 1500
    assert find_row(aging, "Difference not explained by them")[1] == 0
    total = find_row(aging, "Total")
    assert total[2:8] == (0, 2600, 1500, 0, 0, 4100)  # not due, 1-30, 31-60, 61-90, older, total
    assert wb["Aging"].freeze_panes == "A3"
    assert len(wb["Aging"]._charts) == 1
    money_cell = next(c for row in wb["Aging"].iter_rows() for c in row if c.value == 4100)
    assert money_cell.number_format == "#,##0.00"
    # nothing posted without --issue
    assert len(sheet_rows(p, "Ledger")) == 1 + 5
    # blocked customer is reported, not dunned
    rem = sheet_rows(p, "Reminders")
    assert any(r[0] == "C20000" and "blocked" in str(r[2]) for r in rem)


def test_issue_posts_entries_and_raises_the_level(tmp_path: Path) -> None:
    p = book(tmp_path)
    assert xlar("post", p).exit_code == 0
    gl_before = len(sheet_rows(p, "GLEntries"))
    r = xlar("month-end", p, "--as-of", "2026-03-31", "--issue", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["issued"] and out["new_entries"] == 3  # C10000 reminder + memo, C30000 reminder
    ledger = sheet_rows(p, "Ledger")
    head = ledger[0]
    new = [dict(zip(head, row)) for row in ledger[-3:]]
    assert sorted(e["Document Type"] for e in new) == ["Finance Charge Memo", "Reminder", "Reminder"]
    gl = sheet_rows(p, "GLEntries")[gl_before:]
    assert sum(r[5] or 0 for r in gl) == sum(r[6] or 0 for r in gl)
    accounts = {r[3] for r in gl}
    assert {"1100", "8600", "8610"} <= accounts
    trail = sheet_rows(p, "CollectionEntries")
    assert trail[0][:3] == ("Entry No.", "Type", "Document No.")
    levels = {(r[1], r[6]): r[7] for r in trail[1:]}
    assert set(levels.values()) == {0, 1}
    # a second run on the same day finds nothing new to remind at level 1 (grace from the reminder's due date)
    again = json.loads(xlar("month-end", p, "--as-of", "2026-03-31", "--issue", "--json").output)
    assert again["reminders"] == 0 and again["new_entries"] == 0
    # a month later the invoices are at level 2 (with interest) and the fee entries at level 1
    later = json.loads(xlar("month-end", p, "--as-of", "2026-04-30", "--json").output)
    assert later["reminders"] == 2
    rem = sheet_rows(p, "Reminders")
    assert any(r[0] == "REM-00003" for r in rem)


def test_as_of_a_past_date_on_the_file(tmp_path: Path) -> None:
    p = book(tmp_path)
    assert xlar("post", p).exit_code == 0
    feb = json.loads(xlar("month-end", p, "--as-of", "2026-02-19", "--out", tmp_path / "feb.xlsx", "--json").output)
    assert feb["ledger_lcy"] == "4500.00"  # before PAY-1 (2026-02-20)
    assert feb["gl_lcy"] == "3000.00"
    jan = json.loads(xlar("month-end", p, "--as-of", "2026-01-31", "--out", tmp_path / "jan.xlsx", "--json").output)
    assert jan["ledger_lcy"] == "1500.00" and jan["reminders"] == 0


def test_bad_terms_exit_1_and_post_nothing(tmp_path: Path) -> None:
    bad = [REMINDER_TERMS[0], ["STD", "one", "5D", "14D", 10.0, False, 3]]
    p = book(tmp_path, ReminderTerms=bad)
    assert xlar("post", p).exit_code == 0
    ledger = sheet_rows(p, "Ledger")
    r = xlar("month-end", p, "--as-of", "2026-03-31", "--issue")
    assert r.exit_code == 1
    assert sheet_rows(p, "Ledger") == ledger
    issues = sheet_rows(p, "Issues")
    assert any(row[1] == "ReminderTerms" and row[2] == 2 for row in issues[1:])


def test_failed_save_leaves_the_book_untouched(tmp_path: Path) -> None:
    p = book(tmp_path)
    assert xlar("post", p).exit_code == 0
    before = p.read_bytes()
    r = xlar("month-end", p, "--as-of", "2026-03-31", "--issue", "--out", tmp_path / "no" / "such" / "dir.xlsx")
    assert r.exit_code != 0
    assert p.read_bytes() == before


def test_wrong_date_is_usage_error(tmp_path: Path) -> None:
    p = book(tmp_path)
    assert xlar("month-end", p, "--as-of", "31.03.2026").exit_code == 2


def test_issue_twice_for_the_same_date_adds_no_entries_and_no_gl_lines(tmp_path: Path) -> None:
    """``month-end --issue`` run again for the same date: no memo, no reminder, no Ledger, GLEntries or
    CollectionEntries row (the demo used to issue every finance charge memo with a fee again)."""
    for method in ("Average Daily Balance", "Balance Due"):
        fin = [FIN_TERMS[0], ["FC", 1.5, 30, method, "", 0, 5.0]]
        (tmp_path / method[0]).mkdir()
        p = book(tmp_path / method[0], FinanceChargeTerms=fin)
        assert xlar("post", p).exit_code == 0
        first = json.loads(xlar("month-end", p, "--as-of", "2026-03-31", "--issue", "--json").output)
        assert (first["reminders"], first["finance_charges"], first["new_entries"]) == (2, 1, 3)
        counts = [len(sheet_rows(p, s)) for s in ("Ledger", "GLEntries", "CollectionEntries")]
        again = json.loads(xlar("month-end", p, "--as-of", "2026-03-31", "--issue", "--json").output)
        assert (again["reminders"], again["finance_charges"], again["new_entries"], again["gl_lines"]) == (0, 0, 0, 0)
        assert [len(sheet_rows(p, s)) for s in ("Ledger", "GLEntries", "CollectionEntries")] == counts

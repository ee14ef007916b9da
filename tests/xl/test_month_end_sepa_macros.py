"""Month end, SEPA and predict as macros on xlwings' own Book (remote engine), actions replayed and asserted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from tests.book.builders import standard
from tests.month_end.test_cli import CUSTOMERS, FIN_TERMS, JOURNAL, LEDGER, REMINDER_TERMS
from tests.sepa import test_workbook as sepa_case
from tests.xl.harness import make_payload, payload_sheets, run_macro, sheet_dicts
from xlar import macros

MONTH_END = standard(Ledger=LEDGER, Journal=JOURNAL, Customers=CUSTOMERS, ReminderTerms=REMINDER_TERMS,
                     FinanceChargeTerms=FIN_TERMS)


def posted() -> dict:
    outcome, _, applied = run_macro(make_payload(MONTH_END), macros.post)
    assert outcome.lines_posted == 3
    return applied.payload


def row(rows: list[list], first: object) -> list:
    return next(r for r in rows if r and r[0] == first)


def test_month_end_reports_and_ties_out() -> None:
    outcome, actions, applied = run_macro(posted(), macros.month_end, as_of=date(2026, 3, 31))
    assert outcome.exit_code == 0 and outcome.result == "Reported, does not tie to the G/L"
    assert (outcome.ledger_lcy, outcome.gl_lcy, outcome.tie_difference) == ("4100.00", "2600.00", "1500.00")
    assert (outcome.reminders, outcome.finance_charges, outcome.issued) == (2, 1, False)
    sheets = payload_sheets(applied.payload)
    assert {"Aging", "Statements", "Reminders", "FinanceCharges"} <= set(sheets)
    aging = sheets["Aging"]
    assert row(aging, "Difference")[1] == 1500
    assert row(aging, "Difference not explained by them")[1] == 0
    assert row(aging, "Total")[2:8] == [0, 2600, 1500, 0, 0, 4100]  # not due, 1-30, 31-60, 61-90, older, total
    assert any(r[0] == "C20000" and "blocked" in str(r[2]) for r in sheets["Reminders"])
    assert len(sheets["Ledger"]) == 1 + 5  # nothing posted without issue=True
    # formats, emphasis, frozen heading, the chart of the LCY total row against the bucket headings
    assert applied.frozen["Aging"] == "1:2"
    total_row = next(i for i, r in enumerate(aging) if r and r[0] == "Total")
    assert applied.number_formats[("Aging", total_row, 7)] == "#,##0.00"
    assert ("bold", True, total_row, 0, 2, 8) in applied.styles["Aging"]  # Total and % of total: one range
    assert ("fill", "#F8CBAD", 6, 0, 1, 3) in applied.styles["Aging"]  # the tie-out difference: a warning
    (chart,) = applied.charts["Aging"]
    assert chart["chart_type"] == "ColumnClustered"
    assert chart["source"] == f"Aging!$C${total_row + 1}:$G${total_row + 1}" and chart["plot_by"] == "Rows"
    assert chart["title"] == "Aging by due date (LCY)" and chart["legend_visible"] is False
    head = next(i for i, r in enumerate(aging) if r and r[0] == "Customer No.")
    assert chart["x_axis"] == f"Aging!$C${head + 1}:$G${head + 1}"
    (log,) = [r for r in sheet_dicts(applied.payload, "RunLog") if r["Command"].startswith("month-end")]
    assert log["Command"] == "month-end --as-of 2026-03-31"
    (alert,) = [a for a in actions if a["func"] == "alert"]
    assert "ledger 4100.00, G/L 2600.00, difference 1500.00" in alert["args"][0]


def test_second_month_end_rewrites_reports_in_place() -> None:
    _, _, first = run_macro(posted(), macros.month_end, as_of=date(2026, 3, 31))
    names = [s["name"] for s in first.payload["sheets"]]
    outcome, actions, second = run_macro(first.payload, macros.month_end, as_of=date(2026, 2, 19))
    assert outcome.ledger_lcy == "4500.00" and outcome.gl_lcy == "3000.00"  # before PAY-1
    assert [s["name"] for s in second.payload["sheets"]] == names
    assert "addSheet" not in [a["func"] for a in actions]
    assert [a["func"] for a in actions].count("deleteChart") == 1 and len(second.charts["Aging"]) == 1
    assert row(payload_sheets(second.payload)["Aging"], "Total")[7] == 4500


def test_month_end_issue_posts_reminders_and_memos() -> None:
    outcome, _, applied = run_macro(posted(), macros.month_end, as_of=date(2026, 3, 31), issue=True)
    assert outcome.issued and outcome.new_entries == 3
    new = sheet_dicts(applied.payload, "Ledger")[-3:]
    assert sorted(e["Document Type"] for e in new) == ["Finance Charge Memo", "Reminder", "Reminder"]
    gl = sheet_dicts(applied.payload, "GLEntries")
    assert sum(g["Debit"] or 0 for g in gl) == pytest.approx(sum(g["Credit"] or 0 for g in gl))
    assert {"1100", "8600", "8610"} <= {g["Account No."] for g in gl}
    assert sheet_dicts(applied.payload, "RunLog")[-1]["Command"] == "month-end --as-of 2026-03-31 --issue"


def _named(payload: dict, value: object) -> dict:
    payload["sheets"].append({"name": "Control", "values": [["As of", value]], "pictures": [], "tables": []})
    payload["names"].append({"name": "AsOfDate", "sheet_index": len(payload["sheets"]) - 1, "address": "B1",
                             "book_scope": True, "scope_sheet_name": None, "scope_sheet_index": None})
    return payload


def test_month_end_takes_the_date_of_the_cell_named_as_of_date() -> None:
    outcome, _, _ = run_macro(_named(posted(), "2026-02-19T00:00:00.000Z"), macros.month_end)
    assert (outcome.as_of, outcome.ledger_lcy) == ("2026-02-19", "4500.00")
    outcome, _actions, applied = run_macro(_named(posted(), "next week"), macros.month_end)
    assert (outcome.exit_code, outcome.result) == (1, "Failed")
    issue = sheet_dicts(applied.payload, "Issues")[-1]
    assert "The cell named AsOfDate (Control!B1) holds 'next week', not a date" in issue["Problem"]
    assert "Aging" not in [s["name"] for s in applied.payload["sheets"]]


def test_month_end_without_a_date_is_as_of_today() -> None:
    outcome, _, _ = run_macro(posted(), macros.month_end)
    assert outcome.as_of == date.today().isoformat()


SEPA = {"Settings": sepa_case.SETTINGS, "Customers": sepa_case.CUSTOMERS, "Ledger": sepa_case.LEDGER,
        "Mandates": sepa_case.MANDATES, "SEPASetup": sepa_case.SETUP}


def test_sepa_collect_confirm_reject(tmp_path: Path) -> None:
    xml = tmp_path / "dd.xml"
    outcome, _, applied = run_macro(make_payload(SEPA), macros.sepa, collection_date=date(2026, 1, 31),
                                    xml_path=xml)
    assert outcome.exit_code == 0, outcome.issues
    assert outcome.result.startswith("Collection DD0001: 3 debit(s), 1550.50 EUR") and str(xml) in outcome.result
    assert sepa_case.xsd("pain.008.001.02").validate(etree.parse(str(xml)))
    dd = sheet_dicts(applied.payload, "DirectDebit")
    assert [(d["Transaction ID"], d["Document No."], d["Sequence Type"], d["Status"], d["File"]) for d in dd] == [
        ("DD0001/1", "INV-1", "FRST", "File Created", "dd.xml"), ("DD0001/2", "INV-2", "RCUR", "File Created", "dd.xml"),
        ("DD0001/3", "INV-3", "OOFF", "File Created", "dd.xml")]
    m = {r["Mandate ID"]: r for r in sheet_dicts(applied.payload, "Mandates")}
    assert (m["M-1"]["Debits Made"], m["M-2"]["Debits Made"], m["M-2"]["Closed"]) == (2, 1, True)

    outcome, _, confirmed = run_macro(applied.payload, macros.sepa, confirm="DD0001")
    assert outcome.result == "Collection DD0001: 3 payment(s) posted, 1550.50 EUR; 3 open bank ledger entries"
    led = {r["Document No."]: r for r in sheet_dicts(confirmed.payload, "Ledger")}
    assert [led[d]["Open"] for d in ("INV-1", "INV-2", "INV-3", "INV-4")] == [False, False, False, True]
    gl = sheet_dicts(confirmed.payload, "GLEntries")
    assert sum(g["Debit"] or 0 for g in gl if g["Account No."] == "1200") == 1550.5
    # the bank side, as the file command writes it: one open BankLedger entry per debit
    bank = sheet_dicts(confirmed.payload, "BankLedger")
    assert [(b["Entry No."], b["Document No."], b["Amount"], b["Open"]) for b in bank] == [
        (1, "DD0001-1", 1000, True), (2, "DD0001-2", 250.5, True), (3, "DD0001-3", 300, True)]

    outcome, _, rejected = run_macro(confirmed.payload, macros.sepa, reject="DD0001/2",
                                     return_date=date(2026, 2, 5))
    assert outcome.result == "1 direct debit(s) rejected, 1 refunded"
    led = {r["Document No."]: r for r in sheet_dicts(rejected.payload, "Ledger")}
    assert (led["INV-2"]["Open"], led["INV-2"]["Remaining Amount"]) == (True, 250.5)
    assert led["RET-DD0001-2"]["Document Type"] == "Refund"
    bank = sheet_dicts(rejected.payload, "BankLedger")
    assert [(b["Entry No."], b["Document No."], b["Amount"], b["Open"]) for b in bank][3:] == [
        (4, "RET-DD0001-2", -250.5, True)]
    gl = sheet_dicts(rejected.payload, "GLEntries")
    assert sum((g["Debit"] or 0) - (g["Credit"] or 0) for g in gl if g["Account No."] == "1200") == 1300
    assert [r["Command"] for r in sheet_dicts(rejected.payload, "RunLog")] == [
        "sepa --collection-date 2026-01-31", "sepa --confirm DD0001", "sepa --reject DD0001/2"]


def test_sepa_collection_reconciles_through_the_bank_macros(tmp_path: Path) -> None:
    """collect → confirm → the statement with the collection → match → accept (posts nothing) → reconcile,
    then a return, all as macros: the same book-layer code as the commands."""
    from tests.sepa.test_bank_reconcile import february, january

    _, _, applied = run_macro(make_payload(SEPA), macros.sepa, collection_date=date(2026, 1, 31),
                              xml_path=tmp_path / "dd.xml")
    _, _, applied = run_macro(applied.payload, macros.sepa, confirm="DD0001")
    outcome, _, applied = run_macro(applied.payload, macros.import_statement, file=january(tmp_path))
    assert outcome.exit_code == 0, outcome.issues
    outcome, _, applied = run_macro(applied.payload, macros.match)
    assert outcome.result.startswith("Matched 2 line(s): High 2, Medium 0, Low 0, None 0")
    outcome, _, applied = run_macro(applied.payload, macros.accept)
    assert outcome.result == ("Posted 1 statement line(s); 1 line(s) already posted by xlar sepa linked to their "
                              "bank ledger entries")
    outcome, _, applied = run_macro(applied.payload, macros.reconcile, statement_no="S-2026-01")
    assert (outcome.exit_code, outcome.result) == (0, "Reconciled statement S-2026-01: difference 0.00")
    bank = sheet_dicts(applied.payload, "BankLedger")
    assert [(b["Document No."], b["Amount"], b["Open"], b["Statement No."], b["Statement Line No."])
            for b in bank] == [("DD0001-1", 1000, False, "S-2026-01", 1), ("DD0001-2", 250.5, False, "S-2026-01", 1),
                               ("DD0001-3", 300, False, "S-2026-01", 1), ("S-2026-01-2", 80, False, "S-2026-01", 2)]
    gl = sheet_dicts(applied.payload, "GLEntries")
    assert sum((g["Debit"] or 0) - (g["Credit"] or 0) for g in gl if g["Account No."] == "1200") == 1630.5

    _, _, applied = run_macro(applied.payload, macros.sepa, reject="DD0001/2", return_date=date(2026, 2, 5))
    _, _, applied = run_macro(applied.payload, macros.import_statement, file=february(tmp_path))
    _, _, applied = run_macro(applied.payload, macros.match)
    outcome, _, applied = run_macro(applied.payload, macros.accept)
    assert outcome.result.startswith("Posted nothing; 1 line(s) already posted by xlar sepa linked")
    outcome, _, applied = run_macro(applied.payload, macros.reconcile, statement_no="S-2026-02")
    assert (outcome.exit_code, outcome.result) == (0, "Reconciled statement S-2026-02: difference 0.00")
    last = sheet_dicts(applied.payload, "BankLedger")[-1]
    assert (last["Document No."], last["Amount"], last["Open"]) == ("RET-DD0001-2", -250.5, False)


def test_sepa_collect_writes_the_file_beside_the_workbook(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(macros, "_folder", lambda book: tmp_path)
    outcome, _, applied = run_macro(make_payload(SEPA), macros.sepa, collection_date=date(2026, 1, 31))
    assert outcome.exit_code == 0 and (tmp_path / "xlar-DD0001.xml").exists()
    assert {d["File"] for d in sheet_dicts(applied.payload, "DirectDebit")} == {"xlar-DD0001.xml"}
    assert [p.name for p in tmp_path.iterdir()] == ["xlar-DD0001.xml"]  # no temporary file left


def test_sepa_collect_that_fails_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    from xlar.book import excel

    def refuse(*a, **k):
        raise excel.LiveBookError("Sheet DirectDebit: a cell is in the way")

    monkeypatch.setattr(excel, "apply_plan", refuse)
    outcome, _, _ = run_macro(make_payload(SEPA), macros.sepa, collection_date=date(2026, 1, 31),
                              xml_path=tmp_path / "dd.xml")
    assert outcome.exit_code == 1 and list(tmp_path.iterdir()) == []


def test_predict_writes_the_outlook_or_says_why_not() -> None:
    pytest.importorskip("sklearn")
    outcome, _, applied = run_macro(posted(), macros.predict)
    # five closed invoices are far too little history: refused with an Issue, no Outlook sheet
    assert (outcome.exit_code, outcome.result) == (1, "Not enough history: nothing predicted")
    assert sheet_dicts(applied.payload, "Issues")[-1]["Code"] == "not-enough-history"
    assert "Outlook" not in [s["name"] for s in applied.payload["sheets"]]

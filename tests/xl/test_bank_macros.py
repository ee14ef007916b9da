"""The bank macros on xlwings' own Book (remote engine): import-statement -> match -> accept -> reconcile,
the scenario of ``tests/bank/test_workbook.py``, with the actions replayed and the sheets asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bank.samples import camt053
from tests.bank.test_workbook import CUSTOMERS, LEDGER, MAPPINGS, PROFILES, SETTINGS, TERMS
from tests.xl.harness import make_payload, payload_sheets, run_macro, sheet_dicts
from xlar import macros

SHEETS = {"Settings": SETTINGS, "Customers": CUSTOMERS, "PaymentTerms": TERMS, "Ledger": LEDGER,
          "BankProfiles": PROFILES, "TextToAccount": MAPPINGS}


def by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def set_cell(payload: dict, sheet: str, match: tuple[str, object], header: str, value: object) -> None:
    """Type ``value`` into the ``header`` cell of the row whose ``match[0]`` column holds ``match[1]``."""
    values = next(s for s in payload["sheets"] if s["name"] == sheet)["values"]
    head = values[0]
    if header not in head:
        head.append(header)
        for row in values[1:]:
            row.append("")
    key, col = head.index(match[0]), head.index(header)
    row = next(r for r in values[1:] if r[key] == match[1])
    row[col] = value


@pytest.fixture
def imported(tmp_path: Path) -> dict:
    f = camt053(tmp_path / "stmt.xml")
    outcome, _, applied = run_macro(make_payload(SHEETS), macros.import_statement, file=f)
    assert (outcome.exit_code, outcome.result) == (0, "Imported 5 line(s) (CAMT.053 camt.053.001.02)"), outcome.issues
    again, _, second = run_macro(applied.payload, macros.import_statement, file=str(f))
    assert again.result == "Imported 0 line(s) (CAMT.053 camt.053.001.02), 5 already imported"
    return second.payload


def test_import_statement_keeps_text_as_text(imported: dict) -> None:
    lines = sheet_dicts(imported, "BankStatement")
    assert [ln["Line No."] for ln in lines] == [1, 2, 3, 4, 5]
    assert lines[3]["Transaction Text"] == '=HYPERLINK("x") MyBank fee March'
    assert (lines[0]["Source File"], lines[0]["Statement Opening Balance"], lines[0]["Amount"]) == (
        "stmt.xml", 5000, 980)
    assert [r["Command"] for r in sheet_dicts(imported, "RunLog")] == ["import-statement stmt.xml"] * 2


def test_match_accept_reconcile(imported: dict) -> None:
    outcome, actions, applied = run_macro(imported, macros.match)
    assert outcome.result == (
        "Matched 5 line(s): High 3, Medium 1, Low 0, None 1; auto-match rate: lines 60.0 % (3 of 5), "
        "invoices 75.0 % (3 of 4), amount EUR 69.0 % (1,742.50 of 2,524.50)")
    st = by(sheet_dicts(applied.payload, "BankStatement"), "Line No.")
    assert (st[1]["Match Confidence"], st[1]["Matched Customer No."], st[1]["Matched Documents"],
            st[1]["Match Rule"]) == ("High", "C10000", "INV-1001", "High/3")
    assert st[2]["Matched Documents"] == "INV-1002, INV-1003"
    assert (st[3]["Match Confidence"], st[3]["Matched Customer No."]) == ("Medium", "C30000")
    assert (st[4]["Matched Account No."], st[4]["Match Rule"]) == ("6040", "Text-to-Account Mapping")
    # MatchProposals: a report sheet, heading bold with its fill, frozen, money formatted
    props = sheet_dicts(applied.payload, "MatchProposals")
    first = next(p for p in props if p["Line No."] == 1 and p["Rank"] == 1)
    assert (first["Score"], first["Related Party"], first["Statement Amount"]) == (3997, "Fully", 980)
    assert "IBAN" in first["Explanation"]
    assert applied.frozen["MatchProposals"] == "1:1"
    styles = applied.styles["MatchProposals"]
    assert ("bold", True, 0, 0, 1, 18) in styles and ("fill", "#DDEBF7", 0, 0, 1, 18) in styles
    money = [(c, n) for (s, r, c), f in applied.number_formats.items() if s == "MatchProposals" and f == "#,##0.00"
             for n in [r]]
    assert {c for c, _ in money} == {10, 11, 12}  # Statement Amount, Applied Amount, Difference
    assert "alert" in [a["func"] for a in actions]  # the counts are told

    outcome, _, accepted = run_macro(applied.payload, macros.accept)
    assert (outcome.exit_code, outcome.result) == (0, "Posted 3 statement line(s)")
    after = accepted.payload
    ledger = by(sheet_dicts(after, "Ledger"), "Document No.")
    assert (ledger["INV-1001"]["Remaining Amount"], ledger["INV-1001"]["Open"]) == (0, False)
    assert ledger["INV-1002"]["Remaining Amount"] == ledger["INV-1003"]["Remaining Amount"] == 0
    assert ledger["INV-1004"]["Remaining Amount"] == 777
    apps = sheet_dicts(after, "Applications")
    assert (apps[0]["Applied Document No."], apps[0]["Amount Applied"], apps[0]["Discount"]) == ("INV-1001", 980, 20)
    gl = sheet_dicts(after, "GLEntries")
    assert ("6040", 12.5) in {(g["Account No."], g["Debit"]) for g in gl}
    assert sum(g["Debit"] or 0 for g in gl) == pytest.approx(sum(g["Credit"] or 0 for g in gl)) == 1762.5
    assert sorted(b["Amount"] for b in sheet_dicts(after, "BankLedger")) == [-12.5, 750, 980]
    st = by(sheet_dicts(after, "BankStatement"), "Line No.")
    assert [st[n]["Status"] for n in (1, 2, 3, 4)] == ["Posted", "Posted", None, "Posted"]
    outcome, _, _ = run_macro(after, macros.accept)
    assert outcome.result == "Nothing to accept"

    # reconcile the statement on the selected row: not complete yet (lines 3 and 5 open)
    after["book"]["active_sheet_index"] = [s["name"] for s in after["sheets"]].index("BankStatement")
    after["book"]["selection"] = "D3"
    outcome, _, rec = run_macro(after, macros.reconcile)
    assert outcome.exit_code == 1 and outcome.result.startswith("Not reconciled")
    sections = {r[0] for r in payload_sheets(rec.payload)["BankReconciliation"][13:]}
    assert {"Matched", "Unmatched statement line"} <= sections

    # the user matches line 3 to C30000 and posts line 5 to G/L 8600 by hand
    after = rec.payload
    set_cell(after, "BankStatement", ("Line No.", 3), "Match Confidence", "Manual")
    set_cell(after, "BankStatement", ("Line No.", 5), "Match Confidence", "Manual")
    set_cell(after, "BankStatement", ("Line No.", 5), "Matched Account No.", "8600")
    outcome, _, manual = run_macro(after, macros.accept)
    assert outcome.result == "Posted 2 statement line(s)", outcome.issues
    learned = sheet_dicts(manual.payload, "TextToAccount")[-1]
    assert (learned["Mapping Text"], learned["Account No."], learned["Learned"]) == ("FABRIKM INC", "C30000", True)
    position = [s["name"] for s in manual.payload["sheets"]].index("BankReconciliation")
    outcome, acts, done = run_macro(manual.payload, macros.reconcile, statement_no="STMT-1")
    assert (outcome.exit_code, outcome.result) == (0, "Reconciled statement STMT-1: difference 0.00")
    summary = {r[0]: r[1] for r in payload_sheets(done.payload)["BankReconciliation"][:11] if r[0]}
    assert summary["Statement Ending Balance"] == 7499.5 and summary["Difference"] == 0
    assert summary["Status"] == "Complete"
    assert all(b["Open"] is False for b in sheet_dicts(done.payload, "BankLedger"))
    # the report sheet was rewritten in place (cleared, same position), not added again
    assert [s["name"] for s in done.payload["sheets"]].index("BankReconciliation") == position
    assert [a["sheet_position"] for a in acts if a["func"] == "sheetClear"] == [position]
    assert "addSheet" not in [a["func"] for a in acts]
    assert ("bold", True, 0, 0, 1, 2) in done.styles["BankReconciliation"]  # the title row
    assert done.number_formats[("BankReconciliation", 3, 1)] == "#,##0.00"


def test_reconcile_without_a_selected_statement_asks(imported: dict) -> None:
    outcome, actions, _ = run_macro(imported, macros.reconcile)
    assert outcome.exit_code == 2 and [a["func"] for a in actions] == ["alert"]
    assert "select a line of the statement" in actions[0]["args"][0]


def test_reconcile_of_an_unknown_statement_is_an_issue(imported: dict) -> None:
    outcome, actions, applied = run_macro(imported, macros.reconcile, statement_no="NOPE")
    assert (outcome.exit_code, outcome.result) == (2, "Failed")
    issue = sheet_dicts(applied.payload, "Issues")[-1]
    assert issue["Code"] == "book-error" and "Statement 'NOPE' is not on the BankStatement sheet" in issue["Problem"]
    (alert,) = [a for a in actions if a["func"] == "alert"]
    assert "Traceback" not in alert["args"][0] and "Please report" not in alert["args"][0]


def test_a_bad_statement_file_changes_nothing_but_issues(tmp_path: Path) -> None:
    bad = camt053(tmp_path / "bad.xml", closing="9999.00")
    outcome, _actions, applied = run_macro(make_payload(SHEETS), macros.import_statement, file=bad)
    assert outcome.exit_code == 1
    assert "closing balance is 9999.00" in sheet_dicts(applied.payload, "Issues")[0]["Problem"]
    assert "BankStatement" not in [s["name"] for s in applied.payload["sheets"]]


def test_a_relative_statement_file_is_beside_the_workbook(tmp_path: Path, monkeypatch) -> None:
    camt053(tmp_path / "stmt.xml")
    monkeypatch.setattr(macros, "_folder", lambda book: tmp_path)
    outcome, _, applied = run_macro(make_payload(SHEETS), macros.import_statement, file="stmt.xml")
    assert outcome.lines_posted == 5 and sheet_dicts(applied.payload, "BankStatement")[0]["Source File"] == "stmt.xml"


def test_accept_refuses_an_unknown_confidence() -> None:
    outcome, actions, _ = run_macro(make_payload(SHEETS), macros.accept, min_confidence="Sure")
    assert outcome.exit_code == 2 and [a["func"] for a in actions] == ["alert"]

"""The macros on xlwings' own Book (remote engine), their actions replayed and asserted."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest
import xlwings as xw
import xlwings.server

from tests.book.builders import JOURNAL, LEDGER, standard
from tests.xl.harness import AppliedBook, make_payload, open_book, run_macro, sheet_dicts, table_meta
from xlar import lite, macros

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")


def _post(payload, **kw):
    return run_macro(payload, macros.post, **kw)


def test_post_writes_ledger_applications_gl_and_journal():
    outcome, actions, applied = _post(make_payload(standard()))
    assert (outcome.exit_code, outcome.result, outcome.lines_posted) == (0, "Posted", 1)
    after = applied.payload
    ledger = {r["Document No."]: r for r in sheet_dicts(after, "Ledger")}
    assert (ledger["INV-1001"]["Remaining Amount"], ledger["INV-1001"]["Open"]) == (0, False)
    assert (ledger["PAY-1"]["Amount"], ledger["PAY-1"]["Entry No."]) == (-980, 3)
    assert ledger["INV-1001"]["Due Date"] == date(2026, 2, 5)
    (app,) = sheet_dicts(after, "Applications")
    assert (app["Applied Document No."], app["Amount Applied"], app["Discount"]) == ("INV-1001", 980, 20)
    gl = sheet_dicts(after, "GLEntries")
    assert sum(g["Debit"] for g in gl) == sum(g["Credit"] for g in gl) == 1000
    (line,) = sheet_dicts(after, "Journal")
    assert (line["Status"], line["Posted Entry No."]) == ("Posted", 3)
    (log,) = sheet_dicts(after, "RunLog")
    assert (log["Run"], log["Command"], log["Result"]) == (1, "post", "Posted")
    # formats: money and dates carry the contract's number formats
    assert applied.number_formats[("Applications", 1, 7)] == "#,##0.00"
    assert applied.number_formats[("Ledger", 3, 1)] == "yyyy-mm-dd"
    # no message box when all went well; no Python objects in the actions
    assert "alert" not in [a["func"] for a in actions]


def test_second_post_posts_nothing():
    _, _, first = _post(make_payload(standard()))
    outcome, _, second = _post(first.payload)
    assert outcome.result == "Nothing to post" and outcome.lines_posted == 0
    assert len(sheet_dicts(second.payload, "Applications")) == 1
    assert [r["Run"] for r in sheet_dicts(second.payload, "RunLog")] == [1, 2]


def test_errors_post_nothing_and_show_a_message_and_issues():
    journal = [JOURNAL[0], JOURNAL[1], [date(2026, 1, 12), "Payment", "PAY-2", "C20000", 500, "INV-9999"],
               ["31.01.2026", "Payment", "PAY-3", "C20000", 10, None]]
    outcome, actions, applied = _post(make_payload(standard(Journal=journal)))
    assert outcome.exit_code == 1 and outcome.result == "Errors: nothing posted"
    names = [s["name"] for s in applied.payload["sheets"]]
    assert "Applications" not in names and "GLEntries" not in names
    issues = sheet_dicts(applied.payload, "Issues")
    assert [(i["Sheet"], i["Row"], i["Column"], i["Code"]) for i in issues] == [
        ("Journal", 3, "Applies-to Doc. No.", "applies-to-not-found"), ("Journal", 4, "Posting Date", "bad-date")]
    (alert,) = [a for a in actions if a["func"] == "alert"]
    prompt, title = alert["args"][:2]
    assert title == "xlar" and "Errors: nothing posted" in prompt and "see the Issues sheet" in prompt
    assert "Traceback" not in prompt


def test_text_from_outside_stays_text():
    journal = [JOURNAL[0] + ["Description", "External Document No."],
               JOURNAL[1] + ['=HYPERLINK("http://evil")', "00123"]]
    _, actions, applied = _post(make_payload(standard(Journal=journal)))
    assert applied.formulas == {}
    ledger = {r["Document No."]: r for r in sheet_dicts(applied.payload, "Ledger")}
    assert ledger["PAY-1"]["Description"] == '=HYPERLINK("http://evil")'
    assert ledger["PAY-1"]["External Document No."] == "00123"
    # every string goes out with Excel's text prefix (xlwings itself writes dates as ISO text)
    for a in actions:
        for row in a["values"] or []:
            assert all(not isinstance(v, str) or v == "" or v.startswith("'") or _ISO.match(v) for v in row), row


def test_unapply_and_apply():
    _, _, posted = _post(make_payload(standard()))
    outcome, _, undone = run_macro(posted.payload, macros.unapply, application_no=1)
    assert (outcome.exit_code, outcome.result) == (0, "Unapplied")
    ledger = {r["Document No."]: r for r in sheet_dicts(undone.payload, "Ledger")}
    assert (ledger["INV-1001"]["Remaining Amount"], ledger["INV-1001"]["Open"]) == (1000, True)
    assert [a["Unapplied"] for a in sheet_dicts(undone.payload, "Applications")] == [True, False]
    # and again: already unapplied, an Issue and a message
    outcome, actions, again = run_macro(undone.payload, macros.unapply, application_no=1)
    assert outcome.exit_code == 1 and "alert" in [a["func"] for a in actions]
    assert sheet_dicts(again.payload, "Issues")[-1]["Code"] == "already-unapplied"

    ledger = [LEDGER[0] + ["Applies-to ID"],
              ["C20000", date(2026, 1, 10), "Invoice", "INV-2001", 500.0, "X1"],
              ["C20000", date(2026, 1, 15), "Credit Memo", "CM-2001", -200.0, "X1"]]
    outcome, _, applied = run_macro(make_payload(standard(Ledger=ledger, Journal=[JOURNAL[0]])), macros.apply,
                                    applies_to_id="X1")
    assert (outcome.exit_code, outcome.applications) == (0, 1)
    rows = {r["Document No."]: r for r in sheet_dicts(applied.payload, "Ledger")}
    assert (rows["INV-2001"]["Remaining Amount"], rows["CM-2001"]["Remaining Amount"]) == (300, 0)


def test_unapply_takes_the_selected_application_row():
    _, _, posted = _post(make_payload(standard()))
    payload = posted.payload
    payload["book"]["selection"] = "B2"
    payload["book"]["active_sheet_index"] = [s["name"] for s in payload["sheets"]].index("Applications")
    outcome, _, _ = run_macro(payload, macros.unapply)
    assert (outcome.exit_code, outcome.result) == (0, "Unapplied")
    payload["book"]["active_sheet_index"] = 0
    outcome, actions, _ = run_macro(payload, macros.unapply)
    assert outcome.exit_code == 2 and [a["func"] for a in actions] == ["alert"]


def test_the_selected_row_costs_no_extra_read(monkeypatch):
    from tests.xl.test_io_counts import Counted

    _, _, posted = _post(make_payload(standard()))
    payload = posted.payload
    payload["book"]["selection"] = "C2"
    payload["book"]["active_sheet_index"] = [s["name"] for s in payload["sheets"]].index("Applications")
    counted = Counted(monkeypatch)
    outcome, _, undone = run_macro(payload, macros.unapply)
    assert outcome.result == "Unapplied"
    assert set(counted.reads.values()) == {1} and counted.reads["Applications"] == 1
    assert sheet_dicts(undone.payload, "RunLog")[-1]["Command"] == "unapply --application 1"


def test_check_posts_nothing():
    outcome, actions, applied = run_macro(make_payload(standard()), macros.check)
    assert (outcome.exit_code, outcome.result) == (0, "OK")
    assert "Applications" not in [s["name"] for s in applied.payload["sheets"]]
    assert sheet_dicts(applied.payload, "Journal")[0]["Message"] == "Checked: ready to post."
    assert "alert" in [a["func"] for a in actions]  # check always reports


def test_ledger_in_an_excel_table_grows_the_table():
    rows = [list(r) for r in LEDGER]
    payload = make_payload(standard(Ledger=rows), tables={"Ledger": [table_meta("tblLedger", "A1:E3")]})
    _, actions, applied = _post(payload)
    assert "resizeTable" in [a["func"] for a in actions]
    after = applied.book()
    table = after.sheets["Ledger"].tables["tblLedger"]
    assert table.range.shape == (4, 21)
    assert [r[3] for r in table.data_body_range.value] == ["INV-1001", "INV-1002", "PAY-1"]
    after.close()


def test_a_table_with_a_totals_row_is_reported_not_raised():
    payload = make_payload(standard(), tables={"Ledger": [table_meta("tblLedger", "A1:E3")]})
    ledger = next(s for s in payload["sheets"] if s["name"] == "Ledger")
    ledger["tables"][0]["show_totals"] = True
    ledger["tables"][0]["total_row_range_address"] = "$A$3:$E$3"
    outcome, actions, applied = _post(payload)
    assert outcome.exit_code == 1 and outcome.result == "Failed"
    (alert,) = [a for a in actions if a["func"] == "alert"]
    assert "totals row" in alert["args"][0]
    (issue,) = sheet_dicts(applied.payload, "Issues")
    assert issue["Code"] == "book-error" and "totals row" in issue["Problem"]
    assert "Applications" not in [s["name"] for s in applied.payload["sheets"]]


def test_an_unexpected_failure_is_a_message_not_a_traceback(monkeypatch):
    from xlar.book import excel

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(excel, "apply_plan", boom)
    book = open_book(make_payload(standard()))
    outcome = macros.post(book)
    assert outcome.exit_code == 1 and "disk on fire" in outcome.issues[0].problem
    (alert,) = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert "RuntimeError: disk on fire" in alert["args"][0]


def test_lite_scripts_run_the_macros_like_xlwings_server():
    meta = xlwings.server.custom_scripts_meta(lite)
    assert {m["function_name"] for m in meta} == {
        "xlar_post", "xlar_post_skip_errors", "xlar_apply", "xlar_unapply", "xlar_check", "xlar_import_statement",
        "xlar_match", "xlar_accept", "xlar_reconcile", "xlar_month_end", "xlar_sepa", "xlar_predict"}
    payload = make_payload(standard())
    book = open_book(payload)
    out = asyncio.run(xlwings.server.custom_scripts_call(lite, "xlar_post", typehint_to_value={xw.Book: book}))
    applied = AppliedBook(payload).apply(out.json()["actions"])
    assert sheet_dicts(applied.payload, "Journal")[0]["Status"] == "Posted"
    book.close()


def test_classic_entry_uses_the_caller(monkeypatch):
    book = open_book(make_payload(standard()))
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    assert macros.check().result == "OK"
    book.close()


def test_lite_month_end_takes_its_date_as_iso_text():
    from tests.xl.test_month_end_sepa_macros import posted

    payload = posted()
    book = open_book(payload)
    out = asyncio.run(xlwings.server.custom_scripts_call(lite, "xlar_month_end", typehint_to_value={xw.Book: book},
                                                         args=["2026-03-31", False]))
    applied = AppliedBook(payload).apply(out.json()["actions"])
    assert sheet_dicts(applied.payload, "RunLog")[-1]["Command"] == "month-end --as-of 2026-03-31"
    assert "Aging" in [s["name"] for s in applied.payload["sheets"]]
    book.close()


def test_the_cli_commands_have_a_macro_and_a_lite_script():
    from xlar.cli import app

    commands = ("post", "apply", "unapply", "check", "import-statement", "match", "accept", "reconcile",
                "month-end", "sepa", "predict")
    assert set(commands) <= {c.name or c.callback.__name__ for c in app.registered_commands}
    for command in commands:
        name = command.replace("-", "_").removesuffix("_cmd")
        assert callable(getattr(macros, name)), command
        assert hasattr(lite, f"xlar_{name}"), command
    assert not hasattr(macros, "TODO_MACROS")


@pytest.mark.parametrize("name", ["post", "post_skip_errors", "apply", "unapply", "check", "import_statement",
                                  "match", "accept", "reconcile", "month_end", "sepa", "predict"])
def test_macros_take_a_book_first(name):
    import inspect

    params = list(inspect.signature(getattr(macros, name)).parameters)
    assert params[0] == "book"

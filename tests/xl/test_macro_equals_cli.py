"""The same scenario through the macros (remote engine) and through the CLI (files) gives the same sheets."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from tests.book.builders import JOURNAL, LEDGER
from tests.xl.harness import file_sheets, payload_sheets, run_macro
from tests.xl.scenario import both
from xlar import macros
from xlar.cli import app

runner = CliRunner()
# differ by nature: when the run started and what was fingerprinted (file bytes vs cell values)
_MASKED = {"RunLog": ("Started", "Workbook Fingerprint")}


def _masked(sheets: dict[str, list[list]]) -> dict[str, list[list]]:
    out = {}
    for name, rows in sheets.items():
        cols = [i for i, h in enumerate(rows[0] if rows else []) if h in _MASKED.get(name, ())]
        out[name] = [[None if (i in cols and r) else v for i, v in enumerate(row)] for r, row in enumerate(rows)]
    return out


def _cli(path, *args):
    r = runner.invoke(app, [args[0], str(path), *args[1:]])
    assert r.exit_code in (0, 1), r.output
    return r.exit_code


_FX_RATES = [["Currency", "Starting Date", "Rate"], ["USD", date(2026, 1, 1), 0.9], ["USD", date(2026, 2, 1), 0.95]]
_BAD_JOURNAL = [JOURNAL[0], JOURNAL[1], [date(2026, 1, 12), "Payment", "PAY-2", "C20000", 500, "INV-9999"],
                ["31.01.2026", "Payment", "PAY-3", "C20000", 10, None]]
_ID_LEDGER = [LEDGER[0] + ["Applies-to ID"],
              ["C20000", date(2026, 1, 10), "Invoice", "INV-2001", 500.0, "X1"],
              ["C20000", date(2026, 1, 15), "Credit Memo", "CM-2001", -200.0, "X1"]]

SCENARIOS = {
    "post": ({}, [("post",)]),
    "post-then-post": ({}, [("post",), ("post",)]),
    "post-unapply-unapply": ({}, [("post",), ("unapply", 1), ("unapply", 1)]),
    "errors": ({"Journal": _BAD_JOURNAL}, [("post",)]),
    "skip-errors": ({"Journal": _BAD_JOURNAL}, [("post", "skip")]),
    "check": ({"Journal": _BAD_JOURNAL}, [("check",)]),
    "fx": ({"ExchangeRates": _FX_RATES,
            "Ledger": [LEDGER[0], ["C30000", date(2026, 1, 10), "Invoice", "US-1", 1000.0]],
            "Journal": [JOURNAL[0], [date(2026, 2, 5), "Payment", "PAY-US", "C30000", 1000.0, "US-1"]]},
           [("post",)]),
    "apply-by-id": ({"Ledger": _ID_LEDGER, "Journal": [JOURNAL[0]]}, [("apply", "X1")]),
    "text-stays-text": ({"Journal": [JOURNAL[0] + ["Description", "External Document No."],
                                     JOURNAL[1] + ["=1+1", "00123"]]}, [("post",)]),
}


def _macro(payload, step):
    cmd = step[0]
    if cmd == "post":
        return run_macro(payload, macros.post, skip_errors=len(step) > 1)
    if cmd == "unapply":
        return run_macro(payload, macros.unapply, application_no=step[1])
    if cmd == "apply":
        return run_macro(payload, macros.apply, applies_to_id=step[1])
    return run_macro(payload, macros.check)


def _cli_step(path, step):
    cmd = step[0]
    if cmd == "post":
        return _cli(path, "post", *(["--skip-errors"] if len(step) > 1 else []))
    if cmd == "unapply":
        return _cli(path, "unapply", "--application", str(step[1]))
    if cmd == "apply":
        return _cli(path, "apply", "--id", step[1])
    return _cli(path, "check")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_macro_and_cli_give_identical_sheets(tmp_path, name):
    sheets, steps = SCENARIOS[name]
    path, payload = both(tmp_path, **sheets)
    for step in steps:
        outcome, _, applied = _macro(payload, step)
        payload = applied.payload
        assert outcome.exit_code == _cli_step(path, step), step
    via_macro = _masked(payload_sheets(payload))
    via_cli = _masked(file_sheets(path))
    assert list(via_macro) == list(via_cli)
    assert len(via_cli["RunLog"]) == len(steps) + 1  # header + one row per run: the comparison is not empty
    for sheet in via_cli:
        assert via_macro[sheet] == via_cli[sheet], sheet


# --------------------------------------------------------------------------- bank and month end: report sheets too

def _bank_book(tmp_path):
    from tests.bank.test_workbook import CUSTOMERS, LEDGER, MAPPINGS, PROFILES, SETTINGS, TERMS
    from tests.book.builders import write_book
    from tests.xl.harness import make_payload

    sheets = {"Settings": SETTINGS, "Customers": CUSTOMERS, "PaymentTerms": TERMS, "Ledger": LEDGER,
              "BankProfiles": PROFILES, "TextToAccount": MAPPINGS}
    return write_book(tmp_path / "bank.xlsx", sheets), make_payload(sheets)


def _month_end_book(tmp_path):
    from tests.book.builders import standard, write_book
    from tests.month_end.test_cli import CUSTOMERS, FIN_TERMS, JOURNAL, LEDGER, REMINDER_TERMS
    from tests.xl.harness import make_payload

    sheets = standard(Ledger=LEDGER, Journal=JOURNAL, Customers=CUSTOMERS, ReminderTerms=REMINDER_TERMS,
                      FinanceChargeTerms=FIN_TERMS)
    return write_book(tmp_path / "me.xlsx", sheets), make_payload(sheets)


def _same(payload, path, runs):
    via_macro = _masked(payload_sheets(payload))
    via_cli = _masked(file_sheets(path))
    assert list(via_macro) == list(via_cli)
    assert len(via_cli["RunLog"]) == runs + 1
    for sheet in via_cli:
        assert via_macro[sheet] == via_cli[sheet], sheet


def test_bank_commands_give_identical_sheets(tmp_path):
    from tests.bank.samples import camt053

    path, payload = _bank_book(tmp_path)
    stmt = camt053(tmp_path / "stmt.xml")
    steps = [
        ((macros.import_statement, {"file": stmt}), ("import-statement", str(stmt))),
        ((macros.match, {}), ("match",)),
        ((macros.accept, {"min_confidence": "Medium"}), ("accept", "--min-confidence", "Medium")),
        ((macros.reconcile, {"statement_no": "STMT-1"}), ("reconcile", "--statement", "STMT-1")),
        ((macros.match, {}), ("match",)),  # the reports are rewritten, not appended
        ((macros.reconcile, {"statement_no": "STMT-1"}), ("reconcile", "--statement", "STMT-1")),
    ]
    for (macro, kwargs), cli in steps:
        outcome, _, applied = run_macro(payload, macro, **kwargs)
        payload = applied.payload
        assert outcome.exit_code == _cli(path, *cli), cli
    _same(payload, path, len(steps))
    rec = payload_sheets(payload)["BankReconciliation"]
    assert rec[9][:2] == ["Difference", -5.0]  # line 5 (interest 5.00) is not posted yet: not complete


def test_month_end_gives_identical_sheets(tmp_path):
    path, payload = _month_end_book(tmp_path)
    _, _, applied = run_macro(payload, macros.post)
    assert _cli(path, "post") == 0
    payload = applied.payload
    for as_of, issue in (("2026-03-31", False), ("2026-03-31", True), ("2026-04-30", False)):
        outcome, _, applied = run_macro(payload, macros.month_end, as_of=date.fromisoformat(as_of), issue=issue)
        payload = applied.payload
        assert outcome.exit_code == _cli(path, "month-end", "--as-of", as_of, *(["--issue"] if issue else []))
    _same(payload, path, 4)
    aging = payload_sheets(payload)["Aging"]
    assert next(r for r in aging if r[0] == "Total")[7] > 4100  # reminder fees and interest are receivables now


def test_predict_gives_identical_sheets(tmp_path):
    pytest.importorskip("sklearn")
    from tests.book.builders import write_book
    from tests.predict.test_workbook import ledger_rows
    from tests.xl.harness import make_payload

    ledger, customers = ledger_rows(1200, 15, 8)
    sheets = {"Settings": [["Setting", "Value"]], "Customers": customers, "Ledger": ledger}
    path, payload = write_book(tmp_path / "p.xlsx", sheets), make_payload(sheets)
    outcome, _, applied = run_macro(payload, macros.predict)
    assert outcome.exit_code == _cli(path, "predict") == 0
    _same(applied.payload, path, 1)
    outlook = payload_sheets(applied.payload)["Outlook"]
    head = next(i for i, r in enumerate(outlook) if r[0] == "Customer No.")
    probs = [r[7] for r in outlook[head + 1:]]
    assert probs == sorted(probs, reverse=True) and 0 < probs[-1] <= probs[0] < 1

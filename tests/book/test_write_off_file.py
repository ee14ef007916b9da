"""``xlar write-off`` on a workbook file: the rows it writes, the run after it, the reversal.

The Ledger: INV-1 (C10000) 100.00 due 2025-12-01 with 3.50 left open, PAY-7 (C20000) with -4.00
left open, INV-9 (C20000) 20.00 open. As of 2026-03-31, --max 5.00 --older-than 90D --reason
SMALLBAL writes off 3.50 (WO-1: Dr 8620 / Cr 1100) and -4.00 (WO-2: Dr 1100 / Cr 8620).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.book.builders import write_book
from xlar.book.writeoff import run_write_off
from xlar.cli import app

AS_OF = date(2026, 3, 31)


def _book(tmp_path):
    return write_book(tmp_path / "book.xlsx", {
        "Settings": [["Setting", "Value"], ["Company Currency", "EUR"], ["Write-off Account", "8690"]],
        "Customers": [["Customer No.", "Name"], ["C10000", "Adatum"], ["C20000", "Trey"]],
        "Ledger": [["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.", "Amount",
                    "Remaining Amount", "Due Date"],
                   [1, "C10000", date(2025, 12, 1), "Invoice", "INV-1", 100.0, 3.5, date(2025, 12, 1)],
                   [2, "C20000", date(2025, 12, 5), "Payment", "PAY-7", -504.0, -4.0, date(2025, 12, 5)],
                   [3, "C20000", date(2025, 11, 5), "Invoice", "INV-9", 20.0, 20.0, date(2025, 11, 5)]]})


def _sheet(p, name):
    rows = list(openpyxl.load_workbook(p)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.mark.parametrize("engine", ["parts", "openpyxl"])
def test_write_off_then_nothing_then_reverse(tmp_path, engine):
    p = _book(tmp_path)
    o = run_write_off(p, as_of=AS_OF, max_lcy=Decimal("5.00"), older_than="90D", reason="SMALLBAL", engine=engine)
    assert o.exit_code == 0 and (o.written_off, o.amount_lcy, o.new_entries, o.gl_lines) == (2, "-0.50", 2, 4)
    led = {r["Document No."]: r for r in _sheet(p, "Ledger")}
    assert (led["INV-1"]["Remaining Amount"], led["PAY-7"]["Remaining Amount"], led["INV-9"]["Remaining Amount"]) \
        == (0, 0, 20)
    assert (led["WO-1"]["Document Type"], led["WO-1"]["Amount"], led["WO-1"]["Description"]) == \
        ("Credit Memo", -3.5, "Write-off SMALLBAL: INV-1")
    assert (led["WO-2"]["Document Type"], led["WO-2"]["Amount"]) == ("Refund", 4)
    gl = [(g["Document No."], g["Account No."], g["Debit"] or 0, g["Credit"] or 0) for g in _sheet(p, "GLEntries")]
    assert gl == [("WO-1", "8690", 3.5, 0), ("WO-1", "1100", 0, 3.5), ("WO-2", "1100", 4, 0), ("WO-2", "8690", 0, 4)]
    again = run_write_off(p, as_of=AS_OF, max_lcy=Decimal("5.00"), older_than="90D", reason="SMALLBAL", engine=engine)
    assert (again.exit_code, again.result, again.new_entries) == (0, "Nothing to write off", 0)
    r = run_write_off(p, reverse="WO-1", posting_date=date(2026, 4, 1), engine=engine)
    assert r.exit_code == 0, [(i.code, i.problem) for i in r.issues]
    led = {r["Document No."]: r for r in _sheet(p, "Ledger")}
    assert (led["INV-1"]["Remaining Amount"], led["INV-1"]["Open"]) == (3.5, True)
    assert (led["WOR-1"]["Document Type"], led["WOR-1"]["Amount"], led["WOR-1"]["Open"]) == ("Invoice", 3.5, False)
    gl = [(g["Document No."], g["Account No."], g["Debit"] or 0, g["Credit"] or 0) for g in _sheet(p, "GLEntries")]
    assert gl[4:] == [("WOR-1", "1100", 3.5, 0), ("WOR-1", "8690", 0, 3.5)]
    assert sum(g[2] for g in gl) == sum(g[3] for g in gl)
    apps = _sheet(p, "Applications")
    assert [(a["Applying Document No."], a["Applied Document No."], a["Unapplied"]) for a in apps] == [
        ("WO-1", "INV-1", True), ("WO-2", "PAY-7", False), ("WO-1", "INV-1", False), ("WOR-1", "WO-1", False)]
    bad = run_write_off(p, reverse="WO-1", engine=engine)
    assert bad.exit_code == 1 and [i.code for i in bad.issues] == ["write-off-reversed"]


def test_the_command_line(tmp_path):
    p = _book(tmp_path)
    res = CliRunner().invoke(app, ["write-off", str(p), "--max", "5.00", "--older-than", "90D", "--reason", "SMALLBAL",
                                   "--as-of", "2026-03-31"])
    assert res.exit_code == 0 and "Wrote off 2 entries (-0.50 LCY)" in res.stdout, res.stdout
    res = CliRunner().invoke(app, ["write-off", str(p), "--max", "five"])
    assert res.exit_code == 2
    res = CliRunner().invoke(app, ["write-off", str(p), "--reverse", "WO-2", "--json"])
    assert res.exit_code == 0 and '"result": "Reversed WO-2"' in res.stdout

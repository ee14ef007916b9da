"""Credit limits on ``xlar post`` / ``check`` (xlar.book.credit): warning, or error holding the line.

Customers carry BC's header ``Credit Limit (LCY)`` (read as the contract's ``Credit Limit``). A has
a limit of 1,000.00 and INV-0 600.00 open; the journal invoices A 300.00 (900.00: within) and then
250.00 (1,150.00: over by 150.00), and B (no limit) 5,000.00.
"""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from tests.book.builders import write_book
from xlar.book.commands import run_file


def _book(tmp_path, check: str | None):
    settings = [["Setting", "Value"], ["Company Currency", "EUR"]]
    if check:
        settings.append(["Credit Limit Check", check])
    return write_book(tmp_path / "book.xlsx", {
        "Settings": settings,
        "Customers": [["Customer No.", "Name", "Credit Limit (LCY)"], ["A", "Adatum", 1000.0], ["B", "Trey", None]],
        "Ledger": [["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.", "Amount",
                    "Remaining Amount", "Due Date"],
                   [1, "A", date(2026, 2, 1), "Invoice", "INV-0", 600.0, 600.0, date(2026, 3, 1)]],
        "Journal": [["Line No.", "Posting Date", "Document Type", "Document No.", "Customer No.", "Amount"],
                    [10, date(2026, 3, 10), "Invoice", "INV-1", "A", 300.0],
                    [20, date(2026, 3, 12), "Invoice", "INV-2", "A", 250.0],
                    [30, date(2026, 3, 12), "Invoice", "INV-3", "B", 5000.0]]})


def _journal(p):
    ws = openpyxl.load_workbook(p)["Journal"]
    rows = list(ws.iter_rows(values_only=True))
    col = rows[0].index("Status")
    return [(r[0], r[col]) for r in rows[1:]]


@pytest.mark.parametrize("check", [None, "Warning"])
def test_over_the_limit_is_a_warning_and_posts(tmp_path, check):
    p = _book(tmp_path, check)
    o = run_file(p, "post")
    assert o.exit_code == 0 and o.lines_posted == 3
    assert [(i.sheet, i.row, i.column, i.value, i.code, i.severity.value) for i in o.issues] == [
        ("Journal", 3, "Amount", 250, "credit-limit-exceeded", "Warning")]
    assert "balance 900.00 + 250.00 = 1150.00 EUR is over the Credit Limit of 1000.00 EUR by 150.00" in \
        o.issues[0].problem


def test_over_the_limit_is_an_error_holds_the_line_and_skip_errors_posts_the_rest(tmp_path):
    p = _book(tmp_path, "Error")
    o = run_file(p, "post")
    assert o.exit_code == 1 and o.lines_posted == 0
    assert [(i.row, i.code, i.severity.value) for i in o.issues] == [(3, "credit-limit-exceeded", "Error")]
    assert _journal(p) == [(10, None), (20, "Error"), (30, None)]
    o = run_file(p, "post", skip_errors=True)
    assert o.exit_code == 0 and o.lines_posted == 2
    assert _journal(p) == [(10, "Posted"), (20, "Error"), (30, "Posted")]
    # once A pays, the invoice is within the limit and posts
    wb = openpyxl.load_workbook(p)
    wb["Journal"].append([40, date(2026, 3, 11), "Payment", "PAY-1", "A", 500.0])
    wb.save(p)
    wb = openpyxl.load_workbook(p)
    ws = wb["Journal"]
    col = [c.value for c in ws[1]].index("Status") + 1
    ws.cell(3, col).value = None
    wb.save(p)
    o = run_file(p, "post")
    assert o.exit_code == 0 and o.lines_posted == 2, [(i.code, i.problem) for i in o.issues]

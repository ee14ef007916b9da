"""Real workbooks for the book and entry tests, built with openpyxl from the contract's words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

Rows = Sequence[Sequence[object]]


class F(str):
    """A cell formula (``F("=A1*2")``); every other string is written as a text cell."""

SETTINGS: Rows = [
    ["Setting", "Value"],
    ["Company Currency", "EUR"],
    ["Application Method", "Apply to Oldest"],
]
CUSTOMERS: Rows = [
    ["Customer No.", "Name", "Currency", "Payment Terms"],
    ["C10000", "Adatum Corporation", "", "2%8D"],
    ["C20000", "Trey Research", "", "30D"],
    ["C30000", "Fabrikam USD", "USD", "30D"],
]
TERMS: Rows = [
    ["Code", "Due Date Formula", "Discount %", "Discount Date Formula"],
    ["2%8D", "1M", 2, "8D"],
    ["30D", "30D", None, None],
]
RATES: Rows = [
    ["Currency", "Starting Date", "Rate"],
    ["USD", date(2026, 1, 1), 0.9],
]
LEDGER: Rows = [
    ["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
    ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0],
    ["C20000", date(2026, 1, 10), "Invoice", "INV-1002", 500.0],
]
JOURNAL: Rows = [
    ["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Applies-to Doc. No."],
    [date(2026, 1, 12), "Payment", "PAY-1", "C10000", 980.0, "INV-1001"],
]


def standard(**override: Rows | None) -> dict[str, Rows]:
    sheets: dict[str, Rows | None] = {
        "Settings": SETTINGS, "Customers": CUSTOMERS, "PaymentTerms": TERMS, "ExchangeRates": RATES,
        "Ledger": LEDGER, "Journal": JOURNAL,
    }
    sheets.update(override)
    return {k: v for k, v in sheets.items() if v is not None}


def write_book(path: Path, sheets: dict[str, Rows], *, tables: dict[str, str] | None = None,
               anchors: dict[str, tuple[int, int]] | None = None) -> Path:
    """Write ``sheets`` (name -> rows, header first). ``tables``: sheet -> Excel table name;
    ``anchors``: sheet -> (row, col) of the header's first cell (default A1)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        r0, c0 = (anchors or {}).get(name, (1, 1))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    cell = ws.cell(r0 + i, c0 + j, v)
                    if isinstance(v, str) and not isinstance(v, F):
                        cell.data_type = "s"
        if tables and name in tables:
            width = max(len(r) for r in rows)
            ref = f"{get_column_letter(c0)}{r0}:{get_column_letter(c0 + width - 1)}{r0 + max(len(rows) - 1, 1)}"
            t = Table(displayName=tables[name], ref=ref)
            t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            ws.add_table(t)
    wb.save(path)
    return path


def read_sheet(path: Path, name: str, *, header_row: int = 1, first_col: int = 1) -> list[dict[str, object]]:
    """Rows of a sheet as dicts keyed by header (values as openpyxl reads them)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[name]
    headers = [c.value for c in ws[header_row]][first_col - 1:]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1, min_col=first_col, values_only=True):
        if all(v is None for v in row):
            continue
        out.append({h: v for h, v in zip(headers, row) if h is not None})
    return out

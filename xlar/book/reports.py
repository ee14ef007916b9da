"""Report tables (``xlar.core.tables``) onto worksheets: rewritten whole, formatted, frozen, charted.

A report sheet belongs to the command that writes it: the sheet is replaced at the
same position in the workbook (users keep their notes on other sheets). Money cells
get the number format of their currency, dates ``yyyy-mm-dd``, fractions a percent
format; title, heading, total and warning rows get a style; the rows above the first
section stay frozen; a table with a ``chart`` gets a bar chart of that row.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from xlar.book.files import find_sheet
from xlar.book.plan import DATE_FORMAT, money_format
from xlar.core.tables import Cell, CellKind, Emphasis, Table

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=12)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WARN_FILL = PatternFill("solid", fgColor="F8CBAD")
_OK_FILL = PatternFill("solid", fgColor="C6EFCE")
_TOP = Border(top=Side(style="thin"))
_NOTE = Font(italic=True, color="595959")


def render(wb: Workbook, table: Table, *, exps: dict[str, int] | None = None) -> None:
    """Replace (or create) the sheet ``table.name`` with the table."""
    old = find_sheet(wb, table.name)
    pos = None
    if old is not None:
        pos = wb.worksheets.index(old)
        wb.remove(old)
    ws = wb.create_sheet(table.name, pos)
    widths: dict[int, int] = {}
    fmt_cache: dict[str, str] = {}
    for r, row in enumerate(table.rows, start=1):
        for c, cell in enumerate(row.cells, start=1):
            if cell.__class__ is not Cell:
                if cell is None or cell == "":
                    continue
                cell = Cell(cell)
            v = cell.value
            if v is None or v == "":
                continue
            if isinstance(v, Decimal):
                v = float(str(v))
            target = ws.cell(r, c, v)
            if isinstance(v, str):
                target.data_type = "s"  # text stays text, never a formula
            kind = cell.kind
            if kind is CellKind.MONEY:
                f = fmt_cache.get(cell.currency)
                if f is None:
                    f = fmt_cache[cell.currency] = money_format(cell.currency, exps)
                target.number_format = f
            elif kind is CellKind.DATE:
                target.number_format = DATE_FORMAT
            elif kind is CellKind.PCT:
                target.number_format = "0.0%"
            elif kind is CellKind.NUMBER:
                target.number_format = "0.0"
            if row.emphasis is not Emphasis.NONE:
                _style(target, row.emphasis)
            if r <= 5000:  # widths from the first rows are enough
                n = min(len(str(cell.value)) + 2, 60) if kind is CellKind.TEXT else 14
                if kind is CellKind.TEXT and row.emphasis in (Emphasis.TITLE, Emphasis.NOTE) and c == 1:
                    n = 14
                widths[c] = max(widths.get(c, 10), n)
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w
    if table.header_rows:
        ws.freeze_panes = ws.cell(table.header_rows + 1, 1)
    if table.chart is not None:
        head, values, first, count, title = table.chart
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.legend = None
        data = Reference(ws, min_col=first, max_col=first + count - 1, min_row=values, max_row=values)
        cats = Reference(ws, min_col=first, max_col=first + count - 1, min_row=head, max_row=head)
        chart.add_data(data, from_rows=True, titles_from_data=False)
        chart.set_categories(cats)
        chart.height, chart.width = 7.5, 16
        ws.add_chart(chart, f"{get_column_letter(first + count + 3)}3")


def _style(cell: object, emphasis: Emphasis) -> None:
    if emphasis is Emphasis.TITLE:
        cell.font = _TITLE  # type: ignore[attr-defined]
    elif emphasis is Emphasis.HEADER:
        cell.font = _BOLD  # type: ignore[attr-defined]
        cell.fill = _HEAD_FILL  # type: ignore[attr-defined]
    elif emphasis is Emphasis.TOTAL:
        cell.font = _BOLD  # type: ignore[attr-defined]
        cell.border = _TOP  # type: ignore[attr-defined]
    elif emphasis is Emphasis.WARNING:
        cell.fill = _WARN_FILL  # type: ignore[attr-defined]
        cell.font = _BOLD  # type: ignore[attr-defined]
    elif emphasis is Emphasis.OK:
        cell.fill = _OK_FILL  # type: ignore[attr-defined]
    elif emphasis is Emphasis.NOTE:
        cell.font = _NOTE  # type: ignore[attr-defined]

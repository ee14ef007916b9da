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
from xlar.book.plan import KIND_FORMAT, LOOKS, WIDTH_ROWS, money_format, report_width
from xlar.core.tables import Cell, CellKind, Emphasis, Table

#: emphasis -> (font, fill, border) as openpyxl objects, from ``plan.LOOKS`` (None: left alone)
_STYLES = {
    e: (Font(bold=lk.bold, italic=lk.italic, size=lk.size, color=lk.color)
        if lk.bold or lk.italic or lk.size or lk.color else None,
        PatternFill("solid", fgColor=lk.fill) if lk.fill else None,
        Border(top=Side(style="thin")) if lk.top_border else None)
    for e, lk in LOOKS.items()
}


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
            elif kind in KIND_FORMAT:
                target.number_format = KIND_FORMAT[kind]
            if row.emphasis is not Emphasis.NONE:
                _style(target, row.emphasis)
            if r <= WIDTH_ROWS:
                widths[c] = max(widths.get(c, 10), report_width(kind, row.emphasis, c, cell.value))
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
    font, fill, border = _STYLES[emphasis]
    if font is not None:
        cell.font = font  # type: ignore[attr-defined]
    if fill is not None:
        cell.fill = fill  # type: ignore[attr-defined]
    if border is not None:
        cell.border = border  # type: ignore[attr-defined]

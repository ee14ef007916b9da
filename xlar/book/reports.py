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
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from xlar.book.files import find_sheet
from xlar.book.plan import (
    KIND_FORMAT,
    LOOKS,
    MAX_WIDTH,
    MIN_WIDTH,
    ROW_HEIGHT,
    WIDTH_ROWS,
    PageSetup,
    is_xlar_setup,
    money_format,
    page_setup,
    report_width,
    wrapped_lines,
)
from xlar.core.tables import Cell, CellKind, Emphasis, Table

#: emphasis -> (font, fill, border) as openpyxl objects, from ``plan.LOOKS`` (None: left alone)
_STYLES = {
    e: (Font(bold=lk.bold, italic=lk.italic, size=lk.size, color=lk.color)
        if lk.bold or lk.italic or lk.size or lk.color else None,
        PatternFill("solid", fgColor=lk.fill) if lk.fill else None,
        Border(top=Side(style="thin")) if lk.top_border else None)
    for e, lk in LOOKS.items()
}


_WRAP = Alignment(wrap_text=True)


def render(wb: Workbook, table: Table, *, exps: dict[str, int] | None = None, company: str = "") -> None:
    """Replace (or create) the sheet ``table.name`` with the table."""
    old = find_sheet(wb, table.name)
    pos = None
    if old is not None:
        pos = wb.worksheets.index(old)
        wb.remove(old)
    ws = wb.create_sheet(table.name, pos)
    if old is not None and users_layout(old):
        copy_layout(old, ws)
        old = None
    else:
        old = False  # xlar's page setup below
    widths: dict[int, int] = {}
    fmt_cache: dict[str, str] = {}
    max_col = 0
    for r, row in enumerate(table.rows, start=1):
        ends = 0
        if row.emphasis is Emphasis.TITLE or row.emphasis is Emphasis.NOTE:
            ends = max((c for c, v in enumerate(row.cells, start=1)
                        if (v.value if v.__class__ is Cell else v) not in (None, "")), default=0)
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
            max_col = max(max_col, c)
            if isinstance(v, str):
                target.data_type = "s"  # text stays text, never a formula
                if len(v) > MAX_WIDTH and not ends:  # longer than its column can be: wrapped in it
                    target.alignment = _WRAP
                    lines = wrapped_lines(v)
                    if lines * ROW_HEIGHT > (ws.row_dimensions[r].height or ROW_HEIGHT):
                        ws.row_dimensions[r].height = lines * ROW_HEIGHT
            kind = cell.kind
            f = None
            if kind is CellKind.MONEY:
                f = fmt_cache.get(cell.currency)
                if f is None:
                    f = fmt_cache[cell.currency] = money_format(cell.currency, exps)
                target.number_format = f
            elif kind in KIND_FORMAT:
                f = target.number_format = KIND_FORMAT[kind]
            if row.emphasis is not Emphasis.NONE:
                _style(target, row.emphasis)
            if r <= WIDTH_ROWS:
                n = report_width(kind, row.emphasis, c, cell.value, f, last=c == ends)
                if n or c in widths:
                    widths[c] = max(widths.get(c, MIN_WIDTH), n)
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w
    if table.header_rows:
        ws.freeze_panes = ws.cell(table.header_rows + 1, 1)
    if old is False:
        apply_layout(ws, page_setup(table.name, widths, max_col, table.header_rows, company))
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
        if table.chart_at is not None:
            row, col, rows = table.chart_at
            last = max(widths, default=col)
            chart.width = sum((widths.get(c, MIN_WIDTH) * 7 + 5) for c in range(col, last + 1)) / 96 * 2.54
            chart.height = rows * 20 / 96 * 2.54
            ws.add_chart(chart, f"{get_column_letter(col)}{row}")
        else:  # beside the table: two columns right of its last one
            chart.height, chart.width = 7.5, 16
            ws.add_chart(chart, f"{get_column_letter(max(widths, default=1) + 2)}3")


# --------------------------------------------------------------------------- page setup (openpyxl)

def users_layout(ws: object) -> bool:
    """Whether an openpyxl sheet has a page setup its user made (see ``plan.is_xlar_setup``)."""
    ps = ws.page_setup  # type: ignore[attr-defined]
    has = any(getattr(ps, a, None) not in (None, "default") for a in ("orientation", "scale", "fitToWidth",
                                                                        "fitToHeight"))
    return not is_xlar_setup(str(ws.oddHeader or ""), str(ws.oddFooter or ""), has)  # type: ignore[attr-defined]


def apply_layout(ws: object, ps: PageSetup) -> None:
    """xlar's page setup on an openpyxl sheet: fit to one page wide, print titles, header and footer."""
    w = ws  # type: ignore[assignment]
    w.page_setup.orientation = "landscape" if ps.landscape else "portrait"  # type: ignore[attr-defined]
    w.page_setup.fitToWidth = 1  # type: ignore[attr-defined]
    w.page_setup.fitToHeight = 0  # type: ignore[attr-defined]
    w.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[attr-defined]
    w.page_margins.left = w.page_margins.right = 0.5  # type: ignore[attr-defined]
    if ps.title_rows:
        w.print_title_rows = f"1:{ps.title_rows}"  # type: ignore[attr-defined]
    left, _, right = ps.header.partition("&R")
    w.oddHeader.left.text = left.removeprefix("&L") or None  # type: ignore[attr-defined]
    w.oddHeader.right.text = right or None  # type: ignore[attr-defined]
    w.oddFooter.center.text = ps.footer.removeprefix("&C")  # type: ignore[attr-defined]


def copy_layout(old: object, ws: object) -> None:
    """The user's page setup of the sheet a report replaces, onto the new sheet."""
    import copy

    for attr in ("page_setup", "print_options", "page_margins", "HeaderFooter"):
        setattr(ws, attr, copy.copy(getattr(old, attr)))
    ws.sheet_properties.pageSetUpPr = copy.copy(old.sheet_properties.pageSetUpPr)  # type: ignore[attr-defined]
    if old.print_title_rows:  # type: ignore[attr-defined]
        ws.print_title_rows = old.print_title_rows  # type: ignore[attr-defined]


def _style(cell: object, emphasis: Emphasis) -> None:
    font, fill, border = _STYLES[emphasis]
    if font is not None:
        cell.font = font  # type: ignore[attr-defined]
    if fill is not None:
        cell.fill = fill  # type: ignore[attr-defined]
    if border is not None:
        cell.border = border  # type: ignore[attr-defined]

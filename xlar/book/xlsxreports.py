"""Report sheets (``xlar.core.tables.Table``) for the zip-part writer: sheet XML written directly.

:func:`write_reports` is called by :func:`xlar.book.xlsxparts.build` for ``plan.reports``.
It renders each table as it :func:`xlar.book.reports.render` does with openpyxl (same
values, number formats, emphasis styles, column widths, frozen header rows, bar chart),
but as bytes: no object per cell, so a 100k-row Aging or Statements report costs a
second or two instead of a minute.

- An existing sheet of the table's name keeps its part, its position, its name and its
  ``<sheet>`` entry in workbook.xml (defined names pointing at it stay valid). Everything
  only that sheet referenced (drawings, charts, images, tables, comments) is dropped from
  the package with its rels and content-type overrides; a part another part still
  references (an image used twice, a pivot cache) is kept.
- A missing sheet is added at the end (``xlsxparts._add_sheet``).
- Strings are inline strings (never a formula); numbers are written from their decimal
  text; dates are serials with the date format.
- Styles: fonts (bold, italic, size 12), fills, a top border and number formats are added
  to styles.xml when missing; an existing identical font/fill/border/xf is reused.
- A table with ``chart`` gets a drawing part and a clustered column chart part (with
  cached values, so the chart shows before any recalculation).
"""

from __future__ import annotations

import copy
import math
import posixpath
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from lxml import etree

from xlar.book import pages
from xlar.book import xlsxparts as X
from xlar.book.plan import (
    KIND_FORMAT,
    LOOKS,
    MAX_WIDTH,
    MIN_WIDTH,
    ROW_HEIGHT,
    WIDTH_ROWS,
    PageSetup,
    money_format,
    page_setup,
    report_width,
    wrapped_lines,
)
from xlar.core.tables import Cell, CellKind, Emphasis, Table

DRAWING_REL = X.RNS + "/drawing"
CHART_REL = X.RNS + "/chart"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"

#: the number formats openpyxl gives a date / datetime written without one (``reports.render`` relies on them)
_AUTO_DATE = "yyyy-mm-dd"
_AUTO_DATETIME = "yyyy-mm-dd h:mm:ss"
_ORD_1900 = date(1899, 12, 30).toordinal()
_ORD_1904 = date(1904, 1, 1).toordinal()


# --------------------------------------------------------------------------- styles

def _sig(el: etree._Element) -> tuple:
    """A comparable form of a style element (tag, attributes, children), whatever its namespaces."""
    return (etree.QName(el).localname, tuple(sorted(el.attrib.items())),
            tuple(_sig(c) for c in el if isinstance(c.tag, str)))


def _el(tag: str, **attrs: str) -> etree._Element:
    e = etree.Element(f"{{{X.NS}}}{tag}")
    for k, v in attrs.items():
        e.set(k, v)
    return e


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, f"{{{X.NS}}}{tag}")
    for k, v in attrs.items():
        e.set(k, v)
    return e


#: emphasis -> (bold, italic, size, font colour, fill colour, top border), from ``plan.LOOKS``
_LOOK: dict[Emphasis, tuple[bool, bool, str | None, str | None, str | None, bool]] = {
    e: (lk.bold, lk.italic, str(lk.size) if lk.size else None, lk.color, lk.fill, lk.top_border)
    for e, lk in LOOKS.items()
}


class ReportStyles:
    """Cell styles for report cells on top of ``xlsxparts._Styles`` (which owns styles.xml)."""

    def __init__(self, styles: X._Styles) -> None:
        self.styles = styles
        self.by_emphasis: dict[Emphasis, dict[str | None, str]] = {e: {} for e in Emphasis}
        self.wrapped: dict[Emphasis, str] = {}

    def attr(self, fmt: str | None, emphasis: Emphasis) -> str:
        """`` s="N"`` (or nothing for the default style) for a number format and an emphasis."""
        known = self.by_emphasis[emphasis]
        hit = known.get(fmt)
        if hit is None:
            n = self._xf(fmt, emphasis)
            hit = known[fmt] = f' s="{n}"' if n else ""
        return hit

    def wrap_attr(self, emphasis: Emphasis) -> str:
        """The style of a text cell of ``emphasis`` wrapped within its column."""
        hit = self.wrapped.get(emphasis)
        if hit is None:
            root = self.styles._load()
            xfs = root.find(f"{{{X.NS}}}cellXfs")
            if xfs is None or len(xfs) == 0:
                raise X.Unsupported("styles.xml without cellXfs")
            base = self.attr(None, emphasis)
            n = int(base.split('"')[1]) if base else 0
            new = copy.deepcopy(xfs[n])
            for a in new.findall(f"{{{X.NS}}}alignment"):
                new.remove(a)
            al = _el("alignment", wrapText="1")
            new.insert(0, al)
            new.set("applyAlignment", "1")
            hit = self.wrapped[emphasis] = f' s="{self._add("cellXfs", new)}"'
        return hit

    def _xf(self, fmt: str | None, emphasis: Emphasis) -> int:
        if emphasis is Emphasis.NONE:
            return self.styles.style(0, fmt) if fmt else 0
        root = self.styles._load()
        xfs = root.find(f"{{{X.NS}}}cellXfs")
        if xfs is None or len(xfs) == 0:
            raise X.Unsupported("styles.xml without cellXfs")
        bold, italic, size, color, fill, top = _LOOK[emphasis]
        new = copy.deepcopy(xfs[0])
        new.set("numFmtId", str(self.styles._fmt_id(fmt)) if fmt else "0")
        if fmt:
            new.set("applyNumberFormat", "1")
        new.set("fontId", str(self._font(bold, italic, size, color)))
        new.set("applyFont", "1")
        if fill:
            new.set("fillId", str(self._add("fills", self._fill(fill))))
            new.set("applyFill", "1")
        else:
            new.set("fillId", "0")
        if top:
            border = _el("border")
            _sub(border, "left")
            _sub(border, "right")
            _sub(_sub(border, "top", style="thin"), "color", indexed="64")
            _sub(border, "bottom")
            _sub(border, "diagonal")
            new.set("borderId", str(self._add("borders", border)))
            new.set("applyBorder", "1")
        else:
            new.set("borderId", "0")
        return self._add("cellXfs", new)

    def _font(self, bold: bool, italic: bool, size: str | None, color: str | None) -> int:
        root = self.styles._load()
        fonts = root.find(f"{{{X.NS}}}fonts")
        if fonts is None or len(fonts) == 0:
            raise X.Unsupported("styles.xml without fonts")
        base = {etree.QName(c).localname: c for c in fonts[0] if isinstance(c.tag, str)}
        f = _el("font")
        if bold:
            _sub(f, "b")
        if italic:
            _sub(f, "i")
        if size or "sz" in base:
            _sub(f, "sz", val=size or base["sz"].get("val", "11"))
        if color:
            _sub(f, "color", rgb="FF" + color)
        elif "color" in base:
            f.append(copy.deepcopy(base["color"]))
        for tag in ("name", "family", "charset", "scheme"):
            if tag in base:
                f.append(copy.deepcopy(base[tag]))
        return self._add("fonts", f)

    @staticmethod
    def _fill(rgb: str) -> etree._Element:
        fill = _el("fill")
        pf = _sub(fill, "patternFill", patternType="solid")
        _sub(pf, "fgColor", rgb="FF" + rgb)
        _sub(pf, "bgColor", indexed="64")
        return fill

    def _add(self, collection: str, el: etree._Element) -> int:
        """Index of an element equal to ``el`` in ``collection`` (fonts, fills, borders, cellXfs); added if none."""
        root = self.styles._load()
        parent = root.find(f"{{{X.NS}}}{collection}")
        if parent is None:
            raise X.Unsupported(f"styles.xml without {collection}")
        want = _sig(el)
        items = [c for c in parent if isinstance(c.tag, str)]
        for i, c in enumerate(items):
            if _sig(c) == want:
                return i
        parent.append(el)
        parent.set("count", str(len(items) + 1))
        self.styles.changed = True
        return len(items)


# --------------------------------------------------------------------------- the sheet

def _text_xml(ref: str, s: str, text: str) -> str:
    if not text.isprintable():
        text = X.ILLEGAL_CHARACTERS.sub("", text)
    sp = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() or "\n" in text else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{sp}>{escape(text)}</t></is></c>'


def _decimal_text(v: Decimal) -> str:
    if not v.is_finite():
        raise X.Unsupported("NaN/infinite amount in a report")
    if v == 0:
        return "0"  # never a negative zero
    t = str(v)
    return t if "E" not in t else repr(float(t))


def _float_text(v: float) -> str:
    if not math.isfinite(v):
        raise X.Unsupported("NaN/inf in a report")
    return "0" if v == 0 else repr(v)


def sheet_xml(table: Table, rs: ReportStyles, exps: dict[str, int] | None, date1904: bool, *,
              has_drawing: bool = False, selected: bool = False, company: str = "",
              kept: tuple[bytes, bytes] | None = None, widths_out: dict[int, int] | None = None) -> bytes:
    """The worksheet part of ``table``: cells, column widths, frozen rows, page setup, a drawing reference.

    ``kept``: the user's own page setup of the sheet replaced (its sheetPr and the layout elements
    after sheetData), written instead of xlar's. ``widths_out`` receives the column widths."""
    origin = _ORD_1904 if date1904 else _ORD_1900
    money_fmts: dict[str, str] = {}
    widths: dict[int, int] = {}
    letters: list[str] = [""]
    rows: list[str] = []
    max_col = 0
    last_row = 0
    TEXT, MONEY = CellKind.TEXT, CellKind.MONEY
    for r, row in enumerate(table.rows, start=1):
        cells = row.cells
        if not cells:
            continue
        emphasis = row.emphasis
        known = rs.by_emphasis[emphasis]
        rtxt = str(r)
        out: list[str] = []
        last_c = 0
        wide = r <= WIDTH_ROWS
        ends = _last_text(cells) if emphasis is Emphasis.TITLE or emphasis is Emphasis.NOTE else 0
        lines = 1
        for c, cell in enumerate(cells, start=1):
            if cell.__class__ is not Cell:
                if cell is None or cell == "":
                    continue
                cell = Cell(cell)
            v = cell.value
            if v is None or v == "":
                continue
            kind = cell.kind
            if kind is TEXT:
                fmt = None
            elif kind is MONEY:
                fmt = money_fmts.get(cell.currency)
                if fmt is None:
                    fmt = money_fmts[cell.currency] = money_format(cell.currency, exps)
            else:
                fmt = KIND_FORMAT.get(kind)
            while c >= len(letters):
                letters.append(X.col_letter(len(letters)))
            ref = letters[c] + rtxt
            t = v.__class__
            if t is date:
                fmt = fmt or _AUTO_DATE
            st = known.get(fmt)
            if st is None:
                st = rs.attr(fmt, emphasis)
            if t is str:
                if len(v) > MAX_WIDTH and not ends:  # longer than its column can be: wrapped in it
                    st = rs.wrap_attr(emphasis)
                    lines = max(lines, wrapped_lines(v))
                if v.isprintable() and v[0] != " " and v[-1] != " ":  # most text: no escaping of spaces
                    if "&" in v or "<" in v or ">" in v:
                        v = escape(v)
                    out.append(f'<c r="{ref}"{st} t="inlineStr"><is><t>{v}</t></is></c>')
                else:
                    out.append(_text_xml(ref, st, v))
                v = cell.value
            elif t is Decimal:
                d = str(v)
                if "E" in d or not d[-1].isdigit() or not d.strip("-0."):  # exponent, NaN/inf, a (negative) zero
                    d = _decimal_text(v)
                out.append(f'<c r="{ref}"{st}><v>{d}</v></c>')
            elif t is int:
                out.append(f'<c r="{ref}"{st}><v>{v}</v></c>')
            elif t is float:
                out.append(f'<c r="{ref}"{st}><v>{_float_text(v)}</v></c>')
            elif t is date:
                out.append(f'<c r="{ref}"{st}><v>{v.toordinal() - origin}</v></c>')
            elif t is bool:
                out.append(f'<c r="{ref}"{st} t="b"><v>{int(v)}</v></c>')
            else:
                out.append(_other(ref, v, fmt, emphasis, rs, origin))
            last_c = c
            if wide:
                n = report_width(kind, emphasis, c, v, fmt, last=c == ends)
                if n > widths.get(c, MIN_WIDTH):
                    widths[c] = n
                elif c not in widths and n:
                    widths[c] = MIN_WIDTH
        if out:
            last_row = r
            max_col = max(max_col, last_c)
            ht = f' ht="{ROW_HEIGHT * lines}" customHeight="1"' if lines > 1 else ""  # wrapped text: rows it takes
            rows.append(f'<row r="{rtxt}"{ht}>' + "".join(out) + "</row>")
    dim = f"A1:{X.col_letter(max_col)}{last_row}" if last_row else "A1"
    if widths_out is not None:
        widths_out.update(widths)
    if kept is not None:
        sheet_pr, layout = kept
    else:
        sheet_pr = pages.SHEET_PR
        layout = pages.layout_xml(report_setup(table, widths, max_col, company))
    head = [(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{X.NS}" '
             f'xmlns:r="{X.RNS}">{sheet_pr.decode("utf-8")}<dimension ref="{dim}"/>')]
    sel = ' tabSelected="1"' if selected else ""
    if table.header_rows:
        top = f"A{table.header_rows + 1}"
        head.append(f'<sheetViews><sheetView{sel} workbookViewId="0"><pane ySplit="{table.header_rows}" '
                    f'topLeftCell="{top}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                    f'activeCell="{top}" sqref="{top}"/></sheetView></sheetViews>')
    else:
        head.append(f'<sheetViews><sheetView{sel} workbookViewId="0"/></sheetViews>')
    head.append('<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        head.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                                       for c, w in sorted(widths.items())) + "</cols>")
    tail = ("</sheetData>" + layout.decode("utf-8") + ('<drawing r:id="rId1"/>' if has_drawing else "")
            + "</worksheet>")
    return ("".join(head) + "<sheetData>" + "".join(rows) + tail).encode("utf-8")


def _last_text(cells: tuple) -> int:
    """Column of the last non-blank cell of a row (0: none)."""
    for c in range(len(cells), 0, -1):
        v = cells[c - 1]
        v = v.value if v.__class__ is Cell else v
        if v is not None and v != "":
            return c
    return 0


def report_setup(table: Table, widths: dict[int, int], max_col: int, company: str) -> PageSetup:
    """A report's page setup: its frozen heading rows repeat on every page."""
    return page_setup(table.name, widths, max_col, table.header_rows, company)


def kept_layout(old: bytes) -> tuple[bytes, bytes] | None:
    """The user's page setup of a sheet's XML (its sheetPr and the layout elements after sheetData), or
    None when the sheet has none of its own (xlar's or the default)."""
    end = old.find(b"<sheetData")
    close = old.rfind(b"</sheetData>")
    head = old[:end] if end >= 0 else old
    tail = old[close:] if close >= 0 else b""
    if not pages.users_layout(head, tail):
        return None
    pr = pages._EL[b"sheetPr"].search(head)
    parts = [m.group(0) for t in pages._LAYOUT for m in [pages._EL[t].search(tail)] if m is not None]
    if any(re.search(rb"\br:id=", p) for p in parts):  # a printer settings part: not carried over
        parts = [re.sub(rb'\sr:id="[^"]*"', b"", p) for p in parts]
    return (pr.group(0) if pr is not None else b""), b"".join(parts)


def _other(ref: str, v: object, fmt: str | None, emphasis: Emphasis, rs: ReportStyles, origin: int) -> str:
    """Cells of a less common type: datetimes, str/int/float subclasses (enums), booleans."""
    if isinstance(v, datetime):
        d = v.toordinal() - origin
        secs = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
        serial = str(d) if not secs else repr(d + secs / 86400)
        return f'<c r="{ref}"{rs.attr(fmt or _AUTO_DATETIME, emphasis)}><v>{serial}</v></c>'
    if isinstance(v, date):
        return f'<c r="{ref}"{rs.attr(fmt or _AUTO_DATE, emphasis)}><v>{v.toordinal() - origin}</v></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}"{rs.attr(fmt, emphasis)} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, str):
        return _text_xml(ref, rs.attr(fmt, emphasis), str.__str__(v))
    if isinstance(v, int):
        return f'<c r="{ref}"{rs.attr(fmt, emphasis)}><v>{int(v)}</v></c>'
    if isinstance(v, float):
        return f'<c r="{ref}"{rs.attr(fmt, emphasis)}><v>{_float_text(float(v))}</v></c>'
    raise X.Unsupported(f"report value of type {type(v).__name__}")


# --------------------------------------------------------------------------- the chart

def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _chart_value(cell: object) -> str | None:
    v = cell.value if cell.__class__ is Cell else cell  # type: ignore[attr-defined]
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, Decimal):
        return _decimal_text(v) if v.is_finite() else None
    if isinstance(v, (int, float)):
        return _float_text(float(v)) if math.isfinite(v) else None
    return None


def chart_place(table: Table, widths: dict[int, int]) -> tuple[int, int, int, int]:
    """(column, row, width, height) of the chart, 0-based cell and EMU: at ``table.chart_at`` as wide as the
    table from there, else beside the table (two columns right of its last one), 16 x 7.5 cm."""
    last = max(widths, default=1)
    if table.chart_at is not None:
        row, col, rows = table.chart_at
        px = sum(int(widths.get(c, MIN_WIDTH) * 7 + 5) for c in range(col, last + 1))
        return col - 1, row - 1, px * 9525, rows * 20 * 9525
    return last + 1, 2, 5760000, 2700000


def chart_parts(table: Table, sheet: str, widths: dict[int, int] | None = None) -> tuple[bytes, bytes]:
    """(drawing XML, chart XML) of ``table.chart``: a clustered column chart of one row, as reports.render."""
    assert table.chart is not None
    at_col, at_row, cx, cy = chart_place(table, widths or {})
    head, values, first, count, title = table.chart
    last = first + count - 1

    def block(row: int) -> list[object]:
        cells = table.rows[row - 1].cells if 0 < row <= len(table.rows) else ()
        return [cells[c - 1] if c - 1 < len(cells) else None for c in range(first, last + 1)]

    span = f"${X.col_letter(first)}${{r}}:${X.col_letter(last)}${{r}}"
    cat_ref = escape(_quote(sheet) + "!" + span.format(r=head))
    val_ref = escape(_quote(sheet) + "!" + span.format(r=values))
    cats = []
    for i, c in enumerate(block(head)):
        v = c.value if c.__class__ is Cell else c  # type: ignore[attr-defined]
        if v not in (None, ""):
            cats.append(f'<c:pt idx="{i}"><c:v>{escape(str(v))}</c:v></c:pt>')
    nums = []
    for i, c in enumerate(block(values)):
        n = _chart_value(c)
        if n is not None:
            nums.append(f'<c:pt idx="{i}"><c:v>{n}</c:v></c:pt>')
    chart = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace xmlns:c="{C_NS}" '
        f'xmlns:a="{A_NS}" xmlns:r="{X.RNS}"><c:roundedCorners val="0"/><c:chart>'
        f'<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:t>{escape(title)}</a:t></a:r>'
        f'</a:p></c:rich></c:tx><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        f'<c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
        f'<c:varyColors val="0"/><c:ser><c:idx val="0"/><c:order val="0"/><c:invertIfNegative val="0"/>'
        f'<c:cat><c:strRef><c:f>{cat_ref}</c:f><c:strCache><c:ptCount val="{count}"/>{"".join(cats)}'
        f'</c:strCache></c:strRef></c:cat>'
        f'<c:val><c:numRef><c:f>{val_ref}</c:f><c:numCache><c:formatCode>General</c:formatCode>'
        f'<c:ptCount val="{count}"/>{"".join(nums)}</c:numCache></c:numRef></c:val></c:ser>'
        f'<c:gapWidth val="150"/><c:axId val="10"/><c:axId val="100"/></c:barChart>'
        f'<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="100"/>'
        f'<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        f'<c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        f'<c:axPos val="l"/><c:majorGridlines/><c:numFmt formatCode="General" sourceLinked="1"/>'
        f'<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'<c:crossAx val="10"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
        f'</c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>')
    # anchored like reports.render (chart_place)
    drawing = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="{XDR_NS}" '
        f'xmlns:a="{A_NS}"><xdr:oneCellAnchor><xdr:from><xdr:col>{at_col}</xdr:col>'
        f'<xdr:colOff>0</xdr:colOff><xdr:row>{at_row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
        f'<xdr:ext cx="{cx}" cy="{cy}"/><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
        f'<xdr:cNvPr id="2" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
        f'<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
        f'<a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" xmlns:r="{X.RNS}" r:id="rId1"/>'
        f'</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>')
    return drawing.encode("utf-8"), chart.encode("utf-8")


def _rels_xml(rel_type: str, target: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{X.PKG_RELS}">'
            f'<Relationship Id="rId1" Type="{rel_type}" Target="{escape(target)}"/></Relationships>').encode()


# --------------------------------------------------------------------------- the package

class _Parts:
    """The package as the writer will leave it: which parts exist and what each references."""

    def __init__(self, z: zipfile.ZipFile, pkg: X._Package, names: set[str]) -> None:
        self.z, self.pkg, self.names = z, pkg, names
        self.refs: dict[str, set[str]] = {}
        for name in names | set(pkg.added):
            if name.endswith(".rels") and "/_rels/" in "/" + name:
                self._load(name)

    def data(self, name: str) -> bytes | None:
        if name in self.pkg.changed:
            return self.pkg.changed[name]
        return self.z.read(name) if name in self.names else None

    def _load(self, rels: str) -> None:
        d, n = posixpath.split(rels)
        src = posixpath.join(posixpath.dirname(d), n[:-len(".rels")])
        data = self.data(rels)
        if data is None:
            self.refs.pop(src, None)
            return
        root = X._parse_small(data, rels)
        base = posixpath.dirname(src)
        self.refs[src] = {X._resolve(base, r.get("Target", "")) for r in root
                          if r.get("TargetMode") != "External"}

    def reload(self, rels: str) -> None:
        self._load(rels)

    def exists(self, name: str) -> bool:
        return self.data(name) is not None

    def taken(self, name: str) -> bool:
        return name in self.names or name in self.pkg.changed or name in self.pkg.added

    def only_under(self, part: str) -> set[str]:
        """Parts reachable from ``part`` that nothing outside that subtree references."""
        under: set[str] = set()
        todo = [part]
        while todo:
            for t in self.refs.get(todo.pop(), ()):
                if t not in under and t != part:
                    under.add(t)
                    todo.append(t)
        changed = True
        while changed:
            changed = False
            for src, targets in self.refs.items():
                if src == part or src in under:
                    continue
                for t in targets & under:
                    under.discard(t)
                    changed = True
        return {p for p in under if self.exists(p)}

    def put(self, name: str, data: bytes | None) -> None:
        if name in self.names:
            self.pkg.changed[name] = data
        elif data is None:
            self.pkg.changed.pop(name, None)
            if name in self.pkg.added:
                self.pkg.added.remove(name)
        else:
            self.pkg.changed[name] = data
            if name not in self.pkg.added:
                self.pkg.added.append(name)
        if name.endswith(".rels"):
            self._load(name)

    def free(self, folder: str, stem: str) -> str:
        n = 1
        while self.taken(posixpath.join(folder, f"{stem}{n}.xml")):
            n += 1
        return posixpath.join(folder, f"{stem}{n}.xml")


def write_reports(z: zipfile.ZipFile, book: X.PartsBook, pkg: X._Package, wb_root: etree._Element,
                  wb_rels_path: str, names: set[str], styles: X._Styles, tables: list[Table],
                  exps: dict[str, int] | None, company: str = "") -> None:
    """Each table replaces the sheet of its name (same part, position and name) or is added at the end."""
    rs = ReportStyles(styles)
    parts = _Parts(z, pkg, names)
    drop: set[str] = set()
    add_ct: dict[str, str] = {}
    wb_dir = posixpath.dirname(book.workbook_part)
    for table in tables:
        sp = X._find(book, table.name)
        selected = False
        kept = None
        if sp is None:
            for s in wb_root.iter(f"{{{X.NS}}}sheet"):
                if X.norm(s.get("name", "")) == X.norm(table.name):
                    raise X.Unsupported(f"sheet {s.get('name')!r} is not a worksheet")
            sp = X._add_sheet(z, book, pkg, wb_root, wb_rels_path, names, table.name)
            parts.reload(wb_rels_path)
        else:
            old = parts.data(sp.path) or b""
            end = old.find(b"<sheetData")
            head = old[:end] if end >= 0 else old[:4096]
            selected = b'tabSelected="1"' in head or b"tabSelected='1'" in head
            kept = kept_layout(old)
            if b"<f" in old:  # its formulas are gone: Excel would find a calc chain pointing at them
                X._drop_calc_chain(z, book, pkg, names, wb_rels_path)
                parts.reload(wb_rels_path)
            for p in parts.only_under(sp.path):
                drop.add(p)
                parts.put(p, None)
                rels = X._rels_path(p)
                if parts.exists(rels):
                    parts.put(rels, None)
        title = next((t for t, s in book.sheets.items() if s is sp), table.name)
        rels_path = X._rels_path(sp.path)
        widths: dict[int, int] = {}
        parts.put(sp.path, sheet_xml(table, rs, exps, book.date1904, has_drawing=table.chart is not None,
                                     selected=selected, company=company, kept=kept, widths_out=widths))
        if kept is None:
            pages.set_print_titles(wb_root, title, table.header_rows)
        if table.chart is not None:
            drawing = parts.free(posixpath.join(wb_dir, "drawings"), "drawing")
            chart = parts.free(posixpath.join(wb_dir, "charts"), "chart")
            d_xml, c_xml = chart_parts(table, title, widths)
            parts.put(drawing, d_xml)
            parts.put(chart, c_xml)
            parts.put(X._rels_path(drawing),
                      _rels_xml(CHART_REL, posixpath.relpath(chart, posixpath.dirname(drawing))))
            parts.put(rels_path, _rels_xml(DRAWING_REL, posixpath.relpath(drawing, posixpath.dirname(sp.path))))
            add_ct[drawing] = DRAWING_CT
            add_ct[chart] = CHART_CT
        elif parts.exists(rels_path):
            parts.put(rels_path, None)
    # content types last: _add_sheet and _drop_calc_chain above changed them already
    ct = X._lxml(pkg.changed.get("[Content_Types].xml") or z.read("[Content_Types].xml"), "content types")
    for o in list(ct):
        name = o.get("PartName", "").lstrip("/")
        if name in drop or name in add_ct:
            ct.remove(o)
    for name, typ in add_ct.items():
        ct.append(_override(name, typ))
    pkg.changed["[Content_Types].xml"] = X._tostring(ct)


def _override(name: str, typ: str) -> etree._Element:
    ov = etree.Element(f"{{{X.CT_NS}}}Override")
    ov.set("PartName", "/" + name)
    ov.set("ContentType", typ)
    return ov

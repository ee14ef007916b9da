"""How the sheets xlar writes print: page setup, print titles, header and footer, column widths.

The rules are in :mod:`xlar.book.plan` (``page_setup``, ``report_width``); this module puts
them on a sheet for the zip-part writer (worksheet XML as bytes, the ``_xlnm.Print_Titles``
defined name in workbook.xml) and for openpyxl. A page setup the user made (their own
header or footer, or an orientation, scale or fit xlar did not set) is kept: see
:func:`xlar.book.plan.is_xlar_setup`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from lxml import etree

from xlar.book.grid import Grid, find
from xlar.book.plan import MAX_WIDTH, MIN_WIDTH, PageSetup, is_xlar_setup, shown_len
from xlar.book.schema import APPLICATIONS, SETTING_HEADER, SETTINGS_SHEET, VALUE_HEADER, Kind, SheetSpec, norm

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MARGINS = b'<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
SHEET_PR = b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
PRINT_TITLES = "_xlnm.Print_Titles"

# elements of a worksheet's tail, in schema order; the page layout (pageMargins, pageSetup,
# headerFooter) goes before the first of the ones that follow it
_AFTER_LAYOUT = (b"rowBreaks", b"colBreaks", b"customProperties", b"cellWatches", b"ignoredErrors", b"smartTags",
                 b"drawing", b"legacyDrawing", b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects",
                 b"controls", b"webPublishItems", b"tableParts", b"extLst")
_LAYOUT = (b"printOptions", b"pageMargins", b"pageSetup", b"headerFooter")


def _element(tag: bytes) -> re.Pattern[bytes]:
    """An unprefixed element ``tag``, empty or with content (no nesting of the same tag)."""
    return re.compile(rb"<" + tag + rb"(?=[\s/>])[^>]*?(?:/>|>.*?</" + tag + rb">)", re.DOTALL)


_EL = {t: _element(t) for t in (*_LAYOUT, b"oddHeader", b"oddFooter", b"sheetPr", b"cols", b"pageSetUpPr")}
_ATTR = re.compile(rb'\s(\w+)="([^"]*)"')
_LAYOUT_ATTRS = {"orientation", "scale", "fitToWidth", "fitToHeight"}


def layout_xml(ps: PageSetup) -> bytes:
    """pageMargins, pageSetup and headerFooter of ``ps`` (they follow sheetData and its siblings)."""
    orient = "landscape" if ps.landscape else "portrait"
    hf = b""
    if ps.header or ps.footer:
        hf = (b"<headerFooter>" + (b"<oddHeader>" + _x(ps.header) + b"</oddHeader>" if ps.header else b"")
              + (b"<oddFooter>" + _x(ps.footer) + b"</oddFooter>" if ps.footer else b"") + b"</headerFooter>")
    return MARGINS + f'<pageSetup orientation="{orient}" fitToWidth="1" fitToHeight="0"/>'.encode() + hf


def _x(text: str) -> bytes:
    return html.escape(text, quote=False).encode("utf-8")


def cols_xml(widths: Mapping[int, float], hidden: Iterable[int] = ()) -> bytes:
    gone = set(hidden)
    cols = sorted(set(widths) | gone)
    if not cols:
        return b""
    out = []
    for c in cols:
        w = widths.get(c, MIN_WIDTH)
        extra = ' hidden="1"' if c in gone else ""
        out.append(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"{extra}/>')
    return ("<cols>" + "".join(out) + "</cols>").encode()


def users_layout(head: bytes, tail: bytes) -> bool:
    """Whether the sheet (its XML before and after sheetData) has a page setup the user made."""
    hf = _EL[b"headerFooter"].search(tail)
    header = footer = None
    if hf is not None:
        h = _EL[b"oddHeader"].search(hf.group(0))
        f = _EL[b"oddFooter"].search(hf.group(0))
        header = _inner(h.group(0)) if h else None
        footer = _inner(f.group(0)) if f else None
    ps = _EL[b"pageSetup"].search(tail)
    attrs = {k.decode() for k, _ in _ATTR.findall(ps.group(0))} if ps is not None else set()
    return not is_xlar_setup(header, footer, bool(attrs & _LAYOUT_ATTRS))


def _inner(el: bytes) -> str:
    start = el.find(b">") + 1
    end = el.rfind(b"</")
    return html.unescape(el[start:end].decode("utf-8")) if 0 < start <= end else ""


def with_layout(head: bytes, tail: bytes, ps: PageSetup, widths: Mapping[int, float] | None,
                hidden: Iterable[int] = ()) -> tuple[bytes, bytes]:
    """``head`` (the XML up to sheetData) and ``tail`` (from its end) with xlar's page setup, and the
    column widths when the sheet has none (a sheet whose widths someone set keeps them)."""
    m = _EL[b"sheetPr"].search(head)
    if m is None:
        k = head.find(b"<dimension")
        if k < 0:
            k = head.find(b"<sheetViews")
        if k < 0:
            k = head.find(b"<sheetData")
        head = head[:k] + SHEET_PR + head[k:]
    elif not _EL[b"pageSetUpPr"].search(m.group(0)):
        el = m.group(0)
        el = (el[:-2] + b"><pageSetUpPr fitToPage=\"1\"/></sheetPr>" if el.endswith(b"/>")
              else el[:el.rfind(b"</sheetPr>")] + b'<pageSetUpPr fitToPage="1"/></sheetPr>')
        head = head[:m.start()] + el + head[m.end():]
    else:
        el = m.group(0)
        pm = _EL[b"pageSetUpPr"].search(el)
        assert pm is not None
        new = re.sub(rb'\sfitToPage="[^"]*"', b"", pm.group(0)).replace(b"<pageSetUpPr", b'<pageSetUpPr fitToPage="1"',
                                                                          1)
        head = head[:m.start()] + el[:pm.start()] + new + el[pm.end():] + head[m.end():]
    if widths is not None and not _EL[b"cols"].search(head):
        cx = cols_xml(widths, hidden)
        k = head.find(b"<sheetData")
        head = head[:k] + cx + head[k:]
    for t in _LAYOUT[1:]:
        tail = _EL[t].sub(b"", tail)
    k = len(tail) - len(b"</worksheet>") if tail.rstrip().endswith(b"</worksheet>") else len(tail)
    for t in _AFTER_LAYOUT:
        m2 = re.search(rb"<" + t + rb"[\s/>]", tail)
        if m2 is not None:
            k = min(k, m2.start())
    po = _EL[b"printOptions"].search(tail)
    if po is not None:  # printOptions comes before pageMargins
        k = max(k, po.end())
    return head, tail[:k] + layout_xml(ps) + tail[k:]


def set_print_titles(wb_root: etree._Element, sheet: str, rows: int) -> None:
    """The sheet's ``_xlnm.Print_Titles`` (rows 1..rows repeated on each page); removed when ``rows`` is 0."""
    sheets = wb_root.find(f"{{{NS}}}sheets")
    if sheets is None:
        return
    names = [s.get("name", "") for s in sheets]
    if sheet not in names:
        return
    index = str(names.index(sheet))
    dn = wb_root.find(f"{{{NS}}}definedNames")
    if dn is not None:
        for d in list(dn):
            if d.get("name") == PRINT_TITLES and d.get("localSheetId") == index:
                dn.remove(d)
    if not rows:
        if dn is not None and len(dn) == 0:
            wb_root.remove(dn)
        return
    if dn is None:
        dn = etree.Element(f"{{{NS}}}definedNames")
        sheets.addnext(dn)
        # definedNames follows sheets, functionGroups and externalReferences
        for tag in ("functionGroups", "externalReferences"):
            el = wb_root.find(f"{{{NS}}}{tag}")
            if el is not None:
                el.addnext(dn)
    d = etree.SubElement(dn, f"{{{NS}}}definedName")
    d.set("name", PRINT_TITLES)
    d.set("localSheetId", index)
    d.text = "'" + sheet.replace("'", "''") + f"'!$1:${rows}"


# --------------------------------------------------------------------------- widths of a sheet xlar creates

#: characters a value of each kind takes when it cannot be measured (no rows yet)
_KIND_LEN = {Kind.DATE: 10, Kind.DATETIME: 19, Kind.MONEY: 12, Kind.INT: 6, Kind.BOOL: 5, Kind.DECIMAL: 8,
             Kind.RATE: 8}


#: columns of a created sheet whose text is the point of the row (the message of an issue): up to twice as wide
LONG_TEXT = frozenset({"problem", "message", "result", "explanation"})


def column_widths(headers: Mapping[int, tuple[str, Kind]], rows: Iterable[Mapping[int, tuple[object, str | None]]]
                  ) -> dict[int, float]:
    """Widths of a sheet's columns from its header (bold) and the values written in it, capped at MAX_WIDTH
    (twice that for a ``LONG_TEXT`` column)."""
    need: dict[int, int] = {}
    for c, (head, kind) in headers.items():
        need[c] = max(len(head) + 3, _KIND_LEN.get(kind, 0) + 2, MIN_WIDTH)
    for row in rows:
        for c, (v, fmt) in row.items():
            if v is None or v == "":
                continue
            n = shown_len(v, fmt) + 2
            if n > need.get(c, 0):
                need[c] = n
    long = {c for c, (h, _) in headers.items() if norm(h) in LONG_TEXT}
    return {c: float(min(n, 2 * MAX_WIDTH if c in long else MAX_WIDTH)) for c, n in need.items()}


def company_name(grids: Mapping[str, Grid]) -> str:
    """The ``Company Name`` row of the Settings sheet (blank when there is none): the page header's left part."""
    grid = find(dict(grids), SETTINGS_SHEET)
    if grid is None:
        return ""
    keys = [norm(h) for h in grid.headers]
    name_pos = keys.index(norm(SETTING_HEADER)) if norm(SETTING_HEADER) in keys else 0
    value_pos = keys.index(norm(VALUE_HEADER)) if norm(VALUE_HEADER) in keys else 1
    for _, vals in grid.rows:
        if name_pos < len(vals) and norm(vals[name_pos]) == "companyname":
            v = vals[value_pos] if value_pos < len(vals) else None
            return "" if v is None else str(v).strip()
    return ""


def hidden_keys(spec: SheetSpec) -> frozenset[str]:
    """Columns hidden on a sheet xlar lays out: Applications' internal columns (what unapply needs to restore
    both entries exactly), which nobody reads; they stay in the table and are read as before."""
    if spec.name == APPLICATIONS.name:
        return frozenset(c.key for c in spec.columns if c.extension)
    return frozenset()


_COL = re.compile(rb"<col\s[^>]*?/>|<col\s[^>]*?>\s*</col>")


def grow_cols(head: bytes, need: Mapping[int, float], default: float = 8.43) -> bytes:
    """``head`` with every column narrower than ``need`` widened to it (a range of columns sharing a
    ``<col>`` grows together); columns wide enough, and everything else, stay as they are."""
    original = head
    m = _EL[b"cols"].search(head)
    if m is None:
        k = head.find(b"<sheetData")
        if k < 0:
            return head
        head = head[:k] + b"<cols></cols>" + head[k:]
        m = _EL[b"cols"].search(head)
        assert m is not None
    cols: list[list[object]] = []  # [min, max, width or None, element]
    for el in _COL.findall(m.group(0)):
        a = {k.decode(): v.decode() for k, v in _ATTR.findall(el)}
        cols.append([int(a.get("min", 0)), int(a.get("max", 0)), float(a["width"]) if "width" in a else None, el])
    changed = False
    for c, n in sorted(need.items()):
        hit = next((x for x in cols if x[0] <= c <= x[1]), None)  # type: ignore[operator]
        if hit is None:
            if n > default:
                cols.append([c, c, n, f'<col min="{c}" max="{c}" width="{n:g}" customWidth="1"/>'.encode()])
                changed = True
        elif n > (hit[2] if hit[2] is not None else default):  # type: ignore[operator]
            el = hit[3]
            assert isinstance(el, bytes)
            el = re.sub(rb'\swidth="[^"]*"', b"", el)
            el = re.sub(rb'\scustomWidth="[^"]*"', b"", el)
            hit[3] = el.replace(b"<col", f'<col width="{n:g}" customWidth="1"'.encode(), 1)
            hit[2] = n
            changed = True
    if not changed:
        return original
    cols.sort(key=lambda x: x[0])  # type: ignore[arg-type,return-value]
    body = b"<cols>" + b"".join(x[3] for x in cols) + b"</cols>"  # type: ignore[misc]
    return head[:m.start()] + body + head[m.end():]


def figure_widths(rows: Iterable[Mapping[int, tuple[object, str | None]]]) -> dict[int, float]:
    """Width each column needs for its numbers and dates as shown (text may run on or be cut; figures show ###)."""
    need: dict[int, int] = {}
    for row in rows:
        for c, (v, fmt) in row.items():
            if v is None or isinstance(v, str):
                continue
            n = shown_len(v, fmt) + 2
            if n > need.get(c, 0):
                need[c] = n
    return {c: float(n) for c, n in need.items()}

"""The fast file path: read with python-calamine, write back only the sheet parts that change.

An .xlsx/.xlsm is a zip of XML parts. openpyxl rewrites every part on save and drops what
it does not model (charts, images, slicers, some extensions); on a big ledger it is also
slow. This module applies a :class:`~xlar.book.plan.WritePlan` by editing only:

- the ``sheetN.xml`` of each sheet the plan touches: changed rows are re-serialised, every
  other row is copied byte for byte; new cells are written with ``t="inlineStr"`` so
  ``sharedStrings.xml`` never changes;
- the table parts of those sheets (``ref``, new ``tableColumn``\\ s);
- ``styles.xml`` when a number format is needed that has no cell style yet;
- ``workbook.xml`` (``fullCalcOnLoad``, a new sheet), its rels and ``[Content_Types].xml``
  when a sheet is created; ``calcChain.xml`` is dropped when a formula cell is overwritten.

Every other part is copied as it is in the zip (not even recompressed), which keeps
charts, images, pivot caches and the VBA project of an .xlsm byte-identical. The
semantics (where data is, which columns are created, how tables grow, what stops a run)
are those of the openpyxl adapter ``files.py``; anything this module does not handle
raises :class:`Unsupported` and :func:`xlar.book.commands.run_file` falls back to openpyxl.

Small XML parts are parsed with defusedxml (reading) or lxml with entities and DTDs
disabled (rewriting); a part with a DOCTYPE is refused. Sheet XML is never parsed as a
tree: rows are found with regular expressions on the bytes.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DET
from lxml import etree

from xlar.book.files import (
    CELL_TEXT_MAX,
    ILLEGAL_CHARACTERS,
    VBA_SUFFIXES,
    BookError,
    OpenBook,
    ambiguous_sheets,
    apply_plan,
    check_package,
    commit,
    fingerprint_bytes,
    locked_run,
    open_book,
    read_book_bytes,
    save,
)
from xlar.book.grid import ColumnRows, Grid, col_letter
from xlar.book.pages import (
    column_widths,
    company_name,
    figure_widths,
    grow_cols,
    hidden_keys,
    set_print_titles,
    users_layout,
    with_layout,
)
from xlar.book.plan import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    Block,
    Out,
    SheetWrite,
    WritePlan,
    money_format,
    out,
    page_setup,
)
from xlar.book.schema import Cur, Kind, norm
from xlar.book.xlsx import deflate, splitparse

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_REL = RNS + "/worksheet"
TABLE_REL = RNS + "/table"
CALC_CHAIN_REL = RNS + "/calcChain"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

_SAFE = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                        remove_blank_text=False)
_ROW = re.compile(rb'<row\b[^>]*?\sr="(\d+)"[^>]*?(/?)>')
_ANY_ROW = re.compile(rb"<row\b")
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_CELL_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_STYLE = re.compile(rb'\ss="(\d+)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')
_NO_VALUE_FORMULA = re.compile(rb'<c\b([^>]*?\sr="([A-Z]+)(\d+)"[^>]*)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*'
                               rb"(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
_DIMENSION = re.compile(rb'<dimension\s+ref="([^"]*)"\s*/>')
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData\b[^>]*>")


class Unsupported(Exception):
    """Something this writer does not handle; the openpyxl path does it instead."""


# --------------------------------------------------------------------------- small helpers

@functools.lru_cache(maxsize=4096)
def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + ch - 64
    return n


def parse_ref(ref: str) -> tuple[int, int, int, int]:
    """``'B3:K20'`` -> (min_col, min_row, max_col, max_row)."""
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", ref.strip().upper())
    if not m:
        raise Unsupported(f"range {ref!r}")
    c1, r1 = col_number(m.group(1)), int(m.group(2))
    c2, r2 = (col_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    return c1, r1, c2, r2


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


def _rels_path(part: str) -> str:
    d, n = posixpath.split(part)
    return posixpath.join(d, "_rels", n + ".rels")


def _safe_xml(data: bytes, name: str) -> bytes:
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data[:65536].upper():
        raise BookError(f"{name}: the workbook contains a DOCTYPE/ENTITY declaration (an XML bomb?); "
                        "xlar does not open it")
    return data


def _parse_small(data: bytes, name: str):
    return DET.fromstring(_safe_xml(data, name))


def _lxml(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(_safe_xml(data, name), _SAFE)


def _tostring(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --------------------------------------------------------------------------- reading

@dataclass(slots=True)
class TablePart:
    path: str
    display_name: str
    ref: str
    totals: int
    columns: list[str]


@dataclass(slots=True)
class SheetPart:
    title: str
    path: str
    tables: list[TablePart] = field(default_factory=list)
    shown: dict[tuple[int, int], object] | None = None  # sheets with a table: (row, col) -> value of the
    # cells around the table's body (header row, last row, columns beside it, rows under it) that are not blank
    region: tuple[int, int, int, int] = (1, 1, 0, 1)  # header_row, first_col, last_col, last_row
    table: TablePart | None = None


@dataclass(slots=True)
class PartsBook:
    """A workbook file read for the part writer."""

    path: Path
    data: bytes
    grids: dict[str, Grid]
    fingerprint: str
    sheets: dict[str, SheetPart]  # title -> part
    workbook_part: str
    date1904: bool


def open_parts(path: Path) -> PartsBook:
    """Read ``path`` without openpyxl. Raises :class:`BookError` or :class:`Unsupported`."""
    path = Path(path)
    data = read_book_bytes(path)
    check_package(path, data)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BookError(f"{path}: not an Excel workbook xlar can read (.xlsx or .xlsm): {exc}") from exc
    names = set(z.namelist())
    try:
        wb_part = _main_part(z, names)
        wb_xml = _parse_small(z.read(wb_part), path.name)
        wb_dir = posixpath.dirname(wb_part)
        rels = _rels(z, _rels_path(wb_part), wb_dir, names, path.name)
        pr = wb_xml.find(f"{{{NS}}}workbookPr")
        date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        styles = strings = None  # for a sheet parsed in halves (splitparse): the same styles and strings
        for typ, target in rels.values():
            if target in names and typ == RNS + "/styles":
                styles = target
            elif target in names and typ == RNS + "/sharedStrings":
                strings = target
        sheets: dict[str, SheetPart] = {}
        for s in wb_xml.iter(f"{{{NS}}}sheet"):
            rid = s.get(f"{{{RNS}}}id")
            typ, target = rels.get(rid, ("", ""))
            if typ != WORKSHEET_REL:
                continue  # chart sheets, dialog sheets: not data
            if target not in names:
                raise Unsupported(f"sheet part {target} missing")
            sp = SheetPart(s.get("name", ""), target)
            srels = _rels(z, _rels_path(target), posixpath.dirname(target), names, path.name)
            for typ, tpath in srels.values():
                if typ == TABLE_REL and tpath in names:
                    sp.tables.append(_table(z.read(tpath), tpath, path.name))
            sheets[sp.title] = sp
        ambiguous_sheets(path, list(sheets))
    except (KeyError, etree.XMLSyntaxError, DET.ParseError) as exc:
        raise Unsupported(f"package structure: {exc}") from exc
    except BookError:
        raise
    except Exception as exc:  # defusedxml raises its own errors for forbidden constructs
        if type(exc).__module__.startswith("defusedxml"):
            raise BookError(f"{path}: the workbook contains forbidden XML ({type(exc).__name__}); "
                            "xlar does not open it") from exc
        raise
    try:
        import python_calamine

        cwb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        raise Unsupported(f"calamine: {exc}") from exc
    grids: dict[str, Grid] = {}
    for title, sp in sheets.items():
        # one sheet at a time: calamine's cells and its rows of Python values are dropped as soon
        # as the sheet's grid (its columns) exists, so a 1M-row Ledger is never held twice
        try:  # a big sheet in two halves on two threads; else, or when it cannot be cut, whole
            shown = splitparse.shown_rows(z, data, sp.path, styles, strings, date1904)
        except Exception:  # noqa: BLE001 - the whole parse below reports what is wrong with the part
            shown = None
        try:
            if shown is None:
                shown = cwb.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:
            raise Unsupported(f"calamine: {exc}") from exc
        grids[title] = _grid(z, data, sp, shown)
        del shown
    return PartsBook(path, data, grids, fingerprint_bytes(data), sheets, wb_part, date1904)


def _main_part(z: zipfile.ZipFile, names: set[str]) -> str:
    root = _parse_small(z.read("_rels/.rels"), "_rels/.rels")
    for r in root:
        if r.get("Type", "").endswith("/officeDocument"):
            return _resolve("", r.get("Target", ""))
    raise Unsupported("no officeDocument relationship")


def _rels(z: zipfile.ZipFile, rels_path: str, base: str, names: set[str], book: str) -> dict[str, tuple[str, str]]:
    if rels_path not in names:
        return {}
    root = _parse_small(z.read(rels_path), book)
    out = {}
    for r in root:
        if r.get("TargetMode") == "External":
            continue
        out[r.get("Id", "")] = (r.get("Type", ""), _resolve(base, r.get("Target", "")))
    return out


def _table(data: bytes, tpath: str, book: str) -> TablePart:
    root = _parse_small(data, book)
    cols = [c.get("name", "") for c in root.iter(f"{{{NS}}}tableColumn")]
    return TablePart(tpath, root.get("displayName") or root.get("name") or "", root.get("ref", ""),
                     int(root.get("totalsRowCount") or 0), cols)


def _pick_table(sp: SheetPart) -> TablePart | None:
    if not sp.tables:
        return None
    for t in sp.tables:
        if norm(t.display_name) == norm(sp.title):
            return t
    return min(sp.tables, key=lambda t: parse_ref(t.ref)[1])


def _uncalculated(xml: bytes) -> set[tuple[int, int]]:
    """(row, col) of formula cells with no cached value."""
    if b"<f" not in xml:
        return set()
    return {(int(m.group(3)), col_number(m.group(2))) for m in _NO_VALUE_FORMULA.finditer(xml)}


_CHUNK = 1 << 22


def _uncalculated_part(z: zipfile.ZipFile, data: bytes, part: str) -> set[tuple[int, int]]:
    """:func:`_uncalculated` of a sheet part, inflated a few MB at a time (a 1M-row sheet is 600 MB
    of XML; it is never held whole). Chunks are cut after a ``</row>`` so no cell is split."""
    found: set[tuple[int, int]] = set()
    carry = b""
    for block in deflate.iter_member(z, data, part, _CHUNK):
        buf = carry + block
        cut = buf.rfind(b"</row>")
        if cut < 0:
            carry = buf
            continue
        cut += 6
        if b"<f" in buf[:cut]:
            found |= _uncalculated(buf[:cut])
        carry = buf[cut:]
    if carry and b"<f" in carry:
        found |= _uncalculated(carry)
    return found


def _is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _grid(z: zipfile.ZipFile, zdata: bytes, sp: SheetPart, shown: list[list[object]]) -> Grid:
    """The data region, as ``files.read_grid`` finds it, held column by column (:class:`ColumnRows`)."""
    xml_formulas: set[tuple[int, int]] | None = None

    def formulas() -> set[tuple[int, int]]:
        nonlocal xml_formulas
        if xml_formulas is None:
            xml_formulas = _uncalculated_part(z, zdata, sp.path)
        return xml_formulas

    t = _pick_table(sp)
    if t is not None:
        c1, r1, c2, r2 = parse_ref(t.ref)
        header_row, first_col, last_col, last_row = r1, c1, c2, r2 - t.totals
        sp.table = t
    else:
        header_row, first_col = 1, 1
        first = shown[0] if shown else []
        last_col = 0
        for i, v in enumerate(first, start=1):
            if v not in (None, ""):
                last_col = i
        for (r, c) in formulas():
            if r == 1 and c > last_col:
                last_col = c
        last_row = 1
        if last_col:
            for r in range(len(shown), 1, -1):
                if any(v not in (None, "") for v in shown[r - 1][:last_col]):
                    last_row = r
                    break
            for (r, c) in formulas():
                if r > last_row and c <= last_col:
                    last_row = r
    sp.region = (header_row, first_col, last_col, last_row)
    if t is not None:
        sp.shown = _around(shown, header_row, first_col, last_col, last_row)
    if last_col == 0:
        return Grid(sp.title, 1, 1, [], [])
    width = last_col - first_col + 1
    c0 = first_col - 1
    hdr = shown[header_row - 1] if header_row - 1 < len(shown) else []
    headers = [None if v == "" else v for v in hdr[c0:c0 + width]]
    headers += [None] * (width - len(headers))
    uncalc = {(r, c - first_col) for (r, c) in formulas() if header_row < r <= last_row and
              first_col <= c <= last_col}
    # the data rows header_row+1 .. last_row as columns (zip(*rows) transposes them in C)
    lo, hi = header_row, min(last_row, len(shown))
    data = shown[lo:hi] if hi > lo else []
    n = len(data)
    if n:
        need = c0 + width
        if min(map(len, data)) < need:
            data = [r if len(r) >= need else [*r, *([""] * (need - len(r)))] for r in data]
        cols: list[Sequence[object]] = list(zip(*data))[c0:need]
    else:
        cols = [() for _ in range(width)]
    del data
    for p, col in enumerate(cols):
        if "" in col:
            cols[p] = [None if v == "" else v for v in col]
    # blank rows (every value blank or whitespace, and no uncalculated formula) are left out
    cand = [i for i, v in enumerate(cols[0]) if v is None or (isinstance(v, str) and not v.strip())]
    for col in cols[1:]:
        if not cand:
            break
        cand = [i for i in cand if _is_blank(col[i])]
    if uncalc and cand:
        rows_with_formula = {r for r, _ in uncalc}
        cand = [i for i in cand if lo + 1 + i not in rows_with_formula]
    numbers: Sequence[int] = range(lo + 1, lo + 1 + n)
    if cand:
        drop = set(cand)
        keep = [i not in drop for i in range(n)]
        numbers = list(itertools.compress(numbers, keep))
        cols = [list(itertools.compress(col, keep)) for col in cols]
    # rows past the last row calamine gives (formula cells without a value) are blank but kept
    tail = [r for r in range(max(hi, lo) + 1, last_row + 1) if any((r, p) in uncalc for p in range(width))]
    if tail:
        numbers = [*numbers, *tail]
        cols = [[*col, *([None] * len(tail))] for col in cols]
    return Grid(sp.title, header_row, first_col, headers, ColumnRows(numbers, cols),
                t.display_name if t else None, uncalc)


def _around(shown: list[list[object]], header_row: int, first_col: int, last_col: int, last_row: int
            ) -> dict[tuple[int, int], object]:
    """The non-blank cells of a table sheet outside the table's body (rows ``header_row + 1`` to
    ``last_row - 1`` of its columns): what the writer looks at before it adds columns or rows."""
    out: dict[tuple[int, int], object] = {}
    for r, vals in enumerate(shown, start=1):
        if r <= header_row or r >= last_row:
            for c, v in enumerate(vals, start=1):
                if v != "" and v is not None:
                    out[r, c] = v
            continue
        if first_col > 1:
            for c, v in enumerate(vals[:first_col - 1], start=1):
                if v != "" and v is not None:
                    out[r, c] = v
        if len(vals) > last_col:
            for c, v in enumerate(vals[last_col:], start=last_col + 1):
                if v != "" and v is not None:
                    out[r, c] = v
    return out


# --------------------------------------------------------------------------- cell XML

_EPOCH = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)


#: the built-in number formats of SpreadsheetML (ECMA-376 Part 1, 18.8.30): format code -> numFmtId.
#: Spelt out here so that writing a part does not import openpyxl (and numpy) for this one table.
_BUILTIN_FORMATS = {
    'General': 0,
    '0': 1,
    '0.00': 2,
    '#,##0': 3,
    '#,##0.00': 4,
    '"$"#,##0_);("$"#,##0)': 5,
    '"$"#,##0_);[Red]("$"#,##0)': 6,
    '"$"#,##0.00_);("$"#,##0.00)': 7,
    '"$"#,##0.00_);[Red]("$"#,##0.00)': 8,
    '0%': 9,
    '0.00%': 10,
    '0.00E+00': 11,
    '# ?/?': 12,
    '# ??/??': 13,
    'mm-dd-yy': 14,
    'd-mmm-yy': 15,
    'd-mmm': 16,
    'mmm-yy': 17,
    'h:mm AM/PM': 18,
    'h:mm:ss AM/PM': 19,
    'h:mm': 20,
    'h:mm:ss': 21,
    'm/d/yy h:mm': 22,
    '#,##0_);(#,##0)': 37,
    '#,##0_);[Red](#,##0)': 38,
    '#,##0.00_);(#,##0.00)': 39,
    '#,##0.00_);[Red](#,##0.00)': 40,
    '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)': 41,
    '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)': 42,
    '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)': 43,
    '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)': 44,
    'mm:ss': 45,
    '[h]:mm:ss': 46,
    'mmss.0': 47,
    '##0.0E+0': 48,
    '@': 49,
}


class _Styles:
    """styles.xml: a cell style with a given number format, added only when missing."""

    def __init__(self, data: bytes | None) -> None:
        self.data = data
        self.root: etree._Element | None = None
        self.changed = False
        self.cache: dict[tuple[int, str], int] = {}

    def _load(self) -> etree._Element:
        if self.root is None:
            if self.data is None:
                raise Unsupported("no styles part")
            self.root = _lxml(self.data, "styles.xml")
        return self.root

    def _fmt_id(self, fmt: str) -> int:
        root = self._load()
        num_fmts = root.find(f"{{{NS}}}numFmts")
        if num_fmts is not None:
            for nf in num_fmts:
                if nf.get("formatCode") == fmt:
                    return int(nf.get("numFmtId"))
        if fmt in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[fmt]
        if num_fmts is None:
            num_fmts = etree.Element(f"{{{NS}}}numFmts")
            root.insert(0, num_fmts)
        used = [int(nf.get("numFmtId")) for nf in num_fmts] + [163]
        nid = max(used) + 1
        el = etree.SubElement(num_fmts, f"{{{NS}}}numFmt")
        el.set("numFmtId", str(nid))
        el.set("formatCode", fmt)
        num_fmts.set("count", str(len(num_fmts)))
        self.changed = True
        return nid

    def style(self, base: int, fmt: str) -> int:
        key = (base, fmt)
        sid = self.cache.get(key)
        if sid is not None:
            return sid
        root = self._load()
        xfs = root.find(f"{{{NS}}}cellXfs")
        if xfs is None or len(xfs) == 0:
            raise Unsupported("styles.xml without cellXfs")
        nid = self._fmt_id(fmt)
        src = xfs[base] if base < len(xfs) else xfs[0]
        if int(src.get("numFmtId") or 0) == nid:
            self.cache[key] = base
            return base
        # an existing style equal to the base but for the number format
        want = dict(src.attrib, numFmtId=str(nid), applyNumberFormat="1")
        for i, xf in enumerate(xfs):
            if dict(xf.attrib) == want and len(xf) == len(src) and all(
                    etree.tostring(a) == etree.tostring(b) for a, b in zip(xf, src)):
                self.cache[key] = i
                return i
        new = etree.fromstring(etree.tostring(src), _SAFE)
        new.set("numFmtId", str(nid))
        new.set("applyNumberFormat", "1")
        xfs.append(new)
        xfs.set("count", str(len(xfs)))
        self.changed = True
        self.cache[key] = len(xfs) - 1
        return len(xfs) - 1

    def bytes(self) -> bytes:
        assert self.root is not None
        return _tostring(self.root)


def _number(v: float) -> bytes:
    if type(v) is float and not math.isfinite(v):
        raise Unsupported("NaN/inf")
    return repr(v).encode()


@functools.lru_cache(maxsize=4096)
def _col_bytes(n: int) -> bytes:
    return col_letter(n).encode()


_DAY0 = _EPOCH.toordinal()
_DAY0_1904 = _EPOCH_1904.toordinal()
_PLAIN_TEXT = re.compile(r"[^\000-\037&<>]+")  # text written as it is (no escape, no illegal characters)
_STYLE_ATTR: dict[int, bytes] = {}


def cell_xml(ref: bytes, o: Out, base_style: int | None, styles: _Styles, date1904: bool) -> bytes:
    """One ``<c>``: strings inline (never a formula), numbers, booleans, dates as serials."""
    v, fmt = o
    style = base_style
    if v is None or v == "":
        return b'<c r="%s" s="%d"/>' % (ref, style) if style else b""
    if fmt:
        style = styles.style(base_style or 0, fmt)
    if style:
        s = _STYLE_ATTR.get(style)
        if s is None:
            s = _STYLE_ATTR[style] = b' s="%d"' % style
    else:
        s = b""
    t = type(v)
    if t is float:
        if v - v != 0:  # NaN, inf
            raise Unsupported("NaN/inf")
        return b'<c r="%s"%s><v>%s</v></c>' % (ref, s, repr(v).encode())
    if t is str:
        if len(v) > CELL_TEXT_MAX:  # type: ignore[arg-type]
            v = v[:CELL_TEXT_MAX]  # type: ignore[index]
        if _PLAIN_TEXT.fullmatch(v) and not v[0].isspace() and not v[-1].isspace():  # type: ignore[index]
            return b'<c r="%s"%s t="inlineStr"><is><t>%s</t></is></c>' % (ref, s, v.encode("utf-8"))  # type: ignore
        text = ILLEGAL_CHARACTERS.sub("", v)  # type: ignore[arg-type]
        sp = b' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() or "\n" in text else b""
        return b'<c r="%s"%s t="inlineStr"><is><t%s>%s</t></is></c>' % (ref, s, sp, escape(text).encode("utf-8"))
    if t is int:
        return b'<c r="%s"%s><v>%d</v></c>' % (ref, s, v)
    if t is date:
        return b'<c r="%s"%s><v>%d</v></c>' % (ref, s, v.toordinal() - (_DAY0_1904 if date1904 else _DAY0))  # type: ignore
    if t is bool:
        return b'<c r="%s"%s t="b"><v>%d</v></c>' % (ref, s, int(v))  # type: ignore[call-overload]
    if isinstance(v, (date, datetime)):
        d = v if isinstance(v, datetime) else datetime.combine(v, time())
        delta = d - (_EPOCH_1904 if date1904 else _EPOCH)
        serial = delta.days + delta.seconds / 86400
        return b'<c r="%s"%s><v>%s</v></c>' % (ref, s, _number(int(serial) if serial == int(serial) else serial))
    if isinstance(v, bool):  # a bool subclass
        return cell_xml(ref, Out(bool(v), o.number_format), base_style, styles, date1904)
    if isinstance(v, str):  # a str subclass (StrEnum)
        return cell_xml(ref, Out(str.__str__(v), o.number_format), base_style, styles, date1904)
    if isinstance(v, (int, float)):
        return cell_xml(ref, Out(float(v) if isinstance(v, float) else int(v), o.number_format), base_style,
                        styles, date1904)
    raise Unsupported(f"value of type {type(v).__name__}")


# --------------------------------------------------------------------------- applying a plan

@dataclass(slots=True)
class _SheetEdit:
    """Cell changes for one sheet: Excel row -> column number -> value."""

    cells: dict[int, dict[int, Out]] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    # rows appended from records: (first Excel row, block, column key -> column number), in row order
    blocks: list[tuple[int, Block, dict[str, int]]] = field(default_factory=list)

    def put(self, row: int, col: int, o: Out) -> None:
        r = self.cells.get(row)
        if r is None:
            r = self.cells[row] = {}
        r[col] = o

    def extent(self) -> None:
        self.max_row = max(self.cells, default=0)
        self.max_col = max((max(r) for r in self.cells.values() if r), default=0)
        for start, block, cols in self.blocks:
            self.max_row = max(self.max_row, start + len(block) - 1)
            self.max_col = max([self.max_col] + [cols[c.key] for cs in block.column_sets() for c in cs])

    def min_col(self) -> int | None:
        cs = [min(c) for c in self.cells.values() if c]
        cs += [cols[c.key] for _, block, cols in self.blocks for s in block.column_sets() for c in s]
        return min(cs) if cs else None

    def expand_blocks(self) -> None:
        """The blocks' rows as cell edits (when they do not all come after the sheet's rows)."""
        for start, block, cols in self.blocks:
            for i, values in enumerate(block.rows(), start):
                r = self.cells.get(i)
                if r is None:
                    r = self.cells[i] = {}
                for k, o in values.items():
                    r[cols[k]] = o
        self.blocks = []


def _shown(sp: SheetPart, row: int, col: int) -> object:
    return sp.shown.get((row, col)) if sp.shown is not None else None


def _plan_sheet(sp: SheetPart, grid: Grid | None, sw: SheetWrite, new_sheet: bool,
                table_cols: list[str]) -> tuple[_SheetEdit, tuple[int, int, int, int]]:
    """Cell edits for one sheet, with the same rules as ``files.apply_sheet``."""
    edit = _SheetEdit()
    header_row, first_col, last_col, last_row = sp.region
    t = sp.table
    headers: list[object] = list(grid.headers) if grid is not None else []
    if new_sheet:
        for i, c in enumerate(sw.spec.columns, start=1):
            edit.put(1, i, Out(c.header))
        headers = [c.header for c in sw.spec.columns]
        header_row, first_col, last_col, last_row = 1, 1, len(headers), 1
    n_appended = sw.appended()
    if t is not None and t.totals and n_appended:
        raise BookError(f"Sheet {sp.title}: table {t.display_name} has a totals row; "
                        "remove it so xlar can append rows")
    keys: list[str] = []
    for values in list(sw.updates.values()) + [r for r in sw.rows if type(r) is not Block]:
        for k in values:
            if k not in keys:
                keys.append(k)
    for b in sw.rows:
        if type(b) is Block:
            for cs in b.column_sets():
                for c in cs:
                    if c.key not in keys:
                        keys.append(c.key)
    if t is None and last_col == 0:
        keys = [c.key for c in sw.spec.columns if c.key in keys or not c.extension] + \
               [k for k in keys if sw.spec.by_key[k].extension]
    order = {c.key: i for i, c in enumerate(sw.spec.columns)}
    keys.sort(key=lambda k: order.get(k, 1_000))
    cols: dict[str, int] = {}
    for i, h in enumerate(headers):
        col = sw.spec.column(h)
        if col is not None and col.key not in cols:
            cols[col.key] = first_col + i
    for key in keys:
        if key in cols:
            continue
        spec_col = sw.spec.by_key[key]
        new = last_col + 1 if last_col else first_col
        if t is not None:
            if any(_shown(sp, r, new) is not None for r in range(header_row, last_row + 1)):
                raise BookError(f"Sheet {sp.title}: column {col_letter(new)} next to table "
                                f"{t.display_name} is not empty; xlar needs it for {spec_col.header!r}")
            table_cols.append(spec_col.header)
        edit.put(header_row, new, Out(spec_col.header))
        last_col = new
        cols[key] = new
    cells = edit.cells
    for row, values in sw.updates.items():
        r = cells.get(row)
        if r is None:
            r = cells[row] = {}
        for k, o in values.items():
            r[cols[k]] = o
    if n_appended:
        start = last_row + 1
        if t is not None:
            end = start + n_appended - 1
            if last_row == header_row + 1 and all(
                    _shown(sp, last_row, c) is None for c in range(first_col, last_col + 1)):
                start, end = last_row, last_row + n_appended - 1
            for r in range(max(start, last_row + 1), end + 1):
                for c in range(first_col, last_col + 1):
                    if _shown(sp, r, c) is not None:
                        raise BookError(f"Sheet {sp.title}: cell {col_letter(c)}{r} below table "
                                        f"{t.display_name} is not empty; xlar needs the row to append to it")
        i = start
        for values in sw.rows:
            if type(values) is Block:
                edit.blocks.append((i, values, cols))
                i += len(values)
                continue
            r = cells.get(i)
            if r is None:
                r = cells[i] = {}
            for k, o in values.items():  # type: ignore[union-attr]
                r[cols[k]] = o
            i += 1
        last_row = start + n_appended - 1
    return edit, (header_row, first_col, last_col, last_row)


_COL_NUMBERS: dict[bytes, int] = {}


_CELL_AT = re.compile(rb'<c r="([A-Z]+)\d')


def _cell_end(inner: bytes, start: int) -> tuple[int, int]:
    """(end of the open tag, end of the cell) of the ``<c`` at ``start``."""
    gt = inner.find(b">", start)
    return gt + 1, gt + 1 if inner[gt - 1] == 47 else inner.find(b"</c>", gt) + 4  # 47: "/"


def _merge_row(row_xml: bytes, tag: bytes, selfclosing: bool, row: int, changes: dict[int, Out],
               styles: _Styles, date1904: bool, state: dict[str, bool]) -> bytes:
    """``<row>`` with ``changes`` applied; every other cell kept byte for byte.

    Only the changed cells are looked up, by their reference (a Ledger row of 30 cells typically
    changes 3 to 6); a row with a cell whose ``r`` is not its first attribute is parsed whole."""
    if selfclosing or len(row_xml) <= len(tag) + 6:
        return _merge_row_parsed(row_xml, tag, selfclosing, row, changes, styles, date1904, state)
    inner = row_xml[len(tag):-6]
    if inner.count(b'<c r="') != inner.count(b"<c ") + inner.count(b"<c>") + inner.count(b"<c/"):
        return _merge_row_parsed(row_xml, tag, selfclosing, row, changes, styles, date1904, state)
    rb = b"%d" % row
    last = inner.rfind(b'<c r="')
    last_col = 0
    if last >= 0:
        m = _CELL_AT.match(inner, last)
        if m is None:
            return _merge_row_parsed(row_xml, tag, selfclosing, row, changes, styles, date1904, state)
        last_col = col_number(m.group(1))
    out: list[bytes] = []
    pos = 0
    for col in sorted(changes):
        base = None
        start = inner.find(b'<c r="' + _col_bytes(col) + rb + b'"', pos)
        if start >= 0:  # the cell is there: cut it out
            head_end, end = _cell_end(inner, start)
            old = inner[start:end]
            sm = _STYLE.search(old, 0, head_end - start)
            base = int(sm.group(1)) if sm else None
            if b"<f" in old:
                if b't="shared"' in old and b"ref=" in old or b't="array"' in old:
                    raise Unsupported("overwriting a shared/array formula")
                state["formula_overwritten"] = True
        elif col > last_col:  # a new cell after the last one
            start = end = max(pos, _cell_end(inner, last)[1] if last >= 0 else len(inner))
        else:  # a new cell, before the next cell of a higher column
            for c in range(col + 1, last_col + 1):
                start = inner.find(b'<c r="' + _col_bytes(c) + rb + b'"', pos)
                if start >= 0:
                    break
            end = start
        if start < pos:  # not where it should be (cells out of order, another row's reference)
            return _merge_row_parsed(row_xml, tag, selfclosing, row, changes, styles, date1904, state)
        out.append(inner[pos:start])
        out.append(cell_xml(_col_bytes(col) + rb, changes[col], base, styles, date1904))
        pos = end
    out.append(inner[pos:])
    return _SPANS.sub(b"", tag) + b"".join(out) + b"</row>"


def _merge_row_parsed(row_xml: bytes, tag: bytes, selfclosing: bool, row: int, changes: dict[int, Out],
                      styles: _Styles, date1904: bool, state: dict[str, bool]) -> bytes:
    """:func:`_merge_row` by parsing every cell of the row (and writing them in column order)."""
    cells: dict[int, bytes] = {}
    if not selfclosing:
        inner = row_xml[len(tag):-len(b"</row>")]
        for m in _CELL.finditer(inner):
            rm = _CELL_REF.search(m.group(1))
            if rm is None:
                raise Unsupported("cell without a reference")
            letters = rm.group(1)
            col = _COL_NUMBERS.get(letters)
            if col is None:
                col = _COL_NUMBERS[letters] = col_number(letters)
            cells[col] = m.group(0)
    for col, o in changes.items():
        old = cells.get(col)
        base = None
        if old is not None:
            sm = _STYLE.search(old[:old.find(b">") + 1])
            base = int(sm.group(1)) if sm else None
            if b"<f" in old:
                if b't="shared"' in old and b"ref=" in old or b't="array"' in old:
                    raise Unsupported("overwriting a shared/array formula")
                state["formula_overwritten"] = True
        new = cell_xml(_col_bytes(col) + b"%d" % row, o, base, styles, date1904)
        if new:
            cells[col] = new
        else:
            cells.pop(col, None)
    new_tag = _SPANS.sub(b"", tag)
    if new_tag.endswith(b"/>"):
        new_tag = new_tag[:-2].rstrip() + b">"
    return new_tag + b"".join(cells[c] for c in sorted(cells)) + b"</row>"


def _new_row(row: int, changes: dict[int, Out], styles: _Styles, date1904: bool) -> bytes:
    rb = b"%d" % row
    parts = [b'<row r="%s">' % rb]
    for col in sorted(changes):
        o = changes[col]
        if o[0] is not None:  # a blank new cell writes nothing
            parts.append(cell_xml(_col_bytes(col) + rb, o, None, styles, date1904))
    parts.append(b"</row>")
    return b"".join(parts)


_BLOCK_ROWS = 2000  # rows of a block rendered into one piece


class _BlockContext:
    """What the rows of one block share: number-format styles (added to styles.xml only when a
    cell needs them), repeated text, the date epoch."""

    def __init__(self, styles: _Styles, date1904: bool, exps: dict[str, int] | None) -> None:
        self.styles = styles
        self.date1904 = date1904
        self.exps = exps
        self.day0 = _DAY0_1904 if date1904 else _DAY0
        self.money: dict[str, str] = {}  # currency -> ' s="N"'
        self.date: list[str | None] = [None]  # ' s="N"' of the date format, once a date is written
        self.texts: dict[str, str] = {}

    def style_attr(self, fmt: str) -> str:
        sid = self.styles.style(0, fmt)
        return f' s="{sid}"' if sid else ""

    def money_attr(self, currency: str) -> str:
        sa = self.money[currency] = self.style_attr(money_format(currency, self.exps))
        return sa

    def date_attr(self) -> str:
        sa = self.date[0] = self.style_attr(DATE_FORMAT)
        return sa

    def text(self, v: str) -> str:
        sfx = _text_end(v)
        if len(self.texts) < 1 << 16:  # repeated text (customers, types, currencies) rendered once
            self.texts[v] = sfx
        return sfx

    def cell(self, v: object, prefix: str, rs: str, money: bool, currency: str) -> str:
        """Any value (None and "" write nothing), as the dict path writes it."""
        if v is None:
            return ""
        t = type(v)
        if t is Decimal:
            text = "0" if not v else str(v)
            if "E" in text:
                text = repr(float(text)) if v != v.to_integral_value() else str(int(v))  # type: ignore[attr-defined]
            if money:
                sa = self.money.get(currency) or self.money_attr(currency)
                return f'{prefix}{rs}"{sa}><v>{text}</v></c>'
            return f'{prefix}{rs}"><v>{text}</v></c>'
        if t is str:
            return f"{prefix}{rs}{self.texts.get(v) or self.text(v)}" if v else ""  # type: ignore[arg-type]
        if t is int:
            return f'{prefix}{rs}"><v>{v}</v></c>'
        if t is date:
            sa = self.date[0] or self.date_attr()
            return f'{prefix}{rs}"{sa}><v>{v.toordinal() - self.day0}</v></c>'  # type: ignore[attr-defined]
        if t is bool:
            return f'{prefix}{rs}" t="b"><v>{1 if v else 0}</v></c>'
        if isinstance(v, Enum):
            return f"{prefix}{rs}{_text_end(str(v.value))}"
        # anything else (datetime, tuple, subclasses) through cell_xml, as a dict row
        o = out(v, Kind.MONEY if money else Kind.TEXT, currency, self.exps)
        return cell_xml((prefix[6:] + rs).encode(), o, None, self.styles, self.date1904).decode()


# one cell of a generated row renderer by the column's kind: the common type inline, any other
# value through _BlockContext.cell ({i}: the column's index; P{i}, C{i}, M{i}: its constants)
_CELL_CODE = {
    Kind.MONEY: """
    v = rec.{field}
    if v is not None:
        if type(v) is Decimal:
            t = str(v) if v else "0"
            if "E" in t:
                append(cell(v, P{i}, rs, True, cur[C{i}]))
            else:
                c = cur[C{i}]
                append(f'{{P{i}}}{{rs}}"{{money.get(c) or money_attr(c)}}><v>{{t}}</v></c>')
        else:
            append(cell(v, P{i}, rs, True, cur[C{i}]))""",
    Kind.INT: """
    v = rec.{field}
    if v is not None:
        if type(v) is int:
            append(f'{{P{i}}}{{rs}}"><v>{{v}}</v></c>')
        else:
            append(cell(v, P{i}, rs, M{i}, cur[C{i}]))""",
    Kind.DATE: """
    v = rec.{field}
    if v is not None:
        if type(v) is date:
            append(f'{{P{i}}}{{rs}}"{{dates[0] or date_attr()}}><v>{{v.toordinal() - day0}}</v></c>')
        else:
            append(cell(v, P{i}, rs, M{i}, cur[C{i}]))""",
    None: """
    v = rec.{field}
    if v is not None:
        if type(v) is str:
            if v:
                append(P{i} + rs + (texts.get(v) or text(v)))
        else:
            append(cell(v, P{i}, rs, M{i}, cur[C{i}]))""",
}


def _row_renderer(columns: list[tuple[str, str, Kind, Cur]], ctx: _BlockContext
                  ) -> Callable[[object, str, object, Callable[[str], None]], None]:
    """A function rendering one record's row (``(record, row as text, currencies, append)``),
    generated for ``columns`` ((field, letters, kind, currency) in column order): one branch per
    cell and no loop, tuple or ``Out``. Fields are attribute names of the core records."""
    ns: dict[str, object] = {"Decimal": Decimal, "date": date, "cell": ctx.cell, "money": ctx.money,
                             "money_attr": ctx.money_attr, "dates": ctx.date, "date_attr": ctx.date_attr,
                             "texts": ctx.texts, "text": ctx.text, "day0": ctx.day0}
    body = ["def render(rec, rs, cur, append):", "    append(f'<row r=\"{rs}\">')"]
    for i, (fname, letters, kind, ck) in enumerate(columns):
        if not fname.isidentifier():
            raise Unsupported(f"field {fname!r}")
        ns[f"P{i}"], ns[f"C{i}"], ns[f"M{i}"] = f'<c r="{letters}', ck, kind is Kind.MONEY
        body.append(_CELL_CODE.get(kind, _CELL_CODE[None]).format(i=i, field=fname))  # type: ignore[call-overload]
    body.append("    append('</row>')")
    exec(compile("\n".join(body), "<xlar block row>", "exec"), ns)  # noqa: S102 - code from schema field names
    return ns["render"]  # type: ignore[return-value]


def _block_rows(block: Block, start: int, cols: dict[str, int], styles: _Styles, date1904: bool
                ) -> Iterator[bytes]:
    """The XML of ``block``'s rows from Excel row ``start``, about ``_BLOCK_ROWS`` rows a piece.

    The same cells as :func:`_new_row` of the rows :meth:`Block.rows` gives (one ``<c>`` per
    value that is not blank; text inline, never a formula; dates as serials; number formats
    as cell styles), written from the records' fields by a renderer generated per column set
    (:func:`_row_renderer`), without an ``Out`` per cell; a decimal is written as its decimal
    text (the same number)."""
    ctx = _BlockContext(styles, date1904, block.exps)
    renderers: dict[int, Callable[[object, str, object, Callable[[str], None]], None]] = {}
    columns = block.columns
    shared = columns if isinstance(columns, tuple) else None
    currency = block.currency
    parts: list[str] = []
    append = parts.append
    for i, rec in enumerate(block.records):
        cs = shared if shared is not None else columns[i]
        render = renderers.get(id(cs))
        if render is None:
            ordered = sorted(cs, key=lambda c: cols[c.key])  # type: ignore[union-attr]
            render = renderers[id(cs)] = _row_renderer(
                [(c.field, col_letter(cols[c.key]), c.kind, c.currency) for c in ordered], ctx)
        render(rec, str(start + i), currency(rec), append)
        if i % _BLOCK_ROWS == _BLOCK_ROWS - 1:
            yield "".join(parts).encode()
            parts.clear()
    if parts:
        yield "".join(parts).encode()


def _text_end(v: str) -> str:
    """The rest of an inline-string cell (never a formula) after its reference, for non-empty text ``v``."""
    v = v[:CELL_TEXT_MAX]
    if _PLAIN_TEXT.fullmatch(v) and not v[0].isspace() and not v[-1].isspace():
        return f'" t="inlineStr"><is><t>{v}</t></is></c>'
    text = ILLEGAL_CHARACTERS.sub("", v)
    sp = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() or "\n" in text else ""
    return f'" t="inlineStr"><is><t{sp}>{escape(text)}</t></is></c>'


def rewrite_sheet(xml: bytes, edit: _SheetEdit, styles: _Styles, date1904: bool, state: dict[str, bool],
                  layout: Callable[[bytes, bytes], tuple[bytes, bytes]] | None = None
                  ) -> Iterator[bytes | memoryview]:
    """The sheet XML with ``edit`` applied, as pieces to deflate one after the other (``b"".join``
    of them is the part); rows not in the edit are copied unchanged.

    The rows are addressed by offsets into ``xml`` and unchanged stretches are views of it: a
    sheet of a million rows (600 MB of XML) is never copied. Rows appended from records
    (blocks) are rendered straight to XML a few thousand at a time, as the pieces are taken."""
    _safe_xml(xml, "worksheet")
    m = _SHEET_DATA.search(xml)
    if m is None:
        raise Unsupported("no sheetData")
    if m.group(0).endswith(b"/>"):
        head, tail = xml[:m.start()] + b"<sheetData>", b"</sheetData>" + xml[m.end():]
        b0 = b1 = m.end()  # no rows
    else:
        end = xml.find(b"</sheetData>", m.end())
        if end < 0:
            raise Unsupported("unterminated sheetData")
        head, tail = xml[:m.end()], xml[end:]
        b0, b1 = m.end(), end
    # fast path: every change is below the last row in the XML
    last = xml.rfind(b"<row", b0, b1)
    last_r = 0
    if last >= 0:
        lm = _ROW.match(xml, last, b1)
        if lm is None:
            raise Unsupported("row without r")
        last_r = int(lm.group(1))
    if edit.blocks and (edit.blocks[0][0] <= last_r or (edit.cells and max(edit.cells) >= edit.blocks[0][0])):
        edit.expand_blocks()  # appended rows among the sheet's rows: merged like any other edit
    new_head = _grow_dimension(head, edit)
    if layout is not None:  # page setup and column widths (xlsxparts._layout)
        new_head, tail = layout(new_head, tail)
    return itertools.chain([new_head], _edited_rows(xml, b0, b1, last_r, edit, styles, date1904, state),
                           *(_block_rows(block, start, cols, styles, date1904) for start, block, cols in edit.blocks),
                           [tail])


def _edited_rows(xml: bytes, b0: int, b1: int, last_r: int, edit: _SheetEdit, styles: _Styles, date1904: bool,
                 state: dict[str, bool]) -> Iterator[bytes | memoryview]:
    """The rows of ``xml[b0:b1]`` with ``edit.cells`` applied, as pieces made when they are taken (a
    changed row is merged as the deflater reaches it: 250k merged rows of a million-row Ledger are
    never held at once); the changed rows after ``last_r`` come last."""
    xv = memoryview(xml)
    pos = b0
    ti = 0
    targets = sorted(edit.cells)
    if targets and targets[0] > last_r:
        yield xv[b0:b1]
    elif (found := _find_rows(xml, targets, last_r, b0, b1)) is not None:
        # every changed row found directly by its tag (rows are in order): no scan of the rows between
        for r, (start, rm) in zip(targets, found):
            selfclosing = rm.group(2) == b"/"
            stop = rm.end() if selfclosing else xml.find(b"</row>", rm.end(), b1) + len(b"</row>")
            yield xv[pos:start]
            yield _merge_row(xml[start:stop], rm.group(0), selfclosing, r, edit.cells[r], styles, date1904, state)
            pos = stop
        ti = len(found)
        yield xv[pos:b1]
    else:
        n_rows = 0
        for rm in _ROW.finditer(xml, b0, b1):
            n_rows += 1
            if ti >= len(targets):
                break
            r = int(rm.group(1))
            while ti < len(targets) and targets[ti] < r:
                yield xv[pos:rm.start()]
                yield _new_row(targets[ti], edit.cells[targets[ti]], styles, date1904)
                pos = rm.start()
                ti += 1
            if ti < len(targets) and targets[ti] == r:
                selfclosing = rm.group(2) == b"/"
                stop = rm.end() if selfclosing else xml.find(b"</row>", rm.end(), b1) + len(b"</row>")
                yield xv[pos:rm.start()]
                yield _merge_row(xml[rm.start():stop], rm.group(0), selfclosing, r, edit.cells[r], styles, date1904,
                                 state)
                pos = stop
                ti += 1
        if ti == 0 and n_rows == 0 and _ANY_ROW.search(xml, b0, b1):
            raise Unsupported("rows without r")
        yield xv[pos:b1]
    for r in targets[ti:]:
        if r > last_r:
            yield _new_row(r, edit.cells[r], styles, date1904)
        else:  # pragma: no cover - targets are sorted and rows scanned in order
            raise Unsupported("row order")


def _find_rows(xml: bytes, targets: list[int], last_r: int, b0: int, b1: int
               ) -> list[tuple[int, re.Match[bytes]]] | None:
    """(offset, match) of each target row up to ``last_r``, found by its ``<row r="N"`` tag in order
    between ``b0`` and ``b1``; None when one is not there (a row to insert, or ``r`` not the first
    attribute): then rows are scanned."""
    found = []
    pos = b0
    for r in targets:
        if r > last_r:
            break
        k = xml.find(b'<row r="%d"' % r, pos, b1)
        if k < 0:
            return None
        rm = _ROW.match(xml, k, b1)
        if rm is None or int(rm.group(1)) != r:
            return None
        found.append((k, rm))
        pos = rm.end()
    return found


def _grow_dimension(head: bytes, edit: _SheetEdit) -> bytes:
    m = _DIMENSION.search(head)
    if m is None or not (edit.cells or edit.blocks):
        return head
    edit.extent()
    try:
        c1, r1, c2, r2 = parse_ref(m.group(1).decode())
    except Unsupported:
        return head
    min_row = min([*edit.cells, *(b[0] for b in edit.blocks)])
    min_col = edit.min_col() or c1
    if c2 == c1 and r2 == r1 == 1 and c1 == 1:  # "A1": an empty sheet
        c1, r1 = min_col, min_row
    c1, r1 = min(c1, min_col), min(r1, min_row)
    c2, r2 = max(c2, edit.max_col), max(r2, edit.max_row)
    ref = f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}".encode()
    return head[:m.start(1)] + ref + head[m.end(1):]


def _rewrite_table(data: bytes, region: tuple[int, int, int, int], added: list[str]) -> bytes:
    root = _lxml(data, "table")
    header_row, first_col, last_col, last_row = region
    last_row = max(last_row, header_row + 1)
    ref = f"{col_letter(first_col)}{header_row}:{col_letter(last_col)}{last_row}"
    root.set("ref", ref)
    af = root.find(f"{{{NS}}}autoFilter")
    if af is not None:
        af.set("ref", ref)
    tcs = root.find(f"{{{NS}}}tableColumns")
    if added:
        if tcs is None:
            raise Unsupported("table without tableColumns")
        ids = [int(tc.get("id") or 0) for tc in tcs] or [0]
        for name in added:
            tc = etree.SubElement(tcs, f"{{{NS}}}tableColumn")
            tc.set("id", str(max(ids) + 1))
            ids.append(max(ids) + 1)
            tc.set("name", name)
        tcs.set("count", str(len(tcs)))
    return _tostring(root)


# --------------------------------------------------------------------------- the package

#: a part this big is deflated at level 1 (a 60 MB Ledger: 0.38 s CPU, 8.9 MiB; level 6: 1.25 s, 6.8 MiB)
_BIG_PART = 1 << 20
_PIECE = 1 << 20  # small pieces are gathered to about this much before they are deflated


@dataclass(slots=True)
class _Deflated:
    """A rewritten sheet part, deflated while :func:`build` makes it (raw deflate, its CRC-32 and
    size): the pieces :func:`rewrite_sheet` gives are compressed as they come and dropped, so a
    1M-row Ledger (600 MB of XML, 480k appended rows) is never held whole, and everything that
    decides other parts (new cell styles) is known before the zip is written."""

    raw: bytes
    crc: int
    size: int

    @classmethod
    def of(cls, pieces: Iterable[bytes | memoryview], big: bool) -> _Deflated:
        """``big``: deflated fast (:func:`xlar.book.xlsx.deflate.big_compressor`), else zlib level 6."""
        comp = deflate.big_compressor() if big else zlib.compressobj(6, zlib.DEFLATED, -15)
        crc32 = deflate.crc32
        out: list[bytes] = []
        crc = size = 0
        small: list[bytes | memoryview] = []
        n = 0
        for piece in pieces:
            if len(piece) < _PIECE:
                small.append(piece)
                n += len(piece)
                if n < _PIECE:
                    continue
                piece = b"".join(small)
                small, n = [], 0
            elif small:
                chunk = b"".join(small)
                small, n = [], 0
                crc = crc32(chunk, crc)
                size += len(chunk)
                out.append(comp.compress(chunk))
            crc = crc32(piece, crc)
            size += len(piece)
            out.append(comp.compress(piece))
        if small:
            chunk = b"".join(small)
            crc = crc32(chunk, crc)
            size += len(chunk)
            out.append(comp.compress(chunk))
        out.append(comp.flush())
        return cls(b"".join(out), crc, size)

    def joined(self) -> bytes:
        return deflate.inflate(self.raw)


def _part_bytes(data: bytes | _Deflated) -> bytes:
    return data.joined() if isinstance(data, _Deflated) else data


@dataclass(slots=True)
class _Package:
    """The changed parts of the zip (name -> bytes; a rewritten sheet :class:`_Deflated`; None:
    removed); everything else is copied."""

    changed: dict[str, bytes | _Deflated | None] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)


def build(book: PartsBook, plan: WritePlan) -> _Package:
    """Every changed part, computed in memory; raises :class:`Unsupported` or :class:`BookError`."""
    z = zipfile.ZipFile(io.BytesIO(book.data))
    names = set(z.namelist())
    pkg = _Package()
    styles_part = _styles_part(z, book, names)
    styles = _Styles(z.read(styles_part) if styles_part in names else None)
    state = {"formula_overwritten": False}
    wb_root: etree._Element | None = None
    wb_rels_path = _rels_path(book.workbook_part)
    for sw in plan.sheets.values():
        if not sw:
            continue
        sp = _find(book, sw.spec.name)
        new_sheet = sp is None
        if sp is None:
            if wb_root is None:
                wb_root = _lxml(z.read(book.workbook_part), "workbook.xml")
            sp = _add_sheet(z, book, pkg, wb_root, wb_rels_path, names, sw.spec.name)
        grid = book.grids.get(sp.title)
        added: list[str] = []
        edit, region = _plan_sheet(sp, grid, sw, new_sheet, added)
        prev = pkg.changed.get(sp.path)
        xml = _part_bytes(prev) if prev is not None else deflate.read_member(z, book.data, sp.path)
        # the part's size, about: the sheet plus 500 bytes a written or appended row (level 1 when big)
        big = len(xml) + 500 * (len(edit.cells) + sum(len(b) for _, b, _ in edit.blocks)) > _BIG_PART
        layout, own = _layout(xml, sp, grid, sw, edit, region, new_sheet, plan.company)
        if own:
            if wb_root is None:
                wb_root = _lxml(z.read(book.workbook_part), "workbook.xml")
            set_print_titles(wb_root, sp.title, region[0])
        pkg.changed[sp.path] = _Deflated.of(rewrite_sheet(xml, edit, styles, book.date1904, state, layout), big)
        del xml, prev
        if sp.table is not None:
            pkg.changed[sp.table.path] = _rewrite_table(z.read(sp.table.path), region, added)
    if plan.reports:  # report sheets are rewritten whole (xlsxreports)
        from xlar.book.xlsxreports import write_reports

        if wb_root is None:
            wb_root = _lxml(z.read(book.workbook_part), "workbook.xml")
        for t in plan.reports:  # a report replacing a sheet rewritten above reads it whole
            rsp = _find(book, t.name)
            if rsp is not None and isinstance(pkg.changed.get(rsp.path), _Deflated):
                pkg.changed[rsp.path] = _part_bytes(pkg.changed[rsp.path])  # type: ignore[arg-type]
        write_reports(z, book, pkg, wb_root, wb_rels_path, names, styles, plan.reports, plan.exps, plan.company)
    if not pkg.changed:
        return pkg
    if styles.changed:
        pkg.changed[styles_part] = styles.bytes()
    if wb_root is None:
        wb_root = _lxml(z.read(book.workbook_part), "workbook.xml")
    _full_calc(wb_root)
    if state["formula_overwritten"]:
        _drop_calc_chain(z, book, pkg, names, wb_rels_path)
    pkg.changed[book.workbook_part] = _tostring(wb_root)
    return pkg


#: rows of a sheet measured for its column widths
_MEASURED_ROWS = 2000


def _layout(xml: bytes, sp: SheetPart, grid: Grid | None, sw: SheetWrite, edit: _SheetEdit,
            region: tuple[int, int, int, int], new_sheet: bool, company: str
            ) -> tuple[Callable[[bytes, bytes], tuple[bytes, bytes]] | None, bool]:
    """How a sheet xlar appends to gets its page setup and column widths, or None to leave it as it is.

    A sheet xlar creates, or one without column widths and without a page setup of its user's
    (e.g. one an older xlar created), gets column widths from its header and values and xlar's
    page setup (``xlar.book.pages``); the internal columns of Applications are hidden. Any other
    sheet keeps its widths and page setup, except that a column too narrow for the figures in it
    grows (it would show ``###``). Returns (the change to the sheet's head and tail, whether the
    sheet got xlar's page setup)."""
    start = xml.find(b"<sheetData")
    if start < 0:
        return None, False
    head = xml[:start]
    own = ours = new_sheet
    if not new_sheet:
        close = xml.rfind(b"</sheetData>")
        tail = xml[close:] if close >= 0 else b""
        users = users_layout(head, tail)
        own = b"<cols" not in head and not users
        ours = not users and b"Page &amp;P of &amp;N" in tail  # laid out by xlar before: its columns may grow
    header_row, first_col = region[0], region[1]
    heads: dict[int, tuple[str, Kind]] = {}
    kinds: dict[int, Kind] = {}
    names = list(grid.headers) if grid is not None and not new_sheet else [c.header for c in sw.spec.columns]
    for i, h in enumerate(names):
        col = sw.spec.column(h)
        kinds[first_col + i] = col.kind if col is not None else Kind.TEXT
        heads[first_col + i] = (str(h or ""), kinds[first_col + i])
    for r in (edit.cells.get(header_row) or {}).items():
        c, o = r
        col = sw.spec.column(o.value)
        kinds[c] = col.kind if col is not None else Kind.TEXT
        heads[c] = (str(o.value or ""), kinds[c])
    rows: list[dict[int, tuple[object, str | None]]] = []
    if grid is not None and not new_sheet:
        fmt = {Kind.MONEY: "#,##0.00", Kind.DATE: DATE_FORMAT, Kind.DATETIME: DATETIME_FORMAT}
        for _, vals in grid.rows[:_MEASURED_ROWS]:
            rows.append({first_col + i: (v, fmt.get(kinds.get(first_col + i, Kind.TEXT)))
                         for i, v in enumerate(vals) if v is not None})
    for r, cells in itertools.islice(edit.cells.items(), _MEASURED_ROWS):
        if r != header_row:
            rows.append({c: (o.value, o.number_format) for c, o in cells.items()})
    for _, block, cols in edit.blocks:
        part = Block(block.records[:_MEASURED_ROWS],
                     block.columns if isinstance(block.columns, tuple) else block.columns[:_MEASURED_ROWS],
                     block.currency, block.exps)
        rows.extend({cols[k]: (o.value, o.number_format) for k, o in values.items()} for values in part.rows())
    if not own:  # xlar's earlier layout: any column may grow; the user's: only one too narrow for its figures
        need = column_widths(heads, rows) if ours else figure_widths(rows)
        return (lambda h, t: (grow_cols(h, need), t)), False
    widths = column_widths(heads, rows)
    hidden = [c for c, (h, _) in heads.items() if (col := sw.spec.column(h)) is not None and col.key in
              hidden_keys(sw.spec)]
    setup = page_setup(sp.title, widths, max(widths, default=1), header_row, company, hidden)

    def apply(h: bytes, t: bytes) -> tuple[bytes, bytes]:
        return with_layout(h, t, setup, widths, hidden)

    return apply, True


def _styles_part(z: zipfile.ZipFile, book: PartsBook, names: set[str]) -> str:
    rels = _rels(z, _rels_path(book.workbook_part), posixpath.dirname(book.workbook_part), names, "")
    for typ, target in rels.values():
        if typ == RNS + "/styles":
            return target
    return posixpath.join(posixpath.dirname(book.workbook_part), "styles.xml")


def _find(book: PartsBook, name: str) -> SheetPart | None:
    key = norm(name)
    for title, sp in book.sheets.items():
        if norm(title) == key:
            return sp
    return None


def _full_calc(wb_root: etree._Element) -> None:
    """Excel recalculates user formulas on open (their inputs may have changed)."""
    calc = wb_root.find(f"{{{NS}}}calcPr")
    if calc is None:
        calc = etree.Element(f"{{{NS}}}calcPr")
        # calcPr comes after sheets/functionGroups/externalReferences/definedNames
        after = None
        for tag in ("sheets", "functionGroups", "externalReferences", "definedNames"):
            el = wb_root.find(f"{{{NS}}}{tag}")
            if el is not None:
                after = el
        if after is None:
            raise Unsupported("workbook.xml without sheets")
        after.addnext(calc)
    calc.set("fullCalcOnLoad", "1")


def _drop_calc_chain(z: zipfile.ZipFile, book: PartsBook, pkg: _Package, names: set[str], rels_path: str) -> None:
    rels = _lxml(pkg.changed.get(rels_path) or z.read(rels_path), "rels")
    for r in list(rels):
        if r.get("Type") == CALC_CHAIN_REL:
            target = _resolve(posixpath.dirname(book.workbook_part), r.get("Target", ""))
            rels.remove(r)
            pkg.changed[target] = None
            ct = _lxml(pkg.changed.get("[Content_Types].xml") or z.read("[Content_Types].xml"), "content types")
            for o in list(ct):
                if o.get("PartName", "").lstrip("/") == target:
                    ct.remove(o)
            pkg.changed["[Content_Types].xml"] = _tostring(ct)
    pkg.changed[rels_path] = _tostring(rels)


def _add_sheet(z: zipfile.ZipFile, book: PartsBook, pkg: _Package, wb_root: etree._Element, rels_path: str,
               names: set[str], name: str) -> SheetPart:
    """A new empty worksheet part, registered in workbook.xml, its rels and [Content_Types].xml."""
    wb_dir = posixpath.dirname(book.workbook_part)
    taken = names | set(pkg.changed) | set(pkg.added)
    n = 1
    while posixpath.join(wb_dir, f"worksheets/sheet{n}.xml") in taken:
        n += 1
    part = posixpath.join(wb_dir, f"worksheets/sheet{n}.xml")
    pkg.changed[part] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         b'<worksheet xmlns="' + NS.encode() + b'" xmlns:r="' + RNS.encode() + b'">'
                         b'<dimension ref="A1"/><sheetData/>'
                         b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                         b"</worksheet>")
    pkg.added.append(part)
    rels = _lxml(pkg.changed.get(rels_path) or z.read(rels_path), "rels")
    ids = {r.get("Id") for r in rels}
    k = len(ids) + 1
    while f"rId{k}" in ids:
        k += 1
    rel = etree.SubElement(rels, f"{{{PKG_RELS}}}Relationship")
    rel.set("Id", f"rId{k}")
    rel.set("Type", WORKSHEET_REL)
    rel.set("Target", f"worksheets/sheet{n}.xml")
    pkg.changed[rels_path] = _tostring(rels)
    sheets = wb_root.find(f"{{{NS}}}sheets")
    if sheets is None:
        raise Unsupported("workbook.xml without sheets")
    sheet_ids = [int(s.get("sheetId") or 0) for s in sheets]
    el = etree.SubElement(sheets, f"{{{NS}}}sheet")
    el.set("name", name)
    el.set("sheetId", str(max(sheet_ids + [0]) + 1))
    el.set(f"{{{RNS}}}id", f"rId{k}")
    ct = _lxml(pkg.changed.get("[Content_Types].xml") or z.read("[Content_Types].xml"), "content types")
    ov = etree.SubElement(ct, f"{{{CT_NS}}}Override")
    ov.set("PartName", "/" + part)
    ov.set("ContentType", WORKSHEET_CT)
    pkg.changed["[Content_Types].xml"] = _tostring(ct)
    sp = SheetPart(name, part)
    book.sheets[name] = sp
    return sp


def write_zip(book: PartsBook, pkg: _Package, target: str) -> None:
    """Write the package to ``target``: changed parts new, every other member copied as stored."""
    src = zipfile.ZipFile(io.BytesIO(book.data))
    with open(target, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            if info.filename in pkg.changed:
                data = pkg.changed[info.filename]
                if data is None:
                    continue
                zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                _write_member(out, zi, data)
            else:
                _copy_raw(book.data, info, out)
        for name in pkg.added:
            zi = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            _write_member(out, zi, pkg.changed[name] or b"")


def _write_member(out: zipfile.ZipFile, zi: zipfile.ZipInfo, data: bytes | _Deflated) -> None:
    """One new member: bytes deflated now (level 1 when big), a :class:`_Deflated` part as it is."""
    if isinstance(data, _Deflated):
        zi.CRC, zi.file_size, zi.compress_size = data.crc, data.size, len(data.raw)
        deflate.write_raw(out, zi, data.raw)
        return
    zi._compresslevel = 1 if len(data) > _BIG_PART else 6  # type: ignore[attr-defined]
    out.writestr(zi, data)


def _copy_raw(data: bytes, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes as they are (no inflate/deflate)."""
    raw = deflate.member_span(data, info)
    if raw is None:
        out.writestr(info, zipfile.ZipFile(io.BytesIO(data)).read(info.filename))
        return
    zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    zi.compress_type = info.compress_type
    zi.external_attr = info.external_attr
    zi.create_system = info.create_system
    zi.CRC = info.CRC
    zi.compress_size = info.compress_size
    zi.file_size = info.file_size
    zi.flag_bits = info.flag_bits
    deflate.write_raw(out, zi, raw)


def save_parts(book: PartsBook, plan: WritePlan, out: Path | None = None) -> Path:
    """Apply ``plan`` and save atomically like :func:`xlar.book.files.save`."""
    pkg = build(book, plan)
    if not pkg.changed:
        def same(tmp: str) -> None:
            Path(tmp).write_bytes(book.data)
        return commit(book.path, book.fingerprint, out, same)
    return commit(book.path, book.fingerprint, out, lambda tmp: write_zip(book, pkg, tmp))


__all__ = ["VBA_SUFFIXES", "PartsBook", "Unsupported", "locked_run", "open_file", "open_parts", "save_file",
           "save_parts"]


# --------------------------------------------------------------------------- choosing the path

ENGINES = ("auto", "parts", "openpyxl")


def open_file(path: Path, engine: str = "auto") -> PartsBook | OpenBook:
    """The book read for a run: by the part reader, or by openpyxl (``engine='openpyxl'``, or when
    the part reader cannot read it and ``engine='auto'``)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    if engine != "openpyxl":
        try:
            return open_parts(path)
        except Unsupported:
            if engine == "parts":
                raise
    return open_book(path)


def save_file(book: PartsBook | OpenBook, plan: WritePlan, out: Path | None = None, engine: str = "auto") -> Path:
    """Apply ``plan`` and save atomically, by the part writer when it can, else through openpyxl."""
    if not plan.company:
        plan.company = company_name(book.grids)
    if isinstance(book, PartsBook):
        try:
            return save_parts(book, plan, out)
        except Unsupported:
            if engine == "parts":
                raise
        ob = open_book(book.path)
        if ob.fingerprint != book.fingerprint:
            raise BookError(f"{book.path} changed while xlar was running; nothing was written. Run again.")
        book = ob
    apply_plan(book.wb, plan)
    return save(book, out)

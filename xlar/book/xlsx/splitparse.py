"""A big sheet parsed by python-calamine on two cores: the sheet's rows cut in two, both halves parsed at once.

python-calamine parses a sheet (``get_sheet_by_name``) with the GIL released, so two
threads parse two sheets in parallel, but one sheet is parsed by one thread: at 100k
Ledger rows that is about 2 s, at a million about 20 s, the largest single step of a run.
For a sheet part bigger than :data:`MIN_SPLIT` bytes of XML this module streams the part
once (ISA-L inflate, :mod:`xlar.book.xlsx.deflate`), cuts it after the ``</row>`` nearest its
middle, and writes each half as the only sheet of a small workbook of its own (the same
styles and shared strings parts, copied as they are, and the same ``date1904``), deflated
as it streams, so the 600 MB of a million-row sheet are never held whole. One half is
parsed on a worker thread, the other on the caller's; the rows are joined where the cut
was. Cells keep their references (``r="B70001"``), so values, types, dates (number
formats from the same styles) and positions are exactly what one parse gives;
``tests/book/test_split_parse.py`` compares the two on real books.

Anything unusual declines before a thread starts and the caller parses the sheet whole:
a row without its ``r`` number where the cut falls, rows out of order across the cut, a
part not deflated. The first half's ``</sheetData>`` is written by this module; whatever
follows the rows in the part (merged cells, conditional formats) stays in the second
half, where calamine reads it as before.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor

from xlar.book.xlsx import deflate

MIN_SPLIT = 16 << 20  # bytes of sheet XML (about 25k rows of 26 columns): below it one parse is fast enough

_SHEET_DATA = re.compile(rb"<sheetData\b[^>]*>")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_ROW_R = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '<Override PartName="/xl/styles.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
       '<Override PartName="/xl/sharedStrings.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
       '</Types>')
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_R}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{_R}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>')


def _workbook_xml(date1904: bool) -> str:
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{_R}">{pr}<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')


class _Half:
    """One half of the sheet XML, deflated as it comes (raw deflate, CRC-32, size)."""

    def __init__(self) -> None:
        self.comp = deflate.big_compressor()
        self.out: list[bytes] = []
        self.crc = self.size = 0

    def feed(self, b: bytes | memoryview) -> None:
        if b:
            self.crc = deflate.crc32(b, self.crc)
            self.size += len(b)
            self.out.append(self.comp.compress(b))

    def book(self, copies: list[tuple[str, zipfile.ZipInfo, bytes | memoryview | None, bytes | None]],
             date1904: bool) -> bytes:
        """The half as the only sheet of a workbook (zip bytes)."""
        self.out.append(self.comp.flush())
        raw = b"".join(self.out)
        self.out = []
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("[Content_Types].xml", _CT)
            zf.writestr("_rels/.rels", _PKG_RELS)
            zf.writestr("xl/workbook.xml", _workbook_xml(date1904))
            zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
            for name, info, comp, plain in copies:
                if comp is not None:
                    _raw_member(zf, name, info.CRC, info.file_size, comp)
                else:
                    zf.writestr(name, plain or b"")
            _raw_member(zf, "xl/worksheets/sheet1.xml", self.crc, self.size, raw)
        return buf.getvalue()


def _raw_member(zf: zipfile.ZipFile, name: str, crc: int, size: int, raw: bytes | memoryview) -> None:
    """A deflated member whose compressed bytes, CRC and size are known, written as they are."""
    zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.CRC, zi.file_size, zi.compress_size = crc, size, len(raw)
    deflate.write_raw(zf, zi, raw)


def _copies(z: zipfile.ZipFile, data: bytes, styles: str | None, strings: str | None
            ) -> list[tuple[str, zipfile.ZipInfo, bytes | memoryview | None, bytes | None]]:
    out = []
    for src, dst in ((styles, "xl/styles.xml"), (strings, "xl/sharedStrings.xml")):
        if src is None:
            continue
        info = z.getinfo(src)
        comp = deflate.member_raw(data, info)
        out.append((dst, info, comp, None if comp is not None else z.read(src)))
    return out


def _halves(z: zipfile.ZipFile, data: bytes, part: str) -> tuple[_Half, _Half, int] | None:
    """The part cut after the ``</row>`` nearest its middle: both halves deflated, and the number of
    the last row of the first half; None when the part cannot be cut safely."""
    info = z.getinfo(part)
    half = info.file_size // 2
    a, b = _Half(), _Half()
    head: bytes | None = None
    pending = b""  # the start of the part until <sheetData> is found; then a few bytes held back
    seen = 0  # bytes of the part before ``pending``
    last_a = 0
    cut_done = False
    for block in deflate.iter_member(z, data, part, 1 << 22):
        if cut_done:
            b.feed(block)
            continue
        buf = pending + block
        if head is None:
            m = _SHEET_DATA.search(buf)
            if m is None:
                if len(buf) > 1 << 24:
                    return None
                pending = buf
                continue
            # the halves say nothing of the sheet's size: calamine sizes its cell store from
            # <dimension>, and each half would reserve the whole sheet's cells
            head = _DIMENSION.sub(b"", buf[:m.end()])
            a.feed(head)
            seen += m.end()
            buf = buf[m.end():]
        at = buf.find(b"</row>", max(0, half - seen)) if seen + len(buf) >= half else -1
        if at < 0:  # before the middle, or no row ends after it yet
            keep = 16  # a ``</row>`` may straddle two blocks: the tail is searched with the next one
            a.feed(buf[:-keep])
            seen += len(buf) - keep
            pending = buf[-keep:]
            continue
        cut = at + 6
        start = buf.rfind(b"<row", 0, at)
        ma = _ROW_R.match(buf, start) if start >= 0 else None
        nxt = buf.find(b"<row", cut)
        mb = _ROW_R.match(buf, nxt) if nxt >= 0 else None
        if ma is None or mb is None or b"</sheetData>" in buf[cut:nxt]:
            return None  # a row without its number, or nothing after the cut: one parse
        last_a = int(ma.group(1))
        if int(mb.group(1)) <= last_a:
            return None  # rows out of order across the cut
        a.feed(buf[:cut])
        a.feed(b"</sheetData></worksheet>")
        b.feed(head)
        b.feed(buf[nxt:])
        cut_done = True
    if not cut_done:
        return None
    return a, b, last_a


def _cores() -> int:
    """CPUs this process may run on (one core: cutting the sheet would only add work)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def shown_rows(z: zipfile.ZipFile, data: bytes, part: str, styles: str | None, strings: str | None,
               date1904: bool) -> list[list[object]] | None:
    """What the sheet in ``part`` shows, from A1, as calamine's ``to_python(skip_empty_area=False)``
    of the whole sheet gives it, parsed as two halves on two threads; None: parse it whole."""
    import python_calamine

    info = z.getinfo(part)
    if info.file_size < MIN_SPLIT or info.compress_type != zipfile.ZIP_DEFLATED or _cores() < 2:
        return None
    got = _halves(z, data, part)
    if got is None:
        return None
    a, b, last_a = got
    copies = _copies(z, data, styles, strings)
    book_a, book_b = a.book(copies, date1904), b.book(copies, date1904)
    del a, b

    def parse(book: bytes, skip: bool) -> tuple[list[list[object]], tuple[int, int]]:
        sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_name("S")
        return sheet.to_python(skip_empty_area=skip), sheet.start

    with ThreadPoolExecutor(1, thread_name_prefix="xlar-parse") as pool:
        first = pool.submit(parse, book_a, False)  # from A1, as the whole sheet
        rows_b, (r0, c0) = parse(book_b, True)  # from its first cell: not the first half's rows again
        rows_a, _ = first.result()
    del book_a, book_b
    if len(rows_a) > last_a or (rows_b and r0 < last_a):
        return None  # not where the cut says: parse it whole
    width = max(len(rows_a[0]) if rows_a else 0, c0 + len(rows_b[0]) if rows_b else 0)
    rows = rows_a
    if rows and len(rows[0]) < width:
        pad = [""] * (width - len(rows[0]))
        rows = [r + pad for r in rows]
    rows.extend([""] * width for _ in range(len(rows), r0))  # blank rows at the cut
    if rows_b:
        right = width - c0 - len(rows_b[0])
        if c0 or right:
            left, pad = [""] * c0, [""] * right
            rows_b = [left + r + pad for r in rows_b]
        rows.extend(rows_b)
    return rows

"""A big sheet parsed in two halves on two threads (``splitparse``) shows exactly what one parse shows.

Real .xlsx files written by openpyxl (shared strings, dates, styles) and by xlar's own part
writer (inline strings); ``MIN_SPLIT`` is lowered so small books are cut too. Compared
with python-calamine's parse of the whole sheet, and through ``open_parts`` + ``read_book``.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from tests.book.builders import standard, write_book
from xlar.book import xlsxparts
from xlar.book.rows import read_book
from xlar.book.xlsx import splitparse


def whole(path: Path, title: str) -> list[list[object]]:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    return wb.get_sheet_by_name(title).to_python(skip_empty_area=False)


def split(path: Path, title: str) -> list[list[object]] | None:
    data = path.read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    names = {Path(i.filename).name: i.filename for i in z.infolist()}
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(title)
    wb.close()
    part = f"xl/worksheets/sheet{index + 1}.xml"
    assert part in z.namelist()
    strings = names.get("sharedStrings.xml") and "xl/sharedStrings.xml"
    date1904 = b'date1904="1"' in z.read("xl/workbook.xml")
    return splitparse.shown_rows(z, data, part, "xl/styles.xml", strings, date1904)


@pytest.fixture
def small_split(monkeypatch):
    monkeypatch.setattr(splitparse, "MIN_SPLIT", 0)


def ledger_book(path: Path, n: int, *, date1904: bool = False, gap: bool = False, ragged: bool = False) -> Path:
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Ledger"
    ws.append(["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Note"])
    for i in range(1, n + 1):
        if gap and n // 2 - 3 < i < n // 2 + 3:
            ws.append([])  # blank rows around the middle
            continue
        row = [i, f"C{i % 7:05d}", date(2026, 1, 1 + i % 28), "Invoice" if i % 3 else "Credit Memo", f"INV-{i}",
               round(1000 + i * 1.25, 2) * (1 if i % 3 else -1), "ü & <x>" if i % 5 == 0 else None]
        if ragged and i > n // 2:
            row[0] = None  # the second half has no Entry No. column at all
            row.append("extra")  # and one more column than the first
        ws.append(row)
    ws["I2"] = datetime(2026, 3, 4, 10, 30)
    ws.merge_cells("K2:L3")
    wb.create_sheet("Other").append(["x"])
    wb.save(path)
    return path


@pytest.mark.parametrize("kw", [{}, {"date1904": True}, {"gap": True}, {"ragged": True}])
def test_two_halves_equal_one_parse(tmp_path, small_split, kw):
    p = ledger_book(tmp_path / "l.xlsx", 3000, **kw)
    got = split(p, "Ledger")
    assert got is not None
    assert got == whole(p, "Ledger")


def test_read_book_is_the_same_with_and_without_the_cut(tmp_path, monkeypatch):
    rows = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"]]
    rows += [["C10000", date(2026, 1, 1 + i % 28), "Invoice", f"INV-{i}", 100 + i] for i in range(4000)]
    p = write_book(tmp_path / "b.xlsx", standard(Ledger=rows))
    monkeypatch.setattr(splitparse, "MIN_SPLIT", 1 << 40)
    one = xlsxparts.open_parts(p)
    monkeypatch.setattr(splitparse, "MIN_SPLIT", 0)
    calls = []
    real = splitparse.shown_rows

    def spy(*a, **k):
        out = real(*a, **k)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(splitparse, "shown_rows", spy)
    two = xlsxparts.open_parts(p)
    assert any(calls)
    for title, g in one.grids.items():
        assert list(two.grids[title].rows) == list(g.rows), title
    a, b = read_book(one.grids), read_book(two.grids)
    assert a.book.ledger == b.book.ledger and len(a.book.ledger) == 4000
    assert a.book.ledger[2500].amount == Decimal("2600.00")
    assert a.issues == b.issues


def test_rows_without_numbers_are_parsed_whole(tmp_path, small_split):
    p = ledger_book(tmp_path / "l.xlsx", 500)
    data = p.read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    out = tmp_path / "nor.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in z.infolist():
            body = z.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'(<row)\s+r="\d+"', rb"\1", body)  # rows may leave out r: implicit numbers
            zo.writestr(info, body)
    assert split(out, "Ledger") is None
    rows = list(xlsxparts.open_parts(out).grids["Ledger"].rows)  # parsed whole by open_parts
    assert rows == list(xlsxparts.open_parts(p).grids["Ledger"].rows) and len(rows) == 500


def test_small_sheets_are_not_cut(tmp_path):
    p = ledger_book(tmp_path / "l.xlsx", 200)
    assert split(p, "Ledger") is None  # far below MIN_SPLIT


def test_one_core_parses_whole(tmp_path, small_split, monkeypatch):
    p = ledger_book(tmp_path / "l.xlsx", 3000)
    monkeypatch.setattr(splitparse, "_cores", lambda: 1)
    assert split(p, "Ledger") is None

"""Writing workbooks: only what changed, tables extended, text never a formula, atomic saves."""

from __future__ import annotations

import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from tests.book.builders import JOURNAL, LEDGER, F, read_sheet
from xlar.book import files, xlsxparts
from xlar.book.commands import run_file
from xlar.book.files import BookError, open_book


def test_unknown_columns_formulas_and_other_sheets_are_kept(make_book):
    ledger = [LEDGER[0] + ["My Note", "Check"]] + [r + [F("=cheap"), F(f"=F{i + 2}*2")] for i, r in enumerate(LEDGER[1:])]
    p = make_book(Ledger=ledger)
    wb = openpyxl.load_workbook(p)
    ws = wb["Ledger"]
    ws["F2"].value = "=text, not a formula"
    ws["F2"].data_type = "s"
    notes = wb.create_sheet("Notes")
    notes["A1"] = "keep me"
    notes["B2"] = "=SUM(1,2)"
    wb.save(p)
    assert run_file(p, "post").exit_code == 0
    wb = openpyxl.load_workbook(p)
    ws = wb["Ledger"]
    assert ws["F2"].value == "=text, not a formula" and ws["F2"].data_type == "s"
    assert ws["G2"].value == "=F2*2" and ws["G2"].data_type == "f"
    assert ws["F3"].value == "=cheap" and ws["F3"].data_type == "f"
    assert wb["Notes"]["A1"].value == "keep me" and wb["Notes"]["B2"].value == "=SUM(1,2)"
    assert wb.sheetnames[:7] == ["Settings", "Customers", "PaymentTerms", "ExchangeRates", "Ledger", "Journal",
                                 "Notes"]
    # our columns were added after the user's, never in between
    headers = [c.value for c in ws[1]]
    assert headers[:7] == ["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "My Note",
                           "Check"]
    assert "Remaining Amount" in headers[7:] and "Closed by Entry No." in headers[7:]


def test_text_from_cells_is_written_as_text_never_a_formula(make_book):
    journal = [JOURNAL[0] + ["Description", "External Document No."],
               JOURNAL[1] + ["=HYPERLINK(\"http://evil\",\"x\")", "+49 123"],
               [date(2026, 1, 12), "Payment", "@SUM(A1)", "C20000", 100, None, "-2+3", "=1+1"]]
    p = make_book(Journal=journal)
    assert run_file(p, "post").exit_code == 0
    ws = openpyxl.load_workbook(p)["Ledger"]
    headers = {c.value: c.column for c in ws[1]}
    cells = {(ws.cell(r, headers["Document No."]).value): r for r in range(2, ws.max_row + 1)}
    r1, r2 = cells["PAY-1"], cells["@SUM(A1)"]
    for row, col, text in [(r1, "Description", '=HYPERLINK("http://evil","x")'), (r1, "External Document No.", "+49 123"),
                           (r2, "Description", "-2+3"), (r2, "External Document No.", "=1+1"),
                           (r2, "Document No.", "@SUM(A1)")]:
        cell = ws.cell(row, headers[col])
        assert (cell.value, cell.data_type) == (text, "s")
    # and in the raw XML no formula element was written for them
    with zipfile.ZipFile(p) as z:
        names = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(z.read(n).decode() for n in names)
    assert "<f>HYPERLINK" not in xml and "<f>1+1" not in xml


def test_money_and_dates_are_numbers_and_dates_with_formats(make_book):
    p = make_book()
    run_file(p, "post")
    ws = openpyxl.load_workbook(p)["Applications"]
    headers = {c.value: c.column for c in ws[1]}
    amount = ws.cell(2, headers["Amount Applied"])
    assert amount.value == 980 and amount.data_type == "n" and amount.number_format == "#,##0.00"
    when = ws.cell(2, headers["Posting Date"])
    assert when.value == datetime(2026, 1, 12) and when.number_format == "yyyy-mm-dd"


def test_excel_tables_are_extended_on_append(make_book):
    p = make_book(tables={"Ledger": "tblLedger", "Journal": "tblJournal"}, anchors={"Ledger": (3, 2)})
    out = run_file(p, "post")
    assert out.exit_code == 0 and out.new_entries == 1
    wb = openpyxl.load_workbook(p)
    t = wb["Ledger"].tables["tblLedger"]
    rows = read_sheet(p, "Ledger", header_row=3, first_col=2)
    assert [r["Document No."] for r in rows] == ["INV-1001", "INV-1002", "PAY-1"]
    last_col = openpyxl.utils.get_column_letter(1 + len(rows[0]))
    assert t.ref == f"B3:{last_col}6"
    assert [c.name for c in t.tableColumns] == list(rows[0])  # header cells and table columns agree
    assert rows[2]["Amount"] == -980 and rows[0]["Remaining Amount"] == 0
    jt = wb["Journal"].tables["tblJournal"]
    assert [c.name for c in jt.tableColumns][-3:] == ["Status", "Message", "Posted Entry No."]
    assert jt.ref == "A1:I2"
    # the table is still readable after our change, and a second run finds the new columns
    assert run_file(p, "post").result == "Nothing to post"
    assert openpyxl.load_workbook(p)["Ledger"].tables["tblLedger"].ref == t.ref


def test_table_with_data_below_is_not_overwritten(make_book):
    p = make_book(tables={"Ledger": "tblLedger"})
    wb = openpyxl.load_workbook(p)
    wb["Ledger"]["A4"] = "user total"
    wb.save(p)
    before = p.read_bytes()
    with pytest.raises(BookError, match="below table tblLedger"):
        run_file(p, "post")
    assert p.read_bytes() == before


def test_save_keeps_a_backup_of_the_original(make_book):
    p = make_book()
    before = p.read_bytes()
    run_file(p, "post")
    bak = p.with_name("book.xlsx.bak")
    assert bak.read_bytes() == before and p.read_bytes() != before
    assert not [f for f in os.listdir(p.parent) if f.startswith(".~xlar-")]


@pytest.mark.parametrize("engine", ["openpyxl", "parts"])
@pytest.mark.parametrize("fail_on", [1, 2])
def test_crash_during_save_leaves_the_original_byte_identical(make_book, monkeypatch, fail_on, engine):
    p = make_book()
    before = p.read_bytes()
    calls = {"n": 0}
    real = os.replace

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == fail_on:
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", flaky)
    with pytest.raises(BookError, match="cannot save"):
        run_file(p, "post", engine=engine)
    assert p.read_bytes() == before
    bak = p.with_name("book.xlsx.bak")
    assert not bak.exists() or bak.read_bytes() == before  # a .bak, if any, is the original
    assert not [f for f in os.listdir(p.parent) if f.startswith(".~xlar-")]


@pytest.mark.parametrize("engine", ["openpyxl", "parts"])
def test_crash_while_writing_the_temp_file(make_book, monkeypatch, engine):
    p = make_book()
    before = p.read_bytes()

    def boom(*args):
        Path(args[-1]).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    monkeypatch.setattr(xlsxparts, "write_zip", boom)
    with pytest.raises(BookError):
        run_file(p, "post", engine=engine)
    assert p.read_bytes() == before and not p.with_name("book.xlsx.bak").exists()
    assert not [f for f in os.listdir(p.parent) if f.startswith(".~xlar-")]


def test_book_changed_during_the_run_is_not_overwritten(make_book, monkeypatch):
    p = make_book()
    real = files.save

    def touch_then_save(book, out=None):
        p.write_bytes(p.read_bytes() + b"")  # same bytes: fine
        return real(book, out)

    monkeypatch.setattr("xlar.book.xlsxparts.save", touch_then_save)
    assert run_file(p, "post", engine="openpyxl").exit_code == 0
    book = open_book(p)
    wb2 = openpyxl.load_workbook(p)
    wb2["Journal"]["H9"] = "edited in Excel meanwhile"
    wb2.save(p)
    with pytest.raises(BookError, match="changed while xlar was running"):
        files.save(book)


def test_out_writes_a_copy_and_leaves_the_book(make_book, tmp_path):
    p = make_book()
    before = p.read_bytes()
    target = tmp_path / "sub"
    target.mkdir()
    out = run_file(p, "post", out=target / "posted.xlsx")
    assert out.written_to == str(target / "posted.xlsx")
    assert p.read_bytes() == before and not p.with_name("book.xlsx.bak").exists()
    assert [r["Status"] for r in read_sheet(target / "posted.xlsx", "Journal")] == ["Posted"]


def test_unreadable_files_give_book_errors(tmp_path):
    bad = tmp_path / "not.xlsx"
    bad.write_text("hello")
    with pytest.raises(BookError, match="not an Excel workbook|damaged") as e:
        open_book(bad)
    assert e.value.exit_code == 1
    with pytest.raises(BookError, match="no such file") as e:
        open_book(tmp_path / "missing.xlsx")
    assert e.value.exit_code == 2


def test_xml_is_parsed_with_defusedxml():
    import openpyxl.xml.functions as fx

    assert openpyxl.DEFUSEDXML is True
    assert fx.iterparse.__module__.startswith("defusedxml")


def _xlsm(path: Path, make_book) -> Path:
    """An .xlsm with a vbaProject part (opaque bytes: openpyxl keeps it as it is)."""
    src = make_book("src.xlsx")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                    b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    b"</Types>")
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft'
                                    b'.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                    b"</Relationships>")
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", b"VBA-PROJECT-BYTES" * 64)
    return path


def test_xlsm_keeps_its_vba(make_book, tmp_path):
    p = _xlsm(tmp_path / "book.xlsm", make_book)
    assert run_file(p, "post").exit_code == 0
    with zipfile.ZipFile(p) as z:
        assert z.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES" * 64
        assert b"macroEnabled" in z.read("[Content_Types].xml")
    assert [r["Status"] for r in read_sheet(p, "Journal")] == ["Posted"]

"""The zip-part writer: only changed parts rewritten, the rest byte-identical, same sheets as openpyxl."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from tests.book.builders import JOURNAL, LEDGER, F
from xlar.book import files, xlsxparts
from xlar.book.commands import run_file
from xlar.book.files import BookError


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def cells(path: Path) -> dict[str, dict[str, tuple[object, str]]]:
    """Every non-empty cell of every sheet: (value, number format), plus each table's ref and columns."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, dict[str, tuple[object, str]]] = {}
    for ws in wb.worksheets:
        d = {c.coordinate: (c.value, c.number_format if c.data_type == "n" or c.is_date else "")
             for row in ws.iter_rows() for c in row if c.value not in (None, "")}
        for t in ws.tables.values():
            d["table:" + t.displayName] = (t.ref, ",".join(c.name for c in t.tableColumns))
        out[ws.title] = d
    return out


def with_chart(path: Path) -> Path:
    """Add a Chart sheet whose chart reads the Ledger, and a Notes sheet with a formula."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Chart")
    for i, v in enumerate([3, 5, 8], start=1):
        ws.cell(i, 1, v)
    ch = BarChart()
    ch.add_data(Reference(ws, min_col=1, min_row=1, max_row=3))
    ws.add_chart(ch, "C2")
    wb.create_sheet("Notes")["A1"] = "=SUM(Chart!A1:A3)"
    wb.save(path)
    return path


def copies(p: Path, tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a" / p.name, tmp_path / "b" / p.name
    for x in (a, b):
        x.parent.mkdir(exist_ok=True)
        shutil.copy(p, x)
    return a, b


def test_untouched_parts_stay_byte_identical_and_the_chart_survives(make_book):
    p = with_chart(make_book())
    before = members(p)
    assert any(n.startswith("xl/charts/chart") for n in before)
    out = run_file(p, "post", engine="parts")
    assert out.exit_code == 0 and out.new_entries == 1
    after = members(p)
    changed = {n for n in before if before[n] != after.get(n)}
    sheet_of = {ws: f"xl/worksheets/sheet{i}.xml" for i, ws in enumerate(openpyxl.load_workbook(p).sheetnames, 1)}
    # only the Ledger and Journal sheets, styles (new number formats) and workbook.xml (new sheets) changed
    assert changed <= {sheet_of["Ledger"], sheet_of["Journal"], "xl/styles.xml", "xl/workbook.xml",
                       "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert {n for n in before if n.startswith(("xl/charts/", "xl/drawings/"))} <= set(after)
    assert all(after[n] == before[n] for n in before if n.startswith(("xl/charts/", "xl/drawings/", "docProps/")))
    assert b"sharedStrings" not in b"".join(n.encode() for n in changed)
    added = set(after) - set(before)
    assert len(added) == 4  # Applications, GLEntries, RunLog, PostedLines
    wb = openpyxl.load_workbook(p)
    assert wb["Notes"]["A1"].value == "=SUM(Chart!A1:A3)"
    assert wb.sheetnames[-4:] == ["Applications", "GLEntries", "RunLog", "PostedLines"]


@pytest.mark.parametrize("case", ["plain", "tables", "errors", "unapply", "anchored", "xlsm"])
def test_the_part_writer_gives_the_same_sheets_as_openpyxl(make_book, tmp_path, case):
    kw: dict = {}
    if case in ("tables", "anchored"):
        kw["tables"] = {"Ledger": "tblLedger", "Journal": "tblJournal"}
    if case == "anchored":
        kw["anchors"] = {"Ledger": (3, 2)}
    if case == "errors":
        kw["Journal"] = [JOURNAL[0], JOURNAL[1], ["31.01.2026", "Payment", "PAY-3", "C20000", 10, None]]
    p = make_book(**kw)
    if case == "xlsm":
        from tests.book.test_write import _xlsm

        p = _xlsm(tmp_path / "book.xlsm", make_book)
    a, b = copies(p, tmp_path)
    for path, engine in ((a, "parts"), (b, "openpyxl")):
        r = run_file(path, "post", engine=engine)
        if case == "unapply":
            run_file(path, "unapply", engine=engine, application_no=1)
        r2 = run_file(path, "post", engine=engine)
        assert r2.result in ("Nothing to post", "Errors: nothing posted")
        assert r.exit_code == (1 if case == "errors" else 0)
    ca, cb = cells(a), cells(b)
    assert list(ca) == list(cb)
    for sheet in ca:
        if sheet == "RunLog":  # the times differ
            continue
        assert ca[sheet] == cb[sheet], sheet


def test_user_columns_formulas_and_styles_on_changed_rows_are_kept(make_book):
    ledger = [LEDGER[0] + ["My Note", "Check"]] + [r + ["note", F(f"=E{i + 2}*2")] for i, r in enumerate(LEDGER[1:])]
    p = make_book(Ledger=ledger)
    wb = openpyxl.load_workbook(p)
    wb["Ledger"]["A2"].font = openpyxl.styles.Font(bold=True)
    wb.save(p)
    assert run_file(p, "post", engine="parts").exit_code == 0
    ws = openpyxl.load_workbook(p)["Ledger"]
    assert ws["F2"].value == "note" and ws["G2"].value == "=E2*2" and ws["A2"].font.b
    headers = [c.value for c in ws[1]]
    assert headers[:7] == ledger[0] and "Remaining Amount" in headers


def test_excel_repairs_nothing_calc_on_load_and_inline_strings(make_book):
    p = make_book()
    run_file(p, "post", engine="parts")
    m = members(p)
    assert b'fullCalcOnLoad="1"' in m["xl/workbook.xml"]
    ledger = next(v for k, v in m.items() if k.startswith("xl/worksheets/") and b"PAY-1" in v and b"Remaining" in v)
    assert b't="inlineStr"' in ledger
    # the dimension covers the new cells
    wb = openpyxl.load_workbook(p, read_only=True)
    assert wb["Ledger"].calculate_dimension().startswith("A1:")


def test_overwriting_a_formula_drops_the_calc_chain(make_book, tmp_path):
    ledger = [LEDGER[0] + ["Remaining Amount"]] + [r + [F(f"=E{i + 2}")] for i, r in enumerate(LEDGER[1:])]
    p = make_book(Ledger=ledger)
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(tmp_path / "c.xlsx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>')
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdCC" Type="http://schemas.openxml'
                                    b'formats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
                                    b"</Relationships>")
            if item.filename == "xl/worksheets/sheet5.xml":  # cached values, as Excel saves them
                data = data.replace(b"<f>E2</f><v></v>", b"<f>E2</f><v>1000</v>").replace(
                    b"<f>E3</f><v></v>", b"<f>E3</f><v>500</v>")
            zout.writestr(item, data)
        zout.writestr("xl/calcChain.xml", b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                      b'2006/main"><c r="F2" i="5"/><c r="F3"/></calcChain>')
    c = tmp_path / "c.xlsx"
    assert run_file(c, "post", engine="parts").exit_code == 0
    m = members(c)
    assert "xl/calcChain.xml" not in m and b"calcChain" not in m["[Content_Types].xml"]
    assert b"calcChain" not in m["xl/_rels/workbook.xml.rels"]
    assert openpyxl.load_workbook(c)["Ledger"]["F2"].value == 0


def test_a_crash_at_any_write_step_loses_nothing(make_book, monkeypatch):
    p = make_book(tables={"Ledger": "tblLedger"})
    before = p.read_bytes()
    steps = [(xlsxparts, "open_parts"), (xlsxparts, "rewrite_sheet"), (xlsxparts, "_rewrite_table"),
             (xlsxparts, "_add_sheet"), (xlsxparts, "cell_xml"), (xlsxparts, "write_zip"),
             (xlsxparts, "_copy_raw"), (files, "_copy_hashing"), (files.tempfile, "mkstemp"), (files.os, "replace"),
             (files, "_keep_mode")]
    for mod, name in steps:
        real = getattr(mod, name)

        def boom(*a, **k):
            raise OSError(5, "I/O error injected")

        monkeypatch.setattr(mod, name, boom)
        with pytest.raises((BookError, OSError)):
            run_file(p, "post", engine="parts")
        monkeypatch.setattr(mod, name, real)
        assert p.read_bytes() == before, name
        assert not [f for f in os.listdir(p.parent) if f.startswith(".~xlar-")]
    # and after all that, a normal run works
    assert run_file(p, "post", engine="parts").exit_code == 0


def test_a_book_open_in_excel_gets_a_clear_message(make_book):
    p = make_book()
    before = p.read_bytes()
    lock = p.with_name("~$" + p.name)
    lock.write_bytes(b"someone")
    with pytest.raises(BookError, match="open in Excel or LibreOffice"):
        run_file(p, "post")
    assert p.read_bytes() == before
    lock.unlink()
    p.with_name(".~lock." + p.name + "#").write_text("x")
    with pytest.raises(BookError, match="open in Excel or LibreOffice"):
        run_file(p, "post", engine="openpyxl")


def test_xml_bomb_is_refused(make_book, tmp_path):
    p = make_book()
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(tmp_path / "bomb.xlsx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"<workbook ", b'<!DOCTYPE x [<!ENTITY a "b">]><workbook ', 1)
            zout.writestr(item, data)
    with pytest.raises(BookError, match="DOCTYPE|forbidden|damaged"):
        run_file(tmp_path / "bomb.xlsx", "post")
    assert bomb  # the sharedStrings variant is refused by openpyxl's defusedxml parser too


def test_date1904_books_get_1904_serials(make_book):
    p = make_book()
    wb = openpyxl.load_workbook(p)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.save(p)
    assert run_file(p, "post", engine="parts").exit_code == 0
    ws = openpyxl.load_workbook(p)["Applications"]
    assert ws["B2"].value.date() == date(2026, 1, 12)


def test_rows_appended_below_user_cells_merge_with_them(make_book):
    p = make_book()
    wb = openpyxl.load_workbook(p)
    wb["Ledger"]["Z4"] = "a note far right"
    wb["Ledger"]["Z10"] = "another"
    wb.save(p)
    assert run_file(p, "post", engine="parts").exit_code == 0
    ws = openpyxl.load_workbook(p)["Ledger"]
    assert ws["Z4"].value == "a note far right" and ws["D4"].value == "PAY-1" and ws["Z10"].value == "another"


def test_unsupported_books_fall_back_to_openpyxl(make_book, monkeypatch):
    p = make_book()

    def refuse(*a, **k):
        raise xlsxparts.Unsupported("test")

    monkeypatch.setattr(xlsxparts, "build", refuse)
    assert run_file(p, "post").exit_code == 0
    with pytest.raises(xlsxparts.Unsupported):
        run_file(p, "post", engine="parts")


def test_defined_names_other_sheets_and_their_formats_survive(make_book):
    from openpyxl.workbook.defined_name import DefinedName

    p = make_book()
    wb = openpyxl.load_workbook(p)
    wb.defined_names["AR_Rate"] = DefinedName("AR_Rate", attr_text="ExchangeRates!$C$2")
    notes = wb.create_sheet("Notes")
    notes["A1"] = F("=AR_Rate*2")
    notes["A1"].number_format = "0.000"
    notes.column_dimensions["A"].width = 33
    wb.save(p)
    before = members(p)
    assert run_file(p, "post", engine="parts").exit_code == 0
    after = members(p)
    notes_part = next(n for n in before if n.startswith("xl/worksheets/") and b"AR_Rate*2" in before[n])
    assert after[notes_part] == before[notes_part]
    wb = openpyxl.load_workbook(p)
    assert wb.defined_names["AR_Rate"].attr_text == "ExchangeRates!$C$2"
    assert wb["Notes"]["A1"].number_format == "0.000" and wb["Notes"].column_dimensions["A"].width == 33

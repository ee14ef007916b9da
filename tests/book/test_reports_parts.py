"""Report sheets written by the zip-part writer (``xlsxreports``): month end, bank, predict keep the user's parts."""

from __future__ import annotations

import posixpath
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.chart import LineChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from tests.month_end.test_cli import book as month_end_book
from xlar.book import xlsxparts
from xlar.book.commands import run_file
from xlar.book.month_end import MonthEndOptions, run_month_end
from xlar.book.plan import WritePlan
from xlar.core.tables import Cell, CellKind, Emphasis, Table, day, money, pct

AS_OF = MonthEndOptions(as_of=date(2026, 3, 31))
REPORTS = ["Aging", "Statements", "Reminders", "FinanceCharges", "UnappliedCash"]
#: a 1x1 PNG
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5e2"
                    "d6e40000000049454e44ae426082")


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def check_package(path: Path) -> dict[str, bytes]:
    """Every relationship points at a part, every part has a content type, no part is orphaned."""
    m = members(path)
    ct = etree.fromstring(m["[Content_Types].xml"])
    overrides = {o.get("PartName").lstrip("/") for o in ct if o.get("PartName")}
    defaults = {o.get("Extension").lower() for o in ct if o.get("Extension")}
    assert overrides <= set(m), overrides - set(m)
    referenced = set()
    for name, data in m.items():
        if not name.endswith(".rels"):
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
            continue
        d, n = posixpath.split(name)
        src = posixpath.join(posixpath.dirname(d), n[:-5])
        assert src == "" or src in m, f"{name} belongs to no part"
        for r in etree.fromstring(data):
            if r.get("TargetMode") == "External":
                continue
            t = r.get("Target")
            target = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(src), t))
            assert target in m, f"{name} -> {target} missing"
            referenced.add(target)
    orphans = {n for n in m if not n.endswith(".rels") and n != "[Content_Types].xml" and n not in referenced}
    assert not orphans, orphans
    return m


def add_image(path: Path, drawing: str) -> str:
    """Put a picture into ``drawing`` (a drawing part of the book), as Excel stores one: returns its media part."""
    m = members(path)
    media = "xl/media/image1.png"
    rels_name = posixpath.join(posixpath.dirname(drawing), "_rels", posixpath.basename(drawing) + ".rels")
    rels = etree.fromstring(m[rels_name])
    rel = etree.SubElement(rels, "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship")
    rel.set("Id", "rIdPic1")
    rel.set("Type", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image")
    rel.set("Target", "/" + media)
    xdr = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    pic = (f'<xdr:oneCellAnchor xmlns:xdr="{xdr}" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><xdr:from><xdr:col>0</xdr:col>'
           '<xdr:colOff>0</xdr:colOff><xdr:row>10</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
           '<xdr:ext cx="952500" cy="952500"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="7" name="Logo"/><xdr:cNvPicPr/>'
           '</xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rIdPic1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
           '<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/>'
           '</xdr:oneCellAnchor>')
    root = etree.fromstring(m[drawing])
    root.append(etree.fromstring(pic))
    ct = etree.fromstring(m["[Content_Types].xml"])
    d = etree.SubElement(ct, "{http://schemas.openxmlformats.org/package/2006/content-types}Default")
    d.set("Extension", "png")
    d.set("ContentType", "image/png")
    ct.insert(0, d)
    m[drawing] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    m[rels_name] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8")
    m["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8")
    m[media] = PNG
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in m.items():
            z.writestr(n, data)
    return media


def user_book(tmp_path: Path) -> Path:
    """The month-end book, posted, plus a Dashboard sheet with a user chart and a picture, and a defined name."""
    p = month_end_book(tmp_path)
    assert run_file(p, "post").exit_code == 0
    return decorate(p)


def user_parts(m: dict[str, bytes]) -> dict[str, bytes]:
    return {n: d for n, d in m.items() if n.startswith(("xl/charts/", "xl/drawings/", "xl/media/"))}


def test_month_end_keeps_the_users_chart_picture_and_names_byte_identical(tmp_path):
    p = user_book(tmp_path)
    before = check_package(p)
    kept = user_parts(before)
    assert "xl/media/image1.png" in kept and any(n.startswith("xl/charts/") for n in kept)
    dash = next(n for n in before if n.startswith("xl/worksheets/sheet") and b"<v>9</v>" in before[n])
    out = run_month_end(p, AS_OF, engine="parts")
    assert out.exit_code == 0 and out.tie_difference == "1500.00"
    after = check_package(p)
    for n, data in kept.items():
        assert after[n] == data, n
    assert after[dash] == before[dash]
    wb_xml = after["xl/workbook.xml"]
    assert b'name="AR_Limit"' in wb_xml and b"Dashboard!$A$1:$A$3" in wb_xml
    # the Aging sheet got its own drawing and chart
    new_charts = {n for n in after if n.startswith("xl/charts/")} - set(kept)
    assert len(new_charts) == 1
    chart = after[new_charts.pop()]
    assert b"<c:barDir val=\"col\"/>" in chart and b"'Aging'!$C$" in chart
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[-len(REPORTS):] == REPORTS
    assert len(wb["Aging"]._charts) == 1 and len(wb["Dashboard"]._charts) == 1
    # (openpyxl without Pillow does not load pictures: the drawing and media bytes above are the check)
    assert any(b'r:embed="rIdPic1"' in after[n] for n in kept if n.startswith("xl/drawings/drawing"))


def test_a_second_month_end_replaces_the_reports_and_their_chart(tmp_path):
    p = user_book(tmp_path)
    before = members(p)
    run_month_end(p, AS_OF, engine="parts")
    first = check_package(p)
    names = openpyxl.load_workbook(p).sheetnames
    aging_part = next(n for n in first if n.startswith("xl/worksheets/sheet") and b"Aged accounts receivable as of" in first[n])
    run_month_end(p, MonthEndOptions(as_of=date(2026, 4, 30)), engine="parts")
    second = check_package(p)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == names  # replaced in place, not duplicated
    assert b"2026-04-30" in second[aging_part]  # the same part, new content
    charts = [n for n in second if n.startswith("xl/charts/")]
    drawings = [n for n in second if n.startswith("xl/drawings/drawing")]
    assert len(charts) == 2 and len(drawings) == 2  # the user's and the Aging sheet's, nothing left behind
    mine = {n for n in first if n.startswith(("xl/charts/", "xl/drawings/"))} - set(user_parts(before))
    assert all(second[n] == before[n] for n in user_parts(before))
    assert not mine & set(second)  # the first run's Aging drawing and chart were dropped
    assert len(wb["Aging"]._charts) == 1


def _look(c) -> tuple:
    """What a report cell shows: value, number format, bold, italic, fill colour (RGB), top border."""
    fill = c.fill.fgColor.rgb[-6:] if c.fill is not None and c.fill.fill_type == "solid" else None
    v = c.value
    if isinstance(v, float):  # openpyxl writes 16 significant digits, the part writer the exact decimal
        v = float(f"{v:.15g}")
    return (v, c.number_format if c.value is not None else "", bool(c.font.b), bool(c.font.i), fill,
            c.border.top.style)


def test_reports_are_the_same_whichever_engine_wrote_them(tmp_path):
    p = user_book(tmp_path)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    shutil.copy(p, a)
    shutil.copy(p, b)
    run_month_end(a, AS_OF, engine="parts")
    run_month_end(b, AS_OF, engine="openpyxl")
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    assert wa.sheetnames == wb.sheetnames
    for name in REPORTS:
        sa, sb = wa[name], wb[name]
        assert (sa.max_row, sa.max_column) == (sb.max_row, sb.max_column), name
        for ra, rb in zip(sa.iter_rows(), sb.iter_rows(), strict=True):
            for ca, cb in zip(ra, rb, strict=True):
                assert _look(ca) == _look(cb), (name, ca.coordinate)
        assert sa.freeze_panes == sb.freeze_panes
        assert {k: d.width for k, d in sa.column_dimensions.items()} == \
            {k: d.width for k, d in sb.column_dimensions.items()}
        assert len(sa._charts) == len(sb._charts)
    aging = wa["Aging"]
    total = next(r for r in aging.iter_rows() if r[0].value == "Total")
    assert [c.value for c in total[2:8]] == [0, 2600, 1500, 0, 0, 4100]
    assert total[7].number_format == "#,##0.00" and total[7].font.b and total[7].border.top.style == "thin"


def test_an_existing_report_sheet_keeps_its_place_and_loses_only_its_own_parts(tmp_path):
    p = month_end_book(tmp_path)
    assert run_file(p, "post").exit_code == 0
    wb = openpyxl.load_workbook(p)
    old = wb.create_sheet("aging", 2)  # a stale report in the middle, another case, a chart of its own
    old["A1"] = "old"
    old["A2"] = "=1+1"
    ch = LineChart()
    ch.add_data(Reference(old, min_col=1, min_row=1, max_row=2))
    old.add_chart(ch, "C2")
    wb.save(p)
    before = check_package(p)
    assert any(n.startswith("xl/charts/") for n in before)
    run_month_end(p, AS_OF, engine="parts")
    after = check_package(p)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[2] == "aging" and "Aging" not in wb.sheetnames[3:]
    assert wb["aging"]["A1"].value.startswith("Aged accounts receivable as of")
    assert len(wb["aging"]._charts) == 1
    chart = next(after[n] for n in after if n.startswith("xl/charts/"))
    assert b"'aging'!$C$" in chart and b"<c:barChart>" in chart  # the old line chart is gone
    assert len([n for n in after if n.startswith("xl/charts/")]) == 1
    assert "xl/calcChain.xml" not in after


def test_report_cells_text_is_never_a_formula_and_values_keep_their_types(tmp_path):
    p = month_end_book(tmp_path)
    t = Table("Odd")
    t.add("Odd values", emphasis=Emphasis.TITLE)
    t.add("Text", "Money", "Date", "When", "Pct", "Int", "Flag", emphasis=Emphasis.HEADER)
    t.header_rows = 2
    t.add("=SUM(A1:A2)", money(Decimal("-1234.5"), "JPY"), day(date(2026, 3, 31)), datetime(2026, 3, 31, 12, 0),
          pct(Decimal("0.25")), Cell(7, CellKind.INT), True)
    t.add(" spaced \x01", money(Decimal("0E-8"), "EUR"), None, "", Cell(Decimal("1E+3"), CellKind.NUMBER),
          emphasis=Emphasis.NOTE)
    plan = WritePlan(reports=[t], exps={"JPY": 0})
    book = xlsxparts.open_parts(p)
    xlsxparts.save_parts(book, plan)
    check_package(p)
    ws = openpyxl.load_workbook(p)["Odd"]
    assert ws["A3"].value == "=SUM(A1:A2)" and ws["A3"].data_type == "s"
    assert ws["B3"].value == -1234.5 and ws["B3"].number_format == "#,##0"
    assert ws["C3"].value == datetime(2026, 3, 31) and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["D3"].value == datetime(2026, 3, 31, 12, 0) and ws["D3"].number_format == "yyyy-mm-dd h:mm:ss"
    assert ws["E3"].value == 0.25 and ws["E3"].number_format == "0.0%"
    assert ws["F3"].value == 7 and ws["G3"].value is True
    assert ws["A4"].value == " spaced " and ws["A4"].font.i
    assert ws["B4"].value == 0 and ws["E4"].value == 1000 and ws["E4"].number_format == "0.0"
    assert ws["A1"].font.b and ws["A1"].font.sz == 12 and ws.freeze_panes == "A3"


def decorate(p: Path) -> Path:
    """A Dashboard sheet with a user chart and a picture, and a defined name."""
    wb = openpyxl.load_workbook(p)
    ws = wb.create_sheet("Dashboard")
    for i, v in enumerate([4, 9, 2], start=1):
        ws.cell(i, 1, v)
    ch = LineChart()
    ch.add_data(Reference(ws, min_col=1, min_row=1, max_row=3))
    ws.add_chart(ch, "C2")
    wb.defined_names["AR_Limit"] = DefinedName("AR_Limit", attr_text="Dashboard!$A$1:$A$3")
    wb.save(p)
    drawing = next(n for n in members(p) if n.startswith("xl/drawings/drawing") and n.endswith(".xml"))
    add_image(p, drawing)
    return p


def bank_book(tmp_path: Path) -> tuple[Path, Path]:
    """The bank workbook of tests/bank with the user's Dashboard, and a CAMT.053 statement for it."""
    from tests.bank import test_workbook as T
    from tests.bank.samples import camt053
    from tests.book.builders import write_book

    p = write_book(tmp_path / "bank.xlsx", {
        "Settings": T.SETTINGS, "Customers": T.CUSTOMERS, "PaymentTerms": T.TERMS, "Ledger": T.LEDGER,
        "BankProfiles": T.PROFILES, "TextToAccount": T.MAPPINGS})
    return decorate(p), camt053(tmp_path / "stmt.xml")


def test_bank_commands_through_the_part_writer_keep_the_users_parts(tmp_path):
    from xlar.book.bank import run_bank_file

    p, stmt = bank_book(tmp_path)
    kept = user_parts(members(p))
    assert run_bank_file(p, "import-statement", file=stmt, engine="parts").exit_code == 0
    assert run_bank_file(p, "match", engine="parts").exit_code == 0
    first = check_package(p)
    assert run_bank_file(p, "match", engine="parts").exit_code == 0  # replaced, not duplicated
    out = run_bank_file(p, "reconcile", statement_no="STMT-1", engine="parts")
    after = check_package(p)
    for n, data in kept.items():
        assert after[n] == data, n
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames.count("MatchProposals") == 1 and "BankReconciliation" in wb.sheetnames
    assert len(wb.sheetnames) == len(openpyxl.load_workbook(p).sheetnames)
    mp = wb["MatchProposals"]
    assert mp.freeze_panes is not None and mp.max_row > 2
    assert len([n for n in first if n.startswith("xl/worksheets/sheet")]) + 1 == \
        len([n for n in after if n.startswith("xl/worksheets/sheet")])  # + BankReconciliation
    assert out.workbook == str(p)


def test_what_the_part_writer_cannot_do_falls_back_to_openpyxl_with_the_same_reports(tmp_path, monkeypatch):
    from xlar.book import xlsxreports

    p = user_book(tmp_path)

    def refuse(*a, **k):
        raise xlsxparts.Unsupported("test")

    monkeypatch.setattr(xlsxreports, "write_reports", refuse)
    out = run_month_end(p, AS_OF)  # engine "auto"
    assert out.exit_code == 0
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[-len(REPORTS):] == REPORTS and len(wb["Aging"]._charts) == 1
    total = next(r for r in wb["Aging"].iter_rows() if r[0].value == "Total")
    assert [c.value for c in total[2:8]] == [0, 2600, 1500, 0, 0, 4100]
    with pytest.raises(xlsxparts.Unsupported):
        run_month_end(p, AS_OF, engine="parts")

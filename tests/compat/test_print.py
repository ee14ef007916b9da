"""Sheets xlar writes print: one page wide, headings repeated, header and footer, no ``###`` (issue 16 item 2).

The demo (300 customers) is posted and closed for October; its Aging prints one page wide in
LibreOffice, every page carrying the report's title rows, the company in the header and
"Page x of y" in the footer. MatchProposals for a 5-line statement fits one page. Every
column of every sheet xlar wrote is at least as wide as its longest figure as Excel shows it
(``narrow_columns`` measures the written file, independently of the writers), on both
writers. A page setup the user made on a report sheet survives the next run.
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
from openpyxl.utils import get_column_letter
from rich.console import Console

from tests.compat.render import SOFFICE, page_texts, pngs, sheet_pdfs, without_other_data

XLAR_SHEETS = ("Aging", "Statements", "Reminders", "FinanceCharges", "UnappliedCash", "Applications", "GLEntries",
               "Issues", "RunLog", "MatchProposals", "BankReconciliation", "BankLedger", "BankStatement", "Outlook",
               "DirectDebit", "CollectionEntries")
DEFAULT_WIDTH = 8.43


# --------------------------------------------------------------------------- the ### check

def shown(value: object, fmt: str) -> str:
    """``value`` as Excel shows it in ``fmt``, for the number formats xlar writes (any other fails the test)."""
    f = fmt or "General"
    if isinstance(value, (datetime, date)):
        py = {"yyyy-mm-dd": "%Y-%m-%d", "yyyy-mm-dd hh:mm:ss": "%Y-%m-%d %H:%M:%S",
              "yyyy-mm-dd h:mm:ss": "%Y-%m-%d %H:%M:%S"}
        assert f in py, f"date format {f!r}"
        return value.strftime(py[f])
    if isinstance(value, bool):
        return "FALSE" if not value else "TRUE"
    v = Decimal(str(value))
    m = re.fullmatch(r"(#,##)?0(?:\.(0+))?(%?)", f)
    if f == "General":
        text = format(v.normalize(), "f")
        return text if len(text) <= 11 else f"{float(v):.6g}"
    assert m is not None, f"number format {f!r}"
    places = len(m.group(2) or "")
    if m.group(3):
        return f"{v * 100:.{places}f}%"
    return f"{v:,.{places}f}" if m.group(1) else f"{v:.{places}f}"


def column_widths(ws) -> dict[int, float]:
    widths: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.width and dim.customWidth:
            for c in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
                widths[c] = -1 if dim.hidden else dim.width
    return widths


def narrow_columns(path: Path, sheets: tuple[str, ...] = XLAR_SHEETS) -> list[tuple[str, str, float, str]]:
    """(sheet, column, width, value as shown) of every number or date wider than its column (Excel shows
    ``###``): the formatted length plus one character of padding, 10 % more in a bold cell."""
    small = without_other_data(path, sheets, path.with_name(path.stem + "-widths.xlsx"))
    wb = openpyxl.load_workbook(small)
    bad = []
    for ws in wb.worksheets:
        if ws.title not in sheets:
            continue
        widths = column_widths(ws)
        worst: dict[int, tuple[float, str]] = {}
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if v is None or isinstance(v, str) or widths.get(cell.column) == -1:
                    continue
                text = shown(v, cell.number_format)
                need = len(text) * (1.1 if cell.font is not None and cell.font.b else 1.0) + 1
                if need > worst.get(cell.column, (0, ""))[0]:
                    worst[cell.column] = (need, text)
        for c, (need, text) in worst.items():
            w = widths.get(c, DEFAULT_WIDTH)
            if need > w:
                bad.append((ws.title, get_column_letter(c), w, text))
    return bad


def test_the_check_finds_a_date_in_a_default_width_column(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "RunLog"
    ws["A1"] = datetime(2026, 10, 31, 12, 0, 0)
    ws["A1"].number_format = "yyyy-mm-dd hh:mm:ss"
    ws["B1"] = 1234567.5
    ws["B1"].number_format = "#,##0.00"
    ws.column_dimensions["B"].width = 13
    wb.save(tmp_path / "x.xlsx")
    assert narrow_columns(tmp_path / "x.xlsx") == [("RunLog", "A", DEFAULT_WIDTH, "2026-10-31 12:00:00")]
    ws.column_dimensions["A"].width = 21
    wb.save(tmp_path / "x.xlsx")
    assert narrow_columns(tmp_path / "x.xlsx") == []


# --------------------------------------------------------------------------- the demo

@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    """``xlar demo`` (300 customers) posted and closed for October on the part writer, and the small demo
    closed through openpyxl (the fallback writer)."""
    from tests.demo.test_demo_workbook import SMALL
    from xlar.book.month_end import MonthEndOptions, run_month_end
    from xlar.demo import DEMO_FILE, run_demo

    d = tmp_path_factory.mktemp("print")
    assert run_demo(d / "parts", Console(file=io.StringIO())) == 0
    parts = d / "parts" / DEMO_FILE
    assert run_month_end(parts, MonthEndOptions(as_of=date(2026, 10, 31)), engine="parts").exit_code == 0
    assert run_demo(d / "openpyxl", Console(file=io.StringIO()), **SMALL) == 0
    legacy = d / "openpyxl" / DEMO_FILE
    assert run_month_end(legacy, MonthEndOptions(as_of=date(2026, 10, 31)), engine="openpyxl").exit_code == 0
    return parts, legacy


@pytest.mark.parametrize("which", [0, 1], ids=["parts", "openpyxl"])
def test_no_figure_of_the_closed_demo_shows_as_hashes(closed, which):
    assert narrow_columns(closed[which]) == []


@pytest.mark.parametrize("which", [0, 1], ids=["parts", "openpyxl"])
def test_every_sheet_xlar_wrote_has_its_page_setup(closed, which):
    names = ("Aging", "Statements", "Reminders", "FinanceCharges", "UnappliedCash", "Applications", "Issues", "RunLog")
    wb = openpyxl.load_workbook(without_other_data(closed[which], names, closed[which].with_name("s.xlsx")))
    for name in names:
        ws = wb[name]
        ps = ws.page_setup
        assert (ps.fitToWidth, ps.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True), name
        assert str(ws.oddFooter) == "&CPage &P of &N" and str(ws.oddHeader).endswith("&R" + name), name
        assert ws.print_title_rows, name
    assert wb["Aging"].page_setup.orientation == "landscape" and wb["Aging"].print_title_rows == "$1:$2"
    assert wb["Applications"].print_title_rows == "$1:$1"
    # Applications: the 14 internal columns (what unapply restores from) are hidden, the rest in view
    apps = wb["Applications"]
    hidden = [apps.cell(1, c).value for c in range(1, apps.max_column + 1)
              if apps.column_dimensions[get_column_letter(c)].hidden]
    assert len(hidden) == 14 and "Applied Change" in hidden and "Amount Applied" not in hidden
    # no explanatory text in the Aging's figure columns: column C holds the first bucket, narrow
    assert wb["Aging"].column_dimensions["C"].width < 20


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_aging_of_300_customers_prints_one_page_wide(closed, tmp_path):
    pdfs = sheet_pdfs(closed[0], ["Aging", "Issues", "RunLog"], tmp_path / "pdf", tmp_path / "lo")
    pages = page_texts(pdfs["Aging"])
    # one page wide: every page starts with the repeated title row (column A) ...
    assert len(pages) > 5 and all("Aged accounts receivable as of 2026-10-31" in p for p in pages)
    # ... and the customer lines reach the last column on the same page
    first = next(p for p in pages if "Customer No." in p)
    assert "% overdue" in first and "C10010" in first
    assert all(re.search(rf"Page {i} of {len(pages)}", p) for i, p in enumerate(pages, start=1))
    # the other sheets also print one page wide, with their headings on every page
    for name, head in (("Issues", "Problem"), ("RunLog", "Workbook")):
        texts = page_texts(pdfs[name])
        assert all(head in p for p in texts), name
    # (LibreOffice puts an invisible "###" in the PDF text of hidden columns: Applications is checked by width)
    assert "###" not in "".join(page_texts(pdfs["RunLog"]) + page_texts(pdfs["Issues"]))
    png = pngs(pdfs["Aging"], tmp_path / "aging")
    assert png and png[0].stat().st_size > 2000


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_match_proposals_for_five_lines_fit_one_page(tmp_path):
    from tests.book.test_reports_parts import bank_book
    from xlar.book.bank import run_bank_file

    p, stmt = bank_book(tmp_path)
    assert run_bank_file(p, "import-statement", file=stmt, engine="parts").exit_code == 0
    assert run_bank_file(p, "match", engine="parts").exit_code == 0
    wb = openpyxl.load_workbook(p)
    lines = {r[1] for r in wb["MatchProposals"].iter_rows(min_row=2, values_only=True) if r[1] is not None}
    assert lines == {1, 2, 3, 4, 5}
    pdf = sheet_pdfs(p, ["MatchProposals"], tmp_path / "pdf", tmp_path / "lo")["MatchProposals"]
    assert len(page_texts(pdf)) == 1
    assert narrow_columns(p, ("MatchProposals", "BankStatement")) == []


# --------------------------------------------------------------------------- the user's page setup is kept

@pytest.mark.parametrize("engine", ["parts", "openpyxl"])
def test_a_page_setup_the_user_made_on_a_report_survives_the_next_run(tmp_path, engine):
    from tests.book.test_reports_parts import user_book
    from xlar.book.month_end import MonthEndOptions, run_month_end

    p = user_book(tmp_path)
    assert run_month_end(p, MonthEndOptions(as_of=date(2026, 3, 31)), engine=engine).exit_code == 0
    wb = openpyxl.load_workbook(p)
    ws = wb["Statements"]
    assert str(ws.oddFooter) == "&CPage &P of &N"
    ws.oddHeader.center.text = "Our statements"
    ws.oddFooter.center.text = "Confidential &P"
    ws.page_setup.orientation = "portrait"
    wb.save(p)
    assert run_month_end(p, MonthEndOptions(as_of=date(2026, 3, 31)), engine=engine).exit_code == 0
    wb = openpyxl.load_workbook(p)
    ws = wb["Statements"]
    assert "Our statements" in str(ws.oddHeader) and str(ws.oddFooter) == "&CConfidential &P"
    assert ws.page_setup.orientation == "portrait"
    assert str(wb["Aging"].oddFooter) == "&CPage &P of &N"  # the sheets the user did not touch: xlar's
    with zipfile.ZipFile(p) as z:
        assert z.testzip() is None

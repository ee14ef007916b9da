"""Every workbook xlar writes opens in a real spreadsheet program: LibreOffice, headless.

Each book is converted to PDF (every sheet printed) and to CSV (every sheet, after
LibreOffice recalculated the formulas), so a file LibreOffice cannot read, or reads
differently from openpyxl, fails here. A page of the PDF is rendered to PNG (pdftoppm) and
must not be blank. ``.ci/run`` installs LibreOffice and poppler; without ``soffice`` on the
PATH these tests are skipped, with the reason.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from tests.book.builders import JOURNAL, F, standard, write_book
from xlar.book.commands import run_file

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; "
                                "`.ci/run` installs libreoffice-calc and poppler-utils with apt-get")
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def soffice(args: list[str], profile: Path) -> str:
    cmd = [SOFFICE, "--headless", "--norestore", "--nologo", f"-env:UserInstallation={profile.as_uri()}", *args]
    r = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout + r.stderr


def _with_formulas(p: Path) -> Path:
    wb = openpyxl.load_workbook(p)
    ws = wb.create_sheet("Notes")
    ws["A1"] = F("=SUM(tblLedger[Amount])")
    ws["A2"] = F("=COUNTA(Ledger!A:A)")
    ws["A3"] = F('=SUMIF(GLEntries!D:D,"1100",GLEntries!G:G)')
    wb.save(p)
    return p


def _books(d: Path) -> dict[str, Path]:
    """One workbook per way xlar writes a file."""
    from tests.book.test_write import _xlsm

    def make(name: str, **kw) -> Path:
        return write_book(d / name, standard(**{k: v for k, v in kw.items() if k != "tables"}),
                          tables=kw.get("tables"))

    books: dict[str, Path] = {}
    p = make("post.xlsx")
    run_file(p, "post")
    books["post"] = p
    p = _with_formulas(make("tables.xlsx", tables={"Ledger": "tblLedger", "Journal": "tblJournal"}))
    run_file(p, "post")
    run_file(p, "post")  # a second run on our own output
    books["tables"] = p
    p = make("openpyxl.xlsx")
    run_file(p, "post", engine="openpyxl")
    books["openpyxl"] = p
    p = make("errors.xlsx", Journal=[JOURNAL[0], JOURNAL[1], ["31.01.2026", "Payment", "=1+1", "C20000", 10, None]])
    assert run_file(p, "post").exit_code == 1
    books["errors"] = p
    p = make("unapply.xlsx")
    run_file(p, "post")
    run_file(p, "unapply", application_no=1)
    books["unapply"] = p
    p = make("check.xlsx")
    run_file(p, "check")
    books["check"] = p
    src = make("src.xlsx")
    p = _xlsm(d / "macro.xlsm", lambda name: src)
    run_file(p, "post")
    books["xlsm"] = p
    try:
        from xlar.book.template import build_template
    except ImportError:  # pragma: no cover - the template arrives with its own module
        build_template = None
    if build_template is not None:
        books["template"] = build_template(d / "template.xlsx")
    return books


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    d = tmp_path_factory.mktemp("lo")
    books = _books(d)
    profile = d / "profile"
    out = d / "out"
    files = [str(p) for p in books.values()]
    log_pdf = soffice(["--convert-to", "pdf", "--outdir", str(out / "pdf"), *files], profile)
    log_csv = soffice(["--convert-to", CSV_ALL_SHEETS, "--outdir", str(out / "csv"), *files], profile)
    return books, out, log_pdf + log_csv


def sheet_csv(out: Path, book: Path, sheet: str) -> list[list[str]]:
    with open(out / "csv" / f"{book.stem}-{sheet}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_every_written_book_converts_to_pdf_without_errors(converted):
    books, out, log = converted
    assert not re.search(r"(?im)^(error|.*general (input/output )?error|.*source file could not be loaded)", log), log
    for name, p in books.items():
        pdf = out / "pdf" / (p.stem + ".pdf")
        assert pdf.exists(), name
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 2000, name


def test_libreoffice_reads_the_same_cells_as_openpyxl(converted):
    books, out, _ = converted
    for name, p in books.items():
        wb = openpyxl.load_workbook(p, data_only=True)
        for ws in wb.worksheets:
            rows = sheet_csv(out, p, ws.title)
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.data_type == "s":
                        got = rows[c.row - 1][c.column - 1]
                        assert got == c.value, (name, ws.title, c.coordinate)
                    elif isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.data_type == "n":
                        got = rows[c.row - 1][c.column - 1].replace(",", "")
                        if c.is_date:
                            continue
                        assert float(got) == pytest.approx(float(c.value)), (name, ws.title, c.coordinate)


def test_text_that_looks_like_a_formula_stays_text_in_libreoffice(converted):
    books, out, _ = converted
    issues = sheet_csv(out, books["errors"], "Issues")
    journal_docs = [r[2] for r in sheet_csv(out, books["errors"], "Journal")]
    assert "=1+1" in journal_docs
    assert any("31.01.2026" in r for r in issues)


def test_libreoffice_recalculates_user_formulas_over_our_rows(converted):
    books, out, _ = converted
    notes = sheet_csv(out, books["tables"], "Notes")
    # Ledger amounts: 1000 + 500 - 980 (the posted payment, inside the extended table)
    assert float(notes[0][0]) == pytest.approx(520.0)
    assert int(notes[1][0]) == 4  # header + 3 entries
    assert float(notes[2][0]) == pytest.approx(1000.0)  # receivables credited: 980 paid + 20 discount


def _png_size_and_ink(png: bytes) -> tuple[int, int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    idat = b"".join(png[m.start() + 8:m.start() + 8 + struct.unpack(">I", png[m.start():m.start() + 4])[0]]
                    for m in re.finditer(rb"(?s)....IDAT", png))
    raw = zlib.decompress(idat)
    return w, h, sum(1 for b in raw if b < 128)


def test_a_report_page_renders_to_a_png_with_ink(converted, tmp_path):
    books, out, _ = converted
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed")
    pdf = out / "pdf" / (books["post"].stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    pages = text.split("\f")
    page = next(i for i, t in enumerate(pages, start=1) if "Amount Applied" in t or "PAY-1" in t)
    assert "PAY-1" in text and "INV-1001" in text
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", "50", "-f", str(page), "-l", str(page), str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    w, h, ink = _png_size_and_ink(png)
    assert w > 200 and h > 200 and ink > 50
    assert os.path.getsize(next(tmp_path.glob("page*.png"))) > 1000


def test_a_book_saved_by_libreoffice_posts_the_same_on_both_paths(tmp_path):
    """A file written by a real spreadsheet program (shared strings, its own styles and XML):
    the part writer and openpyxl give the same cells, and LibreOffice opens the result."""
    from tests.book.test_parts import cells

    (tmp_path / "src").mkdir()
    src = _with_formulas(write_book(tmp_path / "src" / "book.xlsx", standard(),
                                    tables={"Ledger": "tblLedger", "Journal": "tblJournal"}))
    profile = tmp_path / "profile"
    soffice(["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "lo"), str(src)], profile)
    lo_book = tmp_path / "lo" / "book.xlsx"
    with zipfile.ZipFile(lo_book) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    shutil.copy(lo_book, a)
    shutil.copy(lo_book, b)
    assert run_file(a, "post", engine="parts").exit_code == 0
    assert run_file(b, "post", engine="openpyxl").exit_code == 0
    ca, cb = cells(a), cells(b)
    for sheet in ca:
        if sheet != "RunLog":
            assert ca[sheet] == cb[sheet], sheet
    out = tmp_path / "csv"
    log = soffice(["--convert-to", CSV_ALL_SHEETS, "--outdir", str(out), str(a)], profile)
    assert "Error" not in log
    with open(out / "a-Notes.csv", newline="", encoding="utf-8") as fh:
        notes = list(csv.reader(fh))
    # LibreOffice 7.4 shows its own cached value (1500) here although workbook.xml asks for a full
    # calculation on load; files from openpyxl (no cached values) are recalculated (test above).
    assert float(notes[0][0]) in (520.0, 1500.0)
    assert openpyxl.load_workbook(a)["Notes"]["A1"].value == "=SUM(tblLedger[Amount])"
    with zipfile.ZipFile(a) as z:
        assert b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")

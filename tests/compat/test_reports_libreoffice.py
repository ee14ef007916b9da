"""Report sheets written by the zip-part writer open in LibreOffice: month end, match, reconcile.

The books carry a user chart, a picture and a defined name (``tests.book.test_reports_parts``);
after the runs LibreOffice converts them to PDF and CSV without an error, shows the
figures the engine computed, and draws the Aging chart (its title is on the PDF page, which
is only there when the chart part was read; the page rendered to PNG has ink).
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.book.test_reports_parts import bank_book, check_package, user_book
from tests.compat.test_libreoffice import CSV_ALL_SHEETS, SOFFICE, _png_size_and_ink, soffice
from xlar.book.bank import run_bank_file
from xlar.book.month_end import MonthEndOptions, run_month_end

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; "
                                "`.ci/run` installs libreoffice-calc and poppler-utils with apt-get")


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    d = tmp_path_factory.mktemp("lo_reports")
    (d / "me").mkdir()
    (d / "bank").mkdir()
    me = user_book(d / "me")
    out = run_month_end(me, MonthEndOptions(as_of=date(2026, 3, 31)), engine="parts")
    assert out.exit_code == 0 and out.aging_total_lcy == "4100.00"
    run_month_end(me, MonthEndOptions(as_of=date(2026, 3, 31)), engine="parts")  # reports replaced
    bank, stmt = bank_book(d / "bank")
    for command, opts in (("import-statement", {"file": stmt}), ("match", {}), ("accept", {}),
                          ("reconcile", {"statement_no": "STMT-1"})):
        assert run_bank_file(bank, command, engine="parts", **opts).exit_code in (0, 1), command
    books = {"month_end": me, "bank": bank}
    for p in books.values():
        check_package(p)
    profile = d / "profile"
    res = d / "out"
    files = [str(p) for p in books.values()]
    log = soffice(["--convert-to", "pdf", "--outdir", str(res / "pdf"), *files], profile)
    log += soffice(["--convert-to", CSV_ALL_SHEETS, "--outdir", str(res / "csv"), *files], profile)
    return books, res, log


def sheet_csv(out: Path, book: Path, sheet: str) -> list[list[str]]:
    with open(out / "csv" / f"{book.stem}-{sheet}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_books_with_part_written_reports_convert_without_errors(converted):
    books, out, log = converted
    assert not re.search(r"(?im)^(error|.*general (input/output )?error|.*source file could not be loaded)", log), log
    for name, p in books.items():
        pdf = out / "pdf" / (p.stem + ".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), name


def test_libreoffice_shows_the_report_figures(converted):
    books, out, _ = converted
    aging = sheet_csv(out, books["month_end"], "Aging")
    assert aging[0][0] == "Aged accounts receivable as of 2026-03-31"
    total = next(r for r in aging if r and r[0] == "Total")
    assert [float(v.replace(",", "")) for v in total[2:8]] == [0, 2600, 1500, 0, 0, 4100]
    diff = next(r for r in aging if r and r[0] == "Difference")
    assert float(diff[1].replace(",", "")) == 1500
    dash = sheet_csv(out, books["month_end"], "Dashboard")
    assert [r[0] for r in dash[:3]] == ["4", "9", "2"]
    proposals = sheet_csv(out, books["bank"], "MatchProposals")
    assert any("INV-1001" in ",".join(r) for r in proposals)
    rec = sheet_csv(out, books["bank"], "BankReconciliation")
    assert any("STMT-1" in ",".join(r) for r in rec)


def test_the_aging_chart_is_drawn(converted, tmp_path):
    books, out, _ = converted
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed")
    pdf = out / "pdf" / (books["month_end"].stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    pages = text.split("\f")
    # the chart's title "Aging by due date (LCY)" is in no cell: only a drawn chart puts it on a page (the
    # chart may straddle a page break, so its tail is looked for)
    page = next((i for i, t in enumerate(pages, start=1) if "due date (LCY)" in t), None)
    assert page is not None, "the Aging chart is not on any PDF page"
    assert "4,100.00" in text  # the money format, as LibreOffice prints it
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", "50", "-f", str(page), "-l", str(page), str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    w, h, ink = _png_size_and_ink(png)
    assert w > 200 and h > 200 and ink > 200

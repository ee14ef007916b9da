"""``macros.documents``: month end with its PDFs from Excel, on the desktop stand-in book."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from tests.xl.test_desktop_paths import _month_end_book
from xlar import macros


def _outbox(book) -> list[dict[str, object]]:
    cells = book.sheet("Outbox").cells
    rows = max(r for r, _ in cells)
    cols = max(c for _, c in cells)
    head = [cells.get((1, c)) for c in range(1, cols + 1)]
    return [dict(zip(head, (cells.get((r, c)) for c in range(1, cols + 1)))) for r in range(2, rows + 1)]


def test_documents_next_to_the_workbook(tmp_path: Path) -> None:
    book = _month_end_book()
    book.fullname = str(tmp_path / "book.xlsx")
    outcome = macros.documents(book, as_of=date(2026, 3, 31), eml=True)
    assert outcome.exit_code == 0, outcome.issues
    folder = tmp_path / "book-documents-2026-03-31"
    rows = _outbox(book)
    pdfs = sorted(p.name for p in folder.glob("*.pdf"))
    assert sorted(Path(str(r["File"])).name for r in rows) == pdfs
    assert "C10000 Adatum Corporation statement 2026-03-31.pdf" in pdfs
    assert len(list(folder.glob("*.eml"))) == len({r["Customer No."] for r in rows})
    # C10000: invoices 1000 + 1200, payment 400 -> 1800 on the statement and in the Outbox
    (st,) = [r for r in rows if r["Customer No."] == "C10000" and r["Document"] == "Statement"]
    assert st["Amount"] == 1800.0
    pdf = PdfReader(folder / "C10000 Adatum Corporation statement 2026-03-31.pdf")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))
    assert "Adatum Corporation" in text and "Closing balance 1,800.00" in text
    assert outcome.documents == len(pdfs)  # type: ignore[attr-defined]


def test_documents_without_a_folder_asks_for_one() -> None:
    book = _month_end_book()  # "book.xlsx" with no folder: an unsaved book
    outcome = macros.documents(book, as_of=date(2026, 3, 31))
    assert outcome.exit_code == 2 and "Outbox" not in [s.name for s in book.sheets]
    assert book.app.log[-1][0] == "alert" and "give the documents folder" in book.app.log[-1][1]

"""One workbook, two ways: as an .xlsx file for the CLI and as a payload for the macros."""

from __future__ import annotations

from pathlib import Path

from tests.book.builders import standard, write_book
from tests.xl.harness import make_payload


def both(tmp_path: Path, name: str = "book.xlsx", **sheets):
    """(path of an .xlsx written with openpyxl, payload of the same sheets)."""
    data = standard(**sheets)
    return write_book(tmp_path / name, data), make_payload(data)

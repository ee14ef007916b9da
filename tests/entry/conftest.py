"""Fixtures for workbook tests: real .xlsx files in tmp_path, built from the contract's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.book.builders import standard, write_book


@pytest.fixture
def make_book(tmp_path: Path):
    """make_book(name="book.xlsx", tables=..., anchors=..., **sheets) -> Path of a real workbook."""

    def make(name: str = "book.xlsx", *, tables=None, anchors=None, **sheets):
        return write_book(tmp_path / name, standard(**sheets), tables=tables, anchors=anchors)

    return make

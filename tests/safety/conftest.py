"""Fixtures for the file-safety tests: real workbooks (tests/book/builders.py) in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.book.builders import standard, write_book


@pytest.fixture
def make_book(tmp_path: Path):
    def make(name: str = "book.xlsx", **sheets):
        return write_book(tmp_path / name, standard(**sheets))

    return make

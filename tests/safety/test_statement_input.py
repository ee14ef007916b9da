"""Statement files with numbers Excel cannot keep, over-long fields and garbage: Issues rows
naming the line, or one clear line; never a traceback (issue 18, items 8, 9, 11, 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bank.samples import ENTRIES, camt053, csv_statement
from tests.bank.test_workbook import book, cli  # noqa: F401 - the bank book fixture
from tests.book.builders import read_sheet

ROOT = Path(__file__).resolve().parents[2]
BAD_AMOUNTS = ["NaN", "Infinity", "-inf", "1e30", "12345678901234567890123456789", "123456789012345.67", "sNaN"]


def _issues(p: Path) -> list[dict]:
    return read_sheet(p, "Issues")


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_csv_bad_amount_is_an_issues_row_naming_the_line(book: Path, tmp_path: Path, amount: str) -> None:  # noqa: F811
    f = csv_statement(tmp_path / "s.csv", [("03.06.2026", "50,00", "Trey", "fee"),
                                           ("03.06.2026", amount, "Adatum", "INV-1001")])
    r = cli("import-statement", book, f, "--profile", "MyBank", "--statement", "S")
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert [x["Amount"] for x in read_sheet(book, "BankStatement")] == [50]  # the good line only
    problems = [i["Problem"] for i in _issues(book)]
    assert len(problems) == 1 and "s.csv line 3:" in problems[0], problems
    assert any(w in problems[0] for w in ("not an amount", "too large", "more than 15 significant digits"))


def test_csv_field_over_the_csv_limit_and_over_a_cell(book: Path, tmp_path: Path) -> None:  # noqa: F811
    f = csv_statement(tmp_path / "s.csv", [("03.06.2026", "50,00", "Trey", "x" * 140_000),
                                           ("03.06.2026", "60,00", "Trey", "y" * 40_000),
                                           ("03.06.2026", "70,00", "Trey", "fine")])
    r = cli("import-statement", book, f, "--profile", "MyBank", "--statement", "S")
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert [x["Amount"] for x in read_sheet(book, "BankStatement")] == [70]
    problems = sorted(i["Problem"] for i in _issues(book))
    assert problems[0].startswith("s.csv line 2: cannot be read (field larger than field limit")
    assert problems[1] == "s.csv line 3: a field is 40,000 characters long; an Excel cell holds at most 32,767"


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_camt_bad_amount_is_an_issues_row_naming_the_entry(book: Path, tmp_path: Path, amount: str) -> None:  # noqa: F811
    entries = [ENTRIES[0], (amount, *ENTRIES[1][1:])]
    f = camt053(tmp_path / "c.xml", closing="5980.00", entries=entries)
    r = cli("import-statement", book, f)
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert [x["Amount"] for x in read_sheet(book, "BankStatement")] == [980]
    problems = [i["Problem"] for i in _issues(book)]
    assert len(problems) == 1 and problems[0].startswith("c.xml: statement STMT-1 entry 2 (line "), problems


def test_camt_bad_balance_is_one_clear_line(book: Path, tmp_path: Path) -> None:  # noqa: F811
    f = camt053(tmp_path / "c.xml", closing="NaN")
    before = book.read_bytes()
    r = cli("import-statement", book, f)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "balance CLBD (line" in r.output and "not an amount" in r.output
    assert book.read_bytes() == before


def test_garbage_mt940_is_one_short_line(book: Path, tmp_path: Path) -> None:  # noqa: F811
    f = tmp_path / "s.sta"
    f.write_text(":20:X\n:25:garbage\n:61:this is not a transaction line at all\n:62F:nonsense\n-\n")
    before = book.read_bytes()
    r = subprocess.run([sys.executable, "-m", "xlar.cli", "import-statement", str(book), str(f)], cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=60,
                       check=False)
    assert r.returncode == 1 and not r.stdout
    text = r.stderr.strip()  # mt-940 logs every regular expression that did not match: silenced
    assert len(text.splitlines()) == 1 and len(text) < 300, text
    assert "not an MT940 statement xlar can read (RuntimeError: (\"Unable to parse Statement from" in text
    assert book.read_bytes() == before

"""Fuzz: statement files and journal cells from hypothesis never let a traceback escape, and a
refused run leaves the workbook byte-identical (issue 18). Bounded and derandomized so CI stays
fast and repeatable: 3 x 25 inputs a run (``INPUTS`` counts them; the note in docs/workbook.md)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bank.samples import ENTRIES, camt053
from tests.bank.test_workbook import CUSTOMERS, LEDGER, MAPPINGS, PROFILES, SETTINGS, TERMS
from tests.book.builders import JOURNAL, read_sheet, standard, write_book
from xlar.book.bank import run_bank_file
from xlar.book.commands import run_file
from xlar.book.files import ILLEGAL_CHARACTERS, BookError

EXAMPLES = 25
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
INPUTS: dict[str, int] = {}

numbers = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-inf", "1e30", "1E+400", "12345678901234567890123456789", "0,00", "-0",
                     "1.000,50", "(12,50)", "12,50-", "", " ", "--5", "1e-30", "9" * 16, "٣٤", "12\u00a0345,00"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).replace(".", ",")),
    st.text(max_size=12),
)
texts = st.one_of(st.text(max_size=40), st.sampled_from(['=HYPERLINK("x")', "+1", "@SUM(A1)", "\x00\x07", "x" * 40_000,
                                                          "y" * 140_000, '"', ";", "\n", "\r\n"]))


@pytest.fixture(scope="module")
def bank_book(tmp_path_factory) -> Path:
    return write_book(tmp_path_factory.mktemp("fuzz") / "bank.xlsx", {
        "Settings": SETTINGS, "Customers": CUSTOMERS, "PaymentTerms": TERMS, "Ledger": LEDGER,
        "BankProfiles": PROFILES, "TextToAccount": MAPPINGS})


def _import(base: Path, folder: Path, statement: Path, **options: object) -> None:
    book = folder / "book.xlsx"
    shutil.copyfile(base, book)
    before = book.read_bytes()
    try:
        o = run_bank_file(book, "import-statement", file=statement, **options)
    except BookError:
        assert book.read_bytes() == before  # refused: not a byte changed
        return
    assert o.exit_code in (0, 1)
    assert read_sheet(book, "Ledger") == read_sheet(Path(base), "Ledger")  # an import never posts


@FUZZ
@given(rows=st.lists(st.tuples(st.sampled_from(["03.06.2026", "31.02.2026", "", "2026-06-03", "x"]), numbers,
                               texts, texts), min_size=1, max_size=5), raw=st.binary(max_size=64))
def test_fuzz_csv_statements(bank_book, tmp_path, rows, raw):
    INPUTS["csv"] = INPUTS.get("csv", 0) + 1
    f = tmp_path / "s.csv"
    body = "Buchungstag;Betrag;Name;Verwendungszweck\n" + "".join(";".join(r) + "\n" for r in rows)
    f.write_bytes(body.encode("utf-8", "surrogatepass") + raw)
    _import(bank_book, tmp_path, f, profile="MyBank", statement_no="S")


@FUZZ
@given(amounts=st.lists(numbers, min_size=1, max_size=3), text=texts, closing=numbers)
def test_fuzz_camt_statements(bank_book, tmp_path, amounts, text, closing):
    INPUTS["camt"] = INPUTS.get("camt", 0) + 1
    entries = [(a.replace("<", "&lt;").replace("&", "&amp;"), *ENTRIES[i % len(ENTRIES)][1:4],
                "".join(ch for ch in text if ch.isprintable())[:50_000], f"E2E-{i}") for i, a in enumerate(amounts)]
    f = camt053(tmp_path / "c.xml", closing=closing.replace("<", "&lt;").replace("&", "&amp;"), entries=entries)
    _import(bank_book, tmp_path, f)


cells = st.one_of(numbers, texts, st.floats(allow_nan=False), st.integers(min_value=-10**20, max_value=10**20),
                  st.dates(min_value=date(1900, 1, 1)), st.booleans(), st.none())


@FUZZ
@given(line=st.tuples(cells, st.sampled_from(["Payment", "Invoice", "Refund", "Credit Memo", "x"]), cells,
                      st.sampled_from(["C10000", "C20000", "C99999", ""]), cells, cells))
def test_fuzz_journal_cells(tmp_path, line):
    INPUTS["journal"] = INPUTS.get("journal", 0) + 1
    clean = [ILLEGAL_CHARACTERS.sub("", v) if isinstance(v, str) else v for v in line]  # openpyxl refuses them
    p = write_book(tmp_path / "book.xlsx", standard(Journal=[JOURNAL[0], clean]))
    before = p.read_bytes()
    ledger = read_sheet(p, "Ledger")
    try:
        o = run_file(p, "post")
    except BookError:
        assert p.read_bytes() == before
        return
    if o.exit_code != 0:  # an error run writes Issues, Status and RunLog only: never the Ledger
        assert read_sheet(p, "Ledger") == ledger
        assert any(i.is_error for i in o.issues)


def test_fuzz_ran_every_input():
    """The three fuzz tests above ran their examples (the count the docs give)."""
    if len(INPUTS) == 3:  # when the whole module ran
        assert sum(INPUTS.values()) >= 3 * EXAMPLES

"""The column-wise reader (``xlsxparts.open_parts``) against the openpyxl reader on messy sheets.

Both readers take the cell values from calamine; the openpyxl one finds the data region,
the formulas and the blank rows its own way (``files.read_grid``, row by row). The grids,
and everything ``read_book`` makes of them (records, issues with their sheet, row, column,
value and code), must be the same.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.book.builders import CUSTOMERS, F, write_book
from xlar.book import files, xlsxparts
from xlar.book.grid import ColumnRows
from xlar.book.rows import read_book

HEAD = ["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "My Notes", "Due Date",
        "Remaining Amount", "Open", "Entry No.", "Currency"]
MESSY = [
    HEAD,
    ["C10000", date(2026, 1, 5), "Invoice", "INV-1", 1000.1, "kept", None, 0.1, True, 7, None],
    [10000, 46000, "Invoice", "INV-2", "12.5", 1, "2026-02-05", "0.10", "yes", 8.0, "eur"],
    ["C10000", "2026-01-07", "Invoice", 3, True, None, "07/02/2026", None, "maybe", "nine", None],
    ["C10000", "07/01/2026", "invoice", "INV-4", F("=1/0"), None, None, None, None, None, None],
    [None, None, None, None, None, None, None, None, None, None, None],
    ["C10000", datetime(2026, 1, 8, 10, 30), "Invoice", "INV-5", F("=2+3"), None, 46100, -0.0, 0, 10, None],
    ["  ", date(2026, 1, 9), "Invoice", "INV-6", 0.1, None, None, 1.005, 1, 11.5, None],
    ["C20000", date(2026, 1, 9), "Credit Memo", "CM-7", -0.0, "   ", None, None, False, None, None],
    ["C20000", date(2026, 1, 9), "Invoice", "INV-8", 1e20, None, None, None, None, None, None],
    ["   ", None, "", None, None, "  ", None, None, None, None, None],
    ["C20000", date(2026, 1, 10), "Payment", "PAY-9", -2.675, None, None, -2.675, True, None, None],
    ["C20000", date(2026, 1, 10), "Nonsense", "X-10", F("=A1"), None, None, None, None, None, None],
    ["C20000", 0, "Invoice", "INV-11", 99.995, None, -1, 1e16, None, None, None],
    ["C20000", None, "Invoice", "INV-12", None, None, None, None, None, None, None],
    ["C20000", date(2026, 1, 11), "Invoice", "INV-13", 99.995, None, None, 1e16, None, None, None],
]
JOURNAL = [
    ["Document Type", "Amount", "Posting Date", "Document No.", "Customer No.", "Applies-to Doc. No."],
    ["Payment", 980.0, date(2026, 1, 12), "PAY-1", "C10000", "INV-1"],
    ["Payment", "abc", date(2026, 1, 12), "PAY-2", "C10000", "INV-1; INV-2"],
    ["Payment", 5, "2026-13-01", "PAY-3", 10000, None],
    [None, None, None, None, None, None],
    ["Payment", F("=B2/2"), date(2026, 1, 13), "PAY-4", "C20000", None],
]
SETTINGS = [["Setting", "Value"], ["Company Currency", "EUR"], ["Payment Tolerance %", "abc"],
            ["Nonsense Setting", 1]]
TERMS = [["Code", "Due Date Formula", "Discount %", "Discount Date Formula"], ["2%8D", "1M", 2, "8D"],
         ["30D", "30D", None, None]]


def cache_formulas(path: Path, values: dict[str, dict[str, tuple[str | None, str]]]) -> None:
    """Give formula cells a cached value, as Excel leaves them: sheet title -> ref -> (t, value)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
        order = [m.group(1) for m in re.finditer(rb'<sheet [^>]*name="([^"]+)"', parts["xl/workbook.xml"])]
    for title, cells in values.items():
        name = f"xl/worksheets/sheet{order.index(title.encode()) + 1}.xml"
        xml = parts[name]
        for ref, (t, v) in cells.items():
            pat = re.compile(rb'<c r="' + ref.encode() + rb'"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>')
            typ = b' t="' + t.encode() + b'"' if t else b""
            xml, n = pat.subn(lambda m, ref=ref, typ=typ, v=v: b'<c r="' + ref.encode() + b'"' + typ + b"><f>" +
                              m.group(2) + b"</f><v>" + v.encode() + b"</v></c>", xml)
            assert n == 1, ref
        parts[name] = xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def add_error_cell(path: Path, title: str, ref: str, error: str) -> None:
    """Turn the number in ``ref`` into an error value without a formula (``t="e"``)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
        order = [m.group(1) for m in re.finditer(rb'<sheet [^>]*name="([^"]+)"', parts["xl/workbook.xml"])]
    name = f"xl/worksheets/sheet{order.index(title.encode()) + 1}.xml"
    pat = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*><v>[^<]*</v></c>')
    parts[name], n = pat.subn(b'<c r="' + ref.encode() + b'" t="e"><v>' + error.encode() + b"</v></c>",
                              parts[name])
    assert n == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def messy_book(path: Path, *, tables: dict[str, str] | None = None,
               anchors: dict[str, tuple[int, int]] | None = None, cached: bool = True,
               ledger: list[list[object]] | None = None) -> Path:
    sheets = {"Settings": SETTINGS, "Customers": CUSTOMERS, "PaymentTerms": TERMS, "Ledger": ledger or MESSY,
              "Journal": JOURNAL, "Notes": [["free text"], [1, 2, 3]]}
    write_book(path, sheets, tables=tables, anchors=anchors)
    if cached:
        r0, c0 = (anchors or {}).get("Ledger", (1, 1))
        amount = chr(64 + c0 + 4)  # the Amount column's letters

        def at(i: int) -> str:
            return f"{amount}{r0 + i}"

        cache_formulas(path, {"Ledger": {at(4): ("str", "oops"), at(6): (None, "5"), at(12): ("str", "x")}})
        add_error_cell(path, "Ledger", at(7), "#N/A")  # calamine gives error values as blank cells
    return path


def grids_equal(path: Path) -> dict:
    new = xlsxparts.open_parts(path).grids
    old = files.open_book(path).grids
    assert list(new) == list(old)
    for title in old:
        a, b = new[title], old[title]
        assert (a.title, a.header_row, a.first_col, a.headers, a.table) == \
               (b.title, b.header_row, b.first_col, b.headers, b.table), title
        assert list(a.rows) == list(b.rows), title
        assert a.uncalculated == b.uncalculated, title
        for p in range(len(a.headers)):
            assert list(a.column(p)) == list(b.column(p)), (title, p)
    return new


def read_equal(path: Path):
    new = read_book(xlsxparts.open_parts(path).grids, need=("Journal",))
    old = read_book(files.open_book(path).grids, need=("Journal",))
    assert new.issues == old.issues
    assert new.book == old.book
    assert (new.ledger_rows, new.ledger_filled, new.journal_rows, new.bad_lines) == \
           (old.ledger_rows, old.ledger_filled, old.journal_rows, old.bad_lines)
    return new


CASES = {
    "plain": {},
    "tables": {"tables": {"Ledger": "Ledger", "Journal": "JournalTable"}},
    "anywhere": {"tables": {"Ledger": "LedgerT"}, "anchors": {"Ledger": (3, 2), "Journal": (1, 1)}},
    "uncached": {"cached": False},
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_column_reader_equals_the_row_reader(tmp_path, case):
    path = messy_book(tmp_path / "messy.xlsx", **CASES[case])
    grids = grids_equal(path)
    assert isinstance(grids["Ledger"].rows, ColumnRows)
    r = read_equal(path)
    codes = {(i.row, i.column, i.code) for i in r.issues if i.sheet == "Ledger"}
    r0 = CASES[case].get("anchors", {}).get("Ledger", (1, 1))[0]
    assert (r0 + 4, "Amount", "bad-number" if case != "uncached" else "uncalculated-formula") in codes
    assert (r0 + 3, "Posting Date", "bad-date") not in codes  # ISO text is a date
    assert (r0 + 4, "Posting Date", "bad-date") in codes  # 07/01/2026 is not
    assert (r0 + 3, "Open", "bad-bool") in codes
    assert (r0 + 3, "Entry No.", "bad-integer") not in codes and (r0 + 3, "Entry No.", "bad-number") in codes
    assert (r0 + 13, "Posting Date", "bad-date") in codes and (r0 + 13, "Due Date", "bad-date") in codes
    assert (r0 + 14, "Amount", "missing-value") in codes


def test_blank_and_whitespace_rows_are_left_out_and_formula_rows_kept(tmp_path):
    path = messy_book(tmp_path / "messy.xlsx", cached=False)
    g = grids_equal(path)["Ledger"]
    numbers = [r for r, _ in g.rows]
    assert 6 not in numbers and 11 not in numbers  # all blank; blank or whitespace only
    assert {5, 7, 13} <= set(numbers)  # uncalculated formulas
    assert g.column(0)[numbers.index(8)] == "  "  # whitespace is a value the reader reports, not a blank


def test_money_reads_exactly_as_the_cell_shows_it(tmp_path):
    path = messy_book(tmp_path / "messy.xlsx")
    r = read_equal(path)
    by_doc = {e.document_no: e for e in r.book.ledger}
    assert by_doc["INV-1"].amount == Decimal("1000.10") and str(by_doc["INV-1"].remaining_amount) == "0.10"
    assert str(by_doc["PAY-9"].amount) == "-2.68"  # -2.675 as Excel shows it, half away from zero
    assert str(by_doc["CM-7"].amount) == "-0.00" and str(by_doc["INV-5"].remaining_amount) == "-0.00"
    # beyond Excel's 15 significant digits an amount would not come back as posted: a bad cell (issue 18)
    assert "INV-8" not in by_doc and "INV-13" not in by_doc
    digits = {(i.row, i.column, i.value) for i in r.issues if i.code == "too-many-digits"}
    assert digits == {(10, "Amount", 1e20), (14, "Remaining Amount", 1e16), (16, "Remaining Amount", 1e16)}


def test_table_sheet_keeps_what_the_writer_checks_around_the_table(tmp_path):
    rows = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
            ["C10000", date(2026, 1, 5), "Invoice", "INV-1", 10.0],
            ["C10000", date(2026, 1, 6), "Invoice", "INV-2", 20.0]]
    path = tmp_path / "t.xlsx"
    write_book(path, {"Settings": SETTINGS[:2], "Customers": CUSTOMERS, "PaymentTerms": TERMS, "Ledger": rows},
               tables={"Ledger": "Ledger"}, anchors={"Ledger": (2, 2)})
    import openpyxl
    wb = openpyxl.load_workbook(path)
    wb["Ledger"]["H3"] = "beside"
    wb["Ledger"]["C6"] = "below"
    wb["Ledger"]["A4"] = "left"
    wb.save(path)
    pb = xlsxparts.open_parts(path)
    sp = pb.sheets["Ledger"]
    assert sp.region == (2, 2, 6, 4)
    assert sp.shown == {(2, 2): "Customer No.", (2, 3): "Posting Date", (2, 4): "Document Type",
                        (2, 5): "Document No.", (2, 6): "Amount", (3, 8): "beside", (4, 1): "left",
                        (4, 2): "C10000", (4, 3): date(2026, 1, 6), (4, 4): "Invoice", (4, 5): "INV-2",
                        (4, 6): 20.0, (6, 3): "below"}
    assert xlsxparts._shown(sp, 3, 8) == "beside" and xlsxparts._shown(sp, 3, 7) is None


def test_formula_scan_reads_the_sheet_in_chunks(tmp_path, monkeypatch):
    path = messy_book(tmp_path / "messy.xlsx", cached=False)
    monkeypatch.setattr(xlsxparts, "_CHUNK", 97)  # cut everywhere: no uncalculated formula is missed
    small = xlsxparts.open_parts(path).grids["Ledger"].uncalculated
    monkeypatch.undo()
    assert small == xlsxparts.open_parts(path).grids["Ledger"].uncalculated == {(5, 4), (7, 4), (13, 4)}


def test_column_rows_behave_like_a_list_of_rows():
    cr = ColumnRows([2, 4, 5], [["a", "b", None], [1.0, None, 3.0]])
    rows = [(2, ["a", 1.0]), (4, ["b", None]), (5, [None, 3.0])]
    assert list(cr) == rows and cr == rows and len(cr) == 3
    assert cr[1] == (4, ["b", None]) and cr[-1] == (5, [None, 3.0]) and cr[1:] == rows[1:]
    assert dict(cr)[5] == [None, 3.0]
    assert list(ColumnRows([3], [])) == [(3, [])]


def test_big_ledger_copy_reads_the_same(tmp_path):
    """A few thousand rows with every kind of cell repeated, on both readers."""
    body = [list(r) for r in MESSY[1:]]
    rows = [MESSY[0]]
    for k in range(300):
        for r in body:
            r = list(r)
            if isinstance(r[3], str):
                r[3] = f"{r[3]}-{k}"
            rows.append(r)
    path = messy_book(tmp_path / "big.xlsx", ledger=rows, cached=False)
    shutil.copy(path, tmp_path / "copy.xlsx")
    grids_equal(path)
    read_equal(path)


def _column_cases():
    from xlar.book import schema as S
    from xlar.book.schema import Column, Kind
    from xlar.core.model import DocumentType

    rnd = __import__("random").Random(11)
    floats = [0.1, 0.0, -0.0, 1.005, -2.675, 1e20, 5.0, 12.5, 99.995, 1e16, 0.125, -0.001, 46000.0, 3.0]
    pools = {
        Kind.MONEY: floats, Kind.DECIMAL: floats + [0.9, 1.1], Kind.RATE: [0.9, 1.1, 2.0, -1.0, 0.0],
        Kind.INT: [1.0, 2.0, 7.0, 11.5, 1e16, -3.0], Kind.DATE: [date(2026, 1, 5), date(2025, 12, 31)],
        Kind.BOOL: [True, False], Kind.TEXT: ["a", " b ", "C10000", "x y"],
        Kind.CHOICE: ["Invoice", "payment", " Credit Memo ", "Refund"],
    }
    odd = [None, "", "  ", "abc", True, 5, datetime(2026, 1, 8, 10, 30), "12.5", float("inf"), "Nonsense", 0.0]
    columns = [Column("M", "m", Kind.MONEY), Column("D", "d", Kind.DECIMAL), Column("R", "r", Kind.RATE),
               Column("I", "i", Kind.INT), Column("Dt", "dt", Kind.DATE), Column("B", "b", Kind.BOOL),
               Column("T", "t", Kind.TEXT), Column("C", "c", Kind.CHOICE, choices=DocumentType),
               S.LEDGER.by_field["due_date"]]
    for col in columns:
        pool = pools.get(col.kind, pools[Kind.DATE])
        for mix in (0.0, 0.05, 1.0):  # clean, a few odd cells, anything
            for blanks in (0.0, 0.3):
                vals = []
                for _ in range(200):
                    r = rnd.random()
                    vals.append(None if r < blanks else rnd.choice(odd) if rnd.random() < mix else rnd.choice(pool))
                yield col, vals
        yield col, [rnd.choice(pool) for _ in range(200)]  # no blanks at all
        yield col, [None] * 5


def test_clean_column_fast_paths_equal_the_cell_by_cell_path(monkeypatch):
    from xlar.book import cells

    for col, vals in _column_cases():
        for cur in ("EUR", "JPY", ["EUR", "USD"] * 100 if len(vals) == 200 else "EUR"):
            for track in (True, False):
                fast = cells.convert_column(vals, col, cur, None, track, {})
                with monkeypatch.context() as m:
                    m.setattr(cells, "_clean_column", lambda *a: None)
                    slow = cells.convert_column(vals, col, cur, None, track)
                assert [repr(v) for v in fast[0]] == [repr(v) for v in slow[0]], (col.kind, vals)
                assert fast[1] == slow[1], (col.kind, vals)
    # the clean columns of a well-kept sheet do take the fast path
    from xlar.book.schema import Column, Kind
    from xlar.core.model import DocumentType
    clean = {Kind.MONEY: [0.1, 2.5, 0.0] * 20, Kind.RATE: [0.9, 1.1] * 30, Kind.DECIMAL: [2.0, 3.5] * 30,
             Kind.INT: [float(i) for i in range(60)], Kind.DATE: [date(2026, 1, 5), None] * 30,
             Kind.BOOL: [True, False, None] * 20, Kind.TEXT: [" a", "b"] * 30, Kind.CHOICE: ["Invoice"] * 60}
    for kind, vals in clean.items():
        col = Column("X", "x", kind, choices=DocumentType if kind is Kind.CHOICE else None)
        got = cells._clean_column(vals, col, "EUR", None, True, {})
        assert got is not None and got == cells.convert_column(vals, col, "EUR")


def test_applications_and_gl_entries_read_column_by_column(make_book):
    """A posted book whose Applications and GLEntries a user broke: the same issues on both readers."""
    import openpyxl

    from xlar.book.commands import run_file

    path = make_book()
    assert run_file(path, "post").exit_code == 0
    wb = openpyxl.load_workbook(path)
    a, g = wb["Applications"], wb["GLEntries"]
    head_a = [c.value for c in a[1]]
    head_g = [c.value for c in g[1]]
    assert a.max_row == 2 and g.max_row >= 3
    for c in range(1, a.max_column + 1):  # the application twice, then broken copies of it
        for r in range(3, 9):
            a.cell(r, c).value = a.cell(2, c).value
    col_a = {h: i + 1 for i, h in enumerate(head_a)}
    a.cell(4, col_a["Application No."]).value = 3
    a.cell(4, col_a["Amount Applied"]).value = "abc"
    a.cell(5, col_a["Application No."]).value = None
    a.cell(6, col_a["Application No."]).value = 6
    a.cell(6, col_a["Posting Date"]).value = "2026-99-01"
    a.cell(7, col_a["Application No."]).value = 7
    a.cell(7, col_a["Applying Entry No."]).value = "x"
    a.cell(8, col_a["Application No."]).value = "=1+1"
    col_g = {h: i + 1 for i, h in enumerate(head_g)}
    g.cell(2, col_g["Entry No."]).value = "zz"
    g.cell(3, col_g["Posting Date"]).value = None
    wb.save(path)
    r = read_equal(path)
    got = [(i.sheet, i.row, i.column, i.value, i.code) for i in r.issues]
    assert got == [
        ("Applications", 3, "Application No.", 1, "duplicate-application-no"),
        ("Applications", 4, "Amount Applied", "abc", "bad-number"),
        ("Applications", 5, "Application No.", None, "missing-value"),
        ("Applications", 6, "Posting Date", "2026-99-01", "bad-date"),
        ("Applications", 7, "Applying Entry No.", "x", "bad-number"),
        ("Applications", 8, "Application No.", None, "uncalculated-formula"),
        ("GLEntries", 2, "Entry No.", "zz", "bad-number"),
        ("GLEntries", 3, "Posting Date", None, "missing-value"),
    ]
    assert [x.application_no for x in r.book.applications] == [1]
    assert r.index.locate("applications", 1, "amount_applied")[1:] == (2, "Amount Applied",
                                                                        r.book.applications[0].amount_applied)


def test_journal_read_column_by_column_keeps_posted_lines_quiet(make_book):
    from tests.book.builders import JOURNAL as J

    head = ["Line No."] + J[0] + ["Status"]
    journal = [head,
               [1] + J[1] + ["Posted"],
               [2, date(2026, 1, 12), "Payment", "P2", "C10000", "bad", None, "Posted"],  # posted: not re-validated
               [3, date(2026, 1, 12), "Payment", "P3", "C10000", "1,5", None, None],
               [1, date(2026, 1, 12), "Payment", "P4", "C10000", 5, None, None],  # Line No. 1 again
               [5, date(2026, 1, 12), "Reminder", "P5", "C10000", 5, None, ""],
               [6, date(2026, 1, 12), "Payment", "P6", "C30000", 7.125, "INV-1001", "posted "]]
    r = read_equal(make_book(Journal=journal))
    assert [(i.row, i.column, i.value, i.code) for i in r.issues if i.sheet == "Journal"] == [
        (4, "Amount", "1,5", "bad-number"), (5, "Line No.", 1, "duplicate-line-no"),
        (6, "Document Type", "Reminder", "unknown-document-type")]
    assert r.posted_lines == {1, 2, 6}
    assert r.bad_lines == {3: "Amount: '1,5' is not an amount",
                           5: "Document Type: a journal line is a Payment, Refund, Invoice or Credit Memo"}
    assert [(ln.line_no, ln.status, str(ln.amount)) for ln in r.book.journal] == [
        (1, "Posted", "980.00"), (6, "Posted", "7.13")]  # USD customer: cents, half away from zero
    assert r.index.locate("journal", 3, "amount")[1:] == (4, "Amount", "1,5")

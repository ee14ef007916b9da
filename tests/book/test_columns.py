"""The whole-column converter gives exactly what the cell-by-cell reader gives, or leaves the cell to it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from xlar.book import schema as S
from xlar.book.cells import CellError, convert_column, is_blank, read_cell
from xlar.book.schema import Column, Kind
from xlar.core.model import DocumentType

# what calamine and openpyxl give for cells, the well-kept and the odd
VALUES = [
    None, "", "   ", 0.0, -0.0, 1.0, 2.5, 0.005, 0.015, -0.005, 651.48, 1e15 + 1.0, 1e16, 1e300, float("inf"),
    float("nan"), 0, 7, -3, 10**20, True, False, "12.345", " 7 ", "abc", "Invoice", "invoice ", "credit memo",
    "Bogus", "2026-10-31", "31.10.2026", date(2026, 10, 31), datetime(2026, 10, 31), datetime(2026, 10, 31, 13, 5),
    Decimal("1.005"), "x", "yes", "14D", "A1; B2,C3", 45000.0, 45000.5, -1.0, "0", "1",
]

COLUMNS = [
    Column("T", "t"), Column("M", "m", Kind.MONEY), Column("D", "d", Kind.DATE), Column("DT", "dt", Kind.DATETIME),
    Column("I", "i", Kind.INT), Column("B", "b", Kind.BOOL), Column("N", "n", Kind.DECIMAL),
    Column("R", "r", Kind.RATE), Column("F", "f", Kind.FORMULA), Column("L", "l", Kind.LIST),
    Column("C", "c", Kind.CHOICE, choices=DocumentType),
]


def _slow(v: object, col: Column, cur: str) -> object:
    try:
        return ("ok", read_cell(v, col, cur))
    except CellError as e:
        return ("error", e.code)


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, Decimal):
        return str(a) == str(b)  # same value and exponent
    return a == b


@pytest.mark.parametrize("col", COLUMNS, ids=lambda c: c.kind.value)
@pytest.mark.parametrize("track", [True, False])
def test_column_matches_cell_by_cell(col, track):
    curs = ["EUR", "JPY", "KWD"] * 20
    values = (VALUES * 2)[: len(curs)]
    currency: str | list[str] = curs if col.kind is Kind.MONEY else "EUR"
    out, left = convert_column(values, col, currency, None, track)
    assert len(out) == len(values)
    left_set = set(left)
    assert left == sorted(left_set)
    for i, v in enumerate(values):
        cur = curs[i] if col.kind is Kind.MONEY else "EUR"
        if i in left_set:
            assert out[i] is None
            continue
        if is_blank(v):  # an untracked blank: nothing read, nothing reported
            assert not track and v is None and out[i] is None
            continue
        kind, want = _slow(v, col, cur)
        assert kind == "ok", (v, want)
        assert _same(out[i], want), (v, out[i], want)
    if track:  # every blank is handed back for its missing-value / uncalculated-formula check
        assert all(i in left_set for i, v in enumerate(values) if is_blank(v))


def test_fast_path_takes_the_common_cells():
    out, left = convert_column([651.48, 0.0, 3], S.LEDGER.by_field["amount"], "EUR")
    assert out == [Decimal("651.48"), Decimal("0.00"), Decimal("3.00")] and not left
    assert str(out[1]) == "0.00"
    out, left = convert_column([0.005, -0.005, 2.675], S.LEDGER.by_field["amount"], ["EUR", "EUR", "JPY"])
    assert [str(d) for d in out] == ["0.01", "-0.01", "3"] and not left  # half away from zero, JPY no decimals
    out, left = convert_column([date(2026, 1, 2), datetime(2026, 1, 3, 10, 0), "2026-01-04", None],
                               S.LEDGER.by_field["posting_date"], track_blank=True)
    assert out == [date(2026, 1, 2), date(2026, 1, 3), None, None] and left == [2, 3]
    out, left = convert_column(["Invoice", " Payment", "Nope"], S.LEDGER.by_field["document_type"])
    assert out[:2] == [DocumentType.INVOICE, DocumentType.PAYMENT] and left == [2]

"""Bankgirot BgMax import (issue 24): a sample file built here from the format's record layout."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xlar.book.bankfiles import StatementError, detect, parse_data
from xlar.book.bgmax import parse_bgmax
from xlar.core.bank import new_lines

BG = "0009912346"  # the payee's bankgiro number, zero-padded to 10


def rec(tk: str, fields: dict[int, str]) -> str:
    """An 80-character record: each field written at its 1-based start position."""
    r = [" "] * 80
    r[0:2] = tk
    for start, value in fields.items():
        r[start - 1:start - 1 + len(value)] = value
    return "".join(r)


def payment(tk: str, ref: str, ore: int, serial: str, *, ocr: bool = True) -> str:
    return rec(tk, {3: "0000000000", 13: ref.ljust(25), 38: f"{ore:018d}", 56: "2" if ocr else "4", 57: "1",
                    58: serial.rjust(12, "0"), 70: "0"})


def sample(*, deposit_ore: int = 125_050 + 80_000, end_payments: int = 2) -> bytes:
    lines = [
        rec("01", {3: "BGMAX".ljust(20), 23: "01", 25: "20260603101500123456", 45: "P"}),
        rec("05", {3: BG, 23: "SEK"}),
        payment("20", "20260012313", 125_050, "800000000001"),  # OCR (length digit 1, Luhn 3) of INV-2026-00123
        rec("26", {3: "Kalomar Bäckerei AB"}),
        payment("20", "INV-2026-00124", 80_000, "800000000002", ocr=False),
        payment("22", "INV-2026-00125", 0, "800000000002", ocr=False),
        rec("25", {3: "Tack för leveransen"}),
        rec("26", {3: "Fel & Co Handel"}),
        rec("15", {3: "99912346".ljust(35), 38: "20260603", 46: "00017", 51: f"{deposit_ore:018d}", 69: "SEK",
                   72: "00000002"}),
        rec("70", {3: f"{end_payments:08d}", 11: "00000000", 19: "00000001", 27: "00000001"}),
    ]
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def test_bgmax_payments_become_statement_lines() -> None:
    data = sample()
    assert all(len(r) == 80 for r in data.decode("latin-1").split("\r\n") if r)
    assert detect(__import__("pathlib").Path("x.txt"), data) == "bgmax"
    p = parse_data(data, "BgMax_20260603.txt")
    assert p.format == "BgMax"
    assert [(ln.statement_no, ln.line_no, ln.transaction_date, ln.amount, ln.currency, ln.payer_name, ln.reference,
             ln.text) for ln in p.lines] == [
        ("BG9912346-20260603-00017", 1, date(2026, 6, 3), Decimal("1250.50"), "SEK", "Kalomar Bäckerei AB",
         "20260012313", ""),
        ("BG9912346-20260603-00017", 2, date(2026, 6, 3), Decimal("800.00"), "SEK", "Fel & Co Handel", "",
         "INV-2026-00124 INV-2026-00125 Tack för leveransen")]


def test_the_same_payment_in_a_second_file_is_not_imported_again() -> None:
    first = parse_bgmax(sample(), "a.txt").lines
    again = parse_bgmax(sample(), "b.txt").lines  # another file name, the same BGC serial numbers
    assert new_lines(tuple(first), tuple(again)) == ()


@pytest.mark.parametrize(("kw", "message"), [
    ({"deposit_ore": 205_000}, ("deposit 00017 of 20260603 (record 9): its payments add up to 2050.50, but the "
                                 "deposit amount is 2050.00; the file is incomplete")),
    ({"end_payments": 3}, "the end record (TK70) counts 3 TK20 records, the file holds 2"),
])
def test_an_incomplete_file_is_refused(kw: dict, message: str) -> None:
    with pytest.raises(StatementError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_bgmax(sample(**kw), "bad.txt")

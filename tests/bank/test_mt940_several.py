"""An MT940 file holding several statements (issue 24): each statement's balances checked on its own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlar.book.bankfiles import StatementError, parse_mt940


def statement(no: str, opening: str, amount: str, closing: str, day: str, text: str) -> str:
    return (f":20:STARTUMSE\n:25:10010010/6820101\n:28C:{no}/001\n:60F:C{day}EUR{opening}\n"
            f":61:{day}{day[2:]}CR{amount}NTRFNONREF//B{no}\n:86:166?00GUTSCHRIFT?20{text}?32ADATUM CORPORATION\n"
            f":62F:C{day}EUR{closing}\n-\n")


def test_chained_statements_each_balanced_on_their_own() -> None:
    # statement 1: 1 000.00 + 100.00 = 1 100.00; statement 2 opens with it: 1 100.00 + 150.00 = 1 250.00
    data = (statement("00001", "1000,00", "100,00", "1100,00", "260112", "INV-1001")
            + statement("00002", "1100,00", "150,00", "1250,00", "260113", "INV-1002")).encode()
    p = parse_mt940(data, "two.sta")
    assert [(ln.statement_no, ln.line_no, ln.amount, ln.opening_balance, ln.ending_balance, ln.text)
            for ln in p.lines] == [
        ("00001", 1, Decimal("100.00"), Decimal("1000.00"), Decimal("1100.00"), "INV-1001"),
        ("00002", 1, Decimal("150.00"), Decimal("1100.00"), Decimal("1250.00"), "INV-1002")]
    assert len({ln.import_key for ln in p.lines}) == 2


def test_a_broken_statement_among_several_is_named() -> None:
    data = (statement("00001", "1000,00", "100,00", "1100,00", "260112", "INV-1001")
            + statement("00002", "1100,00", "150,00", "1150,00", "260113", "INV-1002")).encode()
    with pytest.raises(StatementError, match=r"statement 00002: opening balance 1100.00 \+ entries 150.00 = "
                                             r"1250.00, but the closing balance is 1150.00"):
        parse_mt940(data, "two.sta")


def test_a_repeated_statement_number_keeps_import_keys_apart() -> None:
    data = (statement("00007", "0,00", "10,00", "10,00", "260112", "A")
            + statement("00007", "10,00", "5,00", "15,00", "260113", "B")).encode()
    p = parse_mt940(data, "rep.sta")
    assert [ln.statement_no for ln in p.lines] == ["00007", "00007-2"]
    assert len({ln.import_key for ln in p.lines}) == 2

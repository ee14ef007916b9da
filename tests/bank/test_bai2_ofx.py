"""BAI2 and OFX statements: parsed with their integrity checks, imported, matched."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.bank.samples import bai2, ofx
from tests.bank.test_workbook import book, by, cli  # noqa: F401  (the fixture)
from tests.book.builders import read_sheet
from xlar.book.bankfiles import StatementError, detect, parse_file

D = Decimal


def test_bai2_lines_signs_balances_and_keys(tmp_path: Path) -> None:
    p = parse_file(bai2(tmp_path / "s.bai"))
    assert p.format == "BAI2" and p.problems == []
    assert [(ln.amount, ln.text, str(ln.transaction_date)) for ln in p.lines] == [
        (D("980.00"), "INV-1001 Adatum Corporation", "2026-01-10"),
        (D("750.00"), "Trey Research INV-1002 INV-1003", "2026-01-10"),
        (D("-12.50"), "MyBank fee March", "2026-01-10")]  # type 475 is a debit
    first = p.lines[0]
    assert (first.statement_no, first.opening_balance, first.ending_balance, first.currency) == (
        "DE12500105170648489890-20260110", D("5000.00"), D("6717.50"), "EUR")
    assert len({ln.import_key for ln in p.lines}) == 3


def test_bai2_minor_units_follow_the_currency(tmp_path: Path) -> None:
    f = bai2(tmp_path / "jpy.bai", currency="JPY", closing="500980", details=[("195", "980", "R1", "INV-1")])
    [line] = parse_file(f).lines
    assert (line.amount, line.currency, line.ending_balance) == (D("980"), "JPY", D("500980"))


def test_bai2_repeated_bank_reference_keeps_both_lines(tmp_path: Path) -> None:
    f = bai2(tmp_path / "s.bai", closing="510000", details=[("195", "5000", "R1", "fee refund")] * 2)
    a, b = parse_file(f).lines
    assert a.amount == b.amount == D("50.00") and a.import_key != b.import_key


def test_bai2_wrong_closing_ledger_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StatementError, match="closing ledger is 6517.50"):
        parse_file(bai2(tmp_path / "s.bai", closing="651750"))


def test_bai2_wrong_control_total_is_refused(tmp_path: Path) -> None:
    f = bai2(tmp_path / "s.bai")
    f.write_text(f.read_text().replace("16,195,98000,", "16,195,98001,"))
    with pytest.raises(StatementError, match="totals do not add up"):
        parse_file(f)


def test_ofx_lines_payer_and_balances(tmp_path: Path) -> None:
    p = parse_file(ofx(tmp_path / "s.ofx"))
    assert p.format == "OFX"
    assert [(ln.amount, ln.payer_name, ln.text, str(ln.transaction_date)) for ln in p.lines] == [
        (D("980.00"), "Adatum Corporation", "Payment INV-1001", "2026-01-10"),
        (D("750.00"), "Trey Research Ltd", "INV-1002 INV-1003", "2026-01-11"),
        (D("-12.50"), "MyBank", "fee March", "2026-01-11")]
    # OFX gives the closing ledger balance only; the opening is derived from it
    assert {(ln.opening_balance, ln.ending_balance) for ln in p.lines} == {(D("5000.00"), D("6717.50"))}


def test_ofx_same_fitid_twice_in_one_file_keeps_both(tmp_path: Path) -> None:
    lines = parse_file(ofx(tmp_path / "s.ofx", fitids=("F1", "F1", "F3"))).lines
    assert len({ln.import_key for ln in lines}) == 3


def test_detect_by_content_not_suffix(tmp_path: Path) -> None:
    assert detect(tmp_path / "a.txt", bai2(tmp_path / "a.txt").read_bytes()) == "bai2"
    assert detect(tmp_path / "b.xml", ofx(tmp_path / "b.xml").read_bytes()) == "ofx"
    v2 = b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200" VERSION="220"?>\n<OFX></OFX>'
    assert detect(tmp_path / "c.ofx", v2) == "ofx"


def test_not_an_ofx_file(tmp_path: Path) -> None:
    f = tmp_path / "x.ofx"
    f.write_text("OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1>broken")
    with pytest.raises(StatementError, match="holds no bank or card statement"):
        parse_file(f)


@pytest.mark.parametrize("make", [bai2, ofx], ids=["bai2", "ofx"])
def test_import_twice_and_match(book: Path, tmp_path: Path, make) -> None:  # noqa: F811
    f = make(tmp_path / "stmt.dat")
    r = cli("import-statement", book, f)
    assert r.exit_code == 0, r.output
    assert "Imported 3 line(s)" in r.output
    again = cli("import-statement", book, f)
    assert again.exit_code == 0 and "Imported 0 line(s)" in again.output
    assert cli("match", book).exit_code == 0
    st = by(read_sheet(book, "BankStatement"), "Line No.")
    assert len(st) == 3
    # INV-1001 named, 980.00 = 1,000.00 less the 2 % discount inside the window
    assert (st[1]["Match Confidence"], st[1]["Matched Customer No."], st[1]["Matched Documents"]) == (
        "High", "C10000", "INV-1001")
    # two invoices named in one line, 500.00 + 250.00
    assert (st[2]["Matched Customer No."], st[2]["Matched Documents"]) == ("C20000", "INV-1002, INV-1003")
    # the bank fee goes to the mapped G/L account
    assert (st[3]["Match Confidence"], st[3]["Matched Account No."], st[3]["Match Rule"]) == (
        "High", "6040", "Text-to-Account Mapping")
    # the three match rates, each with its numerator and denominator, on the run's RunLog row
    assert read_sheet(book, "RunLog")[-1]["Result"] == (
        "Matched 3 line(s): High 3, Medium 0, Low 0, None 0; auto-match rate: lines 100.0 % (3 of 3), "
        "invoices 100.0 % (3 of 3), amount EUR 100.0 % (1,742.50 of 1,742.50)")


def test_damaged_bai2_leaves_the_book_unchanged(book: Path, tmp_path: Path) -> None:  # noqa: F811
    before = book.read_bytes()
    r = cli("import-statement", book, bai2(tmp_path / "bad.bai", closing="1"))
    assert r.exit_code == 1 and "closing ledger" in r.output
    assert book.read_bytes() == before

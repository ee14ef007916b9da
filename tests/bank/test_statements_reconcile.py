"""Parsers on small files (CAMT.053 versions, XLSX by profile) and reconciliation figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.bank.samples import camt053
from xlar.book.bankfiles import Profile, StatementError, parse_file
from xlar.core.bank import BankLedgerEntry, StatementLine
from xlar.core.reconcile import reconcile

D = Decimal


@pytest.mark.parametrize("version", [2, 4, 8, 13])
def test_camt_versions(tmp_path: Path, version: int) -> None:
    p = parse_file(camt053(tmp_path / "s.xml", version=version))
    assert p.format == f"CAMT.053 camt.053.001.{version:02d}"
    assert [ln.amount for ln in p.lines] == [D("980.00"), D("750.00"), D("777.00"), D("-12.50"), D("5.00")]
    first = p.lines[0]
    assert (first.statement_no, first.payer_name, first.payer_iban, first.reference) == (
        "STMT-1", "Adatum Corp", "DE89370400440532013000", "E2E-1")
    assert (first.opening_balance, first.ending_balance, first.source_line) == (D("5000.00"), D("7499.50"), 1)
    assert p.lines[1].reference == ""  # NOTPROVIDED is no reference


def test_camt_identical_entries_are_both_kept(tmp_path: Path) -> None:
    twice = [("50.00", "CRDT", "Trey", "", "fee refund", "NOTPROVIDED")] * 2
    p = parse_file(camt053(tmp_path / "s.xml", closing="5100.00", entries=twice))
    assert len(p.lines) == 2 and p.lines[0].import_key != p.lines[1].import_key


def test_not_a_statement(tmp_path: Path) -> None:
    f = tmp_path / "x.xml"
    f.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')
    with pytest.raises(StatementError, match="not a CAMT.053"):
        parse_file(f)


def test_xlsx_with_debit_credit_columns(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Export of account 123"])
    ws.append(["Value Date", "Debit", "Credit", "Counterparty", "Details 1", "Details 2"])
    ws.append([date(2026, 6, 3), None, 1000.0, "Adatum", "INV-1001", "thanks"])
    ws.append([date(2026, 6, 4), 12.5, None, "MyBank", "fee", ""])
    f = tmp_path / "s.xlsx"
    wb.save(f)
    prof = Profile(name="X", skip_rows=1, date="Value Date", debit="Debit", credit="Credit",
                   payer_name="Counterparty", text="Details 1; Details 2")
    p = parse_file(f, profile=prof, statement_no="S9")
    assert [(ln.statement_no, ln.line_no, ln.amount, ln.text, ln.source_line) for ln in p.lines] == [
        ("S9", 1, D("1000.00"), "INV-1001 thanks", 3), ("S9", 2, D("-12.50"), "fee", 4)]


def _lines(*amounts: str) -> list[StatementLine]:
    return [StatementLine(statement_no="7", line_no=i, transaction_date=date(2026, 6, 30), amount=D(a))
            for i, a in enumerate(amounts, start=1)]


def test_reconcile_outstanding_deposit_and_history() -> None:
    ledger = [
        BankLedgerEntry(entry_no=1, posting_date=date(2026, 5, 31), document_no="OLD", amount=D("100.00"),
                        open=False, statement_no="6", statement_line_no=1),  # closed by statement 6
        BankLedgerEntry(entry_no=2, posting_date=date(2026, 6, 29), document_no="P1", amount=D("400.00")),
        BankLedgerEntry(entry_no=3, posting_date=date(2026, 6, 30), document_no="DEP", amount=D("250.00")),
        BankLedgerEntry(entry_no=4, posting_date=date(2026, 7, 2), document_no="LATER", amount=D("9.00")),
    ]
    r = reconcile("7", _lines("400.00"), ledger, balance_last_statement=D("1000.00"))
    assert (r.total_balance, r.statement_ending_balance) == (D("1400.00"), D("1400.00"))
    assert r.matches == ((1, 2),)
    assert r.outstanding_bank_transactions == D("250.00") and r.outstanding_checks == 0
    assert (r.book_balance, r.bank_account_balance, r.difference) == (D("1650.00"), D("1650.00"), 0)
    assert r.complete
    off = reconcile("7", _lines("400.00", "-5.00"), ledger, balance_last_statement=D("1000.00"))
    assert not off.complete and off.unmatched_lines_total == D("-5.00")
    assert off.difference == D("5.00")

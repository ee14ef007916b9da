"""Reading workbooks: headers, tables vs plain ranges, cells -> records, bad cells -> exact Issues."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from tests.book.builders import CUSTOMERS, JOURNAL, LEDGER, TERMS, F, standard, write_book
from xlar.book import schema as S
from xlar.book.files import open_book
from xlar.book.rows import read_book
from xlar.core import model as m
from xlar.core.model import ApplicationMethod, DocumentType, TolerancePosting


def read(path, need=()):
    return read_book(open_book(path).grids, need=need)


def issues(result):
    return [(i.sheet, i.row, i.column, i.value, i.code) for i in result.issues]


# --------------------------------------------------------------------------- schema


def test_header_normalisation():
    assert S.norm("Document No.") == S.norm("document_no") == S.norm("DOCUMENT NO") == "documentno"
    assert S.LEDGER.column("  amount (lcy) ").field == "amount_lcy"
    assert S.JOURNAL.column("APPLIES_TO_DOC_NO").field == "applies_to_doc_nos"


@pytest.mark.parametrize("cls,spec", [
    (m.LedgerEntry, S.LEDGER), (m.JournalLine, S.JOURNAL), (m.Application, S.APPLICATIONS),
    (m.GLLine, S.GL_ENTRIES), (m.Customer, S.CUSTOMERS), (m.PaymentTerms, S.PAYMENT_TERMS),
])
def test_every_core_field_has_a_column(cls, spec):
    assert {f.name for f in dataclasses.fields(cls)} == set(spec.by_field)


def test_every_setting_has_a_row():
    fields = {f.name for f in dataclasses.fields(m.Settings)} - {"accounts"}
    fields |= {f"accounts.{f.name}" for f in dataclasses.fields(m.Accounts)}
    assert fields == {s.field for s in S.SETTINGS
                      if not s.field.startswith((S.COMPANY_PREFIX, S.COLLECTIONS_PREFIX))}


def test_column_keys_are_unique_per_sheet():
    for spec in S.SHEETS.values():
        assert len({c.key for c in spec.columns}) == len(spec.columns), spec.name


# --------------------------------------------------------------------------- layout


def test_headers_in_any_case_and_order(make_book):
    shuffled = [["AMOUNT", "document_no", "Document-Type", "posting date", "CUSTOMER NO", "My Notes"]]
    shuffled += [[r[4], r[3], r[2], r[1], r[0], "note"] for r in LEDGER[1:]]
    a = read(make_book("a.xlsx"))
    b = read(make_book("b.xlsx", Ledger=shuffled))
    assert a.book.ledger == b.book.ledger
    assert [e.document_no for e in b.book.ledger] == ["INV-1001", "INV-1002"]
    assert not b.issues


def test_sheet_names_case_insensitive(tmp_path):
    sheets = standard()
    sheets["LEDGER"] = sheets.pop("Ledger")
    sheets["payment terms"] = sheets.pop("PaymentTerms")
    r = read(write_book(tmp_path / "b.xlsx", sheets))
    assert len(r.book.ledger) == 2 and len(r.book.terms) == 2
    assert r.book.ledger[0].original_pmt_disc_possible == Decimal("20.00")


def test_excel_table_anywhere_reads_like_a_plain_range(make_book):
    plain = read(make_book("plain.xlsx"))
    tabled = read(make_book("table.xlsx", tables={"Ledger": "tblLedger", "Customers": "tblCustomers",
                                                  "Journal": "tblJournal"},
                            anchors={"Ledger": (4, 3), "Customers": (2, 2), "Journal": (3, 2)}))
    assert tabled.book.ledger == plain.book.ledger
    assert tabled.book.customers == plain.book.customers
    assert [dataclasses.replace(ln, line_no=0) for ln in tabled.book.journal] == \
        [dataclasses.replace(ln, line_no=0) for ln in plain.book.journal]
    assert tabled.ledger_rows == {1: 5, 2: 6}
    assert tabled.journal_rows == {4: 4}  # no Line No. column: the Excel row is the line number


# --------------------------------------------------------------------------- values


def test_ledger_derives_blank_columns_and_keeps_given_ones(make_book):
    ledger = [LEDGER[0] + ["Due Date", "Entry No.", "Remaining Amount"],
              LEDGER[1] + [date(2026, 3, 1), 7, None],
              LEDGER[2] + [None, None, 125.5]]
    r = read(make_book(Ledger=ledger))
    inv1, inv2 = r.book.ledger
    assert inv1.entry_no == 7 and inv1.due_date == date(2026, 3, 1)  # given: kept
    assert inv1.pmt_discount_date == date(2026, 1, 13)  # 8D from the customer's terms 2%8D
    assert inv1.original_pmt_disc_possible == Decimal("20.00")
    assert inv1.remaining_amount == Decimal("1000.00") and inv1.open
    assert inv2.entry_no == 8  # next after the highest given
    assert inv2.due_date == date(2026, 2, 9)  # 30D
    assert inv2.remaining_amount == Decimal("125.50") and inv2.remaining_amount_lcy == Decimal("125.50")
    assert r.ledger_filled[7] >= {"pmt_discount_date", "remaining_amount", "currency"}
    assert "due_date" not in r.ledger_filled[7] and "entry_no" not in r.ledger_filled[7]
    assert "entry_no" in r.ledger_filled[8]


def test_money_from_floats_is_rounded_to_the_currency(make_book):
    ledger = [LEDGER[0] + ["Currency"], ["C10000", date(2026, 1, 5), "Invoice", "A", 0.1 + 0.2, None],
              ["C30000", date(2026, 1, 5), "Invoice", "B", 1234.565, None],
              ["C10000", date(2026, 1, 5), "Invoice", "C", 1000.5, "JPY"]]
    rates = [["Currency", "Starting Date", "Rate"], ["USD", date(2026, 1, 1), 0.9], ["JPY", "2026-01-01", 0.0061]]
    r = read(make_book(Ledger=ledger, ExchangeRates=rates))
    a, b, c = r.book.ledger
    assert a.amount == Decimal("0.30")
    assert b.currency == "USD" and b.amount == Decimal("1234.57") and b.amount_lcy == Decimal("1111.11")
    assert c.amount == Decimal(1001) and c.amount_lcy == Decimal("6.11")
    assert not r.issues


def test_dates_as_cells_serials_and_iso_text(make_book):
    journal = [JOURNAL[0], [date(2026, 1, 12), "Payment", "P1", "C10000", 10, None],
               [46034, "Payment", "P2", "C10000", 10, None], ["2026-01-12", "payment", "P3", "C10000", 10, None]]
    r = read(make_book(Journal=journal))
    assert [ln.posting_date for ln in r.book.journal] == [date(2026, 1, 12)] * 3
    assert r.book.journal[2].document_type is DocumentType.PAYMENT


def test_applies_to_several_documents_and_numeric_customer(make_book):
    customers = [CUSTOMERS[0], [10000, "Numeric Ltd", None, "30D"]]
    journal = [JOURNAL[0] + ["Line No."], [date(2026, 1, 12), "Payment", "P1", 10000.0, 10, "INV-1; INV-2,INV-3", 10]]
    r = read(make_book(Customers=customers, Ledger=[LEDGER[0]], Journal=journal))
    (line,) = r.book.journal
    assert line.customer_no == "10000" and r.book.customers[0].customer_no == "10000"
    assert line.applies_to_doc_nos == ("INV-1", "INV-2", "INV-3")
    assert line.line_no == 10 and r.journal_rows == {10: 2}


def test_posted_journal_lines_are_passed_as_posted(make_book):
    journal = [JOURNAL[0] + ["Status"], JOURNAL[1] + ["Posted"], [date(2026, 1, 12), "Payment", "P2", "C10000", 5,
                                                                 None, "Error"]]
    r = read(make_book(Journal=journal))
    assert [(ln.document_no, ln.status) for ln in r.book.journal] == [("PAY-1", "Posted"), ("P2", "")]
    assert r.posted_lines == {2}


def test_settings_with_defaults_extensions_and_inverse_warnings(make_book):
    settings = [["Setting", "Value"], ["company currency", "usd"], ["Application Method", "Manual"],
                ["Payment Tolerance %", 1.5], ["Max. Payment Tolerance Amount", 5],
                ["Payment Tolerance Warning", True], ["Pmt. Disc. Tolerance Posting", "Payment Tolerance Accounts"],
                ["Settlement Priority", "Credit Memo, Invoice"], ["Bank Account", 1210],
                ["Appln. Rounding Account", "8545"], ["Currency Decimals", "JPY=0; XYZ=3"]]
    s = read(make_book(Settings=settings)).book.settings
    assert s.company_currency == "USD" and s.application_method is ApplicationMethod.MANUAL
    assert s.payment_tolerance_pct == Decimal("1.5") and s.max_payment_tolerance_amount == Decimal("5.00")
    assert s.accept_payment_tolerance is False and s.accept_late_discount is True
    assert s.pmt_disc_tolerance_posting is TolerancePosting.TOLERANCE_ACCOUNTS
    assert s.settlement_priority == (DocumentType.CREDIT_MEMO, DocumentType.INVOICE)
    assert s.accounts.bank == "1210" and s.accounts.appln_rounding == "8545" and s.accounts.receivables == "1100"
    assert s.currency_exponents == (("JPY", 0), ("XYZ", 3))


def test_missing_settings_sheet_gives_contract_defaults(make_book):
    s = read(make_book(Settings=None)).book.settings
    assert s.company_currency == "EUR" and s.application_method is ApplicationMethod.APPLY_TO_OLDEST
    assert s.payment_discount_grace_period == "0D" and s.accounts.discount == "8400"


# --------------------------------------------------------------------------- bad cells -> Issues


def test_bad_cells_become_exact_issues(make_book):
    ledger = [LEDGER[0] + ["Entry No."],
              ["C10000", "31.01.2026", "Invoice", "X1", 10, 1],  # row 2: bad date
              ["C10000", date(2026, 1, 5), "Invoce", "X2", 10, 2],  # row 3: unknown document type
              ["C10000", date(2026, 1, 5), "Invoice", "X3", "ten", 3],  # row 4: bad number
              ["C10000", date(2026, 1, 5), "Invoice", None, 10, 4],  # row 5: missing value
              ["C99999", date(2026, 1, 5), "Invoice", "X5", 10, 5],  # row 6: unknown customer
              ["C10000", date(2026, 1, 5), "Invoice", "X6", 10, 5],  # row 7: duplicate entry no
              ["C10000", date(2026, 1, 5), "Invoice", "X7", 10, 6]]  # row 8: fine
    terms = [TERMS[0], TERMS[1], TERMS[2], ["BAD", "1 month", None, None]]
    r = read(make_book(Ledger=ledger, PaymentTerms=terms))
    assert issues(r) == [
        ("PaymentTerms", 4, "Due Date Formula", "1 month", "bad-date-formula"),
        ("Ledger", 2, "Posting Date", "31.01.2026", "bad-date"),
        ("Ledger", 3, "Document Type", "Invoce", "unknown-document-type"),
        ("Ledger", 4, "Amount", "ten", "bad-number"),
        ("Ledger", 5, "Document No.", None, "missing-value"),
        ("Ledger", 6, "Customer No.", "C99999", "unknown-customer"),
        ("Ledger", 7, "Entry No.", 5, "duplicate-entry-no"),
    ]
    assert [e.document_no for e in r.book.ledger] == ["X7"]


def test_issue_column_is_the_header_as_written(make_book):
    journal = [["posting_date", "DOCUMENT TYPE", "doc no.", "Amount"],
               ["yesterday", "Payment", "P1", 10]]
    r = read(make_book(Journal=journal), need=("Journal",))
    assert ("Journal", 1, "Document No.", None, "missing-column") in issues(r)
    journal = [["posting_date", "DOCUMENT TYPE", "Document_No", "Amount"], ["yesterday", "Payment", "P1", 10]]
    r = read(make_book(Journal=journal))
    assert issues(r) == [("Journal", 2, "posting_date", "yesterday", "bad-date")]
    assert r.bad_lines == {2: "posting_date: 'yesterday' is not a date: use an Excel date or ISO text like 2026-10-31"}


def test_missing_rate_and_unknown_terms(make_book):
    ledger = [LEDGER[0] + ["Currency", "Payment Terms"],
              ["C10000", date(2026, 1, 5), "Invoice", "X1", 10, "GBP", None],
              ["C10000", date(2026, 1, 5), "Invoice", "X2", 10, None, "NOPE"]]
    r = read(make_book(Ledger=ledger))
    assert issues(r) == [("Ledger", 2, "Currency", "GBP", "unknown-currency"),
                         ("Ledger", 3, "Payment Terms", "NOPE", "unknown-payment-terms")]


def test_journal_document_type_outside_the_journal_types(make_book):
    journal = [JOURNAL[0], [date(2026, 1, 12), "Reminder", "R1", "C10000", 10, None]]
    r = read(make_book(Journal=journal))
    assert issues(r) == [("Journal", 2, "Document Type", "Reminder", "unknown-document-type")]


def test_duplicate_setting_and_unknown_setting(make_book):
    settings = [["Setting", "Value"], ["Company Currency", "EUR"], ["company currency", "USD"], ["Colour", "blue"],
                ["Payment Tolerance %", "abc"]]
    r = read(make_book(Settings=settings))
    assert issues(r) == [("Settings", 3, "Setting", "company currency", "duplicate-setting"),
                         ("Settings", 4, "Value", "Colour", "unknown-setting"),
                         ("Settings", 5, "Value", "abc", "bad-number")]
    assert [i.severity.value for i in r.issues] == ["Error", "Warning", "Error"]


def test_uncalculated_formula_is_reported(make_book):
    ledger = [LEDGER[0], ["C10000", date(2026, 1, 5), "Invoice", "X1", F("=100*2")]]
    r = read(make_book(Ledger=ledger))
    assert issues(r) == [("Ledger", 2, "Amount", None, "uncalculated-formula")]

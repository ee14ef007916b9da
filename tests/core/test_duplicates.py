"""Duplicate payment check (xlar.core.duplicates): same customer + amount + date (+ external document no.)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from tests.core.builders import DT, book, line, with_entries
from xlar.core.duplicates import CODE, duplicate_issues, find_duplicate_payments
from xlar.core.model import DuplicatePaymentCheck, Ref, Severity
from xlar.core.settle import post_journal

D = Decimal
JAN5, JAN12, JAN13 = date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 13)


def _book(*lines, ledger=(), check=DuplicatePaymentCheck.WARNING):
    b = with_entries(book(), ("C1", DT.INVOICE, "INV-1", JAN5, "1000.00"), ("C2", DT.INVOICE, "INV-2", JAN5, "500.00"),
                     *ledger)
    return replace(b, journal=tuple(lines), settings=replace(b.settings, duplicate_payment_check=check))


def test_two_lines_same_customer_amount_date_the_second_is_flagged_naming_the_first():
    b = _book(line(1, DT.PAYMENT, "PAY-1", JAN12, "980.00", applies_to_doc_nos=("INV-1",)),
              line(2, DT.PAYMENT, "PAY-2", JAN12, "980.00"))
    [d] = find_duplicate_payments(b)
    assert d.line_no == 2 and d.other == Ref(table="journal", key=1, field="amount", value=D("980.00"))
    assert (d.customer_no, d.currency, d.amount, d.posting_date) == ("C1", "EUR", D("980.00"), JAN12)
    assert d.other_document_no == "PAY-1" and not d.other_is_posted
    [i] = duplicate_issues(b)
    assert i.code == CODE and i.severity is Severity.WARNING
    assert i.ref == Ref(table="journal", key=2, field="amount", value=D("980.00"))
    assert "journal line 1" in i.problem and "980.00 EUR on 2026-01-12" in i.problem


def test_a_posted_payment_entry_on_the_ledger_is_a_duplicate():
    b = _book(line(1, DT.PAYMENT, "PAY-9", JAN12, "980.00"), ledger=[("C1", DT.PAYMENT, "PAY-1", JAN12, "-980.00")])
    [d] = find_duplicate_payments(b)
    assert d.other == Ref(table="ledger", key=3, field="amount", value=D("-980.00")) and d.other_is_posted
    assert "already posted (ledger entry 3, document PAY-1)" in duplicate_issues(b)[0].problem


def test_different_customer_amount_date_or_type_is_not_a_duplicate():
    b = _book(line(1, DT.PAYMENT, "P1", JAN12, "980.00"),
              line(2, DT.PAYMENT, "P2", JAN12, "980.00", customer="C2"),  # other customer
              line(3, DT.PAYMENT, "P3", JAN12, "980.01"),  # other amount
              line(4, DT.PAYMENT, "P4", JAN13, "980.00"),  # other date
              line(5, DT.REFUND, "R1", JAN12, "980.00"),  # not a payment
              line(6, DT.PAYMENT, "P6", JAN12, "980.00", currency="USD"))  # other currency
    assert find_duplicate_payments(b) == ()


def test_external_document_numbers_tell_two_payments_apart_when_both_are_given():
    b = _book(line(1, DT.PAYMENT, "P1", JAN12, "250.00", external_document_no="CHK-100"),
              line(2, DT.PAYMENT, "P2", JAN12, "250.00", external_document_no="CHK-101"),  # other cheque
              line(3, DT.PAYMENT, "P3", JAN12, "250.00", external_document_no="chk 100"),  # same cheque, spaced
              line(4, DT.PAYMENT, "P4", JAN12, "250.00"))  # no cheque number: same customer+amount+date
    found = {d.line_no: d.other.key for d in find_duplicate_payments(b)}
    assert found == {3: 1, 4: 1}


def test_posted_lines_are_not_checked_again_and_the_customer_comes_from_the_applies_to_document():
    b = _book(replace(line(1, DT.PAYMENT, "PAY-1", JAN12, "980.00"), status="Posted"),
              line(2, DT.PAYMENT, "PAY-2", JAN12, "500.00", customer="", applies_to_doc_nos=("INV-2",)),
              ledger=[("C2", DT.PAYMENT, "PAY-0", JAN12, "-500.00")])
    [d] = find_duplicate_payments(b)
    assert (d.line_no, d.customer_no, d.other.key) == (2, "C2", 3)


def test_setting_error_and_off():
    lines = (line(1, DT.PAYMENT, "P1", JAN12, "980.00"), line(2, DT.PAYMENT, "P2", JAN12, "980.00"))
    assert [i.severity for i in duplicate_issues(_book(*lines, check=DuplicatePaymentCheck.ERROR))] == [
        Severity.ERROR]
    assert duplicate_issues(_book(*lines, check=DuplicatePaymentCheck.OFF)) == ()


def test_the_check_does_not_change_what_settlement_posts():
    # the check is separate from settlement: a warning leaves both payments to post_journal as before
    b = _book(line(1, DT.PAYMENT, "P1", JAN12, "980.00", applies_to_doc_nos=("INV-1",)),
              line(2, DT.PAYMENT, "P2", JAN12, "980.00"))
    s = post_journal(b)
    assert [r.status for r in s.line_results] == ["Posted", "Posted"]
    assert len(find_duplicate_payments(b)) == 1

"""Remittance advice (xlar.core.remittance): the payment applied to exactly the listed documents, or refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.core.builders import DT, book, entry, line, with_entries
from xlar.core.model import Ref, Settings
from xlar.core.remittance import RemittanceLine, apply_remittances
from xlar.core.settle import post_journal

D = Decimal
JAN5, JAN12, JAN20 = date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 20)


def _book(*lines, ledger=(), settings: Settings | None = None):
    # C1 has 2 % / 10 days: INV-1 1,000.00 (discount 20.00 until Jan 15); INV-2 500.00 on N30 terms (no discount)
    b = with_entries(book(settings=settings), ("C1", DT.INVOICE, "INV-1", JAN5, "1000.00"),
                     ("C1", DT.INVOICE, "INV-2", JAN5, "500.00", {"original_pmt_disc_possible": D(0),
                                                                 "remaining_pmt_disc_possible": D(0),
                                                                 "pmt_discount_date": None,
                                                                 "external_document_no": "PO-77"}),
                     ("C2", DT.INVOICE, "INV-9", JAN5, "300.00"), *ledger)
    return replace(b, journal=tuple(lines))


def rem(doc, paid, disc="0", rid="RA-1", customer="C1", key=None):
    return RemittanceLine(remittance_id=rid, document_no=doc, amount_paid=D(paid), discount_taken=D(disc),
                          customer_no=customer, key=key or doc)


PAY = line(1, DT.PAYMENT, "PAY-1", JAN12, "1480.00", applies_to_id="RA-1")


def test_marks_each_document_with_the_id_and_amount_paid_plus_discount_then_settlement_closes_both():
    r = apply_remittances(_book(PAY), [rem("INV-1", "980.00", "20.00"), rem("PO-77", "500.00")])
    assert r.issues == () and r.failed == {}
    assert r.applied == {1: ((1, D("1000.00")), (2, D("500.00")))}
    i1, i2 = entry(r.book.ledger, "INV-1"), entry(r.book.ledger, "INV-2")
    assert (i1.applies_to_id, i1.amount_to_apply, i2.applies_to_id, i2.amount_to_apply) == (
        "RA-1", D("1000.00"), "RA-1", D("500.00"))
    assert entry(r.book.ledger, "INV-9").applies_to_id == ""
    s = post_journal(r.book)
    assert [x.status for x in s.line_results] == ["Posted"]
    got = {a.applied_document_no: (a.amount_applied, a.discount) for a in s.new_applications}
    assert got == {"INV-1": (D("980.00"), D("20.00")), "INV-2": (D("500.00"), D("0.00"))}
    assert not entry(s.ledger, "INV-1").open and not entry(s.ledger, "INV-2").open
    disc = [g for g in s.new_gl if g.account_no == "8400"]
    assert [(g.debit, g.credit) for g in disc] == [(D("20.00"), D("0"))]


def test_partial_amount_applies_only_that_amount():
    pay = line(1, DT.PAYMENT, "PAY-1", JAN12, "400.00", applies_to_id="RA-1")
    r = apply_remittances(_book(pay), [rem("INV-2", "400.00")])
    s = post_journal(r.book)
    assert entry(s.ledger, "INV-2").remaining_amount == D("100.00")
    assert entry(s.ledger, "INV-1").remaining_amount == D("1000.00")  # not named: untouched


def test_a_credit_memo_deducted_counts_with_the_entry_sign_however_it_is_written():
    cm = ("C1", DT.CREDIT_MEMO, "CM-1", JAN5, "-100.00")
    for written in ("100.00", "-100.00"):
        pay = line(1, DT.PAYMENT, "PAY-1", JAN20, "400.00", applies_to_id="RA-1")
        r = apply_remittances(_book(pay, ledger=[cm]), [rem("INV-2", "500.00"), rem("CM-1", written)])
        assert r.failed == {}
        assert entry(r.book.ledger, "CM-1").amount_to_apply == D("-100.00")
        s = post_journal(r.book)
        assert [x.status for x in s.line_results] == ["Posted"]
        assert not entry(s.ledger, "INV-2").open and not entry(s.ledger, "CM-1").open


@pytest.mark.parametrize(("rows", "code", "ref"), [
    ([rem("INV-404", "1480.00")], "remittance-unknown-document", Ref(table="remittance", key="INV-404",
                                                                     field="document_no", value="INV-404")),
    ([rem("INV-1", "980.00", "20.00"), rem("INV-9", "500.00")], "remittance-other-customer",
     Ref(table="remittance", key="INV-9", field="document_no", value="INV-9")),
    ([rem("INV-1", "980.00", "20.00", customer="C2"), rem("INV-2", "500.00")], "remittance-other-customer",
     Ref(table="remittance", key="INV-1", field="customer_no", value="C2")),
    ([rem("INV-1", "1480.00", "20.00")], "remittance-exceeds-remaining",
     Ref(table="remittance", key="INV-1", field="amount_paid", value=D("1480.00"))),
    ([rem("INV-1", "980.00", "20.00"), rem("INV-2", "490.00")], "remittance-total-mismatch",
     Ref(table="journal", key=1, field="amount", value=D("1480.00"))),
])
def test_a_remittance_that_disagrees_with_the_books_fails_the_line_and_marks_nothing(rows, code, ref):
    b = _book(PAY)
    r = apply_remittances(b, rows)
    assert [i.code for i in r.issues] == [code] and r.issues[0].ref == ref
    assert list(r.failed) == [1] and r.failed[1].startswith("Remittance RA-1: ")
    assert r.book.ledger == b.ledger and r.applied == {}


def test_total_mismatch_names_the_difference():
    r = apply_remittances(_book(PAY), [rem("INV-1", "980.00", "20.00"), rem("INV-2", "490.00")])
    assert "lists 1470.00 paid, the payment is 1480.00 (difference 10.00)" in r.issues[0].problem


def test_closed_document():
    b = _book(PAY, ledger=[("C1", DT.INVOICE, "INV-3", JAN5, "200.00", {"remaining_amount": D(0), "open": False})])
    r = apply_remittances(b, [rem("INV-3", "200.00")])
    assert [i.code for i in r.issues] == ["remittance-document-closed"]


def test_discount_after_the_discount_date_is_refused_by_the_settlement_rules():
    late = line(1, DT.PAYMENT, "PAY-1", JAN20, "1480.00", applies_to_id="RA-1")  # discount date was Jan 15
    r = apply_remittances(_book(late), [rem("INV-1", "980.00", "20.00"), rem("INV-2", "500.00")])
    [i] = r.issues
    assert i.code == "remittance-discount-refused"
    assert i.ref == Ref(table="remittance", key="INV-1", field="discount_taken", value=D("20.00"))
    assert "took a discount of 20.00 on INV-1, but on 2026-01-20 the payment terms grant 0" in i.problem
    assert 1 in r.failed and entry(r.book.ledger, "INV-1").applies_to_id == ""


def test_late_discount_within_the_grace_period_is_granted():
    s = Settings(payment_discount_grace_period="7D")
    late = line(1, DT.PAYMENT, "PAY-1", JAN20, "1480.00", applies_to_id="RA-1")
    r = apply_remittances(_book(late, settings=s), [rem("INV-1", "980.00", "20.00"), rem("INV-2", "500.00")])
    assert r.issues == ()
    sett = post_journal(r.book)
    assert {a.applied_document_no: a.payment_discount_tolerance for a in sett.new_applications}["INV-1"] == D("20.00")


def test_an_entry_already_carrying_the_id_is_a_conflict():
    b = _book(PAY, ledger=[("C1", DT.INVOICE, "INV-5", JAN5, "70.00", {"applies_to_id": "RA-1"})])
    r = apply_remittances(b, [rem("INV-1", "980.00", "20.00"), rem("INV-2", "500.00")])
    assert [i.code for i in r.issues] == ["remittance-conflict"]
    assert r.issues[0].ref == Ref(table="journal", key=1, field="applies_to_id", value="RA-1")


def test_two_remittances_naming_one_document_conflict():
    p2 = line(2, DT.PAYMENT, "PAY-2", JAN12, "500.00", applies_to_id="RA-2")
    r = apply_remittances(_book(PAY, p2), [rem("INV-1", "980.00", "20.00"), rem("INV-2", "500.00"),
                                           rem("INV-2", "500.00", rid="RA-2", key="row-2")])
    assert [i.code for i in r.issues] == ["remittance-conflict"] and list(r.failed) == [2]
    assert entry(r.book.ledger, "INV-2").applies_to_id == "RA-1"  # the first payment keeps its documents


def test_unreadable_remittance_fails_its_payment_and_unused_remittances_are_ignored():
    r = apply_remittances(_book(PAY), [rem("INV-1", "980.00", "20.00", rid="RA-OTHER")], unreadable={"ra-1"})
    assert [i.code for i in r.issues] == ["remittance-unreadable"] and list(r.failed) == [1]
    plain = line(1, DT.PAYMENT, "PAY-1", JAN12, "50.00", applies_to_doc_nos=("INV-2",))
    r = apply_remittances(_book(plain), [rem("INV-1", "980.00", "20.00")])
    assert r.issues == () and r.failed == {} and r.book.ledger == _book(plain).ledger


def test_customer_comes_from_the_remittance_when_the_payment_has_none():
    pay = line(1, DT.PAYMENT, "PAY-1", JAN12, "1480.00", customer="", applies_to_id="RA-1")
    r = apply_remittances(_book(pay), [rem("INV-1", "980.00", "20.00", customer=""), rem("INV-2", "500.00")])
    assert r.failed == {}
    s = post_journal(r.book)
    assert s.line_results[0].status == "Posted" and not entry(s.ledger, "INV-1").open

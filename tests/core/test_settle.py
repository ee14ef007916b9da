"""Edge cases of posting, applying and unapplying beyond the worked examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.core.builders import DT, book, entry, line, with_entries
from xlar.core.model import (
    ApplicationMethod,
    Blocked,
    Book,
    Customer,
    ExchangeRate,
    Settings,
)
from xlar.core.settle import apply_entries, post_journal, unapply

D = Decimal
JAN = date(2024, 1, 10)


def _absorb(b: Book, s) -> Book:
    apps = {a.application_no: a for a in b.applications}
    for a in (*s.updated_applications, *s.new_applications):
        apps[a.application_no] = a
    return replace(b, ledger=s.ledger, applications=tuple(apps.values()), gl=b.gl + s.new_gl)


def _balanced_per_document(gl) -> bool:
    docs: dict[str, Decimal] = {}
    for g in gl:
        docs[g.document_no] = docs.get(g.document_no, D(0)) + g.debit - g.credit
    return all(v == 0 for v in docs.values())


# ------------------------------------------------------------------ BC tolerance, Example 2 and spreading


def _example2(day: date, amount: str, *, accept_late: bool = True):
    s = Settings(application_method=ApplicationMethod.MANUAL, payment_discount_grace_period="5D",
                 accept_late_discount=accept_late)
    b = with_entries(
        book(settings=s),
        ("C1", DT.INVOICE, "INV1", date(2003, 1, 1), "1000.00",
         {"pmt_discount_date": date(2003, 1, 15), "pmt_disc_tolerance_date": date(2003, 1, 20),
          "remaining_pmt_disc_possible": D("60.00"), "original_pmt_disc_possible": D("60.00"),
          "max_payment_tolerance": D("5.00")}),
        ("C1", DT.INVOICE, "INV2", date(2003, 1, 1), "1000.00",
         {"pmt_discount_date": date(2003, 1, 17), "pmt_disc_tolerance_date": date(2003, 1, 22),
          "remaining_pmt_disc_possible": D("30.00"), "original_pmt_disc_possible": D("30.00"),
          "max_payment_tolerance": D("5.00")}),
    )
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", day, amount, applies_to_doc_nos=("INV1", "INV2")),))
    return post_journal(b)


@pytest.mark.parametrize(("row", "day", "amount", "disc", "pdt", "pt"), [
    ("1", date(2003, 1, 15), "1920", {"INV1": "60", "INV2": "30"}, {}, {"INV1": "-5", "INV2": "-5"}),
    ("3", date(2003, 1, 15), "1900", {"INV1": "60", "INV2": "30"}, {}, {"INV1": "5", "INV2": "5"}),
    ("8A", date(2003, 1, 16), "1910", {"INV2": "30"}, {"INV1": "60"}, {}),
    ("20A", date(2003, 1, 18), "1910", {}, {"INV1": "60", "INV2": "30"}, {}),
    ("28", date(2003, 1, 23), "2010", {}, {}, {"INV1": "-5", "INV2": "-5"}),
])
def test_bc_tolerance_example_2(row: str, day: date, amount: str, disc: dict, pdt: dict, pt: dict) -> None:
    s = _example2(day, amount)
    assert s.posted and all(not e.open for e in s.ledger), row
    by = {a.applied_document_no: a for a in s.new_applications}
    for doc in ("INV1", "INV2"):
        assert by[doc].discount == D(disc.get(doc, "0")), (row, doc)
        assert by[doc].payment_discount_tolerance == D(pdt.get(doc, "0")), (row, doc)
        assert by[doc].payment_tolerance == D(pt.get(doc, "0")), (row, doc)
    assert _balanced_per_document(s.new_gl)


def test_tolerance_spread_by_descending_amount_with_caps() -> None:
    """Spec §3.5: invoices 1000.00 (tol 5.00) and 200.00 (tol 2.00), underpayment 6.00 -> 5.00 and 1.00."""
    b = with_entries(
        book(settings=Settings(application_method=ApplicationMethod.MANUAL)),
        ("C2", DT.INVOICE, "SMALL", JAN, "200.00", {"max_payment_tolerance": D("2.00")}),
        ("C2", DT.INVOICE, "BIG", JAN, "1000.00", {"max_payment_tolerance": D("5.00")}),
    )
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "1194.00", customer="C2",
                                 applies_to_doc_nos=("SMALL;BIG",)),))
    s = post_journal(b)
    by = {a.applied_document_no: a.payment_tolerance for a in s.new_applications}
    assert by == {"BIG": D("5.00"), "SMALL": D("1.00")}
    assert all(not e.open for e in s.ledger)


def test_warning_on_means_tolerance_left_open() -> None:
    s = Settings(application_method=ApplicationMethod.MANUAL, accept_payment_tolerance=False)
    b = with_entries(book(settings=s), ("C2", DT.INVOICE, "I", JAN, "1000.00", {"max_payment_tolerance": D(5)}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "997.00", customer="C2", applies_to_doc_nos=("I",)),))
    st = post_journal(b)
    assert entry(st.ledger, "I").remaining_amount == D("3.00")
    assert st.new_applications[0].payment_tolerance == 0


def test_apply_to_oldest_never_posts_tolerance() -> None:
    s = Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST)
    b = with_entries(book(settings=s), ("C2", DT.INVOICE, "I", JAN, "1000.00", {"max_payment_tolerance": D(5)}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "997.00", customer="C2"),))
    st = post_journal(b)
    assert entry(st.ledger, "I").remaining_amount == D("3.00")


# ------------------------------------------------------------------ applying


def test_manual_payment_without_applies_to_stays_open() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "40.00", customer="C2"),))
    s = post_journal(b)
    assert entry(s.ledger, "P").remaining_amount == D("-40.00") and entry(s.ledger, "P").open
    assert entry(s.ledger, "I").remaining_amount == D("100.00")
    assert not s.new_applications
    assert s.line_results[0].message == "Posted; left open."


def test_overpayment_stays_open_as_a_credit() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "150.00", customer="C2", applies_to_doc_nos=("I",)),))
    s = post_journal(b)
    assert entry(s.ledger, "I").remaining_amount == 0
    assert entry(s.ledger, "P").remaining_amount == D("-50.00")
    assert entry(s.ledger, "I").closed_by_entry_no == entry(s.ledger, "P").entry_no


def test_refund_applies_to_open_payment() -> None:
    b = with_entries(book(), ("C2", DT.PAYMENT, "P", JAN, "-50.00"))
    b = replace(b, journal=(line(1, DT.REFUND, "R", JAN, "50.00", customer="C2", applies_to_doc_nos=("P",)),))
    s = post_journal(b)
    assert entry(s.ledger, "P").remaining_amount == 0 and entry(s.ledger, "R").remaining_amount == 0
    gl = {(g.account_no, g.debit, g.credit) for g in s.new_gl}
    assert gl == {("1100", D("50.00"), D(0)), ("1200", D(0), D("50.00"))}


def test_customer_taken_from_the_applies_to_document() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I-77", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "100.00", customer="", applies_to_doc_nos=("i-77",)),))
    s = post_journal(b)
    assert entry(s.ledger, "P").customer_no == "C2" and not entry(s.ledger, "I-77").open


def test_applies_to_id_nets_a_credit_memo_first() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "600.00", {"applies_to_id": "X"}),
                     ("C2", DT.CREDIT_MEMO, "CM", JAN, "-100.00", {"applies_to_id": "X"}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "500.00", customer="C2", applies_to_id="X"),))
    s = post_journal(b)
    assert [e.remaining_amount for e in s.ledger] == [0, 0, 0]
    assert all(e.applies_to_id == "" for e in s.ledger)


def test_apply_to_oldest_uses_due_date_then_posting_date_then_entry_no() -> None:
    s = Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST)
    b = with_entries(book(settings=s),
                     ("C2", DT.INVOICE, "B", date(2024, 1, 1), "100.00", {"due_date": date(2024, 2, 1)}),
                     ("C2", DT.INVOICE, "A", date(2024, 1, 2), "100.00", {"due_date": date(2024, 1, 20)}),
                     ("C2", DT.INVOICE, "C", date(2024, 1, 1), "100.00", {"due_date": date(2024, 2, 1)}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", date(2024, 3, 1), "150.00", customer="C2"),))
    st = post_journal(b)
    assert [entry(st.ledger, x).remaining_amount for x in "ABC"] == [0, D("50.00"), D("100.00")]


def test_customer_application_method_overrides_settings() -> None:
    s = Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST)
    custs = (Customer(customer_no="C2", name="Two", application_method=ApplicationMethod.MANUAL),)
    b = with_entries(book(settings=s, customers=custs), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "100.00", customer="C2"),))
    assert entry(post_journal(b).ledger, "I").open


def test_invoice_applies_to_oldest_open_payment() -> None:
    s = Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST)
    b = with_entries(book(settings=s), ("C2", DT.PAYMENT, "P", JAN, "-70.00"))
    b = replace(b, journal=(line(1, DT.INVOICE, "I", JAN, "100.00", customer="C2"),))
    st = post_journal(b)
    assert entry(st.ledger, "P").remaining_amount == 0 and entry(st.ledger, "I").remaining_amount == D("30.00")
    assert {(g.account_no, g.debit, g.credit) for g in st.new_gl} == {("1100", D("100.00"), D(0)),
                                                                      ("4000", D(0), D("100.00"))}


# ------------------------------------------------------------------ errors, all or nothing, idempotency


def test_blocked_customers_spec_10() -> None:
    custs = (Customer(customer_no="INV", name="Blocked invoice", blocked=Blocked.INVOICE),
             Customer(customer_no="ALL", name="Blocked all", blocked=Blocked.ALL),
             Customer(customer_no="SHIP", name="Blocked ship", blocked=Blocked.SHIP))
    b = with_entries(book(customers=custs), ("INV", DT.INVOICE, "I1", JAN, "800.00"),
                     ("ALL", DT.INVOICE, "I2", JAN, "800.00"), ("SHIP", DT.INVOICE, "I3", JAN, "800.00"))
    b = replace(b, journal=(
        line(1, DT.PAYMENT, "P1", JAN, "500.00", customer="INV", applies_to_doc_nos=("I1",)),
        line(2, DT.INVOICE, "I9", JAN, "100.00", customer="INV"),
        line(3, DT.PAYMENT, "P2", JAN, "500.00", customer="ALL", applies_to_doc_nos=("I2",)),
        line(4, DT.INVOICE, "I8", JAN, "100.00", customer="SHIP"),
    ))
    s = post_journal(b, skip_errors=True)
    status = {r.line_no: (r.status, r.message) for r in s.line_results}
    assert status[1][0] == "Posted" and status[4][0] == "Posted"
    assert status[2] == ("Error", "Customer INV is blocked (Invoice): invoices cannot be posted.")
    assert status[3] == ("Error", "Customer ALL is blocked (All): no transactions are allowed, including payments.")
    assert entry(s.ledger, "I1").remaining_amount == D("300.00")
    assert {i.code for i in s.issues} == {"customer-blocked"}


def test_any_error_posts_nothing_and_names_the_line() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P1", JAN, "100.00", customer="C2", applies_to_doc_nos=("I",)),
                            line(2, DT.PAYMENT, "P2", JAN, "10.00", customer="C2", applies_to_doc_nos=("NOPE",))))
    s = post_journal(b)
    assert not s.posted and s.ledger == b.ledger and not s.new_gl and not s.new_applications
    assert [(r.line_no, r.status) for r in s.line_results] == [(1, ""), (2, "Error")]
    (issue,) = s.issues
    assert issue.code == "applies-to-not-found"
    assert (issue.ref.table, issue.ref.key, issue.ref.field, issue.ref.value) == (
        "journal", 2, "applies_to_doc_nos", "NOPE")


def test_second_payment_to_a_closed_invoice_is_an_error() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P1", JAN, "100.00", customer="C2", applies_to_doc_nos=("I",)),
                            line(2, DT.PAYMENT, "P2", JAN, "100.00", customer="C2", applies_to_doc_nos=("I",))))
    s = post_journal(b, skip_errors=True)
    assert [r.status for r in s.line_results] == ["Posted", "Error"]
    assert s.issues[0].code == "applies-to-closed"


@pytest.mark.parametrize(("kw", "code"), [
    ({"customer_no": "NOBODY"}, "unknown-customer"),
    ({"customer_no": ""}, "missing-customer"),
    ({"amount": D(0)}, "non-positive-amount"),
    ({"document_no": " "}, "missing-document-no"),
    ({"document_type": DT.FINANCE_CHARGE_MEMO}, "bad-document-type"),
    ({"applies_to_doc_nos": ("I",), "applies_to_id": "X"}, "applies-to-both"),
    ({"applies_to_id": "NONE"}, "applies-to-id-not-found"),
    ({"currency": "USD"}, "missing-exchange-rate"),
    ({"full_settlement": True}, "full-settlement-needs-applies-to"),
])
def test_journal_issue_codes(kw: dict, code: str) -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(replace(line(1, DT.PAYMENT, "P", JAN, "10.00", customer="C2"), **kw),))
    s = post_journal(b)
    assert not s.posted
    assert code in {i.code for i in s.issues}


def test_duplicate_invoice_number_is_refused() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.INVOICE, "I", JAN, "100.00", customer="C2"),))
    assert post_journal(b).issues[0].code == "duplicate-document-no"


def test_amount_to_apply_larger_than_remaining_is_refused() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00", {"applies_to_id": "X",
                                                                     "amount_to_apply": D("150.00")}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "100.00", customer="C2", applies_to_id="X"),))
    s = post_journal(b)
    assert not s.posted and s.issues[0].code == "amount-to-apply-exceeds-remaining"
    assert (s.issues[0].ref.table, s.issues[0].ref.key) == ("ledger", 1)


def test_posted_lines_are_skipped_on_a_second_run() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "60.00", customer="C2", applies_to_doc_nos=("I",)),))
    s1 = post_journal(b)
    b2 = replace(_absorb(b, s1), journal=(replace(b.journal[0], status="Posted"),))
    s2 = post_journal(b2)
    assert s2.ledger == b2.ledger and not s2.new_gl and not s2.new_applications and not s2.line_results


# ------------------------------------------------------------------ apply entries, unapply


def test_apply_entries_credit_memo_against_invoices() -> None:
    b = with_entries(book(), ("C1", DT.INVOICE, "I1", JAN, "300.00", {"applies_to_id": "A"}),
                     ("C1", DT.INVOICE, "I2", date(2024, 1, 12), "300.00", {"applies_to_id": "A"}),
                     ("C1", DT.CREDIT_MEMO, "CM", date(2024, 1, 15), "-400.00", {"applies_to_id": "A"}))
    s = apply_entries(b)
    assert s.posted and not s.errors
    assert [entry(s.ledger, x).remaining_amount for x in ("I1", "I2", "CM")] == [0, D("200.00"), 0]
    assert all(a.posting_date == date(2024, 1, 15) for a in s.new_applications)  # latest posting date (A3)
    assert all(e.applies_to_id == "" for e in s.ledger)
    assert not s.new_gl  # same receivables account: no G/L


def test_apply_entries_takes_discount_on_the_payment_date() -> None:
    """An unapplied payment posted on time, applied later: discount still granted (payment date counts)."""
    b = with_entries(book(), ("C1", DT.INVOICE, "I1", JAN, "1000.00", {"applies_to_id": "A"}),
                     ("C1", DT.PAYMENT, "P", date(2024, 1, 15), "-980.00", {"applies_to_id": "A"}))
    s = apply_entries(b, applies_to_id="a")
    assert [entry(s.ledger, x).remaining_amount for x in ("I1", "P")] == [0, 0]
    assert s.new_applications[0].discount == D("20.00")
    assert _balanced_per_document(s.new_gl)


def test_apply_entries_ignores_ids_used_by_the_journal_and_reports_unknown_ids() -> None:
    b = with_entries(book(), ("C1", DT.INVOICE, "I1", JAN, "100.00", {"applies_to_id": "A"}),
                     ("C1", DT.PAYMENT, "P", JAN, "-100.00", {"applies_to_id": "A"}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P2", JAN, "1.00", applies_to_id="A"),))
    assert apply_entries(b).ledger == b.ledger
    s = apply_entries(b, applies_to_id="A")
    assert not s.posted and s.issues[0].code == "applies-to-id-not-found"


def test_unapply_latest_first_and_exact_restore() -> None:
    b = with_entries(book(), ("C1", DT.INVOICE, "I", JAN, "1000.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P1", JAN, "300.00", applies_to_doc_nos=("I",)),
                            line(2, DT.PAYMENT, "P2", date(2024, 1, 12), "686.00", applies_to_doc_nos=("I",))))
    s = post_journal(b)
    b1 = _absorb(b, s)
    assert entry(b1.ledger, "I").remaining_amount == 0  # 300.00 + 680.00 + discount 20.00, 6.00 left on P2
    refused = unapply(b1, 1)
    assert not refused.posted and refused.issues[0].code == "unapply-latest-first"
    s2 = unapply(b1, 2)
    b2 = _absorb(b1, s2)
    s3 = unapply(b2, 1)
    b3 = _absorb(b2, s3)
    before = {e.entry_no: e for e in s.ledger}
    restored = {e.entry_no: e for e in b3.ledger}
    orig_inv = b.ledger[0]
    assert restored[1] == orig_inv
    for no in (2, 3):  # the payments: back to fully open, as posted
        e = restored[no]
        assert e.remaining_amount == e.amount and e.open and e.closed_by_entry_no is None
        assert e.remaining_amount_lcy == before[no].amount_lcy
    # G/L of the applications (the 14.00 discount) is reversed; cash lines stay
    assert sum((g.debit - g.credit for g in b3.gl if g.account_no == "8400"), D(0)) == 0
    assert _balanced_per_document(b3.gl)
    assert unapply(b3, 2).issues[0].code == "already-unapplied"
    assert unapply(b3, 99).issues[0].code == "unknown-application"


# ------------------------------------------------------------------ multi-currency


def test_lcy_payment_applied_to_a_foreign_invoice_spec_6_1() -> None:
    """LCY = USD; EUR invoice 1000.00 at 1.10; LCY payment 1120.00 when EUR = 1.12 -> closed, gain 20.00."""
    rates = (ExchangeRate(currency="EUR", starting_date=date(2024, 1, 1), rate=D("1.10")),
             ExchangeRate(currency="EUR", starting_date=date(2024, 2, 1), rate=D("1.12")))
    custs = (Customer(customer_no="C", name="C", currency="EUR"),)
    b = with_entries(book(settings=Settings(company_currency="USD", application_method=ApplicationMethod.MANUAL),
                          customers=custs, rates=rates), ("C", DT.INVOICE, "I", JAN, "1000.00"))
    assert b.ledger[0].amount_lcy == D("1100.00")
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", date(2024, 2, 10), "1120.00", customer="C", currency="USD",
                                 applies_to_doc_nos=("I",)),))
    s = post_journal(b)
    assert s.posted
    assert entry(s.ledger, "I").remaining_amount == 0 and entry(s.ledger, "P").remaining_amount == 0
    assert s.new_applications[0].realized_gain_loss_lcy == D("20.00")
    totals = {}
    for g in s.new_gl:
        totals[g.account_no] = totals.get(g.account_no, D(0)) + g.debit - g.credit
    assert totals == {"1200": D("1120.00"), "1100": D("-1100.00"), "8500": D("-20.00")}


def test_foreign_partial_payments_keep_lcy_consistent() -> None:
    rates = (ExchangeRate(currency="USD", starting_date=date(2024, 1, 1), rate=D("0.9")),
             ExchangeRate(currency="USD", starting_date=date(2024, 2, 1), rate=D("0.95")))
    custs = (Customer(customer_no="C", name="C", currency="USD"),)
    b = with_entries(book(customers=custs, rates=rates), ("C", DT.INVOICE, "I", JAN, "333.33"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P1", date(2024, 2, 2), "111.11", customer="C",
                                 applies_to_doc_nos=("I",)),
                            line(2, DT.PAYMENT, "P2", date(2024, 2, 3), "222.22", customer="C",
                                 applies_to_doc_nos=("I",))))
    s = post_journal(b)
    inv = entry(s.ledger, "I")
    assert inv.remaining_amount == 0 and inv.remaining_amount_lcy == 0
    ar = sum((g.debit - g.credit for g in s.new_gl if g.account_no == "1100"), D(0))
    assert ar == -inv.amount_lcy  # receivables of the invoice fully relieved, nothing left over
    gains = sum((a.realized_gain_loss_lcy for a in s.new_applications), D(0))
    # payments booked at 105.55 + 211.11 = 316.66 LCY against the invoice's 300.00 (333.33 x 0.90)
    assert gains == D("16.66")


def test_tolerance_never_exceeds_the_discounted_amount() -> None:
    """A 3.00 invoice with 2 % discount and a 5.00 tolerance: paying 0.01 cannot apply negative cash."""
    s = Settings(application_method=ApplicationMethod.MANUAL, max_payment_tolerance_amount=D(5))
    b = with_entries(book(settings=s), ("C1", DT.INVOICE, "I", JAN, "3.00"))
    assert b.ledger[0].max_payment_tolerance == D("3.00")
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "0.01", applies_to_doc_nos=("I",)),))
    st = post_journal(b)
    (a,) = st.new_applications
    assert a.amount_applied == D("0.01") and a.discount == D("0.06") and a.payment_tolerance == D("2.93")
    assert not entry(st.ledger, "I").open and entry(st.ledger, "P").remaining_amount == 0


def test_d365_partial_discount_when_discount_equals_remaining() -> None:
    s = Settings(application_method=ApplicationMethod.MANUAL, calc_pmt_disc_on_partial_payments=True)
    b = with_entries(book(settings=s), ("C1", DT.INVOICE, "I", JAN, "100.00",
                                        {"remaining_amount": D("2.00"), "remaining_pmt_disc_possible": D("2.00")}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "1.00", applies_to_doc_nos=("I",)),))
    st = post_journal(b)
    assert st.posted and sum(e.remaining_amount for e in st.ledger) <= D("2.00")


def test_appln_rounding_precision_closes_a_cross_currency_residual() -> None:
    rates = (ExchangeRate(currency="EUR", starting_date=date(2024, 1, 1), rate=D("1.10")),
             ExchangeRate(currency="EUR", starting_date=date(2024, 2, 1), rate=D("1.12")))
    custs = (Customer(customer_no="C", name="C", currency="EUR"),)
    for precision, closes in ((D(0), False), (D("0.05"), True)):
        st = Settings(company_currency="USD", application_method=ApplicationMethod.MANUAL,
                      appln_rounding_precision=precision)
        b = with_entries(book(settings=st, customers=custs, rates=rates), ("C", DT.INVOICE, "I", JAN, "1000.00"))
        b = replace(b, journal=(line(1, DT.PAYMENT, "P", date(2024, 2, 10), "1119.97", customer="C",
                                     currency="USD", applies_to_doc_nos=("I",)),))
        s = post_journal(b)
        inv = entry(s.ledger, "I")
        assert (not inv.open) is closes
        if closes:
            (a,) = s.new_applications
            assert a.appln_rounding == D("0.03")  # EUR 0.03 at 1.12 = USD 0.03 -> 0.03 on the invoice
            rnd = [g for g in s.new_gl if g.account_no == "8540"]
            assert [(g.debit, g.credit) for g in rnd] == [(D("0.03"), D(0))]
            ar = sum((g.debit - g.credit for g in s.new_gl if g.account_no == "1100"), D(0))
            assert ar == -inv.amount_lcy
        else:
            assert inv.remaining_amount == D("0.03")


def test_apply_entries_limits_the_applying_entry_to_its_amount_to_apply() -> None:
    b = with_entries(book(), ("C2", DT.INVOICE, "I1", JAN, "300.00", {"applies_to_id": "A"}),
                     ("C2", DT.PAYMENT, "P", JAN, "-500.00", {"applies_to_id": "A", "amount_to_apply": D("-120.00")}))
    s = apply_entries(b)
    assert entry(s.ledger, "I1").remaining_amount == D("180.00")
    assert entry(s.ledger, "P").remaining_amount == D("-380.00")
    assert entry(s.ledger, "P").amount_to_apply is None and entry(s.ledger, "P").applies_to_id == ""


def test_tolerance_can_post_to_the_discount_account() -> None:
    from xlar.core.model import TolerancePosting

    s = Settings(application_method=ApplicationMethod.MANUAL,
                 payment_tolerance_posting=TolerancePosting.DISCOUNT_ACCOUNTS,
                 pmt_disc_tolerance_posting=TolerancePosting.TOLERANCE_ACCOUNTS)
    b = with_entries(book(settings=s), ("C2", DT.INVOICE, "I", JAN, "1000.00", {"max_payment_tolerance": D(5)}))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "997.00", customer="C2", applies_to_doc_nos=("I",)),))
    st = post_journal(b)
    assert {(g.account_no, g.debit, g.credit) for g in st.new_gl if g.application_no} == {
        ("8400", D("3.00"), D(0)), ("1100", D(0), D("3.00"))}


def test_apply_to_oldest_customers_never_get_tolerance_even_when_applying_by_document() -> None:
    """Spec §3.1: BC assumes a running account for Apply to Oldest customers."""
    for method, rest in ((ApplicationMethod.APPLY_TO_OLDEST, D("3.00")), (ApplicationMethod.MANUAL, D(0))):
        s = Settings(application_method=method)
        b = with_entries(book(settings=s), ("C2", DT.INVOICE, "I", JAN, "1000.00", {"max_payment_tolerance": D(5)}))
        b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "997.00", customer="C2", applies_to_doc_nos=("I",)),))
        assert entry(post_journal(b).ledger, "I").remaining_amount == rest, method


def test_application_amounts_have_no_negative_zero() -> None:
    b = with_entries(book(), ("C2", DT.PAYMENT, "P", JAN, "-50.00"))
    b = replace(b, journal=(line(1, DT.REFUND, "R", JAN, "50.00", customer="C2", applies_to_doc_nos=("P",)),))
    (a,) = post_journal(b).new_applications
    for name in ("discount", "payment_tolerance", "payment_discount_tolerance", "over_underpayment",
                 "full_settlement_discount", "appln_rounding"):
        assert str(getattr(a, name)) == "0", name
    assert a.amount_applied == D("-50.00")


def test_entries_posted_earlier_in_the_run_are_candidates_later() -> None:
    """An overpayment posted on line 1 is applied to the invoice of line 2 (Apply to Oldest)."""
    s = Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST)
    b = with_entries(book(settings=s), ("C2", DT.INVOICE, "I", JAN, "100.00"))
    b = replace(b, journal=(line(1, DT.PAYMENT, "P", JAN, "150.00", customer="C2", applies_to_doc_nos=("I",)),
                            line(2, DT.INVOICE, "I2", date(2024, 1, 11), "80.00", customer="C2")))
    st = post_journal(b)
    assert [entry(st.ledger, x).remaining_amount for x in ("I", "P", "I2")] == [0, 0, D("30.00")]

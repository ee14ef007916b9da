"""Derivation in bulk: the schedule dates computed once per (terms, document type, document date)
give every entry exactly what computing them per entry gave."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from xlar.core.dates import calc_date
from xlar.core.model import Book, Customer, DocumentType, PaymentTerms, Settings
from xlar.core.money import HUNDRED, ZERO, round_to
from xlar.core.terms import DiscountSchedule, discount_schedule, index_of, new_entry

TERMS = (
    PaymentTerms(code="14D", due_date_formula="14D"),
    PaymentTerms(code="2%10", due_date_formula="30D", discount_pct=Decimal(2), discount_date_formula="10D"),
    PaymentTerms(code="CM", due_date_formula="CM+30D", discount_pct=Decimal("1.5"), discount_date_formula="CM",
                 calc_pmt_disc_on_cr_memos=True),
    PaymentTerms(code="TWO", due_date_formula="1M", discount_pct=Decimal(3), discount_date_formula="7D",
                 discount2_pct=Decimal(1), discount2_date_formula="14D", calc_pmt_disc_on_cr_memos=False),
    PaymentTerms(code="NOCM", due_date_formula="-CM+1Q", discount_pct=Decimal("2.5"),
                 discount_date_formula="5D"),
)


def reference(terms, settings, document_type, document_date, amount, amount_excl_vat, q) -> DiscountSchedule:
    """discount_schedule as it was before the dates were split out (one call, everything computed)."""
    if terms is None:
        return DiscountSchedule(document_date, None, ZERO, None, ZERO, None)
    gets = document_type is DocumentType.INVOICE or (
        document_type is DocumentType.CREDIT_MEMO and (
            terms.calc_pmt_disc_on_cr_memos if terms.calc_pmt_disc_on_cr_memos is not None
            else settings.calc_pmt_disc_on_credit_memos))
    # BC Sales Header: a credit memo without Calc. Pmt. Disc. on Cr. Memos is due on its document date
    due = calc_date(terms.due_date_formula, document_date) if gets else document_date
    base = amount_excl_vat if (settings.pmt_disc_excl_vat and amount_excl_vat is not None) else amount
    d1_date = d2_date = None
    d1 = d2 = ZERO
    if gets and terms.discount_pct:
        d1_date = calc_date(terms.discount_date_formula, document_date)
        d1 = round_to(terms.discount_pct * base / HUNDRED, q)
    if gets and terms.discount2_pct:
        d2_date = calc_date(terms.discount2_date_formula, document_date)
        d2 = round_to(terms.discount2_pct * base / HUNDRED, q)
    last = d2_date or d1_date
    tol = calc_date(settings.payment_discount_grace_period or "0D", last) if last else None
    return DiscountSchedule(due, d1_date, d1, d2_date, d2, tol)


def test_cached_schedule_equals_the_per_entry_computation():
    rnd = random.Random(7)
    for settings in (Settings(), Settings(payment_discount_grace_period="5D", calc_pmt_disc_on_credit_memos=True,
                                          pmt_disc_excl_vat=True)):
        book = Book(settings=settings, terms=TERMS)
        idx = index_of(book)
        for _ in range(3000):
            t = rnd.choice((*TERMS, None))
            dt = rnd.choice((DocumentType.INVOICE, DocumentType.CREDIT_MEMO))
            day = date(2025, 12, 1) + timedelta(days=rnd.randrange(120))  # dates repeat: the cache is hit
            amount = Decimal(rnd.randrange(-10**7, 10**7)) / 100
            excl = rnd.choice((None, (amount / Decimal("1.19")).quantize(Decimal("0.01"))))
            q = rnd.choice((Decimal("0.01"), Decimal(1)))
            want = reference(t, settings, dt, day, amount, excl, q)
            assert discount_schedule(terms=t, settings=settings, document_type=dt, document_date=day,
                                     amount=amount, amount_excl_vat=excl, q=q) == want
            assert idx.schedule(t.code.upper() if t else "", dt, day, amount, excl, q) == want
        assert 0 < len(idx._dates) < 3000


def test_new_entry_with_the_cache_gives_every_derived_field():
    settings = Settings(payment_discount_grace_period="3D", max_payment_tolerance_amount=Decimal(5),
                        payment_tolerance_pct=Decimal("0.5"))
    book = Book(settings=settings, terms=TERMS,
                customers=(Customer(customer_no="C1", name="A", payment_terms="2%10"),
                           Customer(customer_no="C2", name="B", payment_terms="CM")))
    e = new_entry(book=book, entry_no=1, customer_no="C1", document_type=DocumentType.INVOICE, document_no="I1",
                  posting_date=date(2026, 1, 30), amount=Decimal("1000.00"))
    assert (e.due_date, e.pmt_discount_date, e.original_pmt_disc_possible, e.pmt_disc_tolerance_date,
            e.max_payment_tolerance) == (date(2026, 3, 1), date(2026, 2, 9), Decimal("20.00"), date(2026, 2, 12),
                                         Decimal("5.00"))
    again = new_entry(book=book, entry_no=2, customer_no="C1", document_type=DocumentType.INVOICE, document_no="I2",
                      posting_date=date(2026, 1, 30), amount=Decimal("100.00"))  # same dates, from the cache
    assert (again.due_date, again.pmt_discount_date, again.original_pmt_disc_possible) == \
           (date(2026, 3, 1), date(2026, 2, 9), Decimal("2.00"))
    cm = new_entry(book=book, entry_no=3, customer_no="C2", document_type=DocumentType.CREDIT_MEMO,
                   document_no="CM1", posting_date=date(2026, 1, 30), amount=Decimal("-200.00"))
    assert (cm.due_date, cm.pmt_discount_date, cm.original_pmt_disc_possible) == \
           (date(2026, 3, 2), date(2026, 1, 31), Decimal("-3.00"))
    pay = new_entry(book=book, entry_no=4, customer_no="C2", document_type=DocumentType.PAYMENT, document_no="P1",
                    posting_date=date(2026, 1, 30), amount=Decimal("-50.00"))
    assert (pay.due_date, pay.pmt_discount_date, pay.max_payment_tolerance) == (date(2026, 1, 30), None, ZERO)

"""The common-payment fast path (``settle._fast_payment``) posts exactly what the general path posts.

Every journal is posted twice, with the fast path and with it switched off, and the two
settlements must be identical record by record through ``repr`` (so a ``Decimal``'s
exponent and the sign of a zero count, not only its value). The random journals sit on
the fast path's boundaries: payments in the company currency by one document, several
documents, Applies-to ID (with and without Amount to Apply) and to the oldest entries,
on, just before and just after the discount and grace dates, inside and outside the
payment tolerance, to documents an earlier line closed, in a foreign currency, with
over/underpayment write-off and Unspecific discount administration, mixed with refunds,
invoices and credit memos that always go the general way.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.builders import DT, with_entries
from xlar.core import settle
from xlar.core.model import (
    ApplicationMethod,
    Book,
    CashDiscountAdministration,
    Customer,
    ExchangeRate,
    JournalLine,
    LineResult,
    PaymentTerms,
    Settings,
)
from xlar.core.settle import post_journal

D = Decimal
BASE = date(2025, 3, 1)
CUSTOMERS = ("A", "B", "O", "F")  # A: discount terms; B: net; O: Apply to Oldest; F: billed in USD
money = st.integers(min_value=1, max_value=300_000).map(lambda c: D(c).scaleb(-2))


def _digest(s: settle.Settlement) -> list[str]:
    out = [repr(r) for name in ("ledger", "new_applications", "new_gl", "line_results", "issues",
                                "updated_applications") for r in getattr(s, name)]
    out.append(repr(sorted(s.changed_entry_nos)))
    out.append(repr(s.posted))
    return out


def _both(b: Book, monkeypatch: pytest.MonkeyPatch, **kw: object) -> tuple[settle.Settlement, int]:
    """Post ``b`` with and without the fast path; assert identical; return the fast run and its fast lines."""
    calls = {"fast": 0}
    real = settle._fast_payment

    def counting(run: settle._Run, line: JournalLine) -> LineResult | None:
        got = real(run, line)
        calls["fast"] += got is not None
        return got

    with monkeypatch.context() as m:
        m.setattr(settle, "_FAST_PATH", False)
        general = post_journal(b, **kw)  # type: ignore[arg-type]
    with monkeypatch.context() as m:
        m.setattr(settle, "_fast_payment", counting)
        fast = post_journal(b, **kw)  # type: ignore[arg-type]
    assert _digest(fast) == _digest(general)
    return fast, calls["fast"]


@st.composite
def books(draw: st.DrawFn) -> Book:
    s = Settings(
        company_currency="EUR",
        application_method=draw(st.sampled_from([ApplicationMethod.MANUAL, ApplicationMethod.APPLY_TO_OLDEST])),
        payment_tolerance_pct=draw(st.sampled_from([D(0), D("0.5"), D(1)])),
        max_payment_tolerance_amount=draw(st.sampled_from([D(0), D(5), D(2)])),
        payment_discount_grace_period=draw(st.sampled_from(["0D", "5D"])),
        calc_pmt_disc_on_partial_payments=draw(st.sampled_from([False, False, True])),
        max_over_underpayment=draw(st.sampled_from([D(0)] * 5 + [D(1)])),
        cash_discount_administration=draw(st.sampled_from([CashDiscountAdministration.SPECIFIC,
                                                           CashDiscountAdministration.SPECIFIC,
                                                           CashDiscountAdministration.UNSPECIFIC])),
        accept_late_discount=draw(st.sampled_from([True, True, False])),
        accept_payment_tolerance=draw(st.sampled_from([True, True, False])),
    )
    terms = (PaymentTerms(code="D", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D",
                          discount2_pct=draw(st.sampled_from([D(0), D(1)])), discount2_date_formula="20D"),
             PaymentTerms(code="N", due_date_formula="14D"))
    custs = (Customer(customer_no="A", name="A", payment_terms="D", application_method=ApplicationMethod.MANUAL),
             Customer(customer_no="B", name="B", payment_terms="N"),
             Customer(customer_no="O", name="O", payment_terms="D",
                      application_method=ApplicationMethod.APPLY_TO_OLDEST),
             Customer(customer_no="F", name="F", payment_terms="D", currency="USD"))
    rates = (ExchangeRate(currency="USD", starting_date=BASE - timedelta(days=400), rate=D("0.9")),
             ExchangeRate(currency="USD", starting_date=BASE + timedelta(days=15), rate=D("0.93")))
    b = Book(settings=s, customers=custs, terms=terms, rates=rates)
    rows = []
    for i in range(draw(st.integers(min_value=1, max_value=10))):
        cust = draw(st.sampled_from(CUSTOMERS))
        dt = draw(st.sampled_from([DT.INVOICE, DT.INVOICE, DT.INVOICE, DT.INVOICE, DT.CREDIT_MEMO, DT.PAYMENT]))
        amt = draw(money) * dt.debit_sign
        day = BASE + timedelta(days=draw(st.integers(min_value=0, max_value=12)))
        extra: dict[str, object] = {"applies_to_id": draw(st.sampled_from(["", "", "X", "x"]))}
        if extra["applies_to_id"] and draw(st.integers(0, 4)) == 0:
            extra["amount_to_apply"] = (amt / 2).quantize(D("0.01"))
        rows.append((cust, dt, f"D{i}", day, str(amt), extra))
    b = with_entries(b, *rows)
    if draw(st.integers(0, 3)) == 0:  # entry numbers with gaps: the dict index instead of positions
        b = replace(b, ledger=tuple(replace(e, entry_no=7 * e.entry_no + 3) for e in b.ledger))
    lines = []
    for i in range(draw(st.integers(min_value=1, max_value=10))):
        dt = draw(st.sampled_from([DT.PAYMENT] * 6 + [DT.REFUND, DT.CREDIT_MEMO, DT.INVOICE]))
        how = draw(st.sampled_from(["doc", "doc", "doc", "docs", "id", "none", "none", "lower"]))
        target = draw(st.sampled_from(b.ledger))
        targets = [target]
        if how == "docs":
            same = [e for e in b.ledger if e.customer_no == target.customer_no]
            targets = draw(st.lists(st.sampled_from(same), min_size=1, max_size=3))
        cust = target.customer_no
        open_amt = sum((abs(e.remaining_amount) for e in targets), D(0))
        disc = sum((abs(e.remaining_pmt_disc_possible) for e in targets), D(0))
        tol = sum((abs(e.max_payment_tolerance) for e in targets), D(0))
        amount = draw(st.one_of(
            money,
            st.just(open_amt),
            st.just(open_amt - disc),
            st.just(open_amt - disc - tol),
            st.just(open_amt + tol),
            st.integers(min_value=-700, max_value=700).map(lambda c, o=open_amt: o + D(c).scaleb(-2)),
            st.integers(min_value=-700, max_value=700).map(lambda c, o=open_amt - disc: o + D(c).scaleb(-2)),
            st.just(D("150")),  # no decimals: the new entry rounds it
        ))
        if amount <= 0:
            amount = D("0.01")
        applies: tuple[str, ...] = ()
        if how in ("doc", "docs"):
            applies = (";".join(e.document_no for e in targets),)
        elif how == "lower":
            applies = (target.document_no.lower(),)
        # around the discount, second discount and grace dates of the target
        day = draw(st.sampled_from([
            target.pmt_discount_date, target.pmt_discount_date_2, target.pmt_disc_tolerance_date,
            target.due_date, BASE + timedelta(days=draw(st.integers(0, 40)))])) or BASE
        day += timedelta(days=draw(st.sampled_from([0, 0, -1, 1])))
        lines.append(JournalLine(
            line_no=i + 1, posting_date=day, document_type=dt, document_no=f"J{i}", amount=amount,
            customer_no=draw(st.sampled_from([cust] * 6 + ["", " " + cust])) if how != "none" else cust,
            applies_to_doc_nos=applies, applies_to_id=draw(st.sampled_from(["X", "x"])) if how == "id" else "",
            full_settlement=how == "doc" and draw(st.integers(0, 6)) == 0,
            currency=draw(st.sampled_from([""] * 6 + ["EUR", "eur", "USD"])),
            description=draw(st.sampled_from(["", "", "bank ref"])),
        ))
    return replace(b, journal=tuple(lines))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(b=books(), skip=st.booleans())
def test_fast_path_posts_what_the_general_path_posts(b: Book, skip: bool, monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    _both(b, monkeypatch, skip_errors=skip)


def _oldest_book() -> Book:
    s = Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST, payment_tolerance_pct=D("0.5"),
                 max_payment_tolerance_amount=D(5), payment_discount_grace_period="5D")
    terms = (PaymentTerms(code="D", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D"),)
    custs = (Customer(customer_no="M", name="M", payment_terms="D", application_method=ApplicationMethod.MANUAL),
             Customer(customer_no="O", name="O", payment_terms="D"))
    rates = (ExchangeRate(currency="USD", starting_date=BASE - timedelta(days=400), rate=D("0.9")),)
    b = Book(settings=s, customers=custs, terms=terms, rates=rates)
    return with_entries(
        b,
        ("M", DT.INVOICE, "I1", BASE, "1000.00"),
        ("M", DT.INVOICE, "I2", BASE, "500.00", {"applies_to_id": "P9"}),
        ("M", DT.INVOICE, "I3", BASE + timedelta(days=1), "300.00", {"applies_to_id": "P9"}),
        ("O", DT.INVOICE, "I4", BASE, "200.00"),
        ("O", DT.INVOICE, "I5", BASE - timedelta(days=20), "100.00"),
    )


def _pay(no: int, amount: str, customer: str, day: date, **kw: object) -> JournalLine:
    return JournalLine(line_no=no, posting_date=day, document_type=DT.PAYMENT, document_no=f"R{no}",
                       amount=D(amount), customer_no=customer, **kw)


def test_the_common_payments_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    b = _oldest_book()
    on_disc_date = BASE + timedelta(days=10)
    journal = (
        _pay(1, "980.00", "M", on_disc_date, applies_to_doc_nos=("I1",)),  # discounted, on the last day
        _pay(2, "784.00", "M", on_disc_date, applies_to_id="P9"),  # two marked invoices, both discounted
        _pay(3, "250.00", "O", BASE + timedelta(days=30)),  # to the oldest: I5 then half of I4
        _pay(4, "10.00", "M", BASE, applies_to_doc_nos=("I1",)),  # closed by line 1: the general path's error
    )
    s, fast = _both(replace(b, journal=journal), monkeypatch, skip_errors=True)
    assert fast == 3
    by_doc = {e.document_no: e for e in s.ledger}
    assert by_doc["I1"].remaining_amount == 0 and by_doc["I1"].closed_by_entry_no == by_doc["R1"].entry_no
    assert [a.discount for a in s.new_applications[:3]] == [D("20.00"), D("10.00"), D("6.00")]
    assert by_doc["I5"].remaining_amount == 0 and by_doc["I4"].remaining_amount == D("50.00")
    assert by_doc["R3"].remaining_amount == 0 and by_doc["R3"].closed_by_entry_no == by_doc["I4"].entry_no
    assert s.line_results[3].status == "Error" and "already closed" in s.line_results[3].message
    assert s.line_results[2].message == "Applied: I5 100.00; I4 150.00"


@pytest.mark.parametrize(("line", "why"), [
    (_pay(1, "980.00", "M", BASE + timedelta(days=11), applies_to_doc_nos=("I1",)), "late discount"),
    (_pay(1, "995.00", "M", BASE + timedelta(days=30), applies_to_doc_nos=("I1",)), "tolerance"),
    (_pay(1, "400.00", "M", BASE, applies_to_doc_nos=("I1",)), "partial"),
    (_pay(1, "1500.00", "M", BASE, applies_to_doc_nos=("I1",)), "left open"),
    (_pay(1, "1000.00", "M", BASE, applies_to_doc_nos=("I1",), currency="USD"), "foreign currency"),
    (_pay(1, "1000.00", "M", BASE, applies_to_doc_nos=("I1",), full_settlement=True), "full settlement"),
    (_pay(1, "1000.00", "M", BASE, applies_to_doc_nos=("i1",)), "case-insensitive document"),
    (_pay(1, "1000.00", "", BASE, applies_to_doc_nos=("I1",)), "customer from the document"),
    (_pay(1, "1000.00", "M", BASE), "manual: stays open"),
])
def test_boundaries_post_the_same(line: JournalLine, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    b = replace(_oldest_book(), journal=(line,))
    s, _ = _both(b, monkeypatch, skip_errors=True)
    assert s.line_results[0].status == "Posted", why
    for skip in (False, True):
        _both(b, monkeypatch, skip_errors=skip)


def test_unspecific_overpayment_and_partial_discount_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    base = _oldest_book()
    over = _pay(1, "990.00", "M", BASE + timedelta(days=5), applies_to_doc_nos=("I1",))  # 10.00 over, 5.00 tolerance
    part = _pay(2, "100.00", "M", BASE + timedelta(days=5), applies_to_doc_nos=("I2",))  # partial, in the period
    unspecific = replace(base.settings, cash_discount_administration=CashDiscountAdministration.UNSPECIFIC)
    partial = replace(base.settings, calc_pmt_disc_on_partial_payments=True)
    s, fast = _both(replace(base, settings=unspecific, journal=(over,)), monkeypatch, skip_errors=True)
    assert fast == 0 and s.new_applications[0].discount == D("10.00")  # the overpayment cut the discount
    s, fast = _both(replace(base, settings=partial, journal=(part,)), monkeypatch, skip_errors=True)
    assert fast == 0 and s.new_applications[0].discount == D("2.04")  # 100 / 490 x 10
    s, fast = _both(replace(base, journal=(over, part)), monkeypatch, skip_errors=True)
    assert fast == 2 and [a.discount for a in s.new_applications] == [D("20.00"), D(0)]


def test_a_payment_that_only_takes_a_discount_stays_as_posted(monkeypatch: pytest.MonkeyPatch) -> None:
    # the rest of an invoice is its discount: the second payment applies 0.00 cash and leaves its own
    # entry numerically unchanged, so the entry stays the record as posted (unrealized 0, not 0.00)
    b = with_entries(_oldest_book(), ("O", DT.INVOICE, "I9", BASE + timedelta(days=1), "0.25"))
    b = replace(b, ledger=tuple(e for e in b.ledger if e.customer_no == "M" or e.document_no == "I9"), journal=(
        _pay(1, "0.24", "O", BASE + timedelta(days=31)),
        _pay(2, "0.25", "O", BASE + timedelta(days=11)),
    ))
    s, fast = _both(b, monkeypatch, skip_errors=True)
    assert fast == 2
    second = s.ledger[-1]
    assert second.remaining_amount == D("-0.25") and repr(second.unrealized_lcy) == "Decimal('0')"
    assert s.new_applications[-1].amount_applied == 0 and s.new_applications[-1].discount == D("0.01")

"""Invariants of settlement, checked on random ledgers and journals (hypothesis).

* conservation: what left the entries' remaining amounts is exactly what the
  applications say (applied cash cancels between the two sides; discounts,
  tolerances and write-offs leave the customer's balance);
* receivables in the G/L move exactly as the entries' LCY remaining amounts;
* every document's G/L lines balance;
* unapplying every application (latest first) restores the ledger exactly;
* a second run of the same journal posts nothing;
* no float anywhere in the money of the results.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.builders import DT, with_entries
from xlar.core.model import (
    Application,
    ApplicationMethod,
    Book,
    CashDiscountAdministration,
    Customer,
    ExchangeRate,
    JournalLine,
    PaymentTerms,
    Settings,
)
from xlar.core.settle import post_journal, unapply

D = Decimal
BASE = date(2024, 1, 1)
CUSTOMERS = ("A", "B", "F")  # F is billed in USD

money = st.integers(min_value=1, max_value=200_000).map(lambda c: D(c).scaleb(-2))


@st.composite
def books(draw: st.DrawFn) -> Book:
    s = Settings(
        company_currency="EUR",
        application_method=draw(st.sampled_from(list(ApplicationMethod))),
        payment_tolerance_pct=draw(st.sampled_from([D(0), D("0.5"), D(1)])),
        max_payment_tolerance_amount=draw(st.sampled_from([D(0), D(5), D(5)])),
        payment_discount_grace_period=draw(st.sampled_from(["0D", "5D", "15D"])),
        calc_pmt_disc_on_partial_payments=draw(st.booleans()),
        calc_pmt_disc_on_credit_memos=draw(st.booleans()),
        max_over_underpayment=draw(st.sampled_from([D(0), D(1)])),
        cash_discount_administration=draw(st.sampled_from(list(CashDiscountAdministration))),
        accept_late_discount=draw(st.sampled_from([True, True, False])),
        accept_payment_tolerance=draw(st.sampled_from([True, True, False])),
        appln_rounding_precision=draw(st.sampled_from([D(0), D("0.05")])),
    )
    terms = (PaymentTerms(code="D", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D",
                          discount2_pct=D(1), discount2_date_formula="20D"),
             PaymentTerms(code="N", due_date_formula="14D"))
    custs = (Customer(customer_no="A", name="A", payment_terms="D"),
             Customer(customer_no="B", name="B", payment_terms="N"),
             Customer(customer_no="F", name="F", payment_terms="D", currency="USD"))
    rates = (ExchangeRate(currency="USD", starting_date=BASE - timedelta(days=400), rate=D("0.9")),
             ExchangeRate(currency="USD", starting_date=BASE + timedelta(days=15), rate=D("0.93")),
             ExchangeRate(currency="USD", starting_date=BASE + timedelta(days=40), rate=D("0.87")))
    b = Book(settings=s, customers=custs, terms=terms, rates=rates)
    rows = []
    n = draw(st.integers(min_value=1, max_value=8))
    for i in range(n):
        cust = draw(st.sampled_from(CUSTOMERS))
        dt = draw(st.sampled_from([DT.INVOICE, DT.INVOICE, DT.INVOICE, DT.CREDIT_MEMO, DT.PAYMENT]))
        amt = draw(money) * dt.debit_sign
        day = BASE + timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        rows.append((cust, dt, f"D{i}", day, str(amt),
                     {"applies_to_id": draw(st.sampled_from(["", "", "X"]))}))
    b = with_entries(b, *rows)
    lines = []
    for i in range(draw(st.integers(min_value=1, max_value=8))):
        dt = draw(st.sampled_from([DT.PAYMENT, DT.PAYMENT, DT.PAYMENT, DT.REFUND, DT.CREDIT_MEMO, DT.INVOICE]))
        how = draw(st.sampled_from(["doc", "doc", "docs", "id", "none"]))
        targets = [draw(st.sampled_from(b.ledger))]
        if how == "docs":
            same = [e for e in b.ledger if e.customer_no == targets[0].customer_no]
            targets = draw(st.lists(st.sampled_from(same), min_size=1, max_size=3))
        cust = targets[0].customer_no
        open_amt = sum((abs(e.remaining_amount) for e in targets), D(0))
        disc = sum((abs(e.remaining_pmt_disc_possible) for e in targets), D(0))
        amount = draw(st.one_of(
            money,
            st.just(open_amt),
            st.just(open_amt - disc),
            st.integers(min_value=-700, max_value=700).map(lambda c, o=open_amt: o + D(c).scaleb(-2)),
            st.integers(min_value=-700, max_value=700).map(lambda c, o=open_amt - disc: o + D(c).scaleb(-2)),
        ))
        if amount <= 0:
            amount = D("0.01")
        applies = ()
        if how in ("doc", "docs"):
            applies = (";".join(e.document_no for e in targets),)
        lines.append(JournalLine(
            line_no=i + 1, posting_date=BASE + timedelta(days=draw(st.integers(min_value=0, max_value=45))),
            document_type=dt, document_no=f"J{i}", amount=amount,
            customer_no=draw(st.sampled_from([cust, cust, ""])) if how in ("doc", "docs") else cust,
            applies_to_doc_nos=applies, applies_to_id="X" if how == "id" else "",
            full_settlement=how in ("doc", "docs") and draw(st.integers(0, 5)) == 0,
            # sometimes pay a USD customer's documents in EUR: a cross-currency application
            currency="EUR" if cust == "F" and draw(st.integers(0, 2)) == 0 else "",
        ))
    return replace(b, journal=tuple(lines))


def _absorb(b: Book, s) -> Book:
    apps = {a.application_no: a for a in b.applications}
    for a in (*s.updated_applications, *s.new_applications):
        apps[a.application_no] = a
    return replace(b, ledger=s.ledger, applications=tuple(apps.values()), gl=b.gl + s.new_gl)


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(books())
def test_conservation_balance_and_lcy_tie_out(b: Book) -> None:
    s = post_journal(b, skip_errors=True)
    assert s.posted
    new_by_no = {e.entry_no: e for e in s.ledger}
    old_by_no = {e.entry_no: e for e in b.ledger}
    # (1) each entry's remaining moved exactly by its applications
    moved: dict[int, Decimal] = {}
    for a in s.new_applications:
        moved[a.applied_entry_no] = moved.get(a.applied_entry_no, D(0)) + a.applied_delta
        moved[a.applying_entry_no] = moved.get(a.applying_entry_no, D(0)) + a.applying_delta
    for no, e in new_by_no.items():
        start = old_by_no[no].remaining_amount if no in old_by_no else e.amount
        assert e.remaining_amount == start + moved.get(no, D(0)), no
        assert e.open == (e.remaining_amount != 0)
        assert abs(e.remaining_pmt_disc_possible) <= abs(e.remaining_amount) or e.remaining_amount == 0
    # (2) same currency: cash cancels, only discounts/tolerances/write-offs leave the balance
    for a in s.new_applications:
        ap, ag = new_by_no[a.applied_entry_no], new_by_no[a.applying_entry_no]
        if ap.currency == ag.currency:
            leaves = (a.discount + a.payment_discount_tolerance + a.full_settlement_discount
                      + a.payment_tolerance + a.over_underpayment)
            assert a.applied_delta + a.applying_delta == -leaves
    # (3) every document balances
    per_doc: dict[str, Decimal] = {}
    for g in s.new_gl:
        assert (g.debit == 0) != (g.credit == 0) and g.debit >= 0 and g.credit >= 0
        per_doc[g.document_no] = per_doc.get(g.document_no, D(0)) + g.debit - g.credit
    assert all(v == 0 for v in per_doc.values())
    # (4) receivables in the G/L move exactly as the entries' LCY book values
    ar = sum((g.debit - g.credit for g in s.new_gl if g.account_no == b.settings.accounts.receivables), D(0))
    lcy_moved = sum((e.remaining_amount_lcy for e in s.ledger), D(0)) - sum(
        (e.remaining_amount_lcy for e in b.ledger), D(0))
    assert ar == lcy_moved
    # (5) no float in money
    for rec in (*s.ledger, *s.new_applications, *s.new_gl):
        for f in fields(rec):
            assert not isinstance(getattr(rec, f.name), float), (type(rec).__name__, f.name)


@PROPS
@given(books())
def test_unapply_everything_restores_the_ledger(b: Book) -> None:
    s = post_journal(b, skip_errors=True)
    cur = _absorb(b, s)
    posted_entries = {e.entry_no: e for e in s.ledger}
    for a in sorted(s.new_applications, key=lambda x: -x.application_no):
        u = unapply(cur, a.application_no)
        assert u.posted, [i.problem for i in u.issues]
        cur = _absorb(cur, u)
    # every entry is back to its state before any application of this run
    start = {e.entry_no: e for e in b.ledger}
    for e in cur.ledger:
        ref = start.get(e.entry_no)
        if ref is None:  # posted by the run: back to fully open as posted
            posted = posted_entries[e.entry_no]
            assert e.remaining_amount == posted.amount and e.remaining_amount_lcy == posted.amount_lcy
            assert e.open == (posted.amount != 0) and e.closed_by_entry_no is None
            assert e.remaining_pmt_disc_possible == posted.original_pmt_disc_possible
        else:
            assert replace(e, applies_to_id=ref.applies_to_id, amount_to_apply=ref.amount_to_apply) == ref
    # the G/L of the applications nets to zero account by account
    app_lines = [g for g in cur.gl if g.application_no is not None]
    totals: dict[str, Decimal] = {}
    for g in app_lines:
        totals[g.account_no] = totals.get(g.account_no, D(0)) + g.debit - g.credit
    assert all(v == 0 for v in totals.values())
    assert all(isinstance(a, Application) and (a.unapplied or a.reverses_application_no)
               for a in cur.applications)


@PROPS
@given(books())
def test_second_run_posts_nothing(b: Book) -> None:
    s = post_journal(b, skip_errors=True)
    status = {r.line_no: r.status for r in s.line_results}
    again = replace(_absorb(b, s), journal=tuple(replace(ln, status=status.get(ln.line_no, "")) for ln in b.journal))
    s2 = post_journal(again, skip_errors=True)
    assert not s2.new_gl and not s2.new_applications
    assert s2.ledger == again.ledger or all(r.status == "Error" for r in s2.line_results)


@PROPS
@given(books())
def test_all_or_nothing(b: Book) -> None:
    s = post_journal(b)
    if s.errors:
        assert not s.posted and s.ledger == b.ledger and not s.new_gl and not s.new_applications
    else:
        assert s.posted and all(r.status == "Posted" for r in s.line_results)

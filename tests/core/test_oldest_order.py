"""Apply-to-Oldest order inside one run, against the straightforward algorithm.

``post_journal`` keeps each customer's open entries sorted once and moves an entry when
a line changes it (see ``_Run.oldest_bucket``). These tests pin that to the obvious
algorithm: for every payment, take all open entries of the customer afresh, sort them,
consume them in order. Payments are posted on different dates (later entries are not
candidates yet), some close entries that later payments would have taken, some only
reduce them, and invoices posted by the same journal join the order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.builders import DT, book, line, with_entries
from xlar.core.model import ApplicationMethod, Book, Customer, JournalLine, Settings, Settlement
from xlar.core.settle import post_journal

D = Decimal
BASE = date(2024, 3, 1)
OLDEST = Settings(application_method=ApplicationMethod.APPLY_TO_OLDEST)

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: D(c).scaleb(-2))
day = st.integers(min_value=-40, max_value=40).map(lambda k: BASE + timedelta(days=k))


def _straightforward(b: Book) -> dict[int, Decimal]:
    """Remaining amount per entry no. after the journal, by re-sorting all open entries for each line.

    Only for what these tests build: one currency, no discounts, invoices in the ledger
    and payments or invoices in the journal, all with Apply to Oldest.
    """
    rem = {e.entry_no: e.remaining_amount for e in b.ledger}
    info = {e.entry_no: (e.due_date, e.posting_date) for e in b.ledger}
    next_no = max(rem, default=0) + 1
    for ln in b.journal:
        sign = -1 if ln.document_type is DT.PAYMENT else 1
        mine = next_no
        next_no += 1
        rem[mine] = sign * ln.amount
        # the customer's terms N30 date invoices 30 days out; payments are due at once
        due = ln.posting_date + timedelta(days=30) if ln.document_type is DT.INVOICE else ln.posting_date
        info[mine] = (due, ln.posting_date)
        cands = sorted((info[no][0], info[no][1], no) for no, r in rem.items()
                       if r and no != mine and (r > 0) != (sign > 0) and info[no][1] <= ln.posting_date)
        for _, _, no in cands:
            if rem[mine] == 0:
                break
            take = min(abs(rem[no]), abs(rem[mine]))
            rem[no] -= take if rem[no] > 0 else -take
            rem[mine] -= take if rem[mine] > 0 else -take
    return rem


@st.composite
def oldest_books(draw: st.DrawFn) -> Book:
    b = book(settings=OLDEST, customers=(Customer(customer_no="C2", name="Two", payment_terms="N30"),))
    rows = []
    for k in range(draw(st.integers(min_value=1, max_value=25))):
        posted = draw(day)
        due = draw(st.sampled_from([None, posted, posted + timedelta(days=30), BASE]))  # ties on purpose
        extra = {"due_date": due} if due else {}
        rows.append(("C2", DT.INVOICE, f"I{k}", posted, str(draw(cents)), extra))
    b = with_entries(b, *rows)
    lines: list[JournalLine] = []
    for k in range(draw(st.integers(min_value=1, max_value=30))):
        kind = draw(st.sampled_from([DT.PAYMENT, DT.PAYMENT, DT.PAYMENT, DT.INVOICE]))
        lines.append(line(k + 1, kind, f"J{k}", draw(day), str(draw(cents)), customer="C2"))
    return replace(b, journal=tuple(lines))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(oldest_books())
def test_one_run_takes_entries_in_the_order_a_fresh_sort_gives(b: Book) -> None:
    s = post_journal(b)
    assert s.posted
    assert {e.entry_no: e.remaining_amount for e in s.ledger} == _straightforward(b)


def test_entries_closed_or_reduced_by_earlier_lines_and_later_dates() -> None:
    b = with_entries(
        book(settings=OLDEST, customers=(Customer(customer_no="C2", name="Two", payment_terms="N30"),)),
        ("C2", DT.INVOICE, "OLD", date(2024, 1, 1), "100.00"),
        ("C2", DT.INVOICE, "MID", date(2024, 1, 15), "200.00"),
        ("C2", DT.INVOICE, "NEW", date(2024, 2, 20), "300.00"),  # not a candidate before 20 Feb
        ("C2", DT.INVOICE, "TIE", date(2024, 1, 15), "50.00"),  # same due and posting date as MID
    )
    b = replace(b, journal=(
        line(1, DT.PAYMENT, "P1", date(2024, 2, 1), "120.00", customer="C2"),  # OLD, 20 of MID
        line(2, DT.PAYMENT, "P2", date(2024, 2, 1), "400.00", customer="C2"),  # rest of MID, TIE; 170 left
        line(3, DT.INVOICE, "I9", date(2024, 2, 5), "80.00", customer="C2"),  # takes 80 of P2's rest
        line(4, DT.PAYMENT, "P3", date(2024, 3, 1), "310.00", customer="C2"),  # NEW
    ))
    s = post_journal(b)
    rem = {e.document_no: e.remaining_amount for e in s.ledger}
    assert rem == {"OLD": 0, "MID": 0, "NEW": 0, "TIE": 0, "P1": 0, "P2": D("-90.00"), "I9": 0, "P3": D("-10.00")}
    assert [(a.applying_document_no, a.applied_document_no, a.amount_applied) for a in s.new_applications] == [
        ("P1", "OLD", D("100.00")), ("P1", "MID", D("20.00")),
        ("P2", "MID", D("180.00")), ("P2", "TIE", D("50.00")),
        ("I9", "P2", D("-80.00")),
        ("P3", "NEW", D("300.00")),
    ]
    assert {e.entry_no: e.remaining_amount for e in s.ledger} == _straightforward(b)


def _absorb(b: Book, s: Settlement) -> Book:
    return replace(b, ledger=s.ledger, applications=b.applications + s.new_applications, gl=b.gl + s.new_gl)


@st.composite
def discounted_books(draw: st.DrawFn) -> Book:
    """Invoices with 2 % discount (the D365 tie-break on the better discount), credit memos, partial
    payments by document that change an entry's discount ratio, then Apply-to-Oldest payments."""
    custs = (Customer(customer_no="C1", name="One", payment_terms="2/10N30"),)
    b = book(settings=replace(OLDEST, calc_pmt_disc_on_partial_payments=draw(st.booleans())), customers=custs)
    rows = []
    for k in range(draw(st.integers(min_value=1, max_value=20))):
        posted = BASE + timedelta(days=draw(st.integers(min_value=-20, max_value=0)))
        kind = draw(st.sampled_from([DT.INVOICE, DT.INVOICE, DT.INVOICE, DT.CREDIT_MEMO]))
        amount = draw(cents)
        rows.append(("C1", kind, f"E{k}", posted, str(amount if kind is DT.INVOICE else -amount)))
    b = with_entries(b, *rows)
    docs = [e.document_no for e in b.ledger]
    lines = []
    for k in range(draw(st.integers(min_value=1, max_value=25))):
        posted = BASE + timedelta(days=draw(st.integers(min_value=-5, max_value=15)))
        by_doc = draw(st.booleans())
        kind = draw(st.sampled_from([DT.PAYMENT, DT.PAYMENT, DT.INVOICE, DT.CREDIT_MEMO, DT.REFUND]))
        extra = {"applies_to_doc_nos": (draw(st.sampled_from(docs)),)} if by_doc and kind is DT.PAYMENT else {}
        lines.append(line(k + 1, kind, f"J{k}", posted, str(draw(cents)), customer="C1", **extra))
    return replace(b, journal=tuple(lines))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(discounted_books())
def test_one_run_equals_posting_the_lines_one_at_a_time(b: Book) -> None:
    """Each one-line run sorts the open entries afresh from the ledger; one run must agree exactly."""
    whole = post_journal(b, skip_errors=True)
    step = b
    results = []
    for ln in b.journal:
        s = post_journal(replace(step, journal=(ln,)), skip_errors=True)
        results.extend(s.line_results)
        step = _absorb(step, s)
    assert whole.ledger == step.ledger
    assert whole.new_applications == step.applications
    assert whole.new_gl == step.gl
    assert whole.line_results == tuple(results)

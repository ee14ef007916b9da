"""Reminders and finance charges: guards, interest over partial payments, levels, FX fees, issuing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.domain.harness import Scenario
from tests.month_end.conftest import DT, D, line
from xlar.core.dunning import (
    FINANCE_CHARGE,
    REMINDER,
    Collections,
    FinanceChargeTerms,
    InterestMethod,
    ReminderLevel,
    ReminderTerms,
    issue,
    suggest,
)
from xlar.core.model import Blocked, Book, Customer, ExchangeRate, PaymentTerms, Settings

RT = ReminderTerms(code="STD", max_reminders=0, levels=(
    ReminderLevel(level=1, grace_period="5D", due_date_formula="14D", additional_fee=D(10)),
    ReminderLevel(level=2, grace_period="7D", due_date_formula="14D", additional_fee=D(20), calculate_interest=True),
))
FT = FinanceChargeTerms(code="FC", interest_rate=D(12), interest_period_days=360,
                        method=InterestMethod.AVERAGE_DAILY_BALANCE)


def book(*customers: Customer) -> Scenario:
    cs = customers or (Customer(customer_no="C", name="C", payment_terms="30D"),)
    return Scenario(book=Book(settings=Settings(), customers=cs,
                              terms=(PaymentTerms(code="30D", due_date_formula="30D"),),
                              rates=(ExchangeRate(currency="USD", starting_date=date(2026, 1, 1), rate=D("0.8")),)))


def col(**codes: str) -> Collections:
    nos = codes or {"C": ""}
    return Collections(reminder_terms=(RT,), finance_charge_terms=(FT,), customer_reminder_terms=dict.fromkeys(nos, "STD"),
                       customer_fin_charge_terms=dict.fromkeys(nos, "FC"))


def test_unapplied_cash_covering_the_overdue_balance_stops_reminders_not_memos() -> None:
    """BC Reminder-Make: CustAmount (credits included) must be > 0; FinChrgMemo-Make has no such test."""
    sc2 = book(Customer(customer_no="C", name="C", payment_terms="30D", application_method=None))
    sc2.book = replace(sc2.book, settings=replace(sc2.book.settings, application_method="Manual"))
    sc2.post(line(date(2026, 1, 1), DT.INVOICE, "INV-1", "C", "1000.00"))
    sc2.post(line(date(2026, 1, 20), DT.PAYMENT, "PAY-1", "C", "1000.00"))
    run = suggest(sc2.book, col(C=""), date(2026, 3, 1))
    assert [s.kind for s in run.skipped] == [REMINDER]
    assert "covered by unapplied" in run.skipped[0].reason
    # the memo is made on INV-1 (due 01-31, 29 days to 03-01): 1000 x 29 / 360 x 12 % = 9.67
    (memo,) = run.documents
    assert (memo.kind, memo.interest) == (FINANCE_CHARGE, D("9.67"))
    # partly covered: the reminder is made, on the net overdue balance
    sc2.post(line(date(2026, 1, 2), DT.INVOICE, "INV-2", "C", "300.00"))
    (rem,) = [d for d in suggest(sc2.book, col(C=""), date(2026, 3, 1)).documents if d.kind == REMINDER]
    assert rem.net_overdue == D("300.00")


def test_blocked_all_is_skipped_but_invoice_blocked_is_dunned() -> None:
    sc = book(Customer(customer_no="A", name="A", payment_terms="30D"),
              Customer(customer_no="I", name="I", payment_terms="30D"))
    for c in ("A", "I"):
        sc.post(line(date(2026, 1, 1), DT.INVOICE, f"INV-{c}", c, "500.00"))
    sc.book = replace(sc.book, customers=(Customer(customer_no="A", name="A", blocked=Blocked.ALL),
                                          Customer(customer_no="I", name="I", blocked=Blocked.INVOICE)))
    run = suggest(sc.book, col(A="", I=""), date(2026, 3, 1))
    assert {(d.kind, d.customer_no) for d in run.documents} == {(REMINDER, "I"), (FINANCE_CHARGE, "I")}
    assert {(s.kind, s.customer_no, s.reason) for s in run.skipped} == {
        (REMINDER, "A", "customer is blocked (All)"), (FINANCE_CHARGE, "A", "customer is blocked (All)")}


def test_adb_interest_follows_each_partial_payment_and_the_last_memo() -> None:
    sc = book()
    sc.post(line(date(2026, 1, 1), DT.INVOICE, "INV-1", "C", "3600.00"))  # due 2026-01-31
    sc.post(line(date(2026, 2, 10), DT.PAYMENT, "PAY-1", "C", "1200.00", ("INV-1",)))
    sc.post(line(date(2026, 2, 20), DT.PAYMENT, "PAY-2", "C", "1200.00", ("INV-1",)))
    c = replace(col(C=""), customer_reminder_terms={})
    run = suggest(sc.book, c, date(2026, 3, 2))
    (memo,) = run.documents
    # 3600 x 30 - 1200 x 20 - 1200 x 10 = 72000 day-euros; / 360 x 12 % = 24.00
    assert memo.interest == D("24.00")
    assert memo.lines[0].calculation == "(3600.00 x 30 - 1200.00 x 20 - 1200.00 x 10) / 360 x 12% = 24.00"
    done = issue(sc.book, c, run)
    c2 = replace(c, log=done.new_log)
    book2 = replace(sc.book, ledger=sc.book.ledger + done.new_entries, gl=sc.book.gl + done.new_gl)
    # next memo counts only from the last one: 1200 x 30 days = 12.00 on INV-1, and the memo's own
    # entry FCM-00001 (24.00, due 03-02) earns 24 x 30 / 360 x 12 % = 0.24 (BC charges memo entries too)
    (memo2,) = suggest(book2, c2, date(2026, 4, 1)).documents
    assert [(ln.entry.document_no, ln.interest) for ln in memo2.lines] == [("INV-1", D("12.00")),
                                                                          ("FCM-00001", D("0.24"))]
    assert memo2.interest == D("12.24")
    assert memo2.document_no == "FCM-00002"
    # Balance Due is the remaining amount x rate, days do not matter
    bd = replace(c, finance_charge_terms=(replace(FT, method=InterestMethod.BALANCE_DUE),))
    assert suggest(sc.book, bd, date(2026, 3, 2)).documents[0].interest == D("144.00")


def test_reminder_level_2_charges_interest_and_posts_balanced_gl() -> None:
    sc = book()
    sc.post(line(date(2026, 1, 1), DT.INVOICE, "INV-1", "C", "1000.00"))  # due 2026-01-31
    c = replace(col(C=""), customer_fin_charge_terms={"C": "FC"}, finance_charge_terms=(FT,))
    c_rem_only = replace(c, customer_fin_charge_terms={})
    r1 = issue(sc.book, c_rem_only, suggest(sc.book, c_rem_only, date(2026, 2, 10)))
    (doc1,) = r1.documents
    assert (doc1.level, doc1.fee, doc1.interest, doc1.due_date) == (1, D(10), D(0), date(2026, 2, 24))
    b = replace(sc.book, ledger=sc.book.ledger + r1.new_entries, gl=sc.book.gl + r1.new_gl)
    c = replace(c, log=r1.new_log)
    run = suggest(b, replace(c, finance_charge_terms=(FT,)), date(2026, 3, 5), )
    (rem,) = [d for d in run.documents if d.kind == REMINDER]
    inv = next(ln for ln in rem.lines if ln.entry.document_no == "INV-1")
    assert inv.level == 2 and inv.interest == D("11.00")  # 1000 x 33 days / 360 x 12 %
    assert rem.fee == D(20) and rem.posted_amount == D("31.00")
    done = issue(b, c, run)
    gl = [g for g in done.new_gl if g.document_no == rem.document_no]
    assert sum(g.debit for g in gl) == sum(g.credit for g in gl) == D("31.00")
    assert {(g.account_no, g.credit) for g in gl if g.credit} == {("8600", D("11.00")), ("8610", D("20.00"))}
    (e,) = [e for e in done.new_entries if e.document_no == rem.document_no]
    assert (e.document_type, e.amount, e.due_date, e.amount_lcy) == (DT.REMINDER, D("31.00"), date(2026, 3, 19),
                                                                    D("31.00"))


def test_foreign_currency_fee_is_converted_and_gl_is_in_lcy() -> None:
    sc = book(Customer(customer_no="U", name="U", currency="USD", payment_terms="30D"))
    sc.post(line(date(2026, 1, 1), DT.INVOICE, "INV-U", "U", "1000.00"))
    c = replace(col(U=""), customer_fin_charge_terms={})
    run = issue(sc.book, c, suggest(sc.book, c, date(2026, 2, 10)))
    (doc,) = run.documents
    assert (doc.currency, doc.fee) == ("USD", D("12.50"))  # 10.00 EUR / 0.8
    (e,) = run.new_entries
    assert (e.currency, e.amount, e.amount_lcy) == ("USD", D("12.50"), D("10.00"))
    assert sum(g.debit for g in run.new_gl) == D("10.00")


def test_minimum_amount_and_max_reminders() -> None:
    sc = book()
    sc.post(line(date(2026, 1, 1), DT.INVOICE, "INV-1", "C", "40.00"))
    c = replace(col(C=""), customer_fin_charge_terms={},
                reminder_terms=(replace(RT, minimum_amount=D(50), max_reminders=1),))
    run = suggest(sc.book, c, date(2026, 3, 1))
    assert not run.documents and "below the minimum amount 50" in run.skipped[0].reason
    c = replace(c, reminder_terms=(replace(RT, max_reminders=1),))
    done = issue(sc.book, c, suggest(sc.book, c, date(2026, 3, 1)))
    b = replace(sc.book, ledger=sc.book.ledger + done.new_entries)
    later = suggest(b, replace(c, log=done.new_log), date(2026, 6, 1))
    assert {ln.entry.document_no for d in later.documents for ln in d.lines} == {"REM-00001"}  # the fee only

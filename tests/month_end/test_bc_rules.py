"""Business Central's dunning rules, to the cent: one table per rule, figures computed by hand from BC's code.

Sources (MSDyn365BC code history, Base Application): codeunit 392 ``Reminder-Make``
(``MarkReminderCandidate``, ``MakeReminder``), codeunit 394 ``FinChrgMemo-Make`` (``Code``,
``MakeLines2``), table 303 ``Finance Charge Memo Line`` (``CalcFinChrg``,
``CumulateDetailedEntries``), table 36 ``Sales Header`` / table 81 ``Gen. Journal Line``
(``Payment Terms Code`` validation), table 21 ``Cust. Ledger Entry`` (``On Hold``), report
120 ``Aged Accounts Receivable`` (``CreateHeadings``). Each test names its source.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.domain.harness import Scenario
from tests.month_end.conftest import DT, D, line
from xlar.core.aging import AgingBy, buckets
from xlar.core.dunning import (
    FINANCE_CHARGE,
    REMINDER,
    Collections,
    DunningRun,
    FinanceChargeTerms,
    InterestMethod,
    ReminderLevel,
    ReminderTerms,
    issue,
    suggest,
)
from xlar.core.model import Book, Customer, DocumentType, ExchangeRate, LedgerEntry, PaymentTerms, Settings
from xlar.core.sepa import Mandate, create_collection
from xlar.core.terms import new_entry

TERMS = (PaymentTerms(code="30D", due_date_formula="30D"),
         PaymentTerms(code="2%10/30", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D"),
         PaymentTerms(code="2%10/30CR", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D",
                      calc_pmt_disc_on_cr_memos=True))
BASE = Book(settings=Settings(), customers=(Customer(customer_no="C", name="C", payment_terms="30D"),
                                            Customer(customer_no="U", name="U", currency="USD", payment_terms="30D")),
            terms=TERMS, rates=(ExchangeRate(currency="USD", starting_date=date(2026, 1, 1), rate=D("0.8")),))
FT = FinanceChargeTerms(code="FC", interest_rate=D(12), interest_period_days=360)


def entry(no: int, doc_type: DocumentType, doc_no: str, posted: date, amount: str, due: date | None = None,
          on_hold: str = "", customer: str = "C") -> LedgerEntry:
    e = new_entry(book=BASE, entry_no=no, customer_no=customer, document_type=doc_type, document_no=doc_no,
                  posting_date=posted, amount=D(amount), due_date=due)
    return replace(e, on_hold=on_hold)


INV_A = entry(1, DT.INVOICE, "INV-A", date(2026, 1, 1), "60.00")  # due 01-31
INV_B = entry(2, DT.INVOICE, "INV-B", date(2026, 1, 9), "60.00")  # due 02-08
CM_OLD = entry(3, DT.CREDIT_MEMO, "CM-1", date(2026, 1, 20), "-30.00")  # due 01-20 (its document date)
PAY_NEW = entry(4, DT.PAYMENT, "PAY-1", date(2026, 2, 12), "-30.00")  # due 02-12
CM_BIG = entry(5, DT.CREDIT_MEMO, "CM-2", date(2026, 1, 20), "-80.00")
INV_1000 = entry(6, DT.INVOICE, "INV-1", date(2026, 1, 1), "1000.00")  # due 01-31
PAY_1000 = entry(7, DT.PAYMENT, "PAY-2", date(2026, 1, 20), "-1000.00")  # unapplied


def run(entries: tuple[LedgerEntry, ...], day: date, *, rt: ReminderTerms | None = None,
        ft: FinanceChargeTerms | None = None, log: tuple = ()) -> DunningRun:
    book = replace(BASE, ledger=entries)
    custs = {e.customer_no for e in entries}
    col = Collections(reminder_terms=(rt,) if rt else (), finance_charge_terms=(ft,) if ft else (),
                      customer_reminder_terms=dict.fromkeys(custs, rt.code) if rt else {},
                      customer_fin_charge_terms=dict.fromkeys(custs, ft.code) if ft else {}, log=log)
    return suggest(book, col, day)


def level1(minimum: str) -> ReminderTerms:
    return ReminderTerms(code="R", minimum_amount=D(minimum), levels=(
        ReminderLevel(level=1, grace_period="5D", due_date_formula="14D", additional_fee=D(10)),))


# --------------------------------------------------------------------------- Reminder-Make: Minimum Amount

REMINDER_MINIMUM = [
    # (case, entries, document date, minimum, lines on the reminder (None: no reminder), CustAmount, skip reason)
    ("60 past grace + 60 inside grace, minimum 100: no reminder", (INV_A, INV_B), date(2026, 2, 10), "100",
     None, None, "overdue balance 60.00 EUR is below the minimum amount 100"),
    ("both past grace (02-05 and 02-13 < 02-14): 120", (INV_A, INV_B), date(2026, 2, 14), "100",
     {"INV-A", "INV-B"}, "120.00", None),
    ("a credit past its grace counts: 120 - 30 = 90 < 100", (INV_A, INV_B, CM_OLD), date(2026, 2, 14), "100",
     None, None, "overdue balance 90.00 EUR is below the minimum amount 100"),
    ("a credit inside its grace (02-17) does not count: 120", (INV_A, INV_B, PAY_NEW), date(2026, 2, 14), "100",
     {"INV-A", "INV-B"}, "120.00", None),
    ("the credit past its grace is a line of the reminder: 120 - 30 = 90", (INV_A, INV_B, CM_OLD),
     date(2026, 2, 14), "0", {"INV-A", "INV-B", "CM-1"}, "90.00", None),
    ("credits past grace exceed the debits: CustAmount -20 is not > 0", (INV_A, CM_BIG), date(2026, 2, 14), "0",
     None, None, "overdue balance -20.00 is covered by unapplied payments or credits"),
]


@pytest.mark.parametrize("case,entries,day,minimum,lines,amount,reason", REMINDER_MINIMUM,
                         ids=[c[0] for c in REMINDER_MINIMUM])
def test_reminder_minimum_amount_counts_only_entries_past_their_grace_period(
        case: str, entries: tuple[LedgerEntry, ...], day: date, minimum: str, lines: set[str] | None,
        amount: str | None, reason: str | None) -> None:
    """Reminder-Make ``MarkReminderCandidate``: ``CustAmount += Remaining Amount`` only when
    ``IsGracePeriodExpired``; ``MakeReminder``: ``ShouldMakeDoc := MakeDoc and (CustAmount > 0) and
    (CustAmountLCY >= Minimum Amount (LCY))``."""
    r = run(entries, day, rt=level1(minimum))
    docs = [d for d in r.documents if d.kind == REMINDER]
    if lines is None:
        assert docs == []
        assert [s.reason for s in r.skipped] == [reason]
    else:
        (doc,) = docs
        assert {ln.entry.document_no for ln in doc.lines} == lines
        assert doc.net_overdue == D(amount)
        assert (doc.level, doc.fee, doc.due_date) == (1, D("10"), date(day.year, day.month, day.day + 14))


def test_reminder_minimum_amount_is_in_lcy() -> None:
    """Reminder-Make ``CustAmountLCY``: a USD CustAmount at the document date's rate (0.8) against the LCY minimum."""
    usd = (entry(1, DT.INVOICE, "INV-U", date(2026, 1, 1), "120.00", customer="U"),)
    assert not run(usd, date(2026, 2, 14), rt=level1("100")).documents  # 120 USD = 96.00 EUR
    (doc,) = run(usd, date(2026, 2, 14), rt=level1("96")).documents
    assert (doc.currency, doc.net_overdue, doc.fee) == ("USD", D("120.00"), D("12.50"))  # fee 10 EUR / 0.8


# --------------------------------------------------------------------------- FinChrgMemo-Make: making the memo

FIN_CHARGE_MEMOS = [
    # (case, entries, terms, interest (None: no memo), fee, skip reason)
    # INV-1 1000.00 due 01-31, document date 03-01: 29 days; 1000 x 29 / 360 x 12 % = 9.666... = 9.67
    ("credits covering the balance do not stop the memo", (INV_1000, PAY_1000), FT, "9.67", "0", None),
    ("interest rate 0 and a fee: no line carries interest, no memo", (INV_1000,),
     replace(FT, interest_rate=D(0), additional_fee=D(10)), None, None, None),
    ("a fee but every line inside its grace period: no memo", (INV_1000,),
     replace(FT, grace_period="30D", additional_fee=D(10)), None, None, None),
    ("a fee and interest, minimum 0: both", (INV_1000,), replace(FT, additional_fee=D(10)), "9.67", "10", None),
    ("interest below the minimum with a fee: no memo (OverDue needs the minimum)", (INV_1000,),
     replace(FT, minimum_amount=D(20), additional_fee=D(10)), None, None,
     "interest 9.67 EUR is below the minimum amount 20"),
    ("interest exactly the minimum: memo", (INV_1000,), replace(FT, minimum_amount=D("9.67")), "9.67", "0", None),
    ("Balance Due: remaining x rate, 1000 x 12 % = 120.00", (INV_1000, PAY_1000),
     replace(FT, method=InterestMethod.BALANCE_DUE), "120.00", "0", None),
]


@pytest.mark.parametrize("case,entries,ft,interest,fee,reason", FIN_CHARGE_MEMOS, ids=[c[0] for c in FIN_CHARGE_MEMOS])
def test_finance_charge_memo_is_made_as_bc_makes_it(case: str, entries: tuple[LedgerEntry, ...],
                                                    ft: FinanceChargeTerms, interest: str | None, fee: str | None,
                                                    reason: str | None) -> None:
    """FinChrgMemo-Make ``Code``: no memo when ``((CustAmountLCY = 0) or (CustAmountLCY < Minimum Amount (LCY)))
    and ((Additional Fee (LCY) = 0) or not OverDue)``; ``MakeLines2`` marks the currency for a memo only
    when a line's ``Amount <> 0``. No test of the customer's balance or credits."""
    r = run(entries, date(2026, 3, 1), ft=ft)
    if interest is None:
        assert r.documents == ()
        assert [s.reason for s in r.skipped] == ([reason] if reason else [])
    else:
        (memo,) = r.documents
        assert (memo.kind, memo.interest, memo.fee) == (FINANCE_CHARGE, D(interest), D(fee))
        assert [ln.entry.document_no for ln in memo.lines] == ["INV-1"]


def test_memo_minimum_is_summed_over_the_customers_currencies() -> None:
    """FinChrgMemo-Make ``Code``: ``CustAmountLCY`` adds every currency's lines before the minimum test,
    then a memo per currency with a line of interest. EUR 1000 x 29 / 360 x 12 % = 9.67; USD 1200 x 29 / 360
    x 12 % = 11.60, x 0.8 = 9.28 LCY; CustAmountLCY 18.95."""
    both = (INV_1000, entry(8, DT.INVOICE, "INV-U", date(2026, 1, 1), "1200.00", customer="C"))
    both = (both[0], replace(both[1], currency="USD"))
    r = run(both, date(2026, 3, 1), ft=replace(FT, minimum_amount=D("18.95")))
    assert sorted((d.currency, d.interest) for d in r.documents) == [("EUR", D("9.67")), ("USD", D("11.60"))]
    assert not run(both, date(2026, 3, 1), ft=replace(FT, minimum_amount=D("18.96"))).documents


# --------------------------------------------------------------------------- interest on reminders and memos

OPEN_FEES = (entry(1, DT.FINANCE_CHARGE_MEMO, "FCM-1", date(2026, 3, 1), "360.00"),  # due 03-01
             entry(2, DT.REMINDER, "REM-1", date(2026, 3, 1), "36.00"))
INTEREST_ON_FEES = [
    # (method, FCM-1 interest, REM-1 interest) on 03-31: 30 days
    (InterestMethod.AVERAGE_DAILY_BALANCE, "3.60", "0.36"),  # 360 x 30 / 360 x 12 %; 36 x 30 / 360 x 12 %
    (InterestMethod.BALANCE_DUE, "43.20", "4.32"),  # 360 x 12 %; 36 x 12 %
]


@pytest.mark.parametrize("method,fcm,rem", INTEREST_ON_FEES, ids=[m[0].value for m in INTEREST_ON_FEES])
def test_open_reminder_and_memo_entries_earn_interest(method: InterestMethod, fcm: str, rem: str) -> None:
    """FinChrgMemo-Make ``MakeLines``: every open ``Positive`` entry not ``On Hold``, whatever its document
    type; Finance Charge Memo Line ``CumulateDetailedEntries`` sums its detailed entries like any other."""
    (memo,) = run(OPEN_FEES, date(2026, 3, 31), ft=replace(FT, method=method)).documents
    assert [(ln.entry.document_no, ln.interest) for ln in memo.lines] == [("FCM-1", D(fcm)), ("REM-1", D(rem))]


# --------------------------------------------------------------------------- credit memo due date

CREDIT_MEMO_DATES = [
    # (document type, terms, settings' Calc. Pmt. Disc. on Credit Memos, due date, discount date)
    (DT.INVOICE, "30D", False, date(2026, 3, 12), None),
    (DT.CREDIT_MEMO, "30D", False, date(2026, 2, 10), None),
    (DT.CREDIT_MEMO, "2%10/30", False, date(2026, 2, 10), None),
    (DT.CREDIT_MEMO, "2%10/30CR", False, date(2026, 3, 12), date(2026, 2, 20)),
    (DT.CREDIT_MEMO, "2%10/30", True, date(2026, 3, 12), date(2026, 2, 20)),
]


@pytest.mark.parametrize("doc_type,terms,setting,due,disc", CREDIT_MEMO_DATES)
def test_credit_memo_from_the_journal_is_due_on_its_document_date(doc_type: DocumentType, terms: str, setting: bool,
                                                                  due: date, disc: date | None) -> None:
    """Sales Header (table 36) / Gen. Journal Line (table 81) ``Payment Terms Code`` OnValidate: a credit
    document is due on its Document Date and gets no discount date unless the terms' Calc. Pmt. Disc.
    on Cr. Memos; then ``Due Date := CalcDate(Due Date Calculation, Document Date)`` as an invoice."""
    sc = Scenario(book=replace(BASE, settings=replace(BASE.settings, calc_pmt_disc_on_credit_memos=setting)))
    sc.post(replace(line(date(2026, 2, 10), doc_type, "DOC-1", "C", "100.00"), payment_terms=terms))
    (e,) = sc.book.ledger
    assert (e.due_date, e.pmt_discount_date) == (due, disc)


# --------------------------------------------------------------------------- On Hold

HELD = (entry(1, DT.INVOICE, "INV-H", date(2026, 1, 1), "1000.00", on_hold="DSP"),
        entry(2, DT.INVOICE, "INV-2", date(2026, 1, 1), "200.00"))


def test_entries_on_hold_are_left_off_reminders_memos_and_collections() -> None:
    """Reminder-Make ``FindAndMarkReminderCandidates`` (``On Hold = ''``), FinChrgMemo-Make ``MakeLines``
    (``SetRange("On Hold", '')``), Finance Charge Memo Line ``CalcFinChrg`` (``SkipBecauseEntryOnHold``)."""
    r = run(HELD, date(2026, 3, 1), rt=level1("0"), ft=FT)
    rem = next(d for d in r.documents if d.kind == REMINDER)
    memo = next(d for d in r.documents if d.kind == FINANCE_CHARGE)
    assert [ln.entry.document_no for ln in rem.lines] == ["INV-2"] and rem.net_overdue == D("200.00")
    assert [(ln.entry.document_no, ln.interest) for ln in memo.lines] == [("INV-2", D("1.93"))]  # 200 x 29/360 x 12%
    # the held 1000.00 does not count towards the minimum either
    assert not [d for d in run(HELD, date(2026, 3, 1), rt=level1("500")).documents]
    # SEPA: only INV-2 is debited
    book = replace(BASE, ledger=HELD)
    m = Mandate(mandate_id="M1", customer_no="C", iban="DE89370400440532013000", bic="COBADEFFXXX",
                signature_date=date(2025, 12, 1))
    coll = create_collection(book, (m,), date(2026, 3, 1), collection_id="DD1")
    assert [(d.document_no, d.amount) for d in coll.entries] == [("INV-2", D("200.00"))]


# --------------------------------------------------------------------------- aging labels

def test_posting_date_aging_is_labelled_as_due_date_aging() -> None:
    """Report 120 ``CreateHeadings``: ``'%1 - %2 days'`` from ``EndingDate - PeriodEndDate + 1`` whatever
    the aging date; the same date ranges carry the same names."""
    due = buckets(date(2026, 3, 31), by=AgingBy.DUE_DATE)
    posting = buckets(date(2026, 3, 31), by=AgingBy.POSTING_DATE)
    assert [b.name for b in due] == ["Not due", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"]
    assert [(b.name, b.start, b.end) for b in posting] == [(b.name, b.start, b.end) for b in due[1:]]
    assert (posting[0].start, posting[0].end) == (date(2026, 3, 2), date(2026, 3, 31))


# --------------------------------------------------------------------------- never twice

@pytest.mark.parametrize("method", list(InterestMethod))
def test_issuing_twice_for_the_same_date_issues_nothing(method: InterestMethod) -> None:
    """Issued documents are idempotent per customer, entry and date: reminders by level (Reminder-Make
    ``SetReminderLine``: the grace period counts from the last reminder's due date), memos because an
    entry on a memo of that date is not charged again (for Average Daily Balance BC's own
    ``InterestCalcDate``; for Balance Due xlar's guard, docs/decisions.md)."""
    ft = replace(FT, method=method, additional_fee=D(5))
    rt = level1("0")
    book = replace(BASE, ledger=(INV_1000,))
    col = Collections(reminder_terms=(rt,), finance_charge_terms=(ft,), customer_reminder_terms={"C": "R"},
                      customer_fin_charge_terms={"C": "FC"})
    first = issue(book, col, suggest(book, col, date(2026, 3, 1)))
    assert sorted(d.kind for d in first.documents) == [FINANCE_CHARGE, REMINDER]
    assert (len(first.new_entries), len(first.new_gl)) == (2, 6)  # fee (rem), interest + fee (memo): 3 pairs
    book2 = replace(book, ledger=book.ledger + first.new_entries, gl=book.gl + first.new_gl)
    col2 = replace(col, log=first.new_log)
    again = issue(book2, col2, suggest(book2, col2, date(2026, 3, 1)))
    assert (again.documents, again.new_entries, again.new_gl, again.new_log) == ((), (), (), ())
    # a month later interest runs again, from the memo's date
    later = suggest(book2, col2, date(2026, 3, 31))
    memo = next(d for d in later.documents if d.kind == FINANCE_CHARGE)
    inv = next(ln for ln in memo.lines if ln.entry.document_no == "INV-1")
    assert inv.interest == (D("10.00") if method is InterestMethod.AVERAGE_DAILY_BALANCE else D("120.00"))

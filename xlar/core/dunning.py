"""Reminders and finance charge memos (spec §9.2, §9.3, §10): suggest, and issue with G/L.

Both work on balances rebuilt as of the document date (``aging.balances_as_of``), so a
run for a past date sees the ledger as it was then. Issued documents leave a trail of
:class:`CollectionEntry` rows (BC's *Reminder/Fin. Charge Entries*): the reminder level
of each entry and the date interest was last charged come from that trail.

Reminders (BC ``Reminder-Make``, codeunit 392): an open entry not on hold is on a
reminder at level ``last issued level + 1`` when ``CalcDate(level grace period,
reference) < document date``; the reference is its due date (level 1) or the due date
of the last reminder it was on. Levels past ``max_reminders`` (0 = unlimited) are not
reminded; past the last defined level the highest level's conditions apply. The
remaining amounts of those entries, credits included (``CustAmount``), must be > 0 and,
in LCY, at least the terms' minimum amount: entries still inside their grace period do
not count. A positive entry must be on it, and the customer not Blocked = All. Its
level is the highest line level (credit memos aside), its fee that level's additional
fee (LCY, converted at the document date), its due date ``CalcDate(level due date
formula, document date)``. See :func:`_reminder`.

Finance charges (BC ``FinChrgMemo-Make``, codeunit 394, and ``Finance Charge Memo
Line``, table 303): open positive entries of any document type (reminders and memos
included) not on hold, past ``CalcDate(grace period, due date)``. Balance Due: remaining
× rate / 100. Average Daily Balance: Σ change × days / interest period × rate / 100
over the entry's history up to the document date, each change counted from the later of
the due date, its own date and the last date interest was charged on the entry, so a
partial payment lowers the base only from its posting date. Whether memos are made is
decided per customer over all its currencies, and only currencies with a line of
interest get one (see :func:`_memos`). An entry already on a memo of the document date
or later is not charged again, so a repeated run issues nothing.

Issuing posts one customer ledger entry per document (document type Reminder or
Finance Charge Memo, due on the document's due date) for the fee and interest the
terms post, and per part a balanced G/L pair: Dr Receivables / Cr Fee Income Account,
Dr Receivables / Cr Interest Income Account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from xlar.core.aging import Balance, Balances, balances_as_of, deltas
from xlar.core.dates import calc_date
from xlar.core.model import Blocked, Book, DocumentType, GLLine, Issue, LedgerEntry, Ref, Severity
from xlar.core.money import HUNDRED, ZERO, round_to
from xlar.core.tables import Cell, CellKind, Emphasis, Row, Table, money

INT, DATE, MONEY = CellKind.INT, CellKind.DATE, CellKind.MONEY
from xlar.core.terms import BookIndex, index_of, new_entry

REMINDER = "Reminder"
FINANCE_CHARGE = "Finance Charge Memo"


class InterestMethod(StrEnum):
    AVERAGE_DAILY_BALANCE = "Average Daily Balance"
    BALANCE_DUE = "Balance Due"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderLevel:
    level: int
    grace_period: str = "0D"
    due_date_formula: str = "0D"
    additional_fee: Decimal = ZERO  # LCY
    calculate_interest: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderTerms:
    code: str
    levels: tuple[ReminderLevel, ...]  # sorted by level
    max_reminders: int = 0  # 0 = unlimited
    minimum_amount: Decimal = ZERO  # LCY
    post_interest: bool = True
    post_additional_fee: bool = True

    def level(self, n: int) -> ReminderLevel | None:
        """The conditions of level ``n``: its own, else the highest defined level below it."""
        best = None
        for lv in self.levels:
            if lv.level <= n:
                best = lv
        return best


@dataclass(frozen=True, slots=True, kw_only=True)
class FinanceChargeTerms:
    code: str
    interest_rate: Decimal  # % per interest period
    interest_period_days: int = 30
    method: InterestMethod = InterestMethod.AVERAGE_DAILY_BALANCE
    grace_period: str = "0D"
    minimum_amount: Decimal = ZERO  # LCY
    additional_fee: Decimal = ZERO  # LCY
    due_date_formula: str = "0D"
    post_interest: bool = True
    post_additional_fee: bool = True


class CollectionEntry(NamedTuple):
    """One line of an issued reminder or finance charge memo (BC Reminder/Fin. Charge Entry)."""

    entry_no: int
    kind: str  # REMINDER or FINANCE_CHARGE
    document_no: str
    document_date: date
    due_date: date
    customer_no: str
    customer_entry_no: int
    level: int = 0
    remaining_amount: Decimal = ZERO
    interest: Decimal = ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class Collections:
    """What dunning needs beside the Book: terms, each customer's codes, the trail of issued documents."""

    reminder_terms: tuple[ReminderTerms, ...] = ()
    finance_charge_terms: tuple[FinanceChargeTerms, ...] = ()
    customer_reminder_terms: dict[str, str] = field(default_factory=dict)  # customer no -> code
    customer_fin_charge_terms: dict[str, str] = field(default_factory=dict)
    log: tuple[CollectionEntry, ...] = ()


class DunningLine(NamedTuple):
    entry: LedgerEntry
    remaining: Decimal  # as of the document date, entry currency
    level: int = 0
    interest: Decimal = ZERO
    calculation: str = ""  # the interest in words and figures


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningDoc:
    """A suggested (and perhaps issued) reminder or finance charge memo for one customer and currency."""

    kind: str
    document_no: str
    customer_no: str
    currency: str
    document_date: date
    due_date: date
    level: int
    lines: tuple[DunningLine, ...]
    fee: Decimal
    interest: Decimal
    post_fee: bool
    post_interest: bool
    net_overdue: Decimal = ZERO

    @property
    def posted_amount(self) -> Decimal:
        return (self.fee if self.post_fee else ZERO) + (self.interest if self.post_interest else ZERO)


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    kind: str
    customer_no: str
    currency: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningRun:
    documents: tuple[DunningDoc, ...]
    skipped: tuple[Skipped, ...]
    new_entries: tuple[LedgerEntry, ...] = ()
    new_gl: tuple[GLLine, ...] = ()
    new_log: tuple[CollectionEntry, ...] = ()
    issues: tuple[Issue, ...] = ()


# --------------------------------------------------------------------------- history

class _Trail:
    def __init__(self, log: Iterable[CollectionEntry]) -> None:
        self.level: dict[int, tuple[int, date]] = {}  # entry -> (last level, that reminder's due date)
        self.charged: dict[int, date] = {}  # entry -> last date interest was charged
        self.memo: dict[int, date] = {}  # entry -> date of the last finance charge memo it was on
        self.max_no: dict[str, int] = {}
        for c in sorted(log, key=lambda c: (c.document_date, c.entry_no)):
            if c.kind == REMINDER:
                self.level[c.customer_entry_no] = (c.level, c.due_date)
            if c.kind == FINANCE_CHARGE:
                self.memo[c.customer_entry_no] = max(self.memo.get(c.customer_entry_no, c.document_date),
                                                     c.document_date)
            if c.interest or c.kind == FINANCE_CHARGE:
                prev = self.charged.get(c.customer_entry_no)
                self.charged[c.customer_entry_no] = max(prev, c.document_date) if prev else c.document_date
            m = re.search(r"(\d+)$", c.document_no)
            if m:
                self.max_no[c.kind] = max(self.max_no.get(c.kind, 0), int(m.group(1)))


def _histories(book: Book, wanted: set[int], upto: date, balances: Balances) -> dict[int, list[tuple[date, Decimal]]]:
    out: dict[int, list[tuple[date, Decimal]]] = {}
    full: dict[int, Decimal] = {}
    by_no = {no: balances.items[no].entry for no in wanted}
    for no, e in by_no.items():
        out[no] = [(e.posting_date, e.amount)]
        full[no] = e.amount
    for a in book.applications:
        if a.applied_entry_no not in wanted and a.applying_entry_no not in wanted:
            continue
        d_o, d_n, _, _ = deltas(a)
        for no, d in ((a.applied_entry_no, d_o), (a.applying_entry_no, d_n)):
            if no in wanted and d:
                full[no] += d
                if a.posting_date <= upto:
                    out[no].append((a.posting_date, d))
    for no, e in by_no.items():
        gap = e.remaining_amount - full[no]
        if gap:  # unexplained by Applications: dated on the posting date (see aging)
            out[no].append((e.posting_date, gap))
    return out


def interest_on(terms: FinanceChargeTerms, e: LedgerEntry, remaining: Decimal, changes: list[tuple[date, Decimal]],
                doc_date: date, since: date | None, q: Decimal) -> tuple[Decimal, str]:
    """Interest on one entry as of ``doc_date`` and how it was calculated."""
    due = e.due_date or e.posting_date
    rate = terms.interest_rate
    if terms.method is InterestMethod.BALANCE_DUE:
        return round_to(remaining * rate / HUNDRED, q), f"{remaining} x {rate}% = "
    floor = max(due, since) if since else due
    total = ZERO
    parts = []
    for when, amount in changes:
        start = max(floor, when)
        days = (doc_date - start).days
        if days <= 0 or not amount:
            continue
        total += amount * days
        parts.append(f"{amount} x {days}")
    period = terms.interest_period_days or 30
    interest = round_to(total / period * rate / HUNDRED, q)
    text = f"({' + '.join(parts).replace('+ -', '- ')}) / {period} x {rate}% = " if parts else ""
    return interest, text


# --------------------------------------------------------------------------- suggest

def _fee_in(fee_lcy: Decimal, currency: str, lcy: str, rate: Decimal | None, q: Decimal) -> Decimal:
    if not fee_lcy or currency == lcy:
        return fee_lcy
    return round_to(fee_lcy / rate, q) if rate else ZERO


def _groups(book: Book, bal: Balances) -> dict[tuple[str, str], list[Balance]]:
    g: dict[tuple[str, str], list[Balance]] = {}
    for b in bal.items.values():
        g.setdefault((b.entry.customer_no, b.entry.currency), []).append(b)
    for lst in g.values():
        lst.sort(key=lambda b: (b.entry.due_date or b.entry.posting_date, b.entry.entry_no))
    return g


def suggest(book: Book, col: Collections, doc_date: date, *, balances: Balances | None = None,
            reminders: bool = True, finance_charges: bool = True) -> DunningRun:
    """Reminders and finance charge memos a run on ``doc_date`` would create (nothing posted)."""
    bal = balances if balances is not None and balances.as_of == doc_date else balances_as_of(book, doc_date)
    idx = index_of(book)
    lcy = idx.lcy
    trail = _Trail(col.log)
    rterms = {t.code.upper(): t for t in col.reminder_terms}
    fterms = {t.code.upper(): t for t in col.finance_charge_terms}
    docs: list[DunningDoc] = []
    skipped: list[Skipped] = []
    issues: list[Issue] = []
    groups = _groups(book, bal)
    lq = idx.q(lcy)
    # interest histories only for entries that can earn interest: open, positive, not on hold (BC
    # FinChrgMemo-Make MakeLines; any document type, reminders and memos included), past their due date
    candidates = {b.entry.entry_no for lst in groups.values() for b in lst
                  if b.entry.amount > 0 and not b.entry.on_hold
                  and (b.entry.due_date or b.entry.posting_date) < doc_date}
    hist = _histories(book, candidates, doc_date, bal) if candidates else {}
    next_no = {REMINDER: trail.max_no.get(REMINDER, 0), FINANCE_CHARGE: trail.max_no.get(FINANCE_CHARGE, 0)}

    def number(kind: str) -> str:
        next_no[kind] += 1
        return f"{'REM' if kind == REMINDER else 'FCM'}-{next_no[kind]:05d}"

    def warn(code: str, problem: str, cust: str) -> None:
        issues.append(Issue(code=code, problem=problem, severity=Severity.WARNING,
                            ref=Ref(table="customers", key=cust, field="")))

    by_customer: dict[str, list[tuple[str, list[Balance]]]] = {}
    for (cust, cur), items in sorted(groups.items()):
        by_customer.setdefault(cust, []).append((cur, items))
    warned: set[tuple[str, str]] = set()
    for cust, per_cur in by_customer.items():
        customer = idx.customers.get(cust)
        blocked = customer is not None and customer.blocked is Blocked.ALL
        fcode = col.customer_fin_charge_terms.get(cust, "")
        ft = fterms.get(fcode.upper()) if fcode else None
        if fcode and ft is None and (cust, "f") not in warned:
            warned.add((cust, "f"))
            warn("unknown-fin-charge-terms", f"Customer {cust}: finance charge terms {fcode!r} are not on the "
                 "FinanceChargeTerms sheet", cust)
        rcode = col.customer_reminder_terms.get(cust, "")
        rt = rterms.get(rcode.upper()) if rcode else None
        if rcode and rt is None and (cust, "r") not in warned:
            warned.add((cust, "r"))
            warn("unknown-reminder-terms", f"Customer {cust}: reminder terms {rcode!r} are not on the "
                 "ReminderTerms sheet", cust)
        if reminders and rt is not None and rt.levels:
            for cur, items in per_cur:
                doc, skip = _reminder(rt, ft, items, cur, doc_date, trail, hist, idx, blocked, lq)
                if doc is not None:
                    docs.append(replace(doc, document_no=number(REMINDER)))
                if skip is not None:
                    skipped.append(skip)
        if finance_charges and ft is not None:
            memos, skip = _memos(ft, per_cur, doc_date, trail, hist, idx, blocked, lq)
            docs.extend(replace(d, document_no=number(FINANCE_CHARGE)) for d in memos)
            if skip is not None:
                skipped.append(skip)
    return DunningRun(documents=tuple(docs), skipped=tuple(skipped), issues=tuple(issues))


def _to_lcy(x: Decimal, cur: str, idx: BookIndex, doc_date: date) -> Decimal:
    """``x`` in LCY at the document date's rate, unrounded (BC ``ExchangeAmtFCYToLCY``)."""
    if cur == idx.lcy:
        return x
    rate = idx.rates.rate(cur, doc_date)
    return x * rate if rate else x


def _reminder(rt: ReminderTerms, ft: FinanceChargeTerms | None, items: list[Balance], cur: str, doc_date: date,
              trail: _Trail, hist: dict[int, list[tuple[date, Decimal]]], idx: BookIndex, blocked: bool,
              lq: Decimal) -> tuple[DunningDoc | None, Skipped | None]:
    """BC ``Reminder-Make`` ``MakeReminder`` for one customer and currency.

    Every open entry not on hold is taken at level ``last issued level + 1`` (the highest
    defined level's conditions past the last); when ``CalcDate(level grace period,
    reference) < document date`` and the level is within Max. No. of Reminders it is on the
    reminder and its remaining amount counts (``CustAmount``, credits included). The reminder
    is made when a positive entry is on it and ``CustAmount`` is > 0 and, in LCY, at least the
    terms' Minimum Amount; then a customer blocked for All gets none."""
    q = idx.q(cur)
    lines: list[DunningLine] = []
    cust_amount = ZERO
    make = False
    level = 0
    for b in items:
        e = b.entry
        if e.on_hold or not b.remaining:
            continue
        last, last_due = trail.level.get(e.entry_no, (0, None))
        n = last + 1
        lv = rt.level(n)
        if lv is None or (rt.max_reminders and n > rt.max_reminders):
            continue
        ref = (e.due_date or e.posting_date) if n == 1 or last_due is None else last_due
        if not calc_date(lv.grace_period or "0D", ref) < doc_date:
            continue
        cust_amount += b.remaining
        interest, how = ZERO, ""
        if b.remaining > 0:
            make = True
            if lv.calculate_interest and ft is not None and e.entry_no in hist:
                interest, how = interest_on(ft, e, b.remaining, hist[e.entry_no], doc_date,
                                            trail.charged.get(e.entry_no), q)
        if e.document_type is not DocumentType.CREDIT_MEMO:
            level = max(level, lv.level)
        lines.append(DunningLine(entry=e, remaining=b.remaining, level=lv.level, interest=interest,
                                 calculation=how + (str(interest) if how else "")))
    if not make:
        return None, None
    cust = items[0].entry.customer_no
    amount_lcy = _to_lcy(cust_amount, cur, idx, doc_date)
    if cust_amount <= 0:
        return None, Skipped(kind=REMINDER, customer_no=cust, currency=cur,
                             reason=f"overdue balance {cust_amount} is covered by unapplied payments or credits")
    if amount_lcy < rt.minimum_amount:
        return None, Skipped(kind=REMINDER, customer_no=cust, currency=cur,
                             reason=f"overdue balance {round_to(amount_lcy, lq)} {idx.lcy} is below the minimum "
                                    f"amount {rt.minimum_amount}")
    if blocked:
        return None, Skipped(kind=REMINDER, customer_no=cust, currency=cur, reason="customer is blocked (All)")
    lv = rt.level(level or 1)
    assert lv is not None
    rate = idx.rates.rate(cur, doc_date)
    return DunningDoc(
        kind=REMINDER, document_no="", customer_no=cust, currency=cur, document_date=doc_date,
        due_date=calc_date(lv.due_date_formula or "0D", doc_date), level=level or 1, lines=tuple(lines),
        fee=_fee_in(lv.additional_fee, cur, idx.lcy, rate, q), interest=sum((ln.interest for ln in lines), ZERO),
        post_fee=rt.post_additional_fee, post_interest=rt.post_interest, net_overdue=cust_amount), None


def _memos(ft: FinanceChargeTerms, per_cur: list[tuple[str, list[Balance]]], doc_date: date, trail: _Trail,
           hist: dict[int, list[tuple[date, Decimal]]], idx: BookIndex, blocked: bool,
           lq: Decimal) -> tuple[list[DunningDoc], Skipped | None]:
    """BC ``FinChrgMemo-Make`` ``Code`` for one customer: one memo per currency with a line of interest.

    A customer blocked for All gets none. Per currency, every open positive entry not on hold is
    a line (``Finance Charge Memo Line`` ``CalcFinChrg``: interest only past ``CalcDate(grace
    period, due date)``); the interest is added up in LCY over all currencies (``CustAmountLCY``),
    and ``OverDue`` is set by a line past its grace period once that sum reaches the Minimum
    Amount. Memos are made, for the currencies with a line of non-zero interest, unless
    (``CustAmountLCY`` = 0 or < Minimum Amount) and (no Additional Fee or not ``OverDue``).
    There is no test of the customer's other balance: unapplied credits do not stop a memo.
    An entry already charged on a memo dated on or after the document date is not charged
    again (a run repeated for the same date makes nothing; a deliberate guard, see
    docs/decisions.md, that only matters for Balance Due)."""
    cust = per_cur[0][1][0].entry.customer_no
    total_lcy = ZERO
    overdue = False
    found: list[tuple[str, list[DunningLine]]] = []
    for cur, items in per_cur:
        q = idx.q(cur)
        lines: list[DunningLine] = []
        for b in items:  # by due date (BC's key Customer No., Open, Positive, Due Date)
            e = b.entry
            no = e.entry_no
            if e.on_hold or e.amount <= 0 or not b.remaining:
                continue
            due = e.due_date or e.posting_date
            past_grace = calc_date(ft.grace_period or "0D", due) < doc_date
            interest, how = ZERO, ""
            memo = trail.memo.get(no)
            if past_grace and no in hist and not (memo is not None and memo >= doc_date):
                interest, how = interest_on(ft, e, b.remaining, hist[no], doc_date, trail.charged.get(no), q)
            total_lcy += _to_lcy(interest, cur, idx, doc_date)
            if total_lcy >= ft.minimum_amount and past_grace:
                overdue = True
            if interest:
                lines.append(DunningLine(entry=e, remaining=b.remaining, interest=interest,
                                         calculation=how + str(interest)))
        if lines:
            found.append((cur, lines))
    if not found:
        return [], None
    if blocked:
        return [], Skipped(kind=FINANCE_CHARGE, customer_no=cust, currency=found[0][0],
                           reason="customer is blocked (All)")
    if (total_lcy == 0 or total_lcy < ft.minimum_amount) and (ft.additional_fee == 0 or not overdue):
        return [], Skipped(kind=FINANCE_CHARGE, customer_no=cust, currency=found[0][0],
                           reason=f"interest {round_to(total_lcy, lq)} {idx.lcy} is below the minimum amount "
                                  f"{ft.minimum_amount}")
    out = []
    for cur, lines in found:
        q = idx.q(cur)
        rate = idx.rates.rate(cur, doc_date)
        net = sum((b.remaining for c, items in per_cur if c == cur for b in items
                   if (b.entry.due_date or b.entry.posting_date) < doc_date), ZERO)
        out.append(DunningDoc(
            kind=FINANCE_CHARGE, document_no="", customer_no=cust, currency=cur, document_date=doc_date,
            due_date=calc_date(ft.due_date_formula or "0D", doc_date), level=0, lines=tuple(lines),
            fee=_fee_in(ft.additional_fee, cur, idx.lcy, rate, q), interest=sum((ln.interest for ln in lines), ZERO),
            post_fee=ft.post_additional_fee, post_interest=ft.post_interest, net_overdue=net))
    return out, None


# --------------------------------------------------------------------------- issue

def issue(book: Book, col: Collections, run: DunningRun) -> DunningRun:
    """Post the documents of ``run``: ledger entries, balanced G/L lines and the trail."""
    idx = index_of(book)
    lcy = idx.lcy
    lq = idx.q(lcy)
    acc = book.settings.accounts
    next_entry = max((e.entry_no for e in book.ledger), default=0) + 1
    next_gl = max((g.entry_no for g in book.gl), default=0) + 1
    next_log = max((c.entry_no for c in col.log), default=0) + 1
    entries: list[LedgerEntry] = []
    gl: list[GLLine] = []
    log: list[CollectionEntry] = []
    for d in run.documents:
        for ln in d.lines:
            log.append(CollectionEntry(entry_no=next_log, kind=d.kind, document_no=d.document_no,
                                       document_date=d.document_date, due_date=d.due_date, customer_no=d.customer_no,
                                       customer_entry_no=ln.entry.entry_no, level=ln.level,
                                       remaining_amount=ln.remaining,
                                       interest=ln.interest if d.post_interest else ZERO))
            next_log += 1
        amount = d.posted_amount
        if not amount:
            continue
        rate = idx.rates.rate(d.currency, d.document_date) or ZERO
        parts = []
        if d.post_interest and d.interest:
            parts.append((acc.interest_income, round_to(d.interest * rate, lq), "Interest"))
        if d.post_fee and d.fee:
            parts.append((acc.fee_income, round_to(d.fee * rate, lq), "Additional fee"))
        dt = DocumentType.REMINDER if d.kind == REMINDER else DocumentType.FINANCE_CHARGE_MEMO
        e = new_entry(book=book, entry_no=next_entry, customer_no=d.customer_no, document_type=dt,
                      document_no=d.document_no, posting_date=d.document_date, amount=amount, currency=d.currency,
                      due_date=d.due_date, description=f"{d.kind} {d.document_no}"
                      + (f" level {d.level}" if d.kind == REMINDER else ""))
        total_lcy = sum((p[1] for p in parts), ZERO)
        e = replace(e, amount_lcy=total_lcy, remaining_amount_lcy=total_lcy)
        entries.append(e)
        next_entry += 1
        for account, lcy_amount, what in parts:
            if not lcy_amount:
                continue
            desc = f"{what}: {d.kind} {d.document_no}"
            gl.append(GLLine(entry_no=next_gl, posting_date=d.document_date, document_no=d.document_no,
                             account_no=acc.receivables, description=desc, debit=lcy_amount, credit=ZERO,
                             customer_no=d.customer_no))
            gl.append(GLLine(entry_no=next_gl + 1, posting_date=d.document_date, document_no=d.document_no,
                             account_no=account, description=desc, debit=ZERO, credit=lcy_amount,
                             customer_no=d.customer_no))
            next_gl += 2
    return replace(run, new_entries=tuple(entries), new_gl=tuple(gl), new_log=tuple(log))


# --------------------------------------------------------------------------- report

def dunning_table(run: DunningRun, kind: str, lcy: str, *, issued: bool) -> Table:
    """The Reminders or FinanceCharges sheet."""
    name = "Reminders" if kind == REMINDER else "FinanceCharges"
    t = Table(name)
    docs = [d for d in run.documents if d.kind == kind]
    what = "Reminders" if kind == REMINDER else "Finance charge memos"
    state = "issued and posted" if issued else "suggested (not posted; run with --issue to post them)"
    t.add(f"{what} {state}", emphasis=Emphasis.TITLE)
    t.add(f"{len(docs)} document(s)", emphasis=Emphasis.NOTE)
    t.header_rows = 2
    for d in docs:
        t.blank()
        t.add(d.document_no, d.customer_no, d.currency, f"Document date {d.document_date.isoformat()}",
              f"Due {d.due_date.isoformat()}", f"Level {d.level}" if kind == REMINDER else "",
              emphasis=Emphasis.TITLE)
        t.add("Entry No.", "Document Type", "Document No.", "Due Date", "Remaining Amount",
              "Level" if kind == REMINDER else "", "Interest", "Calculation", emphasis=Emphasis.HEADER)
        cur, add, is_rem = d.currency, t.rows.append, kind == REMINDER
        for ln in d.lines:  # hot: a reminder lists every overdue entry
            e = ln.entry
            add(Row((Cell(e.entry_no, INT), e.document_type.value, e.document_no, Cell(e.due_date, DATE),
                     Cell(ln.remaining, MONEY, cur), Cell(ln.level, INT) if is_rem else "",
                     Cell(ln.interest, MONEY, cur), ln.calculation)))
        t.add("Interest", "", "", "", "", "", money(d.interest, d.currency),
              "posted" if d.post_interest else "not posted (terms)", emphasis=Emphasis.TOTAL)
        t.add("Additional fee", "", "", "", "", "", money(d.fee, d.currency),
              "posted" if d.post_fee else "not posted (terms)", emphasis=Emphasis.TOTAL)
        t.add("Total", "", "", "", "", "", money(d.posted_amount, d.currency), "", emphasis=Emphasis.TOTAL)
    skipped = [s for s in run.skipped if s.kind == kind]
    if skipped:
        t.blank()
        t.add("Not created", emphasis=Emphasis.TITLE)
        t.add("Customer No.", "Currency", "Reason", emphasis=Emphasis.HEADER)
        for s in skipped:
            t.add(s.customer_no, s.currency, s.reason, emphasis=Emphasis.WARNING)
    return t

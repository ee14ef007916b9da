"""Credit limits on posting (Business Central's *Credit Warnings*), checked on the journal before it posts.

Each unposted journal line is taken in posting order (posting date, then line no.), with the
customer's balance in LCY: every open ledger entry's ``Remaining Amt. (LCY)`` plus the journal
lines before it (payments and credit memos lower it, invoices and refunds raise it; amounts in a
foreign currency at the exchange rate of the line's posting date).

* **Credit limit** (``Credit Warnings`` = *Credit Limit* or *Both Warnings*): an invoice line of a
  customer whose ``Credit Limit`` is above zero, after which the balance is above the limit, is an
  issue ``credit-limit-exceeded``: a warning, or an error when ``Credit Limit Check`` = *Error* (the
  line is not posted; with ``--skip-errors`` the other lines are).
* **Overdue balance** (``Credit Warnings`` = *Overdue Balance* or *Both Warnings*): an invoice line of a
  customer who has open debit entries due before the line's posting date is a warning
  ``overdue-balance``, whatever ``Credit Limit Check`` says: it never stops the posting.

Customers and lines that cannot be converted (no exchange rate) are left to the posting, which
reports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xlar.core.model import (
    Book,
    CreditLimitCheck,
    CreditWarnings,
    DocumentType,
    Issue,
    JournalLine,
    Ref,
    Severity,
)
from xlar.core.money import ZERO, quantum, round_to
from xlar.core.terms import index_of

LIMIT_CODE = "credit-limit-exceeded"
OVERDUE_CODE = "overdue-balance"


@dataclass(frozen=True, slots=True)
class CreditIssue:
    line_no: int
    issue: Issue


def check_credit(book: Book) -> list[CreditIssue]:
    """The credit issues of ``book``'s unposted journal lines (see the module docstring); the settings
    ``credit_warnings`` and ``credit_limit_check`` say which and how bad."""
    warnings, check = book.settings.credit_warnings, book.settings.credit_limit_check
    if warnings is CreditWarnings.NONE:
        return []
    idx = index_of(book)
    lcy = idx.lcy
    limit_on = warnings in (CreditWarnings.BOTH, CreditWarnings.CREDIT_LIMIT)
    overdue_on = warnings in (CreditWarnings.BOTH, CreditWarnings.OVERDUE_BALANCE)
    todo = sorted((ln for ln in book.journal if ln.status.strip().lower() != "posted" and ln.customer_no),
                  key=lambda ln: (ln.posting_date, ln.line_no))
    if not todo:
        return []
    wanted = {ln.customer_no for ln in todo}
    balance: dict[str, Decimal] = {}
    open_debits: dict[str, list[tuple[object, Decimal]]] = {}
    for e in book.ledger:
        if e.customer_no not in wanted or not e.open:
            continue
        balance[e.customer_no] = balance.get(e.customer_no, ZERO) + e.remaining_amount_lcy
        if e.remaining_amount > 0 and e.due_date is not None:
            open_debits.setdefault(e.customer_no, []).append((e.due_date, e.remaining_amount_lcy))
    out: list[CreditIssue] = []
    sev = Severity.ERROR if check is CreditLimitCheck.ERROR else Severity.WARNING
    for ln in todo:
        amount_lcy = _lcy(idx, ln, lcy)
        if amount_lcy is None:
            continue
        c = idx.customers.get(ln.customer_no)
        before = balance.get(ln.customer_no, ZERO)
        after = before + ln.document_type.debit_sign * amount_lcy
        balance[ln.customer_no] = after
        if ln.document_type is not DocumentType.INVOICE or c is None:
            continue
        ref = Ref(table="journal", key=ln.line_no, field="amount", value=ln.amount)
        limit = c.credit_limit
        if limit_on and limit is not None and limit > 0 and after > limit:
            out.append(CreditIssue(ln.line_no, Issue(
                code=LIMIT_CODE, severity=sev, ref=ref,
                problem=f"Invoice {ln.document_no} takes customer {c.customer_no} over the credit limit: balance "
                        f"{before} + {amount_lcy} = {after} {lcy} is over the Credit Limit of {limit} {lcy} by "
                        f"{after - limit}" + (" (Credit Limit Check = Error: not posted)" if sev is Severity.ERROR
                                              else ""))))
        if overdue_on:
            due = sum((amt for d, amt in open_debits.get(ln.customer_no, ()) if d < ln.posting_date), ZERO)  # type: ignore[operator]
            if due > 0:
                out.append(CreditIssue(ln.line_no, Issue(
                    code=OVERDUE_CODE, severity=Severity.WARNING, ref=ref,
                    problem=f"Customer {c.customer_no} has an overdue balance of {due} {lcy} (entries due before "
                            f"{ln.posting_date.isoformat()}); invoice {ln.document_no} is posted all the same")))
    return out


def _lcy(idx: object, ln: JournalLine, lcy: str) -> Decimal | None:
    cust = idx.customers.get(ln.customer_no)  # type: ignore[attr-defined]
    cur = (ln.currency or (cust.currency if cust is not None else "") or lcy).upper()
    if cur == lcy:
        return ln.amount
    rate = idx.rates.rate(cur, ln.posting_date)  # type: ignore[attr-defined]
    exps = dict(idx.book.settings.currency_exponents) or None  # type: ignore[attr-defined]
    return None if rate is None else round_to(ln.amount * rate, quantum(lcy, exps))

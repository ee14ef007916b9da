"""Duplicate / misapplied payment check: the same payment keyed twice, or keyed again after posting.

A journal payment line is a *possible duplicate* when another payment has the same
customer, currency, amount and posting date (and, when both give one, the same External
Document No.): either an earlier unposted line of the same journal or a Payment entry
already on the ledger. The first occurrence is never flagged; each later one is flagged
once, naming the earliest occurrence it repeats (a posted entry before a journal line).

The check is the ``Duplicate Payment Check`` setting: ``Warning`` (default) reports the
line and posts it, ``Error`` keeps it from posting like any other line error, ``Off``
skips the check. Only core records are used; the book layer places the issues on cells.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xlar.core.model import Book, DocumentType, DuplicatePaymentCheck, Issue, JournalLine, Ref, Severity

CODE = "possible-duplicate-payment"

_Key = tuple[str, str, Decimal, date]  # customer, currency, amount (positive), posting date


@dataclass(frozen=True, slots=True)
class DuplicatePayment:
    """Journal line ``line_no`` repeats ``other`` (a ``journal`` line or a ``ledger`` entry)."""

    line_no: int
    other: Ref  # table "journal" (key: line no.) or "ledger" (key: entry no.), field "amount"
    other_document_no: str
    customer_no: str
    currency: str
    amount: Decimal  # positive, the journal line's amount
    posting_date: date
    external_document_no: str = ""

    @property
    def other_is_posted(self) -> bool:
        return self.other.table == "ledger"


def _norm_ext(text: str) -> str:
    """Cheque / reference numbers compared on letters and digits only (``CHK-100`` = ``chk 100``)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _customer_of(line: JournalLine, owners_by_doc: dict[str, set[str]],
                 owners_by_id: dict[str, set[str]]) -> str:
    cust = line.customer_no.strip()
    if cust:
        return cust
    found: set[str] = set()
    for d in line.applies_to_doc_nos:
        for part in d.replace(";", ",").split(","):
            found |= owners_by_doc.get(part.strip().upper(), set())
    if line.applies_to_id:
        found |= owners_by_id.get(line.applies_to_id.strip().upper(), set())
    return found.pop() if len(found) == 1 else ""


def find_duplicate_payments(book: Book) -> tuple[DuplicatePayment, ...]:
    """Every unposted journal payment that repeats an earlier one (see the module docstring).

    One pass over the ledger, with the cyclic garbage collector paused as in settlement (a
    million tracked entries would otherwise be rescanned by every full collection).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        return _find(book)
    finally:
        if was:
            gc.enable()


def _find(book: Book) -> tuple[DuplicatePayment, ...]:
    lcy = book.settings.company_currency.upper()
    cur_of = {c.customer_no: c.currency.upper() for c in book.customers}
    pays = [ln for ln in book.journal
            if ln.document_type is DocumentType.PAYMENT and ln.status.strip().lower() != "posted"]
    if not pays:
        return ()
    owners_by_doc: dict[str, set[str]] = {}
    owners_by_id: dict[str, set[str]] = {}
    blank = [ln for ln in pays if not ln.customer_no.strip()]
    if blank:  # the customer comes from the applies-to documents: index only those
        docs = {p.strip().upper() for ln in blank for d in ln.applies_to_doc_nos
                for p in d.replace(";", ",").split(",")}
        ids = {ln.applies_to_id.strip().upper() for ln in blank if ln.applies_to_id}
        for e in book.ledger:
            k = e.document_no.upper()
            if k in docs:
                owners_by_doc.setdefault(k, set()).add(e.customer_no)
            if e.applies_to_id and e.applies_to_id.upper() in ids:
                owners_by_id.setdefault(e.applies_to_id.upper(), set()).add(e.customer_no)
    keyed: list[tuple[JournalLine, _Key]] = []
    for ln in pays:
        cust = _customer_of(ln, owners_by_doc, owners_by_id)
        if not cust or ln.amount <= 0:
            continue  # the settlement rules report these lines
        cur = ln.currency.strip().upper() or cur_of.get(cust, "") or lcy
        keyed.append((ln, (cust, cur, ln.amount, ln.posting_date)))
    wanted = {k for _, k in keyed}
    # earlier occurrences per key: (table, key, amount, document no., external document no.); a Ref is
    # built only for a hit (a frozen record per line would cost more than the whole check)
    seen: dict[_Key, list[tuple[str, int, Decimal, str, str]]] = {}
    payment = DocumentType.PAYMENT  # bound once: enum attribute access is slow in a million-entry loop
    days = {k[3] for k in wanted}
    for e in book.ledger:
        if e.document_type is not payment or e.posting_date not in days or e.amount >= 0:
            continue
        k = (e.customer_no, (e.currency or lcy).upper(), -e.amount, e.posting_date)
        if k in wanted:
            seen.setdefault(k, []).append(("ledger", e.entry_no, e.amount, e.document_no,
                                           _norm_ext(e.external_document_no)))
    out: list[DuplicatePayment] = []
    for ln, k in keyed:
        ext = _norm_ext(ln.external_document_no) if ln.external_document_no else ""
        earlier = seen.get(k)
        if earlier is None:
            seen[k] = [("journal", ln.line_no, ln.amount, ln.document_no, ext)]
            continue
        hit = next((x for x in earlier if not (ext and x[4] and ext != x[4])), None)
        if hit is not None:
            other = Ref(table=hit[0], key=hit[1], field="amount", value=hit[2])
            out.append(DuplicatePayment(line_no=ln.line_no, other=other, other_document_no=hit[3],
                                        customer_no=k[0], currency=k[1], amount=k[2], posting_date=k[3],
                                        external_document_no=ln.external_document_no))
        earlier.append(("journal", ln.line_no, ln.amount, ln.document_no, ext))
    return tuple(out)


def describe(d: DuplicatePayment, other: str) -> str:
    """The problem sentence; ``other`` says where the repeated payment is (a record or a sheet cell)."""
    ext = f", External Document No. {d.external_document_no}" if d.external_document_no else ""
    what = "already posted" if d.other_is_posted else "also in this journal"
    return (f"Possible duplicate payment: customer {d.customer_no}, {d.amount} {d.currency} on "
            f"{d.posting_date.isoformat()}{ext} is {what} ({other}, document {d.other_document_no}). "
            "Check that the same payment is not applied twice.")


def severity_of(check: DuplicatePaymentCheck) -> Severity | None:
    """The issue severity the setting gives, or None when the check is off."""
    if check is DuplicatePaymentCheck.OFF:
        return None
    return Severity.ERROR if check is DuplicatePaymentCheck.ERROR else Severity.WARNING


def duplicate_issues(book: Book, found: tuple[DuplicatePayment, ...] | None = None) -> tuple[Issue, ...]:
    """The check as core issues (on the journal line's amount), per the book's setting; () when off."""
    sev = severity_of(book.settings.duplicate_payment_check)
    if sev is None:
        return ()
    found = find_duplicate_payments(book) if found is None else found
    return tuple(Issue(code=CODE, severity=sev, problem=describe(
        d, f"{'ledger entry' if d.other_is_posted else 'journal line'} {d.other.key}"),
        ref=Ref(table="journal", key=d.line_no, field="amount", value=d.amount)) for d in found)

"""Remittance advice drives cash application: a payment applied to exactly the documents the customer lists.

The customer's remittance (pasted on the ``Remittance`` sheet) is a list of rows sharing a
Remittance ID: a document (its Document No. or External Document No.), the amount paid on
it and the discount the customer took. A journal payment whose ``Applies-to ID`` is a
Remittance ID is applied through the normal settlement path (BC's *Applies-to ID* with an
*Amount to Apply* per entry): :func:`apply_remittances` marks each named ledger entry with
the ID and ``Amount to Apply = amount paid + discount taken``, so the settlement rules decide
discounts and tolerances as for any other payment.

A payment is posted only when its remittance agrees with the books. Each of these is an
error of the payment line (the line is not posted; ``--skip-errors`` posts the others):

- ``remittance-unknown-document``: no ledger entry has that document number;
- ``remittance-other-customer``: the document, or the remittance row, is of another customer;
- ``remittance-document-closed``: the document is already closed;
- ``remittance-exceeds-remaining``: amount paid + discount taken is more than is open on it;
- ``remittance-total-mismatch``: the amounts paid do not add up to the payment;
- ``remittance-discount-refused``: the customer took a discount the rules do not grant
  on the payment's date (found by settling the payment on a trial run);
- ``remittance-conflict``: another entry already carries the ID, or two remittances name
  the same entry;
- ``remittance-unreadable``: a row of the remittance has a cell xlar cannot read.

Amounts are in the documents' currency, as the customer writes them; the sign of the
ledger entry decides (a credit memo deducted may be written 100 or -100).
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xlar.core.model import Book, DocumentType, Issue, JournalLine, LedgerEntry, Ref, Severity
from xlar.core.money import ZERO
from xlar.core.records import rebuilder
from xlar.core.settle import post_journal

TABLE = "remittance"  # Ref.table of a remittance row; Ref.key is the row's key


@dataclass(frozen=True, slots=True, kw_only=True)
class RemittanceLine:
    """One row of a customer's remittance advice."""

    remittance_id: str
    document_no: str  # the document's No. or its External Document No.
    amount_paid: Decimal
    discount_taken: Decimal = ZERO
    customer_no: str = ""  # blank: the payment's customer
    note: str = ""
    key: object = None  # where the row came from (the book layer: the Excel row)


@dataclass(frozen=True, slots=True)
class RemittanceResult:
    """The book with the remittances' documents marked, plus what went wrong."""

    book: Book
    issues: tuple[Issue, ...]
    failed: dict[int, str]  # journal line no. -> first problem (the line must not post)
    #: journal line no. -> (entry no., Amount to Apply) of every document it was marked on
    applied: dict[int, tuple[tuple[int, Decimal], ...]] = field(default_factory=dict)


def _key(text: str) -> str:
    return text.strip().upper()


def _err(code: str, problem: str, table: str, key: object, fld: str, value: object = None) -> Issue:
    return Issue(code=code, problem=problem, severity=Severity.ERROR,
                 ref=Ref(table=table, key=key, field=fld, value=value))


def _sign(e: LedgerEntry) -> int:
    return 1 if (e.remaining_amount if e.open else e.amount) > 0 else -1


def apply_remittances(book: Book, remittances: Sequence[RemittanceLine], *,
                      unreadable: Iterable[str] = ()) -> RemittanceResult:
    """Mark the documents of every remittance a journal payment names by its Applies-to ID.

    ``unreadable``: Remittance IDs with a row the reader could not read (their payments fail).
    Lines that fail keep their ledger entries unmarked; the caller must not post them.
    The cyclic garbage collector is paused, as in settlement: rebuilding the ledger tuple
    next to a million tracked entries would otherwise trigger full collections.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        return _apply(book, remittances, unreadable)
    finally:
        if was:
            gc.enable()


def _apply(book: Book, remittances: Sequence[RemittanceLine], unreadable: Iterable[str]) -> RemittanceResult:
    groups: dict[str, list[RemittanceLine]] = {}
    for r in remittances:
        groups.setdefault(_key(r.remittance_id), []).append(r)
    broken = {_key(x) for x in unreadable}
    ids = groups.keys() | broken
    lines = [ln for ln in book.journal
             if ln.applies_to_id and _key(ln.applies_to_id) in ids
             and ln.status.strip().lower() != "posted" and ln.document_type is DocumentType.PAYMENT
             and not ln.applies_to_doc_nos]
    if not lines:
        return RemittanceResult(book, (), {})
    lcy = book.settings.company_currency.upper()
    cur_of = {c.customer_no: c.currency.upper() for c in book.customers}
    used = {_key(ln.applies_to_id) for ln in lines}
    docs = {_key(r.document_no) for rid in used for r in groups.get(rid, ())}
    by_doc: dict[str, list[LedgerEntry]] = {}  # only the documents the remittances in use name
    marked_by: dict[str, set[int]] = {}  # a Remittance ID already on the ledger -> its entries
    for e in book.ledger:  # one pass: a ledger may hold a million entries
        k = e.document_no.strip().upper()
        if k in docs:
            by_doc.setdefault(k, []).append(e)
        if e.external_document_no:
            x = e.external_document_no.strip().upper()
            if x != k and x in docs:
                by_doc.setdefault(x, []).append(e)
        if e.applies_to_id and e.open:
            m = e.applies_to_id.strip().upper()
            if m in used:
                marked_by.setdefault(m, set()).add(e.entry_no)
    issues: list[Issue] = []
    failed: dict[int, str] = {}
    marks: dict[int, tuple[str, Decimal]] = {}  # entry no -> (ID, amount to apply)
    mark_owner: dict[int, int] = {}  # entry no -> journal line that marked it
    applied: dict[int, tuple[tuple[int, Decimal], ...]] = {}
    rows_of_line: dict[int, list[tuple[RemittanceLine, LedgerEntry]]] = {}

    def fail(line: JournalLine, issue: Issue) -> None:
        issues.append(issue)
        failed.setdefault(line.line_no, f"Remittance {line.applies_to_id}: {issue.problem}")

    for ln in lines:
        rid = _key(ln.applies_to_id)
        rows = groups.get(rid, [])
        if rid in broken:
            fail(ln, _err("remittance-unreadable",
                          f"Remittance {ln.applies_to_id} has a row xlar cannot read (see Issues); fix it "
                          "before the payment is applied.",
                          "journal", ln.line_no, "applies_to_id", ln.applies_to_id))
            continue
        given = [r.customer_no.strip() for r in rows if r.customer_no.strip()]
        cust = ln.customer_no.strip() or (given[0] if given else "")
        ok = True
        found: list[tuple[RemittanceLine, LedgerEntry, Decimal]] = []
        for r in rows:
            doc = _key(r.document_no)
            if r.customer_no.strip() and cust and r.customer_no.strip() != cust:
                fail(ln, _err("remittance-other-customer", f"The remittance row is for customer "
                              f"{r.customer_no.strip()}, the payment for customer {cust}.", TABLE, r.key,
                              "customer_no", r.customer_no))
                ok = False
                continue
            cands = by_doc.get(doc, [])
            if cust:
                mine = [e for e in cands if e.customer_no == cust]
            else:
                owners = {e.customer_no for e in cands}
                mine = cands if len(owners) == 1 else []
            if not cands:
                fail(ln, _err("remittance-unknown-document", f"No ledger entry has document {r.document_no}.",
                              TABLE, r.key, "document_no", r.document_no))
                ok = False
                continue
            if not mine:
                others = ", ".join(sorted({e.customer_no for e in cands}))
                fail(ln, _err("remittance-other-customer", f"Document {r.document_no} belongs to customer "
                              f"{others}, not to the payment's customer {cust or '(none given)'}.", TABLE,
                              r.key, "document_no", r.document_no))
                ok = False
                continue
            mine = [e for e in mine if e.document_type is not DocumentType.PAYMENT] or mine
            live = [e for e in mine if e.open and e.remaining_amount != 0]
            if not live:
                fail(ln, _err("remittance-document-closed", f"Document {r.document_no} of customer "
                              f"{mine[0].customer_no} is already closed.", TABLE, r.key, "document_no",
                              r.document_no))
                ok = False
                continue
            e = live[0]
            cust = cust or e.customer_no
            want = abs(r.amount_paid) + abs(r.discount_taken)
            already = sum((w for _, x, w in found if x.entry_no == e.entry_no), ZERO)
            if want + already > abs(e.remaining_amount):
                fail(ln, _err("remittance-exceeds-remaining", f"Amount paid {r.amount_paid} plus discount "
                              f"{r.discount_taken} on {r.document_no} is more than its remaining amount "
                              f"{e.remaining_amount}.", TABLE, r.key, "amount_paid", r.amount_paid))
                ok = False
                continue
            owner = mark_owner.get(e.entry_no)
            if owner is not None and owner != ln.line_no:
                fail(ln, _err("remittance-conflict", f"Document {r.document_no} is also named by remittance "
                              f"{marks[e.entry_no][0]} of another payment.", TABLE, r.key, "document_no",
                              r.document_no))
                ok = False
                continue
            found.append((r, e, want))
        if not ok:
            continue
        # another open entry already carries this ID: it would be applied too
        named = {e.entry_no for _, e, _ in found}
        stray = sorted(marked_by.get(rid, set()) - named)
        if stray:
            fail(ln, _err("remittance-conflict", f"Ledger entry {stray[0]} already carries Applies-to ID "
                          f"{ln.applies_to_id}, which is a Remittance ID; clear it there or rename the "
                          "remittance.",
                          "journal", ln.line_no, "applies_to_id", ln.applies_to_id))
            continue
        pay_cur = ln.currency.strip().upper() or cur_of.get(cust, "") or lcy
        if all(e.currency.upper() == pay_cur for _, e, _ in found):
            total = sum((_sign(e) * abs(r.amount_paid) for r, e, _ in found), ZERO)
            if total != ln.amount:
                fail(ln, _err("remittance-total-mismatch",
                              f"The remittance lists {total} paid, the payment is {ln.amount} "
                              f"(difference {ln.amount - total}); correct the remittance or the payment "
                              "before posting.", "journal", ln.line_no, "amount", ln.amount))
                continue
        per_entry: dict[int, Decimal] = {}
        for r, e, want in found:
            per_entry[e.entry_no] = per_entry.get(e.entry_no, ZERO) + want
        for no, want in per_entry.items():
            e = next(x for _, x, _ in found if x.entry_no == no)
            marks[no] = (ln.applies_to_id, _sign(e) * want)
            mark_owner[no] = ln.line_no
        applied[ln.line_no] = tuple((no, marks[no][1]) for no in per_entry)
        rows_of_line[ln.line_no] = [(r, e) for r, e, _ in found]
    out = _marked(book, marks) if marks else book
    # the discounts the customer took must be ones the rules grant: settle on a trial run
    with_disc = [n for n, rows in rows_of_line.items() if any(r.discount_taken for r, _ in rows)]
    if with_disc:
        refused = _refused_discounts(out, with_disc, failed, rows_of_line)
        line_of = {x.line_no: x for x in lines}
        for n, r, granted in refused:
            ln = line_of[n]
            fail(ln, _err("remittance-discount-refused",
                          f"The customer took a discount of {abs(r.discount_taken)} on {r.document_no}, but "
                          f"on {ln.posting_date.isoformat()} the payment terms grant {granted}; remove the "
                          "discount (the rest stays open) or settle it another way.",
                          TABLE, r.key, "discount_taken", r.discount_taken))
    if failed:
        keep = {no: m for no, m in marks.items() if mark_owner[no] not in failed}
        out = _marked(book, keep) if keep else book
        applied = {n: a for n, a in applied.items() if n not in failed}
    return RemittanceResult(out, tuple(issues), failed, applied)


_mark = rebuilder(LedgerEntry, ("applies_to_id", "amount_to_apply"))  # a fast dataclasses.replace


def _marked(book: Book, marks: dict[int, tuple[str, Decimal]]) -> Book:
    ledger = tuple(_mark(e, *marks[e.entry_no]) if e.entry_no in marks else e for e in book.ledger)
    return dataclasses.replace(book, ledger=ledger)


def _refused_discounts(book: Book, line_nos: list[int], failed: dict[int, str],
                       rows_of_line: dict[int, list[tuple[RemittanceLine, LedgerEntry]]]
                       ) -> list[tuple[int, RemittanceLine, Decimal]]:
    """(line, row, discount granted) where the settlement grants less discount than the row took.

    The journal is settled as far as these lines (lines already failing left out) on a copy
    of the book, so earlier lines of the same journal count as they will when posting. Only
    the customers concerned are settled: their entries, and the journal lines that are theirs
    or name no customer (settlement never crosses customers).
    """
    wanted = set(line_nos)
    last = max(i for i, ln in enumerate(book.journal) if ln.line_no in wanted)
    custs = {e.customer_no for n in line_nos for _, e in rows_of_line[n]}
    trial = dataclasses.replace(
        book, ledger=tuple(e for e in book.ledger if e.customer_no in custs),
        journal=tuple(ln for ln in book.journal[:last + 1] if ln.line_no not in failed
                      and (not ln.customer_no.strip() or ln.customer_no.strip() in custs)))
    s = post_journal(trial, skip_errors=True)
    entry_of = {r.line_no: r.posted_entry_no for r in s.line_results if r.posted_entry_no is not None}
    granted: dict[tuple[int, int], Decimal] = {}
    for a in s.new_applications:
        k = (a.applying_entry_no, a.applied_entry_no)
        granted[k] = granted.get(k, ZERO) + abs(a.discount) + abs(a.payment_discount_tolerance)
    out: list[tuple[int, RemittanceLine, Decimal]] = []
    for n in line_nos:
        pe = entry_of.get(n)
        for r, e in rows_of_line[n]:
            if not r.discount_taken:
                continue
            got = granted.get((pe, e.entry_no), ZERO) if pe is not None else ZERO
            if got < abs(r.discount_taken):
                out.append((n, r, got))
    return out

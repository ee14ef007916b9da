"""Write off small balances (D365 *Write off* from collections) and reverse a write-off.

:func:`write_off` picks every open ledger entry, not on hold, of a customer not blocked for all,
whose remaining amount in LCY is at most ``max_lcy`` (either sign) and whose due date (posting
date when it has none) is before ``as_of`` less ``older_than`` (a date formula such as ``90D``).
Each is closed by a new entry posted through the settlement engine (:func:`post_journal`) and
applied to it: a **Credit Memo** ``WO-<entry no.>`` for a debit remainder, a **Refund**
``WO-<entry no.>`` for a credit remainder, in the entry's currency, for its whole remaining
amount, with the description ``Write-off <reason>: <document no.>``. The engine's G/L pair
goes to the write-off account instead of Sales (or Bank): Dr Write-off / Cr Receivables for a
debit remainder, Dr Receivables / Cr Write-off for a credit one. An entry already written off is
closed, and a ``WO-`` document is never posted twice, so a second run posts nothing.

:func:`reverse_write_off` undoes one: the application of ``WO-n`` is unapplied (the engine's
unapply: the entry is open again with its remaining amount, the application's G/L reversed),
then ``WOR-n`` (an Invoice against a credit memo, a Payment against a refund) is posted and
applied to ``WO-n``, its G/L on the write-off account again: Dr Receivables / Cr Write-off
(debit remainder). The history stays: both documents and both applications remain on the
sheets, and the write-off account nets to zero.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from xlar.core.dates import calc_date
from xlar.core.model import (
    Application,
    Blocked,
    Book,
    DocumentType,
    Issue,
    JournalLine,
    LedgerEntry,
    Settlement,
)
from xlar.core.settle import post_journal, unapply

PREFIX = "WO-"
REVERSAL = "WOR-"


@dataclass(frozen=True, slots=True)
class WriteOff:
    entry: LedgerEntry  # the entry written off, as it was
    document_no: str
    amount: Decimal  # its remaining amount (entry currency)
    amount_lcy: Decimal


@dataclass(frozen=True, slots=True)
class WriteOffRun:
    settlement: Settlement | None
    written: tuple[WriteOff, ...]
    issues: tuple[Issue, ...] = ()


def cutoff(as_of: date, older_than: str) -> date:
    """The last due date that is older than ``older_than`` before ``as_of`` (``90D``: 91 days before)."""
    parts = older_than.strip().upper().split("+")
    neg = "+".join(p[1:] if p.startswith("-") else "-" + p for p in parts)
    return calc_date(neg, as_of) - timedelta(days=1)


def candidates(book: Book, as_of: date, max_lcy: Decimal, older_than: str,
               customers: frozenset[str] | None = None) -> list[LedgerEntry]:
    """The entries :func:`write_off` would write off, in entry order."""
    last = cutoff(as_of, older_than)
    blocked = {c.customer_no for c in book.customers if c.blocked is Blocked.ALL}
    done = {e.document_no for e in book.ledger if e.document_no.startswith(PREFIX)}
    out = []
    for e in book.ledger:
        if not e.open or e.remaining_amount == 0 or e.on_hold or e.customer_no in blocked:
            continue
        if customers is not None and e.customer_no not in customers:
            continue
        if abs(e.remaining_amount_lcy) > max_lcy or (e.due_date or e.posting_date) > last:
            continue
        if e.posting_date > as_of or f"{PREFIX}{e.entry_no}" in done:
            continue
        out.append(e)
    return out


def _book_for(book: Book, account: str) -> Book:
    acc = replace(book.settings.accounts, sales=account, bank=account)
    return replace(book, settings=replace(book.settings, accounts=acc))


def write_off(book: Book, as_of: date, *, max_lcy: Decimal, older_than: str, reason: str, account: str,
              posting_date: date | None = None, customers: frozenset[str] | None = None) -> WriteOffRun:
    """Post the write-offs (see the module docstring); nothing to write off gives ``settlement=None``."""
    day = posting_date or as_of
    todo = candidates(book, as_of, max_lcy, older_than, customers)
    if not todo:
        return WriteOffRun(None, ())
    lines = []
    for i, e in enumerate(todo, start=1):
        debit = e.remaining_amount > 0
        lines.append(JournalLine(
            line_no=i, posting_date=max(day, e.posting_date),
            document_type=DocumentType.CREDIT_MEMO if debit else DocumentType.REFUND,
            document_no=f"{PREFIX}{e.entry_no}", amount=abs(e.remaining_amount), customer_no=e.customer_no,
            currency=e.currency, description=f"Write-off {reason}: {e.document_no}",
            applies_to_doc_nos=(e.document_no,), external_document_no=e.document_no))
    s = post_journal(replace(_book_for(book, account), journal=tuple(lines)))
    if not s.posted:
        return WriteOffRun(s, (), s.issues)
    written = tuple(WriteOff(e, f"{PREFIX}{e.entry_no}", e.remaining_amount, e.remaining_amount_lcy) for e in todo)
    return WriteOffRun(s, written, s.issues)


def absorb(book: Book, s: Settlement) -> Book:
    """``book`` after ``s``: its ledger, applications (updated and new) and G/L."""
    apps: dict[int, Application] = {a.application_no: a for a in book.applications}
    for a in (*s.updated_applications, *s.new_applications):
        apps[a.application_no] = a
    return replace(book, ledger=s.ledger, applications=tuple(apps.values()), gl=book.gl + s.new_gl, journal=())


@dataclass(frozen=True, slots=True)
class Reversal:
    unapplied: Settlement | None
    posted: Settlement | None
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return self.posted is not None and self.posted.posted and not self.issues


def reverse_write_off(book: Book, document_no: str, *, posting_date: date | None = None) -> Reversal:
    """Reverse write-off ``document_no`` (``WO-17``): unapply it and post ``WOR-17`` against it."""
    doc = document_no.strip().upper()
    wo = next((e for e in book.ledger if e.document_no.upper() == doc and doc.startswith(PREFIX)), None)
    if wo is None:
        return Reversal(None, None, (Issue(code="unknown-write-off", problem=f"No write-off {document_no!r} on the "
                                           "Ledger (write-offs are WO-<entry no.>)"),))
    rev_no = REVERSAL + wo.document_no[len(PREFIX):]
    if any(e.document_no.upper() == rev_no.upper() for e in book.ledger):
        return Reversal(None, None, (Issue(code="write-off-reversed", problem=f"Write-off {wo.document_no} is "
                                           f"already reversed by {rev_no}"),))
    app = next((a for a in sorted(book.applications, key=lambda a: -a.application_no)
                if a.applying_entry_no == wo.entry_no and not a.unapplied and a.reverses_application_no is None), None)
    if app is None:
        return Reversal(None, None, (Issue(code="write-off-not-applied", problem=f"Write-off {wo.document_no} has "
                                           "no application to reverse"),))
    account = next((g.account_no for g in book.gl if g.document_no == wo.document_no
                    and g.account_no != book.settings.accounts.receivables and g.application_no is None), None)
    day = max(posting_date or app.posting_date, app.posting_date)
    u = unapply(book, app.application_no, posting_date=day)
    if not u.posted:
        return Reversal(u, None, u.issues)
    after = absorb(book, u)
    line = JournalLine(
        line_no=1, posting_date=day,
        document_type=DocumentType.INVOICE if wo.amount < 0 else DocumentType.PAYMENT, document_no=rev_no,
        amount=abs(wo.amount), customer_no=wo.customer_no, currency=wo.currency,
        description=f"Reversal of {wo.document_no}: {wo.description}"[:100], applies_to_doc_nos=(wo.document_no,))
    target = _book_for(after, account) if account else after
    p = post_journal(replace(target, journal=(line,)))
    return Reversal(u, p, () if p.posted else p.issues)

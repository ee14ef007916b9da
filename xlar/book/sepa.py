"""SEPA direct debit sheets and the ``xlar sepa`` command: collect, confirm, reject.

Sheets (declared once here):

* ``Mandates`` (contract): one row per mandate. xlar writes ``Debits Made`` back after
  each collection (and after a rejection) and, when the column exists, ``Closed``.
* ``SEPASetup`` (extension, two columns ``Setting`` / ``Value`` like ``Settings``): the
  company as creditor: ``Creditor Name``, ``Creditor Identifier``, ``Creditor IBAN``,
  ``Creditor BIC``, ``Local Instrument`` (CORE or B2B), ``Format``
  (``pain.008.001.02`` or ``pain.008.001.08``).
* ``DirectDebit`` (written): one row per debit of every collection, with its status
  (``File Created``, ``Posted``, ``Rejected``).

Three modes, each a plan of writes applied atomically like ``xlar post``:

* **collect** (:func:`collect`): selects the debits due by the collection date
  (:func:`xlar.core.sepa.create_collection`), returns the pain.008 file, appends the
  collection to ``DirectDebit`` and counts the debits on ``Mandates``.
* **confirm** (:func:`confirm`): the bank executed the collection. Each File Created
  debit becomes a Payment journal line applied to its invoice; the lines are posted by
  :func:`xlar.core.settle.post_journal` and appended to ``Journal`` as Posted, so the
  Ledger, Applications and GLEntries change exactly as with ``xlar post``. The journal
  line's balancing account is the bank (BC report 1201), so each payment is also one open
  ``BankLedger`` entry (:func:`xlar.core.sepa.bank_entries`), which the bank statement's
  line for the collection is later reconciled against instead of being posted again.
* **reject** (:func:`reject`): the bank returned debits. A File Created debit is marked
  Rejected; a Posted one is also reversed through the normal path: its application is
  unapplied (:func:`xlar.core.settle.unapply`) and a Refund line applied to the payment
  is posted, which reopens the invoice and takes the money out of the bank account (a
  negative ``BankLedger`` entry). Either way the mandate's Debits Made goes back by one.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.bankledger import next_entry_no, plan_bank_entries, read_bank_ledger
from xlar.book.cells import is_blank, read_text
from xlar.book.commands import Outcome, next_run
from xlar.book.files import BookError
from xlar.book.grid import Bound, Grid, find
from xlar.book.issues import SheetIssue, resolve
from xlar.book.plan import Out
from xlar.book.rows import ReadResult, read_book, read_sheet_rows
from xlar.book.rows import today as rows_today
from xlar.book.schema import Column, Kind, SheetSpec
from xlar.book.sepa_xml import VERSIONS, pain008
from xlar.book.xlsxparts import locked_run, open_file, save_file
from xlar.core.model import Application, Book, GLLine, Issue, JournalLine, LineResult, Settlement, Severity
from xlar.core.money import ZERO
from xlar.core.sepa import (
    Creditor,
    DebitEntry,
    DebitStatus,
    Mandate,
    MandateType,
    SequenceType,
    bank_entries,
    bic_problem,
    check_creditor,
    create_collection,
    iban_problem,
    payment_document_no,
    payment_lines,
    refund_line,
    roll_back,
)
from xlar.core.settle import post_journal, unapply
from xlar.core.tables import Table

C, K = Column, Kind
WARNING = Severity.WARNING

MANDATES = SheetSpec("Mandates", (
    C("Mandate ID", "mandate_id", required=True),
    C("Customer No.", "customer_no", required=True),
    C("IBAN", "iban", required=True),
    C("BIC", "bic"),
    C("Type", "type", K.CHOICE, choices=MandateType),
    C("Signature Date", "signature_date", K.DATE),
    C("Valid From", "valid_from", K.DATE),
    C("Valid To", "valid_to", K.DATE),
    C("Expected Number of Debits", "expected_debits", K.INT),
    C("Debits Made", "debits_made", K.INT),
    C("Blocked", "blocked", K.BOOL),
    C("Closed", "closed", K.BOOL, written=True, extension=True),
))

DIRECT_DEBIT = SheetSpec("DirectDebit", (
    C("Collection ID", "collection_id", required=True),
    C("Transaction ID", "transaction_id"),
    C("Entry No.", "entry_no", K.INT, required=True),
    C("Customer No.", "customer_no", required=True),
    C("Customer Name", "customer_name"),
    C("Document No.", "document_no", required=True),
    C("Mandate ID", "mandate_id", required=True),
    C("IBAN", "iban", required=True),
    C("BIC", "bic"),
    C("Signature Date", "signature_date", K.DATE, required=True),
    C("Transfer Date", "transfer_date", K.DATE, required=True),
    C("Amount", "amount", K.MONEY, required=True),
    C("Currency", "currency"),
    C("Sequence Type", "sequence_type", K.CHOICE, required=True, choices=SequenceType),
    C("Status", "status", K.CHOICE, choices=DebitStatus, written=True),
    C("Payment Document No.", "payment_document_no", written=True),
    C("File", "file", written=True),
    C("Message", "message", written=True),
))

#: every issue code ``xlar sepa`` reports, with what it means (tests/sepa/test_issue_codes.py: a case each)
CODES: dict[str, str] = {
    "no-valid-mandate": "The customer has invoices due but no mandate usable on the collection date (warning).",
    "customer-blocked": "The customer is blocked for All and is not debited (warning).",
    "sepa-not-euro": "Direct debits are in EUR only: the company currency or the invoice is not EUR.",
    "bad-iban": "A mandate's IBAN fails schwifty's check (country format, length, check digits).",
    "bad-bic": "A mandate's BIC is not a valid BIC.",
    "bad-creditor": "The creditor data on SEPASetup is missing or invalid (identifier check digits, IBAN, BIC).",
    "duplicate-mandate": "The same Mandate ID is on the Mandates sheet twice.",
    "unknown-customer": "A mandate names a customer that is not on the Customers sheet.",
    "missing-sheet": "The workbook has no SEPASetup sheet.",
    "missing-column": "A required column of Mandates or DirectDebit is missing.",
    "missing-value": "A required cell of Mandates or DirectDebit is blank.",
    "bad-choice": "The Format is not pain.008.001.02 or pain.008.001.08.",
    "duplicate-collection": "The --collection-id is already on the DirectDebit sheet.",
    "collection-date-past": "The collection date is before today (warning; BC: Reset Transfer Date).",
    "unknown-collection": "--confirm names a collection that is not on the DirectDebit sheet.",
    "debit-not-postable": "The invoice of a debit is already closed or holds less than the debit (warning).",
    "unknown-debit": "--reject names a Transaction or Collection ID that is not on the DirectDebit sheet.",
    "already-rejected": "--reject names a debit that is already rejected (warning).",
}

SEPA_SETUP_SHEET = "SEPASetup"
#: SEPASetup setting -> Creditor field
SETUP = {"creditorname": "name", "creditoridentifier": "creditor_id", "creditoriban": "iban",
         "creditorbic": "bic", "localinstrument": "local_instrument", "format": "format"}


@dataclass(slots=True)
class SepaRead:
    """The SEPA sheets read into core records, with their rows and the issues found."""

    read: ReadResult
    mandates: list[Mandate] = field(default_factory=list)
    mandate_rows: dict[str, int] = field(default_factory=dict)
    debits: list[DebitEntry] = field(default_factory=list)
    debit_rows: dict[str, int] = field(default_factory=dict)  # transaction id -> row
    creditor: Creditor | None = None
    format: str = VERSIONS[0]
    issues: list[SheetIssue] = field(default_factory=list)


def debit_entries(grids: dict[str, Grid], issues: list[SheetIssue]) -> Iterator[tuple[int, DebitEntry]]:
    """The DirectDebit sheet's collection entries with their Excel rows (bad cells go to ``issues``)."""
    fields = {f.name for f in dataclasses.fields(DebitEntry)}
    for row, f in read_sheet_rows(grids, DIRECT_DEBIT, issues, "EUR"):
        f.setdefault("status", DebitStatus.FILE_CREATED)
        f.setdefault("currency", "EUR")
        f = {k: str(v) if k in ("collection_id", "customer_no", "document_no", "mandate_id") else v
             for k, v in f.items() if k in fields}
        f.setdefault("customer_name", "")
        f.setdefault("bic", "")
        yield row, DebitEntry(**f)  # type: ignore[arg-type]


def read_sepa(grids: dict[str, Grid]) -> SepaRead:
    """Read the workbook, the mandates, the collections so far and the creditor setup."""
    r = SepaRead(read=read_book(grids))
    title = (find(grids, MANDATES.name) or Grid(MANDATES.name, 1, 1, [], [])).title
    known = {c.customer_no for c in r.read.book.customers}
    for row, f in read_sheet_rows(grids, MANDATES, r.issues, "EUR"):
        mid = str(f["mandate_id"])
        if mid in r.mandate_rows:
            r.issues.append(SheetIssue(title, row, "Mandate ID", mid, f"Mandate {mid} is on the sheet twice",
                                       "duplicate-mandate"))
            continue
        iban, bic = str(f["iban"]).replace(" ", "").upper(), str(f.get("bic", "")).strip().upper()
        problems = [(col, val, p) for col, val, p in (("IBAN", iban, iban_problem(iban)),
                                                     ("BIC", bic, bic_problem(bic) if bic else ""))
                    if p]
        for col, val, p in problems:
            r.issues.append(SheetIssue(title, row, col, val, p, f"bad-{col.lower()}"))
        if str(f["customer_no"]) not in known:
            r.issues.append(SheetIssue(title, row, "Customer No.", f["customer_no"],
                                       f"Customer {f['customer_no']} is not on the Customers sheet",
                                       "unknown-customer"))
            continue
        if problems:
            continue
        f.pop("closed", None)
        f.update(mandate_id=mid, customer_no=str(f["customer_no"]), iban=iban, bic=bic)
        r.mandates.append(Mandate(**f))  # type: ignore[arg-type]
        r.mandate_rows[mid] = row
    for row, d in debit_entries(grids, r.issues):
        r.debits.append(d)
        r.debit_rows[d.transaction_id] = row
    grid = find(grids, SEPA_SETUP_SHEET)
    values: dict[str, str] = {}
    if grid is not None:
        for row, vals in grid.rows:
            if len(vals) < 2 or is_blank(vals[0]):
                continue
            key = S.norm(vals[0])
            if key not in SETUP:
                r.issues.append(SheetIssue(grid.title, row, "Setting", vals[0],
                                           f"Unknown setting {read_text(vals[0])!r} is ignored", "unknown-setting",
                                           WARNING))
                continue
            values[SETUP[key]] = read_text(vals[1]) if not is_blank(vals[1]) else ""
    r.format = values.pop("format", "") or VERSIONS[0]
    if values:
        values["local_instrument"] = (values.get("local_instrument") or "CORE").upper()
        r.creditor = Creditor(**{k: values.get(k, "") for k in ("name", "creditor_id", "iban", "bic")},
                              local_instrument=values["local_instrument"])
    return r


# --------------------------------------------------------------------------- writing


def _debit_row(d: DebitEntry, file: str = "", message: str = "") -> dict[str, Out]:
    row = {c.key: P.out(getattr(d, c.field, None), c.kind, "EUR") for c in DIRECT_DEBIT.columns
           if c.field in {f.name for f in dataclasses.fields(DebitEntry)}}
    row[S.norm("Transaction ID")] = Out(d.transaction_id)
    row[S.norm("File")] = Out(file)
    row[S.norm("Message")] = Out(message)
    return row


def _mandate_updates(plan: P.WritePlan, r: SepaRead, mandates: list[Mandate] | tuple[Mandate, ...]) -> None:
    before = {m.mandate_id: m for m in r.mandates}
    sw = plan.sheet(MANDATES)
    closed_col = find(r.read.grids, MANDATES.name)
    has_closed = closed_col is not None and Bound.bind(closed_col, MANDATES).has(MANDATES.by_field["closed"])
    for m in mandates:
        if before.get(m.mandate_id) == m:
            continue
        row = r.mandate_rows[m.mandate_id]
        sw.update(row, S.norm("Debits Made"), Out(m.debits_made))
        if has_closed:
            sw.update(row, S.norm("Closed"), Out(m.closed))


def _finish(plan: P.WritePlan, o: Outcome, *, started: datetime, fingerprint: str, label: str) -> None:
    P.plan_close(plan, o, started=started, command=label, fingerprint=fingerprint)


def _stop(o: Outcome) -> bool:
    if o.errors:
        o.exit_code, o.result = 1, "Errors: nothing done"
        return True
    return False


def _next_collection_id(ids: Iterable[str]) -> str:
    n = 0
    for cid in ids:
        tail = cid[2:] if cid.upper().startswith("DD") else ""
        if tail.isdigit():
            n = max(n, int(tail))
    return f"DD{n + 1:04d}"


# --------------------------------------------------------------------------- the three modes


#: where a collection's pain.008 file goes on a workbook without a folder (xlwings Lite, Server)
FILE_SHEET = "SepaFile"


def file_sheet(xml: bytes) -> Table:
    """The pain.008 file as a report sheet: one line of the XML per row in column A, written as text (never
    a formula); column A copied into a text file gives the file again (its lines joined with newlines)."""
    t = Table(FILE_SHEET)
    for line in xml.decode("utf-8").splitlines():
        t.add(line)
    return t


@dataclass(slots=True)
class SepaRun:
    plan: P.WritePlan
    outcome: Outcome
    xml: bytes = b""
    collection_id: str = ""
    total: Decimal = ZERO


def collect(grids: dict[str, Grid], collection_date: date, *, run: int, created: datetime, file: str = "",
            version: str | None = None, collection_id: str | None = None) -> SepaRun:
    """Create a collection for ``collection_date`` and its pain.008 file (nothing is posted)."""
    r = read_sepa(grids)
    o = Outcome(command="sepa", run=run, result="", exit_code=0)
    o.issues = r.read.blocking_errors() + r.issues
    plan = P.WritePlan()
    version = version or r.format
    if version not in VERSIONS:
        o.issues.append(SheetIssue(SEPA_SETUP_SHEET, None, "Format", version, f"Format {version!r} is not one "
                                   f"of {', '.join(VERSIONS)}", "bad-choice"))
    if r.creditor is None:
        o.issues.append(SheetIssue(SEPA_SETUP_SHEET, None, "", None, "The workbook has no SEPASetup sheet with the "
                                   "creditor (Creditor Name, Creditor Identifier, Creditor IBAN, Creditor BIC)",
                                   "missing-sheet"))
    else:
        for p in check_creditor(r.creditor):
            o.issues.append(SheetIssue(SEPA_SETUP_SHEET, None, "Value", None, p, "bad-creditor"))
    if r.read.book.settings.company_currency != "EUR":
        o.issues.append(SheetIssue(S.SETTINGS_SHEET, None, "Company Currency", r.read.book.settings.company_currency,
                                   "SEPA direct debits need EUR as the company currency", "sepa-not-euro"))
    cid = collection_id or _next_collection_id(d.collection_id for d in r.debits)
    if any(d.collection_id == cid for d in r.debits):
        o.issues.append(SheetIssue(DIRECT_DEBIT.name, None, "Collection ID", cid,
                                   f"Collection {cid} already exists", "duplicate-collection"))
    if _stop(o):
        return SepaRun(plan, o)
    if collection_date < rows_today():
        o.issues.append(SheetIssue("", None, "", collection_date, f"The collection date {collection_date.isoformat()} "
                                   "is in the past; the bank will move or refuse it (BC: Reset Transfer Date).",
                                   "collection-date-past", WARNING))
    col = create_collection(r.read.book, r.mandates, collection_date, collection_id=cid,
                            active=[d for d in r.debits if d.active])
    o.issues.extend(resolve(i, r.read.index) for i in col.issues)
    if not col.entries:
        o.result = f"Nothing to collect on {collection_date.isoformat()}"
        return SepaRun(plan, o)
    assert r.creditor is not None
    xml = pain008(r.creditor, col.entries, message_id=cid, created=created, version=version)
    sw = plan.sheet(DIRECT_DEBIT)
    for d in col.entries:
        sw.appends.append(_debit_row(d, file=file))
    _mandate_updates(plan, r, col.mandates)
    total = col.total
    o.result = f"Collection {cid}: {len(col.entries)} debit(s), {total} EUR, {version}"
    return SepaRun(plan, o, xml=xml, collection_id=cid, total=total)


def _journal_rows(plan: P.WritePlan, read: ReadResult, posted: list[tuple[JournalLine, LineResult]]) -> None:
    sw = plan.sheet(S.JOURNAL)
    for ln, res in posted:
        row = {c.key: P.out(getattr(ln, c.field), c.kind, ln.currency or read.book.settings.company_currency)
               for c in S.JOURNAL.columns if c.field and not c.written and not (c.extension and not getattr(
                   ln, c.field))}
        row[S.norm("Status")] = Out(res.status)
        row[S.norm("Message")] = Out(res.message)
        row[S.norm("Posted Entry No.")] = Out(res.posted_entry_no)
        sw.appends.append(row)


def _next_line_no(read: ReadResult, grids: dict[str, Grid]) -> int:
    g = find(grids, S.JOURNAL.name)
    last_row = max((rw for rw, _ in g.rows), default=g.header_row) if g else 1
    return max([last_row, *read.journal_rows, *(ln.line_no for ln in read.book.journal)]) + 1


@dataclass(slots=True)
class _Chain:
    """Several core postings one after the other, merged into one set of writes."""

    book: Book
    ledger: tuple = ()
    changed: set[int] = field(default_factory=set)
    new_apps: list[Application] = field(default_factory=list)
    updated_apps: dict[int, Application] = field(default_factory=dict)
    new_gl: list[GLLine] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def absorb(self, s: Settlement) -> None:
        apps = {a.application_no: a for a in self.book.applications}
        for a in s.updated_applications:
            apps[a.application_no] = a
            if any(n.application_no == a.application_no for n in self.new_apps):
                self.new_apps = [a if n.application_no == a.application_no else n for n in self.new_apps]
            else:
                self.updated_apps[a.application_no] = a
        for a in s.new_applications:
            apps[a.application_no] = a
        self.new_apps.extend(s.new_applications)
        self.new_gl.extend(s.new_gl)
        self.changed |= set(s.changed_entry_nos)
        self.ledger = s.ledger
        self.book = dataclasses.replace(self.book, ledger=s.ledger, applications=tuple(apps.values()),
                                        gl=self.book.gl + s.new_gl, journal=())

    def plan(self, plan: P.WritePlan, read: ReadResult) -> None:
        P.plan_ledger(plan, read, self.book.ledger, frozenset(self.changed))
        P.plan_applications(plan, read, tuple(self.new_apps), tuple(self.updated_apps.values()), self.book.ledger)
        P.plan_gl(plan, read, tuple(self.new_gl))


def confirm(grids: dict[str, Grid], collection_id: str, *, run: int) -> SepaRun:
    """Post the payments of collection ``collection_id`` (every debit still File Created)."""
    r = read_sepa(grids)
    o = Outcome(command="sepa", run=run, result="", exit_code=0)
    o.issues = r.read.blocking_errors() + r.issues
    plan = P.WritePlan()
    debits = [d for d in r.debits if d.collection_id == collection_id]
    if not debits:
        o.issues.append(SheetIssue(DIRECT_DEBIT.name, None, "Collection ID", collection_id,
                                   f"Collection {collection_id} is not on the DirectDebit sheet", "unknown-collection"))
    lcy = r.read.book.settings.company_currency
    bank_ledger, _ = read_bank_ledger(grids, o.issues, lcy)
    if _stop(o):
        return SepaRun(plan, o)
    lines, issues = payment_lines(r.read.book, debits, first_line_no=_next_line_no(r.read, grids))
    o.issues.extend(resolve(i, r.read.index) for i in issues)
    if not lines:
        o.result = f"Collection {collection_id}: nothing to post"
        return SepaRun(plan, o, collection_id=collection_id)
    s = post_journal(dataclasses.replace(r.read.book, journal=tuple(ln for _, ln in lines)))
    o.issues.extend(resolve(i, r.read.index) for i in s.issues)
    if not s.posted:
        o.exit_code, o.result = 1, "Errors: nothing posted"
        return SepaRun(plan, o)
    chain = _Chain(r.read.book)
    chain.absorb(s)
    chain.plan(plan, r.read)
    bank = bank_entries(lines, s.new_gl, r.read.book.settings.accounts.bank, next_entry_no(bank_ledger))
    plan_bank_entries(plan, bank, lcy)
    results = {x.line_no: x for x in s.line_results}
    _journal_rows(plan, r.read, [(ln, results[ln.line_no]) for _, ln in lines])
    sw = plan.sheet(DIRECT_DEBIT)
    for d, ln in lines:
        row = r.debit_rows[d.transaction_id]
        sw.update(row, S.norm("Status"), Out(DebitStatus.POSTED.value))
        sw.update(row, S.norm("Payment Document No."), Out(ln.document_no))
        sw.update(row, S.norm("Message"), Out(results[ln.line_no].message))
    o.lines_posted = len(lines)
    o.new_entries, o.applications, o.gl_lines = len(lines), len(chain.new_apps), len(chain.new_gl)
    o.changed_entries = len([n for n in chain.changed if n in r.read.ledger_rows])
    total = sum((d.amount for d, _ in lines), ZERO)
    o.result = (f"Collection {collection_id}: {len(lines)} payment(s) posted, {total} EUR; {len(bank)} open "
                f"bank ledger entr{'y' if len(bank) == 1 else 'ies'}")
    return SepaRun(plan, o, collection_id=collection_id, total=total)


def reject(grids: dict[str, Grid], transaction_ids: list[str], *, run: int, return_date: date | None = None
           ) -> SepaRun:
    """Reject (return) debits by Transaction ID, or every debit of a collection by its ID."""
    r = read_sepa(grids)
    o = Outcome(command="sepa", run=run, result="", exit_code=0)
    o.issues = r.read.blocking_errors() + r.issues
    plan = P.WritePlan()
    chosen: list[DebitEntry] = []
    for t in transaction_ids:
        found = [d for d in r.debits if d.transaction_id == t or d.collection_id == t]
        if not found:
            o.issues.append(SheetIssue(DIRECT_DEBIT.name, None, "Transaction ID", t,
                                       f"No direct debit {t} on the DirectDebit sheet", "unknown-debit"))
        for d in found:
            if d.status is DebitStatus.REJECTED:
                o.issues.append(SheetIssue(DIRECT_DEBIT.name, r.debit_rows[d.transaction_id], "Status",
                                           d.status.value, f"Direct debit {d.transaction_id} is already rejected",
                                           "already-rejected", WARNING))
            elif d not in chosen:
                chosen.append(d)
    lcy = r.read.book.settings.company_currency
    bank_ledger, _ = read_bank_ledger(grids, o.issues, lcy)
    if _stop(o):
        return SepaRun(plan, o)
    chain = _Chain(r.read.book)
    line_no = _next_line_no(r.read, grids)
    journal: list[tuple[JournalLine, LineResult]] = []
    refunds: list[tuple[DebitEntry, JournalLine]] = []
    mandates = {m.mandate_id: m for m in r.mandates}
    for d in chosen:
        if d.status is DebitStatus.POSTED:
            pay_doc = d.payment_document_no or payment_document_no(d)
            apps = [a for a in chain.book.applications if a.applying_document_no == pay_doc
                    and a.applied_entry_no == d.entry_no and not a.unapplied and a.reverses_application_no is None]
            day = return_date or d.transfer_date
            for a in sorted(apps, key=lambda a: -a.application_no):
                s = unapply(chain.book, a.application_no, posting_date=max(day, a.posting_date))
                if not s.posted:
                    o.issues.extend(resolve(i, r.read.index) for i in s.issues)
                    break
                chain.absorb(s)
            if o.errors:
                break
            cur = next((e.currency for e in chain.book.ledger if e.document_no == pay_doc), "")
            ln = refund_line(dataclasses.replace(d, payment_document_no=pay_doc), day, line_no,
                             "" if cur == r.read.book.settings.company_currency else cur)
            s = post_journal(dataclasses.replace(chain.book, journal=(ln,)))
            o.issues.extend(resolve(i, r.read.index) for i in s.issues)
            if not s.posted:
                break
            chain.absorb(s)
            journal.append((ln, s.line_results[0]))
            refunds.append((d, ln))
            line_no += 1
        if d.mandate_id in mandates:
            mandates[d.mandate_id] = roll_back(mandates[d.mandate_id])
    if _stop(o):
        return SepaRun(plan, o)
    chain.plan(plan, r.read)
    _journal_rows(plan, r.read, journal)
    plan_bank_entries(plan, bank_entries(refunds, chain.new_gl, r.read.book.settings.accounts.bank,
                                         next_entry_no(bank_ledger)), lcy)
    _mandate_updates(plan, r, list(mandates.values()))
    sw = plan.sheet(DIRECT_DEBIT)
    for d in chosen:
        sw.update(r.debit_rows[d.transaction_id], S.norm("Status"), Out(DebitStatus.REJECTED.value))
        msg = "Returned: payment unapplied and refunded" if d.status is DebitStatus.POSTED else "Rejected"
        sw.update(r.debit_rows[d.transaction_id], S.norm("Message"), Out(msg))
    o.lines_posted = len(journal)
    o.new_entries, o.applications, o.gl_lines = len(journal), len(chain.new_apps), len(chain.new_gl)
    o.changed_entries = len([n for n in chain.changed if n in r.read.ledger_rows])
    o.result = f"{len(chosen)} direct debit(s) rejected, {len(journal)} refunded"
    return SepaRun(plan, o)


def execute_sepa(grids: dict[str, Grid], *, collection_date: date | None = None, file: str | Callable[[str], str] = "",
                 confirm_id: str | None = None, reject_ids: list[str] | None = None, return_date: date | None = None,
                 version: str | None = None, collection_id: str | None = None, started: datetime | None = None,
                 fingerprint: str = "", label: str = "sepa") -> SepaRun:
    """One mode on a workbook's grids, Issues and RunLog rows included (what a live workbook, the Excel
    macros, applies). ``file``: the XML file's name recorded on DirectDebit, or a function of the collection
    ID that gives it; the caller writes ``xml``."""
    started = started or datetime.now().replace(microsecond=0)
    run = next_run(grids)
    if callable(file) and not confirm_id and not reject_ids:
        collection_id = collection_id or _next_collection_id(
            str(f["collection_id"]) for _, f in read_sheet_rows(grids, DIRECT_DEBIT, [], "EUR"))
        file = file(collection_id)
    if confirm_id:
        sr = confirm(grids, confirm_id, run=run)
    elif reject_ids:
        sr = reject(grids, reject_ids, run=run, return_date=return_date)
    else:
        assert collection_date is not None
        sr = collect(grids, collection_date, run=run, created=started, file=str(file), version=version,
                     collection_id=collection_id)
    _finish(sr.plan, sr.outcome, started=started, fingerprint=fingerprint, label=label)
    return sr


# --------------------------------------------------------------------------- file wrapper


@locked_run("book_out")
def run_sepa_file(path: Path, *, collection_date: date | None = None, xml_out: Path | None = None,
                  confirm_id: str | None = None, reject_ids: list[str] | None = None,
                  return_date: date | None = None, version: str | None = None, collection_id: str | None = None,
                  book_out: Path | None = None, label: str = "sepa", engine: str = "auto") -> Outcome:
    """Open ``path``, run one mode, write the XML (collect) and the workbook atomically.

    The XML goes to a temporary file beside ``xml_out`` first and is renamed into place
    only after the workbook is saved, so a failed save leaves neither. The workbook is written by
    the zip-part writer (``engine`` as :func:`xlar.book.commands.run_file`).
    """
    book = open_file(Path(path), engine)
    started = datetime.now().replace(microsecond=0)
    run = next_run(book.grids)
    if confirm_id:
        sr = confirm(book.grids, confirm_id, run=run)
    elif reject_ids:
        sr = reject(book.grids, reject_ids, run=run, return_date=return_date)
    else:
        assert collection_date is not None and xml_out is not None
        sr = collect(book.grids, collection_date, run=run, created=started, file=Path(xml_out).name,
                     version=version, collection_id=collection_id)
    _finish(sr.plan, sr.outcome, started=started, fingerprint=book.fingerprint, label=label)
    tmp = None
    if sr.xml:
        assert xml_out is not None
        folder = Path(xml_out).parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=".~xlar-", suffix=".xml", dir=folder if str(folder) else ".")
            with os.fdopen(fd, "wb") as fh:
                fh.write(sr.xml)
        except OSError as exc:
            raise BookError(f"{xml_out}: cannot write the file ({exc.strerror or exc}); nothing was changed.") \
                from exc
    try:
        written = save_file(book, sr.plan, book_out, engine)
        if tmp is not None:
            os.replace(tmp, xml_out)  # type: ignore[arg-type]
            tmp = None
            sr.outcome.result += f"; file {xml_out}"
    finally:
        if tmp is not None:
            os.unlink(tmp)
    sr.outcome.workbook = str(path)
    sr.outcome.written_to = str(written)
    return sr.outcome

"""Bank sheets and the bank commands: import-statement, match, accept, reconcile.

Sheets (declared once here, listed in ``schema.SHEETS``): ``BankStatement``,
``MatchProposals`` and ``BankReconciliation`` (reports, rewritten by the command that
makes them), ``TextToAccount`` (mapping texts, learned rows included) and
``BankProfiles`` (CSV/XLSX column mappings and the bank account's Match Tolerance);
``BankLedger`` is declared, read and appended to in :mod:`xlar.book.bankledger`, which
``xlar sepa`` shares.

Money ``xlar sepa`` already posted (its BankLedger entries) is recognised by the ids a
statement line carries (:class:`xlar.core.sepa.BookedDebits`): ``match`` shows it,
``accept`` links the line to the entries instead of posting it, ``reconcile`` ties them.

Each command reads the grids, calls the core and returns a
:class:`~xlar.book.plan.WritePlan` plus an :class:`~xlar.book.commands.Outcome`; the
file wrapper applies it and saves atomically, exactly like ``xlar post``. ``accept``
posts through :func:`xlar.core.settle.post_journal`, the path ``xlar post`` uses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.bankfiles import (
    Parsed,
    Profile,
    StatementError,
    from_cells,
    parse_cells,
    parse_data,
    parse_file,
    renumber,
)
from xlar.book.bankledger import BANK_LEDGER, next_entry_no, plan_bank_entries, read_bank_ledger
from xlar.book.cells import read_text
from xlar.book.commands import Outcome, next_run
from xlar.book.files import BookError
from xlar.book.grid import Bound, Grid, find
from xlar.book.issues import SheetIssue, resolve
from xlar.book.plan import Out
from xlar.book.rows import ReadResult, read_book, read_sheet_rows
from xlar.book.schema import Column, Cur, Kind, SheetSpec
from xlar.book.sepa import DIRECT_DEBIT, debit_entries
from xlar.book.xlsxparts import locked_run, open_file, save_file
from xlar.core.bank import (
    BankLedgerEntry,
    Confidence,
    MappingTarget,
    StatementLine,
    TextMapping,
    account_gl,
    new_lines,
)
from xlar.core.match import (
    DIRECT_DEBIT_RULE,
    MAPPING_RULE,
    MatchSettings,
    OpenItemIndex,
    Party,
    Proposal,
    debit_in,
    difference_gl,
    journal_line,
    learned_mapping,
    match_statement,
    split_difference,
)
from xlar.core.matchrates import match_rates
from xlar.core.model import JournalLine, Severity
from xlar.core.reconcile import Reconciliation, reconcile
from xlar.core.sepa import Booked, BookedDebits, DebitEntry, DebitStatus
from xlar.core.settle import post_journal
from xlar.core.tables import Cell, CellKind, Emphasis, Table

C, K = Column, Kind

BANK_STATEMENT = SheetSpec("BankStatement", (
    C("Statement No.", "statement_no", required=True),
    C("Line No.", "line_no", K.INT, required=True),
    C("Transaction Date", "transaction_date", K.DATE, required=True),
    C("Amount", "amount", K.MONEY, required=True),
    C("Currency", "currency"),
    C("Payer Name", "payer_name"),
    C("Payer IBAN", "payer_iban"),
    C("Transaction Text", "text"),
    C("Reference", "reference"),
    C("Match Confidence", "confidence", written=True),
    C("Matched Customer No.", "customer_no", written=True),
    C("Matched Documents", "documents", K.LIST, written=True),
    C("Match Rule", "rule", written=True),
    C("Difference", "difference", K.MONEY, written=True),
    C("Status", "status", written=True),
    C("Matched Account No.", "account_no", written=True, extension=True),
    C("Match Score", "score", K.INT, written=True, extension=True),
    C("Posted Document No.", "posted_document_no", written=True, extension=True),
    C("Payer Address", "payer_address", extension=True),
    C("Statement Opening Balance", "opening_balance", K.MONEY, extension=True),
    C("Statement Ending Balance", "ending_balance", K.MONEY, extension=True),
    C("Source File", "source_file", extension=True),
    C("Source Line", "source_line", K.INT, extension=True),
    C("Import Key", "import_key", extension=True),
    C("Difference Account", "difference_account", extension=True),  # Transfer Difference to Account (G/L)
))

MATCH_PROPOSALS = SheetSpec("MatchProposals", tuple(C(h, f, k, currency=Cur.LCY) for h, f, k in (
    ("Statement No.", "statement_no", K.TEXT), ("Line No.", "line_no", K.INT), ("Rank", "rank", K.INT),
    ("Match Confidence", "confidence", K.TEXT), ("Match Rule", "rule", K.TEXT), ("Score", "score", K.INT),
    ("Customer No.", "customer_no", K.TEXT), ("Customer Name", "customer_name", K.TEXT),
    ("Account No.", "account_no", K.TEXT), ("Documents", "documents", K.LIST),
    ("Statement Amount", "statement_amount", K.MONEY), ("Applied Amount", "applied_amount", K.MONEY),
    ("Difference", "difference", K.MONEY), ("Related Party", "related_party", K.TEXT),
    ("Doc. No. Matched", "doc_no", K.TEXT), ("Amount Matched", "amount_match", K.TEXT),
    ("Name Score", "name_score", K.INT), ("Explanation", "explanation", K.TEXT))))

TEXT_TO_ACCOUNT = SheetSpec("TextToAccount", (
    C("Mapping Text", "mapping_text", required=True),
    C("Source Type", "target", K.CHOICE, choices=MappingTarget),
    C("Account No.", "account_no", required=True),
    C("Description", "description"),
    C("Learned", "learned", K.BOOL),
))

BANK_PROFILES = SheetSpec("BankProfiles", (
    C("Profile", "name", required=True),
    C("Delimiter", "delimiter"), C("Decimal Separator", "decimal"), C("Thousands Separator", "thousands"),
    C("Date Format", "date_format"), C("Skip Rows", "skip_rows", K.INT), C("Encoding", "encoding"),
    C("Date Column", "date"), C("Amount Column", "amount"), C("Debit Column", "debit"),
    C("Credit Column", "credit"), C("Currency Column", "currency"), C("Payer Name Column", "payer_name"),
    C("Payer IBAN Column", "payer_iban"), C("Text Column", "text"), C("Reference Column", "reference"),
    C("Statement No. Column", "statement_no"), C("Currency", "default_currency"),
    C("Match Tolerance Type", "tolerance_type"), C("Match Tolerance Value", "tolerance_value", K.DECIMAL),
))

BANK_RECONCILIATION = "BankReconciliation"
SHEETS = (BANK_STATEMENT, BANK_LEDGER, MATCH_PROPOSALS, TEXT_TO_ACCOUNT, BANK_PROFILES)
_PROFILE_FIELDS = {f.name for f in dataclasses.fields(Profile)}
_MANUAL = {"manual", "accepted"}
_DELIMS = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}


# --------------------------------------------------------------------------- reading

@dataclass(slots=True)
class BankRead:
    """The bank sheets read into records, with the Excel row of each."""

    lines: list[StatementLine] = field(default_factory=list)
    line_rows: dict[tuple[str, int], int] = field(default_factory=dict)
    line_extra: dict[tuple[str, int], dict[str, object]] = field(default_factory=dict)  # match columns
    ledger: list[BankLedgerEntry] = field(default_factory=list)
    ledger_rows: dict[int, int] = field(default_factory=dict)
    mappings: list[TextMapping] = field(default_factory=list)
    profiles: dict[str, dict[str, object]] = field(default_factory=dict)
    issues: list[SheetIssue] = field(default_factory=list)
    last_row: dict[str, int] = field(default_factory=dict)  # sheet -> last data row (for appends)


def read_bank(grids: dict[str, Grid], lcy: str = "EUR") -> BankRead:
    r = BankRead()
    line_fields = {f.name for f in dataclasses.fields(StatementLine)}
    for row, f in read_sheet_rows(grids, BANK_STATEMENT, r.issues, lcy, currency_field="currency"):
        key = (str(f["statement_no"]), int(f["line_no"]))  # type: ignore[call-overload]
        if key in r.line_rows:
            r.issues.append(SheetIssue(find(grids, BANK_STATEMENT.name).title, row, "Line No.", key[1],  # type: ignore
                                       f"Statement {key[0]} line {key[1]} is on the sheet twice",
                                       "duplicate-statement-line"))
            continue
        r.line_rows[key] = row
        r.line_extra[key] = {k: v for k, v in f.items() if k not in line_fields or k == "status"}
        given = {k: v for k, v in f.items() if k in line_fields}
        given["statement_no"], given["line_no"] = key
        if "currency" in given:
            given["currency"] = str(given["currency"]).upper()
        r.lines.append(StatementLine(**given))  # type: ignore[arg-type]
    r.ledger, r.ledger_rows = read_bank_ledger(grids, r.issues, lcy)
    for _, f in read_sheet_rows(grids, TEXT_TO_ACCOUNT, r.issues, lcy):
        r.mappings.append(TextMapping(**f))  # type: ignore[arg-type]
    for _, f in read_sheet_rows(grids, BANK_PROFILES, r.issues, lcy):
        r.profiles[S.norm(f["name"])] = f
    for spec in SHEETS:
        g = find(grids, spec.name)
        r.last_row[spec.name] = max((rw for rw, _ in g.rows), default=g.header_row) if g else 0
    return r


def _profile(r: BankRead, name: str | None) -> tuple[Profile | None, dict[str, object]]:
    if not name:
        first = next(iter(r.profiles.values()), None)
        return None, first or {}
    f = r.profiles.get(S.norm(name))
    if f is None:
        raise BookError(f"No profile {name!r} on the BankProfiles sheet", exit_code=2)
    kw = {k: v for k, v in f.items() if k in _PROFILE_FIELDS and v is not None}
    if "delimiter" in kw:
        kw["delimiter"] = _DELIMS.get(str(kw["delimiter"]).lower(), str(kw["delimiter"]))
    kw["name"] = str(f["name"])
    return Profile(**kw), f  # type: ignore[arg-type]


def match_settings(r: BankRead, book_read: ReadResult, profile: str | None = None) -> MatchSettings:
    _, f = _profile(r, profile) if profile else (None, next(iter(r.profiles.values()), {}))
    from xlar.core.dates import calc_date  # grace period as days

    grace = 0
    try:
        from datetime import date as _d
        base = _d(2000, 1, 1)
        grace = (calc_date(book_read.book.settings.payment_discount_grace_period, base) - base).days
    except Exception:  # noqa: BLE001 - a formula the reader already reported
        grace = 0
    return MatchSettings(tolerance_type=str(f.get("tolerance_type") or "Amount"),
                         tolerance_value=Decimal(str(f.get("tolerance_value") or 0)), grace_days=grace,
                         reference_scheme=book_read.book.settings.payment_reference_scheme.code)


def parties(read: ReadResult) -> list[Party]:
    """Customers with their IBANs and address (Customers columns core ``Customer`` does not hold)."""
    grid = find(read.grids, S.CUSTOMERS.name)
    names = {c.customer_no: c.name for c in read.book.customers}
    if grid is None:
        return [Party(customer_no=n, name=v) for n, v in names.items()]
    b = Bound.bind(grid, S.CUSTOMERS)
    out = []
    for _, vals in grid.rows:
        no = read_text(b.value(vals, S.CUSTOMERS.by_key["customerno"]) or "")
        if no not in names:
            continue
        iban = read_text(b.value(vals, S.CUSTOMERS.by_key["iban"]) or "")
        addr = read_text(b.value(vals, S.CUSTOMERS.by_key["address"]) or "")
        out.append(Party(customer_no=no, name=names[no], address=addr,
                         ibans=tuple(x.strip() for x in iban.replace(",", ";").split(";") if x.strip())))
    return out


# --------------------------------------------------------------------------- writing helpers

_READ_COLUMNS = tuple(c for c in BANK_STATEMENT.columns if not c.written)  # what an import fills


def _line_row(ln: StatementLine) -> dict[str, Out]:
    return P.record_row(ln, _READ_COLUMNS, ln.currency)


def report_table(name: str, header: list[str], rows: list[list[object]], currency: str,
                 title_rows: list[list[object]] | None = None) -> Table:
    """A bank report as a core :class:`~xlar.core.tables.Table`: title block, a frozen heading, typed cells.

    Every backend (openpyxl, the zip-part writer, xlwings) renders the same table, so the
    report looks the same whichever way the command ran.
    """
    t = Table(name)
    for tr in title_rows or []:
        t.add(*(_cell(v, currency) for v in tr), emphasis=Emphasis.TITLE if not t.rows else Emphasis.NONE)
    if title_rows:
        t.blank()
    t.add(*header, emphasis=Emphasis.HEADER)
    t.header_rows = len(t.rows)
    for row in rows:
        t.add(*(_cell(v, currency) for v in row))
    return t


def _cell(v: object, currency: str) -> Cell | object:
    if isinstance(v, Cell):
        return v
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return Cell(v)
    if isinstance(v, Decimal):
        return Cell(v, CellKind.MONEY, currency)
    if isinstance(v, date):
        return Cell(v, CellKind.DATE)
    if isinstance(v, int):
        return Cell(v, CellKind.INT)
    if isinstance(v, (tuple, list)):
        return Cell(", ".join(str(x) for x in v))
    return Cell(str(v))


@dataclass(slots=True)
class BankRun:
    """What a bank command computed: the plan (report sheets in ``plan.reports``) and the outcome."""

    plan: P.WritePlan
    outcome: Outcome


def _finish(run: BankRun, grids: dict[str, Grid], started: datetime, fingerprint: str, label: str) -> BankRun:
    o = run.outcome
    o.issues.sort(key=lambda i: (i.sheet, i.row or 0))
    P.plan_close(run.plan, o, started=started, command=label, fingerprint=fingerprint)
    return run


def execute_bank(grids: dict[str, Grid], command: str, *, started: datetime | None = None, fingerprint: str = "",
                 label: str = "", **options: object) -> BankRun:
    """A bank command on a workbook's grids, Issues and RunLog rows included: what a live workbook (the
    Excel macros) applies. ``options`` are those of :func:`run_bank_file`; import-statement reads
    ``options["file"]`` (the statement file, not the workbook). Raises ``BookError`` like the file path."""
    started = started or datetime.now().replace(microsecond=0)
    run = next_run(grids)
    if command == "import-statement":
        try:
            kw = {"profile": _profile(read_bank(grids), options.get("profile"))[0],  # type: ignore[arg-type]
                  "statement_no": str(options.get("statement_no") or ""),
                  "currency": read_book(grids).book.settings.company_currency}
            if "pasted" in options:
                parsed = parse_pasted(options["pasted"], **kw)  # type: ignore[arg-type]
            else:
                parsed = parse_file(Path(str(options["file"])), **kw)  # type: ignore[arg-type]
        except StatementError as exc:
            raise BookError(str(exc)) from exc
        br = import_statement(grids, parsed, run=run)
    elif command == "match":
        br = match(grids, run=run, profile=options.get("profile"))  # type: ignore[arg-type]
    elif command == "accept":
        br = accept(grids, run=run, min_confidence=str(options.get("min_confidence") or "High"),
                    skip_errors=bool(options.get("skip_errors")))
    elif command == "reconcile":
        br = reconcile_statement(grids, str(options["statement_no"]), run=run,
                                 ending_balance=options.get("ending_balance"),  # type: ignore[arg-type]
                                 balance_last_statement=options.get("balance_last_statement"),  # type: ignore
                                 date_tolerance_days=int(options.get("date_tolerance_days") or 3))  # type: ignore
    else:
        raise ValueError(command)
    return _finish(br, grids, started, fingerprint, label or command)


# --------------------------------------------------------------------------- a statement pasted into a sheet

#: where a statement is pasted when there is no file to choose (xlwings Lite, Server): CSV or statement text
#: (CAMT.053 XML, MT940, BAI2, OFX) as lines in column A, or a table with its header row
PASTE_SHEET = "StatementPaste"


@dataclass(slots=True)
class Pasted:
    """What the ``StatementPaste`` sheet holds: the text (bytes) or the table rows, and its name."""

    data: bytes | None
    rows: list[list[object]] | None
    name: str


def pasted(cells: list[list[object]]) -> Pasted | None:
    """The statement on the paste sheet (its used range's cells), None when the sheet is empty. Its name,
    which a CSV's statement number defaults to, is ``PASTE-`` and the first 8 hex digits of a SHA-256 of
    what was pasted: the same paste imported twice adds nothing, another one is another statement."""
    data, rows, key = from_cells(cells)
    if data is None and rows is None:
        return None
    return Pasted(data, rows, f"PASTE-{key[:8]}")


def parse_pasted(p: Pasted, **kw: object) -> Parsed:
    """:func:`statements.parse_data` (text) or :func:`statements.parse_cells` (a table) on a paste: the same
    readers as ``xlar import-statement`` on a file."""
    if p.data is not None:
        return parse_data(p.data, p.name, **kw)  # type: ignore[arg-type]
    assert p.rows is not None
    return parse_cells(p.rows, p.name, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- commands

def import_statement(grids: dict[str, Grid], parsed: Parsed, *, run: int) -> BankRun:
    read = read_book(grids)
    bank = read_bank(grids, read.book.settings.company_currency)
    o = Outcome(command="import-statement", run=run, result="", exit_code=0)
    o.issues = list(bank.issues) + [SheetIssue("", None, "", None, p, "bad-statement-line", Severity.WARNING)
                                    for p in parsed.problems]
    plan = P.WritePlan()
    fresh = list(new_lines(tuple(bank.lines), tuple(parsed.lines)))
    taken: dict[str, int] = {}
    for st, n in bank.line_rows:
        taken[st] = max(taken.get(st, 0), n)
    if any(ln.statement_no in taken for ln in fresh):
        fresh = renumber(fresh, taken)
    sw = plan.sheet(BANK_STATEMENT)
    for ln in fresh:
        sw.appends.append(_line_row(ln))
    o.lines_posted = len(fresh)
    o.exit_code = 1 if o.errors else 0
    skipped = len(parsed.lines) - len(fresh)
    o.result = f"Imported {len(fresh)} line(s) ({parsed.format})" + (
        f", {skipped} already imported" if skipped else "")
    if o.errors:
        plan = P.WritePlan()
        o.result = "Errors: nothing imported"
    return BankRun(plan, o)


def _open(ln: StatementLine, extra: dict[str, object]) -> bool:
    return norm_status(ln.status) not in ("posted", "reconciled") and \
        S.norm(extra.get("confidence") or "") not in _MANUAL


def norm_status(s: object) -> str:
    return S.norm(s or "")


def read_debits(grids: dict[str, Grid]) -> tuple[list[DebitEntry], dict[str, int]]:
    """The DirectDebit sheet's collection entries (``xlar sepa``) and their rows by Transaction ID."""
    if find(grids, DIRECT_DEBIT.name) is None:
        return [], {}
    out, rows = [], {}
    for row, d in debit_entries(grids, []):
        out.append(d)
        rows[d.transaction_id.upper()] = row
    return out, rows


def match(grids: dict[str, Grid], *, run: int, profile: str | None = None) -> BankRun:
    read = read_book(grids)
    bank = read_bank(grids, read.book.settings.company_currency)
    o = Outcome(command="match", run=run, result="", exit_code=0)
    o.issues = [i for i in read.issues if i.is_error] + bank.issues
    plan = P.WritePlan()
    if o.errors:
        o.exit_code, o.result = 1, "Errors: nothing matched"
        return BankRun(plan, o)
    settings = match_settings(bank, read, profile)
    debits = read_debits(grids)[0]
    idx = OpenItemIndex(read.book.ledger, parties(read), bank.mappings, debits,
                        BookedDebits(debits, bank.ledger) if debits else None)
    todo = [ln for ln in bank.lines if _open(ln, bank.line_extra[(ln.statement_no, ln.line_no)])]
    props = match_statement([dataclasses.replace(ln, status="") for ln in todo], idx, settings)
    names = {c.customer_no: c.name for c in read.book.customers}
    by_line = {(ln.statement_no, ln.line_no): ln for ln in todo}
    sw = plan.sheet(BANK_STATEMENT)
    rows: list[list[object]] = []
    counts: dict[str, int] = {}
    for p in props:
        ln = by_line[(p.statement_no, p.line_no)]
        rows.append([p.statement_no, p.line_no, p.rank, p.confidence.value, p.rule, p.score, p.customer_no,
                     names.get(p.customer_no, ""), p.account_no, p.documents, Cell(ln.amount, CellKind.MONEY,
                     ln.currency), Cell(p.applied_amount, CellKind.MONEY, ln.currency),
                     Cell(p.difference, CellKind.MONEY, ln.currency), p.related_party.value if p.customer_no else "",
                     p.doc_no.value if p.customer_no else "", p.amount_match.value if p.customer_no else "",
                     p.name_score, p.explanation])
        if p.rank != 1:
            continue
        counts[p.confidence.value] = counts.get(p.confidence.value, 0) + 1
        row = bank.line_rows[(p.statement_no, p.line_no)]
        for key, v in (("matchconfidence", Out(p.confidence.value)), ("matchedcustomerno", Out(p.customer_no)),
                       ("matcheddocuments", P.out(p.documents, Kind.LIST)), ("matchrule", Out(p.rule)),
                       ("difference", P.out(p.difference, Kind.MONEY, ln.currency)),
                       ("matchedaccountno", Out(p.account_no)), ("matchscore", Out(p.score))):
            sw.update(row, key, v)
    run_ = BankRun(plan, o)
    plan.reports.append(report_table(MATCH_PROPOSALS.name, MATCH_PROPOSALS.headers, rows,
                                     read.book.settings.company_currency))
    o.lines_posted = len(todo)
    o.result = f"Matched {len(todo)} line(s): " + ", ".join(
        f"{k} {counts.get(k, 0)}" for k in ("High", "Medium", "Low", "None")) + "; " + match_rates(todo, props).text()
    return run_


_MIN = {"high": 3, "medium": 2, "low": 1, "none": 0}


def accept(grids: dict[str, Grid], *, run: int, min_confidence: str = "High", skip_errors: bool = False) -> BankRun:
    read = read_book(grids, need=())
    lcy = read.book.settings.company_currency
    bank = read_bank(grids, lcy)
    o = Outcome(command="accept", run=run, result="", exit_code=0)
    o.issues = [i for i in read.blocking_errors()] + bank.issues
    plan = P.WritePlan()
    if o.errors:
        o.exit_code, o.result = 1, "Errors: nothing posted"
        return BankRun(plan, o)
    need = _MIN[min_confidence.lower()]
    journal_grid = find(grids, S.JOURNAL.name)
    next_row = (max((r for r, _ in journal_grid.rows), default=journal_grid.header_row) if journal_grid else 1) + 1
    taken_line_nos = {ln.line_no for ln in read.book.journal} | set(read.journal_rows)
    gl_next = max((g.entry_no for g in read.book.gl), default=0) + 1
    jl: list[tuple[StatementLine, JournalLine, bool]] = []
    gl_only: list[tuple[StatementLine, str]] = []
    known_docs = {e.document_no for e in read.book.ledger}
    differences: dict[int, tuple[Decimal, str]] = {}  # journal line no. -> (difference, G/L account)
    open_docs: dict[tuple[str, str], object] | None = None
    debits, debit_rows = read_debits(grids)
    booked = BookedDebits(debits, bank.ledger) if debits else None
    links: list[tuple[StatementLine, Booked]] = []  # lines whose money xlar sepa already posted
    for ln in bank.lines:
        ex = bank.line_extra[(ln.statement_no, ln.line_no)]
        if norm_status(ln.status) in ("posted", "reconciled"):
            continue
        b = booked.find(ln) if booked is not None else None
        if b is not None and b.debits:  # never posted twice, whatever the confidence
            if b.entries:
                links.append((ln, b))
            else:
                o.issues.append(SheetIssue(BANK_STATEMENT.name, bank.line_rows[(ln.statement_no, ln.line_no)],
                                           "Reference", ln.reference or ln.text, b.problem,
                                           "direct-debit-already-posted", Severity.WARNING))
            continue
        conf = S.norm(ex.get("confidence") or "")
        manual = conf in _MANUAL
        to_account = str(ex.get("difference_account") or "").strip()  # the user's decision: post the line
        if not manual and not to_account and _MIN.get(conf, 0) < need:
            continue
        if (ex.get("account_no") or to_account) and not ex.get("customer_no"):
            gl_only.append((ln, str(ex.get("account_no") or to_account)))  # Difference = whole amount
            continue
        cust = str(ex.get("customer_no") or "")
        if not cust or ln.amount <= 0:
            continue
        docs = tuple(d for d in (ex.get("documents") or ()) if d in known_docs)  # type: ignore[union-attr]
        p = Proposal(statement_no=ln.statement_no, line_no=ln.line_no, rank=1, confidence=Confidence.HIGH,
                     rule=str(ex.get("rule") or ""), score=0, customer_no=cust, documents=docs)
        while next_row in taken_line_nos:
            next_row += 1
        amount = None
        if to_account and docs:
            if open_docs is None:
                open_docs = {(e.customer_no, e.document_no): e for e in read.book.ledger if e.open}
            entries = [open_docs[(cust, d)] for d in docs if (cust, d) in open_docs]
            due, diff = split_difference(ln, entries, match_settings(bank, read).grace_days)  # type: ignore
            if diff and due > 0:
                amount = due
                differences[next_row] = (diff, to_account)
        jl.append((ln, journal_line(ln, p, next_row, amount), manual))
        taken_line_nos.add(next_row)
        next_row += 1
    s = post_journal(dataclasses.replace(read.book, journal=tuple(j for _, j, _ in jl)), skip_errors=skip_errors)
    o.issues.extend(resolve(i, read.index) for i in s.issues)
    if not s.posted:
        o.exit_code, o.result = 1, "Errors: nothing posted"
        for i in s.issues:
            o.issues.append(SheetIssue(BANK_STATEMENT.name, None, "", None, i.problem, i.code, i.severity))
        return BankRun(plan, o)
    results = {r.line_no: r for r in s.line_results}
    P.plan_ledger(plan, read, s.ledger, s.changed_entry_nos)
    P.plan_applications(plan, read, s.new_applications, s.updated_applications, s.ledger)
    gl_next = max([g.entry_no for g in s.new_gl] + [gl_next - 1]) + 1
    new_gl = list(s.new_gl)
    bank_next = next_entry_no(bank.ledger)
    jsw, ssw, msw = plan.sheet(S.JOURNAL), plan.sheet(BANK_STATEMENT), plan.sheet(TEXT_TO_ACCOUNT)
    known_maps = {(m.mapping_text.upper(), m.account_no) for m in bank.mappings}
    by_tx = {d.transaction_id.upper(): d for d in debits}
    done = 0

    def posted(ln: StatementLine, doc: str, desc: str) -> None:
        nonlocal bank_next, done
        plan_bank_entries(plan, [BankLedgerEntry(
            entry_no=bank_next, posting_date=ln.transaction_date, document_no=doc, description=desc,
            amount=ln.amount, statement_no=ln.statement_no, statement_line_no=ln.line_no)], lcy)
        bank_next += 1
        row = bank.line_rows[(ln.statement_no, ln.line_no)]
        ssw.update(row, "status", Out("Posted"))
        ssw.update(row, "posteddocumentno", Out(doc))
        done += 1

    for ln, j, manual in jl:
        r = results.get(j.line_no)
        if r is None or r.status != "Posted":
            o.lines_failed += 1
            continue
        row = {c.key: P.out(getattr(j, c.field), c.kind, ln.currency or lcy) for c in S.JOURNAL.columns
               if c.field and c.field != "status" and getattr(j, c.field) not in (None, "", (), False)}
        row.update({"status": Out("Posted"), "message": Out(r.message), "postedentryno": Out(r.posted_entry_no)})
        jsw.appends.append(row)
        posted(ln, j.document_no, j.description)
        if j.line_no in differences:
            diff, account = differences[j.line_no]
            pair = difference_gl(ln, diff, account, read.book.settings.accounts.bank, gl_next)
            gl_next += 2
            new_gl.extend(pair)
        d = debit_in(ln, by_tx) if bank.line_extra[(ln.statement_no, ln.line_no)].get("rule") == \
            DIRECT_DEBIT_RULE else None
        if d is not None and d.status is DebitStatus.FILE_CREATED:
            dsw = plan.sheet(DIRECT_DEBIT)
            drow = debit_rows[d.transaction_id.upper()]
            dsw.update(drow, "status", Out(DebitStatus.POSTED.value))
            dsw.update(drow, "paymentdocumentno", Out(j.document_no))
            dsw.update(drow, "message", Out(f"Posted from bank statement {ln.statement_no} line {ln.line_no}"))
        if manual:
            m = learned_mapping(ln, j.customer_no)
            if m is not None and (m.mapping_text.upper(), m.account_no) not in known_maps:
                known_maps.add((m.mapping_text.upper(), m.account_no))
                msw.appends.append({"mappingtext": Out(m.mapping_text), "sourcetype": Out(m.target.value),
                                    "accountno": Out(m.account_no), "description": Out(m.description),
                                    "learned": Out(True)})
    for ln, account in gl_only:
        pair = account_gl(ln, account, read.book.settings.accounts.bank, gl_next)
        gl_next += 2
        new_gl.extend(pair)
        posted(ln, pair[0].document_no, ln.text or MAPPING_RULE)
    for ln, b in links:  # BC: the line is applied to the bank ledger entries, nothing is posted
        lsw = plan.sheet(BANK_LEDGER)
        for e in b.entries:
            lsw.update(bank.ledger_rows[e.entry_no], "statementno", Out(ln.statement_no))
            lsw.update(bank.ledger_rows[e.entry_no], "statementlineno", Out(ln.line_no))
        docs = [e.document_no for e in b.entries]
        row = bank.line_rows[(ln.statement_no, ln.line_no)]
        ssw.update(row, "status", Out("Posted"))
        ssw.update(row, "posteddocumentno", Out(", ".join(docs) if len(docs) <= 3 else
                                                f"{docs[0]} .. {docs[-1]} ({len(docs)} entries)"))
    P.plan_gl(plan, read, tuple(new_gl))
    o.lines_posted = done
    o.new_entries = len([e for e in s.ledger if e.entry_no not in read.ledger_rows])
    o.applications = len(s.new_applications)
    o.gl_lines = len(new_gl)
    o.result = (f"Posted {done} statement line(s)" if done else "Nothing to accept" if not links else
                "Posted nothing") + (f", {o.lines_failed} not posted" if o.lines_failed else "") + (
        f"; {len(links)} line(s) already posted by xlar sepa linked to their bank ledger entries" if links else "")
    return BankRun(plan, o)


def reconcile_statement(grids: dict[str, Grid], statement_no: str, *, run: int,
                        ending_balance: Decimal | None = None, balance_last_statement: Decimal | None = None,
                        date_tolerance_days: int = 3) -> BankRun:
    read = read_book(grids)
    bank = read_bank(grids, read.book.settings.company_currency)
    o = Outcome(command="reconcile", run=run, result="", exit_code=0)
    o.issues = list(bank.issues)
    plan = P.WritePlan()
    if not any(ln.statement_no == statement_no for ln in bank.lines):
        raise BookError(f"Statement {statement_no!r} is not on the BankStatement sheet", exit_code=2)
    rec = reconcile(statement_no, bank.lines, _booked_linked(grids, bank, statement_no),
                    balance_last_statement=balance_last_statement, ending_balance=ending_balance,
                    date_tolerance_days=date_tolerance_days)
    run_ = BankRun(plan, o)
    plan.reports.append(_reconciliation_report(rec, read.book.settings.company_currency))
    if rec.complete:
        lsw, ssw = plan.sheet(BANK_LEDGER), plan.sheet(BANK_STATEMENT)
        for line_no, entry_no in rec.matches:
            row = bank.ledger_rows[entry_no]
            lsw.update(row, "open", Out(False))
            lsw.update(row, "statementno", Out(statement_no))
            lsw.update(row, "statementlineno", Out(line_no))
            ssw.update(bank.line_rows[(statement_no, line_no)], "status", Out("Reconciled"))
        o.result = f"Reconciled statement {statement_no}: difference 0.00"
    else:
        o.exit_code = 1
        o.result = f"Not reconciled: {'; '.join(rec.problems)}"
    o.lines_posted = len(rec.matches)
    return run_


def _booked_linked(grids: dict[str, Grid], bank: BankRead, statement_no: str) -> list[BankLedgerEntry]:
    """The bank ledger with the lines of ``statement_no`` that no entry names yet linked, in memory, to the
    entries of money ``xlar sepa`` already posted that they stand for (what ``accept`` would link), so a
    collection reconciles without running match and accept first."""
    debits = read_debits(grids)[0]
    if not debits:
        return bank.ledger
    booked = BookedDebits(debits, bank.ledger)
    named = {e.statement_line_no for e in bank.ledger if e.statement_no == statement_no}
    link: dict[int, int] = {}
    for ln in bank.lines:
        if ln.statement_no != statement_no or ln.line_no in named:
            continue
        b = booked.find(ln)
        if b is not None and b.entries and not any(e.entry_no in link for e in b.entries):
            link.update((e.entry_no, ln.line_no) for e in b.entries)
    return [dataclasses.replace(e, statement_no=statement_no, statement_line_no=link[e.entry_no])
            if e.entry_no in link else e for e in bank.ledger]


def _reconciliation_report(rec: Reconciliation, currency: str) -> Table:
    title = [
        ["Bank Reconciliation", f"Statement {rec.statement_no}"],
        ["Statement Date", rec.statement_date],
        ["Balance Last Statement", rec.balance_last_statement],
        ["Statement Ending Balance", rec.statement_ending_balance],
        ["Total Balance", rec.total_balance],
        ["Book Balance", rec.book_balance],
        ["Outstanding Bank Transactions", rec.outstanding_bank_transactions],
        ["Outstanding Checks", rec.outstanding_checks],
        ["Bank Account Balance", rec.bank_account_balance],
        ["Difference", rec.difference],
        ["Status", "Complete" if rec.complete else "Not complete: " + "; ".join(rec.problems)],
    ]
    header = ["Section", "Statement Line No.", "Entry No.", "Date", "Document No.", "Description", "Amount"]
    rows: list[list[object]] = []
    for line_no, entry_no in rec.matches:
        rows.append(["Matched", line_no, entry_no, None, "", "", None])
    for ln in rec.unmatched_lines:
        rows.append(["Unmatched statement line", ln.line_no, None, ln.transaction_date, "", ln.text, ln.amount])
    for e in rec.outstanding:
        rows.append(["Outstanding check" if e.type.lower() == "check" else "Outstanding bank transaction", None,
                     e.entry_no, e.posting_date, e.document_no, e.description, e.amount])
    return report_table(BANK_RECONCILIATION, header, rows, currency, title)


# --------------------------------------------------------------------------- file wrapper

@locked_run()
def run_bank_file(path: Path, command: str, *, out: Path | None = None, label: str = "", engine: str = "auto",
                  **options: object) -> Outcome:
    """Open ``path``, run a bank command, write atomically (to ``out`` when given).

    The reports go in ``plan.reports``; the zip-part writer keeps the rest of the book (``engine``
    as :func:`xlar.book.commands.run_file`).
    """
    book = open_file(Path(path), engine)
    started = datetime.now().replace(microsecond=0)
    run = next_run(book.grids)
    if command == "import-statement":
        try:
            parsed = parse_file(Path(str(options["file"])), profile=_profile(read_bank(book.grids),
                                                                             options.get("profile"))[0],  # type: ignore
                                statement_no=str(options.get("statement_no") or ""),
                                currency=read_book(book.grids).book.settings.company_currency)
        except StatementError as exc:
            raise BookError(str(exc)) from exc
        br = import_statement(book.grids, parsed, run=run)
    elif command == "match":
        br = match(book.grids, run=run, profile=options.get("profile"))  # type: ignore[arg-type]
    elif command == "accept":
        br = accept(book.grids, run=run, min_confidence=str(options.get("min_confidence") or "High"),
                    skip_errors=bool(options.get("skip_errors")))
    elif command == "reconcile":
        br = reconcile_statement(book.grids, str(options["statement_no"]), run=run,
                                 ending_balance=options.get("ending_balance"),  # type: ignore[arg-type]
                                 balance_last_statement=options.get("balance_last_statement"),  # type: ignore
                                 date_tolerance_days=int(options.get("date_tolerance_days") or 3))  # type: ignore
    else:
        raise ValueError(command)
    _finish(br, book.grids, started, book.fingerprint, label or command)
    written = save_file(book, br.plan, out, engine)
    br.outcome.workbook = str(path)
    br.outcome.written_to = str(written)
    return br.outcome

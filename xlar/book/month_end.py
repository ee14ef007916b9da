"""``xlar month-end``: aging, tie-out, statements, reminders, finance charges and KPIs on a workbook.

Reads the book (``rows.read_book``) plus the collection sheets declared here
(``ReminderTerms``, ``FinanceChargeTerms``, the customers' ``Reminder Terms`` / ``Fin.
Charge Terms`` codes and the ``CollectionEntries`` trail), calls the core and returns a
:class:`~xlar.book.plan.WritePlan` (new Ledger, GLEntries and CollectionEntries rows
when documents are issued; Issues; RunLog; the report tables in ``plan.reports``).
:func:`run_month_end` applies it to the file through the zip-part writer and saves
atomically: a failed run leaves the book untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.commands import Outcome, next_run
from xlar.book.grid import Grid
from xlar.book.issues import SheetIssue, resolve
from xlar.book.rows import read_book, read_sheet_rows
from xlar.book.schema import Column, Kind, SheetSpec
from xlar.book.unapplied import read_notes
from xlar.book.xlsxparts import locked_run, open_file, save_file
from xlar.core.dunning import (
    FINANCE_CHARGE,
    REMINDER,
    CollectionEntry,
    Collections,
    FinanceChargeTerms,
    InterestMethod,
    ReminderLevel,
    ReminderTerms,
)
from xlar.core.model import Severity
from xlar.core.money import ZERO
from xlar.core.month_end import close_month
from xlar.core.tables import Table

C = Column
K = Kind

REMINDER_TERMS = SheetSpec(
    "ReminderTerms",
    (
        C("Code", "code", required=True),
        C("Level", "level", K.INT, required=True),
        C("Grace Period", "grace_period", K.FORMULA),
        C("Due Date Formula", "due_date_formula", K.FORMULA),
        C("Additional Fee", "additional_fee", K.MONEY, currency=S.Cur.LCY),
        C("Calculate Interest", "calculate_interest", K.BOOL),
        # extensions: the terms' own fields, given on any row of the code
        C("Max. No. of Reminders", "max_reminders", K.INT, extension=True),
        C("Minimum Amount", "minimum_amount", K.MONEY, extension=True, currency=S.Cur.LCY),
        C("Post Interest", "post_interest", K.BOOL, extension=True),
        C("Post Additional Fee", "post_additional_fee", K.BOOL, extension=True),
    ),
)

FINANCE_CHARGE_TERMS = SheetSpec(
    "FinanceChargeTerms",
    (
        C("Code", "code", required=True),
        C("Interest Rate %", "interest_rate", K.DECIMAL, required=True),
        C("Interest Period (Days)", "interest_period_days", K.INT),
        C("Interest Calculation Method", "method", K.CHOICE, choices=InterestMethod),
        C("Grace Period", "grace_period", K.FORMULA),
        C("Minimum Amount", "minimum_amount", K.MONEY, currency=S.Cur.LCY),
        C("Additional Fee", "additional_fee", K.MONEY, currency=S.Cur.LCY),
        C("Due Date Formula", "due_date_formula", K.FORMULA, extension=True),
        C("Post Interest", "post_interest", K.BOOL, extension=True),
        C("Post Additional Fee", "post_additional_fee", K.BOOL, extension=True),
    ),
)

#: the trail of issued reminders and finance charge memos (extension; BC Reminder/Fin. Charge Entries)
COLLECTION_ENTRIES = SheetSpec(
    "CollectionEntries",
    (
        C("Entry No.", "entry_no", K.INT, required=True),
        C("Type", "kind", required=True),
        C("Document No.", "document_no", required=True),
        C("Document Date", "document_date", K.DATE, required=True),
        C("Due Date", "due_date", K.DATE, required=True),
        C("Customer No.", "customer_no", required=True),
        C("Customer Entry No.", "customer_entry_no", K.INT, required=True),
        C("Reminder Level", "level", K.INT),
        C("Remaining Amount", "remaining_amount", K.DECIMAL),
        C("Interest Amount", "interest", K.DECIMAL),
    ),
)

_CUSTOMER_CODES = SheetSpec(
    "Customers",
    (C("Customer No.", "customer_no"), C("Reminder Terms", "reminder_terms"), C("Fin. Charge Terms", "fin_charge")),
)

#: report sheets this command rewrites
REPORTS = ("Aging", "Statements", "Reminders", "FinanceCharges", "UnappliedCash")


# --------------------------------------------------------------------------- reading


def read_collections(grids: dict[str, Grid], lcy: str, exps: dict[str, int] | None) -> tuple[
        Collections, list[SheetIssue]]:
    """Terms, customer codes and the trail of issued documents; bad cells become issues."""
    issues: list[SheetIssue] = []
    levels: dict[str, list[ReminderLevel]] = {}
    head: dict[str, dict[str, object]] = {}
    names: dict[str, str] = {}
    for _, f in read_sheet_rows(grids, REMINDER_TERMS, issues, lcy, exps):
        code = str(f["code"]).upper()
        names.setdefault(code, str(f["code"]))
        levels.setdefault(code, []).append(ReminderLevel(
            level=int(f["level"]), grace_period=str(f.get("grace_period", "0D")),  # type: ignore[call-overload]
            due_date_formula=str(f.get("due_date_formula", "0D")),
            additional_fee=f.get("additional_fee", ZERO),  # type: ignore[arg-type]
            calculate_interest=bool(f.get("calculate_interest", False))))
        h = head.setdefault(code, {})
        for k in ("max_reminders", "minimum_amount", "post_interest", "post_additional_fee"):
            if k in f:
                h.setdefault(k, f[k])
    rterms = tuple(ReminderTerms(code=names[c], levels=tuple(sorted(lv, key=lambda x: x.level)),
                                 **head[c]) for c, lv in levels.items())  # type: ignore[arg-type]
    fterms = []
    for _, f in read_sheet_rows(grids, FINANCE_CHARGE_TERMS, issues, lcy, exps):
        fterms.append(FinanceChargeTerms(**f))  # type: ignore[arg-type]
    rcodes: dict[str, str] = {}
    fcodes: dict[str, str] = {}
    for _, f in read_sheet_rows(grids, _CUSTOMER_CODES, issues, lcy, exps):
        no = str(f.get("customer_no", ""))
        if f.get("reminder_terms"):
            rcodes[no] = str(f["reminder_terms"])
        if f.get("fin_charge"):
            fcodes[no] = str(f["fin_charge"])
    log = []
    for _, f in read_sheet_rows(grids, COLLECTION_ENTRIES, issues, lcy, exps):
        f.setdefault("level", 0)
        log.append(CollectionEntry(**f))  # type: ignore[arg-type]
    return Collections(reminder_terms=rterms, finance_charge_terms=tuple(fterms), customer_reminder_terms=rcodes,
                       customer_fin_charge_terms=fcodes, log=tuple(log)), issues


# --------------------------------------------------------------------------- the command

@dataclass(slots=True)
class MonthEndOutcome(Outcome):
    as_of: str = ""
    aging_total_lcy: str = ""
    ledger_lcy: str = ""
    gl_lcy: str = ""
    tie_difference: str = ""
    reminders: int = 0
    finance_charges: int = 0
    issued: bool = False
    statements: int = 0
    reports: list[str] = field(default_factory=list)
    currency_exponents: dict[str, int] | None = None  # how report money is formatted (not in --json)
    documents: int = 0  # PDFs prepared (--documents)
    documents_dir: str = ""
    prepared: object | None = None  # xlar.book.documents.Prepared: the files to write (not in --json)

    def to_json(self) -> dict[str, object]:
        d = Outcome.to_json(self)
        d.update({"as_of": self.as_of, "aging_total_lcy": self.aging_total_lcy, "ledger_lcy": self.ledger_lcy,
                  "gl_lcy": self.gl_lcy, "tie_difference": self.tie_difference,
                  "ties": self.tie_difference in ("0", "0.00", "0.000", ""),
                  "reminders": self.reminders, "finance_charges": self.finance_charges, "issued": self.issued,
                  "statements": self.statements, "reports": self.reports})
        if self.documents_dir:
            d.update({"documents": self.documents, "documents_dir": self.documents_dir})
        return d


@dataclass(frozen=True, slots=True)
class MonthEndOptions:
    as_of: date
    start: date | None = None  # statements and KPIs: default the first day of the as-of month
    period_length: str = "30D"
    periods: int = 3
    issue: bool = False  # post the reminders and finance charge memos
    statements: bool = True
    documents: Path | None = None  # write a PDF per statement, reminder and memo here (xlar.book.documents)
    eml: bool = False  # and one .eml per customer

    @property
    def period_start(self) -> date:
        return self.start or self.as_of.replace(day=1)


def execute_month_end(grids: dict[str, Grid], opts: MonthEndOptions, *, started: datetime | None = None,
                      fingerprint: str = "", label: str = "month-end") -> tuple[P.WritePlan, list[Table],
                                                                                 MonthEndOutcome]:
    """Everything month end writes, computed before anything is written."""
    started = started or datetime.now().replace(microsecond=0)
    read = read_book(grids)
    run = next_run(grids)
    o = MonthEndOutcome(command="month-end", run=run, result="", exit_code=0, as_of=opts.as_of.isoformat(),
                        issued=opts.issue)
    book = read.book
    lcy = book.settings.company_currency
    exps = dict(book.settings.currency_exponents) or None
    col, col_issues = read_collections(grids, lcy, exps)
    issues = [i for i in read.issues if not (i.sheet == _journal_title(read) and i.is_error)]
    issues += col_issues
    unposted = sum(1 for ln in book.journal if ln.status != "Posted")
    if unposted:
        issues.append(SheetIssue("Journal", None, "", None, f"{unposted} journal line(s) are not posted; month end "
                                 "reports the ledger without them", "unposted-journal", Severity.WARNING))
    plan = P.WritePlan()
    tables: list[Table] = []
    blocking = [i for i in issues if i.is_error]
    if not blocking:
        me = close_month(book, col, opts.as_of, start=opts.period_start, period_length=opts.period_length,
                         periods=opts.periods, issue_documents=opts.issue, with_statements=opts.statements,
                         unapplied_notes=read_notes(grids))  # Owner / Reason typed on the last UnappliedCash
        tables = me.tables
        if opts.documents is not None:  # the PDFs in memory and the Outbox report; the caller writes the files
            from xlar.book.documents import prepare

            prep = prepare(grids, me, opts.documents, eml=opts.eml, ledger=book.ledger,
                           scheme=book.settings.payment_reference_scheme.code)
            tables = [*tables, prep.outbox]
            issues.extend(prep.issues)
            o.prepared, o.documents, o.documents_dir = prep, len(prep.documents), str(opts.documents)
        dun, tie = me.dunning, me.tie
        issues.extend(resolve(i, read.index) for i in dun.issues)
        if dun.new_entries or dun.new_log:
            new_ledger = book.ledger + dun.new_entries
            o.new_entries = P.plan_ledger(plan, read, new_ledger, frozenset())
            P.plan_gl(plan, read, dun.new_gl)
            _plan_log(plan, dun.new_log, {e.entry_no: e.currency for e in new_ledger}, lcy, exps)
            o.gl_lines = len(dun.new_gl)
        o.statements = len(me.statements)
        o.reminders = sum(1 for d in dun.documents if d.kind == REMINDER)
        o.finance_charges = sum(1 for d in dun.documents if d.kind == FINANCE_CHARGE)
        o.aging_total_lcy = str(me.aging.total_lcy)
        o.ledger_lcy, o.gl_lcy, o.tie_difference = str(tie.ledger_lcy), str(tie.gl_lcy), str(tie.difference)
        o.reports = [t.name for t in tables]
        if not tie.ties:
            issues.append(SheetIssue("Aging", None, "", str(tie.difference),
                                     f"The customer ledger ({tie.ledger_lcy}) does not tie to G/L account "
                                     f"{tie.account} ({tie.gl_lcy}) as of {opts.as_of.isoformat()}: difference "
                                     f"{tie.difference}", "tie-out-difference", Severity.WARNING))
        o.result = ("Issued" if opts.issue and (o.reminders or o.finance_charges) else "Reported") + \
            ("" if tie.ties else ", does not tie to the G/L")
    else:
        o.exit_code = 1
        o.result = "Errors: nothing reported or posted"
    o.currency_exponents = exps
    o.issues = issues
    plan.reports, plan.exps = list(tables), exps
    if issues:
        P.plan_issues(plan, run, issues)
    P.plan_runlog(plan, run=run, started=started, command=label, fingerprint=fingerprint,
                  lines_posted=o.reminders + o.finance_charges if opts.issue else 0, warnings=o.warnings,
                  errors=o.errors, result=o.result)
    return plan, tables, o


def _journal_title(read: object) -> str | None:
    b = read.index.bound.get("Journal")  # type: ignore[attr-defined]
    return b.grid.title if b is not None else None


def _plan_log(plan: P.WritePlan, log: tuple[CollectionEntry, ...], cur_of: dict[int, str], lcy: str,
              exps: dict[str, int] | None) -> None:
    sw = plan.sheet(COLLECTION_ENTRIES)
    for c in log:
        cur = cur_of.get(c.customer_entry_no, lcy)
        row = {}
        for col in COLLECTION_ENTRIES.columns:
            v = getattr(c, col.field)
            row[col.key] = P.out(v, K.MONEY if isinstance(v, Decimal) else col.kind, cur, exps)
        sw.appends.append(row)


@locked_run()
def run_month_end(path: Path, opts: MonthEndOptions, *, out: Path | None = None,
                  label: str = "month-end", engine: str = "auto") -> MonthEndOutcome:
    """Open ``path``, run month end, write the plan and the reports (``plan.reports``), save atomically.

    ``engine`` as :func:`xlar.book.commands.run_file`: the zip-part writer keeps every part of
    the book it does not rewrite (charts, images, pivots, VBA) byte for byte.
    """
    book = open_file(Path(path), engine)
    plan, _, outcome = execute_month_end(book.grids, opts, fingerprint=book.fingerprint, label=label)
    if outcome.prepared is not None and opts.documents is not None:  # first the files: a failure leaves the book
        from xlar.book.documents import write_files

        write_files(opts.documents, outcome.prepared.files())  # type: ignore[attr-defined]
    written = save_file(book, plan, out, engine)
    outcome.workbook = str(path)
    outcome.written_to = str(written)
    return outcome

"""``xlar collections``: the Collections worklist and the promises on the Activities sheet.

Reads the book (``rows.read_book``), the ``Activities`` sheet (the collector's calls,
e-mails, letters and promises to pay), the reminder trail (``CollectionEntries``, via
:func:`xlar.book.month_end.read_collections`) and the Settings ``Priority Weight ...`` and
``Promise Tolerance`` rows; calls :mod:`xlar.core.worklist`; writes the ``Collections``
report (``plan.reports``) and each promise's ``Status`` and ``Amount Paid`` on the
Activities sheet. Before the report is rewritten, :func:`read_notes` collects the
collector's ``Owner``, ``Next Action`` and ``Note`` from the old sheet, keyed by ``Customer
No.`` (found by header, so moved columns still read), and the new report writes them
next to the same customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.cells import CellError, is_blank, read_cell, read_text
from xlar.book.commands import Outcome, next_run
from xlar.book.grid import Grid, find
from xlar.book.issues import SheetIssue
from xlar.book.month_end import read_collections
from xlar.book.rows import ReadResult, read_book, read_sheet_rows
from xlar.book.schema import Column, Kind, SheetSpec, norm
from xlar.book.xlsxparts import locked_run, open_file, save_file
from xlar.core.model import Severity
from xlar.core.money import ZERO
from xlar.core.worklist import (
    ACTIVITIES as ACTIVITIES_NAME,
)
from xlar.core.worklist import (
    NAME,
    Activity,
    ActivityType,
    PriorityWeights,
    PromiseStatus,
    worklist,
    worklist_table,
)

C = Column
K = Kind

#: the collector's log: calls, e-mails, letters, notes and promises to pay (extension sheet)
ACTIVITIES = SheetSpec(
    ACTIVITIES_NAME,
    (
        C("Date", "activity_date", K.DATE, required=True, extension=True),
        C("Customer No.", "customer_no", required=True, extension=True),
        C("Type", "kind", K.CHOICE, required=True, choices=ActivityType, extension=True),
        C("Text", "text", extension=True),
        C("Promised Amount", "promised_amount", K.MONEY, extension=True),
        C("Promised Date", "promised_date", K.DATE, extension=True),
        C("Status", "status", written=True, extension=True),
        C("Amount Paid", "", K.MONEY, written=True, extension=True),
    ),
)


@dataclass(slots=True)
class CollectionsOutcome(Outcome):
    as_of: str = ""
    customers: int = 0
    overdue_lcy: str = ""
    promises_kept: int = 0
    promises_broken: int = 0
    promises_open: int = 0

    def to_json(self) -> dict[str, object]:
        d = Outcome.to_json(self)
        d.update({"as_of": self.as_of, "customers": self.customers, "overdue_lcy": self.overdue_lcy,
                  "promises_kept": self.promises_kept, "promises_broken": self.promises_broken,
                  "promises_open": self.promises_open})
        return d


# --------------------------------------------------------------------------- reading

def _date_or_text(v: object) -> object:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return read_text(v).strip()


def read_notes(grids: dict[str, Grid]) -> dict[str, tuple[str, object, str]]:
    """Customer no. -> (Owner, Next Action, Note) from the previous Collections sheet; rows with none left out."""
    grid = find(grids, NAME)
    if grid is None:
        return {}
    notes: dict[str, tuple[str, object, str]] = {}
    pos: tuple[int, int, int, int] | None = None
    for _, vals in [(grid.header_row, grid.headers), *grid.rows]:
        keys = [norm(v) for v in vals]
        if all(k in keys for k in ("customerno", "owner", "nextaction", "note")):
            pos = (keys.index("customerno"), keys.index("owner"), keys.index("nextaction"), keys.index("note"))
            continue
        if pos is None or pos[0] >= len(vals) or is_blank(vals[pos[0]]):
            continue
        no = read_text(vals[pos[0]]).strip()

        owner, nxt, note = (vals[i] if i < len(vals) and not is_blank(vals[i]) else None for i in pos[1:])
        if owner is None and nxt is None and note is None:
            continue
        notes[no] = ("" if owner is None else read_text(owner).strip(), None if nxt is None else _date_or_text(nxt),
                     "" if note is None else read_text(note).strip())
    return notes


_WEIGHTS = (("overdue_amount", "collections.overdue_amount"), ("days_overdue", "collections.days_overdue"),
            ("broken_promises", "collections.broken_promises"), ("credit_limit_use", "collections.credit_limit_use"))


def _setting(read: ReadResult, fld: str) -> object | None:
    """A Settings value by its ``SettingSpec`` field (None: blank, absent or unreadable; rows.settings has
    already reported a bad one)."""
    row = read.index.settings_rows.get(fld)
    if row is None or is_blank(row[1]):
        return None
    spec = S.SETTINGS_BY_FIELD[fld]
    lcy = read.book.settings.company_currency
    try:
        return read_cell(row[1], Column(spec.name, spec.field, spec.kind, currency=S.Cur.LCY), lcy,
                         dict(read.book.settings.currency_exponents) or None)
    except CellError:
        return None


def read_weights(read: ReadResult, issues: list[SheetIssue]) -> PriorityWeights:
    got: dict[str, Decimal] = {}
    for name, fld in _WEIGHTS:
        v = _setting(read, fld)
        if v is None:
            continue
        assert isinstance(v, Decimal)
        if v < 0:
            spec = S.SETTINGS_BY_FIELD[fld]
            issues.append(SheetIssue(read.index.settings_title, read.index.settings_rows[fld][0], S.VALUE_HEADER, v,
                                     f"{spec.name}: a weight cannot be negative", "bad-setting"))
            continue
        got[name] = v
    return PriorityWeights(**got)


def read_activities(grids: dict[str, Grid], lcy: str, exps: dict[str, int] | None, issues: list[SheetIssue]
                    ) -> list[Activity]:
    """The good rows of the Activities sheet (keyed by their Excel row); bad cells become issues."""
    out = []
    for row, f in read_sheet_rows(grids, ACTIVITIES, issues, lcy, exps):
        out.append(Activity(key=row, activity_date=f["activity_date"], customer_no=str(f["customer_no"]),  # type: ignore[arg-type]
                            kind=f["kind"], text=str(f.get("text", "")),  # type: ignore[arg-type]
                            promised_amount=f.get("promised_amount"),  # type: ignore[arg-type]
                            promised_date=f.get("promised_date"), status=str(f.get("status", ""))))  # type: ignore[arg-type]
    return out


# --------------------------------------------------------------------------- the command

def execute_collections(grids: dict[str, Grid], as_of: date, *, period_length: str = "30D", periods: int = 3,
                        started: datetime | None = None, fingerprint: str = "", label: str = "collections"
                        ) -> tuple[P.WritePlan, CollectionsOutcome]:
    """The worklist and the promises' statuses, computed before anything is written."""
    started = started or datetime.now().replace(microsecond=0)
    read = read_book(grids)
    run = next_run(grids)
    o = CollectionsOutcome(command="collections", run=run, result="", exit_code=0, as_of=as_of.isoformat())
    book = read.book
    lcy = book.settings.company_currency
    exps = dict(book.settings.currency_exponents) or None
    journal = read.index.bound["Journal"].grid.title if "Journal" in read.index.bound else None
    issues = [i for i in read.issues if not (i.sheet == journal and i.is_error)]  # the journal is not read here
    col, col_issues = read_collections(grids, lcy, exps)
    issues += col_issues
    weights = read_weights(read, issues)
    tol = _setting(read, "collections.promise_tolerance")
    activities = read_activities(grids, lcy, exps, issues)
    known = {c.customer_no for c in book.customers}
    for a in activities:
        if a.customer_no not in known:
            issues.append(SheetIssue(ACTIVITIES.name, a.key, "Customer No.", a.customer_no,
                                     f"Customer {a.customer_no!r} is not on the Customers sheet", "unknown-customer",
                                     Severity.WARNING))
    plan = P.WritePlan()
    if any(i.is_error for i in issues):
        o.exit_code, o.result = 1, "Errors: no worklist written"
    else:
        wl = worklist(book, as_of, activities=activities, log=col.log, weights=weights,
                      notes=read_notes(grids), tolerance=tol if isinstance(tol, Decimal) else ZERO,
                      period_length=period_length, periods=periods)
        t = worklist_table(book, wl, weights)
        plan.reports.append(t)
        plan.exps = exps
        sw = plan.sheet(ACTIVITIES)
        cur = {c.customer_no: (c.currency or lcy) for c in book.customers}
        for p in wl.promises:
            sw.update(p.activity.key, "status", P.out(p.status.value, K.TEXT))
            sw.update(p.activity.key, "amountpaid", P.out(p.paid, K.MONEY, cur.get(p.activity.customer_no, lcy),
                                                          exps))
        o.customers = len(wl.items)
        o.overdue_lcy = str(sum((i.overdue_lcy for i in wl.items), ZERO))
        o.promises_kept = sum(p.status is PromiseStatus.KEPT for p in wl.promises)
        o.promises_broken = sum(p.status is PromiseStatus.BROKEN for p in wl.promises)
        o.promises_open = sum(p.status is PromiseStatus.OPEN for p in wl.promises)
        o.result = (f"{o.customers} customer(s) to work; promises: {o.promises_open} open, {o.promises_kept} kept, "
                    f"{o.promises_broken} broken")
    o.issues = issues
    P.plan_close(plan, o, started=started, command=label, fingerprint=fingerprint, lines_posted=0)
    return plan, o



@locked_run()
def run_collections(path: Path, as_of: date, *, out: Path | None = None, period_length: str = "30D",
                    periods: int = 3, label: str = "collections", engine: str = "auto") -> CollectionsOutcome:
    """Open ``path``, build the worklist, rewrite the Collections sheet, save atomically (to ``out`` when given)."""
    book = open_file(Path(path), engine)
    plan, o = execute_collections(book.grids, as_of, period_length=period_length, periods=periods,
                                  fingerprint=book.fingerprint, label=label)
    written = save_file(book, plan, out, engine)
    o.workbook, o.written_to = str(path), str(written)
    return o

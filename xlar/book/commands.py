"""The commands as ``grids -> core -> write plan``, plus the file wrapper the CLI uses.

:func:`execute` knows nothing about files: it reads grids (from openpyxl or xlwings),
calls the core and returns a :class:`~xlar.book.plan.WritePlan` and an :class:`Outcome`.
:func:`run_file` opens a workbook file, executes, applies the plan and saves atomically.

A run with errors posts nothing: it writes only the Issues rows, the journal lines'
Status / Message and a RunLog row, and exits 1. ``--skip-errors`` posts the good journal
lines and marks the bad ones; errors outside journal lines (a bad ledger row, a missing
column, a bad setting) stop every run.
"""

from __future__ import annotations

import dataclasses
import gc
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.cells import read_int
from xlar.book.credit import screen_credit
from xlar.book.grid import Grid, find
from xlar.book.issues import SheetIssue, resolve
from xlar.book.posted import plan_posted, refuse_reposts, warn_duplicate_documents
from xlar.book.rows import ReadResult, read_book
from xlar.book.safeguards import screen_journal
from xlar.book.xlsxparts import PartsBook, locked_run, open_file, save_file
from xlar.core.model import LineResult, Settlement, Severity
from xlar.core.remainders import small_remainders
from xlar.core.settle import apply_entries, post_journal, unapply

COMMANDS = ("post", "apply", "unapply", "check")
_NEED = {"post": ("Journal",), "check": (), "apply": ("Ledger",), "unapply": ("Applications",)}


@dataclass(slots=True)
class Outcome:
    """What a run did, for the summary, ``--json`` and the RunLog."""

    command: str
    run: int
    result: str
    exit_code: int
    lines_posted: int = 0
    lines_failed: int = 0
    new_entries: int = 0
    changed_entries: int = 0
    applications: int = 0
    gl_lines: int = 0
    issues: list[SheetIssue] = field(default_factory=list)
    workbook: str = ""
    written_to: str = ""

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity is Severity.WARNING)

    def to_json(self) -> dict[str, object]:
        return {
            "command": self.command, "workbook": self.workbook, "written_to": self.written_to, "run": self.run,
            "result": self.result, "exit_code": self.exit_code, "lines_posted": self.lines_posted,
            "lines_with_errors": self.lines_failed, "new_entries": self.new_entries,
            "changed_entries": self.changed_entries, "applications": self.applications,
            "gl_lines": self.gl_lines, "errors": self.errors, "warnings": self.warnings,
            "issues": [
                {"sheet": i.sheet, "row": i.row, "column": i.column, "value": _jsonable(i.value),
                 "problem": i.problem, "code": i.code, "severity": i.severity.value}
                for i in self.issues
            ],
        }


def _jsonable(v: object) -> object:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return str(v)


def next_run(grids: dict[str, Grid]) -> int:
    """1 + the highest Run on the RunLog sheet."""
    g = find(grids, S.RUN_LOG.name)
    if g is None:
        return 1
    keys = [S.norm(h) for h in g.headers]
    if "run" not in keys:
        return 1
    pos = keys.index("run")
    best = 0
    for _, vals in g.rows:
        try:
            best = max(best, read_int(vals[pos]))
        except (ValueError, IndexError):
            continue
    return best + 1


def _hold(read: ReadResult, message: str) -> dict[int, LineResult]:
    """Every unposted journal line: not posted, with ``message``."""
    return {ln.line_no: LineResult(line_no=ln.line_no, status="", message=message)
            for ln in read.book.journal if ln.status != "Posted"}


def execute(grids: dict[str, Grid], command: str, *, started: datetime | None = None, fingerprint: str = "",
            skip_errors: bool = False, applies_to_id: str | None = None, application_no: int | None = None,
            posting_date: date | None = None, label: str = "", repost: bool = False) -> tuple[P.WritePlan, Outcome]:
    """Run ``command`` on a workbook's grids; nothing is written here, the plan says what to write."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    started = started or datetime.now().replace(microsecond=0)
    read = read_book(grids, need=_NEED[command])
    run = next_run(grids)
    outcome = Outcome(command=command, run=run, result="", exit_code=0)
    issues = list(read.issues)
    blocking = read.blocking_errors()
    results: dict[int, LineResult] = {}
    s: Settlement | None = None
    post_it = False
    try:
        if command in ("post", "check"):
            issues += refuse_reposts(read, grids, repost=repost and command == "post")  # posted before (PostedLines)
            issues += warn_duplicate_documents(read)  # applies-to naming two open entries of a customer
            issues += screen_journal(read)  # Remittance sheet, duplicate payments: line errors, never blocking
            issues += screen_credit(read)  # credit limit (warning or line error) and overdue balance warnings
            dry = command == "check" or bool(blocking) or (bool(read.bad_lines) and not skip_errors)
            if not blocking:
                s = post_journal(read.book, skip_errors=skip_errors or dry)
                for r in s.line_results:
                    results[r.line_no] = r
            results.update({n: LineResult(line_no=n, status="Error", message=m) for n, m in read.bad_lines.items()})
            if command == "check":
                results = {n: r if r.status == "Error" else LineResult(
                    line_no=n, status="", message="Checked: ready to post.") for n, r in results.items()}
            elif dry:
                reason = "the workbook has errors (see Issues)" if blocking else \
                    f"{sum(1 for r in results.values() if r.status == 'Error')} journal line(s) have errors"
                held = _hold(read, f"Not posted: {reason}.")
                results = {n: r if r.status == "Error" else held.get(n, r) for n, r in results.items()} | {
                    n: r for n, r in held.items() if n not in results}
            post_it = not dry and s is not None and s.posted
        elif blocking:
            pass
        elif command == "apply":
            s = apply_entries(read.book, applies_to_id=applies_to_id)
            post_it = s.posted
        else:
            assert application_no is not None
            s = unapply(read.book, application_no, posting_date=posting_date)
            post_it = s.posted
    except Exception as exc:  # noqa: BLE001 - a bug in a rule: reported as an issue, nothing posted
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        issues.append(SheetIssue("", None, "", None, f"xlar failed: {type(exc).__name__}: {exc}{where}; "
                                 "nothing was posted. Please report this.", "internal-error"))
        s, post_it = None, False
        results = _hold(read, "Not posted: xlar failed (see Issues).") if command == "post" else {}
    if s is not None:
        issues.extend(resolve(i, read.index) for i in s.issues)
        if post_it or command == "check":  # what the posting leaves open (check: would leave)
            issues.extend(resolve(i, read.index) for i in small_remainders(s, read.book.settings))
    sheet_order = {name: i for i, name in enumerate(grids)}
    issues.sort(key=lambda i: (sheet_order.get(i.sheet, len(sheet_order)), i.row or 0))
    outcome.issues = issues
    plan = P.WritePlan()
    if post_it and s is not None:
        new = P.plan_ledger(plan, read, s.ledger, s.changed_entry_nos)
        P.plan_applications(plan, read, s.new_applications, s.updated_applications, s.ledger)
        P.plan_gl(plan, read, s.new_gl)
        outcome.new_entries = new
        outcome.changed_entries = len([n for n in s.changed_entry_nos if n in read.ledger_rows])
        outcome.applications = len(s.new_applications)
        outcome.gl_lines = len(s.new_gl)
    outcome.lines_posted = sum(1 for r in results.values() if r.status == "Posted") if post_it else 0
    outcome.lines_failed = sum(1 for r in results.values() if r.status == "Error")
    if results:
        P.plan_journal(plan, read, results)
    outcome.exit_code = 0 if (post_it or (command == "check" and not outcome.errors)) else 1
    outcome.result = _result(command, outcome, post_it)
    if issues:
        P.plan_issues(plan, run, issues)
    P.plan_runlog(plan, run=run, started=started, command=label or command, fingerprint=fingerprint,
                  lines_posted=outcome.lines_posted, warnings=outcome.warnings, errors=outcome.errors,
                  result=outcome.result)
    if post_it and command == "post":  # what was posted, by content: a line posted again is refused
        plan_posted(plan, read, results, run)
    return plan, outcome


def _result(command: str, o: Outcome, posted: bool) -> str:
    if command == "check":
        return "OK" if not o.errors else "Errors"
    if not posted:
        return "Errors: nothing posted"
    if command == "post":
        if o.lines_failed:
            return f"Posted, {o.lines_failed} line(s) skipped"
        return "Posted" if o.lines_posted else "Nothing to post"
    if command == "apply":
        return "Applied" if o.applications else "Nothing to apply"
    return "Unapplied"


def _release_freed_memory() -> None:
    """Hand the heap pages the read freed (the grids' cells, the records) back to the OS before the
    writer inflates the biggest sheet (600 MB of XML at a million rows): glibc keeps freed heap
    memory for reuse, and a new large buffer is mapped afresh beside it, so the peak would be the
    read's memory plus the sheet. ``malloc_trim`` is glibc's; elsewhere this does nothing."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError, TypeError):  # not glibc (macOS, Windows, musl)
        pass


@locked_run()
def run_file(path: Path, command: str, *, out: Path | None = None, label: str = "", engine: str = "auto",
             **options: object) -> Outcome:
    """Open ``path``, run ``command``, write the result atomically (to ``out`` when given).

    ``engine``: ``auto`` writes only the changed sheet parts of the zip (``xlsxparts``) and
    falls back to openpyxl for what that writer does not handle; ``parts`` / ``openpyxl``
    force one path. Raises :class:`~xlar.book.files.BookError` when the file cannot be read
    or saved; the workbook is then unchanged.
    """
    # a big book allocates millions of objects that all live to the end of the run: the cyclic
    # collector would walk them again and again (15-20% of a run) and find nothing to free
    collecting = gc.isenabled()
    gc.disable()
    try:
        book = open_file(Path(path), engine)
        plan, outcome = execute(book.grids, command, fingerprint=book.fingerprint, label=label,
                                **options)  # type: ignore[arg-type]
        if isinstance(book, PartsBook):  # the part writer needs only the headers: the cells go now
            book.grids = {t: dataclasses.replace(g, rows=[], uncalculated=set()) for t, g in book.grids.items()}
            _release_freed_memory()
        written = save_file(book, plan, out, engine)
    finally:
        if collecting:
            gc.enable()
    outcome.workbook = str(path)
    outcome.written_to = str(written)
    return outcome

"""The Excel macros: the CLI commands, run on the open workbook.

Each macro takes an ``xw.Book`` (any engine: classic desktop, xlwings Lite, xlwings
Server) and runs the same book-layer code as the ``xlar`` command: read every sheet
once (``xlar.book.excel``), ``execute`` the command, write the plan as blocks. On the
desktop, screen updating and automatic calculation are off while it runs and the status
bar shows progress. Problems are shown as a message and on the Issues sheet, never as a
Python traceback.

Classic desktop (RunPython, Windows and Mac), from a button or the ribbon::

    RunPython "import xlar.macros as m; m.post()"

With no book given, a macro works on ``xw.Book.caller()``. xlwings Lite and Server use
the ``@script`` wrappers in :mod:`xlar.lite`.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from xlar.book import excel
from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.cells import CellError, read_int
from xlar.book.commands import Outcome, execute, next_run
from xlar.book.issues import SheetIssue

TITLE = "xlar"
_REMOTE = {"remote", "officejs", "calamine"}

# Filled by match/accept/reconcile/month-end once their book-layer commands exist (see the add-in issue).
TODO_MACROS = ("import_statement", "match", "accept", "reconcile", "month_end", "sepa")


def _caller(book: Any) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


class _Excel:
    """Screen updating, calculation, status bar and messages: on the desktop; what the remote engine allows."""

    def __init__(self, book: Any) -> None:
        self.book = book
        try:
            self.app = book.app
            self.desktop = self.app.engine.name not in _REMOTE
        except Exception:  # noqa: BLE001 - an object without an app: no UI at all
            self.app, self.desktop = None, False

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        if not self.desktop:
            yield
            return
        try:
            props = self.app.properties(screen_updating=False, calculation="manual")
            props.__enter__()
        except Exception:  # noqa: BLE001 - an Excel that refuses: run with updating on
            props = None
        try:
            yield
        finally:
            if props is not None:
                with contextlib.suppress(Exception):
                    props.__exit__(None, None, None)
            self.status(None)

    def status(self, text: str | None) -> None:
        if self.desktop:
            with contextlib.suppress(Exception):
                self.app.status_bar = f"{TITLE}: {text}" if text else False

    def alert(self, message: str) -> None:
        if self.app is None:
            return
        with contextlib.suppress(Exception):
            self.app.alert(message, title=TITLE)


def summary(o: Outcome) -> str:
    """One message for the user: what happened and where the problems are."""
    text = f"{o.command}: {o.result} (run {o.run})."
    if o.command in ("post", "check"):
        text += f"\nJournal lines posted: {o.lines_posted}, with errors: {o.lines_failed}."
    if o.command != "check" and (o.new_entries or o.changed_entries or o.applications):
        text += (f"\nNew ledger entries: {o.new_entries}, entries changed: {o.changed_entries}, "
                 f"applications: {o.applications}, G/L lines: {o.gl_lines}.")
    if o.issues:
        text += f"\n{o.errors} error(s), {o.warnings} warning(s): see the Issues sheet."
        first = next((i for i in o.issues if i.is_error), o.issues[0])
        where = first.sheet + (f" row {first.row}" if first.row is not None else "")
        text += f"\nFirst: {where}: {first.problem}"
    return text


def run(book: Any, command: str, *, label: str = "", alert: bool = True, **options: object) -> Outcome:
    """Run ``command`` on the live ``book``: read once, execute, write once. Never raises."""
    ui = _Excel(book)
    started = datetime.now().replace(microsecond=0)
    live: excel.LiveBook | None = None
    with ui.quiet():
        try:
            ui.status(f"{command}: reading the workbook ...")
            live = excel.read_book(book)
            ui.status(f"{command}: working ...")
            plan, outcome = execute(live.grids, command, started=started, fingerprint=live.fingerprint,
                                    label=label or command, **options)  # type: ignore[arg-type]
            ui.status(f"{command}: writing ...")
            excel.apply_plan(live, plan)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never as a traceback dialog
            outcome = _failed(book, live, command, label or command, started, exc)
    outcome.workbook = _name(book)
    outcome.written_to = outcome.workbook
    if alert and (outcome.exit_code or command == "check"):
        ui.alert(summary(outcome))
    return outcome


def _failed(book: Any, live: excel.LiveBook | None, command: str, label: str, started: datetime,
            exc: Exception) -> Outcome:
    """The run stopped outside the accounting rules (a table in the way, Excel refused a write):
    the problem goes to the Issues sheet and RunLog when the book can still be written."""
    if isinstance(exc, excel.LiveBookError):
        problem = f"{exc}. Nothing was posted."
    else:
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        problem = f"xlar failed: {type(exc).__name__}: {exc}{where}; nothing was posted. Please report this."
    issue = SheetIssue("", None, "", None, problem, "internal-error" if not isinstance(
        exc, excel.LiveBookError) else "book-error")
    run_no = next_run(live.grids) if live is not None else 1
    outcome = Outcome(command=command, run=run_no, result="Failed", exit_code=1, issues=[issue])
    if live is None:
        return outcome
    plan = P.WritePlan()
    P.plan_issues(plan, run_no, [issue])
    P.plan_runlog(plan, run=run_no, started=started, command=label, fingerprint=live.fingerprint,
                  lines_posted=0, warnings=0, errors=1, result="Failed")
    with contextlib.suppress(Exception):  # if even this fails, the message box still tells the user
        # a LiveBookError is raised before the first write; after anything else, read what is there now
        excel.apply_plan(live if isinstance(exc, excel.LiveBookError) else excel.read_book(book), plan)
    return outcome


def _name(book: Any) -> str:
    try:
        return str(book.name)
    except Exception:  # noqa: BLE001
        return ""


# --------------------------------------------------------------------------- the macros

def post(book: Any = None, *, skip_errors: bool = False) -> Outcome:
    """Post the Journal: new ledger entries, applications and G/L lines (``xlar post``)."""
    label = "post --skip-errors" if skip_errors else "post"
    return run(_caller(book), "post", label=label, skip_errors=skip_errors)


def post_skip_errors(book: Any = None) -> Outcome:
    """Post the good journal lines and mark the bad ones (``xlar post --skip-errors``)."""
    return post(book, skip_errors=True)


def apply(book: Any = None, *, applies_to_id: str | None = None) -> Outcome:
    """Apply posted open entries that share an Applies-to ID (``xlar apply``)."""
    label = f"apply --id {applies_to_id}" if applies_to_id else "apply"
    return run(_caller(book), "apply", label=label, applies_to_id=applies_to_id)


def unapply(book: Any = None, *, application_no: int | None = None, posting_date: date | None = None) -> Outcome:
    """Reverse one application and its G/L lines (``xlar unapply``).

    Without ``application_no``, the application on the selected row of the Applications
    sheet is reversed.
    """
    book = _caller(book)
    if application_no is None:
        application_no = selected_application(book)
        if application_no is None:
            ui = _Excel(book)
            ui.alert("unapply: select a row on the Applications sheet first (its Application No. is reversed).")
            return Outcome(command="unapply", run=0, result="Nothing selected", exit_code=2, workbook=_name(book))
    return run(book, "unapply", label=f"unapply --application {application_no}", application_no=application_no,
               posting_date=posting_date)


def check(book: Any = None) -> Outcome:
    """Validate the workbook and dry-run the Journal; write Issues; post nothing (``xlar check``)."""
    return run(_caller(book), "check", label="check")


def selected_application(book: Any) -> int | None:
    """The Application No. on the selected row of the Applications sheet (address only; no cell read)."""
    try:
        sel = book.app.selection
        if sel is None or S.norm(sel.sheet.name) != S.norm(S.APPLICATIONS.name):
            return None
        row = sel.row
        rng = sel.sheet.used_range
        values = rng.options(ndim=2).value
    except Exception:  # noqa: BLE001 - no selection (a chart, another app): ask the user
        return None
    first = rng.row
    headers = values[0] if values and first == 1 else []
    keys = [S.norm(h) for h in headers]
    if "applicationno" not in keys or not 0 <= row - first < len(values):
        return None
    try:
        return read_int(values[row - first][keys.index("applicationno")])
    except (CellError, ValueError, TypeError):
        return None


__all__ = ["apply", "check", "post", "post_skip_errors", "run", "summary", "unapply"]

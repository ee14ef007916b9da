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
import os
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlar.book import excel
from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.cells import CellError, read_date, read_int, read_text
from xlar.book.commands import Outcome, execute, next_run
from xlar.book.files import BookError
from xlar.book.grid import col_letter, find
from xlar.book.issues import SheetIssue

TITLE = "xlar"
_REMOTE = {"remote", "officejs", "calamine"}
#: commands whose result the user reads in a message even when all went well (figures, counts, a file)
_TELL = {"check", "import-statement", "match", "accept", "reconcile", "month-end", "sepa", "predict", "collections"}
#: the workbook-scope name of the cell holding month end's as-of date (else today)
AS_OF_NAME = "AsOfDate"


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
    if o.command == "month-end" and getattr(o, "as_of", ""):
        m: Any = o
        text += (f"\nAs of {m.as_of}: aging total (LCY) {m.aging_total_lcy}; ledger {m.ledger_lcy}, G/L {m.gl_lcy}, "
                 f"difference {m.tie_difference}.\nReminders: {m.reminders}, finance charge memos: "
                 f"{m.finance_charges} ({'issued' if m.issued else 'suggested'}); statements: {m.statements}.")
    if o.command != "check" and (o.new_entries or o.changed_entries or o.applications):
        text += (f"\nNew ledger entries: {o.new_entries}, entries changed: {o.changed_entries}, "
                 f"applications: {o.applications}, G/L lines: {o.gl_lines}.")
    if o.issues:
        text += f"\n{o.errors} error(s), {o.warnings} warning(s): see the Issues sheet."
        first = next((i for i in o.issues if i.is_error), o.issues[0])
        where = first.sheet + (f" row {first.row}" if first.row is not None else "")
        text += f"\nFirst: {where}: {first.problem}"
    return text


class NeedInput(Exception):
    """The macro needs something from the user first (a selected row, a file); nothing was read or written."""


@dataclass(slots=True)
class Work:
    """What an executor computed: the plan (report sheets in ``plan.reports``) and the outcome; ``done``
    runs after the plan is written (e.g. a file moved into place), ``undo`` when anything failed."""

    plan: P.WritePlan
    outcome: Outcome
    done: Callable[[], str] | None = None
    undo: Callable[[], None] | None = None


#: an executor: the workbook as read, when the run started, its label -> the work to write
Executor = Callable[[excel.LiveBook, datetime, str], Work]


def run(book: Any, command: str, *, label: str = "", alert: bool = True, executor: Executor | None = None,
        **options: object) -> Outcome:
    """Run ``command`` on the live ``book``: read once, execute, write once. Never raises.

    Without ``executor`` the command is one of :func:`xlar.book.commands.execute`'s, with ``options``.
    """
    ui = _Excel(book)
    started = datetime.now().replace(microsecond=0)
    live: excel.LiveBook | None = None
    work: Work | None = None
    writing = False
    label = label or command
    with ui.quiet():
        try:
            ui.status(f"{command}: reading the workbook ...")
            live = excel.read_book(book)
            ui.status(f"{command}: working ...")
            if executor is None:
                plan, outcome = execute(live.grids, command, started=started, fingerprint=live.fingerprint,
                                        label=label, **options)  # type: ignore[arg-type]
                work = Work(plan, outcome)
            else:
                work = executor(live, started, label)
            outcome = work.outcome
            ui.status(f"{command}: writing ...")
            writing = True
            excel.apply_plan(live, work.plan)
            if work.done is not None:
                outcome.result += work.done()
        except NeedInput as exc:
            ui.alert(f"{command}: {exc}")
            return Outcome(command=command, run=0, result="Nothing done", exit_code=2, workbook=_name(book))
        except Exception as exc:  # noqa: BLE001 - shown to the user, never as a traceback dialog
            if work is not None and work.undo is not None:
                with contextlib.suppress(Exception):
                    work.undo()
            checked = not writing or isinstance(exc, excel.LiveBookError)  # raised before the first write
            outcome = _failed(book, live if checked else None, command, label, started, exc,
                              run_no=work.outcome.run if work is not None else None)
    outcome.workbook = _name(book)
    outcome.written_to = outcome.workbook
    if alert and (outcome.exit_code or command in _TELL):
        ui.alert(summary(outcome))
    return outcome


def _failed(book: Any, live: excel.LiveBook | None, command: str, label: str, started: datetime,
            exc: Exception, run_no: int | None = None) -> Outcome:
    """The run stopped outside the accounting rules (a table in the way, a statement file that cannot be
    read, Excel refused a write): the problem goes to the Issues sheet and RunLog when the book can still
    be written. ``live``: the book as read when nothing was written yet, else None (it is read again)."""
    user = isinstance(exc, (excel.LiveBookError, BookError))
    if user:
        problem = f"{exc}. Nothing was posted." if not str(exc).endswith(".") else f"{exc} Nothing was posted."
    else:
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        problem = f"xlar failed: {type(exc).__name__}: {exc}{where}; nothing was posted. Please report this."
    issue = SheetIssue("", None, "", None, problem, "book-error" if user else "internal-error")
    exit_code = int(getattr(exc, "exit_code", 1) or 1)
    with contextlib.suppress(Exception):  # if even the read fails, the message box still tells the user
        live = live if live is not None else excel.read_book(book)
    if live is None:
        return Outcome(command=command, run=run_no or 1, result="Failed", exit_code=exit_code, issues=[issue])
    run_no = next_run(live.grids)
    outcome = Outcome(command=command, run=run_no, result="Failed", exit_code=exit_code, issues=[issue])
    plan = P.WritePlan()
    P.plan_close(plan, outcome, started=started, command=label, fingerprint=live.fingerprint, lines_posted=0)
    with contextlib.suppress(Exception):
        excel.apply_plan(live, plan)
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
    chosen = application_no

    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        no = chosen if chosen is not None else selected_application(book, live)
        if no is None:
            raise NeedInput("select a row on the Applications sheet first (its Application No. is reversed).")
        plan, outcome = execute(live.grids, "unapply", started=started, fingerprint=live.fingerprint,
                                label=f"unapply --application {no}", application_no=no, posting_date=posting_date)
        return Work(plan, outcome)

    return run(book, "unapply", label="unapply", executor=executor)


def check(book: Any = None) -> Outcome:
    """Validate the workbook and dry-run the Journal; write Issues; post nothing (``xlar check``)."""
    return run(_caller(book), "check", label="check")


# --------------------------------------------------------------------------- bank, month end, SEPA, predict

def _bank(command: str, **options: object) -> Executor:
    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        from xlar.book.bank import execute_bank

        br = execute_bank(live.grids, command, started=started, fingerprint=live.fingerprint, label=label,
                          **options)
        return Work(br.plan, br.outcome)
    return executor


def import_statement(book: Any = None, *, file: str | Path | None = None, profile: str | None = None,
                     statement_no: str | None = None) -> Outcome:
    """Read a bank statement file (CAMT.053, MT940, BAI2, OFX, CSV, XLSX) into BankStatement (``xlar import-statement``).

    Without ``file``: the statement pasted into the ``StatementPaste`` sheet when the workbook has one
    (xlwings Lite and Server have no files to choose: paste the file's text, or its table, there),
    else desktop Excel on Windows asks for the file with its dialog. On the desktop a relative ``file``
    is taken beside the workbook.
    """
    from xlar.book.bank import PASTE_SHEET

    book = _caller(book)
    if file is None and _has_sheet(book, PASTE_SHEET):
        return run(book, "import-statement", label=f"import-statement --sheet {PASTE_SHEET}",
                   executor=_pasted(profile, statement_no))
    if file is None:
        file = _ask_file(book)
        if file is None:
            _Excel(book).alert("import-statement: no statement file chosen; nothing was imported.")
            return Outcome(command="import-statement", run=0, result="Nothing done", exit_code=2,
                           workbook=_name(book))
    path = Path(file)
    folder = _folder(book) if not path.is_absolute() else None
    if folder is not None:  # desktop: a relative name is beside the workbook
        path = folder / path
    return run(book, "import-statement", label=f"import-statement {path.name}",
               executor=_bank("import-statement", file=path, profile=profile, statement_no=statement_no))


def _has_sheet(book: Any, name: str) -> bool:
    try:
        return any(S.norm(sh.name) == S.norm(name) for sh in book.sheets)
    except Exception:  # noqa: BLE001
        return False


def _pasted(profile: str | None, statement_no: str | None) -> Executor:
    """import-statement from the paste sheet, read with the rest of the workbook: the same readers and the
    same import as a file (:func:`xlar.book.bank.parse_pasted`)."""
    from xlar.book.bank import PASTE_SHEET, pasted

    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        sheet = next(ls for ls in live.sheets.values() if S.norm(ls.title) == S.norm(PASTE_SHEET))
        found = pasted(sheet.block)
        if found is None:
            raise NeedInput(f"the {PASTE_SHEET} sheet is empty: paste the bank statement into it (the file's "
                            "text into column A, or its table with the header row) and run this again.")
        return _bank("import-statement", pasted=found, profile=profile,
                     statement_no=statement_no)(live, started, f"{label} ({found.name})")
    return executor


def _ask_file(book: Any) -> str | None:
    """Excel's own Open dialog (Windows COM); None when cancelled or not available (Mac, Lite, Server)."""
    try:
        if not _Excel(book).desktop:
            return None
        chosen = book.app.api.GetOpenFilename(
            "Bank statements (*.xml;*.sta;*.txt;*.csv;*.xlsx),*.xml;*.sta;*.txt;*.csv;*.xlsx", 1,
            "xlar: import a bank statement")
    except Exception:  # noqa: BLE001 - no dialog on this engine
        return None
    return str(chosen) if chosen else None


def match(book: Any = None, *, profile: str | None = None) -> Outcome:
    """Propose matches for the open statement lines: MatchProposals and BankStatement's match columns
    (``xlar match``)."""
    return run(_caller(book), "match", label="match", executor=_bank("match", profile=profile))


def accept(book: Any = None, *, min_confidence: str = "High", skip_errors: bool = False) -> Outcome:
    """Post the statement lines matched with at least ``min_confidence`` (High, Medium or Low) and the
    lines marked Manual: Journal, Ledger, Applications, G/L, BankLedger (``xlar accept``)."""
    book = _caller(book)
    if str(min_confidence).lower() not in ("high", "medium", "low"):
        _Excel(book).alert(f"accept: the minimum confidence is High, Medium or Low, not {min_confidence!r}.")
        return Outcome(command="accept", run=0, result="Nothing done", exit_code=2, workbook=_name(book))
    return run(book, "accept", label=f"accept --min-confidence {min_confidence}",
               executor=_bank("accept", min_confidence=min_confidence, skip_errors=skip_errors))


def reconcile(book: Any = None, *, statement_no: str | None = None, ending_balance: Decimal | None = None,
              balance_last_statement: Decimal | None = None) -> Outcome:
    """Reconcile a statement against BankLedger: BankReconciliation sheet (``xlar reconcile``).

    Without ``statement_no``, the statement on the selected row of the BankStatement sheet.
    """
    book = _caller(book)
    picked = statement_no

    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        no = picked if picked is not None else selected_statement(book, live)
        if no is None:
            raise NeedInput("select a line of the statement on the BankStatement sheet first "
                            "(its Statement No. is reconciled).")
        return _bank("reconcile", statement_no=no, ending_balance=ending_balance,
                     balance_last_statement=balance_last_statement)(live, started, f"reconcile --statement {no}")

    return run(book, "reconcile", label="reconcile", executor=executor)


def selected_statement(book: Any, live: excel.LiveBook) -> str | None:
    """The Statement No. on the selected row of the BankStatement sheet, from the cells already read."""
    value = _selected(book, live, "BankStatement", "statementno")
    return (read_text(value) or None) if value is not None else None


def month_end(book: Any = None, *, as_of: date | None = None, issue: bool = False, start: date | None = None,
              period_length: str = "30D", periods: int = 3, statements: bool = True,
              documents: str | Path | None = None, eml: bool = False) -> Outcome:
    """Aging with the G/L tie-out, statements, reminders, finance charges and KPIs (``xlar month-end``).

    The as-of date: ``as_of``, else the cell named ``AsOfDate`` (Formulas > Define Name), else today.
    ``issue`` posts the reminders and finance charge memos. ``documents``: a folder for a PDF per
    statement, reminder and memo (and with ``eml`` an .eml per customer), written before the sheets.
    """
    book = _caller(book)

    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        from xlar.book.month_end import MonthEndOptions, execute_month_end

        day = as_of or named_date(book, live, AS_OF_NAME) or date.today()
        folder = Path(str(documents).replace("{as_of}", day.isoformat())) if documents is not None else None
        opts = MonthEndOptions(as_of=day, start=start, period_length=period_length, periods=periods, issue=issue,
                               statements=statements, documents=folder, eml=eml)
        label = (f"month-end --as-of {day.isoformat()}" + (" --issue" if issue else "")
                 + (" --documents" if folder is not None else ""))
        plan, _tables, outcome = execute_month_end(live.grids, opts, started=started, fingerprint=live.fingerprint,
                                                   label=label)
        work = Work(plan, outcome)  # the report tables are in plan.reports
        prepared = getattr(outcome, "prepared", None)
        if folder is not None and prepared is not None and not outcome.exit_code:
            from xlar.book.documents import write_files

            written = write_files(folder, prepared.files())  # first the files: a failure leaves the book as it was

            def undo() -> None:
                for f in written:
                    with contextlib.suppress(OSError):
                        f.unlink()
            work.undo = undo
        return work

    return run(book, "month-end", label="month-end", executor=executor)


def month_end_issue(book: Any = None) -> Outcome:
    """Month end, then issue and post the suggested reminders and finance charge memos
    (``xlar month-end --issue``; the ribbon's *Issue reminders and memos*)."""
    return month_end(book, issue=True)


def documents(book: Any = None, *, folder: str | Path | None = None, eml: bool = False,
              as_of: date | None = None) -> Outcome:
    """Month end with its documents (``xlar month-end --documents DIR``): a PDF per statement, reminder and
    finance charge memo and the Outbox sheet. On the desktop ``folder`` defaults to
    ``<workbook>-documents-<as-of date>`` beside the workbook."""
    book = _caller(book)
    if folder is None:
        where = _folder(book)
        if where is None:
            _Excel(book).alert("month-end: give the documents folder (folder=); this Excel has no folder for the "
                               "workbook to put them in.")
            return Outcome(command="month-end", run=0, result="Nothing done", exit_code=2, workbook=_name(book))
        folder = where / f"{Path(_name(book)).stem or 'xlar'}-documents-{{as_of}}"
    return month_end(book, as_of=as_of, documents=folder, eml=eml)


def named_date(book: Any, live: excel.LiveBook, name: str) -> date | None:
    """The date in the cell a workbook name refers to, from the cells already read (no extra read).

    None when the book has no such name; a BookError when the cell holds no date.
    """
    try:
        found = next((n for n in book.names if S.norm(n.name.split("!")[-1]) == S.norm(name)), None)
        if found is None:
            return None
        rng = found.refers_to_range
        sheet, row, col = rng.sheet.name, rng.row, rng.column
    except Exception:  # noqa: BLE001 - a name that is not a cell (a constant, a formula): not ours
        return None
    ls = next((x for x in live.sheets.values() if S.norm(x.title) == S.norm(sheet)), None)
    value = ls.cell(row, col) if ls is not None else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # an empty cell: today
    try:
        return read_date(value)
    except (CellError, ValueError, TypeError):
        raise BookError(f"The cell named {name} ({sheet}!{col_letter(col)}{row}) holds {value!r}, not a date") from None


def sepa(book: Any = None, *, collection_date: date | None = None, xml_path: str | Path | None = None,
         confirm: str | None = None, reject: list[str] | str | None = None, return_date: date | None = None,
         version: str | None = None, collection_id: str | None = None) -> Outcome:
    """SEPA direct debit (``xlar sepa``): collect (the default), confirm or reject.

    - collect: the debits due by ``collection_date`` (default today) go to DirectDebit and the pain.008
      file is written to ``xml_path``; on desktop it defaults to ``<workbook>-<collection id>.xml`` next to
      the workbook. The file is moved into place only after the sheets are written. Where the workbook
      has no folder (xlwings Lite and Server) and no ``xml_path`` is given, the file's lines go to the
      ``SepaFile`` sheet, one per row in column A (text, never a formula), to copy into a file.
    - ``confirm``: a collection ID the bank executed: its payments are posted.
    - ``reject``: Transaction IDs or a collection ID the bank returned: marked Rejected, posted ones reversed.
    """
    book = _caller(book)
    rejects = [reject] if isinstance(reject, str) else list(reject or [])
    if sum(bool(x) for x in (confirm, rejects)) > 1:
        _Excel(book).alert("sepa: give either a collection to confirm or debits to reject, not both.")
        return Outcome(command="sepa", run=0, result="Nothing done", exit_code=2, workbook=_name(book))
    collecting = not confirm and not rejects
    target: Path | None = Path(xml_path) if xml_path is not None else None
    to_sheet = False  # Lite / Server: no folder for the file, so its lines go to the SepaFile sheet
    if collecting and target is None:
        folder = _folder(book)
        to_sheet = folder is None
        stem = Path(_name(book)).stem or "xlar"

    def name_of(cid: str) -> str:
        nonlocal target
        if to_sheet:
            return f"{stem}-{cid}.xml"
        if target is None:
            target = folder / f"{stem}-{cid}.xml"
        return target.name

    day = collection_date or date.today()
    label = (f"sepa --confirm {confirm}" if confirm else "sepa --reject " + " ".join(rejects) if rejects
             else f"sepa --collection-date {day.isoformat()}")

    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        from xlar.book.sepa import execute_sepa

        sr = execute_sepa(live.grids, collection_date=day if collecting else None, file=name_of,
                          confirm_id=confirm, reject_ids=rejects or None, return_date=return_date, version=version,
                          collection_id=collection_id, started=started, fingerprint=live.fingerprint, label=label)
        work = Work(sr.plan, sr.outcome)
        if sr.xml and to_sheet:
            from xlar.book.sepa import FILE_SHEET, file_sheet

            sheet = file_sheet(sr.xml)
            sr.plan.reports.append(sheet)
            name = name_of(sr.collection_id)
            work.done = lambda: (f"; the pain.008 file is on the {FILE_SHEET} sheet ({len(sheet.rows)} lines): "
                                 f"copy column A into a text file saved as {name}")
        elif sr.xml:
            assert target is not None
            work.done, work.undo = _xml_file(target, sr.xml)
        return work

    return run(book, "sepa", label=label, executor=executor)


def sepa_confirm(book: Any = None, *, collection_id: str | None = None) -> Outcome:
    """The bank executed a collection: post its payments (``xlar sepa --confirm``).

    Without ``collection_id``, the Collection ID on the selected row of the DirectDebit sheet.
    """
    from xlar.book.sepa import DIRECT_DEBIT

    book = _caller(book)
    picked = _selected_live(book, DIRECT_DEBIT.name, "collectionid")
    cid = collection_id or (read_text(picked) if picked not in (None, "") else "")
    if not cid:
        _Excel(book).alert("sepa: select a row of the collection on the DirectDebit sheet first "
                           "(its Collection ID is confirmed).")
        return Outcome(command="sepa", run=0, result="Nothing done", exit_code=2, workbook=_name(book))
    return sepa(book, confirm=cid)


def _selected_live(book: Any, sheet: str, key: str) -> object:
    """The ``key`` column's cell on the selected row of ``sheet``, read from Excel (two small reads),
    or None when the selection is elsewhere."""
    try:
        sel = book.app.selection
        sht, row = sel.sheet, sel.row
        if S.norm(sht.name) != S.norm(sheet) or row < 2:
            return None
        headers = sht.range((1, 1)).expand("right").value
        headers = headers if isinstance(headers, list) else [headers]
        keys = [S.norm(str(h or "")) for h in headers]
        return sht.range((row, keys.index(key) + 1)).value if key in keys else None
    except Exception:  # noqa: BLE001 - no selection (a chart, another app)
        return None


def _folder(book: Any) -> Path | None:
    """The workbook's folder on desktop Excel (None for an unsaved book, Lite and Server)."""
    if not _Excel(book).desktop:
        return None
    try:
        full = Path(str(book.fullname))
    except Exception:  # noqa: BLE001
        return None
    return full.parent if full.parent != Path() and full.parent.is_dir() else None


def _xml_file(target: Path, xml: bytes) -> tuple[Callable[[], str], Callable[[], None]]:
    """Write ``xml`` beside ``target`` now (so an unwritable folder stops the run before the sheets change);
    ``done`` moves it into place, ``undo`` removes it."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~xlar-", suffix=".xml", dir=str(target.parent))
        with os.fdopen(fd, "wb") as fh:
            fh.write(xml)
    except OSError as exc:
        raise BookError(f"{target}: cannot write the file ({exc.strerror or exc}); nothing was changed") from exc

    def done() -> str:
        os.replace(tmp, target)
        return f"; file {target}"

    def undo() -> None:
        with contextlib.suppress(OSError):
            os.unlink(tmp)

    return done, undo


def predict(book: Any = None, *, seed: int = 0) -> Outcome:
    """Which open invoices will be paid late: the Outlook sheet (``xlar predict``; needs scikit-learn)."""
    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        from xlar.book.outlook import predict as outlook

        pr = outlook(live.grids, run=next_run(live.grids), seed=seed)
        o = pr.outcome
        P.plan_close(pr.plan, o, started=started, command=label, fingerprint=live.fingerprint, lines_posted=0)
        return Work(pr.plan, o)

    return run(_caller(book), "predict", label="predict", executor=executor)


def collections(book: Any = None, *, as_of: date | None = None) -> Outcome:
    """The Collections worklist and the promises on Activities (``xlar collections``), as of ``as_of``,
    else the cell named ``AsOfDate``, else today."""
    book = _caller(book)

    def executor(live: excel.LiveBook, started: datetime, label: str) -> Work:
        from xlar.book.worklist import execute_collections

        day = as_of or named_date(book, live, AS_OF_NAME) or date.today()
        plan, o = execute_collections(live.grids, day, started=started, fingerprint=live.fingerprint,
                                      label=f"collections --as-of {day.isoformat()}")
        return Work(plan, o)

    return run(book, "collections", label="collections", executor=executor)


DOCS_URL = "https://pypi.org/project/xlar/"


def help(book: Any = None) -> str:
    """Open the xlar documentation (the project's documentation URL, else its PyPI page) in the browser."""
    import webbrowser

    url = DOCS_URL
    with contextlib.suppress(Exception):
        from importlib.metadata import metadata

        urls = [u.split(",", 1) for u in metadata("xlar").get_all("Project-URL") or []]
        url = next((u.strip() for k, u in urls if k.strip().lower() in ("documentation", "homepage")), url)
    with contextlib.suppress(Exception):
        webbrowser.open(url)
    return url


def version(book: Any = None) -> str:
    """xlar's, xlwings' and the installed add-in's versions, and whether they match (a message)."""
    import sys

    import xlwings

    from xlar import __version__
    from xlar.addin.install import status_text

    text = (f"xlar {__version__}, xlwings {xlwings.__version__}, Python {sys.version.split()[0]}\n"
            f"{sys.executable}\n\n{status_text()}")
    with contextlib.suppress(Exception):
        _Excel(_caller(book)).alert(text)
    return text


def selected_application(book: Any, live: excel.LiveBook) -> int | None:
    """The Application No. on the selected row of the Applications sheet, from the cells already read."""
    value = _selected(book, live, S.APPLICATIONS.name, "applicationno")
    try:
        return read_int(value) if value is not None else None
    except (CellError, ValueError, TypeError):
        return None


def _selected(book: Any, live: excel.LiveBook, sheet: str, key: str) -> object:
    """The ``key`` column's cell on the selected row of ``sheet`` (its grid as read; no extra range read),
    or None when the selection is elsewhere (another sheet, the heading, a chart)."""
    try:
        sel = book.app.selection
        name, row = sel.sheet.name, sel.row
    except Exception:  # noqa: BLE001 - no selection (a chart, another app)
        return None
    grid = find(live.grids, sheet)
    if grid is None or S.norm(name) != S.norm(grid.title):
        return None
    keys = [S.norm(h) for h in grid.headers]
    vals = dict(grid.rows).get(row)
    if key not in keys or vals is None:
        return None
    return vals[keys.index(key)]


__all__ = ["accept", "apply", "check", "documents", "help", "import_statement", "match", "month_end",
           "month_end_issue", "post", "post_skip_errors", "predict", "reconcile", "run", "sepa", "sepa_confirm",
           "summary", "unapply", "version"]

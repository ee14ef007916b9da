"""The ``xlar`` command: the same pipeline as the macros, run on a workbook file.

Exit codes: 0 success, 1 the workbook has errors (nothing posted; see its Issues sheet)
or cannot be read/saved, 2 wrong usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from xlar.book.commands import Outcome, run_file
from xlar.book.files import BookError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Accounts receivable in Excel: post, apply and unapply like Business Central.")

BookArg = Annotated[Path, typer.Argument(help="The workbook (.xlsx or .xlsm).", dir_okay=False, metavar="BOOK")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write the result to this file; leave BOOK as it is.",
                                                dir_okay=False)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary on stdout.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Let --out replace an existing workbook.")]


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _finish(outcome: Outcome, *, quiet: bool, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(outcome.to_json(), indent=2, ensure_ascii=False) + "\n")
    elif not quiet or outcome.exit_code:
        _print(outcome, quiet=quiet)
    raise typer.Exit(outcome.exit_code)


def _print(o: Outcome, *, quiet: bool) -> None:
    con = _console()
    if not quiet:
        style = "green" if o.exit_code == 0 else "red"
        con.print(f"[bold]xlar {o.command}[/bold] {escape(o.workbook)}: [{style}]{escape(o.result)}[/{style}] "
                  f"(run {o.run})")
        if o.command in ("post", "check"):
            con.print(f"  journal lines posted: {o.lines_posted}   with errors: {o.lines_failed}")
        if o.command != "check":
            con.print(f"  new ledger entries: {o.new_entries}   entries changed: {o.changed_entries}   "
                      f"applications: {o.applications}   G/L lines: {o.gl_lines}")
        if o.written_to and o.written_to != o.workbook:
            con.print(f"  written to {escape(o.written_to)}")
    if o.issues:
        con.print(f"  {o.errors} error(s), {o.warnings} warning(s), also on the Issues sheet:")
        for i in o.issues[:50]:
            where = i.sheet + (f" row {i.row}" if i.row is not None else "") + (f", {i.column}" if i.column else "")
            colour = "red" if i.is_error else "yellow"
            con.print(f"  [{colour}]{i.code}[/{colour}] {escape(where)}: {escape(i.problem)}")
        if len(o.issues) > 50:
            con.print(f"  ... and {len(o.issues) - 50} more on the Issues sheet")


_T = TypeVar("_T")


def _attempt(command: str, book: Path, as_json: bool, run: Callable[[], _T]) -> _T:
    """Run one command; a :class:`BookError` becomes a message (or a JSON failure) and its exit code."""
    try:
        return run()
    except BookError as exc:
        if as_json:
            sys.stdout.write(json.dumps({"command": command, "workbook": str(book), "result": "Failed",
                                         "exit_code": exc.exit_code, "error": str(exc)}) + "\n")
        else:
            _console(stderr=True).print(f"[red]xlar {command}: {escape(str(exc))}[/red]")
        raise typer.Exit(exc.exit_code) from None


def _run(book: Path, command: str, *, out: Path | None, quiet: bool, as_json: bool, label: str,
         runner: Callable[..., Outcome] = run_file, **options: object) -> None:
    outcome = _attempt(command, book, as_json, lambda: runner(book, command, out=out, label=label, **options))
    _finish(outcome, quiet=quiet, as_json=as_json)


@app.command()
def post(book: BookArg,
         skip_errors: Annotated[bool, typer.Option("--skip-errors", help="Post the good lines, mark the bad.")] = False,
         repost: Annotated[bool, typer.Option("--repost", help="Post lines again whose content was posted "
                                                                "before (see PostedLines).")] = False,
         force: ForceOpt = False,
         out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Post the Journal: new ledger entries, applications and G/L lines."""
    label = "post" + (" --skip-errors" if skip_errors else "") + (" --repost" if repost else "")
    _run(book, "post", out=out, quiet=quiet, as_json=as_json, label=label, skip_errors=skip_errors,
         force=force, repost=repost)


@app.command()
def apply(book: BookArg,
          id: Annotated[str | None, typer.Option("--id", help="Only this Applies-to ID.")] = None,
          force: ForceOpt = False,
          out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Apply posted open entries that share an Applies-to ID."""
    _run(book, "apply", out=out, quiet=quiet, as_json=as_json, label=f"apply --id {id}" if id else "apply",
         applies_to_id=id, force=force)


@app.command(name="unapply")
def unapply_cmd(book: BookArg,
                application: Annotated[int, typer.Option("--application", help="Application No. to reverse.",
                                                         min=1)],
                posting_date: Annotated[str | None, typer.Option(
                    "--posting-date", help="Date of the reversal (YYYY-MM-DD); default: the application's.")] = None,
                force: ForceOpt = False,
                out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Reverse one application and its G/L lines."""
    day = None
    if posting_date is not None:
        try:
            day = date.fromisoformat(posting_date)
        except ValueError:
            raise typer.BadParameter(f"{posting_date!r} is not a date like 2026-10-31",
                                     param_hint="--posting-date") from None
    _run(book, "unapply", out=out, quiet=quiet, as_json=as_json, label=f"unapply --application {application}",
         application_no=application, posting_date=day, force=force)


@app.command()
def check(book: BookArg, out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False,
          force: ForceOpt = False) -> None:
    """Validate the workbook and dry-run the Journal; write Issues; post nothing."""
    _run(book, "check", out=out, quiet=quiet, as_json=as_json, label="check", force=force)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-10-31", param_hint=option) from None


_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)  # Excel's dates, less a year for due dates


def _book_day(text: str | None, option: str) -> date | None:
    """A date option of month-end: ISO, within the dates a workbook can hold."""
    day = _day(text, option)
    if day is not None and not _FIRST_DAY <= day <= _LAST_DAY:
        raise typer.BadParameter(f"{text!r}: use a date from {_FIRST_DAY} to {_LAST_DAY} (YYYY-MM-DD)",
                                 param_hint=option)
    return day


def _period(text: str, periods: int, as_of: str) -> str:
    """``--period``: a positive length like 30D, 4W, 1M, 1Q or 1Y."""
    from xlar.core.aging import buckets
    from xlar.core.dates import DateFormulaError, parse_formula

    form = "a positive length like 30D, 4W, 1M, 1Q or 1Y"
    try:
        terms = parse_formula(text)
    except DateFormulaError:
        raise typer.BadParameter(f"{text!r} is not {form}", param_hint="--period") from None
    if len(terms) != 1 or terms[0][0] < 0 or terms[0][1] != "n" or not terms[0][2]:
        raise typer.BadParameter(f"{text!r} is not {form}", param_hint="--period")
    try:
        buckets(date.fromisoformat(as_of), text, periods)
    except (OverflowError, ValueError):
        raise typer.BadParameter(f"{text!r} x {periods} periods reaches before the year 1; use {form}, "
                                 "shorter", param_hint="--period") from None
    return text


@app.command(name="month-end")
def month_end_cmd(
        book: BookArg,
        as_of: Annotated[str, typer.Option("--as-of", help="Aging, statement and document date (YYYY-MM-DD).")],
        period_start: Annotated[str | None, typer.Option(
            "--from", help="First day of the statement and KPI period; default: the first of the as-of month.")] = None,
        period_length: Annotated[str, typer.Option("--period", help="Aging period length (date formula).")] = "30D",
        periods: Annotated[int, typer.Option("--periods", help="Number of aging periods.", min=1, max=12)] = 3,
        issue: Annotated[bool, typer.Option("--issue", help="Issue and post the suggested reminders and "
                                                            "finance charge memos.")] = False,
        no_statements: Annotated[bool, typer.Option("--no-statements", help="Skip the Statements sheet.")] = False,
        documents: Annotated[Path | None, typer.Option(
            "--documents", help="Write a PDF per statement, reminder and finance charge memo into this folder "
                                "and an Outbox sheet listing them.", file_okay=False)] = None,
        eml: Annotated[bool, typer.Option("--eml", help="With --documents: also one ready-to-send .eml per "
                                                        "customer with its PDFs attached.")] = False,
        force: ForceOpt = False,
        out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Aging with G/L tie-out, statements, reminders, finance charges and KPIs as of a date."""
    from xlar.book.month_end import MonthEndOptions, run_month_end

    if eml and documents is None:
        raise typer.BadParameter("--eml needs --documents DIR", param_hint="--eml")
    opts = MonthEndOptions(as_of=_book_day(as_of, "--as-of"), start=_book_day(period_start, "--from"),  # type: ignore
                           period_length=_period(period_length, periods, as_of), periods=periods, issue=issue,
                           statements=not no_statements, documents=documents, eml=eml)
    label = f"month-end --as-of {as_of}" + (" --issue" if issue else "") + (" --documents" if documents else "")
    outcome = _attempt("month-end", book, as_json,
                       lambda: run_month_end(book, opts, out=out, label=label, force=force))
    if not quiet and not as_json and outcome.exit_code == 0:
        _console().print(
            f"  aging total (LCY): {outcome.aging_total_lcy}   ledger: {outcome.ledger_lcy}   G/L: {outcome.gl_lcy}"
            f"   difference: {outcome.tie_difference}\n  reminders: {outcome.reminders}   finance charge memos: "
            f"{outcome.finance_charges} ({'issued' if issue else 'suggested'})   statements: {outcome.statements}"
            + (f"\n  documents: {outcome.documents} in {escape(outcome.documents_dir)}" if documents else ""))
    _finish(outcome, quiet=quiet, as_json=as_json)


@app.command(name="collections")
def collections_cmd(
        book: BookArg,
        as_of: Annotated[str, typer.Option("--as-of", help="The worklist's date (YYYY-MM-DD).")],
        period_length: Annotated[str, typer.Option("--period", help="Aging period length (date formula).")] = "30D",
        periods: Annotated[int, typer.Option("--periods", help="Number of aging periods.", min=1, max=12)] = 3,
        force: ForceOpt = False,
        out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """The Collections worklist: customers to chase, ranked; promises on Activities kept or broken."""
    from xlar.book.worklist import run_collections

    day = _book_day(as_of, "--as-of")
    assert day is not None
    length = _period(period_length, periods, as_of)
    outcome = _attempt("collections", book, as_json, lambda: run_collections(
        book, day, out=out, period_length=length, periods=periods, label=f"collections --as-of {as_of}",
        force=force))
    if not quiet and not as_json and outcome.exit_code == 0:
        _console().print(f"  customers to work: {outcome.customers}   overdue (LCY): {outcome.overdue_lcy}   "
                         f"promises open / kept / broken: {outcome.promises_open} / {outcome.promises_kept} / "
                         f"{outcome.promises_broken}")
    _finish(outcome, quiet=quiet, as_json=as_json)


@app.command(name="write-off")
def write_off_cmd(
        book: BookArg,
        max_amount: Annotated[str | None, typer.Option(
            "--max", help="Write off open entries whose remaining amount (LCY, either sign) is at most this.")] = None,
        older_than: Annotated[str, typer.Option("--older-than", help="Only entries due longer ago than this "
                                                                     "(date formula: 90D, 3M).")] = "90D",
        reason: Annotated[str, typer.Option("--reason", help="Reason code, in the description of each "
                                                             "write-off.")] = "WRITEOFF",
        as_of: Annotated[str | None, typer.Option("--as-of", help="Age as of this date (default: today).")] = None,
        posting_date: Annotated[str | None, typer.Option(
            "--posting-date", help="Posting date of the write-offs or the reversal (default: --as-of).")] = None,
        account: Annotated[str | None, typer.Option(
            "--account", help="G/L account (default: Settings Write-off Account).")] = None,
        customer: Annotated[list[str] | None, typer.Option("--customer", help="Only this customer; repeatable.")]
        = None,
        reverse: Annotated[str | None, typer.Option("--reverse", help="Reverse this write-off (WO-17).")] = None,
        force: ForceOpt = False,
        out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Write off small old balances to the write-off account, or reverse one write-off."""
    from decimal import Decimal, InvalidOperation

    from xlar.book.writeoff import run_write_off
    from xlar.core.dates import DateFormulaError, parse_formula

    if (max_amount is None) == (reverse is None):
        raise typer.BadParameter("give --max AMOUNT (write off) or --reverse WO-N (reverse one)")
    post_day = _book_day(posting_date, "--posting-date")
    if reverse is not None:
        label = f"write-off --reverse {reverse}"
        opts: dict[str, object] = {"reverse": reverse, "posting_date": post_day}
    else:
        try:
            limit = Decimal(str(max_amount))
        except InvalidOperation:
            raise typer.BadParameter(f"{max_amount!r} is not an amount like 5.00", param_hint="--max") from None
        if not limit.is_finite() or limit <= 0:
            raise typer.BadParameter(f"{max_amount!r}: give an amount above zero", param_hint="--max")
        try:
            terms = parse_formula(older_than)
        except DateFormulaError:
            terms = []
        if len(terms) != 1 or terms[0][0] < 0 or terms[0][1] != "n":
            raise typer.BadParameter(f"{older_than!r} is not a length like 90D, 12W or 3M", param_hint="--older-than")
        day = _book_day(as_of, "--as-of") or date.today()
        if not reason.strip():
            raise typer.BadParameter("give a reason code", param_hint="--reason")
        label = f"write-off --max {max_amount} --older-than {older_than} --reason {reason}"
        opts = {"as_of": day, "max_lcy": limit, "older_than": older_than, "reason": reason.strip(),
                "account": account, "posting_date": post_day,
                "customers": frozenset(customer) if customer else None}
    outcome = _attempt("write-off", book, as_json, lambda: run_write_off(book, out=out, label=label, force=force,
                                                                         **opts))
    _finish(outcome, quiet=quiet, as_json=as_json)


def _run_bank(book: Path, command: str, *, out: Path | None, quiet: bool, as_json: bool, label: str,
              **options: object) -> None:
    from xlar.book.bank import run_bank_file

    _run(book, command, out=out, quiet=quiet, as_json=as_json, label=label, runner=run_bank_file, **options)


ProfileOpt = Annotated[str | None, typer.Option("--profile", help="A row of the BankProfiles sheet.")]


@app.command(name="import-statement")
def import_statement(book: BookArg,
                     file: Annotated[Path, typer.Argument(help="CAMT.053 (.xml), MT940 (.sta/.txt), BAI2, OFX, CSV or XLSX.",
                                                          dir_okay=False, metavar="FILE")],
                     profile: ProfileOpt = None,
                     statement: Annotated[str | None, typer.Option(
                         "--statement", help="Statement No. for CSV/XLSX lines (default: the file name).")] = None,
                     force: ForceOpt = False,
                     out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Read a bank statement file into BankStatement; lines already imported are skipped."""
    _run_bank(book, "import-statement", out=out, quiet=quiet, as_json=as_json,
              label=f"import-statement {file.name}", file=file, profile=profile, statement_no=statement,
              force=force)


@app.command()
def match(book: BookArg, profile: ProfileOpt = None, force: ForceOpt = False, out: OutOpt = None,
          quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Propose matches for open statement lines (MatchProposals, match columns on BankStatement)."""
    _run_bank(book, "match", out=out, quiet=quiet, as_json=as_json, label="match", profile=profile,
              force=force)


@app.command()
def accept(book: BookArg,
           min_confidence: Annotated[str, typer.Option(
               "--min-confidence", help="High, Medium or Low; Manual lines are always accepted.")] = "High",
           skip_errors: Annotated[bool, typer.Option("--skip-errors", help="Post the good lines.")] = False,
           force: ForceOpt = False,
           out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Turn accepted proposals into Journal lines and post them (discounts and tolerances included)."""
    if min_confidence.lower() not in ("high", "medium", "low"):
        raise typer.BadParameter("use High, Medium or Low", param_hint="--min-confidence")
    _run_bank(book, "accept", out=out, quiet=quiet, as_json=as_json,
              label=f"accept --min-confidence {min_confidence}", min_confidence=min_confidence,
              skip_errors=skip_errors, force=force)


@app.command(name="reconcile")
def reconcile_cmd(book: BookArg,
                  statement: Annotated[str, typer.Option("--statement", help="Statement No. to reconcile.")],
                  ending_balance: Annotated[str | None, typer.Option(
                      "--ending-balance", help="Statement Ending Balance (default: the statement's).")] = None,
                  last_balance: Annotated[str | None, typer.Option(
                      "--balance-last-statement", help="Balance Last Statement (default: the statement's).")]
                  = None,
                  force: ForceOpt = False,
                  out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Bank reconciliation: statement lines vs BankLedger; BankReconciliation sheet; exit 1 unless complete."""
    from decimal import Decimal, InvalidOperation

    def money(text: str | None, hint: str) -> Decimal | None:
        if text is None:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise typer.BadParameter(f"{text!r} is not an amount like 5900.00", param_hint=hint) from None

    _run_bank(book, "reconcile", out=out, quiet=quiet, as_json=as_json, label=f"reconcile --statement {statement}",
              statement_no=statement, ending_balance=money(ending_balance, "--ending-balance"),
              balance_last_statement=money(last_balance, "--balance-last-statement"), force=force)


def _date_opt(text: str | None, hint: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-10-31", param_hint=hint) from None


@app.command()
def sepa(book: BookArg,
         collection_date: Annotated[str | None, typer.Option(
             "--collection-date", help="Collect invoices due by this date (YYYY-MM-DD); needs --out.")] = None,
         out: Annotated[Path | None, typer.Option("--out", help="The pain.008 XML file to write.",
                                                  dir_okay=False)] = None,
         fmt: Annotated[str | None, typer.Option(
             "--format", help="pain.008.001.02 (default) or pain.008.001.08.")] = None,
         collection_id: Annotated[str | None, typer.Option("--collection-id", help="Default: DD0001, DD0002 ...")]
         = None,
         confirm: Annotated[str | None, typer.Option(
             "--confirm", help="Collection ID executed by the bank: post its payments.")] = None,
         reject: Annotated[list[str] | None, typer.Option(
             "--reject", help="Transaction ID (DD0001/17) or collection ID returned by the bank; repeatable.")]
         = None,
         return_date: Annotated[str | None, typer.Option(
             "--return-date", help="Posting date of returns (default: the transfer date).")] = None,
         book_out: Annotated[Path | None, typer.Option(
             "--book-out", help="Write the workbook to this file; leave BOOK as it is.", dir_okay=False)] = None,
         force: ForceOpt = False,
         quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """SEPA direct debit: create a collection and its pain.008 file, or confirm / reject one."""
    from xlar.book.sepa import run_sepa_file

    modes = sum(bool(x) for x in (collection_date, confirm, reject))
    if modes != 1:
        raise typer.BadParameter("give exactly one of --collection-date, --confirm, --reject")
    if collection_date and out is None:
        raise typer.BadParameter("--collection-date needs --out FILE.xml", param_hint="--out")
    day = _date_opt(collection_date, "--collection-date")
    ret = _date_opt(return_date, "--return-date")
    label = (f"sepa --collection-date {collection_date}" if day else f"sepa --confirm {confirm}" if confirm
             else "sepa --reject " + " ".join(reject or []))
    outcome = _attempt("sepa", book, as_json, lambda: run_sepa_file(
        book, collection_date=day, xml_out=out, confirm_id=confirm, reject_ids=reject, return_date=ret,
        version=fmt, collection_id=collection_id, book_out=book_out, label=label, force=force))
    _finish(outcome, quiet=quiet, as_json=as_json)


@app.command()
def predict(book: BookArg,
            seed: Annotated[int, typer.Option("--seed", help="Random seed of the model (results are repeatable).")]
            = 0,
            force: ForceOpt = False,
            out: OutOpt = None, quiet: QuietOpt = False, as_json: JsonOpt = False) -> None:
    """Predict which open invoices will be paid late (Outlook sheet); needs the predict extra."""
    from xlar.book.outlook import run_predict_file

    outcome = _attempt("predict", book, as_json,
                       lambda: run_predict_file(book, out=out, seed=seed, force=force))
    _finish(outcome, quiet=quiet, as_json=as_json)


@app.command()
def template(out: Annotated[Path, typer.Argument(help="The new workbook (.xlsx; .xlsm with --macro-enabled).",
                                                 dir_okay=False, metavar="OUT.xlsx")],
             currency: Annotated[str, typer.Option("--currency", help="Company currency (number formats).")]
             = "EUR",
             macro_enabled: Annotated[bool, typer.Option(
                 "--macro-enabled", help="The starter workbook (.xlsm): a Start sheet with a button per action, "
                 "the AsOfDate cell and the xlar + xlwings VBA modules (no add-in needed).")] = False,
             force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
             quiet: QuietOpt = False) -> None:
    """A new, empty client workbook: every sheet, table, drop-down and default setting."""
    from xlar.book.template import build_template

    if out.exists() and not force:
        _console(stderr=True).print(f"[red]xlar template: {escape(str(out))} exists; use --force to replace it[/red]")
        raise typer.Exit(2)
    want = ".xlsm" if macro_enabled else ".xlsx"
    if out.suffix.lower() != want:
        _console(stderr=True).print(f"[red]xlar template: the workbook must be an {want} file"
                                    + ("" if macro_enabled else " (or use --macro-enabled with OUT.xlsm)") + "[/red]")
        raise typer.Exit(2)
    try:
        if macro_enabled:
            from xlar.addin.workbooks import build_starter

            build_starter(out, currency=currency.strip().upper() or "EUR")
        else:
            build_template(out, currency=currency.strip().upper() or "EUR")
    except OSError as exc:
        _console(stderr=True).print(f"[red]xlar template: cannot write {escape(str(out))}: {escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    if not quiet:
        _console().print(f"[bold]xlar template[/bold] {escape(str(out))}: [green]written[/green]")


addin_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                        help="The xlar ribbon add-in for desktop Excel (Windows, Mac): install, remove, status.")
app.add_typer(addin_app, name="addin")


def _addin(action: str, quiet: bool) -> None:
    from xlar.addin import install as ins

    place = ins.Place(ins.current_platform())
    try:
        if action == "status":
            st = ins.status(place)
            lines, code = st.lines, 1 if st.mismatch else 0
        else:
            lines, code = (ins.install(place) if action == "install" else ins.remove(place)), 0
    except ins.NoExcel as exc:
        _console(stderr=True).print(f"[red]xlar addin {action}: {escape(str(exc))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        _console(stderr=True).print(f"[red]xlar addin {action}: {escape(str(exc))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    if not quiet or code:
        con = _console(stderr=bool(code))
        for line in lines:
            con.print(f"xlar addin {action}: {escape(line)}", soft_wrap=True)
    raise typer.Exit(code)


@addin_app.command(name="install")
def addin_install(quiet: QuietOpt = False) -> None:
    """Build xlar.xlam from the installed xlwings and put it in Excel's startup folder (XLSTART)."""
    _addin("install", quiet)


@addin_app.command(name="remove")
def addin_remove(quiet: QuietOpt = False) -> None:
    """Take xlar.xlam out of Excel's startup folder."""
    _addin("remove", quiet)


@addin_app.command(name="status")
def addin_status(quiet: QuietOpt = False) -> None:
    """Where the add-in is, and whether its xlar/xlwings versions match the installed packages (exit 1 if not)."""
    _addin("status", quiet)


@app.command()
def demo(directory: Annotated[Path, typer.Argument(help="Folder for the demo workbook.", file_okay=False)]
         = Path("."),
         quiet: QuietOpt = False) -> None:
    """Build a realistic demo workbook, run the whole cycle on it and leave it to open."""
    from xlar.demo import run_demo  # lazy: the demo pulls in its data generator

    con = Console(quiet=quiet, highlight=False)
    raise typer.Exit(run_demo(directory, con))


def main() -> None:
    """Console entry point (``xlar = "xlar.cli:main"``)."""
    app()


if __name__ == "__main__":
    main()

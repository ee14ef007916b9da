"""``xlar write-off``: write off small balances, or reverse one write-off (:mod:`xlar.core.writeoff`).

Reads the book, posts through the settlement engine and writes what it changed like ``post``:
new and changed Ledger rows, Applications, GLEntries, Issues and a RunLog row. A run with an
error writes only Issues and RunLog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from xlar.book import plan as P
from xlar.book.commands import Outcome, next_run
from xlar.book.grid import Grid
from xlar.book.issues import SheetIssue, resolve
from xlar.book.rows import read_book
from xlar.book.xlsxparts import locked_run, open_file, save_file
from xlar.core.model import Settlement
from xlar.core.money import ZERO
from xlar.core.writeoff import absorb, reverse_write_off, write_off


@dataclass(slots=True)
class WriteOffOutcome(Outcome):
    written_off: int = 0
    amount_lcy: str = ""

    def to_json(self) -> dict[str, object]:
        d = Outcome.to_json(self)
        d.update({"written_off": self.written_off, "amount_lcy": self.amount_lcy})
        return d


def _plan(plan: P.WritePlan, read: object, settlements: list[Settlement], o: Outcome) -> None:
    book = read.book  # type: ignore[attr-defined]
    changed: set[int] = set()
    new_apps: dict[int, object] = {}
    upd_apps: dict[int, object] = {}
    gl = []
    for s in settlements:
        book = absorb(book, s)
        changed |= set(s.changed_entry_nos)
        for a in s.new_applications:
            new_apps[a.application_no] = a
        for a in s.updated_applications:
            (new_apps if a.application_no in new_apps else upd_apps)[a.application_no] = a
        gl.extend(s.new_gl)
    o.new_entries = P.plan_ledger(plan, read, book.ledger, frozenset(changed))  # type: ignore[arg-type]
    P.plan_applications(plan, read, tuple(new_apps.values()), tuple(upd_apps.values()), book.ledger)  # type: ignore
    P.plan_gl(plan, read, tuple(gl))  # type: ignore[arg-type]
    o.changed_entries = len([n for n in changed if n in read.ledger_rows])  # type: ignore[attr-defined]
    o.applications = len(new_apps)
    o.gl_lines = len(gl)


def execute_write_off(grids: dict[str, Grid], *, as_of: date | None = None, max_lcy: Decimal | None = None,
                      older_than: str = "90D", reason: str = "", account: str | None = None,
                      posting_date: date | None = None, customers: frozenset[str] | None = None,
                      reverse: str | None = None, started: datetime | None = None, fingerprint: str = "",
                      label: str = "write-off") -> tuple[P.WritePlan, WriteOffOutcome]:
    started = started or datetime.now().replace(microsecond=0)
    read = read_book(grids, need=("Ledger",))
    o = WriteOffOutcome(command="write-off", run=next_run(grids), result="", exit_code=0)
    journal = read.index.bound["Journal"].grid.title if "Journal" in read.index.bound else None
    issues: list[SheetIssue] = [i for i in read.issues if not (i.sheet == journal and i.is_error)]
    plan = P.WritePlan()
    if not any(i.is_error for i in issues):
        book = read.book
        if reverse is not None:
            r = reverse_write_off(book, reverse, posting_date=posting_date)
            issues += [resolve(i, read.index) for i in r.issues]
            if r.ok:
                _plan(plan, read, [r.unapplied, r.posted], o)  # type: ignore[list-item]
                o.result = f"Reversed {reverse.strip().upper()}"
        else:
            assert as_of is not None and max_lcy is not None
            run = write_off(book, as_of, max_lcy=max_lcy, older_than=older_than, reason=reason,
                            account=account or book.settings.accounts.write_off, posting_date=posting_date,
                            customers=customers)
            issues += [resolve(i, read.index) for i in run.issues]
            if run.settlement is not None and run.settlement.posted:
                _plan(plan, read, [run.settlement], o)
                o.written_off = len(run.written)
                o.amount_lcy = str(sum((w.amount_lcy for w in run.written), ZERO))
                o.result = f"Wrote off {o.written_off} entr{'y' if o.written_off == 1 else 'ies'} ({o.amount_lcy} LCY)"
            elif run.settlement is None:
                o.result, o.amount_lcy = "Nothing to write off", "0"
    o.issues = issues
    if o.errors or not o.result:
        o.exit_code, o.result = 1, "Errors: nothing posted"
        plan = P.WritePlan()
    P.plan_close(plan, o, started=started, command=label, fingerprint=fingerprint, lines_posted=0)
    return plan, o


@locked_run()
def run_write_off(path: Path, *, out: Path | None = None, label: str = "write-off", engine: str = "auto",
                  **options: object) -> WriteOffOutcome:
    """Open ``path``, write off (or reverse), save atomically (to ``out`` when given)."""
    book = open_file(Path(path), engine)
    plan, o = execute_write_off(book.grids, fingerprint=book.fingerprint, label=label, **options)  # type: ignore
    written = save_file(book, plan, out, engine)
    o.workbook, o.written_to = str(path), str(written)
    return o

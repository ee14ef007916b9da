"""Month end in one call: every figure and report table for a date, and the documents to issue.

``close_month`` is what ``xlar month-end`` (and the macro) runs between reading and
writing the workbook. It pauses the cyclic garbage collector for the run, like
settlement: a month end over a million entries allocates hundreds of thousands of
records and creates no reference cycles.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import date

from xlar.core.aging import Aging, AgingBy, Balances, TieOut, age, aging_table, balances_as_of, tie_out
from xlar.core.dunning import FINANCE_CHARGE, REMINDER, Collections, DunningRun, dunning_table, issue, suggest
from xlar.core.kpi import Kpis, kpi_rows, kpis
from xlar.core.model import Book
from xlar.core.statements import Statement, statements, statements_table
from xlar.core.tables import Table
from xlar.core.terms import index_of
from xlar.core.unapplied import Notes, unapplied_table


@dataclass(slots=True)
class MonthEnd:
    as_of: date
    start: date
    balances: Balances
    aging: Aging
    aging_by_posting: Aging
    tie: TieOut
    kpis: Kpis
    statements: tuple[Statement, ...]
    dunning: DunningRun
    issued: bool
    tables: list[Table] = field(default_factory=list)


def close_month(book: Book, col: Collections, as_of: date, *, start: date | None = None,
                period_length: str = "30D", periods: int = 3, issue_documents: bool = False,
                with_statements: bool = True, unapplied_notes: Notes | None = None) -> MonthEnd:
    """Aging (due and posting date), tie-out, KPIs, statements, reminders and finance charges as of ``as_of``.

    ``start`` (default: the first of the month) opens the statement and KPI period.
    With ``issue_documents`` the suggested reminders and memos are issued: their ledger
    entries, G/L lines and trail are in ``dunning``. ``unapplied_notes`` (entry no. -> owner,
    reason) are the previous UnappliedCash report's, written back next to the same entries.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        start = start or as_of.replace(day=1)
        lcy = index_of(book).lcy
        bal = balances_as_of(book, as_of)
        aging = age(book, as_of, period_length=period_length, periods=periods, balances=bal)
        by_posting = age(book, as_of, by=AgingBy.POSTING_DATE, period_length=period_length, periods=periods,
                         balances=bal)
        tie = tie_out(book, bal)
        k = kpis(book, bal, start)
        t = aging_table(aging, tie, second=by_posting)
        kpi_rows(t, k, lcy)
        tables = [t]
        sts: tuple[Statement, ...] = ()
        if with_statements:
            sts = statements(book, start, as_of, closing=bal)
            tables.append(statements_table(sts, start, as_of, aging))
        dun = suggest(book, col, as_of, balances=bal)
        if issue_documents and dun.documents:
            dun = issue(book, col, dun)
        tables.append(dunning_table(dun, REMINDER, lcy, issued=issue_documents))
        tables.append(dunning_table(dun, FINANCE_CHARGE, lcy, issued=issue_documents))
        tables.append(unapplied_table(book, as_of, balances=bal, period_length=period_length, periods=periods,
                                      notes=unapplied_notes))
        return MonthEnd(as_of, start, bal, aging, by_posting, tie, k, sts, dun, issue_documents, tables)
    finally:
        if was:
            gc.enable()

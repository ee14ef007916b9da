"""Cash-application safeguards run on the journal before ``post`` / ``check`` settle it.

:func:`screen_journal` applies the ``Remittance`` sheet (:mod:`xlar.book.remittance`,
:mod:`xlar.core.remittance`) and the duplicate payment check (:mod:`xlar.core.duplicates`)
to a :class:`~xlar.book.rows.ReadResult`. A line either finds refuses is treated like a
journal line with a bad cell: it is left out of the journal, it gets ``Status = Error``,
and the run is all-or-nothing unless ``--skip-errors``. Problems on the Remittance sheet
belong to the payment that uses the remittance, so they never stop the other lines.
"""

from __future__ import annotations

import dataclasses

from xlar.book.issues import SheetIssue, resolve
from xlar.book.remittance import locate, read_remittances
from xlar.book.rows import ReadResult
from xlar.core.duplicates import CODE, describe, find_duplicate_payments, severity_of
from xlar.core.model import DocumentType, Severity
from xlar.core.remittance import TABLE, apply_remittances


def screen_journal(read: ReadResult) -> list[SheetIssue]:
    """Remittances, then duplicate payments; updates ``read.book`` / ``read.bad_lines``; returns issues."""
    book = read.book
    todo = [ln for ln in book.journal if ln.status.strip().lower() != "posted"]
    if not todo:
        return []
    out: list[SheetIssue] = []
    failed: dict[int, str] = {}
    used = {ln.applies_to_id.strip().upper() for ln in todo if ln.applies_to_id}
    if used:
        exps = dict(book.settings.currency_exponents) or None
        lcy = book.settings.company_currency.upper()
        rem, unreadable, issues = read_remittances(read.grids, used, lcy, exps)
        out += issues
        if rem or unreadable:
            res = apply_remittances(book, rem, unreadable=unreadable)
            book = res.book
            failed.update(res.failed)
            out += [locate(read.grids, i) if i.ref is not None and i.ref.table == TABLE
                    else resolve(i, read.index) for i in res.issues]
    sev = severity_of(book.settings.duplicate_payment_check)
    if sev is not None and any(ln.document_type is DocumentType.PAYMENT for ln in todo):
        for d in find_duplicate_payments(book):
            sheet, row, column, value = read.index.locate("journal", d.line_no, "amount")
            o_sheet, o_row, o_col, o_value = read.index.locate(d.other.table, d.other.key, "amount")
            problem = describe(d, f"{o_sheet} row {o_row}, {o_col} = {o_value}")
            out.append(SheetIssue(sheet, row, column, value, problem, CODE, sev))
            if sev is Severity.ERROR:
                failed.setdefault(d.line_no, problem)
    if failed:
        book = dataclasses.replace(book, journal=tuple(ln for ln in book.journal if ln.line_no not in failed))
        for n, msg in failed.items():
            read.bad_lines.setdefault(n, msg)
    read.book = book
    return out

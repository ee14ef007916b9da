"""Issues as the Issues sheet shows them: (Sheet, Row, Column, Value, Problem) plus a stable code.

The book layer finds most input problems itself (:data:`CATALOGUE`); the core reports the
rest with a :class:`~xlar.core.model.Ref` (table, key, field), which :func:`resolve` turns
into a sheet cell through the row index built while reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlar.core.model import Issue, Severity

if TYPE_CHECKING:
    from xlar.book.rows import RowIndex

#: Codes raised by the workbook layer. Core codes (``xlar.core``) pass through unchanged.
CATALOGUE: dict[str, str] = {
    "missing-sheet": "A sheet the command needs is not in the workbook.",
    "missing-column": "A required column is not on the sheet (columns are found by header, not position).",
    "duplicate-column": "Two headers on one sheet mean the same column; the first one is used.",
    "missing-value": "A required cell is blank.",
    "bad-date": "Not a date: use an Excel date or ISO text such as 2026-10-31.",
    "bad-number": "Not a number.",
    "bad-bool": "Not TRUE or FALSE.",
    "bad-integer": "Not a whole number.",
    "bad-rate": "An exchange rate must be a number greater than zero.",
    "bad-date-formula": "Not a date formula (use e.g. 0D, 14D, 2W, 1M, CM, CM+10D).",
    "bad-choice": "Not one of the allowed values for this column.",
    "unknown-document-type": "Not a document type this sheet allows.",
    "uncalculated-formula": "The cell holds a formula Excel has not calculated; open and save the book in Excel.",
    "duplicate-entry-no": "Two ledger entries have the same Entry No.",
    "duplicate-line-no": "Two journal lines have the same Line No.",
    "duplicate-customer": "Two customers have the same Customer No.",
    "duplicate-terms-code": "Two payment terms have the same Code.",
    "duplicate-application-no": "Two application rows repeat the same application (Application No. and entries).",
    "duplicate-setting": "A setting is given twice.",
    "unknown-setting": "The Settings sheet names a setting xlar does not know; it is ignored.",
    "unknown-customer": "The customer is not on the Customers sheet.",
    "unknown-payment-terms": "The payment terms code is not on the PaymentTerms sheet.",
    "unknown-currency": "No exchange rate for this currency on or before the date.",
    "bad-entry": "The ledger row cannot be turned into an entry.",
    "line-not-posted": "The journal line was not posted because other lines or sheets have errors.",
    "unknown-application": "No application with this number.",
    "internal-error": "xlar failed on this run (a bug); nothing was posted. Please report it.",
}


@dataclass(frozen=True, slots=True)
class SheetIssue:
    """One row of the Issues sheet (without the run number)."""

    sheet: str
    row: int | None
    column: str
    value: object
    problem: str
    code: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def resolve(issue: Issue, index: RowIndex) -> SheetIssue:
    """A core issue placed on the sheet cell its ``Ref`` names."""
    ref = issue.ref
    if ref is None:
        return SheetIssue("", None, "", None, issue.problem, issue.code, issue.severity)
    sheet, row, column, value = index.locate(ref.table, ref.key, ref.field)
    if ref.value is not None:
        value = ref.value
    return SheetIssue(sheet, row, column, value, issue.problem, issue.code, issue.severity)

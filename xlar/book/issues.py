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
    "too-many-digits": "An amount with more than 15 significant digits: Excel keeps 15, so it would not come back "
                       "as it was posted.",
    "text-too-long": "Text longer than the 32,767 characters an Excel cell holds.",
    "reposted-line": "A journal line whose content was posted before (PostedLines) and whose Status was cleared; "
                     "post --repost posts it again.",
    "duplicate-open-document": "A journal line's Applies-to Doc. No. is on two or more open ledger entries of the "
                               "customer (a warning: it is applied to one of them).",
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
    "unknown-application": "No application with this number.",
    "internal-error": "xlar failed on this run (a bug); nothing was posted. Please report it.",
    # cash-application safeguards (xlar.book.safeguards), raised on post and check
    "small-remainder-left-open": "A posting left an entry open with a remainder at or below the Small Remainder "
                                 "Limit (a warning: it is posted).",
    "possible-duplicate-payment": "A journal payment has the customer, amount and date (and external document no.) "
                                  "of another journal payment or of a posted payment (Duplicate Payment Check).",
    # credit limits (xlar.book.credit, xlar.core.credit), raised on post and check
    "credit-limit-exceeded": "A journal invoice takes the customer's balance over its Credit Limit (a warning, or "
                             "with Credit Limit Check = Error a line error: not posted).",
    "overdue-balance": "A journal invoice for a customer with an overdue balance (Credit Warnings = Overdue Balance "
                       "or Both Warnings; a warning: it is posted).",
    "invalid-payment-reference": "A Payment Reference whose check digits, length or characters are wrong under "
                                 "Settings Payment Reference Scheme (Ledger: a warning; Journal: the line is not "
                                 "posted).",
    "remittance-unknown-document": "A Remittance row names a document no ledger entry has.",
    "remittance-other-customer": "A Remittance row's document, or the row itself, is of another customer than the "
                                 "payment.",
    "remittance-document-closed": "A Remittance row names a document that is already closed.",
    "remittance-exceeds-remaining": "Amount Paid plus Discount Taken on a Remittance row is more than the document's "
                                    "remaining amount.",
    "remittance-total-mismatch": "The Amount Paid of a remittance do not add up to the payment that names it.",
    "remittance-discount-refused": "The customer took a discount the payment terms do not grant on the payment date.",
    "remittance-conflict": "Another ledger entry already carries the Remittance ID, or two remittances name one "
                           "document.",
    "remittance-unreadable": "A row of the remittance has a cell xlar cannot read, so the payment is not applied.",
}

#: Codes the settlement core (``xlar.core.settle``) reports for post, check, apply and unapply;
#: they reach the Issues sheet through :func:`resolve`. ``tests/book/test_issue_codes.py`` has a
#: case for every code here and in :data:`CATALOGUE`, and fails when a code has none.
SETTLE_CODES: dict[str, str] = {
    "bad-document-type": "The journal can post only Payment, Refund, Invoice and Credit Memo lines.",
    "non-positive-amount": "Journal amounts are positive; the document type gives the sign.",
    "missing-document-no": "The journal line has no Document No.",
    "applies-to-both": "A line gives both Applies-to Doc. No. and Applies-to ID.",
    "missing-customer": "No Customer No. and no applies-to that identifies the customer.",
    "ambiguous-customer": "The applies-to documents belong to several customers.",
    "unknown-customer": "The customer is not on the Customers sheet.",
    "customer-blocked": "The customer is blocked for this transaction.",
    "missing-exchange-rate": "No exchange rate for the line's currency on or before its date.",
    "duplicate-document-no": "An invoice or credit memo with this Document No. is already posted.",
    "applies-to-not-found": "No open ledger entry of the customer has this document number.",
    "applies-to-wrong-sign": "The applies-to document is on the same side of the account as the line.",
    "applies-to-closed": "The applies-to document is already closed.",
    "applies-to-id-not-found": "No open ledger entry carries this Applies-to ID.",
    "amount-to-apply-sign": "Amount to Apply has the opposite sign of the entry's remaining amount.",
    "amount-to-apply-exceeds-remaining": "Amount to Apply is larger than the entry's remaining amount.",
    "full-settlement-needs-applies-to": "Full Settlement needs Applies-to Doc. No. or Applies-to ID.",
    "nothing-to-apply": "Entries marked with one Applies-to ID cannot settle each other.",
    "unknown-application": "No application with this number.",
    "already-unapplied": "The application was already unapplied.",
    "cannot-unapply-reversal": "The application is itself a reversal.",
    "unapply-latest-first": "A later application touches the same entries; unapply that one first.",
    "unknown-entry": "The application refers to ledger entries that are not on the Ledger.",
    "unapply-before-application": "The unapply date is before the application's date.",
    "invalid-payment-reference": "The journal line's Payment Reference is not valid under the Payment Reference "
                                 "Scheme.",
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

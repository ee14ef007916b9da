"""xlwings Lite and xlwings Server entry points: thin ``@script`` wrappers over :mod:`xlar.macros`.

In xlwings Lite, put ``xlar`` into the add-in's ``requirements.txt`` and this line into
``main.py``::

    from xlar.lite import *  # noqa: F403  (the xlar scripts appear in the Scripts pane)

xlwings Server: import this module in the app's ``custom_scripts``. The workbook is
injected as ``book``; the macros write through the remote engine's actions.

Lite has no file system of the user's: a bank statement is pasted into the
``StatementPaste`` sheet and imported from there (``xlar_import_statement`` without a
file), and a SEPA collection's pain.008 file is written to the ``SepaFile`` sheet, one
line per row, to be copied into a file (``xlar_sepa`` without ``xml_path``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import xlwings as xw
from xlwings import script

from xlar import macros


@script
def xlar_post(book: xw.Book) -> None:
    """Post the Journal."""
    macros.post(book)


@script
def xlar_post_skip_errors(book: xw.Book) -> None:
    """Post the good journal lines; mark the bad ones."""
    macros.post(book, skip_errors=True)


@script
def xlar_apply(book: xw.Book, applies_to_id: str = "") -> None:
    """Apply open ledger entries that share an Applies-to ID (blank: every ID)."""
    macros.apply(book, applies_to_id=applies_to_id or None)


@script
def xlar_unapply(book: xw.Book, application_no: int = 0, posting_date: dt.date | None = None) -> None:
    """Reverse an application (0: the one on the selected row of the Applications sheet)."""
    macros.unapply(book, application_no=application_no or None, posting_date=posting_date)


@script
def xlar_check(book: xw.Book) -> None:
    """Check the workbook; write Issues; post nothing."""
    macros.check(book)


@script
def xlar_import_statement(book: xw.Book, file: str = "", profile: str = "", statement_no: str = "") -> None:
    """Import a bank statement into BankStatement: the one pasted into the StatementPaste sheet (CAMT.053,
    MT940, BAI2, OFX or CSV text in column A, or a table), or a file of the Python side (file)."""
    macros.import_statement(book, file=file or None, profile=profile or None, statement_no=statement_no or None)


@script
def xlar_match(book: xw.Book, profile: str = "") -> None:
    """Propose matches for the open statement lines (MatchProposals)."""
    macros.match(book, profile=profile or None)


@script
def xlar_accept(book: xw.Book, min_confidence: Literal["High", "Medium", "Low"] = "High") -> None:
    """Post the statement lines matched with at least this confidence (and the Manual ones)."""
    macros.accept(book, min_confidence=min_confidence)


@script
def xlar_reconcile(book: xw.Book, statement_no: str = "") -> None:
    """Reconcile a statement (blank: the one on the selected BankStatement row)."""
    macros.reconcile(book, statement_no=statement_no or None)


@script
def xlar_month_end(book: xw.Book, as_of: dt.date | None = None, issue: bool = False) -> None:
    """Aging with the G/L tie-out, statements, reminders, finance charges (as of: blank = the AsOfDate cell or
    today; issue: post the reminders and memos)."""
    macros.month_end(book, as_of=as_of, issue=issue)


@script
def xlar_sepa(book: xw.Book, collection_date: dt.date | None = None, xml_path: str = "", confirm: str = "",
              reject: str = "") -> None:
    """SEPA direct debit: collect (the pain.008 file's lines go to the SepaFile sheet, or to xml_path on the
    Python side), or confirm / reject a collection."""
    macros.sepa(book, collection_date=collection_date, xml_path=xml_path or None, confirm=confirm or None,
                reject=reject.split() or None)


@script
def xlar_predict(book: xw.Book) -> None:
    """Predict which open invoices will be paid late (Outlook sheet; needs scikit-learn)."""
    macros.predict(book)


__all__ = ["xlar_accept", "xlar_apply", "xlar_check", "xlar_import_statement", "xlar_match", "xlar_month_end",
           "xlar_post", "xlar_post_skip_errors", "xlar_predict", "xlar_reconcile", "xlar_sepa", "xlar_unapply"]

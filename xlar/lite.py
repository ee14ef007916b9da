"""xlwings Lite and xlwings Server entry points: thin ``@script`` wrappers over :mod:`xlar.macros`.

In xlwings Lite, put ``xlar`` into the add-in's ``requirements.txt`` and this line into
``main.py``::

    from xlar.lite import *  # noqa: F403  (the xlar scripts appear in the Scripts pane)

xlwings Server: import this module in the app's ``custom_scripts``. The workbook is
injected as ``book``; the macros write through the remote engine's actions.
"""

from __future__ import annotations

import datetime as dt

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


__all__ = ["xlar_apply", "xlar_check", "xlar_post", "xlar_post_skip_errors", "xlar_unapply"]

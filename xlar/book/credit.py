"""Credit limits on ``post`` and ``check``: :func:`xlar.core.credit.check_credit` on the journal.

Runs after the cash-application safeguards (:mod:`xlar.book.safeguards`), on the same terms: an
invoice line the check refuses (``Credit Limit Check = Error``) is left out of the journal and gets
``Status = Error`` like a line with a bad cell; warnings are only reported.
"""

from __future__ import annotations

import dataclasses

from xlar.book.issues import SheetIssue, resolve
from xlar.book.rows import ReadResult
from xlar.core.credit import check_credit
from xlar.core.model import Severity


def screen_credit(read: ReadResult) -> list[SheetIssue]:
    """The credit issues of the journal; refused lines go to ``read.bad_lines`` and out of ``read.book``."""
    found = check_credit(read.book)
    failed: dict[int, str] = {}
    for f in found:
        if f.issue.severity is Severity.ERROR:
            failed.setdefault(f.line_no, f.issue.problem)
    if failed:
        read.book = dataclasses.replace(read.book, journal=tuple(ln for ln in read.book.journal
                                                                 if ln.line_no not in failed))
        for n, msg in failed.items():
            read.bad_lines.setdefault(n, msg)
    return [resolve(f.issue, read.index) for f in found]

"""The residual-cents guard: no run leaves a few cents open on an entry unnoticed.

BC and D365 leave an invoice open with whatever a payment did not cover (unless payment
tolerance or an over/underpayment write-off closes it), so a payment 0.01 short leaves
0.01 open for months, and the invoice shows as overdue for one cent. xlar posts exactly
as they do, but flags every entry a run's applications leave open with a remainder at
or below ``Small Remainder Limit`` (company currency; 0 turns it off): one warning per
entry, on its Remaining Amount cell, naming the document, the remainder and what can
close it. Warnings never stop a posting.
"""

from __future__ import annotations

from itertools import compress
from operator import attrgetter

from xlar.core.model import Issue, Ref, Settings, Settlement, Severity
from xlar.core.money import ZERO

CODE = "small-remainder-left-open"
_NO = attrgetter("entry_no")


def small_remainders(s: Settlement, settings: Settings) -> list[Issue]:
    """Warnings for the entries ``s``'s new applications leave open with 0 < remainder (LCY) <= the limit."""
    limit = settings.small_remainder_limit
    if not limit or limit <= 0 or not s.new_applications:
        return []
    by: dict[int, tuple[str, object]] = {}  # entry no -> (the other document, date) of its last application
    for a in s.new_applications:
        by[a.applied_entry_no] = (a.applying_document_no, a.posting_date)
        by[a.applying_entry_no] = (a.applied_document_no, a.posting_date)
    lcy = settings.company_currency.upper()
    out: list[Issue] = []
    for e in compress(s.ledger, map(by.__contains__, map(_NO, s.ledger))):
        if not e.open or not e.remaining_amount:
            continue
        left_lcy = e.remaining_amount if (e.currency or lcy).upper() == lcy else e.remaining_amount_lcy
        if abs(left_lcy) > limit or left_lcy == ZERO:
            continue
        other, day = by[e.entry_no]
        cur = e.currency or lcy
        problem = (f"{e.document_type.value} {e.document_no} of {e.customer_no} is left open with "
                   f"{e.remaining_amount} {cur} after applying {other} on {day}, at or below the Small Remainder "
                   f"Limit {limit} {lcy}: close it (payment tolerance, a credit memo, applying it to another "
                   f"entry) or accept it by setting the limit to 0.")
        out.append(Issue(code=CODE, problem=problem, severity=Severity.WARNING,
                         ref=Ref(table="ledger", key=e.entry_no, field="remaining_amount", value=e.remaining_amount)))
    return out


__all__ = ["CODE", "small_remainders"]

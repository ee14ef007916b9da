"""The ``UnappliedCash`` report (month end): the Owner and Reason the user typed, read back by Entry No.

The report itself is a core table (:mod:`xlar.core.unapplied`) rewritten on every
month-end run. Before it is rewritten, :func:`read_notes` collects the user's ``Owner``
and ``Reason`` cells from every block of the old sheet whose heading row has ``Entry
No.``, ``Owner`` and ``Reason`` (found by header, so moved columns still read), and the
new report writes them next to the same entries.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from xlar.book.cells import is_blank, read_text
from xlar.book.grid import Grid, find
from xlar.book.schema import norm
from xlar.core.unapplied import NAME


def _entry_no(v: object) -> int | None:
    if isinstance(v, bool) or is_blank(v):
        return None
    try:
        d = Decimal(str(v).strip())
    except InvalidOperation:
        return None
    return int(d) if d == d.to_integral_value() and d > 0 else None


def read_notes(grids: dict[str, Grid]) -> dict[int, tuple[str, str]]:
    """Entry no. -> (Owner, Reason) from the previous UnappliedCash sheet; rows with neither are left out."""
    grid = find(grids, NAME)
    if grid is None:
        return {}
    notes: dict[int, tuple[str, str]] = {}
    pos: tuple[int, int, int] | None = None
    for _, vals in [(grid.header_row, grid.headers), *grid.rows]:
        keys = [norm(v) for v in vals]
        if "entryno" in keys and "owner" in keys and "reason" in keys:
            pos = (keys.index("entryno"), keys.index("owner"), keys.index("reason"))
            continue
        if pos is None or pos[0] >= len(vals):
            continue
        no = _entry_no(vals[pos[0]])
        if no is None:
            continue
        owner = read_text(vals[pos[1]]).strip() if pos[1] < len(vals) and not is_blank(vals[pos[1]]) else ""
        reason = read_text(vals[pos[2]]).strip() if pos[2] < len(vals) and not is_blank(vals[pos[2]]) else ""
        if owner or reason:
            notes[no] = (owner, reason)
    return notes

"""Golden snapshots of the month-end report tables (as text), for the history in conftest.

Update after a deliberate change with ``XLAR_UPDATE_GOLDEN=1 python -m pytest tests/month_end/test_golden.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from tests.month_end.test_dunning import FT, RT
from xlar.core.dunning import Collections
from xlar.core.model import Book
from xlar.core.month_end import close_month

GOLDEN = Path(__file__).with_name("golden")
COL = Collections(reminder_terms=(RT,), finance_charge_terms=(FT,),
                  customer_reminder_terms={"C1": "STD", "C2": "STD", "C3": "STD", "C4": "STD"},
                  customer_fin_charge_terms={"C2": "FC", "C4": "FC"})


@pytest.mark.parametrize("as_of", [date(2026, 2, 28), date(2026, 3, 31)], ids=str)
def test_month_end_reports(full: Book, as_of: date) -> None:
    me = close_month(full, COL, as_of, issue_documents=True)
    got = {t.name: t.texts() for t in me.tables}
    got["_new_gl"] = [[g.document_no, g.account_no, str(g.debit), str(g.credit)] for g in me.dunning.new_gl]
    path = GOLDEN / f"month_end_{as_of.isoformat()}.json"
    if os.environ.get("XLAR_UPDATE_GOLDEN") or not path.exists():
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    assert got == json.loads(path.read_text())

"""The ``BankLedger`` sheet: the bank account's ledger entries, read and appended.

One place for the sheet's columns and for writing new entries, shared by the commands
that post money through the bank: ``xlar accept`` (a statement line posted) and
``xlar sepa`` (``--confirm``: one entry per collected debit; ``--reject``: one negative
entry per refunded debit). :mod:`xlar.book.bank` reads the sheet for matching and
reconciliation through :func:`read_bank_ledger` as well.

The workbook keeps one bank account: the one ``Settings`` names as ``Bank Account``
(G/L) and whose IBAN is ``SEPASetup``'s ``Creditor IBAN``; BankLedger is its ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from xlar.book import plan as P
from xlar.book.grid import Grid
from xlar.book.issues import SheetIssue
from xlar.book.rows import read_sheet_rows
from xlar.book.schema import Column, Cur, Kind, SheetSpec
from xlar.core.bank import BankLedgerEntry

C, K = Column, Kind

BANK_LEDGER = SheetSpec("BankLedger", (
    C("Entry No.", "entry_no", K.INT, required=True),
    C("Posting Date", "posting_date", K.DATE, required=True),
    C("Document No.", "document_no"),
    C("Description", "description"),
    C("Amount", "amount", K.MONEY, required=True, currency=Cur.LCY),
    C("Open", "open", K.BOOL),
    C("Statement No.", "statement_no"),
    C("Statement Line No.", "statement_line_no", K.INT),
    C("Type", "type", extension=True),
))


def read_bank_ledger(grids: dict[str, Grid], issues: list[SheetIssue], lcy: str = "EUR"
                     ) -> tuple[list[BankLedgerEntry], dict[int, int]]:
    """The BankLedger entries and the Excel row of each, by Entry No. (bad cells go to ``issues``)."""
    entries: list[BankLedgerEntry] = []
    rows: dict[int, int] = {}
    for row, f in read_sheet_rows(grids, BANK_LEDGER, issues, lcy):
        f.setdefault("document_no", "")
        if "statement_line_no" in f and f["statement_line_no"] is None:
            f.pop("statement_line_no")
        e = BankLedgerEntry(**f)  # type: ignore[arg-type]
        entries.append(e)
        rows[e.entry_no] = row
    return entries, rows


def next_entry_no(entries: Iterable[BankLedgerEntry]) -> int:
    return max((e.entry_no for e in entries), default=0) + 1


def plan_bank_entries(plan: P.WritePlan, entries: Iterable[BankLedgerEntry], lcy: str) -> None:
    """Append ``entries`` to BankLedger (blank fields stay blank cells; the description is cut at 100)."""
    sw = plan.sheet(BANK_LEDGER)
    for e in entries:
        sw.appends.append(P.record_row(replace(e, description=e.description[:100]), BANK_LEDGER.columns, lcy))

"""Write off small balances and reverse a write-off (xlar.core.writeoff), with the G/L.

As of 2026-03-31, at most 5.00, older than 90D (due on or before 2025-12-30):

* A: INV-A 100.00 due 2025-12-01, paid 96.50 on 2025-12-20: 3.50 open -> written off by credit
  memo WO-1: Dr 8620 3.50 / Cr 1100 3.50;
* B: PAY-B 504.00 on 2025-12-15 against INV-B 500.00: -4.00 open -> written off by refund WO-4:
  Dr 1100 4.00 / Cr 8620 4.00;
* C: INV-C 4.00 due 2026-03-20: too recent; D: INV-D 20.00 due 2025-11-01: more than 5.00;
  E: INV-E 2.00 due 2025-12-31: 90 days old, not older.

The write-off account ends at 3.50 - 4.00 = -0.50 (a credit: income); reversing WO-1 posts
WOR-1 (Dr 1100 3.50 / Cr 8620 3.50), INV-A is open again with 3.50, the account at -4.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.domain.harness import Scenario
from xlar.core.model import Book, Customer, DocumentType, JournalLine, Settings
from xlar.core.writeoff import absorb, candidates, cutoff, reverse_write_off, write_off

D = Decimal
DT = DocumentType
AS_OF = date(2026, 3, 31)


def _line(day: date, dt: DocumentType, doc: str, cust: str, amount: str, due: date | None = None,
          docs: tuple[str, ...] = ()) -> JournalLine:
    return JournalLine(line_no=1, posting_date=day, document_type=dt, document_no=doc, customer_no=cust,
                       amount=D(amount), due_date=due, applies_to_doc_nos=docs)


@pytest.fixture(scope="module")
def book() -> Book:
    sc = Scenario(book=Book(settings=Settings(), customers=tuple(
        Customer(customer_no=c, name=f"Customer {c}") for c in "ABCDE")))
    sc.post(_line(date(2025, 12, 1), DT.INVOICE, "INV-A", "A", "100.00", date(2025, 12, 1)))  # entry 1
    sc.post(_line(date(2025, 12, 20), DT.PAYMENT, "PAY-A", "A", "96.50", docs=("INV-A",)))  # 2
    sc.post(_line(date(2025, 12, 10), DT.INVOICE, "INV-B", "B", "500.00", date(2025, 12, 10)))  # 3
    sc.post(_line(date(2025, 12, 15), DT.PAYMENT, "PAY-B", "B", "504.00", docs=("INV-B",)))  # 4
    sc.post(_line(date(2026, 3, 20), DT.INVOICE, "INV-C", "C", "4.00", date(2026, 3, 20)))
    sc.post(_line(date(2025, 11, 1), DT.INVOICE, "INV-D", "D", "20.00", date(2025, 11, 1)))
    sc.post(_line(date(2025, 12, 31), DT.INVOICE, "INV-E", "E", "2.00", date(2025, 12, 31)))
    return sc.book


def _gl(b: Book, doc_prefix: str) -> list[tuple[str, str, Decimal, Decimal]]:
    return [(g.document_no, g.account_no, g.debit, g.credit) for g in b.gl if g.document_no.startswith(doc_prefix)]


def _balance(b: Book, account: str) -> Decimal:
    return sum((g.debit - g.credit for g in b.gl if g.account_no == account), D(0))


@pytest.mark.parametrize("older_than,last", [("90D", date(2025, 12, 30)), ("1M", date(2026, 2, 27)),
                                             ("0D", date(2026, 3, 30))])
def test_cutoff(older_than, last):
    assert cutoff(AS_OF, older_than) == last


@pytest.mark.parametrize("max_lcy,older_than,docs", [
    (D("5.00"), "90D", ["INV-A", "PAY-B"]),
    (D("3.99"), "90D", ["INV-A"]),  # |-4.00| is over 3.99
    (D("5.00"), "0D", ["INV-A", "PAY-B", "INV-C", "INV-E"]),
    (D("20.00"), "90D", ["INV-A", "PAY-B", "INV-D"]),
])
def test_which_entries(book, max_lcy, older_than, docs):
    assert [e.document_no for e in candidates(book, AS_OF, max_lcy, older_than)] == docs


def test_write_off_balances_is_idempotent_and_reverses(book):
    run = write_off(book, AS_OF, max_lcy=D("5.00"), older_than="90D", reason="SMALLBAL", account="8620")
    assert run.settlement is not None and run.settlement.posted, [i.problem for i in run.issues]
    assert [(w.document_no, w.amount) for w in run.written] == [("WO-1", D("3.50")), ("WO-4", D("-4.00"))]
    b = absorb(book, run.settlement)
    assert _gl(b, "WO-") == [("WO-1", "8620", D("3.50"), D(0)), ("WO-1", "1100", D(0), D("3.50")),
                             ("WO-4", "1100", D("4.00"), D(0)), ("WO-4", "8620", D(0), D("4.00"))]
    assert sum(g.debit for g in b.gl) == sum(g.credit for g in b.gl)
    assert _balance(b, "8620") == D("-0.50")
    by_doc = {e.document_no: e for e in b.ledger}
    assert (by_doc["INV-A"].open, by_doc["PAY-B"].open, by_doc["WO-1"].open) == (False, False, False)
    assert by_doc["WO-1"].description == "Write-off SMALLBAL: INV-A" and by_doc["WO-4"].document_type is DT.REFUND
    # a second run writes off nothing
    again = write_off(b, AS_OF, max_lcy=D("5.00"), older_than="90D", reason="SMALLBAL", account="8620")
    assert again.settlement is None and again.written == ()
    # reverse WO-1: INV-A is open again with 3.50, the write-off account back to -4.00
    r = reverse_write_off(b, "wo-1", posting_date=date(2026, 4, 2))
    assert r.ok, [i.problem for i in r.issues]
    b2 = absorb(absorb(b, r.unapplied), r.posted)
    by_doc = {e.document_no: e for e in b2.ledger}
    assert (by_doc["INV-A"].open, by_doc["INV-A"].remaining_amount) == (True, D("3.50"))
    assert (by_doc["WO-1"].open, by_doc["WOR-1"].open, by_doc["WOR-1"].document_type) == (False, False, DT.INVOICE)
    assert _gl(b2, "WOR-") == [("WOR-1", "1100", D("3.50"), D(0)), ("WOR-1", "8620", D(0), D("3.50"))]
    assert _balance(b2, "8620") == D("-4.00") and sum(g.debit for g in b2.gl) == sum(g.credit for g in b2.gl)
    # the history stays: WO-1's application is marked unapplied, a second reversal is refused
    wo1 = by_doc["WO-1"].entry_no
    assert [a.unapplied for a in b2.applications if a.applying_entry_no == wo1 and a.reverses_application_no is None] \
        == [True]
    assert [i.code for i in reverse_write_off(b2, "WO-1").issues] == ["write-off-reversed"]
    assert [i.code for i in reverse_write_off(b2, "WO-99").issues] == ["unknown-write-off"]
    # a write-off once reversed stays reversed: WO-1 exists, INV-A is not written off again
    assert [e.document_no for e in candidates(b2, AS_OF, D("5.00"), "90D")] == []  # WO-1 exists: not twice

"""The Collections worklist and promises to pay (xlar.core.worklist, ``xlar collections``).

The book, as of 2026-03-31 (every invoice due on the day given; default weights 1, 1, 2, 1):

* A (limit 5,000.00): INV-A1 2,000.00 due Jan 15, paid 500.00 on Feb 10 (1,500.00 open, 75 days
  overdue); INV-A2 1,000.00 due Mar 20. Overdue 2,500.00, limit used 2,500 / 5,000 = 50 %.
  Promise made Feb 5: 500.50 by Feb 12. Paid 500.00 by then: kept with a tolerance of 1.00
  (500.00 >= 499.50), broken without one.
  Priority = 2,500 / 1,000 + 75 / 30 + 0.50 = 2.5 + 2.5 + 0.5 = 5.5 (tolerance 1.00);
  + 2 x 1 broken promise = 7.5 (tolerance 0).
* B (limit 1,000.00): INV-B1 1,200.00 due Mar 1 (30 days). Promise made Mar 5: 1,200.00 by
  Mar 20, nothing paid: broken. Limit used 1,200 / 1,000 = 120 %.
  Priority = 1.2 + 30 / 30 + 2 x 1 + 1.2 = 5.4.
* C (no limit): INV-C1 300.00 due Dec 1, 2025 (120 days). Promise made Mar 25: 300.00 by Apr 10:
  open. Priority = 0.3 + 120 / 30 = 4.3.
* D: credit memo CM-D 200.00 on Feb 1: a credit balance of -200.00, priority 0.0.
* E: INV-E1 100.00 due Apr 24: not due, not on the list.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from tests.book.builders import write_book
from tests.domain.harness import Scenario
from xlar.book.worklist import run_collections
from xlar.core.dunning import REMINDER, CollectionEntry
from xlar.core.model import Book, Customer, DocumentType, JournalLine, Settings
from xlar.core.worklist import (
    Activity,
    ActivityType,
    PriorityWeights,
    PromiseStatus,
    check_promises,
    priority_of,
    worklist,
    worklist_table,
)

D = Decimal
DT = DocumentType
AS_OF = date(2026, 3, 31)


def _line(day: date, dt: DocumentType, doc: str, cust: str, amount: str, due: date | None = None,
          docs: tuple[str, ...] = ()) -> JournalLine:
    return JournalLine(line_no=1, posting_date=day, document_type=dt, document_no=doc, customer_no=cust,
                       amount=D(amount), due_date=due, applies_to_doc_nos=docs)


@pytest.fixture(scope="module")
def book() -> Book:
    sc = Scenario(book=Book(settings=Settings(), customers=(
        Customer(customer_no="A", name="Adatum", credit_limit=D("5000.00")),
        Customer(customer_no="B", name="Trey Research", credit_limit=D("1000.00")),
        Customer(customer_no="C", name="Fabrikam"),
        Customer(customer_no="D", name="Contoso"),
        Customer(customer_no="E", name="Northwind"))))
    sc.post(_line(date(2025, 12, 1), DT.INVOICE, "INV-C1", "C", "300.00", date(2025, 12, 1)))
    sc.post(_line(date(2026, 1, 15), DT.INVOICE, "INV-A1", "A", "2000.00", date(2026, 1, 15)))
    sc.post(_line(date(2026, 2, 1), DT.CREDIT_MEMO, "CM-D", "D", "200.00"))
    sc.post(_line(date(2026, 2, 10), DT.PAYMENT, "PAY-A", "A", "500.00", docs=("INV-A1",)))
    sc.post(_line(date(2026, 3, 1), DT.INVOICE, "INV-B1", "B", "1200.00", date(2026, 3, 1)))
    sc.post(_line(date(2026, 3, 20), DT.INVOICE, "INV-A2", "A", "1000.00", date(2026, 3, 20)))
    sc.post(_line(date(2026, 3, 25), DT.INVOICE, "INV-E1", "E", "100.00", date(2026, 4, 24)))
    return sc.book


def _promise(key: int, made: date, cust: str, amount: str, by: date, status: str = "") -> Activity:
    return Activity(key=key, activity_date=made, customer_no=cust, kind=ActivityType.PROMISE, promised_amount=D(amount),
                    promised_date=by, status=status)


ACTS = (
    Activity(key=2, activity_date=date(2026, 2, 1), customer_no="A", kind=ActivityType.CALL, text="asked"),
    _promise(3, date(2026, 2, 5), "A", "500.50", date(2026, 2, 12)),
    _promise(4, date(2026, 3, 5), "B", "1200.00", date(2026, 3, 20)),
    _promise(5, date(2026, 3, 25), "C", "300.00", date(2026, 4, 10)),
)


@pytest.mark.parametrize("tolerance,a_status,ranked", [
    # (customer, priority, overdue, days overdue, limit used, broken, flags)
    (D("1.00"), PromiseStatus.KEPT, [
        ("A", D("5.5"), D("2500.00"), 75, D("0.5"), 0, ()),
        ("B", D("5.4"), D("1200.00"), 30, D("1.2"), 1, ("Promise broken", "Over limit")),
        ("C", D("4.3"), D("300.00"), 120, None, 0, ("Promise open",)),
        ("D", D("0.0"), D("-200.00"), 0, None, 0, ("Credit balance",))]),
    (D("0"), PromiseStatus.BROKEN, [
        ("A", D("7.5"), D("2500.00"), 75, D("0.5"), 1, ("Promise broken",)),
        ("B", D("5.4"), D("1200.00"), 30, D("1.2"), 1, ("Promise broken", "Over limit")),
        ("C", D("4.3"), D("300.00"), 120, None, 0, ("Promise open",)),
        ("D", D("0.0"), D("-200.00"), 0, None, 0, ("Credit balance",))]),
])
def test_priority_order_and_promises(book, tolerance, a_status, ranked):
    wl = worklist(book, AS_OF, activities=ACTS, tolerance=tolerance)
    got = [(i.customer_no, i.priority, i.overdue_lcy, i.days_overdue, i.limit_used, i.broken_promises, i.flags)
           for i in wl.items]
    assert got == ranked
    status = {p.activity.key: (p.status, p.paid) for p in wl.promises}
    assert status == {3: (a_status, D("500.00")), 4: (PromiseStatus.BROKEN, D("0")),
                      5: (PromiseStatus.OPEN, D("0"))}


def test_buckets_balance_promise_and_last_payment(book):
    wl = worklist(book, AS_OF, activities=ACTS, tolerance=D("1.00"))
    assert wl.bucket_names == ("1-30 days", "31-60 days", "61-90 days", "Over 90 days")
    a, b, c, d = wl.items
    assert (a.balance_lcy, a.buckets_lcy, a.last_payment) == (D("2500.00"), (D("1000.00"), D(0), D("1500.00"), D(0)),
                                                              date(2026, 2, 10))
    assert (b.buckets_lcy, b.last_payment) == ((D(0), D("1200.00"), D(0), D(0)), None)
    assert (c.buckets_lcy, c.promised, c.promised_by) == ((D(0), D(0), D(0), D("300.00")), D("300.00"),
                                                         date(2026, 4, 10))
    assert (d.balance_lcy, d.buckets_lcy) == (D("-200.00"), (D(0), D("-200.00"), D(0), D(0)))


def test_a_promise_is_kept_by_payments_up_to_its_date_only(book):
    # as of Feb 11 the promise of Feb 5 (due Feb 12) is kept already: 500.00 paid on Feb 10
    early = check_promises(book, ACTS, date(2026, 2, 11), D("1.00"))
    assert [(p.activity.key, p.status) for p in early] == [(3, PromiseStatus.KEPT)]
    # a promise of 600.00 by Feb 9 is broken: the 500.00 of Feb 10 came after its date
    late = _promise(9, date(2026, 2, 5), "A", "600.00", date(2026, 2, 9))
    assert check_promises(book, (late,), AS_OF)[0].status is PromiseStatus.BROKEN
    # on its date, unpaid, it is still open; cancelled by the collector it stays cancelled
    assert check_promises(book, (late,), date(2026, 2, 9))[0].status is PromiseStatus.OPEN
    gone = _promise(9, date(2026, 2, 5), "A", "600.00", date(2026, 2, 9), status="cancelled")
    assert check_promises(book, (gone,), AS_OF)[0].status is PromiseStatus.CANCELLED


@pytest.mark.parametrize("weights,overdue,days,broken,used,expected", [
    (PriorityWeights(), D("2500"), 75, 0, D("0.5"), D("5.5")),
    (PriorityWeights(overdue_amount=D(0), days_overdue=D(0), broken_promises=D(10), credit_limit_use=D(0)),
     D("99999"), 400, 2, D("3"), D("20.0")),
    # 0.5 x 12,345.67 / 1,000 = 6.172835; 2 x 45 / 30 = 3; 5 x 0.8 = 4: 13.172835 -> 13.2
    (PriorityWeights(overdue_amount=D("0.5"), days_overdue=D(2), credit_limit_use=D(5)), D("12345.67"), 45, 0,
     D("0.8"), D("13.2")),
    # a negative overdue and limit use count as zero
    (PriorityWeights(), D("-300"), 0, 0, D("-0.1"), D("0.0")),
])
def test_priority_formula(weights, overdue, days, broken, used, expected):
    assert priority_of(weights, overdue, days, broken, used) == expected


def test_last_reminder_level_notes_and_table(book):
    log = (CollectionEntry(1, REMINDER, "R-1", date(2026, 2, 20), date(2026, 3, 6), "A", 2, 1),
           CollectionEntry(2, REMINDER, "R-5", date(2026, 3, 20), date(2026, 4, 3), "A", 2, 2),
           CollectionEntry(3, REMINDER, "R-9", date(2026, 4, 20), date(2026, 5, 3), "A", 2, 3))  # after the date
    notes = {"B": ("Ann", date(2026, 4, 2), "call CFO"), "Z": ("Bob", None, "left us")}
    wl = worklist(book, AS_OF, activities=ACTS, log=log, notes=notes, tolerance=D("1.00"))
    assert [i.last_reminder_level for i in wl.items] == [2, 0, 0, 0]
    assert (wl.items[1].owner, wl.items[1].next_action, wl.items[1].note) == ("Ann", date(2026, 4, 2), "call CFO")
    assert wl.kept_notes == {"Z": ("Bob", None, "left us")}
    rows = worklist_table(book, wl).texts()
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Customer No.")
    assert rows[head + 1] == ["A", "Adatum", "1", "5.5", "", "2500.00", "2500.00", "1000.00", "0", "1500.00", "0",
                              "75", "50.0%", "", "", "", "2026-02-10", "2", "", "", ""]
    assert rows[head + 2][:5] == ["B", "Trey Research", "2", "5.4", "Promise broken, Over limit"]
    assert rows[head + 2][-3:] == ["Ann", "2026-04-02", "call CFO"]
    assert rows[head + 5][:7] == ["Total", "4 customers", "", "", "", "3800.00", "3800.00"]
    assert len(rows[0]) == len(rows[head])  # row 1 reaches the collector's columns
    kept = next(i for i, r in enumerate(rows) if r and r[0].startswith("Notes of customers"))
    assert rows[kept + 2][:2] == ["Z", ""] and rows[kept + 2][-3:] == ["Bob", "", "left us"]


# --------------------------------------------------------------------------- on a workbook

def _sheets() -> dict[str, list[list[object]]]:
    return {
        "Settings": [["Setting", "Value"], ["Company Currency", "EUR"], ["Promise Tolerance", 1.0],
                     ["Priority Weight Broken Promises", 3]],
        "Customers": [["Customer No.", "Name", "Credit Limit"], ["A", "Adatum", 5000.0], ["B", "Trey", 1000.0],
                      ["C", "Fabrikam", None]],
        "Ledger": [["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.", "Amount",
                    "Remaining Amount", "Due Date"],
                   [1, "A", date(2026, 1, 15), "Invoice", "INV-A1", 2000.0, 2000.0, date(2026, 1, 15)],
                   [2, "B", date(2026, 3, 1), "Invoice", "INV-B1", 1200.0, 1200.0, date(2026, 3, 1)],
                   [3, "C", date(2026, 3, 10), "Invoice", "INV-C1", 300.0, 300.0, date(2026, 3, 10)]],
        "Activities": [["Date", "Customer No.", "Type", "Text", "Promised Amount", "Promised Date"],
                       [date(2026, 3, 5), "B", "Promise", "will pay", 1200.0, date(2026, 3, 20)],
                       [date(2026, 3, 6), "C", "Call", "no answer", None, None],
                       [date(2026, 3, 25), "C", "Promise", "next week", 300.0, date(2026, 4, 3)]],
    }


def _worklist(path):
    rows = [list(r) for r in openpyxl.load_workbook(path)["Collections"].iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r[0] == "Customer No.")
    return rows, rows[head], [r for r in rows[head + 1:] if isinstance(r[2], int)]


@pytest.mark.parametrize("engine", ["parts", "openpyxl"])
def test_collections_on_a_workbook_keeps_the_collectors_columns(tmp_path, engine):
    p = write_book(tmp_path / "book.xlsx", _sheets())
    o = run_collections(p, AS_OF, engine=engine)
    assert o.exit_code == 0, [(i.code, i.problem) for i in o.issues]
    assert (o.customers, o.promises_broken, o.promises_open) == (3, 1, 1)
    rows, head, items = _worklist(p)
    # B: 1.2 + 30 / 30 + 3 x 1 broken + 1.2 = 6.4; A: 2.0 + 75 / 30 + 0.4 = 4.9; C: 0.3 + 21 / 30 = 1.0
    assert [(r[0], r[3], r[head.index("Flags")]) for r in items] == [
        ("B", 6.4, "Promise broken, Over limit"), ("A", 4.9, None), ("C", 1.0, "Promise open")]
    acts = [list(r) for r in openpyxl.load_workbook(p)["Activities"].iter_rows(values_only=True)]
    assert acts[0][6:] == ["Status", "Amount Paid"]
    assert [r[6:] for r in acts[1:]] == [["Broken", 0], [None, None], ["Open", 0]]
    # the collector types an owner, a next action and a note on A and C
    wb = openpyxl.load_workbook(p)
    ws = wb["Collections"]
    col = {h: i + 1 for i, h in enumerate(head)}
    for r in ws.iter_rows():
        if r[0].value == "A":
            ws.cell(r[0].row, col["Owner"], "Ann")
            ws.cell(r[0].row, col["Next Action"], date(2026, 4, 2))
        if r[0].value == "C":
            ws.cell(r[0].row, col["Note"], "pays weekly")
    wb.save(p)
    # C pays; the next run for April 3: the promise is kept, C leaves the list, its note is kept below
    wb = openpyxl.load_workbook(p)
    wb["Ledger"].append([4, "C", date(2026, 4, 2), "Payment", "PAY-C", -300.0, 0.0, date(2026, 4, 2)])
    wb["Ledger"]["G4"] = 0.0
    wb.save(p)
    o = run_collections(p, date(2026, 4, 3), engine=engine)
    assert o.exit_code == 0, [(i.code, i.problem) for i in o.issues]
    assert (o.customers, o.promises_kept, o.promises_broken) == (2, 1, 1)
    rows, head, items = _worklist(p)
    assert [(r[0], r[head.index("Owner")], r[head.index("Next Action")]) for r in items] == [
        ("B", None, None), ("A", "Ann", datetime(2026, 4, 2))]
    kept = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Notes of customers"))
    assert rows[kept + 2][0] == "C" and rows[kept + 2][-1] == "pays weekly"
    acts = [list(r) for r in openpyxl.load_workbook(p)["Activities"].iter_rows(values_only=True)]
    assert acts[3][6:] == ["Kept", 300]


def test_a_bad_activity_stops_the_run_and_names_the_cell(tmp_path):
    sheets = _sheets()
    sheets["Activities"].append([date(2026, 3, 7), "A", "Fax", "", None, None])
    p = write_book(tmp_path / "book.xlsx", sheets)
    before = p.read_bytes()
    o = run_collections(p, AS_OF)
    assert o.exit_code == 1
    bad = [i for i in o.issues if i.is_error]
    assert [(i.sheet, i.row, i.column, i.value) for i in bad] == [("Activities", 5, "Type", "Fax")]
    assert "Collections" not in openpyxl.load_workbook(p).sheetnames and p.read_bytes() != before  # Issues, RunLog


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_the_worklist_prints_one_page_wide_without_hashes(tmp_path):
    from tests.compat.render import page_texts, sheet_pdfs
    from tests.compat.test_print import narrow_columns

    p = write_book(tmp_path / "book.xlsx", _sheets())
    assert run_collections(p, AS_OF).exit_code == 0
    assert narrow_columns(p, ("Collections", "Activities")) == []
    pages = page_texts(sheet_pdfs(p, ["Collections"], tmp_path / "pdf", tmp_path / "lo")["Collections"])
    # one page: the first column and the last (Note) and every priority on it
    assert len(pages) == 1 and "Customer No." in pages[0] and "Note" in pages[0] and "###" not in pages[0]
    assert all(x in pages[0] for x in ("6.4", "4.9", "1.0", "Promise broken, Over limit"))

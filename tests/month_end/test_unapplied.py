"""Unapplied cash aging (xlar.core.unapplied) and the UnappliedCash report of ``xlar month-end``.

The history: C1 pays 400.00 on Jan 10 with no invoice named (Manual application), takes a
credit memo of 150.00 on Jan 20; C3 pays USD 300.00 on Feb 1 (rate 0.9: 270.00 LCY); the
400.00 is applied to a new invoice on Mar 5; on Mar 20 C1 pays 1,200.00 against INV-1
(1,000.00), leaving 200.00 unapplied.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tests.book.builders import write_book
from tests.domain.harness import Scenario
from xlar.book.commands import run_file
from xlar.book.month_end import MonthEndOptions, run_month_end
from xlar.core.aging import balances_as_of
from xlar.core.model import (
    ApplicationMethod,
    Book,
    Customer,
    DocumentType,
    ExchangeRate,
    JournalLine,
    Settings,
)
from xlar.core.settle import apply_entries
from xlar.core.unapplied import HEADERS, unapplied_items, unapplied_table

D = Decimal
DT = DocumentType
FEB28, MAR31 = date(2026, 2, 28), date(2026, 3, 31)


def _line(day: date, dt: DocumentType, doc: str, cust: str, amount: str, docs: tuple[str, ...] = ()) -> JournalLine:
    return JournalLine(line_no=1, posting_date=day, document_type=dt, document_no=doc, customer_no=cust,
                       amount=D(amount), applies_to_doc_nos=docs)


@pytest.fixture(scope="module")
def book() -> Book:
    sc = Scenario(book=Book(
        settings=Settings(application_method=ApplicationMethod.MANUAL),
        customers=(Customer(customer_no="C1", name="Adatum"), Customer(customer_no="C3", name="Fabrikam USD",
                                                                         currency="USD")),
        rates=(ExchangeRate(currency="USD", starting_date=date(2026, 1, 1), rate=D("0.9")),)))
    sc.post(_line(date(2026, 1, 5), DT.INVOICE, "INV-1", "C1", "1000.00"))
    sc.post(_line(date(2026, 1, 10), DT.PAYMENT, "PAY-A", "C1", "400.00"))
    sc.post(_line(date(2026, 1, 20), DT.CREDIT_MEMO, "CM-1", "C1", "150.00"))
    sc.post(_line(date(2026, 2, 1), DT.PAYMENT, "PAY-U", "C3", "300.00"))
    sc.post(_line(date(2026, 3, 5), DT.INVOICE, "INV-2", "C1", "400.00"))
    sc.mark(["PAY-A", "INV-2"], "X")
    s = apply_entries(sc.book, applies_to_id="X")
    assert s.posted and len(s.new_applications) == 1
    sc.absorb(s)
    sc.post(_line(date(2026, 3, 20), DT.PAYMENT, "PAY-Q", "C1", "1200.00", ("INV-1",)))
    return sc.book


def _rows(b: Book, as_of: date, notes=None):
    return [(i.entry.document_no, i.remaining, i.remaining_lcy, i.age_days, i.bucket, i.owner, i.reason)
            for i in unapplied_items(b, as_of, notes=notes)]


def test_as_of_end_of_february_rebuilt_from_history(book):
    # the 400.00 was applied on Mar 5, so at the end of February it was still unapplied
    assert _rows(book, FEB28) == [
        ("PAY-A", D("-400.00"), D("-400.00"), 49, "31-60 days", "", ""),
        ("CM-1", D("-150.00"), D("-150.00"), 39, "31-60 days", "", ""),
        ("PAY-U", D("-300.00"), D("-270.00"), 27, "1-30 days", "", ""),
    ]


def test_as_of_end_of_march_with_owner_and_reason(book):
    pay_u = next(e.entry_no for e in book.ledger if e.document_no == "PAY-U")
    rows = _rows(book, MAR31, notes={pay_u: ("Bob", "no remittance")})
    assert rows == [
        ("CM-1", D("-150.00"), D("-150.00"), 70, "61-90 days", "", ""),
        ("PAY-U", D("-300.00"), D("-270.00"), 58, "31-60 days", "Bob", "no remittance"),
        ("PAY-Q", D("-200.00"), D("-200.00"), 11, "1-30 days", "", ""),
    ]
    # the same remaining amounts as the aging's balances: nothing computed twice
    bal = balances_as_of(book, MAR31)
    assert sum(b.remaining_lcy for b in bal.items.values() if b.remaining < 0) == D("-620.00")


def test_table_summary_items_and_kept_notes(book):
    no = {e.document_no: e.entry_no for e in book.ledger}
    t = unapplied_table(book, MAR31, notes={no["PAY-U"]: ("Bob", "no remittance"),
                                            no["PAY-A"]: ("Ann", "was unidentified"), 999: ("Eve", "gone")})
    rows = t.texts()
    assert rows[0][0] == "Unapplied cash as of 2026-03-31" and t.header_rows == 2 and t.name == "UnappliedCash"
    # the title row is as wide as the item rows, so the next run reads Owner and Reason back
    assert len(rows[0]) == len(HEADERS) and rows[0][-2:] == ["Owner and Reason:", "yours, kept by Entry No."]
    summary = rows[rows.index(["Bucket", "Items", "Remaining Amt. (LCY)", "Without owner"]) + 1:][:5]
    assert summary == [["1-30 days", "1", "-200.00", "1"], ["31-60 days", "1", "-270.00", "0"],
                       ["61-90 days", "1", "-150.00", "1"], ["Over 90 days", "0", "0", "0"],
                       ["Total", "3", "-620.00", "2"]]
    head = rows.index(list(HEADERS))
    assert rows[head + 1:head + 5] == [
        [str(no["CM-1"]), "C1", "Adatum", "Credit Memo", "CM-1", "2026-01-20", "70", "61-90 days", "EUR",
         "-150.00", "-150.00", "", ""],
        [str(no["PAY-U"]), "C3", "Fabrikam USD", "Payment", "PAY-U", "2026-02-01", "58", "31-60 days", "USD",
         "-300.00", "-270.00", "Bob", "no remittance"],
        [str(no["PAY-Q"]), "C1", "Adatum", "Payment", "PAY-Q", "2026-03-20", "11", "1-30 days", "EUR",
         "-200.00", "-200.00", "", ""],
        ["Total", "", "", "", "", "", "", "", "", "", "-620.00"],
    ]
    kept = rows[head + 6:]
    assert kept[0][0].startswith("Notes of entries not open as of 2026-03-31")
    assert kept[1] == list(HEADERS)
    assert kept[2] == [str(no["PAY-A"]), "C1", "Adatum", "Payment", "PAY-A", "2026-01-10", "", "", "EUR", "", "",
                       "Ann", "was unidentified"]
    assert kept[3] == ["999", "", "", "", "", "", "", "", "", "", "", "Eve", "gone"]


def test_no_unapplied_cash_gives_an_empty_list_with_zero_totals(book):
    b = replace(book, ledger=tuple(e for e in book.ledger if e.amount > 0), applications=())
    assert unapplied_items(b, MAR31) == ()
    assert unapplied_table(b, MAR31).texts()[-1] == ["Total", "", "", "", "", "", "", "", "", "", "0"]


# --------------------------------------------------------------------------- the report on a workbook

LEDGER = [["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Remaining Amount",
           "Currency"],
          [1, "C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0, 1000.0, None],
          [2, "C10000", date(2026, 1, 20), "Payment", "PAY-7", -250.0, -250.0, None],
          [3, "C30000", date(2026, 2, 10), "Payment", "PAY-8", -500.0, -500.0, "USD"],
          [4, "C20000", date(2026, 3, 1), "Credit Memo", "CM-9", -80.0, -80.0, None]]
JOURNAL = [["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Applies-to ID"],
           [date(2026, 4, 2), "Payment", "PAY-9", "C20000", 20.0, None]]


def _items(path):
    ws = openpyxl.load_workbook(path)["UnappliedCash"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = rows.index(list(HEADERS))
    out = []
    for r in rows[head + 1:]:
        if r[0] == "Total":
            break
        out.append((r[0], r[4], r[6], r[7], r[9], r[10], r[11], r[12]))
    return out, rows


def _type_note(path, entry_no, owner, reason):
    wb = openpyxl.load_workbook(path)
    ws = wb["UnappliedCash"]
    head = next(r for r in ws.iter_rows() if r[0].value == "Entry No.")
    col = {c.value: c.column for c in head}
    row = next(r[0].row for r in ws.iter_rows(min_row=head[0].row + 1) if r[0].value == entry_no)
    ws.cell(row, col["Owner"], owner)
    ws.cell(row, col["Reason"], reason)
    wb.save(path)


@pytest.mark.parametrize("engine", ["parts", "openpyxl"])
def test_month_end_writes_unapplied_cash_and_owner_reason_survive_the_next_run(tmp_path, engine):
    p = write_book(tmp_path / "book.xlsx", {
        "Settings": [["Setting", "Value"], ["Company Currency", "EUR"], ["Application Method", "Manual"]],
        "Customers": [["Customer No.", "Name", "Currency"], ["C10000", "Adatum", ""], ["C20000", "Trey", ""],
                      ["C30000", "Fabrikam USD", "USD"]],
        "ExchangeRates": [["Currency", "Starting Date", "Rate"], ["USD", date(2026, 1, 1), 0.9]],
        "Ledger": LEDGER, "Journal": JOURNAL})
    o = run_month_end(p, MonthEndOptions(as_of=MAR31), engine=engine)
    assert o.exit_code == 0 and "UnappliedCash" in o.reports
    items, rows = _items(p)
    assert rows[0][0] == "Unapplied cash as of 2026-03-31"
    assert items == [(2, "PAY-7", 70, "61-90 days", -250, -250, None, None),
                     (3, "PAY-8", 49, "31-60 days", -500, -450, None, None),
                     (4, "CM-9", 30, "31-60 days", -80, -80, None, None)]
    _type_note(p, 3, "Bob", "waiting for remittance")
    _type_note(p, 4, "Ann", "refund to customer?")
    # the credit memo is used up by a refund on the Journal: post it, then run April's month end
    wb = openpyxl.load_workbook(p)
    ws = wb["Journal"]
    ws.append([date(2026, 4, 3), "Refund", "REF-1", "C20000", 80.0, "R"])
    wb["Ledger"].cell(1, 9, "Applies-to ID")
    wb["Ledger"].cell(5, 9, "R")  # CM-9
    wb.save(p)
    post = run_file(p, "post")
    assert post.exit_code == 0, [(i.code, i.problem) for i in post.issues]
    o = run_month_end(p, MonthEndOptions(as_of=date(2026, 4, 30)), engine=engine)
    assert o.exit_code == 0
    items, rows = _items(p)
    assert items == [(2, "PAY-7", 100, "Over 90 days", -250, -250, None, None),
                     (3, "PAY-8", 79, "61-90 days", -500, -450, "Bob", "waiting for remittance"),
                     (5, "PAY-9", 28, "1-30 days", -20, -20, None, None)]
    # the closed credit memo's note is kept below, and comes back when month end runs for March again
    kept = rows[next(i for i, r in enumerate(rows) if str(r[0]).startswith("Notes of entries")) + 2]
    assert (kept[0], kept[4], kept[11], kept[12]) == (4, "CM-9", "Ann", "refund to customer?")
    run_month_end(p, MonthEndOptions(as_of=MAR31), engine=engine)
    items, _ = _items(p)
    assert items == [(2, "PAY-7", 70, "61-90 days", -250, -250, None, None),
                     (3, "PAY-8", 49, "31-60 days", -500, -450, "Bob", "waiting for remittance"),
                     (4, "CM-9", 30, "31-60 days", -80, -80, "Ann", "refund to customer?")]

"""A macro on a 100k-row ledger reads each sheet once and writes a constant number of blocks."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import pytest
import xlwings.pro._xlremote as remote

from tests.book.builders import standard
from tests.xl.harness import AppliedBook, make_payload, open_book
from xlar import macros
from xlar.book import excel
from xlar.book.commands import execute

N = 100_000


def big_payload(n: int = N) -> dict:
    """n ledger entries over 500 customers, and a journal of three payments."""
    customers = [["Customer No.", "Name", "Currency", "Payment Terms"]] + [
        [f"C{i:05d}", f"Customer {i}", "", "30D"] for i in range(500)]
    start = date(2025, 1, 1)
    ledger = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Entry No.",
               "Remaining Amount", "Due Date", "Open"]]
    for i in range(n):
        day = start + timedelta(days=i % 365)
        ledger.append([f"C{i % 500:05d}", day, "Invoice", f"INV-{i:06d}", 100.0 + i % 7, i + 1,
                       100.0 + i % 7, day + timedelta(days=30), True])
    journal = [["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Applies-to Doc. No."]]
    for k, i in enumerate((1, n // 2 + 2, n - 497), start=1):  # the first, middle and last customers' invoices
        journal.append([date(2026, 1, 12), "Payment", f"PAY-{k}", f"C{i % 500:05d}", 100.0 + i % 7, f"INV-{i:06d}"])
    return make_payload(standard(Customers=customers, Ledger=ledger, Journal=journal))


class Counted:
    """Counts, per sheet, the remote engine's range reads (``raw_value`` getter: every value read ends
    there) and writes (``raw_value`` / ``number_format`` setters: one per setValues / setNumberFormat)."""

    def __init__(self, monkeypatch):
        self.reads: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()
        counted = self
        raw = remote.Range.raw_value
        fmt = remote.Range.number_format

        def get_raw(impl):
            counted.reads[impl.sheet.name] += 1
            return raw.fget(impl)

        def set_raw(impl, v):
            counted.writes[impl.sheet.name] += 1
            raw.fset(impl, v)

        def set_fmt(impl, v):
            counted.writes[impl.sheet.name] += 1
            fmt.fset(impl, v)

        monkeypatch.setattr(remote.Range, "raw_value", property(get_raw, set_raw))
        monkeypatch.setattr(remote.Range, "number_format", property(fmt.fget, set_fmt))


@pytest.fixture(scope="module")
def payload():
    return big_payload()


def test_post_on_100k_rows_reads_each_sheet_once(payload, monkeypatch):
    counted = Counted(monkeypatch)
    book = open_book(payload)
    t0 = time.perf_counter()
    outcome = macros.post(book)
    elapsed = time.perf_counter() - t0
    assert outcome.exit_code == 0 and outcome.lines_posted == 3, outcome.issues[:3]
    sheets = [s["name"] for s in payload["sheets"]]
    # one engine-level read per sheet (options(...).value reaches raw_value once)
    assert {s: counted.reads[s] for s in sheets} == dict.fromkeys(sheets, 1)
    actions = book.json()["actions"]
    values = Counter(a["sheet_position"] for a in actions if a["func"] == "setValues")
    print(f"\npost on {N} ledger rows: {elapsed:.2f} s; writes per sheet {dict(counted.writes)}; "
          f"setValues actions per sheet position {dict(values)}; {len(actions)} actions")
    # Ledger: the derived columns the user left out are filled for every row (a first run), so the
    # block over the existing rows is large and goes out in 100,000-cell setValues chunks; the number
    # of blocks and format calls does not depend on the row count (see the next test)
    assert counted.writes["Journal"] <= 4 and counted.writes["RunLog"] <= 3
    assert counted.writes["Ledger"] <= 20 + (N * 21) // 100_000
    applied = AppliedBook(payload).apply(actions)
    ledger = next(s for s in applied.payload["sheets"] if s["name"] == "Ledger")["values"]
    assert len(ledger) == N + 4 and ledger[-1][3] == "PAY-3"
    book.close()


def test_block_counts_do_not_grow_with_rows():
    """The adapter's own count: one read per sheet; blocks, format calls and table resizes per sheet. The
    blocks follow the rows that change (three payments' invoices, far apart at both sizes), not the ledger's
    length."""
    counts = []
    for n in (2_000, 4_000):
        book = open_book(big_payload(n))
        live = excel.read_book(book)
        plan, outcome = execute(live.grids, "post")
        assert outcome.lines_posted == 3
        excel.apply_plan(live, plan)
        counts.append((dict(live.reads), dict(live.writes)))
        book.close()
    assert counts[0] == counts[1]
    assert set(counts[0][0].values()) == {1}


def test_a_second_run_on_100k_rows_writes_small_blocks(payload):
    """Once every derived column is on the sheet, a run writes only what changed: a few hundred cells."""
    first = open_book(payload)
    macros.post(first)
    after = AppliedBook(payload).apply(first.json()["actions"]).payload
    first.close()
    journal = next(s for s in after["sheets"] if s["name"] == "Journal")["values"]
    journal.append(["2026-01-20T00:00:00.000Z", "Payment", "PAY-4", "C00004", 104.0, "INV-000004"]
                   + [""] * (len(journal[0]) - 6))
    book = open_book(after)
    t0 = time.perf_counter()
    outcome = macros.post(book)
    elapsed = time.perf_counter() - t0
    assert outcome.lines_posted == 1, outcome.issues[:3]
    actions = book.json()["actions"]
    cells = sum(a["row_count"] * a["column_count"] for a in actions if a["func"] == "setValues")
    print(f"\nsecond post on {N} rows: {elapsed:.2f} s, {len(actions)} actions, {cells} cells written")
    assert cells < 1_000
    book.close()


# --------------------------------------------------------------------------- month end: report sheets too

def month_end_payload(n: int, customers: int = 10) -> dict:
    """n invoices (and a payment for every fifth) over ``customers`` customers, a year before the as-of date."""
    from tests.month_end.test_cli import FIN_TERMS, REMINDER_TERMS

    cust = [["Customer No.", "Name", "Currency", "Payment Terms", "Reminder Terms", "Fin. Charge Terms"]] + [
        [f"C{i:03d}", f"Customer {i}", "", "30D", "STD", "FC"] for i in range(customers)]
    start = date(2025, 4, 1)
    ledger = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Entry No.",
               "Remaining Amount", "Due Date", "Open"]]
    for i in range(n):
        day = start + timedelta(days=i * 365 // n)
        paid = i % 5 == 0
        ledger.append([f"C{i % customers:03d}", day, "Invoice", f"INV-{i:06d}", 100.0 + i % 7, i + 1,
                       0.0 if paid else 100.0 + i % 7, day + timedelta(days=30), not paid])
    return make_payload(standard(Customers=cust, Ledger=ledger, Journal=[["Posting Date"]],
                                 ReminderTerms=REMINDER_TERMS, FinanceChargeTerms=FIN_TERMS))


def _month_end_counts(payload: dict) -> tuple[dict, dict, object]:
    from xlar.book.month_end import MonthEndOptions, execute_month_end

    book = open_book(payload)
    live = excel.read_book(book)
    plan, tables, outcome = execute_month_end(live.grids, MonthEndOptions(as_of=date(2026, 3, 31)))
    assert plan.reports == tables  # the report sheets travel in the plan
    excel.apply_plan(live, plan)
    book.close()
    return dict(live.reads), dict(live.writes), outcome


def test_month_end_counts_do_not_grow_with_the_ledger():
    """200 or 20,000 ledger rows: one read per sheet and the same number of range writes per sheet, the
    report sheets included (the value blocks grow, the calls do not)."""
    small = _month_end_counts(month_end_payload(200))
    big = _month_end_counts(month_end_payload(20_000))
    assert small[2].exit_code == big[2].exit_code == 0
    assert set(big[0].values()) == {1}
    assert small[:2] == big[:2]
    assert {"Aging", "Statements", "Reminders", "FinanceCharges", "RunLog"} <= set(big[1])
    print(f"\nmonth end writes per sheet (200 and 20,000 rows): {big[1]}")


def test_month_end_macro_on_20k_rows(monkeypatch):
    import resource

    counted = Counted(monkeypatch)
    payload = month_end_payload(20_000)
    book = open_book(payload)
    t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
    outcome = macros.month_end(book, as_of=date(2026, 3, 31))
    wall, cpu = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
    assert outcome.exit_code == 0, outcome.issues[:3]
    assert outcome.aging_total_lcy == f"{sum(100 + i % 7 for i in range(20_000) if i % 5):.2f}"
    sheets = [s["name"] for s in payload["sheets"]]
    assert {s: counted.reads[s] for s in sheets} == dict.fromkeys(sheets, 1)
    actions = book.json()["actions"]
    print(f"\nmonth end macro on 20,000 ledger rows: {wall:.2f} s wall, {cpu:.2f} s CPU; {len(actions)} actions; "
          f"engine writes per sheet {dict(counted.writes)}")
    applied = AppliedBook(payload).apply(actions)
    assert applied.frozen["Aging"] == "1:2" and len(applied.charts["Aging"]) == 1
    book.close()

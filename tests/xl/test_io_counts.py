"""A macro on a 100k-row ledger reads each sheet once and writes a constant number of blocks."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import pytest
import xlwings as xw
import xlwings.pro._xlremote as remote

from tests.book.builders import standard
from tests.xl.harness import AppliedBook, make_payload, open_book
from xlar import macros

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
    journal = [["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Applies-to Doc. No."],
               [date(2026, 1, 12), "Payment", "PAY-1", "C00001", 101.0, "INV-000001"],
               [date(2026, 1, 12), "Payment", "PAY-2", "C00002", 102.0, "INV-050002"],
               [date(2026, 1, 12), "Payment", "PAY-3", "C00003", 103.0, "INV-099503"]]
    return make_payload(standard(Customers=customers, Ledger=ledger, Journal=journal))


class Counted:
    """Counts xlwings Range reads (value getter) and writes (value / number_format setters) per sheet."""

    def __init__(self, monkeypatch):
        self.reads: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()
        value = xw.Range.value
        fmt = xw.Range.number_format
        counted = self

        def set_value(rng, v):
            counted.writes[rng.sheet.name] += 1
            value.fset(rng, v)

        def set_fmt(rng, v):
            counted.writes[rng.sheet.name] += 1
            fmt.fset(rng, v)

        monkeypatch.setattr(xw.Range, "value", property(value.fget, set_value))
        monkeypatch.setattr(xw.Range, "number_format", property(fmt.fget, set_fmt))
        raw = remote.Range.raw_value

        def get_raw(impl):  # every read of cell values ends here, once per range read
            counted.reads[impl.sheet.name] += 1
            return raw.fget(impl)

        monkeypatch.setattr(remote.Range, "raw_value", property(get_raw, raw.fset))


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
    # Ledger: 3 scattered updates + 3 appended rows -> per run of adjacent columns one block over the
    # updated rows and one for the appended rows, plus number formats: independent of the row count
    assert counted.writes["Ledger"] <= 40
    assert counted.writes["Journal"] <= 4
    applied = AppliedBook(payload).apply(actions)
    ledger = next(s for s in applied.payload["sheets"] if s["name"] == "Ledger")["values"]
    assert len(ledger) == N + 4 and ledger[-1][3] == "PAY-3"
    book.close()


def test_write_counts_do_not_grow_with_rows(monkeypatch):
    counts = []
    for n in (1_000, 10_000):
        counted = Counted(monkeypatch)
        book = open_book(big_payload(n))
        macros.post(book)
        counts.append((dict(counted.reads), dict(counted.writes)))
        book.close()
        monkeypatch.undo()
    assert counts[0] == counts[1]

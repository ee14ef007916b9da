"""Time the month end macro on a live book (xlwings' remote engine, as in xlwings Lite and Server).

    XLWINGS_LICENSE_KEY=noncommercial python bench/macros.py 20000 100000

Builds the payload of ``tests/xl/test_io_counts.month_end_payload`` (invoices over 500
customers, every fifth paid), runs ``xlar.macros.month_end`` on ``xw.Book(json=...)`` and
prints wall and CPU seconds, the load average, the actions and the adapter's range
reads and writes per sheet. The remote engine needs the license key set before xlwings
is imported; ``noncommercial`` is for non-commercial use only.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.xl.harness import open_book
from tests.xl.test_io_counts import month_end_payload
from xlar import macros
from xlar.book import excel


def main(sizes: list[int], customers: int = 500) -> None:
    for n in sizes:
        book = open_book(month_end_payload(n, customers=customers))
        original = excel.apply_plan
        seen: dict[str, dict[str, int]] = {}

        def counting(lb: excel.LiveBook, plan: object, original=original, seen=seen) -> None:
            original(lb, plan)
            seen["reads"], seen["writes"] = dict(lb.reads), dict(lb.writes)

        excel.apply_plan = counting  # type: ignore[assignment]
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            outcome = macros.month_end(book, as_of=date(2026, 3, 31))
        finally:
            excel.apply_plan = original  # type: ignore[assignment]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        actions = book.json()["actions"]
        print(f"{n} ledger rows, {customers} customers: exit {outcome.exit_code}, {wall:.2f} s wall, {cpu:.2f} s CPU, "
              f"load {load:.1f}->{os.getloadavg()[0]:.1f}; {len(actions)} actions; range writes "
              f"{sum(seen['writes'].values())} {seen['writes']}; reads per sheet {sorted(set(seen['reads'].values()))}")
        book.close()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000])

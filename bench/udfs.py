"""How long the worksheet functions in ``udfs/ar.py`` take on 100,000-row ranges.

Each function is called as Python would get it from Excel: ranges as lists of rows,
dates as serial numbers (Office.js) or ``date`` objects (classic desktop), numbers as
floats. The budget is one second per call.

    python bench/udfs.py            # 100k rows, best of 3 per function
    python bench/udfs.py --rows 1000000 --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from udfs import ar

BUDGET = 1.0


def ledger(n: int, seed: int = 1) -> list[list[object]]:
    rnd = random.Random(seed)
    rows: list[list[object]] = [["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.",
                                 "Amount", "Remaining Amount", "Due Date", "Open"]]
    for i in range(n):
        posted = 45600 + rnd.randrange(400)
        amount = round(rnd.uniform(10, 5000), 2)
        pay = rnd.random() < 0.3
        rows.append([i + 1, f"C{rnd.randrange(2000):05d}", float(posted), "Payment" if pay else "Invoice",
                     f"{'PAY' if pay else 'INV'}-{i:07d}", -amount if pay else amount,
                     0.0 if pay else amount, float(posted + 30), not pay])
    return rows


def cases(n: int) -> dict[str, tuple]:
    rnd = random.Random(2)
    serials = [[float(45600 + rnd.randrange(400))] for _ in range(n)]
    dates = [[dt.date(2025, 1, 1) + dt.timedelta(days=rnd.randrange(400))] for _ in range(n)]
    amounts = [[round(rnd.uniform(10, 5000), 2)] for _ in range(n)]
    led = ledger(n)
    ibans = [["DE89370400440532013000"] if i % 2 else ["DE89370400440532013001"] for i in range(n)]
    return {
        "ar_due_date (serials)": (ar.ar_due_date, serials, [["CM+10D"]]),
        "ar_due_date (dates)": (ar.ar_due_date, dates, [["1M"]]),
        "ar_discount_date": (ar.ar_discount_date, serials, [["8D"]]),
        "ar_discount": (ar.ar_discount, amounts, [[2]], serials, [[45800.0]], None, None),
        "ar_settling_amount": (ar.ar_settling_amount, amounts, [[2]], serials, [[45800.0]], [[5]], None, None),
        "ar_max_tolerance": (ar.ar_max_tolerance, amounts, [[0.5]], [[5]], None, None),
        "ar_interest": (ar.ar_interest, amounts, serials, [[46000.0]], [[1.5]], None, None),
        "ar_balance (all customers)": (ar.ar_balance, led, 46000.0, None, None),
        "ar_aging": (ar.ar_aging, led, 46000.0, None, None, None),
        "ar_match": (ar.ar_match, "Payment for INV-0004711 Customer", 1234.5, led, None, None),
        "ar_iban_valid": (ar.ar_iban_valid, ibans),
    }


def run(n: int, repeat: int = 3) -> dict[str, float]:
    out = {}
    for name, (fn, *args) in cases(n).items():
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(*args)
            best = min(best, time.perf_counter() - t0)
        out[name] = best
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    times = run(a.rows, a.repeat)
    if a.json:
        print(json.dumps({"rows": a.rows, "seconds": times}))
    else:
        print(f"{a.rows:,} rows, best of {a.repeat}")
        for name, t in times.items():
            print(f"  {name:30s} {t:6.3f} s {'' if t < BUDGET else '  OVER BUDGET'}")
    return 0 if all(t < BUDGET for t in times.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

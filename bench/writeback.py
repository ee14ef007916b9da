"""The write actions of a post on a 100,000-row ledger through xlwings' remote engine (Lite / Server).

    XLWINGS_LICENSE_KEY=noncommercial python bench/writeback.py              # lean (this tree) vs 0ede93b
    python bench/writeback.py --rows 20000 --runs 1 --baseline HEAD~3      # any size, repeats, old commit

Two posts on a ledger of ``--rows`` invoices over 500 customers (``tests/xl/test_io_counts.big_payload``):

- *first post*: three payments on the ledger as a user gives it (the derived columns are missing, so
  the run creates them for every row);
- *10 payments*: the same ledger after that run (every derived column on the sheet), ten payments
  of ten customers' invoices spread over the ledger.

Each post runs ``xlar.macros.post`` in a fresh process, ``--runs`` times (3 by default), for this
tree's code ("lean") and for the code of ``--baseline`` ("full": taken with ``git archive``, put first
on ``sys.path``), interleaved so both see the same machine. Printed per run: the setValues and other
actions, the cells given a value and the cells sent (with ``null``: left as they are), the bytes of
the actions JSON, the CPU seconds of ``macros.post`` (``time.process_time``) and a SHA-256 of every
sheet but RunLog after the actions are applied (``tests/xl/harness.AppliedBook``), so a change of the
result shows; then the medians and the load average before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "0ede93b"  # main before lean write-back (every cell from the first changed row down)


def _child(code: str, payload_path: str) -> None:
    """One post in this process: prints one JSON line."""
    if code:
        sys.path.insert(0, code)
    sys.path.insert(1 if code else 0, str(ROOT))
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    from tests.xl.harness import AppliedBook, open_book
    from xlar import macros

    assert Path(macros.__file__).is_relative_to(code or ROOT), macros.__file__
    payload = json.loads(Path(payload_path).read_text())
    book = open_book(payload)
    c0 = time.process_time()
    outcome = macros.post(book)
    cpu = time.process_time() - c0
    assert outcome.exit_code == 0, outcome.issues[:3]
    actions = book.json()["actions"]
    book.close()
    blob = json.dumps(actions)
    values = [a for a in actions if a["func"] == "setValues"]
    applied = AppliedBook(payload).apply(actions).payload
    digest = hashlib.sha256(json.dumps([s for s in applied["sheets"] if s["name"] != "RunLog"],
                                       sort_keys=True, default=str).encode()).hexdigest()[:12]
    print(json.dumps({
        "exit": outcome.exit_code, "posted": outcome.lines_posted, "actions": len(actions),
        "setValues": len(values), "cells": sum(v is not None for a in values for line in a["values"] for v in line),
        "sent": sum(a["row_count"] * a["column_count"] for a in values), "bytes": len(blob),
        "cpu": round(cpu, 3), "digest": digest}))


def _payloads(rows: int, folder: Path) -> dict[str, Path]:
    """The two posts' payloads as JSON files (the second made by running the first with this tree's code)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    from tests.xl.harness import AppliedBook, excel_value, open_book
    from tests.xl.test_io_counts import big_payload
    from xlar import macros

    first = big_payload(rows)
    book = open_book(first)
    assert macros.post(book).lines_posted == 3
    after = AppliedBook(first).apply(book.json()["actions"]).payload
    book.close()
    journal = next(s for s in after["sheets"] if s["name"] == "Journal")
    head = journal["values"][0]
    lines = []
    for k in range(10):  # ten customers' invoices, spread over the ledger
        i = (k * rows) // 10 + 3 + 37 * k  # customers 3, 40, 77, ...
        lines.append([date(2026, 2, 2), "Payment", f"PAY-B{k}", f"C{i % 500:05d}", 100.0 + i % 7, f"INV-{i:06d}"])
    journal["values"] = [head] + [[excel_value(v) for v in line] + [""] * (len(head) - 6) for line in lines]
    out = {}
    for name, payload in (("first post", first), ("10 payments", after)):
        path = folder / f"{name.replace(' ', '-')}.json"
        path.write_text(json.dumps(payload))
        out[name] = path
    return out


def _baseline_code(rev: str, folder: Path) -> Path:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "xlar"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", default=BASELINE, help="git revision of the full-rewrite code")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="xlar-writeback-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        payloads = _payloads(args.rows, folder)
        old = _baseline_code(args.baseline, folder / "baseline")
        print(f"{args.rows:,} ledger rows; payloads built in {time.perf_counter() - t0:.1f} s; "
              f"baseline {args.baseline}; load {load0[0]:.2f}")
        results: dict[tuple[str, str], list[dict]] = {}
        for name, path in payloads.items():
            for _ in range(args.runs):
                for mode, code in (("lean", ""), ("full", str(old))):
                    run = subprocess.run([sys.executable, __file__, "--child", code, str(path)], check=True,
                                         capture_output=True, text=True)
                    r = json.loads(run.stdout.strip().splitlines()[-1])
                    results.setdefault((name, mode), []).append(r)
                    print(f"  {name:<11} {mode:<4} {r['actions']:>5} actions ({r['setValues']} setValues), "
                          f"{r['cells']:>9,} cells ({r['sent']:,} sent), {r['bytes']:>11,} bytes, "
                          f"{r['cpu']:.2f} s CPU, posted {r['posted']}, result {r['digest']}", flush=True)
    print(f"medians of {args.runs} fresh processes; load {load0[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print("| post | code | actions | setValues | cells written | bytes of actions JSON | CPU s (median) | result |")
    print("|---|---|---|---|---|---|---|---|")
    for (name, mode), rs in results.items():
        r = rs[0]
        cpu = statistics.median(x["cpu"] for x in rs)
        each = ", ".join(f"{x['cpu']:.2f}" for x in rs)
        print(f"| {name} | {mode} | {r['actions']:,} | {r['setValues']:,} | {r['cells']:,} | {r['bytes']:,} | "
              f"{cpu:.2f} ({each}) | {r['digest']} |")


if __name__ == "__main__":
    main()

"""A SHA-256 over the whole ``Settlement`` of ``bench/settle.py``'s books: proof that a speed-up changed no figure.

The digest covers, in order, every ledger entry, new application, new G/L line, line
result, issue, the sorted changed entry numbers, the updated applications and the
``posted`` flag, each through its ``repr`` (so a ``Decimal``'s exponent, an enum member,
``None`` versus ``0`` all count). Record the digests before a change and compare after.

    python bench/settle_digest.py                           # 100k/10k seeds 7 and 2, then 1M/100k seed 1
    python bench/settle_digest.py --sizes 100k/10k --seeds 7
    python bench/settle_digest.py --check digests.json      # exit 1 when any digest differs

Each size/seed runs in its own subprocess (memory); the post_journal wall and CPU
seconds are printed beside the digest (not a benchmark: ``bench/settle.py`` is).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_RUNS = ("100k/10k:7", "100k/10k:2", "1M/100k:1")


def settlement_digest(settlement: object) -> str:
    """SHA-256 hex digest of every record of ``settlement`` (a ``xlar.core.model.Settlement``)."""
    h = hashlib.sha256()
    upd = h.update
    for name in ("ledger", "new_applications", "new_gl", "line_results", "issues", "updated_applications"):
        upd(f"#{name}\n".encode())
        for rec in getattr(settlement, name):
            upd(repr(rec).encode())
            upd(b"\n")
    upd(repr(sorted(settlement.changed_entry_nos)).encode())  # type: ignore[attr-defined]
    upd(repr(settlement.posted).encode())  # type: ignore[attr-defined]
    return h.hexdigest()


def run_one(size: str, seed: int) -> dict[str, object]:
    from bench.settle import build_book, parse_size
    from xlar.core.settle import post_journal

    n, p = parse_size(size)
    book = build_book(n, p, seed)
    load = os.getloadavg()[0]
    c0, t0 = time.process_time(), time.perf_counter()
    s = post_journal(book, skip_errors=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"run": f"{size}:{seed}", "digest": settlement_digest(s), "settle_s": wall, "settle_cpu_s": cpu,
            "load": load, "applications": len(s.new_applications), "gl_lines": len(s.new_gl)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", help="comma-separated SIZE:SEED, e.g. 100k/10k:7,1M/100k:1")
    ap.add_argument("--check", help="JSON file of {run: digest} to compare with (exit 1 on a difference)")
    ap.add_argument("--save", help="write the {run: digest} JSON here")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        size, _, seed = args.one.partition(":")
        print(json.dumps(run_one(size, int(seed or 1))))
        return 0
    runs = args.runs.split(",") if args.runs else list(DEFAULT_RUNS)
    expected = json.loads(Path(args.check).read_text()) if args.check else {}
    got: dict[str, str] = {}
    bad = 0
    for run in runs:
        proc = subprocess.run([sys.executable, __file__, "--one", run], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        got[r["run"]] = r["digest"]
        mark = ""
        if r["run"] in expected:
            same = expected[r["run"]] == r["digest"]
            bad += not same
            mark = "  same" if same else "  DIFFERENT"
        print(f"{r['run']:>14} {r['digest']}  {r['settle_s']:6.2f} s wall {r['settle_cpu_s']:6.2f} s CPU "
              f"load {r['load']:.1f}  {r['applications']:,} apps {r['gl_lines']:,} G/L{mark}")
    if args.save:
        Path(args.save).write_text(json.dumps(got, indent=1) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

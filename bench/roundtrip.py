"""End-to-end ``xlar post`` on workbook files, against openpyxl load + modify + save of the same book.

For each size (ledger entries / journal lines) this builds a real .xlsx: the Settings,
Customers and PaymentTerms sheets, a Ledger with every contract column filled the way a
previous xlar run leaves it (derived columns included), and a Journal of payments (the
mix of ``bench/settle.py``: by Applies-to Doc. No., by Applies-to ID, apply to oldest).
It then times, each in its own subprocess (wall time and peak RSS from ``wait4``):

- ``xlar post BOOK --quiet``: read (calamine), settle, write back (only the changed sheet
  parts of the zip: Ledger, Journal, and the new Applications / GLEntries / RunLog);
- the baseline: ``openpyxl.load_workbook`` + one cell changed + ``save`` of the same file
  (what any openpyxl-based tool pays at least; skipped above ``--baseline-max`` entries,
  where it needs many GiB).

    python bench/roundtrip.py                    # 10k/1k, 100k/10k, 1M/100k
    python bench/roundtrip.py --sizes 10k/1k,100k/10k
    python bench/roundtrip.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_SIZES = ("10k/1k", "100k/10k", "1M/100k")


def build(path: Path, n_entries: int, n_payments: int) -> None:
    """Write the benchmark book to ``path`` (through xlar's own part writer: fast, inline strings)."""
    import openpyxl
    from settle import build_book

    from xlar.book import plan as P
    from xlar.book import schema as S
    from xlar.book.xlsxparts import open_parts, save_parts

    book = build_book(n_entries, n_payments)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    st = wb.create_sheet("Settings")
    st.append(["Setting", "Value"])
    for name, value in [("Company Currency", "EUR"), ("Application Method", "Apply to Oldest"),
                        ("Payment Tolerance %", 0.5), ("Max. Payment Tolerance Amount", 5),
                        ("Payment Discount Grace Period", "5D")]:
        st.append([name, value])
    cu = wb.create_sheet("Customers")
    cu.append(["Customer No.", "Name", "Payment Terms", "Application Method"])
    for c in book.customers:
        cu.append([c.customer_no, c.name, c.payment_terms, c.application_method.value if c.application_method else None])
    te = wb.create_sheet("PaymentTerms")
    te.append(["Code", "Due Date Formula", "Discount %", "Discount Date Formula"])
    for t in book.terms:
        te.append([t.code, t.due_date_formula, float(t.discount_pct) or None, t.discount_date_formula or None])
    contract = [c for c in S.LEDGER.columns if not c.extension]
    wb.create_sheet("Ledger").append([c.header for c in contract])
    jcols = ["Line No.", "Posting Date", "Document Type", "Document No.", "Customer No.", "Amount",
             "Applies-to Doc. No.", "Applies-to ID"]
    wb.create_sheet("Journal").append(jcols)
    wb.save(path)

    pb = open_parts(path)
    plan = P.WritePlan()
    led = plan.sheet(S.LEDGER)
    for e in book.ledger:
        led.appends.append(P._ledger_row(e, contract, "EUR", None))
    jr = plan.sheet(S.JOURNAL)
    for ln in book.journal:
        jr.appends.append({
            "lineno": P.Out(ln.line_no), "postingdate": P.out(ln.posting_date, S.Kind.DATE),
            "documenttype": P.Out(ln.document_type.value), "documentno": P.Out(ln.document_no),
            "customerno": P.Out(ln.customer_no), "amount": P.out(ln.amount, S.Kind.MONEY, "EUR"),
            "appliestodocno": P.Out(", ".join(ln.applies_to_doc_nos) or None),
            "appliestoid": P.Out(ln.applies_to_id or None),
        })
    save_parts(pb, plan, path)


def run_child(cmd: list[str]) -> tuple[float, float, float, int, str]:
    """One subprocess: (wall s, CPU s, peak RSS MiB, exit code, output tail), from ``os.wait4``.

    CPU seconds (user + system) are the steadier figure on a shared machine."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        secs = time.perf_counter() - start
        log.seek(0)
        tail = log.read().decode(errors="replace")[-600:]
    return secs, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, tail


PHASES = """
import gc, json, resource, sys, time
gc.disable()  # as run_file does for a run
from pathlib import Path
from xlar.book import commands as C, xlsxparts as X
from xlar.book.commands import execute
spent = {"grids": 0.0, "read_book": 0.0}
def timed(name, f):
    def run(*a, **k):
        t0 = time.process_time()
        try:
            return f(*a, **k)
        finally:
            spent[name] += time.process_time() - t0
    return run
X._grid = timed("grids", X._grid)  # the grids from calamine's rows (and the formula scan)
C.read_book = timed("read_book", C.read_book)  # cells to records
t = [time.process_time()]
b = X.open_parts(Path(sys.argv[1])); t.append(time.process_time())
plan, o = execute(b.grids, "post", fingerprint=b.fingerprint); t.append(time.process_time())
X.save_parts(b, plan); t.append(time.process_time())
print(json.dumps({"read_cpu_s": round(t[1] - t[0], 2), "settle_plan_cpu_s": round(t[2] - t[1], 2),
                  "write_cpu_s": round(t[3] - t[2], 2), "grids_cpu_s": round(spent["grids"], 2),
                  "read_book_cpu_s": round(spent["read_book"], 2),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

BASELINE = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
wb["Journal"]["Z2"] = "changed"
wb.save(sys.argv[2])
"""


def run_size(size: str, work: Path, baseline_max: int, phases: bool = False) -> dict[str, object]:
    from settle import parse_size

    n_entries, n_payments = parse_size(size)
    book = work / f"ledger-{size.replace('/', '-')}.xlsx"
    t0 = time.perf_counter()
    secs, cpu, rss, code, tail = run_child([sys.executable, __file__, "--build", str(book), str(n_entries),
                                       str(n_payments)])
    if code:
        raise SystemExit(f"building {size} failed:\n{tail}")
    res: dict[str, object] = {"size": size, "entries": n_entries, "journal_lines": n_payments,
                              "build_s": round(time.perf_counter() - t0, 1),
                              "file_mib": round(book.stat().st_size / 2**20, 1)}
    post_copy = work / "post.xlsx"
    shutil.copy(book, post_copy)
    secs, cpu, rss, code, tail = run_child([sys.executable, "-m", "xlar.cli", "post", str(post_copy), "--json"])
    try:
        summary = json.loads(tail[tail.index("{"):]) if "{" in tail else {}
    except ValueError:
        summary = {}
    res.update(post_s=round(secs, 2), post_cpu_s=round(cpu, 2), post_rss_mib=round(rss), post_exit=code,
               load=round(os.getloadavg()[0], 1))
    if code not in (0, 1):
        res["post_error"] = tail
    res["lines_posted"] = summary.get("lines_posted")
    res["applications"] = summary.get("applications")
    for f in work.glob("post.xlsx*"):
        f.unlink()
    if phases:  # where the CPU goes: calamine read + zip index, read_book + settle + plan, part writer
        shutil.copy(book, post_copy)
        _, _, _, code, tail = run_child([sys.executable, "-c", PHASES, str(post_copy)])
        if code == 0:
            res.update(json.loads(tail[tail.rindex("{"):]))
        for f in work.glob("post.xlsx*"):
            f.unlink()
    if n_entries <= baseline_max:
        secs, cpu, rss, code, tail = run_child([sys.executable, "-c", BASELINE, str(book), str(work / "base.xlsx")])
        res.update(openpyxl_s=round(secs, 2), openpyxl_cpu_s=round(cpu, 2), openpyxl_rss_mib=round(rss),
                   openpyxl_exit=code)
        res["speedup"] = round(cpu / float(res["post_cpu_s"]), 1)
        res["speedup_wall"] = round(secs / float(res["post_s"]), 1)  # xlar parses a big sheet on two cores
        (work / "base.xlsx").unlink(missing_ok=True)
    book.unlink()
    return res


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        build(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(DEFAULT_SIZES), help="ENTRIES/LINES list, e.g. 10k/1k,100k/10k")
    ap.add_argument("--baseline-max", default="100k", help="largest ledger the openpyxl baseline runs on")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--phases", action="store_true", help="also time read / settle+plan / write in-process")
    ap.add_argument("--keep", type=Path, help="folder for the books (default: a temporary folder)")
    args = ap.parse_args()
    from settle import parse_count

    work = args.keep or Path(tempfile.mkdtemp(prefix="xlar-roundtrip-"))
    work.mkdir(parents=True, exist_ok=True)
    if not args.json:
        print(f"{'size':>10} {'file MiB':>8} {'posted':>7} {'xlar wall s':>11} {'CPU s':>7} {'RSS MiB':>8} "
              f"{'openpyxl wall s':>15} {'CPU s':>7} {'RSS MiB':>8} {'speed-up CPU':>12} {'wall':>6} {'load':>5}")
    for size in args.sizes.split(","):
        r = run_size(size.strip(), work, parse_count(args.baseline_max), args.phases)
        if args.json:
            print(json.dumps(r))
        else:
            print(f"{size:>10} {r['file_mib']:>8} {r['lines_posted']!s:>7} {r['post_s']:>11} {r['post_cpu_s']:>7} "
                  f"{r['post_rss_mib']:>8} {r.get('openpyxl_s', '-')!s:>15} {r.get('openpyxl_cpu_s', '-')!s:>7} "
                  f"{r.get('openpyxl_rss_mib', '-')!s:>8} "
                  f"{str(r['speedup']) + 'x' if 'speedup' in r else '-':>12} "
                  f"{str(r['speedup_wall']) + 'x' if 'speedup_wall' in r else '-':>6} {r['load']:>5}", flush=True)
            if "write_cpu_s" in r:
                print(f"{'':>10} CPU s by phase: read {r['read_cpu_s']} (of which grids {r.get('grids_cpu_s')}), "
                      f"read_book+settle+plan {r['settle_plan_cpu_s']} (of which read_book "
                      f"{r.get('read_book_cpu_s')}), write {r['write_cpu_s']}; in-process peak RSS "
                      f"{r.get('peak_rss_mib')} MiB", flush=True)
            if r.get("post_error"):
                print(r["post_error"])
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

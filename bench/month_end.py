"""Speed of month end on a large ledger: aging, tie-out, KPIs, statements, reminders, finance charges.

Builds the settle benchmark's book (``bench/settle.py``: about 100 entries per customer
over 120 days), settles its cash receipt journal with ``post_journal`` so the
Applications history is real, gives every customer reminder and finance charge terms,
then times each month-end step in the core, as of the last day and as of a past date
(rebuilt from history). Setup (build and settle) is reported but not counted.

    python bench/month_end.py                 # 1M entries / 100k payments
    python bench/month_end.py --sizes 100k/10k
    python bench/month_end.py --json
    python bench/month_end.py --file --sizes 100k/10k   # end to end on an .xlsx (below)

``--file``: builds the book as a real .xlsx (``bench/roundtrip.py``'s builder), posts its
journal with ``xlar post`` and adds reminder / finance charge terms (setup, not counted),
then times ``xlar month-end BOOK --as-of DATE`` (``run_month_end``) in a subprocess, twice (the second run
replaces the report sheets), plus the CPU of each phase in-process: read (calamine + zip
index), month end (read_book + core + plan) and write (the part writer: report sheets as
XML, new rows).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.settle import AS_OF, build_book, parse_size
from xlar.core.dunning import (
    FINANCE_CHARGE,
    REMINDER,
    Collections,
    FinanceChargeTerms,
    ReminderLevel,
    ReminderTerms,
)
from xlar.core.month_end import close_month
from xlar.core.settle import post_journal

D = __import__("decimal").Decimal


def collections_for(book) -> Collections:
    rt = ReminderTerms(code="STD", max_reminders=3, levels=(
        ReminderLevel(level=1, grace_period="5D", due_date_formula="14D", additional_fee=D(10)),
        ReminderLevel(level=2, grace_period="7D", due_date_formula="14D", additional_fee=D(20),
                      calculate_interest=True)))
    ft = FinanceChargeTerms(code="FC", interest_rate=D("1.5"), interest_period_days=30, minimum_amount=D(5))
    nos = [c.customer_no for c in book.customers]
    return Collections(reminder_terms=(rt,), finance_charge_terms=(ft,),
                       customer_reminder_terms=dict.fromkeys(nos, "STD"),
                       customer_fin_charge_terms=dict.fromkeys(nos[::2], "FC"))


def run(n_entries: int, n_payments: int) -> dict[str, object]:
    t0 = time.perf_counter()
    book = build_book(n_entries, n_payments)
    s = post_journal(book)
    book = dataclasses.replace(book, ledger=s.ledger, applications=s.new_applications, gl=s.new_gl, journal=())
    setup = time.perf_counter() - t0
    col = collections_for(book)
    out: dict[str, object] = {"entries": len(book.ledger), "applications": len(book.applications),
                              "gl_lines": len(book.gl), "setup_s": round(setup, 1)}
    for label, day in (("as_of", AS_OF), ("past", AS_OF - timedelta(days=45))):
        t, c = time.perf_counter(), time.process_time()
        me = close_month(book, col, day, issue_documents=True)
        secs = round(time.perf_counter() - t, 1)
        cpu = round(time.process_time() - c, 1)  # the box is shared: CPU time is the steadier figure
        done = me.dunning
        out[label] = {"date": day.isoformat(), "seconds": secs, "cpu_seconds": cpu, "open_items": len(me.balances.items),
                      "aging_total_lcy": str(me.aging.total_lcy), "statements": len(me.statements),
                      "report_rows": sum(len(x.rows) for x in me.tables),
                      "reminders": sum(1 for d in done.documents if d.kind == REMINDER),
                      "finance_charge_memos": sum(1 for d in done.documents if d.kind == FINANCE_CHARGE),
                      "new_entries": len(done.new_entries), "new_gl": len(done.new_gl)}
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


TERMS = """
import sys
from pathlib import Path
from xlar.book import plan as P
from xlar.book import schema as S
from xlar.book.month_end import FINANCE_CHARGE_TERMS, REMINDER_TERMS
from xlar.book.xlsxparts import open_parts, save_parts
b = open_parts(Path(sys.argv[1]))
plan = P.WritePlan()
rt = plan.sheet(REMINDER_TERMS)
for level, grace, fee, interest in ((1, "5D", 10, False), (2, "7D", 20, True)):
    rt.appends.append({"code": P.Out("STD"), "level": P.Out(level), "graceperiod": P.Out(grace),
                       "duedateformula": P.Out("14D"), "additionalfee": P.Out(fee),
                       "calculateinterest": P.Out(interest), "maxnoofreminders": P.Out(3)})
plan.sheet(FINANCE_CHARGE_TERMS).appends.append({
    "code": P.Out("FC"), "interestrate": P.Out(1.5), "interestperioddays": P.Out(30),
    "interestcalculationmethod": P.Out("Average Daily Balance"), "minimumamount": P.Out(5),
    "additionalfee": P.Out(0)})
cu = plan.sheet(S.CUSTOMERS)
for row, _ in b.grids["Customers"].rows:
    cu.update(row, "reminderterms", P.Out("STD"))
    if row % 2 == 0:
        cu.update(row, "finchargeterms", P.Out("FC"))
save_parts(b, plan)
"""

#: what ``xlar month-end BOOK --as-of DATE`` runs (the CLI minus its option parsing), with a short summary
RUN = """
import json, sys
from datetime import date
from pathlib import Path
from xlar.book.month_end import MonthEndOptions, run_month_end
o = run_month_end(Path(sys.argv[1]), MonthEndOptions(as_of=date.fromisoformat(sys.argv[2])))
print(json.dumps({"reports": o.reports, "aging_total_lcy": o.aging_total_lcy, "statements": o.statements,
                  "reminders": o.reminders, "finance_charges": o.finance_charges}))
raise SystemExit(o.exit_code)
"""

PHASES = """
import json, sys, time
from datetime import date
from pathlib import Path
from xlar.book import xlsxparts as X
from xlar.book.month_end import MonthEndOptions, execute_month_end
t = [time.process_time()]
b = X.open_parts(Path(sys.argv[1])); t.append(time.process_time())
plan, tables, o = execute_month_end(b.grids, MonthEndOptions(as_of=date.fromisoformat(sys.argv[2])),
                                    fingerprint=b.fingerprint); t.append(time.process_time())
X.save_parts(b, plan); t.append(time.process_time())
print(json.dumps({"read_cpu_s": round(t[1] - t[0], 2), "month_end_cpu_s": round(t[2] - t[1], 2),
                  "write_cpu_s": round(t[3] - t[2], 2), "report_rows": sum(len(x.rows) for x in tables)}))
"""


def run_on_file(n_entries: int, n_payments: int) -> dict[str, object]:
    """``xlar month-end`` end to end on an .xlsx of the benchmark book (see the module docstring)."""
    import os
    import shutil
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from roundtrip import run_child

    work = Path(tempfile.mkdtemp(prefix="xlar-month-end-"))
    try:
        book = work / "book.xlsx"
        t0 = time.perf_counter()
        roundtrip = str(Path(__file__).resolve().parent / "roundtrip.py")
        for cmd in ([sys.executable, roundtrip, "--build", str(book), str(n_entries), str(n_payments)],
                    [sys.executable, "-m", "xlar.cli", "post", str(book), "--quiet"],
                    [sys.executable, "-c", TERMS, str(book)]):
            _, _, _, code, tail = run_child(cmd)
            if code:
                raise SystemExit(f"setup failed ({cmd[1:3]}):\n{tail}")
        out: dict[str, object] = {"entries": n_entries, "journal_lines": n_payments,
                                  "setup_s": round(time.perf_counter() - t0, 1),
                                  "file_mib": round(book.stat().st_size / 2**20, 1)}
        day = AS_OF.isoformat()
        shutil.copy(book, work / "phases.xlsx")
        for label in ("first", "again"):
            secs, cpu, rss, code, tail = run_child([sys.executable, "-c", RUN, str(book), day])
            if code not in (0, 1):
                raise SystemExit(f"month-end failed:\n{tail}")
            summary = json.loads(tail[tail.rindex("{"):]) if label == "first" else {}
            out[label] = {"seconds": round(secs, 1), "cpu_seconds": round(cpu, 1), "peak_rss_mib": round(rss),
                          "exit": code, **summary}
        out["file_after_mib"] = round(book.stat().st_size / 2**20, 1)
        _, _, _, code, tail = run_child([sys.executable, "-c", PHASES, str(work / "phases.xlsx"), day])
        if code == 0:
            out.update(json.loads(tail[tail.rindex("{"):]))
        out["load_avg"] = os.getloadavg()[0]
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1M/100k", help="ENTRIES/PAYMENTS, comma-separated")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--file", action="store_true", help="xlar month-end end to end on an .xlsx file")
    args = ap.parse_args(argv)
    if args.file:
        for size in args.sizes.split(","):
            r = run_on_file(*parse_size(size))
            if args.json:
                print(json.dumps(r))
                continue
            print(f"{size} on file: {r['file_mib']} MiB book, setup {r['setup_s']} s (load {r['load_avg']:.1f})")
            for label in ("first", "again"):
                x = r[label]
                print(f"  xlar month-end ({label} run): {x['seconds']} s wall, {x['cpu_seconds']} s CPU, "
                      f"peak RSS {x['peak_rss_mib']} MiB, exit {x['exit']}"
                      + (f"; Aging total {x['aging_total_lcy']}, {x['statements']:,} statements, "
                         f"{x['reminders']:,} reminders, {x['finance_charges']:,} finance charge memos"
                         if "statements" in x else ""))
            if "read_cpu_s" in r:
                print(f"  CPU s by phase: read {r['read_cpu_s']}, month end {r['month_end_cpu_s']}, "
                      f"write {r['write_cpu_s']} ({r['report_rows']:,} report rows)")
        return 0
    for size in args.sizes.split(","):
        r = run(*parse_size(size))
        if args.json:
            print(json.dumps(r))
            continue
        print(f"{size}: {r['entries']:,} entries, {r['applications']:,} applications, setup {r['setup_s']} s, "
              f"peak RSS {r['peak_rss_mib']} MiB")
        for label in ("as_of", "past"):
            x = r[label]
            print(f"  month end as of {x['date']}: {x['seconds']} s wall, {x['cpu_seconds']} s CPU  "
                  f"({x['open_items']:,} open items, "
                  f"{x['statements']:,} statements, {x['report_rows']:,} report rows, {x['reminders']:,} reminders, "
                  f"{x['finance_charge_memos']:,} finance charge memos, {x['new_gl']:,} G/L lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

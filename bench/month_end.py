"""Speed of month end on a large ledger: aging, tie-out, KPIs, statements, reminders, finance charges.

Builds the settle benchmark's book (``bench/settle.py``: about 100 entries per customer
over 120 days), settles its cash receipt journal with ``post_journal`` so the
Applications history is real, gives every customer reminder and finance charge terms,
then times each month-end step in the core, as of the last day and as of a past date
(rebuilt from history). Setup (build and settle) is reported but not counted.

    python bench/month_end.py                 # 1M entries / 100k payments
    python bench/month_end.py --sizes 100k/10k
    python bench/month_end.py --json
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1M/100k", help="ENTRIES/PAYMENTS, comma-separated")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
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

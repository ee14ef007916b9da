"""Throughput of ``xlar.core.settle.post_journal``, against a naive pandas baseline.

For each size (open ledger entries / payments) this builds a book directly as core
records (``new_entry``), about 100 entries per customer, and a cash receipt journal
that mixes payments by Applies-to Doc. No. (full, discounted, partial), by
Applies-to ID (2-4 marked invoices) and without applies-to (apply to oldest). It
then times ``post_journal`` and, in the same process and on the same data, the
obvious pandas implementation: loop over the payments, boolean-mask the open
entries in a DataFrame, subtract. When the baseline would run longer than
``--baseline-budget`` seconds it is timed on the first payments only and
extrapolated linearly (the output says so).

Each size runs in its own subprocess, so the peak RSS (``getrusage``, no
tracemalloc) is that size's own: the book plus the settlement, measured before the
baseline starts.

    python bench/settle.py                 # 10k/1k, 100k/10k, 1M/100k
    python bench/settle.py --quick         # 10k/1k, 100k/10k
    python bench/settle.py --sizes 1M/100k
    python bench/settle.py --sizes 100k/10k --profile   # cProfile of post_journal, top 30 by own time
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xlar.core.model import (
    ApplicationMethod,
    Book,
    Customer,
    DocumentType,
    JournalLine,
    LedgerEntry,
    PaymentTerms,
    Settings,
)
from xlar.core.terms import new_entry

AS_OF = date(2026, 10, 30)
CENT = Decimal("0.01")
DEFAULT_SIZES = ("10k/1k", "100k/10k", "1M/100k")
QUICK_SIZES = ("10k/1k", "100k/10k")
TERMS = (
    PaymentTerms(code="14D", due_date_formula="14D"),
    PaymentTerms(code="30D", due_date_formula="30D"),
    PaymentTerms(code="2%10/30", due_date_formula="30D", discount_pct=Decimal(2), discount_date_formula="10D"),
    PaymentTerms(code="CM+30D", due_date_formula="CM+30D"),
)


def parse_count(text: str) -> int:
    """``10k`` -> 10000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def parse_size(text: str) -> tuple[int, int]:
    entries, _, payments = text.replace(":", "/").partition("/")
    return parse_count(entries), parse_count(payments)


# --------------------------------------------------------------------------- data


def _money(x: float) -> Decimal:
    return Decimal(repr(x)).quantize(CENT, rounding=ROUND_HALF_UP)


def build_book(n_entries: int, n_payments: int, seed: int = 1) -> Book:
    """A book of ``n_entries`` open entries (invoices, a few credit memos) and ``n_payments`` payments."""
    rng = random.Random(seed)
    n_customers = max(10, n_entries // 100)
    customers = []
    for i in range(n_customers):
        terms = rng.choices(("14D", "30D", "2%10/30", "CM+30D"), weights=(2, 5, 3, 2))[0]
        manual = i % 2 == 0
        customers.append(Customer(
            customer_no=f"C{100000 + i}", name=f"Customer {i}", payment_terms=terms,
            application_method=ApplicationMethod.MANUAL if manual else None,
        ))
    settings = Settings(
        payment_tolerance_pct=Decimal("0.5"), max_payment_tolerance_amount=Decimal(5),
        payment_discount_grace_period="5D", application_method=ApplicationMethod.APPLY_TO_OLDEST,
    )
    base = Book(settings=settings, customers=tuple(customers), terms=TERMS)

    # ledger: each customer gets its share of entries, posted over the last 120 days
    entries: list[LedgerEntry] = []
    invoices_of: dict[str, list[int]] = {}  # customer -> indices into entries (open invoices)
    per_customer = n_entries // n_customers
    extra = n_entries - per_customer * n_customers
    for ci, cust in enumerate(customers):
        mine: list[int] = []
        for _ in range(per_customer + (1 if ci < extra else 0)):
            posting = AS_OF - timedelta(days=rng.randint(1, 120))
            is_cm = cust.application_method is ApplicationMethod.MANUAL and rng.random() < 0.03
            amount = _money(min(max(rng.lognormvariate(7.0, 1.0), 50.0), 50000.0))
            no = len(entries) + 1
            entries.append(new_entry(
                book=base, entry_no=no, customer_no=cust.customer_no,
                document_type=DocumentType.CREDIT_MEMO if is_cm else DocumentType.INVOICE,
                document_no=f"{'CM' if is_cm else 'INV'}{no:08d}", posting_date=posting,
                amount=-amount if is_cm else amount,
            ))
            if not is_cm:
                mine.append(no - 1)
        rng.shuffle(mine)
        invoices_of[cust.customer_no] = mine

    manual = [c.customer_no for c in customers if c.application_method is ApplicationMethod.MANUAL]
    oldest = [c.customer_no for c in customers if c.application_method is None]
    oldest_paid: dict[str, Decimal] = {}
    lines: list[JournalLine] = []
    for k in range(n_payments):
        line_no = k + 1
        doc_no = f"RCPT{line_no:08d}"
        kind = rng.random()
        if kind < 0.5:  # Applies-to Doc. No.: full, discounted or partial
            cust_no = rng.choice(manual)
            pool = invoices_of[cust_no]
            if not pool:
                continue
            e = entries[pool.pop()]
            amount = e.remaining_amount
            variant = rng.random()
            if e.pmt_discount_date and AS_OF <= e.pmt_discount_date:
                amount -= e.remaining_pmt_disc_possible
            elif variant < 0.2:
                amount = _money(float(amount) * rng.uniform(0.2, 0.8))
            lines.append(JournalLine(
                line_no=line_no, posting_date=AS_OF, document_type=DocumentType.PAYMENT, document_no=doc_no,
                amount=amount, customer_no=cust_no, applies_to_doc_nos=(e.document_no,),
            ))
        elif kind < 0.7:  # Applies-to ID on 2-4 invoices
            cust_no = rng.choice(manual)
            pool = invoices_of[cust_no]
            marked = [pool.pop() for _ in range(min(len(pool), rng.randint(2, 4)))]
            if not marked:
                continue
            total = Decimal(0)
            for i in marked:
                entries[i] = dataclasses.replace(entries[i], applies_to_id=doc_no)
                total += entries[i].remaining_amount
            lines.append(JournalLine(
                line_no=line_no, posting_date=AS_OF, document_type=DocumentType.PAYMENT, document_no=doc_no,
                amount=total, customer_no=cust_no, applies_to_id=doc_no,
            ))
        else:  # apply to oldest: about two invoices' worth, never more than the customer owes
            cust_no = rng.choice(oldest)
            amount = _money(rng.uniform(500.0, 3000.0))
            oldest_paid[cust_no] = oldest_paid.get(cust_no, Decimal(0)) + amount
            lines.append(JournalLine(
                line_no=line_no, posting_date=AS_OF, document_type=DocumentType.PAYMENT, document_no=doc_no,
                amount=amount, customer_no=cust_no,
            ))
    return dataclasses.replace(base, ledger=tuple(entries), journal=tuple(lines))


# --------------------------------------------------------------------------- pandas baseline


def pandas_baseline(book: Book, budget_s: float) -> dict[str, object]:
    """The obvious pandas settlement: per payment, mask the DataFrame, take discounts, subtract.

    Floats, as such code does. Returns seconds for the payments done, how many, and
    the remaining amounts (when all payments were done) for a cross-check.
    """
    import numpy as np
    import pandas as pd

    led = book.ledger
    df = pd.DataFrame({
        "entry_no": [e.entry_no for e in led],
        "customer_no": [e.customer_no for e in led],
        "document_no": [e.document_no for e in led],
        "posting_date": pd.to_datetime([e.posting_date for e in led]),
        "due_date": pd.to_datetime([e.due_date for e in led]),
        "disc_date": pd.to_datetime([e.pmt_discount_date for e in led]),
        "disc": [float(e.remaining_pmt_disc_possible) for e in led],
        "remaining": [float(e.remaining_amount) for e in led],
        "applies_to_id": [e.applies_to_id for e in led],
    })
    lines = book.journal
    start = time.perf_counter()
    done = 0
    for line in lines:
        amount = float(line.amount)
        when = pd.Timestamp(line.posting_date)
        if line.applies_to_doc_nos:
            mask = (df["customer_no"] == line.customer_no) & df["document_no"].isin(line.applies_to_doc_nos)
            rows = df[mask & (df["remaining"] != 0)]
        elif line.applies_to_id:
            mask = (df["applies_to_id"] == line.applies_to_id) & (df["remaining"] != 0)
            rows = df[mask].sort_values(["due_date", "entry_no"])
        else:
            mask = (df["customer_no"] == line.customer_no) & (df["remaining"] > 0) & (df["posting_date"] <= when)
            rows = df[mask]
            # oldest due date first; among equal dates the better discount (D365 tie-break), then entry no.
            rows = rows.assign(rel=-(rows["disc"] / rows["remaining"])).sort_values(
                ["due_date", "posting_date", "rel", "entry_no"])
        for idx, row in rows.iterrows():
            if amount <= 0:
                break
            rem = row["remaining"]
            disc = row["disc"] if (pd.notna(row["disc_date"]) and when <= row["disc_date"]) else 0.0
            if amount + 1e-9 >= rem - disc:
                df.at[idx, "remaining"] = 0.0
                df.at[idx, "disc"] = 0.0
                amount = round(amount - (rem - disc), 2)
            else:
                df.at[idx, "remaining"] = round(rem - amount, 2)
                amount = 0.0
        done += 1
        if time.perf_counter() - start > budget_s and done < len(lines):
            break
    seconds = time.perf_counter() - start
    result: dict[str, object] = {"seconds": seconds, "payments_done": done}
    if done == len(lines):
        result["remaining"] = dict(zip(df["entry_no"].tolist(), np.round(df["remaining"].to_numpy(), 2).tolist()))
    return result


# --------------------------------------------------------------------------- one size


def _rss_now_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def run_one(n_entries: int, n_payments: int, budget_s: float, seed: int, profile: bool = False) -> dict[str, object]:
    from xlar.core.settle import post_journal

    t0 = time.perf_counter()
    book = build_book(n_entries, n_payments, seed)
    build_s = time.perf_counter() - t0
    rss_book = _rss_now_mib()

    prof = cProfile.Profile() if profile else None
    load = os.getloadavg()[0]
    c0 = time.process_time()
    t0 = time.perf_counter()
    if prof is not None:
        prof.enable()
    settlement = post_journal(book, skip_errors=True)
    if prof is not None:
        prof.disable()
    settle_s = time.perf_counter() - t0
    settle_cpu_s = time.process_time() - c0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if prof is not None:  # to stderr: stdout's last line is the JSON result
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue(), file=sys.stderr)

    posted = sum(1 for r in settlement.line_results if r.status == "Posted")
    before = sum((e.remaining_amount_lcy for e in book.ledger), Decimal(0))
    after = sum((e.remaining_amount_lcy for e in settlement.ledger), Decimal(0))
    discounts = sum((a.discount for a in settlement.new_applications), Decimal(0))

    base = pandas_baseline(book, budget_s)
    done = int(base["payments_done"])  # type: ignore[arg-type]
    base_s = float(base["seconds"])  # type: ignore[arg-type]
    lines = len(book.journal)
    extrapolated = done < lines
    base_total = base_s / max(done, 1) * lines
    agree = None
    if not extrapolated:
        remaining = base["remaining"]
        assert isinstance(remaining, dict)
        # compare only the entries the journal touched or could touch: the existing ones
        mismatched = sum(
            1 for e in settlement.ledger
            if e.entry_no in remaining and abs(float(e.remaining_amount) - remaining[e.entry_no]) > 0.005
        )
        agree = {"entries": len(remaining), "mismatched": mismatched}
    return {
        "entries": len(book.ledger), "payments": lines, "customers": len(book.customers),
        "build_s": build_s, "settle_s": settle_s, "settle_cpu_s": settle_cpu_s, "load_avg": load,
        "payments_per_s": lines / settle_s,
        "rss_book_mib": rss_book, "peak_rss_mib": peak_mib,
        "posted": posted, "errors": len(settlement.errors),
        "applications": len(settlement.new_applications), "gl_lines": len(settlement.new_gl),
        "discounts": str(discounts), "open_before": str(before), "open_after": str(after),
        "baseline_s": base_total, "baseline_payments_timed": done, "baseline_extrapolated": extrapolated,
        "ratio": base_total / settle_s, "baseline_agrees": agree,
    }


# --------------------------------------------------------------------------- driver


def _fmt_n(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k" if n >= 1000 else str(n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", help="comma-separated ENTRIES/PAYMENTS, e.g. 10k/1k,1M/100k")
    ap.add_argument("--quick", action="store_true", help="only 10k/1k and 100k/10k")
    ap.add_argument("--baseline-budget", type=float, default=60.0,
                    help="seconds the pandas baseline may run per size before it is extrapolated (default 60)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object per size")
    ap.add_argument("--profile", action="store_true",
                    help="profile post_journal (cProfile; times are inflated) and print the top 30 functions")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one size in this process
    args = ap.parse_args(argv)

    if args.one:
        n, p = parse_size(args.one)
        print(json.dumps(run_one(n, p, args.baseline_budget, args.seed, args.profile)))
        return 0

    sizes = args.sizes.split(",") if args.sizes else list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    results = []
    if not args.json:
        print(f"xlar post_journal benchmark  (python {sys.version.split()[0]}, one subprocess per size)")
        print(f"{'entries/payments':>17} {'build s':>8} {'settle s':>9} {'CPU s':>6} {'payments/s':>11} "
              f"{'µs/payment':>11} {'peak RSS':>9} {'pandas s':>9} {'xlar vs pandas':>15} {'load':>5}")
    for size in sizes:
        n, p = parse_size(size)
        proc = subprocess.run(
            [sys.executable, __file__, "--one", f"{n}/{p}", "--baseline-budget", str(args.baseline_budget),
             "--seed", str(args.seed), *(["--profile"] if args.profile else [])],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        if args.profile:
            print(proc.stderr, file=sys.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        if args.json:
            print(json.dumps(r))
            continue
        note = "*" if r["baseline_extrapolated"] else ""
        print(f"{_fmt_n(r['entries']) + '/' + _fmt_n(r['payments']):>17} {r['build_s']:8.1f} {r['settle_s']:9.2f} "
              f"{r['settle_cpu_s']:6.2f} {r['payments_per_s']:11,.0f} {1e6 * r['settle_s'] / r['payments']:11.1f} "
              f"{r['peak_rss_mib'] / 1024:8.2f}G {r['baseline_s']:8.1f}{note} {r['ratio']:14.0f}x {r['load_avg']:5.1f}")
    if args.json:
        return 0
    for r in results:
        agree = r["baseline_agrees"]
        check = (f"baseline agrees on {agree['entries'] - agree['mismatched']:,}/{agree['entries']:,} entries"
                 if agree else f"baseline timed on the first {r['baseline_payments_timed']:,} payments, extrapolated")
        print(f"  {_fmt_n(r['entries'])}/{_fmt_n(r['payments'])}: posted {r['posted']:,} lines, {r['errors']} errors, "
              f"{r['applications']:,} applications, {r['gl_lines']:,} G/L lines, discounts {r['discounts']}, "
              f"RSS after build {r['rss_book_mib'] / 1024:.2f}G; {check}")
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["payments"] / first["payments"]
        print(f"  scaling: {growth:g}x the payments took {last['settle_s'] / first['settle_s']:.1f}x the time "
              f"(linear = {growth:g}x)")
    big = [r for r in results if r["entries"] >= 1_000_000]
    for r in big:
        ok = r["settle_s"] < 5 and r["peak_rss_mib"] < 2048
        print(f"  goal 1M entries + 100k payments in < 5 s and < 2 GiB: {'met' if ok else 'NOT met'} "
              f"({r['settle_s']:.2f} s wall, {r['settle_cpu_s']:.2f} s CPU at load {r['load_avg']:.1f}, "
              f"{r['peak_rss_mib'] / 1024:.2f} GiB peak RSS incl. the book)")
    if any(r["baseline_extrapolated"] for r in results):
        print("  * pandas baseline timed on a prefix of the payments (--baseline-budget) and extrapolated linearly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

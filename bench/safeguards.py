"""What the cash-application safeguards cost next to settlement, on ``bench/settle.py``'s books.

Per size (ENTRIES/PAYMENTS), in one process, CPU and wall seconds of:

- ``dup_fresh``: :func:`xlar.core.duplicates.find_duplicate_payments` on the journal
  before posting (the ledger holds no payments: the usual case for ``xlar post``);
- ``settle``: ``post_journal`` of the journal (for scale);
- ``dup_posted``: the same journal checked again after it was posted (every payment is on
  the ledger: every line is flagged, the worst case);
- ``remit`` / ``remit_disc``: :func:`xlar.core.remittance.apply_remittances` when every
  payment by Applies-to Doc. No. is turned into a remittance of one row (the document,
  Amount Paid = the payment, Discount Taken = the discount the payment leaves); without
  and with the discount rows (a discount triggers the trial settlement);
- ``remit_post``: ``post_journal`` of the remittance book; ``agrees`` says whether every
  ledger entry then has the same remaining amount as when the payments named the
  documents directly (the remittance path must settle exactly like the direct one);
- ``unapplied``: :func:`xlar.core.unapplied.unapplied_table` of the posted book as of the
  bench date and 45 days earlier (balances rebuilt), and ``unapplied_given_balances`` with
  the as-of balances given and the garbage collector paused, as month end runs it (the
  aging computed the balances already).

``python bench/safeguards.py [--sizes 100k/10k,1M/100k] [--json]``
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.settle import AS_OF, build_book, parse_size
from xlar.core.aging import balances_as_of
from xlar.core.duplicates import find_duplicate_payments
from xlar.core.model import Book, JournalLine
from xlar.core.money import ZERO
from xlar.core.remittance import RemittanceLine, apply_remittances
from xlar.core.settle import post_journal
from xlar.core.unapplied import unapplied_items, unapplied_table

T = TypeVar("T")


def timed(out: dict[str, object], label: str, fn: Callable[[], T]) -> T:
    w, c = time.perf_counter(), time.process_time()
    r = fn()
    out[f"{label}_s"] = round(time.perf_counter() - w, 2)
    out[f"{label}_cpu_s"] = round(time.process_time() - c, 2)  # the box is shared: CPU time is steadier
    return r


def remittance_book(book: Book, with_discount: bool) -> tuple[Book, list[RemittanceLine]]:
    """Payments by one Applies-to Doc. No. become payments by a Remittance ID of one row."""
    by_doc = {e.document_no: e for e in book.ledger}
    rows: list[RemittanceLine] = []
    lines: list[JournalLine] = []
    for ln in book.journal:
        if len(ln.applies_to_doc_nos) != 1:
            lines.append(ln)
            continue
        e = by_doc[ln.applies_to_doc_nos[0]]
        disc = e.remaining_amount - ln.amount if (with_discount and e.pmt_discount_date
                                                  and ln.posting_date <= e.pmt_discount_date) else ZERO
        rid = f"RA{ln.line_no}"
        rows.append(RemittanceLine(remittance_id=rid, document_no=e.document_no, amount_paid=ln.amount,
                                   discount_taken=disc, customer_no=ln.customer_no, key=ln.line_no))
        lines.append(dataclasses.replace(ln, applies_to_doc_nos=(), applies_to_id=rid))
    return dataclasses.replace(book, journal=tuple(lines)), rows


def run(n_entries: int, n_payments: int) -> dict[str, object]:
    book = build_book(n_entries, n_payments)
    out: dict[str, object] = {"entries": len(book.ledger), "payments": len(book.journal)}
    out["dup_fresh_found"] = len(timed(out, "dup_fresh", lambda: find_duplicate_payments(book)))
    s = timed(out, "settle", lambda: post_journal(book, skip_errors=True))
    posted = dataclasses.replace(book, ledger=s.ledger, applications=s.new_applications, gl=s.new_gl)
    out["dup_posted_found"] = len(timed(out, "dup_posted", lambda: find_duplicate_payments(posted)))
    for label, disc in (("remit", False), ("remit_disc", True)):
        rb, rows = remittance_book(book, disc)
        out[f"{label}_rows"] = len(rows)
        r = timed(out, label, lambda rb=rb, rows=rows: apply_remittances(rb, rows))
        out[f"{label}_failed"] = len(r.failed)
    s2 = timed(out, "remit_post", lambda: post_journal(r.book, skip_errors=True))
    direct = {e.entry_no: e.remaining_amount for e in s.ledger}
    out["agrees"] = all(direct[e.entry_no] == e.remaining_amount for e in s2.ledger if e.entry_no in direct)
    final = dataclasses.replace(posted, journal=())
    for label, day in (("unapplied", AS_OF), ("unapplied_past", AS_OF - timedelta(days=45))):
        timed(out, label, lambda day=day: unapplied_table(final, day))
        out[f"{label}_items"] = len(unapplied_items(final, day))
    # inside month end the as-of balances are the aging's: the table's own cost is what is added
    bal = balances_as_of(final, AS_OF)
    gc.disable()  # as close_month runs it
    try:
        timed(out, "unapplied_given_balances", lambda: unapplied_table(final, AS_OF, balances=bal))
    finally:
        gc.enable()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100k/10k,1M/100k")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    for size in a.sizes.split(","):
        r = run(*parse_size(size))
        r["size"], r["load_avg"] = size, [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(r) if a.json else "  ".join(f"{k}={v}" for k, v in r.items()), flush=True)


if __name__ == "__main__":
    main()

"""BC *Adjust Exchange Rates* for receivables: unrealized gains and losses (spec §6.1, ``EX:BC-FX-01``).

Each open entry in a foreign currency is revalued to the rate valid on ``as_of``: the
difference to its current LCY book value is posted as an unrealized gain (Dr
Receivables / Cr Unrealized Gains) or loss (Dr Unrealized Losses / Cr Receivables) and
kept on the entry (``unrealized_lcy``), so that applying the entry later releases it
and realizes the gain or loss against the original rate.
"""

from __future__ import annotations

from datetime import date

from xlar.core.model import Book, Issue, Settlement
from xlar.core.money import round_to
from xlar.core.settle import _issue, _Run


def adjust_exchange_rates(book: Book, as_of: date, *, document_no: str = "") -> Settlement:
    """Revalue open foreign-currency entries at the rate valid on ``as_of``."""
    run = _Run(book)
    issues: list[Issue] = []
    doc = document_no or f"FXADJ-{as_of.isoformat()}"
    acc = run.acc
    for e in book.ledger:
        if not e.open or e.currency == run.lcy or e.posting_date > as_of:
            continue
        rate = run.rate(e.currency, as_of)
        if rate is None:
            issues.append(_issue("missing-exchange-rate", f"No exchange rate for {e.currency} on "
                                 f"{as_of.isoformat()}; entry {e.entry_no} was not revalued.", "ledger",
                                 e.entry_no, "currency", e.currency))
            continue
        w = run.w(e.entry_no)
        adj = round_to(w.remaining * rate, run.lq) - w.remaining_lcy
        if adj == 0:
            continue
        w.remaining_lcy += adj
        w.unrealized += adj
        if adj > 0:
            run.gl_pair(as_of, doc, acc.receivables, acc.unrealized_gains, adj,
                        f"Unrealized gain {e.document_no}", e.customer_no, None)
        else:
            run.gl_pair(as_of, doc, acc.unrealized_losses, acc.receivables, -adj,
                        f"Unrealized loss {e.document_no}", e.customer_no, None)
    return run.settlement([], issues)

"""A synthetic payment history, for the prediction benchmark, its tests and demos.

Deterministic for a seed. Each customer has its own habit (a base chance of paying
late, which drifts over the two years), and the chance of an invoice being paid late
also rises with its amount, with short payment terms and with invoices of the customer
already overdue when it is posted: the things BC's features describe and a customer's
plain late rate does not.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

from xlar.core.model import DocumentType, LedgerEntry


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def synthetic_ledger(*, customers: int = 40, invoices: int = 3000, start: date = date(2024, 1, 1),
                     days: int = 730, as_of: date | None = None, seed: int = 7) -> tuple[LedgerEntry, ...]:
    """Invoices posted over ``days`` from ``start``; those paid after ``as_of`` are still open."""
    rnd = random.Random(seed)
    as_of = as_of or start + timedelta(days=days)
    habit = {f"C{i:05d}": (rnd.gauss(-1.2, 1.3), rnd.gauss(0, 1.0)) for i in range(1, customers + 1)}
    weights = [rnd.uniform(0.3, 3) for _ in habit]
    posted = sorted((start + timedelta(days=rnd.randrange(days)), rnd.choices(list(habit), weights)[0])
                    for _ in range(invoices))
    history: dict[str, list[tuple[date, date]]] = {}  # customer -> (due, paid) so far
    out: list[LedgerEntry] = []
    for no, (day, cust) in enumerate(posted, start=1):
        base, drift = habit[cust]
        amount = Decimal(str(round(math.exp(rnd.gauss(6.5, 1.1)), 2)))
        terms = rnd.choice((14, 14, 30, 30, 30, 60))
        due = day + timedelta(days=terms)
        overdue = sum(1 for d, p in history.get(cust, []) if d < day <= p)
        t = (day - start).days / days
        logit = (base + drift * (t - 0.5) * 2 + 0.8 * math.log(float(amount) / 700) + (0.9 if terms == 14 else 0)
                 - (0.4 if terms == 60 else 0) + 0.7 * min(overdue, 3))
        late = rnd.random() < _sigmoid(logit)
        if late:
            paid = due + timedelta(days=1 + int(rnd.expovariate(1 / 12)))
        else:
            paid = day + timedelta(days=rnd.randint(0, terms))
        history.setdefault(cust, []).append((due, paid))
        closed = paid <= as_of
        out.append(LedgerEntry(
            entry_no=no, customer_no=cust, posting_date=day, document_type=DocumentType.INVOICE,
            document_no=f"INV{no:06d}", amount=amount, remaining_amount=Decimal(0) if closed else amount,
            currency="EUR", amount_lcy=amount, remaining_amount_lcy=Decimal(0) if closed else amount,
            document_date=day, due_date=due, open=not closed, closed_at_date=paid if closed else None))
    return tuple(e for e in out if e.posting_date <= as_of)

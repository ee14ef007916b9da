"""Auto-match rates of a matching run, each defined once, reported side by side.

Cash-application tools quote "match rates" that are not comparable: one counts bank
lines, another the invoices those lines pay, a third the money. A line paying ten
invoices counts once in the first and ten times in the second, so a vendor's 90 % can
be anybody's 60 %. xlar reports all three, each with its numerator and denominator
(``docs/workbook.md``, *Match rates*):

* **line rate** (header level): statement lines whose first proposal is High (an
  invoice match or a text-to-account mapping: what ``accept`` posts unattended) out of
  all lines matched;
* **invoice rate** (invoice level): open documents in High first proposals out of the
  documents in every first proposal that names a customer;
* **amount rate**: the absolute amount of the High lines out of the absolute amount of
  all lines, per currency (amounts of different currencies are never added).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from xlar.core.bank import Confidence, StatementLine
from xlar.core.match import Proposal
from xlar.core.money import ZERO


@dataclass(frozen=True, slots=True)
class Rate:
    hits: Decimal | int
    total: Decimal | int

    @property
    def share(self) -> Decimal | None:
        """The rate as a fraction (4 decimals), None when nothing was counted."""
        if not self.total:
            return None
        return (Decimal(self.hits) / Decimal(self.total)).quantize(Decimal("0.0001"))

    def text(self) -> str:
        s = self.share
        return "-" if s is None else f"{s * 100:.1f} % ({self.hits:,} of {self.total:,})"


@dataclass(frozen=True, slots=True)
class MatchRates:
    lines: Rate
    invoices: Rate
    amounts: dict[str, Rate] = field(default_factory=dict)  # per currency

    def text(self) -> str:
        amounts = "; ".join(f"{cur} {r.text()}" for cur, r in sorted(self.amounts.items()))
        return (f"auto-match rate: lines {self.lines.text()}, invoices {self.invoices.text()}"
                + (f", amount {amounts}" if amounts else ""))


def match_rates(lines: Iterable[StatementLine], proposals: Iterable[Proposal]) -> MatchRates:
    """The three rates of a run: ``lines`` the lines matched, ``proposals`` all their proposals."""
    first = {(p.statement_no, p.line_no): p for p in proposals if p.rank == 1}
    n_lines = n_high = docs = docs_high = 0
    amount: dict[str, Decimal] = {}
    amount_high: dict[str, Decimal] = {}
    for ln in lines:
        p = first.get((ln.statement_no, ln.line_no))
        if p is None:
            continue
        high = p.confidence is Confidence.HIGH
        n_lines += 1
        n_high += high
        if p.customer_no:
            docs += len(p.documents)
            docs_high += len(p.documents) if high else 0
        cur = ln.currency or ""
        amount[cur] = amount.get(cur, ZERO) + abs(ln.amount)
        if high:
            amount_high[cur] = amount_high.get(cur, ZERO) + abs(ln.amount)
    return MatchRates(lines=Rate(n_high, n_lines), invoices=Rate(docs_high, docs),
                      amounts={cur: Rate(amount_high.get(cur, ZERO), total) for cur, total in amount.items()})

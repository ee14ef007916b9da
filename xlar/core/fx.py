"""Exchange rates: LCY per one unit of a currency, valid from a starting date (contract ``ExchangeRates``)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from xlar.core.model import ExchangeRate
from xlar.core.money import ONE


class RateTable:
    """Looks up the rate valid on a day: the one with the latest starting date on or before it."""

    __slots__ = ("_dates", "_lcy", "_rates")

    def __init__(self, rates: Iterable[ExchangeRate], lcy: str) -> None:
        self._lcy = lcy.upper()
        by_cur: dict[str, list[tuple[date, Decimal]]] = {}
        for r in rates:
            by_cur.setdefault(r.currency.upper(), []).append((r.starting_date, r.rate))
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for cur, rows in by_cur.items():
            rows.sort(key=lambda x: x[0])
            self._dates[cur] = [d for d, _ in rows]
            self._rates[cur] = [r for _, r in rows]

    def rate(self, currency: str, day: date) -> Decimal | None:
        """LCY per unit of ``currency`` on ``day``; 1 for the company currency; None when no rate is valid."""
        cur = (currency or self._lcy).upper()
        if cur == self._lcy:
            return ONE
        dates = self._dates.get(cur)
        if not dates:
            return None
        i = bisect_right(dates, day)
        if i == 0:
            return None
        return self._rates[cur][i - 1]

"""Business Central date formulas (``CalcDate``).

Grammar (spec §0.3, BC "Use date formulas"): a formula is a sum of terms, each
optionally signed::

    term   := [+|-] ( <n><unit>        e.g. 30D, 2W, 1M, 1Q, 1Y   - move n units
                    | C<unit>          e.g. CM, CW, CQ, CY, CD    - to the end of the current unit
                    | <unit><n>        e.g. D10, WD4, M3          - to the next day 10 / weekday 4 / month 3 )
    unit   := D | WD | W | M | Q | Y

``nM``/``nQ``/``nY`` keep the day number and clamp to the month end (BC behaviour:
2024-01-31 + 1M = 2024-02-29). ``C`` with a minus sign goes to the *start* of the
current unit (``-CM`` = first day of the month), as in BC. Terms are applied from
left to right. An empty formula (or ``0D``) returns the date itself.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

_TERM = re.compile(r"([+-]?)(?:(\d+)(WD|D|W|M|Q|Y)|C(WD|D|W|M|Q|Y)|(WD|D|W|M|Q|Y)(\d+))")


class DateFormulaError(ValueError):
    """A date formula that does not follow the BC grammar."""


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _period_bounds(d: date, unit: str) -> tuple[date, date]:
    if unit in ("D", "WD"):
        return d, d
    if unit == "W":
        start = d - timedelta(days=d.weekday())
        return start, start + timedelta(days=6)
    if unit == "M":
        return d.replace(day=1), d.replace(day=calendar.monthrange(d.year, d.month)[1])
    if unit == "Q":
        first_month = 3 * ((d.month - 1) // 3) + 1
        start = date(d.year, first_month, 1)
        end_month = first_month + 2
        return start, date(d.year, end_month, calendar.monthrange(d.year, end_month)[1])
    return date(d.year, 1, 1), date(d.year, 12, 31)  # Y


def _shift(d: date, sign: int, n: int, unit: str) -> date:
    if unit == "D":
        return d + timedelta(days=sign * n)
    if unit == "WD":  # working days: Monday-Friday
        step = 1 if sign >= 0 else -1
        left = n
        while left:
            d += timedelta(days=step)
            if d.weekday() < 5:
                left -= 1
        return d
    if unit == "W":
        return d + timedelta(days=7 * sign * n)
    months = {"M": 1, "Q": 3, "Y": 12}[unit] * n * sign
    return _add_months(d, months)


def _next_unit_number(d: date, sign: int, unit: str, n: int) -> date:
    """``D10``: the next 10th (or this one if d is the 10th? no: strictly next); ``WD4``: next Thursday."""
    step = 1 if sign >= 0 else -1
    if unit in ("D",):
        if not 1 <= n <= 31:
            raise DateFormulaError(f"day number {n} is not 1-31")
        cur = d
        for _ in range(400):
            cur += timedelta(days=step)
            if cur.day == n or (cur.day == calendar.monthrange(cur.year, cur.month)[1] and n > cur.day):
                return cur
    elif unit in ("WD", "W"):
        if unit == "W":
            if not 1 <= n <= 53:
                raise DateFormulaError(f"week number {n} is not 1-53")
            cur = d
            for _ in range(800):
                cur += timedelta(days=step)
                if cur.isocalendar()[1] == n and cur.weekday() == 0:
                    return cur
        else:
            if not 1 <= n <= 7:
                raise DateFormulaError(f"weekday {n} is not 1-7")
            cur = d
            for _ in range(8):
                cur += timedelta(days=step)
                if cur.isoweekday() == n:
                    return cur
    elif unit == "M":
        if not 1 <= n <= 12:
            raise DateFormulaError(f"month number {n} is not 1-12")
        cur = date(d.year, d.month, 1)
        for _ in range(30):
            cur = _add_months(cur, step)
            if cur.month == n:
                return cur
    elif unit == "Q":
        if not 1 <= n <= 4:
            raise DateFormulaError(f"quarter number {n} is not 1-4")
        cur = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        for _ in range(10):
            cur = _add_months(cur, 3 * step)
            if (cur.month - 1) // 3 + 1 == n:
                return cur
    elif unit == "Y":
        return date(n, 1, 1)
    raise DateFormulaError(f"cannot evaluate {unit}{n}")


@lru_cache(maxsize=4096)
def parse_formula(formula: str) -> tuple[tuple[int, str, int | None, str], ...]:
    """Parse ``formula`` into terms ``(sign, kind, n, unit)``; kind is ``'n'``, ``'C'`` or ``'#'``.

    Raises ``DateFormulaError`` for text that is not a BC date formula.
    """
    text = (formula or "").strip().upper().replace(" ", "")
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if not text:
        return ()
    terms: list[tuple[int, str, int | None, str]] = []
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or (pos > 0 and not m.group(1)):
            raise DateFormulaError(f"{formula!r} is not a date formula (use e.g. 30D, 2W, 1M, CM+10D)")
        sign = -1 if m.group(1) == "-" else 1
        if m.group(2) is not None:
            n = int(m.group(2))
            if n > 9999:
                raise DateFormulaError(f"{formula!r}: numbers in date formulas go up to 9999")
            terms.append((sign, "n", n, m.group(3)))
        elif m.group(4) is not None:
            terms.append((sign, "C", None, m.group(4)))
        else:
            terms.append((sign, "#", int(m.group(6)), m.group(5)))
        pos = m.end()
    return tuple(terms)


def is_valid_formula(formula: str) -> bool:
    """True when ``formula`` parses as a BC date formula."""
    try:
        parse_formula(formula)
    except DateFormulaError:
        return False
    return True


def calc_date(formula: str, base: date) -> date:
    """``CalcDate(formula, base)``: e.g. ``calc_date('CM+10D', date(2024, 1, 15)) == date(2024, 2, 10)``."""
    d = base
    for sign, kind, n, unit in parse_formula(formula):
        if kind == "n":
            assert n is not None
            d = _shift(d, sign, n, unit)
        elif kind == "C":
            start, end = _period_bounds(d, unit)
            d = end if sign > 0 else start
        else:
            assert n is not None
            d = _next_unit_number(d, sign, unit, n)
    return d

from datetime import date
from decimal import Decimal

import pytest

from xlar.core.dates import DateFormulaError, calc_date, is_valid_formula
from xlar.core.money import quantum, to_decimal, to_money


@pytest.mark.parametrize(("formula", "base", "expected"), [
    ("30D", date(2024, 1, 10), date(2024, 2, 9)),          # spec §0.3
    ("10D", date(2024, 1, 10), date(2024, 1, 20)),
    ("0D", date(2024, 1, 10), date(2024, 1, 10)),
    ("", date(2024, 1, 10), date(2024, 1, 10)),
    ("2W", date(2024, 1, 1), date(2024, 1, 15)),
    ("1W", date(2024, 1, 1), date(2024, 1, 8)),              # A21: d + 7
    ("1M", date(2024, 1, 31), date(2024, 2, 29)),            # clamps to month end
    ("1M", date(2023, 1, 31), date(2023, 2, 28)),
    ("1Q", date(2024, 11, 30), date(2025, 2, 28)),
    ("1Y", date(2024, 2, 29), date(2025, 2, 28)),
    ("CM", date(2024, 2, 10), date(2024, 2, 29)),
    ("CM+10D", date(2024, 1, 15), date(2024, 2, 10)),
    ("1M+CM", date(2024, 1, 31), date(2024, 2, 29)),
    ("-CM", date(2024, 2, 14), date(2024, 2, 1)),
    ("CQ", date(2024, 5, 5), date(2024, 6, 30)),
    ("CY", date(2024, 5, 5), date(2024, 12, 31)),
    ("CW", date(2024, 1, 3), date(2024, 1, 7)),              # week ends on Sunday
    ("-1Y", date(2024, 3, 1), date(2023, 3, 1)),
    ("-5D", date(2024, 3, 1), date(2024, 2, 25)),
    ("WD4", date(2024, 1, 1), date(2024, 1, 4)),              # next Thursday
    ("D10", date(2024, 1, 15), date(2024, 2, 10)),            # next 10th
    ("<30D>", date(2024, 1, 10), date(2024, 2, 9)),           # BC shows formulas in angle brackets
    ("cm + 10d", date(2024, 1, 15), date(2024, 2, 10)),
])
def test_calc_date(formula: str, base: date, expected: date) -> None:
    assert calc_date(formula, base) == expected


@pytest.mark.parametrize("bad", ["30", "D", "10X", "1M+", "+", "CMX", "30D 5"])
def test_bad_formulas_are_rejected(bad: str) -> None:
    assert not is_valid_formula(bad)
    with pytest.raises(DateFormulaError):
        calc_date(bad, date(2024, 1, 1))


def test_money_rounds_half_away_from_zero_per_currency() -> None:
    assert to_money(0.125, "EUR") == Decimal("0.13")
    assert to_money(-0.125, "EUR") == Decimal("-0.13")
    assert to_money(1234.5, "JPY") == Decimal(1235)
    assert to_money("1.0005", "KWD") == Decimal("1.001")
    assert to_money(0.1 + 0.2, "EUR") == Decimal("0.30")
    assert quantum("usd") == Decimal("0.01")


def test_floats_go_through_their_shortest_text() -> None:
    assert to_decimal(1.1) == Decimal("1.1")  # not 1.100000000000000088817841970012523...
    assert to_decimal(" 1 234.50 ") == Decimal("1234.50")
    for bad in ("abc", "", float("nan"), float("inf"), True, None):
        with pytest.raises(ValueError):
            to_decimal(bad)

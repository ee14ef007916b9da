"""Money: the one place that turns numbers into rounded ``Decimal`` amounts.

Every amount in xlar is a ``Decimal`` quantized to its currency's minor unit with
round-half-away-from-zero (Business Central's ``Round(x, 0.01)``; spec §14 A1).
Floats from Excel cells are converted through ``repr`` text, never ``Decimal(float)``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

#: ISO 4217 minor-unit exponents that differ from 2.
_EXPONENTS: dict[str, int] = {
    # no minor unit
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # three decimals
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four decimals
    "CLF": 4, "UYW": 4,
}

_QUANTS = {e: Decimal(1).scaleb(-e) for e in range(7)}


#: significant digits Excel keeps of a number: an amount with more would not come back as it was posted
EXCEL_DIGITS = 15


def fits_excel(amount: Decimal) -> bool:
    """True when ``amount`` (already rounded to its minor unit) has at most 15 significant digits."""
    return len(amount.as_tuple().digits) <= EXCEL_DIGITS


def exponent(currency: str, overrides: dict[str, int] | None = None) -> int:
    """Number of decimals of ``currency`` (2 unless ISO 4217 or ``overrides`` say otherwise)."""
    code = currency.upper()
    if overrides and code in overrides:
        return overrides[code]
    return _EXPONENTS.get(code, 2)


def quantum(currency: str, overrides: dict[str, int] | None = None) -> Decimal:
    """The smallest amount of ``currency``: ``Decimal('0.01')`` for EUR, ``Decimal('1')`` for JPY."""
    return _QUANTS[exponent(currency, overrides)]


def round_to(value: Decimal, q: Decimal) -> Decimal:
    """Round ``value`` to the quantum ``q`` half away from zero (BC ``Round``)."""
    return value.quantize(q, rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    """Exact ``Decimal`` for an int, a float (through its shortest repr), a Decimal or numeric text.

    Raises ``ValueError`` for anything that is not a finite number.
    """
    if isinstance(value, bool):  # a cell's TRUE/FALSE is bad input like bad text: the same ValueError
        raise ValueError(f"{value!r} is not a number")  # noqa: TRY004
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            raise ValueError("empty text is not a number")
        try:
            d = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a number") from exc
    else:
        raise ValueError(f"{value!r} is not a number")  # noqa: TRY004 (callers report bad cells by ValueError)
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return d


def to_money(value: object, currency: str = "EUR", overrides: dict[str, int] | None = None) -> Decimal:
    """``value`` as money of ``currency``: exact Decimal rounded to the minor unit, half away from zero."""
    return round_to(to_decimal(value), quantum(currency, overrides))

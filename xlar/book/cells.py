"""One cell to one Python value, by column kind: the boundary where floats become Decimals.

Every reader returns the value or raises :class:`CellError` with a catalogue code and a
sentence for a finance user. Dates are Excel dates (cells or serials) or ISO text only;
anything else is an error, never a guess.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from xlar.book.schema import Column, Kind, choice
from xlar.core.dates import is_valid_formula
from xlar.core.money import to_decimal, to_money

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
_TRUE = {"true", "yes", "y", "1", "x", "wahr", "ja"}
_FALSE = {"false", "no", "n", "0", "falsch", "nein"}
_SPLIT = re.compile(r"[;,]")


class CellError(ValueError):
    """A cell that does not hold what its column needs."""

    def __init__(self, code: str, problem: str) -> None:
        super().__init__(problem)
        self.code = code
        self.problem = problem


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_text(value: object) -> str:
    """Text of a cell; whole numbers typed as numbers (customer 10000) lose the '.0'."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value <= _MAX_SERIAL:
            raise CellError("bad-date", f"{value!r} is not an Excel date serial")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    if isinstance(value, str):
        m = _ISO_DATE.match(value)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        raise CellError("bad-date", f"{value!r} is not a date: use an Excel date or ISO text like 2026-10-31")
    raise CellError("bad-date", f"{value!r} is not a date")


def read_decimal(value: object) -> Decimal:
    try:
        return to_decimal(value)
    except ValueError:
        raise CellError("bad-number", f"{value!r} is not a number") from None


def read_money(value: object, currency: str, exponents: dict[str, int] | None = None) -> Decimal:
    try:
        return to_money(value, currency, exponents)
    except ValueError:
        raise CellError("bad-number", f"{value!r} is not an amount") from None


def read_int(value: object) -> int:
    d = read_decimal(value)
    if d != d.to_integral_value():
        raise CellError("bad-integer", f"{value!r} is not a whole number")
    return int(d)


def read_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        t = value.strip().lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
    raise CellError("bad-bool", f"{value!r} is not TRUE or FALSE")


def read_choice(value: object, enum: type[StrEnum], code: str = "bad-choice") -> StrEnum:
    member = choice(enum, read_text(value))
    if member is None:
        allowed = ", ".join(m.value for m in enum if m.value)
        raise CellError(code, f"{read_text(value)!r} is not one of: {allowed}")
    return member


def read_formula(value: object) -> str:
    text = read_text(value).upper().replace(" ", "")
    if not is_valid_formula(text):
        raise CellError("bad-date-formula", f"{read_text(value)!r} is not a date formula (e.g. 14D, 1M, CM+10D)")
    return text


def read_list(value: object) -> tuple[str, ...]:
    return tuple(p.strip() for p in _SPLIT.split(read_text(value)) if p.strip())


def read_cell(value: object, column: Column, currency: str = "", exponents: dict[str, int] | None = None) -> object:
    """The value of a non-blank cell for ``column``; raises :class:`CellError`."""
    kind = column.kind
    if kind is Kind.TEXT:
        return read_text(value)
    if kind is Kind.MONEY:
        return read_money(value, currency, exponents)
    if kind in (Kind.DATE, Kind.DATETIME):
        return read_date(value)
    if kind is Kind.INT:
        return read_int(value)
    if kind is Kind.BOOL:
        return read_bool(value)
    if kind is Kind.DECIMAL:
        return read_decimal(value)
    if kind is Kind.RATE:
        d = read_decimal(value)
        if d <= 0:
            raise CellError("bad-rate", f"{value!r}: an exchange rate must be greater than zero")
        return d
    if kind is Kind.FORMULA:
        return read_formula(value)
    if kind is Kind.CHOICE:
        assert column.choices is not None
        return read_choice(value, column.choices)
    if kind is Kind.LIST:
        return read_list(value)
    raise AssertionError(kind)

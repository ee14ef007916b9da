"""One cell to one Python value, by column kind: the boundary where floats become Decimals.

Every reader returns the value or raises :class:`CellError` with a catalogue code and a
sentence for a finance user. Dates are Excel dates (cells or serials) or ISO text only;
anything else is an error, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from xlar.book.schema import Column, Kind, choice
from xlar.core.dates import is_valid_formula
from xlar.core.money import EXCEL_DIGITS, fits_excel, quantum, to_decimal, to_money

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
#: the most characters an Excel cell holds; longer text (only a crafted file has it) is a bad cell
CELL_TEXT_MAX = 32767
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
    if isinstance(value, str) and len(value) > CELL_TEXT_MAX:
        raise CellError("text-too-long", f"the text is {len(value):,} characters long; an Excel cell holds at "
                        f"most {CELL_TEXT_MAX:,}")
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
        d = to_money(value, currency, exponents)
    except ValueError:
        raise CellError("bad-number", f"{value!r} is not an amount") from None
    except ArithmeticError:  # too many digits to round to the currency's minor unit
        raise CellError("bad-number", f"{value!r} is too large for an amount") from None
    if not fits_excel(d):
        raise CellError("too-many-digits", f"{value!r} as an amount ({d}) has more than {EXCEL_DIGITS} significant "
                        f"digits; Excel keeps {EXCEL_DIGITS}, so it would not come back as it was posted")
    return d


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


# --------------------------------------------------------------------------- whole columns

_NONE = type(None)
_FLOATS = frozenset((float, _NONE))
_DATES = frozenset((date, _NONE))
_BOOLS = frozenset((bool, _NONE))
_STRS = frozenset((str,))


def _memo_money(known: dict[object, Decimal], v: float, q: Decimal) -> Decimal:
    """Float ``v`` as money at quantum ``q``, through ``known`` (that quantum's memo of amounts
    already converted; zeros are keyed by their text, so -0.0 stays -0.00)."""
    key = v if v else repr(v)
    d = known.get(key)
    if d is None:
        d = known[key] = Decimal(repr(v)).quantize(q, ROUND_HALF_UP)
    return d


#: amounts converted inline (no per-cell check): below 10^11 an amount has at most 15 significant
#: digits at any minor unit up to 4 decimals; larger ones go through :func:`read_money` and its check
_FAST_MONEY = 99_999_999_999.0


def _blanks(values: Sequence[object], track_blank: bool) -> list[int]:
    return [i for i, v in enumerate(values) if v is None] if track_blank else []


def _clean_column(values: Sequence[object], column: Column, currency: str | list[str],
                  exponents: dict[str, int] | None, track_blank: bool,
                  memo: dict[Decimal, dict[object, Decimal]] | None) -> tuple[list[object], list[int]] | None:
    """:func:`convert_column` for a column whose cells all have the type the column needs (and
    blanks): the checks and conversions run over the whole column in C (``map``, ``set``) instead
    of a Python step per cell. None when the column is not that clean (the caller's general path
    then gives every cell exactly what :func:`read_cell` gives)."""
    kind = column.kind
    types = set(map(type, values))
    n = len(values)
    if types <= {_NONE}:
        return [None] * n, list(range(n)) if track_blank else []
    if kind is Kind.MONEY:
        if not types <= _FLOATS:
            return None
        if isinstance(currency, str):
            q = quantum(currency, exponents)
        else:
            qs = {quantum(c, exponents) for c in set(currency)}
            if len(qs) != 1:
                return None
            q = qs.pop()
        known = (memo if memo is not None else {}).setdefault(q, {})
        out: list[object] = list(map(known.get, values))  # amounts seen before (zeros are keyed by text)
        left: list[int] = []
        for i in [i for i, d in enumerate(out) if d is None]:
            v = values[i]
            if v is None:
                if track_blank:
                    left.append(i)
                continue
            if -_FAST_MONEY < v < _FAST_MONEY:  # type: ignore[operator]  # finite, within Excel's 15 digits
                out[i] = _memo_money(known, v, q)  # type: ignore[arg-type]
            else:
                left.append(i)
        return out, left
    if kind is Kind.DATE or kind is Kind.DATETIME:
        if types <= _DATES:
            return list(values), _blanks(values, track_blank)
        return None
    if kind is Kind.BOOL:
        if types <= _BOOLS:
            return list(values), _blanks(values, track_blank)
        return None
    if kind is Kind.TEXT:
        if types <= _STRS:
            out = list(map(str.strip, values))  # type: ignore[arg-type]
            if "" not in out and max(map(len, out), default=0) <= CELL_TEXT_MAX:
                return out, []
        return None
    if kind is Kind.CHOICE:
        if types <= _STRS:
            assert column.choices is not None
            enum = column.choices
            found = {v: choice(enum, v.strip()) if v.strip() else None for v in set(values)}  # type: ignore
            if None not in found.values():
                return list(map(found.__getitem__, values)), []
        return None
    if kind is Kind.INT:
        if types == {float} and all(map(float.is_integer, values)) and \
                -1e15 < min(values) and max(values) < 1e15:  # type: ignore[type-var, operator]
            return list(map(int, values)), []  # type: ignore[arg-type]
        return None
    if kind is Kind.DECIMAL or kind is Kind.RATE:
        if types == {float}:
            distinct = set(values)
            if len(distinct) * 4 <= n and all(v - v == 0 and v != 0 for v in distinct) and \
                    (kind is Kind.DECIMAL or min(distinct) > 0):  # finite, no zero (-0.0 keeps its sign)
                found = {v: Decimal(repr(v)) for v in distinct}
                return list(map(found.__getitem__, values)), []
        return None
    return None

def convert_column(values: Sequence[object], column: Column, currency: str | list[str] = "",
                   exponents: dict[str, int] | None = None, track_blank: bool = True,
                   memo: dict[Decimal, dict[object, Decimal]] | None = None) -> tuple[list[object], list[int]]:
    """A whole column at once: ``(converted, left)``.

    The converter is chosen once for the column; the cell types calamine and openpyxl give
    for a well-kept sheet (float, int, date, datetime, bool, clean text) are converted
    inline, with exactly the result :func:`read_cell` gives. ``converted[i]`` is None for
    every index in ``left``: blank cells (only when ``track_blank``; untracked blanks are
    None and not listed) and cells of any other type, which the caller reads one by one
    with :func:`read_cell` (and its error) instead. ``currency``: one currency for the
    column, or one per value (money only). ``memo`` (money only): quantum -> {float: Decimal} of
    amounts already converted, shared between the columns of a read (Amount, Remaining Amount and
    Amount (LCY) of a ledger row are mostly the same number); zeros are keyed by their text, so
    -0.0 stays -0.00.
    """
    fast = _clean_column(values, column, currency, exponents, track_blank, memo)
    if fast is not None:
        return fast
    kind = column.kind
    out: list[object] = []
    left: list[int] = []
    add = out.append
    if kind is Kind.TEXT:
        for i, v in enumerate(values):
            if type(v) is str:
                s = v.strip()
                if s and len(s) <= CELL_TEXT_MAX:
                    add(s)
                    continue
            elif v is None and not track_blank:
                add(None)
                continue
            add(None)
            left.append(i)
    elif kind is Kind.MONEY:
        if isinstance(currency, str):
            quants = None
            q = quantum(currency, exponents)
        else:
            by_cur: dict[str, Decimal] = {}
            quants = []
            for c in currency:
                qq = by_cur.get(c)
                if qq is None:
                    qq = by_cur[c] = quantum(c, exponents)
                quants.append(qq)
            q = quants[0] if quants else Decimal(1)
        memo = {} if memo is None else memo
        seen = memo.setdefault(q, {}) if quants is None else None
        for i, v in enumerate(values):
            t = type(v)
            if t is float:
                if -_FAST_MONEY < v < _FAST_MONEY:  # type: ignore[operator]  # finite, within 15 digits
                    if quants is None:
                        qq, known = q, seen
                    else:
                        qq = quants[i]
                        known = memo.get(qq)
                        if known is None:
                            known = memo[qq] = {}
                    add(_memo_money(known, v, qq))  # type: ignore[arg-type]
                    continue
            elif t is int:
                if -_FAST_MONEY < v < _FAST_MONEY:  # type: ignore[operator]
                    add(Decimal(v).quantize(q if quants is None else quants[i], ROUND_HALF_UP))
                    continue
            elif v is None and not track_blank:
                add(None)
                continue
            add(None)
            left.append(i)
    elif kind is Kind.DATE or kind is Kind.DATETIME:
        for i, v in enumerate(values):
            t = type(v)
            if t is date:
                add(v)
                continue
            if t is datetime:
                add(v.date())  # type: ignore[union-attr]
                continue
            if v is None and not track_blank:
                add(None)
                continue
            add(None)
            left.append(i)
    elif kind is Kind.INT:
        for i, v in enumerate(values):
            t = type(v)
            if t is float:
                if v.is_integer() and -1e15 < v < 1e15:  # type: ignore[union-attr, operator]  # exact
                    add(int(v))  # type: ignore[arg-type]
                    continue
            elif t is int:
                add(v)
                continue
            elif v is None and not track_blank:
                add(None)
                continue
            add(None)
            left.append(i)
    elif kind is Kind.BOOL:
        for i, v in enumerate(values):
            if type(v) is bool:
                add(v)
                continue
            if v is None and not track_blank:
                add(None)
                continue
            add(None)
            left.append(i)
    elif kind is Kind.DECIMAL or kind is Kind.RATE:
        positive = kind is Kind.RATE
        for i, v in enumerate(values):
            t = type(v)
            if t is float:
                if v - v == 0 and (not positive or v > 0):  # type: ignore[operator]
                    add(Decimal(repr(v)))
                    continue
            elif t is int:
                if not positive or v > 0:  # type: ignore[operator]
                    add(Decimal(v))  # type: ignore[arg-type]
                    continue
            elif v is None and not track_blank:
                add(None)
                continue
            add(None)
            left.append(i)
    elif kind is Kind.CHOICE:
        assert column.choices is not None
        enum = column.choices
        seen: dict[str, StrEnum] = {}
        for i, v in enumerate(values):
            if type(v) is str:
                m = seen.get(v)  # type: ignore[arg-type]
                if m is None:
                    m = choice(enum, v.strip()) if v.strip() else None  # type: ignore[union-attr]
                    if m is not None:
                        seen[v] = m  # type: ignore[index]
                if m is not None:
                    add(m)
                    continue
            elif v is None and not track_blank:
                add(None)
                continue
            add(None)
            left.append(i)
    else:  # formulas, lists: cell by cell
        for i, v in enumerate(values):
            add(None)
            if v is not None or track_blank:
                left.append(i)
    return out, left

"""Worksheet functions for finance staff: ``=AR_DUE_DATE(...)`` and friends.

One module serves classic desktop xlwings (Windows, "Import Functions") and xlwings
Lite/Server (Office.js custom functions) under the same names: ``=AR_DUE_DATE(A2, "1M")``
(Excel is case-insensitive; no namespace of xlar's own, so Lite shows the same name as the
desktop; an xlwings Server whose manifest sets a namespace puts it in front).

- **Vectorised.** Every argument may be one cell or a range; ranges are matched cell by
  cell, and a single cell or a single row/column is repeated across the others, as Excel
  does. A range in gives a dynamic array out.
- **Dates** may be date cells, serial numbers or ISO text (``2026-10-31``); results are
  dates. **Money** is rounded to the currency's minor unit (half away from zero).
- **Errors** stay in their cell and are Excel error values on every platform, so
  ``IFERROR`` catches them (:mod:`udfs._excel`): a bad input gives ``#VALUE!`` in that cell
  only, nothing found gives ``#N/A``; a wrong-shaped call is ``#VALUE!``.
- **Percentages** (discount %, tolerance %, interest rate %) may be percent cells or
  numbers: 2 % (stored as 0.02) and 2 give the same result (a value below 1 is a fraction).
- **Ledger ranges** include their header row (contract headers, found by name, any order).

The functions call ``xlar.core`` directly and are plain Python functions as well.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from itertools import chain, repeat

from xlwings import arg, func, ret

from udfs._excel import classic, error, percent
from xlar.core.dates import DateFormulaError, calc_date
from xlar.core.model import DocumentType
from xlar.core.money import HUNDRED, ZERO, quantum, round_to, to_decimal
from xlar.core.terms import max_payment_tolerance

NA = "#N/A"
VALUE = "#VALUE!"
_EPOCH = dt.date(1899, 12, 30)
_ORDINAL0 = _EPOCH.toordinal()
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_NORM = re.compile(r"[^a-z0-9]+")


class _Bad(ValueError):
    """One cell's input is unusable: that cell shows #VALUE!."""


# --------------------------------------------------------------------------- cells

def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _omitted(v: object) -> bool:
    """An optional argument left out (None) or pointing at one blank cell."""
    g = _grid(v)
    return len(g) == 1 and len(g[0]) == 1 and _blank(g[0][0])


def _date(v: object) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if not 1 <= v <= 2958465:
            raise _Bad(v)
        return _serial_date(int(v))
    if isinstance(v, str):
        m = _ISO.match(v)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    raise _Bad(v)


@lru_cache(maxsize=100_000)
def _serial_date(n: int) -> dt.date:
    return dt.date.fromordinal(_ORDINAL0 + n)


def _opt_date(v: object) -> dt.date | None:
    """A date, or None for a blank cell (Office.js sends empty cells as 0)."""
    if _blank(v) or v == 0:
        return None
    return _date(v)


def _dec(v: object, default: Decimal | None = None) -> Decimal:
    if type(v) is float and math.isfinite(v):
        return Decimal(repr(v))
    if _blank(v):
        if default is None:
            raise _Bad(v)
        return default
    try:
        return to_decimal(v)
    except ValueError:
        raise _Bad(v) from None


def _text(v: object) -> str:
    if _blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _money(d: Decimal, currency: str) -> float:
    return float(round_to(d, quantum(currency or "EUR")))


# --------------------------------------------------------------------------- broadcasting

def _grid(v: object) -> list[list[object]]:
    if isinstance(v, (list, tuple)):
        if not v:
            return [[None]]
        if not isinstance(v[0], (list, tuple)):
            return [list(v)]
        return v  # type: ignore[return-value]
    return [[v]]


_BAD = object()  # a cell whose input could not be converted
_MISS = object()
_CELL_ERRORS = (_Bad, ValueError, ArithmeticError, DateFormulaError, TypeError)


def _flat(grid: list[list[object]], conv: Callable[[object], object] | None) -> list[list[object]]:
    """``grid`` with ``conv`` applied once per distinct cell value (ranges repeat dates, rates, codes)."""
    if conv is None:
        return grid
    memo: dict[object, object] = {}
    out = []
    for row in grid:
        line = []
        for v in row:
            try:
                got = memo.get(v, _MISS)
            except TypeError:  # unhashable
                got = _MISS
            if got is _MISS:
                try:
                    got = conv(v)
                except _CELL_ERRORS:
                    got = _BAD
                try:
                    memo[v] = got
                except TypeError:
                    pass
            line.append(got)
        out.append(line)
    return out


def _vectorise(fn: Callable[..., object], *args: object,
               conv: tuple[Callable[[object], object] | None, ...] | None = None) -> object:
    """Apply ``fn`` cell by cell over Excel-broadcast arguments (each first passed through its ``conv``);
    a cell with a bad input becomes #VALUE!."""
    grids = [_grid(a) for a in args]
    rows = max(len(g) for g in grids)
    cols = max(len(g[0]) for g in grids)
    for g in grids:
        if len(g) not in (1, rows) or len(g[0]) not in (1, cols) or any(len(r) != len(g[0]) for r in g):
            raise ValueError(f"ranges of different sizes: {len(g)}x{len(g[0])} vs {rows}x{cols}")
    grids = [_flat(g, c) for g, c in zip(grids, conv or (None,) * len(grids))]
    n = rows * cols
    flats = []
    for g in grids:
        if len(g) == 1 and len(g[0]) == 1:
            flats.append(repeat(g[0][0], n))
        elif len(g) == rows and len(g[0]) == cols:
            flats.append(chain.from_iterable(g))
        elif len(g) == 1:  # one row, repeated down
            flats.append(chain.from_iterable(repeat(g[0], rows)))
        else:  # one column, repeated across
            flats.append(chain.from_iterable(repeat(r[0], cols) for r in g))
    has_bad = any(v is _BAD for g in grids for row in g for v in row) if conv else False
    values: list[object] = []
    append = values.append
    bad = error(VALUE)
    for vals in zip(*flats):
        if has_bad and any(v is _BAD for v in vals):
            append(bad)
            continue
        try:
            append(fn(*vals))
        except _CELL_ERRORS:
            append(bad)
    if n == 1:
        return values[0]
    return [values[i:i + cols] for i in range(0, n, cols)]


# --------------------------------------------------------------------------- dates and terms

@lru_cache(maxsize=200_000)
def _calc(formula: str, base: dt.date) -> dt.date:
    return calc_date(formula.strip().upper().replace(" ", "") or "0D", base)


def _formula(v: object) -> str:
    text = _text(v).upper().replace(" ", "")
    if text:
        _calc(text, dt.date(2000, 1, 1))  # raises for a bad formula, once per distinct text
    return text


def _q(v: object) -> Decimal:
    """Rounding quantum of a currency cell (blank: EUR, 2 decimals)."""
    return quantum(_text(v) or "EUR")


def _dec0(v: object) -> Decimal:
    return _dec(v, ZERO)


def _pct(v: object) -> Decimal:
    """A percentage (:func:`udfs._excel.percent`: 0.02 from a 2 % cell and 2 are both 2 %)."""
    if _blank(v):
        raise _Bad(v)
    try:
        return percent(v)
    except ValueError:
        raise _Bad(v) from None


def _pct0(v: object) -> Decimal:
    """:func:`_pct`, blank: 0."""
    return ZERO if _blank(v) else _pct(v)


def _same(v: object) -> object:
    return v


@func(category="xlar")
@arg("document_date", ndim=2, doc="Document date(s): date cells, serial numbers or ISO text.")
@arg("due_date_formula", ndim=2, doc="Business Central date formula, e.g. 30D, 1M, CM+10D.")
def ar_due_date(document_date, due_date_formula):
    """Due date: the document date moved by a payment terms date formula (BC CalcDate)."""
    return _vectorise(lambda d, f: _calc(f, d), document_date, due_date_formula, conv=(_date, _formula))


@func(category="xlar")
@arg("document_date", ndim=2, doc="Document date(s).")
@arg("discount_date_formula", ndim=2, doc="Payment discount date formula, e.g. 8D or 14D.")
def ar_discount_date(document_date, discount_date_formula):
    """Payment discount date: the last day a payment earns the cash discount."""
    return _vectorise(lambda d, f: _calc(f, d), document_date, discount_date_formula, conv=(_date, _formula))


def _discount(amount: Decimal, pct: Decimal, last: dt.date | None, paid: dt.date, grace: str,
              q: Decimal) -> Decimal:
    if last is None or not pct:
        return ZERO
    if grace:
        last = _calc(grace, last)
    if paid > last:
        return ZERO
    return round_to(amount * pct / HUNDRED, q)


_DISCOUNT_CONV = (_dec, _pct0, _opt_date, _date, _formula, _q)


@func(category="xlar")
@arg("amount", ndim=2, doc="Invoice amount (the discount base).")
@arg("discount_pct", ndim=2, doc="Discount % of the payment terms: 2 or a 2 % cell.")
@arg("discount_date", ndim=2, doc="Payment discount date of the invoice.")
@arg("payment_date", ndim=2, doc="Date of the payment.")
@arg("grace_period", ndim=2, doc="Optional payment discount grace period, e.g. 3D.")
@arg("currency", ndim=2, doc="Optional currency code for rounding (default EUR).")
def ar_discount(amount, discount_pct, discount_date, payment_date, grace_period=None, currency=None):
    """Cash discount available when paying on the payment date (0 after the discount date plus grace)."""
    def one(a, p, dd, pd, g, q):
        return float(_discount(a, p, dd, pd, g, q))
    return _vectorise(one, amount, discount_pct, discount_date, payment_date, grace_period, currency,
                      conv=_DISCOUNT_CONV)


@func(category="xlar")
@arg("remaining_amount", ndim=2, doc="Remaining amount of the invoice.")
@arg("discount_pct", ndim=2, doc="Discount % of the payment terms: 2 or a 2 % cell.")
@arg("discount_date", ndim=2, doc="Payment discount date of the invoice.")
@arg("payment_date", ndim=2, doc="Date of the payment.")
@arg("max_tolerance", ndim=2, doc="Optional maximum payment tolerance of the invoice (default 0).")
@arg("grace_period", ndim=2, doc="Optional payment discount grace period, e.g. 3D.")
@arg("currency", ndim=2, doc="Optional currency code for rounding (default EUR).")
def ar_settling_amount(remaining_amount, discount_pct, discount_date, payment_date, max_tolerance=None,
                       grace_period=None, currency=None):
    """Smallest payment on the payment date that closes the invoice: remaining - discount - tolerance."""
    def one(r, p, dd, pd, t, g, q):
        r = round_to(r, q)
        if r <= 0:
            return float(r)
        left = r - _discount(r, p, dd, pd, g, q)
        if t:
            left -= round_to(abs(t), q)
        return float(left) if left > 0 else 0.0
    return _vectorise(one, remaining_amount, discount_pct, discount_date, payment_date, max_tolerance, grace_period,
                      currency, conv=(_dec, _pct0, _opt_date, _date, _dec0, _formula, _q))


def _doc_type(v: object) -> DocumentType:
    text = _text(v)
    if not text:
        return DocumentType.INVOICE
    for t in DocumentType:
        if t.value.lower() == text.lower():
            return t
    raise _Bad(v)


@func(category="xlar")
@arg("amount", ndim=2, doc="Document amount.")
@arg("tolerance_pct", ndim=2, doc="Payment Tolerance % (Settings): 0.5% or a percent cell; 1 = 1 %.")
@arg("max_amount", ndim=2, doc="Max. Payment Tolerance Amount (Settings); 0 = no cap.")
@arg("document_type", ndim=2, doc="Optional: Invoice (default) or Credit Memo; other types get 0.")
@arg("currency", ndim=2, doc="Optional currency code for rounding (default EUR).")
def ar_max_tolerance(amount, tolerance_pct, max_amount, document_type=None, currency=None):
    """Max. payment tolerance of a document as Business Central calculates it."""
    def one(a, p, m, t, q):
        return float(max_payment_tolerance(a, t, p, m, q))
    return _vectorise(one, amount, tolerance_pct, max_amount, document_type, currency,
                      conv=(_dec, _pct0, _dec0, _doc_type, _q))


@func(category="xlar")
@arg("amount", ndim=2, doc="Amount that earns interest.")
@arg("from_date", ndim=2, doc="Interest runs from this date (e.g. the due date)...")
@arg("to_date", ndim=2, doc="...to this date.")
@arg("rate_pct", ndim=2, doc="Interest rate % per interest period: 1.5 or a 1.5 % cell.")
@arg("period_days", ndim=2, doc="Optional interest period in days (default 30, as in BC finance charge terms).")
@arg("currency", ndim=2, doc="Optional currency code for rounding (default EUR).")
def ar_interest(amount, from_date, to_date, rate_pct, period_days=None, currency=None):
    """Interest for a period: amount x days / period x rate % (BC finance charges, average daily balance)."""
    def one(a, f, t, r, p, q):
        days = (t - f).days
        if days <= 0 or not a or not r:
            return 0.0
        return float(round_to(a * days / (p or 30) * r / HUNDRED, q))
    return _vectorise(one, amount, from_date, to_date, rate_pct, period_days, currency,
                      conv=(_dec, _date, _date, _pct, _dec0, _q))


def _iban_ok(v: object) -> bool:
    from schwifty import IBAN  # only this function needs it

    if _blank(v):
        return False
    try:
        IBAN(_text(v))
    except ValueError:
        return False
    return True


@func(category="xlar")
@arg("iban", ndim=2, doc="IBAN(s), with or without spaces.")
def ar_iban_valid(iban):
    """TRUE when the IBAN is valid (country format and check digits), else FALSE."""
    return _vectorise(_same, iban, conv=(_iban_ok,))


# --------------------------------------------------------------------------- ledger ranges

_WANT = {
    "customer": "customerno", "posting": "postingdate", "type": "documenttype", "doc": "documentno",
    "amount": "amount", "remaining": "remainingamount", "due": "duedate", "open": "open",
    "currency": "currency", "name": "description",
}


def _ledger(ledger: object) -> tuple[dict[str, int], list[list[object]]]:
    rows = _grid(ledger)
    if len(rows) < 1:
        raise ValueError("the ledger range needs its header row")
    headers = [_NORM.sub("", str(h).lower()) if h is not None else "" for h in rows[0]]
    pos = {k: headers.index(v) for k, v in _WANT.items() if v in headers}
    for k in ("customer", "posting", "amount"):
        if k not in pos:
            raise ValueError(f"the ledger range has no {_WANT[k]!r} column (headers are needed)")
    return pos, rows[1:]


def _as_of(v: object) -> int:
    """An as-of date as an ordinal, comparable without building dates per row."""
    return _date(v).toordinal()


def _ordinal(v: object) -> int | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _ORDINAL0 + int(v) if v >= 1 else None
    if isinstance(v, dt.datetime):
        return v.toordinal()
    if isinstance(v, dt.date):
        return v.toordinal()
    if isinstance(v, str) and v.strip():
        try:
            return _date(v).toordinal()
        except _Bad:
            return None
    return None


def _balances(ledger: object, as_of: object) -> tuple[dict[str, Decimal], dict[str, list[tuple[int, Decimal]]]]:
    """Balance per customer as of the date, and their debit documents (due ordinal, amount)."""
    pos, rows = _ledger(ledger)
    limit = _as_of(as_of)
    pc, pp, pa = pos["customer"], pos["posting"], pos["amount"]
    pd = pos.get("due")
    bal: dict[str, Decimal] = {}
    debits: dict[str, list[tuple[int, Decimal]]] = {}
    for r in rows:
        posted = _ordinal(r[pp])
        if posted is None or posted > limit:
            continue
        cust = _text(r[pc])
        if not cust:
            continue
        try:
            amt = to_decimal(r[pa]) if not _blank(r[pa]) else ZERO
        except ValueError:
            continue
        bal[cust] = bal.get(cust, ZERO) + amt
        if amt > 0:
            due = _ordinal(r[pd]) if pd is not None else None
            debits.setdefault(cust, []).append((due if due is not None else posted, amt))
    return bal, debits


@func(category="xlar")
@arg("ledger", ndim=2, doc="The Ledger range with its header row (Customer No., Posting Date, Amount).")
@arg("as_of", doc="Balance as of this date (entries posted on or before it).")
@arg("customer", ndim=2, doc="Optional customer number(s); blank: one row per customer.")
@arg("currency", doc="Optional currency code for rounding (default EUR).")
def ar_balance(ledger, as_of, customer=None, currency=None):
    """Customer balance as of a date from a Ledger range; without a customer, a table of all customers."""
    bal, _ = _balances(ledger, as_of)
    cur = _text(currency)
    if _omitted(customer):
        return [["Customer No.", "Balance"]] + [[c, _money(b, cur)] for c, b in sorted(bal.items())]
    return _vectorise(lambda c: _money(bal.get(_text(c), ZERO), cur), customer)


@func(category="xlar")
@arg("ledger", ndim=2, doc="The Ledger range with its header row (Customer No., Posting Date, Amount, Due Date).")
@arg("as_of", doc="Aging as of this date.")
@arg("period_days", doc="Optional length of an aging period in days (default 30).")
@arg("periods", doc="Optional number of periods before 'Over' (default 3).")
@arg("currency", doc="Optional currency code for rounding (default EUR).")
@ret(index=False)
def ar_aging(ledger, as_of, period_days=None, periods=None, currency=None):
    """Aging by due date as of a date: each customer's balance spread over their newest invoices first."""
    bal, debits = _balances(ledger, as_of)
    limit = _as_of(as_of)
    length = int(_dec(period_days, Decimal(30)) or 30)
    count = int(_dec(periods, Decimal(3)) or 3)
    cur = _text(currency)
    heads = ["Customer No.", "Balance", "Not Due"] + [
        f"{i * length + 1}-{(i + 1) * length} Days" for i in range(count)] + [f"Over {count * length} Days"]
    out: list[list[object]] = [heads]
    for cust in sorted(bal):
        left = bal[cust]
        cells = [ZERO] * (count + 2)
        if left <= 0:
            cells[0] = left
        else:
            for due, amt in sorted(debits.get(cust, ()), reverse=True):
                part = min(amt, left)
                late = limit - due
                idx = 0 if late <= 0 else min(1 + (late - 1) // length, count + 1)
                cells[idx] += part
                left -= part
                if left <= 0:
                    break
            if left > 0:
                cells[-1] += left
        out.append([cust, _money(bal[cust], cur)] + [_money(c, cur) for c in cells])
    return out


@func(category="xlar")
@arg("bank_text", ndim=2, doc="Transaction text of a bank line, or a range of them (one per row).")
@arg("amount", ndim=2, doc="Amount received: one cell, or a range the size of the bank texts.")
@arg("ledger", ndim=2, doc="The Ledger range with its header row (Document No., Remaining Amount, Customer No.).")
@arg("customers", ndim=2, doc="Optional Customers range with its header row (Customer No., Name).")
@arg("top", doc="Optional number of proposals (default 3 for one line, 1 per line for a range).")
@ret(index=False)
def ar_match(bank_text, amount, ledger, customers=None, top=None):
    """Open documents that best match bank lines: document numbers and names in the text, and the amount.

    One bank line: a table of the best ``top`` proposals under a header row (Document No., Customer No.,
    Remaining Amount, Score), #N/A when nothing matches. A range of bank lines: one row per line (no
    header, so the rows line up with the bank lines), the best ``top`` proposals side by side, 4 columns
    each; a line with no match gets #N/A, a blank line blanks."""
    texts = [_text(v).upper() for row in _grid(bank_text) for v in row]
    amounts = [v for row in _grid(amount) for v in row]
    if len(amounts) not in (1, len(texts)):
        raise ValueError(f"{len(amounts)} amounts for {len(texts)} bank lines")
    single = len(texts) == 1
    wants: list[Decimal | None] = []
    for v in amounts if len(amounts) == len(texts) else amounts * len(texts):
        try:
            wants.append(_dec(v, ZERO))
        except _Bad:
            if single:
                raise
            wants.append(None)  # that line: #VALUE!
    n = int(_dec(top, Decimal(3 if single else 1)) or (3 if single else 1))
    found = _proposals(texts, [w or ZERO for w in wants], ledger, customers, n)
    na = error(NA)
    if single:
        best = found[0]
        if not best:
            return na
        return [["Document No.", "Customer No.", "Remaining Amount", "Score"]] + [list(p) for p in best]
    out = []
    bad = error(VALUE)
    for text, want, best in zip(texts, wants, found):
        line: list[object] = []
        for p in best:
            line.extend(p)
        if want is None:
            line = [bad] * 4
        elif not best:
            line = [na] * 4 if text else [""] * 4
        out.append(line + [""] * (4 * n - len(line)))
    return out


#: bank lines scored against the open documents at a time (a float64 matrix of documents x lines)
_MATCH_CHUNK = 256


def _proposals(texts: list[str], wants: list[Decimal], ledger: object, customers: object,
               n: int) -> list[list[tuple[str, str, float, float]]]:
    """The best ``n`` (document, customer, remaining, score) per bank line, best first.

    Score of an open document for a line (0-120): 70 when its number is in the text, else 0.6 x the
    partial similarity of number and text; plus 0.2 x the partial similarity of the customer's name and
    the text; plus up to 30 for the amount (30 x (1 - 10 x relative difference), at least 0). Ties go
    to the lower document number. The similarities of all documents with a batch of lines come from one
    ``rapidfuzz.process.cdist`` call, so a range of 500 lines costs about one second, not 500 calls."""
    import numpy as np
    from rapidfuzz import fuzz, process  # only this function needs them

    pos, rows = _ledger(ledger)
    if "doc" not in pos:
        raise ValueError("the ledger range has no 'Document No.' column")
    names = _customer_names(customers)
    pr = pos.get("remaining", pos["amount"])
    po = pos.get("open")
    docs: list[str] = []
    custs: list[str] = []
    rems: list[float] = []
    for r in rows:
        if po is not None and r[po] in (False, 0, "FALSE", "False"):
            continue
        try:
            rem = to_decimal(r[pr]) if not _blank(r[pr]) else ZERO
        except ValueError:
            continue
        if rem <= 0:
            continue
        docs.append(_text(r[pos["doc"]]).upper())
        custs.append(_text(r[pos["customer"]]))
        rems.append(float(rem))
    out: list[list[tuple[str, str, float, float]]] = [[] for _ in texts]
    if not docs:
        return out
    rem_a = np.array(rems)
    unames = sorted({names[c] for c in custs if names.get(c)})
    name_of = np.array([unames.index(names[c]) if names.get(c) else -1 for c in custs]) if unames else None
    has_doc = np.array([bool(d) for d in docs])
    order = np.argsort(np.array(docs, dtype=object), kind="stable")  # ties: the lower document number
    rank = np.empty(len(docs), dtype=np.int64)
    rank[order] = np.arange(len(docs))
    for start in range(0, len(texts), _MATCH_CHUNK):
        batch = texts[start:start + _MATCH_CHUNK]
        sim = process.cdist(docs, batch, scorer=fuzz.partial_ratio, dtype=np.float64)
        score = 0.6 * sim
        for i, j in zip(*np.nonzero(sim == 100)):
            if docs[i] in batch[j]:
                score[i, j] = 70.0
        score[~has_doc, :] = 0.0
        if name_of is not None:
            nsim = process.cdist([u.upper() for u in unames], batch, scorer=fuzz.partial_ratio, dtype=np.float64)
            known = name_of >= 0
            score[known, :] += 0.2 * nsim[name_of[known], :]
        for j, text in enumerate(batch):
            col = score[:, j] if text else np.zeros(len(docs))
            want = float(wants[start + j])
            if want:
                diff = np.abs(rem_a - want) / np.maximum(rem_a, abs(want))
                col = col + 30.0 * np.maximum(0.0, 1.0 - diff * 10)
            col = np.round(col, 1)
            hits = np.nonzero(col > 0)[0]
            if not len(hits):
                continue
            if len(hits) > n:
                cut = np.partition(col[hits], len(hits) - n)[len(hits) - n]
                hits = hits[col[hits] >= cut]
            best = sorted(hits, key=lambda i: (-col[i], rank[i]))[:n]
            out[start + j] = [(docs[i], custs[i], rems[i], float(col[i])) for i in best]
    return out


def _customer_names(customers: object) -> dict[str, str]:
    if _omitted(customers):
        return {}
    rows = _grid(customers)
    heads = [_NORM.sub("", str(h).lower()) if h is not None else "" for h in rows[0]]
    if "customerno" not in heads or "name" not in heads:
        return {}
    ic, iname = heads.index("customerno"), heads.index("name")
    return {_text(r[ic]): _text(r[iname]) for r in rows[1:] if not _blank(r[ic])}


__all__ = ["ar_aging", "ar_balance", "ar_discount", "ar_discount_date", "ar_due_date", "ar_iban_valid",
           "ar_interest", "ar_match", "ar_max_tolerance", "ar_settling_amount"]


def _classic_guard(fn: Callable[..., object]) -> Callable[..., object]:
    """In classic xlwings' UDF server an exception becomes text in the cell (the VBA wrapper's
    ``Err.Description``): return the #VALUE! error value instead, so IFERROR catches it."""
    @functools.wraps(fn)  # keeps the signature and ``__xlfunc__`` (the same dict) for "Import Functions"
    def run(*args: object) -> object:
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - every failure of a cell is #VALUE! there
            return error(VALUE)
    return run


if classic():  # pragma: no cover - Windows only
    for _name in __all__:
        globals()[_name] = _classic_guard(globals()[_name])

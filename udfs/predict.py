"""Late payment prediction in a cell: ``=AR_LATE_PAYMENT(Ledger[#All], "INV-1001")``.

``ar_late_payment`` trains the local model (:mod:`xlar.core.predict_model`, needs the
``predict`` extra) on the ledger range it is given (header row included; contract
headers, any order: ``Customer No.``, ``Posting Date``, ``Document Type``, ``Document
No.``, ``Amount``, ``Due Date``, ``Open``, ``Closed at Date``) and returns the
probability that the open document is paid late. The model is cached per ledger
content, so a column of these formulas trains once. ``ar_prediction_confidence`` turns
a probability into BC's bucket (High ≥ 0.90, Medium ≥ 0.80, Low) of the predicted label.
The ``xlar predict`` command writes the same figures, with reasons, on the Outlook sheet.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from xlwings import arg, func

from xlar.core.model import DocumentType, LedgerEntry
from xlar.core.predict import confidence

__xlwings_func_namespace__ = "XLAR"

NA = "#N/A"
VALUE = "#VALUE!"
_EPOCH = dt.date(1899, 12, 30)
_NORM = re.compile(r"[^a-z0-9]+")
_NEEDED = ("customerno", "postingdate", "documenttype", "documentno", "amount", "duedate")


def _date(v: object) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)):
        return _EPOCH + dt.timedelta(days=int(v))
    return dt.date.fromisoformat(str(v).strip()[:10])


def _bool(v: object, default: bool) -> bool:
    if v is None or v == "":
        return default
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "wahr")
    return bool(v)


def _entries(rows: tuple[tuple[object, ...], ...]) -> tuple[LedgerEntry, ...]:
    head = [_NORM.sub("", str(h or "").lower()) for h in rows[0]]
    missing = [h for h in _NEEDED if h not in head]
    if missing:
        raise ValueError(f"the ledger range has no {', '.join(missing)} column")
    pos = {h: i for i, h in enumerate(head)}

    def cell(r: tuple[object, ...], key: str) -> object:
        i = pos.get(key)
        return r[i] if i is not None and i < len(r) else None

    out = []
    for no, r in enumerate(rows[1:], start=1):
        try:
            kind = DocumentType(str(cell(r, "documenttype") or "").strip())
            amount = Decimal(str(cell(r, "amount")))
            closed = _date(cell(r, "closedatdate"))
            is_open = _bool(cell(r, "open"), closed is None)
            posted = _date(cell(r, "postingdate"))
        except (ValueError, InvalidOperation):
            continue
        if posted is None:
            continue
        out.append(LedgerEntry(entry_no=no, customer_no=str(cell(r, "customerno") or ""), posting_date=posted,
                               document_type=kind, document_no=str(cell(r, "documentno") or ""), amount=amount,
                               remaining_amount=amount if is_open else Decimal(0), currency="", amount_lcy=amount,
                               due_date=_date(cell(r, "duedate")), open=is_open,
                               closed_at_date=None if is_open else closed))
    return tuple(out)


@lru_cache(maxsize=8)
def _model(rows: tuple[tuple[object, ...], ...]) -> tuple[dict[str, float], str]:
    """Probabilities of the open invoices by document no., or ('', refusal message)."""
    from xlar.core.predict_model import NotEnoughHistory, train

    try:
        model = train(_entries(rows))
    except NotEnoughHistory as exc:
        return {}, str(exc)
    return {p.document_no: p.probability_late for p in model.predict()}, ""


@func(category="xlar")
@arg("ledger", ndim=2, doc="The Ledger range, header row included.")
@arg("document_no", doc="Document No. of an open invoice.")
def ar_late_payment(ledger, document_no):
    """Probability (0-1) that the open invoice is paid late, from a model of this ledger's paid invoices."""
    try:
        rows = tuple(tuple(r) for r in ledger)
        probs, refusal = _model(rows)
    except (ValueError, TypeError) as exc:
        return f"{VALUE} {exc}"
    if refusal:
        return refusal
    return probs.get(str(document_no).strip(), NA)


@func(category="xlar")
@arg("probability", doc="Probability of a late payment, 0-1.")
def ar_prediction_confidence(probability):
    """BC Prediction Confidence of a late-payment probability: High, Medium or Low."""
    try:
        p = float(probability)
    except (TypeError, ValueError):
        return VALUE
    if not 0 <= p <= 1:
        return VALUE
    return confidence(max(p, 1 - p))

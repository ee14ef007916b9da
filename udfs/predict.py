"""Late payment prediction in a cell: ``=AR_LATE_PAYMENT(Ledger[#All], "INV-1001")``.

``ar_late_payment`` trains the local model (:mod:`xlar.core.predict_model`, needs the
``predict`` extra) on the ledger range it is given (header row included; contract
headers, any order: ``Customer No.``, ``Posting Date``, ``Document Type``, ``Document
No.``, ``Amount``, ``Due Date``, ``Open``, ``Closed at Date``) and returns the
probability that the open document is paid late (#N/A for a document that is not open,
or when the history is too short to train on; #VALUE! for a range without the columns).

It never blocks Excel while a model trains. The model is cached by the fingerprint of the
ledger range (a SHA-256 of its cells, the newest 8 kept), so a column of these formulas
trains once, and cells asking while it trains wait for that one training. On the
desktop (classic xlwings, Windows) the function is ``async_mode="threading"``: xlwings
runs it in a thread, the cell shows ``#N/A waiting...`` and gets its value when the
model is ready. On xlwings Lite and Server it is an ``async def`` custom function: Excel
shows ``#BUSY!`` meanwhile; Server trains in a thread so it keeps answering other cells;
Lite (Pyodide, no threads) trains in the first call. ``ar_prediction_confidence`` turns
a probability into BC's bucket (High ≥ 0.90, Medium ≥ 0.80, Low) of the predicted label.
The ``xlar predict`` command writes the same figures, with reasons, on the Outlook sheet.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import sys
import threading
from decimal import Decimal, InvalidOperation

from xlwings import arg, func

from udfs._excel import classic, error
from xlar.core.model import DocumentType, LedgerEntry
from xlar.core.predict import confidence

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


#: trained models by the fingerprint of the ledger range they were trained on (the newest few)
_MODELS: dict[str, tuple[dict[str, float], str]] = {}
_TRAINING: dict[str, threading.Event] = {}
_LOCK = threading.Lock()
_KEEP = 8
#: Pyodide (xlwings Lite) has no threads: there the first call trains in the call itself
THREADS = sys.platform != "emscripten"


def fingerprint(rows: tuple[tuple[object, ...], ...]) -> str:
    """SHA-256 of the ledger range's cells: the history a model is trained on."""
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _train(rows: tuple[tuple[object, ...], ...]) -> tuple[dict[str, float], str]:
    """Probabilities of the open invoices by document no., or ({}, refusal message)."""
    from xlar.core.predict_model import NotEnoughHistory, train

    try:
        model = train(_entries(rows))
    except NotEnoughHistory as exc:
        return {}, str(exc)
    return {p.document_no: p.probability_late for p in model.predict()}, ""


def model(rows: tuple[tuple[object, ...], ...], key: str) -> tuple[dict[str, float], str]:
    """The model of ``rows`` (fingerprint ``key``): cached, or trained once however many cells ask for it
    at the same time (the others wait for that training)."""
    with _LOCK:
        got = _MODELS.get(key)
        if got is not None:
            return got
        event = _TRAINING.get(key)
        mine = event is None
        if mine:
            event = _TRAINING[key] = threading.Event()
    assert event is not None
    if not mine:
        event.wait()
        got = _MODELS.get(key)
        if got is None:  # that training failed: try again here
            return model(rows, key)
        return got
    try:
        result = _train(rows)
        with _LOCK:
            _MODELS[key] = result
            while len(_MODELS) > _KEEP:
                del _MODELS[next(iter(_MODELS))]
        return result
    finally:
        with _LOCK:
            del _TRAINING[key]
        event.set()


def _rows(ledger: object) -> tuple[tuple[object, ...], ...]:
    if not isinstance(ledger, (list, tuple)) or not ledger or not isinstance(ledger[0], (list, tuple)):
        raise ValueError("the ledger range needs its header row and rows")
    return tuple(tuple(r) for r in ledger)


def _answer(result: tuple[dict[str, float], str], document_no: object) -> object:
    probs, refusal = result
    if refusal:
        return error(NA)  # not enough history: `xlar predict` / the Outlook sheet says why
    return probs.get(str(document_no).strip(), error(NA))


if classic():  # pragma: no cover - Windows: xlwings runs it in a thread, the cell shows "#N/A waiting..."
    @func(category="xlar", async_mode="threading")
    @arg("ledger", ndim=2, doc="The Ledger range, header row included.")
    @arg("document_no", doc="Document No. of an open invoice.")
    def ar_late_payment(ledger, document_no):
        """Probability (0-1) that the open invoice is paid late, from a model of this ledger's paid invoices."""
        try:
            rows = _rows(ledger)
            return _answer(model(rows, fingerprint(rows)), document_no)
        except (ValueError, TypeError):
            return error(VALUE)
else:
    @func(category="xlar", async_mode="threading")
    @arg("ledger", ndim=2, doc="The Ledger range, header row included.")
    @arg("document_no", doc="Document No. of an open invoice.")
    async def ar_late_payment(ledger, document_no):
        """Probability (0-1) that the open invoice is paid late, from a model of this ledger's paid invoices."""
        # Office.js custom functions are asynchronous (the cell shows #BUSY!); on xlwings Server the
        # training runs in a thread so the server keeps answering other cells meanwhile
        try:
            rows = _rows(ledger)
            key = fingerprint(rows)
            if key in _MODELS:
                result = _MODELS[key]
            elif THREADS:
                result = await asyncio.to_thread(model, rows, key)
            else:
                result = model(rows, key)
            return _answer(result, document_no)
        except (ValueError, TypeError):
            return error(VALUE)


@func(category="xlar")
@arg("probability", doc="Probability of a late payment, 0-1.")
def ar_prediction_confidence(probability):
    """BC Prediction Confidence of a late-payment probability: High, Medium or Low."""
    try:
        p = float(probability)
    except (TypeError, ValueError):
        return error(VALUE)
    if not 0 <= p <= 1:
        return error(VALUE)
    return confidence(max(p, 1 - p))

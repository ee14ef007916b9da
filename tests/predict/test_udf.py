"""The prediction UDFs, called as plain functions with the values Excel would pass.

``udfs.predict`` imports xlwings, which must come after ``tests/xl/conftest.py`` sets up
the remote engine, so it is imported inside the tests, not at collection.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest

from tests.predict.test_workbook import ledger_rows

pytest.importorskip("sklearn")


def test_confidence_of_a_probability() -> None:
    from udfs.predict import ar_prediction_confidence

    assert [ar_prediction_confidence(p) for p in (0.93, 0.85, 0.75, 0.05, 0.15)] == [
        "High", "Medium", "Low", "High", "Medium"]
    assert ar_prediction_confidence("x") == "#VALUE!" and ar_prediction_confidence(1.5) == "#VALUE!"


def _serial_ledger(invoices: int = 800) -> tuple[list[list[object]], str, str]:
    rows, _ = ledger_rows(invoices, 10, 4)
    serial = [rows[0]] + [[r[0], (r[1] - date(1899, 12, 30)).days, *r[2:]] for r in rows[1:]]  # Excel serials
    open_doc = next(r[3] for r in rows[1:] if r[7] is True)
    closed_doc = next(r[3] for r in rows[1:] if r[7] is False)
    return serial, open_doc, closed_doc


def test_late_payment_probability_from_a_ledger_range() -> None:
    from udfs import predict
    from udfs.predict import ar_late_payment

    serial, open_doc, closed_doc = _serial_ledger()
    p = asyncio.run(ar_late_payment(serial, open_doc))
    assert isinstance(p, float) and 0 <= p <= 1
    # the same figure as the model trained directly on the range
    probs, refusal = predict._train(tuple(tuple(r) for r in serial))
    assert not refusal and probs[open_doc] == p
    assert asyncio.run(ar_late_payment(serial, closed_doc)) == "#N/A"  # an error value, as on Office.js
    assert asyncio.run(ar_late_payment(serial[:10], open_doc)) == "#N/A"  # too little history
    assert asyncio.run(ar_late_payment([["Name"], ["x"]], open_doc)) == "#VALUE!"


def _slow_training(monkeypatch, seconds: float) -> list[int]:
    """Training takes ``seconds`` longer (a big history); returns the list its calls are counted in."""
    import xlar.core.predict_model as pm

    calls: list[int] = []
    real = pm.train

    def slow(*args, **kwargs):
        calls.append(1)
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(pm, "train", slow)
    return calls


def test_late_payment_never_blocks_while_the_model_trains(monkeypatch) -> None:
    from udfs import predict
    from udfs.predict import ar_late_payment

    monkeypatch.setattr(predict, "_MODELS", {})
    calls = _slow_training(monkeypatch, 0.6)
    serial, _, _ = _serial_ledger()
    docs = [r[3] for r in serial[1:] if r[7] is True][:40]

    async def column_of_formulas() -> tuple[list[object], int]:
        ticks = 0
        done = asyncio.Event()

        async def other_work() -> None:  # what the server does for other cells meanwhile
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        async def cells() -> list[object]:
            try:
                return await asyncio.gather(*(ar_late_payment(serial, d) for d in docs))
            finally:
                done.set()

        got, _ = await asyncio.gather(cells(), other_work())
        return got, ticks

    t0 = time.perf_counter()
    got, ticks = asyncio.run(column_of_formulas())
    wall = time.perf_counter() - t0
    assert len(calls) == 1  # forty cells, one training
    assert ticks >= 20 and wall >= 0.6  # the event loop kept running while the model trained
    assert all(isinstance(p, float) and 0 <= p <= 1 for p in got)
    # the next calculation finds the model by the ledger's fingerprint: no training, at once
    t0 = time.process_time()
    again = asyncio.run(ar_late_payment(serial, docs[0]))
    assert again == got[0] and len(calls) == 1 and time.process_time() - t0 < 0.2
    # another history (one more invoice) is another fingerprint: trained again
    assert predict.fingerprint(tuple(map(tuple, serial))) != predict.fingerprint(tuple(map(tuple, serial[:-1])))
    asyncio.run(ar_late_payment(serial[:-1], docs[0]))
    assert len(calls) == 2


def test_late_payment_trains_in_the_call_where_there_are_no_threads(monkeypatch) -> None:
    """xlwings Lite runs in Pyodide, which has no threads: the first call trains, the others reuse it."""
    from udfs import predict
    from udfs.predict import ar_late_payment

    monkeypatch.setattr(predict, "_MODELS", {})
    monkeypatch.setattr(predict, "THREADS", False)
    monkeypatch.setattr(asyncio, "to_thread", None)  # would fail if called
    calls = _slow_training(monkeypatch, 0.0)
    serial, open_doc, _ = _serial_ledger()
    first = asyncio.run(ar_late_payment(serial, open_doc))
    assert isinstance(first, float) and asyncio.run(ar_late_payment(serial, open_doc)) == first
    assert len(calls) == 1


def test_threads_waiting_for_one_training_share_it(monkeypatch) -> None:
    """Classic desktop: xlwings runs each cell in its own thread (async_mode="threading")."""
    from concurrent.futures import ThreadPoolExecutor

    from udfs import predict

    monkeypatch.setattr(predict, "_MODELS", {})
    calls = _slow_training(monkeypatch, 0.3)
    serial, open_doc, _ = _serial_ledger()
    rows = tuple(map(tuple, serial))
    key = predict.fingerprint(rows)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: predict.model(rows, key), range(8)))
    assert len(calls) == 1 and all(r is results[0] for r in results)
    assert results[0][0][open_doc] == asyncio.run(predict.ar_late_payment(serial, open_doc))

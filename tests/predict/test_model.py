"""The local model: refuses small histories, beats the per-customer baseline, explains itself."""

from __future__ import annotations

from datetime import date

import pytest

from xlar.core.history import synthetic_ledger
from xlar.core.predict_model import NotEnoughHistory, train

pytest.importorskip("sklearn")

AS_OF = date(2025, 11, 1)


@pytest.fixture(scope="module")
def model():
    return train(synthetic_ledger(invoices=2000, seed=8, as_of=AS_OF))


def test_refuses_with_a_clear_message_when_history_is_too_small() -> None:
    small = synthetic_ledger(customers=3, invoices=20, seed=1, as_of=AS_OF)
    with pytest.raises(NotEnoughHistory, match="Not enough payment history to predict late payments: .*20"):
        train(small)


def test_quality_on_held_out_data_beats_the_customer_late_rate_baseline(model) -> None:
    q = model.quality
    assert q.held_out > 300 and abs(q.trained_on - 4 * q.held_out) <= 4
    assert q.meets_threshold
    assert q.beats_baseline, q.summary()


def test_predictions_for_open_invoices_with_confidence_and_reasons(model) -> None:
    preds = model.predict()
    assert preds and all(p.confidence in ("High", "Medium", "Low") for p in preds)
    assert {p.late for p in preds} == {True, False}
    for p in preds:
        conf = p.probability_late if p.late else 1 - p.probability_late
        assert p.confidence_pct == pytest.approx(conf, abs=1e-3)
        assert len(p.reasons) <= 3
    assert any(p.reasons for p in preds if p.late)


def test_same_history_same_predictions() -> None:
    led = synthetic_ledger(invoices=600, customers=10, seed=3, as_of=AS_OF)
    assert train(led).predict() == train(led).predict()

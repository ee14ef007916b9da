"""Late payment prediction: model quality against the per-customer baseline, on generated history.

For each seed, builds a synthetic ledger (``xlar.core.history.synthetic_ledger``), trains
the model (``xlar.core.predict_model.train``: the latest 20 % of the paid invoices held
out) and prints, measured in the same run on the same held-out invoices, the model's
accuracy and the baseline's (each customer's late rate on the training part), plus the
time to build the features, train and predict.

    python bench/predict.py                 # seeds 1-5, 3,000 invoices, 40 customers
    python bench/predict.py --seeds 1,2 --invoices 10000 --customers 200
    python bench/predict.py --json
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date


def run(seed: int, invoices: int, customers: int) -> dict[str, object]:
    from xlar.core.history import synthetic_ledger
    from xlar.core.predict_model import train

    as_of = date(2025, 11, 1)
    ledger = synthetic_ledger(invoices=invoices, customers=customers, seed=seed, as_of=as_of)
    t0 = time.perf_counter()
    model = train(ledger)
    t1 = time.perf_counter()
    preds = model.predict()
    t2 = time.perf_counter()
    q = model.quality
    return {"seed": seed, "invoices": len(ledger), "open": len(preds), "trained_on": q.trained_on,
            "held_out": q.held_out, "late_share": round(q.late_share, 3),
            "model_accuracy": round(q.model_accuracy, 4), "baseline_accuracy": round(q.baseline_accuracy, 4),
            "beats_baseline": q.beats_baseline, "train_s": round(t1 - t0, 2), "predict_s": round(t2 - t1, 2),
            "high": sum(p.confidence == "High" for p in preds), "predicted_late": sum(p.late for p in preds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--invoices", type=int, default=3000)
    ap.add_argument("--customers", type=int, default=40)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rows = [run(int(s), a.invoices, a.customers) for s in a.seeds.split(",")]
    if a.json:
        for r in rows:
            print(json.dumps(r))
        return
    print(f"{'seed':>4} {'invoices':>8} {'held out':>8} {'late %':>6} {'model':>7} {'baseline':>8} "
          f"{'train s':>7} {'predict s':>9} {'open':>5} {'High':>5}")
    for r in rows:
        print(f"{r['seed']:>4} {r['invoices']:>8} {r['held_out']:>8} {r['late_share']:>6.1%} "
              f"{r['model_accuracy']:>7.1%} {r['baseline_accuracy']:>8.1%} {r['train_s']:>7} {r['predict_s']:>9} "
              f"{r['open']:>5} {r['high']:>5}")
    wins = sum(bool(r["beats_baseline"]) for r in rows)
    mean = lambda k: sum(float(r[k]) for r in rows) / len(rows)
    print(f"model beats the baseline on {wins} of {len(rows)} seeds; mean accuracy {mean('model_accuracy'):.1%} "
          f"vs {mean('baseline_accuracy'):.1%}")


if __name__ == "__main__":
    main()

"""``xlar predict``: the Outlook sheet, each open invoice's chance of being paid late.

Reads the workbook, trains :mod:`xlar.core.predict_model` on its own closed invoices
and rewrites the ``Outlook`` report (``plan.reports``, rendered by every writer): the model's
quality against the baseline on top, then one row per open invoice, most likely late
first, with ``Late Payment``, ``Late Probability``, ``Prediction Confidence``
(High / Medium / Low), ``Prediction Confidence %`` and ``Reasons``.

Refusals (exit 1, an Issue, no Outlook written): too little history (BC's sufficiency
rule), or a model whose held-out accuracy is below BC's quality threshold (0.70). A
model that does not beat the baseline is used but flagged with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from xlar.book import plan as P
from xlar.book.commands import Outcome, next_run
from xlar.book.grid import Grid
from xlar.book.issues import SheetIssue
from xlar.book.rows import read_book
from xlar.book.xlsxparts import locked_run, open_file, save_file
from xlar.core.model import Severity
from xlar.core.predict import QUALITY_THRESHOLD
from xlar.core.tables import Emphasis, Table, day, money, pct

OUTLOOK = "Outlook"
HEADERS = ("Customer No.", "Customer Name", "Document No.", "Posting Date", "Due Date", "Remaining Amount",
           "Late Payment", "Late Probability", "Prediction Confidence", "Prediction Confidence %", "Reasons")


@dataclass(slots=True)
class PredictRun:
    plan: P.WritePlan
    outcome: Outcome
    tables: list[Table] = field(default_factory=list)


def predict(grids: dict[str, Grid], *, run: int, today: date | None = None, seed: int = 0) -> PredictRun:
    """Train on the workbook's closed invoices and build the Outlook table."""
    read = read_book(grids, need=("Ledger",))
    o = Outcome(command="predict", run=run, result="", exit_code=0)
    o.issues = read.blocking_errors()
    plan = P.WritePlan()
    if o.errors:
        o.exit_code, o.result = 1, "Errors: nothing predicted"
        return PredictRun(plan, o)
    try:
        from xlar.core.predict_model import NotEnoughHistory, train
        model = train(read.book.ledger, read.book.applications, seed=seed)
    except ModuleNotFoundError as exc:
        o.issues.append(SheetIssue("", None, "", None, f"Late payment prediction needs scikit-learn ({exc.name} is "
                                   "missing): pip install 'xlar[predict]'", "predict-not-installed"))
        o.exit_code, o.result = 1, "Errors: nothing predicted"
        return PredictRun(plan, o)
    except NotEnoughHistory as exc:
        o.issues.append(SheetIssue("Ledger", None, "Closed at Date", exc.sufficiency.n, str(exc),
                                   "not-enough-history"))
        o.exit_code, o.result = 1, "Not enough history: nothing predicted"
        return PredictRun(plan, o)
    q = model.quality
    if not q.meets_threshold:
        o.issues.append(SheetIssue("Ledger", None, "", None, f"The model is not good enough to use: {q.summary()}; "
                                   f"BC's Model Quality Threshold is {QUALITY_THRESHOLD:.0%}.",
                                   "model-quality-too-low"))
        o.exit_code = 1
        o.result = f"Model quality {q.model_accuracy:.1%} below {QUALITY_THRESHOLD:.0%}: nothing predicted"
        return PredictRun(plan, o)
    if not q.beats_baseline:
        o.issues.append(SheetIssue("Ledger", None, "", None, f"The model does not beat the simple baseline: "
                                   f"{q.summary()}.", "model-below-baseline", Severity.WARNING))
    preds = model.predict()
    by_no = {e.entry_no: e for e in read.book.ledger}
    names = {c.customer_no: c.name for c in read.book.customers}
    lcy = read.book.settings.company_currency
    t = Table(OUTLOOK)
    when = today or date.today()
    t.add(f"Late payment outlook, {when.isoformat()}", emphasis=Emphasis.TITLE)
    t.add(q.summary()[0].upper() + q.summary()[1:] + ".", emphasis=Emphasis.NOTE)
    t.add(f"{sum(p.late for p in preds)} of {len(preds)} open invoices predicted to be paid late.",
          emphasis=Emphasis.NOTE)
    t.blank()
    t.add(*HEADERS, emphasis=Emphasis.HEADER)
    t.header_rows = len(t.rows)
    for p in sorted(preds, key=lambda p: (-p.probability_late, p.entry_no)):
        e = by_no[p.entry_no]
        t.add(p.customer_no, names.get(p.customer_no, ""), p.document_no, day(e.posting_date), day(e.due_date),
              money(e.remaining_amount, e.currency or lcy), "Late" if p.late else "Not Late",
              pct(p.probability_late), p.confidence, pct(p.confidence_pct), "; ".join(p.reasons),
              emphasis=Emphasis.WARNING if p.late and p.confidence == "High" else Emphasis.NONE)
    late = sum(p.late for p in preds)
    o.result = f"{late} of {len(preds)} open invoice(s) predicted late; {q.summary()}"
    plan.reports.append(t)
    return PredictRun(plan, o, [t])


@locked_run()
def run_predict_file(path: Path, *, out: Path | None = None, seed: int = 0, label: str = "predict",
                     engine: str = "auto") -> Outcome:
    """Open ``path``, predict, rewrite the Outlook sheet, save atomically (to ``out`` when given).

    The Outlook table goes in ``plan.reports``; the zip-part writer keeps the rest of the book.
    """
    book = open_file(Path(path), engine)
    started = datetime.now().replace(microsecond=0)
    pr = predict(book.grids, run=next_run(book.grids), seed=seed)
    o = pr.outcome
    P.plan_close(pr.plan, o, started=started, command=label, fingerprint=book.fingerprint, lines_posted=0)
    written = save_file(book, pr.plan, out, engine)
    o.workbook, o.written_to = str(path), str(written)
    return o


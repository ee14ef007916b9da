"""Late payment prediction: the feature table, the data sufficiency rule and the confidence buckets.

This follows BC's *Late Payment Prediction* extension (spec §12, A16); the classifier
itself is pluggable and lives in :mod:`xlar.core.predict_model` (scikit-learn, optional).

* **Invoices** taken: Invoice entries with a positive amount and a due date.
  **Label**: late when ``Closed at Date > Due Date`` (BC). Two choices beyond BC, both
  against the bias of a recent history (``as_of``: the latest date the ledger shows):
  an open invoice already past its due date is labelled late (it cannot be paid on
  time any more; leaving it out makes the recent months look punctual, since only their
  quick payers are closed yet), and only invoices due before ``as_of`` are *matured*,
  i.e. used for training and evaluation (a closed invoice not yet due could only be
  "not late").
* **Features** (:func:`features`), per invoice, computed **as of its posting date** from
  the same customer's other invoices (the customer's identity itself is not a feature):
  paid = closed before that date, outstanding = posted before it and not closed by then,
  late = closed after its due date, or past due at that date.
* **Sufficiency** (:func:`sufficiency`, BC ``IsDataSufficientForClassification``): with
  training share 0.8, ``0.8 × N ≥ 20``, both labels present and
  ``N ≥ ln(0.01) / ln(1 − m/N) / 0.8`` (m: the rarer label's count). 100 invoices of
  which 20 late: 80 ≥ 20 and 25.8 ≤ 100, sufficient; 30 invoices of which 2 late:
  24 ≥ 20 but 83.4 > 30, insufficient.
* **Confidence** (:func:`confidence`): High ≥ 0.90, Medium ≥ 0.80, else Low, of the
  probability of the predicted label.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xlar.core.model import Application, DocumentType, LedgerEntry

TRAINING_SHARE = 0.8
MIN_TRAINING_ROWS = 20
QUALITY_THRESHOLD = 0.70

#: feature names, in BC's words and order
FEATURES: tuple[str, ...] = (
    "Base Amount", "Payment Terms Days", "Corrected", "No. Paid Invoices", "No. Paid Late Invoices",
    "Ratio Paid Late/Paid Invoices", "Total Paid Invoices Amount", "Total Paid Late Inv. Amount",
    "Ratio PaidLateAmnt/PaidAmnt", "Average Days Late", "No. Outstanding Inv.", "No. Outstanding Late Inv.",
    "Ratio NoOutstngLate/NoOutstng", "Total Outstng Invoices Amt.", "Total Outstng Late Inv. Amt.",
    "Ratio AmtLate/Amt Outstng Inv", "Average Outstanding Days Late",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One invoice of the feature table: its features, and its label when it is closed."""

    entry_no: int
    customer_no: str
    document_no: str
    posting_date: date
    due_date: date
    values: tuple[float, ...]
    late: bool | None  # None: not known yet (open, not yet due)
    open: bool = False
    matured: bool = False  # due before the ledger's as-of date: its label is final

    @property
    def labelled(self) -> bool:
        """Usable for training and evaluation."""
        return self.late is not None and self.matured

    def feature(self, name: str) -> float:
        return self.values[FEATURES.index(name)]


@dataclass(frozen=True, slots=True)
class Sufficiency:
    """Whether a history is big enough to train on, and why not."""

    ok: bool
    n: int
    minority: int
    needed: float  # ln(0.01) / ln(1 - m/N) / share (inf when a label is missing)
    reason: str = ""


def sufficiency(n: int, late: int, share: float = TRAINING_SHARE) -> Sufficiency:
    """BC ``IsDataSufficientForClassification`` for ``n`` labelled invoices of which ``late`` are late."""
    m = min(late, n - late)
    needed = math.log(0.01) / math.log(1 - m / n) / share if 0 < m < n else math.inf
    if share * n < MIN_TRAINING_ROWS:
        return Sufficiency(False, n, m, needed, f"{n} paid invoices give {share * n:.0f} for training; at least "
                           f"{MIN_TRAINING_ROWS} are needed ({math.ceil(MIN_TRAINING_ROWS / share)} paid invoices)")
    if m == 0:
        which = "late" if late == 0 else "on time"
        return Sufficiency(False, n, m, needed, f"none of the {n} paid invoices was paid {which}; both kinds are "
                           "needed to learn the difference")
    if n < needed:
        return Sufficiency(False, n, m, needed, f"with only {m} of {n} paid invoices in the rarer class, "
                           f"ln(0.01)/ln(1-{m}/{n})/{share} = {needed:.1f} paid invoices are needed")
    return Sufficiency(True, n, m, needed)


def confidence(p: float) -> str:
    """BC *Prediction Confidence* of a probability (of the predicted label)."""
    if p >= 0.90:
        return "High"
    if p >= 0.80:
        return "Medium"
    return "Low"


def is_invoice(e: LedgerEntry) -> bool:
    """BC's filter: an invoice (not cancelled) with a positive amount and a due date."""
    return e.document_type is DocumentType.INVOICE and e.amount > 0 and e.due_date is not None


def _lcy(e: LedgerEntry) -> float:
    return float(e.amount_lcy if e.amount_lcy else e.amount)


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def horizon(ledger: Iterable[LedgerEntry]) -> date:
    """The latest date the ledger shows (a posting or a closing date)."""
    days = [d for e in ledger for d in (e.posting_date, e.closed_at_date) if d is not None]
    return max(days) if days else date.min


def features(ledger: Sequence[LedgerEntry], applications: Iterable[Application] = (), *,
             as_of: date | None = None) -> list[Row]:
    """The feature table of every invoice of ``ledger``, open and closed (``as_of``: default :func:`horizon`)."""
    as_of = as_of or horizon(ledger)
    by_no = {e.entry_no: e for e in ledger}
    corrected: set[int] = set()
    for a in applications:
        if a.unapplied or a.reverses_application_no is not None:
            continue
        other = by_no.get(a.applying_entry_no)
        if other is not None and other.document_type is DocumentType.CREDIT_MEMO:
            corrected.add(a.applied_entry_no)
    per_customer: dict[str, list[LedgerEntry]] = {}
    for e in ledger:
        if is_invoice(e):
            per_customer.setdefault(e.customer_no, []).append(e)
    out: list[Row] = []
    for invoices in per_customer.values():
        invoices.sort(key=lambda e: (e.posting_date, e.entry_no))
        starts = [e.posting_date for e in invoices]
        for x in invoices:
            day = x.posting_date
            assert x.due_date is not None
            paid = paid_late = 0
            paid_amt = paid_late_amt = days_late = 0.0
            outst = outst_late = 0
            outst_amt = outst_late_amt = outst_days = 0.0
            for o in invoices[:bisect_left(starts, day)]:  # posted before the invoice
                assert o.due_date is not None
                amt = _lcy(o)
                closed = o.closed_at_date if not o.open else None
                if closed is not None and closed < day:
                    paid += 1
                    paid_amt += amt
                    if closed > o.due_date:
                        paid_late += 1
                        paid_late_amt += amt
                        days_late += (closed - o.due_date).days
                else:
                    outst += 1
                    outst_amt += amt
                    if o.due_date < day:
                        outst_late += 1
                        outst_late_amt += amt
                        outst_days += (day - o.due_date).days
            values = (
                _lcy(x), float((x.due_date - x.posting_date).days), float(x.entry_no in corrected),
                float(paid), float(paid_late), _ratio(paid_late, paid), paid_amt, paid_late_amt,
                _ratio(paid_late_amt, paid_amt), _ratio(days_late, paid_late),
                float(outst), float(outst_late), _ratio(outst_late, outst), outst_amt, outst_late_amt,
                _ratio(outst_late_amt, outst_amt), _ratio(outst_days, outst_late),
            )
            closed_at = x.closed_at_date if not x.open else None
            if closed_at is not None:
                late: bool | None = closed_at > x.due_date
            else:
                late = True if x.due_date < as_of else None
            out.append(Row(entry_no=x.entry_no, customer_no=x.customer_no, document_no=x.document_no,
                           posting_date=x.posting_date, due_date=x.due_date, values=values, late=late,
                           open=x.open, matured=x.due_date < as_of))
    out.sort(key=lambda r: (r.posting_date, r.entry_no))
    return out


def describe(name: str, value: float, typical: float) -> str:
    """One reason, in finance words: ``Ratio Paid Late/Paid Invoices 75% (typical 10%)``."""
    if name.startswith("Ratio"):
        return f"{name} {value:.0%} (typical {typical:.0%})"
    if name == "Corrected":
        return "a credit memo was applied to the invoice" if value else "no credit memo applied"
    if "Amount" in name or "Amt" in name:
        return f"{name} {Decimal(str(round(value, 2))):,.2f} (typical {Decimal(str(round(typical, 2))):,.2f})"
    return f"{name} {value:g} (typical {typical:g})"

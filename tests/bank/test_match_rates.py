"""Line, invoice and amount match rates: each defined once, with real figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xlar.core.bank import Confidence, StatementLine
from xlar.core.match import Proposal
from xlar.core.matchrates import match_rates

D = Decimal


def _line(no: int, amount: str, currency: str = "EUR") -> StatementLine:
    return StatementLine(statement_no="S1", line_no=no, transaction_date=date(2026, 6, 3), amount=D(amount),
                         currency=currency)


def _prop(no: int, conf: Confidence, customer: str = "", docs: tuple[str, ...] = (), rank: int = 1,
          account: str = "") -> Proposal:
    return Proposal(statement_no="S1", line_no=no, rank=rank, confidence=conf, rule="", score=0,
                    customer_no=customer, account_no=account, documents=docs)


def test_a_lump_sum_weighs_once_per_line_and_ten_times_per_invoice() -> None:
    lines = [_line(1, "10000.00"), _line(2, "500.00"), _line(3, "250.00"), _line(4, "-12.50")]
    props = [
        _prop(1, Confidence.MEDIUM, "C1", tuple(f"INV-{i}" for i in range(10))),  # lump sum, needs review
        _prop(1, Confidence.LOW, "C2", ("INV-99",), rank=2),  # second proposals are not counted
        _prop(2, Confidence.HIGH, "C2", ("INV-20",)),
        _prop(3, Confidence.HIGH, "C3", ("INV-30",)),
        _prop(4, Confidence.HIGH, account="6040"),  # bank fee by text-to-account mapping
    ]
    r = match_rates(lines, props)
    assert (r.lines.hits, r.lines.total, r.lines.share) == (3, 4, D("0.7500"))
    assert (r.invoices.hits, r.invoices.total, r.invoices.share) == (2, 12, D("0.1667"))
    eur = r.amounts["EUR"]
    assert (eur.hits, eur.total, eur.share) == (D("762.50"), D("10762.50"), D("0.0708"))
    assert r.text() == ("auto-match rate: lines 75.0 % (3 of 4), invoices 16.7 % (2 of 12), "
                        "amount EUR 7.1 % (762.50 of 10,762.50)")


def test_currencies_are_never_added_and_unmatched_runs_have_no_rate() -> None:
    lines = [_line(1, "100.00"), _line(2, "200.00", "USD")]
    r = match_rates(lines, [_prop(1, Confidence.HIGH, "C1", ("A",)), _prop(2, Confidence.NONE)])
    assert {c: (x.hits, x.total) for c, x in r.amounts.items()} == {"EUR": (D("100.00"), D("100.00")),
                                                                     "USD": (D("0"), D("200.00"))}
    assert (r.invoices.hits, r.invoices.total) == (1, 1)
    empty = match_rates([], [])
    assert empty.lines.share is None and empty.text() == "auto-match rate: lines -, invoices -"

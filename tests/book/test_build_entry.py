"""``rows.build_entry`` (one pass, one record) equals its definition: ``new_entry`` of the cells
given, every given cell laid over what it derived, and the remaining amount's LCY amount and
open flag following a given remaining amount. Random rows of every shape: each field given
or blank, invoices, credit memos, payments, refunds, company and foreign currency (rate
found, rate given, no rate), terms with one and two discounts, blocked tolerance, cells
that make ``new_entry`` raise. One refinement of the definition is tested on its own: what a
cell gives is not derived again (``test_a_given_cell_is_not_derived_again``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlar.book.rows import build_entry
from xlar.core.model import (
    Book,
    Customer,
    DocumentType,
    ExchangeRate,
    LedgerEntry,
    PaymentTerms,
    Settings,
)
from xlar.core.money import to_money
from xlar.core.terms import new_entry

D = Decimal
MASTER = Book(
    settings=Settings(company_currency="EUR", payment_tolerance_pct=D("0.5"), max_payment_tolerance_amount=D(5),
                      payment_discount_grace_period="5D", pmt_disc_excl_vat=True),
    customers=(
        Customer(customer_no="C1", name="One", payment_terms="2%10"),
        Customer(customer_no="C2", name="Two", currency="USD", payment_terms="TWO"),
        Customer(customer_no="C3", name="Three", block_payment_tolerance=True),
        Customer(customer_no="C4", name="Four", currency="JPY", payment_terms="30D"),
    ),
    terms=(
        PaymentTerms(code="2%10", due_date_formula="30D", discount_pct=D(2), discount_date_formula="10D"),
        PaymentTerms(code="TWO", due_date_formula="CM+30D", discount_pct=D(3), discount_date_formula="7D",
                      discount2_pct=D("1.5"), discount2_date_formula="14D"),
        PaymentTerms(code="30D", due_date_formula="30D"),
        PaymentTerms(code="BAD", due_date_formula="nonsense"),
    ),
    rates=(
        ExchangeRate(currency="USD", starting_date=date(2026, 1, 1), rate=D("0.9123")),
        ExchangeRate(currency="JPY", starting_date=date(2026, 1, 1), rate=D("0.0061")),
    ),
)
_OVERLAID = frozenset(f for f in LedgerEntry.__dataclass_fields__) - {"currency"}


def reference(master: Book, f: dict[str, object], lcy: str, exps: dict[str, int] | None) -> LedgerEntry:
    """The definition (the reader's code before the one-pass builder)."""
    e = new_entry(
        book=master, entry_no=int(f["entry_no"]), customer_no=str(f["customer_no"]),
        document_type=f["document_type"], document_no=str(f["document_no"]), posting_date=f["posting_date"],
        amount=f["amount"], currency=str(f.get("currency", "") or ""), document_date=f.get("document_date"),
        due_date=f.get("due_date"), payment_terms=str(f.get("payment_terms", "") or ""),
        amount_excl_vat=f.get("amount_excl_vat"), external_document_no=str(f.get("external_document_no", "") or ""),
        description=str(f.get("description", "") or ""), exchange_rate=f.get("exchange_rate"),
    )
    if e.exchange_rate == 0:
        return e
    for k, v in f.items():
        if k in _OVERLAID:
            object.__setattr__(e, k, v)
    if "remaining_amount" in f:
        if "remaining_amount_lcy" not in f:
            value = (e.remaining_amount if e.currency == lcy
                     else to_money(e.remaining_amount * e.exchange_rate, lcy, exps))
            object.__setattr__(e, "remaining_amount_lcy", value)
        if "open" not in f:
            object.__setattr__(e, "open", e.remaining_amount != 0)
    return e


def outcome(fn, f):
    try:
        return ("ok", fn(MASTER, dict(f), "EUR", None))
    except (ValueError, KeyError, ArithmeticError) as exc:
        return ("raises", type(exc))


money = st.decimals(min_value=D("-99999.99"), max_value=D("99999.99"), places=2, allow_nan=False)
day = st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 12, 31))
optional = {
    "currency": st.sampled_from(["EUR", "usd", "JPY", "GBP"]),
    "exchange_rate": st.sampled_from([D("1.1"), D("0.5"), D(0), D("0.0061")]),
    "document_date": day,
    "due_date": day,
    "payment_terms": st.sampled_from(["2%10", "two", "30D", "BAD", "NOPE"]),
    "amount_excl_vat": money,
    "external_document_no": st.sampled_from(["EXT-1", "X"]),
    "description": st.sampled_from(["Invoice 7", "d"]),
    "remaining_amount": money,
    "amount_lcy": money,
    "remaining_amount_lcy": money,
    "unrealized_lcy": money,
    "pmt_discount_date": day,
    "original_pmt_disc_possible": money,
    "remaining_pmt_disc_possible": money,
    "pmt_discount_date_2": day,
    "original_pmt_disc_2_possible": money,
    "remaining_pmt_disc_2_possible": money,
    "pmt_disc_tolerance_date": day,
    "max_payment_tolerance": money,
    "open": st.booleans(),
    "closed_by_entry_no": st.integers(1, 99),
    "closed_at_date": day,
    "closed_by_amount": money,
    "applies_to_id": st.sampled_from(["ID-1", "x"]),
    "amount_to_apply": money,
}


@st.composite
def rows(draw):
    f: dict[str, object] = {
        "entry_no": draw(st.integers(1, 10**6)),
        "customer_no": draw(st.sampled_from(["C1", "C2", "C3", "C4"])),
        "posting_date": draw(day),
        "document_type": draw(st.sampled_from(list(DocumentType))),
        "document_no": draw(st.sampled_from(["INV-1", "CM-2", "PAY-3"])),
        "amount": draw(st.one_of(money, st.sampled_from([D(0), D("1E+30"), D("0.005"), D("-12.345")]))),
    }
    for k in draw(st.sets(st.sampled_from(sorted(optional)))):
        f[k] = draw(optional[k])
    return f


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_one_pass_builder_equals_new_entry_with_the_cells_laid_over(f):
    assert outcome(build_entry, f) == outcome(reference, f)


@pytest.mark.parametrize("f", [
    # an invoice on two-discount terms with only the required cells: everything derived
    {"entry_no": 1, "customer_no": "C2", "posting_date": date(2026, 3, 4), "document_type": DocumentType.INVOICE,
     "document_no": "INV-1", "amount": D("1000.00")},
    # a part-paid invoice as xlar writes it: remaining given, its LCY and open flag follow it
    {"entry_no": 2, "customer_no": "C2", "posting_date": date(2026, 3, 4), "document_type": DocumentType.INVOICE,
     "document_no": "INV-2", "amount": D("1000.00"), "remaining_amount": D("400.00"), "amount_lcy": D("912.30")},
    # no exchange rate for the currency: new_entry's record with rate 0 (the caller reports it)
    {"entry_no": 3, "customer_no": "C1", "posting_date": date(2026, 3, 4), "document_type": DocumentType.INVOICE,
     "document_no": "INV-3", "amount": D("10.00"), "currency": "GBP"},
    # unparseable terms formula: raises like new_entry
    {"entry_no": 4, "customer_no": "C1", "posting_date": date(2026, 3, 4), "document_type": DocumentType.INVOICE,
     "document_no": "INV-4", "amount": D("10.00"), "payment_terms": "BAD"},
])
def test_worked_rows(f):
    assert outcome(build_entry, f) == outcome(reference, f)


def test_worked_figures_of_a_two_discount_invoice():
    e = build_entry(MASTER, {"entry_no": 1, "customer_no": "C2", "posting_date": date(2026, 3, 4),
                             "document_type": DocumentType.INVOICE, "document_no": "INV-1",
                             "amount": D("1000.00")}, "EUR", None)
    assert (e.currency, e.exchange_rate, e.amount_lcy, e.remaining_amount_lcy) == ("USD", D("0.9123"), D("912.30"),
                                                                                  D("912.30"))
    assert e.due_date == date(2026, 4, 30)  # CM+30D from 4 March
    assert (e.pmt_discount_date, e.original_pmt_disc_possible) == (date(2026, 3, 11), D("30.00"))
    assert (e.pmt_discount_date_2, e.original_pmt_disc_2_possible) == (date(2026, 3, 18), D("15.00"))
    assert e.pmt_disc_tolerance_date == date(2026, 3, 23)  # last discount date + 5D grace
    assert e.max_payment_tolerance == D("5.00") and e.open
    assert e.document_date == date(2026, 3, 4) and e.payment_terms == ""
    assert date(2026, 3, 4) + timedelta(days=7) == e.pmt_discount_date


def test_a_given_cell_is_not_derived_again():
    """What the row gives is not recomputed: a foreign-currency invoice at a tiny rate whose
    maximum tolerance cap (5 EUR / 1E-30 USD) cannot be held in 28 digits raises when it must be
    derived, and reads as given when the row has its Max. Payment Tolerance (as a book xlar
    wrote has)."""
    f = {"entry_no": 9, "customer_no": "C2", "posting_date": date(2026, 3, 4), "document_type": DocumentType.INVOICE,
         "document_no": "INV-9", "amount": D("100.00"), "exchange_rate": D("1E-30")}
    assert outcome(build_entry, f) == outcome(reference, f) == ("raises", __import__("decimal").InvalidOperation)
    e = build_entry(MASTER, {**f, "max_payment_tolerance": D("0.50")}, "EUR", None)
    assert e.max_payment_tolerance == D("0.50") and e.amount == D("100.00") and e.currency == "USD"
    assert e.pmt_discount_date == date(2026, 3, 11) and e.original_pmt_disc_possible == D("3.00")

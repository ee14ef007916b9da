"""Matching on the Ledger's Payment Reference (issue 24): the entry's own reference decides exactly."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tests.bank.test_remittance import DAY, inv, line
from xlar.core.bank import StatementLine
from xlar.core.match import MatchSettings, OpenItemIndex, Party, match_line
from xlar.core.payref import for_document

D = Decimal
PARTIES = [Party(customer_no="P1", name="Oy Pohjola Trading Ab"), Party(customer_no="P2", name="Kaarna Logistics Oy")]


def _ledger(scheme: str):
    led = [inv(61, "P1", "INV-2026-00500", "800.00"), inv(62, "P1", "INV-2026-00501", "800.00"),
           inv(63, "P2", "INV-2026-00600", "800.00"), inv(64, "P2", "INV-2026-00601", "250.00", closed=True)]
    return [replace(e, payment_reference=for_document(scheme, e.document_no)) for e in led]


def test_a_structured_reference_names_one_of_several_invoices_of_the_same_amount() -> None:
    # three open invoices of 800.00 (two of P1, one of P2), a payer nobody knows: the FI reference of
    # INV-2026-00501 (2026 00501 + check digit) decides: High, that invoice, no amount ambiguity
    led = _ledger("FI")
    ref = led[1].payment_reference
    assert ref == "2026005016"  # 1*7 + 0*3 + 5*1 + 0 + 0 + 6*1 + 2*7 + 0 + 2*1 = 34: check digit 6
    idx = OpenItemIndex(led, PARTIES)
    s = MatchSettings(reference_scheme="FI")
    p = match_line(line("800.00", "Viitenumero 20260 05016", name="Maksaja"), idx, s)[0]
    assert (p.customer_no, p.documents, p.confidence.value, p.amount_match.value) == (
        "P1", ("INV-2026-00501",), "High", "One Match")
    assert "the payment reference 20260 05016 (valid FI check digits)" in p.explanation


def test_a_typed_reference_unrelated_to_the_number_is_found_as_typed() -> None:
    # the customer's own RF reference, typed on the ledger (ISO 11649's example), not derived from INV-2026-00600
    led = _ledger("FI")
    led[2] = replace(led[2], payment_reference="RF18 5390 0754 7034")
    idx = OpenItemIndex(led, PARTIES)
    for text in ("RF18539007547034", "ref RF18 5390 0754 7034 thank you"):
        p = match_line(line("800.00", text, name="Unknown Payer"), idx, MatchSettings(reference_scheme="FI"))[0]
        assert (p.customer_no, p.documents, p.confidence.value) == ("P2", ("INV-2026-00600",), "High"), text


def test_a_reference_of_a_closed_invoice_is_a_possible_duplicate_and_never_high() -> None:
    led = _ledger("SE")
    ref = led[3].payment_reference  # INV-2026-00601, already paid
    idx = OpenItemIndex(led, PARTIES)
    ln = StatementLine(statement_no="BG", line_no=1, transaction_date=DAY, amount=D("250.00"), reference=ref,
                       payer_name="Kaarna Logistics Oy")
    props = match_line(ln, idx, MatchSettings(reference_scheme="SE"))
    assert all(p.confidence.value != "High" for p in props)
    assert props[0].explanation.startswith("Possible duplicate payment: the text names INV-2026-00601")


def test_one_wrong_check_digit_names_nothing() -> None:
    led = _ledger("FI")
    idx = OpenItemIndex(led, PARTIES)
    p = match_line(line("800.00", "Viitenumero 20260 05017", name="Maksaja"), idx, MatchSettings(reference_scheme="FI"))
    assert all(q.confidence.value != "High" for q in p)

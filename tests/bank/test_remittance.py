"""Cash application on real remittance habits (issue 24), with the issue's own examples.

1. A document the text names decides the match: an amount-only combination never beats
   it, a named closed invoice is a possible duplicate payment (no High), a holding that is
   itself a customer paying its subsidiary's named invoice is not applied to the holding.
2. Names: legal forms, word order, transliteration, a name is unique only when no other
   customer comes close, a customer number in the text identifies the customer.
3. References as typed: prefix and leading zeros dropped, blanks for dashes, lists.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xlar.core.bank import StatementLine
from xlar.core.match import (
    MatchSettings,
    OpenItemIndex,
    Party,
    ascii_name,
    legal_form,
    match_line,
    party_score,
)
from xlar.core.model import DocumentType, LedgerEntry

D = Decimal
DAY = date(2026, 6, 3)


def inv(no: int, cust: str, doc: str, amount: str, *, closed: bool = False) -> LedgerEntry:
    a = D(amount)
    return LedgerEntry(entry_no=no, customer_no=cust, posting_date=date(2026, 5, 2), document_type=DocumentType.INVOICE,
                       document_no=doc, amount=a, remaining_amount=D(0) if closed else a, currency="EUR",
                       due_date=date(2026, 6, 1), open=not closed,
                       closed_at_date=date(2026, 5, 20) if closed else None)


def line(amount: str, text: str = "", *, name: str = "", iban: str = "") -> StatementLine:
    return StatementLine(statement_no="S", line_no=1, transaction_date=DAY, amount=D(amount), payer_name=name,
                         payer_iban=iban, text=text)


def run(ln: StatementLine, ledger: list[LedgerEntry], parties: list[Party], tol: str = "0"):
    return match_line(ln, OpenItemIndex(ledger, parties), MatchSettings(tolerance_value=D(tol)))


# --------------------------------------------------------------------------- 1. a named document decides

HOLD_IBAN = "DE02 1001 0010 0006 8201 01"
PARTIES = [Party(customer_no="C10", name="Nordholz Holding GmbH", ibans=(HOLD_IBAN,)),
           Party(customer_no="C11", name="Nordholz Logistik GmbH"),
           Party(customer_no="C20", name="Kessler Maschinenbau AG", ibans=("DE89 3704 0044 0532 0130 00",))]
# the holding's own open invoices: 400.00 + 350.00 = 750.00, the subsidiary's invoice is 750.00 too
LEDGER = [inv(1, "C10", "INV-2026-00101", "400.00"), inv(2, "C10", "INV-2026-00102", "350.00"),
          inv(3, "C10", "INV-2026-00103", "990.00"), inv(4, "C11", "INV-2026-00201", "750.00"),
          # Kessler: INV-2026-00300 is already paid (closed); four open invoices add up to its 1 000.00
          inv(5, "C20", "INV-2026-00300", "1000.00", closed=True), inv(6, "C20", "INV-2026-00301", "100.00"),
          inv(7, "C20", "INV-2026-00302", "200.00"), inv(8, "C20", "INV-2026-00303", "300.00"),
          inv(9, "C20", "INV-2026-00304", "400.00"), inv(10, "C20", "INV-2026-00305", "1234.56")]


def test_holding_that_is_a_customer_paying_a_named_subsidiary_invoice() -> None:
    # the holding pays (its IBAN, its name) 750.00 naming the subsidiary's INV-2026-00201; the holding's own
    # INV-2026-00101 + INV-2026-00102 make 750.00 too: that amount-only combination must not win
    props = run(line("750.00", "Payment INV-2026-00201", name="Nordholz Holding GmbH", iban=HOLD_IBAN),
                LEDGER, PARTIES)
    first = props[0]
    assert (first.customer_no, first.documents) == ("C11", ("INV-2026-00201",))
    assert first.confidence.value == "Medium"  # the payer is not the subsidiary: no parent mapping, no High
    combo = next(p for p in props if p.customer_no == "C10")
    assert set(combo.documents) == {"INV-2026-00101", "INV-2026-00102"}
    assert combo.confidence.value != "High"
    assert "the text names another document that fits the amount" in combo.explanation


def test_named_closed_invoice_is_a_possible_duplicate_payment() -> None:
    # Kessler pays INV-2026-00300 again (1 000.00; closed on 2026-05-20); 100 + 200 + 300 + 400 = 1 000.00 to the cent
    props = run(line("1000.00", "Rechnung INV-2026-00300", name="Kessler Maschinenbau AG",
                     iban="DE89370400440532013000"), LEDGER, PARTIES)
    assert all(p.confidence.value != "High" for p in props)
    first = props[0]
    assert first.explanation.startswith(
        "Possible duplicate payment: the text names INV-2026-00300 (closed 2026-05-20), already paid")
    assert set(first.documents) == {"INV-2026-00301", "INV-2026-00302", "INV-2026-00303", "INV-2026-00304"}


def test_subset_sum_is_never_high_on_its_own() -> None:
    # no document named, the payer known by IBAN: the four invoices that make 1 000.00 are proposed, Medium
    p = run(line("1000.00", "Sammelzahlung", iban="DE89370400440532013000"), LEDGER, PARTIES)[0]
    assert set(p.documents) == {"INV-2026-00301", "INV-2026-00302", "INV-2026-00303", "INV-2026-00304"}
    assert (p.amount_match.value, p.rule) == ("One Match", "Medium/3")
    # the same payment naming the four invoices is High (Yes - Multiple, One Match)
    p = run(line("1000.00", "INV-2026-00301 INV-2026-00302 INV-2026-00303 INV-2026-00304",
                 iban="DE89370400440532013000"), LEDGER, PARTIES)[0]
    assert (p.doc_no.value, p.rule) == ("Yes - Multiple", "High/1")


def test_named_document_beats_an_amount_only_single_match() -> None:
    # 1 234.56 is Kessler's INV-2026-00305 by amount; the text names the holding's INV-2026-00103 ... of 990.00:
    # it does not fit the amount, so the amount match stays High (BC's Fully / No / One Match)
    p = run(line("1234.56", "INV-2026-00103", iban="DE89370400440532013000"), LEDGER, PARTIES)[0]
    assert (p.documents, p.rule) == (("INV-2026-00305",), "High/8")
    # naming a Kessler invoice that fits: that one, High
    p = run(line("300.00", "INV-2026-00303", iban="DE89370400440532013000"), LEDGER, PARTIES)[0]
    assert (p.documents, p.rule) == (("INV-2026-00303",), "High/3")


# --------------------------------------------------------------------------- 2. names

NAMES = [Party(customer_no="K1", name="Software Hofmann GmbH"),
         Party(customer_no="K2", name="Winkler & Sauer SARL"),
         Party(customer_no="K3", name="Sauer & Winkler GmbH"),
         Party(customer_no="K4", name="Jürgens & Krause AG"),
         Party(customer_no="K5", name="Becker Bäckerei GmbH")]
NAME_LEDGER = [inv(21, "K1", "R-1001", "500.00"), inv(22, "K2", "R-2001", "640.00"),
               inv(23, "K3", "R-3001", "640.00"), inv(24, "K4", "R-4001", "88.20"),
               inv(25, "K5", "R-5001", "311.99")]


def test_legal_forms_and_transliteration() -> None:
    assert (legal_form("Sauer & Winkler GmbH"), legal_form("Kalomar S.A.R.L."), legal_form("Fabrikam B.V."),
            legal_form("Jürgen Kraus")) == ("gmbh", "sarl", "bv", "")
    assert ascii_name("Becker Bäckerei GmbH") == "Becker Baeckerei GmbH"
    assert ascii_name("Łódź Straße") == "Lodz Strasse"
    assert party_score("BECKER BAECKEREI GMBH", "Becker Bäckerei GmbH") == 100
    assert party_score("Hofmann Software AG", "Software Hofmann GmbH") == 85  # other legal form: near, not same
    assert party_score("SAUER & WINKLER GMBH", "Sauer & Winkler GmbH") == 100


def test_word_order_with_another_legal_form_is_not_the_customer() -> None:
    # "Hofmann Software AG" pays 500.00 (the amount of K1's only invoice): near, never Fully, so not High
    p = run(line("500.00", "Zahlung", name="Hofmann Software AG"), NAME_LEDGER, NAMES)[0]
    assert p.customer_no == "K1" and p.related_party.value == "Partially" and p.confidence.value == "Medium"


def test_customer_number_in_the_text_identifies_the_customer() -> None:
    # both twins have an open 640.00; the text carries K3's customer number
    p = run(line("640.00", "Kd-Nr K3 Zahlung", name="SAUER & WINKLER GMBH"), NAME_LEDGER, NAMES)[0]
    assert (p.customer_no, p.documents, p.rule) == ("K3", ("R-3001",), "High/8")
    assert "the customer number K3 is in the text" in p.explanation
    # without it the exact name still wins over the twin, whose legal form differs
    props = run(line("640.00", "Zahlung", name="SAUER & WINKLER GMBH"), NAME_LEDGER, NAMES)
    assert props[0].customer_no == "K3" and props[0].related_party.value == "Fully"
    assert all(p.customer_no != "K2" or p.confidence.value != "High" for p in props)


def test_a_person_near_a_company_name_is_not_high() -> None:
    # a salary refund from "Jürgen Kraus" of exactly 88.20 (K4's open invoice): not Jürgens & Krause AG at High
    props = run(line("88.20", "Erstattung", name="Jürgen Kraus"), NAME_LEDGER, NAMES)
    assert all(p.confidence.value != "High" for p in props)


def test_transliterated_name_is_recognised_fully() -> None:
    p = run(line("311.99", "Zahlung", name="BECKER BAECKEREI GMBH"), NAME_LEDGER, NAMES)[0]
    assert (p.customer_no, p.related_party.value, p.name_score, p.rule) == ("K5", "Fully", 100, "High/8")


def test_a_name_is_unique_only_when_no_other_customer_comes_close() -> None:
    parties = [Party(customer_no="A1", name="Adatum Systems GmbH"), Party(customer_no="A2", name="Adatum System GmbH")]
    ledger = [inv(31, "A1", "R-7001", "70.00"), inv(32, "A2", "R-7002", "70.00")]
    p = run(line("70.00", "Zahlung", name="ADATUM SYSTEMS GMBH"), ledger, parties)[0]
    assert p.related_party.value == "Partially" and "'Adatum System GmbH' is near too" in p.explanation


# --------------------------------------------------------------------------- 3. references as typed

REF_PARTIES = [Party(customer_no="R1", name="Contoso Pharma AG", ibans=("DE44 5001 0517 5407 3249 31",))]
REF_LEDGER = [inv(41, "R1", "INV-2026-00123", "1500.00"), inv(42, "R1", "INV-2026-01484", "210.10"),
              inv(43, "R1", "INV-2026-01894", "320.20"), inv(44, "R1", "INV-2026-02336", "430.30"),
              inv(45, "R1", "INV-2026-02703", "540.40"), inv(46, "R1", "RE-9116", "11.00"),
              inv(47, "R1", "RE-12009", "12.00"), inv(48, "R1", "RE-16094", "13.00"), inv(49, "R1", "RE-24214", "14.00"),
              inv(50, "R1", "RE-27902", "15.00"), inv(51, "R1", "INV-2026-00999", "1500.00")]
IBAN = "DE44500105175407324931"


def test_prefix_and_leading_zeros_dropped() -> None:
    # two open invoices of 1 500.00: only the number tells them apart
    for text in ("202600123", "Inv 123", "INV 2026 00123", "INV-2026-00 123", "Rg. 2026-00123"):
        p = run(line("1500.00", text, iban=IBAN), REF_LEDGER, REF_PARTIES)[0]
        # Yes, Multiple Matches (two invoices of 1 500.00): High/4
        assert (p.documents, p.doc_no.value, p.rule) == (("INV-2026-00123",), "Yes", "High/4"), text


def test_lists_of_invoices_all_recognised() -> None:
    p = run(line("1501.00", "INV-2026-01484/01894/02336/02703", iban=IBAN), REF_LEDGER, REF_PARTIES)[0]
    assert p.documents == ("INV-2026-01484", "INV-2026-01894", "INV-2026-02336", "INV-2026-02703")
    assert (p.doc_no.value, p.rule) == ("Yes - Multiple", "High/1")
    p = run(line("65.00", "RE 9116, 12009, 16094, 24214, 27902", iban=IBAN), REF_LEDGER, REF_PARTIES)[0]
    assert set(p.documents) == {"RE-9116", "RE-12009", "RE-16094", "RE-24214", "RE-27902"}
    assert (p.doc_no.value, p.rule) == ("Yes - Multiple", "High/1")


def test_one_digit_wrong_alone_is_never_high() -> None:
    # INV-2026-00124 does not exist; the payer is unknown by IBAN and name: the amount names two invoices
    props = run(line("1500.00", "INV-2026-00124", name="Someone Else"), REF_LEDGER, REF_PARTIES)
    assert all(p.confidence.value != "High" for p in props)


# --------------------------------------------------------------------------- structured payment references

def test_a_valid_structured_reference_names_the_invoice_and_its_customer() -> None:
    # Finnish reference 20260 01230 = INV-2026-00123's digits + check digit 0; the payer is nobody we know,
    # two open invoices are 1 500.00: the reference decides, High with no amount ambiguity (One Match)
    idx = OpenItemIndex(REF_LEDGER, REF_PARTIES)
    s = MatchSettings(tolerance_value=D("0"), reference_scheme="FI")
    p = match_line(line("1500.00", "Viite 20260 01230", name="Maksaja Oy"), idx, s)[0]
    assert (p.customer_no, p.documents, p.related_party.value, p.rule) == ("R1", ("INV-2026-00123",), "Fully", "High/3")
    assert "the payment reference 20260 01230 (valid FI check digits)" in p.explanation
    # one digit wrong: the check digit fails, nothing is named
    p = match_line(line("1500.00", "Viite 20260 01231", name="Maksaja Oy"), idx, s)[0]
    assert p.confidence.value != "High" and "INV-2026-00123 in the text" not in p.explanation
    # a Swedish OCR reference (length digit 1, Luhn 3) from a BgMax file's reference field
    ln = StatementLine(statement_no="BG", line_no=1, transaction_date=DAY, amount=D("1500.00"), reference="20260012313")
    p = match_line(ln, idx, MatchSettings(reference_scheme="SE"))[0]
    assert (p.documents, p.rule) == (("INV-2026-00123",), "High/3")

"""SEPA rules of the core: mandate checks, sequence types, selection, counters, batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.sepa.helpers import D, book, mandate
from xlar.core.model import Severity
from xlar.core.sepa import (
    MandateType,
    SequenceType,
    batches,
    check_mandate,
    create_collection,
    creditor_id_problem,
    iban_problem,
    roll_back,
    sequence_type,
)

JAN31 = date(2024, 1, 31)


@pytest.mark.parametrize(("made", "expected", "kind", "seq"), [
    (0, 3, MandateType.RECURRING, SequenceType.FRST),
    (1, 3, MandateType.RECURRING, SequenceType.RCUR),
    (2, 3, MandateType.RECURRING, SequenceType.FNAL),
    (5, 0, MandateType.RECURRING, SequenceType.RCUR),  # no expected number: never final
    (0, 0, MandateType.ONE_OFF, SequenceType.OOFF),
])
def test_sequence_type_from_the_mandate_history(made: int, expected: int, kind: MandateType,
                                                seq: SequenceType) -> None:
    assert sequence_type(mandate(debits_made=made, expected_debits=expected, type=kind)) is seq


def test_creditor_identifier_check_digits() -> None:
    assert creditor_id_problem("DE98ZZZ09999999999") == ""
    assert creditor_id_problem("de98 zzz 09999999999") == ""
    assert "check digits" in creditor_id_problem("DE97ZZZ09999999999")
    assert "form" in creditor_id_problem("12345")


def test_iban_validation_by_schwifty() -> None:
    assert iban_problem("DE89 3704 0044 0532 0130 00") == ""
    assert "not valid" in iban_problem("DE89370400440532013001")


def test_mandate_without_signature_date_is_refused_with_bc_words() -> None:
    problems = check_mandate(mandate(signature_date=None), JAN31)
    assert problems == ["Date of Signature must have a value in SEPA Direct Debit Mandate M-0001"]


@pytest.mark.parametrize(("over", "word"), [
    ({"valid_from": date(2024, 2, 1)}, "valid only from"),
    ({"valid_to": date(2024, 1, 30)}, "expired"),
    ({"blocked": True}, "blocked"),
    ({"debits_made": 3}, "closed"),
    ({"iban": "DE00123"}, "IBAN"),
    ({"bic": "XX"}, "BIC"),
])
def test_unusable_mandates(over: dict, word: str) -> None:
    assert any(word in p for p in check_mandate(mandate(**over), JAN31))


def test_collection_selects_due_invoices_of_customers_with_a_valid_mandate() -> None:
    b = book(("C1", "INV-1", "2024-01-31", "500.00"), ("C1", "INV-2", "2024-02-15", "70.00"),
             ("C2", "INV-3", "2024-01-10", "90.00"), customers=("C1", "C2"))
    col = create_collection(b, [mandate()], JAN31, collection_id="DD0001")
    assert [(e.document_no, e.amount, e.sequence_type) for e in col.entries] == [
        ("INV-1", D("500.00"), SequenceType.FRST)]
    assert col.mandates[0].debits_made == 1
    (warn,) = col.issues
    assert warn.code == "no-valid-mandate" and warn.severity is Severity.WARNING and "C2" in warn.problem


def test_each_debit_counts_so_two_invoices_give_frst_then_rcur() -> None:
    b = book(("C1", "INV-1", "2024-01-20", "10.00"), ("C1", "INV-2", "2024-01-25", "20.00"))
    col = create_collection(b, [mandate()], JAN31, collection_id="DD1")
    assert [e.sequence_type for e in col.entries] == [SequenceType.FRST, SequenceType.RCUR]
    assert [(k, len(g)) for k, g in batches(col.entries)] == [((JAN31, SequenceType.FRST), 1),
                                                              ((JAN31, SequenceType.RCUR), 1)]


def test_active_collections_reduce_the_transfer_amount() -> None:
    b = book(("C1", "INV-1", "2024-01-20", "100.00"))
    first = create_collection(b, [mandate()], JAN31, collection_id="DD1")
    again = create_collection(b, first.mandates, JAN31, collection_id="DD2", active=first.entries)
    assert again.entries == ()
    partly = replace(first.entries[0], amount=D("40.00"))
    third = create_collection(b, first.mandates, JAN31, collection_id="DD3", active=[partly])
    assert third.entries[0].amount == D("60.00") and third.entries[0].sequence_type is SequenceType.RCUR


def test_closed_mandate_after_expected_debits_and_roll_back() -> None:
    m = mandate(debits_made=2)
    b = book(("C1", "INV-1", "2024-01-20", "100.00"))
    col = create_collection(b, [m], JAN31, collection_id="DD1")
    assert col.entries[0].sequence_type is SequenceType.FNAL
    assert col.mandates[0].closed
    assert not roll_back(col.mandates[0]).closed
    assert roll_back(mandate()).debits_made == 0


def test_non_euro_invoices_are_not_debited() -> None:
    b = book(("C1", "INV-1", "2024-01-20", "100.00"))
    b = replace(b, ledger=(replace(b.ledger[0], currency="USD"),))
    col = create_collection(b, [mandate()], JAN31, collection_id="DD1")
    assert col.entries == () and col.issues[0].code == "sepa-not-euro"


def test_customers_blocked_for_all_are_not_debited() -> None:
    from xlar.core.model import Blocked
    b = book(("C1", "INV-1", "2024-01-20", "100.00"))
    b = replace(b, customers=(replace(b.customers[0], blocked=Blocked.ALL),))
    col = create_collection(b, [mandate()], JAN31, collection_id="DD1")
    assert col.entries == () and col.issues[0].code == "customer-blocked"
    assert col.mandates[0].debits_made == 0

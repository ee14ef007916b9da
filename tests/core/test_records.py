"""The fast record builders of ``xlar.core.records`` build exactly what the dataclasses build."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal

import pytest

from xlar.core.model import Application, DocumentType, GLLine, LedgerEntry, LineResult
from xlar.core.records import constructor, positional, rebuilder

D = Decimal
DAY = date(2024, 5, 2)

ENTRY = {"entry_no": 7, "customer_no": "C1", "posting_date": DAY, "document_type": DocumentType.INVOICE,
         "document_no": "INV7", "amount": D("120.00"), "remaining_amount": D("20.00"), "currency": "USD",
         "due_date": DAY, "applies_to_id": "X", "amount_to_apply": D("5.00")}
APP = {"application_no": 3, "posting_date": DAY, "customer_no": "C1", "applying_entry_no": 9,
       "applying_document_no": "P9", "applied_entry_no": 7, "applied_document_no": "INV7",
       "amount_applied": D("100.00"), "discount": D("2.00"), "applied_delta": D("-102.00")}
GL = {"entry_no": 11, "posting_date": DAY, "document_no": "P9", "account_no": "1200", "description": "Payment P9",
      "debit": D("100.00"), "credit": D("0"), "customer_no": "C1", "application_no": None}
RESULT = {"line_no": 10, "status": "Posted", "message": "Applied: INV7 100.00", "posted_entry_no": 9}


def _same(a: object, b: object) -> None:
    assert type(a) is type(b)
    assert a == b
    assert repr(a) == repr(b)
    assert hash(a) == hash(b)
    for f in fields(a):  # type: ignore[arg-type]
        assert getattr(a, f.name) is getattr(b, f.name) or getattr(a, f.name) == getattr(b, f.name)


@pytest.mark.parametrize(("cls", "kw"), [(LedgerEntry, ENTRY), (Application, APP), (GLLine, GL), (LineResult, RESULT)])
def test_constructor_equals_the_dataclass_init_defaults_included(cls: type, kw: dict) -> None:
    made = constructor(cls)(**kw)
    _same(made, cls(**kw))
    with pytest.raises(AttributeError):  # still frozen
        made.__setattr__(fields(cls)[0].name, None)


def test_positional_sets_the_named_fields_and_keeps_the_other_defaults() -> None:
    names = tuple(APP)
    _same(positional(Application, names)(*APP.values()), Application(**APP))
    with pytest.raises(TypeError):
        positional(Application, ("application_no",))  # fields without default missing
    with pytest.raises(TypeError):
        positional(GLLine, (*GL, "nonsense"))


def test_rebuilder_equals_dataclasses_replace() -> None:
    e = LedgerEntry(**ENTRY)
    changing = ("remaining_amount", "open", "closed_by_entry_no")
    got = rebuilder(LedgerEntry, changing)(e, D("0.00"), False, 9)
    _same(got, replace(e, remaining_amount=D("0.00"), open=False, closed_by_entry_no=9))
    assert e.remaining_amount == D("20.00")  # the input is untouched


@dataclass(frozen=True, kw_only=True)
class _NoSlots:
    a: int
    b: str = "x"


def test_records_without_slots_fall_back_to_object_setattr() -> None:
    _same(constructor(_NoSlots)(a=1), _NoSlots(a=1))

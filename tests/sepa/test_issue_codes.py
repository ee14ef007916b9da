"""Every issue code of ``xlar sepa`` (``xlar.book.sepa.CODES``), one minimal workbook case each."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.book.builders import read_sheet, write_book
from tests.sepa.test_workbook import CUSTOMERS, LEDGER, MANDATES, SETTINGS, SETUP
from xlar.book.sepa import CODES
from xlar.cli import app

runner = CliRunner()
COLLECT = ("--collection-date", "2026-01-31", "--out", "{tmp}/dd.xml")


def setup_with(**over: str) -> list[list[object]]:
    return [SETUP[0]] + [[k, over.get(k, v)] for k, v in SETUP[1:]]


def mandate_row(**over: object) -> list[object]:
    row = dict(zip(MANDATES[0], MANDATES[1], strict=True))
    row.update(over)
    return list(row.values())


CASES: dict[str, tuple[dict[str, list[list[object]]], list[tuple[str, ...]]]] = {
    "no-valid-mandate": ({}, [COLLECT]),
    "customer-blocked": ({"Customers": [CUSTOMERS[0] + ["Blocked"], CUSTOMERS[1] + ["All"]] + CUSTOMERS[2:]},
                         [COLLECT]),
    "sepa-not-euro": ({"Settings": [SETTINGS[0], ["Company Currency", "CHF"]]}, [COLLECT]),
    "bad-iban": ({"Mandates": [MANDATES[0], mandate_row(IBAN="DE89370400440532013001")]}, [COLLECT]),
    "bad-bic": ({"Mandates": [MANDATES[0], mandate_row(BIC="COBA")]}, [COLLECT]),
    "bad-creditor": ({"SEPASetup": setup_with(**{"Creditor Identifier": "DE97ZZZ09999999999"})}, [COLLECT]),
    "duplicate-mandate": ({"Mandates": MANDATES + [MANDATES[1]]}, [COLLECT]),
    "unknown-customer": ({"Mandates": [MANDATES[0], mandate_row(**{"Customer No.": "C99"})]}, [COLLECT]),
    "missing-sheet": ({"SEPASetup": None}, [COLLECT]),
    "missing-column": ({"Mandates": [[h for h in MANDATES[0] if h != "IBAN"]]}, [COLLECT]),
    "missing-value": ({"Mandates": [MANDATES[0], mandate_row(IBAN=None)]}, [COLLECT]),
    "bad-choice": ({"SEPASetup": SETUP + [["Format", "pain.008.001.99"]]}, [COLLECT]),
    "duplicate-collection": ({}, [COLLECT + ("--collection-id", "X1"),
                                  ("--collection-date", "2026-02-28", "--out", "{tmp}/b.xml", "--collection-id",
                                   "X1")]),
    "collection-date-past": ({}, [COLLECT]),
    "unknown-collection": ({}, [("--confirm", "DD0009")]),
    # INV-1 is paid by hand (xlar post) after the collection was created, then the collection is confirmed
    "debit-not-postable": ({"Journal": [["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount",
                                         "Applies-to Doc. No."], [date(2026, 1, 30), "Payment", "P1", "C1", 1000.0,
                                                                  "INV-1"]]},
                           [COLLECT, ("post",), ("--confirm", "DD0001")]),
    "unknown-debit": ({}, [("--reject", "DD0001/1")]),
    "already-rejected": ({}, [COLLECT, ("--reject", "DD0001/1"), ("--reject", "DD0001/1")]),
}


def test_every_code_has_a_case_and_every_raised_code_is_catalogued() -> None:
    assert set(CASES) == set(CODES)
    text = (Path(__file__).resolve().parents[2] / "xlar" / "book" / "sepa.py").read_text()
    text += (Path(__file__).resolve().parents[2] / "xlar" / "core" / "sepa.py").read_text()
    raised = set(re.findall(r'_issue\("([a-z-]+)"', text)) | set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"(?:, WARNING)?\)\)',
                                                                          text))
    assert raised - set(CODES) == set(), sorted(raised - set(CODES))


@pytest.mark.parametrize("code", sorted(CASES))
def test_code(code: str, tmp_path: Path) -> None:
    over, steps = CASES[code]
    sheets = {"Settings": SETTINGS, "Customers": CUSTOMERS, "Ledger": LEDGER, "Mandates": MANDATES,
              "SEPASetup": SETUP}
    sheets.update(over)
    book = write_book(tmp_path / "book.xlsx", {k: v for k, v in sheets.items() if v is not None})
    for step in steps:
        args = [step[0], str(book)] if step == ("post",) else ["sepa", str(book), *(a.format(tmp=tmp_path)
                                                                                    for a in step)]
        r = runner.invoke(app, args)
        assert r.exit_code in (0, 1), r.output
    issues = [i for i in read_sheet(book, "Issues") if i["Code"] == code]
    assert issues, [(i["Code"], i["Problem"]) for i in read_sheet(book, "Issues")]
    assert issues[-1]["Problem"]


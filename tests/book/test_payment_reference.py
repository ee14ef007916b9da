"""Payment Reference end to end on real workbooks (issue 24): generated when an invoice is posted,
typed ones validated and kept, idempotent re-posting, invalid ones named on Issues."""

from __future__ import annotations

from datetime import date

import openpyxl

from tests.book.builders import SETTINGS, read_sheet, standard, write_book
from xlar.book.commands import run_file
from xlar.core.payref import for_document, valid

D = date(2026, 1, 12)
HEAD = ["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Payment Reference"]


def _book(tmp_path, scheme, journal):
    settings = SETTINGS + [["Payment Reference Scheme", scheme]]
    return write_book(tmp_path / "book.xlsx", standard(Settings=settings, Journal=[HEAD, *journal]))


def _refs(p):
    return {r["Document No."]: r.get("Payment Reference") for r in read_sheet(p, "Ledger")}


def test_posted_invoices_get_the_schemes_reference_typed_ones_are_kept(tmp_path):
    p = _book(tmp_path, "FI", [
        [D, "Invoice", "INV-2026-00123", "C10000", 1200.0, None],
        [D, "Invoice", "INV-2026-00124", "C20000", 300.0, "1231 234"],  # typed (FFI's published 1231234)
        [D, "Payment", "PAY-7", "C20000", 100.0, None],
    ])
    o = run_file(p, "post")
    assert o.exit_code == 0 and o.lines_posted == 3, o.issues
    refs = _refs(p)
    # 202600123: 3*7 + 2*3 + 1*1 + 0 + 0 + 6*1 + 2*7 + 0 + 2*1 = 50, check digit 0
    assert refs["INV-2026-00123"] == "2026001230"
    assert refs["INV-2026-00124"] == "1231 234"  # kept as typed
    assert refs["PAY-7"] is None and refs["INV-1001"] is None  # payments and old rows get none
    # idempotent: a second post changes nothing; a new line posted later leaves the old references alone
    before = openpyxl.load_workbook(p)["Ledger"]
    cells = [[c.value for c in r] for r in before.iter_rows()]
    assert run_file(p, "post").lines_posted == 0
    assert [[c.value for c in r] for r in openpyxl.load_workbook(p)["Ledger"].iter_rows()] == cells
    wb = openpyxl.load_workbook(p)
    wb["Journal"].append([D, "Invoice", "INV-2026-00125", "C10000", 50.0, None])
    wb.save(p)
    assert run_file(p, "post").lines_posted == 1
    refs2 = _refs(p)
    assert refs2["INV-2026-00123"] == "2026001230" and refs2["INV-2026-00124"] == "1231 234"
    assert refs2["INV-2026-00125"] == for_document("FI", "INV-2026-00125") and valid("FI", refs2["INV-2026-00125"])


def test_each_scheme_generates_a_valid_reference_from_the_document_number(tmp_path):
    # check digits worked by hand: RF: "INV202600123RF00" as digits (I=18, N=23, V=31, R=27, F=15) mod 97 = 18,
    # 98 - 18 = 80; SE: length digit 11 % 10 = 1, Luhn of 2026001231 = 3; NO: Luhn of 202600123 = 6;
    # CH: recursive mod 10 of the 26-digit base = 9; BE: 0202600123 mod 97 = 6, grouped 3/4/5
    for scheme, code, want in (("RF", "RF", "RF80INV202600123"), ("SE-OCR", "SE", "20260012313"),
                               ("NO-KID", "NO", "2026001236"), ("CH-QR", "CH", "0" * 17 + "2026001239"),
                               ("BE", "BE", "+++020/2600/12306+++")):
        p = _book(tmp_path, scheme, [[D, "Invoice", "INV-2026-00123", "C10000", 10.0, None]])
        assert run_file(p, "post").lines_posted == 1
        ref = _refs(p)["INV-2026-00123"]
        assert valid(code, ref), (scheme, ref)
        assert ref == want, (scheme, ref)


def test_an_invalid_typed_reference_is_an_issue_naming_the_cell_and_the_line_is_not_posted(tmp_path):
    p = _book(tmp_path, "FI", [
        [D, "Invoice", "INV-2026-00126", "C10000", 100.0, "1231235"],  # one digit wrong
        [D, "Invoice", "INV-2026-00127", "C10000", 100.0, None],
    ])
    o = run_file(p, "check")
    [i] = [i for i in o.issues if i.code == "invalid-payment-reference"]
    assert (i.sheet, i.row, i.column, i.value) == ("Journal", 2, "Payment Reference", "1231235")
    assert "'1231235' is not a Finnish reference number" in i.problem and "Payment Reference Scheme FI" in i.problem
    o = run_file(p, "post", skip_errors=True)
    assert o.lines_posted == 1
    assert [r["Status"] for r in read_sheet(p, "Journal")] == ["Error", "Posted"]


def test_check_validates_references_typed_on_the_ledger(tmp_path):
    ledger = [["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Payment Reference"],
              ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0, "RF18 5390 0754 7034"],
              ["C20000", date(2026, 1, 10), "Invoice", "INV-1002", 500.0, "RF19 5390 0754 7034"]]
    p = write_book(tmp_path / "book.xlsx", standard(Settings=SETTINGS + [["Payment Reference Scheme", "RF"]],
                                                    Ledger=ledger, Journal=[HEAD]))
    o = run_file(p, "check")
    [i] = [i for i in o.issues if i.code == "invalid-payment-reference"]
    assert (i.sheet, i.row, i.column, i.value, i.severity.value) == (
        "Ledger", 3, "Payment Reference", "RF19 5390 0754 7034", "Warning")
    assert "is not an RF creditor reference (ISO 11649)" in i.problem
    assert o.exit_code == 0


def test_an_unknown_scheme_is_a_settings_issue(tmp_path):
    p = _book(tmp_path, "XX", [[D, "Invoice", "INV-2026-00123", "C10000", 10.0, None]])
    o = run_file(p, "check")
    [i] = [i for i in o.issues if i.sheet == "Settings"]
    assert i.value == "XX" and "Payment Reference Scheme" in i.problem

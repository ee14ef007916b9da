"""The Remittance sheet end to end: ``xlar post`` on a real .xlsx applies the payment to the listed documents."""

from __future__ import annotations

from datetime import date

from tests.book.builders import JOURNAL, LEDGER, read_sheet, standard, write_book
from xlar.book.commands import run_file

D = date(2026, 1, 12)
J = JOURNAL[0] + ["Applies-to ID"]
# C10000 pays on 2%8D terms: INV-1001 1,000.00 from Jan 5 (discount 20.00 until Jan 13); INV-1003 500.00 on 30D
BOOK_LEDGER = [LEDGER[0] + ["Payment Terms", "External Document No."],
               ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0, None, None],
               ["C10000", date(2026, 1, 5), "Invoice", "INV-1003", 500.0, "30D", "PO-77"],
               ["C20000", date(2026, 1, 10), "Invoice", "INV-1002", 500.0, None, None]]
RH = ["Remittance ID", "Customer No.", "Document No.", "Amount Paid", "Discount Taken", "Note"]
GOOD = [RH, ["RA-1", "C10000", "INV-1001", 980.0, 20.0, "2 % early payment"],
        ["RA-1", "C10000", "INV-1003", 500.0, None, None]]


def _book(tmp_path, remittance=GOOD, *lines):
    journal = [J, *(lines or [[D, "Payment", "PAY-1", "C10000", 1480.0, None, "RA-1"]])]
    return write_book(tmp_path / "book.xlsx", standard(Ledger=BOOK_LEDGER, Journal=journal, Remittance=remittance))


def test_post_applies_the_payment_to_the_remitted_documents_with_the_discount(tmp_path):
    p = _book(tmp_path)
    o = run_file(p, "post")
    assert (o.exit_code, o.result, o.lines_posted, o.errors, o.warnings) == (0, "Posted", 1, 0, 0)
    [j] = read_sheet(p, "Journal")
    assert (j["Status"], j["Posted Entry No."]) == ("Posted", 4)
    assert j["Message"] == "Applied: INV-1003 500.00; INV-1001 980.00, discount 20.00"
    ledger = {r["Document No."]: r for r in read_sheet(p, "Ledger")}
    assert [(ledger[d]["Open"], ledger[d]["Remaining Amount"]) for d in ("INV-1001", "INV-1003", "PAY-1")] == [
        (False, 0), (False, 0), (False, 0)]
    assert ledger["INV-1002"]["Open"] is True and ledger["INV-1002"]["Remaining Amount"] == 500
    assert ledger["INV-1001"]["Applies-to ID"] is None and ledger["INV-1001"]["Amount to Apply"] is None
    apps = [(a["Applied Document No."], a["Amount Applied"], a["Discount"]) for a in read_sheet(p, "Applications")]
    assert sorted(apps) == [("INV-1001", 980, 20), ("INV-1003", 500, 0)]
    gl = [(g["Account No."], g["Debit"], g["Credit"]) for g in read_sheet(p, "GLEntries")]
    assert gl == [("1200", 1480, 0), ("1100", 0, 1480), ("8400", 20, 0), ("1100", 0, 20)]
    assert run_file(p, "post").result == "Nothing to post"  # the remittance is not used twice


def test_external_document_no_column_names_the_document(tmp_path):
    rem = [["Remittance ID", "External Document No.", "Amount Paid"], ["RA-1", "PO-77", 500.0]]
    p = _book(tmp_path, rem, [D, "Payment", "PAY-1", "C10000", 500.0, None, "RA-1"])
    o = run_file(p, "post")
    assert o.result == "Posted"
    ledger = {r["Document No."]: r for r in read_sheet(p, "Ledger")}
    assert ledger["INV-1003"]["Open"] is False and ledger["INV-1001"]["Remaining Amount"] == 1000


def test_problems_point_at_the_remittance_cell_and_hold_only_that_payment(tmp_path):
    rem = [RH, ["RA-1", "C10000", "INV-1001", 980.0, 20.0, None], ["RA-1", "C10000", "INV-1002", 500.0, None, None],
           ["RA-2", "C20000", "INV-1002", 500.0, None, None]]
    p = _book(tmp_path, rem, [D, "Payment", "PAY-1", "C10000", 1480.0, None, "RA-1"],
              [D, "Payment", "PAY-2", "C20000", 500.0, None, "RA-2"])
    o = run_file(p, "post")
    assert o.exit_code == 1 and o.result == "Errors: nothing posted"
    [i] = [i for i in o.issues if i.code.startswith("remittance")]
    assert (i.sheet, i.row, i.column, i.value, i.code) == ("Remittance", 3, "Document No.", "INV-1002",
                                                           "remittance-other-customer")
    rows = read_sheet(p, "Journal")
    assert rows[0]["Status"] == "Error" and rows[0]["Message"].startswith(
        "Remittance RA-1: Document INV-1002 belongs to customer C20000")
    assert rows[1]["Status"] is None and rows[1]["Message"] == "Not posted: 1 journal line(s) have errors."
    o = run_file(p, "post", skip_errors=True)
    assert o.exit_code == 0 and o.result == "Posted, 1 line(s) skipped"
    ledger = {r["Document No."]: r for r in read_sheet(p, "Ledger")}
    assert ledger["INV-1002"]["Open"] is False and ledger["INV-1001"]["Open"] is True
    assert ledger["INV-1001"]["Applies-to ID"] is None  # the held payment marks nothing on the Ledger


def test_total_mismatch_is_an_error_on_the_payment_amount(tmp_path):
    p = _book(tmp_path, GOOD, [D, "Payment", "PAY-1", "C10000", 1500.0, None, "RA-1"])
    o = run_file(p, "check")
    [i] = [i for i in o.issues if i.code == "remittance-total-mismatch"]
    assert (i.sheet, i.row, i.column, i.value, i.severity.value) == ("Journal", 2, "Amount", 1500.0, "Error")
    assert "lists 1480.00 paid, the payment is 1500.00 (difference 20.00)" in i.problem
    assert o.exit_code == 1


def test_a_discount_the_terms_refuse_is_reported_on_the_discount_cell(tmp_path):
    late = date(2026, 1, 20)
    p = _book(tmp_path, GOOD, [late, "Payment", "PAY-1", "C10000", 1480.0, None, "RA-1"])
    o = run_file(p, "post")
    [i] = [i for i in o.issues if i.code == "remittance-discount-refused"]
    assert (i.sheet, i.row, i.column, i.value) == ("Remittance", 2, "Discount Taken", 20)
    assert o.exit_code == 1 and len(read_sheet(p, "Ledger")) == 3


def test_bad_cell_of_a_used_remittance_fails_its_payment_and_of_an_unused_one_is_a_warning(tmp_path):
    rem = GOOD + [["RA-9", "C20000", "INV-1002", "five hundred", None, None]]
    o = run_file(_book(tmp_path, rem), "post")
    assert o.result == "Posted"
    [w] = [i for i in o.issues if i.code == "bad-number"]
    assert (w.sheet, w.row, w.column, w.severity.value) == ("Remittance", 4, "Amount Paid", "Warning")
    rem = [RH, ["RA-1", "C10000", "INV-1001", "980,00", 20.0, None], GOOD[2]]
    o = run_file(_book(tmp_path, rem), "post")
    assert o.exit_code == 1
    assert sorted((i.code, i.sheet, i.row, i.severity.value) for i in o.issues) == [
        ("bad-number", "Remittance", 2, "Error"), ("remittance-unreadable", "Journal", 2, "Error")]

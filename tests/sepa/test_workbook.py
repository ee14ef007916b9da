"""xlar sepa on real .xlsx files: collect → pain.008, confirm → payments posted, reject → invoices reopen."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from tests.book.builders import read_sheet, write_book
from xlar.cli import app

runner = CliRunner()

SETTINGS = [["Setting", "Value"], ["Company Currency", "EUR"], ["Application Method", "Manual"]]
CUSTOMERS = [["Customer No.", "Name"], ["C1", "Adatum Corporation"], ["C2", "Trey Research"],
             ["C3", "Fabrikam"]]
LEDGER = [
    ["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount", "Due Date"],
    ["C1", date(2026, 1, 5), "Invoice", "INV-1", 1000.0, date(2026, 1, 31)],
    ["C1", date(2026, 1, 6), "Invoice", "INV-2", 250.5, date(2026, 1, 31)],
    ["C2", date(2026, 1, 7), "Invoice", "INV-3", 300.0, date(2026, 1, 20)],
    ["C2", date(2026, 1, 8), "Invoice", "INV-4", 80.0, date(2026, 3, 1)],  # not due yet
    ["C3", date(2026, 1, 9), "Invoice", "INV-5", 90.0, date(2026, 1, 20)],  # mandate not signed
]
MANDATES = [
    ["Mandate ID", "Customer No.", "IBAN", "BIC", "Type", "Signature Date", "Valid From", "Valid To",
     "Expected Number of Debits", "Debits Made", "Blocked", "Closed"],
    ["M-1", "C1", "DE89 3704 0044 0532 0130 00", "COBADEFFXXX", "Recurring", date(2025, 12, 1), date(2026, 1, 1),
     None, 12, 0, False, False],
    ["M-2", "C2", "FR1420041010050500013M02606", "", "One-off", date(2025, 12, 1), None, None, None, 0, False,
     False],
    ["M-3", "C3", "NL91ABNA0417164300", "ABNANL2A", "Recurring", None, None, None, None, 0, False, False],
]
SETUP = [["Setting", "Value"], ["Creditor Name", "Cronus AG"], ["Creditor Identifier", "DE98ZZZ09999999999"],
         ["Creditor IBAN", "DE02120300000000202051"], ["Creditor BIC", "BYLADEM1001"]]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book.xlsx", {"Settings": SETTINGS, "Customers": CUSTOMERS, "Ledger": LEDGER,
                                               "Mandates": MANDATES, "SEPASetup": SETUP})


def cli(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def xsd(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(resources.files("sepaxml") / "schemas" / f"{version}.xsd")))


def by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def test_collect_confirm_reject(book: Path, tmp_path: Path) -> None:
    xml = tmp_path / "dd.xml"
    r = cli("sepa", book, "--collection-date", "2026-01-31", "--out", xml)
    assert r.exit_code == 0, r.output
    assert "Collection DD0001: 3 debit(s), 1550.50 EUR" in r.output
    doc = etree.parse(str(xml))
    assert xsd("pain.008.001.02").validate(doc)
    dd = read_sheet(book, "DirectDebit")
    assert [(d["Transaction ID"], d["Document No."], d["Sequence Type"], d["Status"]) for d in dd] == [
        ("DD0001/1", "INV-1", "FRST", "File Created"), ("DD0001/2", "INV-2", "RCUR", "File Created"),
        ("DD0001/3", "INV-3", "OOFF", "File Created")]
    m = by(read_sheet(book, "Mandates"), "Mandate ID")
    assert (m["M-1"]["Debits Made"], m["M-2"]["Debits Made"], m["M-2"]["Closed"], m["M-3"]["Debits Made"]) == (
        2, 1, True, 0)
    issues = read_sheet(book, "Issues")
    assert any(i["Code"] == "no-valid-mandate" and "Date of Signature" in i["Problem"] for i in issues)
    # the same date again collects nothing: the invoices are held by the active collection
    r = cli("sepa", book, "--collection-date", "2026-01-31", "--out", tmp_path / "again.xml")
    assert r.exit_code == 0 and "Nothing to collect" in r.output and not (tmp_path / "again.xml").exists()

    r = cli("sepa", book, "--confirm", "DD0001")
    assert r.exit_code == 0, r.output
    assert "3 payment(s) posted" in r.output
    led = by(read_sheet(book, "Ledger"), "Document No.")
    assert [led[d]["Open"] for d in ("INV-1", "INV-2", "INV-3", "INV-4")] == [False, False, False, True]
    assert led["DD0001-1"]["Document Type"] == "Payment" and led["DD0001-1"]["Amount"] == -1000.0
    journal = read_sheet(book, "Journal")
    assert [(j["Document No."], j["Status"], j["Applies-to Doc. No."]) for j in journal] == [
        ("DD0001-1", "Posted", "INV-1"), ("DD0001-2", "Posted", "INV-2"), ("DD0001-3", "Posted", "INV-3")]
    gl = read_sheet(book, "GLEntries")
    assert sum(g["Debit"] or 0 for g in gl if g["Account No."] == "1200") == 1550.5
    assert {d["Status"] for d in read_sheet(book, "DirectDebit")} == {"Posted"}
    # confirming twice posts nothing
    r = cli("sepa", book, "--confirm", "DD0001")
    assert r.exit_code == 0 and "nothing to post" in r.output

    r = cli("sepa", book, "--reject", "DD0001/2", "--return-date", "2026-02-05")
    assert r.exit_code == 0, r.output
    led = by(read_sheet(book, "Ledger"), "Document No.")
    assert led["INV-2"]["Open"] is True and led["INV-2"]["Remaining Amount"] == 250.5
    assert led["DD0001-2"]["Open"] is False and led["RET-DD0001-2"]["Document Type"] == "Refund"
    apps = read_sheet(book, "Applications")
    assert any(a["Unapplied"] is True and a["Applied Document No."] == "INV-2" for a in apps)
    gl = read_sheet(book, "GLEntries")
    bank = sum((g["Debit"] or 0) - (g["Credit"] or 0) for g in gl if g["Account No."] == "1200")
    assert round(bank, 2) == 1300.0
    dd = by(read_sheet(book, "DirectDebit"), "Transaction ID")
    assert dd["DD0001/2"]["Status"] == "Rejected"
    assert by(read_sheet(book, "Mandates"), "Mandate ID")["M-1"]["Debits Made"] == 1

    # the reopened invoice is collected again (RCUR: one debit of M-1 stands), now as pain.008.001.08
    xml2 = tmp_path / "dd2.xml"
    r = cli("sepa", book, "--collection-date", "2026-02-28", "--out", xml2, "--format", "pain.008.001.08")
    assert r.exit_code == 0, r.output
    assert xsd("pain.008.001.08").validate(etree.parse(str(xml2)))
    new = [d for d in read_sheet(book, "DirectDebit") if d["Collection ID"] == "DD0002"]
    assert [(d["Document No."], d["Sequence Type"], d["Amount"]) for d in new] == [("INV-2", "RCUR", 250.5)]


def test_reject_before_posting_only_marks_and_rolls_back(book: Path, tmp_path: Path) -> None:
    assert cli("sepa", book, "--collection-date", "2026-01-31", "--out", tmp_path / "dd.xml").exit_code == 0
    r = cli("sepa", book, "--reject", "DD0001/3")
    assert r.exit_code == 0, r.output
    assert by(read_sheet(book, "DirectDebit"), "Transaction ID")["DD0001/3"]["Status"] == "Rejected"
    assert by(read_sheet(book, "Mandates"), "Mandate ID")["M-2"]["Debits Made"] == 0
    r = cli("sepa", book, "--confirm", "DD0001")
    assert "2 payment(s) posted" in r.output
    assert by(read_sheet(book, "Ledger"), "Document No.")["INV-3"]["Open"] is True


def test_bad_creditor_and_iban_stop_the_run(tmp_path: Path) -> None:
    bad_setup = [r if r[0] != "Creditor Identifier" else ["Creditor Identifier", "DE97ZZZ09999999999"] for r in SETUP]
    bad_mandates = MANDATES[:2] + [["M-2", "C2", "FR1420041010050500013M02607", "", "One-off", date(2025, 12, 1),
                                    None, None, None, 0, False, False]]
    p = write_book(tmp_path / "bad.xlsx", {"Settings": SETTINGS, "Customers": CUSTOMERS, "Ledger": LEDGER,
                                           "Mandates": bad_mandates, "SEPASetup": bad_setup})
    xml = tmp_path / "dd.xml"
    r = cli("sepa", p, "--collection-date", "2026-01-31", "--out", xml)
    assert r.exit_code == 1
    assert not xml.exists()
    codes = {i["Code"] for i in read_sheet(p, "Issues")}
    assert {"bad-creditor", "bad-iban"} <= codes
    assert read_sheet(p, "DirectDebit") == [] if "DirectDebit" in _sheets(p) else True


def _sheets(p: Path) -> list[str]:
    from openpyxl import load_workbook
    return load_workbook(p, read_only=True).sheetnames


def test_usage_errors(book: Path) -> None:
    assert cli("sepa", book).exit_code == 2
    assert cli("sepa", book, "--collection-date", "2026-01-31").exit_code == 2
    assert cli("sepa", book, "--collection-date", "31.01.2026", "--out", "x.xml").exit_code == 2


def test_collection_date_in_the_past_is_a_warning(book: Path, tmp_path: Path, monkeypatch) -> None:
    import xlar.book.sepa as sepa_book
    monkeypatch.setattr(sepa_book, "rows_today", lambda: date(2026, 2, 15))
    r = cli("sepa", book, "--collection-date", "2026-01-31", "--out", tmp_path / "dd.xml")
    assert r.exit_code == 0 and (tmp_path / "dd.xml").exists()
    assert any(i["Code"] == "collection-date-past" for i in read_sheet(book, "Issues"))
    monkeypatch.setattr(sepa_book, "rows_today", lambda: date(2026, 1, 31))
    r = cli("sepa", book, "--collection-date", "2026-02-28", "--out", tmp_path / "dd2.xml")
    assert not any(i["Code"] == "collection-date-past" and i["Run"] == 2 for i in read_sheet(book, "Issues"))

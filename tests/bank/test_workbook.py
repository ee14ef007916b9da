"""import-statement -> match -> accept -> reconcile on real .xlsx files, through the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bank.samples import camt053, csv_statement, mt940
from tests.book.builders import read_sheet, write_book
from xlar.cli import app

runner = CliRunner()

SETTINGS = [["Setting", "Value"], ["Company Currency", "EUR"], ["Application Method", "Apply to Oldest"]]
CUSTOMERS = [
    ["Customer No.", "Name", "Payment Terms", "IBAN", "Address"],
    ["C10000", "Adatum Corporation", "2%8D", "DE89 3704 0044 0532 0130 00", "Main St 1"],
    ["C20000", "Trey Research Ltd", "30D", "", ""],
    ["C30000", "Fabrikam Inc.", "30D", "", ""],
]
TERMS = [["Code", "Due Date Formula", "Discount %", "Discount Date Formula"], ["2%8D", "1M", 2, "8D"],
         ["30D", "30D", None, None]]
LEDGER = [
    ["Customer No.", "Posting Date", "Document Type", "Document No.", "Amount"],
    ["C10000", date(2026, 1, 5), "Invoice", "INV-1001", 1000.0],
    ["C20000", date(2026, 1, 10), "Invoice", "INV-1002", 500.0],
    ["C20000", date(2026, 1, 11), "Invoice", "INV-1003", 250.0],
    ["C30000", date(2026, 1, 11), "Invoice", "INV-1004", 777.0],
]
PROFILES = [["Profile", "Match Tolerance Type", "Match Tolerance Value", "Delimiter", "Decimal Separator",
             "Thousands Separator", "Date Format", "Date Column", "Amount Column", "Payer Name Column", "Text Column"],
            ["MyBank", "Amount", 2, ";", ",", ".", "%d.%m.%Y", "Buchungstag", "Betrag", "Name", "Verwendungszweck"]]
MAPPINGS = [["Mapping Text", "Source Type", "Account No.", "Description"],
            ["MyBank fee", "G/L Account", "6040", "bank charges"]]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book.xlsx", {
        "Settings": SETTINGS, "Customers": CUSTOMERS, "PaymentTerms": TERMS, "Ledger": LEDGER,
        "BankProfiles": PROFILES, "TextToAccount": MAPPINGS})


def cli(*args: object) -> object:
    r = runner.invoke(app, [str(a) for a in args])
    return r


def by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def test_camt_import_match_accept_reconcile(book: Path, tmp_path: Path) -> None:
    f = camt053(tmp_path / "stmt.xml")
    r = cli("import-statement", book, f)
    assert r.exit_code == 0, r.output
    assert "Imported 5 line(s)" in r.output
    again = cli("import-statement", book, f)
    assert again.exit_code == 0 and "Imported 0 line(s)" in again.output and "5 already imported" in again.output
    lines = read_sheet(book, "BankStatement")
    assert len(lines) == 5
    assert [ln["Line No."] for ln in lines] == [1, 2, 3, 4, 5]
    assert lines[3]["Transaction Text"] == "=HYPERLINK(\"x\") MyBank fee March"  # text stays text
    assert lines[0]["Source File"] == "stmt.xml" and lines[0]["Statement Opening Balance"] == 5000

    r = cli("match", book)
    assert r.exit_code == 0, r.output
    st = by(read_sheet(book, "BankStatement"), "Line No.")
    # IBAN + INV-1001 in the text + discounted amount 980.00 in the window: High/3
    assert (st[1]["Match Confidence"], st[1]["Matched Customer No."], st[1]["Matched Documents"],
            st[1]["Match Rule"]) == ("High", "C10000", "INV-1001", "High/3")
    # one payment, two invoices named in the text, total 750.00: Yes - Multiple, One Match
    assert st[2]["Matched Documents"] == "INV-1002, INV-1003" and st[2]["Match Confidence"] == "High"
    # no document number, name only, amount fits one entry: Partially/No/One Match -> Medium/8
    assert (st[3]["Match Confidence"], st[3]["Matched Customer No."], st[3]["Match Rule"]) == \
        ("Medium", "C30000", "Medium/8")
    assert (st[4]["Match Confidence"], st[4]["Matched Account No."], st[4]["Match Rule"]) == \
        ("High", "6040", "Text-to-Account Mapping")
    assert st[5]["Match Confidence"] == "None"
    props = read_sheet(book, "MatchProposals")
    first = next(p for p in props if p["Line No."] == 1 and p["Rank"] == 1)
    assert first["Score"] == 3997 and first["Related Party"] == "Fully" and "IBAN" in first["Explanation"]

    r = cli("accept", book, "--min-confidence", "High")
    assert r.exit_code == 0, r.output
    assert "Posted 3 statement line(s)" in r.output
    ledger = by(read_sheet(book, "Ledger"), "Document No.")
    assert ledger["INV-1001"]["Remaining Amount"] == 0 and ledger["INV-1001"]["Open"] is False
    assert ledger["INV-1002"]["Remaining Amount"] == 0 and ledger["INV-1003"]["Remaining Amount"] == 0
    assert ledger["INV-1004"]["Remaining Amount"] == 777
    apps = read_sheet(book, "Applications")
    assert [(a["Applied Document No."], a["Amount Applied"], a["Discount"]) for a in apps][:1] == [
        ("INV-1001", 980, 20)]
    gl = read_sheet(book, "GLEntries")
    assert ("6040", 12.5) in {(g["Account No."], g["Debit"]) for g in gl}
    assert sum(g["Debit"] or 0 for g in gl) == pytest.approx(sum(g["Credit"] or 0 for g in gl))
    journal = read_sheet(book, "Journal")
    assert [j["Status"] for j in journal] == ["Posted", "Posted"]
    st = by(read_sheet(book, "BankStatement"), "Line No.")
    assert [st[n]["Status"] for n in (1, 2, 3, 4)] == ["Posted", "Posted", None, "Posted"]
    bank = read_sheet(book, "BankLedger")
    assert sorted(b["Amount"] for b in bank) == [-12.5, 750, 980]
    # a second accept posts nothing twice
    r = cli("accept", book)
    assert r.exit_code == 0 and "Nothing to accept" in r.output

    # not complete: lines 3 and 5 are not posted yet
    r = cli("reconcile", book, "--statement", "STMT-1")
    assert r.exit_code == 1 and "Not reconciled" in r.output
    rec = read_sheet(book, "BankReconciliation", header_row=13)
    assert {r_["Section"] for r_ in rec} >= {"Matched", "Unmatched statement line"}

    # the user matches line 3 by hand; line 5 (interest) is posted to G/L by hand too
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["BankStatement"]
    head = [c.value for c in ws[1]]
    row3 = next(r_ for r_ in range(2, ws.max_row + 1) if ws.cell(r_, head.index("Line No.") + 1).value == 3)
    row5 = next(r_ for r_ in range(2, ws.max_row + 1) if ws.cell(r_, head.index("Line No.") + 1).value == 5)
    ws.cell(row3, head.index("Match Confidence") + 1).value = "Manual"
    ws.cell(row5, head.index("Match Confidence") + 1).value = "Manual"
    ws.cell(row5, head.index("Matched Account No.") + 1).value = "8600"
    wb.save(book)
    r = cli("accept", book)
    assert r.exit_code == 0 and "Posted 2 statement line(s)" in r.output, r.output
    learned = read_sheet(book, "TextToAccount")
    assert learned[-1]["Mapping Text"] == "FABRIKM INC" and learned[-1]["Account No."] == "C30000"
    assert learned[-1]["Learned"] is True
    r = cli("reconcile", book, "--statement", "STMT-1")
    assert r.exit_code == 0, r.output
    summary = {row[0].value: row[1].value for row in openpyxl.load_workbook(book)["BankReconciliation"].iter_rows(
        max_row=11) if row[0].value}
    assert summary["Statement Ending Balance"] == 7499.5 and summary["Difference"] == 0
    assert summary["Status"] == "Complete"
    assert all(b["Open"] is False for b in read_sheet(book, "BankLedger"))


def test_learned_mapping_matches_next_time(book: Path, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["TextToAccount"]
    ws.append(["F. Inc Holding", "Customer", "C30000", "learned", True])
    wb.save(book)
    f = csv_statement(tmp_path / "june.csv", [("03.06.2026", "777,00", "F. Inc Holding", "payment")])
    assert cli("import-statement", book, f, "--profile", "MyBank").exit_code == 0
    assert cli("match", book).exit_code == 0
    st = read_sheet(book, "BankStatement")[0]
    assert (st["Statement No."], st["Matched Customer No."], st["Match Confidence"], st["Match Rule"]) == (
        "june", "C30000", "High", "High/8")


def test_mt940_import_and_balance_check(book: Path, tmp_path: Path) -> None:
    f = mt940(tmp_path / "s.sta")
    r = cli("import-statement", book, f)
    assert r.exit_code == 0, r.output
    lines = read_sheet(book, "BankStatement")
    assert [(ln["Amount"], ln["Payer Name"], ln["Payer IBAN"]) for ln in lines] == [
        (1000, "ADATUM CORPORATION", "DE89370400440532013000"), (-12.5, None, None)]
    assert lines[0]["Transaction Text"] == "INV-1001 thanks"
    bad = mt940(tmp_path / "bad.sta", closing="5900,00")
    before = book.read_bytes()
    r = cli("import-statement", book, bad)
    assert r.exit_code == 1 and "closing balance" in r.output
    assert book.read_bytes() == before


def test_csv_profile_keeps_identical_lines(book: Path, tmp_path: Path) -> None:
    f = csv_statement(tmp_path / "s.csv", [("03.06.2026", "1.000,00", "Adatum", "INV-1001"),
                                           ("03.06.2026", "50,00", "Trey", "fee"),
                                           ("03.06.2026", "50,00", "Trey", "fee")])
    r = cli("import-statement", book, f, "--profile", "MyBank", "--statement", "S-CSV")
    assert r.exit_code == 0, r.output
    rows = read_sheet(book, "BankStatement")
    assert [(x["Line No."], x["Amount"], x["Source Line"]) for x in rows] == [(1, 1000, 2), (2, 50, 3), (3, 50, 4)]
    assert cli("import-statement", book, f, "--profile", "MyBank", "--statement", "S-CSV").exit_code == 0
    assert len(read_sheet(book, "BankStatement")) == 3


def test_bad_camt_balances_refused(book: Path, tmp_path: Path) -> None:
    f = camt053(tmp_path / "bad.xml", closing="9999.00")
    before = book.read_bytes()
    r = cli("import-statement", book, f)
    assert r.exit_code == 1 and "closing balance is 9999.00" in r.output
    assert book.read_bytes() == before


def _set(book: Path, sheet: str, key: str, values: dict[object, dict[str, object]]) -> None:
    """Type values into ``sheet``'s rows found by column ``key`` (what the user does in Excel)."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    head = [c.value for c in ws[1]]
    for r_ in range(2, ws.max_row + 1):
        row = values.get(ws.cell(r_, head.index(key) + 1).value)
        for col, v in (row or {}).items():
            if col not in head:
                head.append(col)
                ws.cell(1, len(head)).value = col
            ws.cell(r_, head.index(col) + 1).value = v
    wb.save(book)


def test_transfer_difference_to_account(book: Path, tmp_path: Path) -> None:
    # 488.00 for INV-1002 (500.00): 12.00 of fees deducted; 260.00 for INV-1003 (250.00): 10.00 too much;
    # 40.00 nobody's: all of it to an account
    f = csv_statement(tmp_path / "s.csv", [("03.02.2026", "488,00", "Trey Research Ltd", "INV-1002"),
                                           ("03.02.2026", "260,00", "Trey Research Ltd", "INV-1003"),
                                           ("03.02.2026", "40,00", "Unknown", "refund")])
    assert cli("import-statement", book, f, "--profile", "MyBank", "--statement", "D").exit_code == 0
    assert cli("match", book).exit_code == 0
    st = by(read_sheet(book, "BankStatement"), "Line No.")
    assert [(st[n]["Match Rule"], st[n]["Matched Documents"]) for n in (1, 2)] == [
        ("Medium/2", "INV-1002"), ("Medium/2", "INV-1003")]
    # nothing is High: accept posts nothing until the user sends the differences to accounts
    assert "Nothing to accept" in cli("accept", book).output
    _set(book, "BankStatement", "Line No.", {1: {"Difference Account": "6040"}, 2: {"Difference Account": "8420"},
                                             3: {"Difference Account": "8600"}})
    r = cli("accept", book)
    assert r.exit_code == 0 and "Posted 3 statement line(s)" in r.output, r.output
    ledger = by(read_sheet(book, "Ledger"), "Document No.")
    assert (ledger["INV-1002"]["Remaining Amount"], ledger["INV-1002"]["Open"]) == (0, False)
    assert (ledger["INV-1003"]["Remaining Amount"], ledger["INV-1003"]["Open"]) == (0, False)
    payments = {r_["Document No."]: r_["Amount"] for r_ in read_sheet(book, "Ledger") if r_["Document Type"] == "Payment"}
    assert payments == {"D-1": -500, "D-2": -250}
    gl = [(g["Document No."], g["Account No."], g["Debit"] or 0, g["Credit"] or 0) for g in read_sheet(book, "GLEntries")]
    assert sorted(gl) == sorted([
        ("D-1", "1200", 500, 0), ("D-1", "1100", 0, 500), ("D-1", "6040", 12, 0), ("D-1", "1200", 0, 12),
        ("D-2", "1200", 250, 0), ("D-2", "1100", 0, 250), ("D-2", "1200", 10, 0), ("D-2", "8420", 0, 10),
        ("D-3", "1200", 40, 0), ("D-3", "8600", 0, 40)])
    # the bank side of each line nets to its statement amount, one bank ledger entry per line
    for doc, amount in (("D-1", 488), ("D-2", 260), ("D-3", 40)):
        assert sum(d - c for n, a, d, c in gl if n == doc and a == "1200") == amount
    assert sorted(b["Amount"] for b in read_sheet(book, "BankLedger")) == [40, 260, 488]


def test_direct_debit_collection_is_matched_and_marked_posted(book: Path, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    dd = wb.create_sheet("DirectDebit")
    dd.append(["Collection ID", "Transaction ID", "Entry No.", "Customer No.", "Customer Name", "Document No.",
               "Mandate ID", "IBAN", "BIC", "Signature Date", "Transfer Date", "Amount", "Currency",
               "Sequence Type", "Status"])
    dd.append(["DD0001", "DD0001/4", 4, "C30000", "Fabrikam Inc.", "INV-1004", "MD-30", "DE89370400440532013000",
               "", date(2025, 12, 1), date(2026, 2, 10), 777.0, "EUR", "FRST", "File Created"])
    wb.save(book)
    # the bank's CAMT.053 line for the debit: its own name and text, the EndToEndId, no invoice number
    f = camt053(tmp_path / "dd.xml", closing="5777.00",
                entries=[("777.00", "CRDT", "SEPA DD SETTLEMENT", "", "SEPA Lastschrift Einzug", "DD0001/4")])
    assert cli("import-statement", book, f).exit_code == 0
    assert read_sheet(book, "BankStatement")[0]["Reference"] == "DD0001/4"
    assert cli("match", book).exit_code == 0
    st = read_sheet(book, "BankStatement")[0]
    assert (st["Match Confidence"], st["Match Rule"], st["Matched Customer No."], st["Matched Documents"],
            st["Match Score"]) == ("High", "Direct Debit Collection", "C30000", "INV-1004", 4000)
    r = cli("accept", book)
    assert r.exit_code == 0 and "Posted 1 statement line(s)" in r.output, r.output
    assert by(read_sheet(book, "Ledger"), "Document No.")["INV-1004"]["Open"] is False
    debit = read_sheet(book, "DirectDebit")[0]
    assert (debit["Status"], debit["Payment Document No."]) == ("Posted", "STMT-1-1")
    # matched again (say, the file came twice): the debit is Posted, the line says so and is not posted again
    wb = openpyxl.load_workbook(book)
    ws = wb["BankStatement"]
    head = [c.value for c in ws[1]]
    row = {"Statement No.": "STMT-1", "Line No.": 2, "Transaction Date": date(2026, 2, 12), "Amount": 777.0,
           "Payer Name": "SEPA DD SETTLEMENT", "Transaction Text": "again", "Reference": "DD0001/4"}
    ws.append([row.get(h) for h in head])
    wb.save(book)
    assert cli("match", book).exit_code == 0
    st = by(read_sheet(book, "BankStatement"), "Line No.")[2]
    assert (st["Match Confidence"], st["Match Rule"]) == ("None", "Direct Debit Collection")
    assert "Nothing to accept" in cli("accept", book).output

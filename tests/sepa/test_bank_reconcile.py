"""SEPA money through the bank on a real .xlsx, through the CLI: collect → confirm (BankLedger entries) →
the bank statement with the collection → match / accept (nothing posted twice) → reconcile (difference 0),
then a returned debit: reject (negative BankLedger entry) → the return on the next statement → reconcile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.book.builders import read_sheet, write_book
from tests.sepa.test_workbook import CUSTOMERS, LEDGER, MANDATES, SETTINGS, SETUP, by, cli

BATCH = """<NtryDtls><Btch><MsgId>{ref}</MsgId><NbOfTxs>3</NbOfTxs></Btch></NtryDtls>
        <AddtlNtryInf>SEPA CORE SAMMLER-GUTSCHRIFT</AddtlNtryInf>"""
SINGLE = """<NtryDtls><TxDtls><Refs><EndToEndId>{ref}</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>"""


def camt(path: Path, stmt: str, opening: str, closing: str, day: str,
         entries: list[tuple[str, str, str, str, str, str]]) -> Path:
    """A CAMT.053 statement; ``entries``: (amount, CRDT/DBIT, BATCH or SINGLE, reference, party, text)."""
    body = "".join(f"""
      <Ntry><Amt Ccy="EUR">{amt}</Amt><CdtDbtInd>{cd}</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>
        {kind.format(ref=ref, name=name, text=text)}
      </Ntry>""" for amt, cd, kind, ref, name, text in entries)
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
  <GrpHdr><MsgId>{stmt}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>{stmt}</Id>
    <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>
    <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <Dt><Dt>{day}</Dt></Dt></Bal>
    <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <Dt><Dt>{day}</Dt></Dt></Bal>{body}
  </Stmt></BkToCstmrStmt></Document>""", encoding="utf-8")
    return path


def january(tmp_path: Path) -> Path:
    """The bank credits collection DD0001 as one batch (1 550.50), and Trey Research pays INV-4 by transfer."""
    return camt(tmp_path / "jan.xml", "S-2026-01", "10000.00", "11630.50", "2026-01-31", [
        ("1550.50", "CRDT", BATCH, "DD0001", "", ""),
        ("80.00", "CRDT", SINGLE, "NOTPROVIDED", "Trey Research", "INV-4 thank you")])


def february(tmp_path: Path) -> Path:
    """The bank takes DD0001/2 (250.50) back: the debtor's bank returned it."""
    return camt(tmp_path / "feb.xml", "S-2026-02", "11630.50", "11380.00", "2026-02-05", [
        ("250.50", "DBIT", SINGLE, "DD0001/2", "Adatum Corporation", "RETURN MD06")])


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book.xlsx", {"Settings": SETTINGS, "Customers": CUSTOMERS, "Ledger": LEDGER,
                                               "Mandates": MANDATES, "SEPASetup": SETUP})


def bank_gl(book: Path) -> float:
    return round(sum((g["Debit"] or 0) - (g["Credit"] or 0) for g in read_sheet(book, "GLEntries")
                     if g["Account No."] == "1200"), 2)


def bank_ledger(book: Path) -> list[tuple]:
    return [(b["Entry No."], b["Posting Date"].date(), b["Document No."], b["Amount"], b["Open"], b["Statement No."],
             b["Statement Line No."]) for b in read_sheet(book, "BankLedger")]


def test_collection_reaches_the_bank_ledger_and_reconciles(book: Path, tmp_path: Path) -> None:
    assert cli("sepa", book, "--collection-date", "2026-01-31", "--out", tmp_path / "dd.xml").exit_code == 0
    r = cli("sepa", book, "--confirm", "DD0001")
    assert r.exit_code == 0, r.output
    assert "3 payment(s) posted, 1550.50 EUR; 3 open bank ledger entries" in r.output
    jan31 = date(2026, 1, 31)
    assert bank_ledger(book) == [(1, jan31, "DD0001-1", 1000, True, None, None),
                                 (2, jan31, "DD0001-2", 250.5, True, None, None),
                                 (3, jan31, "DD0001-3", 300, True, None, None)]
    assert read_sheet(book, "BankLedger")[1]["Description"] == (
        "Direct debit DD0001/2, collection DD0001, mandate M-1, INV-2")
    assert bank_gl(book) == 1550.5 == sum(b[3] for b in bank_ledger(book))

    # the January statement: the collection as one batch credit, and a transfer
    r = cli("import-statement", book, january(tmp_path))
    assert r.exit_code == 0 and "Imported 2 line(s)" in r.output, r.output
    st = read_sheet(book, "BankStatement")
    assert [(s["Amount"], s["Reference"]) for s in st] == [(1550.5, "DD0001"), (80, None)]
    assert cli("match", book).exit_code == 0
    st = by(read_sheet(book, "BankStatement"), "Line No.")
    assert (st[1]["Match Confidence"], st[1]["Match Rule"], st[1]["Matched Customer No."], st[1]["Matched Documents"],
            st[1]["Difference"]) == ("High", "Direct Debit Collection", None, "DD0001-1, DD0001-2, DD0001-3", 0)
    assert (st[2]["Match Confidence"], st[2]["Matched Documents"]) == ("High", "INV-4")
    prop = next(p for p in read_sheet(book, "MatchProposals") if p["Line No."] == 1)
    assert "entries 1, 2, 3 (1550.50)" in prop["Explanation"] and "posts nothing" in prop["Explanation"]

    journal, payments = len(read_sheet(book, "Journal")), len(read_sheet(book, "Ledger"))
    r = cli("accept", book)
    assert r.exit_code == 0, r.output
    assert "Posted 1 statement line(s); 1 line(s) already posted by xlar sepa linked" in r.output
    assert len(read_sheet(book, "Journal")) == journal + 1  # the transfer only
    assert len(read_sheet(book, "Ledger")) == payments + 1
    assert bank_gl(book) == 1630.5 == sum(b[3] for b in bank_ledger(book))
    assert bank_ledger(book) == [(1, jan31, "DD0001-1", 1000, True, "S-2026-01", 1),
                                 (2, jan31, "DD0001-2", 250.5, True, "S-2026-01", 1),
                                 (3, jan31, "DD0001-3", 300, True, "S-2026-01", 1),
                                 (4, jan31, "S-2026-01-2", 80, True, "S-2026-01", 2)]
    st = by(read_sheet(book, "BankStatement"), "Line No.")
    assert (st[1]["Status"], st[1]["Posted Document No."]) == ("Posted", "DD0001-1, DD0001-2, DD0001-3")
    assert "Nothing to accept" in cli("accept", book).output

    r = cli("reconcile", book, "--statement", "S-2026-01")
    assert r.exit_code == 0 and "Reconciled statement S-2026-01: difference 0.00" in r.output, r.output
    assert [b[4] for b in bank_ledger(book)] == [False] * 4
    assert {s["Status"] for s in read_sheet(book, "BankStatement")} == {"Reconciled"}

    # DD0001/2 comes back: the refund takes 250.50 out of the bank, a negative bank ledger entry
    r = cli("sepa", book, "--reject", "DD0001/2", "--return-date", "2026-02-05")
    assert r.exit_code == 0, r.output
    assert bank_ledger(book)[4] == (5, date(2026, 2, 5), "RET-DD0001-2", -250.5, True, None, None)
    assert read_sheet(book, "BankLedger")[4]["Description"] == (
        "Returned direct debit DD0001/2, collection DD0001, mandate M-1, INV-2")
    assert bank_gl(book) == 1380.0 == round(sum(b[3] for b in bank_ledger(book)), 2)
    inv2 = by(read_sheet(book, "Ledger"), "Document No.")["INV-2"]
    assert (inv2["Open"], inv2["Remaining Amount"]) == (True, 250.5)

    # the February statement shows the return: recognised, not posted, reconciled
    assert cli("import-statement", book, february(tmp_path)).exit_code == 0
    assert cli("match", book).exit_code == 0
    st = by(read_sheet(book, "BankStatement"), "Statement No.")["S-2026-02"]
    assert (st["Match Confidence"], st["Match Rule"], st["Matched Customer No."], st["Matched Documents"]) == (
        "High", "Direct Debit Collection", "C1", "RET-DD0001-2")
    journal = len(read_sheet(book, "Journal"))
    r = cli("accept", book)
    assert r.exit_code == 0 and "Posted nothing; 1 line(s) already posted by xlar sepa linked" in r.output
    assert len(read_sheet(book, "Journal")) == journal and bank_gl(book) == 1380.0
    r = cli("reconcile", book, "--statement", "S-2026-02")
    assert r.exit_code == 0 and "difference 0.00" in r.output, r.output
    assert bank_ledger(book)[4][4:] == (False, "S-2026-02", 1)


def collected_and_credited(book: Path, tmp_path: Path, credited: str) -> None:
    """Collect and confirm DD0001 (1,550.50), then import a statement whose one line credits
    ``credited`` for the batch."""
    assert cli("sepa", book, "--collection-date", "2026-01-31", "--out", tmp_path / "dd.xml").exit_code == 0
    assert cli("sepa", book, "--confirm", "DD0001").exit_code == 0
    closing = str(Decimal("10000.00") + Decimal(credited))
    f = camt(tmp_path / "s.xml", "S-2026-01", "10000.00", closing, "2026-01-31", [
        (credited, "CRDT", BATCH, "DD0001", "", "")])
    assert cli("import-statement", book, f).exit_code == 0


def test_a_collection_line_that_does_not_add_up_is_never_posted(book: Path, tmp_path: Path) -> None:
    collected_and_credited(book, tmp_path, "1540.50")
    assert cli("match", book).exit_code == 0
    (st,) = read_sheet(book, "BankStatement")
    assert (st["Match Confidence"], st["Match Rule"]) == ("None", "Direct Debit Collection")
    gl = len(read_sheet(book, "GLEntries"))
    r = cli("accept", book)
    assert r.exit_code == 0 and "Nothing to accept" in r.output
    assert len(read_sheet(book, "GLEntries")) == gl
    issue = next(i for i in read_sheet(book, "Issues") if i["Code"] == "direct-debit-already-posted")
    assert "add up to 1550.50, the line is 1540.50" in issue["Problem"]
    r = cli("reconcile", book, "--statement", "S-2026-01")
    assert r.exit_code == 1 and "not matched" in r.output


def test_reconcile_alone_ties_the_collection_line_to_its_entries(book: Path, tmp_path: Path) -> None:
    # no match / accept: reconcile itself finds the entries the batch line stands for
    collected_and_credited(book, tmp_path, "1550.50")
    gl = len(read_sheet(book, "GLEntries"))
    r = cli("reconcile", book, "--statement", "S-2026-01")
    assert r.exit_code == 0 and "Reconciled statement S-2026-01: difference 0.00" in r.output, r.output
    assert [b[4:] for b in bank_ledger(book)] == [(False, "S-2026-01", 1)] * 3
    assert read_sheet(book, "BankStatement")[0]["Status"] == "Reconciled"
    assert len(read_sheet(book, "GLEntries")) == gl
    # the reconciled line is never matched or posted afterwards
    assert "Matched 0 line(s)" in cli("match", book).output
    assert "Nothing to accept" in cli("accept", book).output

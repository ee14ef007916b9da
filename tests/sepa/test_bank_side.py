"""The bank side of SEPA in the core: bank ledger entries of confirmed and returned debits, and statement
lines recognised as money already posted (matched High, never posted again, reconciled to difference 0)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from lxml import etree

from tests.sepa.helpers import CREDITOR, D, book, mandate
from xlar.book.sepa_xml import pain008
from xlar.core.bank import BankLedgerEntry, Confidence, StatementLine
from xlar.core.match import (
    DIRECT_DEBIT_RULE,
    DIRECT_DEBIT_SCORE,
    MatchSettings,
    OpenItemIndex,
    Party,
    match_line,
)
from xlar.core.reconcile import reconcile
from xlar.core.sepa import (
    BookedDebits,
    DebitStatus,
    bank_entries,
    batch_ids,
    create_collection,
    payment_lines,
    refund_line,
)
from xlar.core.settle import post_journal, unapply

JAN31 = date(2024, 1, 31)
BANK = "1200"


def confirmed():
    """Three debits of two customers (C1 on M-1: FRST 500.00, RCUR 120.00; C2 on M-2: FRST 300.00), posted
    as report 1201 does; returns the book after posting, the debits and their bank entries."""
    b = book(("C1", "INV-1", "2024-01-20", "500.00"), ("C2", "INV-2", "2024-01-25", "300.00"),
             ("C1", "INV-3", "2024-01-31", "120.00"), customers=("C1", "C2"))
    mandates = [mandate("M-1", "C1"), mandate("M-2", "C2", iban="FR1420041010050500013M02606")]
    col = create_collection(b, mandates, JAN31, collection_id="DD0001")
    lines, issues = payment_lines(b, col.entries)
    assert not issues and len(lines) == 3
    s = post_journal(replace(b, journal=tuple(ln for _, ln in lines)))
    assert s.posted, s.issues
    entries = bank_entries(lines, s.new_gl, BANK, first_entry_no=7)
    debits = [replace(d, status=DebitStatus.POSTED, payment_document_no=ln.document_no) for d, ln in lines]
    return replace(b, ledger=s.ledger, gl=s.new_gl, applications=s.new_applications), debits, entries


def line(amount: str, ref: str = "", text: str = "", no: int = 1, day: date = JAN31) -> StatementLine:
    return StatementLine(statement_no="S1", line_no=no, transaction_date=day, amount=D(amount), reference=ref,
                         text=text, opening_balance=D("1000.00"))


def test_confirm_gives_one_open_bank_entry_per_debit_equal_to_the_bank_gl() -> None:
    b, _, entries = confirmed()
    assert [(e.entry_no, e.posting_date, e.document_no, e.amount, e.open, e.statement_no) for e in entries] == [
        (7, JAN31, "DD0001-1", D("500.00"), True, ""), (8, JAN31, "DD0001-3", D("120.00"), True, ""),
        (9, JAN31, "DD0001-2", D("300.00"), True, "")]
    assert entries[0].description == "Direct debit DD0001/1, collection DD0001, mandate M-1, INV-1"
    for e in entries:  # Dr Bank = the bank ledger entry, Cr Receivables the same; balanced per document
        gl = [g for g in b.gl if g.document_no == e.document_no]
        assert sum(g.debit - g.credit for g in gl if g.account_no == BANK) == e.amount
        assert sum(g.credit for g in gl if g.account_no == "1100") == e.amount
        assert sum(g.debit for g in gl) == sum(g.credit for g in gl)


def test_reject_refund_is_a_negative_bank_entry() -> None:
    b, debits, _ = confirmed()
    d = debits[2]  # DD0001/2, C2, 300.00: its application undone first, as xlar sepa --reject does
    (app,) = [a for a in b.applications if a.applying_document_no == "DD0001-2"]
    u = unapply(b, app.application_no, posting_date=date(2024, 2, 5))
    assert u.posted, u.issues
    ln = refund_line(d, date(2024, 2, 5), 99)
    s = post_journal(replace(b, ledger=u.ledger, applications=(*b.applications, *u.new_applications),
                             journal=(ln,)))
    assert s.posted, s.issues
    (e,) = bank_entries([(d, ln)], s.new_gl, BANK, first_entry_no=10)
    assert (e.posting_date, e.document_no, e.amount, e.open) == (date(2024, 2, 5), "RET-DD0001-2", D("-300.00"),
                                                                 True)
    assert e.description.startswith("Returned direct debit DD0001/2, collection DD0001, mandate M-2")
    assert sum(g.debit - g.credit for g in s.new_gl if g.account_no == BANK) == D("-300.00")


def test_a_line_for_the_whole_collection_is_its_entries_and_reconciles_to_zero() -> None:
    b, debits, entries = confirmed()
    booked = BookedDebits(debits, entries)
    ln = line("920.00", text="SEPA COLLECTION MSGID:DD0001")
    found = booked.find(ln)
    assert found is not None and found.name == "DD0001"
    assert sorted(e.entry_no for e in found.entries) == [7, 8, 9] and found.total == D("920.00")
    idx = OpenItemIndex(b.ledger, [Party(customer_no="C1", name="Customer C1")], [], debits, booked)
    (p,) = match_line(ln, idx, MatchSettings())
    assert (p.confidence, p.rule, p.score, p.customer_no, p.applied_amount, p.difference) == (
        Confidence.HIGH, DIRECT_DEBIT_RULE, DIRECT_DEBIT_SCORE, "", D("920.00"), D("0"))
    assert sorted(p.documents) == ["DD0001-1", "DD0001-2", "DD0001-3"]
    assert "posts nothing" in p.explanation
    # accept links the entries to the line; reconcile then matches the three entries to the one line
    linked = [replace(e, statement_no="S1", statement_line_no=1) for e in found.entries]
    rec = reconcile("S1", [replace(ln, ending_balance=D("1920.00"))], linked)
    assert rec.complete, rec.problems
    assert (rec.book_balance, rec.bank_account_balance, rec.difference) == (D("1920.00"), D("1920.00"), D("0"))
    assert sorted(rec.matches) == [(1, 7), (1, 8), (1, 9)]
    # without the link the one line does not match three entries one by one
    rec = reconcile("S1", [replace(ln, ending_balance=D("1920.00"))], entries)
    assert not rec.complete and rec.unmatched_lines


def test_a_batch_line_by_its_payment_information_id() -> None:
    _, debits, entries = confirmed()
    ids = batch_ids(debits)
    # as the pain.008 numbers them: one PmtInf per (date, sequence type), FRST before RCUR
    assert {k: [d.transaction_id for d in v] for k, v in ids.items()} == {
        "DD0001-1": ["DD0001/1", "DD0001/2"], "DD0001-2": ["DD0001/3"]}
    # the same ids and debits as the file the bank received
    xml = etree.fromstring(pain008(CREDITOR, debits, message_id="DD0001", created=datetime(2024, 1, 30)))
    in_file = {p.findtext("{*}PmtInfId"): [e.text for e in p.iterfind(".//{*}EndToEndId")]
               for p in xml.iterfind(".//{*}PmtInf")}
    assert in_file == {k: [d.transaction_id for d in v] for k, v in ids.items()}
    found = BookedDebits(debits, entries).find(line("800.00", ref="DD0001-1"))
    assert found is not None and sorted(e.document_no for e in found.entries) == ["DD0001-1", "DD0001-2"]


def test_a_single_debit_line_and_a_line_that_does_not_add_up() -> None:
    _, debits, entries = confirmed()
    booked = BookedDebits(debits, entries)
    found = booked.find(line("300.00", ref="DD0001/2"))
    assert found is not None and [e.entry_no for e in found.entries] == [9]
    found = booked.find(line("900.00", text="DD0001"))
    assert found is not None and not found.entries and "add up to 920.00, the line is 900.00" in found.problem
    # an entry already linked to another statement line is not taken again
    taken = [replace(e, statement_no="S0", statement_line_no=4) if e.entry_no == 9 else e for e in entries]
    found = BookedDebits(debits, taken).find(line("300.00", ref="DD0001/2"))
    assert found is not None and not found.entries and "no open bank ledger entry for DD0001/2" in found.problem
    # money not from a debit is not touched
    assert booked.find(line("300.00", text="INV-2 thanks")) is None


def test_a_collection_returned_in_part_credits_the_rest() -> None:
    _, debits, entries = confirmed()
    returned = [replace(d, status=DebitStatus.REJECTED) if d.transaction_id == "DD0001/3" else d for d in debits]
    refund = BankLedgerEntry(entry_no=10, posting_date=date(2024, 2, 5), document_no="RET-DD0001-3",
                             amount=D("-120.00"))
    booked = BookedDebits(returned, [*entries, refund])
    # the bank credited the whole collection, then debited the return: both lines are the entries
    assert booked.find(line("920.00", text="DD0001")).total == D("920.00")  # type: ignore[union-attr]
    back = booked.find(line("-120.00", ref="DD0001/3", no=2))
    assert back is not None and [e.entry_no for e in back.entries] == [10]
    # a bank that nets the return into the credit: the debits not returned add up
    assert booked.find(line("800.00", text="DD0001")).total == D("800.00")  # type: ignore[union-attr]


def test_debits_not_posted_yet_are_left_to_the_direct_debit_rule() -> None:
    b, debits, _ = confirmed()
    created = [replace(d, status=DebitStatus.FILE_CREATED, payment_document_no="") for d in debits]
    booked = BookedDebits(created, [])
    assert booked.find(line("500.00", ref="DD0001/1")) is None
    found = booked.find(line("920.00", text="DD0001"))
    assert found is not None and not found.debits
    assert "run xlar sepa --confirm DD0001 first" in found.problem
    idx = OpenItemIndex(b.ledger, [], [], created, booked)
    (p,) = match_line(line("920.00", text="DD0001"), idx)
    assert (p.confidence, p.rule) == (Confidence.NONE, DIRECT_DEBIT_RULE)


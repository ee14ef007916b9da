"""BC-SEPA-01 through the core (registered in ``tests/domain/test_examples.py``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from tests.domain.harness import gl_multiset, gl_of
from xlar.core.bank import StatementLine
from xlar.core.model import Book, Customer, DocumentType, Settings
from xlar.core.reconcile import reconcile
from xlar.core.sepa import (
    BookedDebits,
    Creditor,
    DebitStatus,
    Mandate,
    MandateType,
    bank_entries,
    create_collection,
    creditor_id_problem,
    payment_lines,
)
from xlar.core.settle import post_journal
from xlar.core.terms import new_entry

D = Decimal


def bc_sepa_01(ex: dict) -> None:
    setup, exp = ex["setup"], ex["expected"]
    raw = setup["mandate"]
    m = Mandate(mandate_id=raw["id"], customer_no="C", iban="DE89370400440532013000", bic="COBADEFFXXX",
                type=MandateType(raw["type_of_payment"]), signature_date=date.fromisoformat(raw["date_of_signature"]),
                valid_from=date.fromisoformat(raw["valid_from"]), expected_debits=raw["expected_number_of_debits"],
                debits_made=raw["debit_counter"])
    bank = setup["company_bank"]
    creditor = Creditor(name="CRONUS", creditor_id=bank["creditor_no"], iban=bank["iban"], bic=bank["swift"])
    assert creditor_id_problem(creditor.creditor_id) == ""
    book = Book(settings=Settings(), customers=(Customer(customer_no="C", name="Customer C"),))
    inv = ex["entries"][0]
    book = replace(book, ledger=(new_entry(book=book, entry_no=1, customer_no="C", document_type=DocumentType.INVOICE,
                                           document_no=inv["doc_no"], posting_date=date(2024, 1, 1),
                                           amount=D(inv["amount"]), due_date=date.fromisoformat(inv["due_date"])),))
    # 1: create the collection and export it
    day = date.fromisoformat(ex["actions"][0]["transfer_date"])
    col = create_collection(book, [m], day, collection_id="DD0001")
    (entry,) = col.entries
    ce = exp["collection_entry"]
    assert (entry.amount, entry.transfer_date, entry.sequence_type.value, entry.status.value) == (
        D(ce["transfer_amount"]), date.fromisoformat(ce["transfer_date"]), ce["sequence_type"],
        ce["status_after_export"])
    from xlar.book.sepa_xml import pain008
    assert b"<SeqTp>FRST</SeqTp>" in pain008(creditor, col.entries, message_id="DD0001", created=datetime(2024, 1, 30))
    # 2: post payment receipts: a Payment journal line applied to the invoice, posted normally
    ((_, line),) = payment_lines(book, col.entries)[0]
    jl = exp["posting"]["journal_line"]
    assert line.document_type.value == jl["document_type"] and -line.amount == D(jl["amount"])
    assert line.applies_to_doc_nos == (jl["applies_to_doc_no"],)
    assert line.posting_date == date.fromisoformat(jl["posting_date"])
    s = post_journal(replace(book, journal=(line,)))
    assert s.posted, s.issues
    invoice = next(e for e in s.ledger if e.document_no == "INV-S1")
    assert invoice.remaining_amount == D(exp["posting"]["INV-S1_remaining"])
    assert invoice.open is exp["posting"]["INV-S1_open"]
    assert gl_of(s.new_gl) == gl_multiset(exp["gl"])
    # the line's balancing account is the bank: one open bank ledger entry of +500.00, the bank G/L's debit
    (bank,) = bank_entries([(entry, line)], s.new_gl, book.settings.accounts.bank, 1)
    assert (bank.amount, bank.open, bank.posting_date, bank.document_no) == (D("500.00"), True, day, "DD0001-1")
    assert sum(g.debit - g.credit for g in s.new_gl if g.account_no == book.settings.accounts.bank) == bank.amount
    # the bank statement's line for the collection is that entry: matched, not posted again, difference 0.00
    st = StatementLine(statement_no="1", line_no=1, transaction_date=day, amount=D("500.00"), reference="DD0001",
                       opening_balance=D("0.00"))
    found = BookedDebits([replace(entry, status=DebitStatus.POSTED, payment_document_no=line.document_no)],
                         [bank]).find(st)
    assert found is not None and found.entries == (bank,)
    rec = reconcile("1", [st], [replace(bank, statement_no="1", statement_line_no=1)])
    assert rec.complete and (rec.book_balance, rec.difference) == (D("500.00"), D("0.00"))
    # 3: the next two collections on new invoices: RCUR, then FNAL; the mandate closes
    mandates = col.mandates
    seqs = [entry.sequence_type.value]
    ledger = s.ledger
    for n, text in enumerate(ex["actions"][2]["dates"], start=2):
        nd = date.fromisoformat(text)
        ledger += (new_entry(book=book, entry_no=len(ledger) + 1, customer_no="C", document_type=DocumentType.INVOICE,
                             document_no=f"INV-S{n}", posting_date=nd, amount=D("500.00"), due_date=nd),)
        nxt = create_collection(replace(book, ledger=ledger), mandates, nd, collection_id=f"DD000{n}")
        seqs.append(nxt.entries[0].sequence_type.value)
        assert nxt.entries[0].status is DebitStatus.FILE_CREATED
        mandates = nxt.mandates
    assert seqs == [exp["sequence_types"][k] for k in ("1st", "2nd", "3rd")]
    after = exp["mandate_after_3"]
    assert (mandates[0].debits_made, mandates[0].closed) == (after["debit_counter"], after["closed"])

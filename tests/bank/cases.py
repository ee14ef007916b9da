"""The bank worked examples (EX:BC-MATCH-01, EX:BC-REC-01) through the core; registered in tests/domain."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from tests.domain.harness import ACCOUNT_NAMES, gl_multiset, gl_of
from xlar.core.bank import BankLedgerEntry, StatementLine, TextMapping, account_gl
from xlar.core.match import MatchSettings, OpenItemIndex, Party, journal_line, match_line
from xlar.core.model import Book, Customer, DocumentType, Settings
from xlar.core.reconcile import reconcile
from xlar.core.settle import post_journal
from xlar.core.terms import new_entry

D = Decimal


def bc_match_01(ex: dict) -> None:
    setup, ent, act, exp = ex["setup"], ex["entries"][0], ex["actions"][0], ex["expected"]
    book = Book(settings=Settings(), customers=(Customer(customer_no=ent["customer"], name="Customer One"),))
    inv = new_entry(book=book, entry_no=1, customer_no=ent["customer"], document_type=DocumentType.INVOICE,
                    document_no=ent["doc_no"], posting_date=date(2024, 5, 20), amount=D(ent["remaining_amount"]))
    book = replace(book, ledger=(inv,))
    idx = OpenItemIndex(book.ledger, [Party(customer_no=ent["customer"], name="Customer One",
                                            ibans=(ent["customer_bank_account_iban"],))])
    ms = MatchSettings(tolerance_type=setup["bank_account"]["match_tolerance_type"],
                       tolerance_value=D(setup["bank_account"]["match_tolerance_value"]))
    line = StatementLine(statement_no="S1", line_no=1, transaction_date=date.fromisoformat(act["date"]),
                         amount=D(act["statement_amount"]), payer_iban=act["related_party_bank_acc_no"],
                         text=act["transaction_text"])
    assert ms.amount_range(line.amount) == tuple(D(x) for x in exp["amount_range"])
    p = match_line(line, idx, ms)[0]
    assert (p.related_party.value, p.doc_no.value, p.amount_match.value) == (
        exp["related_party_matched"], exp["doc_no_matched"], exp["amount_incl_tolerance_matched"])
    assert p.confidence.value == exp["match_confidence"]
    assert p.rule == f"High/{exp['rule_priority']}" and p.score == exp["score"]
    assert p.applied_amount == D(exp["applied_amount"]) and p.difference == D(exp["difference"])
    s = post_journal(replace(book, journal=(journal_line(line, p, 1),)))
    assert s.posted and not s.errors
    after = next(e for e in s.ledger if e.document_no == ent["doc_no"])
    assert after.remaining_amount == D(exp["after_posting"]["INV-10045_remaining"])
    assert after.open is exp["after_posting"]["INV-10045_open"]
    assert gl_of(s.new_gl) == gl_multiset(exp["gl"])


def bc_rec_01(ex: dict) -> None:
    setup, exp = ex["setup"], ex["expected"]
    ledger = [BankLedgerEntry(entry_no=i, posting_date=date.fromisoformat(e["posting_date"]),
                              document_no=e["bank_ledger_entry"], amount=D(e["amount"]),
                              type="Check" if e["type"] == "check" else "")
              for i, e in enumerate(ex["entries"], start=1)]
    lines = [StatementLine(statement_no="1", line_no=n, transaction_date=date.fromisoformat(x["date"]),
                           amount=D(x["amount"]), text=x["text"])
             for n, x in enumerate(ex["actions"][0]["lines"], start=1)]
    charges = "6040"
    ACCOUNT_NAMES.setdefault("Bank charges", charges)
    # the fee line: a text-to-account mapping proposes the G/L account; accepting posts it
    fee = lines[1]
    p = match_line(fee, OpenItemIndex((), (), [TextMapping(mapping_text="Bank fee", account_no=charges)]))[0]
    assert p.confidence.value == "High" and p.account_no == charges
    gl = account_gl(fee, p.account_no, Settings().accounts.bank, 1)
    assert gl_of(gl) == gl_multiset(exp["gl"])
    ledger.append(BankLedgerEntry(entry_no=3, posting_date=fee.transaction_date, document_no="1-2",
                                  amount=fee.amount, statement_no="1", statement_line_no=2))
    r = reconcile("1", lines, ledger, balance_last_statement=D(setup["balance_last_statement"]),
                  ending_balance=D(setup["statement_ending_balance"]))
    assert r.total_balance == D(exp["total_balance"])
    assert r.complete is exp["postable"], r.problems
    assert r.outstanding_checks == D(exp["outstanding_checks"])
    assert r.outstanding_bank_transactions == D(exp["outstanding_bank_transactions"])
    assert r.bank_account_balance == D(exp["bank_account_balance_test_report"])
    assert r.book_balance == D(exp["gl_balance_at_statement_date"]) and r.difference == 0
    assert r.matches == ((1, 1), (2, 3))
    bad = reconcile("1", lines, ledger, balance_last_statement=D(setup["balance_last_statement"]),
                    ending_balance=D("5950.00"))
    assert not bad.complete
    assert any("must be equal to Total Balance" in m for m in bad.problems)

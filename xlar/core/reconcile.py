"""Bank account reconciliation: statement lines against bank ledger entries (spec §8).

``reconcile`` matches each statement line to a bank ledger entry (first the entries that
already name the line by Statement No. / Statement Line No. and add up to its amount: one
entry, or the several debits of a direct debit collection the bank credited as one line,
many-to-one; then an open entry with the same amount dated within
``date_tolerance_days``) and reports BC's test report figures:

- Total Balance = Balance Last Statement + sum of statement amounts; it must equal the
  Statement Ending Balance (A20).
- Book balance = Balance Last Statement + bank ledger entries dated on or before the
  statement date that no earlier statement closed.
- Outstanding bank transactions and outstanding checks: unmatched entries up to the date.
- Bank Account Balance = ending balance + outstanding; Difference = book balance - that.
- Complete only when every line is matched, Total Balance equals the ending balance and
  the difference is zero.

Worked example (EX:BC-REC-01): last 5 000.00; lines +1 200.00, -300.00; ending 5 900.00;
entries +1 200.00, fee -300.00 and a check -450.00: outstanding checks -450.00, Bank
Account Balance 5 450.00 = book balance 5 450.00, difference 0.00, complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from xlar.core.bank import BankLedgerEntry, StatementLine
from xlar.core.money import ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """The reconciliation of one statement, as data (the BankReconciliation sheet shows it)."""

    statement_no: str
    statement_date: date
    balance_last_statement: object
    statement_ending_balance: object
    total_balance: object
    book_balance: object
    outstanding_bank_transactions: object
    outstanding_checks: object
    bank_account_balance: object
    difference: object
    unmatched_lines_total: object
    matches: tuple[tuple[int, int], ...]  # (statement line no., bank ledger entry no.)
    unmatched_lines: tuple[StatementLine, ...]
    outstanding: tuple[BankLedgerEntry, ...]
    complete: bool
    problems: tuple[str, ...] = ()


def reconcile(statement_no: str, lines: Sequence[StatementLine], ledger: Sequence[BankLedgerEntry], *,
              balance_last_statement: object = None, ending_balance: object = None,
              date_tolerance_days: int = 3) -> Reconciliation:
    """Reconcile statement ``statement_no``; balances default to the ones the statement carries."""
    mine = [ln for ln in lines if ln.statement_no == statement_no]
    if balance_last_statement is None:
        balance_last_statement = next((ln.opening_balance for ln in mine if ln.opening_balance is not None), ZERO)
    if ending_balance is None:
        ending_balance = next((ln.ending_balance for ln in mine if ln.ending_balance is not None), None)
    day = max((ln.transaction_date for ln in mine), default=date.min)
    total = balance_last_statement + sum((ln.amount for ln in mine), ZERO)  # type: ignore[operator]
    if ending_balance is None:
        ending_balance = total
    # entries closed by another statement are history; the rest up to the date are this one's
    relevant = [e for e in ledger if e.posting_date <= day and (e.open or e.statement_no == statement_no)]
    matches: list[tuple[int, int]] = []
    used: set[int] = set()
    by_ref: dict[tuple[str, int | None], list[BankLedgerEntry]] = {}
    for e in relevant:
        if e.statement_no:
            by_ref.setdefault((e.statement_no, e.statement_line_no), []).append(e)
    unmatched: list[StatementLine] = []
    for ln in mine:
        named = by_ref.get((statement_no, ln.line_no), [])
        # one line, several entries (a direct debit collection): they must add up to the line
        if named and sum((e.amount for e in named), ZERO) == ln.amount:
            for e in named:
                matches.append((ln.line_no, e.entry_no))
                used.add(e.entry_no)
        else:
            unmatched.append(ln)
    still: list[StatementLine] = []
    for ln in unmatched:
        best = None
        for e in relevant:
            if e.entry_no in used or e.amount != ln.amount or (e.statement_no and e.statement_no != statement_no):
                continue
            gap = abs((e.posting_date - ln.transaction_date).days)
            if gap <= date_tolerance_days and (best is None or gap < best[0]):
                best = (gap, e)
        if best is None:
            still.append(ln)
        else:
            matches.append((ln.line_no, best[1].entry_no))
            used.add(best[1].entry_no)
    outstanding = tuple(e for e in relevant if e.entry_no not in used)
    checks = sum((e.amount for e in outstanding if e.type.lower() == "check"), ZERO)
    transactions = sum((e.amount for e in outstanding if e.type.lower() != "check"), ZERO)
    book = balance_last_statement + sum((e.amount for e in relevant), ZERO)  # type: ignore[operator]
    bank_balance = ending_balance + checks + transactions
    difference = book - bank_balance
    problems = []
    if ending_balance != total:
        problems.append(f"Statement Ending Balance {ending_balance} must be equal to Total Balance {total}")
    if still:
        problems.append(f"{len(still)} statement line(s) are not matched to bank ledger entries "
                        f"({sum((ln.amount for ln in still), ZERO)}); accept or post them first")
    if difference != 0:
        problems.append(f"Difference {difference}: book balance {book} vs bank account balance {bank_balance}")
    return Reconciliation(
        statement_no=statement_no, statement_date=day, balance_last_statement=balance_last_statement,
        statement_ending_balance=ending_balance, total_balance=total, book_balance=book,
        outstanding_bank_transactions=transactions, outstanding_checks=checks, bank_account_balance=bank_balance,
        difference=difference, unmatched_lines_total=sum((ln.amount for ln in still), ZERO),
        matches=tuple(sorted(matches)), unmatched_lines=tuple(still), outstanding=outstanding,
        complete=not problems, problems=tuple(problems))

"""Bank records: statement lines, bank ledger entries, text-to-account mappings (spec §7, §8).

Statement amounts are as the bank shows them: positive for money received. A statement
line keeps where it came from (``source_file``, ``source_line``) and an ``import_key``:
a digest of the file's identity and the line's position in it, so importing the same
file twice adds nothing while two genuinely identical lines of one file both stay.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from xlar.core.model import GLLine


class Confidence(StrEnum):
    """Match Confidence (BC words); the order is the value's rank."""

    NONE = "None"
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Confidence.NONE: 0, Confidence.LOW: 1, Confidence.MEDIUM: 2, Confidence.HIGH: 3}


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementLine:
    """One bank transaction (contract sheet ``BankStatement``)."""

    statement_no: str
    line_no: int
    transaction_date: date
    amount: Decimal  # positive = money in
    currency: str = ""
    payer_name: str = ""
    payer_iban: str = ""
    payer_address: str = ""
    text: str = ""
    reference: str = ""  # structured reference (RF creditor reference, end-to-end id, ...)
    status: str = ""  # "" open, "Posted" after accept
    source_file: str = ""
    source_line: int | None = None
    import_key: str = ""
    opening_balance: Decimal | None = None  # the statement's, repeated on each of its lines
    ending_balance: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BankLedgerEntry:
    """A bank account ledger entry (contract sheet ``BankLedger``)."""

    entry_no: int
    posting_date: date
    document_no: str
    amount: Decimal
    description: str = ""
    open: bool = True
    statement_no: str = ""
    statement_line_no: int | None = None
    type: str = ""  # "Check" for outstanding checks; blank for bank transactions


class MappingTarget(StrEnum):
    """Bal. Source Type of a text-to-account mapping."""

    GL_ACCOUNT = "G/L Account"
    CUSTOMER = "Customer"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMapping:
    """``Mapping Text`` found in a statement line -> an account (spec §7.4).

    A G/L mapping posts the line to the account; a customer mapping names the payer
    (learned from a match the user made by hand) and counts as a fully matched related party.
    """

    mapping_text: str
    target: MappingTarget = MappingTarget.GL_ACCOUNT
    account_no: str = ""
    description: str = ""
    learned: bool = False


def import_key(file_digest: str, position: int | str) -> str:
    """Identity of a statement line: the file's digest and the line's position in it.

    The same file imported twice yields the same keys (nothing is added); two identical
    transactions in one file have different positions and both stay.
    """
    return hashlib.sha256(f"{file_digest}:{position}".encode()).hexdigest()[:20]


def new_lines(existing: tuple[StatementLine, ...], incoming: tuple[StatementLine, ...]) -> tuple[StatementLine, ...]:
    """The incoming lines whose import key is not on the sheet yet."""
    seen = {ln.import_key for ln in existing if ln.import_key}
    return tuple(ln for ln in incoming if ln.import_key not in seen)


def account_gl(line: StatementLine, account_no: str, bank_account: str, first_entry_no: int,
               description: str = "") -> tuple[GLLine, GLLine]:
    """G/L lines for a statement line posted straight to ``account_no`` (fee, interest).

    Money in: Dr bank / Cr account; money out: Dr account / Cr bank.
    """
    doc = f"{line.statement_no}-{line.line_no}"
    amt = abs(line.amount)
    text = description or line.text
    zero = Decimal(0) * amt
    bank = GLLine(entry_no=first_entry_no, posting_date=line.transaction_date, document_no=doc,
                  account_no=bank_account, description=text,
                  debit=amt if line.amount > 0 else zero, credit=zero if line.amount > 0 else amt)
    other = GLLine(entry_no=first_entry_no + 1, posting_date=line.transaction_date, document_no=doc,
                   account_no=account_no, description=text,
                   debit=zero if line.amount > 0 else amt, credit=amt if line.amount > 0 else zero)
    return (other, bank) if line.amount < 0 else (bank, other)

"""Frozen records of the accounts receivable domain.

Words follow the workbook contract and Business Central: a *ledger entry* is a
customer ledger entry, *remaining amount* what is still open on it, an
*application* one payment-to-document settlement. Amounts are signed from the
customer's account (debit positive): invoices positive, payments and credit
memos negative. Journal amounts are positive; the document type gives the sign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from xlar.core.money import ZERO


class DocumentType(StrEnum):
    """Customer ledger / journal document types (contract words)."""

    BLANK = ""
    PAYMENT = "Payment"
    INVOICE = "Invoice"
    CREDIT_MEMO = "Credit Memo"
    FINANCE_CHARGE_MEMO = "Finance Charge Memo"
    REMINDER = "Reminder"
    REFUND = "Refund"

    @property
    def debit_sign(self) -> int:
        """+1 for documents that debit the customer (invoice, refund, ...), -1 for payments and credit memos."""
        return -1 if self in (DocumentType.PAYMENT, DocumentType.CREDIT_MEMO) else 1


class Blocked(StrEnum):
    """Customer ``Blocked`` field (spec §10)."""

    NONE = ""
    SHIP = "Ship"
    INVOICE = "Invoice"
    ALL = "All"


class ApplicationMethod(StrEnum):
    """What a payment without applies-to does (spec §1.5)."""

    MANUAL = "Manual"
    APPLY_TO_OLDEST = "Apply to Oldest"


class TolerancePosting(StrEnum):
    """Where accepted payment tolerance and late discounts are posted (spec §3.1)."""

    TOLERANCE_ACCOUNTS = "Payment Tolerance Accounts"
    DISCOUNT_ACCOUNTS = "Payment Discount Accounts"


class CashDiscountAdministration(StrEnum):
    """D365: what happens to an overpayment on a discounted invoice (spec §4)."""

    SPECIFIC = "Specific"
    UNSPECIFIC = "Unspecific"


class ReferenceScheme(StrEnum):
    """The structured payment reference invoices carry (Settings ``Payment Reference Scheme``; ``xlar.core.payref``)."""

    NONE = "None"
    RF = "RF"  # ISO 11649 creditor reference
    SE_OCR = "SE-OCR"  # Swedish OCR (Luhn with length digit)
    NO_KID = "NO-KID"  # Norwegian KID, mod 10
    NO_KID_11 = "NO-KID-11"  # Norwegian KID, mod 11
    FI = "FI"  # Finnish reference number
    CH_QR = "CH-QR"  # Swiss QR reference
    BE = "BE"  # Belgian structured communication

    @property
    def code(self) -> str:
        """The scheme's code in ``xlar.core.payref`` (``""`` for none)."""
        return _SCHEME_CODES[self]


_SCHEME_CODES = {"None": "", "RF": "RF", "SE-OCR": "SE", "NO-KID": "NO", "NO-KID-11": "NO11", "FI": "FI",
                 "CH-QR": "CH", "BE": "BE"}


class DuplicatePaymentCheck(StrEnum):
    """What a journal payment that repeats another one (customer, amount, date) does (``xlar.core.duplicates``)."""

    WARNING = "Warning"  # posted, flagged on Issues
    ERROR = "Error"  # the line is not posted
    OFF = "Off"


class CreditWarnings(StrEnum):
    """BC's *Credit Warnings*: which credit checks a journal invoice gets (``xlar.core.credit``)."""

    BOTH = "Both Warnings"
    CREDIT_LIMIT = "Credit Limit"
    OVERDUE_BALANCE = "Overdue Balance"
    NONE = "No Warning"


class CreditLimitCheck(StrEnum):
    """What an invoice over the customer's credit limit is: posted with a warning, or held as an error."""

    WARNING = "Warning"
    ERROR = "Error"


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentTerms:
    """Payment terms: due date formula and up to two discount periods (spec §2.1, §2.3)."""

    code: str
    due_date_formula: str = "0D"
    discount_pct: Decimal = ZERO
    discount_date_formula: str = ""
    discount2_pct: Decimal = ZERO
    discount2_date_formula: str = ""
    calc_pmt_disc_on_cr_memos: bool | None = None  # None: use the Settings value


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    """A customer card (contract sheet ``Customers``)."""

    customer_no: str
    name: str
    currency: str = ""  # blank = company currency
    payment_terms: str = ""
    blocked: Blocked = Blocked.NONE
    application_method: ApplicationMethod | None = None  # None: Settings value
    block_payment_tolerance: bool = False
    credit_limit: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeRate:
    """LCY per one unit of ``currency`` from ``starting_date`` on."""

    currency: str
    starting_date: date
    rate: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Accounts:
    """G/L accounts used by postings (contract Settings, plus documented extensions)."""

    receivables: str = "1100"
    bank: str = "1200"
    discount: str = "8400"
    payment_tolerance: str = "8410"
    over_underpayment: str = "8420"
    realized_gains: str = "8500"
    realized_losses: str = "8510"
    interest_income: str = "8600"
    fee_income: str = "8610"
    sales: str = "4000"
    unrealized_gains: str = "8520"
    unrealized_losses: str = "8530"
    appln_rounding: str = "8540"
    write_off: str = "8620"  # xlar.core.writeoff


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Company settings (contract sheet ``Settings``).

    ``accept_late_discount`` / ``accept_payment_tolerance`` are the answers to BC's
    *Pmt. Disc. Tolerance Warning* and *Payment Tolerance Warning* dialogs; a batch has
    no dialog, so they are settings (default: accept, i.e. warnings off).
    """

    company_currency: str = "EUR"
    application_method: ApplicationMethod = ApplicationMethod.APPLY_TO_OLDEST
    payment_tolerance_pct: Decimal = ZERO
    max_payment_tolerance_amount: Decimal = ZERO
    payment_discount_grace_period: str = "0D"
    payment_tolerance_posting: TolerancePosting = TolerancePosting.TOLERANCE_ACCOUNTS
    pmt_disc_tolerance_posting: TolerancePosting = TolerancePosting.DISCOUNT_ACCOUNTS
    accept_payment_tolerance: bool = True
    accept_late_discount: bool = True
    calc_pmt_disc_on_partial_payments: bool = False
    calc_pmt_disc_on_credit_memos: bool = False
    pmt_disc_excl_vat: bool = False
    max_over_underpayment: Decimal = ZERO
    cash_discount_administration: CashDiscountAdministration = CashDiscountAdministration.SPECIFIC
    appln_rounding_precision: Decimal = ZERO
    settlement_priority: tuple[DocumentType, ...] = ()
    accounts: Accounts = field(default_factory=Accounts)
    currency_exponents: tuple[tuple[str, int], ...] = ()
    duplicate_payment_check: DuplicatePaymentCheck = DuplicatePaymentCheck.WARNING
    small_remainder_limit: Decimal = Decimal("1.00")  # LCY; 0 turns the warning off (core.remainders)
    credit_warnings: CreditWarnings = CreditWarnings.CREDIT_LIMIT  # xlar.core.credit
    credit_limit_check: CreditLimitCheck = CreditLimitCheck.WARNING
    payment_reference_scheme: ReferenceScheme = ReferenceScheme.NONE  # invoices get a reference when posted


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEntry:
    """A customer ledger entry (contract sheet ``Ledger``), derived columns filled in."""

    entry_no: int
    customer_no: str
    posting_date: date
    document_type: DocumentType
    document_no: str
    amount: Decimal
    remaining_amount: Decimal
    currency: str
    exchange_rate: Decimal = Decimal(1)
    amount_lcy: Decimal = ZERO
    remaining_amount_lcy: Decimal = ZERO
    unrealized_lcy: Decimal = ZERO  # open unrealized exchange adjustment (in amount_lcy terms)
    document_date: date | None = None
    due_date: date | None = None
    pmt_discount_date: date | None = None
    original_pmt_disc_possible: Decimal = ZERO
    remaining_pmt_disc_possible: Decimal = ZERO
    pmt_discount_date_2: date | None = None
    original_pmt_disc_2_possible: Decimal = ZERO
    remaining_pmt_disc_2_possible: Decimal = ZERO
    pmt_disc_tolerance_date: date | None = None
    max_payment_tolerance: Decimal = ZERO
    open: bool = True
    closed_by_entry_no: int | None = None
    closed_at_date: date | None = None
    closed_by_amount: Decimal | None = None
    applies_to_id: str = ""
    amount_to_apply: Decimal | None = None
    external_document_no: str = ""
    description: str = ""
    amount_excl_vat: Decimal | None = None
    payment_terms: str = ""
    on_hold: str = ""  # BC's On Hold: not blank keeps the entry off reminders, memos and direct debits
    payment_reference: str = ""  # BC's Payment Reference: the structured reference the customer quotes

    @property
    def positive(self) -> bool:
        """BC's ``Positive``: the entry's amount debits the customer."""
        return self.amount > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalLine:
    """A cash receipt / sales journal line (contract sheet ``Journal``). ``amount`` is positive."""

    line_no: int
    posting_date: date
    document_type: DocumentType
    document_no: str
    amount: Decimal
    customer_no: str = ""
    currency: str = ""  # blank: customer's currency, else company currency
    description: str = ""
    applies_to_doc_nos: tuple[str, ...] = ()
    applies_to_id: str = ""
    full_settlement: bool = False
    external_document_no: str = ""
    payment_terms: str = ""
    due_date: date | None = None
    document_date: date | None = None
    amount_excl_vat: Decimal | None = None
    payment_reference: str = ""  # an invoice's reference as typed (kept); blank: generated by the scheme
    status: str = ""  # "Posted" lines are skipped (idempotent re-run)


@dataclass(frozen=True, slots=True, kw_only=True)
class Application:
    """One applying-entry-to-applied-entry settlement (contract sheet ``Applications``).

    All amounts carry the sign of the *applied* entry (positive when an invoice is
    settled, negative when a credit memo is). ``payment_tolerance`` is positive for an
    accepted underpayment (written off the applied entry) and negative for an accepted
    overpayment (written off the applying entry); the same holds for
    ``over_underpayment``. The ``*_before`` fields let ``unapply`` restore the entries
    exactly (spec A22).
    """

    application_no: int
    posting_date: date
    customer_no: str
    applying_entry_no: int
    applying_document_no: str
    applied_entry_no: int
    applied_document_no: str
    amount_applied: Decimal
    discount: Decimal = ZERO
    payment_tolerance: Decimal = ZERO
    payment_discount_tolerance: Decimal = ZERO
    over_underpayment: Decimal = ZERO
    full_settlement_discount: Decimal = ZERO
    realized_gain_loss_lcy: Decimal = ZERO  # positive = gain
    unapplied: bool = False
    unapplied_by_application_no: int | None = None
    # exact restore data (extension columns): what this application changed on both entries
    applied_delta: Decimal = ZERO  # change of the applied entry's remaining amount (its currency)
    applying_delta: Decimal = ZERO  # change of the applying entry's remaining amount (its currency)
    appln_rounding: Decimal = ZERO  # cross-currency rounding closed on the applied entry (its currency)
    applied_lcy: Decimal = ZERO  # change of the applied entry's remaining amount (LCY)
    applying_lcy: Decimal = ZERO  # change of the applying entry's remaining amount (LCY)
    applied_unrealized: Decimal = ZERO  # change of the applied entry's open unrealized adjustment (LCY)
    applying_unrealized: Decimal = ZERO
    applied_pmt_disc_before: Decimal = ZERO
    applied_pmt_disc_2_before: Decimal = ZERO
    applied_max_tol_before: Decimal = ZERO
    applying_pmt_disc_before: Decimal = ZERO
    applying_pmt_disc_2_before: Decimal = ZERO
    applying_max_tol_before: Decimal = ZERO
    reverses_application_no: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GLLine:
    """A G/L entry line (contract sheet ``GLEntries``). Exactly one of debit/credit is non-zero."""

    entry_no: int
    posting_date: date
    document_no: str
    account_no: str
    description: str
    debit: Decimal
    credit: Decimal
    customer_no: str = ""
    application_no: int | None = None


class Severity(StrEnum):
    """How bad an issue is: errors stop posting, warnings do not."""

    ERROR = "Error"
    WARNING = "Warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ref:
    """Where an issue is: a record (table + key) and field, never a sheet; the book layer resolves it."""

    table: str  # "journal", "ledger", "customers", "settings", "terms", "rates", "applications"
    key: object = None  # journal line_no, ledger entry_no, customer no, setting name ...
    field: str = ""  # core field name, e.g. "amount", "applies_to_doc_nos"
    value: object = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """A problem found in the input, as data (never an exception)."""

    code: str
    problem: str
    severity: Severity = Severity.ERROR
    ref: Ref | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LineResult:
    """The outcome of one journal line: ``Posted``, ``Error`` or ``Skipped``."""

    line_no: int
    status: str
    message: str = ""
    posted_entry_no: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Book:
    """Everything the core needs from a workbook, as records."""

    settings: Settings = field(default_factory=Settings)
    customers: tuple[Customer, ...] = ()
    terms: tuple[PaymentTerms, ...] = ()
    rates: tuple[ExchangeRate, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()
    journal: tuple[JournalLine, ...] = ()
    applications: tuple[Application, ...] = ()
    gl: tuple[GLLine, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Settlement:
    """The result of a posting run: the new state plus what happened.

    ``ledger`` is the full new ledger (input order, new entries appended);
    ``new_applications`` / ``new_gl`` are only the rows this run added;
    ``changed_entry_nos`` names ledger entries that differ from the input.
    """

    ledger: tuple[LedgerEntry, ...]
    new_applications: tuple[Application, ...]
    new_gl: tuple[GLLine, ...]
    line_results: tuple[LineResult, ...]
    issues: tuple[Issue, ...]
    changed_entry_nos: frozenset[int] = frozenset()
    updated_applications: tuple[Application, ...] = ()  # existing rows changed (e.g. marked unapplied)
    posted: bool = True  # False when errors stopped the run: nothing may be written but issues/statuses

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Issues that stop posting."""
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

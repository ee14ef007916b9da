"""The workbook contract as data: every sheet and column xlar reads or writes, declared once.

Each :class:`Column` names the contract header (the alias a user sees), the core field it
maps to, its kind (how a cell is read and written) and whether the user must give it.
Headers are matched after :func:`norm` (lower-case, everything outside a-z0-9 dropped), so
``Document No.``, ``document_no`` and ``DOCUMENT NO`` are one column. Sheets are found by
name, case-insensitively. See ``docs/workbook.md`` for the contract as implemented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from xlar.core.model import (
    ApplicationMethod,
    Blocked,
    CashDiscountAdministration,
    CreditLimitCheck,
    CreditWarnings,
    DocumentType,
    DuplicatePaymentCheck,
    ReferenceScheme,
    TolerancePosting,
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def norm(text: object) -> str:
    """Normalised header / sheet / setting name: ``'Document No.'`` -> ``'documentno'``."""
    return _NON_ALNUM.sub("", str(text if text is not None else "").lower())


class Kind(StrEnum):
    """How a cell is read and written."""

    TEXT = "text"
    MONEY = "money"  # rounded to a currency's minor unit; see Column.currency
    DATE = "date"
    DATETIME = "datetime"
    INT = "int"
    BOOL = "bool"
    DECIMAL = "decimal"  # percentages, precisions: exact, not rounded
    RATE = "rate"  # exchange rate: exact decimal > 0
    FORMULA = "formula"  # BC date formula such as CM+10D
    CHOICE = "choice"  # one of Column.choices (an enum)
    LIST = "list"  # several texts separated by ',' or ';'


class Cur(StrEnum):
    """Which currency rounds (and formats) a money column."""

    ROW = "row"  # the row's own currency (Ledger, Journal)
    LCY = "lcy"  # company currency
    APPLIED = "applied"  # Applications: the applied entry's currency
    APPLYING = "applying"  # Applications: the applying entry's currency


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet."""

    header: str  # the contract header, written when xlar creates the column
    field: str  # core dataclass field ('' for columns core does not have)
    kind: Kind = Kind.TEXT
    required: bool = False
    derived: bool = False  # xlar fills it when blank (and owns it once the entry changes)
    extension: bool = False  # not in shared/workbook-contract.md; documented in docs/workbook.md
    currency: Cur = Cur.ROW
    choices: type[StrEnum] | None = None
    written: bool = False  # written by xlar on every run (Journal Status/Message/Posted Entry No.)
    key: str = field(init=False, compare=False, default="")  # norm(header)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", norm(self.header))


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """One sheet: its name and columns, in the order xlar creates them."""

    name: str
    columns: tuple[Column, ...]
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)
    by_field: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})
        object.__setattr__(self, "by_field", {c.field: c for c in self.columns if c.field})

    @property
    def key(self) -> str:
        return norm(self.name)

    def column(self, header: object) -> Column | None:
        """The column a user header means, or None for a user's own column."""
        k = norm(header)
        return self.by_key.get(k) or self.by_key.get(ALIASES.get(k, ""))

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


C = Column
K = Kind

#: other headers of a column (after :func:`norm`): BC's field name where the contract has a shorter one
ALIASES: dict[str, str] = {"creditlimitlcy": "creditlimit"}

# --------------------------------------------------------------------------- input sheets

CUSTOMERS = SheetSpec(
    "Customers",
    (
        C("Customer No.", "customer_no", required=True),
        C("Name", "name", required=True),
        C("Currency", "currency"),
        C("Payment Terms", "payment_terms"),
        C("Blocked", "blocked", K.CHOICE, choices=Blocked),
        C("IBAN", ""),
        C("BIC", ""),
        C("Email", ""),  # "E-Mail" is the same column (headers compare after norm)
        C("Address", ""),
        # extensions: the customer's address and language on documents (xlar.book.documents)
        C("Address 2", "", extension=True),
        C("Post Code", "", extension=True),
        C("City", "", extension=True),
        C("Country/Region Code", "", extension=True),
        C("Language Code", "", extension=True),
        C("Reminder Terms", ""),
        C("Fin. Charge Terms", ""),
        C("Credit Limit", "credit_limit", K.MONEY, currency=Cur.LCY),
        C("Application Method", "application_method", K.CHOICE, choices=ApplicationMethod),
        C("Block Payment Tolerance", "block_payment_tolerance", K.BOOL, extension=True),
    ),
)

PAYMENT_TERMS = SheetSpec(
    "PaymentTerms",
    (
        C("Code", "code", required=True),
        C("Due Date Formula", "due_date_formula", K.FORMULA, required=True),
        C("Discount %", "discount_pct", K.DECIMAL),
        C("Discount Date Formula", "discount_date_formula", K.FORMULA),
        C("Discount 2 %", "discount2_pct", K.DECIMAL),
        C("Discount 2 Date Formula", "discount2_date_formula", K.FORMULA),
        C("Calc. Pmt. Disc. on Cr. Memos", "calc_pmt_disc_on_cr_memos", K.BOOL, extension=True),
    ),
)

EXCHANGE_RATES = SheetSpec(
    "ExchangeRates",
    (
        C("Currency", "currency", required=True),
        C("Starting Date", "starting_date", K.DATE, required=True),
        C("Rate", "rate", K.RATE, required=True),
    ),
)

LEDGER = SheetSpec(
    "Ledger",
    (
        C("Entry No.", "entry_no", K.INT, derived=True),
        C("Customer No.", "customer_no", required=True),
        C("Posting Date", "posting_date", K.DATE, required=True),
        C("Document Type", "document_type", K.CHOICE, required=True, choices=DocumentType),
        C("Document No.", "document_no", required=True),
        C("Amount", "amount", K.MONEY, required=True),
        C("Remaining Amount", "remaining_amount", K.MONEY, derived=True),
        C("Currency", "currency", derived=True),
        C("Exchange Rate", "exchange_rate", K.RATE, derived=True),
        C("Amount (LCY)", "amount_lcy", K.MONEY, derived=True, currency=Cur.LCY),
        C("Due Date", "due_date", K.DATE, derived=True),
        C("Pmt. Discount Date", "pmt_discount_date", K.DATE, derived=True),
        C("Original Pmt. Disc. Possible", "original_pmt_disc_possible", K.MONEY, derived=True),
        C("Remaining Pmt. Disc. Possible", "remaining_pmt_disc_possible", K.MONEY, derived=True),
        C("Pmt. Disc. Tolerance Date", "pmt_disc_tolerance_date", K.DATE, derived=True),
        C("Max. Payment Tolerance", "max_payment_tolerance", K.MONEY, derived=True),
        C("Open", "open", K.BOOL, derived=True),
        C("Closed by Entry No.", "closed_by_entry_no", K.INT, derived=True),
        C("Closed at Date", "closed_at_date", K.DATE, derived=True),
        C("Closed by Amount", "closed_by_amount", K.MONEY, derived=True),
        C("Applies-to ID", "applies_to_id"),
        C("Amount to Apply", "amount_to_apply", K.MONEY),
        C("External Document No.", "external_document_no"),
        C("Description", "description"),
        C("Amount Excl. VAT", "amount_excl_vat", K.MONEY),
        C("Payment Terms", "payment_terms"),
        # extensions: the rest of core LedgerEntry
        C("Document Date", "document_date", K.DATE, derived=True, extension=True),
        C("Remaining Amt. (LCY)", "remaining_amount_lcy", K.MONEY, derived=True, extension=True, currency=Cur.LCY),
        C("Unrealized Adj. (LCY)", "unrealized_lcy", K.MONEY, derived=True, extension=True, currency=Cur.LCY),
        C("Pmt. Discount Date 2", "pmt_discount_date_2", K.DATE, derived=True, extension=True),
        C("Original Pmt. Disc. 2 Possible", "original_pmt_disc_2_possible", K.MONEY, derived=True, extension=True),
        C("Remaining Pmt. Disc. 2 Possible", "remaining_pmt_disc_2_possible", K.MONEY, derived=True,
          extension=True),
        C("On Hold", "on_hold", extension=True),
        # BC's Payment Reference: generated when xlar posts an invoice (Settings Payment Reference Scheme), or typed
        C("Payment Reference", "payment_reference", extension=True),
    ),
)

JOURNAL = SheetSpec(
    "Journal",
    (
        C("Line No.", "line_no", K.INT),
        C("Posting Date", "posting_date", K.DATE, required=True),
        C("Document Type", "document_type", K.CHOICE, required=True, choices=DocumentType),
        C("Document No.", "document_no", required=True),
        C("Customer No.", "customer_no"),
        C("Amount", "amount", K.MONEY, required=True),
        C("Currency", "currency"),
        C("Description", "description"),
        C("Applies-to Doc. No.", "applies_to_doc_nos", K.LIST),
        C("Applies-to ID", "applies_to_id"),
        C("Full Settlement", "full_settlement", K.BOOL),
        C("External Document No.", "external_document_no"),
        C("Payment Terms", "payment_terms"),
        C("Due Date", "due_date", K.DATE),
        C("Amount Excl. VAT", "amount_excl_vat", K.MONEY),
        C("Document Date", "document_date", K.DATE, extension=True),
        C("Payment Reference", "payment_reference", extension=True),
        C("Status", "status", written=True),
        C("Message", "", written=True),
        C("Posted Entry No.", "", K.INT, written=True),
    ),
)

#: Journal document types the contract allows.
JOURNAL_TYPES = (DocumentType.PAYMENT, DocumentType.REFUND, DocumentType.INVOICE, DocumentType.CREDIT_MEMO)

# --------------------------------------------------------------------------- output sheets

APPLICATIONS = SheetSpec(
    "Applications",
    (
        C("Application No.", "application_no", K.INT, required=True),
        C("Posting Date", "posting_date", K.DATE, required=True),
        C("Customer No.", "customer_no", required=True),
        C("Applying Entry No.", "applying_entry_no", K.INT, required=True),
        C("Applying Document No.", "applying_document_no"),
        C("Applied Entry No.", "applied_entry_no", K.INT, required=True),
        C("Applied Document No.", "applied_document_no"),
        C("Amount Applied", "amount_applied", K.MONEY, required=True, currency=Cur.APPLIED),
        C("Discount", "discount", K.MONEY, currency=Cur.APPLIED),
        C("Payment Tolerance", "payment_tolerance", K.MONEY, currency=Cur.APPLIED),
        C("Payment Discount Tolerance", "payment_discount_tolerance", K.MONEY, currency=Cur.APPLIED),
        C("Over/Underpayment", "over_underpayment", K.MONEY, currency=Cur.APPLIED),
        C("Full Settlement Discount", "full_settlement_discount", K.MONEY, currency=Cur.APPLIED),
        C("Realized Gain/Loss (LCY)", "realized_gain_loss_lcy", K.MONEY, currency=Cur.LCY),
        C("Unapplied", "unapplied", K.BOOL),
        C("Unapplied by Application No.", "unapplied_by_application_no", K.INT),
        # extensions: what unapply needs to restore both entries exactly
        C("Applied Change", "applied_delta", K.MONEY, extension=True, currency=Cur.APPLIED),
        C("Applying Change", "applying_delta", K.MONEY, extension=True, currency=Cur.APPLYING),
        C("Appln. Rounding", "appln_rounding", K.MONEY, extension=True, currency=Cur.APPLIED),
        C("Applied Change (LCY)", "applied_lcy", K.MONEY, extension=True, currency=Cur.LCY),
        C("Applying Change (LCY)", "applying_lcy", K.MONEY, extension=True, currency=Cur.LCY),
        C("Applied Unrealized (LCY)", "applied_unrealized", K.MONEY, extension=True, currency=Cur.LCY),
        C("Applying Unrealized (LCY)", "applying_unrealized", K.MONEY, extension=True, currency=Cur.LCY),
        C("Applied Pmt. Disc. Before", "applied_pmt_disc_before", K.MONEY, extension=True, currency=Cur.APPLIED),
        C("Applied Pmt. Disc. 2 Before", "applied_pmt_disc_2_before", K.MONEY, extension=True,
          currency=Cur.APPLIED),
        C("Applied Max. Tolerance Before", "applied_max_tol_before", K.MONEY, extension=True,
          currency=Cur.APPLIED),
        C("Applying Pmt. Disc. Before", "applying_pmt_disc_before", K.MONEY, extension=True,
          currency=Cur.APPLYING),
        C("Applying Pmt. Disc. 2 Before", "applying_pmt_disc_2_before", K.MONEY, extension=True,
          currency=Cur.APPLYING),
        C("Applying Max. Tolerance Before", "applying_max_tol_before", K.MONEY, extension=True,
          currency=Cur.APPLYING),
        C("Reverses Application No.", "reverses_application_no", K.INT, extension=True),
    ),
)

GL_ENTRIES = SheetSpec(
    "GLEntries",
    (
        C("Entry No.", "entry_no", K.INT, required=True),
        C("Posting Date", "posting_date", K.DATE, required=True),
        C("Document No.", "document_no"),
        C("Account No.", "account_no", required=True),
        C("Description", "description"),
        C("Debit", "debit", K.MONEY, currency=Cur.LCY),
        C("Credit", "credit", K.MONEY, currency=Cur.LCY),
        C("Customer No.", "customer_no"),
        C("Application No.", "application_no", K.INT),
    ),
)

ISSUES = SheetSpec(
    "Issues",
    (
        C("Run", "run", K.INT),
        C("Sheet", "sheet"),
        C("Row", "row", K.INT),
        C("Column", "column"),
        C("Value", "value"),
        C("Problem", "problem"),
        C("Severity", "severity", extension=True),
        C("Code", "code", extension=True),
    ),
)

RUN_LOG = SheetSpec(
    "RunLog",
    (
        C("Run", "run", K.INT),
        C("Started", "started", K.DATETIME),
        C("Command", "command"),
        C("Workbook Fingerprint", "fingerprint"),
        C("Lines Posted", "lines_posted", K.INT),
        C("Warnings", "warnings", K.INT),
        C("Errors", "errors", K.INT),
        C("Result", "result"),
    ),
)

SHEETS: dict[str, SheetSpec] = {
    s.name: s
    for s in (CUSTOMERS, PAYMENT_TERMS, EXCHANGE_RATES, LEDGER, JOURNAL, APPLICATIONS, GL_ENTRIES, ISSUES, RUN_LOG)
}

#: core Ref.table -> sheet
TABLE_SHEETS: dict[str, str] = {
    "journal": "Journal",
    "ledger": "Ledger",
    "customers": "Customers",
    "settings": "Settings",
    "terms": "PaymentTerms",
    "rates": "ExchangeRates",
    "applications": "Applications",
    "gl": "GLEntries",
}

# --------------------------------------------------------------------------- Settings

SETTINGS_SHEET = "Settings"
SETTING_HEADER = "Setting"
VALUE_HEADER = "Value"


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One row of the Settings sheet: the name, where it goes in core ``Settings`` and its default.

    ``field`` is a ``Settings`` field, or ``accounts.<name>`` for a G/L account. ``inverse``
    flips a boolean (``Payment Tolerance Warning`` TRUE means the batch does not accept).
    """

    name: str
    field: str
    kind: Kind
    default: object
    choices: type[StrEnum] | None = None
    inverse: bool = False
    extension: bool = False

    @property
    def key(self) -> str:
        return norm(self.name)


S = SettingSpec

SETTINGS: tuple[SettingSpec, ...] = (
    S("Company Currency", "company_currency", K.TEXT, "EUR"),
    S("Application Method", "application_method", K.CHOICE, "Apply to Oldest", choices=ApplicationMethod),
    S("Payment Tolerance %", "payment_tolerance_pct", K.DECIMAL, 0),
    S("Max. Payment Tolerance Amount", "max_payment_tolerance_amount", K.MONEY, 0),
    S("Payment Discount Grace Period", "payment_discount_grace_period", K.FORMULA, "0D"),
    S("Payment Tolerance Posting", "payment_tolerance_posting", K.CHOICE, "Payment Tolerance Accounts",
      choices=TolerancePosting),
    S("Calc. Pmt. Disc. on Partial Payments", "calc_pmt_disc_on_partial_payments", K.BOOL, False),
    S("Calc. Pmt. Disc. on Credit Memos", "calc_pmt_disc_on_credit_memos", K.BOOL, False),
    S("Pmt. Disc. Excl. VAT", "pmt_disc_excl_vat", K.BOOL, False),
    S("Max. Over/Underpayment", "max_over_underpayment", K.MONEY, 0),
    S("Appln. Rounding Precision", "appln_rounding_precision", K.DECIMAL, 0),
    S("Receivables Account", "accounts.receivables", K.TEXT, "1100"),
    S("Bank Account", "accounts.bank", K.TEXT, "1200"),
    S("Discount Account", "accounts.discount", K.TEXT, "8400"),
    S("Payment Tolerance Account", "accounts.payment_tolerance", K.TEXT, "8410"),
    S("Over/Underpayment Account", "accounts.over_underpayment", K.TEXT, "8420"),
    S("Realized Gains Account", "accounts.realized_gains", K.TEXT, "8500"),
    S("Realized Losses Account", "accounts.realized_losses", K.TEXT, "8510"),
    S("Interest Income Account", "accounts.interest_income", K.TEXT, "8600"),
    S("Fee Income Account", "accounts.fee_income", K.TEXT, "8610"),
    # extensions (core Settings has them; BC/D365 words)
    S("Pmt. Disc. Tolerance Posting", "pmt_disc_tolerance_posting", K.CHOICE, "Payment Discount Accounts",
      choices=TolerancePosting, extension=True),
    S("Payment Tolerance Warning", "accept_payment_tolerance", K.BOOL, False, inverse=True, extension=True),
    S("Pmt. Disc. Tolerance Warning", "accept_late_discount", K.BOOL, False, inverse=True, extension=True),
    S("Cash Discount Administration", "cash_discount_administration", K.CHOICE, "Specific",
      choices=CashDiscountAdministration, extension=True),
    S("Settlement Priority", "settlement_priority", K.LIST, "", extension=True),
    S("Currency Decimals", "currency_exponents", K.LIST, "", extension=True),
    S("Sales Account", "accounts.sales", K.TEXT, "4000", extension=True),
    S("Unrealized Gains Account", "accounts.unrealized_gains", K.TEXT, "8520", extension=True),
    S("Unrealized Losses Account", "accounts.unrealized_losses", K.TEXT, "8530", extension=True),
    S("Appln. Rounding Account", "accounts.appln_rounding", K.TEXT, "8540", extension=True),
    S("Write-off Account", "accounts.write_off", K.TEXT, "8620", extension=True),
    S("Duplicate Payment Check", "duplicate_payment_check", K.CHOICE, "Warning", choices=DuplicatePaymentCheck,
      extension=True),
    S("Small Remainder Limit", "small_remainder_limit", K.MONEY, "1.00", extension=True),
    S("Credit Warnings", "credit_warnings", K.CHOICE, "Credit Limit", choices=CreditWarnings, extension=True),
    S("Credit Limit Check", "credit_limit_check", K.CHOICE, "Warning", choices=CreditLimitCheck, extension=True),
    S("Payment Reference Scheme", "payment_reference_scheme", K.CHOICE, "None", choices=ReferenceScheme,
      extension=True),
    # extensions: credit and collections (xlar.book.worklist; not core Settings fields)
    S("Priority Weight Overdue Amount", "collections.overdue_amount", K.DECIMAL, 1, extension=True),
    S("Priority Weight Days Overdue", "collections.days_overdue", K.DECIMAL, 1, extension=True),
    S("Priority Weight Broken Promises", "collections.broken_promises", K.DECIMAL, 2, extension=True),
    S("Priority Weight Credit Limit Use", "collections.credit_limit_use", K.DECIMAL, 1, extension=True),
    S("Promise Tolerance", "collections.promise_tolerance", K.MONEY, "0.00", extension=True),
    # extensions: the company as documents print it (xlar.book.documents; not core Settings fields)
    *(S(name, f"company.{fld}", K.TEXT, "", extension=True) for name, fld in (
        ("Company Name", "name"), ("Company Address", "address"), ("Company Address 2", "address_2"),
        ("Company Post Code", "post_code"), ("Company City", "city"),
        ("Company Country/Region Code", "country"), ("Company VAT Registration No.", "vat_reg_no"),
        ("Company Phone No.", "phone"), ("Company E-Mail", "email"), ("Company Bank Name", "bank_name"),
        ("Company IBAN", "iban"), ("Company BIC", "bic"), ("Company Language Code", "language"))),
)

#: settings that are not core ``Settings`` fields: ``company.<field>`` (read by xlar.book.documents)
COMPANY_PREFIX = "company."
#: ``collections.<field>``: read by xlar.book.worklist
COLLECTIONS_PREFIX = "collections."

SETTINGS_BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SETTINGS}
SETTINGS_BY_FIELD: dict[str, SettingSpec] = {s.field: s for s in SETTINGS}


_CHOICES: dict[type[StrEnum], dict[str, StrEnum]] = {}


def choice(enum: type[StrEnum], text: str) -> StrEnum | None:
    """The enum member whose value matches ``text`` after :func:`norm`, else None."""
    table = _CHOICES.get(enum)
    if table is None:
        table = _CHOICES[enum] = {norm(m.value): m for m in enum}
    return table.get(norm(text))

"""Payment terms and the derived columns of a new ledger entry (spec §2.1, §3.2).

``new_entry`` is the single place where a posted document gets its due date,
discount dates, discount possible, payment discount tolerance date, maximum
payment tolerance and LCY amounts. The workbook layer uses it for Ledger rows
whose derived columns are blank; posting uses it for every new entry.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import MISSING, dataclass, fields
from datetime import date
from decimal import Decimal

from xlar.core.dates import calc_date
from xlar.core.fx import RateTable
from xlar.core.model import (
    ApplicationMethod,
    Book,
    Customer,
    DocumentType,
    LedgerEntry,
    PaymentTerms,
    Settings,
)
from xlar.core.money import HUNDRED, ZERO, quantum, round_to
from xlar.core.records import constructor

_DISCOUNTABLE = (DocumentType.INVOICE, DocumentType.CREDIT_MEMO)
_new_ledger_entry = constructor(LedgerEntry)


def max_payment_tolerance(
    amount: Decimal, document_type: DocumentType, pct: Decimal, max_amount: Decimal, q: Decimal
) -> Decimal:
    """BC ``CalcMaxPmtTolerance`` (spec §3.2): the most a payment may differ from ``amount``.

    ``pct`` only: percentage without cap; ``max_amount`` only: that fixed amount; both:
    the smaller; neither: 0. Signed like the entry and never larger than it.

    >>> max_payment_tolerance(Decimal("1234.56"), DocumentType.INVOICE, Decimal(1), Decimal(5), Decimal("0.01"))
    Decimal('5.00')
    """
    if document_type not in _DISCOUNTABLE or amount == 0 or (pct == 0 and max_amount == 0):
        return ZERO
    sign = 1 if amount > 0 else -1
    pct_amount = round_to(pct * amount / HUNDRED, q)
    if max_amount < abs(pct * amount / HUNDRED) or pct == 0:
        tol = pct_amount if (max_amount == 0 and pct > 0) else sign * round_to(max_amount, q)
    else:
        tol = pct_amount
    if abs(tol) > abs(amount):
        tol = amount
    return tol


@dataclass(frozen=True, slots=True)
class DiscountSchedule:
    """Due date and up to two discount periods of one document."""

    due_date: date
    discount_date: date | None
    discount: Decimal
    discount_date_2: date | None
    discount_2: Decimal
    tolerance_date: date | None


def discount_schedule(
    *,
    terms: PaymentTerms | None,
    settings: Settings,
    document_type: DocumentType,
    document_date: date,
    amount: Decimal,
    amount_excl_vat: Decimal | None,
    q: Decimal,
) -> DiscountSchedule:
    """Dates and discount amounts that ``terms`` give a document (BC §2.1, D365 §2.3).

    The base is the amount incl. VAT unless *Pmt. Disc. Excl. VAT* is on and the
    amount excl. VAT is known. Credit memos get a discount, and a due date from the
    terms, only when *Calc. Pmt. Disc. on Cr. Memos* is on (terms, else settings);
    otherwise they are due on their document date (BC Sales Header).
    """
    dates = schedule_dates(terms, settings, document_type, document_date)
    return _with_amounts(dates, terms, settings, amount, amount_excl_vat, q)


ScheduleDates = tuple[date, bool, "date | None", "date | None", "date | None"]


def schedule_dates(terms: PaymentTerms | None, settings: Settings, document_type: DocumentType,
                   document_date: date) -> ScheduleDates:
    """The date part of :func:`discount_schedule`: (due date, gets a discount, discount date,
    second discount date, discount tolerance date). It depends on nothing else, so a ledger of
    many documents computes it once per terms, document type and document date."""
    if terms is None:
        return document_date, False, None, None, None
    gets_discount = document_type is DocumentType.INVOICE or (
        document_type is DocumentType.CREDIT_MEMO
        and bool(
            terms.calc_pmt_disc_on_cr_memos
            if terms.calc_pmt_disc_on_cr_memos is not None
            else settings.calc_pmt_disc_on_credit_memos
        )
    )
    # BC Sales Header / Gen. Journal Line "Payment Terms Code": a credit memo is due on its
    # document date unless Calc. Pmt. Disc. on Cr. Memos, when the terms give it dates as an invoice
    due = calc_date(terms.due_date_formula, document_date) if gets_discount else document_date
    d1_date = d2_date = None
    if gets_discount and terms.discount_pct:
        d1_date = calc_date(terms.discount_date_formula, document_date)
    if gets_discount and terms.discount2_pct:
        d2_date = calc_date(terms.discount2_date_formula, document_date)
    last = d2_date or d1_date
    tol_date = calc_date(settings.payment_discount_grace_period or "0D", last) if last else None
    return due, gets_discount, d1_date, d2_date, tol_date


def _with_amounts(dates: ScheduleDates, terms: PaymentTerms | None, settings: Settings, amount: Decimal,
                  amount_excl_vat: Decimal | None, q: Decimal) -> DiscountSchedule:
    due, gets_discount, d1_date, d2_date, tol_date = dates
    if terms is None:
        return DiscountSchedule(due, None, ZERO, None, ZERO, None)
    base = amount_excl_vat if (settings.pmt_disc_excl_vat and amount_excl_vat is not None) else amount
    d1 = d2 = ZERO
    if gets_discount and terms.discount_pct:
        d1 = round_to(terms.discount_pct * base / HUNDRED, q)
    if gets_discount and terms.discount2_pct:
        d2 = round_to(terms.discount2_pct * base / HUNDRED, q)
    return DiscountSchedule(due, d1_date, d1, d2_date, d2, tol_date)


class BookIndex:
    """Lookups over a ``Book`` that posting needs many times: customers, terms, rates."""

    __slots__ = ("_dates", "_q", "book", "customers", "lcy", "rates", "terms")

    def __init__(self, book: Book) -> None:
        self.book = book
        self.lcy = book.settings.company_currency.upper()
        self.customers: dict[str, Customer] = {c.customer_no: c for c in book.customers}
        self.terms: dict[str, PaymentTerms] = {t.code.upper(): t for t in book.terms}
        self.rates = RateTable(book.rates, self.lcy)
        self._q: dict[str, Decimal] = {}
        self._dates: dict[tuple[str, DocumentType, date], tuple[ScheduleDates, DiscountSchedule | None]] = {}

    def schedule(self, code: str, document_type: DocumentType, document_date: date, amount: Decimal,
                 amount_excl_vat: Decimal | None, q: Decimal, *, need_d1: bool = True, need_d2: bool = True
                 ) -> DiscountSchedule:
        """:func:`discount_schedule` of terms ``code`` (upper case; "" or unknown: none), its dates
        computed once per (terms, document type, document date) for this book. ``need_d1`` /
        ``need_d2`` False: the caller has that discount amount already; when it has every
        amount the terms give, the amounts are left 0 (not computed)."""
        key = (code, document_type, document_date)
        got = self._dates.get(key)
        terms = self.terms.get(code) if code else None
        if got is None:
            dates = schedule_dates(terms, self.book.settings, document_type, document_date)
            whole = None  # without a discount the schedule does not depend on the amount: kept whole
            if terms is None or not (dates[1] and (terms.discount_pct or terms.discount2_pct)):
                whole = _with_amounts(dates, terms, self.book.settings, amount, amount_excl_vat, q)
            got = self._dates[key] = (dates, whole)
        if got[1] is not None:
            return got[1]
        if not ((need_d1 and terms.discount_pct) or (need_d2 and terms.discount2_pct)):  # type: ignore[union-attr]
            due, _, d1_date, d2_date, tol_date = got[0]
            return DiscountSchedule(due, d1_date, ZERO, d2_date, ZERO, tol_date)
        return _with_amounts(got[0], terms, self.book.settings, amount, amount_excl_vat, q)

    def q(self, currency: str) -> Decimal:
        """Rounding quantum of ``currency`` (settings may override exponents)."""
        got = self._q.get(currency)
        if got is None:
            got = self._q[currency] = quantum(currency or self.lcy,
                                              dict(self.book.settings.currency_exponents) or None)
        return got

    def currency_of(self, customer_no: str, given: str = "") -> str:
        """The document currency: given, else the customer's, else the company currency."""
        if given:
            return given.upper()
        c = self.customers.get(customer_no)
        return (c.currency.upper() if c and c.currency else self.lcy)

    def application_method(self, customer_no: str) -> ApplicationMethod:
        """The customer's application method, else the company's."""
        c = self.customers.get(customer_no)
        return c.application_method if c and c.application_method else self.book.settings.application_method


_INDEX_CACHE: list[tuple[Book, BookIndex]] = []


def index_of(book: Book) -> BookIndex:
    """A cached ``BookIndex`` for ``book`` (one book at a time; books are immutable)."""
    if _INDEX_CACHE and _INDEX_CACHE[0][0] is book:
        return _INDEX_CACHE[0][1]
    idx = BookIndex(book)
    _INDEX_CACHE[:] = [(book, idx)]
    return idx


def new_entry(
    *,
    book: Book,
    entry_no: int,
    customer_no: str,
    document_type: DocumentType,
    document_no: str,
    posting_date: date,
    amount: Decimal,
    currency: str = "",
    document_date: date | None = None,
    due_date: date | None = None,
    payment_terms: str = "",
    amount_excl_vat: Decimal | None = None,
    external_document_no: str = "",
    description: str = "",
    exchange_rate: Decimal | None = None,
    payment_reference: str = "",
) -> LedgerEntry:
    """A new customer ledger entry with every derived column filled (contract *Ledger*).

    ``amount`` is signed (invoice +, credit memo and payment -). The exchange rate is the
    one valid on the posting date; when none is valid the rate is 0 and the caller
    reports the missing rate. Terms: the document's, else the customer's.
    """
    return _new_ledger_entry(**entry_fields(
        book=book, entry_no=entry_no, customer_no=customer_no, document_type=document_type,
        document_no=document_no, posting_date=posting_date, amount=amount, currency=currency,
        document_date=document_date, due_date=due_date, payment_terms=payment_terms,
        amount_excl_vat=amount_excl_vat, external_document_no=external_document_no, description=description,
        exchange_rate=exchange_rate, payment_reference=payment_reference))


ENTRY_FIELDS = tuple(f.name for f in fields(LedgerEntry))
_DISCOUNT_1 = frozenset(("original_pmt_disc_possible", "remaining_pmt_disc_possible"))
_DISCOUNT_2 = frozenset(("original_pmt_disc_2_possible", "remaining_pmt_disc_2_possible"))
_ENTRY_DEFAULTS = {f.name: f.default for f in fields(LedgerEntry) if f.default is not MISSING}


def entry_fields(
    *,
    book: Book,
    entry_no: int,
    customer_no: str,
    document_type: DocumentType,
    document_no: str,
    posting_date: date,
    amount: Decimal,
    currency: str = "",
    document_date: date | None = None,
    due_date: date | None = None,
    payment_terms: str = "",
    amount_excl_vat: Decimal | None = None,
    external_document_no: str = "",
    description: str = "",
    exchange_rate: Decimal | None = None,
    given: Container[str] = (),
    payment_reference: str = "",
) -> dict[str, object]:
    """:func:`new_entry`'s record as a dict of every field (``ENTRY_FIELDS``): the one place the
    derived columns are computed, for a new entry and for a ledger row read with blank cells.

    ``given``: fields the caller has values for (a ledger row's filled cells, laid over this
    dict afterwards). What only they would be derived from is not computed and left 0: the
    amount (LCY) when it and the remaining amount's LCY value are given, the maximum payment
    tolerance, the discount amounts. A row of a book xlar wrote has them all."""
    idx = index_of(book)
    settings = book.settings
    cur = idx.currency_of(customer_no, currency)
    q = idx.q(cur)
    amount = round_to(amount, q)
    rate = exchange_rate if exchange_rate is not None else idx.rates.rate(cur, posting_date)
    rate = rate if rate is not None else ZERO
    if "amount_lcy" in given and ("remaining_amount_lcy" in given or "remaining_amount" in given):
        amount_lcy = ZERO  # both LCY amounts come from the row
    else:
        amount_lcy = round_to(amount * rate, idx.q(idx.lcy))
    doc_date = document_date or posting_date
    customer = idx.customers.get(customer_no)
    code = payment_terms or (customer.payment_terms if customer is not None else "")
    out = _ENTRY_DEFAULTS.copy()
    out.update(
        entry_no=entry_no, customer_no=customer_no, posting_date=posting_date, document_type=document_type,
        document_no=document_no, amount=amount, remaining_amount=amount, currency=cur, exchange_rate=rate,
        amount_lcy=amount_lcy, remaining_amount_lcy=amount_lcy, document_date=doc_date, open=amount != 0,
        external_document_no=external_document_no, description=description, amount_excl_vat=amount_excl_vat,
        payment_terms=code if payment_terms else "",
    )
    if payment_reference:
        out["payment_reference"] = payment_reference
    if document_type in _DISCOUNTABLE:
        # terms give invoices and credit memos their due and discount dates
        sched = idx.schedule(code.upper() if code else "", document_type, doc_date, amount, amount_excl_vat, q,
                             need_d1=not _DISCOUNT_1.issubset(given), need_d2=not _DISCOUNT_2.issubset(given))
        if "max_payment_tolerance" in given or (customer is not None and customer.block_payment_tolerance):
            max_tol = ZERO
        else:
            max_amount = settings.max_payment_tolerance_amount
            if cur != idx.lcy and max_amount and rate:
                max_amount = round_to(max_amount / rate, q)  # the LCY cap in the document's currency
            max_tol = max_payment_tolerance(amount, document_type, settings.payment_tolerance_pct, max_amount, q)
        out.update(
            due_date=due_date or sched.due_date, pmt_discount_date=sched.discount_date,
            original_pmt_disc_possible=sched.discount, remaining_pmt_disc_possible=sched.discount,
            pmt_discount_date_2=sched.discount_date_2, original_pmt_disc_2_possible=sched.discount_2,
            remaining_pmt_disc_2_possible=sched.discount_2, pmt_disc_tolerance_date=sched.tolerance_date,
            max_payment_tolerance=max_tol,
        )
    else:  # other documents are due at once, with no discount and no payment tolerance
        out["due_date"] = due_date or doc_date
    return out

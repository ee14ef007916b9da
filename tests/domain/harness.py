"""Turn the worked examples of ``shared/domain/examples.json`` into core calls.

The examples are written in BC / D365 words (entries, actions, expected G/L with the
products' account names). This harness maps them onto xlar's records: settings from
``setup``, ledger entries from ``entries`` (derived columns from ``new_entry``, then the
example's own figures on top), and each posting action to a one-line journal run
through ``post_journal``. State carries over from action to action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from xlar.core.model import (
    Accounts,
    Application,
    ApplicationMethod,
    Book,
    CashDiscountAdministration,
    Customer,
    DocumentType,
    ExchangeRate,
    GLLine,
    JournalLine,
    LedgerEntry,
    PaymentTerms,
    Settings,
    Settlement,
    TolerancePosting,
)
from xlar.core.settle import post_journal
from xlar.core.terms import new_entry

EXAMPLES_PATH = Path(__file__).with_name("examples.json")
EXAMPLES: dict[str, dict] = {e["id"]: e for e in json.loads(EXAMPLES_PATH.read_text())}

ACC = Accounts()
#: the products' account names -> xlar's default accounts
ACCOUNT_NAMES = {
    "Bank": ACC.bank, "Cash": ACC.bank,
    "Receivables": ACC.receivables, "Accounts receivable": ACC.receivables,
    "Payment Disc. Debit Acc.": ACC.discount, "Cash discount": ACC.discount,
    "Payment Tolerance Credit Acc.": ACC.payment_tolerance, "Payment Tolerance Debit Acc.": ACC.payment_tolerance,
    "Customer cash discount (difference)": ACC.over_underpayment,
    "Customer cash discount (over/underpayment difference)": ACC.over_underpayment,
    "Realized Losses Acc.": ACC.realized_losses, "Exchange rate loss": ACC.realized_losses,
    "Realized gain": ACC.realized_gains, "Realized Gains Acc.": ACC.realized_gains,
    "Unrealized Gains Acc.": ACC.unrealized_gains,
    "Sales Returns": ACC.sales,
}

D = Decimal
DT = DocumentType


def d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def settings_for(setup: dict, **over: object) -> Settings:
    """xlar Settings for an example's ``setup``."""
    method = setup.get("application_method", "Manual")
    s = Settings(
        company_currency=setup.get("accounting_currency") or "EUR",  # the examples' LCY is EUR unless named
        application_method=ApplicationMethod(method),
        payment_tolerance_pct=D(setup.get("payment_tolerance_pct") or "0"),
        max_payment_tolerance_amount=D(setup.get("max_payment_tolerance_amount") or "0"),
        payment_discount_grace_period=setup.get("payment_discount_grace_period") or "0D",
        accept_payment_tolerance=not setup.get("payment_tolerance_warning", False),
        accept_late_discount=not setup.get("pmt_disc_tolerance_warning", False),
        payment_tolerance_posting=TolerancePosting(setup.get("payment_tolerance_posting",
                                                             "Payment Tolerance Accounts")),
        pmt_disc_tolerance_posting=TolerancePosting(setup.get("pmt_disc_tolerance_posting",
                                                              "Payment Discount Accounts")),
        calc_pmt_disc_on_partial_payments=bool(setup.get("calculate_cash_discounts_for_partial_payments", False)),
        calc_pmt_disc_on_credit_memos=bool(setup.get("calculate_cash_discounts_for_credit_notes", False)),
        pmt_disc_excl_vat=bool(setup.get("pmt_disc_excl_vat", False)),
        max_over_underpayment=D(setup.get("maximum_overpayment_or_underpayment") or "0"),
        cash_discount_administration=CashDiscountAdministration(setup.get("cash_discount_administration",
                                                                          "Specific")),
    )
    return replace(s, **over)


def terms_for(setup: dict) -> tuple[PaymentTerms, ...]:
    pt = setup.get("payment_terms")
    if not pt:
        return ()
    return (PaymentTerms(code="T", due_date_formula=pt["due_date_calculation"],
                         discount_pct=D(pt.get("discount_pct") or "0"),
                         discount_date_formula=pt.get("discount_date_calculation", ""),
                         calc_pmt_disc_on_cr_memos=pt.get("calc_pmt_disc_on_cr_memos")),)


DEFAULT_DATE = date(2024, 1, 1)


@dataclass
class Scenario:
    """A running example: the book so far and every posting result."""

    book: Book
    results: list[Settlement] = field(default_factory=list)

    # ---- state
    def entry(self, doc_no: str) -> LedgerEntry:
        found = [e for e in self.book.ledger if e.document_no == doc_no]
        assert found, f"no ledger entry {doc_no}"
        return found[0]

    def entry_by_no(self, no: int) -> LedgerEntry:
        return next(e for e in self.book.ledger if e.entry_no == no)

    @property
    def applications(self) -> tuple[Application, ...]:
        return self.book.applications

    def gl(self) -> list[tuple[str, Decimal, Decimal]]:
        return [(g.account_no, g.debit, g.credit) for g in self.book.gl]

    # ---- actions
    def post(self, line: JournalLine, **kw: object) -> Settlement:
        line = replace(line, line_no=len(self.results) + 1)
        s = post_journal(replace(self.book, journal=(line,)), **kw)
        assert s.posted, [i.problem for i in s.issues]
        self.absorb(s)
        return s

    def absorb(self, s: Settlement) -> None:
        apps = {a.application_no: a for a in self.book.applications}
        for a in s.updated_applications:
            apps[a.application_no] = a
        for a in s.new_applications:
            apps[a.application_no] = a
        self.book = replace(self.book, ledger=s.ledger, applications=tuple(apps.values()),
                            gl=self.book.gl + s.new_gl, journal=())
        self.results.append(s)

    def mark(self, doc_nos: list[str], applies_to_id: str, amounts: dict[str, str] | None = None) -> None:
        amounts = amounts or {}
        led = tuple(
            replace(e, applies_to_id=applies_to_id,
                    amount_to_apply=D(amounts[e.document_no]) if e.document_no in amounts else None)
            if e.document_no in doc_nos else e
            for e in self.book.ledger
        )
        self.book = replace(self.book, ledger=led)


def customers_in(example: dict) -> tuple[Customer, ...]:
    nos = {e.get("customer", "C") for e in example["entries"] if "note" not in e}
    nos |= {a["customer"] for a in example["actions"] if a.get("customer")}
    terms = "T" if example["setup"].get("payment_terms") else ""
    return tuple(Customer(customer_no=n, name=f"Customer {n}", payment_terms=terms) for n in sorted(nos or {"C"}))


_OVERLAY = {
    "remaining_amount": "remaining_amount", "balance": "remaining_amount",
    "due_date": "due_date", "pmt_discount_date": "pmt_discount_date", "cash_discount_date": "pmt_discount_date",
    "pmt_disc_tolerance_date": "pmt_disc_tolerance_date",
    "remaining_pmt_disc_possible": "remaining_pmt_disc_possible",
    "cash_discount_available": "remaining_pmt_disc_possible",
    "original_pmt_disc_possible": "original_pmt_disc_possible",
    "max_payment_tolerance": "max_payment_tolerance",
    "open": "open",
}


def scenario(example: dict, settings: Settings | None = None, rates: tuple[ExchangeRate, ...] = ()) -> Scenario:
    """A Scenario with the example's customers, terms, settings and ledger."""
    setup = example["setup"]
    st = settings or settings_for(setup)
    book = Book(settings=st, customers=customers_in(example), terms=terms_for(setup), rates=rates)
    ledger: list[LedgerEntry] = []
    for i, raw in enumerate(x for x in example["entries"] if "note" not in x):
        posting = d(raw.get("posting_date") or raw.get("date")) or DEFAULT_DATE
        e = new_entry(book=book, entry_no=raw.get("entry_no", i + 1), customer_no=raw.get("customer", "C"),
                      document_type=DT(_doc_type(raw.get("doc_type", "Invoice"))),
                      document_no=raw.get("doc_no") or raw.get("voucher") or f"DOC{i + 1}",
                      posting_date=posting, amount=D(raw["amount"]),
                      currency=raw.get("currency", "") if raw.get("currency") not in (None, "LCY") else "",
                      document_date=d(raw.get("document_date")),
                      exchange_rate=D(raw["rate"]) if raw.get("rate") else None)
        over: dict[str, object] = {}
        for k, f in _OVERLAY.items():
            if k in raw:
                v = raw[k]
                over[f] = v if isinstance(v, bool) else (d(v) if "date" in f else D(v))
        if "remaining_pmt_disc_possible" in over and "original_pmt_disc_possible" not in over:
            over["original_pmt_disc_possible"] = over["remaining_pmt_disc_possible"]
        if "amount_lcy" in raw:
            over["amount_lcy"] = over["remaining_amount_lcy"] = D(raw["amount_lcy"])
        if "amount_accounting" in raw:
            over["amount_lcy"] = over["remaining_amount_lcy"] = D(raw["amount_accounting"])
        if "remaining_amount" in over and over["remaining_amount"] == 0:
            over["remaining_amount_lcy"] = D(0)
        ledger.append(replace(e, **over))
    return Scenario(book=replace(book, ledger=tuple(ledger)))


def _doc_type(text: str) -> str:
    return {"Credit note": "Credit Memo"}.get(text, text)


def payment(doc_no: str, day: date, amount: str | Decimal, *, customer: str = "", docs: tuple[str, ...] = (),
            applies_to_id: str = "", full_settlement: bool = False, currency: str = "",
            doc_type: DocumentType = DT.PAYMENT) -> JournalLine:
    """A journal line; ``amount`` may be signed as in the examples (the sign is dropped)."""
    return JournalLine(line_no=1, posting_date=day, document_type=doc_type, document_no=doc_no,
                       amount=abs(D(str(amount))), customer_no=customer, applies_to_doc_nos=docs,
                       applies_to_id=applies_to_id, full_settlement=full_settlement, currency=currency)


def _totals(rows: list[tuple[str, Decimal, Decimal]]) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = {}
    for account, debit, credit in rows:
        if debit:
            out[(account, "Dr")] = out.get((account, "Dr"), D(0)) + debit
        if credit:
            out[(account, "Cr")] = out.get((account, "Cr"), D(0)) + credit
    return out


def gl_multiset(lines: list[dict]) -> dict[tuple[str, str], Decimal]:
    """Expected G/L as debit and credit totals per xlar account.

    xlar posts one pair of lines per application (each carries its Application No.);
    BC and D365 show the same amounts summed per account, so totals are compared.
    """
    return _totals([(ACCOUNT_NAMES[x["account"]], D(x["debit"]), D(x["credit"])) for x in lines])


def gl_of(gl: tuple[GLLine, ...] | list[GLLine]) -> dict[tuple[str, str], Decimal]:
    """Actual G/L as debit and credit totals per account."""
    return _totals([(g.account_no, g.debit, g.credit) for g in gl])


def assert_entries(sc: Scenario, expected: list[dict]) -> None:
    """Check each expected entry's fields, closed-by given as a document number."""
    for exp in expected:
        e = sc.entry(exp["doc_no"])
        if "remaining_amount" in exp:
            assert e.remaining_amount == D(exp["remaining_amount"]), (exp["doc_no"], e.remaining_amount)
        if "open" in exp:
            assert e.open is exp["open"], (exp["doc_no"], e.open)
        if "closed_by_doc_no" in exp:
            assert e.closed_by_entry_no is not None, exp["doc_no"]
            assert sc.entry_by_no(e.closed_by_entry_no).document_no == exp["closed_by_doc_no"]
        if "closed_at_date" in exp:
            assert e.closed_at_date == d(exp["closed_at_date"])
        for f in ("due_date", "pmt_discount_date"):
            if f in exp:
                assert getattr(e, f) == d(exp[f]), (exp["doc_no"], f)
        for f in ("original_pmt_disc_possible", "remaining_pmt_disc_possible"):
            if f in exp:
                assert getattr(e, f) == D(exp[f]), (exp["doc_no"], f, getattr(e, f))


def total(apps: tuple[Application, ...] | list[Application], attr: str) -> Decimal:
    return sum((getattr(a, attr) for a in apps), D(0))


def day_after(x: date, n: int = 1) -> date:
    return x + timedelta(days=n)

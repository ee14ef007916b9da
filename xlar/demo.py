"""The demo: a realistic client workbook, posted end to end.

``build_demo_workbook`` writes a workbook that follows the contract
(``docs/workbook.md``): settings, payment terms, a few hundred customers in EUR
and USD, USD exchange rates, a customer ledger with months of history and a few
thousand open invoices, and a cash receipt journal of about a thousand lines that
exercises every kind of settlement xlar knows (Applies-to Doc. No., several
document numbers, Applies-to ID, apply to oldest, cash discounts in the first and
second period, late discounts in the grace period, payment tolerance on short and
over payments, partial payments, credit memos, a refund, new invoices) plus
exactly one bad line, so the demo also shows the ``Issues`` sheet.

The workbook is a plain function of the seed: the same seed gives the same cell
values. ``run_demo`` builds it, posts the journal with ``--skip-errors`` through
the same book-layer function the ``xlar post`` command uses, and prints a summary.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from xlar.core.dates import calc_date

#: The demo's "today": the journal is posted in the week ending on this date.
AS_OF = date(2026, 10, 30)
#: How far back the ledger history goes.
HISTORY_DAYS = 240

CENT = Decimal("0.01")
TOLERANCE_PCT = Decimal("0.5")
MAX_TOLERANCE = Decimal(5)
GRACE_DAYS = 5

#: Every kind of journal line the demo contains (the keys of ``DemoData.cases``).
CASES = (
    "exact",  # one invoice paid in full by Applies-to Doc. No.
    "exact_usd",  # the same for a USD customer (realized gain/loss)
    "multi_doc",  # one payment, several Applies-to Doc. Nos. (comma/semicolon separated)
    "applies_to_id",  # one payment, ledger entries marked with its Applies-to ID
    "discount",  # discounted payment inside the discount period (2 % 10 days)
    "discount_2nd_period",  # discounted payment inside the second period of a two-period term
    "late_discount_grace",  # discounted payment after the discount date, inside the grace period
    "short_pay_tolerance",  # underpayment inside the payment tolerance: written off
    "overpay_tolerance",  # small overpayment inside the payment tolerance: written off
    "overpay",  # overpayment beyond tolerance: the excess stays open on the payment
    "partial",  # partial payment: the invoice stays open
    "apply_to_oldest",  # no applies-to: applied to the oldest open invoices
    "credit_memo",  # credit memo applied to an invoice
    "refund",  # refund of an open credit memo
    "new_invoice",  # sales invoice posted through the journal
    "manual_on_account",  # Manual customer pays without applies-to: stays open on account
    "blocked_invoice_payment",  # payment from a customer blocked for invoicing (allowed)
    "bad",  # the one deliberate error: applies to a document that does not exist
)

#: Share of journal lines per case; ``exact`` takes what is left.
_SHARES = {
    "exact_usd": 0.04,
    "multi_doc": 0.07,
    "applies_to_id": 0.06,
    "discount": 0.10,
    "discount_2nd_period": 0.03,
    "late_discount_grace": 0.03,
    "short_pay_tolerance": 0.05,
    "overpay_tolerance": 0.02,
    "overpay": 0.03,
    "partial": 0.05,
    "apply_to_oldest": 0.05,
    "credit_memo": 0.04,
    "new_invoice": 0.10,
}
_SINGLE = ("refund", "manual_on_account", "blocked_invoice_payment", "bad")

BAD_DOCUMENT_NO = "INV999999"


@dataclass(frozen=True, slots=True)
class Terms:
    """A payment terms row, as the demo writes it."""

    code: str
    due: str
    discount_pct: Decimal = Decimal(0)
    discount_formula: str = ""
    discount2_pct: Decimal = Decimal(0)
    discount2_formula: str = ""
    description: str = ""


TERMS = (
    Terms("14D", "14D", description="Net 14 days"),
    Terms("30D", "30D", description="Net 30 days"),
    Terms("2%10/30", "30D", Decimal(2), "10D", description="2 % 10 days, net 30 days"),
    Terms("CM+30D", "CM+30D", description="End of month + 30 days"),
    Terms("3%7/1%14/30", "30D", Decimal(3), "7D", Decimal(1), "14D",
          description="3 % 7 days, 1 % 14 days, net 30 days"),
    Terms("1M", "1M", description="Net 1 month"),
)
_TERMS = {t.code: t for t in TERMS}
_NO_DISCOUNT = ("14D", "30D", "CM+30D", "1M")


@dataclass(slots=True)
class _Customer:
    no: str
    name: str
    currency: str
    terms: str
    blocked: str = ""
    method: str = ""
    iban: str = ""
    email: str = ""
    address: str = ""
    credit_limit: int = 0
    role: str = "regular"  # regular, oldest, blocked_all, blocked_invoice, manual_special


@dataclass(slots=True)
class _Entry:
    customer_no: str
    posting_date: date
    document_type: str
    document_no: str
    amount: Decimal
    remaining: Decimal
    description: str = ""
    external_document_no: str = ""
    applies_to_id: str = ""
    amount_to_apply: Decimal | None = None
    entry_no: int = 0
    order: float = 0.0
    closed_at: date | None = None  # paid history: the day its payment closed it


@dataclass(slots=True)
class _Line:
    posting_date: date
    document_type: str
    document_no: str
    customer_no: str
    amount: Decimal
    description: str = ""
    applies_to_doc_no: str = ""
    applies_to_id: str = ""
    external_document_no: str = ""
    payment_terms: str = ""
    case: str = ""
    line_no: int = 0
    order: float = 0.0


@dataclass(slots=True)
class DemoData:
    """The demo workbook as data: ``sheets`` maps a sheet name to (headers, rows)."""

    sheets: dict[str, tuple[list[str], list[list[Any]]]]
    cases: dict[str, list[int]] = field(default_factory=dict)  # case -> journal Line No.s
    as_of: date = AS_OF

    @property
    def bad_line_no(self) -> int:
        """``Line No.`` of the one deliberately bad journal line."""
        return self.cases["bad"][0]


# --------------------------------------------------------------------------- names


_NAME_A = (
    "Nordwind", "Alpen", "Rheintal", "Hanse", "Bergmann", "Lindner", "Van Dijk", "De Vries", "Rossi",
    "Bianchi", "Lumière", "Dubois", "Fischer", "Krämer", "Schäfer", "Novak", "Jansen", "Moreau",
    "Silva", "Costa", "Weber", "Keller", "Baltic", "Adria", "Danubia", "Iberia", "Tirol", "Zeeland",
    "Mosel", "Elbe", "Atlas", "Orion", "Polaris", "Vega", "Aurora", "Helios", "Nova", "Kestrel",
    "Falke", "Eiche", "Blauwal", "Sonnen", "Stern", "Linde", "Brückner", "Hoffmann", "Wagner",
)
_NAME_B = (
    "Logistik", "Maschinenbau", "Foods", "Textiles", "Consulting", "Elektro", "Bau", "Pharma",
    "Druck", "Metall", "Möbel", "Software", "Kunststoff", "Agrar", "Medizintechnik", "Verpackung",
    "Handel", "Optik", "Chemie", "Energie", "Automotive", "Papier", "Getränke", "Sanitär",
)
_FORMS = {
    "DE": ("GmbH", "GmbH & Co. KG", "AG", "KG", "e.K."),
    "AT": ("GmbH", "AG", "OG"),
    "NL": ("B.V.", "N.V."),
    "FR": ("SAS", "SARL", "SA"),
    "IT": ("S.r.l.", "S.p.A."),
    "US": ("Inc.", "LLC", "Corp."),
}
_CITIES = {
    "DE": (("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"), ("50667", "Köln"),
           ("70173", "Stuttgart"), ("04109", "Leipzig")),
    "AT": (("1010", "Wien"), ("5020", "Salzburg"), ("6020", "Innsbruck")),
    "NL": (("1012 AB", "Amsterdam"), ("3011 AD", "Rotterdam"), ("3511 AX", "Utrecht")),
    "FR": (("75001", "Paris"), ("69001", "Lyon"), ("13001", "Marseille")),
    "IT": (("20121", "Milano"), ("10121", "Torino"), ("40121", "Bologna")),
    "US": (("NY 10001", "New York"), ("IL 60601", "Chicago"), ("TX 75201", "Dallas")),
}
_STREETS = ("Hauptstraße", "Industriestraße", "Bahnhofstraße", "Am Hafen", "Keizersgracht", "Rue de la Paix",
            "Via Roma", "Main Street", "Market Street", "Lindenallee")
_IBAN_BBAN = {"DE": (8, 10), "AT": (5, 11), "NL": None, "FR": None, "IT": None}
_NL_BANKS = ("ABNA", "INGB", "RABO", "SNSB", "TRIO")


def _iban(rng: random.Random, country: str) -> str:
    """A syntactically valid IBAN (ISO 13616 check digits) for DE, AT, NL, FR or IT."""
    if country == "DE":
        bban = "".join(rng.choice("0123456789") for _ in range(18))
    elif country == "AT":
        bban = "".join(rng.choice("0123456789") for _ in range(16))
    elif country == "NL":
        bban = rng.choice(_NL_BANKS) + "".join(rng.choice("0123456789") for _ in range(10))
    elif country == "FR":
        bban = "".join(rng.choice("0123456789") for _ in range(23))
    else:  # IT
        bban = rng.choice("ABCDEFGHIJKLMNOPRSTUVWXYZ") + "".join(rng.choice("0123456789") for _ in range(22))
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def iban_is_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check (used by the tests)."""
    text = iban.replace(" ", "").upper()
    digits = "".join(str(int(ch, 36)) for ch in text[4:] + text[:4])
    return int(digits) % 97 == 1


# --------------------------------------------------------------------------- arithmetic


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(pct: Decimal, amount: Decimal) -> Decimal:
    return (pct * amount / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def max_tolerance(amount: Decimal) -> Decimal:
    """The demo settings' Max. Payment Tolerance of an invoice: min(0.5 % of it, 5.00)."""
    return min(_pct(TOLERANCE_PCT, abs(amount)), MAX_TOLERANCE)


def due_date(terms_code: str, document_date: date) -> date:
    """Due date of a document under the demo's payment terms."""
    return calc_date(_TERMS[terms_code].due, document_date)


# --------------------------------------------------------------------------- generator


class _Generator:
    def __init__(self, seed: int, customers: int, open_invoices: int, journal_lines: int) -> None:
        if customers < 20:
            raise ValueError("the demo needs at least 20 customers")
        if journal_lines < 40:
            raise ValueError("the demo needs at least 40 journal lines")
        self.rng = random.Random(seed)
        self.n_customers = customers
        self.n_open = open_invoices
        self.n_lines = journal_lines
        self.customers: list[_Customer] = []
        self.by_no: dict[str, _Customer] = {}
        self.entries: list[_Entry] = []
        self.lines: list[_Line] = []
        self.inv_no = 100000
        self.cm_no = 500000
        self.pmt_no = 700000
        self.rcpt_no = 0
        self.rates: list[tuple[date, Decimal]] = []
        self.journal_days = self._journal_days()

    # ----------------------------------------------------------------- helpers

    def _journal_days(self) -> list[date]:
        days: list[date] = []
        d = AS_OF
        while len(days) < 5:
            if d.weekday() < 5:
                days.append(d)
            d -= timedelta(days=1)
        return sorted(days)

    def _amount(self, lo: float = 80.0, hi: float = 60000.0) -> Decimal:
        value = self.rng.lognormvariate(7.0, 1.0)
        return _money(min(max(value, lo), hi))

    def _next_invoice_no(self) -> str:
        self.inv_no += 1
        return f"INV{self.inv_no}"

    def _next_cm_no(self) -> str:
        self.cm_no += 1
        return f"CM{self.cm_no}"

    def _next_pmt_no(self) -> str:
        self.pmt_no += 1
        return f"PMT{self.pmt_no}"

    def _next_receipt_no(self) -> str:
        self.rcpt_no += 1
        return f"RCPT26-{self.rcpt_no:05d}"

    def _pick(self, pool: list[_Customer]) -> _Customer:
        return pool[self.rng.randrange(len(pool))]

    def _invoice(self, cust: _Customer, posting_date: date, amount: Decimal | None = None,
                 remaining: Decimal | None = None) -> _Entry:
        amount = self._amount() if amount is None else amount
        entry = _Entry(
            customer_no=cust.no, posting_date=posting_date, document_type="Invoice",
            document_no=self._next_invoice_no(), amount=amount,
            remaining=amount if remaining is None else remaining,
            description=f"Invoice {self.rng.choice(_ITEMS)}",
            external_document_no=f"PO-{self.rng.randrange(1000, 99999)}",
            order=self.rng.random(),
        )
        self.entries.append(entry)
        return entry

    def _line(self, case: str, cust: _Customer, amount: Decimal, *, doc_type: str = "Payment",
              applies_to_doc_no: str = "", applies_to_id: str = "", document_no: str = "",
              day: date | None = None, description: str = "", payment_terms: str = "") -> _Line:
        doc_no = document_no or self._next_receipt_no()
        line = _Line(
            posting_date=day or self.rng.choice(self.journal_days), document_type=doc_type,
            document_no=doc_no, customer_no=cust.no, amount=amount,
            description=description or f"{doc_type} {cust.name}"[:100],
            applies_to_doc_no=applies_to_doc_no, applies_to_id=applies_to_id,
            external_document_no=(f"BANK-{self.rng.randrange(10**7, 10**8)}" if doc_type in ("Payment", "Refund")
                                  else ""),
            payment_terms=payment_terms, case=case, order=self.rng.random(),
        )
        self.lines.append(line)
        return line

    def _past(self, day: date, lo: int, hi: int) -> date:
        """A posting date ``lo``..``hi`` days before ``day``."""
        return day - timedelta(days=self.rng.randint(lo, hi))

    # ----------------------------------------------------------------- customers

    def make_customers(self) -> None:
        rng = self.rng
        used: set[str] = set()
        countries = ("DE",) * 6 + ("AT", "AT", "NL", "NL", "FR", "IT")
        for i in range(self.n_customers):
            usd = i % 12 == 5
            country = "US" if usd else rng.choice(countries)
            for _ in range(20):
                name = f"{rng.choice(_NAME_A)} {rng.choice(_NAME_B)} {rng.choice(_FORMS[country])}"
                if name not in used:
                    break
            else:
                name = f"{name} ({i + 1})"
            used.add(name)
            if usd:
                terms = rng.choice(("30D", "1M", "CM+30D"))
            else:
                terms = rng.choices(
                    ("14D", "30D", "2%10/30", "CM+30D", "3%7/1%14/30", "1M"), weights=(2, 4, 3, 2, 2, 1)
                )[0]
            postcode, city = rng.choice(_CITIES[country])
            slug = "".join(ch for ch in name.split()[0].lower() if ch.isascii() and ch.isalpha()) or "info"
            cust = _Customer(
                no=f"C{10000 + 10 * (i + 1)}", name=name, currency="USD" if usd else "",
                terms=terms, iban="" if usd else _iban(rng, country),
                email=f"ap@{slug}{i + 1}.example",
                address=f"{rng.choice(_STREETS)} {rng.randint(1, 180)}, {postcode} {city}",
                credit_limit=rng.choice((10000, 25000, 50000, 100000, 250000)),
                method="Manual" if rng.random() < 0.45 else "",
            )
            self.customers.append(cust)
        # special customers (fixed positions keep them stable across sizes)
        self.customers[1].blocked, self.customers[1].role = "All", "blocked_all"
        self.customers[2].blocked, self.customers[2].role = "Invoice", "blocked_invoice"
        self.customers[3].method, self.customers[3].role = "Manual", "manual_special"
        for c in self.customers[1:4]:
            c.currency, c.terms = "", "30D"
            if not c.iban:
                c.iban = _iban(rng, "DE")
        # make sure every kind of customer a case needs exists, however small the demo
        for c, (currency, terms, method) in zip(self.customers[4:9], (
                ("", "30D", "Manual"), ("USD", "30D", ""), ("", "2%10/30", "Manual"),
                ("", "3%7/1%14/30", ""), ("", "14D", ""))):
            c.currency, c.terms, c.method = currency, terms, method
            if currency and not c.name.endswith(_FORMS["US"]):
                c.name = f"{c.name.rsplit(' ', 1)[0]} Inc."
            if currency:
                c.iban = ""
            elif not c.iban:
                c.iban = _iban(rng, "DE")
        # customers reserved for apply-to-oldest payments: EUR, no discount, company method
        candidates = [c for c in self.customers[9:] if c.currency == "" and c.terms in _NO_DISCOUNT]
        n_oldest = max(1, min(round(self.n_lines * _SHARES["apply_to_oldest"]), len(self.customers) // 6))
        for c in candidates[:n_oldest]:
            c.role, c.method = "oldest", ""
        self.by_no = {c.no: c for c in self.customers}

    def pool(self, *, currency: str = "", discount: bool | None = None, manual: bool | None = None) -> list[_Customer]:
        out = []
        for c in self.customers:
            if c.role != "regular" or c.currency != currency:
                continue
            if discount is not None and (c.terms not in _NO_DISCOUNT) != discount:
                continue
            if manual is not None and (c.method == "Manual") != manual:
                continue
            out.append(c)
        return out

    def make_rates(self) -> None:
        rate = Decimal("0.9150")
        d = date(AS_OF.year, AS_OF.month, 1)
        starts = []
        for _ in range(HISTORY_DAYS // 30 + 2):
            starts.append(d)
            d = (d - timedelta(days=1)).replace(day=1)
        starts.sort()
        for start in starts:
            rate = (rate + Decimal(str(self.rng.uniform(-0.015, 0.015)))).quantize(Decimal("0.0001"))
            self.rates.append((start, rate))
        # a mid-month move in the current month, so this week's payments realize a gain or loss
        mid = AS_OF - timedelta(days=8)
        self.rates.append((mid, (rate + Decimal("0.0125")).quantize(Decimal("0.0001"))))

    # ----------------------------------------------------------------- journal cases

    def case_counts(self) -> dict[str, int]:
        counts = {case: max(1, round(self.n_lines * share)) for case, share in _SHARES.items()}
        counts["apply_to_oldest"] = sum(1 for c in self.customers if c.role == "oldest")
        for case in _SINGLE:
            counts[case] = 1
        counts["exact"] = max(1, self.n_lines - sum(counts.values()))
        return counts

    def make_journal(self) -> None:
        counts = self.case_counts()
        rng = self.rng
        eur_plain = self.pool(discount=False)
        eur_plain_manual = self.pool(discount=False, manual=True)
        eur_disc = self.pool(discount=True)
        usd = self.pool(currency="USD")
        two_period = [c for c in eur_disc if c.terms == "3%7/1%14/30"]
        one_period = [c for c in eur_disc if c.terms == "2%10/30"]
        if not usd:
            usd = [c for c in self.customers if c.currency == "USD"][:1]
        if not two_period or not one_period:  # tiny demos: make sure both discount terms exist
            eur_disc[0].terms, eur_disc[-1].terms = "2%10/30", "3%7/1%14/30"
            two_period, one_period = [eur_disc[-1]], [eur_disc[0]]

        for _ in range(counts["exact"]):
            c = self._pick(eur_plain)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 10, 75))
            self._line("exact", c, inv.remaining, applies_to_doc_no=inv.document_no, day=day)
        for _ in range(counts["exact_usd"]):
            c = self._pick(usd)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 20, 90))
            self._line("exact_usd", c, inv.remaining, applies_to_doc_no=inv.document_no, day=day)
        for _ in range(counts["multi_doc"]):
            c = self._pick(eur_plain)
            day = rng.choice(self.journal_days)
            invs = [self._invoice(c, self._past(day, 5, 80)) for _ in range(rng.randint(2, 4))]
            sep = rng.choice((", ", "; ", ","))
            self._line("multi_doc", c, sum((i.remaining for i in invs), Decimal(0)), day=day,
                       applies_to_doc_no=sep.join(i.document_no for i in invs))
        reserved: set[str] = set()  # customers whose open credit memos a line relies on
        for k in range(counts["applies_to_id"]):
            c = self._pick(eur_plain)
            day = rng.choice(self.journal_days)
            doc_no = self._next_receipt_no()
            invs = [self._invoice(c, self._past(day, 5, 80)) for _ in range(rng.randint(2, 5))]
            for inv in invs:
                inv.applies_to_id = doc_no
            total = sum((i.remaining for i in invs), Decimal(0))
            if k % 4 == 1:  # a credit memo marked with the same ID is netted
                cm_amount = _money(min(total / 4, self._amount(20, 2000)))
                cm = self._credit_memo(c, self._past(day, 2, 30), cm_amount)
                cm.applies_to_id = doc_no
                reserved.add(c.no)
                total -= cm_amount
            elif k % 4 == 3:  # the customer pays only part of the last marked invoice (Amount to Apply)
                last = invs[-1]
                last.amount_to_apply = _money(last.remaining / 2)
                total -= last.remaining - last.amount_to_apply
            self._line("applies_to_id", c, total, applies_to_id=doc_no, document_no=doc_no, day=day,
                       description=f"Payment {c.name} ({len(invs)} invoices)"[:100])
        for _ in range(counts["discount"]):
            c = self._pick(one_period)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 1, 10))
            self._line("discount", c, inv.remaining - _pct(Decimal(2), inv.amount),
                       applies_to_doc_no=inv.document_no, day=day)
        for _ in range(counts["discount_2nd_period"]):
            c = self._pick(two_period)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 8 + GRACE_DAYS, 14))
            self._line("discount_2nd_period", c, inv.remaining - _pct(Decimal(1), inv.amount),
                       applies_to_doc_no=inv.document_no, day=day)
        manual_disc = [c for c in one_period if c.method == "Manual"] or one_period
        for _ in range(counts["late_discount_grace"]):
            c = self._pick(manual_disc)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 11, 10 + GRACE_DAYS))
            self._line("late_discount_grace", c, inv.remaining - _pct(Decimal(2), inv.amount),
                       applies_to_doc_no=inv.document_no, day=day)
        for _ in range(counts["short_pay_tolerance"]):
            c = self._pick(eur_plain_manual)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 10, 70), amount=self._amount(400, 60000))
            short = _money(max_tolerance(inv.amount) * Decimal(str(rng.uniform(0.2, 0.9))))
            self._line("short_pay_tolerance", c, inv.remaining - max(short, CENT),
                       applies_to_doc_no=inv.document_no, day=day)
        for _ in range(counts["overpay_tolerance"]):
            c = self._pick(eur_plain_manual)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 10, 70), amount=self._amount(400, 60000))
            over = _money(max_tolerance(inv.amount) * Decimal(str(rng.uniform(0.2, 0.9))))
            self._line("overpay_tolerance", c, inv.remaining + max(over, CENT),
                       applies_to_doc_no=inv.document_no, day=day)
        for _ in range(counts["overpay"]):
            c = self._pick(eur_plain_manual)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 10, 70))
            self._line("overpay", c, inv.remaining + _money(rng.uniform(25, 400)),
                       applies_to_doc_no=inv.document_no, day=day)
        for _ in range(counts["partial"]):
            c = self._pick(eur_plain)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 20, 90), amount=self._amount(500, 60000))
            part = _money(inv.remaining * Decimal(str(rng.uniform(0.2, 0.8))))
            self._line("partial", c, part, applies_to_doc_no=inv.document_no, day=day,
                       description=f"Part payment {c.name}"[:100])
        for _ in range(counts["credit_memo"]):
            c = self._pick(eur_plain)
            day = rng.choice(self.journal_days)
            inv = self._invoice(c, self._past(day, 5, 60), amount=self._amount(300, 60000))
            cm_amount = _money(inv.remaining * Decimal(str(rng.uniform(0.05, 0.4))))
            self._line("credit_memo", c, cm_amount, doc_type="Credit Memo", document_no=self._next_cm_no(),
                       applies_to_doc_no=inv.document_no, day=day,
                       description=f"Credit memo {inv.document_no}: returned goods")
        # refund of an open credit memo
        c = self._pick(eur_plain)
        day = rng.choice(self.journal_days)
        cm = self._credit_memo(c, self._past(day, 5, 40), self._amount(50, 3000))
        self._line("refund", c, -cm.remaining, doc_type="Refund", applies_to_doc_no=cm.document_no, day=day,
                   description=f"Refund of credit memo {cm.document_no}")
        reserved.add(c.no)
        # new invoices; for Apply-to-Oldest customers with open credit memos, posting applies them
        # (BC), so customers whose credit memos other lines need are left out
        invoiceable = [c for c in eur_plain + eur_disc + usd if c.no not in reserved]
        for _ in range(counts["new_invoice"]):
            c = self._pick(invoiceable)
            day = rng.choice(self.journal_days)
            terms = c.terms if rng.random() < 0.2 else ""
            self._line("new_invoice", c, self._amount(), doc_type="Invoice", document_no=self._next_invoice_no(),
                       day=day, payment_terms=terms, description=f"Invoice {rng.choice(_ITEMS)}")
        # a Manual customer pays without saying what for: the payment stays open on account
        manual = next(c for c in self.customers if c.role == "manual_special")
        self._invoice(manual, self._past(AS_OF, 10, 40))
        self._line("manual_on_account", manual, self._amount(100, 5000), description=f"Payment {manual.name} on account")
        # a customer blocked for invoicing may still pay
        blocked = next(c for c in self.customers if c.role == "blocked_invoice")
        day = rng.choice(self.journal_days)
        inv = self._invoice(blocked, self._past(day, 20, 60))
        self._line("blocked_invoice_payment", blocked, inv.remaining, applies_to_doc_no=inv.document_no, day=day)
        # the blocked-for-everything customer owns open invoices but sends nothing
        everything = next(c for c in self.customers if c.role == "blocked_all")
        for _ in range(3):
            self._invoice(everything, self._past(AS_OF, 30, 150))
        # the one bad line: a payment for a document that does not exist
        c = self._pick(eur_plain)
        self._line("bad", c, self._amount(100, 5000), applies_to_doc_no=BAD_DOCUMENT_NO,
                   description=f"Payment {c.name} (wrong invoice number)"[:100])

    def _credit_memo(self, cust: _Customer, posting_date: date, amount: Decimal) -> _Entry:
        entry = _Entry(
            customer_no=cust.no, posting_date=posting_date, document_type="Credit Memo",
            document_no=self._next_cm_no(), amount=-amount, remaining=-amount,
            description="Credit memo: price difference", order=self.rng.random(),
        )
        self.entries.append(entry)
        return entry

    # ----------------------------------------------------------------- background ledger

    def make_background(self) -> None:
        """Open invoices nobody pays this week, open credit memos and paid history."""
        rng = self.rng
        open_now = sum(1 for e in self.entries if e.document_type == "Invoice")
        free = [c for c in self.customers if c.role in ("regular", "oldest", "blocked_all")]
        weights = [rng.paretovariate(1.3) for _ in free]
        oldest = [c for c in self.customers if c.role == "oldest"]
        for c in oldest:  # every apply-to-oldest customer has a few open invoices
            for _ in range(rng.randint(2, 4)):
                self._invoice(c, self._past(AS_OF, 8, 120))
                open_now += 1
        for _ in range(max(0, self.n_open - open_now)):
            c = rng.choices(free, weights)[0]
            age = min(int(rng.expovariate(1 / 30)), HISTORY_DAYS - 60)
            posting = AS_OF - timedelta(days=age + 1)
            amount = self._amount()
            remaining = amount
            if rng.random() < 0.06 and amount > 200 and c.role != "oldest":  # partly paid earlier
                paid = _money(amount * Decimal(str(rng.uniform(0.2, 0.7))))
                remaining = amount - paid
                pay_day = min(posting + timedelta(days=rng.randint(5, 30)), AS_OF - timedelta(days=6))
                if pay_day > posting:
                    self._history_payment(c, pay_day, paid)
                else:
                    remaining = amount
            self._invoice(c, posting, amount, remaining)
        # open credit memos (not for apply-to-oldest customers)
        regular = [c for c in self.customers if c.role == "regular"]
        for _ in range(max(1, self.n_open // 50)):
            c = self._pick(regular)
            self._credit_memo(c, self._past(AS_OF, 6, 120), self._amount(20, 3000))
        # paid history: invoices closed by payments (and by discounted payments)
        for _ in range(self.n_open // 2):
            c = self._pick(self.customers)
            posting = AS_OF - timedelta(days=rng.randint(45, HISTORY_DAYS))
            inv = self._invoice(c, posting, remaining=Decimal(0))
            terms = _TERMS[c.terms]
            pay_day = posting + timedelta(days=rng.randint(3, 45))
            paid = inv.amount
            if terms.discount_pct and pay_day <= calc_date(terms.discount_formula, posting):
                paid -= _pct(terms.discount_pct, inv.amount)
            inv.closed_at = pay_day
            self._history_payment(c, pay_day, paid)

    def _history_payment(self, cust: _Customer, day: date, amount: Decimal) -> None:
        self.entries.append(_Entry(
            customer_no=cust.no, posting_date=day, document_type="Payment", document_no=self._next_pmt_no(),
            amount=-amount, remaining=Decimal(0), description=f"Payment {cust.name}"[:100],
            external_document_no=f"BANK-{self.rng.randrange(10**7, 10**8)}", order=self.rng.random(),
        ))

    def make_oldest_payments(self) -> None:
        """One apply-to-oldest payment per reserved customer: the oldest invoices plus part of the next."""
        rng = self.rng
        by_customer: dict[str, list[_Entry]] = defaultdict(list)
        for e in self.entries:
            if e.remaining != 0:
                by_customer[e.customer_no].append(e)
        for c in (c for c in self.customers if c.role == "oldest"):
            day = rng.choice(self.journal_days)
            open_entries = sorted(
                (e for e in by_customer[c.no] if e.posting_date <= day),
                key=lambda e: (due_date(c.terms, e.posting_date), e.posting_date, e.document_no),
            )
            k = rng.randint(1, max(1, len(open_entries) - 1))
            amount = sum((e.remaining for e in open_entries[:k]), Decimal(0))
            if k < len(open_entries):
                amount += _money(open_entries[k].remaining * Decimal(str(rng.uniform(0.1, 0.6))))
            self._line("apply_to_oldest", c, amount, day=day, description=f"Payment {c.name}"[:100])

    # ----------------------------------------------------------------- assemble

    def build(self) -> DemoData:
        self.make_customers()
        self.make_rates()
        self.make_journal()
        self.make_background()
        self.make_oldest_payments()
        self.entries.sort(key=lambda e: (e.posting_date, e.order))
        for i, e in enumerate(self.entries, start=1):
            e.entry_no = i
        self.lines.sort(key=lambda ln: (ln.posting_date, ln.order))
        cases: dict[str, list[int]] = {case: [] for case in CASES}
        for i, ln in enumerate(self.lines, start=1):
            ln.line_no = 10000 * i
            cases[ln.case].append(ln.line_no)
        data = DemoData(sheets=self._sheets(), cases=cases)
        data.sheets["GLEntries"] = opening_gl(data)
        _month_end_setup(self, data)
        _collections_setup(self, data)
        return data

    def _sheets(self) -> dict[str, tuple[list[str], list[list[Any]]]]:
        settings = [
            ["Company Currency", "EUR"],
            ["Application Method", "Apply to Oldest"],
            ["Payment Tolerance %", float(TOLERANCE_PCT)],
            ["Max. Payment Tolerance Amount", float(MAX_TOLERANCE)],
            ["Payment Discount Grace Period", f"{GRACE_DAYS}D"],
            ["Payment Tolerance Posting", "Payment Tolerance Accounts"],
            ["Calc. Pmt. Disc. on Partial Payments", False],
            ["Calc. Pmt. Disc. on Credit Memos", False],
            ["Pmt. Disc. Excl. VAT", False],
            ["Max. Over/Underpayment", 0.0],
            ["Appln. Rounding Precision", 0.0],
            ["Receivables Account", "1100"],
            ["Bank Account", "1200"],
            ["Discount Account", "8400"],
            ["Payment Tolerance Account", "8410"],
            ["Over/Underpayment Account", "8420"],
            ["Realized Gains Account", "8500"],
            ["Realized Losses Account", "8510"],
            ["Interest Income Account", "8600"],
            ["Fee Income Account", "8610"],
            # the sender of the month-end documents (statements, reminders, memos: xlar.book.documents)
            ["Company Name", CREDITOR[0][1]],
            ["Company Address", "Hauptstraße 12"],
            ["Company Post Code", "80331"],
            ["Company City", "München"],
            ["Company Country/Region Code", "DE"],
            ["Company VAT Registration No.", "DE123456789"],
            ["Company Phone No.", "+49 89 1234 5670"],
            ["Company E-Mail", "receivables@cronus-demo.example"],
            ["Company Bank Name", "Commerzbank"],
            ["Company IBAN", CREDITOR[2][1]],
            ["Company BIC", CREDITOR[3][1]],
        ]
        terms = [
            [t.code, t.due, float(t.discount_pct) if t.discount_pct else None, t.discount_formula or None,
             float(t.discount2_pct) if t.discount2_pct else None, t.discount2_formula or None, t.description]
            for t in TERMS
        ]
        customers = [
            [c.no, c.name, c.currency or None, c.terms, c.blocked or None, c.method or None, c.iban or None,
             c.email, c.address, float(c.credit_limit)]
            for c in self.customers
        ]
        rates = [["USD", start, float(rate)] for start, rate in self.rates]
        ledger = [
            [e.entry_no, e.customer_no, e.posting_date, e.document_type, e.document_no, e.description,
             e.external_document_no or None, float(e.amount), float(e.remaining), e.applies_to_id or None,
             float(e.amount_to_apply) if e.amount_to_apply is not None else None]
            for e in self.entries
        ]
        journal = [
            [ln.line_no, ln.posting_date, ln.document_type, ln.document_no, ln.customer_no, ln.description,
             float(ln.amount), ln.applies_to_doc_no or None, ln.applies_to_id or None,
             ln.external_document_no or None, ln.payment_terms or None]
            for ln in self.lines
        ]
        return {
            "Settings": (["Setting", "Value"], settings),
            "PaymentTerms": (["Code", "Due Date Formula", "Discount %", "Discount Date Formula", "Discount 2 %",
                              "Discount 2 Date Formula", "Description"], terms),
            "Customers": (["Customer No.", "Name", "Currency", "Payment Terms", "Blocked", "Application Method",
                           "IBAN", "Email", "Address", "Credit Limit"], customers),
            "ExchangeRates": (["Currency", "Starting Date", "Rate"], rates),
            "Ledger": (["Entry No.", "Customer No.", "Posting Date", "Document Type", "Document No.", "Description",
                        "External Document No.", "Amount", "Remaining Amount", "Applies-to ID", "Amount to Apply"],
                       ledger),
            "Journal": (["Line No.", "Posting Date", "Document Type", "Document No.", "Customer No.", "Description",
                         "Amount", "Applies-to Doc. No.", "Applies-to ID", "External Document No.", "Payment Terms"],
                        journal),
        }


# --------------------------------------------------------------------------- month end, SEPA, bank, predict

#: The demo's creditor for SEPA direct debits (a valid test Creditor Identifier and IBAN).
CREDITOR = (("Creditor Name", "CRONUS Demo GmbH"), ("Creditor Identifier", "DE98ZZZ09999999999"),
            ("Creditor IBAN", "DE89370400440532013000"), ("Creditor BIC", "COBADEFFXXX"),
            ("Local Instrument", "CORE"), ("Format", "pain.008.001.02"))
STATEMENT_NO = "STM-2026-10"


def _month_end_setup(gen: _Generator, data: DemoData) -> None:
    """What month end, SEPA, matching and prediction need, added to ``data`` (its own random stream,
    so the ledger and journal stay what the seed made them): reminder and finance charge terms and
    each customer's codes, the Closed at Date of the paid history, the SEPA creditor and mandates of
    some EUR customers, and a bank statement whose lines pay open invoices."""
    rng = random.Random(7919)  # its own stream: the seed's ledger and journal are unchanged
    data.sheets["ReminderTerms"] = (
        ["Code", "Level", "Grace Period", "Due Date Formula", "Additional Fee", "Calculate Interest",
         "Max. No. of Reminders", "Minimum Amount"],
        [["STD", 1, "5D", "14D", 5.0, False, 3, 25.0],
         ["STD", 2, "7D", "14D", 10.0, True, None, None],
         ["STD", 3, "7D", "7D", 20.0, True, None, None]])
    data.sheets["FinanceChargeTerms"] = (
        ["Code", "Interest Rate %", "Interest Period (Days)", "Interest Calculation Method", "Grace Period",
         "Minimum Amount", "Additional Fee", "Due Date Formula"],
        [["FC1.5", 1.5, 30, "Average Daily Balance", "5D", 2.0, 5.0, "14D"]])
    headers, rows = data.sheets["Customers"]
    fin = set()
    for c in gen.customers:
        if rng.random() < 0.4:
            fin.add(c.no)
    data.sheets["Customers"] = (headers + ["Reminder Terms", "Fin. Charge Terms"],
                                [row + ["STD", "FC1.5" if row[0] in fin else None] for row in rows])
    # the paid history's Closed at Date (late payment prediction learns from it)
    headers, rows = data.sheets["Ledger"]
    closed = {e.entry_no: e.closed_at for e in gen.entries}
    data.sheets["Ledger"] = (headers + ["Closed at Date"], [row + [closed.get(row[0])] for row in rows])
    # SEPA: the creditor and a mandate for some EUR customers with an IBAN
    data.sheets["SEPASetup"] = (["Setting", "Value"], [list(kv) for kv in CREDITOR])
    eur = [c for c in gen.customers if c.role == "regular" and not c.currency and c.iban]
    chosen = rng.sample(eur, min(25, len(eur)))
    data.sheets["Mandates"] = (
        ["Mandate ID", "Customer No.", "IBAN", "BIC", "Type", "Signature Date", "Valid From", "Valid To",
         "Expected Number of Debits", "Debits Made", "Blocked"],
        [[f"MD-{c.no}", c.no, c.iban, None, "Recurring", date(2026, 1, 15), date(2026, 1, 15), None, None, 0,
          False] for c in sorted(chosen, key=lambda c: c.no)])
    # a bank statement dated after the journal: customers paying open invoices (by number, by amount)
    named = {ln.applies_to_doc_no for ln in gen.lines} | {c.no for c in chosen}
    names = {c.no: c for c in gen.customers}
    open_inv = [e for e in gen.entries if e.document_type == "Invoice" and e.remaining == e.amount
                and e.customer_no not in named and names[e.customer_no].role == "regular"
                and not names[e.customer_no].currency and e.document_no not in named]
    lines = []
    for i, e in enumerate(rng.sample(open_inv, min(12, len(open_inv))), start=1):
        c = names[e.customer_no]
        text = f"Payment {e.document_no}" if i % 3 else f"{c.name} invoice {e.external_document_no}"
        lines.append([STATEMENT_NO, i * 10000, AS_OF + timedelta(days=1), float(e.amount), "EUR", c.name,
                      c.iban or None, text, e.document_no if i % 2 else None])
    data.sheets["BankStatement"] = (["Statement No.", "Line No.", "Transaction Date", "Amount", "Currency",
                                     "Payer Name", "Payer IBAN", "Transaction Text", "Reference"], lines)


def _collections_setup(gen: _Generator, data: DemoData) -> None:
    """Credit and collections (``xlar collections``): credit limits that most customers keep and a few
    exceed, an ``Activities`` sheet of calls and promises to pay (one kept, one kept within the
    tolerance, broken ones, an open one, a cancelled one), the collectors already assigned on a
    ``Collections`` sheet (kept by the first run) and the priority settings. Its own random stream and
    only customers without journal lines, so the ledger, the journal and the other cases are unchanged
    and every promise keeps its status whether or not the journal is posted."""
    rng = random.Random(4241)
    in_journal = {ln.customer_no for ln in gen.lines}
    balance: dict[str, Decimal] = defaultdict(Decimal)
    old: dict[str, Decimal] = defaultdict(Decimal)  # open 75 days or more: overdue on any of the demo's terms
    overdue_inv: dict[str, list[_Entry]] = defaultdict(list)
    payments: dict[str, list[_Entry]] = defaultdict(list)
    for e in gen.entries:
        balance[e.customer_no] += e.remaining
        if e.posting_date < AS_OF - timedelta(days=75):
            old[e.customer_no] += e.remaining
            if e.document_type == "Invoice" and e.remaining > 0:
                overdue_inv[e.customer_no].append(e)
        if e.document_type == "Payment":
            payments[e.customer_no].append(e)
    for ln in gen.lines:  # what the journal invoices add: the demo posts within every limit
        if ln.document_type == "Invoice":
            balance[ln.customer_no] += ln.amount
    free = [c for c in gen.customers if c.role == "regular" and not c.currency and c.no not in in_journal]
    # credit limits: 1.5 x the balance rounded up to 5,000, but below the balance for every 12th customer
    headers, rows = data.sheets["Customers"]
    pos = headers.index("Credit Limit")
    over = {c.no for c in free[::12]}
    for row in rows:
        b = max(balance[row[0]], Decimal(0))
        if row[0] in over and b > 2000:
            row[pos] = float((b * Decimal("0.8") / 1000).to_integral_value() * 1000)
        else:
            row[pos] = float(max(((b * Decimal("1.5") / 5000).to_integral_value() + 1) * 5000, Decimal(10000)))
    # promises: kept (paid in full by the date), kept within the tolerance, broken, open, cancelled
    paid_late = [c for c in free if any(date(2026, 9, 1) <= p.posting_date <= date(2026, 10, 20)
                                        for p in payments[c.no])]
    silent = [c for c in free if overdue_inv[c.no] and c.no not in over and old[c.no] > 0
              and not any(p.posting_date >= date(2026, 9, 22) for p in payments[c.no])]
    owing = [c for c in free if overdue_inv[c.no] and c.no not in over and old[c.no] > 0 and c not in silent
             and not any(p.posting_date >= date(2026, 10, 27) for p in payments[c.no])]
    rng.shuffle(paid_late)
    rng.shuffle(silent)
    acts: list[list[Any]] = []

    def promise(c: _Customer, made: date, by: date, amount: Decimal, text: str, status: str | None = None) -> None:
        acts.append([made, c.no, "Promise", text, float(amount), by, status])

    for c, extra in zip(paid_late[:2], (Decimal(0), Decimal("0.50"))):
        pay = max((p for p in payments[c.no] if date(2026, 9, 1) <= p.posting_date <= date(2026, 10, 20)),
                  key=lambda p: p.posting_date)
        acts.append([pay.posting_date - timedelta(days=6), c.no, "Call", "Reminded of the open invoices",
                     None, None, None])
        promise(c, pay.posting_date - timedelta(days=4), pay.posting_date + timedelta(days=3), -pay.amount + extra,
                "Will pay by bank transfer" if not extra else "Will pay the total (rounded up)")
    for i, c in enumerate(silent[:3]):
        inv = overdue_inv[c.no][0]
        promise(c, date(2026, 9, 22), date(2026, 10, 9), inv.remaining, f"Promised to pay {inv.document_no}")
        acts.append([date(2026, 10, 16), c.no, "E-Mail", "Promise missed: asked for payment again", None, None, None])
        if i == 0:  # a second broken promise: this customer rises to the top
            promise(c, date(2026, 10, 16), date(2026, 10, 23), inv.remaining, "Promised again, by next Friday")
    rng.shuffle(owing)
    for c in owing[:2]:
        inv = overdue_inv[c.no][0]
        promise(c, date(2026, 10, 27), date(2026, 11, 6), inv.remaining, f"Will pay {inv.document_no} next week")
    if len(owing) > 2:
        c = owing[2]
        acts.append([date(2026, 10, 5), c.no, "Letter", "Final demand before collection agency", None, None, None])
        promise(c, date(2026, 10, 6), date(2026, 10, 12), overdue_inv[c.no][0].remaining,
                "Disputed: promise withdrawn", "Cancelled")
    acts.sort(key=lambda a: (a[0], a[1]))
    data.sheets["Activities"] = (["Date", "Customer No.", "Type", "Text", "Promised Amount", "Promised Date",
                                  "Status"], acts)
    # the collectors: each works a pool of customers (Owner), some with a next action and a note
    worked = [a[1] for a in acts] + [c.no for c in free[1:60:7]]
    notes = []
    for i, no in enumerate(dict.fromkeys(worked)):
        notes.append([no, ("Anna Berger", "Jonas Keller", "Mia Laurent")[i % 3],
                      AS_OF + timedelta(days=1 + i % 6) if i % 2 == 0 else None,
                      "Call the accounts payable clerk" if i % 4 == 0 else None])
    data.sheets["Collections"] = (["Customer No.", "Owner", "Next Action", "Note"], notes)
    settings = data.sheets["Settings"][1]
    settings += [["Priority Weight Overdue Amount", 0.5], ["Priority Weight Days Overdue", 1.0],
                 ["Priority Weight Broken Promises", 10.0], ["Priority Weight Credit Limit Use", 5.0],
                 ["Promise Tolerance", 1.0]]


_ITEMS = (
    "spare parts", "consulting services", "maintenance contract", "pallets of packaging", "software licences",
    "freight", "installation", "raw materials", "training", "office supplies", "calibration service",
)


def generate_demo(*, seed: int = 7, customers: int = 300, open_invoices: int = 4000,
                  journal_lines: int = 1000) -> DemoData:
    """The demo workbook's content as data (deterministic for ``seed``)."""
    return _Generator(seed, customers, open_invoices, journal_lines).build()


# --------------------------------------------------------------------------- writing

_MONEY_COLUMNS = {"Amount", "Remaining Amount", "Amount to Apply", "Credit Limit", "Debit", "Credit"}
_WIDTHS = {"Name": 38, "Description": 42, "Address": 40, "IBAN": 30, "Email": 30, "Setting": 36,
           "Applies-to Doc. No.": 30}


def build_demo_workbook(path: Path, *, seed: int = 7, customers: int = 300, open_invoices: int = 4000,
                        journal_lines: int = 1000) -> Path:
    """Write the demo client workbook to ``path`` (deterministic for ``seed``) and return ``path``."""
    data = generate_demo(seed=seed, customers=customers, open_invoices=open_invoices, journal_lines=journal_lines)
    return write_workbook(path, data)


def write_workbook(path: Path, data: DemoData, *, xlwings_conf: bool = False) -> Path:
    """Write ``data`` to ``path`` with openpyxl in write-only mode (one streamed pass per sheet);
    ``xlwings_conf`` adds the ``xlwings.conf`` sheet the Excel add-in reads."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for name, (headers, rows) in data.sheets.items():
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            wide = 16 if header in _MONEY_COLUMNS else 12  # money: up to 99,999,999.99 without ###
            ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(header, max(wide, len(header) + 3))
        head = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = _bold()
            head.append(cell)
        ws.append(head)
        money_idx = {i for i, h in enumerate(headers) if h in _MONEY_COLUMNS}
        if name == "Settings" or not money_idx:
            for row in rows:
                ws.append(row)
            continue
        for row in rows:
            out: list[Any] = list(row)
            for i in money_idx:
                if out[i] is not None:
                    cell = WriteOnlyCell(ws, value=out[i])
                    cell.number_format = "#,##0.00"
                    out[i] = cell
            ws.append(out)
    if xlwings_conf:
        conf = wb.create_sheet(XLWINGS_CONF_SHEET)  # read by the xlwings add-in, ignored by xlar
        for key, value in XLWINGS_CONF:
            conf.append([key, value])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


#: The workbook's own xlwings settings (keys in column A, values in column B, from A1): the
#: worksheet functions come from ``udfs.ar``; the Python interpreter is the add-in's setting.
XLWINGS_CONF_SHEET = "xlwings.conf"
XLWINGS_CONF: tuple[tuple[str, str], ...] = (
    ("UDF Modules", "udfs.ar"),
    ("Use UDF Server", "True"),
    ("Show Console", "False"),
)


# --------------------------------------------------------------------------- running the demo

DEMO_FILE = "xlar-demo.xlsx"


@dataclass(slots=True)
class DemoSummary:
    """What a posted demo workbook shows, read back from the file."""

    lines_posted: int
    lines_failed: int
    applications: int
    gl_lines: int
    unbalanced_documents: list[str]
    discounts: Decimal
    late_discounts: Decimal
    tolerance_underpaid: Decimal  # accepted short payments, written off (expense)
    tolerance_overpaid: Decimal  # accepted small overpayments, written off (income), positive
    realized_fx: Decimal  # gains positive
    open_before: Decimal  # LCY, every open entry
    open_after: Decimal
    open_payments_after: int  # payments left open on account (overpayments, no applies-to)
    issues: list[tuple[str, object, str, object, str]]  # (sheet, row, column, value, problem)
    result: str = ""
    applications_of_line: dict[int, list[int]] = field(default_factory=dict)  # journal Line No. -> Application Nos.


def read_grids(path: Path) -> dict[str, Any]:
    """Every sheet of ``path`` as a book-layer grid, read with python-calamine (read only, fast)."""
    from python_calamine import CalamineWorkbook

    from xlar.book.grid import Grid

    wb = CalamineWorkbook.from_path(str(path))
    grids: dict[str, Any] = {}
    for name in wb.sheet_names:
        data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        headers: list[object] = [None if h == "" else h for h in data[0]] if data else []
        rows = []
        for r, vals in enumerate(data[1:], start=2):
            clean = [None if v == "" else v for v in vals]
            if any(v is not None for v in clean):
                rows.append((r, clean))
        grids[name] = Grid(name, 1, 1, headers, rows)
    return grids


def open_balance(data: DemoData) -> Decimal:
    """Sum of Remaining Amount (LCY) over the demo's ledger, as the book layer reads it."""
    from xlar.book.grid import Grid
    from xlar.book.rows import read_book

    grids = {name: Grid(name, 1, 1, list(headers), [(r, list(v)) for r, v in enumerate(rows, start=2)])
             for name, (headers, rows) in data.sheets.items()}
    ledger = read_book(grids).book.ledger
    return sum((e.remaining_amount_lcy for e in ledger), Decimal(0))


#: Document No. of the demo's opening G/L pair (the receivables the open ledger stands for)
OPENING_DOCUMENT = "OPENING"


def opening_gl(data: DemoData) -> tuple[list[str], list[list[Any]]]:
    """GLEntries with one balanced opening pair: Dr receivables / Cr opening balance, the ledger's LCY total.

    Without it the receivables account would hold only what xlar posts, and month end's
    tie-out would (rightly) report the whole opening ledger as a difference.
    """
    balance = open_balance(data)
    dates = [row[2] for row in data.sheets["Ledger"][1]]
    day = max(dates)
    text = "Opening balance of the open customer ledger (LCY)"
    headers = ["Entry No.", "Posting Date", "Document No.", "Account No.", "Description", "Debit", "Credit"]
    return headers, [[1, day, OPENING_DOCUMENT, "1100", text, float(balance), None],
                     [2, day, OPENING_DOCUMENT, OPENING_BALANCE_ACCOUNT, text, None, float(balance)]]


#: the demo's contra account for the opening receivables (an equity / opening balance account)
OPENING_BALANCE_ACCOUNT = "3900"


def _records(grids: dict[str, Any], name: str) -> list[dict[str, Any]]:
    from xlar.book.grid import find
    from xlar.book.schema import norm

    g = find(grids, name)
    if g is None:
        return []
    keys = [norm(h) if h is not None else "" for h in g.headers]
    return [dict(zip(keys, vals)) for _, vals in g.rows]


def _dec(v: object) -> Decimal:
    if v in (None, ""):
        return Decimal(0)
    return _money(v if isinstance(v, (int, float, Decimal)) else Decimal(str(v)))


def summarize(path: Path, open_before: Decimal) -> DemoSummary:
    """Read the posted demo workbook back: figures for the summary and the tests."""
    from xlar.book.rows import read_book

    grids = read_grids(path)
    ledger = read_book(grids).book.ledger
    journal = _records(grids, "Journal")
    apps = _records(grids, "Applications")
    gl = [g for g in _records(grids, "GLEntries") if str(g.get("documentno")) != OPENING_DOCUMENT]
    per_doc: dict[str, Decimal] = defaultdict(Decimal)
    for g in gl:
        per_doc[str(g["documentno"])] += _dec(g["debit"]) - _dec(g["credit"])
    pt = [_dec(a["paymenttolerance"]) for a in apps]
    line_of = {int(j["postedentryno"]): int(j["lineno"]) for j in journal if j.get("postedentryno") and j.get("lineno")}
    applications_of_line: dict[int, list[int]] = defaultdict(list)
    for a in apps:
        line = line_of.get(int(a["applyingentryno"]))
        if line is not None:
            applications_of_line[line].append(int(a["applicationno"]))
    runlog = _records(grids, "RunLog")
    return DemoSummary(
        lines_posted=sum(1 for j in journal if j.get("status") == "Posted"),
        lines_failed=sum(1 for j in journal if j.get("status") == "Error"),
        applications=len(apps),
        gl_lines=len(gl),
        unbalanced_documents=sorted(d for d, v in per_doc.items() if v != 0),
        discounts=sum((_dec(a["discount"]) for a in apps), Decimal(0)),
        late_discounts=sum((_dec(a["paymentdiscounttolerance"]) for a in apps), Decimal(0)),
        tolerance_underpaid=sum((x for x in pt if x > 0), Decimal(0)),
        tolerance_overpaid=-sum((x for x in pt if x < 0), Decimal(0)),
        realized_fx=sum((_dec(a["realizedgainlosslcy"]) for a in apps), Decimal(0)),
        open_before=open_before,
        open_after=sum((e.remaining_amount_lcy for e in ledger), Decimal(0)),
        open_payments_after=sum(1 for e in ledger if e.open and e.document_type == "Payment"),
        issues=[(i.get("sheet"), i.get("row"), i.get("column"), i.get("value"), i.get("problem"))
                for i in _records(grids, "Issues")],
        result=str(runlog[-1].get("result", "")) if runlog else "",
        applications_of_line=dict(applications_of_line),
    )


def run_demo(directory: Path, console: Any, *, seed: int = 7, customers: int = 300, open_invoices: int = 4000,
             journal_lines: int = 1000) -> int:
    """Build ``directory/xlar-demo.xlsx``, post its journal with ``--skip-errors``, print a summary.

    Returns the exit code: 0 when the journal was posted (the one bad line is expected).
    """
    from rich.panel import Panel
    from rich.table import Table

    from xlar.book.commands import run_file
    from xlar.book.files import BookError

    directory = Path(directory)
    path = directory / DEMO_FILE
    with console.status("Building the demo workbook..."):
        data = generate_demo(seed=seed, customers=customers, open_invoices=open_invoices,
                             journal_lines=journal_lines)
        try:
            write_workbook(path, data, xlwings_conf=True)
        except OSError as exc:
            console.print(f"[red]xlar demo: cannot write {path}: {exc.strerror or exc} (is it open in Excel?)[/]")
            return 1
        before = open_balance(data)
    console.print(f"Built [bold]{path}[/]: {len(data.sheets['Customers'][1])} customers, "
                  f"{len(data.sheets['Ledger'][1]):,} ledger entries, {len(data.sheets['Journal'][1]):,} journal lines.")
    try:
        with console.status("Posting the journal (xlar post --skip-errors)..."):
            outcome = run_file(path, "post", skip_errors=True, label="demo: post --skip-errors")
    except BookError as exc:
        console.print(f"[red]xlar demo: {exc}[/]")
        return exc.exit_code
    with console.status("Reading the result back..."):
        s = summarize(path, before)

    def money(x: Decimal) -> str:
        return f"{x:,.2f}"

    t = Table(title="xlar post --skip-errors", show_header=False, title_justify="left", box=None, padding=(0, 2))
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_row("Journal lines posted", f"{s.lines_posted:,}")
    t.add_row("Journal lines with errors (skipped)", f"{s.lines_failed:,}")
    t.add_row("Applications", f"{s.applications:,}")
    t.add_row("G/L lines", f"{s.gl_lines:,}" + ("  (every document balances)" if not s.unbalanced_documents
                                                 else f"  [red]{len(s.unbalanced_documents)} unbalanced[/]"))
    t.add_row("Cash discounts taken (EUR)", money(s.discounts))
    t.add_row("Late discounts in the grace period", money(s.late_discounts))
    t.add_row("Tolerance written off: short pays", money(s.tolerance_underpaid))
    t.add_row("Tolerance written off: overpays", money(s.tolerance_overpaid))
    t.add_row("Realized FX gain (+) / loss (-)", money(s.realized_fx))
    t.add_row("Payments left open on account", f"{s.open_payments_after:,}")
    t.add_row("Open balance before (EUR)", money(s.open_before))
    t.add_row("Open balance after (EUR)", money(s.open_after))
    console.print(t)
    for sheet, row, column, value, problem in s.issues:
        console.print(Panel(f"{sheet} row {_int(row)}, column {column} = {value!r}\n{problem}",
                            title="The one bad line (on the Issues sheet)", title_align="left",
                            border_style="yellow", expand=False))
    console.print(f"Result: {outcome.result}.  Open [bold]{path}[/] in Excel: Journal (Status, Message), "
                  "Ledger, Applications, GLEntries, Issues, RunLog.")
    discounted = s.applications_of_line.get(data.cases["discount"][0], [])
    if discounted:
        console.print(f"Try next: [cyan]xlar unapply {path} --application {discounted[0]}[/]  "
                      "(reverses a discounted payment and its discount G/L lines)")
    return 0


def _int(v: object) -> object:
    return int(v) if isinstance(v, float) and v.is_integer() else v


_BOLD = None


def _bold() -> Any:
    global _BOLD
    if _BOLD is None:
        from openpyxl.styles import Font

        _BOLD = Font(bold=True)
    return _BOLD

"""Month-end documents per customer: statements, reminders and finance charge memos as PDF (and e-mail).

What Business Central prints as report 1316 *Standard Statement*, 117 *Reminder* and 118
*Finance Charge Memo*: the company's name, address and bank details (Settings, ``Company
...``), the customer's name and address (Customers), the lines, totals, the aging footer
and the payment instructions with the reference to quote. The CONTENT comes from the
month-end run itself (:class:`xlar.core.month_end.MonthEnd`): a statement's lines, running
balance and closing balance are the ``Statements`` sheet's, the aging footer is the
``Aging`` sheet's line of that customer and currency, a reminder's or memo's lines, interest
and fee are the ``Reminders`` / ``FinanceCharges`` sheet's. Nothing is computed again
here but the running sum the Statements sheet also shows.

Texts are in the customer's ``Language Code`` where :mod:`xlar.book.doctexts` has the
language (else English); dates and amounts are formatted for that locale with Babel.
PDFs are drawn with reportlab (BSD; see docs/decisions.md) with ``invariant=1``, so the
same run gives the same bytes and a second run overwrites the same files.

:func:`prepare` returns the documents (bytes in memory), the ``Outbox`` report and the
``.eml`` messages; :func:`write_files` puts them in the folder. The CLI writes the files
before it saves the workbook, so a folder that cannot be written leaves the book as it was.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from xlar.book import schema as S
from xlar.book.cells import is_blank, read_text
from xlar.book.doctexts import DEFAULT, language_of, locale_of, text
from xlar.book.files import BookError
from xlar.book.grid import Grid, find
from xlar.book.issues import SheetIssue
from xlar.book.rows import read_sheet_rows
from xlar.book.schema import Column, SheetSpec
from xlar.core import payref
from xlar.core.aging import Aging, AgingLine
from xlar.core.dunning import FINANCE_CHARGE, REMINDER, DunningDoc
from xlar.core.model import LedgerEntry, Severity
from xlar.core.money import ZERO
from xlar.core.month_end import MonthEnd
from xlar.core.statements import Statement
from xlar.core.tables import Cell, CellKind, Emphasis, Table

STATEMENT = "Statement"
#: document kind -> the word in the file name (English, so a clerk finds every customer's files alike)
FILE_WORD = {STATEMENT: "statement", REMINDER: "reminder", FINANCE_CHARGE: "finance charge memo"}
OUTBOX = "Outbox"

_PARTY = SheetSpec("Customers", (
    Column("Customer No.", "customer_no", required=True),
    Column("Name", "name"),
    Column("Address", "address"),
    Column("Address 2", "address_2"),
    Column("Post Code", "post_code"),
    Column("City", "city"),
    Column("Country/Region Code", "country"),
    Column("Email", "email"),
    Column("Language Code", "language"),
))


# --------------------------------------------------------------------------- who is writing to whom

@dataclass(frozen=True, slots=True)
class Company:
    """The sender: the ``Company ...`` settings (all optional; a document prints what is there)."""

    name: str = ""
    address: str = ""
    address_2: str = ""
    post_code: str = ""
    city: str = ""
    country: str = ""
    vat_reg_no: str = ""
    phone: str = ""
    email: str = ""
    bank_name: str = ""
    iban: str = ""
    bic: str = ""
    language: str = ""

    def lines(self) -> list[str]:
        return _address(self.address, self.address_2, self.post_code, self.city, self.country)


@dataclass(frozen=True, slots=True)
class Party:
    """A customer as documents address it."""

    customer_no: str
    name: str = ""
    address: str = ""
    address_2: str = ""
    post_code: str = ""
    city: str = ""
    country: str = ""
    email: str = ""
    language: str = ""  # the Language Code as typed

    def lines(self) -> list[str]:
        return _address(self.address, self.address_2, self.post_code, self.city, self.country)


def _address(address: str, address_2: str, post_code: str, city: str, country: str) -> list[str]:
    town = " ".join(p for p in (post_code, city) if p)
    return [p for p in (address, address_2, town, country) if p]


def read_company(grids: dict[str, Grid]) -> Company:
    """The ``Company ...`` rows of the Settings sheet (blank or missing rows: empty)."""
    grid = find(grids, S.SETTINGS_SHEET)
    if grid is None:
        return Company()
    keys = [S.norm(h) for h in grid.headers]
    name_pos = keys.index("setting") if "setting" in keys else 0
    value_pos = keys.index("value") if "value" in keys else 1
    values: dict[str, str] = {}
    for _, vals in grid.rows:
        if len(vals) <= max(name_pos, value_pos) or is_blank(vals[name_pos]):
            continue
        spec = S.SETTINGS_BY_KEY.get(S.norm(vals[name_pos]))
        if spec is not None and spec.field.startswith(S.COMPANY_PREFIX) and not is_blank(vals[value_pos]):
            values[spec.field.removeprefix(S.COMPANY_PREFIX)] = read_text(vals[value_pos]).strip()
    return Company(**values)


def read_parties(grids: dict[str, Grid], lcy: str) -> tuple[dict[str, Party], list[SheetIssue]]:
    """Every customer's name, address, e-mail and Language Code; an unknown code is a warning."""
    issues: list[SheetIssue] = []
    out: dict[str, Party] = {}
    grid = find(grids, "Customers")
    for row, f in read_sheet_rows(grids, _PARTY, issues, lcy):
        p = Party(**{k: read_text(v).strip() for k, v in f.items()})
        out.setdefault(p.customer_no, p)
        if p.language and not locale_of(p.language):
            issues.append(SheetIssue(grid.title if grid else "Customers", row, "Language Code", p.language,
                                     f"Customer {p.customer_no}: Language Code {p.language!r} is neither a Business "
                                     "Central code (ENU, SVE, DEU ...) nor a language (en, sv, de-AT ...); its "
                                     "documents are in English", "unknown-language-code", Severity.WARNING))
    return out, issues


# --------------------------------------------------------------------------- formatting

class Lang:
    """Words, dates and amounts of one document: the catalogue language and the Babel locale."""

    def __init__(self, code: str, default: str = "") -> None:
        self.code = code or default
        self.language = language_of(self.code) if self.code else DEFAULT
        self.locale = locale_of(self.code) or "en_US"

    def t(self, key: str, **fields: object) -> str:
        return text(key, self.language, **fields)

    def day(self, d: date | None) -> str:
        from babel.dates import format_date

        return format_date(d, format="medium", locale=self.locale) if d else ""

    def money(self, amount: Decimal, currency: str) -> str:
        from babel.numbers import format_currency

        return format_currency(amount, currency, locale=self.locale)

    def number(self, amount: Decimal, currency: str) -> str:
        """The amount without the currency sign (table columns; the currency is in the header)."""
        from babel.numbers import format_currency, get_currency_precision

        try:
            digits = get_currency_precision(currency)
        except Exception:  # noqa: BLE001 - an unknown currency: two decimals
            digits = 2
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_currency(amount, currency, format=pattern, locale=self.locale, currency_digits=False)

    def doc_type(self, value: str) -> str:
        try:
            return self.t(value)
        except KeyError:
            return value

    def bucket(self, name: str) -> str:
        m = re.fullmatch(r"(\d+)-(\d+) days", name)
        if m:
            return self.t("days", lo=m.group(1), hi=m.group(2))
        m = re.fullmatch(r"Over (\d+) days", name)
        if m:
            return self.t("over_days", n=m.group(1))
        return self.t("not_due") if name.lower() == "not due" else name

    def description(self, doc_type: str, value: str) -> str:
        m = re.fullmatch(r"(Applied|Unapplied): (.*) to (.*)", value) if doc_type == "Application" else None
        if m:
            return self.t(m.group(1).lower(), a=m.group(2), b=m.group(3))
        return value


# --------------------------------------------------------------------------- the documents

@dataclass(slots=True)
class Document:
    """One PDF: what it is, for whom, how much it asks for, and its bytes."""

    kind: str  # STATEMENT, REMINDER or FINANCE_CHARGE
    customer_no: str
    name: str
    email: str
    language: str  # the catalogue language used
    currency: str
    amount: Decimal  # statement: closing balance; reminder / memo: the total due
    document_no: str
    document_date: date
    due_date: date | None
    status: str  # Issued, Proposed ('' for statements)
    file: str = ""
    pdf: bytes = b""


@dataclass(slots=True)
class Prepared:
    documents: list[Document]
    outbox: Table
    messages: dict[str, bytes] = field(default_factory=dict)  # .eml file name -> message
    issues: list[SheetIssue] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        out = {d.file: d.pdf for d in self.documents}
        out.update(self.messages)
        return out


def prepare(grids: dict[str, Grid], me: MonthEnd, folder: Path, *, eml: bool = False,
            ledger: Sequence[LedgerEntry] = (), scheme: str = "") -> Prepared:
    """Every document of the month-end run ``me`` rendered, the Outbox report and (``eml``) the messages.

    ``ledger`` / ``scheme``: the open invoices' Payment References, printed as the reference to quote."""
    refs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for e in ledger:
        if e.payment_reference and e.open and e.remaining_amount > 0:
            refs.setdefault((e.customer_no, e.currency), []).append((e.document_no, e.payment_reference))
    lcy = me.aging.lcy
    company = read_company(grids)
    parties, issues = read_parties(grids, lcy)
    aging_lines = {(ln.customer_no, ln.currency): ln for ln in me.aging.lines}
    docs: list[Document] = []
    status = "Issued" if me.issued else "Proposed"
    for s in me.statements:
        p = parties.get(s.customer_no) or Party(s.customer_no, s.name)
        lang = Lang(p.language, company.language)
        d = Document(STATEMENT, s.customer_no, p.name or s.name, p.email, lang.language, s.currency, s.closing,
                     s.customer_no, me.as_of, None, "")
        quote = payref.to_quote(refs.get((s.customer_no, s.currency), []), scheme, s.customer_no)
        d.pdf = _render(_statement_story(company, p, lang, s, me.start, me.as_of, me.aging,
                                         aging_lines.get((s.customer_no, s.currency)), quote), company, lang,
                        f"{lang.t('statement')} · {s.customer_no} {d.name} · {lang.day(me.as_of)}")
        docs.append(d)
    for dd in me.dunning.documents:
        p = parties.get(dd.customer_no) or Party(dd.customer_no)
        lang = Lang(p.language, company.language)
        d = Document(dd.kind, dd.customer_no, p.name, p.email, lang.language, dd.currency, _total_due(dd),
                     dd.document_no, dd.document_date, dd.due_date, status)
        quote = payref.to_quote([(ln.entry.document_no, ln.entry.payment_reference) for ln in dd.lines], scheme,
                                f"{dd.document_no} / {dd.customer_no}")
        d.pdf = _render(_dunning_story(company, p, lang, dd, issued=me.issued, quote=quote), company, lang,
                        f"{_title(dd.kind, lang)} {dd.document_no} · {dd.customer_no} {d.name}")
        docs.append(d)
    _name_files(docs, me.as_of)
    prepared = Prepared(docs, outbox_table(docs, folder, me.as_of, eml=eml), issues=issues)
    if eml:
        prepared.messages = messages(docs, company, parties, me.as_of)
        for d in docs:
            if not d.email and d.kind == STATEMENT:
                prepared.issues.append(SheetIssue("Customers", None, "Email", None,
                                                  f"Customer {d.customer_no} has no e-mail address: its message has "
                                                  "no recipient", "no-email", Severity.WARNING))
    return prepared


def _total_due(d: DunningDoc) -> Decimal:
    """What the document asks for: a reminder the overdue lines plus interest and fee, a memo interest and fee."""
    if d.kind == REMINDER:
        return sum((ln.remaining for ln in d.lines), ZERO) + d.interest + d.fee
    return d.interest + d.fee


# --------------------------------------------------------------------------- file names

_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_name(text: str, limit: int = 80) -> str:
    """``text`` as a file-name part on Windows, macOS and Linux: no reserved characters, no trailing dots."""
    s = _BAD.sub(" ", unicodedata.normalize("NFC", text))
    s = re.sub(r"\s+", " ", s).strip()[:limit].rstrip()
    if s.upper() in _RESERVED:
        s = "_" + s
    return s or "_"


def _name_files(docs: list[Document], as_of: date) -> None:
    """``<customer no> <name> statement 2026-10-31.pdf``; the currency is added when a customer has two."""
    per: dict[tuple[str, str], int] = {}
    for d in docs:
        per[d.customer_no, d.kind] = per.get((d.customer_no, d.kind), 0) + 1
    for d in docs:
        cur = f" {d.currency}" if per[d.customer_no, d.kind] > 1 else ""
        d.file = f"{safe_name(f'{d.customer_no} {d.name}'.strip())} {FILE_WORD[d.kind]} {as_of.isoformat()}{cur}.pdf"


def eml_name(customer_no: str, name: str, as_of: date) -> str:
    return f"{safe_name(f'{customer_no} {name}'.strip())} {as_of.isoformat()}.eml"


# --------------------------------------------------------------------------- Outbox

OUTBOX_HEADERS = ("Customer No.", "Name", "E-Mail", "Language", "Document", "Document No.", "Status",
                  "Document Date", "Due Date", "Amount", "Currency", "File", "Message File")


def outbox_table(docs: list[Document], folder: Path, as_of: date, *, eml: bool) -> Table:
    """One row per document, a customer's documents together, headings on row 1 (a mail merge reads them as
    field names)."""
    t = Table(OUTBOX)
    t.add(*OUTBOX_HEADERS, emphasis=Emphasis.HEADER)
    t.header_rows = 1
    base = Path(folder).resolve()
    order = {STATEMENT: 0, REMINDER: 1, FINANCE_CHARGE: 2}
    for d in sorted(docs, key=lambda d: (d.customer_no, order[d.kind], d.currency)):
        msg = str(base / eml_name(d.customer_no, d.name, as_of)) if eml else ""
        t.add(d.customer_no, d.name, d.email, d.language, FILE_WORD[d.kind].capitalize() if d.kind == STATEMENT
              else d.kind, d.document_no, d.status, Cell(d.document_date, CellKind.DATE),
              Cell(d.due_date, CellKind.DATE) if d.due_date else "", Cell(d.amount, CellKind.MONEY, d.currency),
              d.currency, str(base / d.file), msg)
    return t


# --------------------------------------------------------------------------- e-mail

def messages(docs: list[Document], company: Company, parties: dict[str, Party], as_of: date) -> dict[str, bytes]:
    """One ready-to-send message per customer with its PDFs attached (From: Company E-Mail, To: the customer's)."""
    by_customer: dict[str, list[Document]] = {}
    for d in docs:
        by_customer.setdefault(d.customer_no, []).append(d)
    out: dict[str, bytes] = {}
    for no, ds in by_customer.items():
        p = parties.get(no) or Party(no, ds[0].name)
        lang = Lang(p.language, company.language)
        titles = [_title(d.kind, lang) + (f" {d.document_no}" if d.kind != STATEMENT else "") for d in ds]
        listed = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + f" {lang.t('and')} {titles[-1]}"
        m = EmailMessage(policy=SMTP)
        m["Subject"] = lang.t("mail_subject", company=company.name or "", documents=listed,
                              date=lang.day(as_of)).lstrip(": ")
        if company.email:
            m["From"] = f"{company.name} <{company.email}>" if company.name else company.email
        if p.email:
            m["To"] = p.email
        m["Date"] = formatdate(localtime=False)
        m["Message-ID"] = make_msgid(domain=company.email.rpartition("@")[2] or None)
        body = [lang.t("mail_greeting"), "", lang.t("mail_attached"), ""]
        body += [f"- {title}: {lang.money(d.amount, d.currency)}" for title, d in zip(titles, ds)]
        body += ["", lang.t("mail_questions"), "", lang.t("mail_closing"), company.name]
        m.set_content("\n".join(body) + "\n")
        for d in ds:
            m.add_attachment(d.pdf, maintype="application", subtype="pdf", filename=d.file)
        out[eml_name(no, ds[0].name, as_of)] = bytes(m)
    return out


def _title(kind: str, lang: Lang) -> str:
    return lang.t({STATEMENT: "statement", REMINDER: "reminder", FINANCE_CHARGE: "finance_charge_memo"}[kind])


# --------------------------------------------------------------------------- writing the files

def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file into ``folder`` (created), each atomically; a file of the same name is replaced.

    Raises :class:`BookError` naming the file when the folder or a file cannot be written.
    """
    folder = Path(folder)
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BookError(f"{folder}: cannot create the documents folder ({exc.strerror or exc}); nothing was "
                        "changed") from exc
    for name, data in files.items():
        target = folder / name
        tmp = ""
        try:
            fd, tmp = tempfile.mkstemp(prefix=".~xlar-", suffix=target.suffix, dir=str(folder))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise BookError(f"{target}: cannot write the document ({exc.strerror or exc}; is it open?)") from exc
        written.append(target)
    return written


# --------------------------------------------------------------------------- PDF (reportlab)

_UNSAFE = str.maketrans({"\u202f": "\u00a0", "\u2009": " ", "\u2212": "-", "\u200e": "", "\u200f": ""})


def _pdf_text(s: str) -> str:
    """Text the standard PDF fonts can draw (WinAnsi): narrow spaces become no-break spaces, other
    characters outside cp1252 fall back to their base letter (ł -> l) or '?'."""
    s = s.translate(_UNSAFE)
    try:
        s.encode("cp1252")
        return s
    except UnicodeEncodeError:
        out = []
        for ch in s:
            try:
                ch.encode("cp1252")
                out.append(ch)
            except UnicodeEncodeError:
                base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
                out.append(base or "?")
        return "".join(out)


def _p(s: str, style: object) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(_pdf_text(s)).replace("\n", "<br/>"), style)  # type: ignore[arg-type]


class _Styles:
    def __init__(self) -> None:
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        base = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=11.5)
        self.base = base
        self.small = ParagraphStyle("small", parent=base, fontSize=8, leading=10)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=9.5)
        self.cell_r = ParagraphStyle("cell_r", parent=self.cell, alignment=TA_RIGHT)
        self.head = ParagraphStyle("head", parent=self.cell, fontName="Helvetica-Bold")
        self.head_r = ParagraphStyle("head_r", parent=self.head, alignment=TA_RIGHT)
        self.company = ParagraphStyle("company", parent=base, fontName="Helvetica-Bold", fontSize=13, leading=16,
                                      alignment=TA_RIGHT)
        self.company_lines = ParagraphStyle("company_lines", parent=self.small, alignment=TA_RIGHT)
        self.sender = ParagraphStyle("sender", parent=base, fontSize=6.5, leading=8)
        self.address = ParagraphStyle("address", parent=base, fontSize=10, leading=13)
        self.title = ParagraphStyle("title", parent=base, fontName="Helvetica-Bold", fontSize=16, leading=20)
        self.draft = ParagraphStyle("draft", parent=base, fontName="Helvetica-Bold", textColor="#B00020")
        self.bold = ParagraphStyle("bold", parent=base, fontName="Helvetica-Bold")


_ST: _Styles | None = None


def _styles() -> _Styles:
    global _ST
    if _ST is None:
        _ST = _Styles()
    return _ST


_WIDTH = 170  # mm of text width on A4 with 18 mm margins, less the frame's padding


def _mm(x: float) -> float:
    from reportlab.lib.units import mm

    return x * mm


def _head(company: Company, party: Party, lang: Lang, title: str, fields: list[tuple[str, str]],
          draft: bool) -> list[object]:
    """Sender and recipient blocks, the title and the document's key fields."""
    from reportlab.platypus import Spacer
    from reportlab.platypus import Table as T

    st = _styles()
    right = [_p(company.name, st.company)] if company.name else []
    right += [_p("\n".join(company.lines()), st.company_lines)] if company.lines() else []
    contact = [f"{lang.t('phone')} {company.phone}" if company.phone else "",
               f"{lang.t('email')} {company.email}" if company.email else "",
               f"{lang.t('vat_reg_no')} {company.vat_reg_no}" if company.vat_reg_no else ""]
    if any(contact):
        right.append(_p("\n".join(c for c in contact if c), st.company_lines))
    sender = " · ".join(x for x in [company.name, *company.lines()] if x)
    left: list[object] = [_p(sender, st.sender), Spacer(1, 4)] if sender else []
    left += [_p("\n".join([party.name, *party.lines()]), st.address)]
    top = T([[left, right]], colWidths=[_mm(95), _mm(_WIDTH - 95)], hAlign="LEFT")
    top.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                  ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    story: list[object] = [top, Spacer(1, _mm(12)), _p(title, st.title)]
    if draft:
        story.append(_p(lang.t("draft"), st.draft))
    story.append(Spacer(1, _mm(3)))
    rows = [[_p(k, st.cell), _p(v, st.head)] for k, v in fields if v]
    info = T(rows, colWidths=[_mm(40), _mm(60)], hAlign="LEFT")
    info.setStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1),
                   ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    story += [info, Spacer(1, _mm(6))]
    return story


def _grid(rows: list[list[object]], widths: list[float], *, total_rows: int = 0, header: bool = True) -> object:
    from reportlab.platypus import Table as T

    t = T(rows, colWidths=[_mm(w) for w in widths], repeatRows=1 if header else 0, hAlign="LEFT")
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTSIZE", (0, 0), (-1, -1), 8),
             ("LEADING", (0, 0), (-1, -1), 9.5), ("LEFTPADDING", (0, 0), (-1, -1), 3),
             ("RIGHTPADDING", (0, 0), (-1, -1), 3), ("TOPPADDING", (0, 0), (-1, -1), 2),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), "#E8EDF3"), ("LINEBELOW", (0, 0), (-1, 0), 0.6, "#44546A")]
    if total_rows:
        style += [("LINEABOVE", (0, -total_rows), (-1, -total_rows), 0.6, "#44546A")]
    t.setStyle(style)
    return t


def _payment(company: Company, lang: Lang, sentence: str, reference: str) -> list[object]:
    """The payment instructions: what to pay by when, the bank account and the reference to quote."""
    from reportlab.platypus import Spacer

    st = _styles()
    out: list[object] = [Spacer(1, _mm(6)), _p(sentence, st.bold)]
    bank = [(lang.t("bank"), company.bank_name), ("IBAN", _iban(company.iban)), ("BIC", company.bic),
            (lang.t("reference"), reference)]
    bank = [(k, v) for k, v in bank if v]
    if company.iban or company.bank_name:
        out.append(Spacer(1, _mm(2)))
        out.append(_p(lang.t("pay_to"), st.base))
    rows = [[_p(k, st.cell), _p(v, st.head)] for k, v in bank]
    if rows:
        out.append(_grid(rows, [30, 90], header=False))
        out.append(_p(lang.t("quote"), st.small))
    return out


def _iban(iban: str) -> str:
    s = iban.replace(" ", "").upper()
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def _statement_story(company: Company, party: Party, lang: Lang, s: Statement, start: date, end: date,
                     aging: Aging, line: AgingLine | None, quote: str = "") -> list[object]:
    from reportlab.platypus import KeepTogether, Spacer

    st = _styles()
    cur = s.currency
    story = _head(company, party, lang, lang.t("statement"), [
        (lang.t("customer_no"), s.customer_no), (lang.t("statement_date"), lang.day(end)),
        (lang.t("period"), lang.t("period_range", start=lang.day(start), end=lang.day(end))),
        (lang.t("currency"), cur)], draft=False)
    head = [_p(lang.t("col_date"), st.head), _p(lang.t("col_no"), st.head), _p(lang.t("col_description"), st.head),
            _p(lang.t("col_due"), st.head), _p(lang.t("col_amount"), st.head_r),
            _p(lang.t("col_balance"), st.head_r)]
    opening = lang.t("brought_forward" if s.brought_forward else "opening")  # history missing: see core statements
    rows: list[list[object]] = [head, [_p(lang.day(start), st.cell), "", _p(opening, st.head), "", "",
                                       _p(lang.number(s.opening, cur), st.head_r)]]
    running = s.opening
    for m in s.movements:  # the running balance of the Statements sheet: opening + each movement
        running += m.amount
        doc = f"{lang.doc_type(m.document_type)} {m.document_no}".strip()
        rows.append([_p(lang.day(m.day), st.cell), _p(doc, st.cell),
                     _p(lang.description(m.document_type, m.description), st.cell),
                     _p(lang.day(m.due_date), st.cell), _p(lang.number(m.amount, cur), st.cell_r),
                     _p(lang.number(running, cur), st.cell_r)])
    closing = [_p(lang.day(end), st.head), "", _p(lang.t("closing"), st.head), "", "",
               _p(lang.number(s.closing, cur), st.head_r)]
    widths = [24, 34, 48, 24, 20, 20]
    story.append(_grid(rows, widths))
    tail: list[object] = [_grid([closing], widths, header=False, total_rows=1)]
    overdue = ZERO
    if line is not None:
        names = [lang.bucket(b.name) for b in aging.buckets]
        overdue = sum((a for b, a in zip(aging.buckets, line.amounts) if b.end is not None), ZERO)  # not "Not due"
        n = len(names) + 1
        w = _WIDTH / n
        tail += [Spacer(1, _mm(6)), _p(lang.t("aging", date=lang.day(end)), st.bold), Spacer(1, _mm(1.5)),
                 _grid([[_p(x, st.head_r) for x in [*names, lang.t("total")]],
                        [_p(lang.number(a, cur), st.cell_r) for a in [*line.amounts, line.total]]], [w] * n)]
    if s.closing < 0:
        sentence = lang.t("credit_balance", amount=lang.money(-s.closing, cur))
    elif overdue > 0:
        sentence = lang.t("pay_overdue", amount=lang.money(overdue, cur))
    else:
        sentence = lang.t("no_payment")
    tail += _payment(company, lang, sentence, quote or s.customer_no)
    story.append(KeepTogether(tail))
    return story


def _dunning_story(company: Company, party: Party, lang: Lang, d: DunningDoc, *, issued: bool,
                   quote: str = "") -> list[object]:
    from reportlab.platypus import KeepTogether, Spacer

    st = _styles()
    cur = d.currency
    is_rem = d.kind == REMINDER
    fields = [(lang.t("reminder_no" if is_rem else "memo_no"), d.document_no),
              (lang.t("customer_no"), d.customer_no), (lang.t("document_date"), lang.day(d.document_date)),
              (lang.t("due_date_head"), lang.day(d.due_date))]
    if is_rem:
        fields.append((lang.t("level"), str(d.level)))
    fields.append((lang.t("currency"), cur))
    story = _head(company, party, lang, lang.t("reminder" if is_rem else "finance_charge_memo"), fields,
                  draft=not issued)
    story += [_p(lang.t("reminder_intro" if is_rem else "memo_intro"), st.base), Spacer(1, _mm(4))]
    head = [_p(lang.t("col_posting_date"), st.head), _p(lang.t("col_no"), st.head), _p(lang.t("col_due"), st.head),
            _p(lang.t("col_original"), st.head_r), _p(lang.t("col_remaining"), st.head_r),
            _p(lang.t("col_interest"), st.head_r)]
    rows: list[list[object]] = [head]
    for ln in d.lines:
        e = ln.entry
        doc = f"{lang.doc_type(e.document_type.value)} {e.document_no}"
        rows.append([_p(lang.day(e.posting_date), st.cell), _p(doc, st.cell), _p(lang.day(e.due_date), st.cell),
                     _p(lang.number(e.amount, cur), st.cell_r), _p(lang.number(ln.remaining, cur), st.cell_r),
                     _p(lang.number(ln.interest, cur), st.cell_r)])
    widths = [26, 42, 26, 26, 26, 24]
    if is_rem and not any(ln.interest for ln in d.lines):  # a reminder level without interest: no such column
        rows = [r[:-1] for r in rows]
        widths = [28, 52, 30, 30, 30]
    story.append(_grid(rows, widths))
    remaining = sum((ln.remaining for ln in d.lines), ZERO)
    totals: list[tuple[str, Decimal]] = []
    if is_rem:
        totals.append((lang.t("sum_remaining"), remaining))
    if d.interest or not is_rem:
        totals.append((lang.t("interest"), d.interest))
    if d.fee:
        totals.append((lang.t("fee"), d.fee))
    due = _total_due(d)
    tot_rows = [[_p(k, st.cell), _p(lang.money(v, cur), st.cell_r)] for k, v in totals]
    tot_rows.append([_p(lang.t("total_due"), st.head), _p(lang.money(due, cur), st.head_r)])
    tot = _grid(tot_rows, [50, 30], header=False, total_rows=1)
    tot.hAlign = "RIGHT"  # type: ignore[attr-defined]
    tail: list[object] = [Spacer(1, _mm(3)), tot]
    sentence = lang.t("pay_by", amount=lang.money(due, cur), date=lang.day(d.due_date))
    tail += _payment(company, lang, sentence, quote or f"{d.document_no} / {d.customer_no}")
    story.append(KeepTogether(tail))
    return story


def _render(story: list[object], company: Company, lang: Lang, running: str = "") -> bytes:
    """The story on A4 pages with the company footer, "Page x of y" and, from page 2, ``running`` at the top
    (the document and the customer, so a loose page is still found)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import SimpleDocTemplate

    first = " · ".join(x for x in [company.name, ", ".join(company.lines()),
                                   f"{lang.t('vat_reg_no')} {company.vat_reg_no}" if company.vat_reg_no else ""] if x)
    second = " · ".join(x for x in [company.bank_name, f"IBAN {_iban(company.iban)}" if company.iban else "",
                                    f"BIC {company.bic}" if company.bic else ""] if x)
    footer = [_pdf_text(x) for x in (first, second) if x]

    class Numbered(Canvas):
        def __init__(self, *args: object, **kw: object) -> None:
            super().__init__(*args, **kw)  # type: ignore[arg-type]
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            n = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 7)
                self.setFillColor("#555555")
                w = A4[0]
                if self._pageNumber > 1 and running:
                    self.drawString(_mm(18), A4[1] - _mm(10), _pdf_text(running)[:150])
                self.drawRightString(w - _mm(18), _mm(14), _pdf_text(lang.t("page", page=self._pageNumber, pages=n)))
                if footer:
                    self.setStrokeColor("#AAAAAA")
                    self.line(_mm(18), _mm(12), w - _mm(18), _mm(12))
                for i, ln in enumerate(footer):
                    self.drawCentredString(w / 2, _mm(8.5) - i * 9, ln[:150])
                super().showPage()
            super().save()

    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=_mm(18), rightMargin=_mm(18), topMargin=_mm(15),
                            bottomMargin=_mm(20), title="", author=_pdf_text(company.name), invariant=1)
    doc.build(story, canvasmaker=Numbered)
    return buf.getvalue()

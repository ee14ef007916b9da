"""``xlar month-end --documents``: a PDF per statement, reminder and memo, the Outbox sheet and the e-mails.

The demo book (``xlar.demo``, small size) is posted once per module; the test's copy gets
the company's details on Settings, reminder and finance charge terms for every customer,
and a German (BC code ``DEU``) and a Swedish (ISO ``sv``) customer. The PDFs are read
back with pypdf and compared with the workbook's own sheets: the closing balance and the
aging footer with the ``Statements`` sheet, reminder totals with the ``Reminders`` sheet.
Expected German / Swedish amounts are written out by hand here (not with Babel).
"""

from __future__ import annotations

import email
import io
import re
import shutil
from decimal import Decimal
from email.policy import default as default_policy
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from rich.console import Console
from typer.testing import CliRunner

from xlar.book.doctexts import LANGUAGES, TEXTS, language_of, locale_of
from xlar.book.documents import safe_name
from xlar.cli import app
from xlar.demo import AS_OF, DEMO_FILE, run_demo

SMALL = {"customers": 40, "open_invoices": 300, "journal_lines": 80}
COMPANY = {"Company Name": "Cronus Handels GmbH", "Company Address": "Hauptstraße 12", "Company Post Code": "80331",
           "Company City": "München", "Company Country/Region Code": "DE",
           "Company VAT Registration No.": "DE123456789", "Company E-Mail": "ar@cronus.example",
           "Company Bank Name": "Stadtsparkasse München", "Company IBAN": "DE89370400440532013000",
           "Company BIC": "COBADEFFXXX"}
GERMAN, SWEDISH = 0, 1  # data rows of Customers given a Language Code
runner = CliRunner()


def _column(ws, header: str) -> int:
    """The column of ``header`` (compared without punctuation), added at the end when missing."""
    key = re.sub(r"[^a-z0-9]", "", header.lower())
    for c in range(1, ws.max_column + 1):
        if re.sub(r"[^a-z0-9]", "", str(ws.cell(1, c).value or "").lower()) == key:
            return c
    ws.cell(1, ws.max_column + 1, header)
    return ws.max_column


def _sheet(wb, name: str, rows: list[list[object]]) -> None:
    if name in wb.sheetnames:
        del wb[name]
    ws = wb.create_sheet(name)
    for r in rows:
        ws.append(r)


def _prepare(folder: Path) -> Path:
    assert run_demo(folder, Console(file=io.StringIO()), seed=7, **SMALL) == 0
    path = folder / DEMO_FILE
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    given = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for k, v in COMPANY.items():  # the test's own company, over the demo's where it has one
        if k in given:
            ws.cell(given[k], 2, v)
        else:
            ws.append([k, v])
    _sheet(wb, "ReminderTerms", [["Code", "Level", "Grace Period", "Due Date Formula", "Additional Fee",
                                  "Calculate Interest"], ["STD", 1, "5D", "14D", 10.0, False],
                                 ["STD", 2, "7D", "14D", 20.0, True]])
    _sheet(wb, "FinanceChargeTerms", [["Code", "Interest Rate %", "Interest Period (Days)",
                                       "Interest Calculation Method", "Grace Period", "Minimum Amount",
                                       "Additional Fee"], ["FC", 1.5, 30, "Average Daily Balance", "", 0, 5.0]])
    c = wb["Customers"]
    lang, rem, fin = _column(c, "Language Code"), _column(c, "Reminder Terms"), _column(c, "Fin. Charge Terms")
    for r in range(2, c.max_row + 1):
        c.cell(r, rem, "STD")
        c.cell(r, fin, "FC")
        c.cell(r, lang, None)
    c.cell(2 + GERMAN, lang, "DEU")
    c.cell(2 + SWEDISH, lang, "sv")
    wb.save(path)
    return path


def _run(path: Path, docs: Path, *extra: str) -> object:
    result = runner.invoke(app, ["month-end", str(path), "--as-of", AS_OF.isoformat(), "--documents", str(docs),
                                 *extra])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("docs")
    path = _prepare(folder)
    docs = folder / "out"
    _run(path, docs, "--eml")
    return path, docs, openpyxl.load_workbook(path, data_only=True)


def text_of(pdf: Path) -> str:
    """All pages' text, whitespace (and no-break spaces) collapsed to single spaces."""
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(pdf).pages))


def customers(wb) -> list[dict[str, object]]:
    rows = list(wb["Customers"].iter_rows(values_only=True))
    keys = [re.sub(r"[^a-z0-9]", "", str(h or "").lower()) for h in rows[0]]
    return [dict(zip(keys, r)) for r in rows[1:]]


def statements(wb) -> dict[tuple[str, str], dict[str, object]]:
    """Per (customer, currency): the name, closing balance, aging headings and amounts of the Statements sheet."""
    out: dict[tuple[str, str], dict[str, object]] = {}
    cur: dict[str, object] | None = None
    rows = list(wb["Statements"].iter_rows(values_only=True))
    for i, r in enumerate(rows):
        first = str(r[0] or "")
        if first.startswith("Statement ") and len(r) > 2 and r[1] is not None:
            cur = out.setdefault((first.removeprefix("Statement "), str(r[2])), {"name": r[1]})
        elif cur is not None and ("Opening balance" in r or "Balance brought forward" in r):
            cur["opening"] = "Opening balance" if "Opening balance" in r else "Balance brought forward"
        elif cur is not None and "Closing balance" in r:
            cur["closing"] = Decimal(str(r[6])).quantize(Decimal("0.01"))
        elif cur is not None and first == "Aging":
            cur["buckets"] = [str(x) for x in r[1:] if x]
            cur["aging"] = [Decimal(str(x)).quantize(Decimal("0.01")) for x in rows[i + 1][1:] if x is not None]
    return out


def outbox(wb) -> list[dict[str, object]]:
    rows = list(wb["Outbox"].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def en(x: Decimal) -> str:
    return f"{x:,.2f}"


def de(x: Decimal) -> str:  # 1.234,56
    return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def sv(x: Decimal) -> str:  # 1 234,56 (a no-break space, read back as a space)
    return f"{x:,.2f}".replace(",", " ").replace(".", ",")


# --------------------------------------------------------------------------- statements

def test_a_statement_pdf_per_customer_with_name_closing_balance_and_aging(run) -> None:
    _, docs, wb = run
    sts = statements(wb)
    cust = customers(wb)
    langs = {str(c["customerno"]): c["languagecode"] for c in cust}
    assert len(sts) == len(cust) == SMALL["customers"]
    for (no, currency), s in sts.items():
        name = str(s["name"])
        pdf = docs / f"{no} {safe_name(name)} statement {AS_OF.isoformat()}.pdf"
        assert pdf.is_file(), pdf
        t = text_of(pdf)
        fmt = {"DEU": de, "sv": sv}.get(langs[no], en)  # type: ignore[arg-type]
        assert name in t and no in t
        closing = s["closing"]
        assert f"Closing balance {fmt(closing)}" in t if fmt is en else fmt(closing) in t  # type: ignore[arg-type]
        if fmt is en:  # the sheet's words for the opening line ("Balance brought forward" where history is missing)
            assert f"{s['opening']} " in t
        if fmt is en and "buckets" in s:
            assert f"Aging as of Oct 30, 2026 {' '.join(s['buckets'])} Total" in t  # type: ignore[arg-type]
            assert " ".join(en(a) for a in s["aging"]) + f" {en(closing)}" in t  # type: ignore[union-attr, arg-type]
        elif "buckets" not in s:  # nothing open: the sheet has no aging line and neither has the document
            assert closing == 0 and "Aging" not in t
        assert "COBADEFFXXX" in t and "DE89 3704 0044 0532 0130 00" in t and "Cronus Handels GmbH" in t


def test_german_and_swedish_customers_get_translated_statements_with_their_number_format(run) -> None:
    _, docs, wb = run
    sts = statements(wb)
    cust = customers(wb)
    for row, fmt, words in (
            (GERMAN, de, ["Kontoauszug", "Kundennr.", "Endsaldo", "Fälligkeiten zum 30.10.2026",
                          "Nicht fällig", "1–30 Tage", "Über 90 Tage", "Summe", "Bankverbindung",
                          "Verwendungszweck"]),
            (SWEDISH, sv, ["Kontoutdrag", "Kundnr", "Utgående saldo",
                           "Åldersfördelning per 30 okt. 2026", "Ej förfallet", "1–30 dagar", "Över 90 dagar",
                           "Totalt", "Bankuppgifter", "Referens"])):
        no = str(cust[row]["customerno"])
        s = sts[(no, "EUR")]
        t = text_of(docs / f"{no} {safe_name(str(s['name']))} statement {AS_OF.isoformat()}.pdf")
        for w in words:
            assert w in t, (no, w)
        assert "Statement" not in t and "Closing balance" not in t
        opening = {"Opening balance": {de: "Anfangssaldo", sv: "Ingående saldo"},
                   "Balance brought forward": {de: "Saldovortrag", sv: "Överfört saldo"}}[str(s["opening"])][fmt]
        assert opening in t
        aging = s["aging"]
        assert " ".join(fmt(a) for a in aging) + f" {fmt(s['closing'])}" in t  # type: ignore[union-attr, arg-type]
        overdue = sum(aging[1:], Decimal(0))  # type: ignore[index]
        if overdue > 0:  # the payment sentence carries the currency sign as the language writes it
            assert f"{fmt(overdue)} €" in t


# --------------------------------------------------------------------------- reminders and memos

def reminders(wb) -> dict[str, dict[str, object]]:
    """Per document no.: customer, total (the sheet's lines + interest + fee), fee of the Reminders sheet."""
    out: dict[str, dict[str, object]] = {}
    cur: dict[str, object] | None = None
    for r in wb["Reminders"].iter_rows(values_only=True):
        first = str(r[0] or "")
        if first.startswith("REM-"):
            cur = out.setdefault(first, {"customer": str(r[1]), "currency": str(r[2]), "remaining": Decimal(0)})
        elif cur is not None and isinstance(r[0], (int, float)) and r[4] is not None:
            cur["remaining"] += Decimal(str(r[4])).quantize(Decimal("0.01"))  # type: ignore[operator]
        elif cur is not None and first in ("Interest", "Additional fee"):
            cur[first] = Decimal(str(r[6])).quantize(Decimal("0.01"))
    return out


def test_reminder_pdfs_carry_the_reminders_sheet_totals_fee_due_date_and_reference(run) -> None:
    _, docs, wb = run
    rems = reminders(wb)
    assert rems
    cust = {str(c["customerno"]): c for c in customers(wb)}
    for no, r in rems.items():
        c = cust[r["customer"]]  # type: ignore[index]
        fmt = {"DEU": de, "sv": sv}.get(c["languagecode"], en)  # type: ignore[arg-type]
        pdf = docs / f"{c['customerno']} {safe_name(str(c['name']))} reminder {AS_OF.isoformat()}.pdf"
        t = text_of(pdf)
        total = r["remaining"] + r["Interest"] + r["Additional fee"]  # type: ignore[operator]
        assert no in t and f"{no} / {c['customerno']}" in t and str(c["name"]) in t
        assert fmt(total) in t and fmt(r["Additional fee"]) in t  # type: ignore[arg-type]
        if fmt is en:
            sign = {"EUR": "€", "USD": "$"}[str(r["currency"])]
            assert f"Total due {sign}{en(total)}" in t and "Draft, not issued" in t
            assert f"Please pay {sign}{en(total)} by Nov 13, 2026." in t  # due date formula 14D from Oct 30
    german = str(customers(wb)[GERMAN]["customerno"])
    mine = [n for n, r in rems.items() if r["customer"] == german]
    if mine:
        t = text_of(docs / f"{german} {safe_name(str(cust[german]['name']))} reminder {AS_OF.isoformat()}.pdf")
        assert "Mahnung" in t and "Zu zahlender Betrag" in t and "bis zum 13.11.2026" in t


def test_memo_pdfs_exist_for_every_finance_charge_memo(run) -> None:
    _, _, wb = run
    memos = [r for r in outbox(wb) if r["Document"] == "Finance Charge Memo"]
    assert memos
    for r in memos:
        t = text_of(Path(str(r["File"])))
        assert str(r["Document No."]) in t
        lang = language_of(str(customers_by_no(wb)[str(r["Customer No."])]["languagecode"] or ""))
        assert TEXTS["finance_charge_memo"][lang] in t and TEXTS["total_due"][lang] in t


def customers_by_no(wb) -> dict[str, dict[str, object]]:
    return {str(c["customerno"]): c for c in customers(wb)}


# --------------------------------------------------------------------------- Outbox and e-mails

def test_outbox_lists_every_file_once_with_the_statement_figures(run) -> None:
    _, docs, wb = run
    rows = outbox(wb)
    files = sorted(p.name for p in docs.glob("*.pdf"))
    assert sorted(Path(str(r["File"])).name for r in rows) == files
    assert all(Path(str(r["File"])).is_absolute() for r in rows)
    sts = statements(wb)
    cust = customers_by_no(wb)
    for r in rows:
        assert r["E-Mail"] == cust[str(r["Customer No."])]["email"]
        if r["Document"] == "Statement":
            assert Decimal(str(r["Amount"])).quantize(Decimal("0.01")) == sts[(str(r["Customer No."]),
                                                                              str(r["Currency"]))]["closing"]
    kinds = {k: sum(1 for r in rows if r["Document"] == k) for k in ("Statement", "Reminder", "Finance Charge Memo")}
    assert kinds["Statement"] == len(sts) and kinds["Reminder"] == len(reminders(wb))
    assert {r["Status"] for r in rows if r["Document"] != "Statement"} == {"Proposed"}


def test_eml_per_customer_with_its_pdfs_attached(run) -> None:
    _, docs, wb = run
    rows = outbox(wb)
    cust = customers_by_no(wb)
    emls = sorted(docs.glob("*.eml"))
    assert len(emls) == len({r["Customer No."] for r in rows}) == SMALL["customers"]
    for r in rows:
        assert Path(str(r["Message File"])).is_file()
    for f in emls:
        msg = email.message_from_bytes(f.read_bytes(), policy=default_policy)
        no = f.name.split(" ")[0]
        assert msg["To"] == cust[no]["email"]
        assert msg["From"] == "Cronus Handels GmbH <ar@cronus.example>"
        attached = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
        mine = {Path(str(r["File"])).name for r in rows if r["Customer No."] == no}
        assert set(attached) == mine
        for name, data in attached.items():
            assert data == (docs / name).read_bytes()
        lang = language_of(str(cust[no]["languagecode"] or ""))
        assert TEXTS["statement"][lang] in msg["Subject"]
        assert TEXTS["mail_closing"][lang] in msg.get_body(("plain",)).get_content()


def test_running_again_overwrites_the_same_files_and_outbox_rows(run, tmp_path: Path) -> None:
    path, docs, wb = run
    copy = tmp_path / "again.xlsx"
    shutil.copy(path, copy)
    before = {p.name: p.read_bytes() for p in docs.glob("*.pdf")}
    _run(copy, docs, "--eml")
    after = {p.name: p.read_bytes() for p in docs.glob("*.pdf")}
    assert after == before  # same names, same bytes: nothing added
    assert len(list(docs.glob("*.eml"))) == SMALL["customers"]
    again = openpyxl.load_workbook(copy, data_only=True)
    assert len(outbox(again)) == len(outbox(wb)) == len(before)


# --------------------------------------------------------------------------- small parts

def test_issued_documents_are_not_drafts(run, tmp_path: Path) -> None:
    path, _, _ = run
    copy = tmp_path / "issue.xlsx"
    shutil.copy(path, copy)
    docs = tmp_path / "issued"
    _run(copy, docs, "--issue")
    rows = outbox(openpyxl.load_workbook(copy, data_only=True))
    issued = [r for r in rows if r["Document"] != "Statement"]
    assert issued and {r["Status"] for r in issued} == {"Issued"}
    t = text_of(Path(str(issued[0]["File"])))
    assert "Draft" not in t and "Entwurf" not in t and "Utkast" not in t


def test_unwritable_folder_leaves_the_book_as_it_was(run, tmp_path: Path) -> None:
    path, _, _ = run
    copy = tmp_path / "b.xlsx"
    shutil.copy(path, copy)
    before = copy.read_bytes()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["month-end", str(copy), "--as-of", AS_OF.isoformat(), "--documents",
                                 str(blocker / "sub")])
    assert result.exit_code == 1 and "cannot create the documents folder" in result.output
    assert copy.read_bytes() == before


def test_eml_needs_documents(run) -> None:
    path, _, _ = run
    result = runner.invoke(app, ["month-end", str(path), "--as-of", AS_OF.isoformat(), "--eml"])
    assert result.exit_code == 2


@pytest.mark.parametrize("code,locale,language", [
    ("ENU", "en_US", "en"), ("SVE", "sv_SE", "sv"), ("DEU", "de_DE", "de"), ("DEA", "de_AT", "de"),
    ("en", "en_US", "en"), ("sv", "sv_SE", "sv"), ("de", "de_DE", "de"), ("de-CH", "de_CH", "de"),
    ("FRA", "fr_FR", "en"), ("", "", "en"), ("XYZ", "", "en")])
def test_language_codes_of_business_central_and_iso(code: str, locale: str, language: str) -> None:
    assert locale_of(code) == locale and language_of(code) == language


def test_every_language_has_every_text() -> None:
    for key, row in TEXTS.items():
        assert set(row) == set(LANGUAGES), key


@pytest.mark.parametrize("raw,clean", [
    ('C1 A/B "Trading": Co?', "C1 A B Trading Co"), ("C2 Müller & Söhne GmbH", "C2 Müller & Söhne GmbH"),
    ("CON", "_CON"), ("C3 Tabs\tand\nlines", "C3 Tabs and lines"), ("C4 Ltd.", "C4 Ltd.")])
def test_file_names_are_safe_on_every_file_system(raw: str, clean: str) -> None:
    assert safe_name(raw) == clean



def test_a_statement_with_missing_history_says_balance_brought_forward_like_its_sheet(run) -> None:
    """The demo loads paid history without applications: such statements open with the balance brought forward
    (core statements), on the Statements sheet and in the customer's PDF alike; none has an adjustment line."""
    _, docs, wb = run
    rows = list(wb["Statements"].iter_rows(values_only=True))
    forward, opening = {}, {}
    no = ""
    for r in rows:
        first = str(r[0] or "")
        if first.startswith("Statement ") and len(r) > 2 and r[1] is not None:
            no, name = first.removeprefix("Statement "), str(r[1])
        elif len(r) > 6 and r[3] in ("Balance brought forward", "Opening balance"):
            (forward if r[3] == "Balance brought forward" else opening)[no] = (name, Decimal(str(r[6])))
    assert forward and opening
    langs = {str(c["customerno"]): c["languagecode"] for c in customers(wb)}
    no, (name, amount) = next((k, v) for k, v in forward.items() if not langs[k])
    t = text_of(docs / f"{no} {safe_name(name)} statement {AS_OF.isoformat()}.pdf")
    assert f"Balance brought forward {en(amount.quantize(Decimal('0.01')))}" in t and "Opening balance" not in t
    no, (name, _) = next((k, v) for k, v in opening.items() if not langs[k])
    t = text_of(docs / f"{no} {safe_name(name)} statement {AS_OF.isoformat()}.pdf")
    assert "Opening balance" in t and "Balance brought forward" not in t
    assert not any("Adjustment" in str(c) for r in rows for c in r if c)

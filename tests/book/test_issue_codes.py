"""The issue-code catalogue: every code has a case that produces it on a real workbook.

Each case builds a workbook from the contract's words, runs a command on the file and
checks that the code lands on the Issues sheet at the right (Sheet, Row, Column). The
meta-tests fail when a code in ``CATALOGUE`` / ``SETTLE_CODES`` has no case, when a case
names a code the catalogue lacks, and when the code raises a code the catalogue lacks.
A few settlement codes cannot be reached from a workbook, because the book layer
rejects the cell first; those cases call the core directly (``core=True``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.book.builders import CUSTOMERS, JOURNAL, LEDGER, RATES, SETTINGS, TERMS, F, standard, write_book
from xlar.book.commands import run_file
from xlar.book.issues import CATALOGUE, SETTLE_CODES

ROOT = Path(__file__).resolve().parents[2]
J = JOURNAL[0]  # Posting Date, Document Type, Document No., Customer No., Amount, Applies-to Doc. No.
D = date(2026, 1, 12)


@dataclass
class Case:
    sheets: dict = field(default_factory=dict)
    steps: list[tuple[str, dict]] = field(default_factory=lambda: [("check", {})])
    where: tuple[str, int | None, str] | None = None  # (Sheet, Row, Column) of the issue
    prepare: Callable[[Path], None] | None = None  # changes the file between the first and last step
    core: Callable[[], list[str]] | None = None  # codes from a direct core call


def journal(*rows, header=J) -> list:
    return [list(header), *[list(r) for r in rows]]


def ledger_with(extra_headers, *extra_cells) -> list:
    return [LEDGER[0] + list(extra_headers)] + [list(r) + list(e) for r, e in zip(LEDGER[1:], extra_cells)]


def _posted_then(prepare=None, *steps) -> dict:
    return {"steps": [("post", {}), *steps], "prepare": prepare}


def _long_text(p: Path, n: int) -> None:
    """The shared string LONGTEXT made ``n`` characters long (openpyxl cuts cells at 32,767: a crafted file)."""
    import zipfile

    src = p.read_bytes()
    import io
    with zipfile.ZipFile(io.BytesIO(src)) as z, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            out.writestr(info, data.replace(b">LONGTEXT<", b">" + b"P" * n + b"<"))


def _clear_status(p: Path) -> None:
    wb = openpyxl.load_workbook(p)
    ws = wb["Journal"]
    col = next(c.column for c in ws[1] if c.value == "Status")
    ws.cell(2, col).value = None
    wb.save(p)


def _duplicate_application(p: Path) -> None:
    wb = openpyxl.load_workbook(p)
    ws = wb["Applications"]
    ws.append([c.value for c in ws[2]])
    wb.save(p)


def _drop_payment_entry(p: Path) -> None:
    wb = openpyxl.load_workbook(p)
    ws = wb["Ledger"]
    col = {c.value: c.column for c in ws[1]}
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, col["Document No."]).value == "PAY-1":
            ws.delete_rows(r)
    wb.save(p)


def _remit(*rows, day=D) -> dict:
    """A Remittance sheet and one payment of 980.00 by C10000 naming it (Applies-to ID ``RA``)."""
    return {"Remittance": [["Remittance ID", "Customer No.", "Document No.", "Amount Paid", "Discount Taken"],
                           *[list(r) for r in rows]],
            "Journal": journal([day, "Payment", "P1", "C10000", 980, None, "RA"], header=J + ["Applies-to ID"])}


def _add_line(p: Path, row: list) -> None:
    wb = openpyxl.load_workbook(p)
    wb["Journal"].append(row)
    wb.save(p)


def _core_journal_codes(**line) -> list[str]:
    from xlar.core.model import Book, Customer, DocumentType, JournalLine, Settings
    from xlar.core.settle import post_journal

    base = {"line_no": 1, "posting_date": D, "document_type": DocumentType.PAYMENT, "document_no": "P1",
            "amount": 1, "customer_no": "C1"}
    base.update(line)
    book = Book(settings=Settings(), customers=(Customer(customer_no="C1", name="A"),),
                journal=(JournalLine(**base),))
    return [i.code for i in post_journal(book).issues]


def _fail_build_entry(monkeypatch) -> None:
    from xlar.book import rows

    real = rows.build_entry

    def fail(book, f, *a, **k):
        if f.get("document_no") == "INV-1001":
            raise ValueError("injected")
        return real(book, f, *a, **k)

    monkeypatch.setattr(rows, "build_entry", fail)


def _internal_error(monkeypatch) -> None:
    from xlar.book import commands

    def boom(*a, **k):
        raise RuntimeError("injected")

    monkeypatch.setattr(commands, "post_journal", boom)


CASES: dict[str, Case] = {
    # ------------------------------------------------------------------ book layer
    "missing-sheet": Case({"Journal": None}, [("post", {})], ("Journal", None, "")),
    "missing-column": Case({"Ledger": [r[:4] for r in LEDGER]}, where=("Ledger", 1, "Amount")),
    "duplicate-column": Case({"Ledger": [LEDGER[0] + ["AMOUNT"]] + [r + [1] for r in LEDGER[1:]]},
                             where=("Ledger", 1, "AMOUNT")),
    "missing-value": Case({"Ledger": [LEDGER[0], ["C10000", D, "Invoice", None, 5.0]]},
                          where=("Ledger", 2, "Document No.")),
    "bad-date": Case({"Journal": journal(["31.01.2026", "Payment", "P9", "C20000", 10, None])},
                     where=("Journal", 2, "Posting Date")),
    "bad-number": Case({"Ledger": [LEDGER[0], ["C10000", D, "Invoice", "I9", "1.234,50"]]},
                       where=("Ledger", 2, "Amount")),
    "too-many-digits": Case({"Journal": journal([D, "Payment", "P9", "C10000", 1e20, "INV-1001"])},
                            [("post", {})], ("Journal", 2, "Amount")),
    "text-too-long": Case({"Journal": journal([D, "Payment", "LONGTEXT", "C10000", 10.0, "INV-1001"])},
                          [("post", {})], ("Journal", 2, "Document No."), prepare=lambda p: _long_text(p, 40_000)),
    "duplicate-open-document": Case({"Ledger": LEDGER + [["C10000", D, "Invoice", "INV-1001", 200.0]]},
                                    [("post", {})], ("Journal", 2, "Applies-to Doc. No.")),
    "reposted-line": Case(steps=[("post", {}), ("post", {})], where=("Journal", 2, "Status"), prepare=_clear_status),
    "bad-bool": Case({"Journal": journal(JOURNAL[1] + ["maybe"], header=J + ["Full Settlement"])},
                     where=("Journal", 2, "Full Settlement")),
    "bad-integer": Case({"Ledger": [["Entry No."] + LEDGER[0], [1.5] + LEDGER[1]]}, where=("Ledger", 2, "Entry No.")),
    "bad-rate": Case({"ExchangeRates": [RATES[0], ["USD", D, 0]]}, where=("ExchangeRates", 2, "Rate")),
    "bad-date-formula": Case({"PaymentTerms": TERMS + [["X", "30 days", None, None]]},
                             where=("PaymentTerms", 4, "Due Date Formula")),
    "bad-choice": Case({"Customers": [CUSTOMERS[0] + ["Blocked"], CUSTOMERS[1] + ["Sometimes"]] + CUSTOMERS[2:]},
                       where=("Customers", 2, "Blocked")),
    "unknown-document-type": Case({"Ledger": [LEDGER[0], ["C10000", D, "Receipt", "R1", 5.0]]},
                                  where=("Ledger", 2, "Document Type")),
    "uncalculated-formula": Case({"Ledger": [LEDGER[0], ["C10000", D, "Invoice", "I1", F("=1+1")]]},
                                 where=("Ledger", 2, "Amount")),
    "duplicate-entry-no": Case({"Ledger": [["Entry No."] + LEDGER[0], [1] + LEDGER[1], [1] + LEDGER[2]]},
                               where=("Ledger", 3, "Entry No.")),
    "duplicate-line-no": Case({"Journal": journal([1] + JOURNAL[1], [1] + JOURNAL[1][:2] + ["P2"] + JOURNAL[1][3:],
                                                  header=["Line No."] + J)}, where=("Journal", 3, "Line No.")),
    "duplicate-customer": Case({"Customers": CUSTOMERS + [CUSTOMERS[1]]}, where=("Customers", 5, "Customer No.")),
    "duplicate-terms-code": Case({"PaymentTerms": TERMS + [TERMS[2]]}, where=("PaymentTerms", 4, "Code")),
    "duplicate-application-no": Case(**_posted_then(_duplicate_application, ("check", {})),
                                     where=("Applications", 3, "Application No.")),
    "duplicate-setting": Case({"Settings": SETTINGS + [["Company Currency", "EUR"]]}, where=("Settings", 4, "Setting")),
    "unknown-setting": Case({"Settings": SETTINGS + [["Colour", "Blue"]]}, where=("Settings", 4, "Value")),
    "unknown-customer": Case({"Ledger": [LEDGER[0], ["C99999", D, "Invoice", "I1", 5.0]]},
                             where=("Ledger", 2, "Customer No.")),
    "unknown-payment-terms": Case({"Customers": [CUSTOMERS[0], ["C10000", "A", "", "XX"], *CUSTOMERS[2:]]},
                                  where=("Customers", 2, "Payment Terms")),
    "unknown-currency": Case({"Ledger": [LEDGER[0] + ["Currency"], ["C10000", D, "Invoice", "I1", 5.0, "GBP"]]},
                             where=("Ledger", 2, "Currency")),
    # no cell value is known to break new_entry; the case injects the failure to check the reporting
    "bad-entry": Case(steps=[("check", {"_monkeypatch": lambda mp: _fail_build_entry(mp)})],
                      where=("Ledger", 2, "")),
    "internal-error": Case(steps=[("post", {"_monkeypatch": _internal_error})], where=("", None, "")),
    "small-remainder-left-open": Case({"Journal": journal([D, "Payment", "PAY-1", "C20000", 499.99, "INV-1002"])},
                                      [("post", {})], where=("Ledger", 3, "Remaining Amount")),
    "possible-duplicate-payment": Case({"Journal": journal(JOURNAL[1], [D, "Payment", "PAY-2", "C10000", 980, None])},
                                       where=("Journal", 3, "Amount")),
    "credit-limit-exceeded": Case({"Customers": [CUSTOMERS[0] + ["Credit Limit"], CUSTOMERS[1] + [1000]]
                                   + CUSTOMERS[2:], "Journal": journal([D, "Invoice", "INV-1", "C10000", 5, None])},
                                  where=("Journal", 2, "Amount")),
    "overdue-balance": Case({"Settings": SETTINGS + [["Credit Warnings", "Overdue Balance"]],
                             "Journal": journal([date(2026, 3, 1), "Invoice", "INV-1", "C10000", 5, None])},
                            where=("Journal", 2, "Amount")),
    "invalid-payment-reference": Case({"Settings": SETTINGS + [["Payment Reference Scheme", "FI"]],
                                       "Ledger": ledger_with(["Payment Reference"], ["1231235"], ["1231234"])},
                                      where=("Ledger", 2, "Payment Reference")),
    "remittance-unknown-document": Case(_remit(["RA", "C10000", "INV-404", 980]), where=("Remittance", 2, "Document No.")),
    "remittance-other-customer": Case(_remit(["RA", "C10000", "INV-1002", 980]), where=("Remittance", 2, "Document No.")),
    "remittance-document-closed": Case(_remit(["RA", "C10000", "INV-1001", 980]), [("post", {}), ("check", {})],
                                       where=("Remittance", 2, "Document No."),
                                       prepare=lambda p: _add_line(p, [D, "Payment", "P2", "C10000", 980, None, "RA"])),
    "remittance-exceeds-remaining": Case(_remit(["RA", "C10000", "INV-1001", 980, 20], ["RA", "C10000", "INV-1001",
                                                                                         0, 1]),
                                         where=("Remittance", 3, "Amount Paid")),
    "remittance-total-mismatch": Case(_remit(["RA", "C10000", "INV-1001", 900]), where=("Journal", 2, "Amount")),
    "remittance-discount-refused": Case(_remit(["RA", "C10000", "INV-1001", 980, 20], day=date(2026, 1, 20)),
                                        where=("Remittance", 2, "Discount Taken")),
    "remittance-conflict": Case({**_remit(["RA", "C10000", "INV-1001", 980]),
                                 "Ledger": ledger_with(["Applies-to ID"], [None], ["RA"])},
                                where=("Journal", 2, "Applies-to ID")),
    "remittance-unreadable": Case(_remit(["RA", "C10000", "INV-1001", "9,80"]), where=("Journal", 2, "Applies-to ID")),
    # ------------------------------------------------------------------ settlement core
    "bad-document-type": Case(core=lambda: _core_journal_codes(document_type=__import__(
        "xlar.core.model", fromlist=["DocumentType"]).DocumentType.REMINDER)),
    "non-positive-amount": Case({"Journal": journal([D, "Payment", "P1", "C10000", -5, None])},
                                where=("Journal", 2, "Amount")),
    "missing-document-no": Case(core=lambda: _core_journal_codes(document_no=" ")),
    "applies-to-both": Case({"Journal": journal(JOURNAL[1] + ["X"], header=J + ["Applies-to ID"])},
                            where=("Journal", 2, "Applies-to ID")),
    "missing-customer": Case({"Journal": journal([D, "Payment", "P1", None, 5, None])},
                             where=("Journal", 2, "Customer No.")),
    "ambiguous-customer": Case({"Journal": journal([D, "Payment", "P1", None, 5, "INV-1001, INV-1002"])},
                               where=("Journal", 2, "Customer No.")),
    "customer-blocked": Case({"Customers": [CUSTOMERS[0] + ["Blocked"], CUSTOMERS[1] + ["All"]] + CUSTOMERS[2:]},
                             where=("Journal", 2, "Customer No.")),
    "missing-exchange-rate": Case({"Journal": journal(JOURNAL[1] + ["GBP"], header=J + ["Currency"])},
                                  where=("Journal", 2, "Currency")),
    "duplicate-document-no": Case({"Journal": journal([D, "Invoice", "INV-1001", "C10000", 5, None])},
                                  where=("Journal", 2, "Document No.")),
    "applies-to-not-found": Case({"Journal": journal([D, "Payment", "P1", "C10000", 5, "INV-9999"])},
                                 where=("Journal", 2, "Applies-to Doc. No.")),
    "applies-to-wrong-sign": Case({"Journal": journal([D, "Refund", "R1", "C10000", 5, "INV-1001"])},
                                  where=("Journal", 2, "Applies-to Doc. No.")),
    "applies-to-closed": Case({"Journal": journal(JOURNAL[1], [D, "Payment", "P2", "C10000", 5, "INV-1001"])},
                              where=("Journal", 3, "Applies-to Doc. No.")),
    "applies-to-id-not-found": Case({"Journal": journal([D, "Payment", "P1", "C10000", 5, None, "NOPE"],
                                                        header=J + ["Applies-to ID"])},
                                    where=("Journal", 2, "Applies-to ID")),
    "amount-to-apply-sign": Case({"Ledger": ledger_with(["Applies-to ID", "Amount to Apply"], ["X", -100]),
                                  "Journal": journal([D, "Payment", "P1", "C10000", 5, None, "X"],
                                                     header=J + ["Applies-to ID"])},
                                 where=("Ledger", 2, "Amount to Apply")),
    "amount-to-apply-exceeds-remaining": Case(
        {"Ledger": ledger_with(["Applies-to ID", "Amount to Apply"], ["X", 2000]),
         "Journal": journal([D, "Payment", "P1", "C10000", 5, None, "X"], header=J + ["Applies-to ID"])},
        where=("Ledger", 2, "Amount to Apply")),
    "full-settlement-needs-applies-to": Case({"Journal": journal([D, "Payment", "P1", "C20000", 5, None, True],
                                                                 header=J + ["Full Settlement"])},
                                             where=("Journal", 2, "Full Settlement")),
    "nothing-to-apply": Case({"Ledger": ledger_with(["Applies-to ID"], ["X"])}, [("apply", {})],
                             where=("Ledger", 2, "Applies-to ID")),
    "unknown-application": Case(**_posted_then(None, ("unapply", {"application_no": 99}))),
    "already-unapplied": Case(**_posted_then(None, ("unapply", {"application_no": 1}),
                                             ("unapply", {"application_no": 1}))),
    "cannot-unapply-reversal": Case(**_posted_then(None, ("unapply", {"application_no": 1}),
                                                   ("unapply", {"application_no": 2}))),
    "unapply-latest-first": Case({"Journal": journal([D, "Payment", "P1", "C20000", 100, "INV-1002"],
                                                     [D, "Payment", "P2", "C20000", 100, "INV-1002"])},
                                 [("post", {}), ("unapply", {"application_no": 1})]),
    "unknown-entry": Case(**_posted_then(_drop_payment_entry, ("unapply", {"application_no": 1}))),
    "unapply-before-application": Case(**_posted_then(None, ("unapply", {"application_no": 1,
                                                                         "posting_date": date(2026, 1, 1)}))),
}


def test_every_catalogue_code_has_a_case():
    codes = set(CATALOGUE) | set(SETTLE_CODES)
    assert not codes - set(CASES), f"codes without a case: {sorted(codes - set(CASES))}"
    assert not set(CASES) - codes, f"cases for codes the catalogue lacks: {sorted(set(CASES) - codes)}"


_CODE = re.compile(r'"([a-z]+(?:-[a-z0-9]+)+)"')


@pytest.mark.parametrize("module", ["xlar/book/rows.py", "xlar/book/cells.py", "xlar/book/commands.py",
                                    "xlar/core/settle.py", "xlar/core/duplicates.py", "xlar/core/remittance.py",
                                    "xlar/book/remittance.py", "xlar/book/safeguards.py", "xlar/book/credit.py"])
def test_every_code_the_code_raises_is_in_the_catalogue(module):
    text = (ROOT / module).read_text()
    raised = {m for m in _CODE.findall(text) if re.search(rf'(err|_issue|issue|fail|CellError|SheetIssue|_bad)\(\s*'
                                                          rf'[^)]*"{m}"', text, re.DOTALL) or f'"{m}")' in text}
    known = set(CATALOGUE) | set(SETTLE_CODES)
    skip = {"yyyy-mm-dd"}  # not codes
    assert not raised - known - skip, sorted(raised - known - skip)


@pytest.mark.parametrize("code", sorted(CASES))
def test_code(code, tmp_path, monkeypatch):
    case = CASES[code]
    if case.core is not None:
        assert code in case.core()
        return
    p = write_book(tmp_path / "book.xlsx", standard(**case.sheets))
    outcome = None
    for i, (command, options) in enumerate(case.steps):
        options = dict(options)
        patch = options.pop("_monkeypatch", None)
        if patch:
            patch(monkeypatch)
        if i == len(case.steps) - 1 and case.prepare is not None:
            case.prepare(p)
        outcome = run_file(p, command, **options)
    assert outcome is not None
    found = [i for i in outcome.issues if i.code == code]
    assert found, f"{code} not reported; got {[(i.code, i.problem) for i in outcome.issues]}"
    # and on the Issues sheet, with the code and the cell
    ws = openpyxl.load_workbook(p)["Issues"]
    head = {c.value: c.column for c in ws[1]}
    rows = [{h: ws.cell(r, c).value for h, c in head.items()} for r in range(2, ws.max_row + 1)]
    assert any(r["Code"] == code and r["Run"] == outcome.run for r in rows)
    if case.where is not None:
        sheet, row, column = case.where
        assert any((i.sheet, i.row, i.column) == (sheet, row, column) for i in found), \
            [(i.sheet, i.row, i.column) for i in found]

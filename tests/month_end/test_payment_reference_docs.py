"""The Payment Reference printed on statements and reminders as the reference to quote (issue 24).

A small real workbook: invoices posted from the Journal under Settings ``Payment Reference
Scheme`` RF get their references; ``month-end --documents`` prints them; the PDFs are read
back with ``pdftotext`` (what a person's viewer shows).
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from tests.book.builders import SETTINGS, read_sheet, standard, write_book
from xlar.book.commands import run_file
from xlar.cli import app

D = date(2026, 9, 1)
COMPANY = [["Company Name", "Cronus Handels GmbH"], ["Company IBAN", "DE89370400440532013000"],
           ["Company Bank Name", "Stadtsparkasse"], ["Payment Reference Scheme", "RF"]]
CUSTOMERS = [["Customer No.", "Name", "Currency", "Payment Terms", "Reminder Terms"],
             ["C10000", "Adatum Corporation", "", "30D", "STD"], ["C20000", "Trey Research", "", "30D", "STD"],
             ["C30000", "Fabrikam USD", "USD", "30D", ""]]
JOURNAL = [["Posting Date", "Document Type", "Document No.", "Customer No.", "Amount", "Payment Reference"],
           [D, "Invoice", "INV-2026-00123", "C10000", 1200.0, None],
           [D, "Invoice", "INV-2026-00124", "C10000", 300.0, None],
           [D, "Invoice", "INV-2026-00200", "C20000", 450.0, None]]


def _pdftotext(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \t\u00a0]+", " ", out)


def test_statement_and_reminder_print_the_invoices_payment_references(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", standard(
        Settings=SETTINGS + COMPANY, Customers=CUSTOMERS, Ledger=[["Customer No.", "Posting Date", "Document Type",
                                                                   "Document No.", "Amount"]], Journal=JOURNAL,
        ReminderTerms=[["Code", "Level", "Grace Period", "Due Date Formula", "Additional Fee", "Calculate Interest"],
                       ["STD", 1, "5D", "14D", 10.0, False]]))
    assert run_file(book, "post").lines_posted == 3
    refs = {r["Document No."]: r["Payment Reference"] for r in read_sheet(book, "Ledger")}
    # "INV202600123RF00" as digits mod 97 = 18: check digits 98 - 18 = 80
    assert refs["INV-2026-00123"] == "RF80INV202600123"
    docs = tmp_path / "out"
    res = CliRunner().invoke(app, ["month-end", str(book), "--as-of", "2026-11-15", "--documents", str(docs)])
    assert res.exit_code == 0, res.output
    st = _pdftotext(docs / "C10000 Adatum Corporation statement 2026-11-15.pdf")
    # two open invoices: one reference each, grouped in fours as printed on an invoice
    assert "INV-2026-00123: RF80 INV2 0260 0123" in st
    assert f"INV-2026-00124: {' '.join(refs['INV-2026-00124'][i:i + 4] for i in range(0, 16, 4))}" in st
    assert "Please quote the reference with your payment." in st
    single = _pdftotext(docs / "C20000 Trey Research statement 2026-11-15.pdf")
    ref = refs["INV-2026-00200"]
    assert f"{' '.join(ref[i:i + 4] for i in range(0, len(ref), 4))} (INV-2026-00200)" in single
    rem = _pdftotext(docs / "C20000 Trey Research reminder 2026-11-15.pdf")
    assert f"{' '.join(ref[i:i + 4] for i in range(0, len(ref), 4))} (INV-2026-00200)" in rem

"""``xlar template OUT.xlsx``: a new, empty client workbook laid out exactly as the contract says.

Every sheet of the contract is an Excel table (header style, banded rows, filter buttons)
with frozen panes, number and date formats from the company currency, drop-downs for the
columns with a fixed list (Document Type, Blocked, Application Method, TRUE/FALSE), the
Settings sheet with each default and a one-line description, and an ``xlwings.conf`` sheet
for the Excel add-in. Columns come from ``schema.py``; contract sheets the schema does not
declare yet (bank, SEPA, dunning) come from :data:`OTHER_SHEETS`.

The output is deterministic (fixed document dates), so ``workbooks/template.xlsx`` can be
rebuilt by ``workbooks/build.py`` and compared in a test.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from xlar.book import schema as S
from xlar.book.plan import DATE_FORMAT, DATETIME_FORMAT, money_format
from xlar.book.schema import Kind, SheetSpec, norm
from xlar.core.model import ApplicationMethod, DocumentType, TolerancePosting

#: Contract sheets not (yet) declared in ``schema.py``: name -> headers (shared/workbook-contract.md).
OTHER_SHEETS: dict[str, tuple[str, ...]] = {
    "BankStatement": ("Statement No.", "Line No.", "Transaction Date", "Amount", "Currency", "Payer Name",
                      "Payer IBAN", "Transaction Text", "Reference", "Match Confidence", "Matched Customer No.",
                      "Matched Documents", "Match Rule", "Difference", "Status"),
    "BankLedger": ("Entry No.", "Posting Date", "Document No.", "Description", "Amount", "Open", "Statement No.",
                   "Statement Line No."),
    "Mandates": ("Mandate ID", "Customer No.", "IBAN", "BIC", "Type", "Signature Date", "Valid From", "Valid To",
                 "Expected Number of Debits", "Debits Made", "Blocked"),
    "ReminderTerms": ("Code", "Level", "Grace Period", "Due Date Formula", "Additional Fee", "Calculate Interest"),
    "FinanceChargeTerms": ("Code", "Interest Rate %", "Interest Period (Days)", "Interest Calculation Method",
                           "Grace Period", "Minimum Amount", "Additional Fee"),
    # extension (xlar.book.worklist): the collector's calls, letters and promises to pay
    "Activities": ("Date", "Customer No.", "Type", "Text", "Promised Amount", "Promised Date", "Status",
                   "Amount Paid"),
    # extension (xlar.book.remittance): the customer's remittance advice, applied by Applies-to ID
    "Remittance": ("Remittance ID", "Customer No.", "Document No.", "External Document No.", "Amount Paid",
                   "Discount Taken", "Currency", "Note"),
}
_OTHER_KINDS = {
    "transactiondate": Kind.DATE, "postingdate": Kind.DATE, "signaturedate": Kind.DATE, "validfrom": Kind.DATE,
    "validto": Kind.DATE, "amount": Kind.MONEY, "difference": Kind.MONEY, "additionalfee": Kind.MONEY,
    "minimumamount": Kind.MONEY, "open": Kind.BOOL, "blocked": Kind.BOOL, "calculateinterest": Kind.BOOL,
    "amountpaid": Kind.MONEY, "discounttaken": Kind.MONEY, "date": Kind.DATE, "promiseddate": Kind.DATE,
    "promisedamount": Kind.MONEY,
}
_OTHER_LISTS = {
    ("Mandates", "type"): ("Recurring", "One-off"),
    ("FinanceChargeTerms", "interestcalculationmethod"): ("Average Daily Balance", "Balance Due"),
    ("BankStatement", "matchconfidence"): ("High", "Medium", "Low", "None"),
    ("Activities", "type"): ("Call", "E-Mail", "Letter", "Promise", "Note"),
}

#: Sheet order of the template: inputs first, then outputs.
ORDER = ("Settings", "Customers", "PaymentTerms", "ExchangeRates", "Ledger", "Journal", "Remittance",
         "BankStatement", "BankLedger", "Mandates", "SEPASetup", "ReminderTerms", "FinanceChargeTerms", "Activities",
         "Applications",
         "GLEntries", "Issues", "RunLog")

#: The SEPASetup sheet (extension, ``xlar.book.sepa``; Setting / Value like Settings): the company's
#: creditor for ``xlar sepa``, left blank but for the defaults.
SEPA_SETUP: tuple[tuple[str, str | None, str], ...] = (
    ("Creditor Name", None, "The company name on the direct debits."),
    ("Creditor Identifier", None, "SEPA Creditor Identifier (e.g. DE98ZZZ09999999999); check digits are verified."),
    ("Creditor IBAN", None, "The account the collections are paid into."),
    ("Creditor BIC", None, "Its BIC (optional in SEPA)."),
    ("Local Instrument", "CORE", "CORE or B2B."),
    ("Format", "pain.008.001.02", "pain.008.001.02 or pain.008.001.08."),
)

DESCRIPTIONS: dict[str, str] = {
    "Company Currency": "The local currency (LCY): ISO code such as EUR.",
    "Application Method": "What a payment with no applies-to does: Apply to Oldest (by due date) or Manual.",
    "Payment Tolerance %": "Maximum payment tolerance as a % of the entry amount (0 = none).",
    "Max. Payment Tolerance Amount": "Cap on the tolerance per entry, in LCY (0 = no cap).",
    "Payment Discount Grace Period": "Date formula added to the discount date (e.g. 5D).",
    "Payment Tolerance Posting": "Where tolerance is posted: Payment Tolerance Accounts or Payment Discount "
                                 "Accounts.",
    "Calc. Pmt. Disc. on Partial Payments": "TRUE: a partial payment earns a proportional discount (D365).",
    "Calc. Pmt. Disc. on Credit Memos": "TRUE: credit memos are taken net of their discount.",
    "Pmt. Disc. Excl. VAT": "TRUE: the discount base excludes tax (Amount Excl. VAT).",
    "Max. Over/Underpayment": "A remainder at or below this is written off automatically (D365).",
    "Appln. Rounding Precision": "Rounding difference allowed when applying across currencies.",
    "Receivables Account": "G/L account of the customer receivables.",
    "Bank Account": "G/L account of the bank.",
    "Discount Account": "G/L account for payment discounts granted.",
    "Payment Tolerance Account": "G/L account for payment tolerance written off.",
    "Over/Underpayment Account": "G/L account for over- and underpayments written off.",
    "Realized Gains Account": "G/L account for realized exchange gains.",
    "Realized Losses Account": "G/L account for realized exchange losses.",
    "Interest Income Account": "G/L account for finance charge interest.",
    "Fee Income Account": "G/L account for reminder and finance charge fees.",
    "Pmt. Disc. Tolerance Posting": "Where late (grace-period) discounts are posted.",
    "Payment Tolerance Warning": "TRUE: do not accept tolerance (BC's warning answered No). FALSE accepts it.",
    "Pmt. Disc. Tolerance Warning": "TRUE: do not accept late discounts. FALSE accepts them.",
    "Cash Discount Administration": "D365: Specific or Unspecific.",
    "Settlement Priority": "Document types in settlement order, comma-separated (e.g. Credit Memo, Invoice).",
    "Currency Decimals": "Minor units overriding ISO, e.g. JPY=0; XYZ=3.",
    "Sales Account": "G/L account for invoices and credit memos posted from the journal.",
    "Unrealized Gains Account": "G/L account for unrealized exchange gains (revaluation).",
    "Unrealized Losses Account": "G/L account for unrealized exchange losses (revaluation).",
    "Appln. Rounding Account": "G/L account for rounding when applying across currencies.",
    "Duplicate Payment Check": "A journal payment with the customer, amount and date of another one: Warning "
                               "(posted, flagged), Error (not posted) or Off.",
    "Small Remainder Limit": "A posting that leaves an entry open with this much or less (company currency) is "
                             "flagged on Issues, so no cent stays open unnoticed. 0: off.",
    "Write-off Account": "G/L account of small balances written off (xlar write-off).",
    "Credit Warnings": "Which checks a journal invoice gets: Both Warnings, Credit Limit, Overdue Balance or "
                       "No Warning.",
    "Credit Limit Check": "An invoice over the customer's Credit Limit: Warning (posted) or Error (not posted).",
    "Priority Weight Overdue Amount": "Collections: what each 1,000 overdue (company currency) adds to the "
                                      "priority.",
    "Priority Weight Days Overdue": "Collections: what each 30 days overdue (oldest open invoice) adds.",
    "Priority Weight Broken Promises": "Collections: what each broken promise to pay (Activities) adds.",
    "Priority Weight Credit Limit Use": "Collections: what 100 % of the credit limit used adds.",
    "Promise Tolerance": "A promise to pay is kept when the payments fall short of it by this much at most.",
    "Payment Reference Scheme": "The structured reference each invoice xlar posts gets (Ledger Payment Reference, "
                                "printed on statements and reminders, matched exactly): None, RF, SE-OCR, NO-KID, "
                                "NO-KID-11, FI, CH-QR or BE.",
    "Company Name": "Printed on statements, reminders and finance charge memos (month-end --documents).",
    "Company Address": "Street and number, as documents print it.",
    "Company Address 2": "A second address line (optional).",
    "Company Post Code": "Post code of the company address.",
    "Company City": "City of the company address.",
    "Company Country/Region Code": "Country of the company address, e.g. DE.",
    "Company VAT Registration No.": "Printed in the documents' header and footer.",
    "Company Phone No.": "Printed in the documents' header.",
    "Company E-Mail": "Printed on documents; the From of the .eml messages (month-end --eml).",
    "Company Bank Name": "The bank customers pay to (payment instructions on documents).",
    "Company IBAN": "The account customers pay to (payment instructions on documents).",
    "Company BIC": "BIC / SWIFT code of that account.",
    "Company Language Code": "Language of documents for customers without a Language Code (blank: English).",
}

XLWINGS_CONF_SHEET = "xlwings.conf"
XLWINGS_CONF: tuple[tuple[str, str], ...] = (
    ("UDF Modules", "udfs.ar"),
    ("Use UDF Server", "True"),
    ("Show Console", "False"),
)

FIXED_TIME = datetime(2026, 1, 1)
_LAST = 1_048_576
_HEADER_FONT = Font(bold=True)
_BOOLS = ("TRUE", "FALSE")
_BLOCKED = ("Ship", "Invoice", "All")


def _choices(enum: type[StrEnum] | None) -> tuple[str, ...]:
    return tuple(m.value for m in enum if m.value) if enum else ()


def _columns(name: str) -> list[tuple[str, Kind, tuple[str, ...]]]:
    """(header, kind, drop-down values) of one template sheet."""
    spec: SheetSpec | None = next((s for s in S.SHEETS.values() if norm(s.name) == norm(name)), None)
    if spec is not None:
        cols = []
        for c in spec.columns:
            values: tuple[str, ...] = ()
            if c.kind is Kind.BOOL:
                values = _BOOLS
            elif c.key == "documenttype":
                values = tuple(t.value for t in (S.JOURNAL_TYPES if spec is S.JOURNAL else DocumentType) if t.value)
            elif c.key == "blocked":
                values = _BLOCKED
            elif c.kind is Kind.CHOICE:
                values = _choices(c.choices)
            cols.append((c.header, c.kind, values))
        return cols
    out = []
    for h in OTHER_SHEETS[name]:
        kind = _OTHER_KINDS.get(norm(h), Kind.TEXT)
        values = _BOOLS if kind is Kind.BOOL else _OTHER_LISTS.get((name, norm(h)), ())
        out.append((h, kind, values))
    return out


def _fmt(kind: Kind, currency: str) -> str | None:
    if kind is Kind.MONEY:
        return money_format(currency)
    if kind is Kind.DATE:
        return DATE_FORMAT
    if kind is Kind.DATETIME:
        return DATETIME_FORMAT
    return None


def _table_sheet(ws: Worksheet, headers: list[str], formats: list[str | None],
                 lists: list[tuple[str, ...]], table_name: str) -> None:
    for i, h in enumerate(headers, start=1):
        cell = ws.cell(1, i, h)
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(wrap_text=False)
        ws.column_dimensions[get_column_letter(i)].width = max(11, min(len(h) + 4, 34))
        if formats[i - 1]:
            ws.cell(2, i).number_format = formats[i - 1]
    ref = f"A1:{get_column_letter(len(headers))}2"
    t = Table(displayName=table_name, ref=ref)
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(t)
    ws.freeze_panes = "A2"
    for i, values in enumerate(lists, start=1):
        if not values:
            continue
        letter = get_column_letter(i)
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle=headers[i - 1],
                            error="Choose one of: " + ", ".join(values))
        dv.add(f"{letter}2:{letter}{_LAST}")
        ws.add_data_validation(dv)


def _settings(ws: Worksheet, currency: str) -> None:
    ws.append(["Setting", "Value", "Description"])
    lists: dict[str, tuple[str, ...]] = {
        "applicationmethod": _choices(ApplicationMethod), "paymenttoleranceposting": _choices(TolerancePosting),
        "pmtdisctoleranceposting": _choices(TolerancePosting),
    }
    for s in S.SETTINGS:
        value = s.default
        if s.key == "companycurrency":
            value = currency
        if s.kind is Kind.BOOL:
            value = "TRUE" if value else "FALSE"
        elif value == "":
            value = None
        ws.append([s.name, value, DESCRIPTIONS.get(s.name, "")])
        r = ws.max_row
        if s.kind is Kind.MONEY:
            ws.cell(r, 2).number_format = money_format(currency)
        values = _BOOLS if s.kind is Kind.BOOL else lists.get(s.key) or _choices(s.choices)
        if values:
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                showErrorMessage=True, error="Choose one of: " + ", ".join(values))
            dv.add(f"B{r}")
            ws.add_data_validation(dv)
    for i, h in enumerate(("Setting", "Value", "Description"), start=1):
        ws.cell(1, i).font = _HEADER_FONT
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 90
    t = Table(displayName="tblSettings", ref=f"A1:C{ws.max_row}")
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(t)
    ws.freeze_panes = "A2"


def _sepa_setup(ws: Worksheet) -> None:
    ws.append(["Setting", "Value", "Description"])
    for row in SEPA_SETUP:
        ws.append(list(row))
    for i in range(1, 4):
        ws.cell(1, i).font = _HEADER_FONT
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 80
    dv = DataValidation(type="list", formula1='"CORE,B2B"', allow_blank=True, showErrorMessage=True,
                        error="Choose one of: CORE, B2B")
    dv.add("B6")
    ws.add_data_validation(dv)
    dv = DataValidation(type="list", formula1='"pain.008.001.02,pain.008.001.08"', allow_blank=True,
                        showErrorMessage=True, error="Choose one of: pain.008.001.02, pain.008.001.08")
    dv.add("B7")
    ws.add_data_validation(dv)
    t = Table(displayName="tblSEPASetup", ref=f"A1:C{ws.max_row}")
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(t)
    ws.freeze_panes = "A2"


def build_template(path: Path, currency: str = "EUR") -> Path:
    """Write the empty client workbook to ``path`` and return it."""
    wb = template_workbook(currency)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def template_workbook(currency: str = "EUR") -> openpyxl.Workbook:
    """The empty client workbook, not yet saved (``xlar.addin`` adds the Start sheet of the starter workbook)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _settings(wb.create_sheet("Settings"), currency)
    names = [n for n in ORDER if n != "Settings"]
    # sheets other engineers declare in schema.py later join before the outputs
    for s in S.SHEETS.values():
        if norm(s.name) not in {norm(n) for n in ORDER}:
            names.insert(names.index("Applications"), s.name)
    for name in names:
        if name == "SEPASetup":
            _sepa_setup(wb.create_sheet(name))
            continue
        cols = _columns(name)
        ws = wb.create_sheet(name)
        _table_sheet(ws, [c[0] for c in cols], [_fmt(c[1], currency) for c in cols], [c[2] for c in cols],
                     "tbl" + name)
    conf = wb.create_sheet(XLWINGS_CONF_SHEET)
    for key, value in XLWINGS_CONF:
        conf.append([key, value])
    conf.column_dimensions["A"].width = 18
    conf.column_dimensions["B"].width = 18
    wb.properties.creator = "xlar"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    return wb

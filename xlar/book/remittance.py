"""The ``Remittance`` sheet (extension): the customer's remittance advice, pasted by the user.

One row per document the customer says a payment covers: ``Remittance ID``, ``Customer
No.``, ``Document No.`` (or ``External Document No.``), ``Amount Paid``, ``Discount Taken``,
``Currency`` (rounds the amounts; blank = company currency) and ``Note``. A Journal payment
whose ``Applies-to ID`` is a Remittance ID is applied to exactly those documents
(:mod:`xlar.core.remittance`). Nothing is written back to this sheet.
"""

from __future__ import annotations

from xlar.book import schema as S
from xlar.book.cells import is_blank, read_text
from xlar.book.grid import Bound, Grid, find
from xlar.book.issues import SheetIssue
from xlar.book.rows import read_sheet_rows
from xlar.core.model import Issue, Severity
from xlar.core.money import ZERO
from xlar.core.remittance import TABLE, RemittanceLine

C = S.Column
K = S.Kind

REMITTANCE = S.SheetSpec(
    "Remittance",
    (
        C("Remittance ID", "remittance_id", required=True),
        C("Customer No.", "customer_no"),
        C("Document No.", "document_no"),
        C("External Document No.", "external_document_no"),
        C("Amount Paid", "amount_paid", K.MONEY, required=True),
        C("Discount Taken", "discount_taken", K.MONEY),
        C("Currency", "currency"),
        C("Note", "note"),
    ),
)


def read_remittances(grids: dict[str, Grid], used: set[str], lcy: str, exps: dict[str, int] | None
                     ) -> tuple[list[RemittanceLine], set[str], list[SheetIssue]]:
    """The good rows, the IDs with a row that does not read, and the issues.

    ``used``: the Remittance IDs journal lines to post name (upper case). A bad row of a
    remittance no such line uses is only a warning: nothing depends on it in this run.
    """
    issues: list[SheetIssue] = []
    grid = find(grids, REMITTANCE.name)
    if grid is None:
        return [], set(), issues
    out: list[RemittanceLine] = []
    for row, f in read_sheet_rows(grids, REMITTANCE, issues, lcy, exps, currency_field="currency"):
        doc = str(f.get("document_no") or f.get("external_document_no") or "")
        if not doc:
            issues.append(SheetIssue(grid.title, row, "Document No.", None,
                                     "Document No. and External Document No. are both blank",
                                     "missing-value"))
            continue
        out.append(RemittanceLine(remittance_id=str(f["remittance_id"]), document_no=doc,
                                  amount_paid=f["amount_paid"],  # type: ignore[arg-type]
                                  discount_taken=f.get("discount_taken") or ZERO,  # type: ignore[arg-type]
                                  customer_no=str(f.get("customer_no", "")), note=str(f.get("note", "")),
                                  key=row))
    good_rows = {ln.key for ln in out}
    b = Bound.bind(grid, REMITTANCE)
    id_col = REMITTANCE.by_field["remittance_id"]
    vals_of = dict(grid.rows)
    unreadable: set[str] = set()
    kept: list[SheetIssue] = []
    for i in issues:
        vals = vals_of.get(i.row) if i.row is not None and i.row not in good_rows else None
        raw = b.value(vals, id_col) if vals is not None else None
        rid = "" if is_blank(raw) else read_text(raw).upper()
        if rid and rid in used:
            unreadable.add(rid)
            kept.append(i)
        elif i.row == grid.header_row:  # a missing column: every remittance is affected
            kept.append(i)
        else:
            kept.append(SheetIssue(i.sheet, i.row, i.column, i.value, i.problem, i.code, Severity.WARNING))
    return out, unreadable, kept


def locate(grids: dict[str, Grid], issue: Issue) -> SheetIssue:
    """A core remittance issue on its Remittance cell (Ref.key is the Excel row)."""
    grid = find(grids, REMITTANCE.name)
    ref = issue.ref
    assert ref is not None and ref.table == TABLE
    if grid is None:
        return SheetIssue(REMITTANCE.name, ref.key, "", ref.value, issue.problem, issue.code, issue.severity)  # type: ignore
    b = Bound.bind(grid, REMITTANCE)
    col = REMITTANCE.by_field.get(ref.field)
    if ref.field == "document_no" and col is not None and not b.has(col):
        col = REMITTANCE.by_field["external_document_no"]
    vals = dict(grid.rows).get(ref.key)  # type: ignore[call-overload]
    value = b.value(vals, col) if vals is not None and col is not None else ref.value
    if ref.field == "document_no" and col is not None and is_blank(value):
        col = REMITTANCE.by_field["external_document_no"]
        value = b.value(vals, col) if vals is not None else ref.value
    header = b.header_of(col) if col is not None else ref.field
    return SheetIssue(grid.title, ref.key, header, value, issue.problem, issue.code, issue.severity)  # type: ignore

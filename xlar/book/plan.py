"""Records to a write plan: which cells of which sheets change, computed before anything is written.

A :class:`WritePlan` holds Excel-ready values (numbers, dates, text) with their number
formats, addressed by sheet name, Excel row and contract column. The file adapter
(``files.py``) applies it with openpyxl; a live xlwings adapter can apply the same plan
as 2-D blocks. Text is always written as text, never as a formula.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

from xlar.book import schema as S
from xlar.book.issues import SheetIssue
from xlar.book.rows import ReadResult, build_entry
from xlar.book.schema import Column, Cur, Kind, SheetSpec
from xlar.core.model import Application, DocumentType, GLLine, LedgerEntry, LineResult
from xlar.core.money import ZERO, exponent, to_money
from xlar.core.tables import CellKind, Emphasis, Table

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

# --------------------------------------------------------------------------- how report sheets look
# One definition for the three report writers: openpyxl (reports.py), the part writer
# (xlsxreports.py) and a live book (excel.py).

#: the number format of a report cell by kind (money: ``money_format`` of its currency; text, int: none)
KIND_FORMAT = {CellKind.DATE: DATE_FORMAT, CellKind.PCT: "0.0%", CellKind.NUMBER: "0.0"}
#: report column widths are measured on the first rows only
WIDTH_ROWS = 5000


class Look(NamedTuple):
    """The style of a report row by emphasis; colours as RRGGBB."""

    bold: bool = False
    italic: bool = False
    size: int | None = None
    color: str | None = None
    fill: str | None = None
    top_border: bool = False


LOOKS: dict[Emphasis, Look] = {
    Emphasis.TITLE: Look(bold=True, size=12),
    Emphasis.HEADER: Look(bold=True, fill="DDEBF7"),
    Emphasis.TOTAL: Look(bold=True, top_border=True),
    Emphasis.WARNING: Look(bold=True, fill="F8CBAD"),
    Emphasis.OK: Look(fill="C6EFCE"),
    Emphasis.NOTE: Look(italic=True, color="595959"),
}


#: column widths (characters) are capped here; longer text shows in full in the cell
MAX_WIDTH = 50
MIN_WIDTH = 10
_FIXED_LEN = {CellKind.DATE: len(DATE_FORMAT)}


def shown_len(value: object, fmt: str | None = None) -> int:
    """Characters a value takes as Excel shows it in ``fmt`` (the formats xlar writes; General otherwise)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool):
        return 5
    if isinstance(value, (date, datetime)):
        if fmt:
            return len(fmt.replace("\\", "").replace('"', ""))
        return 19 if isinstance(value, datetime) else 10
    if isinstance(value, (int, float, Decimal)):
        v = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not v.is_finite():
            return 5
        f = fmt or ""
        places = len(f.split(".", 1)[1].rstrip("%")) if "." in f else 0
        if f.endswith("%"):
            return len(f"{v * 100:.{places}f}%")
        if f.startswith("#,##0"):
            return len(f"{v:,.{places}f}")
        if f.startswith("0"):
            return len(f"{v:.{places}f}")
        return min(len(format(v.normalize(), "f")), 11)  # General: at most 11 characters
    return len(str(value))


def report_width(kind: CellKind, emphasis: Emphasis, col: int, value: object, fmt: str | None = None,
                 *, last: bool | None = None) -> int:
    """Characters a report column needs for one cell, padded by 2 (bold rows 3), at most ``MAX_WIDTH``.

    Text by its length; numbers and dates by their length in their number format (money without a
    format: two decimals with thousands separators), so a figure never shows as ``###``. The last text of
    a title or note row does not widen its column: it runs on into the empty cells to its right.
    A column is at least ``MIN_WIDTH`` wide (the writers' default).

    Without ``last`` (the live writer, ``excel.py``): the earlier rule, text by its length up to 60,
    anything else 14, a title or note in the first column does not widen it."""
    if last is None:
        if kind is not CellKind.TEXT or (col == 1 and (emphasis is Emphasis.TITLE or emphasis is Emphasis.NOTE)):
            return 14
        return min(len(str(value)) + 2, 60)
    if kind is CellKind.TEXT:
        if last and (emphasis is Emphasis.TITLE or emphasis is Emphasis.NOTE):
            return 0
        n = len(str(value))
    elif kind is CellKind.MONEY and fmt is None:
        n = shown_len(value, "#,##0.00")
    else:
        n = _FIXED_LEN.get(kind) or shown_len(value, fmt or KIND_FORMAT.get(kind))
    pad = 3 if LOOKS.get(emphasis, _PLAIN).bold else 2
    return min(n + pad, MAX_WIDTH)


#: the height (points) of a row of one line; a row with wrapped text gets one per line
ROW_HEIGHT = 15


def wrapped_lines(text: str) -> int:
    """Lines a text longer than ``MAX_WIDTH`` takes when wrapped in a column of that width (10 % spare)."""
    return max(1, -(-len(text) * 11 // ((MAX_WIDTH - 2) * 10)))


# --------------------------------------------------------------------------- how sheets print
# Every sheet xlar creates or rewrites prints one page wide, its heading rows repeated on each page,
# with the company and the sheet's name in the header and "Page x of y" in the footer.

FOOTER = "&CPage &P of &N"
#: a sheet wider than this (sum of column widths, characters) prints in landscape
PORTRAIT_WIDTH = 100
#: Excel's column width when none is set
DEFAULT_WIDTH = 8.43


class PageSetup(NamedTuple):
    landscape: bool
    title_rows: int  # rows 1..title_rows repeat at the top of every page (0: none)
    header: str
    footer: str = FOOTER


def header_text(company: str, sheet: str) -> str:
    """The page header: the company on the left, the sheet's name on the right (``&`` escaped)."""
    left = company.replace("&", "&&")
    return (f"&L{left}" if left else "") + "&R" + sheet.replace("&", "&&")


def page_setup(sheet: str, widths: Mapping[int, float], last_col: int, title_rows: int, company: str = "",
               hidden: Iterable[int] = ()) -> PageSetup:
    """The page setup of a sheet xlar writes: landscape when its visible columns are wider than a portrait page."""
    gone = set(hidden)
    total = sum(widths.get(c, DEFAULT_WIDTH) for c in range(1, last_col + 1) if c not in gone)
    return PageSetup(total > PORTRAIT_WIDTH, title_rows, header_text(company, sheet))


def is_xlar_setup(header: str | None, footer: str | None, has_layout: bool) -> bool:
    """Whether a sheet's page setup is xlar's to rewrite: none set (``has_layout``: orientation, scale or fit
    set on the page setup), or xlar's own footer. Anything else is the user's and is kept."""
    if footer or header:
        return footer == FOOTER
    return not has_layout


_PLAIN = Look()


class Out(NamedTuple):
    """One Excel-ready cell value and its number format (None: leave the format alone).

    A named tuple: a big post makes a million of them, and a tuple is made 4x faster than a
    frozen dataclass."""

    value: object
    number_format: str | None = None


@dataclass(slots=True)
class Block:
    """Rows appended straight from core records, without a dict of :class:`Out` per row.

    Row ``i`` writes the ``columns`` (or ``columns[i]`` when it is a list: one tuple per record,
    most of them the same object) of ``records[i]``: ``getattr(record, column.field)`` as
    :func:`out` converts it, money in the currency ``currency(record)[column.currency]``.
    The part writer renders a block straight to row XML; :meth:`rows` gives the same rows as
    ``{key: Out}`` dicts for the openpyxl and xlwings writers.
    """

    records: Sequence[object]
    columns: tuple[Column, ...] | list[tuple[Column, ...]]
    currency: Callable[[object], Mapping[Cur, str]]
    exps: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.records)

    def column_sets(self) -> list[tuple[Column, ...]]:
        """The distinct column tuples of the block, in order of first use."""
        if isinstance(self.columns, tuple):
            return [self.columns]
        seen: dict[int, tuple[Column, ...]] = {}
        for cols in self.columns:
            if id(cols) not in seen:
                seen[id(cols)] = cols
        out: list[tuple[Column, ...]] = []
        for cols in seen.values():
            if cols not in out:
                out.append(cols)
        return out

    def rows(self) -> list[dict[str, Out]]:
        exps = self.exps
        cols = self.columns
        res = []
        for i, r in enumerate(self.records):
            cur = self.currency(r)
            res.append({c.key: out(getattr(r, c.field), c.kind, cur[c.currency], exps)
                        for c in (cols if isinstance(cols, tuple) else cols[i])})
        return res


@dataclass(slots=True)
class SheetWrite:
    """What changes on one sheet: existing rows updated by column, and rows appended.

    ``rows`` are the appended rows in order: ``{key: Out}`` dicts and :class:`Block`\\ s of
    records. ``appends`` is the same list with every block expanded to dicts (for the writers
    that want dicts; the part writer reads ``rows``)."""

    spec: SheetSpec
    updates: dict[int, dict[str, Out]] = field(default_factory=dict)  # Excel row -> column key -> value
    rows: list[dict[str, Out] | Block] = field(default_factory=list)
    blocks: int = 0  # how many of ``rows`` are blocks

    @property
    def appends(self) -> list[dict[str, Out]]:
        if self.blocks:
            rows: list[dict[str, Out] | Block] = []
            for r in self.rows:
                if type(r) is Block:
                    rows.extend(r.rows())
                else:
                    rows.append(r)
            self.rows[:] = rows
            self.blocks = 0
        return self.rows  # type: ignore[return-value]

    def add(self, block: Block) -> None:
        """Append ``block``'s rows."""
        if len(block):
            self.rows.append(block)
            self.blocks += 1

    def appended(self) -> int:
        """How many rows are appended."""
        return sum(len(r) if type(r) is Block else 1 for r in self.rows) if self.blocks else len(self.rows)

    def update(self, row: int, key: str, out: Out) -> None:
        self.updates.setdefault(row, {})[key] = out

    def __bool__(self) -> bool:
        return bool(self.updates or self.rows)


@dataclass(slots=True)
class WritePlan:
    """Row-level changes per sheet, plus report sheets rewritten whole.

    ``reports`` are core :class:`~xlar.core.tables.Table` objects: each replaces the sheet
    of its name (at the same position; created at the end when missing). Every backend
    renders them: openpyxl (``reports.render``), the zip-part writer and xlwings.
    ``exps`` are the currency exponents the reports' money formats use.
    """

    sheets: dict[str, SheetWrite] = field(default_factory=dict)
    reports: list[Table] = field(default_factory=list)
    exps: dict[str, int] | None = None
    company: str = ""  # the page header's company name (Settings: Company Name); filled when saving

    def sheet(self, spec: SheetSpec) -> SheetWrite:
        if spec.name not in self.sheets:
            self.sheets[spec.name] = SheetWrite(spec)
        return self.sheets[spec.name]


_FORMATS: dict[str, str] = {}  # currency -> money format, without exponent overrides


def money_format(currency: str, exps: dict[str, int] | None = None) -> str:
    if not exps:
        fmt = _FORMATS.get(currency)
        if fmt is not None:
            return fmt
    e = exponent(currency or "EUR", exps)
    fmt = "#,##0" if e == 0 else "#,##0." + "0" * e
    if not exps:
        _FORMATS[currency] = fmt
    return fmt


_NONE = Out(None)
_DECIMAL_ZERO = Decimal(0)


def out(value: object, kind: Kind, currency: str = "", exps: dict[str, int] | None = None) -> Out:
    """``value`` as Excel wants it: money as a float (from its decimal text) with a format, dates as dates."""
    if value is None:
        return _NONE
    t = type(value)
    if t is Decimal:  # the common types first, by exact type
        if not value:
            value = _DECIMAL_ZERO  # never write a negative zero ("-0.00") into a cell
        if kind is Kind.MONEY:
            return Out(float(str(value)), money_format(currency, exps))
        return Out(float(str(value)) if value != value.to_integral_value() else int(value))  # type: ignore
    if t is str or t is int or t is bool:
        return Out(value)
    if t is date:
        return Out(value, DATE_FORMAT)
    if isinstance(value, Enum):
        return Out(str(value.value))
    if isinstance(value, bool):
        return Out(value)
    if isinstance(value, Decimal):
        if value == 0:
            value = Decimal(0)  # never write a negative zero ("-0.00") into a cell
        if kind is Kind.MONEY:
            return Out(float(str(value)), money_format(currency, exps))
        return Out(float(str(value)) if value != value.to_integral_value() else int(value))
    if isinstance(value, datetime):
        return Out(value, DATETIME_FORMAT)
    if isinstance(value, date):
        return Out(value, DATE_FORMAT)
    if isinstance(value, (tuple, list)):
        return Out(", ".join(str(v) for v in value))
    return Out(value)


def record_row(rec: object, columns: Iterable[Column], currency: str) -> dict[str, Out]:
    """A new row for record ``rec``: a cell per column whose field ``rec`` has filled (blank fields, and
    fields ``rec`` lacks, stay blank cells)."""
    row: dict[str, Out] = {}
    for c in columns:
        v = getattr(rec, c.field, None)
        if v is None or v == "":
            continue
        row[c.key] = out(v, c.kind, currency)
    return row


# --------------------------------------------------------------------------- Ledger

_OWNED = {c.field for c in S.LEDGER.columns if c.derived} | {"applies_to_id", "amount_to_apply"}


def _ledger_row(e: LedgerEntry, columns: list[Column], lcy: str, exps: dict[str, int] | None) -> dict[str, Out]:
    row: dict[str, Out] = {}
    for c in columns:
        cur = lcy if c.currency is Cur.LCY else e.currency
        row[c.key] = out(getattr(e, c.field), c.kind, cur, exps)
    return row


def _blank(v: object) -> bool:
    return v is None or v == "" or (isinstance(v, tuple) and not v)


def _rederived(read: ReadResult, e: LedgerEntry, columns: set[str]) -> LedgerEntry | None:
    """What the next run would read for ``e`` if only ``columns`` (fields) were on the sheet."""
    f = {}
    for k in columns:
        if k in S.LEDGER.by_field:
            v = getattr(e, k)
            if v is not None and v != "" and v != ():
                f[k] = v
    try:
        lcy = read.book.settings.company_currency
        return build_entry(read.book, f, lcy, dict(read.book.settings.currency_exponents) or None)
    except (ValueError, KeyError, ArithmeticError):
        return None


_DISCOUNTABLE = (DocumentType.INVOICE, DocumentType.CREDIT_MEMO)  # as core.terms: they get a discount schedule
#: what ``rows.build_entry`` derives an entry from (the arguments of ``core.terms.new_entry``)
_INPUTS = ("entry_no", "customer_no", "document_type", "document_no", "posting_date", "amount", "currency",
           "document_date", "due_date", "payment_terms", "amount_excl_vat", "external_document_no",
           "description", "exchange_rate")


def _lost(read: ReadResult, e: LedgerEntry, old: LedgerEntry, rederive: set[str], inputs: tuple[str, ...],
          missing_ext: list[Column], lcy: str, exps: dict[str, int] | None) -> list[Column]:
    """The missing extension columns whose value of ``e`` (a changed entry of an existing row, read as
    ``old``) the next read would not re-derive from the columns on the sheet.

    When the derivation's inputs are those of ``old``, the next read derives every extension field as
    it derived ``old``'s, except the remaining amount (LCY), which follows the remaining amount: no
    re-derivation is needed (:func:`_rederived` is the general case)."""
    for k in inputs:
        if getattr(e, k) != getattr(old, k):
            again = _rederived(read, e, rederive)
            return [c for c in missing_ext if again is None or getattr(again, c.field) != getattr(e, c.field)]
    lost = []
    for c in missing_ext:
        f = c.field
        if f == "remaining_amount_lcy" and old.exchange_rate != 0:
            if old.currency == lcy:
                want = e.remaining_amount
            else:
                rate = e.exchange_rate if e.exchange_rate is not None else old.exchange_rate
                want = to_money(e.remaining_amount * rate, lcy, exps)
        else:
            want = getattr(old, f)
        if getattr(e, f) != want:
            lost.append(c)
    return lost


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(LedgerEntry)}


def _lost_new(e: LedgerEntry, missing_ext: list[Column], lcy: str, exps: dict[str, int] | None
              ) -> list[Column] | None:
    """:func:`_lost` of a new entry that is not an invoice or credit memo (a payment, a refund),
    without re-deriving it; None when it must be re-derived.

    ``core.terms.new_entry`` gives such a document no discount schedule: the next read derives
    its document date as its posting date, its remaining amount (LCY) from the remaining amount
    at its rate, and every other extension field as the record's default. A test checks this
    against :func:`_rederived`."""
    if e.document_type in _DISCOUNTABLE or not e.currency or not e.exchange_rate:
        return None
    lost = []
    for c in missing_ext:
        f = c.field
        if f == "document_date":
            want: object = e.posting_date
        elif f == "remaining_amount_lcy":
            if e.currency.upper() == lcy:
                want = e.remaining_amount
            else:
                want = to_money(e.remaining_amount * e.exchange_rate, lcy, exps)
        else:
            want = _DEFAULTS.get(f, dataclasses.MISSING)
            if want is dataclasses.MISSING:
                return None
        if getattr(e, f) != want:
            lost.append(c)
    return lost


def plan_ledger(plan: WritePlan, read: ReadResult, ledger: tuple[LedgerEntry, ...],
                changed: frozenset[int]) -> int:
    """Update changed and derived-blank Ledger cells and append new entries. Returns new entries.

    An existing row gets only the cells whose value changed (and derived cells read blank that
    are no longer blank); new entries are appended as one :class:`Block`."""
    spec = S.LEDGER
    sw = plan.sheet(spec)
    bound = read.index.bound.get(spec.name)
    present = {c.field for c in spec.columns if bound is not None and bound.has(c)}
    lcy = read.book.settings.company_currency
    exps = dict(read.book.settings.currency_exponents) or None
    before = {e.entry_no: e for e in read.book.ledger}
    contract = [c for c in spec.columns if not c.extension]
    extensions = [c for c in spec.columns if c.extension]
    rows = read.ledger_rows
    filled = read.ledger_filled
    ext_fields = {c.field for c in extensions}
    # filled (derived, blank when read) fields: one split per distinct set (a big ledger has few):
    # (written always: contract columns the sheet lacks, written when not blank: columns it has)
    split: dict[frozenset[str], tuple[frozenset[str], tuple[str, ...], Callable[[object], object] | None,
                                      tuple[None, ...] | None]] = {}
    quiet: set[frozenset[str]] = set()  # filled sets that never write anything
    owned = [(f, spec.by_field[f]) for f in _OWNED if f in spec.by_field]
    owned = [(f, c) for f, c in owned if not c.extension or f in present]
    owned_fields = tuple(f for f, _ in owned) + ("entry_no", "entry_no")  # (a tuple even for one field)
    get_owned = operator.attrgetter(*owned_fields)
    missing_ext = [c for c in extensions if c.field not in present]
    rederive = {c.field for c in spec.columns if not c.extension} | present
    inputs = tuple(f for f in _INPUTS if f in rederive)
    new_entries: list[LedgerEntry] = []
    new_cols: list[tuple[Column, ...]] = []
    shared: dict[tuple[int, ...], tuple[Column, ...]] = {}
    always = [c for c in contract if c.field in present or c.required or c.derived]
    maybe = [c for c in contract if not (c.field in present or c.required or c.derived)]
    present_ext = [c for c in extensions if c.field in present]
    for e in ledger:
        no = e.entry_no
        row = rows.get(no)
        if row is None:  # a new entry: every column it has a value for (and the ones the sheet has)
            cols = always + [c for c in maybe if not _blank(getattr(e, c.field))] + present_ext
            if missing_ext:  # extension columns a later read could not re-derive must be written (and created)
                lost = _lost_new(e, missing_ext, lcy, exps)
                if lost is None:
                    again = _rederived(read, e, rederive)
                    lost = [c for c in missing_ext if again is None or getattr(again, c.field) != getattr(e, c.field)]
                cols += lost
            key = tuple(map(id, cols))  # (a tuple of Columns would hash every field of every column)
            t = shared.get(key)
            if t is None:
                t = shared[key] = tuple(cols)
            new_entries.append(e)
            new_cols.append(t)
            continue
        old = before[no]
        fl = filled.get(no)
        if e is old and (not fl or fl in quiet):
            continue  # untouched by the settlement, and no blank derived cell to fill
        if fl:
            parts = split.get(fl)  # type: ignore[arg-type]
            if parts is None:
                always_f = frozenset(f for f in fl if f not in present and f not in ext_fields)  # type: ignore
                if_set = tuple(f for f in fl if f in present)  # type: ignore[union-attr]
                parts = split[fl] = (always_f, if_set, operator.attrgetter(*if_set) if if_set else None,  # type: ignore
                                     None if len(if_set) == 1 else (None,) * len(if_set))
                if not always_f and not if_set:
                    quiet.add(fl)  # type: ignore[arg-type]
            # a blank derived cell that stays blank is not written (most of a big ledger): the
            # cells an untouched entry would fill are all None for most entries, checked at once
            fields = set(parts[0])
            get = parts[2]
            if get is not None and (e is not old or get(e) != parts[3]):
                for f in parts[1]:
                    if e is old and f in ext_fields:
                        continue  # an untouched entry's blank extension cell reads back as the same derived value
                    v = getattr(e, f)
                    if v is not None and v != "" and v != ():  # not blank
                        fields.add(f)
            if e is old and not fields:
                continue
        else:
            fields = set()
        touched = e is not old and no in changed  # the settlement returns untouched entries as they were read
        if touched:  # the owned fields that differ (read at once: 20 fields of 2 entries)
            fields.update(f for f, x, y in zip(owned_fields, get_owned(old), get_owned(e)) if x != y)
        cols = [spec.by_field[f] for f in fields if f in spec.by_field]
        # an unchanged entry re-derives exactly as it was read: only changed ones are checked
        if missing_ext and touched:
            for c in _lost(read, e, old, rederive, inputs, missing_ext, lcy, exps):
                if c not in cols:
                    cols.append(c)
        if cols:
            sw.updates.setdefault(row, {}).update(_ledger_row(e, cols, lcy, exps))
    sw.add(Block(new_entries, new_cols, lambda e: {Cur.ROW: e.currency, Cur.LCY: lcy}, exps))
    return len(new_entries)


# --------------------------------------------------------------------------- Applications, G/L

def _application_row(a: Application, cur_of: dict[int, str], lcy: str, exps: dict[str, int] | None,
                     columns: tuple[Column, ...] = S.APPLICATIONS.columns) -> dict[str, Out]:
    applied = cur_of.get(a.applied_entry_no, lcy)
    applying = cur_of.get(a.applying_entry_no, lcy)
    cur = {Cur.APPLIED: applied, Cur.APPLYING: applying, Cur.LCY: lcy, Cur.ROW: applied}
    return {c.key: out(getattr(a, c.field), c.kind, cur[c.currency], exps) for c in columns}


def plan_applications(plan: WritePlan, read: ReadResult, new: tuple[Application, ...],
                      updated: tuple[Application, ...], ledger: tuple[LedgerEntry, ...]) -> None:
    sw = plan.sheet(S.APPLICATIONS)
    lcy = read.book.settings.company_currency
    exps = dict(read.book.settings.currency_exponents) or None
    cur_of = {e.entry_no: e.currency for e in ledger}
    old = {(a.application_no, a.applying_entry_no, a.applied_entry_no): a for a in read.book.applications}
    appended: list[Application] = []
    for a in updated:
        key = (a.application_no, a.applying_entry_no, a.applied_entry_no)
        row = read.application_rows.get(key)
        if row is None:
            appended.append(a)
            continue
        prev = old[key]
        cols = tuple(c for c in S.APPLICATIONS.columns if getattr(prev, c.field) != getattr(a, c.field))
        for k, v in _application_row(a, cur_of, lcy, exps, cols).items():
            sw.update(row, k, v)
    appended.extend(new)

    def currency(a: Application) -> dict[Cur, str]:
        applied = cur_of.get(a.applied_entry_no, lcy)
        return {Cur.APPLIED: applied, Cur.APPLYING: cur_of.get(a.applying_entry_no, lcy), Cur.LCY: lcy,
                Cur.ROW: applied}

    sw.add(Block(appended, S.APPLICATIONS.columns, currency, exps))


def plan_gl(plan: WritePlan, read: ReadResult, lines: tuple[GLLine, ...]) -> None:
    lcy = read.book.settings.company_currency
    exps = dict(read.book.settings.currency_exponents) or None
    cur = dict.fromkeys(Cur, lcy)
    plan.sheet(S.GL_ENTRIES).add(Block(lines, S.GL_ENTRIES.columns, lambda g: cur, exps))


# --------------------------------------------------------------------------- Journal, Issues, RunLog

def plan_journal(plan: WritePlan, read: ReadResult, results: dict[int, LineResult]) -> None:
    """Status / Message / Posted Entry No. of each line with a result (never of lines posted before)."""
    sw = plan.sheet(S.JOURNAL)
    for line_no, r in results.items():
        row = read.journal_rows.get(line_no)
        if row is None or line_no in read.posted_lines:
            continue
        sw.update(row, S.norm("Status"), Out(r.status))
        sw.update(row, S.norm("Message"), Out(r.message))
        sw.update(row, S.norm("Posted Entry No."), Out(r.posted_entry_no))


def plan_issues(plan: WritePlan, run: int, issues: list[SheetIssue]) -> None:
    sw = plan.sheet(S.ISSUES)
    for i in issues:
        value = i.value
        if isinstance(value, (date, datetime, Decimal, Enum, tuple)):
            value = out(value, Kind.TEXT).value
            if isinstance(value, float):
                value = str(value)
        if isinstance(value, str) and len(value) > 1000:  # a cell too long to keep: its start and length
            value = f"{value[:200]}... ({len(value):,} characters)"
        sw.appends.append({
            "run": Out(run), "sheet": Out(i.sheet), "row": Out(i.row), "column": Out(i.column),
            "value": out(value, Kind.TEXT) if not isinstance(value, (date, datetime)) else out(value, Kind.DATE),
            "problem": Out(i.problem), "severity": Out(str(i.severity.value)), "code": Out(i.code),
        })


def plan_runlog(plan: WritePlan, *, run: int, started: datetime, command: str, fingerprint: str,
                lines_posted: int, warnings: int, errors: int, result: str) -> None:
    plan.sheet(S.RUN_LOG).appends.append({
        "run": Out(run), "started": Out(started, DATETIME_FORMAT), "command": Out(command),
        "workbookfingerprint": Out(fingerprint), "linesposted": Out(lines_posted), "warnings": Out(warnings),
        "errors": Out(errors), "result": Out(result),
    })


def plan_close(plan: WritePlan, o: object, *, started: datetime, command: str, fingerprint: str,
               lines_posted: int | None = None) -> None:
    """What every command ends with: the run's Issues rows and its RunLog row (``o``: the run's Outcome)."""
    if o.issues:  # type: ignore[attr-defined]
        plan_issues(plan, o.run, o.issues)  # type: ignore[attr-defined]
    plan_runlog(plan, run=o.run, started=started, command=command, fingerprint=fingerprint,  # type: ignore
                lines_posted=o.lines_posted if lines_posted is None else lines_posted,  # type: ignore
                warnings=o.warnings, errors=o.errors, result=o.result)  # type: ignore[attr-defined]


def amounts_equal(a: Decimal | None, b: Decimal | None) -> bool:
    return (a or ZERO) == (b or ZERO)


__all__ = ["Out", "SheetWrite", "WritePlan", "dataclasses"]

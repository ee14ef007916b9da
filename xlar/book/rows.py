"""Cells to core records, and every bad cell to an Issue (never an exception, never dropped).

:func:`read_book` turns the grids of a workbook into a core :class:`~xlar.core.model.Book`
plus a :class:`RowIndex` (record -> Excel row) and the issues found. Ledger rows are built
with :func:`xlar.core.terms.new_entry` and then overlaid with every derived column the user
did give: derived columns are only filled where blank.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import compress
from operator import attrgetter

from xlar.book import schema as S
from xlar.book.cells import CellError, convert_column, is_blank, read_cell, read_choice, read_text
from xlar.book.grid import Bound, Grid, find
from xlar.book.issues import SheetIssue
from xlar.book.schema import Column, Cur, SheetSpec, norm
from xlar.core import payref
from xlar.core.model import (
    Accounts,
    Application,
    Book,
    Customer,
    DocumentType,
    ExchangeRate,
    GLLine,
    JournalLine,
    LedgerEntry,
    PaymentTerms,
    Settings,
    Severity,
)
from xlar.core.money import to_money
from xlar.core.records import positional
from xlar.core.terms import ENTRY_FIELDS, entry_fields

WARNING = Severity.WARNING


@dataclass(slots=True)
class RowIndex:
    """Where each record came from: (table, key) -> Excel row, and the user's headers."""

    rows: dict[tuple[str, object], int] = field(default_factory=dict)
    bound: dict[str, Bound] = field(default_factory=dict)  # spec name -> bound sheet
    values: dict[tuple[str, object], list[object]] = field(default_factory=dict)
    settings_rows: dict[str, tuple[int, object]] = field(default_factory=dict)  # field -> (row, value)
    settings_title: str = S.SETTINGS_SHEET
    at: dict[tuple[str, object], int] = field(default_factory=dict)  # (table, key) -> index into its grid's rows
    grids: dict[str, Grid] = field(default_factory=dict)  # table -> grid of the rows indexed by ``at``

    def add(self, table: str, key: object, row: int, values: list[object]) -> None:
        self.rows.setdefault((table, key), row)
        self.values.setdefault((table, key), values)

    def add_at(self, table: str, key: object, row: int, grid: Grid, i: int) -> None:
        """:meth:`add` for the ``i``-th data row of ``grid``: its values are fetched when an issue needs them."""
        self.rows.setdefault((table, key), row)
        self.at.setdefault((table, key), i)
        self.grids[table] = grid

    def row_values(self, table: str, key: object) -> list[object] | None:
        vals = self.values.get((table, key))
        if vals is None and (table, key) in self.at:
            vals = self.grids[table].row_values(self.at[table, key])
        return vals

    def locate(self, table: str, key: object, field_name: str) -> tuple[str, int | None, str, object]:
        """(Sheet, Row, Column, Value) for a core ``Ref``."""
        sheet_name = S.TABLE_SHEETS.get(table, table)
        if table == "settings":
            spec = S.SETTINGS_BY_FIELD.get(field_name) or S.SETTINGS_BY_FIELD.get(str(key)) or \
                S.SETTINGS_BY_KEY.get(norm(key))
            row, value = self.settings_rows.get(spec.field, (None, None)) if spec else (None, None)
            return self.settings_title, row, spec.name if spec else field_name, value
        bound = self.bound.get(sheet_name)
        title = bound.grid.title if bound else sheet_name
        row = self.rows.get((table, key))
        if row is None and isinstance(key, str) and key.isdigit():
            row = self.rows.get((table, int(key)))
        column = ""
        value = None
        spec = S.SHEETS.get(sheet_name)
        col = spec.by_field.get(field_name) if spec else None
        if col is None and spec is not None and field_name:
            col = spec.column(field_name)
        if col is not None:
            column = bound.header_of(col) if bound else col.header
            vals = self.row_values(table, key)
            if bound is not None and vals is not None:
                value = bound.value(vals, col)
        elif field_name:
            column = field_name
        return title, row, column, value


@dataclass(slots=True)
class ReadResult:
    """A workbook read into core records."""

    book: Book
    index: RowIndex
    issues: list[SheetIssue]
    bad_lines: dict[int, str] = field(default_factory=dict)  # journal line_no -> first problem
    posted_lines: set[int] = field(default_factory=set)  # journal lines already Posted before this run
    journal_rows: dict[int, int] = field(default_factory=dict)  # line_no -> Excel row
    ledger_rows: dict[int, int] = field(default_factory=dict)  # entry_no -> Excel row
    ledger_filled: dict[int, frozenset[str]] = field(default_factory=dict)  # entry_no -> derived fields xlar filled
    application_rows: dict[tuple[int, int, int], int] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)

    @property
    def errors(self) -> list[SheetIssue]:
        return [i for i in self.issues if i.is_error]

    def blocking_errors(self) -> list[SheetIssue]:
        """Errors outside journal lines: they stop a run even with --skip-errors."""
        title = self.index.bound["Journal"].grid.title if "Journal" in self.index.bound else None
        line_rows = set(self.journal_rows.values())
        return [i for i in self.errors if not (i.sheet == title and i.row in line_rows)]


class _Reader:
    def __init__(self, grids: dict[str, Grid]) -> None:
        self.grids = grids
        self.issues: list[SheetIssue] = []
        self.index = RowIndex()
        self.exps: dict[str, int] | None = None
        self.lcy = "EUR"
        self.memo: dict[Decimal, dict[object, Decimal]] = {}  # amounts converted so far (convert_column)

    # ------------------------------------------------------------------ helpers
    def issue(self, sheet: str, row: int | None, column: str, value: object, problem: str, code: str,
              severity: Severity = Severity.ERROR) -> None:
        self.issues.append(SheetIssue(sheet, row, column, value, problem, code, severity))

    def bind(self, spec: SheetSpec, required_sheet: bool = False) -> Bound | None:
        grid = find(self.grids, spec.name)
        if grid is None:
            if required_sheet:
                self.issue(spec.name, None, "", None, f"The workbook has no {spec.name} sheet", "missing-sheet")
            return None
        b = Bound.bind(grid, spec)
        self.index.bound[spec.name] = b
        for pos, header in b.duplicates:
            self.issue(grid.title, grid.header_row, header, header,
                       f"Column {header!r} repeats {b.header_of(spec.column(header))!r}; the first one is used",
                       "duplicate-column", WARNING)
        missing = [c for c in spec.columns if c.required and not b.has(c)]
        for c in missing:
            self.issue(grid.title, grid.header_row, c.header, None,
                       f"The {spec.name} sheet has no {c.header!r} column", "missing-column")
        return None if missing else b

    def cells(self, b: Bound, row: int, values: list[object], columns: list[Column],
              currency: str = "", *, errors: list[SheetIssue] | None = None,
              currencies: dict[Cur, str] | None = None) -> dict[str, object]:
        """Parse ``columns`` of one row; blank cells are left out; bad cells become issues."""
        out: dict[str, object] = {}
        for col in columns:
            if not b.has(col):
                continue
            raw = b.value(values, col)
            header = b.header_of(col)
            if is_blank(raw):
                if b.is_uncalculated(row, col):
                    self._bad(b, row, header, None, "uncalculated-formula",
                              f"{header} holds a formula Excel has not calculated; open and save the book in Excel",
                              errors)
                elif col.required:
                    self._bad(b, row, header, None, "missing-value", f"{header} is blank", errors)
                continue
            cur = currency
            if currencies is not None and col.kind is S.Kind.MONEY:
                cur = currencies.get(col.currency, currency)
            elif col.currency is Cur.LCY:
                cur = self.lcy
            try:
                if col.kind is S.Kind.CHOICE and col.choices is DocumentType:
                    out[col.field or col.key] = read_choice(raw, DocumentType, "unknown-document-type")
                else:
                    out[col.field or col.key] = read_cell(raw, col, cur or self.lcy, self.exps)
            except CellError as e:
                self._bad(b, row, header, raw, e.code, f"{header}: {e.problem}", errors)
        return out

    def read_columns(self, b: Bound, columns: list[Column], currency: str | list[str] = "", *,
                     errs: dict[int, list[SheetIssue]]) -> dict[str, list[object]]:
        """:meth:`cells` for every row of the sheet at once, column by column.

        Returns field -> one value per grid row (None: blank, or bad). Every bad cell becomes
        an issue exactly as in :meth:`cells` and is listed under its row's index in ``errs``.
        ``currency``: for money columns, one currency or one per row (columns declared in
        LCY always use the company currency).
        """
        rows = b.grid.rows
        uncalc = b.grid.uncalculated
        title = b.grid.title
        out: dict[str, list[object]] = {}
        for col in columns:
            pos = b.positions.get(col.key)
            if pos is None:
                continue
            raw = b.grid.column(pos)
            header = b.header_of(col)
            cur: str | list[str] = currency
            if col.kind is S.Kind.MONEY:
                if col.currency is Cur.LCY or not cur:
                    cur = self.lcy
                elif not isinstance(cur, str) and not all(cur):
                    cur = [c or self.lcy for c in cur]
            conv, left = convert_column(raw, col, cur, self.exps, col.required or bool(uncalc), self.memo)
            doc_type = col.kind is S.Kind.CHOICE and col.choices is DocumentType
            for i in left:
                v = raw[i]
                row = rows[i][0]
                if is_blank(v):
                    if (row, pos) in uncalc:
                        issue = SheetIssue(title, row, header, None, f"{header} holds a formula Excel has not "
                                           "calculated; open and save the book in Excel", "uncalculated-formula")
                    elif col.required:
                        issue = SheetIssue(title, row, header, None, f"{header} is blank", "missing-value")
                    else:
                        continue
                else:
                    try:
                        if doc_type:
                            conv[i] = read_choice(v, DocumentType, "unknown-document-type")
                        else:
                            conv[i] = read_cell(v, col, cur if isinstance(cur, str) else cur[i], self.exps)
                        continue
                    except CellError as e:
                        issue = SheetIssue(title, row, header, v, f"{header}: {e.problem}", e.code)
                self.issues.append(issue)
                errs.setdefault(i, []).append(issue)
            out[col.field or col.key] = conv
        return out

    def _bad(self, b: Bound, row: int, header: str, raw: object, code: str, problem: str,
             errors: list[SheetIssue] | None) -> None:
        issue = SheetIssue(b.grid.title, row, header, raw, problem, code)
        self.issues.append(issue)
        if errors is not None:
            errors.append(issue)

    def cols(self, spec: SheetSpec, *fields: str) -> list[Column]:
        return [spec.by_field[f] for f in fields]

    # ------------------------------------------------------------------ Settings
    def settings(self) -> Settings:
        grid = find(self.grids, S.SETTINGS_SHEET)
        values: dict[str, object] = {}
        if grid is None:
            return Settings()
        self.index.settings_title = grid.title
        keys = [norm(h) for h in grid.headers]
        try:
            name_pos = keys.index(norm(S.SETTING_HEADER))
            value_pos = keys.index(norm(S.VALUE_HEADER))
        except ValueError:
            name_pos, value_pos = 0, 1  # two unlabelled columns: name, value
        raw_by_field: dict[str, tuple[int, object]] = {}
        for row, vals in grid.rows:
            name = vals[name_pos] if name_pos < len(vals) else None
            raw = vals[value_pos] if value_pos < len(vals) else None
            if is_blank(name):
                continue
            spec = S.SETTINGS_BY_KEY.get(norm(name))
            if spec is None:
                self.issue(grid.title, row, S.VALUE_HEADER, name, f"Unknown setting {read_text(name)!r} is ignored",
                           "unknown-setting", WARNING)
                continue
            if spec.field in raw_by_field:
                self.issue(grid.title, row, S.SETTING_HEADER, name, f"{spec.name} is given twice",
                           "duplicate-setting")
                continue
            raw_by_field[spec.field] = (row, raw)
        self.index.settings_rows = raw_by_field
        # company currency and decimals first: money settings round with them
        order = sorted(S.SETTINGS, key=lambda s: s.field not in ("company_currency", "currency_exponents"))
        for spec in order:
            if spec.field not in raw_by_field:
                continue
            row, raw = raw_by_field[spec.field]
            if is_blank(raw):
                continue
            try:
                values[spec.field] = self._setting(spec, raw)
            except CellError as e:
                self.issue(grid.title, row, S.VALUE_HEADER, raw, f"{spec.name}: {e.problem}", e.code)
            if spec.field == "company_currency" and spec.field in values:
                self.lcy = str(values[spec.field]).upper()
                values[spec.field] = self.lcy
            if spec.field == "currency_exponents" and spec.field in values:
                self.exps = dict(values[spec.field]) or None  # type: ignore[arg-type]
        acc = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("accounts.")}
        rest = {k: v for k, v in values.items() if "." not in k}  # company.*: documents read them
        return Settings(**rest, accounts=Accounts(**acc))

    def _setting(self, spec: S.SettingSpec, raw: object) -> object:
        if spec.field == "settlement_priority":
            parts = [p for p in read_cell(raw, Column("", "", S.Kind.LIST))]  # type: ignore[union-attr]
            return tuple(read_choice(p, DocumentType, "unknown-document-type") for p in parts)
        if spec.field == "currency_exponents":
            pairs = []
            for p in read_cell(raw, Column("", "", S.Kind.LIST)):  # type: ignore[union-attr]
                cur, _, exp = p.partition("=")
                if not exp.strip().isdigit() or not cur.strip():
                    raise CellError("bad-number", f"{p!r}: write currency decimals as JPY=0; KWD=3")
                pairs.append((cur.strip().upper(), int(exp)))
            return tuple(pairs)
        col = Column(spec.name, spec.field, spec.kind, choices=spec.choices, currency=Cur.LCY)
        value = read_cell(raw, col, self.lcy, self.exps)
        if spec.inverse:
            value = not value
        return value

    # ------------------------------------------------------------------ master data
    def customers(self) -> tuple[Customer, ...]:
        b = self.bind(S.CUSTOMERS)
        if b is None:
            return ()
        out: dict[str, Customer] = {}
        fields = [c for c in S.CUSTOMERS.columns if c.field]
        for row, vals in b.grid.rows:
            f = self.cells(b, row, vals, fields)
            if "customer_no" not in f or "name" not in f:
                continue
            no = str(f["customer_no"])
            if no in out:
                self.issue(b.grid.title, row, b.header_of(S.CUSTOMERS.by_field["customer_no"]), no,
                           f"Customer {no} is on the sheet twice", "duplicate-customer")
                continue
            f["currency"] = str(f.get("currency", "")).upper()
            out[no] = Customer(**f)  # type: ignore[arg-type]
            self.index.add("customers", no, row, vals)
        return tuple(out.values())

    def customer_terms(self, customers: tuple[Customer, ...], terms: tuple[PaymentTerms, ...]) -> None:
        """A customer's Payment Terms must be on the PaymentTerms sheet (else due dates would be guesses)."""
        b = self.index.bound.get(S.CUSTOMERS.name)
        codes = {t.code.upper() for t in terms}
        for c in customers:
            if b is not None and c.payment_terms and c.payment_terms.upper() not in codes:
                self.issue(b.grid.title, self.index.rows.get(("customers", c.customer_no)),
                           b.header_of(S.CUSTOMERS.by_field["payment_terms"]), c.payment_terms,
                           f"Payment terms {c.payment_terms} of customer {c.customer_no} are not on the "
                           "PaymentTerms sheet", "unknown-payment-terms")

    def terms(self) -> tuple[PaymentTerms, ...]:
        b = self.bind(S.PAYMENT_TERMS)
        if b is None:
            return ()
        out: dict[str, PaymentTerms] = {}
        for row, vals in b.grid.rows:
            f = self.cells(b, row, vals, list(S.PAYMENT_TERMS.columns))
            if "code" not in f or "due_date_formula" not in f:
                continue
            code = str(f["code"]).upper()
            if code in out:
                self.issue(b.grid.title, row, b.header_of(S.PAYMENT_TERMS.by_field["code"]), f["code"],
                           f"Payment terms {f['code']} are on the sheet twice", "duplicate-terms-code")
                continue
            out[code] = PaymentTerms(**f)  # type: ignore[arg-type]
            self.index.add("terms", f["code"], row, vals)
        return tuple(out.values())

    def rates(self) -> tuple[ExchangeRate, ...]:
        b = self.bind(S.EXCHANGE_RATES)
        if b is None:
            return ()
        out = []
        for row, vals in b.grid.rows:
            f = self.cells(b, row, vals, list(S.EXCHANGE_RATES.columns))
            if len(f) < 3:
                continue
            r = ExchangeRate(currency=str(f["currency"]).upper(), starting_date=f["starting_date"],  # type: ignore
                             rate=f["rate"])  # type: ignore[arg-type]
            out.append(r)
            self.index.add("rates", (r.currency, r.starting_date), row, vals)
        return tuple(out)

    # ------------------------------------------------------------------ ledger
    def currency_for(self, customers: dict[str, Customer], customer_no: str, given: object) -> str:
        if given:
            return str(given).upper()
        c = customers.get(customer_no)
        return c.currency.upper() if c and c.currency else self.lcy

    def ledger(self, master: Book) -> tuple[tuple[LedgerEntry, ...], dict[int, int], dict[int, frozenset[str]]]:
        b = self.bind(S.LEDGER)
        if b is None:
            return (), {}, {}
        spec = S.LEDGER
        customers = {c.customer_no: c for c in master.customers}
        terms = {t.code.upper() for t in master.terms}
        text_cols = [c for c in spec.columns if c.kind is not S.Kind.MONEY]
        money_cols = [c for c in spec.columns if c.kind is S.Kind.MONEY]
        used: set[int] = set()
        grid_rows = b.grid.rows
        numbers = b.grid.row_numbers()
        errs: dict[int, list[SheetIssue]] = {}
        text = self.read_columns(b, text_cols, errs=errs)
        custs = text.get("customer_no") or [None] * len(grid_rows)
        given_curs = text.get("currency") or [None] * len(grid_rows)
        cur_of: dict[tuple[object, object], str] = {}
        curs: list[str] = []
        for key in zip(custs, given_curs):
            cur = cur_of.get(key)
            if cur is None:
                cur = cur_of[key] = self.currency_for(customers, str(key[0] if key[0] is not None else ""), key[1])
            curs.append(cur)
        money = self.read_columns(b, money_cols, curs, errs=errs)
        names = list(text) + list(money)
        columns = [*text.values(), *money.values()]
        text.clear()
        money.clear()
        by_name = dict(zip(names, columns))
        nothing = [None] * len(grid_rows)
        required = [by_name.get(k, nothing) for k in ("customer_no", "posting_date", "document_type",
                                                       "document_no", "amount")]
        nos, terms_of = by_name.get("entry_no", nothing), by_name.get("payment_terms", nothing)
        # first pass over the columns: which rows make entries (entry numbers given are all needed
        # before the missing ones are numbered); the row dicts are made one at a time afterwards
        good = bytearray(len(grid_rows))
        incomplete = {i for c in required for i, v in enumerate(c) if v is None}
        for i in range(len(grid_rows)):
            if i in errs or i in incomplete:
                continue
            row = numbers[i]
            cust = str(custs[i])
            given_no = nos[i]
            if given_no is not None:
                no = int(given_no)  # type: ignore[call-overload]
                if no in used:
                    self.issue(b.grid.title, row, b.header_of(spec.by_field["entry_no"]), no,
                               f"Entry No. {no} is used twice", "duplicate-entry-no")
                    continue
                used.add(no)
            if cust not in customers:
                self.issue(b.grid.title, row, b.header_of(spec.by_field["customer_no"]),
                           b.grid.column(b.positions[spec.by_field["customer_no"].key])[i],
                           f"Customer {cust} is not on the Customers sheet", "unknown-customer")
                continue
            code = str(terms_of[i] if terms_of[i] is not None else "")
            if code and code.upper() not in terms:
                self.issue(b.grid.title, row, b.header_of(spec.by_field["payment_terms"]), code,
                           f"Payment terms {code} are not on the PaymentTerms sheet", "unknown-payment-terms")
                continue
            good[i] = 1
        next_no = max(used, default=0)
        entries: list[LedgerEntry] = []
        rows: dict[int, int] = {}
        filled: dict[int, frozenset[str]] = {}
        derived = frozenset(c.field for c in spec.columns if c.derived)
        shared: dict[frozenset[str], frozenset[str]] = {}
        for i, cells in enumerate(zip(*columns)):
            if not good[i]:
                continue
            row = numbers[i]
            f = {k: v for k, v in zip(names, cells) if v is not None}
            fill = derived.difference(f)  # before a missing Entry No. is numbered: it is filled too
            if "entry_no" not in f:
                next_no += 1
                f["entry_no"] = next_no
            no = int(f["entry_no"])  # type: ignore[arg-type]
            try:
                e = build_entry(master, f, self.lcy, self.exps)
            except (ValueError, KeyError, ArithmeticError) as exc:
                self.issue(b.grid.title, row, "", None, f"Entry {no}: {exc}", "bad-entry")
                continue
            if e.exchange_rate == 0:
                col = spec.by_field["currency"]
                self.issue(b.grid.title, row, b.header_of(col), e.currency,
                           f"No exchange rate for {e.currency} on or before {e.posting_date.isoformat()}",
                           "unknown-currency")
                continue
            filled[no] = shared.setdefault(fill, fill)  # one set per combination: a big ledger has few
            entries.append(e)
            rows[no] = row
            self.index.add_at("ledger", no, row, b.grid, i)
        self._payment_references(b, master, entries, rows)
        return tuple(entries), rows, filled

    def _payment_references(self, b: Bound, master: Book, entries: list[LedgerEntry], rows: dict[int, int]) -> None:
        """A typed Payment Reference that is not valid under the Settings scheme: a warning (the entry is kept;
        the matcher then reads it as a plain reference, never as a structured one)."""
        scheme = master.settings.payment_reference_scheme.code
        col = S.LEDGER.by_field["payment_reference"]
        if not scheme or not b.has(col):
            return
        header = b.header_of(col)
        for e in entries:
            if e.payment_reference:
                why = payref.check(scheme, e.payment_reference)
                if why:
                    self.issue(b.grid.title, rows[e.entry_no], header, e.payment_reference,
                               f"Payment Reference {why} (Settings: Payment Reference Scheme "
                               f"{master.settings.payment_reference_scheme.value})", "invalid-payment-reference",
                               WARNING)

    # ------------------------------------------------------------------ journal
    def journal(self, master: Book, ledger: tuple[LedgerEntry, ...]) -> tuple[
            tuple[JournalLine, ...], dict[int, int], dict[int, str], set[int]]:
        b = self.bind(S.JOURNAL)
        if b is None:
            return (), {}, {}, set()
        spec = S.JOURNAL
        customers = {c.customer_no: c for c in master.customers}
        doc_currency: dict[str, str] | None = None  # document no. -> currency of its first entry, when needed
        text_cols = [c for c in spec.columns if c.field and c.kind is not S.Kind.MONEY]
        money_cols = [c for c in spec.columns if c.kind is S.Kind.MONEY]
        lines: list[JournalLine] = []
        rows: dict[int, int] = {}
        bad: dict[int, str] = {}
        seen: set[int] = set()
        posted_lines: set[int] = set()
        status_col = spec.by_field["status"]
        # column by column: the cells of every line, then each line's currency, then its money
        # cells in it; the issues of lines already posted are dropped (never re-validated)
        grid = b.grid
        n = len(grid.rows)
        numbers = grid.row_numbers()
        nothing: list[object] = [None] * n
        status_pos = b.positions.get(status_col.key)
        posted_at = [norm(v) == "posted" for v in (grid.column(status_pos) if status_pos is not None else nothing)]
        start = len(self.issues)
        errs: dict[int, list[SheetIssue]] = {}
        got = self.read_columns(b, text_cols, errs=errs)
        custs, given, docs_of = (got.get(k, nothing) for k in ("customer_no", "currency", "applies_to_doc_nos"))
        curs: list[str] = []
        for i in range(n):
            cust = str(custs[i] if custs[i] is not None else "")
            cur = str(given[i] if given[i] is not None else "").upper()
            if not cur:
                cur = customers[cust].currency.upper() if cust in customers and customers[cust].currency else ""
            if not cur:
                docs = docs_of[i] or ()
                if docs and doc_currency is None:
                    doc_currency = _doc_currencies(ledger, docs_of)
                cur = next((doc_currency[d] for d in docs if d in doc_currency), self.lcy)  # type: ignore
            curs.append(cur)
        got.update(self.read_columns(b, money_cols, curs, errs=errs))
        if any(posted_at):
            posted_rows = {numbers[i] for i in range(n) if posted_at[i]}
            self.issues[start:] = [x for x in self.issues[start:] if x.row not in posted_rows]
        names = list(got)
        columns = [got[k] for k in names]
        for i, cells in enumerate(zip(*columns)):
            row = numbers[i]
            f = {k: v for k, v in zip(names, cells) if v is not None}
            line_no = int(f.get("line_no", row))  # type: ignore[arg-type]
            if posted_at[i]:
                if line_no not in seen:
                    seen.add(line_no)
                    posted_lines.add(line_no)
                    rows[line_no] = row
                    self.index.add_at("journal", line_no, row, grid, i)
                    if i not in errs and all(k in f for k in ("posting_date", "document_type", "document_no",
                                                             "amount")):
                        f["line_no"] = line_no
                        f["status"] = "Posted"
                        f["currency"] = str(f.get("currency", "")).upper()
                        lines.append(JournalLine(**f))  # type: ignore[arg-type]
                continue
            line_errs = errs.get(i) or []
            if line_no in seen:
                self._bad(b, row, b.header_of(spec.by_field["line_no"]), line_no, "duplicate-line-no",
                          f"Line No. {line_no} is used twice", line_errs)
                continue
            seen.add(line_no)
            rows[line_no] = row
            self.index.add_at("journal", line_no, row, grid, i)
            dt = f.get("document_type")
            if dt is not None and dt not in S.JOURNAL_TYPES:
                col = spec.by_field["document_type"]
                self._bad(b, row, b.header_of(col), grid.column(b.positions[col.key])[i], "unknown-document-type",
                          f"{b.header_of(col)}: a journal line is a Payment, Refund, Invoice or Credit Memo",
                          line_errs)
            if line_errs:
                bad[line_no] = line_errs[0].problem
                continue
            f["line_no"] = line_no
            f["status"] = ""
            if "currency" in f:
                f["currency"] = str(f["currency"]).upper()
            lines.append(JournalLine(**f))  # type: ignore[arg-type]
        return tuple(lines), rows, bad, posted_lines

    # ------------------------------------------------------------------ output sheets read back
    def applications(self, ledger: tuple[LedgerEntry, ...]) -> tuple[tuple[Application, ...], dict]:
        b = self.bind(S.APPLICATIONS)
        if b is None:
            return (), {}
        spec = S.APPLICATIONS
        cur_of = {e.entry_no: e.currency for e in ledger}
        ints = [c for c in spec.columns if c.kind is not S.Kind.MONEY]
        money = [c for c in spec.columns if c.kind is S.Kind.MONEY]
        out: list[Application] = []
        rows: dict[tuple[int, int, int], int] = {}
        # column by column, as the row-by-row reading did: the other columns, then the money
        # columns in sheet-spec order, each in its entry's currency (issues sort by row afterwards)
        errs: dict[int, list[SheetIssue]] = {}
        got = self.read_columns(b, ints, errs=errs)
        n = len(b.grid.rows)
        nothing = [None] * n
        lcy = self.lcy
        curs = {Cur.APPLIED: [cur_of.get(int(x or 0), lcy) for x in got.get("applied_entry_no", nothing)],
                Cur.APPLYING: [cur_of.get(int(x or 0), lcy) for x in got.get("applying_entry_no", nothing)]}
        for col in money:
            got.update(self.read_columns(b, [col], curs.get(col.currency, lcy), errs=errs))
        names = [c.field or c.key for c in spec.columns if (c.field or c.key) in got]
        columns = [got[k] for k in names]
        numbers = b.grid.row_numbers()
        for i, cells in enumerate(zip(*columns)):
            if i in errs:
                continue
            row = numbers[i]
            f = {k: v for k, v in zip(names, cells) if v is not None}
            f.setdefault("applying_document_no", "")
            f.setdefault("applied_document_no", "")
            key = (int(f["application_no"]), int(f["applying_entry_no"]), int(f["applied_entry_no"]))  # type: ignore
            if key in rows:
                self.issue(b.grid.title, row, b.header_of(spec.by_field["application_no"]), key[0],
                           f"Application {key[0]} of entries {key[1]} and {key[2]} is on the sheet twice",
                           "duplicate-application-no")
                continue
            out.append(Application(**f))  # type: ignore[arg-type]
            rows[key] = row
            self.index.add_at("applications", key[0], row, b.grid, i)
        return tuple(out), rows

    def gl(self) -> tuple[GLLine, ...]:
        b = self.bind(S.GL_ENTRIES)
        if b is None:
            return ()
        out: list[GLLine] = []
        errs: dict[int, list[SheetIssue]] = {}
        got = self.read_columns(b, list(S.GL_ENTRIES.columns), self.lcy, errs=errs)
        names = list(got)
        columns = [got[k] for k in names]
        numbers = b.grid.row_numbers()
        for i, cells in enumerate(zip(*columns)):
            if i in errs:
                continue
            row = numbers[i]
            f = {k: v for k, v in zip(names, cells) if v is not None}
            f.setdefault("document_no", "")
            f.setdefault("description", "")
            f.setdefault("debit", Decimal(0))
            f.setdefault("credit", Decimal(0))
            out.append(GLLine(**f))  # type: ignore[arg-type]
            self.index.add_at("gl", f["entry_no"], row, b.grid, i)
        return tuple(out)


def _doc_currencies(ledger: tuple[LedgerEntry, ...], docs_of: Sequence[object]) -> dict[str, str]:
    """Document no. -> currency of its first ledger entry, for the documents the journal names (the
    ledger is filtered in C: a million entries, a few thousand documents named)."""
    named = {d for docs in docs_of if docs for d in docs}  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for e in compress(ledger, map(named.__contains__, map(_DOC_NO, ledger))):
        out.setdefault(e.document_no, e.currency)
    return out


_DOC_NO = attrgetter("document_no")


def build_entry(master: Book, f: dict[str, object], lcy: str, exps: dict[str, int] | None) -> LedgerEntry:
    """A ledger entry from the cells a user gave (core field -> value, no None): derived where blank.

    ``core.terms.new_entry`` of the given cells with every given cell laid over what it
    derived (the entry's currency is the one it resolves), and, when only the remaining
    amount is given, its LCY amount and open flag following it. The record is built once
    from ``entry_fields``' dict updated with the cells (a big ledger reads hundreds of
    thousands of rows; a record plus 26 attribute stores per row cost a quarter of the
    read). With no exchange rate the record is ``new_entry``'s (rate 0), which the caller
    reports. What only the given cells would be derived from is not computed (``entry_fields``'
    ``given``). ``tests/book/test_build_entry.py`` checks it against that definition.
    """
    vals = _derived(master, f, f)  # what the cells give is not derived
    cur, rate = vals["currency"], vals["exchange_rate"]
    if rate == 0:  # no exchange rate: new_entry's own record, every field derived
        vals = _derived(master, f, ())
    else:
        remaining = f.get("remaining_amount")
        if remaining is not None:  # a given remaining amount: its LCY amount and open flag follow it
            vals["remaining_amount_lcy"] = (remaining if cur == lcy
                                            else to_money(remaining * rate, lcy, exps))  # type: ignore[operator]
            vals["open"] = remaining != 0
        vals.update(f)  # the cells given, over what was derived
        vals["currency"] = cur
    return _make_entry(*map(vals.__getitem__, ENTRY_FIELDS))


_make_entry = positional(LedgerEntry, ENTRY_FIELDS)


def _derived(master: Book, f: dict[str, object], given: Container[str]) -> dict[str, object]:
    """``entry_fields`` of the cells ``f`` (the arguments ``new_entry`` takes from them)."""
    return entry_fields(
        book=master, entry_no=int(f["entry_no"]), customer_no=str(f["customer_no"]),  # type: ignore[arg-type]
        document_type=f["document_type"],  # type: ignore[arg-type]
        document_no=str(f["document_no"]), posting_date=f["posting_date"],  # type: ignore[arg-type]
        amount=f["amount"],  # type: ignore[arg-type]
        currency=str(f.get("currency", "") or ""), document_date=f.get("document_date"),  # type: ignore
        due_date=f.get("due_date"),  # type: ignore[arg-type]
        payment_terms=str(f.get("payment_terms", "") or ""),
        amount_excl_vat=f.get("amount_excl_vat"),  # type: ignore[arg-type]
        external_document_no=str(f.get("external_document_no", "") or ""),
        description=str(f.get("description", "") or ""),
        exchange_rate=f.get("exchange_rate"),  # type: ignore[arg-type]
        given=given,
    )


def read_book(grids: dict[str, Grid], *, need: tuple[str, ...] = ()) -> ReadResult:
    """Read every input sheet; ``need`` names sheets whose absence is an error (e.g. ``Journal``)."""
    r = _Reader(grids)
    settings = r.settings()
    customers = r.customers()
    terms = r.terms()
    r.customer_terms(customers, terms)
    rates = r.rates()
    master = Book(settings=settings, customers=customers, terms=terms, rates=rates)
    ledger, ledger_rows, filled = r.ledger(master)
    for name in need:
        if find(grids, name) is None:
            r.issue(name, None, "", None, f"The workbook has no {name} sheet", "missing-sheet")
    journal, journal_rows, bad, posted = r.journal(master, ledger)
    applications, app_rows = r.applications(ledger)
    gl = r.gl()
    book = dataclasses.replace(master, ledger=ledger, journal=journal, applications=applications, gl=gl)
    order: dict[str, int] = {}
    for i in r.issues:
        order.setdefault(i.sheet, len(order))
    r.issues.sort(key=lambda i: (order[i.sheet], i.row or 0))
    return ReadResult(book=book, index=r.index, issues=r.issues, bad_lines=bad, posted_lines=posted,
                      journal_rows=journal_rows,
                      ledger_rows=ledger_rows, ledger_filled=filled, application_rows=app_rows, grids=grids)


def today() -> date:  # seam for tests
    return date.today()


def read_sheet_rows(grids: dict[str, Grid], spec: SheetSpec, issues: list[SheetIssue], lcy: str,
                    exps: dict[str, int] | None = None, currency_field: str = ""
                    ) -> list[tuple[int, dict[str, object]]]:
    """The good rows of a declared sheet as ``(excel row, {field: value})``; every bad cell becomes an issue.

    A missing required column is one ``missing-column`` issue and no rows; a row with a blank
    required cell (``missing-value``) or a cell that does not read (its cell code) is left out.
    Money rounds to the row's ``currency_field`` when given and filled, else to ``lcy``;
    columns declared in LCY always round to ``lcy``. A missing sheet gives no rows.
    """
    grid = find(grids, spec.name)
    if grid is None:
        return []
    b = Bound.bind(grid, spec)
    missing = [c for c in spec.columns if c.required and not b.has(c)]
    for c in missing:
        issues.append(SheetIssue(grid.title, grid.header_row, c.header, None,
                                 f"The {spec.name} sheet has no {c.header!r} column", "missing-column"))
    if missing:
        return []
    out = []
    cur_col = spec.by_field.get(currency_field) if currency_field else None
    for row, vals in grid.rows:
        f: dict[str, object] = {}
        bad = False
        cur_raw = b.value(vals, cur_col) if cur_col is not None else None
        cur = read_text(cur_raw).upper() if cur_col is not None and not is_blank(cur_raw) else lcy
        for c in spec.columns:
            raw = b.value(vals, c)
            if is_blank(raw):
                if c.required:
                    issues.append(SheetIssue(grid.title, row, b.header_of(c), None, f"{b.header_of(c)} is blank",
                                             "missing-value"))
                    bad = True
                continue
            try:
                f[c.field] = read_cell(raw, c, lcy if c.currency is Cur.LCY else cur, exps)
            except CellError as e:
                issues.append(SheetIssue(grid.title, row, b.header_of(c), raw, f"{b.header_of(c)}: {e.problem}",
                                         e.code))
                bad = True
        if not bad:
            out.append((row, f))
    return out

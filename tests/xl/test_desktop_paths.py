"""The desktop code paths (classic xlwings on Windows/Mac), on a recording stand-in for ``xw.Book``.

No Excel runs on Linux, so these tests check what the adapter and the macros *ask* a desktop
book to do where it differs from the remote engine: values written through ``Range.value``,
screen updating and calculation off, status bar, column widths in characters, frozen
headings through the COM window (desktop xlwings 0.37 has no ``freeze_panes``), charts.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from types import SimpleNamespace

from tests.book.builders import standard
from tests.month_end.test_cli import CUSTOMERS, FIN_TERMS, JOURNAL, LEDGER, REMINDER_TERMS
from xlar import macros


class Font:
    def __init__(self, log, where):
        self._log, self._where = log, where

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._log.append((f"font.{name}", value, self._where))


class Range:
    def __init__(self, sheet, a, b=None):
        self.sheet = sheet
        self.row, self.column = a
        self.last = b or a

    @property
    def shape(self):
        return (self.last[0] - self.row + 1, self.last[1] - self.column + 1)

    def options(self, **_):
        return self

    @property
    def value(self):
        s = self.sheet
        return [[s.cells.get((r, c)) for c in range(self.column, self.last[1] + 1)]
                for r in range(self.row, self.last[0] + 1)]

    @value.setter
    def value(self, rows):
        self.sheet.log.append(("value", (self.row, self.column), len(rows)))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.cells[(self.row + i, self.column + j)] = v[1:] if isinstance(v, str) and v[:1] == "'" \
                    else (None if v == "" else v)

    @property
    def formula(self):
        return [["" for _ in range(self.shape[1])] for _ in range(self.shape[0])]

    def where(self):
        return self.last if isinstance(self.last, str) else (self.row, self.column, *self.last)

    def __setattr__(self, name, value):
        if name in ("number_format", "color", "column_width"):
            self.sheet.log.append((name, value, self.where()))
        else:
            object.__setattr__(self, name, value)

    @property
    def font(self):
        return Font(self.sheet.log, self.where())


class Chart:
    def __init__(self, log):
        self.log = log
        self.legend = SimpleNamespace()

    def set_x_axis_values(self, rng):
        self.log.append(("chart.x_axis", (rng.row, rng.column, *rng.last), None))

    def __setattr__(self, name, value):
        if name == "title":
            self.log.append(("chart.title", value, None))
        object.__setattr__(self, name, value)


class Charts(list):
    def __init__(self, log):
        super().__init__()
        self.log = log

    def add(self, **kw):
        self.log.append(("chart.add", kw["chart_type"], (kw["source"].row, kw["source"].column, *kw["source"].last)))
        chart = Chart(self.log)
        self.append(chart)
        return chart


class Sheet:
    def __init__(self, book, name, rows=()):
        self.book, self.name, self.log = book, name, []
        self.cells = {(r, c): v for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1) if v is not None}
        self.tables, self.charts = [], Charts(self.log)

    @property
    def used_range(self):
        if not self.cells:
            return Range(self, (1, 1))
        return Range(self, (1, 1), (max(r for r, _ in self.cells), max(c for _, c in self.cells)))

    def range(self, a, b=None):
        if isinstance(a, str):  # a multi-area address (Windows): recorded as its text
            rng = Range(self, (0, 0))
            object.__setattr__(rng, "last", a)
            return rng
        return Range(self, a, b)

    def clear(self):
        self.log.append(("clear", None, None))
        self.cells.clear()

    def activate(self):
        self.book.app.active = self.name

    @property
    def freeze_panes(self):
        raise AttributeError("'Sheet' object has no attribute 'freeze_panes'")  # desktop xlwings 0.37


class Sheets(list):
    @property
    def active(self):
        return next(s for s in self if s.name == self[0].book.app.active)

    def add(self, name, after=None):
        sheet = Sheet(self[0].book, name)
        self.append(sheet)
        return sheet


class App:
    def __init__(self):
        self.engine = SimpleNamespace(name="excel")
        self.log = []
        self.window = Window(self)
        self.api = SimpleNamespace(ActiveWindow=self.window)
        self.active = "Settings"

    @contextlib.contextmanager
    def properties(self, **kw):
        self.log.append(("properties", kw))
        yield

    def __setattr__(self, name, value):
        if name == "status_bar":
            self.log.append(("status_bar", value))
        object.__setattr__(self, name, value)

    def alert(self, prompt, title=None):
        self.log.append(("alert", prompt))


class Window:
    """Excel's ActiveWindow: FreezePanes applies to the active sheet."""

    def __init__(self, app):
        object.__setattr__(self, "app", app)
        object.__setattr__(self, "frozen", [])

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if name == "FreezePanes" and value:
            self.frozen.append(("freeze", self.app.active, self.SplitRow))


class Book:
    def __init__(self, sheets):
        self.app, self.name, self.fullname, self.names = App(), "book.xlsx", "book.xlsx", []
        self.sheets = Sheets()
        for name, rows in sheets.items():
            self.sheets.append(Sheet(self, name, [[_cell(v) for v in r] for r in rows]))

    def sheet(self, name):
        return next(s for s in self.sheets if s.name == name)


def _cell(v):
    """What classic xlwings reads: numbers as float, dates as datetime."""
    if isinstance(v, date) and not isinstance(v, datetime):
        return datetime(v.year, v.month, v.day)
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


def _month_end_book():
    book = Book(standard(Ledger=LEDGER, Journal=JOURNAL, Customers=CUSTOMERS, ReminderTerms=REMINDER_TERMS,
                         FinanceChargeTerms=FIN_TERMS))
    assert macros.post(book).lines_posted == 3
    return book


def test_windows_styles_multi_area_ranges(monkeypatch):
    from xlar.book import excel

    monkeypatch.setattr(excel, "UNION_RANGES", False)
    one_by_one = _month_end_book()
    macros.month_end(one_by_one, as_of=date(2026, 3, 31))
    monkeypatch.setattr(excel, "UNION_RANGES", True)
    union = _month_end_book()
    macros.month_end(union, as_of=date(2026, 3, 31))
    calls = {s.name: len(s.log) for s in union.sheets}
    before = {s.name: len(s.log) for s in one_by_one.sheets}
    assert calls["Statements"] < before["Statements"] and calls["Aging"] < before["Aging"]
    assert union.sheet("Statements").cells == one_by_one.sheet("Statements").cells
    aging = union.sheet("Aging").log
    head = next(r for (r, c), v in union.sheet("Aging").cells.items() if c == 1 and v == "Customer No.")
    (bold_heads,) = [w for what, v, w in aging
                     if what == "font.bold" and isinstance(w, str) and f"A{head}:I{head}" in w]
    assert bold_heads.count(",") >= 2  # the three aging headings in one call
    assert all(len(w) <= 255 for _, _, w in aging if isinstance(w, str))


def test_month_end_on_a_desktop_book():
    book = Book(standard(Ledger=LEDGER, Journal=JOURNAL, Customers=CUSTOMERS, ReminderTerms=REMINDER_TERMS,
                         FinanceChargeTerms=FIN_TERMS))
    assert macros.post(book).lines_posted == 3
    outcome = macros.month_end(book, as_of=date(2026, 3, 31))
    assert (outcome.exit_code, outcome.tie_difference) == (0, "1500.00")
    app = book.app.log
    assert ("properties", {"screen_updating": False, "calculation": "manual"}) in app
    assert ("status_bar", "xlar: month-end: writing ...") in app and app[-2] == ("status_bar", False)
    assert app[-1][0] == "alert" and "difference 1500.00" in app[-1][1]
    aging = book.sheet("Aging")
    values = [e for e in aging.log if e[0] == "value"]
    assert len(values) == 1 and values[0][1] == (1, 1)  # one block
    total = next(r for (r, c), v in aging.cells.items() if c == 1 and v == "Total")
    assert [aging.cells.get((total, c)) for c in range(3, 9)] == [0, 2600.0, 1500.0, 0, 0, 4100.0]
    widths = [e for e in aging.log if e[0] == "column_width"]
    assert widths and all(w <= 60 for _, w, _ in widths)  # characters on the desktop, not points
    # frozen headings through the COM window (each report sheet is activated for it, then the user's sheet
    # is active again); the chart with its legend off
    assert ("freeze", "Aging", 2) in book.app.window.frozen and book.app.active == "Settings"
    assert ("chart.add", "column_clustered", (total, 3, total, 7)) in aging.log
    assert aging.charts[0].legend.visible is False
    assert ("font.bold", True, (total, 1, total + 1, 8)) in aging.log
    # a second run clears the report in place and deletes nothing else
    macros.month_end(book, as_of=date(2026, 2, 19))
    assert [s.name for s in book.sheets].count("Aging") == 1
    assert [e[0] for e in aging.log].count("clear") == 1

"""Test harness for the xlwings layer: payloads as the Office.js client sends them and an applier
that replays a run's actions (xlwings ships none in Python). Adapted from
``shared/xlwings/remote_book_demo.py`` (xlwings 0.37.8).

Import this only after ``tests/xl/conftest.py`` has set ``XLWINGS_LICENSE_KEY``.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import re

import openpyxl
import xlwings as xw


def excel_value(x):
    """A Python test value -> the JSON value Office.js puts into ``sheets[i].values``.

    - empty cell         -> ""            (never null)
    - number             -> JSON number   (so 100 arrives in Python as int 100!)
    - bool               -> true/false
    - date-formatted cell-> ISO string "2026-10-31T00:00:00.000Z" (client converts
                            serials to ISO only if the cell's number format category is
                            Date/Time and ExcelApi 1.12 is available, else the serial
                            number is sent: pass a float to simulate that)
    - error cell         -> its text, e.g. "#N/A"
    """
    if x is None:
        return ""
    if isinstance(x, decimal.Decimal):
        return float(x)
    if isinstance(x, dt.datetime):
        return x.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(x, dt.date):
        return x.strftime("%Y-%m-%dT00:00:00.000Z")
    return x


def table_meta(name: str, address: str, show_headers=True, style="TableStyleMedium2") -> dict:
    """A ``sheets[i]["tables"]`` entry as the Office.js client sends it for a ListObject."""
    (r1, c1), (r2, c2) = xw.utils.a1_to_tuples(address)

    def a1(ra, ca, rb, cb):
        return f"${xw.utils.col_name(ca)}${ra}:${xw.utils.col_name(cb)}${rb}"

    return {
        "name": name,
        "range_address": a1(r1, c1, r2, c2),
        "header_row_range_address": a1(r1, c1, r1, c2) if show_headers else None,
        "data_body_range_address": a1(r1 + show_headers, c1, r2, c2),
        "total_row_range_address": None,
        "show_headers": show_headers,
        "show_totals": False,
        "table_style": style,
        "show_autofilter": True,
    }


def make_payload(
    sheets: dict[str, list[list]],
    book_name="xlar.xlsx",
    active=0,
    tables: dict[str, list[dict]] | None = None,
):
    """Minimal-but-faithful payload for ``xw.Book(json=...)`` (xlwings 0.37.8).

    Keys the remote engine reads (xlwings/pro/_xlremote.py):
      version  Book.__init__ raises XlwingsError if it differs from xw.__version__
               *unless* client == "Office.js" (line ~875)
      client   "Office.js" (xlwings Server/Lite add-in), "Microsoft Office Scripts",
               "Google Apps Script"; also read by sheets.add()
      book     {"name", "active_sheet_index", "selection"}
      names    list of defined names (needed for any non-A1 string address)
      sheets   [{"name", "values", "pictures", "tables"}]; values is the
               rectangle A1:<last used cell>, rows padded with ""; tables lists the
               sheet's ListObjects (see table_meta()).
    Leaving out client/book/names/tables gives KeyErrors on common calls (expand(),
    sheets.add(), sheet rename, named ranges), so always send all five keys.
    """
    out = []
    for name, rows in sheets.items():
        width = max((len(r) for r in rows), default=0)
        values = [[excel_value(v) for v in r] + [""] * (width - len(r)) for r in rows]
        sheet_tables = (tables or {}).get(name, [])
        out.append({"name": name, "values": values or [[]], "pictures": [], "tables": sheet_tables})
    payload = {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": book_name, "active_sheet_index": active, "selection": "A1"},
        "names": [],
        "sheets": out,
    }
    return json.loads(json.dumps(payload))  # the wire: ints stay ints, no Decimals


# --------------------------------------------------------------------------------------
# 4. Action applier. xlwings has none in Python; this mirrors the JS client
#    (custom-scripts/index.js: runActions/setValues/addSheet/...) closely enough for
#    tests. Unknown actions raise, so a new xlwings action never passes silently.
# --------------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_NO_VALUE_EFFECT = {  # formatting/UI actions: recorded, no effect on values
    "setAutofit", "setRangeColor", "setRangeColors", "setColumnWidth", "setRowHeight",
    "setFontProperty", "setWrapText", "setHorizontalAlignment", "setVerticalAlignment",
    "setScreenUpdating", "setCalculation", "calculate", "activateSheet", "rangeSelect",
    "freezePaneAtRange", "freezePaneUnfreeze", "rangeClearFormats", "sheetClearFormats",
    "alert", "save", "setTableStyle",
}  # fmt: skip


class AppliedBook:
    """Workbook state after replaying actions: a payload + per-cell number formats and
    formulas (strings that Excel would have turned into formulas)."""

    def __init__(self, payload: dict):
        self.payload = copy.deepcopy(payload)
        self.number_formats: dict[tuple[str, int, int], str] = {}
        self.formulas: dict[tuple[str, int, int], str] = {}
        self.log: list[str] = []
        # formatting the values don't show, recorded per sheet name for assertions
        self.styles: dict[str, list[tuple[str, object, int, int, int, int]]] = {}  # (what, value, r0, c0, rows, cols)
        self.frozen: dict[str, str] = {}

    # helpers ---------------------------------------------------------------------
    def _sheet(self, pos):
        return self.payload["sheets"][pos]

    def _grow(self, values, nrows, ncols):
        if values == [[]]:
            values.clear()
        width = max([ncols] + [len(r) for r in values])
        for r in values:
            r.extend([""] * (width - len(r)))
        while len(values) < nrows:
            values.append([""] * width)

    def _excel_cell(self, sheet_name, r, c, v):
        """What Excel stores when Office.js sets ``range.values = [[v]]`` (as if typed):
        "=..." becomes a formula, "'..." stays text without the quote, numeric text
        becomes a number, an ISO date string becomes a date, unless the cell's number
        format is "@" (Text)."""
        if not isinstance(v, str) or v == "":
            return v
        if self.number_formats.get((sheet_name, r, c)) == "@":
            return v
        if v.startswith("'"):
            return v[1:]
        if v.startswith("="):
            self.formulas[(sheet_name, r, c)] = v
            return v  # can't calculate here; tests assert on self.formulas instead
        if _ISO_DATE.match(v):  # xlwings writes dates as "2026-10-31" / "... 13:45:10"
            day, _, time = v.partition(" ")
            return f"{day}T{time or '00:00:00'}.000Z"  # as the client sends it back
        if _NUMBER.match(v):
            f = float(v)
            return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
        return v

    # the actions -----------------------------------------------------------------
    def apply(self, actions: list[dict]) -> AppliedBook:
        for a in actions:
            func = a["func"]
            self.log.append(func)
            handler = getattr(self, f"_do_{func}", None)
            if handler:
                handler(a)
            elif func not in _NO_VALUE_EFFECT:
                raise NotImplementedError(f"action {func!r} not handled by the test applier")
        return self

    def _do_setValues(self, a):
        sheet = self._sheet(a["sheet_position"])
        r0, c0 = a["start_row"], a["start_column"]
        rows = a["values"]
        self._grow(sheet["values"], r0 + len(rows), c0 + max(len(r) for r in rows))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None:  # Office.js: null in a values array leaves the cell (and its formula) as it is
                    continue
                self.formulas.pop((sheet["name"], r0 + i, c0 + j), None)  # a value written over a formula
                sheet["values"][r0 + i][c0 + j] = self._excel_cell(sheet["name"], r0 + i, c0 + j, v)

    def _do_setNumberFormat(self, a):
        name = self._sheet(a["sheet_position"])["name"]
        for i in range(a["row_count"]):
            for j in range(a["column_count"]):
                self.number_formats[(name, a["start_row"] + i, a["start_column"] + j)] = a["args"][
                    0
                ]

    def _do_rangeClearContents(self, a):
        values = self._sheet(a["sheet_position"])["values"]
        for i in range(a["start_row"], min(len(values), a["start_row"] + a["row_count"])):
            for j in range(
                a["start_column"], min(len(values[i]), a["start_column"] + a["column_count"])
            ):
                values[i][j] = ""

    _do_rangeClear = _do_rangeClearContents

    def _do_sheetClearContents(self, a):
        self._sheet(a["sheet_position"])["values"] = [[]]

    def _do_sheetClear(self, a):  # contents and formats
        self._do_sheetClearContents(a)
        name = self._sheet(a["sheet_position"])["name"]
        self.number_formats = {k: v for k, v in self.number_formats.items() if k[0] != name}
        self.styles.pop(name, None)

    def _style(self, a, what, value):
        name = self._sheet(a["sheet_position"])["name"]
        self.styles.setdefault(name, []).append(
            (what, value, a["start_row"], a["start_column"], a["row_count"], a["column_count"]))

    def _do_setFontProperty(self, a):
        self._style(a, a["args"][0], a["args"][1])

    def _do_setRangeColor(self, a):
        self._style(a, "fill", _one(a["args"]))

    def _do_setColumnWidth(self, a):
        self._style(a, "width", _one(a["args"]))

    def _do_freezePaneAtRange(self, a):
        self.frozen[self._sheet(a["sheet_position"])["name"]] = a["args"][0]

    def _do_freezePaneUnfreeze(self, a):
        self.frozen.pop(self._sheet(a["sheet_position"])["name"], None)

    @property
    def charts(self) -> dict[str, list[dict]]:
        """Charts per sheet name, kept in the payload (as the client sends them) so a later run sees them."""
        return {sh["name"]: sh["charts"] for sh in self.payload["sheets"] if sh.get("charts")}

    def _do_addChart(self, a):
        name, kind, source_sheet, source, left, top, width, height, plot_by, anchor, _style = a["args"]
        self._sheet(a["sheet_position"]).setdefault("charts", []).append(
            {"name": name, "chart_type": kind, "left": left or 0, "top": top or 0, "width": width, "height": height,
             "source": f"{source_sheet}!{source}", "plot_by": plot_by, "anchor": anchor})

    def _chart(self, a):
        return self._sheet(a["sheet_position"])["charts"][a["args"][0]]

    def _do_setChartXAxisValues(self, a):
        self._chart(a)["x_axis"] = f"{a['args'][1]}!{a['args'][2]}"

    def _do_setChartTitle(self, a):
        self._chart(a)["title"] = a["args"][1]

    def _do_setChartLegend(self, a):
        self._chart(a)["legend_" + a["args"][1]] = a["args"][2]

    def _do_deleteChart(self, a):
        del self._sheet(a["sheet_position"])["charts"][a["args"][0]]

    def _do_addSheet(self, a):
        position, name = a["args"]  # Office.js: worksheets.add(name); sheet.position = args[0]
        self.payload["sheets"].insert(
            position, {"name": name, "values": [[]], "pictures": [], "tables": []}
        )

    def _do_addTable(self, a):
        address, has_headers, style, name = a["args"]
        tables = self._sheet(a["sheet_position"])["tables"]
        tables.append(table_meta(name or f"Table{len(tables) + 1}", address, has_headers, style))

    def _do_resizeTable(self, a):
        index, address = a["args"]
        table = self._sheet(a["sheet_position"])["tables"][index]
        table.update(
            table_meta(table["name"], address, table["show_headers"], table["table_style"])
        )

    def _do_setSheetName(self, a):
        self._sheet(a["sheet_position"])["name"] = a["args"][0]

    def _do_sheetDelete(self, a):
        del self.payload["sheets"][a["sheet_position"]]

    # results ---------------------------------------------------------------------
    def book(self) -> xw.Book:
        """Re-open the resulting state with xlwings itself, so tests read it back through
        the same API (and converters) the production code uses."""
        return open_book(self.payload)

    def to_openpyxl(self) -> openpyxl.Workbook:
        """Same state as an openpyxl workbook (e.g. to save and open in LibreOffice)."""
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for s in self.payload["sheets"]:
            ws = wb.create_sheet(s["name"])
            for r, row in enumerate(s["values"] if s["values"] != [[]] else [], start=1):
                for c, v in enumerate(row, start=1):
                    if v == "":
                        continue
                    if isinstance(v, str) and v.endswith(".000Z") and "T" in v:
                        v = dt.datetime.fromisoformat(v[:-5])
                    cell = ws.cell(r, c, v)  # openpyxl treats "=..." as a formula
                    if (
                        isinstance(v, str)
                        and v.startswith("=")
                        and ((s["name"], r - 1, c - 1) not in self.formulas)
                    ):
                        cell.data_type = "s"  # it was text in Excel (quote prefix / "@")
            for (sheet, r, c), fmt in self.number_formats.items():
                if sheet == s["name"]:
                    ws.cell(r + 1, c + 1).number_format = fmt
            self._styles_to(ws, s["name"])
        return wb

    def _styles_to(self, ws, name: str) -> None:
        """The recorded font, fill and width calls on the openpyxl sheet (to look at a rendered page)."""
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        fonts: dict[tuple[int, int], dict] = {}
        for what, value, r0, c0, rows, cols in self.styles.get(name, []):
            if what == "width":
                for c in range(c0, c0 + cols):
                    ws.column_dimensions[get_column_letter(c + 1)].width = float(value) / (48 / 8.43)
                continue
            for r in range(r0, r0 + rows):
                for c in range(c0, c0 + cols):
                    if what == "fill":
                        ws.cell(r + 1, c + 1).fill = PatternFill("solid", fgColor=str(value).lstrip("#"))
                    elif what in ("bold", "italic", "size", "color"):
                        fonts.setdefault((r, c), {})[what] = str(value).lstrip("#") if what == "color" else value
        for (r, c), props in fonts.items():
            ws.cell(r + 1, c + 1).font = Font(**props)


def _one(args):
    """An action's single argument (xlwings wraps a scalar ``args`` in a list)."""
    return args[0] if isinstance(args, list) and len(args) == 1 else args


def open_book(payload: dict) -> xw.Book:
    """``xw.Book(json=...)`` keeps a reference to the dict and MUTATES it (sheets.add()
    inserts into payload["sheets"], renames rewrite names...). Deep-copy so the original
    payload stays the "before" state that the actions are replayed onto."""
    return xw.Book(json=copy.deepcopy(payload))




# --------------------------------------------------------------------------------------
# xlar helpers
# --------------------------------------------------------------------------------------
def run_macro(payload: dict, macro, **kwargs):
    """Run ``macro`` on ``xw.Book(json=payload)``; return (outcome, actions, payload after the actions)."""
    book = open_book(payload)
    outcome = macro(book, **kwargs)
    actions = book.json()["actions"]
    json.dumps(actions)  # what xlwings Server returns: must serialize (no Decimal)
    applied = AppliedBook(payload).apply(actions)
    assert applied.formulas == {}, f"text became a formula: {applied.formulas}"
    book.close()
    return outcome, actions, applied


def norm_cell(v):
    """A cell value compared across engines: blanks are None, numbers float, midnight datetimes dates."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, decimal.Decimal)):
        return round(float(v), 9)
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time() else v.replace(microsecond=0)
    return v


def table_of(rows) -> list[list]:
    """Rows of normalised cells without trailing blank rows and columns."""
    out = [[norm_cell(v) for v in r] for r in rows]
    while out and all(v is None for v in out[-1]):
        out.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if v is not None), default=0) for r in out), default=0)
    return [r[:width] + [None] * (width - len(r[:width])) for r in out]


def payload_sheets(payload: dict) -> dict[str, list[list]]:
    """Every sheet of a payload as xlwings reads it back (through the remote engine)."""
    book = open_book(payload)
    try:
        out = {}
        for s in book.sheets:
            values = s.used_range.options(ndim=2).value
            out[s.name] = table_of(values if values != [[None]] else [])
        return out
    finally:
        book.close()


def file_sheets(path) -> dict[str, list[list]]:
    """Every sheet of an .xlsx file as openpyxl reads its values."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: table_of([list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets}


def sheet_dicts(payload: dict, name: str) -> list[dict]:
    rows = payload_sheets(payload)[name]
    return [dict(zip(rows[0], r)) for r in rows[1:]]

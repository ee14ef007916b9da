"""The xlwings adapter: a live workbook (``xw.Book``) read into grids and changed by a write plan.

It works on any xlwings engine: classic desktop (COM / AppleScript) and the remote engine
of xlwings Lite and Server. It follows the rules in ``shared/xlwings.md``:

- **One read per sheet.** Each sheet's ``used_range`` is read once as a 2-D block
  (``err_to_str``, so ``#N/A`` is a bad cell, not a blank one). Excel tables come from
  ``sheet.tables`` (addresses only, no extra value reads).
- **One write per region.** A plan is turned into cell values first; each run of
  adjacent columns it touches is written as one block over the rows it touches (existing
  rows and appended rows are separate blocks), plus one number-format call per column.
  Untouched cells inside a block are written back as they were read; where the engine can
  read formulas (desktop), a formula cell gets its formula back.
- **Everything is checked before the first write** (a totals row, a full cell below a
  table), so a failed run changes nothing.
- **Text is text.** Every string is written with Excel's text prefix ``'``, so ``=...``,
  ``00123`` or ``2026-10-31`` from a bank file stay as typed. Numbers are floats, never
  ``Decimal``; dates are ``date``/``datetime``.

The semantics (where data is, which columns are created, how tables grow) are those of
the file adapter ``files.py``, so a macro and a CLI command give the same sheets.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlar.book.grid import Grid, col_letter
from xlar.book.plan import (
    KIND_FORMAT,
    LOOKS,
    WIDTH_ROWS,
    Out,
    SheetWrite,
    WritePlan,
    money_format,
    report_width,
)
from xlar.book.schema import norm
from xlar.core.tables import Cell, CellKind, Emphasis, Table

_ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!",
           "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#BUSY!", "#CONNECT!", "#UNKNOWN!", "#PYTHON!"}
_REMOTE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
#: a column whose cells need more number-format runs than this gets its most common format only
MAX_FORMAT_RUNS = 50


class LiveBookError(Exception):
    """A live workbook xlar cannot change as asked (a totals row, a cell in the way); nothing was written."""


@dataclass(slots=True)
class Region:
    header_row: int
    first_col: int
    last_col: int  # 0: no header yet
    last_row: int  # last data row (== header_row when empty)
    table: Any = None  # the xlwings Table
    totals: bool = False


@dataclass(slots=True)
class LiveSheet:
    """One sheet as read: the used range's values, where it starts, and the data region."""

    sheet: Any  # xw.Sheet
    title: str
    row0: int  # Excel row of block[0]
    col0: int  # Excel column of block[0][0]
    block: list[list[object]]
    region: Region

    def cell(self, row: int, col: int) -> object:
        i, j = row - self.row0, col - self.col0
        if 0 <= i < len(self.block) and 0 <= j < len(self.block[i]):
            return self.block[i][j]
        return None


@dataclass(slots=True)
class LiveBook:
    """A workbook read for a run: the grids ``execute`` needs and what the writer needs."""

    book: Any  # xw.Book
    sheets: dict[str, LiveSheet]
    grids: dict[str, Grid]
    fingerprint: str
    reads: Counter[str] = field(default_factory=Counter)  # sheet -> range reads made by this adapter
    writes: Counter[str] = field(default_factory=Counter)  # sheet -> range writes (values and formats)


# --------------------------------------------------------------------------- reading

def _clean(v: object) -> object:
    if v == "":
        return None
    if isinstance(v, Decimal):  # Windows returns Currency-formatted cells as Decimal
        return float(v)
    return v


def _engine_type(book: Any) -> str:
    """"desktop" (COM / AppleScript) or "remote" (xlwings Lite / Server)."""
    return getattr(getattr(book.app, "engine", None), "type", "desktop")


def _remote_value(v: object) -> object:
    """A cell of the remote payload as xlwings' reader returns it (``err_to_str``): "" is blank, the
    client's ISO text "2026-10-31T00:00:00.000Z" is a date-formatted cell."""
    if v == "":
        return None
    if type(v) is str and len(v) >= 20 and v[-1] == "Z" and v[10:11] == "T" and _REMOTE_DATE.match(v):
        return datetime.fromisoformat(v[:-1])
    return v


def _tables(sheet: Any) -> list[tuple[str, int, int, int, int, bool, Any]]:
    """(name, first row, first col, last row, last col, has totals, table) of each Excel table."""
    try:
        tables = list(sheet.tables)
    except (NotImplementedError, AttributeError, KeyError, TypeError):
        return []
    out = []
    for t in tables:
        try:
            rng = t.range
            r, c = rng.row, rng.column
            rows, cols = rng.shape
            totals = bool(t.show_totals)
            out.append((t.name, r, c, r + rows - 1, c + cols - 1, totals, t))
        except Exception:  # noqa: BLE001, S112 - a table xlwings cannot describe is treated as absent
            continue
    return out


def _region(ls: LiveSheet) -> Region:
    """Where the data is: the table named like the sheet, else the topmost, else a header in row 1."""
    tables = _tables(ls.sheet)
    if tables:
        chosen = next((t for t in tables if norm(t[0]) == norm(ls.title)), None) or min(tables, key=lambda t: t[1])
        _, r1, c1, r2, c2, totals, t = chosen
        return Region(r1, c1, c2, r2 - (1 if totals else 0), t, totals)
    last_col = 0
    if ls.row0 == 1 and ls.block:
        for j, v in enumerate(ls.block[0]):
            if v is not None:
                last_col = ls.col0 + j
    last_row = 1
    if last_col:
        width = last_col - ls.col0 + 1
        for i in range(len(ls.block) - 1, 0, -1):
            if any(v is not None for v in ls.block[i][:width]):
                last_row = ls.row0 + i
                break
    return Region(1, 1, last_col, last_row)


def _grid(ls: LiveSheet) -> Grid:
    reg = ls.region
    if reg.last_col == 0:
        return Grid(ls.title, 1, 1, [], [])
    cols = range(reg.first_col, reg.last_col + 1)
    headers = [ls.cell(reg.header_row, c) for c in cols]
    rows: list[tuple[int, list[object]]] = []
    for r in range(reg.header_row + 1, reg.last_row + 1):
        vals = [ls.cell(r, c) for c in cols]
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in vals):
            rows.append((r, vals))
    return Grid(ls.title, reg.header_row, reg.first_col, headers, rows,
                reg.table.name if reg.table is not None else None)


def read_book(book: Any) -> LiveBook:
    """Read every sheet of ``book`` once (its used range) into grids."""
    sheets: dict[str, LiveSheet] = {}
    reads: Counter[str] = Counter()
    digest = hashlib.sha256()
    remote = _engine_type(book) != "desktop"
    for sheet in book.sheets:
        rng = sheet.used_range
        if remote:  # the payload's values as sent, converted here: 2-3x faster than xlwings' converter
            block = [[_remote_value(v) for v in row] for row in rng.raw_value]
        else:
            values = rng.options(ndim=2, err_to_str=True).value
            block = [[_clean(v) for v in row] for row in (values or [])]
        reads[sheet.name] += 1
        if block == [[None]]:
            block = []
        ls = LiveSheet(sheet, sheet.name, rng.row, rng.column, block, Region(1, 1, 0, 1))
        ls.region = _region(ls)
        sheets[sheet.name] = ls
        digest.update(sheet.name.encode())
        digest.update(repr(block).encode())
    grids = {name: _grid(ls) for name, ls in sheets.items()}
    return LiveBook(book, sheets, grids, digest.hexdigest(), reads)


# --------------------------------------------------------------------------- values for Excel

def excel_value(v: object) -> object:
    """A value Excel stores as given: strings with the text prefix, money as float, no Decimal."""
    if v is None:
        return ""
    if isinstance(v, str):
        if not v:
            return ""
        return "'" + v
    if isinstance(v, bool):
        return v
    if isinstance(v, Decimal):
        return float(str(v))
    if isinstance(v, (int, float, date, datetime)):
        return v
    return "'" + str(v)


def _kept(v: object, formula: object) -> object:
    """An untouched cell written back: its formula if it had one, else its value as read."""
    if isinstance(formula, str) and formula.startswith("="):
        return formula
    if isinstance(v, str) and v in _ERRORS:
        return v if not isinstance(formula, str) else formula
    return excel_value(v)


# --------------------------------------------------------------------------- planning the writes

@dataclass(slots=True)
class _SheetJob:
    """Everything to do on one sheet, computed before anything is written."""

    spec_name: str
    live: LiveSheet | None  # None: the sheet is created
    cells: dict[tuple[int, int], Out]
    header_row: int
    first_col: int
    table_end: tuple[int, int] | None  # (last row, last col) the table is resized to
    existing_last_row: int  # rows above and including this one existed before the run


def _plan_sheet(lb: LiveBook, sw: SheetWrite) -> _SheetJob:
    live = next((ls for ls in lb.sheets.values() if norm(ls.title) == norm(sw.spec.name)), None)
    cells: dict[tuple[int, int], Out] = {}
    if live is None:
        reg = Region(1, 1, len(sw.spec.columns), 1)
        headers: list[object] = [c.header for c in sw.spec.columns]
        for i, h in enumerate(headers, start=1):
            cells[(1, i)] = Out(h)
        title = sw.spec.name
    else:
        reg = Region(live.region.header_row, live.region.first_col, live.region.last_col, live.region.last_row,
                     live.region.table, live.region.totals)
        headers = [live.cell(reg.header_row, c) for c in range(reg.first_col, reg.last_col + 1)]
        title = live.title
    cell = live.cell if live is not None else (lambda r, c: None)
    if reg.table is not None and reg.totals and sw.appends:
        raise LiveBookError(f"Sheet {title}: table {reg.table.name} has a totals row; "
                            "remove it so xlar can append rows")
    keys: list[str] = []
    for values in list(sw.updates.values()) + sw.appends:
        for k in values:
            if k not in keys:
                keys.append(k)
    if reg.table is None and reg.last_col == 0:  # an empty sheet: the whole header
        keys = [c.key for c in sw.spec.columns if c.key in keys or not c.extension] + \
               [k for k in keys if sw.spec.by_key[k].extension]
    order = {c.key: i for i, c in enumerate(sw.spec.columns)}
    keys.sort(key=lambda k: order.get(k, 1_000))
    # columns: existing headers first, missing ones created after the last
    cols: dict[str, int] = {}
    for pos, h in enumerate(headers):
        col = sw.spec.column(h)
        if col is not None and col.key not in cols:
            cols[col.key] = reg.first_col + pos
    for key in keys:
        if key in cols:
            continue
        spec_col = sw.spec.by_key[key]
        new = reg.last_col + 1 if reg.last_col else reg.first_col
        if reg.table is not None and any(cell(r, new) is not None for r in range(reg.header_row, reg.last_row + 1)):
            raise LiveBookError(f"Sheet {title}: column {col_letter(new)} next to table {reg.table.name} is not "
                                f"empty; xlar needs it for {spec_col.header!r}")
        cells[(reg.header_row, new)] = Out(spec_col.header)
        reg.last_col = new
        cols[key] = new
    for row, values in sw.updates.items():
        for k, o in values.items():
            cells[(row, cols[k])] = o
    table_end = None
    if sw.appends:
        start = reg.last_row + 1
        end = start + len(sw.appends) - 1
        if reg.table is not None:
            if reg.last_row == reg.header_row + 1 and all(
                    cell(reg.last_row, c) is None for c in range(reg.first_col, reg.last_col + 1)):
                start, end = reg.last_row, reg.last_row + len(sw.appends) - 1
            for r in range(max(start, reg.last_row + 1), end + 1):
                for c in range(reg.first_col, reg.last_col + 1):
                    if cell(r, c) is not None:
                        raise LiveBookError(f"Sheet {title}: cell {col_letter(c)}{r} below table {reg.table.name} "
                                            "is not empty; xlar needs the row to append to it")
        for i, values in enumerate(sw.appends):
            for k, o in values.items():
                cells[(start + i, cols[k])] = o
        reg.last_row = end
    if reg.table is not None and (reg.last_row != live.region.last_row or reg.last_col != live.region.last_col):
        table_end = (max(reg.last_row, reg.header_row + 1), reg.last_col)
    existing = live.region.last_row if live is not None else 0
    if live is not None:
        existing = max(existing, live.row0 + len(live.block) - 1)
    return _SheetJob(sw.spec.name, live, cells, reg.header_row, reg.first_col, table_end, existing)


def _runs(sorted_ints: list[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive integers: [1,2,3,5] -> [(1,3),(5,5)]."""
    runs: list[tuple[int, int]] = []
    for x in sorted_ints:
        if runs and x == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], x)
        else:
            runs.append((x, x))
    return runs


#: a write action costs about as much as this many cells (the Office.js client syncs with Excel once per
#: action and sends ~200 bytes of action around the values; a COM call costs a few milliseconds): two
#: rectangles are merged into their bounding box when that adds fewer cells than this
MERGE_CELLS = 200


@dataclass(slots=True)
class Block:
    """One rectangular write: top-left cell and the values (``None``: leave the cell as it is)."""

    row: int
    col: int
    values: list[list[object]]


def _bands(cells: dict[int, list[int]]) -> list[list[int]]:
    """Exact rectangles [r1, r2, c1, c2] covering the cells (column -> its rows): adjacent columns with the
    same rows form a band, each band's runs of consecutive rows a rectangle."""
    rects: list[list[int]] = []
    band: tuple[int, int, tuple[int, ...]] | None = None
    for c in sorted(cells):
        rows = tuple(sorted(set(cells[c])))
        if band is not None and band[1] == c - 1 and band[2] == rows:
            band = (band[0], c, rows)
            continue
        if band is not None:
            rects.extend([r1, r2, band[0], band[1]] for r1, r2 in _runs(list(band[2])))
        band = (c, c, rows)
    if band is not None:
        rects.extend([r1, r2, band[0], band[1]] for r1, r2 in _runs(list(band[2])))
    return rects


def _merged(rects: list[list[int]], gaps: bool) -> list[list[int]]:
    """Rectangles [r1, r2, c1, c2] merged: side by side (same rows), then one below another, always when they
    touch with the same columns and, with ``gaps``, into their bounding box when that adds fewer than
    ``MERGE_CELLS`` cells the plan does not change (a rectangle is tried against the last few made)."""
    rects.sort(key=lambda t: (t[0], t[1], t[2]))
    rows: list[list[int]] = []
    for r in rects:
        p = rows[-1] if rows else None
        if p is not None and p[0] == r[0] and p[1] == r[1] and (
                p[3] + 1 == r[2] or (gaps and (r[2] - p[3] - 1) * (r[1] - r[0] + 1) < MERGE_CELLS)):
            p[3] = max(p[3], r[3])
        else:
            rows.append(r)
    rows.sort(key=lambda t: (t[0], t[2]))
    out: list[list[int]] = []
    for r in rows:
        best, cost = None, MERGE_CELLS
        for p in reversed(out[-8:]):
            if p[2] == r[2] and p[3] == r[3] and p[1] + 1 == r[0]:
                best, cost = p, 0
                break
            if gaps:
                c1, c2, r2 = min(p[2], r[2]), max(p[3], r[3]), max(p[1], r[1])
                added = ((r2 - p[0] + 1) * (c2 - c1 + 1) - (p[1] - p[0] + 1) * (p[3] - p[2] + 1)
                         - (r[1] - r[0] + 1) * (r[3] - r[2] + 1))
                if added < cost:
                    best, cost = p, added
        if best is None:
            out.append(r)
        else:
            best[1], best[2], best[3] = max(best[1], r[1]), min(best[2], r[2]), max(best[3], r[3])
    return out


def blocks(job: _SheetJob, formulas: dict[tuple[int, int], object] | None = None, *,
           keep: bool = False) -> list[Block]:
    """The job's cells as a few rectangles: the existing rows' changed cells and the appended rows apart.

    Only the plan's cells are written. Adjacent columns changed on the same rows form one rectangle per run
    of rows; rectangles side by side or one above the other are merged when the cells between them cost
    less than another write (``MERGE_CELLS``). A cell between them is left alone: ``keep`` (the remote
    engine: Office.js leaves a cell given as ``null`` unchanged) sends ``None``; on the desktop it gets its
    formula back, or its value as read when it has none; where formulas could not be read (``formulas`` is
    None) nothing is merged over a cell the plan does not change. Appended rows (below every used row) are
    empty before the run, so their rectangles are merged over blank cells."""
    old: dict[int, list[int]] = {}
    new: dict[int, list[int]] = {}
    last = job.existing_last_row
    for (r, c) in job.cells:
        (old if r <= last else new).setdefault(c, []).append(r)
    out: list[Block] = []
    cells = job.cells
    live = job.live
    known = formulas or {}
    for part, gaps in ((old, keep or formulas is not None), (new, True)):
        if not part:
            continue
        for r1, r2, c1, c2 in sorted(_merged(_bands(part), gaps)):
            values: list[list[object]] = []
            for r in range(r1, r2 + 1):
                line = []
                for c in range(c1, c2 + 1):
                    o = cells.get((r, c))
                    if o is not None:
                        line.append(excel_value(o.value))
                    elif keep:
                        line.append(None)
                    elif live is not None and r <= last:
                        line.append(_kept(live.cell(r, c), known.get((r, c))))
                    else:
                        line.append("")
                values.append(line)
            out.append(Block(r1, c1, values))
    return out


def format_ranges(job: _SheetJob) -> list[tuple[int, int, int, int, str]]:
    """Number formats of the plan's cells as (row1, row2, col1, col2, format) ranges: per column, runs of one
    format over the existing rows and over the appended rows (rows between two cells of one format join the
    run: the column keeps one format; a column needing more than ``MAX_FORMAT_RUNS`` runs gets its most
    common format only), adjacent columns with the same run merged."""
    by_col: dict[int, list[tuple[int, str]]] = {}
    for (r, c), o in job.cells.items():
        if o.number_format:
            by_col.setdefault(c, []).append((r, o.number_format))
    out: list[tuple[int, int, int, str]] = []
    last = job.existing_last_row
    for c, items in by_col.items():
        items.sort()
        for part in ([x for x in items if x[0] <= last], [x for x in items if x[0] > last]):
            runs: list[list[object]] = []  # [first row, last row, format]
            for r, f in part:
                if runs and runs[-1][2] == f:
                    runs[-1][1] = r
                else:
                    runs.append([r, r, f])
            if len(runs) > MAX_FORMAT_RUNS:
                common = Counter(str(f) for _, _, f in runs).most_common(1)[0][0]
                runs = [[runs[0][0], runs[-1][1], common]]
            out.extend((int(a), int(b), c, str(f)) for a, b, f in runs)
    return merged_formats(out)


def merged_formats(formats: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, int, str]]:
    """Adjacent columns with the same rows and format as one range: (row1, row2, col1, col2, format)."""
    out: list[tuple[int, int, int, int, str]] = []
    for r1, r2, c, f in sorted(formats, key=lambda t: (t[0], t[1], t[3], t[2])):
        if out and out[-1][0] == r1 and out[-1][1] == r2 and out[-1][4] == f and out[-1][3] == c - 1:
            out[-1] = (r1, r2, out[-1][2], c, f)
        else:
            out.append((r1, r2, c, c, f))
    return out


def _read_formulas(lb: LiveBook, job: _SheetJob) -> dict[tuple[int, int], object] | None:
    """Formulas of the existing cells a write would cover, where the engine can read them (desktop)."""
    live = job.live
    if live is None or not live.block:
        return None
    kept_rows = [r for (r, c) in job.cells if r <= job.existing_last_row]
    if not kept_rows:
        return None
    try:
        rng = live.sheet.range((live.row0, live.col0),
                               (live.row0 + len(live.block) - 1, live.col0 + max(map(len, live.block)) - 1))
        raw = rng.formula
    except (NotImplementedError, AttributeError):
        return None
    lb.reads[live.title] += 1
    if not isinstance(raw, (list, tuple)):
        raw = ((raw,),)
    elif raw and not isinstance(raw[0], (list, tuple)):
        raw = (raw,)
    out: dict[tuple[int, int], object] = {}
    for i, row in enumerate(raw):
        for j, f in enumerate(row):
            if isinstance(f, str) and f.startswith("="):
                out[(live.row0 + i, live.col0 + j)] = f
    return out


#: the remote engine's write chunk (xlwings' own default): cells per setValues action
REMOTE_CHUNK_CELLS = 100_000
#: values the remote engine sends as they are
_PLAIN = frozenset({str, float, int, bool})


def _remote_cell(v: object) -> object:
    """What xlwings' remote converter sends for a value (``prepare_xl_data_element``) for xlar's types;
    ``None`` stays ``null``: Office.js leaves such a cell as it is (values are written as ``""``)."""
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ").split(".")[0]
    if isinstance(v, date):
        return v.isoformat()
    return v


def write_block(sheet: Any, row: int, col: int, values: list[list[object]]) -> None:
    """One rectangular write. On the remote engine (Lite/Server) the values go straight to the
    ``setValues`` action: xlwings' converter would rebuild the whole sheet's values as tuples on each
    write (``Range.api``), which costs seconds per write on a 100k-row sheet."""
    rows, cols = len(values), len(values[0])
    if _engine_type(sheet.book) == "desktop":
        sheet.range((row, col)).value = values  # xlwings chunks big writes itself
        return
    step = max(1, REMOTE_CHUNK_CELLS // cols)
    plain = _PLAIN
    for start in range(0, rows, step):
        part = [[v if v.__class__ in plain else _remote_cell(v) for v in line] for line in values[start:start + step]]
        sheet.range((row + start, col), (row + start + len(part) - 1, col + cols - 1)).impl.raw_value = part


def apply_plan(lb: LiveBook, plan: WritePlan) -> None:
    """Write ``plan`` to the live book: everything is checked first, then each sheet is written in blocks,
    then each report sheet (``plan.reports``) is rewritten whole (:func:`render_report`)."""
    jobs = [_plan_sheet(lb, sw) for sw in plan.sheets.values() if sw]
    layouts = [report_layout(t, plan.exps) for t in plan.reports]
    book = lb.book
    for job in jobs:
        if job.live is None:
            sheet = book.sheets.add(job.spec_name, after=book.sheets[-1])
            title = job.spec_name
        else:
            sheet = job.live.sheet
            title = job.live.title
        remote = _engine_type(book) != "desktop"
        for b in blocks(job, None if remote else _read_formulas(lb, job), keep=remote):
            write_block(sheet, b.row, b.col, b.values)
            lb.writes[title] += 1
        for r1, r2, c1, c2, fmt in format_ranges(job):
            sheet.range((r1, c1), (r2, c2)).number_format = fmt
            lb.writes[title] += 1
        if job.table_end is not None and job.live is not None:
            table = job.live.region.table
            table.resize(sheet.range((job.header_row, job.first_col), job.table_end))
            lb.writes[title] += 1
    if layouts:
        active = _active_sheet(book)
        for layout in layouts:
            render_report(lb, layout)
        if active is not None:  # freezing through COM activates each report sheet: back to the user's sheet
            try:
                active.activate()
            except Exception:  # noqa: BLE001, S110 - the user's sheet is gone or the engine cannot: stay
                pass


def _active_sheet(book: Any) -> Any:
    """The active sheet on a desktop book (None on the remote engine, which never activates a sheet here)."""
    if _engine_type(book) != "desktop":
        return None
    try:
        return book.sheets.active
    except Exception:  # noqa: BLE001
        return None


# --------------------------------------------------------------------------- report sheets

#: ``plan.LOOKS`` as range calls: (bold, italic, size, font colour, fill); the top border is not drawn live
_EMPHASIS: dict[Emphasis, tuple[bool, bool, int | None, str | None, str | None]] = {
    e: (lk.bold, lk.italic, lk.size, f"#{lk.color}" if lk.color else None, f"#{lk.fill}" if lk.fill else None)
    for e, lk in LOOKS.items()
}
GENERAL = "General"
#: Excel's default column is 8.43 characters = 48 points; the remote engine sets widths in points
_POINTS_PER_CHAR = 48 / 8.43


@dataclass(slots=True)
class ReportLayout:
    """A report table turned into what Excel needs, before anything is written: one value block, number
    formats as (row1, row2, col1, col2, format) ranges applied in order (later ones over earlier ones), emphasis as (row1, row2, col1, col2, emphasis)
    ranges, column widths (in characters) as (col1, col2, width) runs, frozen rows and the chart."""

    name: str
    values: list[list[object]]
    formats: list[tuple[int, int, int, int, str]]
    overlays: int  # the last ``overlays`` formats go over the others (a column alternating formats)
    styles: list[tuple[int, int, int, int, Emphasis]]
    widths: list[tuple[int, int, float]]
    frozen: int
    chart: tuple[int, int, int, int, str] | None


def report_layout(table: Table, exps: dict[str, int] | None = None) -> ReportLayout:
    """The table as one block of Excel values plus range formats, merged into as few ranges as possible."""
    values: list[list[object]] = []
    col_formats: dict[int, list[tuple[int, str | None]]] = {}  # col -> (row, format; None: General) per cell
    styles: list[tuple[int, int, int, int, Emphasis]] = []
    widths: dict[int, int] = {}
    money: dict[str, str] = {}
    width = 0
    text, money_kind = CellKind.TEXT, CellKind.MONEY
    for r, row in enumerate(table.rows, start=1):
        line: list[object] = []
        put = line.append
        last = 0
        measure = r <= WIDTH_ROWS
        for c, cell in enumerate(row.cells, start=1):
            if cell.__class__ is Cell:
                v, kind = cell.value, cell.kind  # type: ignore[union-attr]
            else:
                v, kind = cell, text
            t = v.__class__
            if v is None or (t is str and not v):
                put("")
                continue
            put("'" + v if t is str else excel_value(v))  # type: ignore[operator]
            last = c
            if kind is not text:
                if kind is money_kind:
                    cur = cell.currency  # type: ignore[union-attr]
                    fmt = money.get(cur)
                    if fmt is None:
                        fmt = money[cur] = money_format(cur, exps)
                else:
                    fmt = KIND_FORMAT.get(kind)
                cells = col_formats.get(c)
                if cells is None:
                    cells = col_formats[c] = []
                cells.append((r, fmt))  # a number without a format (INT) breaks a run
            if measure:
                n = report_width(kind, row.emphasis, c, v)
                w = widths.get(c)
                if w is None or n > w:
                    widths[c] = max(n, 10)
        values.append(line)
        width = max(width, len(line))
        if row.emphasis is not Emphasis.NONE and row.emphasis in _EMPHASIS:
            span = max(last, 1)
            prev = styles[-1] if styles else None
            if prev is not None and prev[1] == r - 1 and prev[3] == span and prev[4] is row.emphasis:
                styles[-1] = (prev[0], r, 1, span, row.emphasis)
            else:
                styles.append((r, r, 1, span, row.emphasis))
    for line in values:
        line.extend([""] * (width - len(line)))
    base: list[tuple[int, int, int, str]] = []  # one per column: its most frequent format over its whole span
    runs: list[tuple[int, int, int, str]] = []  # then the other formats' runs on top
    for c, cells in col_formats.items():
        col_runs: list[list[object]] = []
        for r, fmt in cells:
            if col_runs and col_runs[-1][2] == fmt:
                col_runs[-1][1] = r  # blank and text cells between cells of one format join the run
            else:
                col_runs.append([r, r, fmt or GENERAL])
        if len(col_runs) == 1:
            if col_runs[0][2] != GENERAL:  # a cleared sheet is General already
                base.append((int(col_runs[0][0]), int(col_runs[0][1]), c, str(col_runs[0][2])))
            continue
        # a column alternating formats (a statement's due dates, then its aging footer): the format with
        # the most runs covers the column once, the others are written over it; no cell gets a wrong format
        common = Counter(str(f) for _, _, f in col_runs).most_common(1)[0][0]
        if common != GENERAL:
            base.append((int(col_runs[0][0]), int(col_runs[-1][1]), c, common))
        runs.extend((int(a), int(b), c, str(f)) for a, b, f in col_runs if f != common
                    and not (f == GENERAL and common == GENERAL))
    col_widths: list[tuple[int, int, float]] = []
    for c in sorted(widths):
        w = float(widths[c])
        if col_widths and col_widths[-1][1] == c - 1 and col_widths[-1][2] == w:
            col_widths[-1] = (col_widths[-1][0], c, w)
        else:
            col_widths.append((c, c, w))
    overlays = merged_formats(runs)
    return ReportLayout(table.name, values, merged_formats(base) + overlays, len(overlays), styles, col_widths, table.header_rows,
                        table.chart)


#: style calls (font and fill) a report sheet gets at most on a live book: beyond, the costliest styling is
#: left out, first the properties other than bold, then bold (Statements for 1,000 customers made 6,448: a
#: title, two headings and totals per customer, each one call per range and property on the remote engine)
MAX_STYLE_CALLS = 500
_PROPS = ("bold", "italic", "size", "color", "fill")


def _style_props(emphasis: Emphasis) -> int:
    """Calls one range of ``emphasis`` takes: one per property it sets."""
    return len(_props(emphasis))


def _props(emphasis: Emphasis) -> frozenset[str]:
    return frozenset(n for n, x in zip(_PROPS, _EMPHASIS[emphasis], strict=True) if x is not None and x is not False)


def _union_calls(boxes: list[tuple[int, int, int, int]]) -> int:
    """Multi-area ranges :func:`_boxes` makes of ``boxes`` on Windows (addresses up to 250 characters)."""
    calls, used = 1, -1
    for r1, r2, c1, c2 in boxes:
        n = len(f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}")
        if used >= 0 and used + 1 + n > _UNION_ADDRESS:
            calls, used = calls + 1, -1
        used = n if used < 0 else used + 1 + n
    return calls


def capped_styles(styles: list[tuple[int, int, int, int, Emphasis]], union: bool, heading: int = 0
                  ) -> list[tuple[Emphasis, list[tuple[int, int, int, int]], frozenset[str]]]:
    """The styling drawn on a live book, as (emphasis, ranges, properties): everything when its calls (one
    per range, or per multi-area range on Windows, and property) stay within ``MAX_STYLE_CALLS``; else,
    below the ``heading`` rows, first the properties other than bold (fills, sizes, colours) are left
    out, then bold, each time of the emphasis with the most calls first, until the rest fit. A sheet of
    hundreds of statements keeps every value, number format, width and its styled heading, and as much
    bold as fits (the file path draws every style)."""
    out: list[tuple[Emphasis, list[tuple[int, int, int, int]], frozenset[str]]] = []
    body: dict[Emphasis, list[tuple[int, int, int, int]]] = {}
    props: dict[Emphasis, frozenset[str]] = {}
    ranges: dict[Emphasis, int] = {}
    total = 0
    for e, boxes in _grouped(styles).items():
        head = [b for b in boxes if b[1] <= heading]
        rest = [b for b in boxes if b[1] > heading]
        if head:
            out.append((e, head, _props(e)))
            total += _style_props(e) * (_union_calls(head) if union and len(head) > 1 else len(head))
        if rest:
            body[e], props[e] = rest, _props(e)
            ranges[e] = _union_calls(rest) if union and len(rest) > 1 else len(rest)
            total += len(props[e]) * ranges[e]
    for keep in (frozenset({"bold"}), frozenset()):  # first everything but bold, then bold
        for e in sorted(body, key=lambda e: -len(props[e] - keep) * ranges[e]):
            if total <= MAX_STYLE_CALLS:
                break
            total -= len(props[e] - keep) * ranges[e]
            props[e] = props[e] & keep
    out.extend((e, body[e], props[e]) for e in body if props[e])
    return out


def _style_calls(rng: Any, emphasis: Emphasis, props: frozenset[str] | None = None) -> int:
    """Apply one emphasis (its ``props``; all of them when None) to a range; returns the number of calls made."""
    bold, italic, size, color, fill = _EMPHASIS[emphasis]
    want = _props(emphasis) if props is None else props
    calls = 0
    font = rng.font
    if bold and "bold" in want:
        font.bold = True
        calls += 1
    if italic and "italic" in want:
        font.italic = True
        calls += 1
    if size is not None and "size" in want:
        font.size = size
        calls += 1
    if color is not None and "color" in want:
        font.color = color
        calls += 1
    if fill is not None and "fill" in want:
        rng.color = fill
        calls += 1
    return calls


def render_report(lb: LiveBook, layout: ReportLayout) -> None:
    """Rewrite the report sheet ``layout.name``: cleared in place (same position; notes on other sheets and
    references to the sheet survive) or created at the end; one value block, then formats, styles,
    widths, frozen rows and the chart, each as range calls counted in ``lb.writes``."""
    book = lb.book
    live = next((ls for ls in lb.sheets.values() if norm(ls.title) == norm(layout.name)), None)
    remote = _engine_type(book) != "desktop"
    if live is None:
        sheet = book.sheets.add(layout.name, after=book.sheets[-1])
        title = layout.name
    else:
        sheet, title = live.sheet, live.title
        sheet.clear()  # contents and formats
        lb.writes[title] += 1
        try:
            old_charts = list(sheet.charts)
        except (NotImplementedError, AttributeError, KeyError):
            old_charts = []
        for ch in reversed(old_charts):
            ch.delete()
            lb.writes[title] += 1
    if layout.values and layout.values[0]:
        write_block(sheet, 1, 1, layout.values)
        lb.writes[title] += 1
    union = not remote and UNION_RANGES
    base = len(layout.formats) - layout.overlays
    for part in (layout.formats[:base], layout.formats[base:]):  # the overlays go over the column formats
        for fmt, boxes in _grouped(part).items():
            lb.writes[title] += _boxes(sheet, boxes, union, lambda rng, f=fmt: _set(rng, "number_format", f))
    for emphasis, boxes, props in capped_styles(layout.styles, union, layout.frozen):
        lb.writes[title] += _boxes(sheet, boxes, union, lambda rng, e=emphasis, p=props: _style_calls(rng, e, p))
    for c1, c2, w in layout.widths:
        sheet.range((1, c1), (1, c2)).column_width = round(w * _POINTS_PER_CHAR, 1) if remote else w
        lb.writes[title] += 1
    # cosmetic calls an engine cannot make are skipped (values and number formats never are)
    if layout.frozen or live is not None:
        lb.writes[title] += _freeze(sheet, layout.frozen)
    if layout.chart is not None:
        try:
            lb.writes[title] += _chart(sheet, layout)
        except (NotImplementedError, AttributeError):  # an engine without charts (xlwings on Mac: no legend)
            pass


#: desktop Excel on Windows takes a multi-area address ("A1:C1,A9:C9") in one COM call; the remote engine
#: addresses one rectangle per action and the Mac engine is not known to, so they get one call per range
UNION_RANGES = sys.platform == "win32"
#: COM's Range() takes at most 255 characters
_UNION_ADDRESS = 250


def _grouped(items: list[tuple[int, int, int, int, Any]]) -> dict[Any, list[tuple[int, int, int, int]]]:
    """(row1, row2, col1, col2, what) boxes by what, in order."""
    out: dict[Any, list[tuple[int, int, int, int]]] = {}
    for r1, r2, c1, c2, what in items:
        out.setdefault(what, []).append((r1, r2, c1, c2))
    return out


def _set(rng: Any, name: str, value: object) -> int:
    setattr(rng, name, value)
    return 1


def _boxes(sheet: Any, boxes: list[tuple[int, int, int, int]], union: bool, do: Any) -> int:
    """Apply ``do`` (range -> calls made) to the boxes: one range each, or as multi-area ranges of up to
    255 address characters on Windows. Returns the calls made."""
    calls = 0
    if union and len(boxes) > 1:
        try:
            parts: list[str] = []
            for r1, r2, c1, c2 in boxes:
                a = f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"
                if parts and sum(map(len, parts)) + len(parts) + len(a) > _UNION_ADDRESS:
                    calls += do(sheet.range(",".join(parts)))
                    parts = []
                parts.append(a)
            return calls + do(sheet.range(",".join(parts)))
        except Exception:  # noqa: BLE001, S110 - Excel refused the multi-area address: one range at a time
            pass
    for r1, r2, c1, c2 in boxes:
        calls += do(sheet.range((r1, c1), (r2, c2)))
    return calls


def _freeze(sheet: Any, rows: int) -> int:
    """Freeze the top ``rows`` rows (0: unfreeze); returns the calls made. The remote engine has
    ``freeze_panes``; desktop xlwings 0.37 has none, so on Windows the window's panes are set through COM
    (the sheet is activated for it); elsewhere the rows are not frozen."""
    try:
        if rows:
            sheet.freeze_panes.freeze_at(f"1:{rows}")
        else:
            sheet.freeze_panes.unfreeze()
        return 1
    except (NotImplementedError, AttributeError):
        pass
    try:
        sheet.activate()
        window = sheet.book.app.api.ActiveWindow
        window.FreezePanes = False
        if rows:
            window.SplitColumn, window.SplitRow = 0, rows
            window.FreezePanes = True
        return 2
    except Exception:  # noqa: BLE001 - not COM (Mac): the heading is not frozen
        return 0


def _chart(sheet: Any, layout: ReportLayout) -> int:
    """The report's column chart of one row (values) against its headings row; returns the calls made."""
    assert layout.chart is not None
    head, row, first, count, title = layout.chart
    last = first + count - 1
    chart = sheet.charts.add(width=480, height=225, chart_type="column_clustered",
                             source=sheet.range((row, first), (row, last)), plot_by="rows",
                             anchor=sheet.range((3, last + 4)))
    chart.set_x_axis_values(sheet.range((head, first), (head, last)))
    chart.title = title
    chart.legend.visible = False
    return 4

"""The file adapter: an .xlsx/.xlsm on disk, read into grids and changed by a write plan.

- Reading loads the book twice from the same bytes: with formulas (the copy that is edited
  and saved, ``keep_vba`` for .xlsm) and with Excel's cached values (what cells show).
- Writing touches only the cells in the plan, creates missing output sheets and columns at
  the end, extends Excel tables when rows are appended, and writes text as text.
- Saving is all-or-nothing: a temporary file in the same folder, a ``BOOK.bak`` copy of the
  original, then ``os.replace``. Any failure leaves the original byte-identical.
openpyxl parses XML through defusedxml when it is installed (``openpyxl.DEFUSEDXML``).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xlar.book.grid import Grid
from xlar.book.plan import Out, SheetWrite, WritePlan
from xlar.book.schema import Kind, norm

if TYPE_CHECKING:  # openpyxl (and numpy with it) is imported where a run needs it: the part path does not
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.table import Table
    from openpyxl.worksheet.worksheet import Worksheet

VBA_SUFFIXES = (".xlsm", ".xltm")
#: control characters a cell's text may not hold in SpreadsheetML (openpyxl's ILLEGAL_CHARACTERS_RE):
#: dropped from text before it is written, by the openpyxl path and the part writer alike
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


class BookError(Exception):
    """A workbook that cannot be opened or saved (missing, locked, not a workbook, table in the way)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(slots=True)
class OpenBook:
    """A workbook file opened for a run."""

    path: Path
    wb: Workbook  # formulas kept: the copy that is changed and saved
    grids: dict[str, Grid]
    fingerprint: str  # sha256 of the file as read


def fingerprint_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(path: Path) -> str:
    return fingerprint_bytes(Path(path).read_bytes())


def read_book_bytes(path: Path) -> bytes:
    """The workbook file's bytes; a missing file, a folder or an unreadable file is a :class:`BookError`."""
    if not path.exists():
        raise BookError(f"{path}: no such file", exit_code=2)
    if path.is_dir():
        raise BookError(f"{path} is a folder, not a workbook", exit_code=2)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BookError(f"{path}: cannot read the file ({exc.strerror or exc}); is it open or locked?") from exc


def open_book(path: Path) -> OpenBook:
    """Read ``path``; raises :class:`BookError` with a message for a person, never a traceback."""
    import openpyxl
    path = Path(path)
    data = read_book_bytes(path)
    keep_vba = path.suffix.lower() in VBA_SUFFIXES
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=keep_vba)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise BookError(f"{path}: not an Excel workbook xlar can read (.xlsx or .xlsm): {exc}") from exc
    except Exception as exc:  # openpyxl raises assorted errors for damaged files
        raise BookError(f"{path}: the workbook is damaged or not an .xlsx/.xlsm file: {exc}") from exc
    vba = getattr(wb, "vba_archive", None)
    if vba is not None:
        # openpyxl keeps the VBA parts in an in-memory ZipFile it never closes; left to the
        # garbage collector, its buffer can be freed first and ZipFile.__del__ then fails
        # ("I/O operation on closed file"). Close it when the workbook goes.
        weakref.finalize(wb, vba.close)
    shown = cached_values(data, [ws.title for ws in wb.worksheets])
    grids = {ws.title: read_grid(ws, shown[ws.title]) for ws in wb.worksheets}
    return OpenBook(path, wb, grids, fingerprint_bytes(data))


def cached_values(data: bytes, titles: list[str]) -> dict[str, list[list[object]]]:
    """What each sheet shows (Excel's cached values), from A1: python-calamine, else openpyxl."""
    import openpyxl
    try:
        import python_calamine

        cwb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return {t: cwb.get_sheet_by_name(t).to_python(skip_empty_area=False) for t in titles}
    except Exception:  # noqa: BLE001 - any calamine trouble: the slower reader
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        try:
            return {t: [list(r) for r in wb[t].iter_rows(values_only=True)] for t in titles}
        finally:
            wb.close()


# --------------------------------------------------------------------------- regions

@dataclass(slots=True)
class Region:
    header_row: int
    first_col: int
    last_col: int
    last_row: int  # last data row (== header_row when empty)
    table: Table | None = None


def pick_table(ws: Worksheet) -> Table | None:
    from openpyxl.utils import range_boundaries
    tables = list(ws.tables.values())
    if not tables:
        return None
    for t in tables:
        if norm(t.displayName or t.name) == norm(ws.title):
            return t
    return min(tables, key=lambda t: range_boundaries(t.ref)[1])


def region(ws: Worksheet) -> Region:
    from openpyxl.utils import range_boundaries
    t = pick_table(ws)
    if t is not None:
        min_col, min_row, max_col, max_row = range_boundaries(t.ref)
        last = max_row - (t.totalsRowCount or 0)
        return Region(min_row, min_col, max_col, last, t)
    last_col = 0
    for cell in ws[1] if ws.max_row >= 1 else ():
        if cell.value not in (None, ""):
            last_col = cell.column
    last_row = 1
    if last_col:
        for row in ws.iter_rows(min_row=2, max_row=ws.max_row, min_col=1, max_col=last_col):
            if any(c.value not in (None, "") for c in row):
                last_row = row[0].row
    return Region(1, 1, last_col, last_row)


def read_grid(ws: Worksheet, shown: list[list[object]]) -> Grid:
    """The data region of ``ws``; values from ``shown`` (cached values from A1), formulas from ``ws``."""
    reg = region(ws)
    if reg.last_col == 0:
        return Grid(ws.title, 1, 1, [], [])
    headers = [ws.cell(reg.header_row, c).value for c in range(reg.first_col, reg.last_col + 1)]
    width = len(headers)
    rows: list[tuple[int, list[object]]] = []
    uncalculated: set[tuple[int, int]] = set()
    if reg.last_row > reg.header_row:
        kept = ws.iter_rows(min_row=reg.header_row + 1, max_row=reg.last_row, min_col=reg.first_col,
                            max_col=reg.last_col, values_only=True)
        c0 = reg.first_col - 1
        for r, raw in enumerate(kept, start=reg.header_row + 1):
            src = shown[r - 1] if r - 1 < len(shown) else []
            vals = [None if v == "" else v for v in src[c0:c0 + width]]
            vals += [None] * (width - len(vals))
            blank = True
            for pos, (v, f) in enumerate(zip(vals, raw)):
                if v is None:
                    if f is not None and (not isinstance(f, str) or f.startswith("=")):
                        uncalculated.add((r, pos))
                        blank = False
                elif not (isinstance(v, str) and not v.strip()):
                    blank = False
            if not blank:
                rows.append((r, vals))
    return Grid(ws.title, reg.header_row, reg.first_col, headers, rows, reg.table.displayName if reg.table else None,
                uncalculated)


# --------------------------------------------------------------------------- applying a plan

def find_sheet(wb: Workbook, name: str) -> Worksheet | None:
    key = norm(name)
    for ws in wb.worksheets:
        if norm(ws.title) == key:
            return ws
    return None


def put(ws: Worksheet, row: int, col: int, o: Out) -> None:
    """Write one value; strings are always text cells (``=SUM(...)`` from a bank file stays text)."""
    cell = ws.cell(row, col)
    value = o.value
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS.sub("", value)
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
    if o.number_format:
        cell.number_format = o.number_format


def _ensure_columns(ws: Worksheet, reg: Region, sw: SheetWrite, keys: list[str]) -> dict[str, int]:
    """Column number of each key; missing columns are created after the last one."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import TableColumn
    cols: dict[str, int] = {}
    for c in range(reg.first_col, reg.last_col + 1):
        col = sw.spec.column(ws.cell(reg.header_row, c).value)
        if col is not None and col.key not in cols:
            cols[col.key] = c
    for key in keys:
        if key in cols:
            continue
        spec_col = sw.spec.by_key[key]
        new = reg.last_col + 1 if reg.last_col else reg.first_col
        if reg.table is not None:
            if any(ws.cell(r, new).value not in (None, "") for r in range(reg.header_row, reg.last_row + 1)):
                raise BookError(f"Sheet {ws.title}: column {get_column_letter(new)} next to table "
                                f"{reg.table.displayName} is not empty; xlar needs it for {spec_col.header!r}")
            ids = [tc.id for tc in reg.table.tableColumns] or [0]
            reg.table.tableColumns.append(TableColumn(id=max(ids) + 1, name=spec_col.header))
        put(ws, reg.header_row, new, Out(spec_col.header))
        reg.last_col = new
        cols[key] = new
        if reg.table is not None:
            _set_table_ref(reg)
    return cols


def _set_table_ref(reg: Region) -> None:
    from openpyxl.utils import get_column_letter
    assert reg.table is not None
    last_row = max(reg.last_row, reg.header_row + 1)  # a table keeps at least one data row
    ref = f"{get_column_letter(reg.first_col)}{reg.header_row}:{get_column_letter(reg.last_col)}{last_row}"
    reg.table.ref = ref
    if reg.table.autoFilter is not None:
        reg.table.autoFilter.ref = ref


def apply_sheet(wb: Workbook, sw: SheetWrite, company: str = "") -> None:
    ws = find_sheet(wb, sw.spec.name)
    created = ws is None
    if ws is None:
        ws = wb.create_sheet(sw.spec.name)
        for i, c in enumerate(sw.spec.columns, start=1):
            put(ws, 1, i, Out(c.header))
    reg = region(ws)
    _write_sheet(ws, reg, sw)
    lay_out(ws, region(ws), sw, created, company)


def lay_out(ws: Worksheet, reg: Region, sw: SheetWrite, created: bool, company: str = "") -> None:
    """Column widths and xlar's page setup on a sheet xlar created, or one without widths and without its
    user's page setup; on any other, a column too narrow for its figures grows (as ``xlsxparts._layout``
    does on the part writer's path)."""
    from openpyxl.utils import get_column_letter

    from xlar.book.pages import column_widths, figure_widths, hidden_keys
    from xlar.book.plan import DATE_FORMAT, DATETIME_FORMAT, page_setup
    from xlar.book.reports import apply_layout, users_layout

    own = created or (not ws.column_dimensions and not users_layout(ws))
    heads = {}
    for c in range(reg.first_col, (reg.last_col or ws.max_column) + 1):
        h = ws.cell(reg.header_row, c).value
        col = sw.spec.column(h)
        heads[c] = (str(h or ""), col.kind if col is not None else Kind.TEXT)
    fmt = {Kind.DATE: DATE_FORMAT, Kind.DATETIME: DATETIME_FORMAT}
    rows = []
    for r in ws.iter_rows(min_row=reg.header_row + 1, max_row=min(ws.max_row, reg.header_row + 2000),
                          min_col=reg.first_col, max_col=max(heads, default=reg.first_col)):
        rows.append({cell.column: (cell.value, cell.number_format if cell.number_format != "General" else
                                   fmt.get(heads.get(cell.column, ("", Kind.TEXT))[1]))
                     for cell in r if cell.value is not None})
    if not own:  # the user's widths: only a column too narrow for its figures grows (else it shows ###)
        for c, w in figure_widths(rows).items():
            d = ws.column_dimensions[get_column_letter(c)]
            if w > (d.width if d.customWidth and d.width else 8.43):
                d.width = w
        return
    widths = column_widths(heads, rows)
    hidden = [c for c, (h, _) in heads.items() if (col := sw.spec.column(h)) is not None and col.key in
              hidden_keys(sw.spec)]
    for c, w in widths.items():
        d = ws.column_dimensions[get_column_letter(c)]
        d.width = w
        d.hidden = c in hidden
    apply_layout(ws, page_setup(ws.title, widths, max(widths, default=1), reg.header_row,
                                company, hidden))


def _write_sheet(ws: Worksheet, reg: Region, sw: SheetWrite) -> None:
    from openpyxl.utils import get_column_letter

    if reg.table is not None and reg.table.totalsRowCount and sw.appends:
        raise BookError(f"Sheet {ws.title}: table {reg.table.displayName} has a totals row; "
                        "remove it so xlar can append rows")
    keys: list[str] = []
    for values in list(sw.updates.values()) + sw.appends:
        for k in values:
            if k not in keys:
                keys.append(k)
    if reg.table is None and reg.last_col == 0:  # an empty sheet: write the whole header
        keys = [c.key for c in sw.spec.columns if c.key in keys or not c.extension] + \
               [k for k in keys if sw.spec.by_key[k].extension]
    # an output sheet's own columns come in contract order
    order = {c.key: i for i, c in enumerate(sw.spec.columns)}
    keys.sort(key=lambda k: order.get(k, 1_000))
    cols = _ensure_columns(ws, reg, sw, keys)
    for row, values in sw.updates.items():
        for k, o in values.items():
            put(ws, row, cols[k], o)
    if not sw.appends:
        return
    start = reg.last_row + 1
    if reg.table is not None:
        end = start + len(sw.appends) - 1
        # a new table's single empty data row is reused
        if reg.last_row == reg.header_row + 1 and all(
                ws.cell(reg.last_row, c).value in (None, "") for c in range(reg.first_col, reg.last_col + 1)):
            start, end = reg.last_row, reg.last_row + len(sw.appends) - 1
        for r in range(max(start, reg.last_row + 1), end + 1):
            for c in range(reg.first_col, reg.last_col + 1):
                if ws.cell(r, c).value not in (None, ""):
                    raise BookError(f"Sheet {ws.title}: cell {get_column_letter(c)}{r} below table "
                                    f"{reg.table.displayName} is not empty; xlar needs the row to append to it")
    for i, values in enumerate(sw.appends):
        for k, o in values.items():
            put(ws, start + i, cols[k], o)
    reg.last_row = start + len(sw.appends) - 1
    if reg.table is not None:
        _set_table_ref(reg)


def apply_plan(wb: Workbook, plan: WritePlan) -> None:
    for sw in plan.sheets.values():
        if sw:
            apply_sheet(wb, sw, plan.company)
    if plan.reports:
        from xlar.book.reports import render  # reports imports this module

        for t in plan.reports:
            render(wb, t, exps=plan.exps, company=plan.company)


# --------------------------------------------------------------------------- saving

def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def lock_owner(path: Path) -> Path | None:
    """The lock file Excel (``~$book.xlsx``) or LibreOffice (``.~lock.book.xlsx#``) keeps while the book is open."""
    for name in ("~$" + path.name, ".~lock." + path.name + "#"):
        lock = path.with_name(name)
        if lock.exists():
            return lock
    return None


def save(book: OpenBook, out: Path | None = None) -> Path:
    """Save atomically: over the original (keeping ``BOOK.bak``) or, with ``out``, as a copy."""
    return commit(book.path, book.fingerprint, out, book.wb.save)


def commit(path: Path, read_fingerprint: str, out: Path | None, write: Callable[[str], None]) -> Path:
    """``write(tmp)`` a new file next to the target, then put it in place atomically.

    Over the original (``out`` None): refused when the book is open in Excel/LibreOffice or
    changed since it was read; the original is copied to ``BOOK.bak`` first. Any failure
    leaves the target as it was and no temporary file behind.
    """
    target = Path(out) if out is not None else path
    if out is None:
        lock = lock_owner(path)
        if lock is not None:
            raise BookError(f"{path} is open in Excel or LibreOffice (lock file {lock.name}); close it and run "
                            "again. The workbook was not changed.")
        try:
            now = fingerprint(path)
        except OSError as exc:
            raise BookError(f"{path}: cannot read the file again before saving: {exc}") from exc
        if now != read_fingerprint:
            raise BookError(f"{path} changed while xlar was running; nothing was written. Run again.")
    folder = target.parent if str(target.parent) else Path(".")
    tmp_name = bak_tmp = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".~xlar-", suffix=target.suffix, dir=folder)
        os.close(fd)
        write(tmp_name)
        if out is None:
            fd, bak_tmp = tempfile.mkstemp(prefix=".~xlar-", suffix=".bak", dir=folder)
            os.close(fd)
            shutil.copy2(path, bak_tmp)
            os.replace(bak_tmp, backup_path(path))
            bak_tmp = None
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as exc:
        raise BookError(f"{target}: cannot save ({exc.strerror or exc}); is it open in Excel or read-only? "
                        "The workbook was not changed.") from exc
    finally:
        for leftover in (tmp_name, bak_tmp):
            if leftover:
                try:
                    os.unlink(leftover)
                except OSError:
                    pass
    return target

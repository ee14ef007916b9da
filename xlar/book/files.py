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

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from xlar.book.cells import CELL_TEXT_MAX  # both writers cut text there (readers refuse longer cells)
from xlar.book.grid import Grid
from xlar.book.plan import Out, SheetWrite, WritePlan
from xlar.book.schema import Kind, norm

if TYPE_CHECKING:  # openpyxl (and numpy with it) is imported where a run needs it: the part path does not
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.table import Table
    from openpyxl.worksheet.worksheet import Worksheet

VBA_SUFFIXES = (".xlsm", ".xltm")
_R = TypeVar("_R")
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


# --------------------------------------------------------------------------- what a file is, before parsing

#: limits checked on every part of the zip before anything is parsed (an inflation bomb is refused,
#: not parsed). Environment variables override them (``XLAR_MAX_PART_MB``, ``XLAR_MAX_TOTAL_MB``,
#: ``XLAR_MAX_RATIO``); they are not workbook settings on purpose: a workbook cannot be trusted
#: to set the limits it is checked against.
MAX_PART_MB = 1024  # one part inflated (a 1M-row ledger sheet is about 600 MB of XML)
MAX_TOTAL_MB = 4096  # all parts inflated
MAX_RATIO = 200  # inflated / compressed, for parts over RATIO_FLOOR (sheet XML compresses 5-20x)
RATIO_FLOOR = 1 << 20
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _limit(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def check_package(path: Path, data: bytes) -> None:
    """Refuse, with a message for a person, what is not a readable workbook package: an encrypted
    workbook, an old binary .xls, a file that is no zip, a part over the size limits."""
    if data[:8] == OLE_MAGIC:
        encrypted = False
        try:
            import msoffcrypto

            encrypted = bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
        except Exception:  # noqa: BLE001 - not an Office file msoffcrypto knows: the .xls message below
            encrypted = b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data
        if encrypted:
            raise BookError(f"{path}: the workbook is protected by a password (encrypted); xlar cannot read it. "
                            "Save a copy without the password to open and run xlar on that copy.")
        raise BookError(f"{path}: this is an old Excel 97-2003 workbook (.xls) or another Office binary file; "
                        "save it as an Excel Workbook (.xlsx) or Excel Macro-Enabled Workbook (.xlsm) first.")
    if data[:2] != b"PK":
        raise BookError(f"{path}: not an Excel workbook xlar can read (.xlsx or .xlsm): the file is not a zip "
                        "package")
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BookError(f"{path}: not an Excel workbook xlar can read (.xlsx or .xlsm): {exc}") from exc
    part_max = _limit("XLAR_MAX_PART_MB", MAX_PART_MB) * (1 << 20)
    total_max = _limit("XLAR_MAX_TOTAL_MB", MAX_TOTAL_MB) * (1 << 20)
    ratio_max = _limit("XLAR_MAX_RATIO", MAX_RATIO)
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        why = ""
        if size > part_max:
            why = f"inflates to {size / (1 << 20):,.0f} MB, over the limit of {part_max / (1 << 20):,.0f} MB"
        elif size > RATIO_FLOOR and size > ratio_max * max(info.compress_size, 1):
            why = (f"inflates {size / max(info.compress_size, 1):,.0f} times ({info.compress_size:,} bytes to "
                   f"{size:,}), over the limit of {ratio_max:g} times")
        elif total > total_max:
            why = f"brings the inflated package over the limit of {total_max / (1 << 20):,.0f} MB"
        if why:
            raise BookError(f"{path}: part {info.filename} {why}; xlar does not open it (a zip bomb?). "
                            "Nothing was read or changed.")


def damaged(path: Path, data: bytes, exc: Exception) -> BookError:
    """The message for a package that does not parse: the part that is not well-formed XML, by name."""
    from lxml import etree

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        for info in z.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            parser = etree.XMLPullParser(resolve_entities=False, load_dtd=False, no_network=True)
            try:
                with z.open(info) as f:
                    while block := f.read(_CHUNK):
                        parser.feed(block)
                        for _ in parser.read_events():
                            pass
                parser.close()
            except etree.XMLSyntaxError as err:
                return BookError(f"{path}: the workbook is damaged: part {info.filename} is not well-formed XML "
                                 f"({err.msg}). Open and repair it in Excel.")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as zerr:
        return BookError(f"{path}: the workbook is damaged (the zip cannot be read: {zerr})")
    return BookError(f"{path}: the workbook is damaged or not an .xlsx/.xlsm file: {_cause(exc)}")


def _cause(exc: BaseException) -> str:
    """The innermost message (openpyxl says "Please see the exception for more details")."""
    seen = exc
    while (seen.__cause__ or seen.__context__) is not None and "see the exception" in str(seen).lower():
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return f"{type(seen).__name__}: {seen}" if str(seen) else type(seen).__name__


def ambiguous_sheets(path: Path, titles: list[str]) -> None:
    """Two sheets whose names read alike (``Journal`` and ``journal ``): xlar would read only one."""
    seen: dict[str, str] = {}
    for t in titles:
        k = norm(t)
        if k in seen:
            raise BookError(f"{path}: sheets {seen[k]!r} and {t!r} have names that xlar reads as the same sheet; "
                            "rename or delete one. The workbook was not changed.")
        seen[k] = t


def open_book(path: Path) -> OpenBook:
    """Read ``path``; raises :class:`BookError` with a message for a person, never a traceback."""
    import openpyxl
    path = Path(path)
    data = read_book_bytes(path)
    check_package(path, data)
    keep_vba = path.suffix.lower() in VBA_SUFFIXES
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=keep_vba)
    except Exception as exc:  # openpyxl raises assorted errors for damaged files
        raise damaged(path, data, exc) from exc
    ambiguous_sheets(path, [ws.title for ws in wb.worksheets])
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
        value = ILLEGAL_CHARACTERS.sub("", value[:CELL_TEXT_MAX])  # never more than a cell holds
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
    from xlar.book.plan import DATE_FORMAT, DATETIME_FORMAT, FOOTER, page_setup
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
    if not own:  # xlar's earlier layout: any column may grow; the user's: only one too narrow for its figures
        ours = not users_layout(ws) and str(ws.oddFooter or "") == FOOTER
        for c, w in (column_widths(heads, rows) if ours else figure_widths(rows)).items():
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
#
# What a save guarantees (docs/workbook.md, "Safety of the workbook file"):
# - one xlar run at a time per workbook: :func:`locked_run` holds an exclusive lock (``filelock``)
#   on ``.BOOK.xlar-lock`` from before the read to after the replace; a second run waits
#   :data:`LOCK_WAIT` seconds, then is refused;
# - the new file is written to a temporary file beside the target, given the original's mode
#   (and owner where permitted) and fsynced; the original is copied to ``BOOK.bak`` (older
#   backups move to ``BOOK.bak2`` ... up to :data:`BACKUPS`); the fingerprint of that copy and a
#   stat of the book after writing and just before ``os.replace`` detect another program saving;
# - a symlinked book is written through to its target; a hard-linked one keeps its inode (the
#   new bytes are copied over it under a journal that the next run rolls forward after a crash);
# - temporary files of a killed save are removed by the next run on the book.

#: seconds a second run on the same workbook waits for the first (``XLAR_LOCK_WAIT`` overrides)
LOCK_WAIT = 10.0
#: backup generations kept beside an in-place save: ``BOOK.bak`` (newest), ``BOOK.bak2`` ...
BACKUPS = 3
#: the steps of a save, in order; :data:`save_hook` is called with each (tests inject faults here)
SAVE_STEPS = ("checked", "backup-written", "temp-created", "temp-written", "temp-synced", "backup-rotated",
              "verified", "journal-written", "copying", "replaced", "folder-synced")
save_hook: Callable[[str, Path], None] | None = None
_TMP = ".~xlar-tmp."
_CHUNK = 1 << 20


def _step(name: str, target: Path) -> None:
    if save_hook is not None:
        save_hook(name, target)


def backup_path(path: Path, generation: int = 1) -> Path:
    return path.with_name(path.name + ".bak" + (str(generation) if generation > 1 else ""))


def real_path(path: Path) -> Path:
    """The file a path names, symlinks followed (the file xlar reads, locks and replaces)."""
    return Path(os.path.realpath(path))


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return real_path(a) == real_path(b)


def lock_file(path: Path) -> Path:
    real = real_path(path)
    return real.with_name("." + real.name + ".xlar-lock")


def lock_owner(path: Path) -> Path | None:
    """The lock file Excel (``~$book.xlsx``) or LibreOffice (``.~lock.book.xlsx#``) keeps while the book is open."""
    for p in dict.fromkeys((Path(path), real_path(path))):
        for name in ("~$" + p.name, ".~lock." + p.name + "#"):
            lock = p.with_name(name)
            if lock.exists():
                return lock
    return None


_held: dict[Path, int] = {}


def _lock_wait() -> float:
    try:
        return float(os.environ.get("XLAR_LOCK_WAIT", LOCK_WAIT))
    except ValueError:
        return LOCK_WAIT


@contextlib.contextmanager
def book_lock(path: Path, *, required: bool = True) -> Iterator[None]:
    """Hold the exclusive xlar lock of ``path`` (re-entrant in one process).

    ``required=False`` (a book only read, the result going to ``--out``): a folder where the lock
    file cannot be made (read-only share) is no error.
    """
    from filelock import FileLock, Timeout

    key = real_path(path)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    lf = lock_file(path)
    if not lf.parent.is_dir():  # filelock would create the folder
        if not required:
            yield
            return
        raise BookError(f"{path}: the folder {lf.parent} does not exist; nothing was written.")
    wait = _lock_wait()
    lock = FileLock(str(lf), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise BookError(f"{path} is being changed by another xlar run (lock file {lf.name}); waited {wait:g} s. "
                        "Run again when it has finished. The workbook was not changed.") from None
    except OSError as exc:
        if not required:
            yield
            return
        raise BookError(f"{path}: cannot create the lock file {lf.name} ({exc.strerror or exc}); is the folder "
                        "read-only? The workbook was not changed.") from exc
    _held[key] = 1
    try:
        yield
    finally:
        del _held[key]
        lock.release()


MACRO_SUFFIXES = VBA_SUFFIXES
BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")


def check_out(path: Path, out: Path, force: bool) -> None:
    """Refuse an ``--out`` that would be wrong: another kind of package, a folder, an existing workbook."""
    suffix, own = out.suffix.lower(), path.suffix.lower()
    if suffix not in BOOK_SUFFIXES:
        raise BookError(f"--out {out}: the workbook must be written to an {own or '.xlsx'} file", exit_code=2)
    if suffix != own:
        kind = "a macro-enabled workbook" if own in MACRO_SUFFIXES else "a template" if own.startswith(".xlt") \
            else "a workbook without macros"
        raise BookError(f"--out {out}: {path.name} is {kind} ({own}); write it to a {own} file: Excel refuses a "
                        "package whose extension does not match its content type", exit_code=2)
    if out.is_dir():
        raise BookError(f"--out {out} is a folder, not a workbook file", exit_code=2)
    if out.exists() and not force:
        raise BookError(f"--out {out} exists and is another workbook; use --force to replace it", exit_code=2)


def locked_run(out: str = "out") -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Decorate a ``run_*_file(path, ..., <out>=..., force=False)``: the whole read-compute-write
    holds the book's lock (and the lock of ``--out``); a run left by a crash is tidied first.

    ``--out`` naming the book itself is an in-place run (lock, fingerprint, ``.bak``); ``--out``
    naming another existing file is refused unless ``force=True``.
    """
    def deco(fn: Callable[..., _R]) -> Callable[..., _R]:
        @functools.wraps(fn)
        def wrapper(path: Path, *args: object, **kw: object) -> _R:
            force = bool(kw.pop("force", False))
            path = Path(path)
            target = kw.get(out)
            if target is not None:
                if same_file(Path(str(target)), path):
                    kw[out] = target = None
                else:
                    check_out(path, Path(str(target)), force)
            need = {real_path(path): target is None}  # the book's lock may be skipped when only read
            if target is not None:
                need[real_path(Path(str(target)))] = True
            locks = sorted(need.items())  # one order everywhere: no deadlock between two runs
            with contextlib.ExitStack() as stack:
                for p, required in locks:
                    stack.enter_context(book_lock(p, required=required))
                    tidy(p)
                return fn(path, *args, **kw)
        return wrapper
    return deco


def tidy(path: Path) -> None:
    """Finish or remove what a killed save of ``path`` left (call under the book's lock)."""
    target = real_path(path)
    folder = target.parent
    journal = _journal_path(target)
    if journal.exists():
        _recover_in_place(target, journal)
    prefix = _TMP + target.name[:100] + "."
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix)]
    except OSError:
        return
    for n in names:
        try:
            os.unlink(folder / n)
        except OSError:
            pass


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _fsync_file(name: str | Path) -> None:
    fd = os.open(name, os.O_RDWR)  # Windows flushes only a handle open for writing
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows: a folder cannot be opened for fsync; NTFS journals the rename
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _keep_mode(tmp: str, st: os.stat_result | None) -> None:
    """Give the new file the mode (and owner, where permitted) of the one it replaces; a new file
    gets the mode any program would give it (0666 less the umask), not mkstemp's 0600."""
    if st is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown"):
        mine = os.stat(tmp)
        if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                try:  # not root: the group at least, when the user is in it
                    os.chown(tmp, -1, st.st_gid)
                except OSError:
                    pass


def _copy_hashing(src: Path, dst: str) -> str:
    """Copy ``src`` to ``dst`` (fsynced, times and mode kept); the sha256 of the bytes copied."""
    h = hashlib.sha256()
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        while block := fi.read(_CHUNK):
            h.update(block)
            fo.write(block)
        fo.flush()
        os.fsync(fo.fileno())
    shutil.copystat(src, dst)
    return h.hexdigest()


def _changed_by_another_program(path: Path) -> BookError:
    return BookError(f"{path} was saved by another program while xlar was saving it; xlar did not overwrite "
                     "it. Nothing was written. Run again.")


def save(book: OpenBook, out: Path | None = None) -> Path:
    """Save atomically: over the original (keeping ``BOOK.bak``) or, with ``out``, as a copy."""
    return commit(book.path, book.fingerprint, out, book.wb.save)


def commit(path: Path, read_fingerprint: str, out: Path | None, write: Callable[[str], None]) -> Path:
    """``write(tmp)`` a new file next to the target, then put it in place atomically.

    Over the original (``out`` None or the book itself): refused when the book is open in
    Excel/LibreOffice or changed since it was read (the fingerprint of the backup copy, made
    first, then a stat after writing and just before the replace); the copy becomes ``BOOK.bak``
    (older backups rotated) once the new file is written. Any failure leaves the target as it was and no temporary file behind.
    Symlinks are written through; a hard-linked file keeps its inode.
    """
    path = Path(path)
    in_place = out is None or same_file(Path(out), path)
    shown = path if in_place else Path(out)  # type: ignore[arg-type]
    target = real_path(shown)
    folder = _folder(target)
    st0: os.stat_result | None = None
    if in_place:
        lock = lock_owner(path)
        if lock is not None:
            raise BookError(f"{path} is open in Excel or LibreOffice (lock file {lock.name}); close it and run "
                            "again. The workbook was not changed.")
        for g in range(1, BACKUPS + 1):
            if backup_path(target, g).is_dir():
                raise BookError(f"{backup_path(target, g)} is a folder; xlar keeps its backup of the workbook "
                                "under that name. Move or rename the folder. The workbook was not changed.")
        try:
            st0 = os.stat(target)
        except OSError as exc:
            raise BookError(f"{path}: cannot read the file again before saving: {exc}") from exc
    elif target.exists():
        st0 = os.stat(target)
    hard_linked = st0 is not None and st0.st_nlink > 1
    _step("checked", target)
    tmp_name = bak_tmp = None
    prefix = _TMP + target.name[:100] + "."
    try:
        if in_place:  # the backup first: its bytes are the fingerprint check (one read of the book)
            fd, bak_tmp = tempfile.mkstemp(prefix=prefix, suffix=".bak", dir=folder)
            os.close(fd)
            if _copy_hashing(target, bak_tmp) != read_fingerprint:
                raise BookError(f"{path} changed while xlar was running; nothing was written. Run again.")
            _step("backup-written", target)
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=target.suffix, dir=folder)
        os.close(fd)
        _step("temp-created", target)
        write(tmp_name)
        _step("temp-written", target)
        _keep_mode(tmp_name, st0)
        _fsync_file(tmp_name)
        _step("temp-synced", target)
        if in_place:
            assert st0 is not None and bak_tmp is not None
            if _stat_key(os.stat(target)) != _stat_key(st0):  # saved by another program while xlar wrote
                raise _changed_by_another_program(path)
            for g in range(BACKUPS, 1, -1):
                if backup_path(target, g - 1).exists():
                    os.replace(backup_path(target, g - 1), backup_path(target, g))
            os.replace(bak_tmp, backup_path(target))
            bak_tmp = None
            _fsync_dir(folder)
            _step("backup-rotated", target)
            if _stat_key(os.stat(target)) != _stat_key(st0):  # ... or just now
                raise _changed_by_another_program(path)
        _step("verified", target)
        if hard_linked:
            _replace_in_place(tmp_name, target, read_fingerprint if in_place else "")
        else:
            os.replace(tmp_name, target)
        tmp_name = None
        _step("replaced", target)
        _fsync_dir(folder)
        _step("folder-synced", target)
    except OSError as exc:
        raise BookError(f"{shown}: cannot save ({exc.strerror or exc}); is it open in Excel or read-only? "
                        "The workbook was not changed.") from exc
    finally:
        for leftover in (tmp_name, bak_tmp):
            if leftover:
                try:
                    os.unlink(leftover)
                except OSError:
                    pass
    return shown


# --------------------------------------------------------------------------- hard links

def _journal_path(target: Path) -> Path:
    return target.with_name(".~xlar-inplace." + target.name[:100] + ".json")


def _sha_file(p: Path | str) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _copy_over(src: Path | str, target: Path, hook: bool = False) -> None:
    """Copy ``src`` over ``target``'s own bytes (same inode: every hard link sees it), fsynced."""
    with open(src, "rb") as fi, open(target, "r+b") as fo:
        first = True
        while block := fi.read(_CHUNK):
            if first and hook:  # a fault injected here leaves a torn book for the next run to finish
                fo.write(block[:len(block) // 2])
                fo.flush()
                _step("copying", target)
                block = block[len(block) // 2:]
            fo.write(block)
            first = False
        fo.truncate()
        fo.flush()
        os.fsync(fo.fileno())


def _replace_in_place(tmp: str, target: Path, old: str) -> None:
    """A hard-linked book: ``os.replace`` would leave the other links on the old file. The new
    bytes (complete and fsynced in ``tmp``) are copied over the book's inode under a journal
    naming both versions' fingerprints; a crash during the copy is finished by the next run
    (:func:`tidy`), which copies ``tmp`` again."""
    journal = _journal_path(target)
    new = _sha_file(tmp)
    kept = Path(tmp).with_name(Path(tmp).name + ".new")  # keeps its name until the copy is done
    os.replace(tmp, kept)
    jtmp = journal.with_name(journal.name + ".tmp")
    jtmp.write_text(json.dumps({"new": kept.name, "new_sha256": new, "old_sha256": old}))
    _fsync_file(jtmp)
    os.replace(jtmp, journal)
    _fsync_dir(target.parent)
    _step("journal-written", target)
    _copy_over(kept, target, hook=True)
    os.unlink(journal)
    os.unlink(kept)


def _recover_in_place(target: Path, journal: Path) -> None:
    try:
        j = json.loads(journal.read_text())
        kept = target.with_name(str(j["new"]))
        new = str(j["new_sha256"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BookError(f"{journal}: the record of an interrupted save cannot be read ({exc}); compare {target} "
                        f"with {backup_path(target)} and delete the record.") from exc
    if _sha_file(target) != new:
        if not kept.exists() or _sha_file(kept) != new:
            raise BookError(f"{target}: a save was interrupted and its new version is gone; the previous version "
                            f"is {backup_path(target)}. Delete {journal.name} once the workbook is right.")
        _copy_over(kept, target)  # roll forward: the interrupted copy, again
    for p in (journal, kept):
        try:
            os.unlink(p)
        except OSError:
            pass
    _fsync_dir(target.parent)

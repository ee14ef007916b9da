"""A sheet's data as a 2-D block, independent of the library that read it.

The openpyxl file adapter (``files.py``) and a live xlwings adapter both produce a
:class:`Grid`; everything above works on grids, so a macro and a CLI command run the
same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlar.book.schema import Column, SheetSpec, norm


@dataclass(slots=True)
class Grid:
    """The data region of one sheet: a header row and the data rows under it."""

    title: str  # the sheet name as written in the workbook
    header_row: int  # Excel row number of the header
    first_col: int  # Excel column number (1-based) of the first header cell
    headers: list[object]
    rows: list[tuple[int, list[object]]]  # (Excel row number, values); blank rows left out
    table: str | None = None  # Excel table (ListObject) name, if the data is a table
    uncalculated: set[tuple[int, int]] = field(default_factory=set)  # (row, position) formula, no value


@dataclass(slots=True)
class Bound:
    """A grid whose headers are matched to a sheet spec."""

    grid: Grid
    spec: SheetSpec
    positions: dict[str, int]  # column key -> position in the row
    written: dict[str, str]  # column key -> header as the user wrote it
    duplicates: list[tuple[int, str]]  # (position, header) of headers repeating a known column

    @classmethod
    def bind(cls, grid: Grid, spec: SheetSpec) -> Bound:
        positions: dict[str, int] = {}
        written: dict[str, str] = {}
        dups: list[tuple[int, str]] = []
        for pos, header in enumerate(grid.headers):
            col = spec.column(header)
            if col is None:
                continue
            if col.key in positions:
                dups.append((pos, str(header)))
                continue
            positions[col.key] = pos
            written[col.key] = str(header).strip()
        return cls(grid, spec, positions, written, dups)

    def has(self, column: Column) -> bool:
        return column.key in self.positions

    def header_of(self, column: Column) -> str:
        return self.written.get(column.key, column.header)

    def value(self, values: list[object], column: Column) -> object:
        pos = self.positions.get(column.key)
        if pos is None or pos >= len(values):
            return None
        return values[pos]

    def is_uncalculated(self, row: int, column: Column) -> bool:
        pos = self.positions.get(column.key)
        return pos is not None and (row, pos) in self.grid.uncalculated


def find(grids: dict[str, Grid], name: str) -> Grid | None:
    """The grid of sheet ``name`` (case- and punctuation-insensitive)."""
    key = norm(name)
    for title, grid in grids.items():
        if norm(title) == key:
            return grid
    return None


def col_letter(n: int) -> str:
    """Excel's column letters of 1-based column ``n`` (1 -> A, 27 -> AA)."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s

"""A sheet's data as a 2-D block, independent of the library that read it.

The openpyxl file adapter (``files.py``) and a live xlwings adapter both produce a
:class:`Grid`; everything above works on grids, so a macro and a CLI command run the
same code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from xlar.book.schema import Column, SheetSpec, norm


class ColumnRows(Sequence):
    """A grid's data rows held column by column (a big sheet read without a list per row).

    It is the ``rows`` of a :class:`Grid` like a list of ``(Excel row, values)``: iterating,
    indexing, ``len`` and ``dict(...)`` give the same pairs (each row's values are a new list
    made on demand). ``columns[p]`` holds position ``p``'s value of every row (None: blank).
    """

    __slots__ = ("columns", "numbers", "width")

    def __init__(self, numbers: Sequence[int], columns: list[Sequence[object]]) -> None:
        self.numbers = numbers
        self.columns = columns
        self.width = len(columns)

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.numbers)))]
        return self.numbers[i], [c[i] for c in self.columns]

    def __iter__(self) -> Iterator[tuple[int, list[object]]]:
        if not self.columns:
            return ((r, []) for r in self.numbers)
        return zip(self.numbers, map(list, zip(*self.columns)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, ColumnRows)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"ColumnRows({len(self)} rows x {self.width} columns)"


@dataclass(slots=True)
class Grid:
    """The data region of one sheet: a header row and the data rows under it."""

    title: str  # the sheet name as written in the workbook
    header_row: int  # Excel row number of the header
    first_col: int  # Excel column number (1-based) of the first header cell
    headers: list[object]
    rows: Sequence[tuple[int, list[object]]]  # (Excel row number, values); blank rows left out; may be ColumnRows
    table: str | None = None  # Excel table (ListObject) name, if the data is a table
    uncalculated: set[tuple[int, int]] = field(default_factory=set)  # (row, position) formula, no value

    def column(self, pos: int) -> Sequence[object]:
        """Position ``pos``'s value of every data row, in row order (None: blank or no such cell)."""
        rows = self.rows
        if isinstance(rows, ColumnRows):
            return rows.columns[pos] if pos < rows.width else [None] * len(rows)
        try:
            return [vals[pos] for _, vals in rows]
        except IndexError:
            return [vals[pos] if pos < len(vals) else None for _, vals in rows]

    def row_numbers(self) -> Sequence[int]:
        """The Excel row number of every data row, in order."""
        rows = self.rows
        if isinstance(rows, ColumnRows):
            return rows.numbers
        return [r for r, _ in rows]

    def row_values(self, i: int) -> list[object]:
        """The values of the ``i``-th data row (0-based index into ``rows``)."""
        return self.rows[i][1]


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

"""Reports as data: a :class:`Table` of rows of typed cells, rendered by the book layer.

Core builds the figures and their layout (titles, headers, totals); it never formats a
cell. Each :class:`Cell` says what it is (``kind``) and, for money, in which currency,
so the renderer picks the number format; each :class:`Row` says how much it stands out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class CellKind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    INT = "int"
    PCT = "pct"  # a fraction: 0.25 shows as 25 %
    NUMBER = "number"  # a plain decimal (days, ratios)


class Emphasis(StrEnum):
    NONE = ""
    TITLE = "title"  # a section title
    HEADER = "header"  # column headings
    TOTAL = "total"  # a total or subtotal
    NOTE = "note"  # an explanation in words
    WARNING = "warning"  # something the controller must look at (tie-out difference)
    OK = "ok"


class Cell(NamedTuple):  # a NamedTuple: reports have hundreds of thousands of cells
    value: object
    kind: CellKind = CellKind.TEXT
    currency: str = ""


class Row(NamedTuple):
    cells: tuple[Cell | object, ...]  # a value that is not a Cell is text (or blank)
    emphasis: Emphasis = Emphasis.NONE


@dataclass(slots=True)
class Table:
    """One report sheet: rows top to bottom; ``header_rows`` rows stay frozen; ``chart`` names a block to plot."""

    name: str
    rows: list[Row] = field(default_factory=list)
    header_rows: int = 0
    #: a bar chart of one row: (row of the headings, row of the values, first column, column count, title)
    chart: tuple[int, int, int, int, str] | None = None
    #: where the chart sits: (row, column, rows tall), its width reaching the table's last column;
    #: None: beside the table, right of its last column
    chart_at: tuple[int, int, int] | None = None
    #: explanations (how a figure is computed, what to check): written by :meth:`end_notes` as a notes block
    #: under the table, one per row in the first column, so no data column is widened by text
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: Cell | object, emphasis: Emphasis = Emphasis.NONE) -> int:
        """Append a row (plain values become text cells); returns its 1-based row number."""
        self.rows.append(Row(cells, emphasis))
        return len(self.rows)

    def blank(self) -> None:
        self.rows.append(Row(()))

    def end_notes(self) -> None:
        """The notes block (``notes``) at the end of the table; call when the last row is added."""
        if self.notes:
            self.blank()
            self.add("Notes", emphasis=Emphasis.TITLE)
            for n in self.notes:
                self.add(n, emphasis=Emphasis.NOTE)
            self.notes = []

    def texts(self) -> list[list[str]]:
        """Every row as text (golden snapshots, debugging)."""
        return [[_text(as_cell(c)) for c in r.cells] for r in self.rows]


def as_cell(c: object) -> Cell:
    """``c`` itself when it is a Cell, else a text cell of it."""
    return c if c.__class__ is Cell else Cell(c)  # type: ignore[return-value]


def _text(c: Cell) -> str:
    if c.value is None:
        return ""
    if c.kind is CellKind.PCT:
        return f"{float(c.value) * 100:.1f}%"  # type: ignore[arg-type]
    return str(c.value)


def money(value: object, currency: str) -> Cell:
    return Cell(value, CellKind.MONEY, currency)


def day(value: object) -> Cell:
    return Cell(value, CellKind.DATE)


def pct(value: object) -> Cell:
    return Cell(value, CellKind.PCT)

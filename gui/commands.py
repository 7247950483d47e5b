"""Undoable grid edits: a cell edit, a pasted block and fill down are one command each.

Each command records every cell it changed (including a done row's cleared status), so
undo puts back exactly what was there and redo does exactly what was done.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from core.edits import CellChange

#: Pasting more cells than this at once is refused (a whole sheet pasted by mistake).
MAX_PASTE_CELLS = 1_000_000


class EditableCells(Protocol):
    """What an edit command needs of the grid's model (gui.table_model's is one)."""

    def edit_cells(self, changes: Iterable[tuple[int, int, str]]) -> list[CellChange]: ...

    def restore_cells(self, changes: Sequence[CellChange], *, to_old: bool) -> None: ...


class EditCellsCommand(QUndoCommand):
    """Set some cells; the first redo applies the edit rules, later ones replay them."""

    def __init__(
        self,
        model: EditableCells,
        changes: Sequence[tuple[int, int, str]],
        text: str,
    ) -> None:
        super().__init__(text)
        self._model = model
        self._requested = list(changes)
        self._applied: list[CellChange] | None = None

    @property
    def applied(self) -> list[CellChange]:
        return list(self._applied or [])

    def redo(self) -> None:
        if self._applied is None:
            self._applied = self._model.edit_cells(self._requested)
            if not self._applied:
                self.setObsolete(True)
        else:
            self._model.restore_cells(self._applied, to_old=False)

    def undo(self) -> None:
        if self._applied:
            self._model.restore_cells(self._applied, to_old=True)


def parse_clipboard_block(text: str) -> list[list[str]]:
    """Rows of cells from text copied out of Excel (or any spreadsheet).

    Tab-separated, one line per row; cells holding tabs or line breaks are quoted with
    doubled quotes inside, as Excel writes them. The trailing line break Excel adds is
    not a row.
    """
    if not text:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if "\t" not in text and "\n" not in text:
        return [[text]]
    if '"' in text:
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter="\t")]
    else:
        rows = [line.split("\t") for line in text.split("\n")]
    return rows or [[""]]


def paste_changes(
    block: Sequence[Sequence[str]],
    target_rows: Sequence[int],
    start_column: int,
    column_count: int,
) -> list[tuple[int, int, str]]:
    """Cells a pasted block sets.

    ``target_rows`` are the table rows from the paste point down, in the order the grid
    shows them (so a filtered grid pastes into the visible rows). Columns are positions
    as shown (``start_column`` of ``column_count``); the caller maps them to the model's.
    The block is clipped at the grid's edges.
    """
    changes: list[tuple[int, int, str]] = []
    for offset, values in enumerate(block):
        if offset >= len(target_rows):
            break
        row = target_rows[offset]
        for j, value in enumerate(values):
            col = start_column + j
            if col >= column_count:
                break
            changes.append((row, col, value))
    if len(changes) > MAX_PASTE_CELLS:
        raise ValueError("too many cells")
    return changes


def fill_selection_changes(
    value: str, rows: Sequence[int], columns: Sequence[int]
) -> list[tuple[int, int, str]]:
    """One value pasted over a selection fills every selected cell (as in Excel)."""
    return [(row, col, value) for row in rows for col in columns]


def fill_down_changes(
    cells: Sequence[Sequence[str]], rows: Sequence[int], columns: Sequence[int]
) -> list[tuple[int, int, str]]:
    """Copy each column's first selected value down the other selected rows.

    ``cells`` is the table's cell lists; ``rows`` the selected table rows in the
    order shown; ``columns`` the selected columns.
    """
    if len(rows) < 2:
        return []
    top = rows[0]
    return [(row, col, cells[top][col]) for col in columns for row in rows[1:]]

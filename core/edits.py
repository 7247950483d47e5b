"""Edits staff make to the table's cells, and the rule that comes with them.

A row that is done (Created, Updated, ...) and then edited must be sent again, so an
edit to any of its other cells clears its Status and Message. So does an edit of a row
that shows what Check with Canvas found (``Table.checked_rows``): the check's words no
longer hold, and the row stops counting as checked. :func:`apply_edits` applies the
edits with that rule and returns every cell it changed, the cleared ones included, so an
undo (:func:`replay` backwards) puts back exactly what was there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.model import Role, Table, is_done_status

__all__ = ["STATUS_RESET_ROLES", "CellChange", "apply_edits", "replay"]

#: Cleared when a done row is edited, so the next run processes it again.
STATUS_RESET_ROLES: tuple[Role, ...] = (Role.STATUS, Role.MESSAGE)


@dataclass(frozen=True)
class CellChange:
    """One cell's value before and after an edit (the unit of undo)."""

    row: int
    column: int
    old: str
    new: str
    #: This change cleared the words of a checked row (``Table.checked_rows``): undoing
    #: it makes the row checked again.
    unchecked: bool = False


def apply_edits(table: Table, edits: Iterable[tuple[int, int, str]]) -> list[CellChange]:
    """Set ``(row, column, value)`` cells; an edited done or checked row loses its Status
    and Message.

    Cells outside the table and values that change nothing are skipped. Editing the
    Status or Message itself never clears the row (a checked row stops being checked).
    """
    reset_cols = {table.columns[r] for r in STATUS_RESET_ROLES if r in table.columns}
    status_col = table.columns.get(Role.STATUS)
    applied: list[CellChange] = []
    cleared_rows: set[int] = set()
    for row, col, value in edits:
        if not (0 <= row < len(table.rows) and 0 <= col < len(table.headers)):
            continue
        old = table.rows[row].cells[col]
        if old == value:
            continue
        checked = row in table.checked_rows
        table.set_cell(row, col, value)
        table.checked_rows.discard(row)
        applied.append(CellChange(row, col, old, value, unchecked=checked))
        if col in reset_cols or status_col is None or row in cleared_rows:
            continue
        if checked or is_done_status(table.rows[row].cells[status_col]):
            cleared_rows.add(row)
            for reset_col in sorted(reset_cols):
                previous = table.rows[row].cells[reset_col]
                if previous:
                    table.set_cell(row, reset_col, "")
                    applied.append(CellChange(row, reset_col, previous, "", unchecked=checked))
    return applied


def replay(table: Table, changes: Sequence[CellChange], *, to_old: bool) -> list[CellChange]:
    """Put recorded cells back (undo: ``to_old``) or forward (redo); the order applied."""
    ordered = list(reversed(changes)) if to_old else list(changes)
    for change in ordered:
        table.set_cell(change.row, change.column, change.old if to_old else change.new)
        if change.unchecked and to_old:
            table.checked_rows.add(change.row)
        elif change.unchecked:
            table.checked_rows.discard(change.row)
    return ordered

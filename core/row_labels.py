"""Rows described in words (:class:`~core.model.RowLabel`) for the history, the log and ``--json``.

The labels are made where the table is read (the workflow, on the table's thread), so a
run on a worker thread describes its rows without touching the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.kit.names import student_name
from core.model import Action, Role, RowLabel, Table

__all__ = ["row_label", "row_labels"]


def _login_words(table: Table, row: int, action: Action | None) -> str:
    new_login = table.value(row, Role.NEW_LOGIN).strip()
    current = table.value(row, Role.CURRENT_LOGIN).strip()
    if action is Action.UPDATE and new_login and current and new_login != current:
        return f"{current} -> {new_login}"
    return new_login or current or table.value(row, Role.CANVAS_LOGIN_ID).strip()


def row_label(table: Table, row: int) -> RowLabel:
    """The row's sheet row, student, name, login and action, as staff would read them."""
    found = table.student(row)
    student = f"{found[0].value} {found[1]}" if found else ""
    name = student_name(table, row)
    action = table.action(row)
    return RowLabel(
        sheet_row=table.rows[row].sheet_row,
        student=student,
        name=name.display if name is not None else "",
        login=_login_words(table, row, action),
        action=action.value if action is not None else table.value(row, Role.ACTION).strip(),
    )


def row_labels(table: Table, rows: Iterable[int]) -> dict[int, RowLabel]:
    """:func:`row_label` for each of ``rows`` (row indexes into ``table.rows``)."""
    return {row: row_label(table, row) for row in rows}

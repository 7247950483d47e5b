"""Who a row's student is, from the name columns: ``First Name``/``Last Name`` or one ``Name``.

A ``Name`` column holds "First Last" or "Last, First". Without a comma, the first word is
taken as the first name and the rest as the last name ("José Álvarez García" is José,
Álvarez García); a school whose names do not fit that guess uses "Last, First" or two
columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.model import Role, Table
from core.rules import names_student

__all__ = ["StudentName", "split_full_name", "student_name"]


@dataclass(frozen=True)
class StudentName:
    first: str
    last: str

    @property
    def display(self) -> str:
        """ "First Last", either part may be empty."""
        return " ".join(part for part in (self.first, self.last) if part)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def split_full_name(text: str) -> StudentName | None:
    """ "Last, First" or "First Last" as a name; None when there is no name at all."""
    text = _tidy(text)
    if not text:
        return None
    if "," in text:
        last, _, first = text.partition(",")
        return StudentName(_tidy(first), _tidy(last))
    first, _, last = text.partition(" ")
    return StudentName(first, last)


def student_name(table: Table, row: int) -> StudentName | None:
    """The row's student name; None when the row has none.

    The ``First Name``/``Last Name`` columns win when either holds text; otherwise the
    ``Name`` column is read. A note in a name column ("Total students: 23") is no name.
    """
    if not names_student(table, row):
        return None
    first = _tidy(table.value(row, Role.FIRST_NAME))
    last = _tidy(table.value(row, Role.LAST_NAME))
    if first or last:
        return StudentName(first, last)
    return split_full_name(table.value(row, Role.FULL_NAME))

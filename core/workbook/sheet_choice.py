"""Which sheet of a workbook holds the students, so staff are asked only when it is unclear.

A sheet looks like a list of students when one of its top rows has a student column
and a login column (the same test the header search uses). When exactly one sheet
does, it is opened without asking; otherwise the sheets are offered with the likely
ones first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.model import STUDENT_ROLES, Role
from core.workbook.doc import WorkbookError
from core.workbook.read import detect_columns, preview_rows, sheet_names

__all__ = ["SheetChoice", "choose_student_sheet", "looks_like_students"]


@dataclass(frozen=True)
class SheetChoice:
    """The sheet to open, or the sheets to offer staff when it is unclear."""

    #: The sheet to open; None for the workbook's first sheet (or until staff pick one).
    sheet: str | None = None
    #: The sheets to offer, likely ones first; empty when there is nothing to ask.
    offer: list[str] = field(default_factory=list)


def looks_like_students(path: str | Path, sheet: str) -> bool:
    """True when one of the sheet's top rows has a student column and a login column."""
    try:
        top = preview_rows(path, sheet)
    except WorkbookError:
        return False
    for cells in top:
        found = detect_columns([cell.strip() for cell in cells])
        if Role.NEW_LOGIN in found and any(role in found for role in STUDENT_ROLES):
            return True
    return False


def choose_student_sheet(path: str | Path) -> SheetChoice:
    """The sheet that holds the students, or the sheets to put to staff.

    Raises :class:`~core.workbook.WorkbookError` or OSError when the file cannot be read.
    """
    sheets = sheet_names(path)
    if len(sheets) <= 1:
        return SheetChoice()
    likely = [name for name in sheets if looks_like_students(path, name)]
    if len(likely) == 1:
        return SheetChoice(likely[0])
    return SheetChoice(offer=likely + [name for name in sheets if name not in likely])

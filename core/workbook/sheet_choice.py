"""Which sheet of a workbook holds the students, so staff are asked only when it is unclear.

Each visible sheet is scored on its top rows and its size: a header row with a student
column and a login column scores highest, then one with the students' names, then the
sheet with the most filled rows. A sheet named like a sheet of help for people ("Read
me", "Instructions", "How to fill this in", "Notes", "Lists") is never the default
while another sheet is there. When exactly one sheet looks like a list of students it
is opened without asking; otherwise the sheets are offered best first, with the best
one proposed. The command line takes the proposal and says which sheet it used.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.model import NAME_ROLES, STUDENT_ROLES, Role
from core.workbook.doc import WorkbookError
from core.workbook.headers import HEADER_SCAN_ROWS, detect_columns
from core.workbook.opening import check_path, load_book
from core.workbook.read import preview_rows, visible_sheets
from core.workbook.text import cell_text

__all__ = ["SheetChoice", "choose_student_sheet", "is_help_sheet", "looks_like_students"]

#: Rows counted to compare the sizes of sheets (enough to tell a list from a note).
ROWS_COUNTED = 5000
#: Sheet names (letters only, lower case) that are help for people, not a list of students.
_HELP_NAME = re.compile(
    r"(readme|read|instructions?|howto|help|notes?|guide|about|info|information|"
    r"lists|lookups?|dropdowns?|options|settings|validation|key|legend)"
)
_HELP_NAME_START = re.compile(r"(readme|instruction|howto|notes|help|guide)")


@dataclass(frozen=True)
class SheetChoice:
    """The sheet to open, and the sheets to offer staff when it is unclear."""

    #: The sheet proposed: the one that looks most like a list of students. None only
    #: when the file has no visible sheet.
    sheet: str | None = None
    #: The sheets to offer, best first; empty when there is nothing to ask.
    offer: list[str] = field(default_factory=list)
    #: Every visible sheet, in the workbook's order.
    sheets: list[str] = field(default_factory=list)

    @property
    def others(self) -> list[str]:
        """The workbook's other sheets, in order (for "the workbook also has: ...")."""
        return [name for name in self.sheets if name != self.sheet]


def is_help_sheet(name: str) -> bool:
    """True for a sheet named like help for people: "Read me", "How to fill this in"."""
    letters = "".join(ch for ch in name.casefold() if ch.isalpha())
    return bool(_HELP_NAME.fullmatch(letters) or _HELP_NAME_START.match(letters))


def looks_like_students(path: str | Path, sheet: str) -> bool:
    """True when one of the sheet's top rows has a student column and a login column."""
    try:
        top = preview_rows(path, sheet)
    except WorkbookError:
        return False
    return any(_has_student_and_login(detect_columns(cells)) for cells in top)


def _has_student_and_login(columns: dict[Role, int]) -> bool:
    return Role.NEW_LOGIN in columns and any(role in columns for role in STUDENT_ROLES)


def _score(name: str, rows: Iterable[tuple[Any, ...]]) -> tuple[bool, bool, bool, int, int]:
    """(not a help sheet, student and login columns, name columns, roles, filled rows)."""
    best: tuple[bool, bool, int] = (False, False, 0)
    header_at = 0
    filled = 0
    for number, values in enumerate(rows, start=1):
        cells = [cell_text(value).strip() for value in values]
        if not any(cells):
            continue
        if number <= HEADER_SCAN_ROWS:
            columns = detect_columns(cells)
            names = any(role in columns for role in NAME_ROLES)
            here = (_has_student_and_login(columns), names, len(columns))
            if here > best:
                best, header_at, filled = here, number, 0
                continue
        if number > header_at:
            filled += 1
    return (not is_help_sheet(name), *best, filled)


def choose_student_sheet(path: str | Path) -> SheetChoice:
    """The sheet that most looks like a list of students, and the sheets to offer.

    Raises :class:`~core.workbook.WorkbookError` or OSError when the file cannot be read.
    """
    path, kind = check_path(path)
    if kind == "csv":
        return SheetChoice(path.stem, sheets=[path.stem])
    book = load_book(path, kind, read_only=True, data_only=True)
    try:
        with warnings.catch_warnings():
            # openpyxl warns while reading about extensions it would drop (sparklines,
            # data bars): nothing is saved from here, so nothing is dropped.
            warnings.simplefilter("ignore")
            sheets = visible_sheets(book)
            if len(sheets) <= 1:
                return SheetChoice(sheets[0] if sheets else None, sheets=sheets)
            scores = {
                name: _score(name, book[name].iter_rows(max_row=ROWS_COUNTED, values_only=True))
                for name in sheets
            }
    finally:
        book.close()
    ranked = sorted(sheets, key=lambda name: scores[name], reverse=True)
    likely = [name for name in ranked if scores[name][0] and (scores[name][1] or scores[name][2])]
    offer = [] if len(likely) == 1 else ranked
    return SheetChoice(ranked[0], offer=offer, sheets=sheets)

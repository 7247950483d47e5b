"""What a save writes: which cells, with what text, and what an Excel cell holds for it.

Only the output columns and edited cells whose text differs from the file are written,
plus the headers of output columns the app appended. In .xlsx/.xlsm files ``Processed
At`` is an Excel date-time (local time) and ``Canvas Login ID`` a whole number; any
other text is stored as text, never as a formula. Both the in-package writer
(:mod:`core.workbook.package`) and the openpyxl one (:mod:`core.workbook.resave`) work
from :func:`save_changes`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.model import DONE_STATUSES, OUTPUT_ROLES, Role, Status, Table
from core.workbook.doc import WorkbookDoc

#: Excel's number format for a Processed At cell (reads back as the text the app shows).
PROCESSED_AT_NUMBER_FORMAT = "yyyy-mm-dd hh:mm:ss"
#: A whole number Excel shows in full (General shows 1.23457E+13 for long ids).
LOGIN_ID_NUMBER_FORMAT = "0"
#: Excel's Text format: what a person types into the cell later stays text too.
TEXT_NUMBER_FORMAT = "@"
#: Widths (in Excel's character units) for output columns the app appends.
OUTPUT_WIDTHS: dict[str, float] = {
    Role.STATUS.value: 16,
    Role.MESSAGE.value: 60,
    Role.CANVAS_LOGIN_ID.value: 16,
    Role.PROCESSED_AT.value: 22,
}
#: Digits Excel keeps exactly in a number.
_EXCEL_DIGITS = 15
_DONE_WORDS = frozenset(status.value for status in DONE_STATUSES)
_TYPED_ROLES = (Role.PROCESSED_AT, Role.CANVAS_LOGIN_ID)
#: Text Excel would turn into a number, a date or a formula if someone typed it.
_EXCEL_WOULD_CONVERT = re.compile(
    r"[=+\-@]|\s*[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?\s*$|\s*\d+[/-]\d+"
)


class CellWrite(NamedTuple):
    """One cell a save writes (1-based sheet row and column); a tuple because a save
    of a district's workbook writes 150,000 of them."""

    row: int
    column: int
    text: str
    #: Processed At or Canvas Login ID when the cell is one of theirs, else None.
    typed_as: Role | None = None


@dataclass(frozen=True)
class SaveChanges:
    """Everything a save of an .xlsx/.xlsm sheet writes."""

    header_row: int
    #: Headers of the columns appended after the file's last one, from this column
    #: (0-based: the file's old width) on; empty when none are appended.
    appended_from: int
    appended_headers: list[str]
    cells: list[CellWrite]

    @property
    def new_width(self) -> int:
        return self.appended_from + len(self.appended_headers)


def file_text(table: Table, row: int, column: int) -> str:
    """The text a cell is saved with: the table's, but a checked row (``checked_rows``)
    whose Status is an outcome word (a check's "Already exists") is saved as Ready."""
    text = table.rows[row].cells[column]
    if (
        row in table.checked_rows
        and column == table.column(Role.STATUS)
        and text.strip() in _DONE_WORDS
    ):
        return Status.READY.value
    return text


def appended_width(table: Table) -> int:
    """How far the file's header row reaches after this save: appended columns up to the
    last one holding a value, so a workbook saved before any run (after generating
    logins, say) gets no empty Status, Message... columns."""
    if table.appended_from is None:
        return len(table.headers)
    used = [
        column
        for column in range(table.appended_from, len(table.headers))
        if any(row.cells[column].strip() for row in table.rows)
    ]
    return max(used) + 1 if used else table.appended_from


def cells_to_write(doc: WorkbookDoc) -> dict[int, list[int]]:
    """Row index -> column indexes whose text differs from what the file holds."""
    table = doc.table
    output_columns = sorted({table.columns[role] for role in OUTPUT_ROLES if role in table.columns})
    edited: dict[int, set[int]] = {}
    for row_index, column in table.edited:
        edited.setdefault(row_index, set()).add(column)
    status = table.columns.get(Role.STATUS)
    checked = table.checked_rows
    originals = doc.original_cells
    changes: dict[int, list[int]] = {}
    for row_index, row in enumerate(table.rows):
        original = originals[row_index] if row_index < len(originals) else []
        extra = edited.get(row_index)
        columns = output_columns if extra is None else sorted(extra.union(output_columns))
        cells = row.cells
        changed = []
        for column in columns:
            if column >= len(cells):
                continue
            text = cells[column]
            if column == status and row_index in checked:
                text = file_text(table, row_index, column)
            if text != (original[column] if column < len(original) else ""):
                changed.append(column)
        if changed:
            changes[row_index] = changed
    return changes


def saved_cells(table: Table) -> list[list[str]]:
    """Each row's cell text as a save writes it (what the file holds after the save)."""
    saved = [list(row.cells) for row in table.rows]
    status = table.columns.get(Role.STATUS)
    if status is not None:
        for row_index in table.checked_rows:
            if row_index < len(saved) and status < len(saved[row_index]):
                saved[row_index][status] = file_text(table, row_index, status)
    return saved


def save_changes(doc: WorkbookDoc) -> SaveChanges:
    """The headers and cells a save of ``doc`` (an .xlsx/.xlsm sheet) writes."""
    table = doc.table
    written = appended_width(table)
    start = table.appended_from
    appended: list[str] = []
    if start is not None and table.header_row and written > start:
        appended = table.headers[start:written]
    typed = {table.columns[role]: role for role in _TYPED_ROLES if role in table.columns}
    rows = table.rows
    cells = [
        CellWrite(
            rows[row_index].sheet_row,
            column + 1,
            file_text(table, row_index, column),
            typed.get(column),
        )
        for row_index, columns in cells_to_write(doc).items()
        for column in columns
    ]
    return SaveChanges(
        header_row=table.header_row,
        appended_from=start if appended and start is not None else 0,
        appended_headers=appended,
        cells=cells,
    )


def excel_value(text: str, typed_as: Role | None) -> dt.datetime | int | str:
    """What the cell holds: a Processed At date-time (local, no time zone), a Canvas Login
    ID as a whole number, or else the text itself (also when it is no date or number)."""
    stripped = text.strip()
    if typed_as is Role.PROCESSED_AT:
        try:
            value = dt.datetime.fromisoformat(stripped)
        except ValueError:
            return text
        if value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)
        return value
    if typed_as is Role.CANVAS_LOGIN_ID and (
        stripped.isdigit()
        and stripped.isascii()
        and not stripped.startswith("0")
        and len(stripped) <= _EXCEL_DIGITS
    ):
        return int(stripped)
    return text


def clean_text(text: str) -> str:
    """``text`` without the control characters an Excel file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def excel_would_convert(text: str) -> bool:
    """True for text Excel would make a number, date or formula if it were typed in."""
    return bool(text) and _EXCEL_WOULD_CONVERT.match(text) is not None


def column_width(header: str) -> float:
    """The width given to an appended column."""
    return OUTPUT_WIDTHS.get(header, max(12, len(header) + 4))

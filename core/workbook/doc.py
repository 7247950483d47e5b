"""The opened workbook, the errors the workbook code raises, and the lock check.

Shared by :mod:`core.workbook.read` and :mod:`core.workbook.write`; everyone else
imports these names from :mod:`core.workbook`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.model import Role, Table

#: File kinds by extension (lower case, with the dot).
KINDS: dict[str, str] = {".xlsx": "xlsx", ".xlsm": "xlsm", ".csv": "csv"}


class WorkbookError(Exception):
    """A workbook could not be read or saved. ``message`` is plain words for office staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HeaderNotFoundError(WorkbookError):
    """No row in the top 10 holds a student and a login column (or the students' names)."""

    def __init__(self, message: str, seen: list[str], missing: list[str], row: int = 0) -> None:
        super().__init__(message)
        #: The headers of the most promising row (what the person probably meant as headers).
        self.seen = seen
        #: What that row lacks, in words, e.g. "a login column (New Login, ...)".
        self.missing = missing
        #: The sheet row ``seen`` came from (1-based; 0 when the sheet is empty).
        self.row = row


class WorkbookLockedError(WorkbookError):
    """The save failed because the file is open elsewhere or cannot be written.

    The original file is left exactly as it was.
    """

    def __init__(self, message: str, lock_file: Path | None = None) -> None:
        super().__init__(message)
        #: The owner/lock file that marks the workbook as open, when one was found.
        self.lock_file = lock_file


@dataclass
class CsvSource:
    """How a CSV file was written, so a save can write it back the same way."""

    encoding: str  # a Python codec name; "utf-8-sig" when the file had a BOM
    delimiter: str
    line_ending: str  # of the first line; used for records that had none
    records: list[list[str]]  # every record of the file, blank ones included
    raw: list[str]  # each record's original text, line ending included
    ends_with_newline: bool


@dataclass
class WorkbookDoc:
    """An opened workbook: the table of rows plus what is needed to write it back."""

    path: Path
    kind: str  # "xlsx" | "xlsm" | "csv"
    sheet: str
    sheets: list[str]  # the visible sheets, in order
    table: Table
    #: Roles not certain from the headers: role -> every column index claiming it (the
    #: first is the one used), or the one column of a doubtful header ("Login": New Login
    #: or Current Login?) proposed for the role. The app asks; the command line wants
    #: ``--columns``.
    ambiguous: dict[Role, list[int]] = field(default_factory=dict)
    #: Column index -> why its header was not taken at its word, in plain words
    #: ("'Login' could be the login to create (New Login) or a login the student already
    #: has (Current Login)").
    header_doubts: dict[int, str] = field(default_factory=dict)
    #: The openpyxl workbook (xlsx / xlsm).
    book: Any = field(default=None, repr=False)
    #: The raw records and dialect (csv).
    csv_source: CsvSource | None = field(default=None, repr=False)
    #: Each row's cell text as read (or last saved); unchanged cells are not rewritten.
    original_cells: list[list[str]] = field(default_factory=list, repr=False)
    #: Cached formula results per sheet title: (row, column) -> (value, data type).
    #: openpyxl drops them on save; the writer puts them back.
    formula_cache: dict[str, dict[tuple[int, int], tuple[Any, str]]] = field(
        default_factory=dict, repr=False
    )
    #: The .xlsx/.xlsm file's bytes as read (then as last saved): a save edits the cells
    #: in these and keeps every other part (core.workbook.package).
    package: bytes | None = field(default=None, repr=False)


def kind_for(path: Path) -> str | None:
    return KINDS.get(path.suffix.lower())


def lock_files(path: str | Path) -> list[Path]:
    """Files whose presence means another program has ``path`` open.

    Excel writes an owner file ``~$<name>`` (Word-style naming drops the first two
    characters of long names, so both spellings are checked); LibreOffice writes
    ``.~lock.<name>#``.
    """
    target = Path(path)
    name = target.name
    candidates = [f"~${name}", f".~lock.{name}#"]
    if len(target.stem) > 7:
        candidates.append(f"~${name[2:]}")
    return [target.with_name(candidate) for candidate in candidates]


def is_locked(path: str | Path) -> bool:
    """True when Excel or LibreOffice has marked the workbook as open."""
    return any(candidate.exists() for candidate in lock_files(path))


def locked_message(path: Path, lock_file: Path | None = None) -> str:
    message = (
        f"The workbook '{path.name}' is open in another program (probably Excel). "
        "Close it there, then try again, or save to a new file."
    )
    if lock_file is not None:
        message += (
            f" If it is not open anywhere, a leftover lock file '{lock_file.name}' in the "
            "same folder may be the cause: delete that file and try again."
        )
    return message

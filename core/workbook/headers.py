"""Which column plays which role, read from the header cells teachers write.

A header cell is one of three kinds:

- a plain synonym (:data:`core.model.HEADER_SYNONYMS`): taken;
- a loose word (:data:`LOOSE_HEADERS`: "Room", "Pass", "Username"...) that gives way to a
  plainer header of the same role: "Room" is the class only when there is no "Class"
  column, "Pass" the password only when there is no "Password" column;
- a doubtful header (:data:`DOUBTFUL_HEADERS`) that is as likely one role as another:
  "Login" (the login to create, or one the student already has?), "ID" (the school's
  id, or Canvas's number?). It is never taken on its own word: it is proposed, so the
  app's column chooser can preset it, and reported in ``ambiguous`` with the words of the
  doubt; the app asks, and the command line wants ``--columns``.

A role claimed by two columns of the same kind is ambiguous too (the first one is used
until staff say otherwise). The header row is the first of the top rows whose columns
name a student and a login, or the students' names (:func:`find_header_row`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.model import NAME_ROLES, STUDENT_ROLES, Role, header_key, role_for_header
from core.workbook.doc import HeaderNotFoundError

__all__ = [
    "DOUBTFUL_HEADERS",
    "HEADER_SCAN_ROWS",
    "LOGIN_COLUMN_WORDS",
    "LOOSE_HEADERS",
    "STUDENT_COLUMN_WORDS",
    "HeaderReading",
    "detect_columns",
    "find_header_row",
    "header_error",
    "missing_columns",
    "read_headers",
]

HEADER_SCAN_ROWS = 10
STUDENT_COLUMN_WORDS = "a student column (Canvas User ID, SIS User ID or Current Login)"
LOGIN_COLUMN_WORDS = "a login column (New Login, Username, Second Login or login_id)"

#: Synonyms that give way to a plainer header of the same role.
LOOSE_HEADERS: frozenset[str] = frozenset(
    header_key(text)
    for text in ("Room", "Section", "Course", "Form", "Pass", "Student", "Child", "Username")
)
#: A loose header whose role a plainer column already holds may still mean this role:
#: "Username" next to a "New Login" column is probably the login the student has now.
_SECOND_GUESS: dict[str, Role] = {header_key("Username"): Role.CURRENT_LOGIN}

_LOGIN_DOUBT = (Role.NEW_LOGIN, Role.CURRENT_LOGIN)
_ID_DOUBT = (Role.SIS_USER_ID, Role.CANVAS_USER_ID)
#: Headers that could as well be one role as another: the roles, likeliest first.
DOUBTFUL_HEADERS: dict[str, tuple[Role, ...]] = {
    header_key(text): roles
    for texts, roles in (
        (("Login", "Login Name", "Logon", "Sign-in", "Sign-in Name"), _LOGIN_DOUBT),
        (("ID", "ID #", "User ID"), _ID_DOUBT),
    )
    for text in texts
}

#: What each role is, in the words of a doubt.
_ROLE_WORDS: dict[Role, str] = {
    Role.NEW_LOGIN: "the login to create (New Login)",
    Role.CURRENT_LOGIN: "a login the student already has (Current Login)",
    Role.SIS_USER_ID: "the school's student id (SIS User ID)",
    Role.CANVAS_USER_ID: "the student's Canvas number (Canvas User ID)",
}


@dataclass
class HeaderReading:
    """The roles of a header row's columns."""

    #: Role -> the column used for it (doubtful headers included, as a proposal).
    columns: dict[Role, int] = field(default_factory=dict)
    #: Roles that are not certain: claimed by two or more columns (every one listed, the
    #: first is used), or proposed from a doubtful header (its one column).
    ambiguous: dict[Role, list[int]] = field(default_factory=dict)
    #: Column -> why its header was not taken at its word, in plain words.
    doubts: dict[int, str] = field(default_factory=dict)


def read_headers(cells: Sequence[object]) -> HeaderReading:
    """The roles of the header cells ``cells`` (column index = position)."""
    plain: dict[Role, list[int]] = {}
    loose: dict[Role, list[int]] = {}
    doubtful: list[tuple[int, tuple[Role, ...], str]] = []
    for column, text in enumerate(cells):
        key = header_key(text)
        if not key:
            continue
        if key in DOUBTFUL_HEADERS:
            doubtful.append((column, DOUBTFUL_HEADERS[key], ""))
            continue
        role = role_for_header(text)
        if role is not None:
            (loose if key in LOOSE_HEADERS else plain).setdefault(role, []).append(column)

    reading = HeaderReading()
    for role, columns in plain.items():
        _claim(reading, role, columns)
    for role, columns in loose.items():
        if role not in reading.columns:
            _claim(reading, role, columns)
            continue
        for column in columns:
            other = _SECOND_GUESS.get(header_key(cells[column]))
            if other is not None:
                doubtful.append((column, (other,), f"there is a {role.value} column already"))
    for column, roles, reason in doubtful:
        free = [role for role in roles if role not in reading.columns]
        if not free:
            continue  # every role it could be has a plainer column: it is the teachers'
        reading.columns[free[0]] = column
        reading.ambiguous[free[0]] = [column]
        reading.doubts[column] = _doubt_words(str(cells[column]).strip(), roles, reason)
    return reading


def _claim(reading: HeaderReading, role: Role, columns: list[int]) -> None:
    reading.columns[role] = columns[0]
    if len(columns) > 1:
        reading.ambiguous[role] = list(columns)


def _doubt_words(text: str, roles: tuple[Role, ...], reason: str) -> str:
    if len(roles) == 1:
        return (
            f"'{text}' could be {_ROLE_WORDS[roles[0]]}, or a column of the teachers' own "
            f"({reason})"
        )
    return f"'{text}' could be " + " or ".join(_ROLE_WORDS[role] for role in roles)


def detect_columns(header_cells: Sequence[object]) -> dict[Role, int]:
    """The role of each header cell (first column per role; doubtful headers proposed)."""
    return read_headers(header_cells).columns


def missing_columns(columns: dict[Role, int]) -> list[str]:
    """What a header row with these roles lacks, in words (empty when it will do).

    Name columns stand in for both a student and a login column: a class list of names
    is a workbook the generator fills with logins and the matcher with student ids."""
    if any(role in columns for role in NAME_ROLES):
        return []
    missing = []
    if not any(role in columns for role in STUDENT_ROLES):
        missing.append(STUDENT_COLUMN_WORDS)
    if Role.NEW_LOGIN not in columns:
        missing.append(LOGIN_COLUMN_WORDS)
    return missing


def header_error(sheet: str, row: int, cells: list[str], missing: list[str]) -> HeaderNotFoundError:
    """Why ``row`` (the likeliest header row) will not do, in words staff can act on."""
    seen = [text.strip() for text in cells if text.strip()]
    if not seen and row:
        return HeaderNotFoundError(
            f"Row {row} of sheet '{sheet}' is empty, so it cannot be the header row. "
            "Choose the row that holds the column names.",
            seen=[],
            missing=missing,
            row=row,
        )
    if not seen:
        return HeaderNotFoundError(
            f"The sheet '{sheet}' has no headers in its top {HEADER_SCAN_ROWS} rows. "
            "Check that you chose the right sheet, or choose the columns yourself.",
            seen=[],
            missing=missing,
            row=0,
        )
    return HeaderNotFoundError(
        f"Could not find the header row in sheet '{sheet}'. The most likely header row is "
        f"row {row}, with: {', '.join(seen)}. It needs {' and '.join(missing)}. Rename those "
        "headers in the workbook, or choose the columns yourself.",
        seen=seen,
        missing=missing,
        row=row,
    )


def header_score(cells: Sequence[str]) -> tuple[int, int, int]:
    """How much a row looks like the header row: (needs met, roles, filled cells)."""
    columns = detect_columns(cells)
    return (
        2 - len(missing_columns(columns)),
        len(columns),
        sum(1 for text in cells if str(text).strip()),
    )


def find_header_row(top: list[list[str]], sheet: str) -> int:
    """The 1-based header row among ``top`` (the sheet's first rows, as text)."""
    best: tuple[tuple[int, int, int], int, list[str], list[str]] | None = None
    for row, cells in enumerate(top[:HEADER_SCAN_ROWS], start=1):
        missing = missing_columns(detect_columns(cells))
        if not missing:
            return row
        score = header_score(cells)
        if best is None or score > best[0]:
            best = (score, row, cells, missing)
    if best is None:
        raise header_error(sheet, 0, [], missing_columns({}))
    raise header_error(sheet, best[1], best[2], best[3])

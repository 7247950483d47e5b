"""The shared vocabulary: column roles, actions, statuses, and the table of rows.

Every other module speaks in these terms. The workbook reader fills a :class:`Table`,
the rules produce :class:`Finding` objects for its cells, the runner turns rows into
:class:`RowResult` objects, and the writer puts them back into the workbook.
"""

from __future__ import annotations

import enum
import threading
import time
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

#: Canvas's default password policy: at least this many characters (canvas-api.md).
MIN_PASSWORD_LENGTH = 8
#: Most Canvas calls in flight at once unless a profile or ``--concurrency`` says fewer.
#: Below it Canvas's bucket decides: 11 from an empty bucket at Canvas's defaults, fewer
#: when calls are expensive or another program uses the same token (core.run.bucket).
DEFAULT_CONCURRENCY = 16


class RunMethod(enum.StrEnum):
    """How a run reaches Canvas, as the journal records it. Staff choose API or SIS import."""

    #: One Canvas call per row.
    API = "api"
    #: The new logins as one logins.csv SIS import (other rows by the API).
    SIS_IMPORT = "sis-import"
    #: Taking back the logins the last run created.
    UNDO = "undo"


class Role(enum.StrEnum):
    """What a column means to Canvas Logins. The value is the canonical header."""

    CANVAS_USER_ID = "Canvas User ID"
    SIS_USER_ID = "SIS User ID"
    CURRENT_LOGIN = "Current Login"
    NEW_LOGIN = "New Login"
    PASSWORD = "Password"
    LOGIN_SIS_ID = "Login SIS ID"
    INTEGRATION_ID = "Integration ID"
    PROVIDER = "Authentication Provider"
    ACTION = "Action"
    STATUS = "Status"
    MESSAGE = "Message"
    CANVAS_LOGIN_ID = "Canvas Login ID"
    PROCESSED_AT = "Processed At"
    #: Who the student is, as people write it: read, never sent to Canvas. The login
    #: generator, the login cards and the name matching use them.
    FIRST_NAME = "First Name"
    LAST_NAME = "Last Name"
    #: One column holding "First Last" or "Last, First".
    FULL_NAME = "Name"
    CLASS = "Class"
    TEACHER = "Teacher"


#: The ways a row can name its student, in the order they are preferred.
STUDENT_ROLES: tuple[Role, ...] = (Role.CANVAS_USER_ID, Role.SIS_USER_ID, Role.CURRENT_LOGIN)
INPUT_ROLES: tuple[Role, ...] = (
    *STUDENT_ROLES,
    Role.NEW_LOGIN,
    Role.PASSWORD,
    Role.LOGIN_SIS_ID,
    Role.INTEGRATION_ID,
    Role.PROVIDER,
    Role.ACTION,
)
#: Describe the student for people (and the generator); never sent to Canvas.
NAME_ROLES: tuple[Role, ...] = (Role.FIRST_NAME, Role.LAST_NAME, Role.FULL_NAME)
DESCRIBING_ROLES: tuple[Role, ...] = (*NAME_ROLES, Role.CLASS, Role.TEACHER)
#: Written by the app, found by header or appended after the last used column.
OUTPUT_ROLES: tuple[Role, ...] = (
    Role.STATUS,
    Role.MESSAGE,
    Role.CANVAS_LOGIN_ID,
    Role.PROCESSED_AT,
)

#: Header synonyms (compared through :func:`header_key`): the workbook contract's, and
#: what teachers write in header cells. A header that could as well mean another role
#: ("Login", "ID") is not here: :mod:`core.workbook.headers` asks about those, and lets
#: a few loose words ("Room", "Pass", "Username") give way to a plainer header.
HEADER_SYNONYMS: dict[Role, tuple[str, ...]] = {
    Role.CANVAS_USER_ID: ("Canvas User ID", "canvas_user_id", "Canvas ID"),
    Role.SIS_USER_ID: (
        "SIS User ID",
        "sis_user_id",
        "SIS ID",
        "Student ID",
        "Student Number",
        "Student #",
        "Student No",
        "Student Num",
        "Student ID Number",
        "ID Number",
        "Pupil ID",
        "Pupil Number",
        "Pupil No",
        "Pupil #",
    ),
    Role.CURRENT_LOGIN: (
        "Current Login",
        "existing login",
        "existing_login_id",
        "Current Login ID",
        "Current Login Name",
        "Current Username",
        "Existing Username",
        "Old Login",
    ),
    Role.NEW_LOGIN: (
        "New Login",
        "new_login",
        "New Username",
        "New Login ID",
        "New Login Name",
        "Second Login",
        "Second Username",
        "login_id",
        "unique_id",
        "Username",
    ),
    Role.PASSWORD: (
        "Password",
        "New Password",
        "Pwd",
        "New Pwd",
        "Passwd",
        "Temporary Password",
        "Pass",
    ),
    Role.LOGIN_SIS_ID: ("Login SIS ID",),
    Role.INTEGRATION_ID: ("Integration ID",),
    Role.PROVIDER: ("Authentication Provider", "auth provider", "authentication_provider_id"),
    Role.ACTION: ("Action",),
    Role.STATUS: ("Status",),
    Role.MESSAGE: ("Message",),
    Role.CANVAS_LOGIN_ID: ("Canvas Login ID",),
    Role.PROCESSED_AT: ("Processed At",),
    Role.FIRST_NAME: ("First Name", "First", "Given Name", "Forename", "Forenames"),
    Role.LAST_NAME: ("Last Name", "Last", "Surname", "Family Name"),
    Role.FULL_NAME: (
        "Name",
        "Student Name",
        "Student",
        "Full Name",
        "Pupil",
        "Pupil Name",
        "Child",
        "Child Name",
    ),
    Role.CLASS: (
        "Class",
        "Homeroom",
        "Class Name",
        "Form Group",
        "Tutor Group",
        "Room",
        "Section",
        "Course",
        "Form",
    ),
    Role.TEACHER: ("Teacher", "Class Teacher", "Homeroom Teacher", "Form Teacher", "Teacher Name"),
}


def header_key(text: object) -> str:
    """Header text as the contract compares it: case-insensitive, ignoring ` _-.`."""
    raw = "" if text is None else str(text)
    return "".join(ch for ch in raw.casefold() if ch not in " _-.\t\n\r")


_ROLE_BY_HEADER_KEY: dict[str, Role] = {
    header_key(name): role for role, names in HEADER_SYNONYMS.items() for name in names
}


def role_for_header(text: object) -> Role | None:
    return _ROLE_BY_HEADER_KEY.get(header_key(text))


class Action(enum.StrEnum):
    CREATE = "Create"
    UPDATE = "Update"
    DELETE = "Delete"
    #: Switch the login off without removing it (``login[workflow_state]=suspended``):
    #: the student cannot sign in with it until it is reactivated.
    SUSPEND = "Suspend"
    #: Switch a suspended login on again (``login[workflow_state]=active``).
    REACTIVATE = "Reactivate"


_ACTION_WORDS: dict[str, Action] = {
    "": Action.CREATE,
    "create": Action.CREATE,
    "add": Action.CREATE,
    "update": Action.UPDATE,
    "reset": Action.UPDATE,
    "change": Action.UPDATE,
    "delete": Action.DELETE,
    "remove": Action.DELETE,
    "suspend": Action.SUSPEND,
    "disable": Action.SUSPEND,
    "reactivate": Action.REACTIVATE,
    "re-activate": Action.REACTIVATE,
    "enable": Action.REACTIVATE,
    "re-enable": Action.REACTIVATE,
    "unsuspend": Action.REACTIVATE,
}


#: Actions whose row only names a login the student already has (by New Login, Current
#: Login or Canvas Login ID): they make no login, set no password, get no login card.
LOGIN_NAMING_ACTIONS: frozenset[Action] = frozenset(
    {Action.DELETE, Action.SUSPEND, Action.REACTIVATE}
)


def parse_action(text: str | None) -> Action | None:
    """The action a cell asks for; blank means Create; ``None`` for an unknown word."""
    return _ACTION_WORDS.get((text or "").strip().casefold())


class Status(enum.StrEnum):
    """Status words exactly as the workbook contract spells them."""

    CREATED = "Created"
    ALREADY_EXISTS = "Already exists"
    UPDATED = "Updated"
    DELETED = "Deleted"
    ALREADY_DELETED = "Already deleted"
    SUSPENDED = "Suspended"
    ALREADY_SUSPENDED = "Already suspended"
    REACTIVATED = "Reactivated"
    ALREADY_ACTIVE = "Already active"
    FAILED = "Failed"
    INVALID = "Invalid"
    #: Only a check (Check with Canvas, a dry run) writes these two; neither is done.
    READY = "Ready"
    WOULD_FAIL = "Would fail"


DONE_STATUSES: frozenset[Status] = frozenset(
    {
        Status.CREATED,
        Status.ALREADY_EXISTS,
        Status.UPDATED,
        Status.DELETED,
        Status.ALREADY_DELETED,
        Status.SUSPENDED,
        Status.ALREADY_SUSPENDED,
        Status.REACTIVATED,
        Status.ALREADY_ACTIVE,
    }
)


#: The outcomes that finish a row of each action. A Create row that says Deleted had its
#: login taken back by an undo: it is not done, so running again creates it again (and a
#: Suspend row that says Reactivated is suspended again).
_DONE_FOR_ACTION: dict[Action, frozenset[str]] = {
    Action.CREATE: frozenset({Status.CREATED.value, Status.ALREADY_EXISTS.value}),
    Action.UPDATE: frozenset({Status.UPDATED.value}),
    Action.DELETE: frozenset({Status.DELETED.value, Status.ALREADY_DELETED.value}),
    Action.SUSPEND: frozenset({Status.SUSPENDED.value, Status.ALREADY_SUSPENDED.value}),
    Action.REACTIVATE: frozenset({Status.REACTIVATED.value, Status.ALREADY_ACTIVE.value}),
}


def is_done_status(text: str | None, action: Action | None = None) -> bool:
    """Whether a Status word finishes a row (of ``action``, when known)."""
    word = (text or "").strip()
    if action is not None:
        return word in _DONE_FOR_ACTION[action]
    return word in {s.value for s in DONE_STATUSES}


def login_key(login: str | None) -> str:
    """A login name as Canvas compares it for uniqueness.

    Unicode NFKC, case folded, runs of white space collapsed, trimmed: so ``Ava.K``,
    ``ava.k`` and `` ava.k `` are the same login to Canvas.
    """
    text = unicodedata.normalize("NFKC", login or "").casefold()
    return " ".join(text.split())


class Severity(enum.StrEnum):
    ERROR = "error"  # the row cannot be sent
    WARNING = "warning"  # worth a look, the row can still be sent


@dataclass(frozen=True)
class Finding:
    """A problem with one cell (or a whole row when ``column`` is None)."""

    row: int  # index into Table.rows
    column: int | None  # index into Table.headers
    message: str
    severity: Severity = Severity.ERROR
    role: Role | None = None


@dataclass(frozen=True)
class GeneratedLogin:
    """A login name the generator made: ``head`` + a number (none for the first) + ``tail``.

    Kept so Check with Canvas can give a generated name that turns out to be taken in
    Canvas the next free number (``ava.k`` -> ``ava.k2``); a name a teacher typed is
    never changed.
    """

    login: str
    head: str
    tail: str = ""


@dataclass
class Row:
    """One student row. ``cells`` holds text for every column in ``Table.headers``."""

    sheet_row: int  # 1-based row number in the sheet (line number for CSV)
    cells: list[str]
    #: Reader problems with single cells, e.g. a formula with no cached value:
    #: column index -> plain-language message. The rules turn these into findings.
    cell_problems: dict[int, str] = field(default_factory=dict)
    #: Columns whose cell the file stored as a number showing no leading zeros (an id
    #: may have lost them); an edit makes the cell text.
    number_cells: set[int] = field(default_factory=set)


@dataclass
class Table:
    """The rows of one sheet, as text, with the columns Canvas Logins understands."""

    sheet: str
    headers: list[str]
    header_row: int  # 1-based sheet row of the header (0 when the file had none)
    columns: dict[Role, int]
    rows: list[Row]
    #: Column indexes >= this were appended for output and do not exist in the file yet.
    appended_from: int | None = None
    #: (row index, column index) pairs edited since the file was read.
    edited: set[tuple[int, int]] = field(default_factory=set)
    #: Row index -> the login name the generator wrote into New Login in this session.
    #: It counts only while the cell still holds that name (see :meth:`generated_login`).
    generated_logins: dict[int, GeneratedLogin] = field(default_factory=dict)
    #: Column indexes where the file stored an id as a number (not text) without a
    #: number format that shows leading zeros: Excel may have dropped them.
    number_typed_columns: set[int] = field(default_factory=set)
    #: Rows whose Status and Message show what Check with Canvas found in this session
    #: (Ready, Already exists, Would fail...), not what a run did: none of them is done,
    #: and a save writes no outcome word for them. A run's result or an edit of the row
    #: takes it out.
    checked_rows: set[int] = field(default_factory=set)

    def column(self, role: Role) -> int | None:
        return self.columns.get(role)

    def value(self, row: int, role: Role) -> str:
        col = self.columns.get(role)
        if col is None:
            return ""
        return self.rows[row].cells[col]

    def set_value(self, row: int, role: Role, value: str) -> None:
        col = self.ensure_column(role)
        self.rows[row].cells[col] = value

    def set_cell(self, row: int, column: int, value: str) -> None:
        """A user edit: remembered so the writer puts it back into the file."""
        self.rows[row].cells[column] = value
        self.rows[row].cell_problems.pop(column, None)
        self.rows[row].number_cells.discard(column)
        self.edited.add((row, column))

    def ensure_column(self, role: Role) -> int:
        """The column for ``role``, appending it when missing.

        A missing input column (New Login, Password...) goes before the output columns
        that are not in the file yet, so it lands next to the teachers' columns."""
        col = self.columns.get(role)
        if col is not None:
            return col
        if role not in OUTPUT_ROLES and self.appended_from is not None:
            appended_outputs = [
                self.columns[r]
                for r in OUTPUT_ROLES
                if self.columns.get(r, -1) >= self.appended_from
            ]
            return self._insert_column(min(appended_outputs, default=len(self.headers)), role)
        col = len(self.headers)
        self.headers.append(role.value)
        for row in self.rows:
            row.cells.append("")
        self.columns[role] = col
        if self.appended_from is None:
            self.appended_from = col
        return col

    def _insert_column(self, col: int, role: Role) -> int:
        def moved(column: int) -> int:
            return column + 1 if column >= col else column

        self.headers.insert(col, role.value)
        for row in self.rows:
            row.cells.insert(col, "")
            row.cell_problems = {moved(c): text for c, text in row.cell_problems.items()}
            row.number_cells = {moved(c) for c in row.number_cells}
        for known, column in self.columns.items():
            self.columns[known] = moved(column)
        self.columns[role] = col
        shifted = {(row, moved(column)) for row, column in self.edited}
        self.edited.clear()
        self.edited.update(shifted)
        return col

    def logins_in_use(self, except_new_login_of: Collection[int] = ()) -> dict[str, int]:
        """Every New Login and Current Login of the sheet, as Canvas compares names
        (:func:`login_key`), with the first row that holds it (leaving out the New Login
        of rows about to get another)."""
        found: dict[str, int] = {}
        for row in range(len(self.rows)):
            for role in (Role.NEW_LOGIN, Role.CURRENT_LOGIN):
                if role is Role.NEW_LOGIN and row in except_new_login_of:
                    continue
                key = login_key(self.value(row, role))
                if key:
                    found.setdefault(key, row)
        return found

    def generated_login(self, row: int) -> GeneratedLogin | None:
        """The generator's login of the row, while New Login still holds it unchanged."""
        made = self.generated_logins.get(row)
        if made is None or self.value(row, Role.NEW_LOGIN) != made.login:
            return None
        return made

    def action(self, row: int) -> Action | None:
        return parse_action(self.value(row, Role.ACTION))

    def status(self, row: int) -> str:
        return self.value(row, Role.STATUS).strip()

    def is_done(self, row: int) -> bool:
        """The row's Status is an outcome of its own action that a run wrote (not a check's)."""
        if row in self.checked_rows:
            return False
        return is_done_status(self.status(row), self.action(row))

    def student(self, row: int) -> tuple[Role, str] | None:
        """The first filled student column of the row, in contract order."""
        for role in STUDENT_ROLES:
            text = self.value(row, role).strip()
            if text:
                return role, text
        return None

    def user_ref(self, row: int) -> str | None:
        """The student as Canvas's ``user[id]`` takes it (see canvas-api.md)."""
        student = self.student(row)
        if student is None:
            return None
        return user_ref_for(*student)

    def row_identity(self, row: int) -> tuple[str, str, str, str]:
        """Who and what a row means, independent of its position in the sheet.

        Used by the journal, so sorting or inserting rows does not confuse a resume.
        """
        student = self.student(row)
        student_text = f"{student[0].name}:{student[1]}" if student else ""
        action = self.action(row)
        return (
            self.sheet,
            student_text,
            login_key(self.value(row, Role.NEW_LOGIN)),
            action.value if action else self.value(row, Role.ACTION),
        )


def user_ref_for(role: Role, value: str) -> str:
    value = value.strip()
    if role is Role.CANVAS_USER_ID:
        return value
    if role is Role.SIS_USER_ID:
        return f"sis_user_id:{value}"
    if role is Role.CURRENT_LOGIN:
        return f"sis_login_id:{value}"
    raise ValueError(f"{role} does not name a student")


@dataclass(frozen=True)
class RowResult:
    """The outcome of one row, as it goes into the four output columns."""

    row: int  # index into Table.rows
    status: Status
    message: str = ""
    login_id: str = ""
    processed_at: str = ""  # local time, ISO 8601
    #: A generated login that Check with Canvas found taken and numbered again: it
    #: replaces the row's New Login (see :class:`GeneratedLogin`).
    new_login: str = ""
    #: A result of Check with Canvas (a dry run): what a run would do, not what happened.
    #: It has no ``processed_at``, and the row stays not done.
    from_check: bool = False
    #: The row's SIS User ID was not found, but padded with leading zeros to the width
    #: of the column's other ids (this text) it is a student in Canvas.
    padded_id: str = ""


@dataclass(frozen=True)
class RowLabel:
    """Who and what a row is about, in words, for the run history, the log and ``--json``.

    Never holds a password. Built on the table's thread (:func:`core.row_labels.row_labels`)
    so a run on a worker thread can describe its rows without reading the table.
    """

    sheet_row: int
    #: How the row names its student: ``SIS User ID 0045512`` (empty when it names none).
    student: str = ""
    #: The student's name from the name columns (``Ava Kim``), empty when there is none.
    name: str = ""
    #: The login the row is about, as typed (the new name of a rename: ``old -> new``).
    login: str = ""
    #: The row's action word (``Create``, ``Suspend``...), or the cell's text if unknown.
    action: str = ""


@dataclass
class Progress:
    """What a long job reports. ``results`` are the rows finished since the last report."""

    done: int
    total: int
    counts: dict[Status, int] = field(default_factory=dict)
    results: list[RowResult] = field(default_factory=list)
    message: str = ""
    #: Canvas's throttle is holding the run back just now (core.run.engine.SLOW_DOWN_NOTE).
    slowed_down: bool = False


ProgressCallback = Callable[[Progress], None]


class CancelToken:
    """Asked to stop: long jobs start no new work once it is set. Thread-safe.

    A token made with a ``parent`` is also cancelled when the parent is: a run keeps its
    own token (set when Canvas stops the run) linked to the caller's Stop button.
    """

    #: How often a linked token's wait looks at its parent.
    _PARENT_POLL = 0.05

    def __init__(self, parent: CancelToken | None = None) -> None:
        self._event = threading.Event()
        self._parent = parent

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True at once when cancelled (for back-off waits)."""
        if self._parent is None:
            return self._event.wait(seconds)
        deadline = time.monotonic() + seconds
        while True:
            if self.cancelled:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._event.wait(min(left, self._PARENT_POLL))

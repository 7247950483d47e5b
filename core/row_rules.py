"""Offline rules about one row's own cells: whether it asks for anything (a blank row,
a note such as a footer "Total students: 23"), whether it is done, and what is wrong
with its cells (:class:`RowChecker`).

:mod:`core.rules` checks tables with them; the rules that compare a row with the others
(the same login on two rows...) are in :mod:`core.column_rules`.
"""

from __future__ import annotations

import re

from core.model import (
    INPUT_ROLES,
    NAME_ROLES,
    OUTPUT_ROLES,
    STUDENT_ROLES,
    Action,
    Finding,
    Role,
    Severity,
    Table,
    login_key,
    parse_action,
)
from core.workbook.text import LINE_BREAKS

__all__ = [
    "ACTION_WORDS_HELP",
    "CANVAS_PROVIDER_WORDS",
    "FORMULA_STARTS",
    "MAX_LOGIN_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "RowChecker",
    "RowKinds",
    "is_blank_row",
    "is_note_row",
    "is_note_text",
    "names_student",
    "rename_target",
]

MAX_LOGIN_LENGTH = 100
MAX_PASSWORD_LENGTH = 255
ACTION_WORDS_HELP = (
    "Use Create (or Add, or leave it empty), Update (or Reset, Change), Delete (or Remove), "
    "Suspend (or Disable) or Reactivate (or Enable, Unsuspend)"
)
#: Provider words that mean Canvas's own sign-in (a password can be set).
CANVAS_PROVIDER_WORDS = frozenset({"canvas"})
#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@")
#: The cells a row's own findings read.
_READ_ROLES = (
    *STUDENT_ROLES,
    Role.NEW_LOGIN,
    Role.PASSWORD,
    Role.PROVIDER,
    Role.ACTION,
    Role.CANVAS_LOGIN_ID,
)
#: Enum members read once: reading one off its class costs as much as checking a cell.
_CREATE, _UPDATE = Action.CREATE, Action.UPDATE
#: Actions on a login the student already has, named by New Login, Current Login or its
#: Canvas Login ID, with the verb for "fill in the login to ...".
_EXISTING_LOGIN_VERBS: dict[Action, str] = {
    Action.UPDATE: "change",
    Action.DELETE: "remove",
    Action.SUSPEND: "suspend",
    Action.REACTIVATE: "reactivate",
}
#: Actions that never send the row's Password: a warning that it is not used.
_UNUSED_PASSWORD_WORDS: dict[Action, str] = {
    Action.DELETE: "The password is not used when a login is removed",
    Action.SUSPEND: "The password is not used when a login is suspended (it stays as it was)",
    Action.REACTIVATE: (
        "The password is not used when a login is reactivated: the student signs in with "
        "the password the login had (use an Update row to change it)"
    ),
}


#: A count or a total ("Total students: 23", "Boys: 12"): digits with a colon or "=",
#: or a first word "Total". No student's name looks like that.
_NOTE_TEXT = re.compile(r"(?=.*\d).*[:=]|\s*totals?\b.*\d", re.IGNORECASE)


def is_note_text(text: str) -> bool:
    """True when a name cell holds a note, not a name: a footer such as "Total students: 23"."""
    return bool(_NOTE_TEXT.match(text))


def names_student(table: Table, row: int) -> bool:
    """True when a name column of the row holds a name (not a note such as a total)."""
    for role in NAME_ROLES:
        text = table.value(row, role).strip()
        if text and not is_note_text(text):
            return True
    return False


class RowKinds:
    """Whether rows ask for anything and are done, for one table's columns (read once,
    so checking 50,000 rows does not look the columns up for each)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.inputs = [col for role in INPUT_ROLES if (col := table.column(role)) is not None]
        self.input_set = set(self.inputs)
        #: A list still lacking its student or login column: a name makes a request.
        self.names_ask = table.column(Role.NEW_LOGIN) is None or not any(
            table.column(role) is not None for role in STUDENT_ROLES
        )
        self.status = table.column(Role.STATUS)

    def is_blank(self, row: int) -> bool:
        cells = self.table.rows[row].cells
        for column in self.inputs:
            if cells[column].strip():
                return False
        return not (self.names_ask and names_student(self.table, row))

    def asks_nothing(self, row: int) -> bool:
        if not self.is_blank(row):
            return False
        return not any(column in self.input_set for column in self.table.rows[row].cell_problems)

    def is_done(self, row: int) -> bool:
        if self.status is None or not self.table.rows[row].cells[self.status].strip():
            return False  # no outcome word: not done, whatever the action
        return self.table.is_done(row)

    def is_asked(self, row: int) -> bool:
        """Checked and sent: asks for something and is not done."""
        return not self.asks_nothing(row) and not self.is_done(row)


def is_blank_row(table: Table, row: int) -> bool:
    """No input cell filled in: a spacer or a teachers'-notes row, not a request.

    In a class list that still lacks its student or login column (one the generator and
    Find students in Canvas complete), a row with a student's name is a request too; a
    footer in the name column ("Total students: 23") is not a name (:func:`is_note_text`)."""
    return RowKinds(table).is_blank(row)


def is_note_row(table: Table, row: int) -> bool:
    """Text, but no request: a footer, a note or a teacher's comment on a row of its own.

    The row is blank in every role column (:func:`is_blank_row`), none of the app's input
    cells is unreadable (a formula with no saved value there makes the row a request
    that cannot be sent), and some other cell has text. A run never sends it nor gives
    it a status; the summary counts it."""
    if not RowKinds(table).asks_nothing(row):
        return False
    outputs = {table.column(role) for role in OUTPUT_ROLES}
    return any(
        text.strip() for column, text in enumerate(table.rows[row].cells) if column not in outputs
    )


def rename_target(table: Table, row: int) -> tuple[str, str]:
    """For an Update row: (login to change, new name), new name empty when not renaming.

    A rename is an Update row whose Current Login names the old login and whose New
    Login holds a different name. Otherwise the login to change is New Login (or
    Current Login when New Login is empty).
    """
    current = table.value(row, Role.CURRENT_LOGIN)
    new = table.value(row, Role.NEW_LOGIN)
    if current.strip() and new.strip() and login_key(current) != login_key(new):
        return current.strip(), new
    return (new if new.strip() else current.strip()), ""


class RowChecker:
    """The findings about one row's own cells (:meth:`check`)."""

    def __init__(
        self, table: Table, min_password_length: int, provider_types: dict[str, str] | None
    ) -> None:
        self.table = table
        self.kinds = RowKinds(table)
        self.min_password_length = min_password_length
        self.provider_types = (
            {str(k).strip(): str(v).strip().casefold() for k, v in provider_types.items()}
            if provider_types is not None
            else None
        )
        self.roles: dict[int, Role] = {}
        for role, column in table.columns.items():
            self.roles.setdefault(column, role)
        self.found: list[Finding] = []
        #: Where each of _READ_ROLES is in a row's cells with "" appended (-1: no column).
        self._read = [table.columns.get(role, -1) for role in _READ_ROLES]
        self._action_column = table.column(Role.ACTION)
        self._sis_column = table.column(Role.SIS_USER_ID)

    def add(
        self, row: int, role: Role | None, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        column = self.table.columns.get(role) if role is not None else None
        self.found.append(Finding(row, column, message, severity, role))

    def check(self, row: int) -> list[Finding]:
        table = self.table
        self.found = []
        cells = [*table.rows[row].cells, ""]
        canvas_id, sis_id, current, new, password, provider, word, login_id = [
            cells[column] for column in self._read
        ]
        problems = table.rows[row].cell_problems
        unreadable: set[int] = set()
        for column, problem in sorted(problems.items()):
            role = self.roles.get(column)
            if role is None or role not in INPUT_ROLES:
                continue  # a teachers' column: theirs to keep, whatever it holds
            unreadable.add(column)
            self.found.append(Finding(row, column, problem, Severity.ERROR, role))
        action = parse_action(word)
        if action is None and self._action_column not in unreadable:
            self.add(row, Role.ACTION, f"Unknown action '{word.strip()}'. {ACTION_WORDS_HELP}.")
        if not (canvas_id.strip() or sis_id.strip() or current.strip()):
            self._no_student(row)
        self._ids(row, canvas_id.strip(), login_id.strip())
        self._login(row, action, new, current, login_id, password)
        self._password(row, action, password, provider.strip())
        if unreadable:  # one finding per unreadable cell: not also "missing" or "too short"
            self.found = [
                f
                for f in self.found
                if f.column not in unreadable or f.message in problems.values()
            ]
        return self.found

    def _no_student(self, row: int) -> None:
        role = next((r for r in STUDENT_ROLES if self.table.column(r) is not None), None)
        self.add(
            row,
            role,
            "No student: fill in the Canvas User ID, SIS User ID or Current Login, so "
            "Canvas knows whose login this is (Find students in Canvas fills it from "
            "the student's name)",
        )

    def _ids(self, row: int, canvas_id: str, login_id: str) -> None:
        if canvas_id and not (canvas_id.isascii() and canvas_id.isdigit()):
            self.add(
                row,
                Role.CANVAS_USER_ID,
                f"Canvas User ID '{canvas_id}' is not a number (it is the number Canvas "
                "shows in the address of the student's page)",
            )
        if login_id and not (login_id.isascii() and login_id.isdigit()):
            self.add(row, Role.CANVAS_LOGIN_ID, f"Canvas Login ID '{login_id}' is not a number")

    def _login(
        self,
        row: int,
        action: Action | None,
        new: str,
        current: str,
        login_id: str,
        password: str,
    ) -> None:
        if action is _CREATE and not new.strip():
            self.add(
                row,
                Role.NEW_LOGIN,
                "No login name: fill in the new login to create, or make one with "
                "Generate logins and passwords",
            )
        verb = _EXISTING_LOGIN_VERBS.get(action) if action is not None else None
        if verb is not None and not (new.strip() or current.strip() or login_id.strip()):
            self.add(
                row,
                Role.NEW_LOGIN,
                f"No login name: fill in the login to {verb} (or its Canvas Login ID)",
            )
        if new.strip():
            self._login_text(row, new)
        rename_to = rename_target(self.table, row)[1] if action is _UPDATE else ""
        if action is _CREATE or rename_to:
            self._login_space(row, new.strip())
            self._login_formula_start(row, new.strip())
        if action is _UPDATE and not rename_to and not password:
            self.add(
                row,
                Role.PASSWORD,
                "Nothing to change: give a new password (or a new login name in New "
                "Login with the old one in Current Login)",
            )

    def _login_text(self, row: int, text: str) -> None:
        if not LINE_BREAKS.isdisjoint(text):
            self.add(
                row,
                Role.NEW_LOGIN,
                "Login name is on more than one line (the cell has a line break, Alt+Enter "
                "in Excel, which shows only the first line); put the whole name on one line",
            )
        elif not text.isprintable():
            self.add(
                row,
                Role.NEW_LOGIN,
                "Login name has a character that cannot be printed (a tab or a hidden "
                "character); retype it",
            )
        elif text != text.strip():
            self.add(row, Role.NEW_LOGIN, "Login name starts or ends with a space; remove it")
        if len(text) > MAX_LOGIN_LENGTH:
            self.add(
                row,
                Role.NEW_LOGIN,
                f"Login name is {len(text)} characters long; Canvas allows at most "
                f"{MAX_LOGIN_LENGTH}",
            )
        stripped = text.strip()
        if stripped != stripped.lower():
            self.add(
                row,
                Role.NEW_LOGIN,
                f"Login name '{stripped}' has capital letters; Canvas ignores case, so "
                f"students can also sign in as '{stripped.lower()}'",
                Severity.WARNING,
            )

    def _login_formula_start(self, row: int, login: str) -> None:
        """A new login name that a spreadsheet would take for a formula."""
        if login[:1] not in FORMULA_STARTS:
            return
        self.add(
            row,
            Role.NEW_LOGIN,
            f"Login name '{login}' starts with '{login[0]}': whoever exports Canvas's logins "
            "to a spreadsheet would get a formula instead of the name. Start it with a "
            "letter or a digit",
        )

    def _login_space(self, row: int, login: str) -> None:
        """A new login name with a space inside: Canvas takes it, a young pupil cannot
        type it reliably (one space or two? and where?)."""
        if len(login.split()) < 2 or not login.isprintable():
            return  # a tab or a line break has a finding of its own
        joined = ".".join(login.split())
        self.add(
            row,
            Role.NEW_LOGIN,
            f"Login name '{login}' has a space in it: Canvas would accept it, but a young "
            f"pupil cannot type it reliably. Use a dot instead, for example '{joined}'",
        )

    def _password(self, row: int, action: Action | None, password: str, provider: str) -> None:
        unused = _UNUSED_PASSWORD_WORDS.get(action) if action is not None else None
        if unused is not None:
            if password:
                self.add(row, Role.PASSWORD, unused, Severity.WARNING)
            return
        canvas_provider = self._is_canvas_provider(row, provider)
        if not password:
            if action is _CREATE and canvas_provider:
                self.add(
                    row,
                    Role.PASSWORD,
                    "No password: Canvas will make one up that nobody knows, so the "
                    "student cannot sign in with this login until it is reset",
                    Severity.WARNING,
                )
            return
        if not canvas_provider:
            self.add(
                row,
                Role.PASSWORD,
                f"A password cannot be set on a single sign-on login (provider "
                f"'{provider}'); leave the password empty",
            )
            return
        if len(password) < self.min_password_length:
            self.add(
                row,
                Role.PASSWORD,
                f"Password is shorter than {self.min_password_length} characters",
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            self.add(
                row,
                Role.PASSWORD,
                f"Password is longer than {MAX_PASSWORD_LENGTH} characters",
            )

    def _is_canvas_provider(self, row: int, provider: str) -> bool:
        if not provider:
            return True
        if provider.isascii() and provider.isdigit():
            if self.provider_types is None:
                return True
            kind = self.provider_types.get(provider)
            if kind is None:
                self.add(
                    row,
                    Role.PROVIDER,
                    f"This Canvas has no sign-in method (authentication provider) with id "
                    f"{provider}",
                )
                return True
            return kind in CANVAS_PROVIDER_WORDS
        return provider.casefold() in CANVAS_PROVIDER_WORDS

    def is_number_typed(self, row: int) -> bool:
        """The row's SIS User ID is a number the file stored without its leading zeros."""
        return self._sis_column in self.table.rows[row].number_cells

"""Offline checks of a table: the problems Canvas would refuse, found before any call.

Each :class:`~core.model.Finding` points at one cell (the column of the role it is
about) and says in plain words what to fix. Errors make a row ``Invalid`` (not sent);
warnings are worth a look but the row is still sent. Rows already done are skipped, and
so are rows that ask for nothing: blank rows, and notes such as a footer "Total
students: 23" (:func:`is_note_row`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from openpyxl.utils import get_column_letter

from core.id_padding import lost_zeros, padding_width, width_example
from core.model import (
    INPUT_ROLES,
    MIN_PASSWORD_LENGTH,
    NAME_ROLES,
    OUTPUT_ROLES,
    STUDENT_ROLES,
    Action,
    Finding,
    Role,
    Severity,
    Table,
    login_key,
)
from core.workbook.headers import read_headers
from core.workbook.text import LINE_BREAKS

MAX_LOGIN_LENGTH = 100
MAX_PASSWORD_LENGTH = 255
ACTION_WORDS_HELP = (
    "Use Create (or Add, or leave it empty), Update (or Reset, Change) or Delete (or Remove)"
)
#: Provider words that mean Canvas's own sign-in (a password can be set).
CANVAS_PROVIDER_WORDS = frozenset({"canvas"})
#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@")


def findings_by_row(findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    grouped: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.row].append(finding)
    return dict(grouped)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


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


def is_blank_row(table: Table, row: int) -> bool:
    """No input cell filled in: a spacer or a teachers'-notes row, not a request.

    In a class list that still lacks its student or login column (one the generator and
    Find students in Canvas complete), a row with a student's name is a request too; a
    footer in the name column ("Total students: 23") is not a name (:func:`is_note_text`)."""
    if any(table.value(row, role).strip() for role in INPUT_ROLES):
        return False
    if table.column(Role.NEW_LOGIN) is None or not any(
        table.column(role) is not None for role in STUDENT_ROLES
    ):
        return not names_student(table, row)
    return True


def is_note_row(table: Table, row: int) -> bool:
    """Text, but no request: a footer, a note or a teacher's comment on a row of its own.

    The row is blank in every role column (:func:`is_blank_row`), none of the app's input
    cells is unreadable, and some other cell has text. A run never sends it nor gives it
    a status; the summary counts it."""
    if not _asks_nothing(table, row):
        return False
    outputs = {table.column(role) for role in OUTPUT_ROLES}
    return any(
        text.strip() for column, text in enumerate(table.rows[row].cells) if column not in outputs
    )


def _asks_nothing(table: Table, row: int) -> bool:
    """Blank, and no cell of the app's own input columns is unreadable (a formula with no
    saved value there makes the row a request that cannot be sent)."""
    if not is_blank_row(table, row):
        return False
    inputs = {table.column(role) for role in INPUT_ROLES}
    return not any(column in inputs for column in table.rows[row].cell_problems)


def row_list(rows: list[int]) -> str:
    """``row 5``, ``rows 5 and 9``, ``rows 5, 9 and 12``."""
    words = [str(n) for n in rows]
    if len(words) == 1:
        return f"row {words[0]}"
    return f"rows {', '.join(words[:-1])} and {words[-1]}"


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


class _RowChecker:
    def __init__(
        self, table: Table, min_password_length: int, provider_types: dict[str, str] | None
    ) -> None:
        self.table = table
        self.min_password_length = min_password_length
        self.provider_types = (
            {str(k).strip(): str(v).strip().casefold() for k, v in provider_types.items()}
            if provider_types is not None
            else None
        )
        self.found: list[Finding] = []

    def add(
        self, row: int, role: Role | None, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        column = self.table.column(role) if role is not None else None
        self.found.append(Finding(row, column, message, severity, role))

    def check(self, row: int) -> None:
        table = self.table
        first = len(self.found)
        unreadable: set[int] = set()
        for column, problem in sorted(table.rows[row].cell_problems.items()):
            role = role_for_column(table, column)
            if role is None or role not in INPUT_ROLES:
                continue  # a teachers' column: theirs to keep, whatever it holds
            unreadable.add(column)
            self.found.append(Finding(row, column, problem, Severity.ERROR, role))
        action = table.action(row)
        if action is None and table.column(Role.ACTION) not in unreadable:
            word = table.value(row, Role.ACTION).strip()
            self.add(row, Role.ACTION, f"Unknown action '{word}'. {ACTION_WORDS_HELP}.")
        self._student(row)
        self._login(row, action)
        self._password(row, action)
        if unreadable:  # one finding per unreadable cell: not also "missing" or "too short"
            self.found[first:] = [
                f
                for f in self.found[first:]
                if f.column not in unreadable or f.message in table.rows[row].cell_problems.values()
            ]

    def _student(self, row: int) -> None:
        table = self.table
        if table.student(row) is None:
            role = next((r for r in STUDENT_ROLES if table.column(r) is not None), None)
            self.add(
                row,
                role,
                "No student: fill in the Canvas User ID, SIS User ID or Current Login, so "
                "Canvas knows whose login this is (Find students in Canvas fills it from "
                "the student's name)",
            )
        canvas_id = table.value(row, Role.CANVAS_USER_ID).strip()
        if canvas_id and not (canvas_id.isascii() and canvas_id.isdigit()):
            self.add(
                row,
                Role.CANVAS_USER_ID,
                f"Canvas User ID '{canvas_id}' is not a number (it is the number Canvas "
                "shows in the address of the student's page)",
            )
        login_id = table.value(row, Role.CANVAS_LOGIN_ID).strip()
        if login_id and not (login_id.isascii() and login_id.isdigit()):
            self.add(row, Role.CANVAS_LOGIN_ID, f"Canvas Login ID '{login_id}' is not a number")

    def _login(self, row: int, action: Action | None) -> None:
        table = self.table
        new = table.value(row, Role.NEW_LOGIN)
        if action is Action.CREATE and not new.strip():
            self.add(
                row,
                Role.NEW_LOGIN,
                "No login name: fill in the new login to create, or make one with "
                "Generate logins and passwords",
            )
        if action in (Action.UPDATE, Action.DELETE):
            target = new.strip() or table.value(row, Role.CURRENT_LOGIN).strip()
            if not target and not table.value(row, Role.CANVAS_LOGIN_ID).strip():
                verb = "change" if action is Action.UPDATE else "remove"
                self.add(
                    row,
                    Role.NEW_LOGIN,
                    f"No login name: fill in the login to {verb} (or its Canvas Login ID)",
                )
        if new.strip():
            self._login_text(row, new)
        if action is Action.CREATE or (action is Action.UPDATE and rename_target(table, row)[1]):
            self._login_space(row, new.strip())
            self._login_formula_start(row, new.strip())
        if action is Action.UPDATE:
            _, rename_to = rename_target(table, row)
            if not rename_to and not table.value(row, Role.PASSWORD):
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
        elif any(not ch.isprintable() for ch in text):
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

    def _password(self, row: int, action: Action | None) -> None:
        table = self.table
        password = table.value(row, Role.PASSWORD)
        if action is Action.DELETE:
            if password:
                self.add(
                    row,
                    Role.PASSWORD,
                    "The password is not used when a login is removed",
                    Severity.WARNING,
                )
            return
        provider = table.value(row, Role.PROVIDER).strip()
        canvas_provider = self._is_canvas_provider(row, provider)
        if not password:
            if action is Action.CREATE and canvas_provider:
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

    def short_sis_ids(self, rows: list[int]) -> None:
        """Ids shorter than the column's others by the zeros those start with, and a
        column Excel stored as numbers: both mean leading zeros may be gone. Warnings:
        the ids are never changed here."""
        table = self.table
        column = table.column(Role.SIS_USER_ID)
        if column is None:
            return
        asked = [row for row in rows if not table.is_done(row)]
        width = padding_width(table)
        short = set(lost_zeros(table))
        example = width_example(table, width) if width is not None else ""
        for row in asked:
            if row in short:
                text = table.value(row, Role.SIS_USER_ID).strip()
                self.add(
                    row,
                    Role.SIS_USER_ID,
                    f"SIS User ID '{text}' is shorter than the others in this column "
                    f"({width} digits, like '{example}'): Excel may have dropped its leading "
                    "zeros. Type the ids as text with their zeros, or use Check with Canvas "
                    "to test them",
                    Severity.WARNING,
                )
        first = next((r for r in asked if column in table.rows[r].number_cells), None)
        if first is not None:
            self.add(
                first,
                Role.SIS_USER_ID,
                "SIS User IDs in this column are stored as numbers in this workbook (this "
                "one among them), and Excel drops the leading zeros of numbers (0045510 "
                "becomes 45510). If your "
                "school's ids begin with 0, format the column as Text and type the ids "
                "again with their zeros, or use Check with Canvas to test them",
                Severity.WARNING,
            )

    def duplicates(self, rows: list[int]) -> None:
        """The same login name (as Canvas compares names) on two rows that create logins."""
        table = self.table
        by_key: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            if table.action(row) is Action.DELETE:
                continue
            name = table.value(row, Role.NEW_LOGIN)
            if name.strip():
                by_key[login_key(name)].append(row)
        for same in by_key.values():
            if len(same) < 2:
                continue
            for row in same:
                if table.is_done(row):
                    continue
                others = [table.rows[r].sheet_row for r in same if r != row]
                name = table.value(row, Role.NEW_LOGIN).strip()
                self.add(
                    row,
                    Role.NEW_LOGIN,
                    f"Login name '{name}' is also on {row_list(others)}; each login name "
                    "can belong to only one student",
                )

    def same_headings(self, rows: list[int]) -> None:
        """A column headed as one of the app's columns is (two "New Login" columns): the
        app uses only one of them, so say which, once, on the first row to be sent."""
        table = self.table
        first = next((row for row in rows if not table.is_done(row)), None)
        if first is None:
            return
        headers = table.headers[: table.appended_from]
        for role, columns in read_headers(headers).ambiguous.items():
            used = table.column(role)
            if used is None or len(columns) < 2:
                continue
            for column in columns:
                if column == used or role_for_column(table, column) is not None:
                    continue
                letter, used_letter = get_column_letter(column + 1), get_column_letter(used + 1)
                self.found.append(
                    Finding(
                        first,
                        column,
                        f"Column {letter} ('{headers[column]}') is headed as a {role.value} "
                        f"column too; Canvas Logins uses column {used_letter} "
                        f"('{headers[used]}') for the {role.value} and leaves column {letter} "
                        "as it is. If that is the wrong one, rename one of the two headings",
                        Severity.WARNING,
                    )
                )


def role_for_column(table: Table, column: int) -> Role | None:
    for role, col in table.columns.items():
        if col == column:
            return role
    return None


def check_table(
    table: Table,
    *,
    min_password_length: int = MIN_PASSWORD_LENGTH,
    provider_types: dict[str, str] | None = None,
) -> list[Finding]:
    """Every finding for the rows that are not done, in row order.

    ``provider_types`` maps authentication provider ids (as text) to their type
    (``canvas``, ``saml``...), when known from Canvas; without it a numeric provider
    id is taken on trust.
    """
    checker = _RowChecker(table, min_password_length, provider_types)
    considered: list[int] = []
    for row in range(len(table.rows)):
        if _asks_nothing(table, row):
            continue
        considered.append(row)
        if not table.is_done(row):
            checker.check(row)
    checker.duplicates(considered)
    checker.same_headings(considered)
    checker.short_sis_ids(considered)
    checker.found.sort(key=lambda f: (f.row, f.column if f.column is not None else -1))
    return checker.found

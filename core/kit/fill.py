"""Fill the empty New Login and Password cells: plan first (nothing changes), then apply.

Which rows get what:

- rows that are done (Created, Updated...) and Delete rows get nothing; a blank row
  (no input and no name) is passed over without a word;
- a Create row gets a login when its New Login is empty (or every selected row with
  ``replace``), and a password when its Password is empty (or with ``replace``) and it
  has a login name to go with it;
- an Update row never gets a login (that would turn it into a rename), and gets a
  password when it is a reset (no rename) with an empty Password;
- a row with a single sign-on provider gets no password (Canvas cannot set one) and no
  generated login (it must be the name the school's sign-in service knows).

A generated name is unique among every New Login and Current Login in the sheet (as
Canvas compares names) and, when a ``taken`` check is given, in Canvas: the first one in
use gets the lowest free number (``ava.k``, ``ava.k2``). With ``replace`` the names a
teacher typed on the other rows still count as in use. A name a teacher typed is never
changed otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.canvas.errors import Cancelled, CanvasError, NotFound
from core.edits import CellChange, apply_edits
from core.kit.logins import LoginStem, LoginStyle, missing_words, pattern_problem, stem_for
from core.kit.passwords import PasswordStyle, make_password, password_style_problem
from core.model import (
    INPUT_ROLES,
    LOGIN_NAMING_ACTIONS,
    MIN_PASSWORD_LENGTH,
    Action,
    CancelToken,
    GeneratedLogin,
    Progress,
    ProgressCallback,
    Role,
    Table,
    login_key,
)
from core.rules import CANVAS_PROVIDER_WORDS, names_student, rename_target, row_list
from core.run.pacing import read_with_retries

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

__all__ = [
    "FillOptions",
    "FillPlan",
    "FilledCell",
    "TakenCheck",
    "apply_fill",
    "canvas_taken",
    "plan_fill",
    "remember_generated",
]

#: True when Canvas already has that login name.
TakenCheck = Callable[[str], bool]
#: Numbers tried before a row is given up ("no free login name").
MAX_NUMBER = 999
_SHOWN_IN_SUMMARY = 3
SSO_WORDS = "a single sign-on login is the name the school's sign-in knows; type it in"


@dataclass(frozen=True)
class FillOptions:
    logins: bool = True
    login_style: LoginStyle = field(default_factory=LoginStyle)
    passwords: bool = True
    password_style: PasswordStyle = field(default_factory=PasswordStyle)
    #: False: only empty cells are filled.
    replace: bool = False
    min_password_length: int = MIN_PASSWORD_LENGTH


@dataclass(frozen=True)
class FilledCell:
    """One cell to fill. ``value`` may be a password: never log it."""

    row: int  # index into table.rows
    role: Role  # Role.NEW_LOGIN or Role.PASSWORD
    value: str = field(repr=False)
    old: str = field(repr=False)


@dataclass
class FillPlan:
    cells: list[FilledCell] = field(default_factory=list)
    #: Row -> why it got nothing it needed ("no name to make a login from").
    skipped: dict[int, str] = field(default_factory=dict)
    #: Row -> why its generated name got a number ("'ava.k' is taken in Canvas").
    renamed: dict[int, str] = field(default_factory=dict)
    #: Row -> the generated login and how to number it again (see apply_fill).
    generated: dict[int, GeneratedLogin] = field(default_factory=dict)
    #: Row index -> its row number in the sheet, for the summary.
    sheet_rows: dict[int, int] = field(default_factory=dict)
    #: Stopped before the end (the plan holds the rows before the stop).
    cancelled: bool = False

    def count(self, role: Role) -> int:
        return sum(1 for cell in self.cells if cell.role is role)

    def summary(self) -> str:
        """``23 logins and 23 passwords filled; 1 row skipped (row 7: no name ...)``."""
        logins, passwords = self.count(Role.NEW_LOGIN), self.count(Role.PASSWORD)
        filled = " and ".join(
            _plural(n, word) for n, word in ((logins, "login"), (passwords, "password")) if n
        )
        parts = [f"{filled} filled" if filled else "Nothing to fill"]
        if self.renamed:
            parts.append(
                f"{_plural(len(self.renamed), 'login')} numbered {self._rows(self.renamed)}"
            )
        if self.skipped:
            parts.append(f"{_plural(len(self.skipped), 'row')} skipped {self._rows(self.skipped)}")
        if self.cancelled:
            parts.append("stopped before the end")
        return "; ".join(parts)

    def _rows(self, why: dict[int, str]) -> str:
        shown = [f"row {self.sheet_rows.get(r, r + 1)}: {why[r]}" for r in sorted(why)]
        return f"({_first_few(shown, '; ')})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _first_few(items: list[str], separator: str) -> str:
    more = len(items) - _SHOWN_IN_SUMMARY
    return separator.join(items[:_SHOWN_IN_SUMMARY]) + (f" and {more} more" if more > 0 else "")


def canvas_taken(client: CanvasApi, *, cancel: CancelToken | None = None) -> TakenCheck:
    """Whether Canvas has a login name (GET /api/v1/users/sis_login_id:NAME; 404: free).

    Retried as every read is; a lasting failure raises its CanvasError (reworded to say
    which name was asked about), and a cancel during a back-off raises
    :class:`~core.canvas.errors.Cancelled`.
    """

    def taken(name: str) -> bool:
        try:
            read_with_retries(
                lambda: client.get_user(f"sis_login_id:{name.strip()}"), cancel=cancel
            )
        except NotFound:
            return False
        except CanvasError as exc:
            exc.reword(
                f"Could not ask Canvas whether the login name '{name.strip()}' is free. "
                f"{exc.message}"
            )
            raise
        return True

    return taken


def _is_blank(table: Table, row: int) -> bool:
    filled = any(table.value(row, role).strip() for role in INPUT_ROLES)
    return not filled and not names_student(table, row)


def _canvas_sign_in(provider: str) -> bool:
    """A provider id is taken on trust as Canvas's own, as the offline rules do."""
    provider = provider.strip()
    return not provider or provider.isdigit() or provider.casefold() in CANVAS_PROVIDER_WORDS


def _wants(table: Table, row: int, options: FillOptions) -> tuple[bool, bool, str]:
    """(fill the login, fill the password, why neither can be) for one row."""
    if table.is_done(row) or _is_blank(table, row):
        return False, False, ""
    action = table.action(row)
    if action is None:
        word = table.value(row, Role.ACTION).strip()
        known = "Create, Update, Delete, Suspend or Reactivate"
        return False, False, f"the Action '{word}' is not {known}"
    if action in LOGIN_NAMING_ACTIONS:
        return False, False, ""
    no_password = not table.value(row, Role.PASSWORD)
    canvas = _canvas_sign_in(table.value(row, Role.PROVIDER))
    password = options.passwords and canvas and (options.replace or no_password)
    if action is Action.UPDATE:
        renames = bool(rename_target(table, row)[1])
        return False, password and not (renames and no_password), ""
    login = options.logins and (options.replace or not table.value(row, Role.NEW_LOGIN).strip())
    if login and not canvas:
        return False, False, SSO_WORDS
    return login, password, ""


class _Namer:
    """Picks the lowest free number for each stem, remembering what it handed out."""

    def __init__(self, table: Table, refilled: set[int], taken: TakenCheck | None) -> None:
        self.table = table
        self.taken = taken
        #: login_key -> the row holding it (-1: taken in Canvas).
        self.in_use = table.logins_in_use(except_new_login_of=refilled)

    def free_name(self, stem: LoginStem, row: int) -> tuple[str | None, list[str]]:
        """(the name, why the lower numbers were not free); None when none is free."""
        reasons: list[str] = []
        for number in range(1, MAX_NUMBER + 1):
            name = stem.numbered(number)
            key = login_key(name)
            holder = self.in_use.get(key)
            if holder is not None:
                if holder < 0:
                    reasons.append(f"'{name}' is taken in Canvas")
                else:
                    sheet_row = self.table.rows[holder].sheet_row
                    reasons.append(f"'{name}' is also on {row_list([sheet_row])}")
                continue
            if self.taken is not None and self.taken(name):
                self.in_use[key] = -1
                reasons.append(f"'{name}' is taken in Canvas")
                continue
            self.in_use[key] = row
            return name, reasons
        return None, reasons


def plan_fill(
    table: Table,
    options: FillOptions,
    rows: Iterable[int] | None = None,
    *,
    taken: TakenCheck | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> FillPlan:
    """What filling ``rows`` (default: all) would write. Changes nothing in the table.

    With ``taken``, each new name is first asked of Canvas (progress is reported per
    row, and ``cancel`` stops between questions: the plan then says ``cancelled``).
    Raises ValueError for a login pattern or password style that cannot be used, and
    what ``taken`` raises (a CanvasError from :func:`canvas_taken`).
    """
    if options.logins and (problem := pattern_problem(options.login_style)):
        raise ValueError(problem)
    if options.passwords and (problem := password_style_problem(options.password_style)):
        raise ValueError(problem)
    count = len(table.rows)
    chosen = sorted({r for r in rows if 0 <= r < count}) if rows is not None else range(count)
    plan = FillPlan()
    wants = {row: _wants(table, row, options) for row in chosen}
    stems: dict[int, LoginStem] = {}
    for row, (login, _, why) in wants.items():
        if why:
            plan.skipped[row] = why
        if not login:
            continue
        stem = stem_for(options.login_style, table, row)
        if stem is None:
            plan.skipped[row] = missing_words(options.login_style, table, row)
        else:
            stems[row] = stem
    namer = _Namer(table, set(stems), taken)
    new_logins: dict[int, str] = {}
    try:
        for done, (row, stem) in enumerate(stems.items()):
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            if progress is not None and taken is not None:
                progress(Progress(done, len(stems), message="Checking login names with Canvas"))
            name, reasons = namer.free_name(stem, row)
            if name is None:
                plan.skipped[row] = f"no free login name from '{stem.numbered(1)}'"
                continue
            new_logins[row] = name
            plan.generated[row] = GeneratedLogin(name, stem.head, stem.tail)
            if reasons:
                plan.renamed[row] = _first_few(reasons, ", ")
    except Cancelled:
        plan.cancelled = True
    for row, (_, password, _) in wants.items():
        if row in new_logins:
            old = table.value(row, Role.NEW_LOGIN)
            plan.cells.append(FilledCell(row, Role.NEW_LOGIN, new_logins[row], old))
        if not password or plan.cancelled:
            continue
        has_login = table.action(row) is Action.UPDATE or bool(
            new_logins.get(row) or table.value(row, Role.NEW_LOGIN).strip()
        )
        if has_login:
            value = make_password(options.password_style, options.min_password_length)
            plan.cells.append(
                FilledCell(row, Role.PASSWORD, value, table.value(row, Role.PASSWORD))
            )
        elif row not in plan.skipped:
            plan.skipped[row] = "no login name yet to go with a password"
    plan.sheet_rows = {r: table.rows[r].sheet_row for r in (*plan.skipped, *plan.renamed)}
    if progress is not None and taken is not None and not plan.cancelled:
        progress(Progress(len(stems), len(stems), message="Login names checked"))
    return plan


def remember_generated(table: Table, plan: FillPlan) -> None:
    """Note the plan's generated logins in the table, so Check with Canvas may number one
    again that turns out taken. The app calls it after applying the plan's cells itself."""
    table.generated_logins.update(plan.generated)


def apply_fill(table: Table, plan: FillPlan) -> list[CellChange]:
    """Write the plan's cells (adding the New Login / Password columns when missing) as
    one set of edits; returns what changed, for an undo."""
    for role in dict.fromkeys(cell.role for cell in plan.cells):
        table.ensure_column(role)
    changes = apply_edits(
        table, [(cell.row, table.columns[cell.role], cell.value) for cell in plan.cells]
    )
    remember_generated(table, plan)
    return changes

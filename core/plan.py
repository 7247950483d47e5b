"""From a checked table to the list of Canvas operations, and results back into it.

One operation per row that is not done and broke no rule; rows with errors become
``Invalid`` results without any call. The runner never touches the table (the GUI
reads it on another thread); :func:`apply_results` writes results in, on the caller's
thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from core.model import Action, Finding, GeneratedLogin, Role, RowResult, Severity, Status, Table
from core.rules import findings_by_row, is_blank_row, rename_target


def now_local() -> str:
    """Local time, ISO 8601 to the second with its offset (the Processed At format)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Operation:
    """What one row asks Canvas to do. Holds the password: never log or store it.

    ``unique_id`` is the login the row is about: the new login for Create, the login
    to find for Update and Delete. ``rename_to`` is the new name of an Update that
    renames (Current Login = old name, New Login = new name), else empty.
    """

    row: int
    action: Action
    user_ref: str
    unique_id: str
    password: str = field(default="", repr=False)
    login_sis_id: str = ""
    integration_id: str = ""
    provider: str = ""
    login_id: str = ""
    identity: tuple[str, ...] = ()
    rename_to: str = ""
    sheet_row: int = 0
    #: The row ended Failed last time: a create is checked with reads before it is sent
    #: again, so a re-run sends no write for a row that would fail the same way.
    failed_before: bool = False
    #: A Create whose login the generator made: Check with Canvas may number it again.
    generated: GeneratedLogin | None = None

    @property
    def student_words(self) -> str:
        """How the row names its student, for messages: ``SIS User ID '0045512'``."""
        kind, _, value = self.user_ref.partition(":")
        if not value:
            return f"Canvas User ID '{self.user_ref}'"
        if kind == "sis_user_id":
            return f"SIS User ID '{value}'"
        if kind == "sis_login_id":
            return f"login '{value}'"
        return f"{kind} '{value}'"


@dataclass
class Plan:
    operations: list[Operation] = field(default_factory=list)
    #: Rows with error findings: not sent, status Invalid, message = the findings.
    invalid: list[RowResult] = field(default_factory=list)
    skipped_done: int = 0
    #: Every login name of the sheet (:func:`core.model.login_key`): a generated login
    #: numbered again by Check with Canvas must not become one of them.
    sheet_logins: frozenset[str] = frozenset()

    @property
    def counts_by_action(self) -> dict[Action, int]:
        counts = dict.fromkeys(Action, 0)
        for op in self.operations:
            counts[op.action] += 1
        return counts


def _operation(table: Table, row: int) -> Operation:
    action = table.action(row) or Action.CREATE
    value = table.value
    if action is Action.UPDATE:
        unique_id, rename_to = rename_target(table, row)
    elif action is Action.DELETE:
        unique_id = value(row, Role.NEW_LOGIN).strip() or value(row, Role.CURRENT_LOGIN).strip()
        rename_to = ""
    else:
        unique_id, rename_to = value(row, Role.NEW_LOGIN), ""
    user_ref = table.user_ref(row)
    if not user_ref:  # the rules make such a row Invalid; never send one without user[id]
        raise ValueError(f"row {table.rows[row].sheet_row} names no student")
    return Operation(
        row=row,
        action=action,
        user_ref=user_ref,
        unique_id=unique_id.strip(),
        password=value(row, Role.PASSWORD),
        login_sis_id=value(row, Role.LOGIN_SIS_ID).strip(),
        integration_id=value(row, Role.INTEGRATION_ID).strip(),
        provider=value(row, Role.PROVIDER).strip(),
        login_id=value(row, Role.CANVAS_LOGIN_ID).strip(),
        identity=table.row_identity(row),
        rename_to=rename_to.strip(),
        sheet_row=table.rows[row].sheet_row,
        failed_before=table.status(row) == Status.FAILED.value,
        generated=table.generated_login(row) if action is Action.CREATE else None,
    )


def build_plan(table: Table, findings: Iterable[Finding]) -> Plan:
    """Operations for rows not done and without errors; Invalid results for the rest.

    Rows whose status is Failed, Invalid or Ready are tried again. Blank rows (no
    input cell filled) are left out altogether.
    """
    by_row = findings_by_row(findings)
    plan = Plan(sheet_logins=frozenset(table.logins_in_use()))
    stamp = now_local()
    for row in range(len(table.rows)):
        if table.is_done(row):
            plan.skipped_done += 1
            continue
        errors = [f for f in by_row.get(row, []) if f.severity is Severity.ERROR]
        if not errors and is_blank_row(table, row):
            continue
        if errors:
            message = "; ".join(dict.fromkeys(f.message.rstrip(". ") for f in errors)) + "."
            plan.invalid.append(RowResult(row, Status.INVALID, message, "", stamp))
            continue
        plan.operations.append(_operation(table, row))
    return plan


def apply_results(table: Table, results: Iterable[RowResult]) -> None:
    """Write results into the output columns. Call on the thread that owns the table."""
    for result in results:
        if result.new_login:
            _renumber_login(table, result.row, result.new_login)
        table.set_value(result.row, Role.STATUS, result.status.value)
        table.set_value(result.row, Role.MESSAGE, result.message)
        if result.login_id:
            table.set_value(result.row, Role.CANVAS_LOGIN_ID, result.login_id)
        table.set_value(result.row, Role.PROCESSED_AT, result.processed_at or now_local())


def _renumber_login(table: Table, row: int, login: str) -> None:
    """A generated login that Check with Canvas numbered again goes into New Login, as an
    edit (so it is saved), and still counts as generated."""
    column = table.column(Role.NEW_LOGIN)
    made = table.generated_login(row)
    if column is None or made is None:
        return
    table.set_cell(row, column, login)
    table.generated_logins[row] = GeneratedLogin(login, made.head, made.tail)

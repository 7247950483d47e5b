"""From a checked table to the list of Canvas operations, and results back into it.

One operation per row that is not done and broke no rule; rows with errors become
``Invalid`` results without any call. A row Check with Canvas found would fail (this
session) is left out, and rows that are notes, not students, are skipped. The runner
never touches the table (the GUI reads it on another thread); :func:`apply_results`
writes results in, on the caller's thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from core.id_padding import padded, padding_width
from core.model import (
    LOGIN_NAMING_ACTIONS,
    Action,
    Finding,
    GeneratedLogin,
    Role,
    RowLabel,
    RowResult,
    Severity,
    Status,
    Table,
    user_ref_for,
)
from core.rules import findings_by_row, findings_message, is_blank_row, is_note_row, rename_target

#: How Processed At reads in the table and a CSV (local time, ISO 8601 with a space),
#: exactly as an Excel date-time cell of the saved file reads back.
PROCESSED_AT_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Statuses of a reopened row that a run tries again only after reading Canvas first.
_CHECK_BEFORE_SENDING = frozenset({Status.FAILED.value, Status.WOULD_FAIL.value})


def now_local() -> str:
    """Local time, ISO 8601 to the second with its offset (results and the journal)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def processed_at_text(stamp: str) -> str:
    """A result's time as Processed At shows it: local time, to the second, no offset.

    Text that is not an ISO time is kept as it is."""
    try:
        when = datetime.fromisoformat(stamp.strip())
    except ValueError:
        return stamp
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.strftime(PROCESSED_AT_FORMAT)


@dataclass(frozen=True)
class Operation:
    """What one row asks Canvas to do. Holds the password: never log or store it.

    ``unique_id`` is the login the row is about: the new login for Create, the login
    to find for Update, Delete, Suspend and Reactivate. ``rename_to`` is the new name
    of an Update that renames (Current Login = old name, New Login = new name), else
    empty.
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
    #: The row ended Failed (or a check's Would fail) last time, or this session's check
    #: found its login already there: a create is checked with reads before it is sent,
    #: so a re-run sends no write for a row that would fail the same way.
    failed_before: bool = False
    #: A Create whose login the generator made: Check with Canvas may number it again.
    generated: GeneratedLogin | None = None
    #: The row's SIS User ID padded with leading zeros to the width of its column's other
    #: ids (``sis_user_id:0045510``), when shorter: read (never written) when the id as
    #: typed names no student, to say that Excel probably dropped the zeros.
    padded_user_ref: str = ""
    #: The row's student id column was stored as numbers in Excel (leading zeros may be
    #: missing): said when the student is not found.
    number_typed_id: bool = False

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
    #: Rows this session's Check with Canvas found would fail: not sent, cells unchanged.
    left_out: list[RowResult] = field(default_factory=list)
    #: Create operations this session's check found already exist in Canvas.
    checked_existing: int = 0
    #: Rows that hold text but name no student (a footer, a note): never sent, no status.
    skipped_notes: list[int] = field(default_factory=list)
    #: Every login name of the sheet (:func:`core.model.login_key`): a generated login
    #: numbered again by Check with Canvas must not become one of them.
    sheet_logins: frozenset[str] = frozenset()
    #: The plan's rows in words, for the run history and the log (filled by the workflow,
    #: :meth:`core.workflow.Workflow.plan`, on the table's thread).
    labels: dict[int, RowLabel] = field(default_factory=dict)

    @property
    def counts_by_action(self) -> dict[Action, int]:
        counts = dict.fromkeys(Action, 0)
        for op in self.operations:
            counts[op.action] += 1
        return counts


def _operation(table: Table, row: int, widths: dict[Role, int | None]) -> Operation:
    action = table.action(row) or Action.CREATE
    value = table.value
    if action is Action.UPDATE:
        unique_id, rename_to = rename_target(table, row)
    elif action in LOGIN_NAMING_ACTIONS:
        unique_id = value(row, Role.NEW_LOGIN).strip() or value(row, Role.CURRENT_LOGIN).strip()
        rename_to = ""
    else:
        unique_id, rename_to = value(row, Role.NEW_LOGIN), ""
    student = table.student(row)
    if student is None:  # the rules make such a row Invalid; never send one without user[id]
        raise ValueError(f"row {table.rows[row].sheet_row} names no student")
    status = table.status(row)
    checked = row in table.checked_rows
    return Operation(
        row=row,
        action=action,
        user_ref=user_ref_for(*student),
        unique_id=unique_id.strip(),
        password=value(row, Role.PASSWORD),
        login_sis_id=value(row, Role.LOGIN_SIS_ID).strip(),
        integration_id=value(row, Role.INTEGRATION_ID).strip(),
        provider=value(row, Role.PROVIDER).strip(),
        login_id=value(row, Role.CANVAS_LOGIN_ID).strip(),
        identity=table.row_identity(row),
        rename_to=rename_to.strip(),
        sheet_row=table.rows[row].sheet_row,
        failed_before=(status in _CHECK_BEFORE_SENDING and not checked)
        or (checked and status == Status.ALREADY_EXISTS.value),
        generated=table.generated_login(row) if action is Action.CREATE else None,
        padded_user_ref=_padded_ref(table, *student, widths),
        number_typed_id=table.columns.get(student[0]) in table.rows[row].number_cells,
    )


def _padded_ref(table: Table, role: Role, value: str, widths: dict[Role, int | None]) -> str:
    """``user[id]`` with the SIS User ID padded to its column's width, or "" (see Operation)."""
    if role is not Role.SIS_USER_ID:
        return ""
    if role not in widths:
        widths[role] = padding_width(table, role)
    width = widths[role]
    value = value.strip()
    if width is None or not (value.isascii() and value.isdigit()) or len(value) >= width:
        return ""
    return user_ref_for(role, padded(value, width))


def build_plan(table: Table, findings: Iterable[Finding]) -> Plan:
    """Operations for rows not done and without errors; Invalid results for the rest.

    Rows whose status is Failed, Invalid, Ready or Would fail (from an earlier session)
    are tried again; a row this session's check found would fail is left out
    (``left_out``). Blank rows (no input cell filled) are left out altogether, and note
    rows (text, but no student) are counted in ``skipped_notes``.
    """
    by_row = findings_by_row(findings)
    plan = Plan(sheet_logins=frozenset(table.logins_in_use()))
    stamp = now_local()
    widths: dict[Role, int | None] = {}
    for row in range(len(table.rows)):
        if table.is_done(row):
            plan.skipped_done += 1
            continue
        checked = table.status(row) if row in table.checked_rows else ""
        if checked == Status.WOULD_FAIL.value:
            message = table.value(row, Role.MESSAGE)
            plan.left_out.append(RowResult(row, Status.WOULD_FAIL, message, from_check=True))
            continue
        errors = [f for f in by_row.get(row, []) if f.severity is Severity.ERROR]
        if not errors and is_blank_row(table, row):
            if is_note_row(table, row):
                plan.skipped_notes.append(row)
            continue
        if errors:
            message = findings_message(errors)
            plan.invalid.append(RowResult(row, Status.INVALID, message, "", stamp))
            continue
        operation = _operation(table, row, widths)
        if operation.action is Action.CREATE and checked == Status.ALREADY_EXISTS.value:
            plan.checked_existing += 1
        plan.operations.append(operation)
    return plan


def apply_results(table: Table, results: Iterable[RowResult]) -> None:
    """Write results into the output columns. Call on the thread that owns the table.

    A check's result (``from_check``) shows what a run would do: Processed At is left
    empty (an old time is cleared), no Canvas Login ID is filled in, and the row is
    recorded in ``Table.checked_rows``. A run's result takes the row out of it.
    """
    for result in results:
        if result.new_login:
            _renumber_login(table, result.row, result.new_login)
        table.set_value(result.row, Role.STATUS, result.status.value)
        table.set_value(result.row, Role.MESSAGE, result.message)
        if result.from_check:
            table.checked_rows.add(result.row)
            if table.column(Role.PROCESSED_AT) is not None:
                table.set_value(result.row, Role.PROCESSED_AT, "")
            continue
        table.checked_rows.discard(result.row)
        if result.login_id:
            table.set_value(result.row, Role.CANVAS_LOGIN_ID, result.login_id)
        stamp = processed_at_text(result.processed_at or now_local())
        table.set_value(result.row, Role.PROCESSED_AT, stamp)


def _renumber_login(table: Table, row: int, login: str) -> None:
    """A generated login that Check with Canvas numbered again goes into New Login, as an
    edit (so it is saved), and still counts as generated."""
    column = table.column(Role.NEW_LOGIN)
    made = table.generated_login(row)
    if column is None or made is None:
        return
    table.set_cell(row, column, login)
    table.generated_logins[row] = GeneratedLogin(login, made.head, made.tail)

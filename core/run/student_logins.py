"""Finding the login a row means among its student's logins, and the row results that say so.

Shared by the row functions of :mod:`core.run.operations` (create, update, delete) and
:mod:`core.run.login_state` (suspend, reactivate). The rules that keep a run safe:

- a write only ever touches a login found among the row's student's own logins (read
  first, ``GET .../logins``), by its Canvas Login ID or its name, and never guesses
  between two candidates (:func:`target_login`);
- a student not found by a SIS User ID shorter than its column's other ids is looked up
  once more with the zeros Excel dropped (a read only): when that finds the student, the
  row fails with a message naming the fix, and nothing is written with an id the sheet
  does not hold (:func:`student_not_found`);
- Canvas Login ID is a number: an answer whose login ``id`` is not a whole number (or its
  digits) is refused as a bad answer (:mod:`core.run.login_ids`): the row is Failed, and
  nothing goes into Canvas Login ID (:func:`row_result`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from core.canvas.errors import NotFound
from core.model import RowResult, Status, login_key
from core.plan import Operation, now_local
from core.run.login_ids import bad_login_id_words, canvas_login_id
from core.run.row_context import RowContext

__all__ = [
    "SUSPENDED_WORDS",
    "NoTarget",
    "active_logins",
    "failed",
    "holder_elsewhere",
    "is_suspended",
    "named",
    "row_result",
    "same_family",
    "student_logins",
    "student_not_found",
    "suspended_note",
    "taken_message",
    "target_login",
]

log = logging.getLogger(__name__)

#: What a suspended login means for the student, for messages.
SUSPENDED_WORDS = "the student cannot sign in with it until it is reactivated"


def row_result(op: Operation, status: Status, message: str, login: dict | None = None) -> RowResult:
    """The row's result; ``login`` (Canvas's login JSON) gives its Canvas Login ID."""
    login_id = ""
    if login is not None:
        found = canvas_login_id(login.get("id"))
        if found is None:
            log.warning(
                "row %s: a login id that is not a number: %r", op.sheet_row, login.get("id")
            )
            return failed(op, bad_login_id_words(status, login.get("id")))
        login_id = found
    return RowResult(op.row, status, message, login_id, now_local())


def failed(op: Operation, message: str) -> RowResult:
    return row_result(op, Status.FAILED, message.rstrip(".") + ".")


def student_not_found(ctx: RowContext, op: Operation) -> RowResult:
    """No student is named by the row's id: say so, and name the fix when the id with the
    leading zeros Excel dropped is a student (one read; the row is never sent with it)."""
    words = f"No student with {op.student_words}"
    if op.padded_user_ref:
        try:
            ctx.call(lambda: ctx.client.get_user(op.padded_user_ref))
        except NotFound:
            pass
        else:
            padded_id = op.padded_user_ref.partition(":")[2]
            message = (
                f"{words}. '{padded_id}' is a student in Canvas: Excel probably dropped the "
                "id's leading zeros. Add them to the ids in this column (in the app: Check "
                "with Canvas offers Add the zeros)"
            )
            return replace(failed(op, message), padded_id=padded_id)
    if op.number_typed_id:
        return failed(
            op,
            f"{words} was found in Canvas. The workbook stores this column as numbers, so "
            "Excel may have dropped the ids' leading zeros: if your school's ids start with "
            "0, type them in again with their zeros",
        )
    return failed(op, f"{words} was found in Canvas")


def active_logins(logins: list[dict]) -> list[dict]:
    """The logins that are not removed (suspended ones included: they still exist)."""
    return [lg for lg in logins if (lg.get("workflow_state") or "active") != "deleted"]


def is_suspended(login: dict) -> bool:
    """Whether Canvas lists the login as suspended (an older Canvas lists no state)."""
    return str(login.get("workflow_state") or "active") == "suspended"


def suspended_note(login: dict) -> str:
    """``"; the login is suspended: ..."`` for a suspended login, else ``""``: appended to
    what a row did with a login that nobody can sign in with until it is reactivated."""
    if not is_suspended(login):
        return ""
    return f"; the login is suspended: {SUSPENDED_WORDS}"


def same_family(login: dict, provider: str) -> bool:
    """Whether ``login`` is of the sign-in method the row names (unknown counts as yes)."""
    provider = provider.strip().casefold()
    kind = login.get("authentication_provider_type")
    if not provider or provider == "canvas":
        return kind is None or str(kind).casefold() == "canvas"
    if provider.isdigit():
        pid = login.get("authentication_provider_id")
        return pid is None or str(pid) == provider
    return kind is None or str(kind).casefold() == provider


def named(logins: list[dict], name: str) -> list[dict]:
    key = login_key(name)
    return [lg for lg in logins if login_key(str(lg.get("unique_id") or "")) == key]


class NoTarget(Exception):
    """No single login of the student is the one the row means; message says why."""


def target_login(logins: list[dict], op: Operation, name: str) -> dict | None:
    """The login an Update, Delete, Suspend or Reactivate means, by Canvas Login ID or name."""
    if op.login_id:
        by_id = next((lg for lg in logins if str(lg.get("id")) == op.login_id), None)
        if by_id is not None:
            names = {login_key(n) for n in (name, op.rename_to) if n}
            if names and login_key(str(by_id.get("unique_id") or "")) not in names:
                raise NoTarget(
                    f"Canvas Login ID {op.login_id} is the login "
                    f"'{by_id.get('unique_id')}', not '{name}'; correct one of the two"
                )
            return by_id
        if not name:
            return None
    candidates = named(logins, name)
    if len(candidates) > 1:
        preferred = [lg for lg in candidates if same_family(lg, op.provider)]
        if len(preferred) == 1:
            return preferred[0]
        raise NoTarget(
            f"This student has more than one login named '{name}'; put the Canvas "
            "Login ID of the one you mean in the row"
        )
    return candidates[0] if candidates else None


def student_logins(ctx: RowContext, op: Operation) -> list[dict] | RowResult:
    """The row's student's logins that are not removed, or the Failed result saying the
    student was not found."""
    try:
        return active_logins(ctx.call(lambda: ctx.client.list_logins(op.user_ref)))
    except NotFound:
        return student_not_found(ctx, op)


def holder_elsewhere(ctx: RowContext, name: str) -> bool:
    """Whether someone holds login ``name`` (one read: GET users/sis_login_id:NAME)."""
    try:
        ctx.call(lambda: ctx.client.get_user(f"sis_login_id:{name.strip()}"))
    except NotFound:
        return False
    return True


def taken_message(name: str) -> str:
    return f"Login name '{name.strip()}' already belongs to another person in Canvas"

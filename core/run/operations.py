"""What the runner does for one row: the Canvas calls of Create, Update and Delete.

Each function takes the run's :class:`RowContext` and one :class:`Operation` and
returns its :class:`RowResult`, or None when the row was not finished (stopped before
its call). The rules that keep a run safe live here:

- a create is one POST; a "taken" answer is checked against the student's own logins
  (``Already exists``) before calling it someone else's;
- a write whose answer was lost (``maybe_done``) is settled by reading the student's
  logins, and resent at most once;
- update and delete only ever touch a login found among the row's student's logins,
  by its Canvas Login ID or its name, and never guess between two candidates;
- a check (dry run) gives a generated login that someone else holds the lowest free
  number instead; a login a teacher typed is never changed;
- a student not found by a SIS User ID shorter than its column's other ids is looked up
  once more with the zeros Excel dropped (a read only): when that finds the student, the
  row fails with a message naming the fix, and nothing is written with an id the sheet
  does not hold;
- Canvas Login ID is a number: an answer whose login ``id`` is not a whole number (or its
  digits) is refused as a bad answer (:mod:`core.run.login_ids`): the row is Failed, and
  nothing goes into Canvas Login ID.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from core.canvas.errors import (
    CanvasError,
    LastLogin,
    LoginTaken,
    NotFound,
    PasswordRejected,
    PermissionDenied,
)
from core.kit.logins import LoginStem
from core.model import Action, GeneratedLogin, RowResult, Status, login_key
from core.plan import Operation, now_local
from core.run.login_ids import bad_login_id_words, canvas_login_id
from core.run.row_context import RowContext

log = logging.getLogger(__name__)

#: Numbers a check tries for a generated login taken in Canvas before giving up.
RENUMBER_LIMIT = 50

PASSWORD_PERMISSION_MESSAGE = (
    "Canvas did not allow changing this password. A Canvas administrator must switch on "
    'the account setting that lets admins change passwords ("admins can change '
    'passwords"), or your admin role lacks the right'
)
SIS_PERMISSION_MESSAGE = (
    'Setting a Login SIS ID or Integration ID needs the "manage SIS" right in Canvas, '
    "which your token does not have. Leave those cells empty or ask a Canvas administrator"
)


def _result(op: Operation, status: Status, message: str, login: dict | None = None) -> RowResult:
    login_id = ""
    if login is not None:
        found = canvas_login_id(login.get("id"))
        if found is None:
            log.warning(
                "row %s: a login id that is not a number: %r", op.sheet_row, login.get("id")
            )
            return _failed(op, bad_login_id_words(status, login.get("id")))
        login_id = found
    return RowResult(op.row, status, message, login_id, now_local())


def _failed(op: Operation, message: str) -> RowResult:
    return _result(op, Status.FAILED, message.rstrip(".") + ".")


def _not_found(ctx: RowContext, op: Operation) -> RowResult:
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
            return replace(_failed(op, message), padded_id=padded_id)
    if op.number_typed_id:
        return _failed(
            op,
            f"{words} was found in Canvas. The workbook stores this column as numbers, so "
            "Excel may have dropped the ids' leading zeros: if your school's ids start with "
            "0, type them in again with their zeros",
        )
    return _failed(op, f"{words} was found in Canvas")


def _active(logins: list[dict]) -> list[dict]:
    return [lg for lg in logins if (lg.get("workflow_state") or "active") != "deleted"]


def _same_family(login: dict, provider: str) -> bool:
    """Whether ``login`` is of the sign-in method the row names (unknown counts as yes)."""
    provider = provider.strip().casefold()
    kind = login.get("authentication_provider_type")
    if not provider or provider == "canvas":
        return kind is None or str(kind).casefold() == "canvas"
    if provider.isdigit():
        pid = login.get("authentication_provider_id")
        return pid is None or str(pid) == provider
    return kind is None or str(kind).casefold() == provider


def _named(logins: list[dict], name: str) -> list[dict]:
    key = login_key(name)
    return [lg for lg in logins if login_key(str(lg.get("unique_id") or "")) == key]


def _own_login(logins: list[dict], op: Operation) -> dict | None:
    """The student's login that is the one a Create asks for, if it exists."""
    return next((lg for lg in _named(logins, op.unique_id) if _same_family(lg, op.provider)), None)


class _NoTarget(Exception):
    """No single login of the student is the one the row means; message says why."""


def _target(logins: list[dict], op: Operation, name: str) -> dict | None:
    """The login an Update or Delete means, found by Canvas Login ID or by name."""
    if op.login_id:
        by_id = next((lg for lg in logins if str(lg.get("id")) == op.login_id), None)
        if by_id is not None:
            names = {login_key(n) for n in (name, op.rename_to) if n}
            if names and login_key(str(by_id.get("unique_id") or "")) not in names:
                raise _NoTarget(
                    f"Canvas Login ID {op.login_id} is the login "
                    f"'{by_id.get('unique_id')}', not '{name}'; correct one of the two"
                )
            return by_id
        if not name:
            return None
    candidates = _named(logins, name)
    if len(candidates) > 1:
        preferred = [lg for lg in candidates if _same_family(lg, op.provider)]
        if len(preferred) == 1:
            return preferred[0]
        raise _NoTarget(
            f"This student has more than one login named '{name}'; put the Canvas "
            "Login ID of the one you mean in the row"
        )
    return candidates[0] if candidates else None


def _student_logins(ctx: RowContext, op: Operation) -> list[dict] | RowResult:
    try:
        return _active(ctx.call(lambda: ctx.client.list_logins(op.user_ref)))
    except NotFound:
        return _not_found(ctx, op)


def _holder_elsewhere(ctx: RowContext, name: str) -> bool:
    """Whether someone holds login ``name`` (one read: GET users/sis_login_id:NAME)."""
    try:
        ctx.call(lambda: ctx.client.get_user(f"sis_login_id:{name.strip()}"))
    except NotFound:
        return False
    return True


def _taken_message(name: str) -> str:
    return f"Login name '{name.strip()}' already belongs to another person in Canvas"


# --- create ------------------------------------------------------------------------------


def create(ctx: RowContext, op: Operation) -> RowResult | None:
    if ctx.dry_run:
        return _check_create(ctx, op)
    if op.identity in ctx.maybe_sent:
        logins = _student_logins(ctx, op)
        if isinstance(logins, RowResult):
            return logins
        mine = _own_login(logins, op)
        if mine is not None:
            return _result(op, Status.CREATED, f"Login '{op.unique_id}' created", mine)
    elif op.failed_before:
        checked = _check_create(ctx, op)
        if checked.status is not Status.READY:
            return checked
    for attempt in range(1, ctx.backoff.max_attempts + 1):
        ctx.record_sent(op)
        try:
            login = ctx.call(lambda: _post(ctx, op))
        except LoginTaken:
            return _after_taken(ctx, op)
        except NotFound:
            return _create_not_found(ctx, op)
        except PermissionDenied as exc:
            if op.login_sis_id or op.integration_id:
                return _failed(op, SIS_PERMISSION_MESSAGE)
            return _failed(op, exc.message)
        except CanvasError as exc:
            if not exc.maybe_done:
                return _failed(op, exc.message)
            # Give a late answer time to land before looking, and look before resending.
            if ctx.cancel.wait(ctx.backoff.delay(attempt)):
                return None
            settled = _settle_lost_create(ctx, op)
            if settled is not None:
                return settled
            if attempt == ctx.backoff.max_attempts:
                return _failed(
                    op,
                    f"{exc.message} Canvas did not confirm the login; run again to check",
                )
            continue
        return _result(op, Status.CREATED, f"Login '{op.unique_id}' created", login)
    return None  # not reached


def _post(ctx: RowContext, op: Operation) -> dict:
    return ctx.client.create_login(
        ctx.write_account(),
        op.user_ref,
        op.unique_id,
        password=op.password or None,
        sis_user_id=op.login_sis_id or None,
        integration_id=op.integration_id or None,
        provider=op.provider or None,
    )


def _settle_lost_create(ctx: RowContext, op: Operation) -> RowResult | None:
    """After a lost answer: Created if the login is there, None to send again."""
    logins = _student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    mine = _own_login(logins, op)
    if mine is not None:
        return _result(op, Status.CREATED, f"Login '{op.unique_id}' created", mine)
    return None


def _after_taken(ctx: RowContext, op: Operation) -> RowResult:
    logins = _student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    mine = _own_login(logins, op)
    if mine is not None:
        if op.identity in ctx.maybe_sent:
            return _result(op, Status.CREATED, f"Login '{op.unique_id}' created", mine)
        return _result(
            op,
            Status.ALREADY_EXISTS,
            f"The student already has the login '{mine.get('unique_id')}' in Canvas",
            mine,
        )
    return _failed(op, _taken_message(op.unique_id))


def _create_not_found(ctx: RowContext, op: Operation) -> RowResult:
    """A 404 on create: the student, or (when one is named) the sign-in method."""
    if op.provider:
        try:
            ctx.call(lambda: ctx.client.get_user(op.user_ref))
        except NotFound:
            pass
        else:
            return _failed(
                op,
                f"Canvas has no sign-in method (authentication provider) '{op.provider}' "
                "on this account",
            )
    return _not_found(ctx, op)


def _check_create(ctx: RowContext, op: Operation) -> RowResult:
    logins = _student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    mine = _own_login(logins, op)
    if mine is not None:
        return _result(
            op,
            Status.ALREADY_EXISTS,
            f"The student already has the login '{mine.get('unique_id')}' in Canvas",
            mine,
        )
    if _named(logins, op.unique_id):
        return _result(op, Status.READY, f"Would create login '{op.unique_id}'")
    if _holder_elsewhere(ctx, op.unique_id):
        if ctx.dry_run and op.generated is not None:
            return _renumbered(ctx, op, op.generated, logins)
        return _failed(op, _taken_message(op.unique_id))
    return _result(op, Status.READY, f"Would create login '{op.unique_id}'")


def _renumbered(
    ctx: RowContext, op: Operation, generated: GeneratedLogin, logins: list[dict]
) -> RowResult:
    """A generated login someone else holds: the lowest number free in the sheet and in
    Canvas instead (a check only; the result carries it into New Login)."""
    stem = LoginStem(generated.head, generated.tail)
    for number in range(1, RENUMBER_LIMIT + 1):
        name = stem.numbered(number)
        if not ctx.claim_login(name):
            continue
        owned = _named(logins, name)
        if owned or not _holder_elsewhere(ctx, name):
            status = Status.ALREADY_EXISTS if owned else Status.READY
            then = "the student already has it" if owned else f"would create login '{name}'"
            message = (
                f"Login name '{op.unique_id}' is taken in Canvas; generated '{name}' "
                f"instead, and {then}"
            )
            return replace(
                _result(op, status, message, owned[0] if owned else None), new_login=name
            )
    return _failed(op, _taken_message(op.unique_id))


# --- update ------------------------------------------------------------------------------


def update(ctx: RowContext, op: Operation) -> RowResult | None:
    logins = _student_logins(ctx, op)
    if isinstance(logins, RowResult) and op.rename_to and op.user_ref.startswith("sis_login_id:"):
        # The student was named by the old login, which an earlier run may have renamed.
        renamed = replace(op, user_ref=f"sis_login_id:{op.rename_to}")
        again = _student_logins(ctx, renamed)
        if not isinstance(again, RowResult):
            logins = again
    if isinstance(logins, RowResult):
        return logins
    try:
        target = _target(logins, op, op.unique_id)
        renamed_already = _target(logins, op, op.rename_to) if op.rename_to else None
    except _NoTarget as exc:
        return _failed(op, str(exc))
    rename = bool(op.rename_to)
    if renamed_already is not None and (target is None or target is renamed_already):
        target, rename = renamed_already, False
    if target is None:
        return _failed(op, f"This student has no login '{op.unique_id}' in Canvas")
    name = str(target.get("unique_id") or op.unique_id)
    if ctx.dry_run:
        if rename and _holder_elsewhere(ctx, op.rename_to):
            return _failed(op, _taken_message(op.rename_to))
        return _result(op, Status.READY, _update_words(op, name, rename, would=True), target)
    if not rename and not op.password:
        return _result(op, Status.UPDATED, f"Login renamed to '{name}'", target)
    ctx.record_sent(op)
    try:
        changed = ctx.call(
            lambda: ctx.client.edit_login(
                ctx.write_account(),
                target["id"],
                unique_id=op.rename_to if rename else None,
                password=op.password or None,
            ),
            resend_lost=True,
        )
    except LoginTaken:
        return _failed(op, _taken_message(op.rename_to))
    except PasswordRejected as exc:
        return _failed(op, exc.message)
    except PermissionDenied as exc:
        return _failed(op, PASSWORD_PERMISSION_MESSAGE if op.password else exc.message)
    except NotFound:
        return _failed(op, f"This student has no login '{name}' in Canvas")
    except CanvasError as exc:
        return _failed(op, exc.message)
    return _result(op, Status.UPDATED, _update_words(op, name, rename), changed or target)


def _update_words(op: Operation, name: str, rename: bool, would: bool = False) -> str:
    parts: list[str] = []
    if rename:
        parts.append(f"{'rename' if would else 'renamed'} login '{name}' to '{op.rename_to}'")
    if op.password:
        verb = "change" if would else "changed"
        parts.append(f"{verb} the password of login '{op.rename_to if rename else name}'")
    text = " and ".join(parts)
    return ("Would " + text) if would else (text[:1].upper() + text[1:])


# --- delete ------------------------------------------------------------------------------


def delete(ctx: RowContext, op: Operation) -> RowResult | None:
    logins = _student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    label = op.unique_id or f"with Canvas Login ID {op.login_id}"
    quoted = f"'{op.unique_id}'" if op.unique_id else label
    try:
        target = _target(logins, op, op.unique_id)
    except _NoTarget as exc:
        return _failed(op, str(exc))
    if target is None:
        return _result(
            op,
            Status.ALREADY_DELETED,
            f"The student has no login {quoted} in Canvas (already removed)",
        )
    name = str(target.get("unique_id") or op.unique_id)
    if ctx.dry_run:
        if len(logins) == 1:
            return _failed(op, "This is the student's only login; Canvas will not remove it")
        return _result(op, Status.READY, f"Would remove login '{name}'", target)
    for attempt in range(1, ctx.backoff.max_attempts + 1):
        ctx.record_sent(op)
        try:
            ctx.call(lambda: ctx.client.delete_login(op.user_ref, target["id"]))
        except NotFound:
            return _result(
                op, Status.ALREADY_DELETED, f"Login '{name}' was already removed", target
            )
        except LastLogin:
            return _failed(op, "This is the student's only login; Canvas will not remove it")
        except PermissionDenied as exc:
            if target.get("sis_user_id"):
                return _failed(
                    op,
                    'This login carries a SIS ID, and removing it needs the "manage SIS" '
                    "right in Canvas, which your token does not have",
                )
            return _failed(op, exc.message)
        except CanvasError as exc:
            if not exc.maybe_done:
                return _failed(op, exc.message)
            left = _student_logins(ctx, op)
            if isinstance(left, RowResult):
                return left
            if not any(str(lg.get("id")) == str(target["id"]) for lg in left):
                return _result(op, Status.DELETED, f"Login '{name}' removed", target)
            if attempt == ctx.backoff.max_attempts:
                return _failed(op, exc.message)
            continue
        return _result(op, Status.DELETED, f"Login '{name}' removed", target)
    return None  # not reached


OPERATIONS: dict[Action, Callable[[RowContext, Operation], RowResult | None]] = {
    Action.CREATE: create,
    Action.UPDATE: update,
    Action.DELETE: delete,
}

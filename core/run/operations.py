"""What the runner does for one row: the Canvas calls of Create, Update and Delete
(Suspend and Reactivate are in :mod:`core.run.login_state`; :data:`OPERATIONS` has all five).

Each function takes the run's :class:`RowContext` and one :class:`Operation` and
returns its :class:`RowResult`, or None when the row was not finished (stopped before
its call). The rules that keep a run safe live here:

- a create is one POST; a "taken" answer is checked against the student's own logins
  (``Already exists``) before calling it someone else's;
- a write whose answer was lost (``maybe_done``) is settled by reading the student's
  logins, and resent at most once;
- update and delete only ever touch a login found among the row's student's logins,
  by its Canvas Login ID or its name, and never guess between two candidates
  (:mod:`core.run.student_logins`, which also holds the rules for a student not found
  and for a Canvas Login ID that is not a number);
- a check (dry run) gives a generated login that someone else holds the lowest free
  number instead; a login a teacher typed is never changed;
- a login that exists but is suspended is said to be so (Already exists, Updated):
  the student cannot sign in with it until it is reactivated.
"""

from __future__ import annotations

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
from core.model import Action, GeneratedLogin, RowResult, Status
from core.plan import Operation
from core.run.login_state import reactivate, suspend
from core.run.row_context import RowContext
from core.run.student_logins import (
    NoTarget,
    failed,
    holder_elsewhere,
    named,
    row_result,
    same_family,
    student_logins,
    student_not_found,
    suspended_note,
    taken_message,
    target_login,
)

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


def _own_login(logins: list[dict], op: Operation) -> dict | None:
    """The student's login that is the one a Create asks for, if it exists."""
    return next((lg for lg in named(logins, op.unique_id) if same_family(lg, op.provider)), None)


def _already_has(op: Operation, login: dict) -> RowResult:
    """Already exists: the student has the login (and whether it is suspended)."""
    return row_result(
        op,
        Status.ALREADY_EXISTS,
        f"The student already has the login '{login.get('unique_id')}' in Canvas"
        + suspended_note(login),
        login,
    )


# --- create ------------------------------------------------------------------------------


def create(ctx: RowContext, op: Operation) -> RowResult | None:
    if ctx.dry_run:
        return _check_create(ctx, op)
    if op.identity in ctx.maybe_sent:
        logins = student_logins(ctx, op)
        if isinstance(logins, RowResult):
            return logins
        mine = _own_login(logins, op)
        if mine is not None:
            return row_result(op, Status.CREATED, f"Login '{op.unique_id}' created", mine)
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
                return failed(op, SIS_PERMISSION_MESSAGE)
            return failed(op, exc.message)
        except CanvasError as exc:
            if not exc.maybe_done:
                return failed(op, exc.message)
            # Give a late answer time to land before looking, and look before resending.
            if ctx.cancel.wait(ctx.backoff.delay(attempt)):
                return None
            settled = _settle_lost_create(ctx, op)
            if settled is not None:
                return settled
            if attempt == ctx.backoff.max_attempts:
                return failed(
                    op,
                    f"{exc.message} Canvas did not confirm the login; run again to check",
                )
            continue
        return row_result(op, Status.CREATED, f"Login '{op.unique_id}' created", login)
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
    logins = student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    mine = _own_login(logins, op)
    if mine is not None:
        return row_result(op, Status.CREATED, f"Login '{op.unique_id}' created", mine)
    return None


def _after_taken(ctx: RowContext, op: Operation) -> RowResult:
    logins = student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    mine = _own_login(logins, op)
    if mine is not None:
        if op.identity in ctx.maybe_sent:
            return row_result(op, Status.CREATED, f"Login '{op.unique_id}' created", mine)
        return _already_has(op, mine)
    return failed(op, taken_message(op.unique_id))


def _create_not_found(ctx: RowContext, op: Operation) -> RowResult:
    """A 404 on create: the student, or (when one is named) the sign-in method."""
    if op.provider:
        try:
            ctx.call(lambda: ctx.client.get_user(op.user_ref))
        except NotFound:
            pass
        else:
            return failed(
                op,
                f"Canvas has no sign-in method (authentication provider) '{op.provider}' "
                "on this account",
            )
    return student_not_found(ctx, op)


def _check_create(ctx: RowContext, op: Operation) -> RowResult:
    logins = student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    mine = _own_login(logins, op)
    if mine is not None:
        return _already_has(op, mine)
    if named(logins, op.unique_id):
        return row_result(op, Status.READY, f"Would create login '{op.unique_id}'")
    if holder_elsewhere(ctx, op.unique_id):
        if ctx.dry_run and op.generated is not None:
            return _renumbered(ctx, op, op.generated, logins)
        return failed(op, taken_message(op.unique_id))
    return row_result(op, Status.READY, f"Would create login '{op.unique_id}'")


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
        owned = named(logins, name)
        if owned or not holder_elsewhere(ctx, name):
            status = Status.ALREADY_EXISTS if owned else Status.READY
            then = "the student already has it" if owned else f"would create login '{name}'"
            message = (
                f"Login name '{op.unique_id}' is taken in Canvas; generated '{name}' "
                f"instead, and {then}"
            )
            return replace(
                row_result(op, status, message, owned[0] if owned else None), new_login=name
            )
    return failed(op, taken_message(op.unique_id))


# --- update ------------------------------------------------------------------------------


def update(ctx: RowContext, op: Operation) -> RowResult | None:
    logins = student_logins(ctx, op)
    if isinstance(logins, RowResult) and op.rename_to and op.user_ref.startswith("sis_login_id:"):
        # The student was named by the old login, which an earlier run may have renamed.
        renamed = replace(op, user_ref=f"sis_login_id:{op.rename_to}")
        again = student_logins(ctx, renamed)
        if not isinstance(again, RowResult):
            logins = again
    if isinstance(logins, RowResult):
        return logins
    try:
        target = target_login(logins, op, op.unique_id)
        renamed_already = target_login(logins, op, op.rename_to) if op.rename_to else None
    except NoTarget as exc:
        return failed(op, str(exc))
    rename = bool(op.rename_to)
    if renamed_already is not None and (target is None or target is renamed_already):
        target, rename = renamed_already, False
    if target is None:
        return failed(op, f"This student has no login '{op.unique_id}' in Canvas")
    name = str(target.get("unique_id") or op.unique_id)
    if ctx.dry_run:
        if rename and holder_elsewhere(ctx, op.rename_to):
            return failed(op, taken_message(op.rename_to))
        words = _update_words(op, name, rename, would=True) + suspended_note(target)
        return row_result(op, Status.READY, words, target)
    if not rename and not op.password:
        return row_result(op, Status.UPDATED, f"Login renamed to '{name}'", target)
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
        return failed(op, taken_message(op.rename_to))
    except PasswordRejected as exc:
        return failed(op, exc.message)
    except PermissionDenied as exc:
        return failed(op, PASSWORD_PERMISSION_MESSAGE if op.password else exc.message)
    except NotFound:
        return failed(op, f"This student has no login '{name}' in Canvas")
    except CanvasError as exc:
        return failed(op, exc.message)
    answer = changed or target
    words = _update_words(op, name, rename) + suspended_note(answer)
    return row_result(op, Status.UPDATED, words, answer)


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
    logins = student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    label = op.unique_id or f"with Canvas Login ID {op.login_id}"
    quoted = f"'{op.unique_id}'" if op.unique_id else label
    try:
        target = target_login(logins, op, op.unique_id)
    except NoTarget as exc:
        return failed(op, str(exc))
    if target is None:
        return row_result(
            op,
            Status.ALREADY_DELETED,
            f"The student has no login {quoted} in Canvas (already removed)",
        )
    name = str(target.get("unique_id") or op.unique_id)
    if ctx.dry_run:
        if len(logins) == 1:
            return failed(op, "This is the student's only login; Canvas will not remove it")
        return row_result(op, Status.READY, f"Would remove login '{name}'", target)
    for attempt in range(1, ctx.backoff.max_attempts + 1):
        ctx.record_sent(op)
        try:
            ctx.call(lambda: ctx.client.delete_login(op.user_ref, target["id"]))
        except NotFound:
            return row_result(
                op, Status.ALREADY_DELETED, f"Login '{name}' was already removed", target
            )
        except LastLogin:
            return failed(op, "This is the student's only login; Canvas will not remove it")
        except PermissionDenied as exc:
            if target.get("sis_user_id"):
                return failed(
                    op,
                    'This login carries a SIS ID, and removing it needs the "manage SIS" '
                    "right in Canvas, which your token does not have",
                )
            return failed(op, exc.message)
        except CanvasError as exc:
            if not exc.maybe_done:
                return failed(op, exc.message)
            left = student_logins(ctx, op)
            if isinstance(left, RowResult):
                return left
            if not any(str(lg.get("id")) == str(target["id"]) for lg in left):
                return row_result(op, Status.DELETED, f"Login '{name}' removed", target)
            if attempt == ctx.backoff.max_attempts:
                return failed(op, exc.message)
            continue
        return row_result(op, Status.DELETED, f"Login '{name}' removed", target)
    return None  # not reached


OPERATIONS: dict[Action, Callable[[RowContext, Operation], RowResult | None]] = {
    Action.CREATE: create,
    Action.UPDATE: update,
    Action.DELETE: delete,
    Action.SUSPEND: suspend,
    Action.REACTIVATE: reactivate,
}

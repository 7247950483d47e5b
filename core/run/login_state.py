"""What the runner does for a Suspend or Reactivate row: Canvas's login edit with
``login[workflow_state]=suspended`` or ``active``.

A suspended login stays in Canvas (its name stays taken) but the student cannot sign
in with it until it is reactivated. The rules, as for Update and Delete
(:mod:`core.run.student_logins`):

- the student's logins are read first, and only a login found among them (by Canvas
  Login ID or name) is ever changed;
- a login already in the state the row asks for is ``Already suspended`` / ``Already
  active`` and nothing is sent; a check (dry run) says the same, or ``Ready``;
- a write whose answer was lost is settled by reading the logins again (the state tells
  whether it went through), and sent again at most once more; a login found in the asked
  state after a run whose answer was lost (the journal saw it sent) was changed by that
  run: ``Suspended`` / ``Reactivated``, so undo takes it back;
- an answer that shows the login still in the old state means this Canvas ignored the
  change: Failed, never reported as done.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.canvas.errors import CanvasError, NotFound, PermissionDenied
from core.model import RowResult, Status
from core.plan import Operation
from core.run.row_context import RowContext
from core.run.student_logins import (
    SUSPENDED_WORDS,
    NoTarget,
    failed,
    row_result,
    student_logins,
    target_login,
)

__all__ = ["REACTIVATING", "SUSPENDING", "StateChange", "reactivate", "set_login_state", "suspend"]


@dataclass(frozen=True)
class StateChange:
    """One direction of the change, with its words."""

    #: The ``workflow_state`` Canvas is asked for.
    state: str
    done: Status
    already: Status
    #: "suspend" / "reactivate", for "Would suspend login 'x'" and the refusal.
    verb: str
    #: "suspended: the student cannot sign in ...", after "Login 'x' ".
    done_words: str
    #: "is already suspended", after "Login 'x' ".
    already_words: str


SUSPENDING = StateChange(
    state="suspended",
    done=Status.SUSPENDED,
    already=Status.ALREADY_SUSPENDED,
    verb="suspend",
    done_words=f"suspended: {SUSPENDED_WORDS}",
    already_words=f"is already suspended: {SUSPENDED_WORDS}",
)
REACTIVATING = StateChange(
    state="active",
    done=Status.REACTIVATED,
    already=Status.ALREADY_ACTIVE,
    verb="reactivate",
    done_words="reactivated: the student can sign in with it again",
    already_words="is already active: the student can sign in with it",
)


def _state_of(login: dict) -> str:
    return str(login.get("workflow_state") or "active")


def _permission_words(change: StateChange) -> str:
    return (
        f"Canvas did not allow your token to {change.verb} this login: suspending and "
        'reactivating logins needs the right to manage user logins ("Users - manage login '
        'details") on the whole school account. Ask a Canvas administrator to check your '
        "admin role"
    )


def suspend(ctx: RowContext, op: Operation) -> RowResult | None:
    return set_login_state(ctx, op, SUSPENDING)


def reactivate(ctx: RowContext, op: Operation) -> RowResult | None:
    return set_login_state(ctx, op, REACTIVATING)


def set_login_state(ctx: RowContext, op: Operation, change: StateChange) -> RowResult | None:
    """Suspend or reactivate the row's login; None when stopped before it was settled."""
    logins = student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    try:
        target = target_login(logins, op, op.unique_id)
    except NoTarget as exc:
        return failed(op, str(exc))
    if target is None:
        named = f"'{op.unique_id}'" if op.unique_id else f"with Canvas Login ID {op.login_id}"
        return failed(op, f"This student has no login {named} in Canvas")
    name = str(target.get("unique_id") or op.unique_id)
    if _state_of(target) == change.state:
        if op.identity in ctx.maybe_sent and not ctx.dry_run:
            # An earlier run sent this change and lost the answer: it went through.
            return row_result(op, change.done, f"Login '{name}' {change.done_words}", target)
        return row_result(op, change.already, f"Login '{name}' {change.already_words}", target)
    if ctx.dry_run:
        return row_result(op, Status.READY, f"Would {change.verb} login '{name}'", target)
    for attempt in range(1, ctx.backoff.max_attempts + 1):
        ctx.record_sent(op)
        try:
            answer = ctx.call(
                lambda: ctx.client.edit_login(
                    ctx.write_account(), target["id"], workflow_state=change.state
                )
            )
        except NotFound:
            return failed(op, f"The login '{name}' is no longer in Canvas (it was removed)")
        except PermissionDenied:
            return failed(op, _permission_words(change))
        except CanvasError as exc:
            if not exc.maybe_done:
                return failed(op, exc.message)
            # Give a late answer time to land, then read the state before sending again.
            if ctx.cancel.wait(ctx.backoff.delay(attempt)):
                return None
            settled = _settle_lost_change(ctx, op, change, target, name)
            if settled is not None:
                return settled
            if attempt == ctx.backoff.max_attempts:
                return failed(
                    op, f"{exc.message} Canvas did not confirm the change; run again to check"
                )
            continue
        if answer and "workflow_state" in answer and _state_of(answer) != change.state:
            return failed(
                op,
                f"Canvas answered but left the login '{name}' {_state_of(answer)}: this "
                f"Canvas may not support suspending logins",
            )
        return row_result(op, change.done, f"Login '{name}' {change.done_words}", answer or target)
    return None  # not reached


def _settle_lost_change(
    ctx: RowContext, op: Operation, change: StateChange, target: dict, name: str
) -> RowResult | None:
    """After a lost answer: done if the login is in the asked state, Failed if it is gone,
    None to send again."""
    logins = student_logins(ctx, op)
    if isinstance(logins, RowResult):
        return logins
    found = next((lg for lg in logins if str(lg.get("id")) == str(target["id"])), None)
    if found is None:
        return failed(op, f"The login '{name}' is no longer in Canvas (it was removed)")
    if _state_of(found) == change.state:
        return row_result(op, change.done, f"Login '{name}' {change.done_words}", found)
    return None

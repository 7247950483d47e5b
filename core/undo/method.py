"""Doing the undo: taking back exactly what an :class:`~core.undo.plan.UndoPlan` names.

Each target is one of three changes (:class:`~core.undo.plan.UndoChange`): a login the
run created is removed, one it suspended is reactivated, one it reactivated is suspended
again (the login edit, ``login[workflow_state]``). For each, the student's logins are
read first and the login is touched only when it is still there under the name the row
says (a renamed login, or one whose id now means another name, is left alone and the row
says why). A login that is gone already is Already deleted for a removal, and left alone
for the others; one already in the state undo would set is Already active or Already
suspended, with nothing sent. A write whose answer was lost is settled by reading the
logins again, and sent at most twice. For a run by SIS import that only created logins,
Canvas's own restore (``PUT .../sis_imports/:id/restore_states``) is used instead when the
token may use it and the import touched no login it did not create; otherwise the
per-login way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from core.canvas.errors import CanvasError, LastLogin, NotFound, PermissionDenied
from core.model import (
    CancelToken,
    ProgressCallback,
    RowResult,
    RunMethod,
    Status,
    login_key,
)
from core.plan import now_local
from core.run.engine import RunOptions, RunSession, RunSummary, run_strategy
from core.run.login_state import REACTIVATING, SUSPENDING, StateChange
from core.run.pacing import Cancelled, paced_each
from core.run.row_context import RowContext
from core.sis.method import IMPORT_PERMISSION
from core.undo.plan import UNDO_METHOD, UndoChange, UndoPlan, UndoTarget

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi
    from core.journal import Journal

log = logging.getLogger(__name__)

__all__ = ["UNDO_METHOD", "UndoLogins", "restore_permitted", "undo_last_run"]

T = TypeVar("T")

#: Why a login is gone after Canvas's restore.
RESTORED_WORDS = "Canvas undid the SIS import"
#: The journal's action word for an undone row.
UNDO_ACTION = "Undo"


def restore_permitted(
    client: CanvasApi,
    account_id: int | str | None,
    read: Callable[[Callable[[], Any]], Any] = lambda fn: fn(),
) -> bool:
    """Whether the token may ask Canvas to restore a SIS import (the import right).

    ``read`` wraps the call (the run session passes its retrying read).
    """
    if account_id is None:
        return False
    try:
        allowed = read(lambda: client.permissions(account_id, [IMPORT_PERMISSION]))
    except CanvasError as exc:
        log.info("restore permission not known: %s", exc.message)
        return False
    return allowed.get(IMPORT_PERMISSION) is True


def _result(target: UndoTarget, status: Status, message: str) -> RowResult:
    return RowResult(target.row, status, message.rstrip(".") + ".", target.login_id, now_local())


def _current_login(
    ctx: RowContext, target: UndoTarget, gone: Callable[[], RowResult]
) -> dict | RowResult:
    """The target's login as Canvas has it now, or the row's result when undo must leave
    it alone: the student is not found, the login is gone (``gone``), or its id now
    means another name (renamed since the run)."""
    try:
        logins = ctx.call(lambda: ctx.client.list_logins(target.user_ref))
    except NotFound:
        return _result(
            target,
            Status.FAILED,
            "Undo left this login alone: the student was not found in Canvas any more",
        )
    login = next((lg for lg in logins if str(lg.get("id")) == target.login_id), None)
    if login is None or _state_of(login) == "deleted":
        return gone()
    now_named = str(login.get("unique_id") or "")
    if target.unique_id and login_key(now_named) != login_key(target.unique_id):
        return _result(
            target,
            Status.FAILED,
            f"Undo left this login alone: Canvas Login ID {target.login_id} is now the "
            f"login '{now_named}', not '{target.unique_id}'",
        )
    return login


def _remove_one(
    ctx: RowContext, target: UndoTarget, record_sent: Callable[[UndoTarget], None]
) -> RowResult:
    client = ctx.client
    name = target.unique_id
    login = _current_login(
        ctx,
        target,
        gone=lambda: _result(target, Status.ALREADY_DELETED, f"Login '{name}' was already removed"),
    )
    if isinstance(login, RowResult):
        return login
    for attempt in (1, 2):
        record_sent(target)
        try:
            ctx.call(lambda: client.delete_login(target.user_ref, target.login_id))
        except NotFound:
            return _result(target, Status.ALREADY_DELETED, f"Login '{name}' was already removed")
        except LastLogin:
            return _result(
                target,
                Status.FAILED,
                "Undo could not remove this login: it is now the student's only login",
            )
        except PermissionDenied as exc:
            if login.get("sis_user_id"):
                return _result(
                    target,
                    Status.FAILED,
                    "Undo could not remove this login: it carries a SIS ID, and removing it "
                    'needs the "manage SIS" right in Canvas, which your token does not have',
                )
            return _result(
                target, Status.FAILED, f"Undo could not remove this login: {exc.message}"
            )
        except CanvasError as exc:
            if not exc.maybe_done:
                return _result(
                    target, Status.FAILED, f"Undo could not remove this login: {exc.message}"
                )
            left = ctx.call(lambda: client.list_logins(target.user_ref))
            if not any(
                str(lg.get("id")) == target.login_id
                and (lg.get("workflow_state") or "active") != "deleted"
                for lg in left
            ):
                break
            if attempt == 2:
                return _result(
                    target, Status.FAILED, f"Undo could not remove this login: {exc.message}"
                )
            continue
        break
    return _result(target, Status.DELETED, f"Login '{name}' removed (the run was undone)")


#: A reactivation or a second suspension: the run's own change, with undo's words.
_STATE_CHANGES: dict[UndoChange, StateChange] = {
    UndoChange.REACTIVATE: replace(
        REACTIVATING,
        done_words="reactivated (the run was undone): the student can sign in with it again",
    ),
    UndoChange.SUSPEND: replace(
        SUSPENDING,
        done_words="suspended again (the run was undone): the student cannot sign in with it "
        "until it is reactivated",
    ),
}


def _gone(target: UndoTarget) -> RowResult:
    return _result(
        target,
        Status.FAILED,
        f"Undo left this login alone: login {target.login_words} is no longer in Canvas",
    )


def _state_of(login: dict) -> str:
    return str(login.get("workflow_state") or "active")


def _set_state_one(
    ctx: RowContext, target: UndoTarget, record_sent: Callable[[UndoTarget], None]
) -> RowResult:
    """Reactivate (or suspend again) the target's login, after reading the student's logins."""
    change = _STATE_CHANGES[target.change]
    client = ctx.client
    words = target.login_words

    def current() -> dict | RowResult:
        return _current_login(ctx, target, gone=lambda: _gone(target))

    login = current()
    if isinstance(login, RowResult):
        return login
    if _state_of(login) == change.state:
        return _result(target, change.already, f"Login {words} was already {change.state}")
    account_id = ctx.account_id
    if account_id is None:
        return _result(
            target,
            Status.FAILED,
            f"Undo could not {change.verb} this login: the Canvas account is not known",
        )
    for attempt in (1, 2):
        record_sent(target)
        try:
            ctx.call(
                lambda: client.edit_login(account_id, target.login_id, workflow_state=change.state)
            )
        except NotFound:
            return _gone(target)
        except CanvasError as exc:
            if not exc.maybe_done:
                return _result(
                    target, Status.FAILED, f"Undo could not {change.verb} this login: {exc.message}"
                )
            again = current()
            if isinstance(again, RowResult):
                return again
            if _state_of(again) == change.state:
                break
            if attempt == 2:
                return _result(
                    target, Status.FAILED, f"Undo could not {change.verb} this login: {exc.message}"
                )
            continue
        break
    return _result(target, change.done, f"Login {words} {change.done_words}")


def _undo_one(
    ctx: RowContext, target: UndoTarget, record_sent: Callable[[UndoTarget], None]
) -> RowResult:
    if target.change is UndoChange.REMOVE:
        return _remove_one(ctx, target, record_sent)
    try:
        return _set_state_one(ctx, target, record_sent)
    except PermissionDenied:
        verb = _STATE_CHANGES[target.change].verb
        return _result(
            target,
            Status.FAILED,
            f"Undo could not {verb} this login: Canvas did not allow it. Reading and "
            'changing a student\'s logins needs the "manage user logins" right in Canvas, '
            "which your token does not have",
        )


def _could_not(target: UndoTarget, exc: BaseException) -> RowResult:
    """A target whose undo broke off unexpectedly."""
    verb = {UndoChange.REMOVE: "remove"} | {c: s.verb for c, s in _STATE_CHANGES.items()}
    return _result(target, Status.FAILED, f"Undo could not {verb[target.change]} this login: {exc}")


def _restore(
    ctx: RowContext, account_id: int | str | None, import_id: str, poll: float, cancel: CancelToken
) -> None:
    """Canvas's restore of the SIS import, waited for; raises CanvasError if it fails."""
    client = ctx.client
    if account_id is None:
        raise CanvasError("Canvas's restore needs the root account, which is not known.")
    job = ctx.call(lambda: client.sis_restore_states(account_id, import_id))
    url = job.get("url") or f"/api/v1/progress/{job.get('id')}"
    delay = poll
    while str(job.get("workflow_state") or "") not in ("completed", "failed"):
        if cancel.wait(delay):
            raise Cancelled()
        job = ctx.call(lambda: client.get_url(url).json())
        delay = min(5.0, delay * 1.5)
    if job.get("workflow_state") == "failed":
        raise CanvasError(
            f"Canvas could not restore the SIS import: {job.get('message') or 'no reason given'}"
        )


class UndoLogins:
    """The run strategy of an undo: Canvas's restore of a SIS import, or login by login
    (removed, reactivated or suspended again, as each target says)."""

    def __init__(self, plan: UndoPlan, use_restore: bool | None, restore_poll: float) -> None:
        self.plan = plan
        self.use_restore = use_restore
        self.restore_poll = restore_poll
        self.total = plan.count

    def opening(self, session: RunSession) -> None:
        plan = self.plan
        if not plan.targets:
            return
        needs_account = plan.restore_possible or bool(self.use_restore) or plan.changes_state
        if session.account_id is None and needs_account:
            if plan.run and plan.run.account:
                session.account_id = plan.run.account
            session.open(need_account=True)
        if self.use_restore is None:
            self.use_restore = plan.restore_possible and restore_permitted(
                session.client, session.account_id, session.read
            )

    def run(self, session: RunSession) -> bool:
        if not self.plan.targets:
            return False
        with session.journal_run(RunMethod.UNDO):
            if self.use_restore and self.plan.sis_import_id:
                restored = self._restore(session)
                if restored is not None:
                    return restored
            return self._login_by_login(session)

    def _restore(self, session: RunSession) -> bool | None:
        """Canvas's restore; the stop flag, or None when it could not be used."""
        plan = self.plan
        report = session.report
        report.note(0, "Asking Canvas to undo the SIS import…")
        try:
            for target in plan.targets:
                session.record_sent(target.identity, UNDO_ACTION)
            _restore(
                session.ctx,
                session.account_id,
                str(plan.sis_import_id),
                self.restore_poll,
                session.stop,
            )
        except Cancelled:
            return True
        except CanvasError as exc:
            log.info("restore not possible, removing login by login: %s", exc.message)
            return None
        self._record(
            session,
            [
                _result(
                    t,
                    Status.DELETED,
                    f"Login '{t.unique_id}' removed (Canvas undid the SIS import)",
                )
                for t in plan.targets
            ],
        )
        return False

    def _login_by_login(self, session: RunSession) -> bool:
        return paced_each(
            list(self.plan.targets),
            lambda target: _undo_one(
                session.ctx, target, lambda t: session.record_sent(t.identity, UNDO_ACTION)
            ),
            concurrency=session.concurrency,
            cancel=session.stop,
            on_fresh=lambda fresh: self._record(session, fresh),
            on_error=_could_not,
            on_tick=session.tick,
        )

    def _record(self, session: RunSession, fresh: list[RowResult]) -> None:
        by_row = {t.row: t for t in self.plan.targets}
        for result in fresh:
            session.record_result(by_row[result.row].identity, result, UNDO_ACTION)
        session.report.add(fresh)


def undo_last_run(
    plan: UndoPlan,
    client: CanvasApi,
    options: RunOptions,
    *,
    use_restore: bool | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Journal | None = None,
    workbook_key: str = "",
    restore_poll: float = 0.5,
) -> RunSummary:
    """Take back the plan's changes; results say Deleted or Already deleted for a removal,
    Reactivated or Already active for a reactivation, Suspended or Already suspended for a
    second suspension, or Failed and why.

    ``use_restore``: None decides by itself (restore when possible and permitted),
    False always removes login by login. Raises
    :class:`~core.run.engine.CanvasUnavailable` when the token is refused or Canvas is
    unreachable (with the rows finished so far).
    """
    return run_strategy(
        UndoLogins(plan, use_restore, restore_poll),
        client,
        options,
        progress=progress,
        cancel=cancel,
        journal=journal,
        workbook_key=workbook_key,
    )

"""Doing the undo: removing exactly the logins an :class:`~core.undo_plan.UndoPlan` names.

For each login, the student's logins are read first and the login is removed only when
it is still there under the name the row says (a renamed login, or one whose id now
means another name, is left alone and the row says why). A login that is gone already
is Already deleted. For a run by SIS import, Canvas's own restore
(``PUT .../sis_imports/:id/restore_states``) is used instead when the token may use it
and the import touched no login it did not create; otherwise the per-login way.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from core.canvas_errors import (
    CanvasError,
    ConnectionFailed,
    LastLogin,
    NotFound,
    PermissionDenied,
    TimedOut,
    TokenRefused,
)
from core.model import CancelToken, Progress, ProgressCallback, RowResult, Status, login_key
from core.paced import paced_each
from core.pacing import AdaptiveLimiter, Backoff, Cancelled, RetryPolicy
from core.plan import now_local
from core.runner import CanvasUnavailable, RunOptions, RunSummary, summarise
from core.runner_ops import RowContext, StopRun
from core.sis_run import IMPORT_PERMISSION
from core.undo_plan import UNDO_METHOD, UndoPlan, UndoTarget

log = logging.getLogger(__name__)

__all__ = ["UNDO_METHOD", "restore_permitted", "undo_last_run"]


def restore_permitted(client: Any, account_id: int | str) -> bool:
    """Whether the token may ask Canvas to restore a SIS import (the import right)."""
    try:
        allowed = client.permissions(account_id, [IMPORT_PERMISSION])
    except CanvasError as exc:
        log.info("restore permission not known: %s", exc.message)
        return False
    return allowed.get(IMPORT_PERMISSION) is True


def _context(client: Any, account_id: Any, options: RunOptions, cancel: CancelToken) -> RowContext:
    concurrency = max(1, options.concurrency)
    return RowContext(
        client=client,
        account_id=account_id,
        limiter=AdaptiveLimiter(ceiling=concurrency, start=min(4, concurrency)),
        policy=RetryPolicy(),
        backoff=Backoff(
            base=options.backoff_base,
            cap=options.backoff_cap,
            max_attempts=max(1, options.retries + 1),
        ),
        cancel=cancel,
    )


def _result(target: UndoTarget, status: Status, message: str) -> RowResult:
    return RowResult(target.row, status, message.rstrip(".") + ".", target.login_id, now_local())


def _undo_one(ctx: RowContext, target: UndoTarget, record_sent: Any) -> RowResult:
    client = ctx.client
    name = target.unique_id
    try:
        logins = ctx.call(lambda: client.list_logins(target.user_ref))
    except NotFound:
        return _result(
            target,
            Status.FAILED,
            "Undo left this login alone: the student was not found in Canvas any more",
        )
    login = next((lg for lg in logins if str(lg.get("id")) == target.login_id), None)
    if login is None or (login.get("workflow_state") or "active") == "deleted":
        return _result(target, Status.ALREADY_DELETED, f"Login '{name}' was already removed")
    now_named = str(login.get("unique_id") or "")
    if login_key(now_named) != login_key(name):
        return _result(
            target,
            Status.FAILED,
            f"Undo left this login alone: Canvas Login ID {target.login_id} is now the login "
            f"'{now_named}', not '{name}'",
        )
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


def _restore(ctx: RowContext, account_id: Any, import_id: str, poll: float, cancel: Any) -> None:
    """Canvas's restore of the SIS import, waited for; raises CanvasError if it fails."""
    client = ctx.client
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


def undo_last_run(
    plan: UndoPlan,
    client: Any,
    options: RunOptions,
    *,
    use_restore: bool | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Any = None,
    workbook_key: str = "",
    restore_poll: float = 0.5,
) -> RunSummary:
    """Remove the plan's logins; results say Deleted, Already deleted or why not.

    ``use_restore``: None decides by itself (restore when possible and permitted),
    False always removes login by login. Raises :class:`CanvasUnavailable` when the
    token is refused or Canvas is unreachable (with the rows finished so far).
    """
    started = time.monotonic()
    cancel = cancel or CancelToken()
    results: list[RowResult] = []
    total = plan.count

    def summary(cancelled: bool) -> RunSummary:
        return summarise(results, started, cancelled)

    if not plan.targets:
        return summary(False)
    try:
        account_id = options.account_id
        if account_id is None and (plan.restore_possible or use_restore):
            account_id = plan.run.account if plan.run and plan.run.account else None
            account_id = account_id or client.default_root_account_id()
        if use_restore is None:
            use_restore = plan.restore_possible and restore_permitted(client, account_id)
    except (TokenRefused, ConnectionFailed, TimedOut, CanvasError) as exc:
        raise CanvasUnavailable(exc, summary(False)) from exc
    ctx = _context(client, account_id, options, cancel)
    run_id = (
        journal.start_run(
            workbook_key, url=client.base_url, account_id=account_id, method=UNDO_METHOD
        )
        if journal is not None
        else None
    )

    def record(fresh: list[RowResult]) -> None:
        results.extend(fresh)
        if run_id is not None:
            by_row = {t.row: t for t in plan.targets}
            for result in fresh:
                try:
                    journal.record_result(run_id, by_row[result.row].identity, result, "Undo")
                except Exception:
                    log.exception("the journal could not record an undo result")
        if progress is not None:
            counts = dict(Counter(r.status for r in results))
            progress(Progress(len(results), total, counts, list(fresh), ""))

    def record_sent(target: UndoTarget) -> None:
        if run_id is not None:
            journal.record_sent(run_id, target.identity, "Undo")

    try:
        if use_restore and plan.sis_import_id:
            if progress is not None:
                progress(Progress(0, total, {}, [], "Asking Canvas to undo the SIS import…"))
            try:
                for target in plan.targets:
                    record_sent(target)
                _restore(ctx, account_id, plan.sis_import_id, restore_poll, cancel)
            except Cancelled:
                return summary(True)
            except StopRun as exc:
                raise CanvasUnavailable(exc.error, summary(True)) from exc
            except CanvasError as exc:
                log.info("restore not possible, removing login by login: %s", exc.message)
            else:
                record(
                    [
                        _result(
                            t,
                            Status.DELETED,
                            f"Login '{t.unique_id}' removed (Canvas undid the SIS import)",
                        )
                        for t in plan.targets
                    ]
                )
                return summary(False)
        try:
            stopped = paced_each(
                list(plan.targets),
                lambda target: _undo_one(ctx, target, record_sent),
                concurrency=options.concurrency,
                cancel=cancel,
                on_fresh=record,
                on_error=lambda target, exc: _result(
                    target, Status.FAILED, f"Undo could not remove this login: {exc}"
                ),
            )
        except StopRun as exc:
            raise CanvasUnavailable(exc.error, summary(True)) from exc
        return summary(stopped)
    finally:
        if run_id is not None:
            try:
                journal.finish_run(run_id)
            except Exception:
                log.exception("the journal could not close the undo run")

"""Run a plan against Canvas: a worker pool paced by Canvas's throttle, with progress,
cancel and a journal entry before and after every write.

Threads: :func:`execute` runs the rows on a ``ThreadPoolExecutor`` sized to
``RunOptions.concurrency``; every Canvas call also holds a slot of an
:class:`~core.pacing.AdaptiveLimiter`, so the calls really in flight follow what the
throttle allows. The ``progress`` callback is called **on the thread that called
execute** (never on a worker), with the rows finished since the last call; it may be
slow without holding up the workers. The table is never touched here: callers apply
``RunSummary.results`` with :func:`core.plan.apply_results` on their own thread.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from core.canvas_errors import (
    CanvasConfigError,
    CanvasError,
    ConnectionFailed,
    NotFound,
    PermissionDenied,
    TimedOut,
    TokenRefused,
    describe_error,
)
from core.model import CancelToken, Progress, ProgressCallback, RowResult, Status
from core.pacing import AdaptiveLimiter, Backoff, Cancelled, RetryPolicy, read_with_retries
from core.plan import Operation, Plan, now_local
from core.runner_ops import OPERATIONS, RowContext, StopRun

log = logging.getLogger(__name__)

__all__ = [
    "CanvasUnavailable",
    "RunOptions",
    "RunSummary",
    "execute",
]

#: The account right needed to create, change and remove logins.
LOGINS_PERMISSION = "manage_user_logins"

_SUMMARY_ORDER: tuple[tuple[Status, str], ...] = (
    (Status.CREATED, "created"),
    (Status.ALREADY_EXISTS, "already existed"),
    (Status.UPDATED, "updated"),
    (Status.DELETED, "deleted"),
    (Status.ALREADY_DELETED, "already deleted"),
    (Status.FAILED, "failed"),
    (Status.INVALID, "invalid"),
)


@dataclass
class RunOptions:
    account_id: int | None = None
    dry_run: bool = False
    #: Most calls in flight at once (the throttle may hold it lower).
    concurrency: int = 10
    #: Retries of a call that may safely be retried (throttle, 5xx, broken connection).
    retries: int = 5
    #: First back-off wait in seconds (doubles per retry, with jitter, up to backoff_cap).
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: Ask Canvas at the start whether the token may manage logins (writes only).
    check_permission: bool = True


@dataclass
class RunSummary:
    counts: dict[Status, int] = field(default_factory=dict)
    #: Every row's result (Invalid rows and the rows Canvas answered for), by row.
    results: list[RowResult] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False

    def count(self, status: Status) -> int:
        return self.counts.get(status, 0)

    def line(self) -> str:
        words = ", ".join(f"{label} {self.count(status)}" for status, label in _SUMMARY_ORDER)
        return f"{words} in {self.seconds:.1f} s"

    @property
    def has_problems(self) -> bool:
        return bool(self.count(Status.FAILED) or self.count(Status.INVALID))


class CanvasUnavailable(CanvasError):
    """The run stopped: Canvas unreachable, the token refused or not allowed, wrong account.

    ``error`` is the Canvas error that stopped it; ``summary`` holds the results of the
    rows that did finish before (keep them: they happened).
    """

    def __init__(self, error: CanvasError, summary: RunSummary) -> None:
        super().__init__(error.message, status=error.status)
        self.error = error
        self.summary = summary


def summarise(results: list[RowResult], started: float, cancelled: bool) -> RunSummary:
    """The summary of a run (any method) that began at ``started`` (time.monotonic())."""
    counts = Counter(result.status for result in results)
    return RunSummary(
        counts=dict(counts),
        results=sorted(results, key=lambda result: result.row),
        seconds=time.monotonic() - started,
        cancelled=cancelled,
    )


def _resolve_account(client: Any, options: RunOptions) -> int | str | None:
    if options.account_id is not None:
        return options.account_id
    if options.dry_run:
        return None
    return client.default_root_account_id()


def require_permission(client: Any, account_id: int | str, permission: str, refusal: str) -> None:
    """Stop before any write when Canvas says the token lacks ``permission``.

    ``refusal`` is what staff are told. An older Canvas without the permissions call
    lets the run go on: the rows themselves will then say what was refused.
    """
    try:
        allowed = client.permissions(account_id, [permission])
    except (TokenRefused, ConnectionFailed, TimedOut):
        raise
    except NotFound:
        raise CanvasConfigError(
            f"Canvas has no account {account_id} that this token can see. Check the account."
        ) from None
    except PermissionDenied:
        raise PermissionDenied(refusal) from None
    except CanvasError as exc:
        log.info("%s check skipped: %s", permission, exc.message)
        return
    if allowed.get(permission) is False:
        raise PermissionDenied(refusal)


LOGINS_REFUSAL = (
    "Your Canvas token may not manage logins on this account. Use a token of a "
    "Canvas administrator of the whole school."
)


def execute(
    plan: Plan,
    client: Any,
    options: RunOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Any = None,
    workbook_key: str = "",
) -> RunSummary:
    """Send the plan's operations; return every row's result (see the module doc).

    Raises :class:`CanvasUnavailable` when the run cannot go on (token refused,
    Canvas unreachable, token not allowed); its ``summary`` holds what finished.
    A dry run only reads, and writes nothing to the journal.
    """
    started = time.monotonic()
    results: list[RowResult] = list(plan.invalid)
    operations = plan.operations
    if not operations:
        summary = summarise(results, started, bool(cancel and cancel.cancelled))
        if progress is not None:
            progress(Progress(0, 0, dict(summary.counts), list(results), "Nothing to send"))
        return summary

    def read(fn):
        return read_with_retries(
            fn,
            cancel=cancel,
            attempts=options.retries + 1,
            base=options.backoff_base,
            cap=options.backoff_cap,
        )

    try:
        account_id = read(lambda: _resolve_account(client, options))
        if not options.dry_run and options.check_permission and account_id is not None:
            read(lambda: require_permission(client, account_id, LOGINS_PERMISSION, LOGINS_REFUSAL))
    except CanvasError as exc:
        raise CanvasUnavailable(exc, summarise(results, started, False)) from exc

    use_journal = journal is not None and not options.dry_run
    run_id = (
        journal.start_run(workbook_key, url=client.base_url, account_id=account_id)
        if use_journal
        else None
    )
    maybe_sent = frozenset(journal.unanswered_identities(workbook_key)) if journal else frozenset()
    stop = CancelToken()
    concurrency = max(1, options.concurrency)

    def record_sent(op: Operation) -> None:
        if run_id is not None:
            journal.record_sent(run_id, op.identity, op.action.value)

    limiter = AdaptiveLimiter(ceiling=concurrency, start=min(4, concurrency))
    limiter.seed(getattr(client, "last_rate", None))
    ctx = RowContext(
        client=client,
        account_id=account_id,
        limiter=limiter,
        policy=RetryPolicy(),
        backoff=Backoff(
            base=options.backoff_base,
            cap=options.backoff_cap,
            max_attempts=max(1, options.retries + 1),
        ),
        cancel=stop,
        dry_run=options.dry_run,
        maybe_sent=maybe_sent,
        record_sent=record_sent,
    )

    def work(op: Operation) -> tuple[RowResult | None, CanvasError | None]:
        if stop.cancelled:
            return None, None
        try:
            result = OPERATIONS[op.action](ctx, op)
        except Cancelled:
            return None, None
        except StopRun as exc:
            stop.cancel()
            return None, exc.error
        except Exception as exc:
            if not isinstance(exc, CanvasError):
                log.exception("row %s: unexpected error", op.sheet_row)
            result = RowResult(op.row, Status.FAILED, describe_error(exc), "", now_local())
        if result is not None:
            if result.status is Status.FAILED:
                log.info("row %s: %s: %s", op.sheet_row, op.action.value, result.message)
            if run_id is not None:
                try:
                    journal.record_result(run_id, op.identity, result, op.action.value)
                except Exception:
                    log.exception("row %s: the journal could not record the result", op.sheet_row)
        return result, None

    stop_error: CanvasError | None = None
    cancelled = False
    finished = 0
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="canvas-row")
    try:
        pending: set[Future] = {executor.submit(work, op) for op in operations}
        while pending:
            try:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                cancelled = True
                stop.cancel()
                continue
            if cancel is not None and cancel.cancelled and not stop.cancelled:
                cancelled = True
                stop.cancel()
            if stop.cancelled:
                for future in pending:
                    future.cancel()
            fresh: list[RowResult] = []
            for future in done:
                if future.cancelled():
                    continue
                result, error = future.result()
                if error is not None and stop_error is None:
                    stop_error = error
                if result is not None:
                    fresh.append(result)
            if fresh:
                finished += len(fresh)
                results.extend(fresh)
                if progress is not None:
                    counts = dict(Counter(r.status for r in results))
                    progress(Progress(finished, len(operations), counts, fresh, ""))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        if run_id is not None:
            try:
                journal.finish_run(run_id)
            except Exception:
                log.exception("the journal could not close the run")
    if cancel is not None and cancel.cancelled:
        cancelled = True
    summary = summarise(results, started, cancelled or stop_error is not None)
    if stop_error is not None:
        raise CanvasUnavailable(stop_error, summary)
    return summary

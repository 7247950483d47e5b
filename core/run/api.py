"""Rows by the API: the run strategy that sends one Create, Update, Delete, Suspend or
Reactivate per row.

The Canvas calls of each action live in :mod:`core.run.operations`; this module feeds
the plan's operations through the engine's paced pool and journals each answer on the
worker thread that got it, before the result reaches anyone else. A dry run (Check with
Canvas) only reads and writes nothing to the journal; its results say what a run would
do (:func:`as_check`): never Failed (Would fail instead), never a Processed At.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from core.canvas.errors import CanvasError, describe_error
from core.model import CancelToken, ProgressCallback, RowResult, RunMethod, Status
from core.plan import Operation, Plan, now_local
from core.run.engine import (
    LOGINS_PERMISSION,
    LOGINS_REFUSAL,
    RunOptions,
    RunSession,
    RunSummary,
    run_strategy,
)
from core.run.operations import OPERATIONS
from core.run.pacing import paced_each

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi
    from core.journal import Journal

log = logging.getLogger(__name__)

__all__ = ["ApiRows", "as_check", "execute"]


def as_check(result: RowResult) -> RowResult:
    """A dry run's result as Check with Canvas reports it: Failed becomes Would fail (a run
    would fail), and there is no Processed At (nothing was processed)."""
    status = Status.WOULD_FAIL if result.status is Status.FAILED else result.status
    return replace(result, status=status, processed_at="", from_check=True)


class ApiRows:
    """The plan's operations, one Canvas call (or a few) per row."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.total = len(plan.operations)

    def opening(self, session: RunSession) -> None:
        writes = not session.options.dry_run
        invalid = self.plan.invalid if writes else [as_check(r) for r in self.plan.invalid]
        session.report.keep(invalid)  # counted, not yet reported
        session.report.set_aside(self.plan)
        if not self.plan.operations:
            return
        session.open(need_account=writes)
        if writes:
            session.require(LOGINS_PERMISSION, LOGINS_REFUSAL)

    def run(self, session: RunSession) -> bool:
        report = session.report
        if not self.plan.operations:
            report.send(list(report.results), 0, "Nothing to send")
            return session.cancel.cancelled
        if session.options.dry_run:
            return self.send(session)
        with session.journal_run(RunMethod.API):
            return self.send(session)

    def send(self, session: RunSession) -> bool:
        """The rows through the session's pool, into the journal run already open."""
        session.ctx.record_sent = lambda op: session.record_sent(op.identity, op.action.value)
        session.ctx.claimed_logins = set(self.plan.sheet_logins)
        check = session.options.dry_run

        def one_row(op: Operation) -> RowResult | None:
            try:
                result = OPERATIONS[op.action](session.ctx, op)
            except CanvasError as exc:
                result = RowResult(op.row, Status.FAILED, describe_error(exc), "", now_local())
            if result is not None and check:
                return as_check(result)
            if result is not None:
                if result.status is Status.FAILED:
                    log.info("row %s: %s: %s", op.sheet_row, op.action.value, result.message)
                session.record_result(op.identity, result, op.action.value)
            return result

        def unexpected(op: Operation, exc: BaseException) -> RowResult:
            result = RowResult(op.row, Status.FAILED, describe_error(exc), "", now_local())
            if check:
                return as_check(result)
            session.record_result(op.identity, result, op.action.value)
            return result

        stopped = paced_each(
            list(self.plan.operations),
            one_row,
            concurrency=session.concurrency,
            cancel=session.stop,
            on_fresh=session.report.add,
            on_error=unexpected,
            on_tick=session.tick,
        )
        return stopped or session.cancel.cancelled or session.stop.cancelled


def execute(
    plan: Plan,
    client: CanvasApi,
    options: RunOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Journal | None = None,
    workbook_key: str = "",
) -> RunSummary:
    """Send the plan's operations by the API; every row's result is in the summary.

    Invalid rows are counted from the start; progress counts the operations. Raises
    :class:`~core.run.engine.CanvasUnavailable` when the run cannot go on (token refused,
    Canvas unreachable, token not allowed); its ``summary`` holds what finished.
    """
    return run_strategy(
        ApiRows(plan),
        client,
        options,
        progress=progress,
        cancel=cancel,
        journal=journal,
        workbook_key=workbook_key,
    )

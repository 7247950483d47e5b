"""Writing jobs (run, undo) as BackgroundJob functions, shared by the run flow and undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.run.engine import CanvasUnavailable, RunOptions, RunSummary


def run_options(connection: Any, dry_run: bool = False) -> RunOptions:
    """The run's options from the connection's profile (its concurrency ceiling)."""
    return RunOptions(
        account_id=connection.account_id,
        dry_run=dry_run,
        concurrency=max(1, int(getattr(connection.profile, "concurrency", 10) or 10)),
    )


def canvas_job(run: Callable[..., RunSummary], **kwargs: Any) -> Callable[..., Any]:
    """A BackgroundJob function for a writing job: ``(summary, stop message)``.

    A run Canvas stopped (token refused, unreachable) still hands back what finished.
    """

    def job(progress: Any, cancel: Any) -> tuple[RunSummary, str]:
        try:
            return run(progress=progress, cancel=cancel, **kwargs), ""
        except CanvasUnavailable as exc:
            return exc.summary, exc.message

    return job

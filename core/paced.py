"""A paced pool for per-row Canvas work outside the runner (import read-back, undo).

The calls go through a :class:`~core.runner_ops.RowContext`, so they share the
runner's throttle-aware limiter, retries and whole-run stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from core.canvas_errors import CanvasError
from core.model import CancelToken, RowResult
from core.pacing import Cancelled
from core.runner_ops import StopRun

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["paced_each"]


def paced_each(
    items: list[T],
    fn: Callable[[T], RowResult | None],
    *,
    concurrency: int,
    cancel: CancelToken,
    on_fresh: Callable[[list[RowResult]], None],
    on_error: Callable[[T, BaseException], RowResult],
) -> bool:
    """``fn`` over ``items`` on a pool of ``concurrency`` threads, results as they come.

    ``fn`` makes its Canvas calls through a :class:`~core.runner_ops.RowContext` (the
    limiter paces them). ``on_fresh`` gets each batch of results on this thread. An
    unexpected error becomes ``on_error``'s result; a :class:`StopRun` stops starting
    new items and is raised once the calls in flight are done. Returns True when
    cancelled before every item had its result.
    """
    stop = CancelToken()
    stop_error: StopRun | None = None
    finished = 0

    def work(item: T) -> RowResult | None:
        if cancel.cancelled or stop.cancelled:
            return None
        try:
            return fn(item)
        except Cancelled:
            return None
        except StopRun:
            stop.cancel()
            raise
        except Exception as exc:
            if not isinstance(exc, CanvasError):
                log.exception("unexpected error on one row")
            return on_error(item, exc)

    with ThreadPoolExecutor(
        max_workers=max(1, concurrency), thread_name_prefix="canvas-row"
    ) as pool:
        pending: set[Future] = {pool.submit(work, item) for item in items}
        while pending:
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            fresh: list[RowResult] = []
            for future in done:
                if future.cancelled():
                    continue
                try:
                    result = future.result()
                except StopRun as exc:
                    stop_error = stop_error or exc
                    continue
                if result is not None:
                    fresh.append(result)
            if stop.cancelled or cancel.cancelled:
                for future in pending:
                    future.cancel()
            if fresh:
                finished += len(fresh)
                on_fresh(fresh)
    if stop_error is not None:
        raise stop_error
    return cancel.cancelled and finished < len(items)

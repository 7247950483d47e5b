"""How fast to talk to Canvas: back-off, safe retries, and a paced pool for per-row work.

Pure logic (no HTTP here), so it is tested without a server. The runner wraps every
Canvas call in :func:`call_with_retries`, which holds a place in the run's
:class:`~core.run.bucket.BucketPacer` for the call, feeds the answer's throttle headers
back into it, and retries the errors that are safe to retry. A call Canvas refused for
its rate limit is not a failed try: it is tried again as long as the run is getting
answers (:data:`~core.run.bucket.THROTTLE_PATIENCE_SECONDS`).
"""

from __future__ import annotations

import logging
import queue
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from core.canvas.errors import (
    Cancelled,
    CanvasError,
    ConnectionFailed,
    RateInfo,
    ServerError,
    Throttled,
    TimedOut,
)
from core.model import CancelToken, RowResult
from core.run.bucket import THROTTLE_PATIENCE_SECONDS, BucketPacer

__all__ = [
    "Backoff",
    "BucketPacer",
    "Cancelled",
    "RateInfo",
    "RetryPolicy",
    "StopRun",
    "ThrottledTooLong",
    "call_with_retries",
    "paced_each",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


class StopRun(Exception):
    """The whole run must stop (token refused, Canvas unreachable, wrong account)."""

    def __init__(self, error: CanvasError) -> None:
        super().__init__(error.message)
        self.error = error


class CancelLike(Protocol):
    """What :class:`core.model.CancelToken` offers; anything with these two works."""

    @property
    def cancelled(self) -> bool: ...

    def wait(self, seconds: float) -> bool: ...


_JITTERS = ("full", "equal", "none")


@dataclass
class Backoff:
    """Exponential back-off with jitter: how long to wait before retry number ``n``.

    ``max_attempts`` counts every try, the first included. Full jitter (a random wait
    between 0 and the exponential ceiling) spreads the retries of parallel workers so
    they do not hit Canvas again all at the same moment.
    """

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    max_attempts: int = 6
    jitter: str = "full"
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.jitter not in _JITTERS:
            raise ValueError(f"jitter must be one of {', '.join(_JITTERS)}")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed try ``attempt`` (1 = the first try)."""
        exponent = max(0, attempt - 1)
        try:
            value = self.base * self.factor**exponent
        except OverflowError:
            value = self.cap
        return min(self.cap, value)

    def delay(self, attempt: int) -> float:
        top = self.ceiling(attempt)
        if self.jitter == "none":
            return top
        if self.jitter == "equal":
            return top / 2 + self.rng.uniform(0, top / 2)
        return self.rng.uniform(0, top)

    def delays(self) -> Iterator[float]:
        """The waits between all tries: ``max_attempts - 1`` of them."""
        for attempt in range(1, self.max_attempts):
            yield self.delay(attempt)


@dataclass(frozen=True)
class RetryPolicy:
    """Which failures are worth another try.

    Retried: the throttle (nothing was done), server errors 500/502/503/504, broken
    connections and timeouts. Never retried: refused tokens, missing permissions,
    validation errors and not-found; trying again gives the same answer.
    """

    server_statuses: frozenset[int] = frozenset({500, 502, 503, 504})

    def is_retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, Throttled | ConnectionFailed | TimedOut):
            return True
        if isinstance(exc, ServerError):
            return exc.status is None or exc.status in self.server_statuses
        return False


RetryCallback = Callable[[int, CanvasError, float], None]

#: The longest wait between two tries of a read Canvas refused for its rate limit, when
#: the read is outside a run's pacer (it then knows nothing of the bucket).
_THROTTLED_READ_WAIT_CAP = 5.0


class ThrottledTooLong(Throttled):
    """Canvas refused every call for its rate limit for the whole patience: give up."""

    def __init__(self, seconds: float, cause: CanvasError) -> None:
        # core.words would be an import circle (it reads the run's summary)
        minutes, whole = round(seconds / 60), round(seconds)
        span = f"{minutes} minutes" if minutes >= 2 else f"{whole} second{'s' * (whole != 1)}"
        super().__init__(
            f"Canvas refused every request for its rate limit for {span}, so this row was "
            "not changed. Another program may be using the same Canvas token heavily: run "
            "the workbook again later.",
            status=cause.status,
            rate=cause.rate,
        )


def read_with_retries(
    fn: Callable[[], T],
    *,
    cancel: CancelLike | None = None,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 8.0,
    pacer: BucketPacer | None = None,
    rate_of: Callable[[], RateInfo | None] | None = None,
) -> T:
    """A read outside the runner's pool (who am I, which account, which rights).

    One dropped connection or a 502 on the first call of a run must not end the run as
    "Canvas unreachable": reads are safe to repeat, so they get a few quick retries.
    ``pacer`` (with ``rate_of``, see :func:`call_with_retries`) paces the read with a
    run's calls when it belongs to a run.
    """
    return call_with_retries(
        fn,
        limiter=pacer,
        policy=RetryPolicy(),
        backoff=Backoff(base=base, cap=cap, max_attempts=max(1, attempts)),
        cancel=cancel,
        rate_of=rate_of,
    )


def call_with_retries(
    fn: Callable[[], T],
    *,
    limiter: BucketPacer | None,
    policy: RetryPolicy,
    backoff: Backoff,
    cancel: CancelLike | None,
    on_retry: RetryCallback | None = None,
    rate_of: Callable[[], RateInfo | None] | None = None,
    maybe_done_is_final: bool = True,
) -> T:
    """Call ``fn`` with a place in the pacer, retrying retryable Canvas errors.

    ``rate_of`` gives the throttle headers of ``fn``'s answer on success (pass
    ``lambda: client.last_rate``; a failed call carries them on the error itself).
    ``on_retry(attempt, error, delay)`` is told before each wait. The waits use
    ``cancel.wait`` so Stop is prompt; a stop raises :class:`Cancelled`.

    Canvas refusing a call for its rate limit does not use up an attempt: the call waits
    for the bucket (the pacer holds it until there is room) and is tried again, until
    Canvas has refused everything for the pacer's patience; then
    :class:`ThrottledTooLong` is raised. Server errors and broken connections get
    ``backoff.max_attempts`` tries. A write whose answer may be lost
    (``error.maybe_done``) is never resent when ``maybe_done_is_final`` (the default):
    the error is raised so the caller can read the student's logins and see whether
    Canvas acted. Errors that run out of attempts are re-raised as they came.
    """
    attempt = 1
    refusals = 0
    first_refusal: float | None = None
    last_error: CanvasError | None = None
    while True:
        if limiter is not None and not limiter.acquire(cancel):
            raise Cancelled(last_error)
        if limiter is None and cancel is not None and cancel.cancelled:
            raise Cancelled(last_error)
        try:
            result = fn()
        except CanvasError as exc:
            last_error = exc
            throttled = isinstance(exc, Throttled)
            if limiter is not None:
                answered = not isinstance(exc, ConnectionFailed | TimedOut)
                limiter.release(exc.rate, throttled=throttled, answered=answered)
            if throttled:
                refusals += 1
                if limiter is not None:
                    if limiter.patience_left() <= 0:
                        raise ThrottledTooLong(limiter.patience, exc) from exc
                    wait = 0.0  # the pacer holds the next try until the bucket has room
                else:
                    now = time.monotonic()
                    first_refusal = now if first_refusal is None else first_refusal
                    if now - first_refusal >= THROTTLE_PATIENCE_SECONDS:
                        raise ThrottledTooLong(THROTTLE_PATIENCE_SECONDS, exc) from exc
                    wait = min(_THROTTLED_READ_WAIT_CAP, backoff.delay(refusals))
            else:
                if not policy.is_retryable(exc):
                    raise
                if exc.maybe_done and maybe_done_is_final:
                    raise
                if attempt >= backoff.max_attempts:
                    raise
                wait = backoff.delay(attempt)
                attempt += 1
            if on_retry is not None:
                on_retry(attempt + refusals - 1, exc, wait)
            if wait > 0:
                if cancel is not None:
                    if cancel.wait(wait):
                        raise Cancelled(exc) from exc
                else:
                    time.sleep(wait)
            continue
        except BaseException:
            if limiter is not None:
                limiter.release(None, throttled=False, answered=False)
            raise
        if limiter is not None:
            limiter.release(rate_of() if rate_of is not None else None, throttled=False)
        return result


#: How many items are handed to the pool beyond those it is working on: enough that a
#: worker never waits for the next, few enough that the bookkeeping does not grow with
#: the run.
_WORK_AHEAD = 2
#: How often the loop looks at the cancel token and calls ``on_tick`` (seconds).
_TICK_SECONDS = 0.1


def paced_each(
    items: list[T],
    fn: Callable[[T], RowResult | None],
    *,
    concurrency: int,
    cancel: CancelToken,
    on_fresh: Callable[[list[RowResult]], None],
    on_error: Callable[[T, BaseException], RowResult],
    on_tick: Callable[[], None] | None = None,
) -> bool:
    """``fn`` over ``items`` on a pool of ``concurrency`` threads, results as they come.

    Every strategy of the run engine (:mod:`core.run.engine`) runs its rows through here.
    ``fn`` runs on a worker thread and makes its Canvas calls through a
    :class:`~core.run.row_context.RowContext` (the pacer paces them). ``on_fresh`` gets
    each batch of results on this thread; ``on_tick`` is called here about ten times a
    second. An unexpected error becomes ``on_error``'s result. ``cancel`` is the run's
    own token (the session's ``stop``): a :class:`StopRun` sets it, so nothing new
    starts and calls waiting for the pacer give up, and is raised once the calls in
    flight are done. Returns True when cancelled before every item had its result.

    The cost per item is the same for 50 items and for 50,000: only a window of items
    ahead of the workers is submitted, and finished work arrives through a queue.
    """
    stop_error: StopRun | None = None
    finished = 0
    workers = max(1, concurrency)
    completed: queue.SimpleQueue[Future] = queue.SimpleQueue()

    def work(item: T) -> RowResult | None:
        if cancel.cancelled:
            return None
        try:
            return fn(item)
        except Cancelled:
            return None
        except StopRun:
            cancel.cancel()
            raise
        except Exception as exc:
            if not isinstance(exc, CanvasError):
                log.exception("unexpected error on one row")
            return on_error(item, exc)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="canvas-row") as pool:
        upcoming = iter(items)
        running = 0

        def submit_more() -> None:
            nonlocal running
            while running < workers * _WORK_AHEAD and not cancel.cancelled:
                item = next(upcoming, _END)
                if item is _END:
                    return
                future = pool.submit(work, item)  # type: ignore[arg-type]
                future.add_done_callback(completed.put)
                running += 1

        submit_more()
        while running:
            try:
                future = completed.get(timeout=_TICK_SECONDS)
            except queue.Empty:
                future = None
            except KeyboardInterrupt:  # Ctrl+C outside the command line's own handler
                cancel.cancel()
                continue
            done = [future] if future is not None else []
            while True:
                try:
                    done.append(completed.get_nowait())
                except queue.Empty:
                    break
            running -= len(done)
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
            submit_more()
            if fresh:
                finished += len(fresh)
                on_fresh(fresh)
            if on_tick is not None:
                on_tick()
    if stop_error is not None:
        raise stop_error
    return cancel.cancelled and finished < len(items)


_END = object()

"""How fast to talk to Canvas: an adaptive concurrency limit, back-off, safe retries, and a
paced pool for per-row work.

Pure logic (no HTTP here), so it is tested without a server. The runner wraps every
Canvas call in :func:`call_with_retries`, which holds a slot of the
:class:`AdaptiveLimiter` for the call, feeds the answer's throttle headers back into it,
and retries the errors that are safe to retry.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
from core.model import DEFAULT_CONCURRENCY, CancelToken, RowResult

__all__ = [
    "AdaptiveLimiter",
    "Backoff",
    "Cancelled",
    "RateInfo",
    "RetryPolicy",
    "StopRun",
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


class AdaptiveLimiter:
    """How many Canvas calls may be in flight at once, adjusted from Canvas's answers.

    Why: Canvas throttles each token with a leaky bucket. Every request adds an
    up-front cost of 50 when it starts and is refused when the level then reaches the
    high-water mark of 600; when it ends, the 50 is swapped for its real cost (tiny).
    Each answer says how much room is left (``X-Rate-Limit-Remaining``). The other
    calls still in flight each hold 50 of the level, so the room we really have is
    ``remaining + others_in_flight * 50``, and the number of calls that fit in it is
    that divided by 50, less one for safety: about 11 from an empty bucket.

    The limit moves like TCP's congestion window: up by one per comfortable answer
    (remaining above twice the up-front cost), never above what fits (an answer that
    shows less room brings it straight down to that), down by at least one when
    remaining falls below one and a half times the up-front cost, and halved when
    Canvas does throttle a call (multiplicative decrease). It stays between 1 and
    ``ceiling``.
    """

    _POLL_SECONDS = 0.05  # how often a blocked acquire looks at the cancel token

    def __init__(
        self,
        ceiling: int = DEFAULT_CONCURRENCY,
        start: int = 4,
        high_water: float = 600,
        up_front_cost: float = 50,
    ) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be at least 1")
        self.ceiling = ceiling
        self.high_water = high_water
        self.up_front_cost = up_front_cost
        self._limit = max(1, min(ceiling, start))
        self._in_flight = 0
        self._cond = threading.Condition()

    @property
    def limit(self) -> int:
        with self._cond:
            return self._limit

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    def acquire(self, cancel: CancelLike | None = None) -> bool:
        """Wait for a free slot and take it; False (no slot taken) once cancelled."""
        with self._cond:
            while True:
                if cancel is not None and cancel.cancelled:
                    return False
                if self._in_flight < self._limit:
                    self._in_flight += 1
                    return True
                self._cond.wait(self._POLL_SECONDS if cancel is not None else None)

    def release(self, rate: RateInfo | None = None, throttled: bool = False) -> None:
        """Give the slot back, learning from the answer's throttle headers."""
        with self._cond:
            others = max(0, self._in_flight - 1)
            self._in_flight = max(0, self._in_flight - 1)
            self._limit = self._next_limit(rate, throttled, others)
            self._cond.notify_all()

    def seed(self, rate: RateInfo | None) -> None:
        """Start from what an answer before the run showed, instead of ramping up.

        The opening reads (which account, which rights) already say how full the
        bucket is: an empty one takes the ceiling at once; one another program of the
        same token is filling takes only what fits.
        """
        if rate is None or rate.remaining is None:
            return
        with self._cond:
            self._limit = max(1, min(self.ceiling, self.fits(rate.remaining, self._in_flight)))
            self._cond.notify_all()

    def fits(self, remaining: float, others_in_flight: int) -> int:
        """How many calls may be in flight given an answer's ``remaining``."""
        room = remaining + others_in_flight * self.up_front_cost
        return math.floor(room / self.up_front_cost) - 1

    def _next_limit(self, rate: RateInfo | None, throttled: bool, others: int) -> int:
        limit = self._limit
        if throttled:
            return max(1, limit // 2)
        if rate is None or rate.remaining is None:
            return limit
        fits = max(1, self.fits(rate.remaining, others))
        if rate.remaining < 1.5 * self.up_front_cost:
            return max(1, min(limit - 1, fits))
        if limit > fits:
            return fits
        if rate.remaining > 2 * self.up_front_cost and limit < fits:
            return min(self.ceiling, limit + 1)
        return limit


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


def read_with_retries(
    fn: Callable[[], T],
    *,
    cancel: CancelLike | None = None,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 8.0,
) -> T:
    """A read outside the runner's pool (who am I, which account, which rights).

    One dropped connection or a 502 on the first call of a run must not end the run as
    "Canvas unreachable": reads are safe to repeat, so they get a few quick retries.
    """
    return call_with_retries(
        fn,
        limiter=None,
        policy=RetryPolicy(),
        backoff=Backoff(base=base, cap=cap, max_attempts=max(1, attempts)),
        cancel=cancel,
    )


def call_with_retries(
    fn: Callable[[], T],
    *,
    limiter: AdaptiveLimiter | None,
    policy: RetryPolicy,
    backoff: Backoff,
    cancel: CancelLike | None,
    on_retry: RetryCallback | None = None,
    rate_of: Callable[[], RateInfo | None] | None = None,
    maybe_done_is_final: bool = True,
) -> T:
    """Call ``fn`` holding a limiter slot, retrying retryable Canvas errors.

    ``rate_of`` gives the throttle headers of ``fn``'s answer on success (pass
    ``lambda: client.last_rate``; a failed call carries them on the error itself).
    ``on_retry(attempt, error, delay)`` is told before each wait. The waits use
    ``cancel.wait`` so Stop is prompt; a stop raises :class:`Cancelled`.

    A write whose answer may be lost (``error.maybe_done``) is never resent when
    ``maybe_done_is_final`` (the default): the error is raised so the caller can read
    the student's logins and see whether Canvas acted. Errors that run out of
    attempts are re-raised as they came.
    """
    attempt = 1
    while True:
        if limiter is not None and not limiter.acquire(cancel):
            raise Cancelled()
        if limiter is None and cancel is not None and cancel.cancelled:
            raise Cancelled()
        try:
            result = fn()
        except CanvasError as exc:
            if limiter is not None:
                limiter.release(exc.rate, throttled=isinstance(exc, Throttled))
            if not policy.is_retryable(exc):
                raise
            if exc.maybe_done and maybe_done_is_final:
                raise
            if attempt >= backoff.max_attempts:
                raise
            wait = backoff.delay(attempt)
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            if cancel is not None:
                if cancel.wait(wait):
                    raise Cancelled(exc) from exc
            else:
                time.sleep(wait)
            attempt += 1
            continue
        except BaseException:
            if limiter is not None:
                limiter.release(None, throttled=False)
            raise
        if limiter is not None:
            limiter.release(rate_of() if rate_of is not None else None, throttled=False)
        return result


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

    Every strategy of the run engine (:mod:`core.run.engine`) runs its rows through here.
    ``fn`` runs on a worker thread and makes its Canvas calls through a
    :class:`~core.run.row_context.RowContext` (the limiter paces them). ``on_fresh`` gets
    each batch of results on this thread. An unexpected error becomes ``on_error``'s
    result. ``cancel`` is the run's own token (the session's ``stop``): a
    :class:`StopRun` sets it, so nothing new starts and calls waiting for the limiter
    give up, and is raised once the calls in flight are done. Returns True when
    cancelled before every item had its result.
    """
    stop_error: StopRun | None = None
    finished = 0

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

    with ThreadPoolExecutor(
        max_workers=max(1, concurrency), thread_name_prefix="canvas-row"
    ) as pool:
        pending: set[Future] = {pool.submit(work, item) for item in items}
        while pending:
            try:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:  # Ctrl+C outside the command line's own handler
                cancel.cancel()
                continue
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
            if cancel.cancelled:
                for future in pending:
                    future.cancel()
            if fresh:
                finished += len(fresh)
                on_fresh(fresh)
    if stop_error is not None:
        raise stop_error
    return cancel.cancelled and finished < len(items)

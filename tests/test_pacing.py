"""The adaptive limiter, back-off and retry loop, with fake callables (no server)."""

from __future__ import annotations

import random
import threading

import pytest

from core.canvas.errors import (
    ConnectionFailed,
    LoginTaken,
    NotFound,
    PermissionDenied,
    RateInfo,
    ServerError,
    Throttled,
    TimedOut,
    TokenRefused,
    ValidationFailed,
    describe_error,
)
from core.model import CancelToken
from core.run.pacing import (
    AdaptiveLimiter,
    Backoff,
    Cancelled,
    RetryPolicy,
    call_with_retries,
)

ROOMY = RateInfo(remaining=590.0, cost=0.02)


def answer(limiter: AdaptiveLimiter, rate: RateInfo | None, throttled: bool = False) -> None:
    assert limiter.acquire(None)
    limiter.release(rate, throttled)


# --- limiter -----------------------------------------------------------------------


def test_limiter_grows_by_one_per_comfortable_answer_up_to_the_ceiling():
    limiter = AdaptiveLimiter(ceiling=10, start=4)
    seen = []
    for _ in range(10):
        answer(limiter, ROOMY)
        seen.append(limiter.limit)
    assert seen == [5, 6, 7, 8, 9, 10, 10, 10, 10, 10]


def test_limiter_never_grows_past_what_the_bucket_holds():
    # 600 remaining from an empty bucket fits 11 calls; a ceiling of 50 must not matter.
    limiter = AdaptiveLimiter(ceiling=50, start=1)
    for _ in range(30):
        answer(limiter, RateInfo(remaining=600.0, cost=0.0))
    assert limiter.limit == 11


def test_limiter_counts_the_up_front_cost_of_calls_still_in_flight():
    limiter = AdaptiveLimiter(ceiling=20, start=6)
    for _ in range(6):
        assert limiter.acquire(None)
    # 110 left, but the five others still hold 50 each: room for 360 / 50 - 1 = 6.
    limiter.release(RateInfo(remaining=110.0), throttled=False)
    assert limiter.limit == 6
    assert limiter.fits(110.0, 5) == 6


def test_limiter_shrinks_when_remaining_runs_low():
    limiter = AdaptiveLimiter(ceiling=10, start=8)
    answer(limiter, RateInfo(remaining=60.0))
    assert limiter.limit == 1  # nothing else in flight: 60 / 50 - 1 rounds to 0, floor 1

    limiter = AdaptiveLimiter(ceiling=10, start=8)
    for _ in range(8):
        limiter.acquire(None)
    limiter.release(RateInfo(remaining=70.0), throttled=False)
    assert limiter.limit == 7  # seven others hold 350: (70+350)/50 - 1 = 7


def test_limiter_holds_steady_when_full_and_without_headers():
    limiter = AdaptiveLimiter(ceiling=10, start=5)
    for _ in range(5):
        limiter.acquire(None)
    # 110 left and four others hold 200: exactly five fit, so no growth.
    limiter.release(RateInfo(remaining=110.0), throttled=False)
    assert limiter.limit == 5
    answer(limiter, None)
    answer(limiter, RateInfo(remaining=None, cost=0.1))
    assert limiter.limit == 5


def test_limiter_comes_straight_down_to_what_fits():
    # A bucket already holding settled cost: room for three although the limit was ten.
    limiter = AdaptiveLimiter(ceiling=10, start=10)
    answer(limiter, RateInfo(remaining=200.0))
    assert limiter.limit == 3


def test_limiter_halves_on_throttle_and_never_drops_below_one():
    limiter = AdaptiveLimiter(ceiling=10, start=10)
    halves = []
    for _ in range(5):
        answer(limiter, RateInfo(remaining=-20.0), throttled=True)
        halves.append(limiter.limit)
    assert halves == [5, 2, 1, 1, 1]
    assert limiter.in_flight == 0


def test_limiter_seeded_from_an_answer_before_the_run_skips_the_ramp():
    empty = AdaptiveLimiter(ceiling=10, start=4)
    empty.seed(RateInfo(remaining=599.9, cost=0.01))
    assert empty.limit == 10  # an empty bucket fits 11: the ceiling at once
    shared = AdaptiveLimiter(ceiling=10, start=4)
    shared.seed(RateInfo(remaining=260.0, cost=0.01))
    assert shared.limit == 4  # another program fills the bucket: only what fits (260/50 - 1)
    unknown = AdaptiveLimiter(ceiling=10, start=4)
    unknown.seed(None)
    unknown.seed(RateInfo(remaining=None, cost=None))
    assert unknown.limit == 4


def test_limiter_start_is_clamped_to_the_ceiling():
    assert AdaptiveLimiter(ceiling=3, start=8).limit == 3
    assert AdaptiveLimiter(ceiling=3, start=0).limit == 1
    with pytest.raises(ValueError):
        AdaptiveLimiter(ceiling=0)


def test_acquire_blocks_at_the_limit_until_a_release():
    limiter = AdaptiveLimiter(ceiling=2, start=2)
    assert limiter.acquire(None) and limiter.acquire(None)
    got = threading.Event()

    def third():
        limiter.acquire(CancelToken())
        got.set()

    worker = threading.Thread(target=third)
    worker.start()
    assert not got.wait(0.2)
    assert limiter.in_flight == 2
    limiter.release(None)
    worker.join(5)
    assert got.is_set()
    assert limiter.in_flight == 2


def test_cancel_unblocks_a_waiting_acquire():
    limiter = AdaptiveLimiter(ceiling=1, start=1)
    assert limiter.acquire(None)
    cancel = CancelToken()
    result = []
    worker = threading.Thread(target=lambda: result.append(limiter.acquire(cancel)))
    worker.start()
    cancel.cancel()
    worker.join(5)
    assert result == [False]
    assert limiter.in_flight == 1


# --- backoff -----------------------------------------------------------------------


def test_backoff_without_jitter_doubles_up_to_the_cap():
    backoff = Backoff(base=0.5, factor=2, cap=3, max_attempts=6, jitter="none")
    assert list(backoff.delays()) == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_stays_within_bounds_and_is_reproducible_with_a_seed():
    first = Backoff(cap=30, max_attempts=8, rng=random.Random(7))
    second = Backoff(cap=30, max_attempts=8, rng=random.Random(7))
    a, b = list(first.delays()), list(second.delays())
    assert a == b
    assert len(a) == 7
    for attempt, wait in enumerate(a, start=1):
        assert 0 <= wait <= min(30, 0.5 * 2 ** (attempt - 1))
    assert len(set(a)) == len(a)  # jittered, not the fixed ceilings


def test_equal_jitter_keeps_at_least_half_the_ceiling():
    backoff = Backoff(base=1, cap=8, jitter="equal", rng=random.Random(3))
    for attempt in range(1, 30):
        top = backoff.ceiling(attempt)
        assert top / 2 <= backoff.delay(attempt) <= top


def test_backoff_rejects_nonsense():
    with pytest.raises(ValueError):
        Backoff(jitter="sideways")
    with pytest.raises(ValueError):
        Backoff(max_attempts=0)
    assert Backoff(cap=30).ceiling(5000) == 30


# --- retry policy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (Throttled(status=403), True),
        (Throttled(status=429), True),
        (ServerError(status=500), True),
        (ServerError(status=502), True),
        (ServerError(status=503), True),
        (ServerError(status=504), True),
        (ServerError(status=501), False),
        (ConnectionFailed(), True),
        (TimedOut(), True),
        (PermissionDenied(status=403), False),
        (TokenRefused(status=401), False),
        (NotFound(status=404), False),
        (ValidationFailed(status=400), False),
        (LoginTaken(status=400), False),
        (RuntimeError("bug"), False),
    ],
)
def test_retry_policy_classifies_errors(error, retry):
    assert RetryPolicy().is_retryable(error) is retry


# --- call_with_retries -------------------------------------------------------------


class Script:
    """A fake call: raises the scripted errors in turn, then returns ``result``."""

    def __init__(self, *errors: BaseException, result: object = "ok") -> None:
        self.errors = list(errors)
        self.result = result
        self.calls = 0
        self.in_flight_seen: list[int] = []
        self.limiter: AdaptiveLimiter | None = None

    def __call__(self) -> object:
        self.calls += 1
        if self.limiter is not None:
            self.in_flight_seen.append(self.limiter.in_flight)
        if self.errors:
            raise self.errors.pop(0)
        return self.result


def quick_backoff(max_attempts: int = 4) -> Backoff:
    return Backoff(base=0.001, cap=0.002, max_attempts=max_attempts, rng=random.Random(1))


def test_throttled_calls_are_retried_then_succeed_and_the_limit_halves():
    limiter = AdaptiveLimiter(ceiling=10, start=8)
    fn = Script(
        Throttled(status=403, rate=RateInfo(-5.0, 0.0)),
        Throttled(status=429, rate=RateInfo(-5.0, 0.0)),
    )
    fn.limiter = limiter
    retries = []
    result = call_with_retries(
        fn,
        limiter=limiter,
        policy=RetryPolicy(),
        backoff=quick_backoff(),
        cancel=CancelToken(),
        on_retry=lambda attempt, exc, wait: retries.append((attempt, type(exc), wait)),
        rate_of=lambda: ROOMY,
    )
    assert result == "ok"
    assert fn.calls == 3
    assert fn.in_flight_seen == [1, 1, 1]  # a slot is held during each call
    assert [(a, t) for a, t, _ in retries] == [(1, Throttled), (2, Throttled)]
    assert all(0 <= w <= 0.002 for _, _, w in retries)
    assert limiter.limit == 3  # 8 -> 4 -> 2 by the throttles, +1 for the good answer
    assert limiter.in_flight == 0


def test_gives_up_after_max_attempts_with_the_last_error():
    last = ServerError(status=503)
    fn = Script(ServerError(status=500), TimedOut(), ConnectionFailed(), last)
    limiter = AdaptiveLimiter()
    with pytest.raises(ServerError) as caught:
        call_with_retries(
            fn,
            limiter=limiter,
            policy=RetryPolicy(),
            backoff=quick_backoff(max_attempts=4),
            cancel=CancelToken(),
        )
    assert caught.value is last
    assert fn.calls == 4
    assert limiter.in_flight == 0


def test_errors_that_are_not_retryable_are_raised_at_once():
    for error in (PermissionDenied(status=403), LoginTaken(status=400), NotFound(status=404)):
        fn = Script(error)
        with pytest.raises(type(error)):
            call_with_retries(
                fn,
                limiter=AdaptiveLimiter(),
                policy=RetryPolicy(),
                backoff=quick_backoff(),
                cancel=CancelToken(),
            )
        assert fn.calls == 1


def test_a_write_whose_answer_may_be_lost_is_not_resent():
    lost = TimedOut(maybe_done=True, method="POST")
    fn = Script(lost)
    with pytest.raises(TimedOut) as caught:
        call_with_retries(
            fn,
            limiter=AdaptiveLimiter(),
            policy=RetryPolicy(),
            backoff=quick_backoff(),
            cancel=CancelToken(),
        )
    assert caught.value.maybe_done
    assert fn.calls == 1

    resend = Script(ServerError(status=502, maybe_done=True))
    assert (
        call_with_retries(
            resend,
            limiter=None,
            policy=RetryPolicy(),
            backoff=quick_backoff(),
            cancel=None,
            maybe_done_is_final=False,
        )
        == "ok"
    )
    assert resend.calls == 2


def test_stop_during_the_backoff_wait_raises_cancelled_promptly():
    cancel = CancelToken()
    error = Throttled(status=429)

    def call_then_stop():
        cancel.cancel()
        raise error

    slow = Backoff(base=600, cap=600, max_attempts=3, jitter="none")
    limiter = AdaptiveLimiter()
    with pytest.raises(Cancelled) as caught:
        call_with_retries(
            call_then_stop, limiter=limiter, policy=RetryPolicy(), backoff=slow, cancel=cancel
        )
    assert caught.value.last_error is error
    assert describe_error(caught.value) == "Stopped before this row was finished."
    assert limiter.in_flight == 0


def test_nothing_is_called_once_cancelled():
    cancel = CancelToken()
    cancel.cancel()
    fn = Script()
    for limiter in (AdaptiveLimiter(), None):
        with pytest.raises(Cancelled):
            call_with_retries(
                fn, limiter=limiter, policy=RetryPolicy(), backoff=quick_backoff(), cancel=cancel
            )
    assert fn.calls == 0


def test_unexpected_exceptions_release_the_slot_and_propagate():
    limiter = AdaptiveLimiter()
    fn = Script(KeyError("surprise"))
    with pytest.raises(KeyError):
        call_with_retries(
            fn, limiter=limiter, policy=RetryPolicy(), backoff=quick_backoff(), cancel=None
        )
    assert fn.calls == 1
    assert limiter.in_flight == 0

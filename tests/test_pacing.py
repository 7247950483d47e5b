"""Back-off and the retry loop, with fake callables (no server); the pacer is in test_bucket."""

from __future__ import annotations

import random

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
from core.run.bucket import BucketPacer
from core.run.pacing import (
    Backoff,
    Cancelled,
    RetryPolicy,
    ThrottledTooLong,
    call_with_retries,
)

ROOMY = RateInfo(remaining=590.0, cost=0.02)


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
        self.limiter: BucketPacer | None = None

    def __call__(self) -> object:
        self.calls += 1
        if self.limiter is not None:
            self.in_flight_seen.append(self.limiter.in_flight)
        if self.errors:
            raise self.errors.pop(0)
        return self.result


def quick_backoff(max_attempts: int = 4) -> Backoff:
    return Backoff(base=0.001, cap=0.002, max_attempts=max_attempts, rng=random.Random(1))


def test_throttled_calls_are_retried_without_using_up_attempts():
    pacer = BucketPacer(ceiling=10)
    refusals = [Throttled(status=403 + 26 * (i % 2), rate=RateInfo(550.0, 0.01)) for i in range(6)]
    fn = Script(*refusals, ServerError(status=502))
    fn.limiter = pacer
    retries = []
    result = call_with_retries(
        fn,
        limiter=pacer,
        policy=RetryPolicy(),
        backoff=quick_backoff(max_attempts=2),  # one server error allowed, six refusals too
        cancel=CancelToken(),
        on_retry=lambda attempt, exc, wait: retries.append((type(exc), wait)),
        rate_of=lambda: ROOMY,
    )
    assert result == "ok"
    assert fn.calls == 8
    assert fn.in_flight_seen == [1] * 8  # a place is held during each call
    assert [t for t, _ in retries] == [Throttled] * 6 + [ServerError]
    assert all(wait == 0 for t, wait in retries if t is Throttled)  # the pacer waits instead
    assert pacer.throttled_answers == 6
    assert pacer.in_flight == 0


def test_a_call_refused_for_the_whole_patience_gives_up_saying_so():
    pacer = BucketPacer(ceiling=10, patience=0.0)
    fn = Script(Throttled(status=429, rate=RateInfo(550.0, 0.01)))
    with pytest.raises(ThrottledTooLong) as caught:
        call_with_retries(
            fn, limiter=pacer, policy=RetryPolicy(), backoff=quick_backoff(), cancel=None
        )
    message = describe_error(caught.value)
    assert "refused every request for its rate limit" in message
    assert "not changed" in message and "will be retried" not in message
    assert pacer.in_flight == 0


def test_gives_up_after_max_attempts_with_the_last_error():
    last = ServerError(status=503)
    fn = Script(ServerError(status=500), TimedOut(), ConnectionFailed(), last)
    limiter = BucketPacer(ceiling=10)
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
                limiter=BucketPacer(ceiling=10),
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
            limiter=BucketPacer(ceiling=10),
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
    limiter = BucketPacer(ceiling=10)
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
    for limiter in (BucketPacer(ceiling=10), None):
        with pytest.raises(Cancelled):
            call_with_retries(
                fn, limiter=limiter, policy=RetryPolicy(), backoff=quick_backoff(), cancel=cancel
            )
    assert fn.calls == 0


def test_unexpected_exceptions_release_the_slot_and_propagate():
    limiter = BucketPacer(ceiling=10)
    fn = Script(KeyError("surprise"))
    with pytest.raises(KeyError):
        call_with_retries(
            fn, limiter=limiter, policy=RetryPolicy(), backoff=quick_backoff(), cancel=None
        )
    assert fn.calls == 1
    assert limiter.in_flight == 0

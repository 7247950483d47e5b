"""The bucket pacer's arithmetic, on a fake clock (no server, no sleeping)."""

from __future__ import annotations

import threading

import pytest

from core.canvas.errors import RateInfo
from core.model import CancelToken
from core.run.bucket import BucketPacer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def pacer(ceiling: int = 16, **kwargs) -> tuple[BucketPacer, Clock]:
    clock = Clock()
    return BucketPacer(ceiling, clock=clock, **kwargs), clock


def take(p: BucketPacer, count: int) -> None:
    for _ in range(count):
        assert p.acquire(None)


def test_an_empty_bucket_holds_eleven_calls_and_the_twelfth_waits():
    p, _clock = pacer()
    assert p.limit == 11  # 11 * 50 = 550 < 600; a 12th would bring the level to 600
    take(p, 11)
    cancel = CancelToken()
    got: list[bool] = []
    worker = threading.Thread(target=lambda: got.append(p.acquire(cancel)))
    worker.start()
    worker.join(0.2)
    assert worker.is_alive(), "the 12th call must wait for room"
    cancel.cancel()
    worker.join(5)
    assert got == [False] and p.in_flight == 11


def test_the_ceiling_caps_what_the_bucket_would_allow():
    p, _clock = pacer(ceiling=3)
    assert p.limit == 3
    with pytest.raises(ValueError):
        BucketPacer(0)


def test_remaining_counts_our_calls_still_in_flight_as_room():
    p, _clock = pacer()
    take(p, 6)
    # After one ends, five are still in flight and hold 250 of the level; 110 remain.
    p.release(RateInfo(remaining=110.0, cost=0.1))
    assert p.room() == pytest.approx(360.0)
    assert p.limit == 7  # 7 * 50 = 350 < 360


def test_settled_cost_leaks_at_ten_units_a_second_and_makes_room_again():
    p, clock = pacer()
    p.seed(RateInfo(remaining=60.0, cost=4.0))  # the bucket is nearly full of real cost
    assert p.limit == 1
    clock.advance(5.0)  # 50 units leaked
    assert p.room() == pytest.approx(110.0)
    assert p.limit == 2
    clock.advance(1000.0)
    assert p.room() == pytest.approx(600.0)  # never more than an empty bucket
    assert p.limit == 11


def test_expensive_calls_hold_back_what_their_cost_will_add():
    p, _clock = pacer()
    p.seed(RateInfo(remaining=600.0, cost=80.0))  # each call will settle 80, not 50
    assert p.cost == pytest.approx(80.0)
    assert p.limit == 7  # 50 + 6 * 80 = 530 < 600; a seventh after them: 610
    p.seed(RateInfo(remaining=600.0, cost=0.02))
    assert p.cost < 80.0  # the estimate follows the answers, smoothed


def test_another_program_on_the_token_shows_as_less_room_at_once():
    p, _clock = pacer()
    take(p, 3)
    # Our other two hold 100; the rest of the 600 is gone: someone else holds 6 places.
    p.release(RateInfo(remaining=200.0, cost=0.05))
    assert p.limit == 5
    assert p.in_flight == 2


def test_a_reading_that_overstates_the_room_is_outweighed_for_a_second():
    p, clock = pacer()
    p.seed(RateInfo(remaining=200.0, cost=0.05))  # a small bucket, read exactly
    take(p, 3)
    # One of ours had not reached Canvas yet: this reading adds back a call Canvas did
    # not count, and would claim 250.
    p.release(RateInfo(remaining=99.95, cost=0.05))
    assert p.room() == pytest.approx(200.0, abs=0.1)
    assert p.limit == 3
    # Another program's calls ending show within the second.
    clock.advance(1.5)
    p.release(RateInfo(remaining=499.0, cost=0.05))
    p.release(RateInfo(remaining=550.0, cost=0.05))
    assert p.room() == pytest.approx(550.0)


def test_a_refusal_without_headers_leaves_room_only_for_the_calls_in_flight():
    p, clock = pacer()
    take(p, 4)
    p.release(None, throttled=True)
    assert p.throttled_answers == 1
    assert p.limit == 3  # the three still in flight
    clock.advance(5.0)  # one up-front cost leaks away
    assert p.limit == 4


def test_the_room_of_an_empty_bucket_is_learned_when_nothing_else_is_in_flight():
    p, _clock = pacer()
    p.seed(RateInfo(remaining=800.0, cost=0.01))  # a Canvas with a bigger bucket
    assert p.limit == 15  # 15 * 50 = 750 < 800; a 16th would reach 800
    p.seed(RateInfo(remaining=1000.0, cost=0.01))
    assert p.limit == 16  # 19 would fit, the ceiling says 16
    q, _clock = pacer()
    take(q, 5)
    # With calls in flight a reading may count one that started after it: not learned.
    q.release(RateInfo(remaining=700.0, cost=0.01))
    assert q.room() == pytest.approx(600.0)


def test_patience_counts_from_the_last_answer_and_refusals_do_not_reset_it():
    p, clock = pacer(patience=120.0)
    take(p, 1)
    p.release(RateInfo(remaining=500.0))
    clock.advance(100.0)
    take(p, 1)
    p.release(RateInfo(remaining=-10.0), throttled=True)
    assert p.patience_left() == pytest.approx(20.0)
    clock.advance(30.0)
    assert p.patience_left() < 0
    take(p, 1)
    p.release(RateInfo(remaining=400.0))
    assert p.patience_left() == pytest.approx(120.0)


def test_a_broken_connection_is_not_an_answer():
    p, clock = pacer(patience=10.0)
    clock.advance(8.0)
    take(p, 1)
    p.release(None, answered=False)
    assert p.patience_left() == pytest.approx(2.0)


def test_slowed_down_after_a_refusal_or_while_real_cost_holds_calls_back():
    p, clock = pacer()
    assert not p.slowed_down()
    take(p, 11)  # a full bucket of calls in flight is full speed, not a slow-down
    assert not p.slowed_down()
    for _ in range(11):
        p.release(RateInfo(remaining=500.0))
    p.release(RateInfo(remaining=-5.0), throttled=True)
    assert p.slowed_down()
    clock.advance(10.0)
    assert not p.slowed_down()

    q, clock = pacer()
    q.seed(RateInfo(remaining=60.0, cost=4.0))
    take(q, 1)
    cancel = CancelToken()
    worker = threading.Thread(target=lambda: q.acquire(cancel))
    worker.start()
    worker.join(0.2)
    assert q.slowed_down()  # held back by cost settled in the bucket
    cancel.cancel()
    worker.join(5)


def test_a_waiting_call_starts_when_a_call_in_flight_ends():
    p, _clock = pacer(ceiling=2)
    take(p, 2)
    got = threading.Event()

    def third() -> None:
        p.acquire(CancelToken())
        got.set()

    worker = threading.Thread(target=third)
    worker.start()
    assert not got.wait(0.2)
    p.release(RateInfo(remaining=550.0))
    worker.join(5)
    assert got.is_set() and p.in_flight == 2

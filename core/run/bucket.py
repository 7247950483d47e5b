"""A mirror of Canvas's leaky bucket for one token, so a run keeps Canvas as busy as it
allows and no busier.

Canvas (canvas-api.md, "Throttling") adds an up-front 50 to the token's bucket when a
request starts and refuses the request when the bucket is then at or over its
high-water mark (600); when the request ends the 50 becomes the request's real cost
(``X-Request-Cost``), and the bucket leaks 10 units a second. Every answer says how
much room is left (``X-Rate-Limit-Remaining``, 600 minus the level).

:class:`BucketPacer` keeps an estimate of the room the bucket would have if none of
this run's calls were in flight, refreshed from every answer and growing at the leak
rate in between, and lets a call start only while the room exceeds the up-front cost
of every call in flight plus its own. From an empty bucket that is 11 calls; with
expensive calls (cost 4, say) the settled cost fills the bucket and the pacer holds new
calls just long enough for the leak to make room, so Canvas never has to refuse one.
Another program using the same token shows up as less room in the answers, and this
run shrinks at once.

A refused call is not a failure: nothing was done. :meth:`BucketPacer.patience_left`
says how long the run as a whole may go on retrying; a call gives up only when Canvas
has refused everything, with no answer at all getting through, for that long.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from core.canvas.errors import RateInfo

__all__ = [
    "CANVAS_HIGH_WATER",
    "CANVAS_LEAK_PER_SECOND",
    "CANVAS_UP_FRONT_COST",
    "THROTTLE_PATIENCE_SECONDS",
    "BucketPacer",
]

#: Canvas's defaults (canvas-api.md). The high-water mark is only a starting guess: the
#: room an answer reports on an empty bucket replaces it.
CANVAS_HIGH_WATER = 600.0
CANVAS_UP_FRONT_COST = 50.0
CANVAS_LEAK_PER_SECOND = 10.0
#: How long Canvas may refuse every call of a run before its rows are given up.
THROTTLE_PATIENCE_SECONDS = 120.0
#: A throttled answer or a wait for room this recent makes the run "asked to slow down".
_SLOWED_DOWN_FOR_SECONDS = 3.0
#: How much a new cost reading moves the running estimate of a call's cost.
_COST_SMOOTHING = 0.2
#: Readings of the room this recent all count: the estimate is the smallest of them.
_READINGS_WINDOW_SECONDS = 1.0
#: Room kept free, in bucket units (half a second of leak): a reading grown by the leak
#: overstates the room once the bucket's settled cost has leaked away to nothing, which
#: a bucket smaller than Canvas's default reaches while the estimate still grows.
_SAFETY_MARGIN = 5.0


class _CancelLike(Protocol):
    @property
    def cancelled(self) -> bool: ...


class BucketPacer:
    """Admission to Canvas for one run's calls, by the bucket's room. Thread-safe.

    ``ceiling`` caps the calls in flight whatever the room (the run's thread pool).
    ``clock`` is injectable for the unit tests of the arithmetic.
    """

    _POLL_SECONDS = 0.05  # how often a call waiting for the leak looks again
    _CANCEL_POLL_SECONDS = 0.25  # how often a call waiting for a place looks at Stop

    def __init__(
        self,
        ceiling: int,
        *,
        high_water: float = CANVAS_HIGH_WATER,
        up_front_cost: float = CANVAS_UP_FRONT_COST,
        leak_per_second: float = CANVAS_LEAK_PER_SECOND,
        patience: float = THROTTLE_PATIENCE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be at least 1")
        self.ceiling = ceiling
        self.up_front_cost = up_front_cost
        self.leak_per_second = leak_per_second
        self.patience = patience
        self._clock = clock
        now = clock()
        #: The most room the bucket has when empty (learned; Canvas's 600 until then).
        self._full_room = high_water
        #: Readings of the room left if none of our calls were in flight: (when, room).
        self._readings: deque[tuple[float, float]] = deque([(now, high_water)])
        self._in_flight = 0
        #: Running estimate of one call's real cost (``X-Request-Cost``).
        self.cost = 0.0
        self._last_answer = now
        self._last_slow_down = -math.inf
        self.throttled_answers = 0
        self._cond = threading.Condition()

    # --- what the run asks ------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    @property
    def limit(self) -> int:
        """How many calls may be in flight now (the ones in flight included)."""
        with self._cond:
            return self._fits(self._clock())

    def acquire(self, cancel: _CancelLike | None = None) -> bool:
        """Wait until the bucket has room for one more call and take it.

        Returns False (nothing taken) once ``cancel`` is set.
        """
        with self._cond:
            while True:
                if cancel is not None and cancel.cancelled:
                    return False
                now = self._clock()
                if self._in_flight < self._fits(now):
                    self._in_flight += 1
                    return True
                if self._in_flight < self.ceiling and self._room_at(now) < self._full_room / 2:
                    # Held back by cost already in the bucket (expensive calls, or another
                    # program on the same token), not merely by the calls in flight.
                    self._last_slow_down = now
                self._cond.wait(self._wait_for_room(now))

    def release(
        self, rate: RateInfo | None = None, throttled: bool = False, answered: bool = True
    ) -> None:
        """A call ended: learn from its answer's headers and give its place back.

        ``rate`` is None when the answer carried no throttle headers; ``answered`` is
        False when there was no answer at all (a broken connection, a timeout).
        """
        with self._cond:
            now = self._clock()
            self._in_flight = max(0, self._in_flight - 1)
            if throttled:
                self.throttled_answers += 1
                self._last_slow_down = now
            elif answered:
                self._last_answer = now
            self._learn(rate, throttled, now)
            self._wake_for_room(now)

    def seed(self, rate: RateInfo | None) -> None:
        """Start from an answer outside the run (the opening reads), none in flight."""
        if rate is None:
            return
        with self._cond:
            now = self._clock()
            self._learn(rate, False, now)
            self._wake_for_room(now)

    def slowed_down(self) -> bool:
        """Has Canvas refused a call, or its bucket's cost held one back, just now?"""
        with self._cond:
            return self._clock() - self._last_slow_down < _SLOWED_DOWN_FOR_SECONDS

    def patience_left(self) -> float:
        """Seconds the run may still wait for Canvas; <= 0 once Canvas has refused every
        call for the whole patience."""
        with self._cond:
            return self.patience - (self._clock() - self._last_answer)

    # --- the arithmetic ---------------------------------------------------------------
    def room(self, now: float | None = None) -> float:
        """The estimated room now, as if none of our calls were in flight."""
        with self._cond:
            return self._room_at(self._clock() if now is None else now)

    def _room_at(self, now: float) -> float:
        """The smallest recent reading, each grown by what has leaked since it was taken.

        A reading taken while calls of ours were in flight can only overstate the room:
        a call that has not reached Canvas yet, or whose answer is still on its way
        back, is added back although Canvas does not count it. So the smallest of the
        last second's readings is the truest; another program's calls that end still
        show within that second.
        """
        leak = self.leak_per_second
        room = min(reading + (now - taken) * leak for taken, reading in self._readings)
        return min(self._full_room, room)

    def _note_room(self, room: float, now: float) -> None:
        readings = self._readings
        readings.append((now, room))
        while len(readings) > 1 and now - readings[0][0] > _READINGS_WINDOW_SECONDS:
            readings.popleft()

    def _fits(self, now: float) -> int:
        """Calls that may be in flight together now.

        A call is admitted while the level after its up-front cost stays below high
        water: ``(n + 1) * up_front < room``. A call costing more than its up-front
        amount will raise the level when it ends, so each call in flight also holds
        back what its cost is expected to add.
        """
        extra = max(0.0, self.cost - self.up_front_cost)
        per_call = self.up_front_cost + extra
        room = self._room_at(now) - _SAFETY_MARGIN
        if room <= self.up_front_cost:
            return 0
        return max(0, min(self.ceiling, math.ceil((room - self.up_front_cost) / per_call)))

    def _wake_for_room(self, now: float) -> None:
        """Wake as many waiting calls as may start now, not all of them: every thread
        woken for nothing takes Python's lock from the window for a moment."""
        free = self._fits(now) - self._in_flight
        if free > 0:
            self._cond.notify(free)

    def _wait_for_room(self, now: float) -> float:
        """How long until the leak makes room for one more call (bounded, for cancel).

        When the pool is full, or the bucket holds no settled cost to leak away, only a
        call ending makes room, and :meth:`release` wakes a waiter for it."""
        if self._in_flight >= self.ceiling or self._room_at(now) >= self._full_room:
            return self._CANCEL_POLL_SECONDS
        per_call = self.up_front_cost + max(0.0, self.cost - self.up_front_cost)
        needed = (self._in_flight + 1) * per_call + _SAFETY_MARGIN - self._room_at(now)
        return min(self._POLL_SECONDS, max(0.001, needed / self.leak_per_second))

    def _learn(self, rate: RateInfo | None, throttled: bool, now: float) -> None:
        """Note the room an answer reports, and the cost of the call.

        ``X-Rate-Limit-Remaining`` counts the up-front cost of every call still in
        flight, ours included; adding ours back gives the room as if none were. When
        none of ours was in flight the reading is exact, and the room of an empty
        bucket is learned from it (:meth:`_room_at` says why readings are kept for a
        second). Without headers a refusal means the bucket is full as far as we can
        tell: room only for the calls already in flight.
        """
        if rate is not None and rate.cost is not None and not throttled and rate.cost >= 0:
            smoothed = self.cost + _COST_SMOOTHING * (rate.cost - self.cost)
            self.cost = rate.cost if self.cost == 0 else smoothed
        if rate is not None and rate.remaining is not None:
            room = rate.remaining + self._in_flight * self.up_front_cost
            if self._in_flight == 0:
                # Exact: none of ours to misplace. It replaces the readings before it.
                self._full_room = max(self._full_room, room)
                self._readings.clear()
            self._note_room(room, now)
        elif throttled:
            self._note_room(self._in_flight * self.up_front_cost + _SAFETY_MARGIN + 1e-6, now)

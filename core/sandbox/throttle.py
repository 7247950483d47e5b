"""Canvas's per-token leaky bucket (see canvas-api.md, "Throttling").

Each request adds ``up_front_cost`` when it starts; if the bucket is then at or over the
high-water mark the request is refused. When it ends the up-front amount is replaced by
the request's real cost. Settled cost leaks at ``leak_per_second``.

One deliberate simplification: the up-front amounts of requests still in flight are
held as reservations that do not leak. Real Canvas leaks them too, which makes it a
hair more forgiving (12 requests started within a few milliseconds of each other may
all pass there). Holding them makes the limit exact and independent of timing: with the
defaults 11 requests in flight always pass and the 12th is always refused, so a client
tuned to the sandbox is safe against real Canvas.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class ThrottleConfig:
    enabled: bool = True
    high_water: float = 600
    maximum: float = 800
    leak_per_second: float = 10
    up_front_cost: float = 50
    #: The real cost that replaces the up-front cost when a request ends (Canvas: the
    #: request's CPU and database seconds; raise it to play a slow, expensive Canvas).
    request_cost: float = 0.05
    #: The real cost of a refused request: refusing takes Canvas next to no work.
    refused_cost: float = 0.01
    #: 429 (hosted Canvas since late 2025) or 403 (self-hosted and older Canvas).
    throttled_status: int = 429

    @property
    def throttled_body(self) -> str:
        if self.throttled_status == 429:
            return "429 Too Many Requests (Rate Limit Exceeded)"
        return "403 Forbidden (Rate Limit Exceeded)"


@dataclass
class _Bucket:
    settled: float = 0.0
    reserved: float = 0.0
    touched: float = 0.0


@dataclass(frozen=True)
class Admission:
    """The bucket's verdict on a starting request."""

    key: str
    allowed: bool
    reserved: float


class LeakyBuckets:
    """One bucket per token (or per anonymous caller). Thread-safe."""

    def __init__(self, config: ThrottleConfig | None = None) -> None:
        self.config = config or ThrottleConfig()
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(touched=now)
        leaked = (now - bucket.touched) * self.config.leak_per_second
        bucket.settled = max(0.0, bucket.settled - leaked)
        bucket.touched = now
        return bucket

    def _level(self, bucket: _Bucket) -> float:
        return min(self.config.maximum, bucket.settled + bucket.reserved)

    def start(self, key: str) -> Admission:
        """Add the up-front cost; refused when the level is then at or over high water."""
        config = self.config
        with self._lock:
            bucket = self._bucket(key, time.monotonic())
            bucket.reserved += config.up_front_cost
            allowed = not config.enabled or self._level(bucket) < config.high_water
            return Admission(key, allowed, config.up_front_cost)

    def finish(self, admission: Admission, cost: float | None = None) -> tuple[float, float]:
        """Replace the up-front cost by the real one. Returns (cost, remaining)."""
        config = self.config
        real_cost = config.request_cost if cost is None else cost
        with self._lock:
            bucket = self._bucket(admission.key, time.monotonic())
            bucket.reserved = max(0.0, bucket.reserved - admission.reserved)
            bucket.settled = min(config.maximum, bucket.settled + real_cost)
            return real_cost, config.high_water - self._level(bucket)

    def level(self, key: str) -> float:
        with self._lock:
            return self._level(self._bucket(key, time.monotonic()))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

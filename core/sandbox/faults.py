"""Seeded fault injection: the network and server trouble a real run meets.

Decisions are drawn from one seeded random stream in the order requests reach the
sandbox (after the throttle let them through), so a sequential client sees the same
faults on every run with the same seed.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

FAULT_KINDS: tuple[str, ...] = ("500", "502", "503", "drop", "slow", "done_then_502")


@dataclass
class FaultConfig:
    #: Share of API requests that get a fault (0..1).
    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = FAULT_KINDS
    #: Extra seconds a "slow" answer takes.
    slow_seconds: float = 2.0


@dataclass(frozen=True)
class FaultDecision:
    kind: str
    #: For "drop" on a write: whether the action was done before the answer got lost.
    done_first: bool
    index: int  # the request's position in the stream, from 0


class FaultPlan:
    """Draws a decision for each request in turn. Thread-safe."""

    def __init__(self, config: FaultConfig) -> None:
        unknown = set(config.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.config = config
        self._random = random.Random(config.seed)
        self._lock = threading.Lock()
        self._count = 0

    def draw(self) -> FaultDecision | None:
        """The fault for the next request, or None. Always consumes the same draws."""
        with self._lock:
            index = self._count
            self._count += 1
            roll = self._random.random()
            pick = self._random.random()
            done_roll = self._random.random()
        kinds = self.config.kinds
        if not kinds or roll >= self.config.rate:
            return None
        kind = kinds[min(int(pick * len(kinds)), len(kinds) - 1)]
        return FaultDecision(kind=kind, done_first=done_roll < 0.5, index=index)

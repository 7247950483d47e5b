"""Counters the tests and benchmarks read back from a running sandbox."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SandboxStats:
    """Thread-safe counters. Read the attributes; call :meth:`reset` between phases."""

    #: API requests received (throttled and faulted ones included).
    requests: int = 0
    #: Write requests received, by (method, route template), whatever their outcome.
    writes: Counter[tuple[str, str]] = field(default_factory=Counter)
    throttled: int = 0
    #: Faults injected, by kind.
    faults: Counter[str] = field(default_factory=Counter)
    #: (request index, kind, method, path) of each fault injected.
    fault_log: list[tuple[int, str, str, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def faults_injected(self) -> int:
        with self._lock:
            return sum(self.faults.values())

    @property
    def total_writes(self) -> int:
        with self._lock:
            return sum(self.writes.values())

    def request_started(self, method: str, route: str | None, is_write: bool) -> None:
        with self._lock:
            self.requests += 1
            if is_write:
                self.writes[(method, route or "")] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def request_ended(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def count_throttled(self) -> None:
        with self._lock:
            self.throttled += 1

    def count_fault(self, index: int, kind: str, method: str, path: str) -> None:
        with self._lock:
            self.faults[kind] += 1
            self.fault_log.append((index, kind, method, path))

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.writes.clear()
            self.throttled = 0
            self.faults.clear()
            self.fault_log.clear()
            self.max_in_flight = self.in_flight

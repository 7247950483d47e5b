"""The :class:`Sandbox` object: a Canvas-compatible server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from core import demo
from core.sandbox.faults import FaultConfig, FaultDecision, FaultPlan
from core.sandbox.server import SandboxHTTPServer
from core.sandbox.state import SandboxState
from core.sandbox.stats import SandboxStats
from core.sandbox.throttle import LeakyBuckets, ThrottleConfig

HOST = "127.0.0.1"


class Sandbox:
    """A built-in Canvas on loopback. ``with Sandbox().start() as sb: ...`` or start/stop."""

    def __init__(
        self,
        *,
        port: int = 0,
        latency: float = 0.0,
        throttle: ThrottleConfig | None = None,
        faults: FaultConfig | None = None,
        seed_demo: bool = True,
        extra_students: int = 0,
    ) -> None:
        self.port = port
        self.latency = latency
        self.token = demo.DEMO_TOKEN
        self.state = SandboxState()
        self.state.seed_accounts()
        self.state.seed_admin()
        if seed_demo:
            self.state.seed_demo()
        if extra_students:
            self.state.seed_extra_students(extra_students)
        self.stats = SandboxStats()
        self.buckets = LeakyBuckets(throttle or ThrottleConfig())
        self._faults: FaultPlan | None = None
        self.set_faults(faults)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----- life cycle ----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._server = SandboxHTTPServer((HOST, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"canvas-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_open_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----- knobs for tests and benchmarks ----------------------------------------------

    @property
    def throttle(self) -> ThrottleConfig:
        return self.buckets.config

    def set_latency(self, seconds: float) -> None:
        self.latency = max(0.0, float(seconds))

    def set_faults(self, faults: FaultConfig | None) -> None:
        """New fault settings; the seeded stream starts again from its first request."""
        self._faults = FaultPlan(faults) if faults is not None and faults.rate > 0 else None

    def set_throttle(self, throttle: ThrottleConfig) -> None:
        self.buckets.config = throttle

    def draw_fault(self) -> FaultDecision | None:
        plan = self._faults
        return plan.draw() if plan is not None else None

    @property
    def fault_slow_seconds(self) -> float:
        plan = self._faults
        return plan.config.slow_seconds if plan is not None else 0.0

    def add_token(
        self, token: str, *, user_id: int = demo.DEMO_ADMIN_USER_ID, rights: set[str] | None = None
    ) -> None:
        """Another token; ``rights=None`` gives every right, a set gives exactly those."""
        self.state.add_token(token, user_id=user_id, rights=rights)

    def _set_token_state(self, token: str, value: str) -> None:
        with self.state.lock:
            self.state.tokens[token].state = value

    def revoke_token(self, token: str) -> None:
        self._set_token_state(token, "revoked")

    def expire_token(self, token: str) -> None:
        self._set_token_state(token, "expired")


def serve_forever(
    port: int = 8080,
    *,
    latency: float = 0.0,
    throttle: ThrottleConfig | None = None,
    faults: FaultConfig | None = None,
    seed_demo: bool = True,
    extra_students: int = 0,
    on_ready: Callable[[Sandbox], None] | None = None,
    stop_event: threading.Event | None = None,
) -> None:
    """Run a sandbox in the foreground until Ctrl+C (or ``stop_event``). Prints nothing.

    ``on_ready`` is called with the running sandbox, so the caller can show its URL and
    token (the port is only known then when ``port`` is 0).
    """
    sandbox = Sandbox(
        port=port,
        latency=latency,
        throttle=throttle,
        faults=faults,
        seed_demo=seed_demo,
        extra_students=extra_students,
    ).start()
    stop = stop_event or threading.Event()
    try:
        if on_ready is not None:
            on_ready(sandbox)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()

"""What every row of a run shares: the Canvas client behind the limiter and retries, the
run's stop token, and the login names a check has given out.

One :class:`RowContext` per run; the row functions of :mod:`core.run.operations`, the
SIS import's read-back and undo all make their Canvas calls through it, so whole-run
trouble (the token refused, Canvas gone) stops the run in one place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from core.canvas.errors import (
    CanvasError,
    ConnectionFailed,
    NotRootAccount,
    TimedOut,
    TokenRefused,
)
from core.model import CancelToken, login_key
from core.plan import Operation
from core.run.bucket import BucketPacer
from core.run.pacing import Backoff, RetryPolicy, StopRun, call_with_retries

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

__all__ = ["STOP_AFTER_CONNECTION_FAILURES", "RowContext"]

T = TypeVar("T")

#: Connection failures in a row (after retries) that stop a run: Canvas is gone.
STOP_AFTER_CONNECTION_FAILURES = 3


@dataclass
class RowContext:
    """Everything the row functions share during one run. Thread-safe where it counts."""

    client: CanvasApi
    account_id: int | str | None
    #: Admission by Canvas's bucket, shared by every call of the run.
    limiter: BucketPacer
    policy: RetryPolicy
    backoff: Backoff
    #: The run's own token: set on Stop or on a StopRun.
    cancel: CancelToken
    dry_run: bool = False
    #: Identities whose write the journal saw sent but never answered.
    maybe_sent: frozenset[tuple[str, ...]] = frozenset()
    record_sent: Callable[[Operation], None] = lambda op: None
    answered: bool = False
    connection_failures: int = 0
    #: Login names (login_key) in the sheet or given out by this check: a generated
    #: login numbered again must not become one of them.
    claimed_logins: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(self, fn: Callable[[], T], *, resend_lost: bool = False) -> T:
        """One Canvas call with the pacer and retries; whole-run trouble raises StopRun.

        ``resend_lost`` retries a write whose answer was lost (only for idempotent
        writes, e.g. setting a password).
        """
        try:
            result = call_with_retries(
                fn,
                limiter=self.limiter,
                policy=self.policy,
                backoff=self.backoff,
                cancel=self.cancel,
                rate_of=lambda: self.client.last_rate,
                maybe_done_is_final=not resend_lost,
            )
        except (ConnectionFailed, TimedOut) as exc:
            with self._lock:
                self.connection_failures += 1
                give_up = (
                    not self.answered or self.connection_failures >= STOP_AFTER_CONNECTION_FAILURES
                )
            if give_up and not exc.maybe_done:
                raise StopRun(exc) from exc
            raise
        except (TokenRefused, NotRootAccount) as exc:
            raise StopRun(exc) from exc
        except CanvasError:
            self._heard_back()
            raise
        self._heard_back()
        return result

    def claim_login(self, name: str) -> bool:
        """Reserve ``name`` for one row of this check; False when it is already used."""
        key = login_key(name)
        with self._lock:
            if key in self.claimed_logins:
                return False
            self.claimed_logins.add(key)
            return True

    def write_account(self) -> int | str:
        """The root account writes go to (a write run always finds it before the rows)."""
        if self.account_id is None:
            raise RuntimeError("a write was attempted without a root account")
        return self.account_id

    def _heard_back(self) -> None:
        with self._lock:
            self.answered = True
            self.connection_failures = 0

"""The one journaled, paced run engine that every change to Canvas goes through.

A run is a :class:`RunStrategy` (rows by the API in :mod:`core.run.api`, the SIS import in
:mod:`core.sis.method`, undo in :mod:`core.undo.method`) driven by :func:`run_strategy`,
which does what every run shares, once:

- the opening reads (which account, and whether the token has the strategy's right),
  each retried like any read, before anything is written;
- the :class:`RunSession`: the paced :class:`~core.run.row_context.RowContext` that all
  Canvas calls go through, the run's own stop token linked to the caller's, the
  journal run with its sent/answered entries, and progress counting;
- the summary, and :class:`CanvasUnavailable` (with the rows that did finish) when
  Canvas stops the run;
- the run history: a :class:`RunRecorder` (:class:`core.history_recorder.HistoryRecorder`)
  hears the account, every result as it is counted, and how the run ended.

Threads: progress is reported on the thread that called :func:`run_strategy` (never a
worker). The table is never touched here: callers apply ``RunSummary.results`` with
:func:`core.plan.apply_results` on their own thread.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from core.canvas.errors import (
    Cancelled,
    CanvasConfigError,
    CanvasError,
    ConnectionFailed,
    NotFound,
    PermissionDenied,
    TimedOut,
    TokenRefused,
)
from core.model import (
    DEFAULT_CONCURRENCY,
    CancelToken,
    Progress,
    ProgressCallback,
    RowResult,
    RunMethod,
    Status,
)
from core.plan import Plan
from core.run.bucket import CANVAS_LEAK_PER_SECOND, THROTTLE_PATIENCE_SECONDS, BucketPacer
from core.run.pacing import Backoff, RetryPolicy, StopRun, read_with_retries
from core.run.row_context import RowContext

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi
    from core.journal import Journal

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = [
    "CanvasUnavailable",
    "RunOptions",
    "RunRecorder",
    "RunSession",
    "RunStrategy",
    "RunSummary",
    "run_strategy",
]

#: The account right needed to create, change and remove logins.
LOGINS_PERMISSION = "manage_user_logins"
LOGINS_REFUSAL = (
    "Your Canvas token may not manage logins on this account. Use a token of a "
    "Canvas administrator of the whole school."
)
#: What progress says while Canvas's throttle holds the run back.
SLOW_DOWN_NOTE = "Canvas is asking us to slow down; waiting"

_SUMMARY_ORDER: tuple[tuple[Status, str], ...] = (
    (Status.CREATED, "created"),
    (Status.ALREADY_EXISTS, "already existed"),
    (Status.UPDATED, "updated"),
    (Status.DELETED, "deleted"),
    (Status.ALREADY_DELETED, "already deleted"),
    (Status.FAILED, "failed"),
    (Status.INVALID, "invalid"),
)
#: Appended to the summary line after design.md's fixed part, when any is not zero.
_STATE_SUMMARY_ORDER: tuple[tuple[Status, str], ...] = (
    (Status.SUSPENDED, "suspended"),
    (Status.ALREADY_SUSPENDED, "already suspended"),
    (Status.REACTIVATED, "reactivated"),
    (Status.ALREADY_ACTIVE, "already active"),
)


@dataclass
class RunOptions:
    account_id: int | str | None = None
    dry_run: bool = False
    #: Most calls in flight at once; Canvas's bucket decides below that (11 from empty).
    concurrency: int = DEFAULT_CONCURRENCY
    #: Retries of a call that may safely be retried (5xx, broken connection). Calls
    #: Canvas refused for its rate limit are retried while the run makes progress.
    retries: int = 5
    #: First back-off wait in seconds (doubles per retry, with jitter, up to backoff_cap).
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: Ask Canvas at the start whether the token has the run's right (writes only).
    check_permission: bool = True
    #: How long Canvas may refuse every call for its rate limit before rows are given up.
    throttle_patience: float = THROTTLE_PATIENCE_SECONDS
    #: How fast the token's bucket leaks: 10 units a second unless a school's own Canvas
    #: is set otherwise.
    bucket_leak_per_second: float = CANVAS_LEAK_PER_SECOND
    #: Rights already read from Canvas just before the run (the command line reads them
    #: with the sign-in methods); a right not in here is asked for.
    known_permissions: dict[str, bool] | None = None


@dataclass
class RunSummary:
    counts: dict[Status, int] = field(default_factory=dict)
    #: Every row's result (Invalid rows and the rows Canvas answered for), by row.
    results: list[RowResult] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    #: Rows this session's check found would fail, left out of the run (not sent).
    left_out: int = 0
    #: Rows that hold text but name no student (a footer, a note): skipped.
    skipped_notes: int = 0

    def count(self, status: Status) -> int:
        return self.counts.get(status, 0)

    def line(self) -> str:
        """design.md's summary line (:func:`core.words.summary_sentence` for people)."""
        words = ", ".join(f"{label} {self.count(status)}" for status, label in _SUMMARY_ORDER)
        line = f"{words} in {self.seconds:.1f} s"
        if any(self.count(status) for status, _ in _STATE_SUMMARY_ORDER):
            states = ", ".join(
                f"{label} {self.count(status)}" for status, label in _STATE_SUMMARY_ORDER
            )
            line += f"; {states}"
        return line

    @property
    def has_problems(self) -> bool:
        return bool(
            self.count(Status.FAILED) or self.count(Status.INVALID) or self.count(Status.WOULD_FAIL)
        )


class CanvasUnavailable(CanvasError):
    """The run stopped: Canvas unreachable, the token refused or not allowed, wrong account.

    ``error`` is the Canvas error that stopped it; ``summary`` holds the results of the
    rows that did finish before (keep them: they happened).
    """

    def __init__(self, error: CanvasError, summary: RunSummary) -> None:
        super().__init__(error.message, status=error.status)
        self.error = error
        self.summary = summary


def summarise(report: Reporter, started: float, cancelled: bool) -> RunSummary:
    """The summary of a run (any method) that began at ``started`` (time.monotonic())."""
    results = report.results
    return RunSummary(
        counts=dict(report.counts()),
        results=sorted(results, key=lambda result: result.row),
        seconds=time.monotonic() - started,
        cancelled=cancelled,
        left_out=report.left_out,
        skipped_notes=report.skipped_notes,
    )


def require_permission(
    client: CanvasApi, account_id: int | str, permission: str, refusal: str
) -> None:
    """Stop before any write when Canvas says the token lacks ``permission``.

    ``refusal`` is what staff are told. An older Canvas without the permissions call
    lets the run go on: the rows themselves will then say what was refused.
    """
    try:
        allowed = client.permissions(account_id, [permission])
    except (TokenRefused, ConnectionFailed, TimedOut):
        raise
    except NotFound:
        raise CanvasConfigError(
            f"Canvas has no account {account_id} that this token can see. Check the account."
        ) from None
    except PermissionDenied:
        raise PermissionDenied(refusal) from None
    except CanvasError as exc:
        log.info("%s check skipped: %s", permission, exc.message)
        return
    if allowed.get(permission) is False:
        raise PermissionDenied(refusal)


class RunRecorder(Protocol):
    """Who keeps a record of the run (the run history); called on the run's thread."""

    def opened(self, account_id: int | str | None) -> None:
        """The opening reads are done: the run works on this account."""

    def results(self, results: list[RowResult]) -> None:
        """Results just counted (each row once, or again when its outcome changed)."""

    def finished(self, *, cancelled: bool = False, stopped: str = "") -> None:
        """The run ended: cancelled by Stop, or ``stopped`` by Canvas with this reason."""


class Reporter:
    """Counts a run's results and tells ``progress`` (on the run's calling thread).

    The counts are kept as results come, so a report costs the same at the 50th row and
    the 50,000th. A ``recorder`` hears every result as it is counted.
    """

    def __init__(
        self,
        progress: ProgressCallback | None,
        total: int,
        recorder: RunRecorder | None = None,
    ) -> None:
        self.progress = progress
        self.recorder = recorder
        self.total = total
        self.done = 0
        #: Every result so far; extend it only through :meth:`add` or :meth:`keep`.
        self.results: list[RowResult] = []
        self._counts: Counter[Status] = Counter()
        #: Rows the plan set aside without a result (see :meth:`set_aside`).
        self.left_out = 0
        self.skipped_notes = 0
        #: Canvas's throttle is holding the run back (said with every report).
        self.slowed_down = False

    def counts(self) -> Counter[Status]:
        return self._counts

    def keep(self, results: list[RowResult]) -> None:
        """Results counted now and reported with the next report (Invalid rows)."""
        self.results.extend(results)
        self._counts.update(result.status for result in results)
        if self.recorder is not None and results:
            self.recorder.results(results)

    def set_aside(self, plan: Plan) -> None:
        """Count the rows ``plan`` leaves out (would fail) and skips (notes) for the summary."""
        self.left_out = len(plan.left_out)
        self.skipped_notes = len(plan.skipped_notes)

    def add(self, fresh: list[RowResult], message: str = "", done: int | None = None) -> None:
        """Results that finished: counted, and reported with the rows done so far."""
        self.keep(fresh)
        self.done = self.done + len(fresh) if done is None else done
        self.send(fresh, self.done, message)

    def note(self, done: int, message: str, fresh: list[RowResult] | None = None) -> None:
        """A word on how it goes (``fresh`` already counted elsewhere)."""
        self.send(list(fresh or []), min(self.total, done), message)

    def waiting(self, slowed_down: bool) -> None:
        """Canvas's throttle began or stopped holding the run back: report it at once."""
        if slowed_down != self.slowed_down:
            self.slowed_down = slowed_down
            self.send([], self.done, SLOW_DOWN_NOTE if slowed_down else "")

    def send(self, fresh: list[RowResult], done: int, message: str) -> None:
        if self.progress is not None:
            counts = dict(self._counts)
            self.progress(
                Progress(done, self.total, counts, list(fresh), message, self.slowed_down)
            )


class RunSession:
    """One run's shared state, handed to the strategy by :func:`run_strategy`."""

    def __init__(
        self,
        client: CanvasApi,
        options: RunOptions,
        *,
        reporter: Reporter,
        cancel: CancelToken | None,
        journal: Journal | None,
        workbook_key: str,
    ) -> None:
        self.client = client
        self.options = options
        self.report = reporter
        #: The caller's Stop.
        self.cancel = cancel or CancelToken()
        #: The run's own stop: set by a :class:`StopRun`, and by the caller's Stop.
        self.stop = CancelToken(parent=self.cancel)
        self.journal = journal
        self.workbook_key = workbook_key
        self.account_id: int | str | None = options.account_id
        self.concurrency = max(1, options.concurrency)
        #: Identities whose write an earlier run sent but never heard back about.
        self.maybe_sent: frozenset[tuple[str, ...]] = (
            frozenset(journal.unanswered_identities(workbook_key)) if journal else frozenset()
        )
        self.run_id: int | None = None
        #: The session's first journal run: a later one (the import after the API rows of
        #: a run by SIS import) says it is part of the same run.
        self.first_run_id: int | None = None
        self.ctx = self._context()

    def _context(self) -> RowContext:
        options = self.options
        return RowContext(
            client=self.client,
            account_id=self.account_id,
            limiter=BucketPacer(
                ceiling=self.concurrency,
                leak_per_second=options.bucket_leak_per_second,
                patience=options.throttle_patience,
            ),
            policy=RetryPolicy(),
            backoff=Backoff(
                base=options.backoff_base,
                cap=options.backoff_cap,
                max_attempts=max(1, options.retries + 1),
            ),
            cancel=self.stop,
            dry_run=options.dry_run,
            maybe_sent=self.maybe_sent,
        )

    @property
    def pacer(self) -> BucketPacer:
        return self.ctx.limiter

    def tick(self) -> None:
        """Called about ten times a second on the run's thread: says when Canvas's throttle
        is holding the run back, and when it no longer is."""
        self.report.waiting(self.pacer.slowed_down())

    # --- the opening reads ------------------------------------------------------------
    def read(self, fn: Callable[[], T]) -> T:
        """A read outside the pool, paced and retried like every read (opening reads)."""
        options = self.options
        return read_with_retries(
            fn,
            cancel=self.cancel,
            attempts=options.retries + 1,
            base=options.backoff_base,
            cap=options.backoff_cap,
            pacer=self.pacer,
            rate_of=lambda: getattr(self.client, "last_rate", None),
        )

    def open(self, *, need_account: bool) -> None:
        """Find the root account when the options name none and the run needs one."""
        if self.account_id is None and need_account:
            self.account_id = self.read(self.client.default_root_account_id)
        self.ctx.account_id = self.account_id

    def require(self, permission: str, refusal: str) -> None:
        """Stop before any write when the token lacks ``permission`` on the account."""
        account_id = self.account_id
        if not self.options.check_permission or account_id is None:
            return
        known = self.options.known_permissions or {}
        if permission in known:
            if known[permission] is False:
                raise PermissionDenied(refusal)
            return
        self.read(lambda: require_permission(self.client, account_id, permission, refusal))

    # --- the journal ------------------------------------------------------------------
    @contextlib.contextmanager
    def journal_run(self, method: RunMethod) -> Iterator[int | None]:
        """A journal run for the writes inside the block (none without a journal); the
        session's later journal runs name its first (``RunRecord.part_of``)."""
        if self.journal is None:
            yield None
            return
        outer = self.run_id
        self.run_id = self.journal.start_run(
            self.workbook_key,
            url=self.client.base_url,
            account_id=self.account_id,
            method=str(method),
            part_of=self.first_run_id,
        )
        if self.first_run_id is None:
            self.first_run_id = self.run_id
        try:
            yield self.run_id
        finally:
            try:
                self.journal.finish_run(self.run_id)
            except Exception:
                log.exception("the journal could not close the run")
            self.run_id = outer

    def record_sent(self, identity: Iterable[str], action: str) -> None:
        if self.journal is not None and self.run_id is not None:
            self.journal.record_sent(self.run_id, identity, action)

    def record_result(self, identity: Iterable[str], result: RowResult, action: str) -> None:
        """Note an answer in the journal; a journal hiccup never loses the row's result."""
        if self.journal is None or self.run_id is None:
            return
        try:
            self.journal.record_result(self.run_id, identity, result, action)
        except Exception:
            log.exception("row %s: the journal could not record the result", result.row)


class RunStrategy(Protocol):
    """What one kind of run does inside the session the engine set up."""

    #: Rows the progress bar counts.
    total: int

    def opening(self, session: RunSession) -> None:
        """The opening reads this strategy needs (``session.open``); raises CanvasError."""

    def run(self, session: RunSession) -> bool:
        """Do the work, reporting through ``session.report``; True when stopped early.

        Raises :class:`StopRun` when Canvas stops the whole run.
        """


def run_strategy(
    strategy: RunStrategy,
    client: CanvasApi,
    options: RunOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Journal | None = None,
    workbook_key: str = "",
    recorder: RunRecorder | None = None,
) -> RunSummary:
    """Run ``strategy``; every result comes back in the summary (see the module doc).

    Raises :class:`CanvasUnavailable` when the run cannot go on (token refused, Canvas
    unreachable, token not allowed); its ``summary`` holds what finished. ``recorder``
    keeps the run's history (see :class:`RunRecorder`).
    """
    started = time.monotonic()
    report = Reporter(progress, strategy.total, recorder)
    session = RunSession(
        client, options, reporter=report, cancel=cancel, journal=journal, workbook_key=workbook_key
    )
    try:
        try:
            strategy.opening(session)
        except CanvasError as exc:
            raise CanvasUnavailable(exc, summarise(report, started, False)) from exc
        if recorder is not None:
            recorder.opened(session.account_id)
        # The answers before the run (the connection's reads) show how much room the
        # bucket has: start from there.
        session.pacer.seed(client.latest_rate)
        try:
            stopped = strategy.run(session)
        except StopRun as exc:
            raise CanvasUnavailable(exc.error, summarise(report, started, True)) from exc
    except CanvasUnavailable as exc:
        if recorder is not None:
            recorder.finished(stopped=exc.message)
        raise
    except Cancelled:
        if recorder is not None:
            recorder.finished(cancelled=True)
        raise
    except BaseException:
        if recorder is not None:
            recorder.finished(stopped="the program stopped unexpectedly")
        raise
    if recorder is not None:
        recorder.finished(cancelled=stopped)
    return summarise(report, started, stopped)

"""Run a core job on a worker thread and bring its progress to the GUI thread.

A core job is a plain callable ``fn(progress, cancel)``: ``progress`` takes a
:class:`core.model.Progress`, ``cancel`` is a :class:`core.model.CancelToken`. The job
runs on a QThreadPool thread and never touches a widget. Its progress reports go into
a thread-safe queue; a QTimer on the GUI thread drains the queue about ten times a
second and emits one merged ``progress`` signal (all new row results together), so a
run of 10,000 rows cannot flood the window. ``finished`` or ``failed`` comes after the
last ``progress``.

:func:`wait_for` is the same work for a caller that needs the answer before it goes on
(open, save, check): the GUI thread turns a local event loop until the job ends, so the
window repaints and its timers tick meanwhile, and the job's value comes back (or its
exception is raised) where it was asked for.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, QThreadPool, QTimer, Signal

from core.canvas.errors import describe_error
from core.model import CancelToken, Progress

log = logging.getLogger(__name__)

JobFunction = Callable[[Callable[[Progress], None], CancelToken], Any]

#: How often merged progress reaches the window (milliseconds).
PROGRESS_INTERVAL_MS = 100
#: A job still running after this long is worth showing progress for (milliseconds).
SHOW_PROGRESS_AFTER_MS = 300
#: How often a GUI thread waiting in :func:`wait_for` looks whether the job ended (ms).
WAIT_POLL_MS = 10

_pool: QThreadPool | None = None


def job_pool() -> QThreadPool:
    """The pool background jobs run in (separate from Qt's global pool)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(4)
        _pool.setExpiryTimeout(30_000)
    return _pool


def merge_progress(reports: list[Progress]) -> Progress:
    """One report standing for several: the latest counts, every row result."""
    latest = reports[-1]
    results = [result for report in reports for result in report.results]
    message = next((r.message for r in reversed(reports) if r.message), "")
    return Progress(
        done=latest.done,
        total=latest.total,
        counts=dict(latest.counts),
        results=results,
        message=message,
        slowed_down=latest.slowed_down,
    )


class _Outcome:
    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()


class _JobRunnable(QRunnable):
    def __init__(
        self,
        fn: JobFunction,
        reports: queue.SimpleQueue,
        cancel: CancelToken,
        outcome: _Outcome,
        *,
        log_failure: bool = True,
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._reports = reports
        self._cancel = cancel
        self._outcome = outcome
        self._log_failure = log_failure

    def run(self) -> None:
        run_job(self._fn, self._reports, self._cancel, self._outcome, log_failure=self._log_failure)


def run_job(
    fn: JobFunction,
    reports: queue.SimpleQueue,
    cancel: CancelToken,
    outcome: _Outcome,
    *,
    log_failure: bool = True,
) -> None:
    try:
        outcome.value = fn(reports.put, cancel)
    except BaseException as exc:
        if log_failure:
            log.exception("background job failed")
        outcome.error = exc
    finally:
        outcome.done.set()


class BackgroundJob(QObject):
    """One job at a time on a worker thread; signals always arrive on the GUI thread.

    ``synchronous=True`` (or the class attribute ``SYNCHRONOUS``, for tests) runs the
    job inside :meth:`start` and delivers every signal before it returns.
    """

    progress = Signal(object)  # core.model.Progress, merged
    finished = Signal(object)  # whatever the job returned
    failed = Signal(str)  # plain words for office staff
    #: Emitted once when the job is still running after SHOW_PROGRESS_AFTER_MS, so
    #: short jobs never flash a progress display.
    show_progress = Signal()

    SYNCHRONOUS = False

    def __init__(self, parent: QObject | None = None, *, synchronous: bool | None = None):
        super().__init__(parent)
        self._synchronous = synchronous
        self._reports: queue.SimpleQueue = queue.SimpleQueue()
        self._cancel = CancelToken()
        self._outcome: _Outcome | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_INTERVAL_MS)
        self._timer.timeout.connect(self._drain)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.setInterval(SHOW_PROGRESS_AFTER_MS)
        self._show_timer.timeout.connect(self._maybe_show_progress)

    @property
    def cancel_token(self) -> CancelToken:
        return self._cancel

    def is_running(self) -> bool:
        return self._outcome is not None

    def is_cancelled(self) -> bool:
        return self._cancel.cancelled

    def start(self, fn: JobFunction) -> None:
        if self.is_running():
            raise RuntimeError("This job is still running.")
        self._reports = queue.SimpleQueue()
        self._cancel = CancelToken()
        self._outcome = _Outcome()
        synchronous = self.SYNCHRONOUS if self._synchronous is None else self._synchronous
        if synchronous:
            run_job(fn, self._reports, self._cancel, self._outcome)
            self._drain()
            return
        self._timer.start()
        self._show_timer.start()
        job_pool().start(_JobRunnable(fn, self._reports, self._cancel, self._outcome))

    def cancel(self) -> None:
        """Ask the job to stop: it starts no new work and finishes what is in flight."""
        self._cancel.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the worker thread ends (for closing the app); True if it did."""
        outcome = self._outcome
        if outcome is None:
            return True
        return outcome.done.wait(timeout_ms / 1000)

    def _maybe_show_progress(self) -> None:
        if self.is_running():
            self.show_progress.emit()

    def _drain(self) -> None:
        outcome = self._outcome
        if outcome is None:
            return
        ended = outcome.done.is_set()  # read before draining: no report can follow
        reports = _drain_reports(self._reports)
        if reports:
            self.progress.emit(merge_progress(reports))
        if not ended:
            return
        self._timer.stop()
        self._show_timer.stop()
        self._outcome = None
        if outcome.error is not None:
            self.failed.emit(describe_error(outcome.error))
        else:
            self.finished.emit(outcome.value)


def _drain_reports(reports: queue.SimpleQueue) -> list[Progress]:
    drained: list[Progress] = []
    while True:
        try:
            drained.append(reports.get_nowait())
        except queue.Empty:
            return drained


def wait_for(
    fn: JobFunction,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    on_slow: Callable[[], None] | None = None,
    synchronous: bool | None = None,
) -> Any:
    """Run ``fn(progress, cancel)`` on a worker thread and return its value once it ends;
    its exception is raised here, on the GUI thread, for the caller to handle.

    Meanwhile the GUI thread turns a local event loop: the window repaints and its timers
    tick. For the first :data:`SHOW_PROGRESS_AFTER_MS` the loop leaves mouse and keys
    queued (Qt delivers them afterwards), so a short job looks instant and nothing can be
    clicked into the middle of it; a job still running then calls ``on_slow`` (the window
    disables what must wait and shows what is happening) and input is handled again.
    ``progress`` hears the job's reports merged (:func:`merge_progress`), about ten times
    a second. ``synchronous`` (default :attr:`BackgroundJob.SYNCHRONOUS`) runs ``fn`` here.
    """
    token = cancel if cancel is not None else CancelToken()
    reports: queue.SimpleQueue = queue.SimpleQueue()
    outcome = _Outcome()
    if BackgroundJob.SYNCHRONOUS if synchronous is None else synchronous:
        run_job(fn, reports, token, outcome, log_failure=False)
    else:
        job_pool().start(_JobRunnable(fn, reports, token, outcome, log_failure=False))
        _turn_events_until(outcome, reports, progress, on_slow)
    drained = _drain_reports(reports)
    if drained and progress is not None:
        progress(merge_progress(drained))
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


def _turn_events_until(
    outcome: _Outcome,
    reports: queue.SimpleQueue,
    progress: Callable[[Progress], None] | None,
    on_slow: Callable[[], None] | None,
) -> None:
    """Turn a local event loop until ``outcome`` is done (see :func:`wait_for`)."""
    loop = QEventLoop()
    started = last_report = time.monotonic()
    slow = False

    def look() -> None:
        nonlocal last_report, slow
        now = time.monotonic()
        if progress is not None and now - last_report >= PROGRESS_INTERVAL_MS / 1000:
            last_report = now
            drained = _drain_reports(reports)
            if drained:
                progress(merge_progress(drained))
        if outcome.done.is_set():
            loop.quit()
        elif not slow and now - started >= SHOW_PROGRESS_AFTER_MS / 1000:
            slow = True
            loop.quit()  # on again below, taking input this time

    poll = QTimer()
    poll.setInterval(WAIT_POLL_MS)
    poll.timeout.connect(look)
    poll.start()
    try:
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        if not outcome.done.is_set():
            if on_slow is not None:
                on_slow()
            if not outcome.done.is_set():
                loop.exec()
    finally:
        poll.stop()

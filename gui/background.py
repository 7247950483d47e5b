"""The window's waits for work off the GUI thread: opening, saving, checking, planning.

:meth:`WindowWork.run` runs a core job on a worker thread (:func:`gui.worker.wait_for`)
and returns its answer to the flow that asked, which goes on as if the call had been
an ordinary one: a locked workbook still raises where Retry / Save As is asked. The
GUI thread meanwhile only repaints and ticks its timers, so the window never freezes
whatever the workbook's size.

What the window shows when the job is still running after
:data:`gui.worker.SHOW_PROGRESS_AFTER_MS` (a shorter one shows nothing): the words in
the status bar, a progress bar (with Cancel when the job can stop early), the grid
read-only and the actions off (the window's ``run_state_changed`` asks
:attr:`WindowWork.is_showing`). Garbage collection waits meanwhile
(:mod:`gui.gc_guard`). What must wait until nothing runs (closing the window,
re-checking an edit) is queued with :meth:`WindowWork.when_idle`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from core.model import CancelToken, Progress
from gui import gc_guard
from gui.worker import JobFunction, wait_for

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from gui.main_layout import MainWidgets
    from gui.table_model import LoginsTableModel

__all__ = ["WindowWork"]

#: How long the status bar's message from before a long job shows again after it.
RESTORED_MESSAGE_MS = 10_000


class WindowWork(QObject):
    """Background jobs the window waits for; they may nest (a check inside a run's end)."""

    def __init__(
        self,
        status_bar: QStatusBar,
        widgets: MainWidgets,
        model: LoginsTableModel,
        state_changed: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._status_bar = status_bar
        self._widgets = widgets
        self._model = model
        self._state_changed = state_changed
        self._depth = 0
        self._showing = 0
        self._cancellable: list[CancelToken] = []
        self._when_idle: list[Callable[[], object]] = []
        widgets.busy_cancel.clicked.connect(self.cancel)

    @property
    def is_busy(self) -> bool:
        """A job is running (however briefly)."""
        return self._depth > 0

    @property
    def is_showing(self) -> bool:
        """A job has run long enough to show progress: the grid and actions wait."""
        return self._showing > 0

    def run(self, words: str, job: JobFunction, *, cancellable: bool = False) -> Any:
        """Run ``job(progress, cancel)`` off the GUI thread; its value, or its exception.

        ``words`` say what is happening ("Saving into 'Class 3.xlsx'…"); a
        ``cancellable`` job gets a Cancel button and should raise when it stops early.
        """
        token = CancelToken()
        shown = False
        was_read_only = self._model.read_only
        said_before = ""

        def show() -> None:
            nonlocal shown, said_before
            shown = True
            said_before = self._status_bar.currentMessage()
            self._status_bar.showMessage(words)
            self._showing += 1
            if cancellable:
                self._cancellable.append(token)
            self._model.read_only = True
            self._widgets.show_busy(cancellable)
            self._state_changed()

        def progress(report: Progress) -> None:
            if shown:
                self._widgets.show_busy_progress(report)
            if shown and report.message:
                self._status_bar.showMessage(f"{words} {report.message}")

        self._depth += 1
        # Layouts and paints already asked for happen now, while no worker competes for
        # Python's lock: painting the grid calls into Python for every cell.
        QCoreApplication.sendPostedEvents()
        try:
            with gc_guard.collections_paused():
                return wait_for(job, progress=progress, cancel=token, on_slow=show)
        finally:
            self._depth -= 1
            if shown:
                self._end_showing(token, was_read_only)
                if self._status_bar.currentMessage().startswith(words):
                    self._status_bar.showMessage(said_before, RESTORED_MESSAGE_MS)
            if not self._depth:
                self._run_idle_work()

    def _end_showing(self, token: CancelToken, was_read_only: bool) -> None:
        self._showing -= 1
        if token in self._cancellable:
            self._cancellable.remove(token)
        self._model.read_only = was_read_only
        if not self._showing:
            self._widgets.hide_busy()
        elif not self._cancellable:
            self._widgets.busy_cancel.hide()
        self._state_changed()

    def cancel(self) -> None:
        """Cancel (the button): the newest job that can stop early stops."""
        if self._cancellable:
            self._cancellable[-1].cancel()
            self._widgets.busy_cancel.setEnabled(False)

    def when_idle(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once no job runs (at once when none does); queued once."""
        if not self.is_busy:
            callback()
        elif callback not in self._when_idle:
            self._when_idle.append(callback)

    def _run_idle_work(self) -> None:
        waiting, self._when_idle = self._when_idle, []
        for callback in waiting:
            QTimer.singleShot(0, self, callback)

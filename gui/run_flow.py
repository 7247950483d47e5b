"""Check with Canvas (the dry run) and Run, from the main window.

The core runner works on a worker thread through GUI-SHELL's :class:`BackgroundJob`;
its merged progress reports arrive here on the GUI thread and go into the model (which
coalesces view updates) and the progress panel. Stop asks the runner to start nothing
new; every result that came back is kept, rows never sent stay as they were. After a
run the workbook is saved back and the summary is shown.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from core.journal import workbook_key_for
from core.model import Progress, Status
from core.plan import Plan, build_plan
from core.run import RunSummary, execute
from gui.filter_proxy import RowFilter
from gui.run_jobs import canvas_job, run_options
from gui.sis_dialogs import RunMethodChoice
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)


class RunFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.job = BackgroundJob(self)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)
        self._dry_run = False
        self._stopping = False
        self._sent_any = False
        #: API or SIS import, set by the run confirmation (gui.sis_dialogs).
        self.method_choice = RunMethodChoice()

    @property
    def is_running(self) -> bool:
        return self.job.is_running()

    @property
    def dry_run(self) -> bool:
        return self._dry_run

    # ----- starting --------------------------------------------------------------------
    def start(self, *, dry_run: bool, confirm: bool = True) -> bool:
        """Plan the rows and start; False when nothing was started (and why was shown)."""
        w = self._window
        if w.doc is None or self.is_running:
            return False
        connection = w.connection
        if connection is None:
            connection = w.ask_connect(w)
            if connection is None:
                return False
            w.set_connection(connection)
        if not dry_run and not getattr(connection, "can_manage_logins", True):
            w.show_error(
                w,
                "Not allowed",
                "This Canvas token may not manage logins in this account. Ask a Canvas "
                "administrator for a token with the right to manage login details.",
            )
            return False
        w.commit_pending_edit()
        w.table_model.flush_results()
        w.check_offline()
        plan = build_plan(w.doc.table, w.table_model.findings.findings)
        if not plan.operations and not plan.invalid:
            w.show_info(
                w,
                "Nothing to send",
                "Every row is already done (or blank). Edit a row to send it again.",
            )
            return False
        wants_confirmation = not dry_run and confirm and plan.operations
        if wants_confirmation and not w.confirm(w, plan, connection, False):
            return False
        self._launch(plan, connection, dry_run)
        return True

    def _launch(self, plan: Plan, connection: Any, dry_run: bool) -> None:
        w = self._window
        total = len(plan.operations) + len(plan.invalid)
        title = (
            "Checking with Canvas (nothing is changed)…"
            if dry_run
            else ("Sending changes to Canvas…")
        )
        if not dry_run and self.method_choice.method == "sis-import":
            title = "Sending the new logins to Canvas as a SIS import…"
        job = canvas_job(
            partial(
                self._runner(dry_run), plan, connection.client, run_options(connection, dry_run)
            ),
            journal=w.journal,
            workbook_key=workbook_key_for(w.doc.path),
        )
        self._start(total, title, job, dry_run=dry_run)

    def _runner(self, dry_run: bool) -> Any:
        """``execute``, or the SIS import's runner when the confirmation chose it."""
        choice = self.method_choice
        if dry_run or choice.method != "sis-import":
            return execute
        from core.sis.method import ImportSettings, run_by_import

        settings = ImportSettings(login_sis_pattern=choice.login_sis_pattern)
        return lambda *a, **kw: run_by_import(*a, settings=settings, **kw)

    def start_job(self, total: int, title: str, job: Any) -> None:
        """Another writing job (undo) with the run's panel, Stop, saving and summary.

        ``job(progress, cancel)`` returns ``(RunSummary, stop message)`` like a run.
        """
        self._start(total, title, job, dry_run=False)

    def _start(self, total: int, title: str, job: Any, *, dry_run: bool) -> None:
        w = self._window
        self._dry_run = dry_run
        self._stopping = False
        self._sent_any = False
        w.table_model.ensure_output_columns()
        w.table_model.read_only = True
        w.progress_panel.start(total, title)
        w.progress_panel.show()
        w.statusBar().showMessage(title)
        self.job.start(job)
        w.run_state_changed()

    # ----- stopping --------------------------------------------------------------------
    def stop(self) -> None:
        if not self.is_running or self._stopping:
            return
        self._stopping = True
        self.job.cancel()
        panel = self._window.progress_panel
        if panel.stop_button.isEnabled():
            panel.request_stop()  # shows "Stopping…"; its signal comes back here, ignored
        self._window.statusBar().showMessage("Stopping after the calls already sent…")
        self._window.run_state_changed()

    # ----- reports from the worker -----------------------------------------------------
    def _progress(self, report: Progress) -> None:
        w = self._window
        if report.results:
            w.table_model.apply_results(report.results)
            if not self._dry_run:
                self._sent_any = True
                w.mark_results_unsaved()
        w.progress_panel.update_progress(report)

    def _finished(self, outcome: tuple[RunSummary, str]) -> None:
        summary, stop_message = outcome
        w = self._window
        if summary.results:
            w.table_model.apply_results(summary.results)
            if not self._dry_run:
                w.mark_results_unsaved()
        w.table_model.flush_results()
        w.table_model.read_only = False
        w.progress_panel.finish(summary)
        w.run_state_changed()
        w.fit_output_columns()
        w.check_offline()
        if stop_message:
            w.show_error(w, "Canvas stopped the run", stop_message)
        if self._dry_run:
            ready = summary.count(Status.READY)
            w.statusBar().showMessage(
                f"Check finished: {ready} ready, {summary.count(Status.ALREADY_EXISTS)} already "
                f"exist, {summary.count(Status.FAILED)} would fail, "
                f"{summary.count(Status.INVALID)} need fixing. Nothing was changed in Canvas.",
                20_000,
            )
            w.check_finished.emit(summary)
            return
        saved_to = None
        if w.is_modified and w.save():
            saved_to = str(w.doc.path)
        w.statusBar().showMessage(
            ("Stopped. " if summary.cancelled else "Finished. ") + summary.line(), 30_000
        )
        if w.show_summary(w, summary, saved_to):
            w.set_row_filter(RowFilter.STATUS, Status.FAILED.value)
        w.run_finished.emit(summary)

    def _failed(self, message: str) -> None:
        w = self._window
        w.table_model.flush_results()
        w.table_model.read_only = False
        w.progress_panel.hide()
        w.run_state_changed()
        w.show_error(w, "The run stopped", message)
        if self._dry_run:
            w.check_finished.emit(None)
        else:
            w.run_finished.emit(None)

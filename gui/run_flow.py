"""Check with Canvas (the dry run), Run, and any other writing job (undo), from the window.

The workflow's run (:meth:`core.workflow.Workflow.run`) works on a worker thread
through :class:`gui.worker.BackgroundJob`; its merged progress reports arrive here on
the GUI thread and go into the model (which coalesces view updates) and the progress
panel. Stop asks the run to start nothing new; every result that came back is kept,
rows never sent stay as they were. After a run the workbook is saved back and the
summary is shown.

Nothing slow happens on the GUI thread: the check and the plan before a run, and the
save after it, run in the background too (``window.background``), and garbage
collection keeps to the young generations while a run goes (:mod:`gui.gc_guard`).

How to run (API or SIS import) comes back from the confirmation as a
:class:`core.workflow.RunRequest`; the last one chosen is preselected next time.

A check's results are a check's words (Ready, Already exists, Would fail): the panel
shows its four counts, and when Canvas found students only with their SIS User IDs
padded with zeros, the window offers that fix (:mod:`core.id_padding`).

One run per workbook at a time (:mod:`core.run_lock`): before a run or an undo starts,
:meth:`RunFlow.can_run` shows why it may not (another run holds the workbook, or the
file changed since it was opened) in an error box, and nothing starts. Should another
run take the lock in the moment between that question and the worker, the worker's
refusal ends the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from core.demo import DEMO_ROWS, TEMPLATE_HEADERS
from core.id_padding import fix_from_results
from core.model import (
    CancelToken,
    Progress,
    ProgressCallback,
    Role,
    RowResult,
    RunMethod,
    Status,
    Table,
)
from core.run_lock import APP, RunRefused
from core.words import check_sentence, summary_sentence, undo_sentence
from core.workbook import save_risks
from core.workflow import RunOutcome, RunRequest
from gui import gc_guard
from gui.filter_proxy import RowFilter
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from core.connection import Connection
    from core.plan import Plan
    from core.run.engine import RunSummary
    from core.workflow import Workflow
    from gui.run_dialogs import RunProgressPanel
    from gui.window_parts import WindowParts

log = logging.getLogger(__name__)

__all__ = ["DEMO_NOTE", "RunFlow", "WritingJob", "looks_like_the_demo"]

#: A writing job for the worker: ``job(progress, cancel)`` returns what Canvas did.
WritingJob = Callable[[ProgressCallback, CancelToken], RunOutcome]

#: Said at the end of a demo run where some rows failed or were not sent.
DEMO_NOTE = (
    "This is the demo: its workbook has mistakes on purpose, so you can see how Canvas "
    "Logins reports them (each row's Message says why). Nothing real was changed: this "
    "is the practice Canvas on this computer."
)
_DEMO_NAMES = tuple(
    (row[TEMPLATE_HEADERS.index("First Name")], row[TEMPLATE_HEADERS.index("Last Name")])
    for row in DEMO_ROWS
)


def looks_like_the_demo(table: Table) -> bool:
    """Whether ``table`` is the demo workbook: the demo's students, in its order."""
    names = tuple(
        (table.value(row, Role.FIRST_NAME).strip(), table.value(row, Role.LAST_NAME).strip())
        for row in range(len(table.rows))
    )
    return names == _DEMO_NAMES


class RunFlow(QObject):
    """One run (or check, or undo) at a time, with the progress panel and Stop."""

    #: A run or undo ended: its RunSummary (None when it failed).
    run_finished = Signal(object)
    #: A check with Canvas ended: the dry run's RunSummary (None when it failed).
    check_finished = Signal(object)

    def __init__(
        self, window: WindowParts, panel: RunProgressPanel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._panel = panel
        self.job = BackgroundJob(self)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)
        self._dry_run = False
        self._undoing = False
        self._stopping = False
        #: The results progress already put into the grid, by identity (kept alive, so
        #: an id is never another result's): the summary's are not applied twice.
        self._applied: dict[int, RowResult] = {}
        #: How the last run went (API or SIS import); the confirmation preselects it.
        self.last_request = RunRequest()

    @property
    def is_running(self) -> bool:
        return self.job.is_running()

    @property
    def dry_run(self) -> bool:
        return self._dry_run

    # ----- starting --------------------------------------------------------------------
    def start(
        self, *, dry_run: bool, confirm: bool = True, request: RunRequest | None = None
    ) -> bool:
        """Plan the rows and start; False when nothing was started (and why was shown).

        A run asks for confirmation (which says how to run) unless ``confirm`` is False;
        then it goes by ``request``, or as the last run went.
        """
        w = self._window
        workflow = w.workflow
        if workflow is None or self.is_running:
            return False
        if not dry_run and not (self.can_run(workflow) and self._results_can_be_saved(workflow)):
            return False
        connection = w.ensure_connection()
        if connection is None:
            return False
        if not dry_run and not connection.can_manage_logins:
            w.prompts.show_error(
                "Not allowed",
                "This Canvas token may not manage logins in this account. Ask a Canvas "
                "administrator for a token with the right to manage login details.",
            )
            return False
        w.commit_pending_edit()
        w.table_model.flush_results()
        findings = w.check_offline()
        plan = w.background.run(
            "Working out what to send…", lambda _progress, _cancel: workflow.plan(findings)
        )
        if not plan.operations and not plan.invalid:
            w.prompts.show_info(
                "Nothing to send",
                "Every row is already done (or blank). Edit a row to send it again.",
            )
            return False
        if dry_run:
            request = None  # a check with Canvas always reads by the API
        elif confirm and plan.operations:
            request = w.prompts.confirm_run(plan, connection, self.last_request)
            if request is None:
                return False
        if not dry_run:
            request = request or self.last_request
            self.last_request = request
        self._launch(workflow, plan, connection, request, dry_run)
        return True

    def can_run(self, workflow: Workflow) -> bool:
        """Whether a run or an undo may start now; if not, an error box says why."""
        try:
            workflow.ensure_can_run()
        except RunRefused as exc:
            log.info("run refused: %s", exc.message)
            self._window.prompts.show_error(exc.title, exc.message)
            return False
        return True

    def _launch(
        self,
        workflow: Workflow,
        plan: Plan,
        connection: Connection,
        request: RunRequest | None,
        dry_run: bool,
    ) -> None:
        total = len(plan.operations) + len(plan.invalid)
        if dry_run:
            title = "Checking with Canvas (nothing is changed)…"
        elif request is not None and request.method is RunMethod.SIS_IMPORT:
            title = "Sending the new logins to Canvas as a SIS import…"
        else:
            title = "Sending changes to Canvas…"
        client, options = connection.client, connection.run_options(dry_run)

        def job(progress: ProgressCallback, cancel: CancelToken) -> RunOutcome:
            return workflow.run(
                plan, client, options, request, progress=progress, cancel=cancel, program=APP
            )

        self._start(total, title, job, dry_run=dry_run)

    def _results_can_be_saved(self, workflow: Workflow) -> bool:
        """Before a run: when saving into the teacher's file would lose parts of it
        (:func:`core.workbook.save_risks`), the results go into a copy, saved now, or
        nothing is sent."""
        w = self._window
        doc = workflow.doc
        losses = w.background.run(
            f"Reading '{doc.path.name}'…", lambda _progress, _cancel: save_risks(doc)
        )
        if not losses:
            return True
        path = w.prompts.ask_save_copy(workflow.doc.path, losses)
        return bool(path) and w.save_as(path)

    def start_job(self, total: int, title: str, job: WritingJob) -> None:
        """An undo, with the run's panel, Stop, saving and summary; the summary also
        says how to create the logins again (:func:`core.words.undo_sentence`)."""
        self._start(total, title, job, dry_run=False, undo=True)

    def _start(
        self, total: int, title: str, job: WritingJob, *, dry_run: bool, undo: bool = False
    ) -> None:
        w = self._window
        self._dry_run = dry_run
        self._undoing = undo
        self._stopping = False
        self._applied = {}
        w.table_model.ensure_output_columns()
        w.table_model.read_only = True
        self._panel.start(total, title, check=dry_run)
        self._panel.show()
        w.statusBar().showMessage(title)

        def refusable(progress: ProgressCallback, cancel: CancelToken) -> object:
            try:
                return job(progress, cancel)
            except RunRefused as exc:  # another run took the lock since can_run
                return exc

        gc_guard.hold_full_collections()  # released when the run ends, either way
        self.job.start(refusable)
        w.run_state_changed()

    # ----- stopping --------------------------------------------------------------------
    def stop(self) -> None:
        if not self.is_running or self._stopping:
            return
        self._stopping = True
        self.job.cancel()
        if self._panel.stop_button.isEnabled():
            self._panel.request_stop()  # shows "Stopping…"; its signal comes back, ignored
        self._window.statusBar().showMessage("Stopping after the calls already sent…")
        self._window.run_state_changed()

    # ----- reports from the worker -----------------------------------------------------
    def _progress(self, report: Progress) -> None:
        w = self._window
        if report.results:
            w.table_model.apply_results(report.results)
            self._applied.update((id(result), result) for result in report.results)
            if self._changes_the_sheet(report.results):
                w.mark_results_unsaved()
        self._panel.update_progress(report)

    def _changes_the_sheet(self, results: Sequence[RowResult]) -> bool:
        """A run's results are worth saving; a check's only when it numbered a generated
        login again (the new name is in New Login now)."""
        return not self._dry_run or any(result.new_login for result in results)

    def _finished(self, outcome: RunOutcome | RunRefused) -> None:
        if isinstance(outcome, RunRefused):
            self._failed(outcome.message, outcome.title)
            return
        gc_guard.release_full_collections()
        summary = outcome.summary
        w = self._window
        applied, self._applied = self._applied, {}
        fresh = [result for result in summary.results if applied.get(id(result)) is not result]
        if fresh:
            w.table_model.apply_results(fresh)
        if summary.results and self._changes_the_sheet(summary.results):
            w.mark_results_unsaved()
        w.table_model.flush_results()
        w.table_model.read_only = False
        self._panel.finish(summary)
        w.run_state_changed()
        w.fit_output_columns()
        w.check_offline()
        if outcome.stop_message:
            w.prompts.show_error("Canvas stopped the run", outcome.stop_message)
        if self._dry_run:
            self._check_finished(summary)
            return
        saved_to = None
        workflow = w.workflow
        if w.is_modified and w.save() and workflow is not None:
            saved_to = str(workflow.doc.path)
        if self._undoing:
            note = undo_sentence(summary) if summary.results else ""
            words = note or summary_sentence(summary) + "."
        else:
            note = self._demo_note(summary)
            words = summary_sentence(summary) + "."
        w.statusBar().showMessage(
            ("Stopped. " if summary.cancelled else "Finished. ") + words, 30_000
        )
        if w.prompts.show_summary(summary, saved_to, note):
            w.set_row_filter(RowFilter.STATUS, Status.FAILED.value)
        self.run_finished.emit(summary)

    def _check_finished(self, summary: RunSummary) -> None:
        """The check's counts in the status bar, and the zero-padding fix when it found one."""
        w = self._window
        w.statusBar().showMessage(
            f"Check finished: {check_sentence(summary)}. Nothing was changed in Canvas.",
            20_000,
        )
        workflow = w.workflow
        if workflow is not None:
            w.show_id_fix(fix_from_results(workflow.doc.table, summary.results))
        self.check_finished.emit(summary)

    def _demo_note(self, summary: RunSummary) -> str:
        """:data:`DEMO_NOTE` after a run of the demo workbook on the practice Canvas
        in which some rows failed or were not sent; else nothing."""
        w = self._window
        connection, workflow = w.connection, w.workflow
        if connection is None or connection.sandbox is None or workflow is None:
            return ""
        troubled = summary.count(Status.FAILED) + summary.count(Status.INVALID)
        if not (troubled or summary.left_out) or not looks_like_the_demo(workflow.doc.table):
            return ""
        return DEMO_NOTE

    def _failed(self, message: str, title: str = "The run stopped") -> None:
        gc_guard.release_full_collections()
        self._applied = {}
        w = self._window
        w.table_model.flush_results()
        w.table_model.read_only = False
        self._panel.hide()
        w.run_state_changed()
        w.prompts.show_error(title, message)
        if self._dry_run:
            self.check_finished.emit(None)
        else:
            self.run_finished.emit(None)

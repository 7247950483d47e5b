"""Canvas → "Undo Last Run…": plan the undo, ask with the count, and run it.

The undo takes back what the last run changed: the logins it created are removed, the
ones it suspended reactivated, the ones it reactivated suspended again
(:class:`core.undo.UndoPlan` says which, and in what words).

When Canvas's own restore of a SIS import could do the undo, whether the token may use
it is asked on a worker thread first, so the window never waits on the network. The
undo itself (:meth:`core.workflow.Workflow.undo`) runs on the run flow's worker, so
progress, Stop, saving and the summary are the same as for a run; the summary also says
how to do the run's changes again (:func:`core.words.undo_sentence`, the command line's
words).
An undo holds the workbook's lock like a run: while another run holds it, an error box
says who, and the undo does not start (:meth:`gui.run_flow.RunFlow.can_run`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from core.model import CancelToken, ProgressCallback
from core.run_lock import APP
from core.undo import restore_permitted
from core.workflow import RunOutcome
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from core.connection import Connection
    from core.undo import UndoPlan
    from core.workflow import Workflow
    from gui.run_flow import RunFlow
    from gui.window_parts import WindowParts

log = logging.getLogger(__name__)

__all__ = ["RESTORE_CHECK_JOB", "UndoFlow"]

#: Object name of the worker job asking Canvas whether the token may restore an import.
RESTORE_CHECK_JOB = "UndoRestoreCheck"


class UndoFlow(QObject):
    """Takes back the last run's changes to logins, on the run flow's worker."""

    def __init__(
        self, window: WindowParts, run_flow: RunFlow, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._run_flow = run_flow

    def _checking_restore(self) -> bool:
        jobs = self.findChildren(BackgroundJob, RESTORE_CHECK_JOB)
        return any(job.is_running() for job in jobs)

    def start(self, confirm: bool = True) -> bool:
        """Plan the undo, ask, and run it on the run flow's worker.

        When the plan could use Canvas's restore, the permission is asked on a worker
        thread and the question follows Canvas's answer; True then means the undo is
        under way up to that question. False when nothing was started.
        """
        w = self._window
        workflow = w.workflow
        if workflow is None or self._run_flow.is_running or self._checking_restore():
            return False
        w.commit_pending_edit()
        w.table_model.flush_results()
        plan = workflow.plan_undo()
        if not plan.targets:
            w.prompts.show_info("Nothing to undo", plan.reason)
            return False
        if not self._run_flow.can_run(workflow):
            return False
        connection = w.ensure_connection()
        if connection is None:
            return False
        if not plan.restore_possible:
            return self._ask_and_start(workflow, plan, connection, False, confirm)
        check = BackgroundJob(self)
        check.setObjectName(RESTORE_CHECK_JOB)
        status = "Asking Canvas whether this token may undo the SIS import…"
        w.statusBar().showMessage(status)

        def answered(permitted: object) -> None:
            check.deleteLater()
            if w.statusBar().currentMessage() == status:
                w.statusBar().clearMessage()
            if w.workflow is not workflow or self._run_flow.is_running:
                log.info("undo dropped: the workbook or the run changed while Canvas answered")
                return
            self._ask_and_start(workflow, plan, connection, permitted is True, confirm)

        def failed(message: str) -> None:
            log.info("restore permission not known: %s", message)
            answered(False)

        check.finished.connect(answered)
        check.failed.connect(failed)
        client, account_id = connection.client, connection.account_id
        check.start(lambda progress, cancel: restore_permitted(client, account_id))
        return True

    def _ask_and_start(
        self,
        workflow: Workflow,
        plan: UndoPlan,
        connection: Connection,
        restore: bool,
        confirm: bool,
    ) -> bool:
        """Ask (unless ``confirm`` is False) and start the undo; False when nothing started."""
        if confirm:
            answer = self._window.prompts.ask_undo(plan, connection, restore)
            if answer is None:
                return False
            restore = answer
        client, options = connection.client, connection.run_options()

        def job(progress: ProgressCallback, cancel: CancelToken) -> RunOutcome:
            return workflow.undo(
                plan,
                client,
                options,
                use_restore=restore,
                progress=progress,
                cancel=cancel,
                program=APP,
            )

        self._run_flow.start_job(plan.count, "Undoing the last run…", job)
        return True

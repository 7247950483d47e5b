"""Canvas → "Undo Last Run…": plan the undo, ask with the count, and run it.

The confirmation says how many logins go (in production, the user types the count).
When Canvas's own restore of a SIS import could do the undo, whether the token may use
it is asked on a worker thread first, so the window never waits on the network. The
undo itself runs core.undo on the run flow's worker, so progress, Stop, saving and the
summary are the same as for a run.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.journal import workbook_key_for
from core.undo import UndoPlan, plan_undo, restore_permitted, undo_last_run
from gui.connect_dialog import KindBadge
from gui.run_dialogs import add_typed_count
from gui.run_jobs import canvas_job, run_options
from gui.screen_fit import fit_height
from gui.sis_widgets import note
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)

__all__ = ["UndoConfirmDialog", "ask_undo", "undo_last_run_in_window"]

#: Object name of the worker job asking Canvas whether the token may restore an import.
RESTORE_CHECK_JOB = "UndoRestoreCheck"


class UndoConfirmDialog(QDialog):
    """Says how many logins will be removed; production needs the count typed."""

    def __init__(self, parent: QWidget | None, plan: UndoPlan, connection: Any, restore: bool):
        super().__init__(parent)
        self.setObjectName("UndoConfirmDialog")
        self.setWindowTitle("Undo the last run?")
        self.total = plan.count
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.setSpacing(12)
        self.badge = KindBadge(self)
        self.badge.set_kind(getattr(connection, "kind", ""))
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignLeft)
        self.headline = QLabel(f"{plan.words()}, in {connection.description}.", self)
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.headline.setFont(font)
        layout.addWidget(self.headline)
        layout.addWidget(
            note(
                "Only logins this run created are removed, and each only if it still has "
                "the name in its row; other logins are never touched. The rows will say "
                "Deleted. Students lose these sign-ins at once.",
                self,
            )
        )
        self.restore_box = QCheckBox("Let Canvas undo the SIS import itself (one call)", self)
        self.restore_box.setChecked(restore)
        self.restore_box.setVisible(restore)
        self.restore_box.setToolTip(
            "Canvas restores the state before the import. Untick to remove the logins one "
            "by one instead."
        )
        layout.addWidget(self.restore_box)
        self.confirm_edit: QLineEdit | None = None
        if connection.production:
            self.confirm_edit = add_typed_count(self, layout, self.total, "logins to remove")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        noun = "login" if self.total == 1 else "logins"
        self.ok_button = self.buttons.addButton(
            f"Remove {self.total} {noun}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if self.confirm_edit is not None:
            self.ok_button.setEnabled(False)
            self.confirm_edit.textChanged.connect(
                lambda text: self.ok_button.setEnabled(text.strip() == str(self.total))
            )
            self.confirm_edit.setFocus()
        self.setMinimumWidth(500)
        fit_height(self)


def ask_undo(parent: QWidget, plan: UndoPlan, connection: Any, restore: bool) -> bool | None:
    """None when cancelled; else whether to use Canvas's restore."""
    dialog = UndoConfirmDialog(parent, plan, connection, restore)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.restore_box.isChecked() and restore


def _checking_restore(window: MainWindow) -> bool:
    jobs = window.findChildren(BackgroundJob, RESTORE_CHECK_JOB)
    return any(job.is_running() for job in jobs)


def undo_last_run_in_window(window: MainWindow, confirm: bool = True) -> bool:
    """Plan the undo, ask, and run it on the run flow's worker.

    When the plan could use Canvas's restore, the permission is asked on a worker
    thread and the question follows Canvas's answer; True then means the undo is under
    way up to that question. False when nothing was started.
    """
    w = window
    if w.doc is None or w.run_flow.is_running or _checking_restore(w):
        return False
    w.commit_pending_edit()
    w.table_model.flush_results()
    key = workbook_key_for(w.doc.path)
    plan = plan_undo(w.doc.table, w.journal, key)
    if not plan.targets:
        w.show_info(w, "Nothing to undo", plan.reason)
        return False
    connection = w.connection
    if connection is None:
        connection = w.ask_connect(w)
        if connection is None:
            return False
        w.set_connection(connection)
    if not plan.restore_possible:
        return _ask_and_start(w, plan, connection, key, False, confirm)
    doc = w.doc
    check = BackgroundJob(w)
    check.setObjectName(RESTORE_CHECK_JOB)
    status = "Asking Canvas whether this token may undo the SIS import…"
    w.statusBar().showMessage(status)

    def answered(permitted: object) -> None:
        check.deleteLater()
        if w.statusBar().currentMessage() == status:
            w.statusBar().clearMessage()
        if w.doc is not doc or w.run_flow.is_running:
            log.info("undo dropped: the workbook or the run changed while Canvas answered")
            return
        _ask_and_start(w, plan, connection, key, permitted is True, confirm)

    def failed(message: str) -> None:
        log.info("restore permission not known: %s", message)
        answered(False)

    check.finished.connect(answered)
    check.failed.connect(failed)
    client, account_id = connection.client, connection.account_id
    check.start(lambda progress, cancel: restore_permitted(client, account_id))
    return True


def _ask_and_start(
    w: MainWindow, plan: UndoPlan, connection: Any, key: str, restore: bool, confirm: bool
) -> bool:
    """Ask (unless ``confirm`` is False) and start the undo; False when nothing started."""
    if confirm:
        answer = getattr(w, "ask_undo", ask_undo)(w, plan, connection, restore)
        if answer is None:
            return False
        restore = answer
    job = canvas_job(
        partial(undo_last_run, plan, connection.client, run_options(connection)),
        use_restore=restore,
        journal=w.journal,
        workbook_key=key,
    )
    w.run_flow.start_job(plan.count, "Undoing the last run…", job)
    return True

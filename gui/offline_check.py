"""The offline rules over the open workbook, for the window.

A full check (:meth:`core.workflow.Workflow.check`) runs off the GUI thread through
:class:`gui.background.WindowWork`: when a workbook is opened, the connection changes
(its sign-in methods and password length count), and before a run plans. An edit
re-checks only what it can change: the rows edited since the last check and the rows
that share a value with them (:func:`core.rules.recheck_rows`), quick enough for the GUI
thread, a moment after the edit (several edits in a row are re-checked together).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from core.rules import recheck_rows
from gui.kit_flow import min_password_length

if TYPE_CHECKING:
    from core.connection import Connection
    from core.model import Finding
    from core.workflow import Workflow
    from gui.background import WindowWork
    from gui.table_model import LoginsTableModel

__all__ = ["OfflineCheck"]


class OfflineCheck(QObject):
    """Full checks in the background; edits re-checked where they matter."""

    def __init__(
        self,
        model: LoginsTableModel,
        work: WindowWork,
        workflow: Callable[[], Workflow | None],
        connection: Callable[[], Connection | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._work = work
        self._workflow = workflow
        self._connection = connection
        #: The settings the model's findings were found with, while they are a full
        #: check's kept up to date since (None: they are not).
        self._checked_with: dict[str, Any] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.recheck_edits)
        model.cells_edited.connect(self.schedule)
        model.modelReset.connect(self.forget)

    def schedule(self, *_changes: object) -> None:
        """An edit: re-check it in a moment (edits in quick succession together)."""
        self._timer.start()

    def forget(self) -> None:
        """The model's findings no longer fit its table (another table, new columns)."""
        self._checked_with = None

    def full(self) -> list[Finding]:
        """Check every row now (off the GUI thread); the grid shows what was found."""
        self._timer.stop()
        workflow = self._workflow()
        if workflow is None:
            return []
        settings = self._settings()
        self._model.take_edited_rows()  # this check covers them
        findings: list[Finding] = self._work.run(
            "Checking the rows…", lambda _progress, _cancel: workflow.check(**settings)
        )
        self._show(findings, settings)
        return findings

    def recheck_edits(self) -> None:
        """Re-check the rows edited since the last check (the timer calls this)."""
        if self._work.is_busy:  # a job reads the table now; the edits wait for it
            self._work.when_idle(self.schedule)
            return
        workflow = self._workflow()
        if workflow is None:
            return
        settings = self._settings()
        if settings != self._checked_with:
            self.full()
            return
        edited = self._model.take_edited_rows()
        if not edited:
            return
        findings = recheck_rows(workflow.table, self._model.findings_list, edited, **settings)
        self._show(findings, settings)

    def _settings(self) -> dict[str, Any]:
        """The rules' settings for the connected Canvas: its password length, its
        sign-in methods."""
        connection = self._connection()
        return {
            "min_password_length": min_password_length(connection),
            "provider_types": getattr(connection, "provider_types", None) or None,
        }

    def _show(self, findings: list[Finding], settings: dict[str, Any]) -> None:
        self._model.min_password_length = settings["min_password_length"]
        self._model.set_findings(findings)
        self._checked_with = settings

"""The SIS import path and "Undo last run" in the app: the method choice and the menus.

- the run confirmation gains the method choice (API or SIS import), with the method
  recommended for the row count, the password note and the Login SIS ID pattern;
- "Export logins.csv…" (:mod:`gui.sis_export_dialog`) writes the file for admins who
  upload SIS files themselves;
- "Undo last run" (:mod:`gui.undo_dialog`) asks with the count and runs core.undo on
  the run flow's worker, so progress, Stop, saving and the summary are the same as for
  a run.

Every rule lives in core (sis_export, sis_run, undo); these modules only show and ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QGroupBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.model import Action
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN
from core.sis.method import (
    API_METHOD,
    IMPORT_METHOD,
    PASSWORD_NOTE,
    method_advice,
    recommended_method,
)
from gui.run_dialogs import ConfirmRunDialog, confirm_run
from gui.screen_fit import scroll_body
from gui.sis_export_dialog import ExportSisDialog, export_logins_csv_dialog
from gui.sis_widgets import PatternField, note
from gui.undo_dialog import UndoConfirmDialog, ask_undo, undo_last_run_in_window

if TYPE_CHECKING:
    from gui.main_window import MainWindow

__all__ = [
    "ExportSisDialog",
    "MethodChoice",
    "PatternField",
    "RunMethodChoice",
    "UndoConfirmDialog",
    "ask_undo",
    "confirm_run_with_method",
    "export_logins_csv_dialog",
    "install_sis_actions",
    "method_confirm_dialog",
    "undo_last_run_in_window",
]


@dataclass(frozen=True)
class RunMethodChoice:
    method: str = API_METHOD
    login_sis_pattern: str = DEFAULT_LOGIN_SIS_PATTERN


class MethodChoice(QGroupBox):
    """API or SIS import, the recommendation for this many new logins, and the notes."""

    def __init__(self, plan: Any, choice: RunMethodChoice | None = None, parent=None):
        super().__init__("How to send the new logins", parent)
        self.setObjectName("RunMethodChoice")
        counts = plan.counts_by_action
        creates = counts[Action.CREATE]
        others = counts[Action.UPDATE] + counts[Action.DELETE]
        recommended = recommended_method(creates)
        method = choice.method if choice is not None else recommended
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        self.api = QRadioButton("API: one call per row", self)
        self.sis = QRadioButton("SIS import: all new logins in one file", self)
        for button, kind in ((self.api, API_METHOD), (self.sis, IMPORT_METHOD)):
            if kind == recommended:
                button.setText(button.text() + " (recommended)")
        self.buttons = QButtonGroup(self)
        self.buttons.addButton(self.api)
        self.buttons.addButton(self.sis)
        (self.sis if method == IMPORT_METHOD else self.api).setChecked(True)
        layout.addWidget(self.api)
        layout.addWidget(self.sis)
        self.advice = note(method_advice(creates), self)
        layout.addWidget(self.advice)
        self.import_box = QWidget(self)
        form = QFormLayout(self.import_box)
        form.setContentsMargins(18, 0, 0, 0)
        self.pattern = PatternField(
            choice.login_sis_pattern if choice is not None else DEFAULT_LOGIN_SIS_PATTERN,
            self.import_box,
        )
        form.addRow("Login SIS ID pattern:", self.pattern)
        notes = [PASSWORD_NOTE]
        if others:
            notes.append(
                f"The {others} update and removal row(s) go through the API first; an "
                "import only adds logins."
            )
        self.password_note = note(" ".join(notes), self.import_box)
        form.addRow(self.password_note)
        layout.addWidget(self.import_box)
        self.sis.toggled.connect(self._sync)
        self._sync()

    def _sync(self, *_args: Any) -> None:
        self.import_box.setEnabled(self.sis.isChecked())

    def choice(self) -> RunMethodChoice | None:
        """The choice, or None when the import is chosen with an unusable pattern."""
        if not self.sis.isChecked():
            return RunMethodChoice(API_METHOD, self.pattern.edit.text().strip())
        pattern = self.pattern.pattern()
        return RunMethodChoice(IMPORT_METHOD, pattern) if pattern else None


def method_confirm_dialog(
    parent: QWidget | None, plan: Any, connection: Any, choice: RunMethodChoice | None = None
) -> tuple[ConfirmRunDialog, MethodChoice]:
    """The run confirmation with the method choice above its buttons."""
    dialog = ConfirmRunDialog(parent, plan, connection)
    group = MethodChoice(plan, choice, dialog)
    layout = dialog.layout()
    layout.insertWidget(layout.indexOf(dialog.details) + 1, group)
    dialog.setMinimumWidth(580)
    dialog.body_area = scroll_body(dialog)

    def refresh() -> None:
        ok = group.choice() is not None
        typed = dialog.confirm_edit is None or dialog.confirm_edit.text().strip() == str(
            dialog.total
        )
        dialog.ok_button.setEnabled(ok and typed)

    group.pattern.edit.textChanged.connect(lambda _t: refresh())
    group.sis.toggled.connect(lambda _c: refresh())
    if dialog.confirm_edit is not None:
        dialog.confirm_edit.textChanged.connect(lambda _t: refresh())
    return dialog, group


def confirm_run_with_method(
    parent: QWidget | None, plan: Any, connection: Any, dry_run: bool = False
) -> bool:
    """The main window's run confirmation: asks the method when there are new logins.

    The choice goes to ``parent.run_flow.method_choice`` (the run flow reads it).
    """
    flow = getattr(parent, "run_flow", None)
    if dry_run or not plan.operations or not plan.counts_by_action[Action.CREATE]:
        if flow is not None:
            flow.method_choice = RunMethodChoice(API_METHOD, flow.method_choice.login_sis_pattern)
        return confirm_run(parent, plan, connection, dry_run)
    dialog, group = method_confirm_dialog(
        parent, plan, connection, getattr(flow, "method_choice", None)
    )
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    choice = group.choice()
    if choice is None:
        return False
    if flow is not None:
        flow.method_choice = choice
    return True


def install_sis_actions(window: MainWindow) -> None:
    """File → "Export logins.csv…" and Canvas → "Undo Last Run…" in the main window."""
    w = window
    a = w.actions_
    export = QAction("Export &logins.csv…", w)
    export.setObjectName("ExportLoginsCsv")
    export.setShortcut(QKeySequence("Ctrl+Shift+E"))
    export.setStatusTip("Write the new logins into logins.csv for a SIS import by hand")
    export.triggered.connect(lambda _c=False: export_logins_csv_dialog(w))
    a.undo_run.setObjectName("UndoLastRun")
    a.undo_run.setShortcut(QKeySequence("Ctrl+Alt+Z"))
    a.undo_run.setStatusTip("Remove the logins the last run created")
    a.undo_run.setVisible(True)
    a.undo_run.triggered.connect(lambda _c=False: undo_last_run_in_window(w))
    w.export_sis_action = export
    file_menu = a.save_as.associatedObjects()
    for owner in file_menu:
        if hasattr(owner, "insertAction") and owner is not w and hasattr(owner, "aboutToShow"):
            actions = owner.actions()
            index = actions.index(a.save_as)
            before = actions[index + 1] if index + 1 < len(actions) else None
            owner.insertAction(before, export)
            owner.aboutToShow.connect(lambda: _sync(w))
    for owner in a.undo_run.associatedObjects():
        if hasattr(owner, "aboutToShow") and owner is not w:
            owner.aboutToShow.connect(lambda: _sync(w))
    w.addAction(export)
    _sync(w)


def _sync(w: MainWindow) -> None:
    idle = w.doc is not None and not w.run_flow.is_running
    w.export_sis_action.setEnabled(idle)
    w.actions_.undo_run.setEnabled(idle)

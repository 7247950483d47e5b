"""The SIS import path and "Undo last run" in the app.

- the run confirmation gains the method choice (API or SIS import), with the method
  recommended for the row count, the password note and the Login SIS ID pattern;
- "Export logins.csv…" writes the file for admins who upload SIS files themselves;
- "Undo last run" asks with the count (in production, the user types it) and runs
  core.undo on the run flow's worker, so progress, Stop, saving and the summary are
  the same as for a run.

Every rule lives in core (sis_export, sis_run, undo); this module only shows and asks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.journal import workbook_key_for
from core.model import Action
from core.plan import build_plan
from core.runner import CanvasUnavailable, RunOptions, RunSummary
from core.sis_export import (
    DEFAULT_LOGIN_SIS_PATTERN,
    PATTERN_FIELDS,
    PatternError,
    check_pattern,
    export_logins_csv,
)
from core.sis_run import API_METHOD, IMPORT_METHOD, PASSWORD_NOTE, method_advice, recommended_method
from core.undo import UndoPlan, plan_undo, restore_permitted, undo_last_run
from gui.run_dialogs import ConfirmRunDialog, confirm_run

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunMethodChoice:
    method: str = API_METHOD
    login_sis_pattern: str = DEFAULT_LOGIN_SIS_PATTERN


def _note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class PatternField(QWidget):
    """The Login SIS ID pattern with a line saying what it means (and whether it works)."""

    def __init__(self, pattern: str = DEFAULT_LOGIN_SIS_PATTERN, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(pattern, self)
        self.edit.setAccessibleName("Login SIS ID pattern")
        self.edit.setToolTip(
            "Used for rows with an empty Login SIS ID. You can use "
            + ", ".join("{" + name + "}" for name in PATTERN_FIELDS)
        )
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.edit)
        layout.addWidget(self.hint)
        self.edit.textChanged.connect(self._changed)
        self._changed(pattern)

    def pattern(self) -> str | None:
        try:
            return check_pattern(self.edit.text())
        except PatternError:
            return None

    def _changed(self, text: str) -> None:
        try:
            pattern = check_pattern(text)
        except PatternError as exc:
            self.hint.setText(f"<span style='color:#c0392b'>{exc}</span>")
            return
        example = pattern.format(sis_user_id="0045510", canvas_user_id="101", login="ava.k")
        self.hint.setText(
            f"For a student with SIS User ID 0045510 the new login's SIS ID is <b>{example}</b>. "
            "Canvas needs one for every login it imports; it stays reserved even after the "
            "login is removed."
        )


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
        self.advice = _note(method_advice(creates), self)
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
        self.password_note = _note(" ".join(notes), self.import_box)
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


# --- export ---------------------------------------------------------------------------------


class ExportSisDialog(QDialog):
    """Write logins.csv from the Create rows, saying which rows are left out and why."""

    def __init__(self, parent: QWidget | None, table: Any, findings: list, default_path: Path):
        super().__init__(parent)
        self.setObjectName("ExportSisDialog")
        self.setWindowTitle("Export logins.csv for a SIS import")
        self.table = table
        self.findings = findings
        self.result: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.setSpacing(10)
        plan = build_plan(table, findings)
        creates = sum(1 for op in plan.operations if op.action is Action.CREATE)
        headline = QLabel(
            f"Write the {creates} new login(s) of this workbook into logins.csv, for an "
            "administrator to upload in Canvas (Admin → SIS Import).",
            self,
        )
        headline.setWordWrap(True)
        font = headline.font()
        font.setBold(True)
        headline.setFont(font)
        layout.addWidget(headline)
        form = QFormLayout()
        self.pattern = PatternField(DEFAULT_LOGIN_SIS_PATTERN, self)
        form.addRow("Login SIS ID pattern:", self.pattern)
        path_row = QHBoxLayout()
        self.path_edit = QLineEdit(str(default_path), self)
        self.path_edit.setAccessibleName("Save logins.csv to")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("Save to:", path_row)
        layout.addLayout(form)
        layout.addWidget(
            _note(
                "Cells that start like a spreadsheet formula (= + - @) get a ' in front, so "
                "the file is safe to open in Excel. The file holds the passwords: keep it "
                "private and delete it after the upload. " + PASSWORD_NOTE,
                self,
            )
        )
        self.left_out_label = QLabel("Rows left out:", self)
        self.left_out = QListWidget(self)
        self.left_out.setAccessibleName("Rows left out of the file")
        self.left_out.setMaximumHeight(140)
        self.left_out.setWordWrap(True)
        self.left_out.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.left_out_label)
        layout.addWidget(self.left_out)
        self.left_out_label.hide()
        self.left_out.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.pattern.edit.textChanged.connect(
            lambda _t: self.export_button.setEnabled(self.pattern.pattern() is not None)
        )
        self.setMinimumWidth(600)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save logins.csv", self.path_edit.text(), "CSV files (*.csv)"
        )
        if path:
            self.path_edit.setText(path)

    def export(self) -> Any:
        pattern = self.pattern.pattern()
        if pattern is None:
            return None
        try:
            self.result = export_logins_csv(
                self.table, self.path_edit.text().strip(), pattern=pattern, findings=self.findings
            )
        except OSError as exc:
            self.left_out_label.setText(f"Could not write the file: {exc.strerror or exc}")
            self.left_out_label.show()
            return None
        rows = self.table.rows
        self.left_out.clear()
        for left in self.result.left_out:
            self.left_out.addItem(f"Row {rows[left.row].sheet_row}: {left.message}")
        for row, column in self.result.protected:
            self.left_out.addItem(
                f"Row {rows[row].sheet_row}, {column}: starts like a formula, written with a ' "
                "in front (Canvas gets the ' too; check it)"
            )
        self.left_out_label.setText(
            f"Wrote {self.result.written} login(s) to {self.result.path.name}. "
            + (
                f"{len(self.result.left_out)} row(s) left out:"
                if self.result.left_out or self.result.protected
                else "No row was left out."
            )
        )
        self.left_out_label.show()
        self.left_out.setVisible(self.left_out.count() > 0)
        self.adjustSize()
        return self.result


def export_logins_csv_dialog(window: MainWindow) -> QDialog | None:
    if window.doc is None:
        return None
    window.commit_pending_edit()
    path = Path(window.doc.path)
    default = path.with_name(f"{path.stem} logins.csv")
    dialog = ExportSisDialog(
        window, window.doc.table, list(window.table_model.findings.findings), default
    )
    dialog.exec()
    return dialog


# --- undo -----------------------------------------------------------------------------------


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
        self.headline = QLabel(f"{plan.words()}, in {connection.description}.", self)
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.headline.setFont(font)
        layout.addWidget(self.headline)
        layout.addWidget(
            _note(
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
            prompt = QLabel(
                f"This is the real Canvas. To go ahead, type the number of logins to remove "
                f"(<b>{self.total}</b>):",
                self,
            )
            prompt.setWordWrap(True)
            self.confirm_edit = QLineEdit(self)
            self.confirm_edit.setAccessibleName("Number of logins to remove")
            self.confirm_edit.setMaximumWidth(160)
            prompt.setBuddy(self.confirm_edit)
            layout.addWidget(prompt)
            layout.addWidget(self.confirm_edit)
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


def ask_undo(parent: QWidget, plan: UndoPlan, connection: Any, restore: bool) -> bool | None:
    """None when cancelled; else whether to use Canvas's restore."""
    dialog = UndoConfirmDialog(parent, plan, connection, restore)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.restore_box.isChecked() and restore


def undo_last_run_in_window(window: MainWindow, confirm: bool = True) -> bool:
    """Plan the undo, ask, and run it on the run flow's worker; False if nothing started."""
    w = window
    if w.doc is None or w.run_flow.is_running:
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
    restore = plan.restore_possible and restore_permitted(connection.client, connection.account_id)
    if confirm:
        answer = getattr(w, "ask_undo", ask_undo)(w, plan, connection, restore)
        if answer is None:
            return False
        restore = answer
    options = RunOptions(
        account_id=connection.account_id,
        concurrency=max(1, int(getattr(connection.profile, "concurrency", 10) or 10)),
    )
    client, journal = connection.client, w.journal

    def job(progress, cancel) -> tuple[RunSummary, str]:
        try:
            summary = undo_last_run(
                plan,
                client,
                options,
                use_restore=restore,
                progress=progress,
                cancel=cancel,
                journal=journal,
                workbook_key=key,
            )
            return summary, ""
        except CanvasUnavailable as exc:
            return exc.summary, exc.message

    w.run_flow.start_job(plan.count, "Undoing the last run…", job)
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

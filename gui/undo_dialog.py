"""The "Undo the last run?" confirmation: how many logins are taken back, and how.

It says which logins will be removed, reactivated or suspended again (in production,
staff type the count) and,
when Canvas's own restore of a SIS import could do the undo, offers it.
:mod:`gui.undo_flow` plans the undo and runs it.
"""

from __future__ import annotations

from typing import Any

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

from core.undo import UndoPlan
from gui.kind_badge import KindBadge
from gui.run_dialogs import add_typed_count
from gui.screen_fit import fit_height
from gui.sis_widgets import note

__all__ = ["UndoConfirmDialog", "ask_undo"]


class UndoConfirmDialog(QDialog):
    """Says what undo will take back; production needs the count typed."""

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
        layout.addWidget(note(plan.effect_words(), self))
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
            what = "logins to change" if plan.changes_state else "logins to remove"
            self.confirm_edit = add_typed_count(self, layout, self.total, what)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.addButton(
            plan.button_words(), QDialogButtonBox.ButtonRole.AcceptRole
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


def ask_undo(parent: QWidget | None, plan: UndoPlan, connection: Any, restore: bool) -> bool | None:
    """None when cancelled; else whether to use Canvas's restore."""
    dialog = UndoConfirmDialog(parent, plan, connection, restore)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.restore_box.isChecked() and restore

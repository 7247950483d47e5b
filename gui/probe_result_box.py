"""What "Test connection" found, in the connection dialog: who, which main account, rights.

A token that administers several main (root) accounts gets a drop-down to pick one;
with one account its name is shown as plain text. The rights line says in words what
the token may do there, in red when it may not manage logins.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QWidget

from core.connection import ProbeResult

__all__ = ["ProbeResultBox"]


class ProbeResultBox(QFrame):
    """Signed in as, main account (picked from several), and the token's rights there."""

    #: Staff picked another main account.
    account_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: ProbeResult | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        form = QFormLayout(self)
        self.user_label = QLabel(self)
        self.user_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.account_combo = QComboBox(self)
        self.account_combo.setAccessibleName("Main account")
        self.account_combo.currentIndexChanged.connect(self._account_changed)
        self.rights_label = QLabel(self)
        self.rights_label.setWordWrap(True)
        form.addRow("Signed in as:", self.user_label)
        self.account_label = QLabel(self)
        self.account_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        account_row = QHBoxLayout()
        account_row.setContentsMargins(0, 0, 0, 0)
        account_row.addWidget(self.account_combo, 1)
        account_row.addWidget(self.account_label, 1)
        form.addRow("Main &account:", account_row)
        caption = form.labelForField(account_row)
        if isinstance(caption, QLabel):
            caption.setBuddy(self.account_combo)
        form.addRow("Rights:", self.rights_label)

    def current_account_id(self) -> int | None:
        """The main account picked (None before a test found any)."""
        if self._result is None or self.account_combo.currentIndex() < 0:
            return None
        return self.account_combo.currentData()

    def show_result(self, result: ProbeResult, wanted_account: int | None) -> bool:
        """Fill in what the test found, preselecting ``wanted_account``; True for several."""
        self._result = result
        self.user_label.setText(result.user_name)
        combo = self.account_combo
        combo.blockSignals(True)
        combo.clear()
        for account in result.accounts:
            combo.addItem(f"{account.name} (id {account.id})", account.id)
        index = combo.findData(wanted_account) if wanted_account is not None else 0
        combo.setCurrentIndex(max(index, 0))
        several = len(result.accounts) > 1
        combo.setEnabled(several)
        combo.setVisible(several)
        self.account_label.setText(combo.currentText())
        self.account_label.setVisible(not several)
        combo.blockSignals(False)
        self._show_rights()
        self.show()
        return several

    def forget(self) -> None:
        """Hide what an earlier test found (the pick stays preselected for the next test)."""
        self.hide()

    def _account_changed(self, *_args: object) -> None:
        self._show_rights()
        self.account_changed.emit()

    def _show_rights(self) -> None:
        if self._result is None:
            return
        account = self._result.account(self.account_combo.currentData())
        mark = "✔ " if account.can_manage_logins else "✖ "
        self.rights_label.setText(mark + account.rights_text())
        self.rights_label.setStyleSheet("" if account.can_manage_logins else "color: #c62828;")

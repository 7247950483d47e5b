"""Small widgets the SIS dialogs share: a wrapped note and the Login SIS ID pattern field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN, PATTERN_FIELDS, PatternError, check_pattern

__all__ = ["PatternField", "note"]


def note(text: str, parent: QWidget) -> QLabel:
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

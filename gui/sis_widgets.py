"""Small widgets the SIS dialogs share: a wrapped note and the Login SIS ID pattern field."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from core.model import Action
from core.sis.export import (
    DEFAULT_LOGIN_SIS_PATTERN,
    PATTERN_FIELDS,
    PatternError,
    check_pattern,
    login_sis_id_from,
)

if TYPE_CHECKING:
    from core.plan import Operation

__all__ = ["PatternField", "note", "pattern_example"]

#: The student the example speaks of when the workbook gives none.
_SAMPLE = ("0045510", "101", "ava.k")


def note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def pattern_example(pattern: str, operations: Iterable[Operation] = ()) -> str:
    """A sentence showing the Login SIS ID ``pattern`` makes, for the first new login of
    ``operations`` it can make one for (this workbook's own ids), else for a sample student.

    Raises :class:`~core.sis.export.PatternError` when the pattern cannot be used.
    """
    pattern = check_pattern(pattern)
    for op in operations:
        if op.action is not Action.CREATE or op.login_sis_id.strip():
            continue
        try:
            made = login_sis_id_from(pattern, op)
        except PatternError:
            continue
        kind, _, value = op.user_ref.partition(":")
        student = f" (SIS User ID {escape(value)})" if kind == "sis_user_id" and value else ""
        return (
            f"For {escape(op.unique_id)}{student}, the first new login here, the login's "
            f"SIS ID is <b>{escape(made)}</b>."
        )
    sis_id, canvas_id, login = _SAMPLE
    made = pattern.format(sis_user_id=sis_id, canvas_user_id=canvas_id, login=login)
    return (
        f"For a student with SIS User ID {sis_id} the new login's SIS ID is <b>{escape(made)}</b>."
    )


class PatternField(QWidget):
    """The Login SIS ID pattern with a line saying what it means (and whether it works).

    The example is built from ``operations`` (the run's, so from this workbook's ids)
    when given.
    """

    def __init__(
        self,
        pattern: str = DEFAULT_LOGIN_SIS_PATTERN,
        parent: QWidget | None = None,
        operations: Iterable[Operation] = (),
    ):
        super().__init__(parent)
        self._operations = list(operations)
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
            example = pattern_example(text, self._operations)
        except PatternError as exc:
            self.hint.setText(f"<span style='color:#c0392b'>{escape(str(exc))}</span>")
            return
        self.hint.setText(
            f"{example} Canvas needs one for every login it imports; it stays reserved even "
            "after the login is removed."
        )

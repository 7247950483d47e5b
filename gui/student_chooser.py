"""Which Canvas student a row of names means, when Canvas has several who fit it.

Find Students in Canvas (:mod:`gui.match_flow`) leaves such a row Invalid with its
possible students; :func:`ask_student` lists them (name as Canvas sorts it, class,
Canvas User ID) for staff to pick the right one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.roster_dialog import fit_columns
from gui.screen_fit import plural

if TYPE_CHECKING:
    from core.roster.match import Candidate

__all__ = ["StudentChooser", "ask_student"]


class StudentChooser(QDialog):
    """Which Canvas student a row means: one line per possible student."""

    def __init__(
        self, parent: QWidget | None, row_text: str, candidates: Sequence[Candidate]
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StudentChooser")
        self.setWindowTitle("Choose the student")
        self.candidates = list(candidates)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 12)
        question = QLabel(
            f"Canvas has {plural(len(self.candidates), 'student')} who could be "
            f"{row_text}. Which one is it?",
            self,
        )
        question.setTextFormat(Qt.TextFormat.PlainText)
        question.setWordWrap(True)
        layout.addWidget(question)
        self.list = QTreeWidget(self)
        self.list.setObjectName("CandidateList")
        self.list.setAccessibleName("Possible students")
        self.list.setHeaderLabels(["Name in Canvas", "Class", "Canvas User ID"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        for candidate in self.candidates:
            self.list.addTopLevelItem(
                QTreeWidgetItem([candidate.name, candidate.class_name, candidate.canvas_user_id])
            )
        fit_columns(self.list, range(3))
        rows = min(max(len(self.candidates), 2), 8)  # more than 8 scroll
        self.list.setFixedHeight(
            self.list.header().sizeHint().height()
            + rows * max(self.list.sizeHintForRow(0), 1)
            + 2 * self.list.frameWidth()
            + 4
        )
        self.list.setCurrentItem(self.list.topLevelItem(0))
        self.list.itemDoubleClicked.connect(lambda _item, _column: self.accept())
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def chosen(self) -> Candidate | None:
        item = self.list.currentItem()
        if item is None:
            return None
        return self.candidates[self.list.indexOfTopLevelItem(item)]


def ask_student(
    parent: QWidget | None, row_text: str, candidates: Sequence[Candidate]
) -> Candidate | None:
    """The student staff pick among ``candidates``; None when cancelled."""
    dialog = StudentChooser(parent, row_text, candidates)
    if not dialog.exec():
        return None
    return dialog.chosen()

"""The bar above the grid that offers to put back the leading zeros Excel dropped from ids.

Check with Canvas finds that an id such as ``45510`` is a student only as ``0045510``
(:func:`core.id_padding.fix_from_results`); the window shows that fix here
(:meth:`IdFixBar.show_fix`). "Add the zeros" writes every short id of the column
(:func:`core.id_padding.padding_edits`) as one step on the window's undo stack; undoing
it puts the ids back and offers the fix again. No id is changed without staff asking.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from core.id_padding import PaddingFix, padding_edits
from core.words import plural
from gui import theme_colors
from gui.commands import EditCellsCommand
from gui.table_model import LoginsTableModel

__all__ = ["AddZerosCommand", "IdFixBar", "fix_sentence"]


def fix_sentence(fix: PaddingFix) -> str:
    """ "Excel dropped the leading zeros of 12 SIS User IDs (45510 is 0045510 in Canvas)." """
    short, padded = fix.example
    ids = plural(len(fix.rows), fix.role.value)
    return f"Excel dropped the leading zeros of {ids} ({short} is {padded} in Canvas)."


class AddZerosCommand(EditCellsCommand):
    """The ids padded as one undoable step; undo offers the fix again."""

    def __init__(
        self,
        model: LoginsTableModel,
        changes: Sequence[tuple[int, int, str]],
        bar: IdFixBar,
        fix: PaddingFix,
    ) -> None:
        super().__init__(model, changes, f"Add the leading zeros to {fix.role.value}s")
        self._bar = bar
        self._fix = fix

    def redo(self) -> None:
        super().redo()
        self._bar.clear()

    def undo(self) -> None:
        super().undo()
        self._bar.show_fix(self._fix)


class IdFixBar(QFrame):
    """A slim notice above the grid: what Excel did to the ids, one button to fix them.

    Hidden until :meth:`show_fix`; hidden again by :meth:`clear`, by its close button,
    by applying the fix, and when the grid shows another table.
    """

    #: "Add the zeros" was clicked (the bar applies the fix itself).
    apply_requested = Signal()
    #: The fix was applied: the number of ids changed.
    fix_applied = Signal(int)

    def __init__(self, model: LoginsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._fix: PaddingFix | None = None
        self.setObjectName("IdFixBar")
        self.setAccessibleName("Leading zeros missing from ids")
        background, border = theme_colors.notice_colors()
        self.setStyleSheet(
            f"QFrame#IdFixBar {{ background: {theme_colors.css_rgba(background)};"
            f" border: 1px solid {theme_colors.css_rgba(border)}; border-radius: 4px; }}"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 3, 4, 3)
        layout.setSpacing(8)
        self.text = QLabel(self)
        self.text.setObjectName("IdFixText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        self.apply_button = QPushButton("Add the zeros", self)
        self.apply_button.setObjectName("AddZerosButton")
        layout.addWidget(self.apply_button)
        self.close_button = QToolButton(self)
        self.close_button.setText("\u2715")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide this message (the ids stay as they are)")
        self.close_button.setAccessibleName("Hide the message about leading zeros")
        layout.addWidget(self.close_button)
        self.apply_button.clicked.connect(self.apply_requested)
        self.apply_requested.connect(self.apply_fix)
        self.close_button.clicked.connect(self.clear)
        model.modelReset.connect(self.clear)
        self.hide()

    @property
    def fix(self) -> PaddingFix | None:
        """The fix offered now (None when the bar is hidden)."""
        return self._fix

    def show_fix(self, fix: PaddingFix) -> None:
        """Offer ``fix``: say what Excel did, with "Add the zeros"."""
        self._fix = fix
        self.text.setText(fix_sentence(fix))
        self.apply_button.setToolTip(
            f"Write these {fix.role.value}s with {fix.width} digits, as Canvas has them. "
            "Edit ▸ Undo puts them back."
        )
        self.show()

    def clear(self) -> None:
        """Take the offer away (a workbook opened, the fix applied or dismissed)."""
        self._fix = None
        self.hide()

    def apply_fix(self) -> int:
        """Pad every short id of the column, as one undoable step; the ids changed."""
        fix, model = self._fix, self._model
        table = model.table
        if fix is None or table is None or model.read_only:
            return 0
        edits = padding_edits(table, fix)
        if not edits:
            self.clear()
            return 0
        command = AddZerosCommand(model, edits, self, fix)
        if model.undo_stack is not None:
            model.undo_stack.push(command)
        else:
            command.redo()
        changed = sum(1 for change in command.applied if change.column == fix.column)
        self.fix_applied.emit(changed)
        return changed

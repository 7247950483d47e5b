"""Cell editors: a drop-down for the Action column, plain text everywhere else.

Passwords are edited in clear text (the person typing needs to see them) even when
the grid masks them.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from core.model import Action, Role
from gui.table_model import header_role

ACTION_CHOICES: tuple[str, ...] = ("", *(action.value for action in Action))


class GridDelegate(QStyledItemDelegate):
    """Text editor for ordinary cells; an editable drop-down for the Action column."""

    def _column_role(self, index: QModelIndex) -> Role | None:
        return header_role(index.model(), index.column())

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex
    ) -> QWidget:
        if self._column_role(index) is Role.ACTION:
            combo = QComboBox(parent)
            combo.setEditable(True)
            combo.addItems(ACTION_CHOICES)
            combo.setItemText(0, "")
            combo.setAccessibleName("Action")
            combo.setToolTip(
                "Create (blank means Create), Update, Delete, Suspend (switch a login off) "
                "or Reactivate (switch it on again)"
            )
            return combo
        editor = QLineEdit(parent)
        editor.setFrame(False)
        header = index.model().headerData(index.column(), Qt.Orientation.Horizontal)
        editor.setAccessibleName(str(header or "Cell"))
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        text = index.data(Qt.ItemDataRole.EditRole) or ""
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(text))
            return
        if isinstance(editor, QLineEdit):
            editor.setText(str(text))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
            return
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)


def install_delegates(view: QTableView) -> GridDelegate:
    delegate = GridDelegate(view)
    view.setItemDelegate(delegate)
    return delegate

"""The grid's selection and edits: copy, paste and fill down (each one undoable step),
the current cell, and an edit still open in a cell editor.

Works on the grid's parts (the view, its filter proxy, the model and the undo stack),
so what is pasted goes into the rows and columns as the grid shows them (filtered or
not; name columns the grid shows first, see :mod:`gui.frozen_columns`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QTableView, QWidget

from gui.commands import (
    EditCellsCommand,
    fill_down_changes,
    fill_selection_changes,
    parse_clipboard_block,
    paste_changes,
)
from gui.filter_proxy import RowFilterProxy
from gui.frozen_columns import FrozenColumnsView
from gui.table_model import LoginsTableModel

__all__ = ["GridEdits"]


@dataclass
class GridEdits:
    view: QTableView
    proxy: RowFilterProxy
    model: LoginsTableModel
    undo_stack: QUndoStack

    def commit_pending_edit(self) -> None:
        """Finish an edit still open in a cell editor, so it is not lost."""
        views = self.view.views() if isinstance(self.view, FrozenColumnsView) else [self.view]
        for view in views:
            if view.state() != QAbstractItemView.State.EditingState:
                continue
            for editor in view.viewport().findChildren(QWidget):
                if editor.parent() is view.viewport() and editor.isVisible():
                    view.commitData(editor)
                    view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def shown_columns(self) -> list[int]:
        """The model's columns in the order the grid shows them."""
        header = self.view.horizontalHeader()
        return [header.logicalIndex(position) for position in range(header.count())]

    def select_cell(
        self, table_row: int, column: int, *, extend_to: tuple[int, int] | None = None
    ) -> QModelIndex:
        """Make a table cell current (and select up to ``extend_to``); invalid if hidden."""
        index = self.proxy.proxy_index_for(table_row, max(column, 0))
        if not index.isValid():
            return index
        selection = self.view.selectionModel()
        self.view.setCurrentIndex(index)
        if extend_to is not None:
            end = self.proxy.proxy_index_for(*extend_to)
            selection.select(
                QItemSelection(index, end), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        return index

    def show_cell(self, table_row: int, column: int) -> bool:
        """Make a table cell current, scrolled to the middle; False when it is filtered out."""
        index = self.proxy.proxy_index_for(table_row, max(column, 0))
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setFocus()
        return True

    def selected_cells(self) -> tuple[list[int], list[int]]:
        """Selected proxy rows (sorted) and columns (in the order shown), or the current
        cell's."""
        selection = self.view.selectionModel()
        indexes = selection.selectedIndexes() if selection else []
        if not indexes:
            current = self.view.currentIndex()
            if not current.isValid():
                return [], []
            indexes = [current]
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes}, key=self.view.horizontalHeader().visualIndex)
        return rows, cols

    def copy_selection(self) -> str:
        """The selected cells as tab-separated text, also put on the clipboard."""
        rows, cols = self.selected_cells()
        if not rows:
            return ""
        lines = []
        for proxy_row in rows:
            table_row = self.proxy.table_row(proxy_row)
            values = []
            for col in cols:
                text = self.model.index(table_row, col).data(Qt.ItemDataRole.DisplayRole) or ""
                values.append(str(text).replace("\t", " ").replace("\n", " "))
            lines.append("\t".join(values))
        text = "\n".join(lines) + "\n"
        QGuiApplication.clipboard().setText(text)
        return text

    def paste(self) -> int:
        """Paste the clipboard's text (see :meth:`paste_text`)."""
        return self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> int:
        """Paste ``text`` at the selection as one undoable step; the number of cells set."""
        model, proxy = self.model, self.proxy
        if model.table is None or model.read_only:
            return 0
        block = parse_clipboard_block(text)
        rows, cols = self.selected_cells()
        if not block or not rows:
            return 0
        if len(block) == 1 and len(block[0]) == 1 and (len(rows) > 1 or len(cols) > 1):
            table_rows = [proxy.table_row(r) for r in rows]
            changes = fill_selection_changes(block[0][0], table_rows, cols)
        else:
            visible = range(rows[0], proxy.rowCount())
            table_rows = [proxy.table_row(r) for r in visible[: len(block)]]
            shown = self.shown_columns()
            start = shown.index(cols[0])
            by_position = paste_changes(block, table_rows, start, len(shown))
            changes = [(row, shown[position], value) for row, position, value in by_position]
        if not changes:
            return 0
        self.undo_stack.push(EditCellsCommand(model, changes, f"Paste {len(changes)} cells"))
        self._select_block(rows[0], cols[0], len(block), max(len(r) for r in block))
        return len(changes)

    def _select_block(self, row: int, col: int, height: int, width: int) -> None:
        """Select the pasted block: ``width`` columns as shown from ``col``."""
        if height <= 1 and width <= 1:
            return
        bottom = min(row + height, self.proxy.rowCount()) - 1
        shown = self.shown_columns()
        start = shown.index(col)
        selection = QItemSelection()
        for column in shown[start : start + width]:
            selection.select(self.proxy.index(row, column), self.proxy.index(bottom, column))
        self.view.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def fill_down(self) -> int:
        """Copy the top selected cell down the selection (one cell: the cell above)."""
        model = self.model
        table = model.table
        if table is None or model.read_only:
            return 0
        rows, cols = self.selected_cells()
        if not rows:
            return 0
        if len(rows) == 1:
            if rows[0] == 0:
                return 0
            rows = [rows[0] - 1, rows[0]]  # like Excel: copy the cell above
        table_rows = [self.proxy.table_row(r) for r in rows]
        changes = fill_down_changes([r.cells for r in table.rows], table_rows, cols)
        if not changes:
            return 0
        self.undo_stack.push(EditCellsCommand(model, changes, "Fill down"))
        return len(changes)

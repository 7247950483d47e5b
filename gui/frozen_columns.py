"""The grid with frozen columns: the student's name stays in view when the grid scrolls right.

Excel's freeze panes, done Qt's classic way: a second table view (:class:`FrozenPart`)
lies over the left edge of the grid (:class:`FrozenColumnsView`), shows only the frozen
columns, shares the grid's model and selection model, and scrolls vertically with it.
The grid itself still holds every column; when it scrolls right, its columns slide under
the frozen part. Widths, row heights, column order, model resets, inserted columns and
sorting are copied over as they change.

Which columns (:func:`columns_to_freeze`): the name columns (First Name, Last Name,
Name); in a workbook without one, its student column (SIS User ID, Canvas User ID or
Current Login). When they are among the first :data:`MAX_IN_PLACE` columns, everything
left of them is frozen with them, in the workbook's order (as Excel freezes at a column
boundary); further right, they are shown first (only the grid's order changes, never
the table's). A frozen part wider than :data:`MAX_SHARE` of the grid is not shown.

The grid keeps the keyboard focus: a click in the frozen part focuses the grid, an edit
of a frozen cell opens its editor in the frozen part, and the grid never scrolls a cell
under it.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
)
from PySide6.QtGui import QContextMenuEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QTableView,
    QWidget,
)

from core.model import NAME_ROLES, Role
from gui import theme_colors
from gui.table_model import header_role

__all__ = ["MAX_IN_PLACE", "MAX_SHARE", "FrozenColumnsView", "FrozenPart", "columns_to_freeze"]

#: Frozen in the workbook's order (with the columns left of them) up to this many columns.
MAX_IN_PLACE = 3
#: The frozen part is shown only while it takes at most this share of the grid's width.
MAX_SHARE = 0.6
#: When a workbook has no name column, the first of these it has is frozen.
STUDENT_COLUMN_ORDER: tuple[Role, ...] = (Role.SIS_USER_ID, Role.CANVAS_USER_ID, Role.CURRENT_LOGIN)
#: The line that marks the frozen part's right edge (its colour reads in either theme).
EDGE_STYLE = "QTableView#FrozenColumns {{ border: none; border-right: {width}px solid {color}; }}"
EDGE_WIDTH = 2


def columns_to_freeze(model: QAbstractItemModel, header: QHeaderView) -> tuple[list[int], bool]:
    """The model columns to freeze, in the order shown, and whether they must be moved
    to the front (they are not among the first :data:`MAX_IN_PLACE` columns)."""
    roles = {col: header_role(model, col) for col in range(model.columnCount())}
    wanted = [col for col, role in roles.items() if role in NAME_ROLES]
    if not wanted:
        by_role = {role: col for col, role in roles.items() if role is not None}
        wanted = [by_role[role] for role in STUDENT_COLUMN_ORDER if role in by_role][:1]
    if not wanted:
        return [], False
    last = max(header.visualIndex(col) for col in wanted)
    if last < MAX_IN_PLACE:
        return [header.logicalIndex(visual) for visual in range(last + 1)], False
    return sorted(wanted, key=header.visualIndex), True


class FrozenPart(QTableView):
    """The frozen columns' own view, lying over the grid's left edge."""

    def __init__(self, grid: FrozenColumnsView) -> None:
        super().__init__(grid)
        self._grid = grid
        self.setObjectName("FrozenColumns")
        self.setAccessibleName("Frozen name columns")
        edge = theme_colors.css_rgba(theme_colors.muted_text())
        self.setStyleSheet(EDGE_STYLE.format(width=EDGE_WIDTH, color=edge))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setFocusProxy(grid)
        self.verticalHeader().hide()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setStretchLastSection(False)
        self.viewport().installEventFilter(self)

    def edit(
        self,
        index: QModelIndex,
        trigger: QAbstractItemView.EditTrigger | None = None,
        event: QEvent | None = None,
    ) -> bool:
        """Frozen cells are edited here, where they are seen; any other cell (Tab out of
        an editor here moves on) in the grid."""
        if trigger is None:
            trigger = QAbstractItemView.EditTrigger.AllEditTriggers
        if index.isValid() and not self._grid.is_frozen(index.column()):
            return self._grid.edit(index, trigger, event)
        return super().edit(index, trigger, event)

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Tab out of an editor here moves on through the grid's columns.
        return self._grid.move_cursor(action, modifiers)

    def scrollTo(
        self,
        index: QModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        self._grid.scrollTo(index, hint)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self._grid.wheel(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A context menu asked for here is the grid's (gui.match_flow offers one)."""
        if watched is self.viewport() and event.type() == QEvent.Type.ContextMenu:
            assert isinstance(event, QContextMenuEvent)
            forwarded = QContextMenuEvent(
                event.reason(), event.pos(), event.globalPos(), event.modifiers()
            )
            QCoreApplication.sendEvent(self._grid.viewport(), forwarded)
            return True
        return super().eventFilter(watched, event)


class FrozenColumnsView(QTableView):
    """The grid: a table view whose name columns stay in view (see the module's words)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frozen: list[int] = []
        self._syncing = False
        self._syncing_scroll = False
        part = self.frozen_part = FrozenPart(self)
        part.hide()
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.sectionResized.connect(self._section_resized)
        header.sectionMoved.connect(self._section_moved)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        part.horizontalHeader().sectionResized.connect(self._frozen_section_resized)
        self.verticalHeader().sectionResized.connect(self._row_resized)
        self.verticalScrollBar().valueChanged.connect(self._grid_scrolled)
        part.verticalScrollBar().valueChanged.connect(self._part_scrolled)
        part.verticalScrollBar().rangeChanged.connect(self._part_range_changed)

    # ----- what is frozen ----------------------------------------------------------------
    @property
    def frozen_columns(self) -> list[int]:
        """The model columns frozen now (empty when the frozen part is not shown)."""
        return list(self._frozen) if self.frozen_part.isVisible() else []

    def is_frozen(self, column: int) -> bool:
        return column in self._frozen and self.frozen_part.isVisible()

    def views(self) -> list[QTableView]:
        """The grid and its frozen part (either may hold an open cell editor)."""
        return [self, self.frozen_part]

    def frozen_width(self) -> int:
        """Width of the grid's left edge the frozen part covers (0 when not shown)."""
        return self.frozen_part.viewport().width() if self.frozen_part.isVisible() else 0

    def refreeze(self) -> None:
        """Choose the frozen columns again and copy the grid's look to the frozen part."""
        if self._syncing:
            return
        model = self.model()
        if model is None:
            return
        self._syncing = True
        try:
            header = self.horizontalHeader()
            columns, move = columns_to_freeze(model, header)
            if move:
                for position, column in enumerate(columns):
                    header.moveSection(header.visualIndex(column), position)
            self._frozen = columns
            self._copy_look()
            self._copy_columns()
        finally:
            self._syncing = False
        self._place()

    def _copy_look(self) -> None:
        part = self.frozen_part
        part.setAlternatingRowColors(self.alternatingRowColors())
        part.setEditTriggers(self.editTriggers())
        part.setSelectionBehavior(self.selectionBehavior())
        part.setSelectionMode(self.selectionMode())
        part.setWordWrap(self.wordWrap())
        part.setTextElideMode(self.textElideMode())
        part.setShowGrid(self.showGrid())
        part.setSortingEnabled(self.isSortingEnabled())
        rows, part_rows = self.verticalHeader(), part.verticalHeader()
        fixed = QHeaderView.ResizeMode.Fixed
        part_rows.setSectionResizeMode(rows.sectionResizeMode(0) if rows.count() else fixed)
        part_rows.setDefaultSectionSize(rows.defaultSectionSize())
        head, part_head = self.horizontalHeader(), part.horizontalHeader()
        part_head.setDefaultAlignment(head.defaultAlignment())
        part_head.setHighlightSections(head.highlightSections())

    def _copy_columns(self) -> None:
        """The frozen part shows the frozen columns, in the grid's order and widths."""
        part, header = self.frozen_part, self.horizontalHeader()
        part_header = part.horizontalHeader()
        frozen = set(self._frozen)
        for column in range(header.count()):
            part.setColumnHidden(column, column not in frozen)
        for visual in range(header.count()):
            column = header.logicalIndex(visual)
            if part_header.visualIndex(column) != visual:
                part_header.moveSection(part_header.visualIndex(column), visual)
        for column in self._frozen:
            part.setColumnWidth(column, self.columnWidth(column))

    def _place(self) -> None:
        """Lay the frozen part over the grid's left edge (or hide it when too wide)."""
        part = self.frozen_part
        width = sum(self.columnWidth(c) for c in self._frozen if not self.isColumnHidden(c))
        room = self.viewport().width()
        if not self._frozen or width <= 0 or width > room * MAX_SHARE:
            part.hide()
            return
        header = self.horizontalHeader()
        header_height = header.height() if not header.isHidden() else 0
        part.horizontalHeader().setFixedHeight(header_height)
        part.horizontalHeader().setVisible(header_height > 0)
        vertical = self.verticalHeader()
        left = self.frameWidth() + (vertical.width() if not vertical.isHidden() else 0)
        part.setGeometry(
            left, self.frameWidth(), width + EDGE_WIDTH, self.viewport().height() + header_height
        )
        if part.isHidden():
            part.show()
        part.raise_()
        self._part_range_changed()

    # ----- keeping the two in step -------------------------------------------------------
    def setModel(self, model: QAbstractItemModel | None) -> None:
        previous = self.model()
        if previous is not None:
            for signal in self._model_signals(previous):
                signal.disconnect(self._model_changed)
            previous.headerDataChanged.disconnect(self._headers_changed)
            previous.modelReset.disconnect(self._model_reset)
        super().setModel(model)
        self.frozen_part.setModel(model)
        self.frozen_part.setSelectionModel(self.selectionModel())
        if model is not None:
            for signal in self._model_signals(model):
                signal.connect(self._model_changed)
            model.headerDataChanged.connect(self._headers_changed)
            model.modelReset.connect(self._model_reset)
        self.refreeze()

    @staticmethod
    def _model_signals(model: QAbstractItemModel) -> list:
        return [
            model.columnsInserted,
            model.columnsRemoved,
            model.columnsMoved,
            model.layoutChanged,
        ]

    def _model_changed(self, *_args: object) -> None:
        self.refreeze()

    def _model_reset(self) -> None:
        """Another table: from its left edge (a frozen cell made current does not scroll)."""
        self.horizontalScrollBar().setValue(0)
        self.refreeze()

    def _headers_changed(self, orientation: Qt.Orientation, *_sections: int) -> None:
        if orientation == Qt.Orientation.Horizontal:
            self.refreeze()

    def setSelectionModel(self, selection_model: QItemSelectionModel) -> None:
        super().setSelectionModel(selection_model)
        if selection_model.model() is self.frozen_part.model():
            self.frozen_part.setSelectionModel(selection_model)

    def setItemDelegate(self, delegate: QAbstractItemDelegate) -> None:
        """The frozen part gets a delegate of its own kind (views must not share one)."""
        super().setItemDelegate(delegate)
        self.frozen_part.setItemDelegate(type(delegate)(self.frozen_part))

    def setSortingEnabled(self, enable: bool) -> None:
        super().setSortingEnabled(enable)
        self.frozen_part.setSortingEnabled(enable)

    def _sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        self.frozen_part.horizontalHeader().setSortIndicator(column, order)

    def _section_resized(self, column: int, _old: int, new: int) -> None:
        if column in self._frozen:
            self.frozen_part.setColumnWidth(column, new)
            self._place()

    def _frozen_section_resized(self, column: int, _old: int, new: int) -> None:
        """Staff widen a frozen column by its header in the frozen part."""
        if not self._syncing and column in self._frozen and self.columnWidth(column) != new:
            self.setColumnWidth(column, new)

    def _section_moved(self, *_args: object) -> None:
        self.refreeze()

    def _row_resized(self, row: int, _old: int, new: int) -> None:
        self.frozen_part.setRowHeight(row, new)

    def _grid_scrolled(self, value: int) -> None:
        self._syncing_scroll = True
        try:
            self.frozen_part.verticalScrollBar().setValue(value)
        finally:
            self._syncing_scroll = False

    def _part_scrolled(self, value: int) -> None:
        if not self._syncing_scroll:
            self.verticalScrollBar().setValue(value)

    def _part_range_changed(self, *_args: object) -> None:
        """The frozen part laid out its rows again: back to the grid's position."""
        self._grid_scrolled(self.verticalScrollBar().value())

    # ----- the grid's behaviour with a frozen part ------------------------------------------
    def updateGeometries(self) -> None:
        super().updateGeometries()
        self._place()

    def scrollTo(
        self,
        index: QModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        """Never scroll right to show a frozen cell, nor leave a cell under the frozen part."""
        bar = self.horizontalScrollBar()
        if not index.isValid() or not self.frozen_part.isVisible():
            super().scrollTo(index, hint)
            return
        if index.column() in self._frozen:
            value = bar.value()
            super().scrollTo(index, hint)
            bar.setValue(value)
            return
        super().scrollTo(index, hint)
        covered = self.frozen_width() - self.visualRect(index).left()
        if covered > 0:
            bar.setValue(bar.value() - covered)

    def indexAt(self, point: QPoint) -> QModelIndex:
        """Under the frozen part, the frozen cell seen there."""
        if self.frozen_part.isVisible() and 0 <= point.x() < self.frozen_width():
            return self.frozen_part.indexAt(point)
        return super().indexAt(point)

    def edit(
        self,
        index: QModelIndex,
        trigger: QAbstractItemView.EditTrigger | None = None,
        event: QEvent | None = None,
    ) -> bool:
        """A frozen cell's editor opens in the frozen part (under it, it would be hidden)."""
        if trigger is None:
            trigger = QAbstractItemView.EditTrigger.AllEditTriggers
        if index.isValid() and self.is_frozen(index.column()):
            return self.frozen_part.edit(index, trigger, event)
        return super().edit(index, trigger, event)

    def move_cursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """The grid's next cell for a cursor move (the frozen part moves through it)."""
        return self.moveCursor(action, modifiers)

    def wheel(self, event: QWheelEvent) -> None:
        """The wheel turned over the frozen part scrolls the grid."""
        self.wheelEvent(event)

"""The Problems list: every finding in words; activating one jumps to its cell."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QListView,
    QVBoxLayout,
    QWidget,
)

from core.model import Finding
from gui import theme_colors
from gui.findings_map import list_changes
from gui.table_model import LoginsTableModel

FINDING_ROLE = Qt.ItemDataRole.UserRole + 20
#: More separate changes than this and the list is made again instead.
MAX_CHANGES = 50
#: Longer lists show one line per problem (all of it in the line's tooltip): a wrapped
#: line takes about 40 µs to lay out, for every line each time the list changes.
WRAPPED_LINES = 500


class ProblemsListModel(QAbstractListModel):
    """One line per finding: "Row 5, Password: too short" (built lazily by data()).

    New findings change only the lines that differ, so the list keeps its place (and
    the line staff chose) while they fix one problem after another."""

    def __init__(self, table_model: LoginsTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table_model = table_model
        self._findings: list[Finding] = []
        #: Each line's words, made when first shown.
        self._texts: list[str | None] = []
        table_model.findings_changed.connect(self.refresh)
        table_model.modelReset.connect(self.reset)

    def reset(self) -> None:
        """Make the list again (another table: the column names may differ)."""
        self.beginResetModel()
        self._findings = list(self._table_model.findings.findings)
        self._texts = [None] * len(self._findings)
        self.endResetModel()

    def refresh(self) -> None:
        new = self._table_model.findings.findings
        if not self._findings or not new:
            self.reset()
            return
        spans = list_changes(self._findings, new)
        if len(spans) > MAX_CHANGES:
            self.reset()
            return
        for start, removed, start_new, inserted in reversed(spans):
            if removed:
                self.beginRemoveRows(QModelIndex(), start, start + removed - 1)
                del self._findings[start : start + removed]
                del self._texts[start : start + removed]
                self.endRemoveRows()
            if inserted:
                self.beginInsertRows(QModelIndex(), start, start + inserted - 1)
                self._findings[start:start] = new[start_new : start_new + inserted]
                self._texts[start:start] = [None] * inserted
                self.endInsertRows()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._findings)

    def finding(self, row: int) -> Finding:
        return self._findings[row]

    def describe(self, finding: Finding) -> str:
        table = self._table_model.table
        sheet_row = table.rows[finding.row].sheet_row if table else finding.row + 1
        if finding.column is None:
            return f"Row {sheet_row}: {finding.message}"
        label = self._table_model.headerData(finding.column, Qt.Orientation.Horizontal)
        return f"Row {sheet_row}, {label}: {finding.message}"

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = index.row()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._texts[line]
            if text is None:
                text = self._texts[line] = self.describe(self._findings[line])
            return text
        if role == Qt.ItemDataRole.DecorationRole:
            return _severity_dot(self._findings[line].severity)
        if role == FINDING_ROLE:
            return self._findings[line]
        return None


_DOTS: dict[str, QIcon] = {}


def _severity_dot(severity: str) -> QIcon:
    """A small round marker in the severity's colour."""
    icon = _DOTS.get(severity)
    if icon is None:
        color = QColor(theme_colors.severity_tint(severity) or QColor("gray"))
        color.setAlpha(255)
        pixmap = QPixmap(24, 24)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(4, 4, 16, 16)
        painter.end()
        icon = QIcon(pixmap)
        _DOTS[severity] = icon
    return icon


class ProblemsDock(QDockWidget):
    """Dockable list of problems. ``jump_requested(table_row, column)`` on activation."""

    jump_requested = Signal(int, int)

    def __init__(self, table_model: LoginsTableModel, parent: QWidget | None = None) -> None:
        super().__init__("Problems", parent)
        self.setObjectName("ProblemsDock")
        self.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.list_model = ProblemsListModel(table_model, self)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        self.summary = QLabel(body)
        self.summary.setObjectName("ProblemsSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.view = QListView(body)
        self.view.setModel(self.list_model)
        self.view.setWordWrap(True)
        self.view.setIconSize(QSize(12, 12))
        self.view.setSpacing(1)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setAlternatingRowColors(True)
        self.view.setAccessibleName("Problems")
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        layout.addWidget(self.view)
        self.setWidget(body)
        table_model.findings_changed.connect(self._update_summary)
        self._table_model = table_model
        self._update_summary()
        for signal in (
            self.list_model.modelReset,
            self.list_model.rowsInserted,
            self.list_model.rowsRemoved,
        ):
            signal.connect(self._fit_lines)

    def _fit_lines(self) -> None:
        """Wrapped lines for a short list; one line each, all alike, for a long one."""
        long = self.list_model.rowCount() > WRAPPED_LINES
        if self.view.uniformItemSizes() != long:
            self.view.setWordWrap(not long)
            self.view.setUniformItemSizes(long)

    def _update_summary(self) -> None:
        fmap = self._table_model.findings
        if not len(fmap):
            self.summary.setText("No problems found.")
            self.setWindowTitle("Problems")
            return
        parts = []
        if fmap.errors:
            parts.append(f"{fmap.errors} to fix before sending")
        if fmap.warnings:
            parts.append(f"{fmap.warnings} worth a look")
        self.summary.setText(", ".join(parts) + ". Click one to go to its cell.")
        self.setWindowTitle(f"Problems ({len(fmap)})")

    def _activated(self, index: QModelIndex) -> None:
        finding = index.data(FINDING_ROLE)
        if finding is None:
            return
        self.jump_requested.emit(finding.row, finding.column if finding.column is not None else -1)

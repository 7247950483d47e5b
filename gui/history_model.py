"""Table models of the run history: the runs, and one run's rows.

Both are plain :class:`QAbstractTableModel` s over lists of
:class:`core.history.HistoryRun` / :class:`core.history.HistoryRow`, with a constant per
column and roles for what a view or a test needs beyond the shown text (the run or row
itself, a value to sort by). They need no widget, so tests read them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from core.history import ROW_COLUMNS as REPORT_ROW_COLUMNS
from core.plan import processed_at_text
from gui import theme_colors

if TYPE_CHECKING:
    from core.history import HistoryRow, HistoryRun

__all__ = [
    "ROW_COLUMNS",
    "ROW_ROLE",
    "RUN_COLUMNS",
    "RUN_ROLE",
    "SORT_ROLE",
    "RunRowsModel",
    "RunsModel",
    "method_words",
    "when_words",
]

RUN_ROLE = Qt.ItemDataRole.UserRole + 1
"""The :class:`~core.history.HistoryRun` of a runs-model row."""
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The :class:`~core.history.HistoryRow` of a rows-model row."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
"""A value that sorts as people expect (a sheet row as a number, times as ISO text)."""

#: The runs model's columns.
(
    RUN_WHEN,
    RUN_WHAT,
    RUN_WHO,
    RUN_CANVAS,
    RUN_WORKBOOK,
    RUN_SHEET,
    RUN_COUNTS,
    RUN_OUTCOME,
) = range(8)
RUN_COLUMNS = ("When", "What", "Who", "Canvas", "Workbook", "Sheet", "Rows", "Outcome")

#: The rows model's columns.
(
    ROW_SHEET_ROW,
    ROW_STUDENT,
    ROW_NAME,
    ROW_LOGIN,
    ROW_ACTION,
    ROW_STATUS,
    ROW_MESSAGE,
    ROW_LOGIN_ID,
    ROW_PROCESSED_AT,
) = range(9)
#: The CSV report's columns but its first (the run's number, which the dialog says above).
ROW_COLUMNS = REPORT_ROW_COLUMNS[1:]

_METHODS = {
    "api": "by the API",
    "sis-import": "by a SIS import",
    "undo": "",
    "offline": "on this computer only",
}

_Index = QModelIndex | QPersistentModelIndex


def method_words(run: HistoryRun) -> str:
    """How the run went to Canvas, in words ("by a SIS import"); "" when it goes without saying."""
    return _METHODS.get(run.method, run.method)


def when_words(stamp: str) -> str:
    """An ISO time as staff read it: local date and time to the minute (sorts as text too)."""
    return processed_at_text(stamp)[:16] if stamp else ""


def _duration_words(started: str, finished: str) -> str:
    try:
        seconds = int(
            (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
        )
    except (ValueError, TypeError):
        return ""
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _what(run: HistoryRun) -> str:
    how = method_words(run)
    return f"{run.what} {how}" if how else run.what


class _ListModel(QAbstractTableModel):
    """A flat table over a list of items, one model row each, with fixed column names."""

    columns: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Any] = []

    def _set_items(self, items: Sequence[Any]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def _item(self, row: int) -> Any:
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section]
        return None


class RunsModel(_ListModel):
    """One model row per run, newest first (as :meth:`core.history.RunHistory.runs` gives)."""

    columns = RUN_COLUMNS

    def set_runs(self, runs: Sequence[HistoryRun]) -> None:
        self._set_items(runs)

    @property
    def runs(self) -> list[HistoryRun]:
        return list(self._items)

    def run_at(self, row: int) -> HistoryRun | None:
        return self._item(row)

    def row_of(self, run_id: int) -> int:
        """The model row of run ``run_id``; -1 when it is not listed."""
        return next((row for row, run in enumerate(self._items) if run.id == run_id), -1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        run = self.run_at(index.row()) if index.isValid() else None
        if run is None:
            return None
        column = index.column()
        if role == RUN_ROLE:
            return run
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(run, column)
        if role == SORT_ROLE:
            return run.started if column == RUN_WHEN else self._text(run, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(run, column)
        return None

    @staticmethod
    def _text(run: HistoryRun, column: int) -> str:
        if column == RUN_WHEN:
            return when_words(run.started)
        if column == RUN_WHAT:
            return _what(run)
        if column == RUN_WHO:
            return run.who
        if column == RUN_CANVAS:
            return run.canvas or "—"
        if column == RUN_WORKBOOK:
            return run.workbook_name
        if column == RUN_SHEET:
            return run.sheet
        if column == RUN_COUNTS:
            return run.counts_words()
        if column == RUN_OUTCOME:
            return run.ended
        return ""

    @staticmethod
    def _tip(run: HistoryRun, column: int) -> str:
        if column == RUN_WHEN:
            took = _duration_words(run.started, run.finished) if run.finished else ""
            ended = f"\nFinished {processed_at_text(run.finished)} (took {took})" if took else ""
            return f"Started {processed_at_text(run.started)}{ended}"
        if column == RUN_CANVAS:
            if not run.canvas:
                return "Checked on this computer only: Canvas was not asked"
            return run.canvas_words
        if column == RUN_WORKBOOK:
            return run.workbook
        return RunsModel._text(run, column)


class RunRowsModel(_ListModel):
    """One model row per row of a run, by sheet row; the Status cell tinted as in the grid."""

    columns = ROW_COLUMNS

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self._set_items(rows)

    @property
    def rows(self) -> list[HistoryRow]:
        return list(self._items)

    def row_at(self, row: int) -> HistoryRow | None:
        return self._item(row)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, column)
        if role == SORT_ROLE:
            if column == ROW_SHEET_ROW:
                return row.sheet_row
            if column == ROW_PROCESSED_AT:
                return row.processed_at
            return self._text(row, column).casefold()
        if role == Qt.ItemDataRole.BackgroundRole and column == ROW_STATUS:
            return theme_colors.status_tint(row.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == ROW_SHEET_ROW:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(row: HistoryRow, column: int) -> str:
        values = {
            ROW_SHEET_ROW: str(row.sheet_row),
            ROW_STUDENT: row.student,
            ROW_NAME: row.name,
            ROW_LOGIN: row.login,
            ROW_ACTION: row.action,
            ROW_STATUS: row.status,
            ROW_MESSAGE: row.message,
            ROW_LOGIN_ID: row.login_id,
            ROW_PROCESSED_AT: processed_at_text(row.processed_at) if row.processed_at else "",
        }
        return values.get(column, "")

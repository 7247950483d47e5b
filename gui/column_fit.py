"""Fitting the grid's columns to their text, measured on a sample of rows.

Qt's own ``resizeColumnToContents`` asks the delegate for up to a thousand rows of every
column; after a run of 5,000 rows that took a tenth of a second on the GUI thread.
Here a column is as wide as the widest text among its header, the first rows (what
staff see first), rows spread over the rest, and the rows whose text is longest among
a wider spread sample, so fitting costs the same at 50 rows and at 50,000.
"""

from __future__ import annotations

import heapq

from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel
from PySide6.QtWidgets import QStyle, QTableView

from core.model import Role, Status, Table
from gui.table_model import header_role

__all__ = [
    "COLUMN_PADDING",
    "MAX_COLUMN_WIDTH",
    "MAX_MESSAGE_WIDTH",
    "MIN_COLUMN_WIDTH",
    "MIN_MESSAGE_WIDTH",
    "fit_columns",
    "rows_to_measure",
]

MAX_COLUMN_WIDTH = 280
MIN_COLUMN_WIDTH = 64
#: Message gets room to be read next to the frozen names at the default window size,
#: even before the results arrive (the whole message is the cell's tooltip).
MIN_MESSAGE_WIDTH = 260
MAX_MESSAGE_WIDTH = 500
#: Room beside a column's text (Qt measures the text only).
COLUMN_PADDING = 12
#: The rows measured: the first ones, and some spread over the rest...
FIT_FIRST_ROWS = 200
FIT_SPREAD_ROWS = 100
#: ... and the rows with the longest text among this many spread over the table.
FIT_LENGTH_SAMPLE = 1_000
FIT_LONGEST_ROWS = 5


def fit_columns(view: QTableView, columns: list[int] | None = None) -> None:
    """Size ``columns`` (default: all) of ``view`` to their text, within bounds: Status
    fits every status word and Message is wide enough to read."""
    model = view.model()
    if model is None:
        return
    header = view.horizontalHeader()
    metrics = view.fontMetrics()
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
    margin += 1 if view.showGrid() else 0
    shown = rows_to_measure(model.rowCount())
    wanted = range(model.columnCount()) if columns is None else columns
    for col in wanted:
        texts = [model.index(row, col).data() for row in shown]
        texts += _longest_texts(model, col)
        widest = max((metrics.horizontalAdvance(str(text)) for text in texts if text), default=0)
        width = max(header.sectionSizeHint(col), widest + margin) + COLUMN_PADDING
        low, high = _width_bounds(view, header_role(model, col))
        header.resizeSection(col, max(low, min(high, width)))


def rows_to_measure(count: int) -> list[int]:
    """The rows (of ``count``) a column is measured on: the first ones and some spread
    over the rest."""
    first = list(range(min(count, FIT_FIRST_ROWS)))
    if count <= FIT_FIRST_ROWS:
        return first
    step = (count - FIT_FIRST_ROWS) / FIT_SPREAD_ROWS
    return first + [FIT_FIRST_ROWS + int(i * step) for i in range(FIT_SPREAD_ROWS)]


def _longest_texts(model: QAbstractItemModel, column: int) -> list[object]:
    """What the rows with the longest text in ``column`` show (the text, or a masked
    password), among up to :data:`FIT_LENGTH_SAMPLE` rows spread over the table."""
    source = model.sourceModel() if isinstance(model, QSortFilterProxyModel) else model
    table = getattr(source, "table", None)
    if not isinstance(table, Table) or len(table.rows) <= FIT_FIRST_ROWS:
        return []
    rows = table.rows

    def length(row: int) -> int:
        cells = rows[row].cells
        return len(cells[column]) if column < len(cells) else 0

    step = max(1, len(rows) // FIT_LENGTH_SAMPLE)
    longest = heapq.nlargest(FIT_LONGEST_ROWS, range(0, len(rows), step), key=length)
    return [source.index(row, column).data() for row in longest]


def _width_bounds(view: QTableView, role: Role | None) -> tuple[int, int]:
    if role is Role.MESSAGE:
        return MIN_MESSAGE_WIDTH, MAX_MESSAGE_WIDTH
    if role is Role.STATUS:
        metrics = view.fontMetrics()
        words = max(metrics.horizontalAdvance(status.value) for status in Status)
        return words + 2 * COLUMN_PADDING, MAX_COLUMN_WIDTH
    return MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH

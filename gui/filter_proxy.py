"""Which rows the grid shows: all, problems, not done, done, one status; plus search.

The filter reads the core table directly (not through ``data()``), so filtering
10,000 rows is a plain loop over lists of strings.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel

from core.model import Role, Status
from gui.table_model import ROW_INDEX_ROLE, LoginsTableModel


class RowFilter(enum.StrEnum):
    ALL = "All rows"
    PROBLEMS = "Problems"
    NOT_DONE = "Not done"
    DONE = "Done"
    STATUS = "By status"


#: Statuses that count as a problem even when the rules found nothing.
PROBLEM_STATUSES = frozenset({Status.FAILED.value, Status.INVALID.value, Status.WOULD_FAIL.value})


class RowFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mode = RowFilter.ALL
        self._status = ""
        self._search = ""
        self._search_columns: list[int] | None = None

    # ----- wiring ----------------------------------------------------------------------
    def setSourceModel(self, model: LoginsTableModel) -> None:
        previous = self.sourceModel()
        if isinstance(previous, LoginsTableModel):
            previous.findings_changed.disconnect(self._findings_changed)
        super().setSourceModel(model)
        model.findings_changed.connect(self._findings_changed)

    def _findings_changed(self) -> None:
        if self._mode is RowFilter.PROBLEMS:
            self.refilter()

    def source(self) -> LoginsTableModel:
        model = self.sourceModel()
        assert isinstance(model, LoginsTableModel)
        return model

    def refilter(self) -> None:
        """Filter the rows again (after something the filter reads has changed)."""
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # Qt before 6.10
            self.invalidateRowsFilter()

    # ----- settings --------------------------------------------------------------------
    @property
    def mode(self) -> RowFilter:
        return self._mode

    @property
    def status(self) -> str:
        return self._status

    @property
    def search(self) -> str:
        return self._search

    def set_filter(self, mode: RowFilter, status: str = "") -> None:
        mode = RowFilter(mode)
        status = status.strip() if mode is RowFilter.STATUS else ""
        if (mode, status) == (self._mode, self._status):
            return
        self._mode, self._status = mode, status
        self.refilter()

    def set_search(self, text: str) -> None:
        text = text.strip().casefold()
        if text == self._search:
            return
        self._search = text
        self.refilter()

    def clear(self) -> None:
        self._mode, self._status, self._search = RowFilter.ALL, "", ""
        self.refilter()

    @property
    def is_filtered(self) -> bool:
        return self._mode is not RowFilter.ALL or bool(self._search)

    # ----- mapping helpers ---------------------------------------------------------------
    def table_row(self, proxy_row: int) -> int:
        return self.index(proxy_row, 0).data(ROW_INDEX_ROLE)

    def proxy_index_for(self, table_row: int, column: int) -> QModelIndex:
        """The proxy index of a table cell (invalid when the row is filtered out)."""
        return self.mapFromSource(self.source().index(table_row, column))

    # ----- the filter ------------------------------------------------------------------
    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        if self._mode is RowFilter.ALL and not self._search:
            # Asked for every row when a workbook opens: 20,000 rows must not wait on it.
            return True
        model = self.source()
        table = model.table
        if table is None:
            return False
        cells = table.rows[source_row].cells
        mode = self._mode
        if mode is not RowFilter.ALL:
            status_col = table.columns.get(Role.STATUS)
            status = cells[status_col].strip() if status_col is not None else ""
            if mode is RowFilter.DONE and not table.is_done(source_row):
                return False
            if mode is RowFilter.NOT_DONE and table.is_done(source_row):
                return False
            if mode is RowFilter.STATUS and status.casefold() != self._status.casefold():
                return False
            if (
                mode is RowFilter.PROBLEMS
                and model.findings.row_severity(source_row) is None
                and status not in PROBLEM_STATUSES
            ):
                return False
        if self._search:
            password_col = table.columns.get(Role.PASSWORD) if model.mask_passwords else None
            needle = self._search
            return any(
                needle in text.casefold()
                for col, text in enumerate(cells)
                if text and col != password_col
            ) or needle == str(table.rows[source_row].sheet_row)
        return True

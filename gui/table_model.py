"""The grid's model: a QAbstractTableModel over the core :class:`~core.model.Table`.

Everything a cell shows is found in O(1): findings are indexed per (row, column) in a
:class:`FindingsMap` when they change, never searched while painting. Results from a
run are written into the table at once (so a save always has them) but the views are
told in coalesced ``dataChanged`` spans, at most a few times a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QUndoStack

from core.edits import CellChange, apply_edits, replay
from core.model import (
    MIN_PASSWORD_LENGTH,
    OUTPUT_ROLES,
    Finding,
    Role,
    RowResult,
    Severity,
    Table,
)
from core.plan import apply_results as write_results
from gui import theme_colors
from gui.commands import EditCellsCommand
from gui.findings_map import FindingsMap

ROW_INDEX_ROLE = Qt.ItemDataRole.UserRole + 1
"""The table row index (int) behind a model index."""
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
"""The row's Status text."""
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 3
"""The worst finding severity of this cell (a Severity value) or None."""
ROW_SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 4
"""The worst finding severity anywhere in the row, or None."""
COLUMN_ROLE_ROLE = Qt.ItemDataRole.UserRole + 5
"""headerData(horizontal): the core Role of the column, or None for teachers' columns."""

PASSWORD_MASK = "\u2022" * 8
#: A masked password shorter than the minimum shows this after the dots (never its length).
SHORT_PASSWORD_MARK = "  \u26a0 too short"
#: Longest a run's row updates wait before the views hear about them.
RESULT_FLUSH_MS = 100
#: The most cells one dataChanged names. Qt's views work out which part of them a
#: change touches only up to about 200 cells, and repaint everything they show beyond.
CELLS_PER_CHANGE = 150

#: What a change of findings changes in a cell.
_FINDING_ROLES = [
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ToolTipRole,
    SEVERITY_ROLE,
    ROW_SEVERITY_ROLE,
]
#: More separate spans of changed rows than this are told as one span.
_MAX_SPANS = 64


def header_role(model: QAbstractItemModel, column: int) -> Role | None:
    """The core Role of a grid column, asked of any model over the grid's (through a
    proxy the role arrives as its text)."""
    value = model.headerData(column, Qt.Orientation.Horizontal, COLUMN_ROLE_ROLE)
    return Role(value) if value in Role._value2member_map_ else None


def short_password_words(min_length: int) -> str:
    """What the grid says of a password shorter than ``min_length`` (core.rules' words)."""
    return f"Password is shorter than {min_length} characters"


def _spans(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of neighbours; one run when there are many."""
    spans: list[tuple[int, int]] = []
    for row in rows:
        if spans and spans[-1][1] == row - 1:
            spans[-1] = (spans[-1][0], row)
        else:
            spans.append((row, row))
    if len(spans) > _MAX_SPANS:
        return [(spans[0][0], spans[-1][1])]
    return spans


class LoginsTableModel(QAbstractTableModel):
    """One model row per table row, one model column per table header."""

    #: Emitted after user edits (not results): list of CellChange. Used to re-check.
    cells_edited = Signal(list)
    #: Emitted when findings were replaced.
    findings_changed = Signal()
    #: Emitted when run results were written into the table (list of RowResult).
    results_applied = Signal(list)
    #: Emitted when columns were appended (output columns before a run).
    columns_added = Signal()

    def __init__(self, table: Table | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table: Table | None = table
        self._findings = FindingsMap()
        self._mask_passwords = True
        self._min_password_length = MIN_PASSWORD_LENGTH
        self._read_only = False
        self._column_roles: dict[int, Role] = {}
        self.undo_stack: QUndoStack | None = None
        self._edited_rows: set[int] = set()
        #: The table was set and no findings given since: every row needs checking.
        self._recheck_all = True
        #: Rows whose results the views have not been told about yet.
        self._pending_rows: set[int] = set()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(RESULT_FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush_results)
        self._refresh_column_roles()

    # ----- the table -------------------------------------------------------------------
    @property
    def table(self) -> Table | None:
        return self._table

    def set_table(self, table: Table | None) -> None:
        """Show another table (opening a workbook); findings are cleared."""
        self.beginResetModel()
        self._table = table
        self._findings = FindingsMap()
        self._edited_rows.clear()
        self._recheck_all = True
        self._pending_rows = set()
        self._refresh_column_roles()
        self.endResetModel()
        self.findings_changed.emit()

    def _refresh_column_roles(self) -> None:
        table = self._table
        self._column_roles = {col: role for role, col in table.columns.items()} if table else {}

    def column_role(self, column: int) -> Role | None:
        return self._column_roles.get(column)

    def column_for(self, role: Role) -> int | None:
        return self._table.columns.get(role) if self._table else None

    # ----- findings --------------------------------------------------------------------
    @property
    def findings(self) -> FindingsMap:
        return self._findings

    @property
    def findings_list(self) -> list[Finding]:
        """The findings last given to :meth:`set_findings` (read it, do not change it):
        what :func:`core.rules.recheck_rows` starts from."""
        return self._findings.findings

    def set_findings(self, findings: Iterable[Finding]) -> None:
        """Show these findings; only the rows whose findings changed are repainted."""
        self._findings = FindingsMap(findings, self._findings)
        self._recheck_all = False
        rows, cols = self.rowCount(), self.columnCount()
        if rows and cols:
            for first, last in _spans(sorted(r for r in self._findings.changed_rows if r < rows)):
                self.dataChanged.emit(
                    self.index(first, 0), self.index(last, cols - 1), _FINDING_ROLES
                )
                self.headerDataChanged.emit(Qt.Orientation.Vertical, first, last)
        self.findings_changed.emit()

    def take_edited_rows(self) -> set[int]:
        """The rows staff's edits changed (a cell, a paste, fill down, undo, redo) since
        the last call, forgotten now: the rows :func:`core.rules.recheck_rows` re-checks.

        Every row when the table was set (:meth:`set_table`: other columns, perhaps)
        and no findings were given since. A run's results are not edits: a full check
        follows a run."""
        if self._recheck_all:
            self._edited_rows.clear()
            return set(range(self.rowCount()))
        rows, self._edited_rows = self._edited_rows, set()
        return rows

    # ----- display options -------------------------------------------------------------
    @property
    def mask_passwords(self) -> bool:
        return self._mask_passwords

    @mask_passwords.setter
    def mask_passwords(self, masked: bool) -> None:
        if masked == self._mask_passwords:
            return
        self._mask_passwords = masked
        self._password_column_changed()

    @property
    def min_password_length(self) -> int:
        """The shortest password the connected Canvas takes (the rules check the same)."""
        return self._min_password_length

    @min_password_length.setter
    def min_password_length(self, length: int) -> None:
        if length == self._min_password_length:
            return
        self._min_password_length = length
        self._password_column_changed()

    def _password_column_changed(self) -> None:
        col = self.column_for(Role.PASSWORD)
        if col is not None and self.rowCount():
            self.dataChanged.emit(self.index(0, col), self.index(self.rowCount() - 1, col))

    def is_short_password(self, row: int, col: int) -> bool:
        """A filled Password cell shorter than the minimum."""
        if self._table is None or self._column_roles.get(col) is not Role.PASSWORD:
            return False
        text = self._table.rows[row].cells[col]
        return bool(text) and len(text) < self._min_password_length

    @property
    def read_only(self) -> bool:
        return self._read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self._read_only = value

    # ----- Qt model interface ----------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._table is None:
            return 0
        return len(self._table.headers)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._table is None:
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._table.rows[row].cells[col]
            if text and self._mask_passwords and self._column_roles.get(col) is Role.PASSWORD:
                short = self.is_short_password(row, col)
                return PASSWORD_MASK + SHORT_PASSWORD_MARK if short else PASSWORD_MASK
            return text
        if role == Qt.ItemDataRole.EditRole:
            return self._table.rows[row].cells[col]
        if role == Qt.ItemDataRole.BackgroundRole:
            severity = self._findings.severity(row, col)
            if severity is None and self.is_short_password(row, col):
                severity = Severity.ERROR
            if severity is not None:
                return theme_colors.severity_tint(severity)
            if self._column_roles.get(col) is Role.STATUS:
                return theme_colors.status_tint(self._table.rows[row].cells[col])
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._cell_tooltip(row, col)
        if role == SEVERITY_ROLE:
            return self._findings.severity(row, col)
        if role == ROW_SEVERITY_ROLE:
            return self._findings.row_severity(row)
        if role == ROW_INDEX_ROLE:
            return row
        if role == STATUS_ROLE:
            return self._table.status(row)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return self._cell_tooltip(row, col)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        table = self._table
        if table is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(table.headers):
                return None
            column_role = self._column_roles.get(section)
            if role == Qt.ItemDataRole.DisplayRole:
                if column_role is not None:
                    return column_role.value
                return table.headers[section] or f"Column {section + 1}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._column_tooltip(section, column_role)
            if role == Qt.ItemDataRole.FontRole and column_role is not None:
                font = QFont()
                font.setBold(True)
                return font
            if role == COLUMN_ROLE_ROLE:
                return column_role
            return None
        if not 0 <= section < len(table.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(table.rows[section].sheet_row)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._findings.row_tooltip(section)
            base = f"Row {table.rows[section].sheet_row} in the sheet"
            return f"{base}\n{tip}" if tip else base
        if role == Qt.ItemDataRole.BackgroundRole:
            return theme_colors.severity_marker(self._findings.row_severity(section))
        return None

    def _cell_tooltip(self, row: int, col: int) -> str | None:
        """The cell's findings; on Status and Message also the whole message (a long one
        does not fit the column); on a short password, why (never the password)."""
        table = self._table
        assert table is not None
        tips = [self._findings.cell_tooltip(row, col) or ""]
        column_role = self._column_roles.get(col)
        if column_role in (Role.STATUS, Role.MESSAGE):
            message_col = table.columns.get(Role.MESSAGE)
            if message_col is not None:
                tips.append(table.rows[row].cells[message_col].strip())
        elif self.is_short_password(row, col):
            words = short_password_words(self._min_password_length)
            if words not in tips[0]:
                tips.append(words)
        text = "\n".join(tip for tip in tips if tip)
        return text or None

    def _column_tooltip(self, section: int, column_role: Role | None) -> str:
        table = self._table
        assert table is not None
        header = table.headers[section]
        if table.appended_from is not None and section >= table.appended_from:
            return f"{header}: added by Canvas Logins; saved into the workbook"
        if column_role is None:
            return f"'{header}': the teachers' column, kept as it is"
        if header and header.strip() != column_role.value:
            return f"'{header}' in the workbook, used as {column_role.value}"
        return f"{column_role.value}"

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._read_only:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: QModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._read_only:
            return False
        text = "" if value is None else str(value)
        if text == self._table.rows[index.row()].cells[index.column()]:
            return False
        if self.undo_stack is not None:
            self.undo_stack.push(
                EditCellsCommand(self, [(index.row(), index.column(), text)], "Edit cell")
            )
        else:
            self.edit_cells([(index.row(), index.column(), text)])
        return True

    # ----- edits -----------------------------------------------------------------------
    def edit_cells(self, changes: Iterable[tuple[int, int, str]]) -> list[CellChange]:
        """Apply user edits by :func:`core.edits.apply_edits` (a done row edited loses its
        status); returns every cell changed, so the edit can be undone."""
        if self._table is None or self._read_only:
            return []
        applied = apply_edits(self._table, changes)
        self._announce(applied)
        return applied

    def restore_cells(self, changes: Sequence[CellChange], *, to_old: bool) -> None:
        """Put cells back (undo: ``to_old``) or forward (redo) exactly as recorded."""
        if self._table is None:
            return
        self._announce(replay(self._table, changes, to_old=to_old))

    def _announce(self, changes: Sequence[CellChange]) -> None:
        if not changes:
            return
        rows = [c.row for c in changes]
        self._edited_rows.update(rows)
        cols = [c.column for c in changes]
        self.dataChanged.emit(self.index(min(rows), min(cols)), self.index(max(rows), max(cols)))
        self.cells_edited.emit(list(changes))

    # ----- run results -----------------------------------------------------------------
    def ensure_output_columns(self) -> None:
        """Append the Status, Message, ... columns now, with the views told properly."""
        table = self._table
        if table is None:
            return
        missing = [role for role in OUTPUT_ROLES if role not in table.columns]
        if not missing:
            return
        first = len(table.headers)
        self.beginInsertColumns(QModelIndex(), first, first + len(missing) - 1)
        for role in missing:
            table.ensure_column(role)
        self._refresh_column_roles()
        self.endInsertColumns()
        self.columns_added.emit()

    def apply_results(self, results: Sequence[RowResult]) -> None:
        """Write run results into the table now; tell the views soon, row runs at once."""
        if self._table is None or not results:
            return
        self.ensure_output_columns()
        write_results(self._table, list(results))
        self._pending_rows.update(r.row for r in results)
        if not self._flush_timer.isActive():
            self._flush_timer.start()
        self.results_applied.emit(list(results))

    def flush_results(self) -> None:
        """Tell the views about every result applied since the last flush.

        One change per run of neighbouring rows, and none of more than
        :data:`CELLS_PER_CHANGE` cells: a view repaints all it shows for a bigger change,
        visible or not, and repainting the grid is most of what the window does in a run.
        """
        self._flush_timer.stop()
        rows, self._pending_rows = sorted(self._pending_rows), set()
        if not rows or self._table is None:
            return
        last_row, last_column = len(self._table.rows) - 1, len(self._table.headers) - 1
        step = max(1, CELLS_PER_CHANGE // (last_column + 1))
        for first, last in _runs(row for row in rows if row <= last_row):
            for top in range(first, last + 1, step):
                bottom = min(last, top + step - 1)
                self.dataChanged.emit(self.index(top, 0), self.index(bottom, last_column))

    @property
    def has_pending_results(self) -> bool:
        return bool(self._pending_rows)

    # ----- summaries -------------------------------------------------------------------
    def statuses_present(self) -> list[str]:
        """Distinct non-blank Status words in the table, in first-seen order."""
        table = self._table
        col = table.columns.get(Role.STATUS) if table else None
        if table is None or col is None:
            return []
        seen = dict.fromkeys(map(str.strip, [row.cells[col] for row in table.rows]))
        seen.pop("", None)
        return list(seen)


def _runs(rows: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Sorted rows as (first, last) runs of neighbours: 1, 2, 3, 7 -> (1, 3), (7, 7)."""
    first = last = None
    for row in rows:
        if last is not None and row == last + 1:
            last = row
            continue
        if first is not None and last is not None:
            yield first, last
        first = last = row
    if first is not None and last is not None:
        yield first, last

"""File → "Run history…": every run, check and undo on this computer, and one run's rows.

The runs come from the journal through :class:`core.history.RunHistory`, newest first
(only the open workbook's when "This workbook only" is ticked); choosing a run shows
its rows below. Both lists can be saved as a CSV report that opens in Excel
(:func:`core.history.write_runs_csv`, :func:`core.history.write_rows_csv`). Reading the
journal runs on a worker (:func:`gui.worker.wait_for`), so a big run's rows never freeze
the window. The dialog is not modal: staff may keep it open beside the grid, and
:func:`open_run_history` brings the open one forward instead of opening a second.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.history import HistoryRow, HistoryRun, RunHistory, write_rows_csv, write_runs_csv
from core.journal import Journal
from core.words import plural
from core.workbook import WorkbookError
from gui import settings
from gui.column_fit import fit_columns
from gui.history_model import (
    ROW_SHEET_ROW,
    SORT_ROLE,
    RunRowsModel,
    RunsModel,
    method_words,
    when_words,
)
from gui.worker import wait_for

log = logging.getLogger(__name__)

__all__ = ["RUNS_SHOWN", "AskReportPath", "HistoryDialog", "open_run_history"]

#: The most runs listed (the newest); the command line lists them all.
RUNS_SHOWN = 1_000

#: Asks where to save a CSV report: (window title, suggested path) -> path or None.
AskReportPath = Callable[[str, Path], "str | None"]


def _table_view(parent: QWidget, name: str) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view


class HistoryDialog(QDialog):
    """The runs above, the chosen run's rows below, and the two CSV exports."""

    def __init__(
        self,
        parent: QWidget | None,
        journal: Journal,
        workbook: str | Path | None,
        ask_report_path: AskReportPath,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryDialog")
        self.setWindowTitle("Run history")
        self.history = RunHistory(journal)
        self.ask_report_path = ask_report_path
        self.workbook: Path | None = Path(workbook) if workbook else None
        self.runs_model = RunsModel(self)
        self.rows_model = RunRowsModel(self)
        self.rows_proxy = QSortFilterProxyModel(self)
        self.rows_proxy.setSourceModel(self.rows_model)
        self.rows_proxy.setSortRole(SORT_ROLE)
        self._build()
        self.set_workbook(self.workbook)
        self.resize(1100, 680)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(8)
        top = QHBoxLayout()
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        top.addWidget(self.intro, 1)
        self.this_workbook = QCheckBox("This workbook only", self)
        self.this_workbook.setObjectName("ThisWorkbookOnly")
        self.this_workbook.toggled.connect(lambda _on: self.refresh())
        top.addWidget(self.this_workbook)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Read the history again (a run may have finished since)")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        top.addWidget(self.refresh_button)
        layout.addLayout(top)

        self.runs_view = _table_view(self, "Runs")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.selectionModel().selectionChanged.connect(self._run_chosen)
        self.runs_view.doubleClicked.connect(lambda _index: self.rows_view.setFocus())
        below = QWidget(self)
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 6, 0, 0)
        below_layout.setSpacing(6)
        self.run_title = QLabel(below)
        self.run_title.setObjectName("RunTitle")
        self.run_title.setWordWrap(True)
        self.run_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.run_title.font()
        font.setBold(True)
        self.run_title.setFont(font)
        below_layout.addWidget(self.run_title)
        self.rows_view = _table_view(below, "Rows of the run")
        self.rows_view.setModel(self.rows_proxy)
        self.rows_view.setSortingEnabled(True)
        self.rows_view.sortByColumn(ROW_SHEET_ROW, Qt.SortOrder.AscendingOrder)
        below_layout.addWidget(self.rows_view, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.runs_view)
        self.splitter.addWidget(below)
        self.splitter.setSizes([260, 360])
        layout.addWidget(self.splitter, 1)

        self.notice = QLabel(self)
        self.notice.setObjectName("HistoryNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        layout.addWidget(self.notice)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.export_list_button = self.buttons.addButton("Export list as CSV…", role)
        self.export_list_button.setToolTip("Save the runs listed above as a CSV report for Excel")
        self.export_list_button.clicked.connect(lambda: self.export_list())
        self.export_run_button = self.buttons.addButton("Export this run as CSV…", role)
        self.export_run_button.setToolTip("Save the chosen run's rows as a CSV report for Excel")
        self.export_run_button.clicked.connect(lambda: self.export_run())
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    # ----- what is shown ---------------------------------------------------------------
    def set_workbook(self, workbook: str | Path | None) -> None:
        """Offer "This workbook only" for ``workbook`` (ticked), or list every run."""
        self.workbook = Path(workbook) if workbook else None
        self.this_workbook.blockSignals(True)
        self.this_workbook.setVisible(self.workbook is not None)
        self.this_workbook.setChecked(self.workbook is not None)
        if self.workbook is not None:
            self.this_workbook.setText(f"Only '{self.workbook.name}'")
            self.this_workbook.setToolTip(f"Only the runs on {self.workbook}")
        self.this_workbook.blockSignals(False)
        self.refresh()

    @property
    def only_this_workbook(self) -> bool:
        return self.workbook is not None and self.this_workbook.isChecked()

    def refresh(self) -> list[HistoryRun]:
        """Read the runs again, keeping the chosen run chosen when it is still listed."""
        chosen = self.chosen_run()
        workbook = self.workbook if self.only_this_workbook else None
        runs = self._read(
            lambda: self.history.runs(workbook, limit=RUNS_SHOWN), "the list of runs", []
        )
        self.runs_model.set_runs(runs)
        self._say_what_is_listed(runs)
        fit_columns(self.runs_view)
        row = self.runs_model.row_of(chosen.id) if chosen is not None else -1
        self.choose_row(row if row >= 0 else 0)
        if not runs:
            self._show_run(None)
        self.export_list_button.setEnabled(bool(runs))
        return runs

    def _say_what_is_listed(self, runs: list[HistoryRun]) -> None:
        where = (
            f"on '{self.workbook.name}'" if self.only_this_workbook and self.workbook else "here"
        )
        if not runs:
            self.intro.setText(
                f"No run, check or undo {where} yet. Each one is listed here once it starts."
            )
            return
        newest = f"the newest {RUNS_SHOWN}" if len(runs) >= RUNS_SHOWN else plural(len(runs), "run")
        self.intro.setText(
            f"Every run, check and undo {where}, newest first ({newest}). Choose one to see "
            "its rows."
        )

    def choose_row(self, row: int) -> None:
        """Choose the run in model row ``row`` (its rows show below)."""
        if 0 <= row < self.runs_model.rowCount():
            self.runs_view.selectRow(row)
            self.runs_view.scrollTo(self.runs_model.index(row, 0))

    def choose_run(self, run_id: int) -> bool:
        """Choose run ``run_id``; False when it is not listed."""
        row = self.runs_model.row_of(run_id)
        self.choose_row(row)
        return row >= 0

    def chosen_run(self) -> HistoryRun | None:
        rows = self.runs_view.selectionModel().selectedRows()
        return self.runs_model.run_at(rows[0].row()) if rows else None

    def _run_chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_run(self.chosen_run())

    def _show_run(self, run: HistoryRun | None) -> None:
        self.export_run_button.setEnabled(run is not None)
        if run is None:
            self.run_title.setText("")
            self.rows_model.set_rows([])
            return
        rows = self._read(lambda: self.history.rows(run.id), "the rows of this run", [])
        self.rows_model.set_rows(rows)
        fit_columns(self.rows_view)
        self.run_title.setText(self.run_words(run, len(rows)))

    @staticmethod
    def run_words(run: HistoryRun, rows: int) -> str:
        """ "Run by the API of 'Class 2B.xlsx', sheet 'Students', 2025-06-03 14:05 by ava
        on OFFICE-PC: 3 created, 1 failed. Finished." """
        how = method_words(run)
        who = f" by {run.user}" if run.user else ""
        where = f" on {run.computer}" if run.computer else ""
        counts = run.counts_words() if rows else "no rows"
        return (
            f"{run.what}{' ' + how if how else ''} of '{run.workbook_name}', sheet "
            f"'{run.sheet}', {when_words(run.started)}{who}{where}: {counts}. "
            f"{run.ended}."
        )

    def _read(self, read: Callable[[], Any], what: str, default: Any) -> Any:
        """``read()`` on a worker; on a failure, says so and gives ``default``."""
        try:
            found = wait_for(lambda _progress, _cancel: read())
        except (sqlite3.Error, OSError) as exc:
            log.warning("history: %s could not be read: %s", what, exc)
            self.say(f"Could not read {what} from the journal ({exc}).")
            return default
        return found

    def say(self, text: str) -> None:
        """A line above the buttons: what an export did, or what went wrong."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # ----- exports ---------------------------------------------------------------------
    def _report_folder(self) -> Path:
        if self.workbook is not None:
            return self.workbook.parent
        return Path(settings.LAST_FOLDER.get() or Path.home())

    def export_list(self) -> Path | None:
        """Save the runs listed as a CSV report; the path written, or None."""
        runs = self.runs_model.runs
        if not runs:
            return None
        stem = f"{self.workbook.stem} " if self.only_this_workbook and self.workbook else ""
        suggested = self._report_folder() / f"{stem}run history {date.today().isoformat()}.csv"
        return self._export(
            "Save the run history as", suggested, lambda path: write_runs_csv(runs, path)
        )

    def export_run(self) -> Path | None:
        """Save the chosen run's rows as a CSV report; the path written, or None."""
        run = self.chosen_run()
        if run is None:
            return None
        rows: list[HistoryRow] = self.rows_model.rows
        stamp = when_words(run.started)[:10]
        name = f"{Path(run.workbook_name).stem} {run.what.lower()} {run.id} {stamp}.csv"
        return self._export(
            "Save this run as",
            self._report_folder() / name,
            lambda path: write_rows_csv(run, rows, path),
        )

    def _export(self, title: str, suggested: Path, write: Callable[[Path], Path]) -> Path | None:
        answer = self.ask_report_path(title, suggested)
        if not answer:
            return None
        target = Path(answer)
        if target.suffix.lower() != ".csv":
            target = target.with_name(target.name + ".csv")
        try:
            written = write(target)
        except WorkbookError as exc:  # read-only, locked by Excel, a folder not writable
            self.say(exc.message)
            return None
        self.say(f"Saved '{written.name}' in {written.parent}. It opens in Excel.")
        return written


def open_run_history(
    parent: QWidget, journal: Journal, workbook: str | Path | None, ask_report_path: AskReportPath
) -> HistoryDialog:
    """Show the run history beside ``parent``: the one already open (read again, for
    ``workbook``), or a new one."""
    dialog = parent.findChild(HistoryDialog, options=Qt.FindChildOption.FindDirectChildrenOnly)
    if dialog is None:
        dialog = HistoryDialog(parent, journal, workbook, ask_report_path)
    else:
        dialog.set_workbook(workbook)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog

"""The main window: the grid of rows, the four steps (Open → Check → Run → Save).

Opening and saving live in :mod:`gui.document_flow`, checking and running in
:mod:`gui.run_flow`, actions and menus in :mod:`gui.main_actions`. Questions to the
user go through the replaceable ``ask_*`` / ``confirm`` / ``show_*`` attributes, so
tests (and the self-test) can answer them without dialogs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QMainWindow,
    QWidget,
)

from core import APP_NAME
from core.model import Role
from core.paths import resource_path
from core.rules import check_table
from gui import document_flow, main_actions, main_layout, settings, sis_dialogs
from gui.filter_proxy import RowFilter, RowFilterProxy
from gui.mapping_dialog import ask_mapping
from gui.problems import ProblemsDock
from gui.run_dialogs import show_summary
from gui.run_flow import RunFlow
from gui.table_model import LoginsTableModel

log = logging.getLogger(__name__)


def _default_ask_connect(parent: QWidget) -> Any:
    from gui.connect_dialog import ConnectDialog

    dialog = ConnectDialog(parent, store=getattr(parent, "store", None))
    if not dialog.exec():
        return None
    return dialog.connection()


class MainWindow(QMainWindow):
    run_finished = Signal(object)  # core.run.engine.RunSummary (None when the run failed)
    check_finished = Signal(object)  # the dry run's RunSummary (None when it failed)
    saved = Signal(str)  # the path saved to

    def __init__(self, store: Any = None, journal: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        if journal is None:
            from core.journal import Journal

            journal = Journal()
        self.store = store
        self.journal = journal
        self._doc: Any = None
        self._connection: Any = None
        self._results_unsaved = False
        # Seams: replace in tests to answer without dialogs.
        self.confirm = sis_dialogs.confirm_run_with_method
        self.show_summary = show_summary
        self.choose_sheet = document_flow.default_choose_sheet
        self.choose_mapping = ask_mapping
        self.ask_restore = document_flow.default_ask_restore
        self.ask_locked = document_flow.default_ask_locked
        self.ask_save_path = document_flow.default_ask_save_path
        self.ask_open_path = document_flow.default_ask_open_path
        self.ask_unsaved = document_flow.default_ask_unsaved
        self.ask_connect = _default_ask_connect
        self.show_error = document_flow.default_show_error
        self.show_info = document_flow.default_show_info

        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QIcon(str(resource_path("icon.png"))))
        self.setAcceptDrops(True)
        self.resize(1180, 720)

        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._model = LoginsTableModel(parent=self)
        self._model.undo_stack = self.undo_stack
        self._model.mask_passwords = settings.MASK_PASSWORDS.get() is not False
        self._proxy = RowFilterProxy(self)
        self._proxy.setSourceModel(self._model)
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(0)
        self._recheck_timer.timeout.connect(self.check_offline)
        self._model.cells_edited.connect(self._schedule_recheck)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(50)
        self._counts_timer.timeout.connect(self._update_counts)
        for signal in (
            self._proxy.rowsInserted,
            self._proxy.rowsRemoved,
            self._proxy.modelReset,
            self._proxy.layoutChanged,
            self._model.dataChanged,
            self._model.findings_changed,
        ):
            signal.connect(self._schedule_counts)

        self._build_body()
        self.actions_ = main_actions.build_actions(self)
        main_actions.build_menus(self, self.actions_)
        self.toolbar = main_actions.build_toolbar(self, self.actions_)
        self._build_status_bar()
        self.problems_dock = ProblemsDock(self._model, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.problems_dock)
        self.problems_dock.jump_requested.connect(self.jump_to_cell)
        self.actions_.show_problems.toggled.connect(self.problems_dock.setVisible)
        self.problems_dock.visibilityChanged.connect(self._problems_visibility)
        self.resizeDocks([self.problems_dock], [300], Qt.Orientation.Horizontal)
        self.actions_.show_passwords.setChecked(not self._model.mask_passwords)
        self.run_flow = RunFlow(self)
        sis_dialogs.install_sis_actions(self)
        self.problems_dock.hide()
        # A saved window state decides whether the Problems list shows; on a first start
        # it opens by itself when a workbook has problems.
        self.show_problems_when_found = not settings.restore_window(self)
        self.refresh_recent_files()
        self._show_connection()
        self.run_state_changed()
        self._update_title()

    def _clean_changed(self, _clean: bool) -> None:
        self._update_title()

    def _schedule_recheck(self, *_changes: object) -> None:
        self._recheck_timer.start()

    def _schedule_counts(self, *_args: object) -> None:
        self._counts_timer.start()

    # ----- layout ----------------------------------------------------------------------
    def _build_body(self) -> None:
        main_layout.build_body(self)

    def _build_status_bar(self) -> None:
        main_layout.build_status_bar(self)

    # ----- public properties -----------------------------------------------------------
    @property
    def table_model(self) -> LoginsTableModel:
        return self._model

    @property
    def proxy(self) -> RowFilterProxy:
        return self._proxy

    @property
    def doc(self) -> Any:
        return self._doc

    @property
    def connection(self) -> Any:
        return self._connection

    @property
    def is_running(self) -> bool:
        return self.run_flow.is_running

    @property
    def is_modified(self) -> bool:
        return self._doc is not None and (self._results_unsaved or not self.undo_stack.isClean())

    def unsaved_words(self) -> str:
        if self._results_unsaved and not self.undo_stack.isClean():
            return "results and edits"
        return "results" if self._results_unsaved else "edits"

    # ----- open / save / close ---------------------------------------------------------
    def open_file(self, path: str | Path, sheet: str | None = None) -> bool:
        return document_flow.open_document(self, path, sheet)

    def choose_and_open(self) -> bool:
        path = self.ask_open_path(self)
        return bool(path) and self.open_file(path)

    def open_demo(self) -> bool:
        """Open a fresh copy of the demo workbook; connect to the practice sandbox."""
        if not document_flow.confirm_discard(self):
            return False
        from gui.first_start import demo_workbook_copy

        try:
            copy = demo_workbook_copy()
        except OSError as exc:
            self.show_error(self, "Cannot open the demo", f"The demo could not be copied ({exc}).")
            return False
        self._results_unsaved = False
        self.undo_stack.setClean()
        if not self.open_file(copy):
            return False
        if self._connection is None:
            try:
                from gui.connection import start_sandbox_connection

                self.set_connection(start_sandbox_connection())
            except Exception:
                log.exception("practice sandbox did not start")
                self.statusBar().showMessage("The practice sandbox did not start.", 10_000)
        return True

    def load_document(self, doc: Any) -> None:
        """Show an opened workbook (document_flow calls this)."""
        self._doc = doc
        self._results_unsaved = False
        self.undo_stack.clear()
        self._proxy.clear()
        self.search_box.clear()
        self._sync_filter_controls()
        self._model.set_table(doc.table)
        self.check_offline()
        self.pages.setCurrentIndex(1)
        self._fit_columns()
        if self._proxy.rowCount():
            self.view.setCurrentIndex(self._proxy.index(0, 0))
        self.view.setFocus()
        self._update_title()
        self.run_state_changed()
        rows = len(doc.table.rows)
        self.statusBar().showMessage(
            f"Opened '{doc.path.name}', sheet '{doc.sheet}': {rows} row{'s' if rows != 1 else ''}.",
            8_000,
        )

    def save(self) -> bool:
        self.commit_pending_edit()
        return document_flow.save_document(self)

    def save_as(self, path: str | Path) -> bool:
        self.commit_pending_edit()
        return document_flow.save_document(self, path)

    def choose_and_save_as(self) -> bool:
        if self._doc is None:
            return False
        path = self.ask_save_path(self, self._doc.path)
        return bool(path) and self.save_as(path)

    def document_saved(self, path: Path) -> None:
        self._results_unsaved = False
        self.undo_stack.setClean()
        self._update_title()
        self.statusBar().showMessage(f"Saved into '{path.name}'.", 8_000)
        self.saved.emit(str(path))

    def mark_results_unsaved(self) -> None:
        if not self._results_unsaved:
            self._results_unsaved = True
            self._update_title()

    def close_document(self) -> bool:
        if self._doc is None or self.is_running:
            return False
        if not document_flow.confirm_discard(self):
            return False
        self._doc = None
        self._results_unsaved = False
        self.undo_stack.clear()
        self._model.set_table(None)
        self.pages.setCurrentIndex(0)
        self._update_title()
        self.run_state_changed()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_running:
            self.show_info(
                self,
                "A run is in progress",
                "Stop the run first (Stop, or the Esc key). Every result so far is kept.",
            )
            event.ignore()
            return
        if not document_flow.confirm_discard(self):
            event.ignore()
            return
        settings.save_window(self)
        event.accept()

    def refresh_recent_files(self) -> None:
        main_layout.refresh_recent_files(self)

    # ----- drag and drop ---------------------------------------------------------------
    def _dropped_path(self, event: QDragEnterEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and document_flow.is_workbook_path(url.toLocalFile()):
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.is_running and self._dropped_path(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_path(event)
        if path is None or self.is_running:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, self, lambda: self.open_file(path))

    # ----- connection ------------------------------------------------------------------
    def set_connection(self, connection: Any) -> None:
        previous = self._connection
        self._connection = connection
        if previous is not None and previous is not connection:
            try:
                previous.close()  # idempotent: ends its HTTP session, stops a private sandbox
            except Exception:
                log.exception("previous connection did not close")
        self._show_connection()
        if self._doc is not None:
            self.check_offline()
        self.run_state_changed()

    def connect_to_canvas(self) -> bool:
        connection = self.ask_connect(self)
        if connection is None:
            return False
        self.set_connection(connection)
        return True

    def _show_connection(self) -> None:
        main_layout.show_connection(self)

    # ----- checking and running --------------------------------------------------------
    def check_offline(self) -> list:
        """Check every row against the rules now; the grid shows what was found."""
        self._recheck_timer.stop()
        if self._doc is None:
            return []
        min_length = 8
        profile = getattr(self._connection, "profile", None)
        if profile is not None:
            min_length = int(getattr(profile, "min_password_length", 8) or 8)
        provider_types = getattr(self._connection, "provider_types", None) or None
        findings = check_table(
            self._doc.table, min_password_length=min_length, provider_types=provider_types
        )
        self._model.set_findings(findings)
        return findings

    def check_with_canvas(self) -> bool:
        return self.run_flow.start(dry_run=True)

    def run_changes(self, confirm: bool = True) -> bool:
        return self.run_flow.start(dry_run=False, confirm=confirm)

    def stop_run(self) -> None:
        self.run_flow.stop()

    def run_state_changed(self) -> None:
        running = self.is_running
        has_doc = self._doc is not None
        a = self.actions_
        for action in (a.check, a.run):
            action.setEnabled(has_doc and not running)
        a.stop.setEnabled(running)
        for action in (a.save, a.save_as, a.close, a.paste, a.fill_down):
            action.setEnabled(has_doc and not running)
        a.open.setEnabled(not running)
        a.open_demo.setEnabled(not running)
        a.connect.setEnabled(not running)
        a.undo.setEnabled(not running and self.undo_stack.canUndo())
        a.redo.setEnabled(not running and self.undo_stack.canRedo())

    def commit_pending_edit(self) -> None:
        """Finish an edit still open in a cell editor, so it is not lost."""
        if self.view.state() != QAbstractItemView.State.EditingState:
            return
        for editor in self.view.viewport().findChildren(QWidget):
            if editor.parent() is self.view.viewport() and editor.isVisible():
                self.view.commitData(editor)
                self.view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    # ----- grid edits ------------------------------------------------------------------
    def copy_selection(self) -> str:
        return main_actions.copy_selection(self)

    def paste(self) -> int:
        from PySide6.QtGui import QGuiApplication

        return main_actions.paste_text(self, QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> int:
        return main_actions.paste_text(self, text)

    def fill_down(self) -> int:
        return main_actions.fill_down(self)

    def set_passwords_visible(self, visible: bool) -> None:
        self._model.mask_passwords = not visible
        settings.MASK_PASSWORDS.set(not visible)
        password_col = self._model.column_for(Role.PASSWORD)
        if password_col is not None:
            main_layout.fit_columns(self, [password_col])
        if self._proxy.search:
            self._proxy.refilter()

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def select_cell(self, table_row: int, column: int, *, extend_to: tuple[int, int] | None = None):
        """Make a table cell current (tests and the problems list use this)."""
        index = self._proxy.proxy_index_for(table_row, max(column, 0))
        if not index.isValid():
            return index
        selection = self.view.selectionModel()
        self.view.setCurrentIndex(index)
        if extend_to is not None:
            from PySide6.QtCore import QItemSelection

            end = self._proxy.proxy_index_for(*extend_to)
            selection.select(
                QItemSelection(index, end), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        return index

    def jump_to_cell(self, table_row: int, column: int) -> None:
        index = self._proxy.proxy_index_for(table_row, max(column, 0))
        if not index.isValid():
            self.set_row_filter(RowFilter.ALL)
            self.search_box.clear()
            index = self._proxy.proxy_index_for(table_row, max(column, 0))
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setFocus()

    # ----- filters ---------------------------------------------------------------------
    def set_row_filter(self, mode: RowFilter, status: str = "") -> None:
        self._proxy.set_filter(mode, status)
        self._sync_filter_controls()

    def _status_filter_chosen(self, index: int) -> None:
        main_layout.status_filter_chosen(self, index)

    def _sync_filter_controls(self) -> None:
        main_layout.sync_filter_controls(self)

    def _update_counts(self) -> None:
        main_layout.update_counts(self)

    def _problems_visibility(self, visible: bool) -> None:
        self.actions_.show_problems.blockSignals(True)
        self.actions_.show_problems.setChecked(visible)
        self.actions_.show_problems.blockSignals(False)

    def _fit_columns(self) -> None:
        main_layout.fit_columns(self)

    def fit_output_columns(self) -> None:
        main_layout.fit_output_columns(self)

    def _update_title(self) -> None:
        if self._doc is None:
            self.setWindowTitle(APP_NAME)
            self.setWindowModified(False)
            return
        self.setWindowTitle(f"{self._doc.path.name} [*] — {APP_NAME}")
        self.setWindowModified(self.is_modified)

    # ----- help --------------------------------------------------------------------
    def show_about_box(self) -> None:
        from gui.about import show_about

        show_about(self)

    def open_log_folder(self) -> None:
        from gui.about import open_log_folder

        open_log_folder()

    def show_token_help(self) -> None:
        from gui.connect_dialog import show_token_help

        show_token_help(self)

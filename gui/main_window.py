"""The main window: the grid of rows, the four steps (Open → Check → Run → Save).

The window owns its parts and wires them together: the widgets (:mod:`gui.main_layout`
builds them and hands them back), the one action registry with its menus and toolbar
(:mod:`gui.main_actions`), the grid's edits (:mod:`gui.grid_edits`), and the flows
that open and save (:mod:`gui.document_flow`), run (:mod:`gui.run_flow`) and undo
(:mod:`gui.undo_flow`) the open workbook's :class:`core.workflow.Workflow`. The flows
see the window only as :class:`gui.window_parts.WindowParts`. Every question to staff
goes through ``prompts`` (:class:`gui.prompts.Prompts`), which tests replace.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QUndoStack
from PySide6.QtWidgets import QMainWindow, QWidget

from core import APP_NAME
from core.journal import Journal
from core.model import Finding, Role
from core.paths import resource_path
from core.words import plural
from gui import document_flow, gc_guard, main_actions, main_layout, roster_flow, settings
from gui.background import WindowWork
from gui.filter_proxy import RowFilter, RowFilterProxy
from gui.grid_edits import GridEdits
from gui.kit_flow import KitFlow
from gui.main_layout import EMPTY_PAGE, GRID_PAGE
from gui.match_flow import MatchFlow
from gui.offline_check import OfflineCheck
from gui.problems import ProblemsDock
from gui.prompts import Prompts
from gui.run_flow import RunFlow
from gui.sis_export_dialog import ExportSisDialog, export_logins_csv_dialog
from gui.table_model import LoginsTableModel
from gui.undo_flow import UndoFlow

if TYPE_CHECKING:
    from core.connection import Connection
    from core.id_padding import PaddingFix
    from core.profiles import ProfileStore
    from core.workbook import WorkbookDoc
    from core.workflow import RunRequest, Workflow
    from gui.cards_dialog import CardsDialog
    from gui.generate_dialog import GenerateDialog
    from gui.history_dialog import HistoryDialog
    from gui.roster_dialog import ClassPicker

log = logging.getLogger(__name__)

__all__ = ["MainWindow"]


class MainWindow(QMainWindow):
    run_finished = Signal(object)  # core.run.engine.RunSummary (None when the run failed)
    check_finished = Signal(object)  # the dry run's RunSummary (None when it failed)
    saved = Signal(str)  # the path saved to

    def __init__(
        self,
        store: ProfileStore | None = None,
        journal: Journal | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.journal = journal if journal is not None else Journal()
        self._workflow: Workflow | None = None
        self._connection: Connection | None = None
        self._results_unsaved = False
        #: Every question to staff; replace it to answer without dialogs (tests do).
        self.prompts = Prompts(self)

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

        self.widgets = main_layout.build_main_widgets(self, self._proxy)
        #: Opening, saving, checking and planning run off the GUI thread through this.
        self.background = WindowWork(
            self.statusBar(), self.widgets, self._model, self.run_state_changed, self
        )
        self.offline_check = OfflineCheck(
            self._model, self.background, lambda: self._workflow, lambda: self._connection, self
        )
        self.grid_edits = GridEdits(self.widgets.view, self._proxy, self._model, self.undo_stack)
        self.actions_ = main_actions.build_actions(self, slots=self)
        main_actions.build_menus(self.menuBar(), self.actions_)
        self.toolbar = main_actions.build_toolbar(self, self.actions_)
        self.problems_dock = ProblemsDock(self._model, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.problems_dock)
        self.resizeDocks([self.problems_dock], [300], Qt.Orientation.Horizontal)
        self.actions_.show_passwords.setChecked(not self._model.mask_passwords)
        self.run_flow = RunFlow(self, self.widgets.progress_panel, self)
        self.undo_flow = UndoFlow(self, self.run_flow, self)
        self.kit_flow = KitFlow(self, self)
        self.match_flow = MatchFlow(self, self.widgets.view, self)
        self._wire_parts()
        self.problems_dock.hide()
        # A saved window state decides whether the Problems list shows; on a first start
        # it opens by itself when a workbook has problems.
        self.show_problems_when_found = not settings.restore_window(self)
        self.refresh_recent_files()
        self.widgets.show_connection(self._connection)
        self.run_state_changed()
        self._update_title()

    def _wire_parts(self) -> None:
        """Connect the widgets, the problems list and the run flow to the window's slots."""
        w = self.widgets
        w.open_button.clicked.connect(self.choose_and_open)
        w.demo_button.clicked.connect(self.open_demo)
        for mode, button in w.filter_buttons.items():
            button.clicked.connect(lambda _c=False, m=mode: self.set_row_filter(m))
        w.status_filter.activated.connect(self._status_filter_chosen)
        w.search_box.textChanged.connect(self._proxy.set_search)
        w.progress_panel.stop_requested.connect(self.stop_run)
        self.actions_.recent_menu.aboutToShow.connect(self.refresh_recent_files)
        self.problems_dock.jump_requested.connect(self.jump_to_cell)
        self.actions_.show_problems.toggled.connect(self.problems_dock.setVisible)
        self.problems_dock.visibilityChanged.connect(self._problems_visibility)
        self.run_flow.run_finished.connect(self.run_finished)
        self.run_flow.check_finished.connect(self.check_finished)

    def _clean_changed(self, _clean: bool) -> None:
        self._update_title()

    def _schedule_counts(self, *_args: object) -> None:
        self._counts_timer.start()

    # ----- public properties -----------------------------------------------------------
    @property
    def table_model(self) -> LoginsTableModel:
        return self._model

    @property
    def proxy(self) -> RowFilterProxy:
        return self._proxy

    @property
    def workflow(self) -> Workflow | None:
        return self._workflow

    @property
    def doc(self) -> WorkbookDoc | None:
        return self._workflow.doc if self._workflow is not None else None

    @property
    def connection(self) -> Connection | None:
        return self._connection

    @property
    def is_running(self) -> bool:
        return self.run_flow.is_running

    @property
    def is_modified(self) -> bool:
        return self._workflow is not None and (
            self._results_unsaved or not self.undo_stack.isClean()
        )

    def unsaved_words(self) -> str:
        if self._results_unsaved and not self.undo_stack.isClean():
            return "results and edits"
        return "results" if self._results_unsaved else "edits"

    # ----- open / save / close ---------------------------------------------------------
    def open_file(self, path: str | Path, sheet: str | None = None) -> bool:
        return document_flow.open_document(self, path, sheet)

    def choose_and_open(self) -> bool:
        path = self.prompts.ask_open_path()
        return bool(path) and self.open_file(path)

    def open_demo(self) -> bool:
        """Open a fresh copy of the demo workbook; connect to the practice sandbox."""
        if not document_flow.confirm_discard(self):
            return False
        from gui.first_start import demo_workbook_copy

        try:
            copy = demo_workbook_copy()
        except OSError as exc:
            self.prompts.show_error(
                "Cannot open the demo", f"The demo could not be copied ({exc})."
            )
            return False
        self._results_unsaved = False
        self.undo_stack.setClean()
        if not self.open_file(copy):
            return False
        if self._connection is None:
            try:
                from core.connection import start_sandbox_connection

                self.set_connection(start_sandbox_connection())
            except Exception:
                log.exception("practice sandbox did not start")
                self.statusBar().showMessage("The practice sandbox did not start.", 10_000)
        return True

    def load_document(self, workflow: Workflow) -> None:
        """Show an opened workbook (document_flow calls this)."""
        self._workflow = workflow
        doc = workflow.doc
        self._results_unsaved = False
        self.undo_stack.clear()
        if self._proxy.is_filtered:  # else it would filter the old rows once more
            self._proxy.clear()
        self.widgets.search_box.clear()
        self._sync_filter_controls()
        self._model.set_table(doc.table)
        self._forget_last_run()
        self.widgets.pages.setCurrentIndex(GRID_PAGE)
        self.widgets.fit_columns()
        view = self.widgets.view
        if self._proxy.rowCount():
            view.setCurrentIndex(self._proxy.index(0, 0))
        view.setFocus()
        self._update_title()
        self.run_state_changed()
        self.check_offline()  # in the background: the grid is shown meanwhile
        self._show_problems_when_found()
        gc_guard.freeze_loaded()
        rows = len(doc.table.rows)
        self.statusBar().showMessage(
            f"Opened '{doc.path.name}', sheet '{doc.sheet}': {plural(rows, 'row')}.",
            8_000,
        )

    def save(self) -> bool:
        self.commit_pending_edit()
        return document_flow.save_document(self)

    def save_as(self, path: str | Path) -> bool:
        self.commit_pending_edit()
        return document_flow.save_document(self, path)

    def choose_and_save_as(self) -> bool:
        if self._workflow is None:
            return False
        path = self.prompts.ask_save_path(self._workflow.doc.path)
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
        if self._workflow is None or self.is_running:
            return False
        if not document_flow.confirm_discard(self):
            return False
        self._workflow = None
        self._results_unsaved = False
        self.undo_stack.clear()
        self._model.set_table(None)
        self._forget_last_run()
        gc_guard.thaw()
        self.widgets.pages.setCurrentIndex(EMPTY_PAGE)
        self._update_title()
        self.run_state_changed()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.background.is_busy:  # a save finishes first (then the window closes)
            self.statusBar().showMessage("Closing when this is finished…")
            self.background.when_idle(self.close)
            event.ignore()
            return
        if self.is_running:
            self.prompts.show_info(
                "A run is in progress",
                "Stop the run first (Stop, or the Esc key). Every result so far is kept.",
            )
            event.ignore()
            return
        if not document_flow.confirm_discard(self):
            event.ignore()
            return
        settings.save_window(self)
        gc_guard.thaw()
        event.accept()

    def refresh_recent_files(self) -> None:
        files = settings.RECENT_FILES.get()
        main_actions.fill_recent_menu(
            self.actions_.recent_menu, files, self.open_file, self._clear_recent_files
        )
        self.widgets.show_recent_files(files[:5], self.open_file)

    def _clear_recent_files(self) -> None:
        settings.RECENT_FILES.set([])
        self.refresh_recent_files()

    def export_logins_csv(self) -> ExportSisDialog | None:
        """File → "Export logins.csv…" for the open workbook."""
        doc = self.doc
        if doc is None:
            return None
        self.commit_pending_edit()
        findings = list(self._model.findings.findings)
        return export_logins_csv_dialog(self, doc.table, findings, doc.path)

    # ----- drag and drop ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        document_flow.drag_entered(self, event)

    def dragMoveEvent(self, event: QEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        document_flow.dropped(self, event)

    # ----- connection ------------------------------------------------------------------
    def set_connection(self, connection: Connection | None) -> None:
        previous = self._connection
        self._connection = connection
        if previous is not None and previous is not connection:
            try:
                previous.close()  # idempotent: ends its HTTP session, stops a private sandbox
            except Exception:
                log.exception("previous connection did not close")
        self.widgets.show_connection(connection)
        if self._workflow is not None:
            self.check_offline()
        self.run_state_changed()

    def connect_to_canvas(self) -> bool:
        connection = self.prompts.ask_connect(self.store)
        if connection is None:
            return False
        self.set_connection(connection)
        return True

    def ensure_connection(self) -> Connection | None:
        """The connection, asking staff to connect when there is none."""
        if self._connection is None and not self.connect_to_canvas():
            return None
        return self._connection

    # ----- checking and running --------------------------------------------------------
    def check_offline(self) -> list[Finding]:
        """Check every row against the rules now (in the background); the grid shows
        what was found."""
        return self.offline_check.full()

    def check_with_canvas(self) -> bool:
        return self.run_flow.start(dry_run=True)

    def run_changes(self, confirm: bool = True, request: RunRequest | None = None) -> bool:
        """Send the rows; without ``confirm``, by ``request`` (default: as the last run)."""
        return self.run_flow.start(dry_run=False, confirm=confirm, request=request)

    def stop_run(self) -> None:
        self.run_flow.stop()

    def new_from_canvas_classes(self) -> ClassPicker | None:
        """Students → "New from Canvas Classes…": the class picker (None if not opened)."""
        return roster_flow.new_from_canvas_classes(self)

    def find_students_in_canvas(self) -> bool:
        """Students → "Find Students in Canvas"; False when nothing was started."""
        return self.match_flow.start()

    def undo_last_run(self, confirm: bool = True) -> bool:
        """Canvas → "Undo Last Run…"; False when nothing was started."""
        return self.undo_flow.start(confirm)

    def show_run_history(self) -> HistoryDialog:
        """File → "Run history…": the runs on this computer (the open workbook's first)."""
        from gui.history_dialog import open_run_history

        workbook = self.doc.path if self.doc is not None else None
        return open_run_history(self, self.journal, workbook, self.prompts.ask_report_path)

    def run_state_changed(self) -> None:
        """Enable the actions that fit now (a workbook open? a run going? the window
        waiting for opening or saving?)."""
        busy = self.background.is_showing
        main_actions.enable_for_state(
            self.actions_,
            has_doc=self._workflow is not None,
            running=self.is_running,
            busy=busy,
            can_undo=self.undo_stack.canUndo(),
            can_redo=self.undo_stack.canRedo(),
        )
        for start in (self.widgets.open_button, self.widgets.demo_button, self.widgets.recent_box):
            start.setEnabled(not busy)

    def _forget_last_run(self) -> None:
        """The progress panel and the id fix belong to the workbook they came from."""
        self.widgets.progress_panel.reset()
        self.widgets.id_fix_bar.clear()

    def show_id_fix(self, fix: PaddingFix | None) -> None:
        """Offer the zero-padding fix a check proved; None takes an old offer away."""
        if fix is None:
            self.widgets.id_fix_bar.clear()
        else:
            self.widgets.id_fix_bar.show_fix(fix)

    def commit_pending_edit(self) -> None:
        """Finish an edit still open in a cell editor, so it is not lost."""
        self.grid_edits.commit_pending_edit()

    # ----- grid edits ------------------------------------------------------------------
    def copy_selection(self) -> str:
        return self.grid_edits.copy_selection()

    def paste(self) -> int:
        return self.grid_edits.paste()

    def paste_text(self, text: str) -> int:
        return self.grid_edits.paste_text(text)

    def fill_down(self) -> int:
        return self.grid_edits.fill_down()

    def generate_logins(self) -> GenerateDialog | None:
        return self.kit_flow.open_generate()

    def print_login_cards(self) -> CardsDialog | None:
        return self.kit_flow.open_cards()

    def set_passwords_visible(self, visible: bool) -> None:
        self._model.mask_passwords = not visible
        settings.MASK_PASSWORDS.set(not visible)
        password_col = self._model.column_for(Role.PASSWORD)
        if password_col is not None:
            self.widgets.fit_columns([password_col])
        if self._proxy.search:
            self._proxy.refilter()

    def focus_search(self) -> None:
        self.widgets.search_box.setFocus()
        self.widgets.search_box.selectAll()

    def select_cell(
        self, table_row: int, column: int, *, extend_to: tuple[int, int] | None = None
    ) -> QModelIndex:
        """Make a table cell current (tests and the problems list use this)."""
        return self.grid_edits.select_cell(table_row, column, extend_to=extend_to)

    def jump_to_cell(self, table_row: int, column: int) -> None:
        """Show a table cell, clearing the filter and the search when they hide it."""
        if not self.grid_edits.show_cell(table_row, column):
            self.set_row_filter(RowFilter.ALL)
            self.widgets.search_box.clear()
            self.grid_edits.show_cell(table_row, column)

    # ----- filters ---------------------------------------------------------------------
    def set_row_filter(self, mode: RowFilter, status: str = "") -> None:
        self._proxy.set_filter(mode, status)
        self._sync_filter_controls()

    def _status_filter_chosen(self, index: int) -> None:
        self.set_row_filter(*self.widgets.chosen_status(index))

    def _sync_filter_controls(self) -> None:
        self.widgets.sync_filter_buttons(self._proxy, self._model)
        for key, action in self.actions_.filters.items():
            action.setChecked(key is self._proxy.mode)

    def _update_counts(self) -> None:
        doc = self.doc
        self.widgets.update_counts(doc.table if doc else None, self._proxy, self._model)

    def _problems_visibility(self, visible: bool) -> None:
        self.actions_.show_problems.blockSignals(True)
        self.actions_.show_problems.setChecked(visible)
        self.actions_.show_problems.blockSignals(False)

    def _show_problems_when_found(self) -> None:
        if self.show_problems_when_found and self._model.findings.findings:
            self.problems_dock.show()

    def fit_output_columns(self) -> None:
        self.widgets.fit_output_columns(self._model)
        self.widgets.show_results_columns(self._model)

    def _update_title(self) -> None:
        doc = self.doc
        if doc is None:
            self.setWindowTitle(APP_NAME)
            self.setWindowModified(False)
            return
        self.setWindowTitle(f"{doc.path.name} [*] — {APP_NAME}")
        self.setWindowModified(self.is_modified)

    # ----- help --------------------------------------------------------------------
    def show_about_box(self) -> None:
        from gui.about import show_about

        show_about(self)

    def open_log_folder(self) -> None:
        from gui.about import open_log_folder

        open_log_folder()

    def show_token_help(self) -> None:
        from gui.token_help import show_token_help

        show_token_help(self)

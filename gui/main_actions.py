"""The main window's actions, menus and toolbar, and the grid's clipboard edits.

Every action has a keyboard shortcut and a status tip; the toolbar shows the four main
steps in order: Open → Check → Run → Save.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QToolButton

from gui import settings
from gui.commands import (
    EditCellsCommand,
    fill_down_changes,
    fill_selection_changes,
    parse_clipboard_block,
    paste_changes,
)
from gui.filter_proxy import RowFilter

if TYPE_CHECKING:
    from gui.main_window import MainWindow


@dataclass
class Actions:
    open: QAction
    open_demo: QAction
    save: QAction
    save_as: QAction
    close: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    copy: QAction
    paste: QAction
    fill_down: QAction
    show_passwords: QAction
    find: QAction
    filters: dict[RowFilter, QAction]
    show_problems: QAction
    connect: QAction
    check: QAction
    run: QAction
    stop: QAction
    undo_run: QAction
    about: QAction
    open_logs: QAction
    token_help: QAction
    recent_menu: QMenu


def _action(
    window: MainWindow,
    text: str,
    slot,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | list[QKeySequence] | None = None,
    tip: str = "",
    icon: QStyle.StandardPixmap | None = None,
) -> QAction:
    action = QAction(text, window)
    if isinstance(shortcut, list):
        action.setShortcuts(shortcut)
    elif shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(
            f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
            if shortcut
            else tip
        )
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    action.triggered.connect(lambda _checked=False: slot())
    return action


def key_list(standard: QKeySequence.StandardKey, *extra: str) -> list[QKeySequence]:
    """The platform's keys for ``standard`` plus ``extra`` keys it lacks, each once.

    A key bound twice (even to the same action) makes Qt report an ambiguous shortcut
    and do nothing, so the extras are only added where the platform does not already
    have them.
    """
    keys = list(QKeySequence.keyBindings(standard))
    for text in extra:
        key = QKeySequence(text)
        if key not in keys:
            keys.append(key)
    return keys


def build_actions(w: MainWindow) -> Actions:
    sp = QStyle.StandardPixmap
    undo = w.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = w.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts(key_list(QKeySequence.StandardKey.Redo, "Ctrl+Y"))
    show_passwords = QAction("Show &Passwords", w)
    show_passwords.setCheckable(True)
    show_passwords.setShortcut(QKeySequence("Ctrl+Shift+P"))
    show_passwords.setStatusTip("Show the passwords in the grid instead of dots")
    show_passwords.toggled.connect(w.set_passwords_visible)
    filters: dict[RowFilter, QAction] = {}
    group = QActionGroup(w)
    for number, mode in enumerate(
        (RowFilter.ALL, RowFilter.PROBLEMS, RowFilter.NOT_DONE, RowFilter.DONE), start=1
    ):
        action = QAction(
            f"Show {mode.value.lower()}" if mode is not RowFilter.ALL else "Show all rows", w
        )
        action.setCheckable(True)
        action.setShortcut(QKeySequence(f"Ctrl+{number}"))
        action.triggered.connect(lambda _c=False, m=mode: w.set_row_filter(m))
        group.addAction(action)
        filters[mode] = action
    filters[RowFilter.ALL].setChecked(True)
    show_problems = QAction("&Problems List", w)
    show_problems.setCheckable(True)
    show_problems.setShortcut(QKeySequence("F8"))
    show_problems.setStatusTip("Show or hide the list of problems")
    undo_run = QAction("Undo Last Run…", w)
    undo_run.setVisible(False)
    recent_menu = QMenu("Open &Recent", w)
    recent_menu.setObjectName("RecentMenu")
    return Actions(
        open=_action(
            w,
            "&Open…",
            w.choose_and_open,
            QKeySequence.StandardKey.Open,
            "Open a workbook",
            sp.SP_DialogOpenButton,
        ),
        open_demo=_action(
            w,
            "Open the &Demo Workbook",
            w.open_demo,
            QKeySequence("Ctrl+Shift+D"),
            "Open a copy of the demo workbook to practise with",
        ),
        save=_action(
            w,
            "&Save",
            w.save,
            QKeySequence.StandardKey.Save,
            "Save results and edits into the workbook",
            sp.SP_DialogSaveButton,
        ),
        save_as=_action(
            w,
            "Save &As…",
            w.choose_and_save_as,
            QKeySequence("Ctrl+Shift+S"),
            "Save into another file",
        ),
        close=_action(
            w,
            "&Close Workbook",
            w.close_document,
            QKeySequence.StandardKey.Close,
            "Close the workbook",
        ),
        quit=_action(
            w,
            "&Quit",
            w.close,
            key_list(QKeySequence.StandardKey.Quit, "Ctrl+Q"),
            "Quit Canvas Logins",
        ),
        undo=undo,
        redo=redo,
        copy=_action(
            w, "&Copy", w.copy_selection, QKeySequence.StandardKey.Copy, "Copy the selected cells"
        ),
        paste=_action(
            w,
            "&Paste",
            w.paste,
            QKeySequence.StandardKey.Paste,
            "Paste cells copied from Excel into the grid",
        ),
        fill_down=_action(
            w,
            "Fill &Down",
            w.fill_down,
            QKeySequence("Ctrl+D"),
            "Copy the top selected cell down the selection",
        ),
        show_passwords=show_passwords,
        find=_action(
            w, "&Search…", w.focus_search, QKeySequence.StandardKey.Find, "Search the rows"
        ),
        filters=filters,
        show_problems=show_problems,
        connect=_action(
            w,
            "&Connect…",
            w.connect_to_canvas,
            QKeySequence("Ctrl+Shift+K"),
            "Connect to Canvas or the practice sandbox",
            sp.SP_DriveNetIcon,
        ),
        check=_action(
            w,
            "C&heck with Canvas",
            w.check_with_canvas,
            QKeySequence("Ctrl+K"),
            "Ask Canvas what would happen, without changing anything",
            sp.SP_DialogApplyButton,
        ),
        run=_action(
            w,
            "&Run",
            lambda: w.run_changes(True),
            QKeySequence("Ctrl+R"),
            "Create, change and remove the logins in Canvas",
            sp.SP_MediaPlay,
        ),
        stop=_action(
            w,
            "&Stop",
            w.stop_run,
            QKeySequence("Ctrl+."),
            "Stop after the calls already sent",
            sp.SP_MediaStop,
        ),
        undo_run=undo_run,
        about=_action(
            w,
            "&About Canvas Logins",
            w.show_about_box,
            QKeySequence("Ctrl+F1"),
            "Version and credits",
        ),
        open_logs=_action(
            w,
            "Open &Log Folder",
            w.open_log_folder,
            QKeySequence("Ctrl+Shift+L"),
            "Open the folder with the app's log file",
        ),
        token_help=_action(
            w,
            "How to Make a &Token",
            w.show_token_help,
            QKeySequence.StandardKey.HelpContents,
            "Step by step: create a Canvas access token",
        ),
        recent_menu=recent_menu,
    )


def build_menus(w: MainWindow, a: Actions) -> None:
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(a.open)
    file_menu.addMenu(a.recent_menu)
    file_menu.addAction(a.open_demo)
    file_menu.addSeparator()
    file_menu.addAction(a.save)
    file_menu.addAction(a.save_as)
    file_menu.addSeparator()
    file_menu.addAction(a.close)
    file_menu.addAction(a.quit)
    a.recent_menu.aboutToShow.connect(w.refresh_recent_files)

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(a.undo)
    edit_menu.addAction(a.redo)
    edit_menu.addSeparator()
    edit_menu.addAction(a.copy)
    edit_menu.addAction(a.paste)
    edit_menu.addAction(a.fill_down)
    edit_menu.addSeparator()
    edit_menu.addAction(a.find)
    edit_menu.addAction(a.show_passwords)

    view_menu = bar.addMenu("&View")
    for action in a.filters.values():
        view_menu.addAction(action)
    view_menu.addSeparator()
    view_menu.addAction(a.show_problems)

    canvas_menu = bar.addMenu("&Canvas")
    canvas_menu.addAction(a.connect)
    canvas_menu.addSeparator()
    canvas_menu.addAction(a.check)
    canvas_menu.addAction(a.run)
    canvas_menu.addAction(a.stop)
    canvas_menu.addAction(a.undo_run)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a.token_help)
    help_menu.addAction(a.open_logs)
    help_menu.addSeparator()
    help_menu.addAction(a.about)


def build_toolbar(w: MainWindow, a: Actions) -> QToolBar:
    bar = QToolBar("Main steps", w)
    bar.setObjectName("MainToolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action in (a.open, a.check, a.run, a.stop, a.save):
        bar.addAction(action)
        button = bar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setAccessibleName(action.text().replace("&", ""))
    w.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar


def fill_recent_menu(w: MainWindow, menu: QMenu) -> None:
    menu.clear()
    files = settings.RECENT_FILES.get()
    if not files:
        empty = menu.addAction("No recent workbooks")
        empty.setEnabled(False)
        return
    for number, path in enumerate(files, start=1):
        label = f"&{number} {Path(path).name}" if number < 10 else Path(path).name
        action = menu.addAction(label)
        action.setToolTip(path)
        action.setStatusTip(path)
        action.triggered.connect(lambda _c=False, p=path: w.open_file(p))
    menu.addSeparator()
    clear = menu.addAction("Clear the list")
    clear.triggered.connect(lambda: (settings.RECENT_FILES.set([]), w.refresh_recent_files()))


# ----- clipboard and fill ------------------------------------------------------------
def selected_cells(w: MainWindow) -> tuple[list[int], list[int]]:
    """Selected proxy rows and columns (sorted), or the current cell's."""
    selection = w.view.selectionModel()
    indexes = selection.selectedIndexes() if selection else []
    if not indexes:
        current = w.view.currentIndex()
        if not current.isValid():
            return [], []
        indexes = [current]
    rows = sorted({i.row() for i in indexes})
    cols = sorted({i.column() for i in indexes})
    return rows, cols


def copy_selection(w: MainWindow) -> str:
    rows, cols = selected_cells(w)
    if not rows:
        return ""
    model = w.table_model
    lines = []
    for proxy_row in rows:
        table_row = w.proxy.table_row(proxy_row)
        values = []
        for col in cols:
            text = model.index(table_row, col).data(Qt.ItemDataRole.DisplayRole) or ""
            values.append(str(text).replace("\t", " ").replace("\n", " "))
        lines.append("\t".join(values))
    text = "\n".join(lines) + "\n"
    QGuiApplication.clipboard().setText(text)
    return text


def paste_text(w: MainWindow, text: str) -> int:
    """Paste ``text`` at the selection as one undoable step; the number of cells set."""
    model = w.table_model
    if w.doc is None or model.read_only:
        return 0
    block = parse_clipboard_block(text)
    rows, cols = selected_cells(w)
    if not block or not rows:
        return 0
    if len(block) == 1 and len(block[0]) == 1 and (len(rows) > 1 or len(cols) > 1):
        table_rows = [w.proxy.table_row(r) for r in rows]
        changes = fill_selection_changes(block[0][0], table_rows, cols)
    else:
        visible = range(rows[0], w.proxy.rowCount())
        table_rows = [w.proxy.table_row(r) for r in visible[: len(block)]]
        changes = paste_changes(block, table_rows, cols[0], model.columnCount())
    if not changes:
        return 0
    w.undo_stack.push(EditCellsCommand(model, changes, f"Paste {len(changes)} cells"))
    _select_block(w, rows[0], cols[0], len(block), max(len(r) for r in block))
    return len(changes)


def _select_block(w: MainWindow, row: int, col: int, height: int, width: int) -> None:
    if height <= 1 and width <= 1:
        return
    bottom = min(row + height, w.proxy.rowCount()) - 1
    right = min(col + width, w.proxy.columnCount()) - 1
    from PySide6.QtCore import QItemSelection

    selection = QItemSelection(w.proxy.index(row, col), w.proxy.index(bottom, right))
    w.view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def fill_down(w: MainWindow) -> int:
    model = w.table_model
    if w.doc is None or model.read_only:
        return 0
    rows, cols = selected_cells(w)
    if not rows:
        return 0
    if len(rows) == 1:
        if rows[0] == 0:
            return 0
        rows = [rows[0] - 1, rows[0]]  # like Excel: copy the cell above
    table_rows = [w.proxy.table_row(r) for r in rows]
    changes = fill_down_changes([r.cells for r in w.doc.table.rows], table_rows, cols)
    if not changes:
        return 0
    w.undo_stack.push(EditCellsCommand(model, changes, "Fill down"))
    return len(changes)

"""The main window's one action registry, its menus and its toolbar.

Every action is made here, the same way (:func:`build_actions`), from the window's
slots (:class:`ActionSlots`); every action has a keyboard shortcut and a status tip.
The toolbar shows the K-3 job's steps in order: Open → Generate → Check → Run → Save →
Print Cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QStyle, QToolBar, QToolButton

from gui.filter_proxy import RowFilter

__all__ = [
    "ActionSlots",
    "Actions",
    "build_actions",
    "build_menus",
    "build_toolbar",
    "enable_for_state",
    "fill_recent_menu",
    "key_list",
]


class ActionSlots(Protocol):
    """What the actions call: the main window's slots."""

    undo_stack: QUndoStack

    def choose_and_open(self) -> object: ...
    def open_demo(self) -> object: ...
    def save(self) -> object: ...
    def choose_and_save_as(self) -> object: ...
    def export_logins_csv(self) -> object: ...
    def print_login_cards(self) -> object: ...
    def close_document(self) -> object: ...
    def close(self) -> object: ...
    def copy_selection(self) -> object: ...
    def paste(self) -> object: ...
    def fill_down(self) -> object: ...
    def generate_logins(self) -> object: ...
    def focus_search(self) -> object: ...
    def set_passwords_visible(self, visible: bool) -> object: ...
    def set_row_filter(self, mode: RowFilter, status: str = "") -> object: ...
    def connect_to_canvas(self) -> object: ...
    def check_with_canvas(self) -> object: ...
    def run_changes(self) -> object: ...
    def stop_run(self) -> object: ...
    def undo_last_run(self) -> object: ...
    def show_run_history(self) -> object: ...
    def new_from_canvas_classes(self) -> object: ...
    def find_students_in_canvas(self) -> object: ...
    def show_about_box(self) -> object: ...
    def open_log_folder(self) -> object: ...
    def show_token_help(self) -> object: ...


@dataclass
class Actions:
    open: QAction
    open_demo: QAction
    save: QAction
    save_as: QAction
    export_sis: QAction
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
    history: QAction
    new_from_classes: QAction
    find_students: QAction
    about: QAction
    open_logs: QAction
    token_help: QAction
    recent_menu: QMenu
    generate: QAction
    print_cards: QAction


def _action(
    window: QMainWindow,
    text: str,
    slot: Callable[[], object],
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


def build_actions(w: QMainWindow, slots: ActionSlots) -> Actions:
    """Every action of the window, each calling one of ``slots``."""
    sp = QStyle.StandardPixmap
    undo = slots.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = slots.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts(key_list(QKeySequence.StandardKey.Redo, "Ctrl+Y"))
    show_passwords = QAction("Show &Passwords", w)
    show_passwords.setCheckable(True)
    show_passwords.setShortcut(QKeySequence("Ctrl+Shift+P"))
    show_passwords.setStatusTip("Show the passwords in the grid instead of dots")
    show_passwords.toggled.connect(slots.set_passwords_visible)
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
        action.triggered.connect(lambda _c=False, m=mode: slots.set_row_filter(m))
        group.addAction(action)
        filters[mode] = action
    filters[RowFilter.ALL].setChecked(True)
    show_problems = QAction("&Problems List", w)
    show_problems.setCheckable(True)
    show_problems.setShortcut(QKeySequence("F8"))
    show_problems.setStatusTip("Show or hide the list of problems")
    export_sis = _action(
        w,
        "Export &logins.csv…",
        slots.export_logins_csv,
        QKeySequence("Ctrl+Shift+E"),
        "Write the new logins into logins.csv for a SIS import by hand",
    )
    export_sis.setObjectName("ExportLoginsCsv")
    undo_run = _action(
        w,
        "Undo Last Run…",
        slots.undo_last_run,
        QKeySequence("Ctrl+Alt+Z"),
        "Remove the logins the last run created",
    )
    undo_run.setObjectName("UndoLastRun")
    history = _action(
        w,
        "Run &History…",
        slots.show_run_history,
        QKeySequence("Ctrl+Shift+H"),
        "Every run, check and undo on this computer, with each row's outcome",
    )
    history.setObjectName("RunHistory")
    new_from_classes = _action(
        w,
        "&New from Canvas Classes…",
        slots.new_from_canvas_classes,
        QKeySequence.StandardKey.New,
        "Start a new workbook with the students of classes in Canvas",
    )
    new_from_classes.setObjectName("NewFromCanvasClasses")
    find_students = _action(
        w,
        "&Find Students in Canvas",
        slots.find_students_in_canvas,
        QKeySequence("Ctrl+Shift+F"),
        "Fill in each row's Canvas User ID by looking its name up in its class",
    )
    find_students.setObjectName("FindStudentsInCanvas")
    recent_menu = QMenu("Open &Recent", w)
    recent_menu.setObjectName("RecentMenu")
    return Actions(
        open=_action(
            w,
            "&Open…",
            slots.choose_and_open,
            QKeySequence.StandardKey.Open,
            "Open a workbook",
            sp.SP_DialogOpenButton,
        ),
        open_demo=_action(
            w,
            "Open the &Demo Workbook",
            slots.open_demo,
            QKeySequence("Ctrl+Shift+D"),
            "Open a copy of the demo workbook to practise with",
        ),
        save=_action(
            w,
            "&Save",
            slots.save,
            QKeySequence.StandardKey.Save,
            "Save results and edits into the workbook",
            sp.SP_DialogSaveButton,
        ),
        save_as=_action(
            w,
            "Save &As…",
            slots.choose_and_save_as,
            QKeySequence("Ctrl+Shift+S"),
            "Save into another file",
        ),
        export_sis=export_sis,
        close=_action(
            w,
            "&Close Workbook",
            slots.close_document,
            QKeySequence.StandardKey.Close,
            "Close the workbook",
        ),
        quit=_action(
            w,
            "&Quit",
            slots.close,
            key_list(QKeySequence.StandardKey.Quit, "Ctrl+Q"),
            "Quit Canvas Logins",
        ),
        undo=undo,
        redo=redo,
        copy=_action(
            w,
            "&Copy",
            slots.copy_selection,
            QKeySequence.StandardKey.Copy,
            "Copy the selected cells",
        ),
        paste=_action(
            w,
            "&Paste",
            slots.paste,
            QKeySequence.StandardKey.Paste,
            "Paste cells copied from Excel into the grid",
        ),
        fill_down=_action(
            w,
            "Fill &Down",
            slots.fill_down,
            QKeySequence("Ctrl+D"),
            "Copy the top selected cell down the selection",
        ),
        show_passwords=show_passwords,
        find=_action(
            w, "&Search…", slots.focus_search, QKeySequence.StandardKey.Find, "Search the rows"
        ),
        filters=filters,
        show_problems=show_problems,
        connect=_action(
            w,
            "&Connect…",
            slots.connect_to_canvas,
            QKeySequence("Ctrl+Shift+K"),
            "Connect to Canvas or the practice sandbox",
            sp.SP_DriveNetIcon,
        ),
        check=_action(
            w,
            "C&heck with Canvas",
            slots.check_with_canvas,
            QKeySequence("Ctrl+K"),
            "Ask Canvas what would happen, without changing anything",
            sp.SP_DialogApplyButton,
        ),
        run=_action(
            w,
            "&Run",
            slots.run_changes,
            QKeySequence("Ctrl+R"),
            "Create, change and remove the logins in Canvas",
            sp.SP_MediaPlay,
        ),
        stop=_action(
            w,
            "&Stop",
            slots.stop_run,
            QKeySequence("Ctrl+."),
            "Stop after the calls already sent",
            sp.SP_MediaStop,
        ),
        undo_run=undo_run,
        history=history,
        new_from_classes=new_from_classes,
        find_students=find_students,
        about=_action(
            w,
            "&About Canvas Logins",
            slots.show_about_box,
            QKeySequence("Ctrl+F1"),
            "Version and credits",
        ),
        open_logs=_action(
            w,
            "Open &Log Folder",
            slots.open_log_folder,
            QKeySequence("Ctrl+Shift+L"),
            "Open the folder with the app's log file",
        ),
        token_help=_action(
            w,
            "How to Make a &Token",
            slots.show_token_help,
            QKeySequence.StandardKey.HelpContents,
            "Step by step: create a Canvas access token",
        ),
        recent_menu=recent_menu,
        generate=_action(
            w,
            "&Generate Logins and Passwords…",
            slots.generate_logins,
            QKeySequence("Ctrl+Shift+G"),
            "Fill empty New Login and Password cells from the students' names",
        ),
        print_cards=_action(
            w,
            "Print Login &Cards…",
            slots.print_login_cards,
            QKeySequence.StandardKey.Print,
            "Print or save a card for each child with their login and password",
        ),
    )


def build_menus(bar: QMenuBar, a: Actions) -> None:
    file_menu = bar.addMenu("&File")
    file_menu.addAction(a.open)
    file_menu.addMenu(a.recent_menu)
    file_menu.addAction(a.open_demo)
    file_menu.addSeparator()
    file_menu.addAction(a.save)
    file_menu.addAction(a.save_as)
    file_menu.addAction(a.export_sis)
    file_menu.addAction(a.print_cards)
    file_menu.addSeparator()
    file_menu.addAction(a.history)
    file_menu.addSeparator()
    file_menu.addAction(a.close)
    file_menu.addAction(a.quit)

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

    students_menu = bar.addMenu("S&tudents")
    students_menu.setObjectName("StudentsMenu")
    students_menu.addAction(a.new_from_classes)
    students_menu.addAction(a.find_students)
    students_menu.addAction(a.generate)
    students_menu.addSeparator()
    students_menu.addAction(a.print_cards)

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


def enable_for_state(
    a: Actions,
    *,
    has_doc: bool,
    running: bool,
    can_undo: bool,
    can_redo: bool,
    busy: bool = False,
) -> None:
    """Enable what fits now: most steps need an open workbook, and none runs during a run
    or while the window waits for opening, saving or checking (``busy``)."""
    waiting = running or busy
    needs_doc = (a.check, a.run, a.save, a.save_as, a.export_sis, a.undo_run, a.close)
    needs_doc += (a.paste, a.fill_down, a.generate, a.print_cards, a.find_students)
    for action in needs_doc:
        action.setEnabled(has_doc and not waiting)
    for action in (a.open, a.open_demo, a.new_from_classes, a.connect, a.history):
        action.setEnabled(not waiting)
    a.stop.setEnabled(running)
    a.undo.setEnabled(not waiting and can_undo)
    a.redo.setEnabled(not waiting and can_redo)


def build_toolbar(w: QMainWindow, a: Actions) -> QToolBar:
    bar = QToolBar("Main steps", w)
    bar.setObjectName("MainToolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    a.generate.setIconText("Generate")
    a.print_cards.setIconText("Print Cards")
    for action in (a.open, a.generate, a.check, a.run, a.stop, a.save, a.print_cards):
        bar.addAction(action)
        button = bar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setAccessibleName(action.text().replace("&", ""))
    w.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar


def fill_recent_menu(
    menu: QMenu,
    files: list[str],
    open_file: Callable[[str], object],
    clear_list: Callable[[], object],
) -> None:
    """File → Open Recent: ``files`` numbered, and "Clear the list"."""
    menu.clear()
    if not files:
        empty = menu.addAction("No recent workbooks")
        empty.setEnabled(False)
        return
    for number, path in enumerate(files, start=1):
        label = f"&{number} {Path(path).name}" if number < 10 else Path(path).name
        action = menu.addAction(label)
        action.setToolTip(path)
        action.setStatusTip(path)
        action.triggered.connect(lambda _c=False, p=path: open_file(p))
    menu.addSeparator()
    clear = menu.addAction("Clear the list")
    clear.triggered.connect(lambda: clear_list())

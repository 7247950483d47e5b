"""The main window, headless: open (menu, drop, recent), edit with undo, paste, fill
down, filters and search, problems list, passwords, save, locked file, close."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_window_support import (
    Answers,
    asked,
    demo_copy,
    make_window,
    read_column,
    write_xlsx,
)
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtTest import QTest

from core.demo import DEMO_ROWS
from core.model import Role, RowResult, Status
from core.workbook.doc import lock_files
from gui import settings
from gui.filter_proxy import RowFilter
from gui.first_start import DEMO_FILE_NAME
from gui.table_model import PASSWORD_MASK

#: Mia Schröder's row in the demo: a login and password her teacher typed.
MIA = 4


@pytest.fixture
def demo(tmp_path):
    return demo_copy(tmp_path)


def col(window, role: Role) -> int:
    found = window.table_model.column_for(role)
    assert found is not None
    return found


def cell(window, row: int, role: Role) -> str:
    return window.doc.table.rows[row].cells[col(window, role)]


def test_starts_empty_with_open_and_demo_buttons(window):
    assert window.widgets.pages.currentIndex() == 0
    assert window.widgets.open_button.isVisible() and window.widgets.demo_button.isVisible()
    assert not window.actions_.run.isEnabled()
    assert not window.actions_.save.isEnabled()
    assert window.windowTitle() == "Canvas Logins"


def test_open_from_the_menu_path_shows_rows_and_problems(window, demo, answers):
    answers.open_path = str(demo)
    window.actions_.open.trigger()
    assert window.doc is not None and window.doc.path == demo
    assert window.widgets.pages.currentIndex() == 1
    assert window.table_model.rowCount() == len(DEMO_ROWS)
    assert window.proxy.rowCount() == len(DEMO_ROWS)
    assert len(window.table_model.findings) > 0
    assert window.problems_dock.isVisible()
    assert window.problems_dock.list_model.rowCount() == len(window.table_model.findings)
    assert "Demo.xlsx" in window.windowTitle()
    assert window.actions_.run.isEnabled()
    assert asked(answers, "sheet") == []  # only one sheet holds students
    assert settings.RECENT_FILES.get()[0] == str(demo)


def test_open_by_drag_and_drop(window, demo, qtbot):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(demo))])
    enter = QDragEnterEvent(
        window.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(window.rect().center()),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.doc is not None, timeout=10_000)
    assert window.doc.path == demo


def test_drop_of_something_else_is_refused(window, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    enter = QDragEnterEvent(
        window.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter.setAccepted(False)
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_recent_files_menu_reopens(window, demo, tmp_path):
    second = demo_copy(tmp_path, "Second.xlsx")
    assert window.open_file(demo)
    assert window.open_file(second)
    window.refresh_recent_files()
    menu = window.actions_.recent_menu
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels[0].endswith("Second.xlsx") and labels[1].endswith("Demo.xlsx")
    menu.actions()[1].trigger()
    assert window.doc.path == demo
    window.close_document()
    assert window.widgets.pages.currentIndex() == 0
    assert window.widgets.recent_layout.count() >= 3  # caption + two recent workbooks


def test_missing_recent_file_is_explained_and_forgotten(window, tmp_path, answers):
    gone = tmp_path / "gone.xlsx"
    settings.RECENT_FILES.set([str(gone)])
    assert not window.open_file(gone)
    assert answers.errors and "gone.xlsx" in answers.errors[0][1]
    assert settings.RECENT_FILES.get() == []


def test_sheet_picker_when_several_sheets_hold_students(window, tmp_path, answers):
    rows = [["SIS User ID", "New Login", "Password"], ["0045510", "ava.k", "sunny-apple-7"]]
    more = [
        ["SIS User ID", "New Login", "Password"],
        ["0045511", "liam.o", "green-frog-42"],
        ["0045512", "zoe.d", "blue-kite-19"],
    ]
    path = write_xlsx(tmp_path / "two.xlsx", {"Class A": rows, "Class B": more})
    answers.sheet = None
    assert not window.open_file(path)  # cancelled in the picker
    # best first, and preselected: the sheet with more students
    assert asked(answers, "sheet") == [["Class B", "Class A"]]
    assert answers.sheet_defaults == ["Class B"]
    answers.sheet = "Class A"
    assert window.open_file(path)
    assert window.doc.sheet == "Class A" and window.table_model.rowCount() == 1


def test_edit_rechecks_at_once_and_undo_redo(window, demo, qtbot):
    window.open_file(demo)
    short = next(i for i, r in enumerate(window.doc.table.rows) if "cat7" in r.cells)
    pw = col(window, Role.PASSWORD)
    assert window.table_model.findings.severity(short, pw) is not None
    index = window.proxy.proxy_index_for(short, pw)
    assert window.proxy.setData(index, "long-enough-44")
    qtbot.waitUntil(lambda: window.table_model.findings.severity(short, pw) is None, timeout=5000)
    assert window.isWindowModified()
    window.actions_.undo.trigger()
    assert cell(window, short, Role.PASSWORD) == "cat7"
    qtbot.waitUntil(lambda: window.table_model.findings.severity(short, pw) is not None)
    assert not window.isWindowModified()
    window.actions_.redo.trigger()
    assert cell(window, short, Role.PASSWORD) == "long-enough-44"


def test_ctrl_y_redoes_an_undone_edit(window, demo, qtbot):
    window.open_file(demo)
    login = col(window, Role.NEW_LOGIN)
    before = cell(window, 0, Role.NEW_LOGIN)
    assert window.proxy.setData(window.proxy.proxy_index_for(0, login), "redo.me")
    window.actions_.undo.trigger()
    assert cell(window, 0, Role.NEW_LOGIN) == before
    window.activateWindow()
    window.widgets.view.setFocus()
    qtbot.waitUntil(window.widgets.view.hasFocus)
    QTest.keyClick(window.widgets.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    QTest.keyRelease(
        window.widgets.view, Qt.Key.Key_Control
    )  # else Ctrl stays held for later tests
    assert cell(window, 0, Role.NEW_LOGIN) == "redo.me"


def test_no_two_actions_share_a_shortcut(window):
    owners: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString()
            assert text not in owners, f"{text} on {owners[text]!r} and {action.text()!r}"
            owners[text] = action.text()
    assert "Ctrl+Y" in owners and "Ctrl+Q" in owners


def test_paste_a_block_from_excel_is_one_undo_step(window, demo):
    window.open_file(demo)
    login = col(window, Role.NEW_LOGIN)
    mia, jose = MIA, MIA + 1  # rows with typed logins and passwords to paste over
    window.select_cell(mia, login)
    QGuiApplication.clipboard().setText("a.one\tpass-word-1\r\nb.two\tpass-word-2\r\n")
    assert window.paste() == 4
    assert cell(window, mia, Role.NEW_LOGIN) == "a.one"
    assert cell(window, jose, Role.PASSWORD) == "pass-word-2"
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert cell(window, mia, Role.NEW_LOGIN) == "mia.s"
    assert cell(window, jose, Role.PASSWORD) == "tall-tree-32"


def test_paste_one_value_fills_the_selection(window, demo):
    window.open_file(demo)
    action = col(window, Role.ACTION)
    window.select_cell(0, action, extend_to=(3, action))
    assert window.paste_text("Create") == 4
    assert [cell(window, r, Role.ACTION) for r in range(4)] == ["Create"] * 4


def test_fill_down(window, demo):
    window.open_file(demo)
    teacher = window.doc.table.headers.index("Teacher")
    window.select_cell(0, teacher, extend_to=(5, teacher))
    assert window.fill_down() == 5
    assert {window.doc.table.rows[r].cells[teacher] for r in range(6)} == {"Ms. Patel"}
    window.actions_.undo.trigger()
    assert window.doc.table.rows[5].cells[teacher] == "Mr. Okafor"
    window.select_cell(4, teacher)  # one cell: copies the cell above, as Excel does
    assert window.fill_down() == 1
    assert window.doc.table.rows[4].cells[teacher] == "Ms. Patel"
    assert window.doc.table.rows[5].cells[teacher] == "Mr. Okafor"


def test_copy_selection_as_tab_separated_text(window, demo):
    window.open_file(demo)
    window.select_cell(0, 0, extend_to=(1, 1))
    assert window.copy_selection() == "Ava\tKowalski\nLiam\tO'Brien\n"
    assert QGuiApplication.clipboard().text() == "Ava\tKowalski\nLiam\tO'Brien\n"


def test_editing_a_done_row_clears_its_status(window, demo):
    window.open_file(demo)
    window.table_model.apply_results([RowResult(0, Status.CREATED, "", "9001", "t")])
    window.table_model.flush_results()
    index = window.proxy.proxy_index_for(0, col(window, Role.PASSWORD))
    window.proxy.setData(index, "brand-new-pass-1")
    assert window.doc.table.status(0) == ""
    window.undo_stack.undo()
    assert window.doc.table.status(0) == "Created"


def test_filters_and_search(window, demo, qtbot):
    window.open_file(demo)
    total = window.proxy.rowCount()
    window.widgets.filter_buttons[RowFilter.PROBLEMS].click()
    problems = window.proxy.rowCount()
    assert 0 < problems < total
    expected = f"Showing {problems} of {total} rows"
    qtbot.waitUntil(lambda: window.widgets.count_label.text() == expected, timeout=5000)
    assert (
        window.widgets.filter_buttons[RowFilter.PROBLEMS].text()
        == f"Rows with problems ({problems})"
    )
    window.table_model.apply_results(
        [RowResult(0, Status.CREATED), RowResult(1, Status.FAILED, "no")]
    )
    window.table_model.flush_results()
    window.actions_.filters[RowFilter.DONE].trigger()
    assert window.proxy.rowCount() == 1
    assert window.widgets.filter_buttons[RowFilter.DONE].isChecked()
    window.actions_.filters[RowFilter.NOT_DONE].trigger()
    assert window.proxy.rowCount() == total - 1
    window._update_counts()
    choices = [
        window.widgets.status_filter.itemText(i)
        for i in range(window.widgets.status_filter.count())
    ]
    assert "Failed" in choices
    window.widgets.status_filter.setCurrentText("Failed")
    window._status_filter_chosen(window.widgets.status_filter.currentIndex())
    assert window.proxy.rowCount() == 1 and window.proxy.table_row(0) == 1
    window.set_row_filter(RowFilter.ALL)
    window.widgets.search_box.setText("haddad")
    assert window.proxy.rowCount() == 4
    window._update_counts()
    assert window.widgets.count_label.text() == f"Showing 4 of {total} rows"
    window.widgets.search_box.clear()
    assert window.proxy.rowCount() == total


def test_problems_list_jumps_to_the_cell_even_when_filtered_out(window, demo):
    window.open_file(demo)
    window.set_row_filter(RowFilter.DONE)
    assert window.proxy.rowCount() == 0
    dock = window.problems_dock
    first = dock.list_model.index(0)
    finding = dock.list_model.finding(0)
    assert dock.list_model.data(first).startswith(
        f"Row {window.doc.table.rows[finding.row].sheet_row}"
    )
    dock.view.activated.emit(first)
    assert window.proxy.mode is RowFilter.ALL
    current = window.widgets.view.currentIndex()
    assert window.proxy.table_row(current.row()) == finding.row
    assert current.column() == finding.column


def test_passwords_masked_until_shown(window, demo):
    window.open_file(demo)
    index = window.proxy.proxy_index_for(MIA, col(window, Role.PASSWORD))
    assert index.data() == PASSWORD_MASK
    window.actions_.show_passwords.setChecked(True)
    assert index.data() == "red-boat-55"
    assert settings.MASK_PASSWORDS.get() is False
    window.actions_.show_passwords.setChecked(False)
    assert index.data() == PASSWORD_MASK


def test_save_writes_edits_into_the_workbook(window, demo, qtbot):
    window.open_file(demo)
    window.proxy.setData(window.proxy.proxy_index_for(7, col(window, Role.NEW_LOGIN)), "oliver.s")
    window.table_model.apply_results([RowResult(0, Status.CREATED, "", "777", "t")])
    window.mark_results_unsaved()
    with qtbot.waitSignal(window.saved, timeout=10_000) as signal:
        assert window.save()
    assert signal.args == [str(demo)]
    assert not window.is_modified and not window.isWindowModified()
    assert read_column(demo, "New Login")[7] == "oliver.s"
    assert read_column(demo, "Status")[0] == "Created"


def test_save_to_a_locked_workbook_retries_after_excel_closes(window, demo, answers):
    window.open_file(demo)
    window.table_model.apply_results([RowResult(0, Status.CREATED, "", "777", "t")])
    window.mark_results_unsaved()
    owner = lock_files(demo)[0]
    assert owner.name == f"~${demo.name}"
    owner.write_text("someone")
    answers.locked = []  # first: Cancel
    assert not window.save()
    assert window.is_modified and window.doc.table.status(0) == "Created"
    assert len(asked(answers, "locked")) == 1

    def close_excel_then_retry(message):
        answers.asked.append(("locked", message))
        owner.unlink()
        return "retry"

    answers.ask_locked = close_excel_then_retry
    assert window.save()
    assert "Excel" in asked(answers, "locked")[-1] or asked(answers, "locked")[-1]
    assert read_column(demo, "Status")[0] == "Created"
    assert not window.is_modified


def test_locked_workbook_save_as_elsewhere(window, demo, tmp_path, answers):
    window.open_file(demo)
    window.table_model.apply_results([RowResult(2, Status.UPDATED, "", "5", "t")])
    window.mark_results_unsaved()
    lock_files(demo)[0].write_text("x")
    other = tmp_path / "elsewhere.xlsx"
    answers.locked = ["save_as"]
    answers.save_path = str(other)
    assert window.save()
    assert window.doc.path == other
    assert read_column(other, "Status")[2] == "Updated"


def test_close_with_unsaved_changes_asks(window, demo, answers):
    window.open_file(demo)
    window.proxy.setData(window.proxy.proxy_index_for(0, 0), "Avery")
    answers.unsaved = "cancel"
    assert not window.close()
    assert asked(answers, "unsaved") == ["edits"]
    answers.unsaved = "save"
    assert window.close()
    assert read_column(demo, "First Name")[0] == "Avery"


def test_opening_another_workbook_asks_about_unsaved_results(window, demo, tmp_path, answers):
    window.open_file(demo)
    window.table_model.apply_results([RowResult(0, Status.CREATED)])
    window.mark_results_unsaved()
    answers.unsaved = "cancel"
    assert not window.open_file(demo_copy(tmp_path, "Other.xlsx"))
    assert window.doc.path == demo
    assert asked(answers, "unsaved") == ["results"]


def test_unreadable_file_gives_a_plain_message(window, tmp_path, answers):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a zip")
    assert not window.open_file(bad)
    _title, message = answers.errors[-1]
    assert "Traceback" not in message and message


def test_ten_thousand_rows_open_and_filter(window, tmp_path):
    rows = [["SIS User ID", "New Login", "Password", "Teacher"]]
    rows += [
        [f"9{i:07d}", f"s{i}", "" if i % 10 == 0 else "long-pass-word", "T"] for i in range(10_000)
    ]
    path = write_xlsx(tmp_path / "big.xlsx", {"Students": rows})
    assert window.open_file(path)
    assert window.proxy.rowCount() == 10_000
    window.set_row_filter(RowFilter.PROBLEMS)
    problems = len(window.table_model.findings.rows_with_problems())
    assert window.proxy.rowCount() == problems >= 1_000  # every tenth row lacks a password
    window.set_row_filter(RowFilter.ALL)
    window.widgets.search_box.setText("s9999")
    assert [window.proxy.table_row(r) for r in range(window.proxy.rowCount())] == [9999]


def test_toolbar_and_menus_have_shortcuts(window):
    a = window.actions_
    for action in window.toolbar.actions():
        assert not action.shortcut().isEmpty(), action.text()
    titles = []
    checked = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        assert menu is not None
        titles.append(menu.title().replace("&", ""))
        for action in menu.actions():
            if action.isSeparator() or action.menu() is not None:
                continue  # "Open Recent" holds file names, numbered instead
            assert not action.shortcut().isEmpty(), f"{menu.title()} → {action.text()}"
            checked.append(action)
    assert titles == ["File", "Edit", "View", "Students", "Canvas", "Help"]
    for action in (a.open_demo, a.quit, a.open_logs, a.about, a.undo_run):
        assert action in checked
    assert a.undo_run.isVisible()
    assert a.quit.shortcut() == QKeySequence("Ctrl+Q")


def test_demo_button_opens_demo_and_connects_to_the_practice_sandbox(window):
    assert window.open_demo()
    assert window.doc is not None and window.doc.path.name == DEMO_FILE_NAME
    assert window.connection is not None and window.connection.sandbox is not None
    assert window.widgets.banner.isVisible() and "PRACTICE" in window.widgets.banner.text()
    assert Path(window.doc.path).exists()


def test_production_connection_is_marked_in_the_window(window):
    from core.connection import Connection
    from core.profiles import Profile

    production = Connection(
        profile=Profile("District", "https://district.instructure.com"),
        token="secret-token-value",
        client=None,
        account_id=1,
        account_name="District",
        user_name="Office",
        can_manage_logins=True,
        production=True,
        host="district.instructure.com",
    )
    window.set_connection(production)
    assert window.widgets.banner.isVisible()
    assert "PRODUCTION" in window.widgets.banner.text()
    assert "district.instructure.com" in window.widgets.banner.text()
    assert "secret-token-value" not in window.widgets.banner.text()
    window.set_connection(None)
    assert not window.widgets.banner.isVisible()


def test_an_edit_still_open_in_a_cell_is_kept_when_saving(window, demo):
    from PySide6.QtWidgets import QLineEdit

    window.open_file(demo)
    index = window.select_cell(0, 0)
    window.widgets.view.edit(index)
    frozen = window.widgets.view.frozen_part  # First Name is frozen: edited where it is seen
    editors = [e for e in frozen.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editors[0].setText("Avery")
    assert window.save()
    assert read_column(demo, "First Name")[0] == "Avery"
    assert window.widgets.view.state() != window.widgets.view.State.EditingState
    assert frozen.state() != frozen.State.EditingState


def test_action_cells_edit_with_a_drop_down(window, demo):
    from PySide6.QtWidgets import QComboBox, QLineEdit

    window.open_file(demo)
    action = col(window, Role.ACTION)
    index = window.select_cell(5, action)
    window.widgets.view.edit(index)
    combos = [e for e in window.widgets.view.viewport().findChildren(QComboBox) if e.isVisible()]
    assert len(combos) == 1
    combo = combos[0]
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "",
        "Create",
        "Update",
        "Delete",
        "Suspend",
        "Reactivate",
    ]
    assert combo.currentText() == "Add"  # the teacher's word is kept until changed
    combo.setCurrentText("Delete")
    window.commit_pending_edit()
    assert cell(window, 5, Role.ACTION) == "Delete"
    window.widgets.view.edit(window.select_cell(5, 0))
    frozen = window.widgets.view.frozen_part
    assert [e for e in frozen.viewport().findChildren(QLineEdit) if e.isVisible()]


@pytest.mark.parametrize("shown", [False, True])
def test_problems_list_visibility_is_remembered(qtbot, demo, shown):
    first = make_window(qtbot, Answers())
    assert not first.problems_dock.isVisible()  # first start: shown once problems appear
    first.open_file(demo)
    assert first.problems_dock.isVisible()
    first.problems_dock.setVisible(shown)
    first.close_document()
    assert first.close()
    second = make_window(qtbot, Answers())
    assert second.problems_dock.isVisible() is shown
    assert second.actions_.show_problems.isChecked() is shown
    second.open_file(demo)
    assert second.problems_dock.isVisible() is shown

"""Edit → "Generate logins and passwords…" in the window: preview, one undo step for the
whole fill, remembered choices, a teacher's login kept, names taken in Canvas avoided."""

from __future__ import annotations

from gui_window_support import write_xlsx
from PySide6.QtCore import Qt

from core.connection import start_sandbox_connection
from core.kit.passwords import child_words
from core.model import Role, Severity, login_key
from gui.generate_dialog import PREVIEW_ROWS

HEADERS = ["First Name", "Last Name", "Class", "Canvas User ID", "New Login", "Password"]
STUDENTS = [
    ["Zoë", "Dubois", "K Patel", "103"],
    ["José", "Álvarez", "1 Okafor", "106"],
    ["Ava", "Kowalski", "K Patel", "101"],
    ["Ava", "Klein", "K Patel", "120"],  # the same first name and initial: ava.k2
    ["田中", "Yui", "1 Okafor", "121"],
    ["Nguyễn", "An", "1 Okafor", "122"],
    ["", "", "1 Okafor", "123"],  # no name: skipped
    ["Grace", "Wilson", "2 Lindqvist", "116"],
]
FILLABLE = 7  # every row but the nameless one


def make_workbook(tmp_path, rows=None, headers=HEADERS, name="Class.xlsx"):
    body = rows if rows is not None else [[*s, "", ""] for s in STUDENTS]
    return write_xlsx(tmp_path / name, {"Students": [headers, *body]})


def column_values(window, role: Role) -> list[str]:
    table = window.doc.table
    col = table.column(role)
    assert col is not None, role
    return [row.cells[col] for row in table.rows]


def open_generate(window):
    dialog = window.generate_logins()
    assert dialog is not None and dialog.isVisible()
    return dialog


def fill_whole_sheet(window):
    dialog = open_generate(window)
    dialog.sheet_choice.setChecked(True)
    dialog.refresh_preview()
    dialog.accept()
    assert not dialog.isVisible()
    return dialog


def assert_child_password(password: str) -> None:
    assert len(password) >= 8
    assert not any(ch in "01" for ch in password)
    words = [part for part in password.split("-") if not part.isdigit()]
    assert words and all(word in child_words() for word in words)


def test_whole_sheet_fill_is_unique_valid_and_one_undo_step(window, tmp_path):
    assert window.open_file(make_workbook(tmp_path))
    window.select_cell(0, 0)
    assert window.actions_.generate.isEnabled()
    dialog = fill_whole_sheet(window)

    logins = column_values(window, Role.NEW_LOGIN)
    passwords = column_values(window, Role.PASSWORD)
    filled = [i for i, login in enumerate(logins) if login]
    assert filled == [0, 1, 2, 3, 4, 5, 7]  # row 6 has no name
    assert logins[:6] == ["zoe.d", "jose.a", "ava.k", "ava.k2", "tianzhong.y", "nguyen.a"]
    assert len({login_key(login) for login in logins if login}) == FILLABLE
    for row in filled:
        assert_child_password(passwords[row])
    assert passwords[6] == ""
    # valid by the rules the check applies: no finding on a login or password cell
    findings = window.check_offline()
    login_cols = {window.doc.table.column(Role.NEW_LOGIN), window.doc.table.column(Role.PASSWORD)}
    assert not [
        f
        for f in findings
        if f.row in filled and f.column in login_cols and f.severity is Severity.ERROR
    ]
    assert "7 logins and 7 passwords filled" in window.statusBar().currentMessage()
    assert "1 row skipped" in dialog.summary.text()

    stack = window.undo_stack
    assert stack.count() == 1 and stack.canUndo()
    stack.undo()
    assert set(column_values(window, Role.NEW_LOGIN)) == {""}
    assert set(column_values(window, Role.PASSWORD)) == {""}
    assert window.table_model.index(0, 4).data() == ""
    stack.redo()
    assert column_values(window, Role.NEW_LOGIN) == logins
    assert column_values(window, Role.PASSWORD) == passwords
    assert window.is_modified


def test_preview_shows_the_first_rows_that_ok_then_fills(window, tmp_path):
    assert window.open_file(make_workbook(tmp_path))
    dialog = open_generate(window)
    dialog.sheet_choice.setChecked(True)
    shown = dialog.preview_rows()
    assert len(shown) == PREVIEW_ROWS
    assert [line[:3] for line in shown[:4]] == [
        ("2", "Zoë Dubois", "zoe.d"),
        ("3", "José Álvarez", "jose.a"),
        ("4", "Ava Kowalski", "ava.k"),
        ("5", "Ava Klein", "ava.k2"),
    ]
    assert dialog.summary.text().startswith("Showing 6 of 7 rows. To fill: 7 logins and 7")
    # the preview follows the options, and is exactly what OK puts in the grid
    dialog.pattern_combo.setEditText("{first}{last_initial}")
    dialog.prefix_edit.setText("k-")
    dialog.refresh_preview()
    shown = dialog.preview_rows()
    assert shown[0][2] == "k-zoed"
    assert window.doc.table.value(0, Role.NEW_LOGIN) == ""  # the preview changed nothing
    dialog.accept()
    assert column_values(window, Role.NEW_LOGIN)[0] == "k-zoed"
    assert column_values(window, Role.PASSWORD)[: len(shown)] == [line[3] for line in shown]


def test_choices_are_remembered_in_the_next_dialog(window, tmp_path):
    assert window.open_file(make_workbook(tmp_path))
    dialog = open_generate(window)
    dialog.pattern_combo.setEditText("{first}.{last}")
    dialog.suffix_edit.setText("@k3")
    dialog.words_spin.setValue(3)
    dialog.separator_combo.setCurrentIndex(dialog.separator_combo.findData("."))
    dialog.digits_spin.setValue(2)
    dialog.replace_check.setChecked(True)
    dialog.sheet_choice.setChecked(True)
    dialog.accept()
    assert column_values(window, Role.NEW_LOGIN)[0] == "zoe.dubois@k3"
    password = column_values(window, Role.PASSWORD)[0]
    assert len(password.split(".")) == 4 and password.split(".")[-1].isdigit()

    again = open_generate(window)
    assert again is not dialog
    assert again.pattern_combo.currentText() == "{first}.{last}"
    assert again.suffix_edit.text() == "@k3" and again.prefix_edit.text() == ""
    assert again.words_spin.value() == 3 and again.digits_spin.value() == 2
    assert again.separator_combo.currentData() == "."
    assert not again.replace_check.isChecked()  # never remembered
    again.reject()


def test_a_teacher_typed_login_is_kept_unless_replace_is_ticked(window, tmp_path):
    rows = [[*s, "", ""] for s in STUDENTS]
    rows[0][4] = "zoe.teacher"  # typed by the teacher
    rows[2][5] = "own-pass-77"
    assert window.open_file(make_workbook(tmp_path, rows))
    dialog = open_generate(window)
    dialog.sheet_choice.setChecked(True)
    assert not dialog.replace_check.isChecked() and not dialog.replace_warning.isVisible()
    dialog.accept()
    logins = column_values(window, Role.NEW_LOGIN)
    passwords = column_values(window, Role.PASSWORD)
    assert logins[0] == "zoe.teacher" and passwords[0]  # kept, and given a password
    assert logins[2] == "ava.k" and passwords[2] == "own-pass-77"

    window.undo_stack.undo()
    dialog = open_generate(window)
    dialog.sheet_choice.setChecked(True)
    dialog.replace_check.setChecked(True)
    assert dialog.replace_warning.isVisible()
    dialog.accept()
    logins = column_values(window, Role.NEW_LOGIN)
    assert logins[0] == "zoe.d" and column_values(window, Role.PASSWORD)[2] != "own-pass-77"
    window.undo_stack.undo()
    assert column_values(window, Role.NEW_LOGIN)[0] == "zoe.teacher"
    assert column_values(window, Role.PASSWORD)[2] == "own-pass-77"


def test_selected_rows_are_the_default_when_several_are_selected(window, tmp_path):
    assert window.open_file(make_workbook(tmp_path))
    window.select_cell(1, 0, extend_to=(2, 1))
    dialog = open_generate(window)
    assert dialog.selected_choice.isChecked() and "(2)" in dialog.selected_choice.text()
    dialog.accept()
    logins = column_values(window, Role.NEW_LOGIN)
    assert [bool(login) for login in logins] == [
        False,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]


def test_missing_columns_are_added_and_shown_and_undo_empties_them(window, tmp_path):
    rows = [s[:3] for s in STUDENTS[:3]]
    path = make_workbook(tmp_path, rows, headers=["First Name", "Last Name", "Class"])
    assert window.open_file(path)
    model = window.table_model
    assert model.column_for(Role.NEW_LOGIN) is None
    before = model.columnCount()
    fill_whole_sheet(window)
    login_col, password_col = model.column_for(Role.NEW_LOGIN), model.column_for(Role.PASSWORD)
    assert login_col is not None and password_col is not None
    assert model.columnCount() == before + 2
    assert model.headerData(login_col, Qt.Orientation.Horizontal) == "New Login"
    assert model.index(0, login_col).data() == "zoe.d"
    window.undo_stack.undo()
    assert model.index(0, login_col).data() == ""


def test_a_bad_pattern_is_explained_and_ok_is_off(window, tmp_path):
    assert window.open_file(make_workbook(tmp_path))
    dialog = open_generate(window)
    dialog.pattern_combo.setEditText("{nickname}")
    dialog.refresh_preview()
    assert dialog.pattern_error.isVisible() and "nickname" in dialog.pattern_error.text()
    assert not dialog.ok_button.isEnabled() and dialog.preview_rows() == []
    dialog.accept()  # nothing happens
    assert dialog.isVisible() and window.undo_stack.count() == 0
    dialog.login_box.setChecked(False)
    dialog.password_box.setChecked(False)
    dialog.refresh_preview()
    assert "Choose login names, passwords or both" in dialog.summary.text()
    dialog.password_box.setChecked(True)
    dialog.refresh_preview()  # passwords only: none of the rows has a login to go with one
    assert not dialog.ok_button.isEnabled()
    assert "no login name yet" in dialog.summary.text()
    dialog.login_box.setChecked(True)
    dialog.pattern_combo.setEditText("{first}")
    dialog.refresh_preview()
    assert dialog.ok_button.isEnabled() and not dialog.pattern_error.isVisible()


def test_names_taken_in_canvas_get_a_number(window, tmp_path, qtbot):
    rows = [
        ["Chloé", "Bernard", "3 Haddad", "113", "", ""],  # chloe.b is hers already in Canvas
        ["Yuki", "Tanaka", "3 Haddad", "114", "", ""],  # yuki.t belongs to another student
        ["Aarav", "Sharma", "3 Haddad", "115", "", ""],
    ]
    assert window.open_file(make_workbook(tmp_path, rows))
    dialog = open_generate(window)
    assert not dialog.avoid_taken.isEnabled()  # not connected
    dialog.reject()
    window.set_connection(start_sandbox_connection())
    dialog = open_generate(window)
    assert dialog.avoid_taken.isEnabled() and dialog.avoid_taken.isChecked()
    dialog.sheet_choice.setChecked(True)
    assert [line[2] for line in dialog.preview_rows()] == ["chloe.b", "yuki.t", "aarav.s"]
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        dialog.accept()
        assert dialog.isVisible()  # asking Canvas in the background
    assert column_values(window, Role.NEW_LOGIN) == ["chloe.b2", "yuki.t2", "aarav.s"]
    assert window.undo_stack.count() == 1


def test_nothing_opens_without_a_workbook(window):
    assert window.generate_logins() is None
    assert window.print_login_cards() is None


def test_stopping_the_canvas_check_fills_nothing(window, tmp_path, qtbot):
    assert window.open_file(make_workbook(tmp_path))
    window.set_connection(start_sandbox_connection(latency=0.2))
    dialog = open_generate(window)
    dialog.sheet_choice.setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: "Asking Canvas" in dialog.status.text(), timeout=5_000)
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.job.is_running(), timeout=30_000)
    assert set(column_values(window, Role.NEW_LOGIN)) == {""}
    assert window.undo_stack.count() == 0


def test_the_menu_items_are_there_with_their_keys(window):
    menus = {
        menu_action.text().replace("&", ""): menu_action.menu()
        for menu_action in window.menuBar().actions()
    }
    assert window.actions_.generate in menus["Students"].actions()
    assert window.actions_.print_cards in menus["File"].actions()
    for action in (window.actions_.generate, window.actions_.print_cards):
        assert not action.shortcut().isEmpty() and action.statusTip()
        assert not action.isEnabled()  # no workbook yet


def test_check_with_canvas_numbers_a_generated_login_taken_there(window, tmp_path, qtbot):
    """Generated without asking Canvas, yuki.t turns out taken: the check makes it
    yuki.t2 in the grid, and the workbook counts as changed; a typed name stays."""
    rows = [
        ["Yuki", "Tanaka", "3 Haddad", "114", "", ""],  # yuki.t belongs to another student
        ["Chloé", "Bernard", "3 Haddad", "113", "chloe.b", "pink-star-72"],  # typed
    ]
    assert window.open_file(make_workbook(tmp_path, rows))
    window.set_connection(start_sandbox_connection())
    dialog = open_generate(window)
    dialog.sheet_choice.setChecked(True)
    dialog.avoid_taken.setChecked(False)
    dialog.accept()
    assert column_values(window, Role.NEW_LOGIN) == ["yuki.t", "chloe.b"]
    window.undo_stack.setClean()
    assert not window.is_modified
    with qtbot.waitSignal(window.run_flow.check_finished, timeout=30_000):
        assert window.check_with_canvas()
    assert column_values(window, Role.NEW_LOGIN) == ["yuki.t2", "chloe.b"]
    message = window.doc.table.value(0, Role.MESSAGE)
    assert "'yuki.t' is taken in Canvas" in message and "yuki.t2" in message
    assert window.is_modified

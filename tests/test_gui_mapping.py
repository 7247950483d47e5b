"""Choosing columns: the mapping dialog, remembered choices, and opening with them."""

from __future__ import annotations

from gui_window_support import asked, write_xlsx
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from core import mappings
from core.model import Role
from gui.mapping_dialog import (
    ANOTHER_SHEET,
    MappingChoice,
    MappingDialog,
    ask_mapping,
    column_letter,
    mapping_problem,
)

#: Headers no synonym knows ("Room" is a Class, nothing names the student or the login).
ODD_HEADERS = ["Kid", "Room", "Kid Code", "Handle", "Secret"]
ODD_ROWS = [
    ["Ava K", "K", "0045510", "ava.k", "sunny-apple-7"],
    ["Liam O", "K", "0045511", "liam.o", "green-frog-42"],
]


def odd_workbook(folder, name="odd.xlsx"):
    """Headers the contract does not know: the columns must be chosen by hand."""
    title = [["Second logins for class K"], []]
    return write_xlsx(folder / name, {"Sheet1": [*title, ODD_HEADERS, *ODD_ROWS]})


def test_remember_and_recall_by_normalised_headers(tmp_path):
    store = tmp_path / "m.json"
    mapping = {Role.SIS_USER_ID: 2, Role.NEW_LOGIN: 3, Role.PASSWORD: 4}
    assert mappings.recall(ODD_HEADERS, path=store) is None
    mappings.remember(ODD_HEADERS, mapping, path=store)
    assert mappings.recall(ODD_HEADERS, path=store) == mapping
    # case, spaces, underscores and trailing blank headers do not matter
    assert (
        mappings.recall(["kid", "ROOM", "kid_code", " handle", "secret", ""], path=store) == mapping
    )
    assert mappings.recall([*ODD_HEADERS[:4], "Other"], path=store) is None
    mappings.forget(ODD_HEADERS, path=store)
    assert mappings.recall(ODD_HEADERS, path=store) is None


def test_recall_drops_columns_that_no_longer_exist(tmp_path):
    store = tmp_path / "m.json"
    mappings.remember(["A", "B"], {Role.SIS_USER_ID: 0, Role.NEW_LOGIN: 7}, path=store)
    assert mappings.recall(["A", "B"], path=store) == {Role.SIS_USER_ID: 0}


def test_damaged_store_is_ignored(tmp_path):
    store = tmp_path / "m.json"
    store.write_text("{not json")
    assert mappings.recall(["A"], path=store) is None
    mappings.remember(["A"], {Role.NEW_LOGIN: 0}, path=store)
    assert mappings.recall(["A"], path=store) == {Role.NEW_LOGIN: 0}


def test_mapping_problem_words():
    assert "student" in mapping_problem({Role.NEW_LOGIN: 1})
    assert "login" in mapping_problem({Role.SIS_USER_ID: 0})
    assert "both" in mapping_problem({Role.SIS_USER_ID: 0, Role.NEW_LOGIN: 0})
    assert mapping_problem({Role.SIS_USER_ID: 0, Role.NEW_LOGIN: 1}) == ""
    assert [column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_dialog_prefills_from_synonyms_and_validates(qtbot):
    preview = [["Title"], [], ["Name", "Student ID", "Second Login", "New Password"]]
    dialog = MappingDialog(preview, header_row=3)
    qtbot.addWidget(dialog)
    assert dialog.mapping() == {Role.SIS_USER_ID: 1, Role.NEW_LOGIN: 2, Role.PASSWORD: 3}
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.set_column(Role.NEW_LOGIN, None)
    assert not ok.isEnabled() and dialog.problem.text()
    dialog.set_column(Role.NEW_LOGIN, 1)  # same column as the student: refused
    assert not ok.isEnabled() and "both" in dialog.problem.text()
    dialog.set_column(Role.NEW_LOGIN, 2)
    assert ok.isEnabled()
    choice = dialog.choice()
    assert choice.header_row == 3 and choice.remember
    assert choice.headers[:3] == ["Name", "Student ID", "Second Login"]


def test_dialog_header_row_can_be_changed(qtbot):
    preview = [["SIS User ID", "New Login"], ["x", "y"], ["Other", "Thing"]]
    dialog = MappingDialog(preview, header_row=3)
    qtbot.addWidget(dialog)
    assert dialog.mapping() == {}
    dialog.header_row_spin.setValue(1)
    assert dialog.mapping() == {Role.SIS_USER_ID: 0, Role.NEW_LOGIN: 1}


def test_header_not_found_asks_for_columns_then_remembers(window, tmp_path, answers):
    path = odd_workbook(tmp_path)
    answers.mapping = None
    assert not window.open_file(path)  # cancelled: nothing opened
    ((preview, header_row, preset, message),) = asked(answers, "mapping")
    assert header_row == 3 and preview[2][:5] == ODD_HEADERS and preset is None
    assert "header" in message.lower()
    assert answers.mapping_offered_sheets == [False]  # one sheet: nowhere to go back to

    answers.asked.clear()
    answers.mapping = MappingChoice(
        header_row=3,
        mapping={Role.SIS_USER_ID: 2, Role.NEW_LOGIN: 3, Role.PASSWORD: 4},
        remember=True,
        headers=ODD_HEADERS,
    )
    assert window.open_file(path)
    table = window.doc.table
    assert table.columns[Role.NEW_LOGIN] == 3 and table.columns[Role.SIS_USER_ID] == 2
    assert [r.cells[3] for r in table.rows] == ["ava.k", "liam.o"]
    assert (
        window.table_model.headerData(3, Qt.Orientation.Horizontal) == "New Login"
    )  # role columns by role
    assert (
        window.table_model.headerData(0, Qt.Orientation.Horizontal) == "Kid"
    )  # teachers' columns as they are

    # a second workbook with the same headers opens straight away
    answers.asked.clear()
    window.close_document()
    other = odd_workbook(tmp_path, "odd-again.xlsx")
    assert window.open_file(other)
    assert asked(answers, "mapping") == []
    assert window.doc.table.columns[Role.PASSWORD] == 4


def test_not_remembered_when_unticked(window, tmp_path, answers):
    path = odd_workbook(tmp_path)
    answers.mapping = MappingChoice(
        3, {Role.SIS_USER_ID: 2, Role.NEW_LOGIN: 3}, remember=False, headers=ODD_HEADERS
    )
    assert window.open_file(path)
    window.close_document()
    answers.asked.clear()
    answers.mapping = None
    assert not window.open_file(path)
    assert len(asked(answers, "mapping")) == 1


def test_ambiguous_role_asks_with_the_detected_columns_preset(window, tmp_path, answers):
    headers = ["SIS User ID", "Student ID", "New Login", "Password"]
    path = write_xlsx(
        tmp_path / "twice.xlsx",
        {"Students": [headers, ["0045510", "1", "ava.k", "sunny-apple-7"]]},
    )
    answers.mapping = MappingChoice(
        1, {Role.SIS_USER_ID: 1, Role.NEW_LOGIN: 2, Role.PASSWORD: 3}, True, headers
    )
    assert window.open_file(path)
    ((_preview, header_row, preset, message),) = asked(answers, "mapping")
    assert header_row == 1
    assert preset[Role.SIS_USER_ID] == 0 and preset[Role.NEW_LOGIN] == 2
    assert "SIS User ID" in message
    assert window.doc.table.columns[Role.SIS_USER_ID] == 1
    window.close_document()
    answers.asked.clear()
    assert window.open_file(path)
    assert asked(answers, "mapping") == []
    assert window.doc.table.columns[Role.SIS_USER_ID] == 1


def test_sheet_preview_shows_six_rows_and_the_header_row(qtbot):
    preview = [["Second logins for class K"], [], ODD_HEADERS, *(ODD_ROWS * 6)]
    dialog = MappingDialog(preview, header_row=3)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save("/tmp/mapping_dialog.png")
    table = dialog.preview_table
    assert table.viewport().height() >= 6 * table.rowHeight(0)
    assert table.rowAt(0) == 0  # the title rows above the headers stay in view
    assert table.rowAt(table.viewport().height() - 1) >= 5
    dialog.header_row_spin.setValue(12)  # further down: scrolled into view
    top = table.rowViewportPosition(11)
    assert top >= 0 and top + table.rowHeight(11) <= table.viewport().height()


def test_dialog_can_go_back_to_the_sheet_choice(qtbot):
    preview = [ODD_HEADERS, *ODD_ROWS]
    plain = MappingDialog(preview)
    qtbot.addWidget(plain)
    assert plain.sheet_button is None

    def click_back() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, click_back)
            return
        assert dialog.sheet_button.text() == "< Choose another sheet"
        dialog.sheet_button.click()

    QTimer.singleShot(0, click_back)
    assert ask_mapping(None, preview, 1, None, "", can_choose_sheet=True) is ANOTHER_SHEET

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, cancel)
            return
        dialog.reject()

    QTimer.singleShot(0, cancel)
    assert ask_mapping(None, preview, 1, None, "", can_choose_sheet=True) is None


def test_back_from_the_column_chooser_to_the_sheet_choice(window, tmp_path, answers):
    """A "Read me" sheet first; the proposed sheet's "Login" may be either login, so the
    columns are asked; going back offers every sheet with the proposed one preselected,
    and the columns are then chosen on the sheet picked."""
    doubtful = ["Name", "Student ID", "Login", "Password"]
    unknown = ["Kind", "Raum", "Nummer", "Kennung", "Geheim"]
    path = write_xlsx(
        tmp_path / "sheets.xlsx",
        {
            "Read me": [["How to fill in this workbook"], ["One row per pupil."]],
            "Pupils": [doubtful, ["Zoë Dubois", "0045512", "zoe.d", "blue-kite-19"]],
            "Last year": [unknown, ["Noah N", "1", "0045513", "noah.n", "cat-hat-77"]],
        },
    )
    choice = MappingChoice(
        header_row=1,
        mapping={Role.SIS_USER_ID: 2, Role.NEW_LOGIN: 3, Role.PASSWORD: 4},
        remember=False,
        headers=unknown,
    )
    answers.mapping = [ANOTHER_SHEET, choice]
    answers.sheet = "Last year"
    assert window.open_file(path)
    first, second = asked(answers, "mapping")
    assert first[0][0] == doubtful and first[2][Role.NEW_LOGIN] == 2  # "Login" proposed
    assert "Column C: 'Login' could be" in first[3]  # core's words for the doubt
    assert answers.mapping_offered_sheets == [True, True]
    assert asked(answers, "sheet") == [["Read me", "Pupils", "Last year"]]
    assert answers.sheet_defaults == ["Pupils"]  # core's proposal, never "Read me"
    assert second[0][0][:5] == unknown
    assert window.doc.sheet == "Last year"
    assert [r.cells[3] for r in window.doc.table.rows] == ["noah.n"]

    # cancelled in the sheet choice: nothing opened, and nothing asked after it
    window.close_document()
    answers.asked.clear()
    answers.mapping = [ANOTHER_SHEET]
    answers.sheet = None
    assert not window.open_file(path)
    assert [key for key, _ in answers.asked] == ["mapping", "sheet"]
    assert window.doc is None


def test_doubtful_login_header_is_asked_and_the_choice_used(window, tmp_path, answers):
    headers = ["First", "Last", "Student #", "Login", "Pwd"]
    path = write_xlsx(
        tmp_path / "login.xlsx",
        {"Class 3B": [headers, ["Zoë", "Dubois", "0045512", "zoe.d", "blue-kite-19"]]},
    )
    answers.mapping = MappingChoice(
        1, {Role.SIS_USER_ID: 2, Role.NEW_LOGIN: 3, Role.PASSWORD: 4}, False, headers
    )
    assert window.open_file(path)
    ((_preview, _row, preset, message),) = asked(answers, "mapping")
    assert answers.mapping_offered_sheets == [False]  # one sheet: no way back
    assert preset[Role.NEW_LOGIN] == 3 and "'Login'" in message
    table = window.doc.table
    assert table.columns[Role.NEW_LOGIN] == 3 and table.columns[Role.PASSWORD] == 4
    assert table.value(0, Role.NEW_LOGIN) == "zoe.d"

"""Students → "Find Students in Canvas" on a names-only workbook, and picking among
possible students in the grid, against the sandbox's demo school over HTTP."""

from __future__ import annotations

import pytest
from gui_window_support import asked, write_xlsx
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QMenu

from core.connection import probe
from core.model import Role
from core.profiles import SANDBOX_PROFILE_NAME, Profile
from core.roster.courses import NO_COURSE_RIGHT
from core.sandbox.state import ALL_RIGHTS, COURSE_RIGHTS
from gui.match_flow import MatchReport
from gui.roster_dialog import CLASS_COLUMN
from gui.student_chooser import StudentChooser

TIMEOUT_MS = 30_000
K = "Kindergarten - Ms. Patel"
G1 = "Grade 1 - Mr. Okafor"

#: (first, last, class) rows and what Find Students must do with each.
CLASS_LIST = [
    ["First Name", "Last Name", "Class", "Notes"],
    ["Zoe", "DUBOIS", "kindergarten - ms patel", "accents, case, dots"],  # 103
    ["Liam", "O'Brien", K, ""],  # 102
    ["Ava", "K.", K, "Ava Kowalski or Ava Kaur?"],  # several
    ["Jos", "Álvarez", G1, "short first name"],  # 106
    ["Noah", "Nguyen", G1, "in two classes"],  # 104
    ["Nobody", "Here", G1, ""],  # not found
    ["Mia", "Schröder", "Grade 9 - Nobody", ""],  # no such class
    ["", "", K, "no name: left alone"],
]
FOUND = {"Zoe": "103", "Liam": "102", "Jos": "106", "Noah": "104"}
INVALID = {"Ava", "Nobody", "Mia"}


def connect(window, sandbox, token: str | None = None):
    connection = probe(
        Profile(SANDBOX_PROFILE_NAME, sandbox.url), token or sandbox.token
    ).connection()
    window.set_connection(connection)
    return connection


def find(qtbot, window, **start) -> MatchReport | None:
    flow = window.match_flow
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT_MS) as done:
        assert window.find_students_in_canvas() if not start else flow.start(**start)
    return done.args[0]


def value(window, first: str, role: Role) -> str:
    table = window.doc.table
    row = next(i for i, r in enumerate(table.rows) if r.cells[0] == first)
    return table.value(row, role)


def row_of(window, first: str) -> int:
    return next(i for i, r in enumerate(window.doc.table.rows) if r.cells[0] == first)


@pytest.fixture
def class_list(window, sandbox, tmp_path):
    path = write_xlsx(tmp_path / "Class list.xlsx", {"Students": CLASS_LIST})
    assert window.open_file(path)
    connect(window, sandbox)
    return path


def test_find_students_fills_clear_matches_and_leaves_the_rest_invalid(
    qtbot, window, class_list, answers
):
    assert Role.CANVAS_USER_ID not in window.doc.table.columns
    assert window.actions_.find_students.isEnabled()
    report = find(qtbot, window)
    assert report == MatchReport(found=4, not_found=2, several=1)
    table = window.doc.table
    # the new column is in the grid, not only in the table
    id_col = table.columns[Role.CANVAS_USER_ID]
    assert window.table_model.columnCount() == len(table.headers) > id_col
    assert window.table_model.headerData(id_col, Qt.Orientation.Horizontal) == "Canvas User ID"
    for first in ("Zoe", "Liam", "Ava", "Jos", "Noah", "Nobody", "Mia"):
        expected = FOUND.get(first, "")
        assert value(window, first, Role.CANVAS_USER_ID) == expected, first
        assert value(window, first, Role.STATUS) == ("Invalid" if first in INVALID else ""), first
        assert value(window, first, Role.MESSAGE), first
    assert "Kowalski, Ava" in value(window, "Ava", Role.MESSAGE)
    assert "Kaur, Ava" in value(window, "Ava", Role.MESSAGE)
    assert "Grade 9 - Nobody" in value(window, "Mia", Role.MESSAGE)
    blank = len(table.rows) - 1
    assert table.value(blank, Role.CANVAS_USER_ID) == table.value(blank, Role.STATUS) == ""
    assert "4 found, 2 not found, 1 with several possible students" in (
        window.statusBar().currentMessage()
    )
    ((_title, text),) = answers.infos
    assert "Choose Student…" in text
    assert window.match_flow.rows_to_choose() == [row_of(window, "Ava")]
    assert not window.table_model.read_only
    assert window.is_modified


def test_one_undo_takes_back_the_whole_look_up(qtbot, window, class_list):
    find(qtbot, window)
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    table = window.doc.table
    for role in (Role.CANVAS_USER_ID, Role.STATUS, Role.MESSAGE):
        assert {table.value(i, role) for i in range(len(table.rows))} == {""}, role
    assert window.match_flow.candidates(row_of(window, "Ava")) != ()  # still on offer
    window.undo_stack.redo()
    assert value(window, "Zoe", Role.CANVAS_USER_ID) == "103"
    assert value(window, "Ava", Role.STATUS) == "Invalid"


def test_choosing_a_candidate_fills_the_id_and_clears_invalid(qtbot, window, class_list, answers):
    find(qtbot, window)
    flow = window.match_flow
    ava = row_of(window, "Ava")
    offered = flow.candidates(ava)
    assert {c.canvas_user_id for c in offered} == {"101", "120"}
    seen = []

    def pick_kaur(row_text, candidates):
        seen.append(row_text)
        return next(c for c in candidates if c.canvas_user_id == "120")

    answers.choose_student = pick_kaur
    assert flow.choose_student(ava)
    assert seen == [f"Ava K. ({K}), row 4"]
    assert value(window, "Ava", Role.CANVAS_USER_ID) == "120"
    assert value(window, "Ava", Role.STATUS) == ""
    assert "Kaur, Ava" in value(window, "Ava", Role.MESSAGE)
    assert flow.candidates(ava) == ()  # chosen: nothing more to choose
    assert window.undo_stack.count() == 2
    window.undo_stack.undo()  # takes back the choice only
    assert value(window, "Ava", Role.CANVAS_USER_ID) == ""
    assert value(window, "Ava", Role.STATUS) == "Invalid"
    assert value(window, "Zoe", Role.CANVAS_USER_ID) == "103"
    # cancelling the chooser changes nothing
    answers.choose_student = lambda row_text, candidates: None
    assert not flow.choose_student(ava)
    assert window.undo_stack.count() == 2  # the undone choice is still there to redo
    # a row that was found, or not found at all, has nothing to choose from
    assert not flow.choose_student(row_of(window, "Zoe"))
    assert not flow.choose_student(row_of(window, "Nobody"))


def test_double_click_on_the_empty_id_opens_the_chooser_instead_of_editing(
    qtbot, window, class_list, answers
):
    find(qtbot, window)
    asked_rows = []

    def first(row_text, candidates):
        asked_rows.append(row_text)
        return candidates[0]

    answers.choose_student = first
    view = window.widgets.view
    id_col = window.table_model.column_for(Role.CANVAS_USER_ID)
    index = window.proxy.proxy_index_for(row_of(window, "Ava"), id_col)
    view.scrollTo(index)
    qtbot.mouseDClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert value(window, "Ava", Role.CANVAS_USER_ID) in {"101", "120"}
    assert view.state() != QAbstractItemView.State.EditingState
    assert len(asked_rows) == 1
    # a found row's id, or a name cell, is not the chooser's: nothing is asked
    for first_name, column in (("Zoe", id_col), ("Nobody", 0)):
        other = window.proxy.proxy_index_for(row_of(window, first_name), column)
        qtbot.mouseDClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(other).center()
        )
    assert len(asked_rows) == 1
    assert value(window, "Zoe", Role.CANVAS_USER_ID) == "103"


def test_the_context_menu_offers_choose_student_on_such_a_row(qtbot, window, class_list, answers):
    find(qtbot, window)
    asked_rows = []
    answers.choose_student = lambda row_text, candidates: asked_rows.append(row_text)
    view = window.widgets.view
    index = window.proxy.proxy_index_for(row_of(window, "Ava"), 0)
    at = view.visualRect(index).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, view.viewport().mapToGlobal(at))
    QApplication.sendEvent(view.viewport(), event)
    menu = view.findChild(QMenu, "MatchContextMenu")
    assert menu is not None
    (action,) = menu.actions()
    assert action.text() == "Choose Student… (2 possible students)"
    action.trigger()
    menu.close()
    assert asked_rows == [f"Ava K. ({K}), row 4"]
    # a row with nothing to choose gets no menu from the flow
    menu.deleteLater()
    QApplication.processEvents()
    plain = view.visualRect(window.proxy.proxy_index_for(row_of(window, "Zoe"), 0)).center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, plain, view.viewport().mapToGlobal(plain)
    )
    QApplication.sendEvent(view.viewport(), event)
    assert all(m.isHidden() for m in view.findChildren(QMenu, "MatchContextMenu"))


def test_without_a_class_column_staff_pick_the_classes_first(qtbot, window, sandbox, tmp_path):
    rows = [["Student Name"], ["Kowalski, Ava"], ["Yuki Tanaka"], ["田中 花子"]]
    path = write_xlsx(tmp_path / "Names.xlsx", {"Sheet1": rows})
    assert window.open_file(path)
    connect(window, sandbox)
    flow = window.match_flow
    assert window.find_students_in_canvas()
    picker = flow.picker
    assert picker is not None and picker.isVisible()
    with qtbot.waitSignal(picker.search_finished, timeout=TIMEOUT_MS):
        picker.search("Patel")
    picker.course_item(201).setCheckState(CLASS_COLUMN, Qt.CheckState.Checked)
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT_MS) as done:
        picker.action_button.click()
    assert done.args[0] == MatchReport(found=1, not_found=2, several=0)
    table = window.doc.table
    assert [table.value(i, Role.CANVAS_USER_ID) for i in range(3)] == ["101", "", ""]
    assert table.value(1, Role.STATUS) == "Invalid"  # Yuki is not in Ms. Patel's class
    assert table.value(2, Role.STATUS) == "Invalid"


def test_when_no_class_is_known_in_canvas_staff_may_pick_the_classes(
    qtbot, window, sandbox, tmp_path, answers
):
    rows = [
        ["First Name", "Last Name", "Class"],
        ["Ava", "Kowalski", "Room 12"],
        ["Liam", "O", "Room 12"],
    ]
    assert window.open_file(write_xlsx(tmp_path / "Rooms.xlsx", {"Sheet1": rows}))
    connect(window, sandbox)
    offered = []
    answers.ask_choose_classes = lambda count: offered.append(count) or False
    assert find(qtbot, window) == MatchReport(found=0, not_found=2, several=0)
    assert offered == [2]
    assert "Room 12" in value(window, "Ava", Role.MESSAGE)
    window.undo_stack.undo()
    # this time staff pick the class
    answers.ask_choose_classes = lambda count: offered.append(count) or True
    flow = window.match_flow
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT_MS) as first:
        window.find_students_in_canvas()
    assert first.args[0] is None and offered == [2, 2]
    assert not window.undo_stack.canUndo()  # nothing filled before the classes are chosen
    picker = flow.picker
    assert "does not name classes as Canvas does" in picker.findChild(QLabel).text()
    with qtbot.waitSignal(picker.search_finished, timeout=TIMEOUT_MS):
        picker.search("K-PATEL")
    picker.course_item(201).setCheckState(CLASS_COLUMN, Qt.CheckState.Checked)
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT_MS) as done:
        picker.action_button.click()
    assert done.args[0] == MatchReport(found=2, not_found=0, several=0)
    assert value(window, "Ava", Role.CANVAS_USER_ID) == "101"
    assert value(window, "Liam", Role.CANVAS_USER_ID) == "102"  # "O" starts O'Brien
    assert offered == [2, 2]  # chosen classes are never second-guessed


def test_rows_that_already_name_their_student_are_left_alone(qtbot, window, sandbox, tmp_path):
    rows = [
        ["First Name", "Last Name", "Class", "SIS User ID"],
        ["Liam", "O'Brien", K, "0045511"],
        ["Zoë", "Dubois", K, ""],
    ]
    path = write_xlsx(tmp_path / "Some ids.xlsx", {"Sheet1": rows})
    assert window.open_file(path)
    connect(window, sandbox)
    assert find(qtbot, window) == MatchReport(found=1, not_found=0, several=0)
    assert value(window, "Liam", Role.CANVAS_USER_ID) == ""
    assert value(window, "Zoë", Role.CANVAS_USER_ID) == "103"
    # every row named: a second look-up has nothing to do, and says so
    window.undo_stack.clear()
    assert find(qtbot, window) is None
    assert "nothing to look up" in window.prompts.infos[-1][1]
    assert window.undo_stack.count() == 0


def test_a_workbook_without_names_is_refused_before_asking_canvas(
    window, sandbox, tmp_path, answers
):
    rows = [["SIS User ID", "New Login"], ["0045510", "ava.k"]]
    assert window.open_file(write_xlsx(tmp_path / "ids.xlsx", {"Sheet1": rows}))
    connect(window, sandbox)
    before = sandbox.stats.requests
    assert not window.find_students_in_canvas()
    ((title, _text),) = answers.errors
    assert title == "No names to look up"
    assert sandbox.stats.requests == before


def test_without_a_connection_it_asks_to_connect(window, class_list, answers):
    window.set_connection(None)
    assert not window.find_students_in_canvas()
    assert asked(answers, "connect") == [None]
    assert Role.CANVAS_USER_ID not in window.doc.table.columns


def test_a_token_that_may_not_read_classes_gets_plain_words(
    qtbot, window, class_list, sandbox, answers
):
    sandbox.add_token("logins-only", rights=set(ALL_RIGHTS - COURSE_RIGHTS))
    connect(window, sandbox, "logins-only")
    assert find(qtbot, window) is None
    ((_title, text),) = answers.errors
    assert text == NO_COURSE_RIGHT
    assert window.undo_stack.count() == 0
    assert not window.table_model.read_only


def test_cancel_fills_nothing(qtbot, window, sandbox_factory, tmp_path):
    slow = sandbox_factory(seed_demo=True, latency=0.3)
    path = write_xlsx(tmp_path / "Class list.xlsx", {"Students": CLASS_LIST})
    assert window.open_file(path)
    connect(window, slow)
    flow = window.match_flow
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT_MS) as done:
        assert window.find_students_in_canvas()
        assert window.table_model.read_only  # no edits while it reads
        assert not window.find_students_in_canvas()  # one at a time
        flow.cancel()
    assert done.args[0] is None
    assert window.undo_stack.count() == 0
    assert not window.table_model.read_only
    assert "Stopped" in window.statusBar().currentMessage()


def test_the_chooser_lists_each_possible_student(qtbot):
    from core.roster.match import Candidate

    found = (Candidate("101", "Kowalski, Ava", K), Candidate("120", "Kaur, Ava", K))
    dialog = StudentChooser(None, f"Ava K. ({K}), row 4", found)
    qtbot.addWidget(dialog)
    shown = [
        [dialog.list.topLevelItem(i).text(c) for c in range(3)]
        for i in range(dialog.list.topLevelItemCount())
    ]
    assert shown == [["Kowalski, Ava", K, "101"], ["Kaur, Ava", K, "120"]]
    assert dialog.chosen() == found[0]
    dialog.list.setCurrentItem(dialog.list.topLevelItem(1))
    assert dialog.chosen() == found[1]

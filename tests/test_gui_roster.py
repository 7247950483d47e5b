"""Students → "New from Canvas Classes…": search, tick classes or sections, get a workbook.

Against the sandbox's demo school over HTTP (core/demo.py: one class per teacher, Noah
in two classes, Mr. Haddad's class in two sections with Aarav in both, last year's
Kindergarten concluded, in the 2024-2025 term).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_window_support import asked, read_column

from core.canvas.client import CanvasClient
from core.connection import probe
from core.demo import DEMO_STUDENTS
from core.model import Role
from core.profiles import SANDBOX_PROFILE_NAME, Profile
from core.sandbox.state import ALL_RIGHTS, COURSE_RIGHTS
from gui.first_start import FirstStartChoice, WelcomeDialog
from gui.roster_dialog import CLASS_COLUMN, TERM_COLUMN, ClassPicker, course_label
from gui.roster_flow import default_workbook_path, start_from_practice_class
from gui.term_choice import ALL_TERMS

TIMEOUT_MS = 30_000
PATEL_K, OKAFOR_1, HADDAD_3, PATEL_K_LAST_YEAR = 201, 202, 204, 207


def connect(window, sandbox):
    connection = probe(Profile(SANDBOX_PROFILE_NAME, sandbox.url), sandbox.token).connection()
    window.set_connection(connection)
    return connection


@pytest.fixture
def picker(qtbot, window, sandbox) -> ClassPicker:
    connect(window, sandbox)
    dialog = window.new_from_canvas_classes()
    assert isinstance(dialog, ClassPicker)
    # The terms are read when the dialog opens; the tests search once they are in.
    qtbot.waitUntil(lambda: not dialog.term_box.is_loading(), timeout=TIMEOUT_MS)
    return dialog


def choose_term(qtbot, picker: ClassPicker, name: str) -> int:
    """Choose a term after a search: the picker searches again; how many it found."""
    box = picker.term_box
    with qtbot.waitSignal(picker.search_finished, timeout=TIMEOUT_MS) as done:
        box.setCurrentIndex(box.findText(name))
    return done.args[0]


def search(qtbot, picker: ClassPicker, text: str) -> int:
    with qtbot.waitSignal(picker.search_finished, timeout=TIMEOUT_MS) as done:
        assert picker.search(text)
    return done.args[0]


def tick(item) -> None:
    from PySide6.QtCore import Qt

    item.setCheckState(CLASS_COLUMN, Qt.CheckState.Checked)


def create(qtbot, picker: ClassPicker, answers, path: Path) -> object:
    answers.save_path = str(path)
    with qtbot.waitSignal(picker.work_finished, timeout=TIMEOUT_MS) as done:
        picker.action_button.click()
    return done.args[0]


def names_by_id() -> dict[str, str]:
    return {str(s.canvas_id): s.name for s in DEMO_STUDENTS}


def column(window, role: Role) -> list[str]:
    table = window.doc.table
    return [table.value(i, role) for i in range(len(table.rows))]


def test_without_a_connection_it_asks_to_connect_first(window, answers):
    assert window.new_from_canvas_classes() is None
    assert asked(answers, "connect") == [None]


def test_a_search_shorter_than_two_letters_says_so_without_asking_canvas(qtbot, picker, sandbox):
    before = sandbox.stats.requests
    assert not picker.search(" P ")
    assert "at least 2 letters" in picker.message.text()
    assert not picker.search_job.is_running()
    assert sandbox.stats.requests == before


def test_search_by_teacher_finds_her_classes_and_marks_the_ended_one(qtbot, picker):
    assert search(qtbot, picker, "Ms. Patel") == 1  # classes that ended are left out
    assert picker.results()[0].course_id == PATEL_K
    assert choose_term(qtbot, picker, ALL_TERMS) == 1
    with qtbot.waitSignal(picker.search_finished, timeout=TIMEOUT_MS) as again:
        picker.ended_box.setChecked(True)  # searches again
    assert again.args[0] == 2
    found = {c.course_id: c for c in picker.results()}
    assert set(found) == {PATEL_K, PATEL_K_LAST_YEAR}
    current = picker.course_item(PATEL_K)
    assert current.text(CLASS_COLUMN) == "Kindergarten - Ms. Patel"
    assert current.text(TERM_COLUMN) == "2025-2026"
    assert current.text(3) == "5"  # students
    ended = picker.course_item(PATEL_K_LAST_YEAR)
    assert ended.text(TERM_COLUMN) == "2024-2025 (ended)"
    assert ended.toolTip(CLASS_COLUMN)
    # by course code and by part of the name too
    assert search(qtbot, picker, "G1-OKAF") == 1
    assert search(qtbot, picker, "grade 3") == 1
    assert search(qtbot, picker, "Nobody Such") == 0
    assert "No class matches" in picker.message.text()


def test_the_terms_are_offered_with_this_year_chosen_and_narrow_the_search(qtbot, picker):
    box = picker.term_box
    assert [box.itemText(i) for i in range(box.count())] == [
        ALL_TERMS,
        "2025-2026",
        "2024-2025",
        "Default Term",  # no dates: last, never chosen for the user
    ]
    assert (box.currentText(), box.term_id()) == ("2025-2026", 3)
    picker.ended_box.setChecked(True)  # before any search: nothing is searched
    assert not picker.search_job.is_running()
    assert search(qtbot, picker, "Patel") == 1  # last year's class is in another term
    assert [c.course_id for c in picker.results()] == [PATEL_K]
    assert choose_term(qtbot, picker, ALL_TERMS) == 2
    assert [c.course_id for c in picker.results()] == [PATEL_K, PATEL_K_LAST_YEAR]
    assert box.term_id() is None
    assert choose_term(qtbot, picker, "2024-2025") == 1
    assert picker.course_item(PATEL_K_LAST_YEAR).text(TERM_COLUMN) == "2024-2025 (ended)"
    assert choose_term(qtbot, picker, "Default Term") == 0
    assert "No class matches “Patel”" in picker.message.text()


def test_without_the_terms_the_list_offers_all_terms_and_search_still_works(qtbot, sandbox):
    sandbox.add_token("logins-only", rights=set(ALL_RIGHTS - COURSE_RIGHTS))
    for token, account_id in (("logins-only", 1), (sandbox.token, 2)):  # 403; 400 (sub-account)
        with CanvasClient(sandbox.url, token) as client:
            picker = ClassPicker(None, client, account_id, action_text="Make")
            qtbot.addWidget(picker)
            with qtbot.waitSignal(picker.term_box.loaded, timeout=TIMEOUT_MS) as loaded:
                pass
            assert loaded.args[0] == -1
            box = picker.term_box
            assert [box.itemText(i) for i in range(box.count())] == [ALL_TERMS]
            assert box.term_id() is None and box.isEnabled()
            if token == "logins-only":
                assert search(qtbot, picker, "Patel") == -1
                assert "may not read the account's courses" in picker.message.text()
            else:
                assert search(qtbot, picker, "Patel") == 1
            picker.reject()


def test_a_new_search_while_one_runs_shows_only_the_newest_answer(qtbot, picker):
    with qtbot.waitSignal(picker.search_finished, timeout=TIMEOUT_MS) as done:
        assert picker.search("Grade")
        assert picker.search_job.is_running()
        assert picker.search("Lindqvist")  # asked for before "Grade" was answered
    assert done.args[0] == 1
    assert [c.course_id for c in picker.results()] == [203]
    qtbot.wait(300)  # no second answer follows
    assert [c.course_id for c in picker.results()] == [203]
    assert not picker.search_job.is_running()


def test_two_classes_make_a_workbook_that_opens_with_each_student_once(
    qtbot, window, picker, answers, tmp_path
):
    assert not picker.action_button.isEnabled()
    search(qtbot, picker, "Patel")
    tick(picker.course_item(PATEL_K))
    search(qtbot, picker, "Okafor")  # the first pick stays ticked across searches
    tick(picker.course_item(OKAFOR_1))
    assert len(picker.chosen_courses()) == 2
    assert "Kindergarten - Ms. Patel" in picker.chosen_label.text()
    assert picker.action_button.isEnabled()
    target = tmp_path / "Two classes.xlsx"
    assert create(qtbot, picker, answers, target) is not None
    (suggested,) = asked(answers, "save_path")
    assert suggested.name == "Kindergarten - Ms Patel and 1 more logins.xlsx"
    assert window.doc is not None and window.doc.path == target
    ids = column(window, Role.CANVAS_USER_ID)
    # Noah (104) is in both classes: one row
    assert sorted(ids) == sorted({"101", "102", "103", "104", "120", "105", "106", "107", "108"})
    names = names_by_id()
    firsts = column(window, Role.FIRST_NAME)
    lasts = column(window, Role.LAST_NAME)
    for canvas_id, first, last in zip(ids, firsts, lasts, strict=True):
        assert f"{first} {last}" == names[canvas_id]
    assert set(column(window, Role.NEW_LOGIN)) == {""}
    assert set(column(window, Role.PASSWORD)) == {""}
    assert "9 students" in window.statusBar().currentMessage()
    assert not window.is_modified


def test_sections_can_be_ticked_instead_of_the_whole_class(
    qtbot, window, picker, answers, tmp_path
):
    search(qtbot, picker, "Haddad")
    with qtbot.waitSignal(picker.sections_finished, timeout=TIMEOUT_MS):
        picker.course_item(HADDAD_3).setExpanded(True)
    tick(picker.course_item(HADDAD_3))
    room_b = next(s for s in picker._sections[HADDAD_3] if s.name.endswith("3B"))
    tick(picker.section_item(room_b.section_id))
    # ticking a section unticks the whole class: only Room 3B's students come
    assert picker.chosen_courses() == []
    assert picker.chosen_sections() == [room_b]
    assert picker.chosen_names() == ["Grade 3 - Mr. Haddad: Grade 3 - Room 3B"]
    create(qtbot, picker, answers, tmp_path / "3B.xlsx")
    assert sorted(column(window, Role.CANVAS_USER_ID)) == ["115", "116"]


def test_ticking_the_class_unticks_its_sections(qtbot, picker):
    search(qtbot, picker, "Haddad")
    assert picker.load_sections(HADDAD_3)
    qtbot.waitUntil(lambda: HADDAD_3 in picker._sections, timeout=TIMEOUT_MS)
    assert not picker.load_sections(HADDAD_3)  # read once
    sections = picker._sections[HADDAD_3]
    for section in sections:
        tick(picker.section_item(section.section_id))
    assert len(picker.chosen_sections()) == 2
    tick(picker.course_item(HADDAD_3))
    assert picker.chosen_sections() == []
    assert [c.course_id for c in picker.chosen_courses()] == [HADDAD_3]


def test_cancelling_the_save_question_reads_nothing(qtbot, picker, answers, sandbox):
    search(qtbot, picker, "Patel")
    tick(picker.course_item(PATEL_K))
    answers.save_path = None
    before = sandbox.stats.requests
    picker.action_button.click()
    assert not picker.is_working
    assert sandbox.stats.requests == before
    assert picker.isVisible()


def test_cancel_while_reading_stops_and_saves_nothing(
    qtbot, window, answers, sandbox_factory, tmp_path
):
    slow = sandbox_factory(seed_demo=True, latency=0.4)
    connect(window, slow)
    picker = window.new_from_canvas_classes()
    search(qtbot, picker, "Grade")
    for course in picker.results():
        tick(picker.course_item(course.course_id))
    target = tmp_path / "stopped.xlsx"
    answers.save_path = str(target)
    with qtbot.waitSignal(picker.work_finished, timeout=TIMEOUT_MS) as done:
        picker.action_button.click()
        assert picker.is_working
        assert not picker.search_box.isEnabled()
        picker.reject()  # Cancel while reading stops the reading, not the dialog
    assert done.args[0] is None
    assert "Stopped" in picker.message.text()
    assert picker.isVisible()
    assert not target.exists()
    assert window.doc is None


def test_suggested_file_name_is_safe_and_new(tmp_path, monkeypatch):
    from PySide6.QtCore import QStandardPaths

    from core.roster.courses import CourseChoice

    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _where: str(tmp_path))
    odd = CourseChoice(9, 'Grade 1: "Stars" / Room 2.', "G1", ("Zoë Ng",), 3, "", False)
    first = default_workbook_path([odd])
    assert first == tmp_path / "Grade 1 Stars Room 2 Zoë Ng logins.xlsx"
    first.write_bytes(b"")
    assert default_workbook_path([odd]).name == "Grade 1 Stars Room 2 Zoë Ng logins (2).xlsx"
    assert course_label(odd) == 'Grade 1: "Stars" / Room 2. (Zoë Ng)'
    assert default_workbook_path([]).name == "Students logins.xlsx"


def test_the_search_is_remembered(qtbot, window, sandbox):
    connect(window, sandbox)
    first = window.new_from_canvas_classes()
    search(qtbot, first, "Lindqvist")
    first.reject()
    again = window.new_from_canvas_classes()
    assert again.search_box.text() == "Lindqvist"


def test_first_start_offers_to_start_from_a_class(qtbot, window):
    welcome = WelcomeDialog()
    qtbot.addWidget(welcome)
    welcome.class_button.click()
    assert welcome.choice is FirstStartChoice.CLASS
    start_from_practice_class(window)
    qtbot.waitUntil(lambda: window.findChild(ClassPicker) is not None, timeout=TIMEOUT_MS)
    picker = window.findChild(ClassPicker)
    assert window.connection is not None and window.connection.sandbox is not None
    qtbot.waitUntil(lambda: bool(picker.results()), timeout=TIMEOUT_MS)
    assert PATEL_K in {c.course_id for c in picker.results()}


def test_new_from_a_class_then_generate_check_and_run(
    qtbot, window, picker, answers, sandbox, tmp_path
):
    """The whole K-3 story in the app: a class from Canvas, logins made, checked, sent."""
    search(qtbot, picker, "Kindergarten")
    tick(picker.course_item(PATEL_K))
    target = tmp_path / "K logins.xlsx"
    create(qtbot, picker, answers, target)
    assert window.doc.path == target
    students = column(window, Role.CANVAS_USER_ID)
    assert sorted(students) == ["101", "102", "103", "104", "120"]

    generate = window.generate_logins()
    assert generate is not None
    with qtbot.waitSignal(generate.accepted, timeout=TIMEOUT_MS):
        generate.accept()  # asks Canvas which names are taken, then fills
    logins = column(window, Role.NEW_LOGIN)
    assert all(logins) and len({login.casefold() for login in logins}) == len(logins)
    assert all(column(window, Role.PASSWORD))
    assert window.undo_stack.count() == 1

    with qtbot.waitSignal(window.check_finished, timeout=TIMEOUT_MS) as checked:
        assert window.check_with_canvas()
    assert checked.args[0] is not None
    assert set(column(window, Role.STATUS)) == {"Ready"}

    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT_MS) as ran:
        assert window.run_changes(confirm=False)
    assert ran.args[0] is not None
    assert set(column(window, Role.STATUS)) == {"Created"}
    made = {
        (str(login["user_id"]), login["unique_id"]) for login in sandbox.state.all_active_logins()
    }
    assert set(zip(students, logins, strict=True)) <= made
    assert not window.is_modified  # saved back into the new workbook
    assert read_column(target, "Status") == ["Created"] * len(students)

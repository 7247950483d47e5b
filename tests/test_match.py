"""Finding a names-only class list's students in Canvas (core.roster.match), over HTTP."""

from __future__ import annotations

import openpyxl
import pytest

from core.canvas.client import CanvasClient
from core.canvas.errors import Cancelled, PermissionDenied
from core.model import CancelToken, Role
from core.roster.courses import NO_COURSE_RIGHT
from core.roster.match import match_edits, match_students, name_key, names_match
from core.sandbox.state import ALL_RIGHTS, COURSE_RIGHTS
from core.workflow import Workflow

K = "Kindergarten - Ms. Patel"
AMBIGUOUS = (
    "2 students in Canvas fit the name 'Ava K.': Kowalski, Ava (Kindergarten - Ms. Patel, "
    "Canvas User ID 101); Kaur, Ava (Kindergarten - Ms. Patel, Canvas User ID 120). Put "
    "the right one's Canvas User ID in this row"
)


@pytest.fixture
def client(sandbox):
    with CanvasClient(sandbox.url, sandbox.token) as made:
        yield made


def class_list(path, headers, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return Workflow.open(path)


@pytest.mark.parametrize(
    ("first", "last", "sortable", "expected"),
    [
        ("Ava", "Kowalski", "Kowalski, Ava", True),
        ("  AVA ", "kowalski", "Kowalski, Ava", True),
        ("Zoe", "Dubois", "Dubois, Zoë", True),
        ("Zoë", "DUBOIS", "Dubois, Zoe", True),
        ("Sam", "Lee", "Lee, Samantha", True),
        ("A.", "Kowalski", "Kowalski, Ava", True),
        ("Ava", "K.", "Kowalski, Ava", True),
        ("Ava", "K", "Kaur, Ava", True),
        ("Liam", "OBrien", "O'Brien, Liam", True),
        ("Jose", "Alvarez Garcia", "Álvarez García, José", True),
        # German umlauts match both the plain and the German spelling, both ways round.
        ("Mia", "Schroeder", "Schröder, Mia", True),
        ("Mia", "Schroder", "Schröder, Mia", True),
        ("mia", "SCHRÖDER", "Schroeder, Mia", True),
        ("Juergen", "Strauss", "Strauß, Jürgen", True),
        ("Mia", "Schroeder", "Schroder, Mia", False),
        # Whole words of a name: a double surname written once, a middle name left out.
        ("Jose", "Alvarez", "Álvarez García, José", True),
        ("José", "García", "Álvarez García, José", True),
        ("Jose", "Alvarez Garcia", "Álvarez, José", True),
        ("Ava Marie", "Kowalski", "Kowalski, Ava", True),
        ("Ava", "Kowalski", "Kowalski, Ava Marie", True),
        ("Jose", "Garc", "Álvarez García, José", False),
        # Only a shorter written FIRST name counts; a last name is the same or an initial.
        ("Samantha", "Lee", "Lee, Sam", False),
        ("Avalon", "Kowalski", "Kowalski, Ava", False),
        ("Emma", "John", "Johnson, Emma", False),
        ("Emma", "Johnson", "John, Emma", False),
        ("Emma", "Smith", "Smithson, Emma", False),
        ("Oliver", "Smit", "Smith, Oliver", False),
        ("Ava", "Ko", "Kowalski, Ava", False),
        ("Ava", "Kowalski", "Kaur, Ava", False),
        ("Avery", "Kowalski", "Kowalski, Ava", False),
        ("Mia", "Smith", "Schröder, Mia", False),
        ("Ava", "", "Kowalski, Ava", False),
        ("", "Kowalski", "Kowalski, Ava", False),
        ("", "", "Kowalski, Ava", False),
    ],
)
def test_names_compare_the_way_people_write_them(first, last, sortable, expected):
    assert names_match(first, last, sortable) is expected


def test_name_key_ignores_case_accents_dots_dashes_and_spaces():
    assert name_key("  Kindergarten -  Ms. PATEL ") == name_key("kindergarten ms patel")
    assert name_key("Chloé") == "chloe"
    assert name_key("O’Brien") == name_key("OBrien")


def test_a_names_only_list_is_matched_with_exact_fills_ambiguities_and_misses(client, tmp_path):
    workflow = class_list(
        tmp_path / "names.xlsx",
        ["First Name", "Last Name", "Class", "Notes"],
        [
            ["Ava", "K.", K, "two Avas K."],
            ["ZOE", "dubois", "kindergarten  -  ms patel", "case, accent, spacing"],
            ["Noah", "Nguyen", "k-patel", "the course code"],
            ["Em", "Johnson", "Grade 1 - Mr. Okafor", "short first name"],
            ["Sam", "Nobody", K, "not in the class"],
            ["Mia", "Schröder", "Room 99", "no such class"],
            ["Grace", "Wilson", None, "no class given"],
            [None, None, K, "no name: left alone"],
        ],
    )
    table = workflow.table
    matches = match_students(table, client)
    assert [(m.row, m.canvas_user_id) for m in matches] == [
        (0, None),
        (1, "103"),
        (2, "104"),
        (3, "107"),
        (4, None),
        (5, None),
        (6, None),
    ]
    assert matches[0].message == AMBIGUOUS
    assert [c.canvas_user_id for c in matches[0].candidates] == ["101", "120"]
    assert matches[1].message == "Found in Canvas: Dubois, Zoë (Kindergarten - Ms. Patel)"
    assert matches[4].candidates == ()
    assert matches[4].message.startswith(
        "No student named 'Sam Nobody' in the Canvas class 'Kindergarten - Ms. Patel'."
    )
    assert matches[5].message.startswith("No active Canvas class or section is named 'Room 99'")
    assert matches[6].message.startswith("No class in this row")

    for row, column, value in match_edits(table, matches):
        table.set_cell(row, column, value)
    saved = workflow.save()
    reopened = Workflow.open(saved).table
    ids = [reopened.value(r, Role.CANVAS_USER_ID) for r in range(len(reopened.rows))]
    statuses = [reopened.status(r) for r in range(len(reopened.rows))]
    assert ids == ["", "103", "104", "107", "", "", "", ""]
    assert statuses == ["Invalid", "", "", "", "Invalid", "Invalid", "Invalid", ""]
    assert reopened.value(0, Role.MESSAGE) == AMBIGUOUS
    assert reopened.value(3, Role.MESSAGE) == (
        "Found in Canvas: Johnson, Emma (Grade 1 - Mr. Okafor) — the sheet says 'Em'; "
        "check it is the same child"
    )
    notes = [reopened.rows[r].cells[3] for r in range(len(reopened.rows))]
    assert notes[0] == "two Avas K."


def test_one_name_column_and_rows_that_already_name_their_student(client, tmp_path):
    workflow = class_list(
        tmp_path / "names.xlsx",
        ["Student Name", "Homeroom", "SIS User ID"],
        [
            ["Álvarez, José", "Grade 1 - Mr. Okafor", None],
            ["José Álvarez", "Grade 1 - Mr. Okafor", None],
            ["Chloe Bernard", "G3-HADDAD", None],
            ["Ava Kowalski", K, "0045510"],
        ],
    )
    matches = match_students(workflow.table, client)
    assert [(m.row, m.canvas_user_id) for m in matches] == [(0, "106"), (1, "106"), (2, "113")]


def test_given_classes_narrow_to_a_named_class_or_section(client, tmp_path):
    workflow = class_list(
        tmp_path / "names.xlsx",
        ["First", "Last", "Class"],
        [
            ["Aarav", "Sharma", "Grade 3 - Room 3B"],
            ["Chloe", "Bernard", None],
            ["Ava", "K", "our class"],
            ["Noah", "N", None],
        ],
    )
    only_haddad = match_students(workflow.table, client, course_ids=[204])
    assert [(m.row, m.canvas_user_id) for m in only_haddad] == [
        (0, "115"),
        (1, "113"),
        (2, None),
        (3, None),
    ]
    assert only_haddad[0].message == "Found in Canvas: Sharma, Aarav (Grade 3 - Room 3B)"
    two_classes = match_students(workflow.table, client, course_ids=[201, 202])
    ava, noah = two_classes[2], two_classes[3]
    assert [c.canvas_user_id for c in ava.candidates] == ["101", "120"]
    # Noah is in both classes: one student, so one clear match.
    assert noah.canvas_user_id == "104"


def test_an_exact_name_beats_a_loose_one(sandbox, client, tmp_path):
    with sandbox.state.lock:
        sam = sandbox.state.add_student("Sam Lee", "0099001")
        samantha = sandbox.state.add_student("Samantha Lee", "0099002")
        for user_id in (sam, samantha):
            sandbox.state.school.enroll(user_id, 301)
    workflow = class_list(
        tmp_path / "names.xlsx",
        ["First Name", "Last Name", "Class"],
        [["Sam", "Lee", K], ["Samantha", "Lee", K], ["Sa", "Lee", K]],
    )
    matches = match_students(workflow.table, client)
    assert [m.canvas_user_id for m in matches] == [str(sam), str(samantha), None]
    assert len(matches[2].candidates) == 2


def test_match_edits_add_the_canvas_user_id_column(client, tmp_path):
    workflow = class_list(
        tmp_path / "names.xlsx", ["First Name", "Last Name", "Class"], [["Ava", "Kowalski", K]]
    )
    table = workflow.table
    assert Role.CANVAS_USER_ID not in table.columns
    matches = match_students(table, client)
    edits = match_edits(table, matches)
    id_column = table.columns[Role.CANVAS_USER_ID]
    message_column = table.columns[Role.MESSAGE]
    assert (0, id_column, "101") in edits
    assert (0, message_column, "Found in Canvas: Kowalski, Ava (Kindergarten - Ms. Patel)") in edits
    assert not any(value == "Invalid" for _, _, value in edits)


def test_a_token_that_may_not_read_courses_gets_plain_words(sandbox, tmp_path):
    sandbox.add_token("logins-only", rights=set(ALL_RIGHTS - COURSE_RIGHTS))
    workflow = class_list(
        tmp_path / "names.xlsx", ["First Name", "Last Name", "Class"], [["Ava", "Kowalski", K]]
    )
    with (
        CanvasClient(sandbox.url, "logins-only") as limited,
        pytest.raises(PermissionDenied) as raised,
    ):
        match_students(workflow.table, limited, account_id=1)
    assert raised.value.message == NO_COURSE_RIGHT


def test_stop_raises_cancelled_and_progress_names_each_class(client, tmp_path):
    workflow = class_list(
        tmp_path / "names.xlsx",
        ["First Name", "Last Name", "Class"],
        [["Ava", "Kowalski", K], ["Mia", "Schröder", "G1-OKAFOR"]],
    )
    heard = []
    match_students(workflow.table, client, progress=heard.append)
    assert [p.message for p in heard if p.message.startswith("Reading")] == [
        f"Reading {K}…",
        "Reading Grade 1 - Mr. Okafor…",
    ]
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        match_students(workflow.table, client, cancel=cancel)


def test_a_short_first_name_fills_but_says_so_and_near_last_names_do_not(sandbox, client, tmp_path):
    g1 = "Grade 1 - Mr. Okafor"
    with sandbox.state.lock:
        samantha = sandbox.state.add_student("Samantha Johnson", "0099003")
        smithson = sandbox.state.add_student("Emma Smithson", "0099004")
        for user_id in (samantha, smithson):
            sandbox.state.school.enroll(user_id, 302)
    workflow = class_list(
        tmp_path / "names.xlsx",
        ["First Name", "Last Name", "Class"],
        [
            ["Sam", "Johnson", g1],
            ["Emma", "John", g1],
            ["Oliver", "Smit", g1],
            ["Lucas", "Mart", "Grade 2 - Mrs. Lindqvist"],
            ["Emma", "Smith", g1],
            ["Avalon", "Kowalski", K],
            ["Mia", "Schroeder", g1],
            ["Liam", "O.", K],
        ],
    )
    matches = match_students(workflow.table, client)
    assert [m.canvas_user_id for m in matches] == [
        str(samantha),
        None,
        None,
        None,
        None,
        None,
        "105",
        "102",
    ]
    assert matches[0].message == (
        "Found in Canvas: Johnson, Samantha (Grade 1 - Mr. Okafor) — the sheet says 'Sam'; "
        "check it is the same child"
    )
    for miss in matches[1:6]:
        assert miss.candidates == ()
        assert miss.message.startswith("No student named"), miss.message
    assert matches[6].message == "Found in Canvas: Schröder, Mia (Grade 1 - Mr. Okafor)"
    assert matches[7].message == (
        "Found in Canvas: O'Brien, Liam (Kindergarten - Ms. Patel) — the sheet says 'O.'; "
        "check it is the same child"
    )


class CountingClient(CanvasClient):
    """The real client, counting which classes' sections it read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections_read: list[int] = []

    def course_sections(self, course_id):
        self.sections_read.append(int(course_id))
        return super().course_sections(course_id)


def test_a_class_cell_naming_a_section_is_found_without_choosing_classes(sandbox, tmp_path):
    workflow = class_list(
        tmp_path / "names.xlsx",
        ["Name", "Homeroom"],
        [
            ["Aarav Sharma", "Grade 3 - Room 3B"],
            ["Wilson, Grace", "grade 3  room 3b"],
            ["Yuki Tanaka", "Grade 3 - Room 3B"],
            ["Yuki Tanaka", "GRADE 3 - ROOM 3A"],
            ["Chloé Bernard", "Grade 3 - Room 3C"],
            ["Chloe Bernard", "G3-HADDAD"],
        ],
    )
    with CountingClient(sandbox.url, sandbox.token) as client:
        matches = match_students(workflow.table, client)
    assert [m.canvas_user_id for m in matches] == ["115", "116", None, "114", None, "113"]
    assert matches[0].message == "Found in Canvas: Sharma, Aarav (Grade 3 - Room 3B)"
    assert matches[2].message.startswith(
        "No student named 'Yuki Tanaka' in the Canvas class 'Grade 3 - Room 3B'."
    )
    assert matches[4].message.startswith(
        "No active Canvas class or section is named 'Grade 3 - Room 3C'"
    )
    # Mr. Haddad's class is looked in first, and no class's sections are read twice.
    assert client.sections_read[0] == 204
    assert len(client.sections_read) == len(set(client.sections_read))

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
        ("Samantha", "Lee", "Lee, Sam", True),
        ("Ava", "K.", "Kowalski, Ava", True),
        ("Ava", "K", "Kaur, Ava", True),
        ("Liam", "OBrien", "O'Brien, Liam", True),
        ("Jose", "Alvarez", "Álvarez García, José", True),
        ("Ava Marie", "Kowalski", "Kowalski, Ava", True),
        ("Ava", "Kowalski", "Kaur, Ava", False),
        ("Avery", "Kowalski", "Kowalski, Ava", False),
        ("Mia", "Smith", "Schröder, Mia", False),
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
    assert matches[5].message.startswith("No active Canvas class is named 'Room 99'")
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
        "Found in Canvas: Johnson, Emma (Grade 1 - Mr. Okafor)"
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

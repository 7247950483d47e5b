"""Students from Canvas classes (core.roster.courses and core.roster.roster), over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import openpyxl
import pytest

from core.canvas.client import CanvasClient
from core.canvas.errors import Cancelled, PermissionDenied
from core.model import CancelToken, Role
from core.roster.courses import (
    NO_COURSE_RIGHT,
    CourseChoice,
    TermChoice,
    find_courses,
    sections_of,
    terms_of,
)
from core.roster.roster import (
    ROSTER_HEADERS,
    RosterStudent,
    read_roster,
    split_sortable_name,
    write_roster_workbook,
)
from core.sandbox import FaultConfig
from core.sandbox.state import ALL_RIGHTS, COURSE_RIGHTS
from core.workbook import WorkbookError, WorkbookLockedError
from core.workflow import Workflow

PATEL, OKAFOR, HADDAD, CONCLUDED = 201, 202, 204, 207


@pytest.fixture
def client(sandbox):
    with CanvasClient(sandbox.url, sandbox.token) as made:
        yield made


def rows(students: list[RosterStudent]) -> list[tuple[str, ...]]:
    return [student.cells for student in students]


def test_a_roster_of_two_classes_lists_each_student_once_with_ids(client):
    students = read_roster(client, [PATEL, OKAFOR])
    assert [s.canvas_user_id for s in students] == [
        # Ms. Patel's class A to Z, then Mr. Okafor's without Noah, who is listed above.
        "103", "120", "101", "104", "102", "106", "107", "105", "108",
    ]  # fmt: skip
    by_id = {s.canvas_user_id: s for s in students}
    assert by_id["101"] == RosterStudent(
        canvas_user_id="101",
        sis_user_id="0045510",
        login_id="ava.kowalski@maplegrove.example",
        first="Ava",
        last="Kowalski",
        class_name="Kindergarten - Ms. Patel",
        teacher="Ms. Patel",
    )
    assert (by_id["103"].first, by_id["103"].last) == ("Zoë", "Dubois")
    assert (by_id["102"].first, by_id["102"].last) == ("Liam", "O'Brien")
    assert (by_id["120"].login_id, by_id["120"].sis_user_id) == ("", "0045529")
    assert by_id["104"].class_name == "Kindergarten - Ms. Patel"
    assert by_id["106"].class_name == "Grade 1 - Mr. Okafor"
    assert by_id["106"].cells[-2:] == ("", "")


def test_sections_read_alone_and_a_student_in_two_sections_once(client):
    sections = sections_of(client, HADDAD)
    assert [(s.section_id, s.name) for s in sections] == [
        (304, "Grade 3 - Room 3A"),
        (305, "Grade 3 - Room 3B"),
    ]
    # A class given with one of its sections means just that section.
    room_b = read_roster(client, [HADDAD], [sections[1]])
    assert [(s.first, s.class_name, s.teacher) for s in room_b] == [
        ("Aarav", "Grade 3 - Room 3B", "Mr. Haddad"),
        ("Grace", "Grade 3 - Room 3B", "Mr. Haddad"),
    ]
    # A section alone (its class not given) still knows its teacher.
    both = read_roster(client, [], sections)
    assert [s.canvas_user_id for s in both] == ["113", "115", "114", "116"]
    assert {s.teacher for s in both} == {"Mr. Haddad"}
    assert sum(1 for s in both if s.first == "Aarav") == 1


def test_find_courses_by_name_code_or_teacher_without_the_concluded_class(client, sandbox):
    by_teacher = find_courses(client, 1, "Ms. Patel")
    assert [c.course_id for c in by_teacher] == [PATEL]
    patel = by_teacher[0]
    assert patel == CourseChoice(
        course_id=PATEL,
        name="Kindergarten - Ms. Patel",
        course_code="K-PATEL",
        teachers=("Ms. Patel",),
        total_students=5,
        term="2025-2026",
        concluded=False,
    )
    # "Omar" is only in the teacher's name: found through by_teachers[].
    assert [c.course_id for c in find_courses(client, 1, "  omar ")] == [HADDAD]
    assert [c.course_id for c in find_courses(client, 1, "g1-okafor")] == [OKAFOR]
    with_old = find_courses(client, 1, "Patel", include_concluded=True)
    assert [(c.course_id, c.concluded) for c in with_old] == [(PATEL, False), (CONCLUDED, True)]
    assert find_courses(client, 1, "Nobody Here") == []
    before = sandbox.stats.requests
    for short in ("K", " K ", "", "é"):
        with pytest.raises(ValueError, match="at least 2 letters"):
            find_courses(client, 1, short)
    assert sandbox.stats.requests == before


def test_terms_newest_first_the_current_one_marked_and_the_default_term_last(client):
    this_autumn = datetime(2025, 11, 30, tzinfo=UTC)
    assert terms_of(client, 1, now=this_autumn) == [
        TermChoice(3, "2025-2026", current=True),  # started, no end date
        TermChoice(2, "2024-2025", current=False),
        TermChoice(1, "Default Term", current=False),  # no dates: never "current"
    ]
    last_spring = datetime(2025, 3, 1, tzinfo=UTC)
    assert [t.term_id for t in terms_of(client, "self", now=last_spring) if t.current] == [2]
    summer_break = datetime(2025, 7, 1, tzinfo=UTC)
    assert not any(t.current for t in terms_of(client, 1, now=summer_break))


def test_terms_with_awkward_names_dates_and_many_pages(sandbox, client):
    school = sandbox.state.school
    with sandbox.state.lock:
        school.add_term(10, "  Été 2026 — Ñandú  ", "2026-06-01T00:00:00-05:00", None)
        school.add_term(11, "", "2020-01-06T08:00:00Z", "2020-05-16T05:00:00Z")
        school.add_term(12, "2025-2026", "2025-08-18T05:00:00Z", "2026-06-12T05:00:00Z")
        for term_id in range(1000, 1120):  # more than one page of 100
            school.add_term(term_id, f"Old term {term_id}", "2001-01-01T00:00:00Z", None)
    before = sandbox.stats.requests
    found = terms_of(client, 1, now=datetime(2026, 1, 15, tzinfo=UTC))
    assert sandbox.stats.requests - before == 2
    assert len(found) == 3 + 3 + 120
    assert [(t.term_id, t.name) for t in found[:5]] == [
        (10, "Été 2026 — Ñandú"),  # names trimmed, accents kept
        (3, "2025-2026"),
        (12, "2025-2026"),  # the same name twice: both listed
        (2, "2024-2025"),
        (11, "Term 11"),  # no name: its id
    ]
    assert [t.term_id for t in found if t.current and t.term_id < 1000] == [3, 12]
    assert found[-1] == TermChoice(1, "Default Term", current=False)
    assert len({t.term_id for t in found}) == len(found)


def test_find_courses_in_one_term_leaves_the_other_terms_classes_out(client):
    everywhere = find_courses(client, 1, "Patel", include_concluded=True)
    assert [c.course_id for c in everywhere] == [PATEL, CONCLUDED]
    this_year = find_courses(client, 1, "Patel", term_id=3, include_concluded=True)
    assert [(c.course_id, c.term) for c in this_year] == [(PATEL, "2025-2026")]
    last_year = find_courses(client, 1, "Ms. Patel", term_id=2, include_concluded=True)
    assert [(c.course_id, c.term) for c in last_year] == [(CONCLUDED, "2024-2025")]
    assert find_courses(client, 1, "Patel", term_id=2) == []  # ended, and not asked for
    assert find_courses(client, 1, "Patel", term_id=1, include_concluded=True) == []


def test_a_token_that_may_not_read_courses_gets_plain_words(sandbox):
    sandbox.add_token("logins-only", rights=set(ALL_RIGHTS - COURSE_RIGHTS))
    with CanvasClient(sandbox.url, "logins-only") as limited:
        with pytest.raises(PermissionDenied) as searching:
            find_courses(limited, 1, "Patel")
        with pytest.raises(PermissionDenied) as reading:
            read_roster(limited, [PATEL])
        with pytest.raises(PermissionDenied) as listing_terms:
            terms_of(limited, 1)
    for raised in (searching, reading, listing_terms):
        assert raised.value.message == NO_COURSE_RIGHT
        assert "logins-only" not in raised.value.message
    assert NO_COURSE_RIGHT.startswith("This token may not read the account's courses.")


def test_every_page_of_a_big_class_is_read(sandbox_factory):
    big = sandbox_factory(extra_students=230)
    with big.state.lock:
        course = big.state.school.add_course("Whole School Assembly", "ASSEMBLY")
        section_id = max(big.state.school.sections)
        for user_id in range(1001, 1231):
            big.state.school.enroll(user_id, section_id)
    big.stats.reset()
    with CanvasClient(big.url, big.token) as client:
        students = read_roster(client, [course.id])
    assert sorted(int(s.canvas_user_id) for s in students) == list(range(1001, 1231))
    assert len({s.canvas_user_id for s in students}) == 230
    assert big.stats.requests == 1 + 3  # the course, then 3 pages of 100
    first = next(s for s in students if s.canvas_user_id == "1001")
    assert (first.first, first.last, first.sis_user_id) == ("Alex", "Lee", "S000001")


def test_reads_are_retried_through_server_faults(sandbox, client):
    expected = read_roster(client, [PATEL, HADDAD])
    sandbox.set_faults(FaultConfig(rate=0.4, seed=3, kinds=("502", "drop", "500")))
    again = read_roster(client, [PATEL, HADDAD])
    assert sandbox.stats.faults_injected > 0
    assert again == expected


def test_progress_is_reported_and_stop_raises_cancelled(client):
    heard = []
    read_roster(client, [PATEL, OKAFOR], progress=heard.append)
    assert [(p.done, p.total) for p in heard] == [(0, 2), (1, 2), (2, 2)]
    assert heard[1].message == "Reading Grade 1 - Mr. Okafor…"
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        read_roster(client, [PATEL], cancel=cancel)


@pytest.mark.parametrize(
    ("sortable", "name", "expected"),
    [
        ("Kowalski, Ava", "", ("Ava", "Kowalski")),
        ("Álvarez García,  José ", "", ("José", "Álvarez García")),
        ("Madonna", "Madonna", ("Madonna", "")),
        ("", "Yuki Tanaka", ("Yuki", "Tanaka")),
    ],
)
def test_first_and_last_from_sortable_name(sortable, name, expected):
    assert split_sortable_name(sortable, name) == expected


def test_the_roster_workbook_is_a_normal_workbook(client, tmp_path):
    students = read_roster(client, [PATEL])
    students.append(
        RosterStudent("999", "0001234", "=not.a.formula", "田中", "Hana", "Room 1", "Mr. X")
    )
    path = write_roster_workbook(students, tmp_path / "Ms Patel logins.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert [cell.value for cell in sheet[1]] == list(ROSTER_HEADERS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > len("Kindergarten - Ms. Patel")
    ava = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "Kowalski")
    assert [c.value for c in ava[4:7]] == ["101", "0045510", "ava.kowalski@maplegrove.example"]
    assert all(c.data_type == "s" for c in ava[4:7])
    assert ava[7].number_format == "@"
    last = sheet[sheet.max_row]
    assert (last[6].value, last[6].data_type) == ("=not.a.formula", "s")
    table = Workflow.open(path).table
    assert table.columns[Role.CANVAS_USER_ID] == 4
    assert table.columns[Role.NEW_LOGIN] == 7
    assert table.value(5, Role.SIS_USER_ID) == "0001234"
    assert table.value(5, Role.FIRST_NAME) == "田中"
    assert [table.value(r, Role.CLASS) for r in range(5)] == ["Kindergarten - Ms. Patel"] * 5


def test_roster_workbook_refuses_other_kinds_and_locked_files(tmp_path):
    student = RosterStudent("1", "", "", "Ava", "K", "K", "Ms. P")
    with pytest.raises(WorkbookError, match=r"\.xlsx"):
        write_roster_workbook([student], tmp_path / "class.csv")
    with pytest.raises(WorkbookError, match="no folder"):
        write_roster_workbook([student], tmp_path / "missing" / "class.xlsx")
    target = tmp_path / "class.xlsx"
    target.write_bytes(b"the old file")
    (tmp_path / "~$class.xlsx").write_bytes(b"owner")
    with pytest.raises(WorkbookLockedError):
        write_roster_workbook([student], target)
    assert target.read_bytes() == b"the old file"

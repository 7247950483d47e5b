"""The sandbox's courses, sections, enrollments and account people, over HTTP, as Canvas."""

from __future__ import annotations

import pytest
import requests

from core import demo
from core.sandbox.state import ALL_RIGHTS, COURSE_RIGHTS

UNAUTHORIZED = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
SEARCH_TERM_TOO_SHORT = {
    "errors": [
        {"field": "search_term", "code": "invalid", "message": "2 or more characters is required"}
    ]
}
CURRENT_COURSES = [201, 202, 203, 204, 205, 206]
CONCLUDED = 207


def session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def get(sandbox, path: str, token: str | None = None, **params) -> requests.Response:
    return session(token or sandbox.token).get(f"{sandbox.url}/api/v1/{path}", params=params)


def ids(answer: requests.Response) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()]


def every_page(sandbox, path: str, **params) -> tuple[list[dict], int]:
    """All items by following rel="next", and how many pages that took."""
    s = session(sandbox.token)
    answer = s.get(f"{sandbox.url}/api/v1/{path}", params=params)
    items, pages = [], 0
    while True:
        assert answer.status_code == 200, answer.text
        items += answer.json()
        pages += 1
        next_url = answer.links.get("next", {}).get("url")
        if not next_url:
            return items, pages
        answer = s.get(next_url)


def test_account_courses_list_every_state_but_deleted_unless_asked(sandbox):
    # Canvas lists concluded courses too unless state[] or completed= says otherwise.
    assert ids(get(sandbox, "accounts/1/courses")) == [*CURRENT_COURSES, CONCLUDED]
    assert ids(get(sandbox, "accounts/1/courses", **{"state[]": "available"})) == CURRENT_COURSES
    assert ids(get(sandbox, "accounts/1/courses", completed="false")) == CURRENT_COURSES
    assert ids(get(sandbox, "accounts/1/courses", completed="true")) == [CONCLUDED]
    assert ids(get(sandbox, "accounts/1/courses", **{"state[]": "completed"})) == [CONCLUDED]
    sub = get(sandbox, f"accounts/{demo.DEMO_SUB_ACCOUNT_ID}/courses", completed="false")
    assert ids(sub) == CURRENT_COURSES
    concluded = get(sandbox, "accounts/1/courses", completed="true").json()[0]
    assert concluded["workflow_state"] == "completed"
    assert concluded["end_at"] == "2025-06-13T05:00:00Z"


@pytest.mark.parametrize("term", ["K", "", "é"])
def test_a_search_term_under_two_characters_is_canvas_400(sandbox, term):
    answer = get(sandbox, "accounts/1/courses", search_term=term)
    assert answer.status_code == 400
    assert answer.json() == SEARCH_TERM_TOO_SHORT


def test_search_term_matches_name_code_full_id_and_sis_id(sandbox):
    assert ids(get(sandbox, "accounts/1/courses", search_term="patel")) == [201, CONCLUDED]
    assert ids(get(sandbox, "accounts/1/courses", search_term="g3-had")) == [204]
    assert ids(get(sandbox, "accounts/1/courses", search_term="203")) == [203]
    assert ids(get(sandbox, "accounts/1/courses", search_term="2526-G5")) == [206]
    assert ids(get(sandbox, "accounts/1/courses", search_term="GARCÍA")) == [205]
    # Canvas compares case but not accents: "Garcia" is not "García".
    assert ids(get(sandbox, "accounts/1/courses", search_term="Ms. Garcia")) == []
    by_teacher = get(sandbox, "accounts/1/courses", search_term="omar", search_by="teacher")
    assert ids(by_teacher) == [204]


def test_by_teachers_and_enrollment_term(sandbox):
    patel = get(sandbox, "accounts/1/courses", **{"by_teachers[]": ["51", "sis_user_id:T0054"]})
    assert ids(patel) == [201, 204, CONCLUDED]
    current = get(sandbox, "accounts/1/courses", enrollment_term_id=demo.DEMO_CURRENT_TERM_ID)
    assert ids(current) == CURRENT_COURSES
    assert get(sandbox, "accounts/1/courses", enrollment_term_id=99).json() == NOT_FOUND


def test_course_includes_teachers_students_term_and_concluded(sandbox):
    answer = get(
        sandbox,
        "accounts/1/courses",
        **{"include[]": ["teachers", "total_students", "term", "concluded"]},
    )
    courses = {course["id"]: course for course in answer.json()}
    patel = courses[201]
    assert patel["name"] == "Kindergarten - Ms. Patel"
    assert patel["course_code"] == "K-PATEL"
    assert patel["sis_course_id"] == "2526-K-PATEL"
    assert [t["display_name"] for t in patel["teachers"]] == ["Ms. Patel"]
    assert patel["teachers"][0]["id"] == 51
    assert patel["total_students"] == 5  # Ava Kaur's invitation counts
    assert patel["term"]["name"] == "2025-2026"
    assert patel["concluded"] is False
    assert courses[205]["total_students"] == 2  # Yusuf's deleted enrollment does not
    assert courses[CONCLUDED]["concluded"] is True
    assert courses[CONCLUDED]["total_students"] == 0  # completed enrollments do not count
    plain = get(sandbox, "accounts/1/courses").json()[0]
    assert not {"teachers", "total_students", "term", "concluded"} & set(plain)


def test_sis_ids_only_for_a_token_that_may_read_them(sandbox):
    sandbox.add_token("no-sis", rights=set(COURSE_RIGHTS))
    course = get(sandbox, "courses/201", "no-sis").json()
    assert "sis_course_id" not in course
    student = get(sandbox, "courses/201/users", "no-sis").json()[0]
    assert "sis_user_id" not in student
    assert get(sandbox, "courses/201").json()["sis_course_id"] == "2526-K-PATEL"


def test_course_users_are_active_and_invited_students_once_each(sandbox):
    users = get(sandbox, "courses/204/users", **{"enrollment_type[]": "student"}).json()
    assert [u["id"] for u in users] == [113, 114, 115, 116]  # Aarav once, in two sections
    aarav = users[2]
    assert aarav["sortable_name"] == "Sharma, Aarav"
    assert aarav["sis_user_id"] == "0045524"
    assert aarav["login_id"] == "aarav.sharma@maplegrove.example"
    patel = get(
        sandbox, "courses/sis_course_id:2526-K-PATEL/users", **{"enrollment_type[]": "student"}
    )
    assert ids(patel) == [101, 102, 103, 104, 120]
    kaur = patel.json()[-1]
    assert (kaur["sortable_name"], kaur["login_id"]) == ("Kaur, Ava", None)
    teachers = get(sandbox, "courses/201/users", **{"enrollment_type[]": "teacher"})
    assert ids(teachers) == [51]
    assert ids(get(sandbox, "courses/205/users", **{"enrollment_type[]": "student"})) == [117, 118]
    assert ids(get(sandbox, f"courses/{CONCLUDED}/users", **{"enrollment_type[]": "student"})) == []
    wrong = get(sandbox, "courses/201/users", **{"enrollment_type[]": "pupil"})
    assert wrong.status_code == 400


def test_sections_and_their_enrollments_embed_the_user(sandbox):
    sections = get(sandbox, "courses/204/sections", **{"include[]": "total_students"}).json()
    assert [(s["id"], s["name"], s["total_students"]) for s in sections] == [
        (304, "Grade 3 - Room 3A", 3),
        (305, "Grade 3 - Room 3B", 2),
    ]
    assert all(s["course_id"] == 204 for s in sections)
    enrollments = get(sandbox, "sections/305/enrollments", **{"type[]": "StudentEnrollment"})
    found = enrollments.json()
    assert [e["user_id"] for e in found] == [115, 116]
    assert found[0]["user"]["sortable_name"] == "Sharma, Aarav"
    assert {e["type"] for e in found} == {"StudentEnrollment"}
    assert {e["enrollment_state"] for e in found} == {"active"}
    assert found[0]["course_section_id"] == 305


def test_enrollment_state_and_type_filters(sandbox):
    left = get(sandbox, "sections/306/enrollments", **{"state[]": "deleted"}).json()
    assert [(e["user_id"], e["enrollment_state"]) for e in left] == [(119, "deleted")]
    invited = get(sandbox, "courses/201/enrollments", **{"type[]": "StudentEnrollment"}).json()
    assert (invited[-1]["user_id"], invited[-1]["enrollment_state"]) == (120, "invited")
    teachers = get(sandbox, "courses/201/enrollments", **{"type[]": "TeacherEnrollment"}).json()
    assert [(e["user_id"], e["role"]) for e in teachers] == [(51, "TeacherEnrollment")]
    old = get(sandbox, f"courses/{CONCLUDED}/enrollments", **{"state[]": "completed"}).json()
    assert len(old) == 5  # Ms. Patel and last year's four


def test_account_users_finds_teachers_by_name(sandbox):
    found = get(sandbox, "accounts/1/users", search_term="patel", enrollment_type="teacher")
    assert ids(found) == [51]
    assert found.json()[0]["short_name"] == "Ms. Patel"
    assert ids(get(sandbox, "accounts/1/users", search_term="kowal")) == [101]
    assert get(sandbox, "accounts/1/users", search_term="p").json() == SEARCH_TERM_TOO_SHORT


def test_course_users_page_through_a_big_class(sandbox_factory):
    big = sandbox_factory(extra_students=23)
    with big.state.lock:
        course = big.state.school.add_course("Big Assembly", "ASSEMBLY")
        section = next(s for s in big.state.school.sections.values() if s.course_id == course.id)
        for user_id in range(1001, 1024):
            big.state.school.enroll(user_id, section.id)
    users, pages = every_page(
        big, f"courses/{course.id}/users", per_page="5", **{"enrollment_type[]": "student"}
    )
    assert [u["id"] for u in users] == list(range(1001, 1024))
    assert pages == 5
    courses, pages = every_page(big, "accounts/1/courses", per_page="2")
    assert [c["id"] for c in courses] == [*CURRENT_COURSES, CONCLUDED, course.id]
    assert pages == 4
    first = get(big, "accounts/1/courses", per_page="2")
    assert first.headers["Link"].count('rel="next"') == 1
    assert ", " not in first.headers["Link"]


TERM_FIELDS = {
    "id", "name", "start_at", "end_at", "created_at", "workflow_state", "grading_period_group_id",
}  # fmt: skip


def terms(answer: requests.Response) -> list[dict]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert list(body) == ["enrollment_terms"]
    return body["enrollment_terms"]


def test_account_terms_are_an_object_newest_first_with_canvas_fields(sandbox):
    found = terms(get(sandbox, "accounts/1/terms"))
    # Canvas orders by start_at DESC in PostgreSQL: the undated Default Term comes first.
    assert [(t["id"], t["name"]) for t in found] == [
        (1, "Default Term"),
        (3, "2025-2026"),
        (2, "2024-2025"),
    ]
    default, current, last_year = found
    assert set(default) == TERM_FIELDS | {"sis_term_id", "sis_import_id"}
    assert (default["start_at"], default["end_at"], default["sis_term_id"]) == (None, None, None)
    assert current["start_at"] == "2025-08-18T05:00:00Z" and current["end_at"] is None
    assert (last_year["end_at"], last_year["sis_term_id"]) == ("2025-06-13T05:00:00Z", "2425")
    assert {t["workflow_state"] for t in found} == {"active"}
    # A course's term (include[]=term) is the same object.
    course = get(sandbox, "courses/201", **{"include[]": "term"}).json()
    assert course["term"] == current
    sandbox.add_token("no-sis", rights=set(COURSE_RIGHTS))
    assert set(terms(get(sandbox, "accounts/self/terms", "no-sis"))[0]) == TERM_FIELDS
    overrides = terms(get(sandbox, "accounts/1/terms", **{"include[]": "overrides"}))
    assert [t["overrides"] for t in overrides] == [{}, {}, {}]


def test_account_terms_workflow_state_filter(sandbox):
    with sandbox.state.lock:
        gone = sandbox.state.school.add_term(9, "Été 2023 – supprimé", None, None)
        gone.workflow_state = "deleted"
    assert [t["id"] for t in terms(get(sandbox, "accounts/1/terms"))] == [1, 3, 2]
    deleted = terms(get(sandbox, "accounts/1/terms", **{"workflow_state[]": "deleted"}))
    assert [(t["id"], t["name"], t["workflow_state"]) for t in deleted] == [
        (9, "Été 2023 – supprimé", "deleted")
    ]
    every = terms(get(sandbox, "accounts/1/terms", workflow_state="all"))
    assert [t["id"] for t in every] == [1, 9, 3, 2]  # undated first, then by id
    unknown = terms(get(sandbox, "accounts/1/terms", **{"workflow_state[]": "bogus"}))
    assert [t["id"] for t in unknown] == [1, 3, 2]  # Canvas falls back to active


def test_account_terms_page_by_number(sandbox):
    with sandbox.state.lock:
        for year in range(2010, 2022):
            start, end = f"{year}-08-20T05:00:00Z", f"{year + 1}-06-10T05:00:00Z"
            sandbox.state.school.add_term(100 + year, f"{year}-{year + 1}", start, end)
    s = session(sandbox.token)
    answer = s.get(f"{sandbox.url}/api/v1/accounts/1/terms", params={"per_page": "4"})
    seen, pages = [], 0
    while True:
        seen += [t["id"] for t in terms(answer)]
        pages += 1
        assert ", " not in answer.headers["Link"]
        assert {"current", "first", "last"} <= set(answer.links)
        if pages > 1:
            assert "prev" in answer.links
        if "next" not in answer.links:
            break
        answer = s.get(answer.links["next"]["url"])
    assert pages == 4  # 15 terms, 4 a page
    assert seen == [1, 3, 2, *(100 + year for year in range(2021, 2009, -1))]
    assert "page=4" in answer.links["last"]["url"]
    beyond = get(sandbox, "accounts/1/terms", per_page="4", page="9")
    assert terms(beyond) == []


def test_terms_belong_to_the_root_account_only(sandbox):
    sub = get(sandbox, f"accounts/{demo.DEMO_SUB_ACCOUNT_ID}/terms")
    assert sub.status_code == 400
    assert sub.json() == {"message": "Terms only belong to root_accounts."}


@pytest.mark.parametrize(
    "path",
    [
        "accounts/1/terms",
        "accounts/1/courses",
        "accounts/1/users",
        "courses/201",
        "courses/201/users",
        "courses/201/sections",
        "courses/201/enrollments",
        "sections/301/enrollments",
    ],
)
def test_a_token_without_the_course_rights_gets_403(sandbox, path):
    sandbox.add_token("logins-only", rights=set(ALL_RIGHTS - COURSE_RIGHTS))
    answer = get(sandbox, path, "logins-only")
    assert answer.status_code == 403
    assert answer.json() == UNAUTHORIZED


@pytest.mark.parametrize(
    "path",
    [
        "accounts/9/terms",
        "accounts/9/courses",
        "courses/999",
        "courses/sis_course_id:nope/users",
        "courses/999/sections",
        "sections/999/enrollments",
    ],
)
def test_unknown_account_course_or_section_is_404(sandbox, path):
    answer = get(sandbox, path)
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND

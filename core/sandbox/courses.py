"""The course calls: an account's terms, courses and users, a course's users, sections
and enrollments, with Canvas's filters, permission checks, JSON and pagination.

Checks in Canvas's order: the account, course or section exists (404), then the right
(403 ``read_course_list`` for the course list, ``read_roster`` for people), then the
parameters (400, e.g. a ``search_term`` shorter than 2 characters).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from core.sandbox.logins import paginate, per_page_of
from core.sandbox.request import ApiRequest, ApiResponse
from core.sandbox.school import (
    ALL_COURSE_STATES,
    CURRENT_ENROLLMENT_STATES,
    DEFAULT_COURSE_STATES,
    ENROLLMENT_TYPES,
    SEEDED_AT,
    Course,
    Enrollment,
    Section,
    Term,
)
from core.sandbox.state import ApiError, not_found, unauthorized

MIN_SEARCH_TERM_LENGTH = 2
SEARCH_TERM_TOO_SHORT: dict[str, Any] = {
    "errors": [
        {
            "field": "search_term",
            "code": "invalid",
            "message": f"{MIN_SEARCH_TERM_LENGTH} or more characters is required",
        }
    ]
}
TERMS_ONLY_ON_ROOT: dict[str, Any] = {"message": "Terms only belong to root_accounts."}
TERM_STATES: tuple[str, ...] = ("active", "deleted")
#: The base roles' ids on a new Canvas.
_ROLE_IDS = {
    "StudentEnrollment": 3,
    "TeacherEnrollment": 4,
    "TaEnrollment": 5,
    "DesignerEnrollment": 6,
    "ObserverEnrollment": 7,
    "StudentViewEnrollment": 3,
}


# ----- parameters ----------------------------------------------------------------------


def _list_param(req: ApiRequest, name: str) -> list[str]:
    """``name[]`` values, or a lone ``name`` (Rails takes both), blanks dropped."""
    values = req.params.get_list(f"{name}[]") or req.params.get_list(name)
    return [value.strip() for value in values if value.strip()]


def _includes(req: ApiRequest) -> set[str]:
    return set(_list_param(req, "include"))


def _search_term(req: ApiRequest) -> str | None:
    """The ``search_term`` sent (None when absent); too short is Canvas's 400."""
    if "search_term" not in req.params:
        return None
    term = req.params.get("search_term") or ""
    if len(term) < MIN_SEARCH_TERM_LENGTH:
        raise ApiError(400, SEARCH_TERM_TOO_SHORT)
    return term.casefold()


def _boolean(req: ApiRequest, name: str) -> bool | None:
    text = (req.params.get(name) or "").strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    return None


def _enrollment_types(values: list[str]) -> tuple[str, ...]:
    """``student`` or ``StudentEnrollment`` to the stored type; unknown ones are a 400."""
    found = []
    for value in values:
        kind = ENROLLMENT_TYPES.get(value.lower(), value)
        if kind not in ENROLLMENT_TYPES.values():
            raise ApiError(400, {"errors": [{"message": f"Invalid enrollment type: {value}"}]})
        found.append(kind)
    return tuple(found)


def _require_any(req: ApiRequest, *rights: str) -> None:
    if not any(req.has(right) for right in rights):
        raise unauthorized()


def _course(req: ApiRequest) -> Course:
    course = req.state.school.course_by_ref(req.args["course_id"])
    if course is None:
        raise not_found()
    return course


# ----- JSON ----------------------------------------------------------------------------


def _teacher_json(req: ApiRequest, course: Course, user_id: int) -> dict[str, Any]:
    user = req.state.users[user_id]
    return {
        "id": user.id,
        "display_name": user.short_name,
        "avatar_image_url": f"{req.base_url}/images/messages/avatar-50.png",
        "html_url": f"{req.base_url}/courses/{course.id}/users/{user.id}",
        "pronouns": None,
    }


def term_json(req: ApiRequest, term: Term) -> dict[str, Any]:
    """Canvas's EnrollmentTerm; the SIS fields only for a token that may see them."""
    shown: dict[str, Any] = {
        "id": term.id,
        "name": term.name,
        "start_at": term.start_at,
        "end_at": term.end_at,
        "created_at": SEEDED_AT,
        "workflow_state": term.workflow_state,
        "grading_period_group_id": None,
    }
    if req.read_sis or req.has("manage_sis"):
        shown["sis_term_id"] = term.sis_term_id
    if req.has("manage_sis"):
        shown["sis_import_id"] = None
    return shown


def _term_json(req: ApiRequest, term_id: int) -> dict[str, Any] | None:
    term = req.state.school.terms.get(term_id)
    return None if term is None else term_json(req, term)


def course_json(req: ApiRequest, course: Course, includes: set[str]) -> dict[str, Any]:
    school = req.state.school
    api_state = "unpublished" if course.workflow_state in ("created", "claimed") else None
    shown: dict[str, Any] = {
        "id": course.id,
        "name": course.name,
        "course_code": course.course_code,
        "account_id": course.account_id,
        "root_account_id": req.state.root_account_id,
        "enrollment_term_id": course.term_id,
        "uuid": f"sandbox-course-{course.id}",
        "start_at": course.start_at,
        "end_at": course.end_at,
        "created_at": SEEDED_AT,
        "default_view": "modules",
        "is_public": False,
        "is_public_to_auth_users": False,
        "public_syllabus": False,
        "public_syllabus_to_auth": False,
        "grading_standard_id": None,
        "storage_quota_mb": 500,
        "hide_final_grades": False,
        "restrict_enrollments_to_course_dates": False,
        "workflow_state": api_state or course.workflow_state,
        "time_zone": "America/Chicago",
        "blueprint": False,
        "friendly_name": None,
        "homeroom_course": False,
    }
    if req.read_sis:
        shown["sis_course_id"] = course.sis_course_id
        shown["integration_id"] = None
        shown["sis_import_id"] = None
    if "total_students" in includes:
        shown["total_students"] = school.student_count(course.id)
    if "teachers" in includes:
        shown["teachers"] = [
            _teacher_json(req, course, user_id) for user_id in school.teacher_ids(course.id)
        ]
    if "term" in includes:
        shown["term"] = _term_json(req, course.term_id)
    if "concluded" in includes:
        shown["concluded"] = school.is_concluded(course)
    return shown


def section_json(req: ApiRequest, section: Section, includes: set[str]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": section.id,
        "course_id": section.course_id,
        "name": section.name,
        "start_at": None,
        "end_at": None,
        "created_at": SEEDED_AT,
        "restrict_enrollments_to_section_dates": False,
        "nonxlist_course_id": None,
    }
    if req.read_sis:
        course = req.state.school.courses[section.course_id]
        shown["sis_section_id"] = section.sis_section_id
        shown["sis_course_id"] = course.sis_course_id
        shown["integration_id"] = None
        shown["sis_import_id"] = None
    if "total_students" in includes:
        students = req.state.school.enrollments_where(
            section_id=section.id, types=("StudentEnrollment",)
        )
        shown["total_students"] = len({e.user_id for e in students})
    return shown


def enrollment_json(req: ApiRequest, enrollment: Enrollment) -> dict[str, Any]:
    school = req.state.school
    course = school.courses[enrollment.course_id]
    user = req.state.users[enrollment.user_id]
    shown: dict[str, Any] = {
        "id": enrollment.id,
        "user_id": enrollment.user_id,
        "course_id": enrollment.course_id,
        "course_section_id": enrollment.section_id,
        "root_account_id": req.state.root_account_id,
        "type": enrollment.type,
        "role": enrollment.type,
        "role_id": _ROLE_IDS.get(enrollment.type),
        "enrollment_state": enrollment.workflow_state,
        "created_at": SEEDED_AT,
        "updated_at": SEEDED_AT,
        "start_at": None,
        "end_at": None,
        "associated_user_id": None,
        "limit_privileges_to_course_section": False,
        "last_activity_at": None,
        "last_attended_at": None,
        "total_activity_time": 0,
        "html_url": f"{req.base_url}/courses/{course.id}/users/{user.id}",
        "user": req.state.user_json(user, req.read_sis),
    }
    if req.read_sis:
        section = school.sections[enrollment.section_id]
        shown["sis_course_id"] = course.sis_course_id
        shown["sis_section_id"] = section.sis_section_id
        shown["sis_user_id"] = shown["user"].get("sis_user_id")
    return shown


# ----- the account's courses and users --------------------------------------------------


def _teacher_refs(req: ApiRequest, refs: list[str]) -> set[int]:
    """``by_teachers[]`` as user ids; SIS forms nobody holds are dropped, as Canvas does."""
    found: set[int] = set()
    for ref in refs:
        if ref.isdigit():
            found.add(int(ref))
            continue
        try:
            found.add(req.state.user_by_ref(ref, req.token.user_id).id)
        except ApiError:
            continue
    return found


def _name_has(req: ApiRequest, user_id: int, term: str) -> bool:
    user = req.state.users.get(user_id)
    return user is not None and term in user.name.casefold()


def _course_matches(req: ApiRequest, course: Course, term: str) -> bool:
    """``search_term`` against the name, code, full id and (with read_sis) SIS id."""
    if req.params.get("search_by") == "teacher":
        return any(
            _name_has(req, user_id, term) for user_id in req.state.school.teacher_ids(course.id)
        )
    texts = [course.name, course.course_code]
    if req.read_sis and course.sis_course_id:
        texts.append(course.sis_course_id)
    return term == str(course.id) or any(term in text.casefold() for text in texts)


def _term_filter(req: ApiRequest) -> int | None:
    ref = (req.params.get("enrollment_term_id") or "").strip()
    if not ref:
        return None
    if not ref.isdigit() or int(ref) not in req.state.school.terms:
        raise not_found()
    return int(ref)


def list_account_courses(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        account = state.account(req.args["account_id"])
        req.require("read_course_list")
        states: tuple[str, ...] = tuple(_list_param(req, "state")) or DEFAULT_COURSE_STATES
        if "all" in states:
            states = ALL_COURSE_STATES
        teachers = _teacher_refs(req, _list_param(req, "by_teachers"))
        term_id = _term_filter(req)
        completed = _boolean(req, "completed")
        term = _search_term(req)
        school = state.school
        chosen = [
            course
            for course in sorted(school.courses.values(), key=lambda c: c.id)
            if (account.is_root or course.account_id == account.id)
            and course.workflow_state in states
            and (not teachers or school.taught_by(course.id, teachers))
            and (term_id is None or course.term_id == term_id)
            and (completed is None or school.is_concluded(course) == completed)
            and (term is None or _course_matches(req, course, term))
        ]
        includes = _includes(req)
        shown = [course_json(req, course, includes) for course in chosen]
    return paginate(req, shown)


# ----- the account's terms -----------------------------------------------------------


def _newest_first(term: Term) -> tuple[bool, float, bool, float, int]:
    """Canvas's ``start_at DESC, end_at DESC, id`` in PostgreSQL: no date sorts first."""

    def descending(timestamp: str | None) -> tuple[bool, float]:
        if not timestamp:
            return False, 0.0
        return True, -datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()

    return (*descending(term.start_at), *descending(term.end_at), term.id)


def paginate_numbered(req: ApiRequest, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """One page of ``items`` in their order, and Canvas's numbered-page Link header."""
    per_page = per_page_of(req)
    text = (req.params.get("page") or "").strip()
    page = int(text) if text.isdigit() and int(text) > 0 else 1
    last = max(1, -(-len(items) // per_page))
    kept = [(k, v) for k, v in req.params.items() if k not in ("page", "per_page")]

    def link(number: int, rel: str) -> str:
        query = urlencode([*kept, ("page", str(number)), ("per_page", str(per_page))], safe="[]")
        return f'<{req.base_url}{req.path}?{query}>; rel="{rel}"'

    links = [link(page, "current")]
    if page < last:
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(page - 1, "prev"))
    links += [link(1, "first"), link(last, "last")]
    shown = items[(page - 1) * per_page : page * per_page]
    return shown, {"Link": ",".join(links)}


def list_account_terms(req: ApiRequest) -> ApiResponse:
    """``GET /accounts/:id/terms``: ``{"enrollment_terms": [...]}``, newest first, active
    ones unless ``workflow_state[]`` says ``deleted`` or ``all``. Only a root account has
    terms (400). Canvas lets any admin of the account read them; here, as for the other
    course calls, a token needs a course right (403)."""
    state = req.state
    with state.lock:
        account = state.account(req.args["account_id"])
        if not account.is_root:
            raise ApiError(400, TERMS_ONLY_ON_ROOT)
        _require_any(req, "read_course_list", "read_roster")
        asked = [s for s in _list_param(req, "workflow_state") if s in ("all", *TERM_STATES)]
        states = TERM_STATES if "all" in asked else tuple(asked) or ("active",)
        terms = sorted(
            (t for t in state.school.terms.values() if t.workflow_state in states),
            key=_newest_first,
        )
        overrides = "overrides" in _includes(req)
        shown = []
        for term in terms:
            shown.append(term_json(req, term))
            if overrides:
                shown[-1]["overrides"] = {}
    page, headers = paginate_numbered(req, shown)
    return ApiResponse(200, {"enrollment_terms": page}, headers=headers)


def list_account_users(req: ApiRequest) -> ApiResponse:
    """``GET /accounts/:id/users``: ``search_term`` (name, login, SIS id, full id) and
    ``enrollment_type`` (people with such an active enrollment anywhere)."""
    state = req.state
    with state.lock:
        state.account(req.args["account_id"])
        req.require("read_roster")
        term = _search_term(req)
        types = _enrollment_types(_list_param(req, "enrollment_type"))
        enrolled = (
            {e.user_id for e in state.school.enrollments_where(types=types, states=("active",))}
            if types
            else None
        )
        shown = []
        for user in sorted(state.users.values(), key=lambda u: u.id):
            if enrolled is not None and user.id not in enrolled:
                continue
            if term is not None and not _user_matches(req, user.id, term):
                continue
            shown.append(state.user_json(user, req.read_sis))
    return paginate(req, shown)


def _user_matches(req: ApiRequest, user_id: int, term: str) -> bool:
    if term == str(user_id) or _name_has(req, user_id, term):
        return True
    for login in req.state.logins_of(user_id):
        texts = [login["unique_id"] or ""]
        if req.read_sis:
            texts.append(login["sis_user_id"] or "")
        if any(term in text.casefold() for text in texts):
            return True
    return False


# ----- one course ------------------------------------------------------------------------


def get_course(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        course = _course(req)
        _require_any(req, "read_course_list", "read_roster")
        return ApiResponse(200, course_json(req, course, _includes(req)))


def list_course_users(req: ApiRequest) -> ApiResponse:
    """``GET /courses/:id/users``: each user once, however many sections they are in."""
    state = req.state
    with state.lock:
        course = _course(req)
        req.require("read_roster")
        types = _enrollment_types(_list_param(req, "enrollment_type"))
        states = tuple(_list_param(req, "enrollment_state")) or CURRENT_ENROLLMENT_STATES
        enrollments = state.school.enrollments_where(
            course_id=course.id, types=types, states=states
        )
        user_ids = sorted({e.user_id for e in enrollments})
        shown = [state.user_json(state.users[user_id], req.read_sis) for user_id in user_ids]
    return paginate(req, shown)


def list_course_sections(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        course = _course(req)
        req.require("read_roster")
        includes = _includes(req)
        sections = sorted(
            (s for s in state.school.sections.values() if s.course_id == course.id),
            key=lambda s: s.id,
        )
        shown = [section_json(req, section, includes) for section in sections]
    return paginate(req, shown)


def _enrollments(req: ApiRequest, *, course_id: int | None, section_id: int | None) -> ApiResponse:
    types = _enrollment_types(_list_param(req, "type") + _list_param(req, "role"))
    states = tuple(_list_param(req, "state")) or CURRENT_ENROLLMENT_STATES
    found = req.state.school.enrollments_where(
        course_id=course_id, section_id=section_id, types=types, states=states
    )
    return paginate(req, [enrollment_json(req, enrollment) for enrollment in found])


def list_course_enrollments(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        course = _course(req)
        req.require("read_roster")
        return _enrollments(req, course_id=course.id, section_id=None)


def list_section_enrollments(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        section = state.school.section_by_ref(req.args["section_id"])
        if section is None or state.school.courses[section.course_id].workflow_state == "deleted":
            raise not_found()
        req.require("read_roster")
        return _enrollments(req, course_id=None, section_id=section.id)

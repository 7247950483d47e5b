"""Finding the Canvas classes to read: by name, course code or teacher, in a term or all;
a class's sections; the account's terms.

Canvas's course search (``search_term``) needs at least 2 characters and matches the
course name, code and full id; teachers are found by their own name (without "Ms.",
which Canvas's people search does not know) and their classes read with
``by_teachers[]``. Concluded classes are left out unless asked for. A term narrows the
search to its classes (``enrollment_term_id``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.canvas.errors import NotFound, PermissionDenied
from core.run.pacing import CancelLike, read_with_retries

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

__all__ = [
    "MIN_SEARCH_LENGTH",
    "NO_COURSE_RIGHT",
    "CourseChoice",
    "SectionChoice",
    "TermChoice",
    "course_choice",
    "course_errors_in_plain_words",
    "course_label",
    "find_courses",
    "sections_of",
    "terms_of",
]

#: Canvas answers 400 to a shorter ``search_term``.
MIN_SEARCH_LENGTH = 2
NO_COURSE_RIGHT = (
    "This token may not read the account's courses. Ask your Canvas admin to give your "
    "admin role the rights to see the list of courses and the people in them (Courses - "
    "view list, Users - view list), or use the token of an admin who has them."
)
_TITLES = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr|prof)\.?\s+", re.IGNORECASE)


@dataclass(frozen=True)
class CourseChoice:
    """A Canvas class (course) as staff pick it."""

    course_id: int
    name: str
    course_code: str
    #: The teachers' display names ("Ms. Patel").
    teachers: tuple[str, ...]
    total_students: int | None
    term: str
    concluded: bool

    @classmethod
    def from_json(cls, course: dict[str, Any]) -> CourseChoice:
        teachers = tuple(
            str(t.get("display_name") or "").strip()
            for t in course.get("teachers") or ()
            if isinstance(t, dict) and str(t.get("display_name") or "").strip()
        )
        count = course.get("total_students")
        term = course.get("term")
        return cls(
            course_id=int(course["id"]),
            name=str(course.get("name") or "").strip(),
            course_code=str(course.get("course_code") or "").strip(),
            teachers=teachers,
            total_students=int(count) if isinstance(count, int) else None,
            term=str(term.get("name") or "") if isinstance(term, dict) else "",
            concluded=bool(course.get("concluded")) or course.get("workflow_state") == "completed",
        )


def course_label(course: CourseChoice) -> str:
    """How a class is named to staff: its name, and its teachers when the name lacks them."""
    name = course.name.casefold()
    named = any(t.split()[-1].casefold() in name for t in course.teachers if t.split())
    if course.teachers and not named:
        return f"{course.name} ({', '.join(course.teachers)})"
    return course.name


@dataclass(frozen=True)
class SectionChoice:
    """One section of a class (a homeroom, a reading group)."""

    section_id: int
    course_id: int
    name: str


@contextlib.contextmanager
def course_errors_in_plain_words() -> Iterator[None]:
    """A refused course or roster read says which right is missing, in plain words."""
    try:
        yield
    except PermissionDenied as exc:
        exc.reword(NO_COURSE_RIGHT)
        raise


def teacher_search_text(text: str) -> str:
    """ "Ms. Patel" → "Patel": Canvas finds people by their name, not a title."""
    return _TITLES.sub("", " ".join(text.split()))


def find_courses(
    client: CanvasApi,
    account_id: int | str,
    text: str,
    *,
    term_id: int | None = None,
    include_concluded: bool = False,
    cancel: CancelLike | None = None,
) -> list[CourseChoice]:
    """Classes whose name or code holds ``text``, and classes of teachers so named.

    Each class once, sorted by name. A ``text`` shorter than 2 characters raises a plain
    ValueError before anything is sent; a token without the right raises
    PermissionDenied with :data:`NO_COURSE_RIGHT`.
    """
    words = " ".join(text.split())
    if len(words) < MIN_SEARCH_LENGTH:
        raise ValueError(
            f"Type at least {MIN_SEARCH_LENGTH} letters of the class name, course code or "
            "teacher to search for."
        )
    found: dict[int, CourseChoice] = {}
    with course_errors_in_plain_words():
        by_name = read_with_retries(
            lambda: client.search_courses(
                account_id,
                search_term=words,
                term_id=term_id,
                include_concluded=include_concluded,
            ),
            cancel=cancel,
        )
        teacher_words = teacher_search_text(words)
        teacher_ids: list[int] = []
        if len(teacher_words) >= MIN_SEARCH_LENGTH:
            teachers = read_with_retries(
                lambda: client.search_teachers(account_id, teacher_words), cancel=cancel
            )
            teacher_ids = [int(person["id"]) for person in teachers]
        by_teacher = (
            read_with_retries(
                lambda: client.search_courses(
                    account_id,
                    teacher_ids=teacher_ids,
                    term_id=term_id,
                    include_concluded=include_concluded,
                ),
                cancel=cancel,
            )
            if teacher_ids
            else []
        )
    for course in [*by_name, *by_teacher]:
        choice = CourseChoice.from_json(course)
        found.setdefault(choice.course_id, choice)
    return sorted(found.values(), key=lambda c: (c.concluded, c.name.casefold(), c.course_id))


def course_choice(
    client: CanvasApi, course_ref: int | str, *, cancel: CancelLike | None = None
) -> CourseChoice:
    """One class by its Canvas id (or ``sis_course_id:X``); NotFound says so plainly."""
    try:
        with course_errors_in_plain_words():
            course = read_with_retries(lambda: client.get_course(course_ref), cancel=cancel)
    except NotFound as exc:
        exc.reword(f"Canvas has no class with the id {course_ref}.")
        raise
    return CourseChoice.from_json(course)


def sections_of(
    client: CanvasApi, course_id: int, *, cancel: CancelLike | None = None
) -> list[SectionChoice]:
    """The class's sections, in Canvas's order."""
    with course_errors_in_plain_words():
        sections = read_with_retries(lambda: client.course_sections(course_id), cancel=cancel)
    return [
        SectionChoice(
            section_id=int(section["id"]),
            course_id=int(section.get("course_id") or course_id),
            name=str(section.get("name") or "").strip(),
        )
        for section in sections
    ]


@dataclass(frozen=True)
class TermChoice:
    """A Canvas term (a school year or semester) whose classes staff search."""

    term_id: int
    name: str
    #: Started and not yet ended. A term without a start date (Canvas's "Default Term",
    #: where classes without a term land) never is.
    current: bool


def _moment(value: object) -> datetime | None:
    """A Canvas timestamp ("2025-08-18T05:00:00Z", "...-05:00"); None when blank or odd."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def terms_of(
    client: CanvasApi,
    account_id: int | str,
    *,
    now: datetime | None = None,
    cancel: CancelLike | None = None,
) -> list[TermChoice]:
    """The account's active terms, newest start first, terms without dates last.

    ``account_id`` must be the root account (Canvas keeps terms there); a token without
    the course rights raises PermissionDenied with :data:`NO_COURSE_RIGHT`.
    """
    with course_errors_in_plain_words():
        terms = read_with_retries(lambda: client.enrollment_terms(account_id), cancel=cancel)
    moment = now or datetime.now(UTC)
    dated: list[tuple[datetime, TermChoice]] = []
    undated: list[TermChoice] = []
    seen: set[int] = set()
    for term in terms:
        if not isinstance(term, dict) or term.get("id") is None or int(term["id"]) in seen:
            continue
        term_id = int(term["id"])
        seen.add(term_id)
        name = str(term.get("name") or "").strip() or f"Term {term_id}"
        start, end = _moment(term.get("start_at")), _moment(term.get("end_at"))
        if start is None:
            undated.append(TermChoice(term_id, name, current=False))
            continue
        current = start <= moment and (end is None or moment < end)
        dated.append((start, TermChoice(term_id, name, current)))
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return [choice for _start, choice in dated] + undated

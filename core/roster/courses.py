"""Finding the Canvas classes to read: by name, course code or teacher; a class's sections.

Canvas's course search (``search_term``) needs at least 2 characters and matches the
course name, code and full id; teachers are found by their own name (without "Ms.",
which Canvas's people search does not know) and their classes read with
``by_teachers[]``. Concluded classes are left out unless asked for.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
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
    "course_choice",
    "course_errors_in_plain_words",
    "find_courses",
    "sections_of",
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

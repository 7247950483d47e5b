"""The sandbox school's terms, courses, sections and enrollments, as Canvas stores them.

Kept apart from :mod:`core.sandbox.state` (which holds one of these) so the route
handlers in :mod:`core.sandbox.courses` can read both without an import circle. It has
its own lock: handlers take ``state.lock`` first, then this one, never the other way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core import demo

#: Enrollment states the roster calls return when no ``state[]`` is asked for.
CURRENT_ENROLLMENT_STATES: tuple[str, ...] = ("active", "invited")
#: Course states ``GET /accounts/:id/courses`` returns unless ``state[]`` says otherwise.
DEFAULT_COURSE_STATES: tuple[str, ...] = ("created", "claimed", "available", "completed")
ALL_COURSE_STATES: tuple[str, ...] = (*DEFAULT_COURSE_STATES, "deleted")
ENROLLMENT_TYPES: dict[str, str] = {
    "student": "StudentEnrollment",
    "teacher": "TeacherEnrollment",
    "ta": "TaEnrollment",
    "observer": "ObserverEnrollment",
    "designer": "DesignerEnrollment",
    "student_view": "StudentViewEnrollment",
}
SEEDED_AT = "2025-08-11T14:00:00Z"


def _is_past(timestamp: str | None) -> bool:
    if not timestamp:
        return False
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")) < datetime.now(UTC)


@dataclass
class Term:
    id: int
    name: str
    start_at: str | None = None
    end_at: str | None = None
    sis_term_id: str | None = None
    workflow_state: str = "active"  # active | deleted


@dataclass
class Course:
    id: int
    name: str
    course_code: str
    account_id: int
    term_id: int
    sis_course_id: str | None = None
    #: created | claimed (both shown as "unpublished") | available | completed | deleted
    workflow_state: str = "available"
    start_at: str | None = None
    end_at: str | None = None


@dataclass
class Section:
    id: int
    course_id: int
    name: str
    sis_section_id: str | None = None


@dataclass
class Enrollment:
    id: int
    user_id: int
    course_id: int
    section_id: int
    type: str  # StudentEnrollment | TeacherEnrollment | ...
    workflow_state: str = "active"  # active | invited | completed | inactive | deleted


@dataclass
class School:
    """Every course-side record of the sandbox. Thread-safe through ``lock``."""

    terms: dict[int, Term] = field(default_factory=dict)
    courses: dict[int, Course] = field(default_factory=dict)
    sections: dict[int, Section] = field(default_factory=dict)
    enrollments: dict[int, Enrollment] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # ----- building it (the demo seed and tests) ------------------------------------

    def add_term(
        self,
        term_id: int,
        name: str,
        start_at: str | None,
        end_at: str | None,
        sis_term_id: str | None = None,
    ) -> Term:
        with self.lock:
            term = Term(term_id, name, start_at, end_at, sis_term_id)
            self.terms[term_id] = term
            return term

    def add_course(
        self,
        name: str,
        course_code: str,
        *,
        course_id: int | None = None,
        account_id: int = demo.DEMO_SUB_ACCOUNT_ID,
        term_id: int = demo.DEMO_CURRENT_TERM_ID,
        sis_course_id: str | None = None,
        workflow_state: str = "available",
        section_name: str | None = None,
    ) -> Course:
        """A course and, unless ``section_name`` is "", its default section (the course's name)."""
        with self.lock:
            if course_id is None:
                course_id = max(self.courses, default=200) + 1
            term = self.terms.get(term_id)
            course = Course(
                course_id,
                name,
                course_code,
                account_id,
                term_id,
                sis_course_id,
                workflow_state,
                start_at=term.start_at if term else None,
                end_at=term.end_at if term and workflow_state == "completed" else None,
            )
            self.courses[course_id] = course
            if section_name != "":
                self.add_section(course_id, section_name or name)
            return course

    def add_section(self, course_id: int, name: str, *, section_id: int | None = None) -> Section:
        with self.lock:
            if section_id is None:
                section_id = max(self.sections, default=300) + 1
            section = Section(section_id, course_id, name)
            self.sections[section_id] = section
            return section

    def enroll(
        self,
        user_id: int,
        section_id: int,
        kind: str = "StudentEnrollment",
        workflow_state: str = "active",
    ) -> Enrollment:
        with self.lock:
            section = self.sections[section_id]
            enrollment = Enrollment(
                max(self.enrollments, default=0) + 1,
                user_id,
                section.course_id,
                section_id,
                kind,
                workflow_state,
            )
            self.enrollments[enrollment.id] = enrollment
            return enrollment

    def seed_demo(self) -> None:
        """The classes of core/demo.py (the teachers and students are the state's users)."""
        with self.lock:
            for term in demo.DEMO_TERMS:
                self.add_term(term.term_id, term.name, term.start_at, term.end_at, term.sis_term_id)
            for spec in demo.DEMO_COURSES:
                self.add_course(
                    spec.name,
                    spec.course_code,
                    course_id=spec.course_id,
                    term_id=spec.term_id,
                    sis_course_id=spec.sis_course_id,
                    workflow_state="completed" if spec.concluded else "available",
                    section_name="",
                )
                state = "completed" if spec.concluded else "active"
                for position, part in enumerate(spec.sections):
                    self.add_section(spec.course_id, part.name, section_id=part.section_id)
                    if position == 0:
                        self.enroll(spec.teacher_id, part.section_id, "TeacherEnrollment", state)
                    for user_id in part.student_ids:
                        chosen = demo.DEMO_ENROLLMENT_STATES.get((user_id, part.section_id), state)
                        self.enroll(user_id, part.section_id, workflow_state=chosen)

    # ----- reading it ---------------------------------------------------------------

    def course_by_ref(self, ref: str) -> Course | None:
        """A course by id or ``sis_course_id:X``; deleted courses are not found."""
        text = ref.strip()
        found: Course | None = None
        with self.lock:
            if text.isdigit():
                found = self.courses.get(int(text))
            elif text.startswith("sis_course_id:"):
                wanted = text.partition(":")[2].strip()
                found = next((c for c in self.courses.values() if c.sis_course_id == wanted), None)
        return found if found is not None and found.workflow_state != "deleted" else None

    def section_by_ref(self, ref: str) -> Section | None:
        text = ref.strip()
        with self.lock:
            if text.isdigit():
                return self.sections.get(int(text))
            if text.startswith("sis_section_id:"):
                wanted = text.partition(":")[2].strip()
                return next((s for s in self.sections.values() if s.sis_section_id == wanted), None)
            return None

    def is_concluded(self, course: Course) -> bool:
        """Hard-concluded (completed), or past its own or its term's end date."""
        term = self.terms.get(course.term_id)
        return (
            course.workflow_state == "completed"
            or _is_past(course.end_at)
            or (term is not None and _is_past(term.end_at))
        )

    def enrollments_where(
        self,
        *,
        course_id: int | None = None,
        section_id: int | None = None,
        types: tuple[str, ...] = (),
        states: tuple[str, ...] = CURRENT_ENROLLMENT_STATES,
    ) -> list[Enrollment]:
        """Enrollments in id order, filtered by course or section, type and state."""
        with self.lock:
            return [
                e
                for e in self.enrollments.values()
                if (course_id is None or e.course_id == course_id)
                and (section_id is None or e.section_id == section_id)
                and (not types or e.type in types)
                and e.workflow_state in states
            ]

    def student_count(self, course_id: int) -> int:
        """Distinct students whose enrollment is not rejected, completed, deleted or inactive."""
        states = ("active", "invited", "creation_pending")
        students = self.enrollments_where(
            course_id=course_id, types=("StudentEnrollment",), states=states
        )
        return len({e.user_id for e in students})

    def teacher_ids(self, course_id: int) -> list[int]:
        """The course's teachers (active or invited), once each, in enrollment order."""
        enrollments = self.enrollments_where(course_id=course_id, types=("TeacherEnrollment",))
        return list(dict.fromkeys(e.user_id for e in enrollments))

    def taught_by(self, course_id: int, teacher_ids: set[int]) -> bool:
        """For ``by_teachers[]``: any non-deleted teacher enrollment of one of them."""
        states = ("active", "invited", "completed", "inactive", "creation_pending")
        enrollments = self.enrollments_where(
            course_id=course_id, types=("TeacherEnrollment",), states=states
        )
        return any(e.user_id in teacher_ids for e in enrollments)

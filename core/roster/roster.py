"""A new workbook from Canvas classes: one row per active student, ready for new logins.

The students of each chosen class (``GET /courses/:id/users?enrollment_type[]=student``)
or section (its student enrollments) are read page by page, each read paced and retried
like every other read. A student in two chosen classes or sections is listed once, under
the first. First and last names come from Canvas's ``sortable_name`` ("Last, First").
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anyascii import anyascii
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.canvas.errors import Cancelled
from core.model import CancelToken, Progress, ProgressCallback, Role
from core.roster.courses import (
    CourseChoice,
    SectionChoice,
    course_choice,
    course_errors_in_plain_words,
)
from core.run.pacing import read_with_retries
from core.workbook import WorkbookError, WorkbookLockedError, lock_files
from core.workbook.doc import locked_message
from core.workbook.resave import write_text
from core.workbook.write import atomic_write

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

__all__ = [
    "ROSTER_HEADERS",
    "RosterStudent",
    "read_roster",
    "split_sortable_name",
    "write_roster_workbook",
]

ROSTER_HEADERS: tuple[str, ...] = (
    Role.FIRST_NAME.value,
    Role.LAST_NAME.value,
    Role.CLASS.value,
    Role.TEACHER.value,
    Role.CANVAS_USER_ID.value,
    Role.SIS_USER_ID.value,
    Role.CURRENT_LOGIN.value,
    Role.NEW_LOGIN.value,
    Role.PASSWORD.value,
)
#: Columns Excel must keep as text when staff type into them (ids with leading zeros,
#: passwords made of digits).
_TEXT_COLUMNS = frozenset(
    {
        Role.CANVAS_USER_ID.value,
        Role.SIS_USER_ID.value,
        Role.CURRENT_LOGIN.value,
        Role.NEW_LOGIN.value,
        Role.PASSWORD.value,
    }
)
_MIN_WIDTH, _MAX_WIDTH = 12, 45
SHEET_TITLE = "Students"


@dataclass(frozen=True)
class RosterStudent:
    canvas_user_id: str
    sis_user_id: str
    login_id: str
    first: str
    last: str
    class_name: str
    teacher: str

    @property
    def cells(self) -> tuple[str, ...]:
        """The row in :data:`ROSTER_HEADERS` order (New Login and Password empty)."""
        return (
            self.first,
            self.last,
            self.class_name,
            self.teacher,
            self.canvas_user_id,
            self.sis_user_id,
            self.login_id,
            "",
            "",
        )


def split_sortable_name(sortable_name: str, name: str = "") -> tuple[str, str]:
    """(first, last) from Canvas's "Last, First"; without a comma, from ``name``'s words."""
    sortable = " ".join((sortable_name or "").split())
    if "," in sortable:
        last, _, first = sortable.partition(",")
        return first.strip(), last.strip()
    words = " ".join((name or sortable).split())
    first, _, last = words.partition(" ")
    return first, last


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _student(user: dict[str, Any], class_name: str, teacher: str) -> RosterStudent:
    first, last = split_sortable_name(_text(user.get("sortable_name")), _text(user.get("name")))
    return RosterStudent(
        canvas_user_id=_text(user.get("id")),
        sis_user_id=_text(user.get("sis_user_id")),
        login_id=_text(user.get("login_id")),
        first=first,
        last=last,
        class_name=class_name,
        teacher=teacher,
    )


@dataclass(frozen=True)
class _Source:
    """One read: a whole class, or one section of it."""

    class_name: str
    teacher: str
    read: Callable[[], list[dict[str, Any]]]


def _sources(
    client: CanvasApi,
    courses: Sequence[CourseChoice | int | str],
    sections: Sequence[SectionChoice],
    cancel: CancelToken | None,
) -> list[_Source]:
    """A class given with some of its sections means just those sections."""
    chosen = [
        c if isinstance(c, CourseChoice) else course_choice(client, c, cancel=cancel)
        for c in courses
    ]
    by_id = {course.course_id: course for course in chosen}
    sectioned = {section.course_id for section in sections}
    sources = [
        _Source(course.name, ", ".join(course.teachers), _course_reader(client, course.course_id))
        for course in chosen
        if course.course_id not in sectioned
    ]
    for section in sections:
        course = by_id.get(section.course_id)
        if course is None:
            course = by_id[section.course_id] = course_choice(
                client, section.course_id, cancel=cancel
            )
        reader = _section_reader(client, section.section_id)
        sources.append(_Source(section.name, ", ".join(course.teachers), reader))
    return sources


def _course_reader(client: CanvasApi, course_id: int) -> Callable[[], list[dict[str, Any]]]:
    return lambda: client.course_students(course_id)


def _section_reader(client: CanvasApi, section_id: int) -> Callable[[], list[dict[str, Any]]]:
    def read() -> list[dict[str, Any]]:
        enrollments = client.section_students(section_id)
        return [e["user"] for e in enrollments if isinstance(e.get("user"), dict)]

    return read


def _sort_key(student: RosterStudent) -> tuple[str, str]:
    return anyascii(student.last).casefold(), anyascii(student.first).casefold()


def read_roster(
    client: CanvasApi,
    courses: Sequence[CourseChoice | int | str],
    sections: Sequence[SectionChoice] = (),
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[RosterStudent]:
    """One row per student of the classes and sections, class by class, A to Z within.

    ``progress`` hears after each class or section; a Stop raises
    :class:`~core.canvas.errors.Cancelled`. A token without the right raises
    PermissionDenied in plain words (see :mod:`core.roster.courses`).
    """
    found: dict[str, RosterStudent] = {}
    by_class: list[list[RosterStudent]] = []
    with course_errors_in_plain_words():
        sources = _sources(client, courses, sections, cancel)
        for done, source in enumerate(sources):
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            if progress is not None:
                progress(Progress(done, len(sources), message=f"Reading {source.class_name}…"))
            fresh = []
            for user in read_with_retries(source.read, cancel=cancel):
                student = _student(user, source.class_name, source.teacher)
                if student.canvas_user_id and student.canvas_user_id not in found:
                    found[student.canvas_user_id] = student
                    fresh.append(student)
            by_class.append(sorted(fresh, key=_sort_key))
    if progress is not None:
        progress(Progress(len(sources), len(sources), message="Read every class."))
    return [student for group in by_class for student in group]


def write_roster_workbook(students: Sequence[RosterStudent], path: str | Path) -> Path:
    """A normal .xlsx (bold, frozen header; ids as text), saved atomically. Returns the path.

    Raises :class:`~core.workbook.WorkbookError` in plain words: not an .xlsx name, no
    such folder, or the file open in Excel (then the old file is untouched).
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise WorkbookError(
            f"Save the class list as an Excel workbook: a file name ending in .xlsx, "
            f"not '{target.name}'."
        )
    if not target.parent.is_dir():
        raise WorkbookError(
            f"There is no folder '{target.parent}' to save '{target.name}' in. Choose a "
            "folder that exists."
        )
    for lock_file in lock_files(target):
        if lock_file.exists():
            raise WorkbookLockedError(locked_message(target, lock_file), lock_file)
    atomic_write(target, _workbook_bytes(students))
    return target


def _workbook_bytes(students: Sequence[RosterStudent]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    bold = Font(bold=True)
    rows = [student.cells for student in students]
    for column, header in enumerate(ROSTER_HEADERS, start=1):
        write_text(sheet, 1, column, header)
        sheet.cell(row=1, column=column).font = bold
        widest = max([len(header), *(len(row[column - 1]) for row in rows)])
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(_MAX_WIDTH, max(_MIN_WIDTH, widest + 3))
        if header in _TEXT_COLUMNS:
            for row_number in range(2, len(rows) + 2):
                sheet.cell(row=row_number, column=column).number_format = "@"
    for row_number, cells in enumerate(rows, start=2):
        for column, text in enumerate(cells, start=1):
            write_text(sheet, row_number, column, text)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(ROSTER_HEADERS))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book.save(buffer)
    return buffer.getvalue()

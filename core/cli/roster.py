"""``canvas-logins-cli roster``: a new workbook from Canvas classes.

``roster --url URL (--course ID ... | --course-search TEXT [--term ID]) --output FILE.xlsx``
writes a new workbook with one row per active student of the classes (or of some of their
sections, ``--section``), ready for New Login and Password. Reads only; writes nothing
to Canvas. Exit 3 when Canvas cannot be reached or the token may not read the classes.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from core.canvas.errors import Cancelled, CanvasError, NotFound
from core.cli.common import (
    ctrl_c_cancels,
)
from core.cli.connection import (
    add_connection_arguments,
    connect,
    connection_from,
)
from core.cli.status import ExitStatus, UsageProblem
from core.model import CancelToken, Progress, ProgressCallback
from core.roster.courses import (
    CourseChoice,
    SectionChoice,
    course_choice,
    find_courses,
    sections_of,
)
from core.roster.roster import read_roster, write_roster_workbook
from core.workbook import WorkbookError

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

log = logging.getLogger("core.cli")


class StopCommand(Exception):
    """The command ends early with ``status``, its reason already printed."""

    def __init__(self, status: ExitStatus) -> None:
        super().__init__(status.name)
        self.status = status


def course_ref(text: str) -> str:
    """An argparse type: a Canvas course id, or ``sis_course_id:X``."""
    ref = text.strip()
    if ref.isdigit() and int(ref) > 0:
        return ref
    if ref.startswith("sis_course_id:") and ref.partition(":")[2].strip():
        return ref
    raise argparse.ArgumentTypeError(
        f"'{text}' is not a Canvas class id (a number, or sis_course_id:ID)"
    )


def term_ref(text: str) -> int:
    """An argparse type: a Canvas term id."""
    ref = text.strip()
    if ref.isdigit() and int(ref) > 0:
        return int(ref)
    raise argparse.ArgumentTypeError(f"'{text}' is not a Canvas term id (a number)")


def add_course_arguments(parser: argparse.ArgumentParser) -> None:
    """``--url`` and friends, and ``--course`` (repeatable)."""
    add_connection_arguments(parser)
    parser.add_argument(
        "--course",
        action="append",
        type=course_ref,
        default=[],
        metavar="ID",
        help="a Canvas class id (or sis_course_id:ID); repeat for more classes",
    )
    parser.set_defaults(concurrency=None, min_password_length=None)


def progress_printer(err: TextIO) -> ProgressCallback | None:
    """What is being read, as one updating line on stderr when it is a terminal."""
    if not getattr(err, "isatty", lambda: False)():
        return None

    def show(progress: Progress) -> None:
        err.write(f"\r{progress.message}"[:79].ljust(79))
        err.flush()

    return show


@contextmanager
def canvas_reads(err: TextIO, what_was_kept: str) -> Iterator[None]:
    """Canvas's refusals and a Stop, as a line on stderr and :class:`StopCommand`."""
    try:
        yield
    except NotFound as exc:
        raise UsageProblem(exc.message) from None
    except Cancelled:
        print(f"Stopped. {what_was_kept}", file=err)
        raise StopCommand(ExitStatus.INTERRUPTED) from None
    except CanvasError as exc:
        print(f"{exc.message} {what_was_kept}", file=err)
        log.warning("reading from Canvas failed: %s", exc.message)
        raise StopCommand(ExitStatus.CANVAS) from None


def add_parser(commands: argparse._SubParsersAction) -> None:
    roster = commands.add_parser(
        "roster", help="a new workbook with the students of Canvas classes"
    )
    add_course_arguments(roster)
    roster.add_argument(
        "--course-search",
        metavar="TEXT",
        help="every active class whose name, code or teacher's name holds TEXT",
    )
    roster.add_argument(
        "--term",
        type=term_ref,
        metavar="ID",
        help="with --course-search: only classes of this Canvas term",
    )
    roster.add_argument(
        "--section",
        action="append",
        type=int,
        default=[],
        metavar="ID",
        help="only this section of a class given with --course or found by --course-search",
    )
    roster.add_argument("--output", required=True, metavar="FILE.xlsx")


def _output_path(text: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise UsageProblem(f"--output: give a file name ending in .xlsx, not '{path.name}'.")
    if not path.parent.is_dir():
        raise UsageProblem(f"--output: there is no folder '{path.parent}'.")
    return path


def _chosen_courses(
    args: argparse.Namespace,
    client: CanvasApi,
    account_id: int | None,
    cancel: CancelToken,
) -> list[CourseChoice]:
    if not args.course_search:
        return [course_choice(client, ref, cancel=cancel) for ref in dict.fromkeys(args.course)]
    try:
        found = find_courses(
            client, account_id or "self", args.course_search, term_id=args.term, cancel=cancel
        )
    except ValueError as exc:
        raise UsageProblem(f"--course-search: {exc}") from None
    except NotFound:
        if args.term is None:
            raise
        raise UsageProblem(f"--term: Canvas has no term with the id {args.term}.") from None
    in_term = "" if args.term is None else f" in term {args.term}"
    if not found:
        raise UsageProblem(f"No active Canvas class{in_term} matches '{args.course_search}'.")
    return found


def _chosen_sections(
    client: CanvasApi, courses: Sequence[CourseChoice], wanted: Sequence[int], cancel: CancelToken
) -> list[SectionChoice]:
    if not wanted:
        return []
    known = {
        section.section_id: section
        for course in courses
        for section in sections_of(client, course.course_id, cancel=cancel)
    }
    missing = [str(section_id) for section_id in wanted if section_id not in known]
    if missing:
        raise UsageProblem(
            f"Section {', '.join(missing)} is not a section of the classes chosen; give its "
            "class with --course."
        )
    return [known[section_id] for section_id in dict.fromkeys(wanted)]


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    if bool(args.course) == bool(args.course_search):
        raise UsageProblem(
            "Give the classes with --course ID (repeatable) or with --course-search TEXT."
        )
    if args.term is not None and not args.course_search:
        raise UsageProblem(
            "--term only narrows --course-search TEXT; it cannot be used with --course."
        )
    output = _output_path(args.output)
    conn = connection_from(args)
    try:
        connected = connect(conn)
    except CanvasError as exc:
        print(f"{exc.message} No workbook was written.", file=err)
        return ExitStatus.CANVAS
    cancel = CancelToken()
    try:
        with (
            connected.client as client,
            ctrl_c_cancels(cancel),
            canvas_reads(err, "No workbook was written."),
        ):
            courses = _chosen_courses(args, client, connected.account_id, cancel)
            print("Classes: " + "; ".join(course.name for course in courses), file=err)
            sections = _chosen_sections(client, courses, args.section, cancel)
            progress = progress_printer(err)
            students = read_roster(client, courses, sections, progress=progress, cancel=cancel)
    except StopCommand as stop:
        return stop.status
    if not students:
        print(
            "Canvas lists no active students in these classes; no workbook was written.",
            file=err,
        )
        return ExitStatus.ROWS_FAILED
    try:
        saved = write_roster_workbook(students, output)
    except WorkbookError as exc:
        print(f"The workbook could not be saved: {exc.message}", file=err)
        return ExitStatus.NOT_SAVED
    classes = len({student.class_name for student in students})
    pupils = f"{len(students)} student{'' if len(students) == 1 else 's'}"
    groups = f"{classes} class{'' if classes == 1 else 'es'}"
    print(f"Wrote {pupils} of {groups} to {saved}.", file=out)
    return ExitStatus.OK

"""Students → "New from Canvas classes…": a new workbook with the students of some classes.

Staff pick classes or sections in :class:`gui.roster_dialog.ClassPicker`, say where to
save, and the students are read from Canvas on a worker thread
(:func:`core.roster.roster.read_roster`, with progress and Cancel in the dialog) and
written into a normal workbook (:func:`core.roster.roster.write_roster_workbook`),
which then opens in the window, ready for new logins and passwords. The first start
can begin here too, in the practice sandbox (:func:`start_from_practice_class`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QStandardPaths, Qt

from core.roster.roster import read_roster, write_roster_workbook
from core.workbook import WorkbookError
from gui.roster_dialog import ClassPicker, course_label
from gui.screen_fit import plural
from gui.window_parts import WindowParts
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from core.connection import Connection
    from core.model import CancelToken, ProgressCallback
    from core.roster.courses import CourseChoice, SectionChoice

log = logging.getLogger(__name__)

__all__ = [
    "RosterWindow",
    "default_workbook_path",
    "new_from_canvas_classes",
    "start_from_practice_class",
]

#: Characters Windows does not allow in a file name (and dots, which "Ms." brings).
_UNSAFE = re.compile(r'[\\/:*?"<>|.\x00-\x1f]+')
MAX_NAME_LENGTH = 80


class RosterWindow(WindowParts, Protocol):
    """What the flow needs of the main window beyond :class:`WindowParts`."""

    def open_file(self, path: str | Path, sheet: str | None = None) -> bool: ...

    def set_connection(self, connection: Connection | None) -> None: ...


def new_from_canvas_classes(window: RosterWindow) -> ClassPicker | None:
    """Open the class picker (connecting first when needed); None when not opened."""
    if window.is_running:
        return None
    connection = window.ensure_connection()
    if connection is None:
        return None
    return _open_picker(window, connection)


def _open_picker(window: RosterWindow, connection: Connection) -> ClassPicker:
    picker = ClassPicker(
        window,  # type: ignore[arg-type]
        connection.client,
        connection.account_id,
        action_text="Create Workbook…",
    )
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    picker.action_requested.connect(lambda: create_workbook(window, picker))
    picker.open()
    return picker


def create_workbook(window: RosterWindow, picker: ClassPicker) -> bool:
    """Ask where to save, then read the ticked classes' students into a new workbook."""
    courses, sections = picker.chosen_courses(), picker.chosen_sections()
    if not courses and not sections:
        return False
    chosen = window.prompts.ask_save_path(default_workbook_path(courses, sections))
    if not chosen:
        return False
    path = Path(chosen)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    client = picker.client

    def job(progress: ProgressCallback, cancel: CancelToken) -> tuple[Path, int] | str:
        """The saved workbook and its number of students, or why there is none."""
        students = read_roster(client, courses, sections, progress=progress, cancel=cancel)
        if not students:
            return (
                "Canvas lists no active students in the chosen classes, so no workbook "
                "was made. Choose other classes, or check the classes in Canvas."
            )
        try:
            return write_roster_workbook(students, path), len(students)
        except WorkbookError as exc:
            return exc.message
        except OSError as exc:
            return f"'{path.name}' could not be saved ({exc.strerror or exc}). Try another folder."

    def done(value: tuple[Path, int] | str) -> None:
        if isinstance(value, str):
            picker.message.setText(value)
            return
        saved, count = value
        picker.accept()
        _open_new_workbook(window, saved, count)

    picker.run_work("Reading the students from Canvas…", job, done)
    return True


def _open_new_workbook(window: RosterWindow, path: Path, count: int) -> None:
    if not window.open_file(path):
        window.statusBar().showMessage(
            f"The new workbook is saved as '{path}'; it was not opened.", 15_000
        )
        return
    window.statusBar().showMessage(
        f"New workbook '{path.name}': {plural(count, 'student')} from Canvas. Next, fill "
        "in New Login and Password for each student.",
        20_000,
    )


def default_workbook_path(
    courses: Sequence[CourseChoice], sections: Sequence[SectionChoice] = ()
) -> Path:
    """A new file in Documents named after the first class: "Ms Patel K logins.xlsx"."""
    names = [course_label(c) for c in courses] + [s.name for s in sections]
    first = names[0] if names else "Students"
    stem = first if len(names) <= 1 else f"{first} and {len(names) - 1} more"
    stem = " ".join(_UNSAFE.sub(" ", stem).replace("(", " ").replace(")", " ").split())
    stem = stem[:MAX_NAME_LENGTH].strip() or "Students"
    folder = Path(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        or Path.home()
    )
    candidate = folder / f"{stem} logins.xlsx"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem} logins ({number}).xlsx"
        number += 1
    return candidate


def start_from_practice_class(window: RosterWindow) -> BackgroundJob:
    """The first start's "start from a class": the practice sandbox, then the picker."""
    from core.connection import start_sandbox_connection
    from core.demo import DEMO_TEACHERS

    job = BackgroundJob(window)  # type: ignore[arg-type]

    def connected(connection: Connection) -> None:
        window.set_connection(connection)
        picker = _open_picker(window, connection)
        picker.search(DEMO_TEACHERS[0].name.split()[-1])  # "Patel": her class shows at once

    def failed(message: str) -> None:
        window.prompts.show_error("Could not start the practice sandbox", message)

    job.finished.connect(connected)
    job.failed.connect(failed)
    job.start(lambda _progress, _cancel: start_sandbox_connection())
    return job

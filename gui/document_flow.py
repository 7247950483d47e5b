"""Opening and saving a workbook from the main window, through :class:`core.workflow.Workflow`.

Opening: the sheet that holds the students (asked only when unclear; the column
chooser can go back to it), the column mapping (remembered per set of headers), and
the offer to restore results the journal holds that never reached the file. Saving:
in place or elsewhere; a workbook locked by Excel gets Retry / Save As / Cancel, and
nothing is lost whichever is chosen (the results stay in the grid and the journal).

Reading and writing the file run off the GUI thread (``window.background``,
:class:`gui.background.WindowWork`); the questions come in between, on the GUI thread.
Opening can be cancelled (the status bar's Cancel) and then leaves the window as it was.

Every question goes through the window's ``prompts`` (:mod:`gui.prompts`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from core import mappings
from core.canvas.errors import Cancelled
from core.model import INPUT_ROLES, CancelToken, ProgressCallback, Role
from core.words import plural
from core.workbook import (
    HeaderNotFoundError,
    SaveElsewhereError,
    WorkbookError,
    WorkbookLockedError,
    preview_rows,
    sheet_names,
)
from core.workbook.doc import KINDS, WorkbookDoc
from core.workbook.sheet_choice import choose_student_sheet
from core.workflow import Workflow
from gui import settings
from gui.mapping_dialog import ANOTHER_SHEET, MappingAnswer, MappingChoice, column_letter

if TYPE_CHECKING:
    from gui.window_parts import WindowParts

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = [
    "confirm_discard",
    "drag_entered",
    "dropped",
    "dropped_workbook",
    "is_workbook_path",
    "open_document",
    "save_document",
]


def is_workbook_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in KINDS


def dropped_workbook(event: QDropEvent | QDragEnterEvent) -> str | None:
    """The first workbook among the files dragged onto the window, if any."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and is_workbook_path(url.toLocalFile()):
            return url.toLocalFile()
    return None


def drag_entered(window: WindowParts, event: QDragEnterEvent) -> None:
    """A workbook dragged onto the window may be dropped, unless the window is busy."""
    if not window.is_running and not window.background.is_busy and dropped_workbook(event):
        event.acceptProposedAction()
    else:
        event.ignore()


def dropped(window: WindowParts, event: QDropEvent) -> None:
    """A workbook dropped onto the window opens (once the drop itself is over)."""
    path = dropped_workbook(event)
    if path is None or window.is_running or window.background.is_busy:
        event.ignore()
        return
    event.acceptProposedAction()
    QTimer.singleShot(0, window, lambda: window.open_file(path))  # type: ignore[call-overload]


# ----- opening -------------------------------------------------------------------------
def open_document(window: WindowParts, path: str | Path, sheet: str | None = None) -> bool:
    prompts = window.prompts
    if window.background.is_busy:  # another workbook is being opened or saved: it finishes first
        window.statusBar().showMessage("Wait for the workbook being opened or saved.", 5_000)
        return False
    if window.is_running:
        prompts.show_error("Run in progress", "Wait for the run to finish (or stop it).")
        return False
    if not confirm_discard(window):
        return False
    path = Path(path)
    if not path.is_file():
        prompts.show_error("Cannot open", f"There is no file '{path}'.")
        forget_recent(path)
        window.refresh_recent_files()
        return False
    if not is_workbook_path(path):
        prompts.show_error(
            "Cannot open",
            f"'{path.name}' is not a workbook Canvas Logins can read. Use an Excel "
            "workbook (.xlsx or .xlsm) or a CSV file.",
        )
        return False
    try:
        workflow = _open_sheet(window, path, sheet)
    except Cancelled:
        window.statusBar().showMessage(f"Opening '{path.name}' was cancelled.", 8_000)
        return False
    except WorkbookError as exc:
        prompts.show_error("Cannot open the workbook", exc.message)
        return False
    except OSError as exc:
        log.warning("open failed: %s", exc)
        prompts.show_error(
            "Cannot open the workbook", f"'{path.name}' could not be read ({exc.strerror})."
        )
        return False
    if workflow is None:
        return False
    window.load_document(workflow)
    settings.add_recent_file(str(workflow.doc.path))
    settings.LAST_FOLDER.set(str(workflow.doc.path.parent))
    window.refresh_recent_files()
    offer_restore(window)
    return True


def _open_sheet(window: WindowParts, path: Path, sheet: str | None) -> Workflow | None:
    """Open ``sheet``, or the one core proposes (asking when several look likely).

    From the column chooser staff may go back to the sheet choice, which then offers
    every sheet with the proposed one preselected.
    """
    prompts = window.prompts
    offer: list[str] = []
    proposed = sheet
    if sheet is None:
        choice = _read(window, path, lambda: choose_student_sheet(path))
        proposed = sheet = choice.sheet
        offer = list(choice.offer or choice.sheets)
        if choice.offer:
            sheet = prompts.choose_sheet(offer, path, proposed)
            if sheet is None:
                return None

    @functools.cache
    def sheets() -> list[str]:
        return offer or _read(window, path, lambda: sheet_names(path))

    while True:
        opened = read_document(window, path, sheet, lambda: len(sheets()) > 1)
        if opened is not ANOTHER_SHEET:
            return opened
        sheet = prompts.choose_sheet(sheets(), path, proposed)
        if sheet is None:
            return None


def read_document(
    window: WindowParts,
    path: Path,
    sheet: str | None,
    several_sheets: Callable[[], bool] = lambda: False,
) -> Workflow | MappingAnswer | None:
    """Open the sheet, asking for the columns when they cannot be told from the headers.

    ``several_sheets`` says whether the column chooser may offer going back to the sheet
    choice (asked only when the chooser is shown); its answer :data:`ANOTHER_SHEET` comes
    back as it is.
    """
    try:
        workflow = _open(window, path, sheet)
    except HeaderNotFoundError as exc:
        return _open_with_mapping(window, path, sheet, exc, several_sheets)
    doc = workflow.doc
    unclear = {role: cols for role, cols in doc.ambiguous.items() if role in INPUT_ROLES}
    if not unclear:
        return workflow
    file_headers = doc.table.headers[: doc.table.appended_from]
    remembered = mappings.recall(file_headers)
    if remembered:
        return _open(window, path, sheet, header_row=doc.table.header_row, mapping=remembered)
    message = (
        "Canvas Logins is not sure about some columns. "
        + "; ".join(_doubt_words(doc, role, cols) for role, cols in unclear.items())
        + ". Check the choices below."
    )
    preset = {role: col for role, col in doc.table.columns.items() if role in INPUT_ROLES}
    preview = _read(window, path, lambda: preview_rows(path, sheet))
    choice = window.prompts.choose_mapping(
        preview, doc.table.header_row, preset, message, several_sheets()
    )
    return _apply_choice(window, path, sheet, choice)


def _doubt_words(doc: WorkbookDoc, role: Role, columns: list[int]) -> str:
    """Why ``role`` is not certain: several columns claim it, or its header may mean
    something else (core's words for that, when it gives them)."""
    headers = doc.table.headers
    if len(columns) > 1:
        return f"{role.value} could be column " + " or ".join(
            f"{column_letter(c)} ('{headers[c]}')" for c in columns
        )
    (column,) = columns
    doubt = doc.header_doubts.get(column, "").rstrip(". ")
    if doubt:
        return f"Column {column_letter(column)}: {doubt}"
    return f"Column {column_letter(column)} ('{headers[column]}') may not be the {role.value}"


def _open_with_mapping(
    window: WindowParts,
    path: Path,
    sheet: str | None,
    exc: HeaderNotFoundError,
    several_sheets: Callable[[], bool],
) -> Workflow | MappingAnswer | None:
    preview = _read(window, path, lambda: preview_rows(path, sheet))
    header_row = exc.row or 1
    headers = preview[header_row - 1] if 0 < header_row <= len(preview) else []
    if exc.row and headers:
        remembered = mappings.recall(headers)
        if remembered:
            return _open(window, path, sheet, header_row=header_row, mapping=remembered)
    if not any(any(cell.strip() for cell in row) for row in preview):
        raise exc
    choice = window.prompts.choose_mapping(preview, header_row, None, exc.message, several_sheets())
    return _apply_choice(window, path, sheet, choice)


def _apply_choice(
    window: WindowParts,
    path: Path,
    sheet: str | None,
    choice: MappingChoice | MappingAnswer | None,
) -> Workflow | MappingAnswer | None:
    if choice is None or isinstance(choice, MappingAnswer):
        return choice
    if choice.remember:
        mappings.remember(choice.headers, choice.mapping)
    full = {role: choice.mapping.get(role, -1) for role in INPUT_ROLES}
    return _open(window, path, sheet, header_row=choice.header_row, mapping=full)


def _open(window: WindowParts, path: Path, sheet: str | None, **how: Any) -> Workflow:
    """Read the sheet off the GUI thread (``how``: the header row and the mapping);
    staff may cancel it (:class:`Cancelled`)."""
    journal = window.journal

    def read(progress: ProgressCallback, cancel: CancelToken) -> Workflow:
        return Workflow.open(path, sheet, journal=journal, progress=progress, cancel=cancel, **how)

    return window.background.run(f"Opening '{path.name}'…", read, cancellable=True)


def _read(window: WindowParts, path: Path, read: Callable[[], T]) -> T:
    """A look into the file (its sheets, its first rows) off the GUI thread."""
    return window.background.run(f"Reading '{path.name}'…", lambda _p, _c: read())


def offer_restore(window: WindowParts) -> None:
    """Offer the results an earlier run finished that never reached the file."""
    workflow = window.workflow
    if workflow is None:
        return
    try:
        results = window.background.run(
            "Looking for results not yet saved…", lambda _p, _c: workflow.unsaved_results()
        )
    except Exception:  # a damaged journal must not stop the workbook from opening
        log.exception("journal could not be read")
        return
    if not results or not window.prompts.ask_restore(len(results)):
        return
    window.table_model.apply_results(results)
    window.table_model.flush_results()
    window.check_offline()  # done rows are checked differently
    window.mark_results_unsaved()
    window.statusBar().showMessage(
        f"Restored {plural(len(results), 'result')} from the journal. "
        "Save to put them into the workbook.",
        10_000,
    )


def confirm_discard(window: WindowParts) -> bool:
    """Ask before the open workbook's unsaved work goes; True when it is fine to go on."""
    if window.workflow is None or not window.is_modified:
        return True
    choice = window.prompts.ask_unsaved(window.unsaved_words())
    if choice == "save":
        return window.save()
    return choice == "discard"


def forget_recent(path: Path) -> None:
    files = [p for p in settings.RECENT_FILES.get() if Path(p) != path]
    settings.RECENT_FILES.set(files)


# ----- saving --------------------------------------------------------------------------
def save_document(window: WindowParts, path: str | Path | None = None) -> bool:
    """Save into the file (or ``path``). Locked: Retry / Save As / Cancel, nothing lost."""
    workflow = window.workflow
    if workflow is None:
        return False
    prompts = window.prompts
    window.table_model.flush_results()
    target = Path(path) if path is not None else None
    while True:
        try:
            saved = _write(window, workflow, target)
            break
        except WorkbookLockedError as exc:
            choice = prompts.ask_locked(exc.message)
            if choice == "retry":
                continue
            if choice == "save_as":
                chosen = prompts.ask_save_path(_suggest_copy(target or workflow.doc.path))
                if not chosen:
                    return False
                target = Path(chosen)
                continue
            when = "with Save As" if isinstance(exc, SaveElsewhereError) else "when Excel is closed"
            window.statusBar().showMessage(
                f"Not saved. The results are still in the grid: save again {when}.", 15_000
            )
            return False
        except WorkbookError as exc:
            prompts.show_error("Could not save", exc.message)
            return False
        except OSError as exc:
            log.warning("save failed: %s", exc)
            prompts.show_error(
                "Could not save",
                f"The workbook could not be written ({exc.strerror}). Your results are still "
                "in the grid: try Save As to another folder.",
            )
            return False
    window.document_saved(saved)
    settings.add_recent_file(str(saved))
    window.refresh_recent_files()
    return True


def _write(window: WindowParts, workflow: Workflow, target: Path | None) -> Path:
    """Save off the GUI thread; marks the journal's results saved. Raises as
    :meth:`Workflow.save` does, here on the GUI thread."""
    name = (target or workflow.doc.path).name
    return window.background.run(
        f"Saving into '{name}'…", lambda _progress, _cancel: workflow.save(target)
    )


def _suggest_copy(path: Path) -> Path:
    return path.with_name(f"{path.stem} (results){path.suffix}")

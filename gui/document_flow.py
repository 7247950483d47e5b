"""Opening and saving a workbook from the main window, through :class:`core.workflow.Workflow`.

Opening: the sheet that holds the students (asked only when unclear; the column
chooser can go back to it), the column mapping (remembered per set of headers), and
the offer to restore results the journal holds that never reached the file. Saving:
in place or elsewhere; a workbook locked by Excel gets Retry / Save As / Cancel, and
nothing is lost whichever is chosen (the results stay in the grid and the journal).

Every question goes through the window's ``prompts`` (:mod:`gui.prompts`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from core import mappings
from core.model import INPUT_ROLES, Role
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

__all__ = [
    "confirm_discard",
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


# ----- opening -------------------------------------------------------------------------
def open_document(window: WindowParts, path: str | Path, sheet: str | None = None) -> bool:
    prompts = window.prompts
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
        choice = choose_student_sheet(path)
        proposed = sheet = choice.sheet
        offer = list(choice.offer or choice.sheets)
        if choice.offer:
            sheet = prompts.choose_sheet(offer, path, proposed)
            if sheet is None:
                return None

    @functools.cache
    def sheets() -> list[str]:
        return offer or sheet_names(path)

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
    journal = window.journal
    try:
        workflow = Workflow.open(path, sheet, journal=journal)
    except HeaderNotFoundError as exc:
        return _open_with_mapping(window, path, sheet, exc, several_sheets)
    doc = workflow.doc
    unclear = {role: cols for role, cols in doc.ambiguous.items() if role in INPUT_ROLES}
    if not unclear:
        return workflow
    file_headers = doc.table.headers[: doc.table.appended_from]
    remembered = mappings.recall(file_headers)
    if remembered:
        return Workflow.open(
            path, sheet, journal=journal, header_row=doc.table.header_row, mapping=remembered
        )
    message = (
        "Canvas Logins is not sure about some columns. "
        + "; ".join(_doubt_words(doc, role, cols) for role, cols in unclear.items())
        + ". Check the choices below."
    )
    preset = {role: col for role, col in doc.table.columns.items() if role in INPUT_ROLES}
    preview = preview_rows(path, sheet)
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
    preview = preview_rows(path, sheet)
    header_row = exc.row or 1
    headers = preview[header_row - 1] if 0 < header_row <= len(preview) else []
    if exc.row and headers:
        remembered = mappings.recall(headers)
        if remembered:
            return Workflow.open(
                path, sheet, journal=window.journal, header_row=header_row, mapping=remembered
            )
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
    return Workflow.open(
        path, sheet, journal=window.journal, header_row=choice.header_row, mapping=full
    )


def offer_restore(window: WindowParts) -> None:
    """Offer the results an earlier run finished that never reached the file."""
    workflow = window.workflow
    if workflow is None:
        return
    try:
        results = workflow.unsaved_results()
    except Exception:  # a damaged journal must not stop the workbook from opening
        log.exception("journal could not be read")
        return
    if not results or not window.prompts.ask_restore(len(results)):
        return
    window.table_model.apply_results(results)
    window.table_model.flush_results()
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
            saved = workflow.save(target)  # also marks the journal's results saved
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


def _suggest_copy(path: Path) -> Path:
    return path.with_name(f"{path.stem} (results){path.suffix}")

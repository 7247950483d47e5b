"""Opening and saving a workbook from the main window.

Opening: sheet picker, the column-mapping dialog (remembered per set of headers), and
the offer to restore results the journal holds that never reached the file. Saving:
in place or elsewhere; a workbook locked by Excel gets Retry / Save As / Cancel, and
nothing is lost whichever is chosen (the results stay in the grid and the journal).

The questions go through the window's replaceable ``ask_*`` attributes, so tests
answer them without dialogs. The default answers (real dialogs) are here too.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from core import mappings
from core.journal import workbook_key_for
from core.model import INPUT_ROLES, STUDENT_ROLES, Role
from core.workbook import (
    HeaderNotFoundError,
    WorkbookDoc,
    WorkbookError,
    WorkbookLockedError,
    detect_columns,
    open_workbook,
    preview_rows,
    save_workbook,
    sheet_names,
)
from core.workbook.doc import KINDS
from gui import settings
from gui.mapping_dialog import MappingChoice, column_letter

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)

WORKBOOK_FILTER = (
    "Workbooks (*.xlsx *.xlsm *.csv);;Excel workbooks (*.xlsx *.xlsm);;CSV files (*.csv)"
)


def is_workbook_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in KINDS


# ----- default answers (real dialogs) ---------------------------------------------------
def default_choose_sheet(parent: QWidget, sheets: list[str], path: Path) -> str | None:
    sheet, ok = QInputDialog.getItem(
        parent,
        "Choose a sheet",
        f"'{path.name}' has {len(sheets)} sheets. Which one holds the students?",
        sheets,
        0,
        False,
    )
    return sheet if ok and sheet else None


def default_ask_restore(parent: QWidget, count: int) -> bool:
    answer = QMessageBox.question(
        parent,
        "Restore results",
        f"The last run on this workbook finished {count} row{'s' if count != 1 else ''} "
        "whose results were never saved into the file (the app or the computer may have "
        "stopped). Put those results back into the grid now?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def default_ask_locked(parent: QWidget, message: str) -> str:
    box = QMessageBox(parent)
    box.setObjectName("LockedFileBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Workbook is open in Excel")
    box.setText("Close the workbook in Excel, then click Retry.")
    box.setInformativeText(message + "\n\nYour results are kept in the grid until saved.")
    retry = box.addButton("Retry", QMessageBox.ButtonRole.AcceptRole)
    save_as = box.addButton("Save As…", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(retry)
    box.exec()
    clicked = box.clickedButton()
    if clicked is retry:
        return "retry"
    if clicked is save_as:
        return "save_as"
    return "cancel"


def default_ask_save_path(parent: QWidget, suggested: Path) -> str | None:
    path, _ = QFileDialog.getSaveFileName(
        parent, "Save the workbook as", str(suggested), f"*{suggested.suffix}"
    )
    return path or None


def default_ask_open_path(parent: QWidget) -> str | None:
    folder = settings.LAST_FOLDER.get() or str(Path.home())
    path, _ = QFileDialog.getOpenFileName(parent, "Open a workbook", folder, WORKBOOK_FILTER)
    return path or None


def default_ask_unsaved(parent: QWidget, what: str) -> str:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"The workbook has {what} that are not saved yet.")
    box.setInformativeText("Save them into the workbook first?")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    if answer == QMessageBox.StandardButton.Discard:
        return "discard"
    return "cancel"


def default_show_error(parent: QWidget, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


def default_show_info(parent: QWidget, title: str, message: str) -> None:
    QMessageBox.information(parent, title, message)


# ----- opening -------------------------------------------------------------------------
def open_document(window: MainWindow, path: str | Path, sheet: str | None = None) -> bool:
    if window.is_running:
        window.show_error(window, "Run in progress", "Wait for the run to finish (or stop it).")
        return False
    if not confirm_discard(window):
        return False
    path = Path(path)
    if not path.is_file():
        window.show_error(window, "Cannot open", f"There is no file '{path}'.")
        forget_recent(path)
        window.refresh_recent_files()
        return False
    if not is_workbook_path(path):
        window.show_error(
            window,
            "Cannot open",
            f"'{path.name}' is not a workbook Canvas Logins can read. Use an Excel "
            "workbook (.xlsx or .xlsm) or a CSV file.",
        )
        return False
    try:
        sheets = sheet_names(path)
        if sheet is None and len(sheets) > 1:
            likely = [name for name in sheets if looks_like_students(path, name)]
            if len(likely) == 1:
                sheet = likely[0]
            else:
                ordered = likely + [name for name in sheets if name not in likely]
                sheet = window.choose_sheet(window, ordered, path)
                if sheet is None:
                    return False
        doc = read_document(window, path, sheet)
    except WorkbookError as exc:
        window.show_error(window, "Cannot open the workbook", exc.message)
        return False
    except OSError as exc:
        log.warning("open failed: %s", exc)
        window.show_error(
            window, "Cannot open the workbook", f"'{path.name}' could not be read ({exc.strerror})."
        )
        return False
    if doc is None:
        return False
    window.load_document(doc)
    settings.add_recent_file(str(doc.path))
    settings.LAST_FOLDER.set(str(doc.path.parent))
    window.refresh_recent_files()
    offer_restore(window)
    return True


def looks_like_students(path: Path, sheet: str) -> bool:
    """True when one of the sheet's top rows has a student column and a login column."""
    try:
        top = preview_rows(path, sheet)
    except WorkbookError:
        return False
    for cells in top:
        found = detect_columns([cell.strip() for cell in cells])
        if Role.NEW_LOGIN in found and any(role in found for role in STUDENT_ROLES):
            return True
    return False


def read_document(window: MainWindow, path: Path, sheet: str | None) -> WorkbookDoc | None:
    """Open the sheet, asking for the columns when they cannot be told from the headers."""
    try:
        doc = open_workbook(path, sheet)
    except HeaderNotFoundError as exc:
        return _open_with_mapping(window, path, sheet, exc)
    unclear = {role: cols for role, cols in doc.ambiguous.items() if role in INPUT_ROLES}
    if not unclear:
        return doc
    file_headers = doc.table.headers[: doc.table.appended_from]
    remembered = mappings.recall(file_headers)
    if remembered:
        return open_workbook(path, sheet, header_row=doc.table.header_row, mapping=remembered)
    lines = [
        f"{role.value} could be column "
        + " or ".join(f"{column_letter(c)} ('{doc.table.headers[c]}')" for c in cols)
        for role, cols in unclear.items()
    ]
    message = (
        "Some roles are claimed by more than one column. "
        + "; ".join(lines)
        + ". Check the choices below."
    )
    preset = {role: col for role, col in doc.table.columns.items() if role in INPUT_ROLES}
    preview = preview_rows(path, sheet)
    choice = window.choose_mapping(window, preview, doc.table.header_row, preset, message)
    return _apply_choice(path, sheet, choice)


def _open_with_mapping(
    window: MainWindow, path: Path, sheet: str | None, exc: HeaderNotFoundError
) -> WorkbookDoc | None:
    preview = preview_rows(path, sheet)
    header_row = exc.row or 1
    headers = preview[header_row - 1] if 0 < header_row <= len(preview) else []
    if exc.row and headers:
        remembered = mappings.recall(headers)
        if remembered:
            return open_workbook(path, sheet, header_row=header_row, mapping=remembered)
    if not any(any(cell.strip() for cell in row) for row in preview):
        raise exc
    choice = window.choose_mapping(window, preview, header_row, None, exc.message)
    return _apply_choice(path, sheet, choice)


def _apply_choice(
    path: Path, sheet: str | None, choice: MappingChoice | None
) -> WorkbookDoc | None:
    if choice is None:
        return None
    if choice.remember:
        mappings.remember(choice.headers, choice.mapping)
    full = {role: choice.mapping.get(role, -1) for role in INPUT_ROLES}
    return open_workbook(path, sheet, header_row=choice.header_row, mapping=full)


def offer_restore(window: MainWindow) -> None:
    doc = window.doc
    if doc is None:
        return
    try:
        results = window.journal.unsaved_results(workbook_key_for(doc.path), doc.table)
    except Exception:  # a damaged journal must not stop the workbook from opening
        log.exception("journal could not be read")
        return
    if not results or not window.ask_restore(window, len(results)):
        return
    window.table_model.apply_results(results)
    window.table_model.flush_results()
    window.mark_results_unsaved()
    window.statusBar().showMessage(
        f"Restored {len(results)} result{'s' if len(results) != 1 else ''} from the journal. "
        "Save to put them into the workbook.",
        10_000,
    )


def confirm_discard(window: MainWindow) -> bool:
    """Ask before the open workbook's unsaved work goes; True when it is fine to go on."""
    if window.doc is None or not window.is_modified:
        return True
    choice = window.ask_unsaved(window, window.unsaved_words())
    if choice == "save":
        return window.save()
    return choice == "discard"


def forget_recent(path: Path) -> None:
    files = [p for p in settings.RECENT_FILES.get() if Path(p) != path]
    settings.RECENT_FILES.set(files)


# ----- saving --------------------------------------------------------------------------
def save_document(window: MainWindow, path: str | Path | None = None) -> bool:
    """Save into the file (or ``path``). Locked: Retry / Save As / Cancel, nothing lost."""
    doc = window.doc
    if doc is None:
        return False
    window.table_model.flush_results()
    old_key = workbook_key_for(doc.path)
    target = Path(path) if path is not None else None
    while True:
        try:
            saved = save_workbook(doc, target)
            break
        except WorkbookLockedError as exc:
            choice = window.ask_locked(window, exc.message)
            if choice == "retry":
                continue
            if choice == "save_as":
                chosen = window.ask_save_path(window, _suggest_copy(target or doc.path))
                if not chosen:
                    return False
                target = Path(chosen)
                continue
            window.statusBar().showMessage(
                "Not saved. The results are still in the grid: save again when Excel is closed.",
                15_000,
            )
            return False
        except WorkbookError as exc:
            window.show_error(window, "Could not save", exc.message)
            return False
        except OSError as exc:
            log.warning("save failed: %s", exc)
            window.show_error(
                window,
                "Could not save",
                f"The workbook could not be written ({exc.strerror}). Your results are still "
                "in the grid: try Save As to another folder.",
            )
            return False
    for key in {old_key, workbook_key_for(saved)}:
        try:
            window.journal.mark_saved(key)
        except Exception:
            log.exception("journal could not mark the save")
    window.document_saved(saved)
    settings.add_recent_file(str(saved))
    window.refresh_recent_files()
    return True


def _suggest_copy(path: Path) -> Path:
    return path.with_name(f"{path.stem} (results){path.suffix}")

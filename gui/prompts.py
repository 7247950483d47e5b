"""Every question the app puts to staff, in one replaceable object.

The main window and its flows never open a message box themselves: they call the
window's ``prompts``, a :class:`Prompts` whose methods are the real dialogs. Tests (and
the self-test, and the screenshot script) replace that one object with one that
answers without dialogs (``tests/gui_window_support.py``), so every question a flow
asks is answered the same way whether a person or a test is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from core.model import Role
from core.words import plural
from gui import settings
from gui.file_opener import FileOpener
from gui.mapping_dialog import MappingAnswer, MappingChoice, ask_mapping
from gui.run_dialogs import show_summary
from gui.sis_dialogs import confirm_run_with_method
from gui.undo_dialog import ask_undo

if TYPE_CHECKING:
    from core.connection import Connection
    from core.plan import Plan
    from core.profiles import ProfileStore
    from core.roster.match import Candidate
    from core.run.engine import RunSummary
    from core.undo import UndoPlan
    from core.workflow import RunRequest

__all__ = ["WORKBOOK_FILTER", "Prompts"]

WORKBOOK_FILTER = (
    "Workbooks (*.xlsx *.xlsm *.csv);;Excel workbooks (*.xlsx *.xlsm);;CSV files (*.csv)"
)


class Prompts:
    """The real dialogs, each modal to ``parent`` (the main window)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        #: Opens a saved workbook for "Open in Excel" and "Show in folder" (tests replace it).
        self.opener = FileOpener()

    # ----- opening -----------------------------------------------------------------
    def ask_open_path(self) -> str | None:
        folder = settings.LAST_FOLDER.get() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Open a workbook", folder, WORKBOOK_FILTER
        )
        return path or None

    def choose_sheet(self, sheets: list[str], path: Path, current: str | None = None) -> str | None:
        """Which sheet holds the students; ``current`` (the likely one) is preselected."""
        sheet, ok = QInputDialog.getItem(
            self.parent,
            "Choose a sheet",
            f"'{path.name}' has {len(sheets)} sheets. Which one holds the students?",
            sheets,
            sheets.index(current) if current in sheets else 0,
            False,
        )
        return sheet if ok and sheet else None

    def choose_mapping(
        self,
        preview: list[list[str]],
        header_row: int,
        preset: dict[Role, int] | None,
        message: str,
        can_choose_sheet: bool = False,
    ) -> MappingChoice | MappingAnswer | None:
        """Which column holds which role; None when cancelled, ``ANOTHER_SHEET`` when
        staff go back to the sheet choice (offered with ``can_choose_sheet``)."""
        return ask_mapping(
            self.parent, preview, header_row, preset, message, can_choose_sheet=can_choose_sheet
        )

    def ask_restore(self, count: int) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Restore results",
            f"The last run on this workbook finished {plural(count, 'row')} "
            "whose results were never saved into the file (the app or the computer may have "
            "stopped). Put those results back into the grid now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def ask_unsaved(self, what: str) -> str:
        """ "save", "discard" or "cancel" for the open workbook's unsaved ``what``."""
        box = QMessageBox(self.parent)
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

    # ----- saving ------------------------------------------------------------------
    def ask_locked(self, message: str) -> str:
        """ "retry", "save_as" or "cancel" when Excel holds the workbook."""
        box = QMessageBox(self.parent)
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

    def ask_save_path(self, suggested: Path) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self.parent, "Save the workbook as", str(suggested), f"*{suggested.suffix}"
        )
        return path or None

    def ask_save_copy(self, path: Path, losses: list[str]) -> str | None:
        """Saving the results into ``path`` would lose ``losses``: where to save a copy
        with the results instead (None: do not run)."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Save the results to a copy")
        box.setText(
            f"Saving the results into '{path.name}' would lose what Canvas Logins cannot "
            f"write back into it: {', '.join(losses)}."
        )
        box.setInformativeText(
            "Save the results into a copy instead: the teacher's file stays exactly as it is."
        )
        copy = box.addButton("Save to a Copy…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not copy:
            return None
        return self.ask_save_path(path.with_name(f"{path.stem} (results){path.suffix}"))

    def ask_cards_pdf_path(self, suggested: Path) -> str | None:
        """Where to save the login cards (a PDF)."""
        path, _ = QFileDialog.getSaveFileName(
            self.parent, "Save the login cards as", str(suggested), "PDF files (*.pdf)"
        )
        return path or None

    def ask_report_path(self, title: str, suggested: Path) -> str | None:
        """Where to save a CSV report (the run history)."""
        path, _ = QFileDialog.getSaveFileName(
            self.parent, title, str(suggested), "CSV files (*.csv)"
        )
        return path or None

    # ----- Canvas ------------------------------------------------------------------
    def ask_connect(self, store: ProfileStore | None) -> Connection | None:
        """The connection dialog; the tested connection, or None when cancelled."""
        from gui.connect_dialog import ConnectDialog

        dialog = ConnectDialog(self.parent, store=store)
        if not dialog.exec():
            return None
        return dialog.connection()

    def confirm_run(
        self, plan: Plan, connection: Connection, previous: RunRequest | None
    ) -> RunRequest | None:
        """The run confirmation (with the method when there are new logins): how to run,
        or None when cancelled. ``previous`` is the request chosen last time."""
        return confirm_run_with_method(self.parent, plan, connection, previous)

    def show_summary(self, summary: RunSummary, saved_to: str | None, note: str = "") -> bool:
        """How the run went (with ``note``: the demo's, or how to go on after an undo);
        True when staff ask to see the failed rows. "Open in Excel" and "Show in folder"
        go through :attr:`opener`."""
        return show_summary(self.parent, summary, saved_to, note, self.opener)

    def ask_undo(self, plan: UndoPlan, connection: Connection, restore: bool) -> bool | None:
        """None when cancelled; else whether to let Canvas restore the SIS import."""
        return ask_undo(self.parent, plan, connection, restore)

    def ask_choose_classes(self, rows: int) -> bool:
        """Nobody was found by the rows' Class column: pick the classes to look in?"""
        answer = QMessageBox.question(
            self.parent,
            "Find students in Canvas",
            (
                "The row looked up was not found"
                if rows == 1
                else f"None of the {rows} rows looked up was found"
            )
            + " in Canvas. Perhaps the Class column does not name the classes as Canvas "
            "does.\n\nChoose the classes in Canvas to look in?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def choose_student(self, row_text: str, candidates: Sequence[Candidate]) -> Candidate | None:
        """Which of several Canvas students a row means; None when cancelled."""
        from gui.student_chooser import ask_student

        return ask_student(self.parent, row_text, candidates)

    # ----- messages ----------------------------------------------------------------
    def show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self.parent, title, message)

    def show_info(self, title: str, message: str) -> None:
        QMessageBox.information(self.parent, title, message)

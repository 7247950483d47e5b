"""Students → "Find students in Canvas": fill Canvas User ID from a names-only workbook.

The look-up (:func:`core.roster.match.match_students`) reads the students of each
row's class (or of classes staff pick when the workbook has no Class column) on a
worker thread, with a progress window and Cancel. Its answer goes into the grid as
ONE undoable edit (:func:`core.roster.match.match_edits`): the ids of clear matches,
a Message for every row, and Invalid for rows with no match or several.

For a row with several possible students the flow keeps the candidates (here, not in
the table: they are Canvas's answer, not the workbook's content). Staff pick the right
one from the grid: "Choose student…" in the row's context menu, or a double-click on
its empty Canvas User ID cell; the pick fills the id and clears Invalid, one undo step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QMouseEvent
from PySide6.QtWidgets import QMenu, QProgressDialog, QTableView

from core.kit.names import student_name
from core.model import NAME_ROLES, Progress, Role, Status, Table
from core.roster.match import Candidate, RowMatch, match_edits, match_students
from gui.commands import EditCellsCommand
from gui.roster_dialog import ClassPicker
from gui.screen_fit import plural
from gui.table_model import ROW_INDEX_ROLE
from gui.window_parts import WindowParts
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from core.connection import Connection

log = logging.getLogger(__name__)

__all__ = ["MatchFlow", "MatchReport", "MatchWindow"]


class MatchWindow(WindowParts, Protocol):
    """What the flow needs of the main window beyond :class:`WindowParts`."""

    undo_stack: QUndoStack


@dataclass(frozen=True)
class MatchReport:
    """How a look-up went, counted by row."""

    found: int
    not_found: int
    several: int

    @classmethod
    def of(cls, matches: Sequence[RowMatch]) -> MatchReport:
        found = sum(1 for m in matches if m.canvas_user_id)
        several = sum(1 for m in matches if not m.canvas_user_id and len(m.candidates) > 1)
        return cls(found, len(matches) - found - several, several)

    def line(self) -> str:
        return (
            f"{self.found} found, {self.not_found} not found, "
            f"{self.several} with several possible students."
        )


class MatchFlow(QObject):
    """One look-up at a time; the candidates of the last one, per row."""

    #: A look-up ended: its MatchReport (None when it failed, was stopped or found no rows).
    finished = Signal(object)

    def __init__(self, window: MatchWindow, view: QTableView, parent: QObject | None = None):
        super().__init__(parent)
        self._window = window
        self._view = view
        self.job = BackgroundJob(self)
        self.job.show_progress.connect(self._show_progress)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)
        self._progress_box: QProgressDialog | None = None
        #: The classes picker, when the workbook has no Class column (tests drive it).
        self.picker: ClassPicker | None = None
        self._table: Table | None = None
        self._course_ids: tuple[int, ...] = ()
        self._candidates: dict[int, tuple[Candidate, ...]] = {}
        view.viewport().installEventFilter(self)

    @property
    def is_running(self) -> bool:
        return self.job.is_running()

    # ----- starting --------------------------------------------------------------------
    def start(self, course_ids: Sequence[int] | None = None) -> bool:
        """Look the rows up; False when nothing was started (and why was shown).

        Without a Class column (and without ``course_ids``) staff pick the classes
        first; the look-up starts when they have.
        """
        w = self._window
        workflow = w.workflow
        if workflow is None or w.is_running or self.is_running:
            return False
        table = workflow.doc.table
        if not any(role in table.columns for role in NAME_ROLES):
            w.prompts.show_error(
                "No names to look up",
                "This workbook has no column of names (First Name and Last Name, or "
                "Name), so there is nothing to find in Canvas.",
            )
            return False
        connection = w.ensure_connection()
        if connection is None:
            return False
        w.commit_pending_edit()
        if course_ids is None and Role.CLASS not in table.columns:
            self._pick_classes(connection)
            return True
        self._launch(table, connection, tuple(course_ids or ()))
        return True

    def _pick_classes(self, connection: Connection) -> None:
        table = self._window.table_model.table
        why = (
            "This workbook has no Class column."
            if table is None or Role.CLASS not in table.columns
            else "The Class column does not name classes as Canvas does."
        )
        picker = ClassPicker(
            self._window,  # type: ignore[arg-type]
            connection.client,
            connection.account_id,
            action_text="Find Students",
            title="Find students in which classes?",
            intro=f"{why} Find and tick the classes its students are in; each row is "
            "looked up among their students.",
        )
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.picker = picker

        def chosen() -> None:
            ids = {c.course_id for c in picker.chosen_courses()}
            ids.update(s.course_id for s in picker.chosen_sections())
            picker.accept()
            self.picker = None
            self.start(sorted(ids))

        picker.action_requested.connect(chosen)
        picker.rejected.connect(lambda: setattr(self, "picker", None))
        picker.open()

    def _launch(self, table: Table, connection: Connection, course_ids: tuple[int, ...]) -> None:
        w = self._window
        client, account_id = connection.client, connection.account_id
        w.table_model.read_only = True
        w.statusBar().showMessage("Looking the students up in Canvas…")

        def job(progress, cancel) -> list[RowMatch]:
            return match_students(
                table,
                client,
                course_ids=course_ids,
                account_id=account_id,
                progress=progress,
                cancel=cancel,
            )

        self._table = table
        self._course_ids = course_ids
        self.job.start(job)

    # ----- progress --------------------------------------------------------------------
    def _show_progress(self) -> None:
        box = QProgressDialog(self._window)  # type: ignore[call-overload]
        box.setLabelText("Looking the students up in Canvas…")
        box.setCancelButtonText("Cancel")
        box.setRange(0, 0)
        box.setMinimumWidth(380)
        box.setObjectName("MatchProgress")
        box.setWindowTitle("Find students in Canvas")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setMinimumDuration(0)
        box.setAutoClose(False)
        box.setAutoReset(False)
        box.canceled.connect(self.cancel)
        box.show()
        self._progress_box = box

    def _progress(self, report: Progress) -> None:
        box = self._progress_box
        if box is None:
            return
        if report.total:
            box.setMaximum(report.total)
            box.setValue(min(report.done, report.total))
        if report.message:
            box.setLabelText(report.message)

    def cancel(self) -> None:
        """Stop the look-up: nothing is filled in."""
        if self.is_running:
            self.job.cancel()
            self._window.statusBar().showMessage("Stopping the look-up…")

    def _close_progress(self) -> None:
        box, self._progress_box = self._progress_box, None
        if box is not None:
            box.canceled.disconnect(self.cancel)
            box.close()
            box.deleteLater()

    # ----- the answer ------------------------------------------------------------------
    def _finished(self, matches: list[RowMatch]) -> None:
        w = self._window
        self._close_progress()
        w.table_model.read_only = False
        if self.job.is_cancelled():
            w.statusBar().showMessage("Stopped. Nothing was filled in.", 10_000)
            self.finished.emit(None)
            return
        workflow = w.workflow
        if workflow is None or workflow.doc.table is not self._table:
            self.finished.emit(None)  # the workbook was closed meanwhile
            return
        if not matches:
            w.prompts.show_info(
                "Find students in Canvas",
                "Every row already names its student (or has no name), so there was "
                "nothing to look up.",
            )
            self.finished.emit(None)
            return
        report = MatchReport.of(matches)
        connection = w.connection
        if (
            not report.found
            and not report.several
            and not self._course_ids
            and connection is not None
            and w.prompts.ask_choose_classes(len(matches))
        ):
            self.finished.emit(None)
            self._pick_classes(connection)
            return
        self.apply(matches)
        w.statusBar().showMessage("Find students in Canvas: " + report.line(), 30_000)
        text = report.line()
        if report.several:
            text += (
                " For a row with several possible students, right-click it and choose "
                "“Choose Student…” (or double-click its empty Canvas User ID)."
            )
        if report.not_found:
            text += " Rows not found are marked Invalid; check the names and classes."
        w.prompts.show_info("Find students in Canvas", text)
        self.finished.emit(report)

    def _failed(self, message: str) -> None:
        w = self._window
        self._close_progress()
        w.table_model.read_only = False
        if self.job.is_cancelled():
            w.statusBar().showMessage("Stopped. Nothing was filled in.", 10_000)
        else:
            w.prompts.show_error("Could not look the students up", message)
        self.finished.emit(None)

    def apply(self, matches: Sequence[RowMatch]) -> MatchReport:
        """Put the look-up's answer into the grid as one undoable edit."""
        w = self._window
        model = w.table_model
        table = model.table
        assert table is not None
        if Role.CANVAS_USER_ID not in table.columns:
            table.ensure_column(Role.CANVAS_USER_ID)
            model.set_table(table)  # a reset, so the views show the new column
        model.ensure_output_columns()
        edits = match_edits(table, matches)
        if edits:
            w.undo_stack.push(EditCellsCommand(model, edits, "Find students in Canvas"))
        self._table = table
        self._candidates = {
            m.row: m.candidates for m in matches if not m.canvas_user_id and m.candidates
        }
        w.check_offline()
        for role in (Role.CANVAS_USER_ID, Role.STATUS, Role.MESSAGE):
            column = table.columns.get(role)
            if column is not None:
                self._view.resizeColumnToContents(column)
        return MatchReport.of(matches)

    # ----- choosing among candidates ---------------------------------------------------
    def candidates(self, table_row: int) -> tuple[Candidate, ...]:
        """The possible students of a row still without a Canvas User ID."""
        model = self._window.table_model
        table = model.table
        if table is None or table is not self._table:
            return ()
        if table.value(table_row, Role.CANVAS_USER_ID).strip():
            return ()
        return self._candidates.get(table_row, ())

    def rows_to_choose(self) -> list[int]:
        """Table rows where staff still have to pick the student."""
        return [row for row in sorted(self._candidates) if self.candidates(row)]

    def choose_student(self, table_row: int) -> bool:
        """Ask which student the row means; fill it in. False when nothing changed."""
        w = self._window
        found = self.candidates(table_row)
        if not found or w.table_model.read_only or w.is_running:
            return False
        table = w.table_model.table
        assert table is not None
        chosen = w.prompts.choose_student(row_description(table, table_row), found)
        if chosen is None:
            return False
        return self.apply_choice(table_row, chosen)

    def apply_choice(self, table_row: int, chosen: Candidate) -> bool:
        """Fill the row with ``chosen`` and clear Invalid, as one undoable edit."""
        w = self._window
        model = w.table_model
        table = model.table
        if table is None or chosen not in self.candidates(table_row):
            return False
        edits = [(table_row, table.columns[Role.CANVAS_USER_ID], chosen.canvas_user_id)]
        status_col = table.columns.get(Role.STATUS)
        if status_col is not None and table.status(table_row) == Status.INVALID.value:
            edits.append((table_row, status_col, ""))
        message_col = table.columns.get(Role.MESSAGE)
        if message_col is not None:
            where = f" in {chosen.class_name}" if chosen.class_name else ""
            edits.append((table_row, message_col, f"Chosen in Canvas: {chosen.name}{where}."))
        w.undo_stack.push(EditCellsCommand(model, edits, "Choose student"))
        w.check_offline()
        w.statusBar().showMessage(
            f"Row {table.rows[table_row].sheet_row}: {chosen.name} "
            f"(Canvas User ID {chosen.canvas_user_id}).",
            10_000,
        )
        return True

    # ----- the grid's context menu and double-click ------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            return self._context_menu(event)
        if kind == QEvent.Type.MouseButtonDblClick and isinstance(event, QMouseEvent):
            index = self._view.indexAt(event.position().toPoint())
            row = self._table_row(index)
            id_col = self._id_column()
            if row is not None and index.column() == id_col and self.candidates(row):
                self.choose_student(row)
                return True
        return False

    def _context_menu(self, event: QContextMenuEvent) -> bool:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            index = self._view.currentIndex()
        else:
            index = self._view.indexAt(event.pos())
        row = self._table_row(index)
        if row is None or not self.candidates(row):
            return False
        menu = QMenu(self._view)
        menu.setObjectName("MatchContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        count = len(self.candidates(row))
        action = menu.addAction(f"Choose Student… ({plural(count, 'possible student')})")
        action.triggered.connect(lambda _c=False: self.choose_student(row))
        menu.popup(event.globalPos())
        return True

    def _table_row(self, index: QModelIndex) -> int | None:
        if not index.isValid():
            return None
        row = index.data(ROW_INDEX_ROLE)
        return int(row) if row is not None else None

    def _id_column(self) -> int | None:
        return self._window.table_model.column_for(Role.CANVAS_USER_ID)


def row_description(table: Table, row: int) -> str:
    """The row as staff know it: "Ava K. (Kindergarten - Ms. Patel), row 4"."""
    name = student_name(table, row)
    class_name = table.value(row, Role.CLASS).strip()
    text = name.display if name is not None else "this student"
    if class_name:
        text += f" ({class_name})"
    return f"{text}, row {table.rows[row].sheet_row}"

"""Choosing classes in Canvas: search, then tick whole classes or some of their sections.

:class:`ClassPicker` searches the connected account's classes by name, course code or
teacher (:func:`core.roster.courses.find_courses`) in one term or all
(:class:`gui.term_choice.TermBox`), shows them with their teachers, student counts and
terms, and lets staff tick whole classes or open a class to tick some of its sections
(:func:`core.roster.courses.sections_of`). What is ticked stays ticked across searches,
so classes of several teachers can be picked one search at a time. Every Canvas read
runs on a :class:`gui.worker.BackgroundJob`; a longer job the caller gives it (reading
the students) shows its progress here, with Cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.model import CancelToken, Progress
from core.roster.courses import (
    MIN_SEARCH_LENGTH,
    CourseChoice,
    SectionChoice,
    course_label,
    find_courses,
    sections_of,
)
from gui import settings, theme_colors
from gui.screen_fit import plural
from gui.term_choice import TermBox
from gui.worker import BackgroundJob, JobFunction

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

__all__ = ["ClassPicker", "course_label", "fit_columns"]

#: The tree's columns.
CLASS_COLUMN, CODE_COLUMN, TEACHERS_COLUMN, STUDENTS_COLUMN, TERM_COLUMN = range(5)
_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: Pixels between a column's text and the next column.
COLUMN_GAP = 16


class ClassPicker(QDialog):
    """Search classes, tick whole classes or sections, then run ``action_text``."""

    #: The action button was clicked with at least one class or section ticked.
    action_requested = Signal()
    #: A search ended: how many classes it found (-1 when Canvas could not be asked).
    search_finished = Signal(int)
    #: A class's sections were read: the course id.
    sections_finished = Signal(int)
    #: The job given to :meth:`run_work` ended: what it returned (None when it failed
    #: or was stopped).
    work_finished = Signal(object)

    def __init__(
        self,
        parent: QWidget | None,
        client: CanvasApi,
        account_id: int,
        *,
        action_text: str,
        title: str = "New workbook from Canvas classes",
        intro: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ClassPicker")
        self.setWindowTitle(title)
        self.client = client
        self.account_id = account_id
        self._results: list[CourseChoice] = []
        self._course_items: dict[int, QTreeWidgetItem] = {}
        self._sections: dict[int, list[SectionChoice]] = {}
        self._chosen_courses: dict[int, CourseChoice] = {}
        self._chosen_sections: dict[int, SectionChoice] = {}
        self._course_names: dict[int, str] = {}
        self._pending_sections: list[int] = []
        self._searched_text = ""
        self._search_again = False
        self._syncing = False
        self._work_done: Callable[[Any], object] | None = None
        self._build(action_text, intro)
        self.search_job = BackgroundJob(self)
        self.search_job.finished.connect(self._search_done)
        self.search_job.failed.connect(self._search_failed)
        self.sections_job = BackgroundJob(self)
        self.sections_job.finished.connect(self._sections_done)
        self.sections_job.failed.connect(self._sections_failed)
        self.work_job = BackgroundJob(self)
        self.work_job.progress.connect(self._work_progress)
        self.work_job.finished.connect(self._work_done_ok)
        self.work_job.failed.connect(self._work_failed)
        self.search_box.setText(settings.LAST_CLASS_SEARCH.get())
        self.search_box.selectAll()
        self._update_chosen()

    def _build(self, action_text: str, intro: str) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 12)
        layout.setSpacing(8)
        intro_label = QLabel(
            intro
            or "Find the classes in Canvas, tick them, and get a workbook with one row per "
            "student, ready for new logins and passwords.",
            self,
        )
        intro_label.setWordWrap(True)
        layout.addWidget(intro_label)
        search_row = QHBoxLayout()
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("ClassSearch")
        self.search_box.setPlaceholderText("Class name, course code or teacher")
        self.search_box.setAccessibleName("Search classes")
        self.search_button = QPushButton("Search", self)
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(lambda: self.search())
        self.term_box = TermBox(self, self.client, self.account_id)
        self.term_box.currentIndexChanged.connect(lambda _index: self._research())
        term_label = QLabel("&Term:", self)
        term_label.setBuddy(self.term_box)
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(term_label)
        search_row.addWidget(self.term_box)
        search_row.addWidget(self.search_button)
        layout.addLayout(search_row)
        self.ended_box = QCheckBox("Also show classes that have ended", self)
        self.ended_box.setToolTip("Last year's classes, for example")
        self.ended_box.toggled.connect(lambda _on: self._research())
        layout.addWidget(self.ended_box)
        self.message = QLabel(
            "Tick whole classes, or open a class (▸) to tick some of its sections.", self
        )
        self.message.setObjectName("ClassPickerMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("ClassList")
        self.tree.setAccessibleName("Classes found in Canvas")
        self.tree.setHeaderLabels(["Class", "Code", "Teachers", "Students", "Term"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CLASS_COLUMN, QHeaderView.ResizeMode.Stretch)
        for column in (CODE_COLUMN, TEACHERS_COLUMN, STUDENTS_COLUMN, TERM_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.itemExpanded.connect(self._item_expanded)
        layout.addWidget(self.tree, 1)
        self.chosen_label = QLabel(self)
        self.chosen_label.setObjectName("ChosenClasses")
        self.chosen_label.setWordWrap(True)
        layout.addWidget(self.chosen_label)
        self.progress_label = QLabel(self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setAccessibleName("Progress")
        self.progress_bar.setFormat("%v of %m")
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress_bar)
        self.progress_label.hide()
        self.progress_bar.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.action_button = self.buttons.addButton(
            action_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.action_button.setObjectName("ClassPickerAction")
        for button in self.buttons.buttons():
            button.setAutoDefault(False)
        self.buttons.accepted.connect(self._action_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumSize(720, 460)
        self.resize(860, 540)

    # ----- searching -------------------------------------------------------------------
    def search(self, text: str | None = None) -> bool:
        """Search Canvas for ``text`` (or the search box's); False when not started."""
        if text is not None:
            self.search_box.setText(text)
        text = self.search_box.text().strip()
        if len(text) < MIN_SEARCH_LENGTH:
            self.message.setText(
                f"Type at least {MIN_SEARCH_LENGTH} letters of a class name, course code "
                "or teacher."
            )
            return False
        if self.is_working:
            return False
        self.message.setText(f"Searching Canvas for “{text}”…")
        if self.search_job.is_running():
            self._search_again = True  # the answer on its way is for an older search
            return True
        settings.LAST_CLASS_SEARCH.set(text)
        self._searched_text = text
        client, account_id = self.client, self.account_id
        ended, term_id = self.ended_box.isChecked(), self.term_box.term_id()

        def job(_progress: object, cancel: CancelToken) -> list[CourseChoice]:
            return find_courses(
                client, account_id, text, term_id=term_id, include_concluded=ended, cancel=cancel
            )

        self.search_job.start(job)
        return True

    def _research(self) -> None:
        """Search again (the term or the ended-classes box changed) after a search."""
        if self._results or self.tree.topLevelItemCount():
            self.search()

    def _stale_search(self) -> bool:
        """Start the search asked for while another ran; True when it was started."""
        if not self._search_again:
            return False
        self._search_again = False
        return self.search()

    def _search_done(self, courses: list[CourseChoice]) -> None:
        if self._stale_search():
            return
        self.show_results(courses)
        if courses:
            self.message.setText(
                f"{plural(len(courses), 'class', 'classes')} found. Tick whole classes, or "
                "open a class (▸) to tick some of its sections."
            )
        else:
            self.message.setText(
                f"No class matches “{self._searched_text}”. Try part of the class name, "
                "the course code or the teacher's last name."
            )
        self.search_finished.emit(len(courses))

    def _search_failed(self, message: str) -> None:
        if self._stale_search():
            return
        self.message.setText(message)
        self.search_finished.emit(-1)

    def show_results(self, courses: Sequence[CourseChoice]) -> None:
        """List ``courses``; ticked ones stay ticked."""
        self._syncing = True
        self.tree.clear()
        self._course_items.clear()
        self._results = list(courses)
        muted = QBrush(theme_colors.muted_text())
        for course in courses:
            self._course_names[course.course_id] = course_label(course)
            students = "" if course.total_students is None else str(course.total_students)
            term = course.term + (" (ended)" if course.concluded else "")
            item = QTreeWidgetItem(
                [course.name, course.course_code, ", ".join(course.teachers), students, term]
            )
            item.setData(CLASS_COLUMN, _ID_ROLE, course.course_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(CLASS_COLUMN, self._state(course.course_id in self._chosen_courses))
            item.setTextAlignment(STUDENTS_COLUMN, Qt.AlignmentFlag.AlignRight)
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            if course.concluded:
                for column in range(self.tree.columnCount()):
                    item.setForeground(column, muted)
                item.setToolTip(CLASS_COLUMN, "This class has ended in Canvas.")
            self.tree.addTopLevelItem(item)
            self._course_items[course.course_id] = item
            if course.course_id in self._sections:
                self._add_section_items(item, course.course_id)
        fit_columns(self.tree, (CODE_COLUMN, TEACHERS_COLUMN, STUDENTS_COLUMN, TERM_COLUMN))
        self._syncing = False

    def results(self) -> list[CourseChoice]:
        return list(self._results)

    def course_item(self, course_id: int) -> QTreeWidgetItem | None:
        return self._course_items.get(course_id)

    # ----- sections --------------------------------------------------------------------
    def _item_expanded(self, item: QTreeWidgetItem) -> None:
        if item.parent() is None:
            self.load_sections(int(item.data(CLASS_COLUMN, _ID_ROLE)))

    def load_sections(self, course_id: int) -> bool:
        """Read a class's sections (once); False when they are already there or queued."""
        if course_id in self._sections or course_id in self._pending_sections:
            return False
        self._pending_sections.append(course_id)
        if not self.sections_job.is_running():
            self._next_sections()
        return True

    def _next_sections(self) -> None:
        if not self._pending_sections:
            return
        course_id = self._pending_sections[0]
        item = self._course_items.get(course_id)
        if item is not None and item.childCount() == 0:
            waiting = QTreeWidgetItem(["Reading the sections…"])
            waiting.setFlags(Qt.ItemFlag.NoItemFlags)
            item.addChild(waiting)
        client = self.client
        self.sections_job.start(lambda _progress, _cancel: sections_of(client, course_id))

    def _sections_done(self, sections: list[SectionChoice]) -> None:
        course_id = self._pending_sections.pop(0)
        self._sections[course_id] = list(sections)
        item = self._course_items.get(course_id)
        if item is not None:
            self._add_section_items(item, course_id)
        self.sections_finished.emit(course_id)
        self._next_sections()

    def _sections_failed(self, message: str) -> None:
        course_id = self._pending_sections.pop(0)
        item = self._course_items.get(course_id)
        if item is not None:
            item.takeChildren()
        self.message.setText(message)
        self.sections_finished.emit(course_id)
        self._next_sections()

    def _add_section_items(self, item: QTreeWidgetItem, course_id: int) -> None:
        syncing, self._syncing = self._syncing, True
        item.takeChildren()
        sections = self._sections.get(course_id, [])
        if len(sections) <= 1:
            note = QTreeWidgetItem(["One section only: tick the class itself."])
            note.setFlags(Qt.ItemFlag.NoItemFlags)
            item.addChild(note)
        else:
            for section in sections:
                child = QTreeWidgetItem([section.name])
                child.setData(CLASS_COLUMN, _ID_ROLE, section.section_id)
                child.setFlags(child.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                child.setCheckState(
                    CLASS_COLUMN, self._state(section.section_id in self._chosen_sections)
                )
                item.addChild(child)
        self._syncing = syncing

    def section_item(self, section_id: int) -> QTreeWidgetItem | None:
        for item in self._course_items.values():
            for i in range(item.childCount()):
                child = item.child(i)
                if child.data(CLASS_COLUMN, _ID_ROLE) == section_id:
                    return child
        return None

    # ----- ticking ---------------------------------------------------------------------
    @staticmethod
    def _state(checked: bool) -> Qt.CheckState:
        return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._syncing or column != CLASS_COLUMN:
            return
        ident = item.data(CLASS_COLUMN, _ID_ROLE)
        if ident is None:
            return
        checked = item.checkState(CLASS_COLUMN) == Qt.CheckState.Checked
        parent = item.parent()
        self._syncing = True
        if parent is None:
            self._tick_course(int(ident), item, checked)
        else:
            self._tick_section(int(ident), int(parent.data(CLASS_COLUMN, _ID_ROLE)), checked)
        self._syncing = False
        self._update_chosen()

    def _tick_course(self, course_id: int, item: QTreeWidgetItem, checked: bool) -> None:
        """A whole class replaces any of its sections ticked before."""
        if not checked:
            self._chosen_courses.pop(course_id, None)
            return
        course = next(c for c in self._results if c.course_id == course_id)
        self._chosen_courses[course_id] = course
        for section in self._sections.get(course_id, []):
            self._chosen_sections.pop(section.section_id, None)
        for i in range(item.childCount()):
            child = item.child(i)
            if child.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                child.setCheckState(CLASS_COLUMN, Qt.CheckState.Unchecked)

    def _tick_section(self, section_id: int, course_id: int, checked: bool) -> None:
        """Ticking a section takes only that section, so the whole class is unticked."""
        if not checked:
            self._chosen_sections.pop(section_id, None)
            return
        section = next(s for s in self._sections[course_id] if s.section_id == section_id)
        self._chosen_sections[section_id] = section
        self._chosen_courses.pop(course_id, None)
        course_item = self._course_items.get(course_id)
        if course_item is not None:
            course_item.setCheckState(CLASS_COLUMN, Qt.CheckState.Unchecked)

    def chosen_courses(self) -> list[CourseChoice]:
        return list(self._chosen_courses.values())

    def chosen_sections(self) -> list[SectionChoice]:
        return list(self._chosen_sections.values())

    def chosen_names(self) -> list[str]:
        """The ticked classes and sections, as staff read them."""
        names = [course_label(c) for c in self._chosen_courses.values()]
        for section in self._chosen_sections.values():
            course = self._course_names.get(section.course_id, "")
            names.append(f"{course}: {section.name}" if course else section.name)
        return names

    def _update_chosen(self) -> None:
        names = self.chosen_names()
        if names:
            self.chosen_label.setText(
                "<b>Chosen:</b> " + "; ".join(escape(n, quote=False) for n in names)
            )
        else:
            self.chosen_label.setText("Nothing chosen yet.")
        self.action_button.setEnabled(bool(names) and not self.is_working)

    def _action_clicked(self) -> None:
        if self.chosen_names() and not self.is_working:
            self.action_requested.emit()

    # ----- a longer job, with progress and Cancel ---------------------------------------
    @property
    def is_working(self) -> bool:
        return self.work_job.is_running()

    def run_work(self, title: str, job: JobFunction, done: Callable[[Any], object]) -> None:
        """Run ``job`` with a progress bar; ``done(value)`` gets what it returned."""
        self._work_done = done
        self._set_busy(True)
        self.progress_label.setText(title)
        self.progress_bar.setRange(0, 0)
        self.work_job.start(job)

    def _set_busy(self, busy: bool) -> None:
        inputs = (self.search_box, self.term_box, self.search_button, self.ended_box, self.tree)
        for widget in inputs:
            widget.setEnabled(not busy)
        self.progress_label.setVisible(busy)
        self.progress_bar.setVisible(busy)
        self.action_button.setEnabled(not busy and bool(self.chosen_names()))

    def _work_progress(self, report: Progress) -> None:
        if report.total:
            self.progress_bar.setRange(0, report.total)
            self.progress_bar.setValue(min(report.done, report.total))
        if report.message:
            self.progress_label.setText(report.message)

    def _work_done_ok(self, value: Any) -> None:
        stopped = self.work_job.is_cancelled()
        self._set_busy(False)
        if stopped:
            self.message.setText("Stopped. Nothing was saved.")
            self.work_finished.emit(None)
            return
        done, self._work_done = self._work_done, None
        self.work_finished.emit(value)
        # Last: ``done`` may open the new workbook, whose reading lets the event loop
        # run, and the accepted dialog may be gone when it returns.
        if done is not None:
            done(value)

    def _work_failed(self, message: str) -> None:
        self._set_busy(False)
        stopped = self.work_job.is_cancelled()
        self.message.setText("Stopped. Nothing was saved." if stopped else message)
        self.work_finished.emit(None)

    def reject(self) -> None:
        """Cancel: stops the job that is running, or closes the dialog."""
        if self.is_working:
            self.work_job.cancel()
            self.progress_label.setText("Stopping…")
            return
        self.search_job.cancel()
        self.sections_job.cancel()
        self.term_box.stop()
        super().reject()


def fit_columns(tree: QTreeWidget, columns: Sequence[int]) -> None:
    """Columns as wide as their text, with room between them."""
    for column in columns:
        tree.resizeColumnToContents(column)
        tree.setColumnWidth(column, tree.columnWidth(column) + COLUMN_GAP)

"""The grid's frozen name columns (gui/frozen_columns.py), and Status and Message wide
enough to read next to them at the window's default size."""

from __future__ import annotations

import pytest
from gui_window_support import demo_copy, write_xlsx
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QTableView
from table_support import table_from_dicts

from core.model import Role, RowResult, Status
from gui.delegates import install_delegates
from gui.filter_proxy import RowFilter, RowFilterProxy
from gui.frozen_columns import FrozenColumnsView
from gui.grid_edits import GridEdits
from gui.main_layout import MAX_MESSAGE_WIDTH, MIN_MESSAGE_WIDTH
from gui.table_model import LoginsTableModel

NAMES = ["Zoë", "José", "田中", "Ava", "Ava", "", "Nguyễn Thị"]
LAST = ["Dubois", "Álvarez", "花子", "Kowalski", "Kaur", "Brown", "Minh"]


def school(headers: list[str], count: int = 120) -> list[dict[str, str]]:
    """Rows with unicode, duplicate and blank first names, long enough to scroll."""
    return [
        {
            "First Name": NAMES[i % len(NAMES)],
            "Last Name": LAST[i % len(LAST)],
            "Name": f"{NAMES[i % len(NAMES)]} {LAST[i % len(LAST)]}".strip(),
            "SIS User ID": f"00{45510 + i}",
            "Class": "Kindergarten - Ms. Patel" if i % 2 else "Grade 1 - Mr. Okafor",
            "Teacher": "Ms. Patel",
            "New Login": f"student.{i}",
            "Password": "sunny-apple-7",
            "Notes": "a note" if i % 5 == 0 else "",
        }
        for i in range(count)
    ]


class Grid:
    """A grid as the window builds it: model, filter proxy, frozen view, edits."""

    def __init__(
        self, qtbot, headers: list[str], rows: int = 120, size=(640, 320), page=None
    ) -> None:
        from PySide6.QtGui import QUndoStack

        self.table = table_from_dicts(headers, school(headers, rows))
        self.model = LoginsTableModel(self.table)
        self.model.undo_stack = QUndoStack()
        self.proxy = RowFilterProxy()
        self.proxy.setSourceModel(self.model)
        view = self.view = FrozenColumnsView()
        view.setModel(self.proxy)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        install_delegates(view)
        view.refreeze()
        for col in range(self.model.columnCount()):
            view.setColumnWidth(col, 110)
        if page is None:
            qtbot.addWidget(view)
            view.resize(*size)
            view.show()
            qtbot.waitExposed(view)
        else:  # the grid below a search box, as in the window
            page.layout().addWidget(view)
            qtbot.addWidget(page)
            page.resize(size[0], size[1] + 40)
            page.show()
        self.part = view.frozen_part
        self.edits = GridEdits(view, self.proxy, self.model, self.model.undo_stack)

    def col(self, role: Role) -> int:
        found = self.model.column_for(role)
        assert found is not None
        return found

    def shown(self) -> list[str]:
        header = self.view.horizontalHeader()
        return [self.table.headers[header.logicalIndex(i)] for i in range(header.count())]

    def part_shows(self) -> list[int]:
        """The columns the frozen part shows, in its order."""
        header = self.part.horizontalHeader()
        order = [header.logicalIndex(i) for i in range(header.count())]
        return [col for col in order if not self.part.isColumnHidden(col)]


TEMPLATE = ["First Name", "Last Name", "Class", "Teacher", "SIS User ID", "New Login", "Password"]


def test_the_name_columns_are_frozen_over_the_grids_left_edge(qtbot):
    grid = Grid(qtbot, [*TEMPLATE, "Notes"])
    first, last = grid.col(Role.FIRST_NAME), grid.col(Role.LAST_NAME)
    assert grid.view.frozen_columns == [first, last]
    assert grid.part.isVisible()
    assert grid.part_shows() == [first, last]
    viewport = grid.view.viewport().geometry()
    part = grid.part.geometry()
    assert part.left() == viewport.left()
    assert grid.view.frozen_width() == grid.view.columnWidth(first) + grid.view.columnWidth(last)
    header = grid.view.horizontalHeader()
    assert grid.part.horizontalHeader().height() == header.height()
    assert grid.part.viewport().height() == grid.view.viewport().height()
    assert grid.part.model() is grid.proxy
    assert grid.part.selectionModel() is grid.view.selectionModel()
    assert grid.part.model().index(2, first).data() == "田中"


def test_scrolled_right_the_names_stay_and_cover_the_grids_own_cells(qtbot):
    grid = Grid(qtbot, [*TEMPLATE, "Notes"])
    view = grid.view
    bar = view.horizontalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    password = grid.col(Role.PASSWORD)
    # the grid's own cell at the left edge is another column's now, under the frozen part
    under = QPoint(5, 5)
    assert QTableView.indexAt(view, under).column() != grid.col(Role.FIRST_NAME)
    # what is seen (and clicked) there is the first name
    assert view.indexAt(under).column() == grid.col(Role.FIRST_NAME)
    assert view.childAt(view.viewport().pos() + under) is grid.part.viewport()
    # a cell partly under the frozen part is scrolled out from under it when chosen
    index = grid.proxy.index(0, grid.col(Role.CLASS))
    view.setCurrentIndex(index)
    assert view.visualRect(index).left() >= view.frozen_width()
    # a frozen cell chosen does not scroll the grid back to the left
    bar.setValue(bar.maximum())
    view.setCurrentIndex(grid.proxy.index(3, grid.col(Role.LAST_NAME)))
    assert bar.value() == bar.maximum()
    assert view.visualRect(grid.proxy.index(0, password)).right() <= view.viewport().width()


def test_the_frozen_part_scrolls_with_the_grid(qtbot):
    grid = Grid(qtbot, TEMPLATE)
    grid_bar, part_bar = grid.view.verticalScrollBar(), grid.part.verticalScrollBar()
    assert grid_bar.maximum() > 0 and part_bar.maximum() == grid_bar.maximum()
    grid_bar.setValue(grid_bar.maximum() // 2)
    assert part_bar.value() == grid_bar.value()
    part_bar.setValue(40)  # dragging a selection down the frozen part scrolls it
    assert grid_bar.value() == 40
    # the same row lies at the same height in both
    row = grid.view.rowAt(100)
    assert grid.part.rowAt(100) == row
    grid.view.scrollTo(grid.proxy.index(110, grid.col(Role.PASSWORD)))
    assert part_bar.value() == grid_bar.value() > 40


def test_the_frozen_part_follows_column_and_row_sizes(qtbot):
    grid = Grid(qtbot, TEMPLATE)
    first, last = grid.col(Role.FIRST_NAME), grid.col(Role.LAST_NAME)
    grid.view.setColumnWidth(last, 150)
    assert grid.part.columnWidth(last) == 150
    assert grid.view.frozen_width() == grid.view.columnWidth(first) + 150
    # staff widen a frozen column by its header, which is the frozen part's
    grid.part.horizontalHeader().resizeSection(first, 130)
    assert grid.view.columnWidth(first) == 130
    assert grid.view.frozen_width() == 280
    grid.view.setRowHeight(4, 50)
    assert grid.part.rowHeight(4) == 50


def test_filtering_and_new_columns_keep_the_frozen_part_in_step(qtbot):
    grid = Grid(qtbot, TEMPLATE)
    grid.proxy.set_search("田中")
    assert grid.part.model().rowCount() == grid.proxy.rowCount() < len(grid.table.rows)
    assert grid.part.indexAt(QPoint(5, 5)).data() == "田中"
    grid.proxy.set_search("")
    # Status, Message, ... appended for a run stay out of the frozen part
    before = grid.model.columnCount()
    table = grid.table
    for role in (Role.STATUS, Role.MESSAGE):
        table.headers.pop(table.columns.pop(role))
        for row in table.rows:
            row.cells.pop()
    table.appended_from = None
    grid.model.set_table(table)
    assert grid.model.columnCount() < before
    grid.model.ensure_output_columns()
    assert grid.part_shows() == [grid.col(Role.FIRST_NAME), grid.col(Role.LAST_NAME)]
    assert grid.part.isColumnHidden(grid.col(Role.STATUS))


def test_a_leading_id_column_is_frozen_with_the_names_in_the_workbooks_order(qtbot):
    grid = Grid(qtbot, ["SIS User ID", "Last Name", "First Name", "Class", "New Login"])
    assert grid.view.frozen_columns == [0, 1, 2]
    assert grid.shown()[:3] == ["SIS User ID", "Last Name", "First Name"]


def test_names_far_right_are_shown_first_and_paste_follows_the_shown_order(qtbot):
    headers = ["SIS User ID", "Class", "Teacher", "New Login", "Password", "Last Name"]
    headers.append("First Name")
    grid = Grid(qtbot, headers)
    assert grid.shown()[:2] == ["Last Name", "First Name"]
    assert grid.table.headers[: len(headers)] == headers  # only the grid's order changed
    last, first = grid.col(Role.LAST_NAME), grid.col(Role.FIRST_NAME)
    assert grid.view.frozen_columns == [last, first]
    # a block pasted at Last Name fills Last Name, First Name, SIS User ID: as shown
    grid.edits.select_cell(0, last)
    assert grid.edits.paste_text("Martin\tLéa\t0099001\n") == 3
    row = grid.table.rows[0].cells
    assert (row[last], row[first], row[grid.col(Role.SIS_USER_ID)]) == ("Martin", "Léa", "0099001")
    assert row[grid.col(Role.PASSWORD)] == "sunny-apple-7"
    grid.edits.select_cell(0, last, extend_to=(0, first))
    assert grid.edits.copy_selection() == "Martin\tLéa\n"
    grid.model.undo_stack.undo()
    assert grid.table.rows[0].cells[last] == LAST[0]
    # opened again (a model reset), the names are shown first again, from the left edge
    grid.view.horizontalScrollBar().setValue(150)
    grid.model.set_table(grid.table)
    assert grid.shown()[:2] == ["Last Name", "First Name"]
    assert grid.view.horizontalScrollBar().value() == 0


def test_without_a_name_column_the_student_column_is_frozen(qtbot):
    grid = Grid(qtbot, ["Class", "Teacher", "SIS User ID", "New Login", "Password"])
    assert grid.view.frozen_columns == [0, 1, 2]  # in place, with the columns left of it
    grid = Grid(qtbot, ["Name", "Class", "New Login"])
    assert grid.view.frozen_columns == [grid.col(Role.FULL_NAME)]
    grid = Grid(qtbot, ["New Login", "Password", "Class", "Teacher", "Current Login"])
    assert grid.view.frozen_columns == [grid.col(Role.CURRENT_LOGIN)]
    assert grid.shown()[0] == "Current Login"


def test_a_frozen_part_too_wide_for_the_grid_is_not_shown(qtbot):
    grid = Grid(qtbot, TEMPLATE, size=(640, 320))
    assert grid.part.isVisible()
    grid.view.resize(300, 320)
    assert not grid.part.isVisible() and grid.view.frozen_columns == []
    assert grid.view.indexAt(QPoint(5, 5)).column() == 0  # the grid's own cell again
    grid.view.resize(700, 320)
    assert grid.part.isVisible()
    assert grid.part.verticalScrollBar().value() == grid.view.verticalScrollBar().value()


def test_typing_on_a_frozen_cell_edits_it_where_it_is_seen(qtbot):
    from PySide6.QtTest import QTest

    grid = Grid(qtbot, TEMPLATE)
    grid.view.horizontalScrollBar().setValue(200)
    index = grid.edits.select_cell(1, grid.col(Role.LAST_NAME))
    grid.view.setFocus()
    QTest.keyClicks(grid.view, "Ö")
    editors = [e for e in grid.part.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1 and editors[0].text() == "Ö"
    assert not [e for e in grid.view.viewport().findChildren(QLineEdit) if e.isVisible()]
    editors[0].setText("Ölund")
    grid.edits.commit_pending_edit()
    assert grid.table.rows[1].cells[index.column()] == "Ölund"
    assert grid.model.undo_stack.count() == 1
    assert grid.view.horizontalScrollBar().value() == 200


def test_a_click_on_the_frozen_part_focuses_the_grid_and_tab_moves_on_into_it(qtbot):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    page = QWidget()
    search = QLineEdit(page)
    QVBoxLayout(page).addWidget(search)
    grid = Grid(qtbot, TEMPLATE, page=page)
    assert grid.part.isVisible()
    search.setFocus()
    last = grid.col(Role.LAST_NAME)
    point = grid.part.visualRect(grid.proxy.index(1, last)).center()
    QTest.mouseClick(grid.part.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert page.focusWidget() is grid.view  # the keys go to the grid
    assert (grid.view.currentIndex().row(), grid.view.currentIndex().column()) == (1, last)
    QTest.keyClick(grid.view, Qt.Key.Key_F2)
    editors = [e for e in grid.part.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    QTest.keyClick(editors[0], Qt.Key.Key_Tab)
    assert grid.view.currentIndex().column() == grid.col(Role.CLASS)
    assert not [e for e in grid.part.viewport().findChildren(QLineEdit) if e.isVisible()]


def test_a_right_click_on_the_frozen_part_is_the_grids_context_menu(qtbot):
    grid = Grid(qtbot, TEMPLATE)
    seen: list[int] = []

    class Menus(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.ContextMenu:
                seen.append(grid.view.indexAt(event.pos()).row())
                return True
            return False

    menus = Menus()
    grid.view.viewport().installEventFilter(menus)  # as gui.match_flow does
    point = grid.part.visualRect(grid.proxy.index(2, grid.col(Role.FIRST_NAME))).center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, point, grid.part.viewport().mapToGlobal(point)
    )
    QApplication.sendEvent(grid.part.viewport(), event)
    assert seen == [2]


# ----- in the main window --------------------------------------------------------------


@pytest.fixture
def demo(tmp_path):
    return demo_copy(tmp_path)


def test_the_window_freezes_the_demos_names_and_message_reads_beside_them(window, demo, qtbot):
    window.resize(1180, 720)  # the window's size on a first start
    assert window.open_file(demo)
    assert window.problems_dock.isVisible()
    view = window.widgets.view
    table = window.doc.table
    assert view.frozen_columns == [table.columns[Role.FIRST_NAME], table.columns[Role.LAST_NAME]]
    status, message = table.columns[Role.STATUS], table.columns[Role.MESSAGE]
    assert view.columnWidth(message) >= MIN_MESSAGE_WIDTH  # room before any result
    long = (
        "Canvas refused the login: 'noah.n' is already the login of another user in this "
        "account; choose another login name"
    )
    window.table_model.apply_results(
        [
            RowResult(3, Status.FAILED, long),
            RowResult(5, Status.ALREADY_DELETED, "Already gone"),
            RowResult(6, Status.WOULD_FAIL, "Would fail: no such student", from_check=True),
        ]
    )
    window.table_model.flush_results()
    window.fit_output_columns()
    assert MIN_MESSAGE_WIDTH <= view.columnWidth(message) <= MAX_MESSAGE_WIDTH
    words = view.fontMetrics().horizontalAdvance(Status.ALREADY_DELETED.value)
    assert view.columnWidth(status) > words
    # scrolled to the message, the names, the Status and the Message are all in view
    qtbot.wait(20)  # the grid lays out its new column widths
    view.scrollTo(window.proxy.index(3, message))
    assert view.visualRect(window.proxy.index(3, status)).left() >= view.frozen_width()
    assert view.visualRect(window.proxy.index(3, message)).right() <= view.viewport().width()
    tip = window.proxy.index(3, message).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == long
    assert window.proxy.index(3, status).data(Qt.ItemDataRole.ToolTipRole) == long


def test_output_columns_added_for_a_run_are_sized_to_read(window, tmp_path):
    rows = [["First Name", "Last Name", "SIS User ID", "New Login", "Password"]]
    rows += [["Zoë", "Dubois", "0045512", "zoe.d", "blue-kite-19"]]
    assert window.open_file(write_xlsx(tmp_path / "plain.xlsx", {"Students": rows}))
    window.table_model.ensure_output_columns()
    view = window.widgets.view
    assert view.columnWidth(window.table_model.column_for(Role.MESSAGE)) >= MIN_MESSAGE_WIDTH
    status = window.table_model.column_for(Role.STATUS)
    words = view.fontMetrics().horizontalAdvance(Status.ALREADY_DELETED.value)
    assert view.columnWidth(status) > words
    assert view.frozen_columns == [0, 1]
    window.set_row_filter(RowFilter.ALL)

"""The grid's model, filter proxy and undo commands over a core Table (no widgets)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QUndoStack

from core.demo import DEMO_ROWS, TEMPLATE_HEADERS
from core.model import Finding, Role, Row, RowResult, Severity, Status, Table
from core.rules import check_table, recheck_rows
from gui import theme_colors
from gui.commands import (
    EditCellsCommand,
    fill_down_changes,
    parse_clipboard_block,
    paste_changes,
)
from gui.filter_proxy import RowFilter, RowFilterProxy
from gui.table_model import (
    COLUMN_ROLE_ROLE,
    PASSWORD_MASK,
    ROW_INDEX_ROLE,
    ROW_SEVERITY_ROLE,
    SEVERITY_ROLE,
    SHORT_PASSWORD_MARK,
    STATUS_ROLE,
    FindingsMap,
    LoginsTableModel,
)


def demo_table() -> Table:
    headers = list(TEMPLATE_HEADERS)
    columns = {
        Role.SIS_USER_ID: headers.index("SIS User ID"),
        Role.NEW_LOGIN: headers.index("New Login"),
        Role.PASSWORD: headers.index("Password"),
        Role.ACTION: headers.index("Action"),
    }
    rows = [Row(sheet_row=i + 2, cells=list(cells)) for i, cells in enumerate(DEMO_ROWS)]
    return Table(sheet="Students", headers=headers, header_row=1, columns=columns, rows=rows)


#: Mia Schröder's row: a login and password her teacher typed, with no problem.
MIA = 4
MIA_PASSWORD = "red-boat-55"


@pytest.fixture
def model(qapp):
    return LoginsTableModel(demo_table())


def col(model: LoginsTableModel, role: Role) -> int:
    found = model.column_for(role)
    assert found is not None
    return found


def test_shape_headers_and_row_numbers(model):
    table = model.table
    assert model.rowCount() == len(DEMO_ROWS)
    assert model.columnCount() == len(TEMPLATE_HEADERS)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "First Name"
    login = col(model, Role.NEW_LOGIN)
    assert model.headerData(login, Qt.Orientation.Horizontal) == "New Login"
    assert model.headerData(login, Qt.Orientation.Horizontal, COLUMN_ROLE_ROLE) is Role.NEW_LOGIN
    assert model.headerData(0, Qt.Orientation.Horizontal, COLUMN_ROLE_ROLE) is None
    assert model.headerData(0, Qt.Orientation.Vertical) == "2"
    assert model.index(3, 0).data(ROW_INDEX_ROLE) == 3
    assert model.index(MIA, login).data() == table.rows[MIA].cells[login] == "mia.s"


def test_role_column_labelled_by_role_with_the_teachers_header_in_the_tooltip(qapp):
    table = demo_table()
    table.headers[table.columns[Role.NEW_LOGIN]] = "Second Login"
    model = LoginsTableModel(table)
    section = table.columns[Role.NEW_LOGIN]
    assert model.headerData(section, Qt.Orientation.Horizontal) == "New Login"
    tip = model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Second Login" in tip


def test_passwords_masked_and_shown(model):
    pw = col(model, Role.PASSWORD)
    index = model.index(MIA, pw)
    assert index.data() == PASSWORD_MASK
    assert index.data(Qt.ItemDataRole.EditRole) == MIA_PASSWORD
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append((a.column(), b.column())))
    model.mask_passwords = False
    assert index.data() == MIA_PASSWORD
    assert changed == [(pw, pw)]
    blank = next(i for i, r in enumerate(DEMO_ROWS) if not r[TEMPLATE_HEADERS.index("Password")])
    model.mask_passwords = True
    assert model.index(blank, pw).data() == ""


def test_findings_colour_cells_and_give_tooltips(model):
    pw = col(model, Role.PASSWORD)
    model.set_findings(
        [
            Finding(3, pw, "Password is shorter than 8 characters", Severity.ERROR, Role.PASSWORD),
            Finding(3, pw, "Password is a common word", Severity.WARNING, Role.PASSWORD),
            Finding(5, 0, "Check the name", Severity.WARNING),
            Finding(7, None, "Row-level note", Severity.WARNING),
        ]
    )
    cell = model.index(3, pw)
    assert cell.data(SEVERITY_ROLE) == Severity.ERROR
    assert cell.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == (
        "Password is shorter than 8 characters\nPassword is a common word"
    )
    assert model.index(5, 0).data(SEVERITY_ROLE) == Severity.WARNING
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(7, 0).data(ROW_SEVERITY_ROLE) == Severity.WARNING
    assert "Row-level note" in model.headerData(
        7, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole
    )
    assert model.findings.errors == 1 and model.findings.warnings == 3


def test_findings_map_is_indexed_by_cell():
    fmap = FindingsMap([Finding(1, 2, "a"), Finding(1, 2, "b", Severity.WARNING)])
    assert fmap.severity(1, 2) == Severity.ERROR
    assert fmap.cell_tooltip(1, 2) == "a\nb"
    assert fmap.severity(2, 1) is None
    assert fmap.rows_with_problems() == {1}


def test_status_column_coloured_and_message_as_tooltip(model):
    model.apply_results(
        [
            RowResult(0, Status.CREATED, "", "501", "2026-01-01T10:00:00+00:00"),
            RowResult(1, Status.FAILED, "Login name taken", "", "2026-01-01T10:00:00+00:00"),
        ]
    )
    status = col(model, Role.STATUS)
    assert model.headerData(status, Qt.Orientation.Horizontal) == "Status"
    assert model.index(0, status).data() == "Created"
    assert model.index(0, status).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(1, status).data(Qt.ItemDataRole.ToolTipRole) == "Login name taken"
    assert model.index(0, 0).data(STATUS_ROLE) == "Created"
    assert model.index(2, status).data(Qt.ItemDataRole.BackgroundRole) is None


def test_the_whole_message_is_the_tooltip_of_status_and_message(model):
    long = (
        "No student with SIS User ID '45510'. '0045510' is a student in Canvas: Excel "
        "probably dropped the leading zeros; use Add the zeros above the grid"
    )
    model.apply_results(
        [
            RowResult(1, Status.WOULD_FAIL, long, from_check=True),
            RowResult(2, Status.CREATED, "", "501", "2026-01-01T10:00:00+00:00"),
        ]
    )
    status, message = col(model, Role.STATUS), col(model, Role.MESSAGE)
    assert model.index(1, message).data(Qt.ItemDataRole.ToolTipRole) == long
    assert model.index(1, status).data(Qt.ItemDataRole.ToolTipRole) == long
    assert model.index(1, message).data(Qt.ItemDataRole.AccessibleDescriptionRole) == long
    assert model.index(2, message).data(Qt.ItemDataRole.ToolTipRole) is None  # no message
    assert model.index(2, status).data(Qt.ItemDataRole.ToolTipRole) is None
    # a finding on the Message cell comes first, the message after it
    model.set_findings([Finding(1, message, "Check this row", Severity.WARNING)])
    assert model.index(1, message).data(Qt.ItemDataRole.ToolTipRole) == f"Check this row\n{long}"


def test_would_fail_has_its_own_reddish_orange(model):
    model.apply_results(
        [
            RowResult(0, Status.WOULD_FAIL, "x", from_check=True),
            RowResult(1, Status.FAILED, "x"),
            RowResult(2, Status.INVALID, "x"),
        ]
    )
    status = col(model, Role.STATUS)
    would, failed, invalid = (
        model.index(row, status).data(Qt.ItemDataRole.BackgroundRole) for row in range(3)
    )
    assert would is not None and would not in (failed, invalid)
    solid = theme_colors.status_solid(Status.WOULD_FAIL)
    assert solid is not None and solid.red() > solid.green() > solid.blue()
    assert solid != theme_colors.status_solid(Status.FAILED)
    assert solid != theme_colors.status_solid(Status.INVALID)
    # in hue between Failed's red (about 355) and Invalid's orange (about 34)
    assert 0 < solid.hsvHue() < theme_colors.status_solid(Status.INVALID).hsvHue()


def test_a_short_password_is_marked_while_masked_without_showing_it(model):
    pw = col(model, Role.PASSWORD)
    noah = 3  # "cat7"
    cell = model.index(noah, pw)
    assert cell.data() == PASSWORD_MASK + SHORT_PASSWORD_MARK
    assert "cat7" not in cell.data() and "4" not in cell.data()
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == "Password is shorter than 8 characters"
    assert cell.data(Qt.ItemDataRole.BackgroundRole) == theme_colors.severity_tint(Severity.ERROR)
    assert model.index(MIA, pw).data() == PASSWORD_MASK  # long enough: just the dots
    assert model.index(MIA, pw).data(Qt.ItemDataRole.ToolTipRole) is None
    # the rules say it too: said once
    model.set_findings(check_table(model.table))
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == "Password is shorter than 8 characters"
    # shown, the password itself is the text; the colour stays
    model.mask_passwords = False
    assert cell.data() == "cat7"
    assert cell.data(Qt.ItemDataRole.BackgroundRole) is not None
    # the connected Canvas's minimum counts
    model.mask_passwords = True
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append((a.column(), b.column())))
    model.min_password_length = 12
    assert changed == [(pw, pw)]
    assert model.index(MIA, pw).data() == PASSWORD_MASK + SHORT_PASSWORD_MARK
    assert "12 characters" in model.index(MIA, pw).data(Qt.ItemDataRole.ToolTipRole)
    model.min_password_length = 4
    assert cell.data() == PASSWORD_MASK


def test_a_checked_already_exists_is_not_done_in_the_filters(model):
    proxy = RowFilterProxy()
    proxy.setSourceModel(model)
    model.apply_results(
        [
            RowResult(MIA, Status.ALREADY_EXISTS, "Canvas has it", from_check=True),
            RowResult(MIA + 1, Status.WOULD_FAIL, "No such student", from_check=True),
            RowResult(8, Status.CREATED),
        ]
    )
    model.flush_results()
    proxy.set_filter(RowFilter.DONE)
    assert proxy_rows(proxy) == [8]
    proxy.set_filter(RowFilter.NOT_DONE)
    assert MIA in proxy_rows(proxy) and 8 not in proxy_rows(proxy)
    proxy.set_filter(RowFilter.PROBLEMS)
    assert MIA + 1 in proxy_rows(proxy)  # a row the check found would fail is a problem


def test_results_are_told_to_the_views_together_in_runs_of_rows(model):
    model.ensure_output_columns()
    spans = []
    model.dataChanged.connect(lambda a, b, roles=(): spans.append((a.row(), b.row())))
    model.apply_results([RowResult(4, Status.CREATED)])
    model.apply_results([RowResult(9, Status.FAILED, "x")])
    model.apply_results([RowResult(5, Status.UPDATED)])
    assert spans == []  # not yet: the views hear about them together
    assert model.has_pending_results
    assert model.table.status(9) == "Failed"  # but the table has them at once
    model.flush_results()
    # Rows 6 to 8 did not change: a span over them would repaint rows for nothing.
    assert spans == [(4, 5), (9, 9)]
    assert not model.has_pending_results


def test_no_change_told_to_the_views_names_more_cells_than_they_can_place(model):
    """A view repaints everything it shows for a change of more than about 200 cells,
    even one far below what is on screen: a long run's results come in smaller pieces."""
    from gui.table_model import CELLS_PER_CHANGE

    model.ensure_output_columns()
    rows = len(model.table.rows)
    changes = []
    model.dataChanged.connect(lambda a, b, roles=(): changes.append((a, b)))
    model.apply_results([RowResult(row, Status.CREATED) for row in range(rows)])
    model.flush_results()
    assert rows * model.columnCount() > CELLS_PER_CHANGE and len(changes) > 1
    covered = []
    for top, bottom in changes:
        cells = (bottom.row() - top.row() + 1) * (bottom.column() - top.column() + 1)
        assert cells <= CELLS_PER_CHANGE
        covered.extend(range(top.row(), bottom.row() + 1))
    assert covered == list(range(rows))


def test_output_columns_appended_with_column_inserts(model):
    inserted = []
    model.columnsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    before = model.columnCount()
    model.ensure_output_columns()
    assert inserted == [(before, before + 3)]
    assert model.columnCount() == before + 4
    model.ensure_output_columns()
    assert len(inserted) == 1


def test_edit_records_the_edit_and_is_undoable(model):
    stack = QUndoStack()
    model.undo_stack = stack
    login = col(model, Role.NEW_LOGIN)
    edited = []
    model.cells_edited.connect(edited.append)
    assert model.setData(model.index(7, login), "oliver.s")
    assert model.table.rows[7].cells[login] == "oliver.s"
    assert (7, login) in model.table.edited
    assert len(edited) == 1
    stack.undo()
    assert model.table.rows[7].cells[login] == "Emma.J"
    stack.redo()
    assert model.table.rows[7].cells[login] == "oliver.s"
    assert not model.setData(model.index(7, login), "oliver.s")  # no change, no command
    assert stack.count() == 1


def test_editing_a_done_row_clears_its_status_and_undo_restores_it(model):
    stack = QUndoStack()
    model.undo_stack = stack
    model.apply_results([RowResult(MIA, Status.CREATED, "Done", "501", "t")])
    status, message = col(model, Role.STATUS), col(model, Role.MESSAGE)
    pw = col(model, Role.PASSWORD)
    model.setData(model.index(MIA, pw), "another-pass-1")
    assert model.table.status(MIA) == ""
    assert model.table.rows[MIA].cells[message] == ""
    assert model.table.rows[MIA].cells[col(model, Role.CANVAS_LOGIN_ID)] == "501"
    stack.undo()
    assert model.table.rows[MIA].cells[status] == "Created"
    assert model.table.rows[MIA].cells[message] == "Done"
    assert model.table.rows[MIA].cells[pw] == MIA_PASSWORD


def test_editing_a_failed_row_keeps_its_status(model):
    model.apply_results([RowResult(1, Status.FAILED, "nope")])
    model.edit_cells([(1, col(model, Role.NEW_LOGIN), "liam.ob")])
    assert model.table.status(1) == "Failed"


def test_read_only_during_a_run(model):
    model.read_only = True
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(0, 0), "X")
    assert model.edit_cells([(0, 0, "X")]) == []
    model.read_only = False
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable


def test_parse_clipboard_block_from_excel():
    assert parse_clipboard_block("a\tb\r\nc\td\r\n") == [["a", "b"], ["c", "d"]]
    assert parse_clipboard_block("single") == [["single"]]
    assert parse_clipboard_block('"two\nlines"\tx\n') == [["two\nlines", "x"]]
    assert parse_clipboard_block("a\t\tc\n") == [["a", "", "c"]]
    assert parse_clipboard_block("") == []


def test_paste_block_is_one_undoable_command_clipped_at_the_edge(model):
    stack = QUndoStack()
    login = col(model, Role.NEW_LOGIN)
    last = model.columnCount() - 1
    block = parse_clipboard_block("x1\ty1\tz1\nx2\ty2\tz2\n")
    changes = paste_changes(block, [3, 5], last - 1, model.columnCount())
    assert changes == [(3, last - 1, "x1"), (3, last, "y1"), (5, last - 1, "x2"), (5, last, "y2")]
    changes = paste_changes(block, [3, 5, 6], login, model.columnCount())
    stack.push(EditCellsCommand(model, changes, "Paste"))
    assert model.table.rows[5].cells[login : login + 3] == ["x2", "y2", "z2"]
    assert model.table.rows[6].cells[login] == DEMO_ROWS[6][login]
    stack.undo()
    assert model.table.rows[5].cells[login : login + 3] == list(DEMO_ROWS[5][login : login + 3])
    assert model.table.rows[3].cells[login : login + 2] == ["noah.n", "cat7"]


def test_fill_down(model):
    stack = QUndoStack()
    action = col(model, Role.ACTION)
    changes = fill_down_changes([r.cells for r in model.table.rows], [4, 5, 6], [action])
    stack.push(EditCellsCommand(model, changes, "Fill down"))
    assert [model.table.rows[r].cells[action] for r in (4, 5, 6)] == ["Create"] * 3
    stack.undo()
    assert [model.table.rows[r].cells[action] for r in (4, 5, 6)] == ["Create", "Add", ""]
    assert fill_down_changes([r.cells for r in model.table.rows], [4], [action]) == []


def proxy_rows(proxy: RowFilterProxy) -> list[int]:
    return [proxy.table_row(r) for r in range(proxy.rowCount())]


def test_filters_problems_done_not_done_and_status(model):
    proxy = RowFilterProxy()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == len(DEMO_ROWS)
    model.set_findings(check_table(model.table))
    proxy.set_filter(RowFilter.PROBLEMS)
    problems = proxy_rows(proxy)
    assert 3 in problems  # "cat7" is too short
    assert 0 in problems  # no login yet: left for the generator
    mia, jose, sofia = MIA, MIA + 1, 8  # rows typed without a problem
    assert not {mia, jose, sofia} & set(problems)
    model.apply_results(
        [
            RowResult(mia, Status.CREATED),
            RowResult(jose, Status.FAILED, "x"),
            RowResult(sofia, Status.READY),
        ]
    )
    model.flush_results()
    assert jose in proxy_rows(proxy)  # a Failed row is a problem
    proxy.set_filter(RowFilter.DONE)
    assert proxy_rows(proxy) == [mia]
    proxy.set_filter(RowFilter.NOT_DONE)
    assert mia not in proxy_rows(proxy) and len(proxy_rows(proxy)) == len(DEMO_ROWS) - 1
    proxy.set_filter(RowFilter.STATUS, "Ready")
    assert proxy_rows(proxy) == [sofia]
    assert model.statuses_present() == ["Created", "Failed", "Ready"]
    proxy.set_filter(RowFilter.ALL)
    assert proxy.rowCount() == len(DEMO_ROWS)


def test_problems_filter_follows_fixes(model):
    proxy = RowFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter(RowFilter.PROBLEMS)
    model.set_findings(check_table(model.table))
    assert 3 in proxy_rows(proxy)
    model.edit_cells([(3, col(model, Role.PASSWORD), "long-enough-9")])
    model.set_findings(check_table(model.table))
    assert 3 not in proxy_rows(proxy)


def test_search_is_case_insensitive_and_skips_masked_passwords(model):
    proxy = RowFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("  patel ")
    assert proxy_rows(proxy) == [0, 1, 2, 3, 18]  # Ava Kaur, new this term, is last
    proxy.set_search("Red-Boat")
    assert proxy_rows(proxy) == []
    model.mask_passwords = False
    proxy.refilter()
    assert proxy_rows(proxy) == [MIA]
    proxy.set_filter(RowFilter.DONE)
    assert proxy_rows(proxy) == []
    proxy.clear()
    assert proxy.rowCount() == len(DEMO_ROWS)
    assert not proxy.is_filtered


def test_ten_thousand_rows_load_check_and_filter(qapp):
    base = demo_table()
    rows = [Row(sheet_row=i + 2, cells=list(DEMO_ROWS[i % len(DEMO_ROWS)])) for i in range(10_000)]
    sis = base.columns[Role.SIS_USER_ID]
    login = base.columns[Role.NEW_LOGIN]
    action = base.columns[Role.ACTION]
    for i, row in enumerate(rows):
        row.cells[sis] = f"9{i:07d}"
        row.cells[login] = f"student{i}"
        row.cells[action] = ""  # every row a Create, so Created finishes it
    base.rows = rows
    model = LoginsTableModel(base)
    proxy = RowFilterProxy()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == 10_000
    model.set_findings(check_table(base))
    proxy.set_filter(RowFilter.PROBLEMS)
    assert 0 < proxy.rowCount() < 10_000
    proxy.set_filter(RowFilter.ALL)
    proxy.set_search("student9999")
    assert proxy_rows(proxy) == [9999]
    proxy.set_search("")
    model.apply_results([RowResult(i, Status.CREATED) for i in range(0, 10_000, 2)])
    model.flush_results()
    proxy.set_filter(RowFilter.NOT_DONE)
    assert proxy.rowCount() == 5_000
    last = model.index(9_999, model.columnCount() - 1)
    assert last.isValid() and model.data(QModelIndex()) is None


def test_rows_edited_since_the_last_check_are_taken_once(model):
    stack = QUndoStack()
    model.undo_stack = stack
    assert model.take_edited_rows() == set(range(model.rowCount()))  # a new table: all rows
    model.set_findings(check_table(model.table))
    assert model.take_edited_rows() == set()
    login, action = col(model, Role.NEW_LOGIN), col(model, Role.ACTION)
    model.setData(model.index(7, login), "oliver.s")
    stack.push(
        EditCellsCommand(model, paste_changes([["a", "b"], ["c", "d"]], [2, 3], login, 99), "Paste")
    )
    cells = [r.cells for r in model.table.rows]
    stack.push(EditCellsCommand(model, fill_down_changes(cells, [4, 5, 6], [action]), "Fill"))
    assert model.take_edited_rows() == {2, 3, 5, 6, 7}
    assert model.take_edited_rows() == set()
    stack.undo()
    stack.undo()
    assert model.take_edited_rows() == {2, 3, 5, 6}
    stack.redo()
    assert model.take_edited_rows() == {2, 3}
    model.apply_results([RowResult(MIA, Status.CREATED, "Done")])  # a run, not an edit
    assert model.take_edited_rows() == set()
    model.set_table(model.table)  # the columns may have moved: every row again
    assert model.take_edited_rows() == set(range(model.rowCount()))


def test_new_findings_repaint_only_the_rows_whose_findings_changed(model):
    findings = check_table(model.table)
    model.set_findings(findings)
    assert model.findings_list == findings
    painted: list[tuple[int, int]] = []
    headers: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, _roles: painted.append((top.row(), bottom.row())))
    model.headerDataChanged.connect(lambda _orientation, first, last: headers.append((first, last)))
    pw = col(model, Role.PASSWORD)
    model.edit_cells([(MIA, pw, "x"), (MIA + 2, pw, "y")])  # two short passwords
    painted.clear()
    model.set_findings(recheck_rows(model.table, model.findings_list, model.take_edited_rows()))
    assert painted == headers == [(MIA, MIA), (MIA + 2, MIA + 2)]
    assert model.findings.severity(MIA, pw) is Severity.ERROR
    assert model.findings_list == check_table(model.table)
    painted.clear()
    model.set_findings(list(model.findings_list))  # the same findings: nothing to repaint
    assert painted == []

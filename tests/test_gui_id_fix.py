"""The bar that puts back the leading zeros Excel dropped from SIS User IDs
(gui/id_fix.py): what it says, one undoable step, and the whole way from a check."""

from __future__ import annotations

import pytest
from gui_window_support import demo_copy, write_xlsx
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from table_support import table_from_dicts

from core.connection import start_sandbox_connection
from core.id_padding import PaddingFix, fix_from_results
from core.model import Role, RowResult, Status
from gui.id_fix import IdFixBar, fix_sentence
from gui.table_model import LoginsTableModel

HEADERS = ["First Name", "Last Name", "SIS User ID", "New Login", "Password"]
#: Excel dropped the zeros of the first two; the third kept them; the rest are no digit ids.
IDS = ["45510", "45511", "0045512", "", "X-17", "45513"]
NAMES = ["Zoë", "José", "田中", "Ava", "Ava", "Liam"]


def students() -> list[dict[str, str]]:
    return [
        {"First Name": name, "SIS User ID": sis, "New Login": f"s{i}", "Password": "long-pass-1"}
        for i, (name, sis) in enumerate(zip(NAMES, IDS, strict=True))
    ]


@pytest.fixture
def bar(qtbot):
    model = LoginsTableModel(table_from_dicts(HEADERS, students()))
    model.undo_stack = QUndoStack()
    widget = IdFixBar(model)
    qtbot.addWidget(widget)
    widget.show()
    widget.hide()
    return widget


def the_fix(model: LoginsTableModel) -> PaddingFix:
    """The fix a check proves: '45510' is a student as '0045510'."""
    fix = fix_from_results(model.table, [RowResult(0, Status.WOULD_FAIL, "", padded_id="0045510")])
    assert fix is not None
    return fix


def sis(model: LoginsTableModel) -> list[str]:
    col = model.column_for(Role.SIS_USER_ID)
    return [row.cells[col] for row in model.table.rows]


def test_the_bar_says_what_excel_did_and_stays_hidden_until_asked(bar):
    model = bar._model
    assert bar.isHidden() and bar.fix is None
    fix = the_fix(model)
    bar.show_fix(fix)
    assert bar.isVisible() and bar.fix is fix
    assert bar.text.text() == (
        "Excel dropped the leading zeros of 3 SIS User IDs (45510 is 0045510 in Canvas)."
    )
    assert bar.apply_button.text() == "Add the zeros"
    one = PaddingFix(Role.SIS_USER_ID, fix.column, 7, [0], ("45510", "0045510"))
    assert fix_sentence(one) == (
        "Excel dropped the leading zeros of 1 SIS User ID (45510 is 0045510 in Canvas)."
    )


def test_add_the_zeros_is_one_undoable_step(bar, qtbot):
    model = bar._model
    stack = model.undo_stack
    bar.show_fix(the_fix(model))
    with qtbot.waitSignal(bar.fix_applied) as applied:
        qtbot.mouseClick(bar.apply_button, Qt.MouseButton.LeftButton)
    assert applied.args == [3]
    assert sis(model) == ["0045510", "0045511", "0045512", "", "X-17", "0045513"]
    assert model.table.rows[2].cells[0] == "田中"
    assert stack.count() == 1 and "leading zeros" in stack.undoText()
    assert bar.isHidden()
    stack.undo()
    assert sis(model) == IDS
    assert bar.isVisible()  # offered again: the ids are short again
    stack.redo()
    assert sis(model)[:2] == ["0045510", "0045511"] and bar.isHidden()
    assert stack.count() == 1


def test_closing_the_bar_changes_no_id(bar, qtbot):
    model = bar._model
    bar.show_fix(the_fix(model))
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert bar.isHidden() and bar.fix is None
    assert sis(model) == IDS and model.undo_stack.count() == 0
    assert bar.apply_fix() == 0


def test_no_fix_while_a_run_goes_nor_when_the_ids_are_already_fixed(bar):
    model = bar._model
    fix = the_fix(model)
    bar.show_fix(fix)
    model.read_only = True
    assert bar.apply_fix() == 0 and sis(model) == IDS
    model.read_only = False
    col = model.column_for(Role.SIS_USER_ID)
    model.edit_cells([(row, col, f"00{IDS[row]}") for row in fix.rows])  # typed in by hand
    assert bar.apply_fix() == 0
    assert bar.isHidden() and model.undo_stack.count() == 0


def test_another_table_takes_the_offer_away(bar):
    model = bar._model
    bar.show_fix(the_fix(model))
    model.set_table(table_from_dicts(HEADERS, students()))
    assert bar.isHidden() and bar.fix is None


def test_a_check_offers_the_fix_and_the_window_applies_and_undoes_it(window, tmp_path, qtbot):
    rows: list[list[object]] = [HEADERS]
    rows += [["Ava", "Kowalski", 45510, "ava.k", "sunny-apple-7"]]  # stored as numbers
    rows += [["Liam", "O'Brien", 45511, "liam.o", "green-frog-42"]]
    rows += [["Zoë", "Dubois", "0045512", "zoe.d", "blue-kite-19"]]
    path = write_xlsx(tmp_path / "numbers.xlsx", {"Students": rows})
    window.set_connection(start_sandbox_connection())
    assert window.open_file(path)
    bar = window.widgets.id_fix_bar
    assert bar.isHidden()
    with qtbot.waitSignal(window.check_finished, timeout=60_000):
        assert window.check_with_canvas()
    assert bar.isVisible()
    assert bar.text.text() == (
        "Excel dropped the leading zeros of 2 SIS User IDs (45510 is 0045510 in Canvas)."
    )
    steps = window.undo_stack.count()
    qtbot.mouseClick(bar.apply_button, Qt.MouseButton.LeftButton)
    table = window.doc.table
    assert [table.value(r, Role.SIS_USER_ID) for r in range(3)] == ["0045510", "0045511", "0045512"]
    assert window.undo_stack.count() == steps + 1
    assert window.is_modified
    window.undo_stack.undo()
    assert [table.value(r, Role.SIS_USER_ID) for r in range(3)] == ["45510", "45511", "0045512"]
    assert bar.isVisible()
    assert window.open_file(demo_copy(tmp_path))
    assert bar.isHidden()

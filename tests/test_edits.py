"""core.edits: staff's cell edits, and a done row that is edited loses its status."""

from __future__ import annotations

from core.edits import CellChange, apply_edits, replay
from core.model import Role, Row, Table, role_for_header

HEADERS = ["SIS User ID", "New Login", "Password", "Status", "Message", "Notes"]


def table() -> Table:
    columns = {role: i for i, h in enumerate(HEADERS) if (role := role_for_header(h))}
    rows = [
        Row(2, ["0045510", "ava.k", "sunny-apple-7", "Created", "", "keep"]),
        Row(3, ["0045511", "liam.o", "cat", "Failed", "Password too short", ""]),
    ]
    return Table("Students", list(HEADERS), 1, columns, rows)


def test_editing_a_done_row_clears_its_status_and_message_once():
    t = table()
    t.rows[0].cells[4] = "done by the API"
    applied = apply_edits(t, [(0, 2, "brand-new-pass-1"), (0, 1, "ava.k2")])
    assert t.status(0) == "" and t.value(0, Role.MESSAGE) == ""
    assert applied == [
        CellChange(0, 2, "sunny-apple-7", "brand-new-pass-1"),
        CellChange(0, 3, "Created", ""),
        CellChange(0, 4, "done by the API", ""),
        CellChange(0, 1, "ava.k", "ava.k2"),
    ]


def test_a_row_not_done_keeps_its_status_and_message():
    t = table()
    applied = apply_edits(t, [(1, 2, "long-enough-12")])
    assert applied == [CellChange(1, 2, "cat", "long-enough-12")]
    assert t.status(1) == "Failed" and t.value(1, Role.MESSAGE) == "Password too short"


def test_editing_the_status_itself_is_just_an_edit():
    t = table()
    assert apply_edits(t, [(0, 3, "Updated")]) == [CellChange(0, 3, "Created", "Updated")]
    assert t.value(0, Role.NEW_LOGIN) == "ava.k"


def test_unchanged_values_and_cells_outside_the_table_are_skipped():
    t = table()
    assert apply_edits(t, [(0, 1, "ava.k"), (9, 0, "x"), (0, 99, "x"), (-1, 0, "x")]) == []
    assert t.status(0) == "Created"


def test_replay_undoes_and_redoes_exactly():
    t = table()
    before = [list(r.cells) for r in t.rows]
    applied = apply_edits(t, [(0, 5, "changed"), (1, 1, "liam.ob")])
    after = [list(r.cells) for r in t.rows]
    assert replay(t, applied, to_old=True) == list(reversed(applied))
    assert [r.cells for r in t.rows] == before
    replay(t, applied, to_old=False)
    assert [r.cells for r in t.rows] == after

"""New findings change only what differs: the grid's index of them and the Problems list."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QPersistentModelIndex

from core.model import Finding, Role, Row, Severity, Table
from gui.findings_map import FindingsMap, list_changes
from gui.problems import FINDING_ROLE, ProblemsListModel
from gui.table_model import LoginsTableModel

MESSAGES = ["too short", "capital letters", "also on row 9", "no student"]


def random_findings(rng: random.Random, rows: int = 30) -> list[Finding]:
    found = [
        Finding(
            row,
            rng.choice([None, 1, 2, 4]),
            rng.choice(MESSAGES),
            rng.choice([Severity.ERROR, Severity.WARNING]),
        )
        for row in range(rows)
        for _ in range(rng.choice([0, 0, 1, 2, 3]))
    ]
    found.sort(key=lambda f: (f.row, -1 if f.column is None else f.column))
    return found


def changed_copy(rng: random.Random, old: list[Finding]) -> list[Finding]:
    """``old`` with a few rows' findings replaced (the rest the same objects)."""
    fresh = random_findings(rng)
    rows = set(rng.sample(range(30), rng.randint(0, 4)))
    new = [f for f in old if f.row not in rows] + [f for f in fresh if f.row in rows]
    new.sort(key=lambda f: (f.row, -1 if f.column is None else f.column))
    return new


def lookups(fmap: FindingsMap) -> tuple:
    cells = [(r, c) for r in range(31) for c in (None, 1, 2, 4)]
    return (
        [fmap.severity(r, c) for r, c in cells if c is not None],
        [fmap.cell_tooltip(r, c) for r, c in cells if c is not None],
        [(fmap.row_severity(r), fmap.row_tooltip(r)) for r in range(31)],
        fmap.rows_with_problems(),
        fmap.errors,
        fmap.warnings,
        len(fmap),
    )


@pytest.mark.parametrize("shuffled", [False, True])
def test_list_changes_turn_the_old_list_into_the_new_one(shuffled):
    rng = random.Random(3)
    old = random_findings(rng)
    for _ in range(300):
        new = changed_copy(rng, old)
        if shuffled:
            rng.shuffle(new)
        spans = list_changes(old, new)
        rebuilt = list(old)
        for start, removed, start_new, inserted in reversed(spans):
            rebuilt[start : start + removed] = new[start_new : start_new + inserted]
        assert rebuilt == new
        if not shuffled:  # whole rows: a row that changed is in one span, on both sides
            for start, removed, start_new, inserted in spans:
                rows = {f.row for f in old[start : start + removed]}
                rows |= {f.row for f in new[start_new : start_new + inserted]}
                assert [f for f in old if f.row in rows] == old[start : start + removed]
                assert [f for f in new if f.row in rows] == new[start_new : start_new + inserted]
        old = new


def test_a_map_made_from_the_previous_one_is_the_map_made_afresh():
    rng = random.Random(5)
    previous = FindingsMap(random_findings(rng))
    for step in range(300):
        new = changed_copy(rng, previous.findings)
        if step % 10 == 0:
            new.reverse()  # not in row order: indexed afresh, all the same
        fmap = FindingsMap(new, previous)
        assert lookups(fmap) == lookups(FindingsMap(new))
        differ = {
            row
            for row in range(31)
            if [f for f in new if f.row == row] != [f for f in previous.findings if f.row == row]
        }
        assert differ <= fmap.changed_rows
        if step % 10 and (step - 1) % 10:
            assert fmap.changed_rows == differ  # only the rows that changed are repainted
        previous = fmap


def table(rows: int) -> Table:
    headers = ["Name", "SIS User ID", "New Login", "Password"]
    columns = {Role.SIS_USER_ID: 1, Role.NEW_LOGIN: 2, Role.PASSWORD: 3}
    body = [Row(n + 2, [f"Kid {n}", f"{n:07d}", f"kid.{n}", "pw"]) for n in range(rows)]
    return Table("Students", headers, 1, columns, body)


def test_the_problems_list_changes_only_the_lines_that_differ(qapp):
    model = LoginsTableModel(table(30))
    problems = ProblemsListModel(model)
    rng = random.Random(9)
    model.set_findings(random_findings(rng))
    resets: list[int] = []
    problems.modelReset.connect(lambda: resets.append(1))
    for _ in range(60):
        before = [problems.index(line).data(FINDING_ROLE) for line in range(problems.rowCount())]
        held = QPersistentModelIndex(problems.index(len(before) // 2)) if before else None
        new = changed_copy(rng, model.findings_list)
        model.set_findings(new)
        shown = [problems.index(line).data(FINDING_ROLE) for line in range(problems.rowCount())]
        assert shown == new
        if held is not None and held.isValid():  # a line that stayed stays where staff left it
            assert problems.index(held.row()).data(FINDING_ROLE) is before[len(before) // 2]
        assert problems.index(0).data() == problems.describe(new[0]) if new else True
    assert not resets
    model.set_table(table(3))
    assert resets and problems.rowCount() == 0

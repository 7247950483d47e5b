"""Re-checking only the edited rows finds exactly what checking the whole table finds."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

import core.rules
from core.column_rules import FindingKind, finding_kind
from core.edits import apply_edits, replay
from core.model import OUTPUT_ROLES, Finding, Role, Row, Severity, Table, role_for_header
from core.rules import check_table, recheck_rows

HEADERS = [
    "Name",
    "Canvas User ID",
    "SIS User ID",
    "Current Login",
    "New Login",
    "Password",
    "Authentication Provider",
    "Action",
    "Status",
    "Notes",
]
#: A second "New Login" heading: a warning on the first row to be sent.
SECOND_HEADING = [*HEADERS, "New Login"]
#: No student column at all: "No student" has no cell, and a name makes a request.
NO_STUDENT_COLUMN = ["Name", "New Login", "Password", "Action", "Status", "Notes"]

#: Values that collide: the same login as Canvas compares them (case, spaces around,
#: full width, a combining accent), the same SIS id, ids without their leading zeros.
POOLS: dict[str, list[str]] = {
    "Name": ["Ava", "Zoë Brontë", "田中 ゆい", "", "Total students: 23", "Boys: 12"],
    "Canvas User ID": ["", "", "", "17", "9x"],
    "SIS User ID": [
        *("0045510", "45510", "0045511", "45511", "2", "00123", "123", "S001"),
        *("", " 0045512 ", "0045512", "4551"),
    ],
    "Current Login": ["", "", "", "old.ava", "ava.k", "Liam.O"],
    "New Login": [
        *("ava.k", "Ava.K", " ava.k ", "ａｖａ.ｋ", "liam.o", "LIAM.O", "zoë.b", "zoe\u0308.b"),
        *("田中.ゆい", "ava k", "=ava", "", "", "  ", "a\tb", "mia\nb", "x" * 101),
    ],
    "Password": ["", "sunny-7-x", "short", "Otter-1234!", "y" * 256],
    "Authentication Provider": ["", "", "", "canvas", "saml", "7", "8", "99"],
    "Action": ["", "", "Create", "create ", "Update", "Delete", "Remove", "bogus"],
    "Status": [
        *("", "", "", "Created", "Already exists", "Updated", "Deleted", "Already deleted"),
        *("Failed", "Invalid", "Ready", "Would fail"),
    ],
    "Notes": ["", "", "call home", "=SUM(A1)"],
}
NO_VALUE = "This cell holds a formula with no saved value: open and save it in Excel first."


def make_table(headers: list[str], rows: int, rng: random.Random) -> Table:
    columns: dict[Role, int] = {}
    for column, header in enumerate(headers):
        if (role := role_for_header(header)) is not None:
            columns.setdefault(role, column)  # the first of two, as the reader takes them
    cells = [[rng.choice(POOLS[h]) for h in headers] for _ in range(rows)]
    table = Table(
        "Students", list(headers), 1, columns, [Row(n + 2, c) for n, c in enumerate(cells)]
    )
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    sis = table.column(Role.SIS_USER_ID)
    for n, row in enumerate(table.rows):
        if sis is not None and row.cells[sis].strip().isdigit() and rng.random() < 0.6:
            row.number_cells.add(sis)  # the file stored the id as a number
        if rng.random() < 0.05:
            row.cell_problems[rng.randrange(len(headers))] = NO_VALUE
        if rng.random() < 0.05:
            table.checked_rows.add(n)
    return table


def random_value(table: Table, column: int, rng: random.Random) -> str:
    header = table.headers[column]
    return rng.choice(POOLS.get(header, ["", "x"]))


def random_change(table: Table, rng: random.Random, history: list) -> set[int]:
    """One thing staff or a run does to the table; the rows it changed."""
    count, width = len(table.rows), len(table.headers)
    # the top rows more often: the first row to be sent carries the column-wide warnings
    row = min(rng.randrange(count), rng.randrange(count))
    pick = rng.random()
    if pick < 0.12 and history:  # undo, or redo, an earlier edit
        changes = history.pop(rng.randrange(len(history)))
        return {c.row for c in replay(table, changes, to_old=rng.random() < 0.7)}
    if pick < 0.22:  # a run's result: the row becomes done (or not), without an edit
        table.set_value(row, Role.STATUS, rng.choice(POOLS["Status"]))
        (table.checked_rows.add if rng.random() < 0.3 else table.checked_rows.discard)(row)
        return {row}
    if pick < 0.30:  # a row emptied, or left with a note
        note = rng.choice(["", "Total students: 23", "see office"])
        edits = [(row, column, "") for column in range(width)]
        edits.append((row, rng.choice([0, table.headers.index("Notes")]), note))
        applied = apply_edits(table, edits)
    elif pick < 0.45:  # a pasted block
        top, left = row, rng.randrange(width)
        edits = [
            (pasted, column, random_value(table, column, rng))
            for pasted in range(top, min(top + rng.randint(1, 4), count))
            for column in range(left, min(left + rng.randint(1, 3), width))
        ]
        applied = apply_edits(table, edits)
    else:  # one cell, most often the login, the id or the status
        role = rng.choice([Role.NEW_LOGIN, Role.NEW_LOGIN, Role.SIS_USER_ID, Role.STATUS])
        column = table.column(role)
        if column is None or rng.random() < 0.3:
            column = rng.randrange(width)
        applied = apply_edits(table, [(row, column, random_value(table, column, rng))])
    history.append(applied)
    return {c.row for c in applied}


@pytest.mark.parametrize(
    ("headers", "rows", "steps", "seed", "provider_types"),
    [
        (HEADERS, 40, 600, 1, None),
        (HEADERS, 25, 600, 2, {"7": "canvas", "8": "saml"}),
        (SECOND_HEADING, 30, 500, 3, None),
        (NO_STUDENT_COLUMN, 30, 400, 4, None),
        (HEADERS, 400, 150, 5, None),
    ],
)
def test_rechecking_edited_rows_finds_what_a_full_check_finds(
    monkeypatch, headers, rows, steps, seed, provider_types
):
    rng = random.Random(seed)
    table = make_table(headers, rows, rng)
    settings = {"min_password_length": 8, "provider_types": provider_types}
    findings = check_table(table, **settings)
    full_checks = []
    monkeypatch.setattr(
        core.rules, "check_table", lambda *a, **k: full_checks.append(1) or check_table(*a, **k)
    )
    appeared: set[FindingKind] = set()
    went: set[FindingKind] = set()
    history: list = []
    for _ in range(steps):
        changed = random_change(table, rng, history)
        previous = findings
        findings = recheck_rows(table, findings, changed, **settings)
        full = check_table(table, **settings)
        assert findings == full
        pick = rng.random()
        if pick < 0.15:  # a run's results, then a full check to start from
            random_change(table, rng, history)
            findings = check_table(table, **settings)
        elif pick < 0.3:  # findings from elsewhere (equal, not the ones returned)
            findings = [replace(finding) for finding in findings]
        was, now = by_kind(previous), by_kind(findings)
        appeared.update(kind for kind, found in now.items() if found - was.get(kind, set()))
        went.update(kind for kind, found in was.items() if found - now.get(kind, set()))
    assert len(full_checks) < steps / 10  # the edits were re-checked, not the whole table
    # the edits made findings of every kind appear on rows and go from rows
    kinds = {FindingKind.ROW, FindingKind.DUPLICATE}
    if Role.SIS_USER_ID in table.columns and rows < 100:  # the first rows are edited often
        kinds |= {FindingKind.SHORT_ID, FindingKind.NUMBER_TYPED}
    if headers is SECOND_HEADING:
        kinds.add(FindingKind.HEADING)
    assert kinds <= appeared & went


def by_kind(findings: list[Finding]) -> dict[FindingKind, set[tuple[int, str]]]:
    kinds: dict[FindingKind, set[tuple[int, str]]] = {}
    for finding in findings:
        kinds.setdefault(finding_kind(finding), set()).add((finding.row, finding.message))
    return kinds


def test_findings_that_did_not_change_are_the_same_objects():
    rng = random.Random(7)
    table = make_table(HEADERS, 60, rng)
    before = check_table(table)
    row = next(f.row for f in before if f.role is Role.PASSWORD)
    apply_edits(table, [(row, table.column(Role.PASSWORD), "a-long-password-now")])
    after = recheck_rows(table, before, {row})
    assert after == check_table(table)
    kept = {id(f) for f in before}
    assert all(id(f) in kept for f in after if f.row != row)


def plain_table(*rows: tuple[str, str]) -> Table:
    """Rows with a SIS User ID, a New Login and a good password, as typed (text)."""
    headers = ["Name", "SIS User ID", "New Login", "Password"]
    columns = {role: i for i, h in enumerate(headers) if (role := role_for_header(h))}
    body = [Row(n + 2, ["Ava", sis, login, "sunny-7-x"]) for n, (sis, login) in enumerate(rows)]
    table = Table("Students", headers, 1, columns, body)
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    return table


def test_a_duplicate_typed_in_names_both_rows_and_goes_when_it_is_changed_back():
    table = plain_table(("0045510", "ava.k"), ("0045511", "liam.o"), ("0045512", "mia.s"))
    findings = check_table(table)
    assert findings == []
    login = table.column(Role.NEW_LOGIN)
    apply_edits(table, [(1, login, " Ava.K ")])
    findings = recheck_rows(table, findings, {1})
    assert findings == check_table(table)
    assert [(f.row, f.message) for f in findings] == [
        (0, "Login name 'ava.k' is also on row 3; each login name can belong to only one student"),
        (1, "Login name starts or ends with a space; remove it"),
        (
            1,
            "Login name 'Ava.K' has capital letters; Canvas ignores case, so students can also "
            "sign in as 'ava.k'",
        ),
        (1, "Login name 'Ava.K' is also on row 2; each login name can belong to only one student"),
    ]
    apply_edits(table, [(1, login, "liam.o")])
    assert recheck_rows(table, findings, {1}) == [] == check_table(table)


def test_no_changed_rows_and_rows_outside_the_table_change_nothing():
    table = make_table(HEADERS, 20, random.Random(3))
    findings = check_table(table)
    assert recheck_rows(table, findings, set()) == findings
    assert recheck_rows(table, findings, {-1, 20, 99}) == findings


def test_a_short_id_typed_in_warns_on_every_short_id_of_the_column():
    table = plain_table(*[(f"00455{n:02d}", f"kid.{n}") for n in range(6)])
    sis = table.column(Role.SIS_USER_ID)
    apply_edits(table, [(3, sis, "45503")])
    findings = check_table(table)
    assert [(f.row, f.severity) for f in findings] == [(3, Severity.WARNING)]
    apply_edits(table, [(5, sis, "45505")])
    findings = recheck_rows(table, findings, {5})
    assert findings == check_table(table)
    assert [f.row for f in findings] == [3, 5]
    assert all("(7 digits, like '0045500')" in f.message for f in findings)
    apply_edits(table, [(3, sis, "0045503"), (5, sis, "0045505")])
    assert recheck_rows(table, findings, {3, 5}) == []


def test_the_columns_are_read_anew_for_findings_it_did_not_return():
    table = plain_table(("0045510", "ava.k"), ("0045511", "liam.o"), ("0045512", "mia.s"))
    other = plain_table(("0045510", "ava.k"), ("0045511", "ava.k"))
    login = table.column(Role.NEW_LOGIN)
    findings = recheck_rows(table, check_table(table), {0})
    recheck_rows(other, check_table(other), {1})  # another table in between
    table.rows[2].cells[login] = "liam.o"  # changed without saying so: read anew all the same
    apply_edits(table, [(0, login, "zoe.b")])
    assert recheck_rows(table, findings, {0}) == check_table(table)
    table.ensure_column(Role.CANVAS_USER_ID)  # the columns moved
    apply_edits(table, [(1, login, "zoe.b")])
    assert recheck_rows(table, check_table(table), {1}) == check_table(table)

"""Plans: one operation per row to send, Invalid results for the rest, results back in."""

from __future__ import annotations

from core.model import OUTPUT_ROLES, Action, Role, Row, RowResult, Status, Table, role_for_header
from core.plan import apply_results, build_plan
from core.rules import check_table
from core.run.engine import RunSummary

HEADERS = ["SIS User ID", "Current Login", "New Login", "Password", "Action", "Status"]


def make_table(rows: list[tuple[str, ...]]) -> Table:
    columns = {role_for_header(h): i for i, h in enumerate(HEADERS)}
    table = Table(
        "Kids", list(HEADERS), 1, columns, [Row(i + 2, list(r)) for i, r in enumerate(rows)]
    )
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    return table


def test_plan_leaves_out_done_rows_and_retries_the_rest():
    table = make_table(
        [
            ("1", "", "a.one", "long-enough", "", "Created"),
            ("2", "", "b.two", "long-enough", "", "Failed"),
            ("3", "", "c.three", "short", "", "Ready"),
            ("4", "", "d.four", "long-enough", "", "Invalid"),
            ("", "", "", "", "", ""),
        ]
    )
    plan = build_plan(table, check_table(table))
    assert plan.skipped_done == 1
    assert [op.row for op in plan.operations] == [1, 3]
    [invalid] = plan.invalid
    assert (invalid.row, invalid.status) == (2, Status.INVALID)
    assert "shorter than 8" in invalid.message
    op = plan.operations[0]
    assert (op.action, op.user_ref, op.unique_id) == (Action.CREATE, "sis_user_id:2", "b.two")
    assert op.identity == table.row_identity(1)
    assert "long-enough" not in repr(op)


def test_update_rows_rename_when_current_and_new_login_differ():
    table = make_table(
        [
            ("1", "old.name", "new.name", "", "Change", ""),
            ("2", "", "same.name", "long-enough", "Reset", ""),
            ("3", "gone.login", "", "", "Remove", ""),
        ]
    )
    rename, reset, remove = build_plan(table, check_table(table)).operations
    assert (rename.unique_id, rename.rename_to) == ("old.name", "new.name")
    assert (reset.unique_id, reset.rename_to, reset.password) == ("same.name", "", "long-enough")
    assert (remove.action, remove.unique_id) == (Action.DELETE, "gone.login")


def test_apply_results_fills_the_output_columns():
    table = make_table([("1", "", "a.one", "long-enough", "", "")])
    apply_results(table, [RowResult(0, Status.CREATED, "Login 'a.one' created", "77", "")])
    assert table.status(0) == "Created"
    assert table.value(0, Role.MESSAGE) == "Login 'a.one' created"
    assert table.value(0, Role.CANVAS_LOGIN_ID) == "77"
    assert table.value(0, Role.PROCESSED_AT)[:2] == "20"  # local ISO time was filled in


def test_summary_line_format():
    summary = RunSummary(
        counts={Status.CREATED: 3, Status.FAILED: 1, Status.INVALID: 2, Status.READY: 5},
        seconds=12.345,
    )
    assert summary.line() == (
        "created 3, already existed 0, updated 0, deleted 0, already deleted 0, failed 1, "
        "invalid 2 in 12.3 s"
    )

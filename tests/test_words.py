"""Counts in words: singular and plural right, the run's confirmation and its summary."""

from __future__ import annotations

from core.model import Action, RowResult, Status
from core.plan import Operation, Plan
from core.run.engine import RunSummary
from core.words import (
    check_sentence,
    confirmation_lines,
    confirmation_sentence,
    plural,
    summary_sentence,
    undo_sentence,
)


def operations(action: Action, count: int, start: int = 0) -> list[Operation]:
    return [
        Operation(row=start + i, action=action, user_ref=f"sis_user_id:{i}", unique_id=f"x{i}")
        for i in range(count)
    ]


def plan_of(
    creates: int = 0,
    updates: int = 0,
    deletes: int = 0,
    *,
    checked_existing: int = 0,
    left_out: int = 0,
    invalid: int = 0,
    notes: int = 0,
) -> Plan:
    return Plan(
        operations=[
            *operations(Action.CREATE, creates),
            *operations(Action.UPDATE, updates, 100),
            *operations(Action.DELETE, deletes, 200),
        ],
        invalid=[RowResult(300 + i, Status.INVALID, "Fix it.") for i in range(invalid)],
        checked_existing=checked_existing,
        left_out=[
            RowResult(400 + i, Status.WOULD_FAIL, "Taken.", from_check=True)
            for i in range(left_out)
        ],
        skipped_notes=list(range(500, 500 + notes)),
    )


def test_plural():
    assert plural(1, "row") == "1 row"
    assert plural(0, "row") == "0 rows"
    assert plural(3, "row") == "3 rows"
    assert plural(2, "already exists", "already exist") == "2 already exist"
    assert plural(1, "already exists", "already exist") == "1 already exists"


def test_confirmation_agrees_with_what_the_check_found():
    plan = plan_of(12, checked_existing=1, left_out=1, invalid=3)
    assert confirmation_lines(plan) == [
        "Create 11 logins",
        "1 login the check found already exists (recorded, not made again)",
        "1 row the check found would fail is left out",
        "3 rows to fix",
    ]
    assert confirmation_sentence(plan_of(11, left_out=1, invalid=3)) == (
        "Create 11 logins; 1 row the check found would fail is left out, and 3 rows to fix"
    )


def test_confirmation_singular_plural_and_every_kind_of_row():
    plan = plan_of(1, 2, 1, checked_existing=0, left_out=2, invalid=1, notes=2)
    assert confirmation_lines(plan) == [
        "Create 1 login",
        "Change 2 logins",
        "Remove 1 login",
        "2 rows the check found would fail are left out",
        "2 rows that name no student are skipped",
        "1 row to fix",
    ]
    assert confirmation_lines(plan_of(3, checked_existing=2))[1] == (
        "2 logins the check found already exist (recorded, not made again)"
    )
    assert confirmation_sentence(plan) == (
        "Create 1 login; change 2 logins, remove 1 login, 2 rows the check found would fail "
        "are left out, 2 rows that name no student are skipped, and 1 row to fix"
    )
    assert confirmation_sentence(plan_of()) == "Nothing to send"
    assert confirmation_sentence(plan_of(2)) == "Create 2 logins"
    assert confirmation_sentence(plan_of(2, notes=1)) == (
        "Create 2 logins; 1 row that names no student is skipped"
    )


def test_summary_sentence_counts_in_words():
    summary = RunSummary(
        counts={Status.CREATED: 11, Status.ALREADY_EXISTS: 1, Status.FAILED: 2},
        left_out=1,
        skipped_notes=2,
    )
    assert summary_sentence(summary) == (
        "11 created, 1 already exists, 2 failed; 1 row the check found would fail was left "
        "out; 2 rows that name no student were skipped"
    )
    two = RunSummary(counts={Status.ALREADY_EXISTS: 2, Status.INVALID: 1}, skipped_notes=1)
    assert summary_sentence(two) == (
        "2 already exist, 1 invalid; 1 row that names no student was skipped"
    )
    assert summary_sentence(RunSummary(left_out=3)) == (
        "nothing sent; 3 rows the check found would fail were left out"
    )


def test_the_summary_line_keeps_its_format_whatever_was_left_out():
    summary = RunSummary(counts={Status.CREATED: 1}, seconds=2.0, left_out=1, skipped_notes=1)
    assert summary.line() == (
        "created 1, already existed 0, updated 0, deleted 0, already deleted 0, failed 0, "
        "invalid 0 in 2.0 s"
    )


def test_undo_sentence_says_how_to_create_the_logins_again():
    undone = RunSummary(counts={Status.DELETED: 11})
    assert undo_sentence(undone) == (
        "Undone: 11 logins removed. To create them again, run the workbook again: the rows "
        "are no longer done."
    )
    one = RunSummary(counts={Status.DELETED: 1, Status.FAILED: 1})
    assert undo_sentence(one) == (
        "Undone: 1 login removed, 1 login left alone (its row says why). To create it "
        "again, run the workbook again: the row is no longer done."
    )
    nothing = RunSummary(counts={Status.FAILED: 2})
    assert undo_sentence(nothing) == (
        "Undone: 0 logins removed, 2 logins left alone (their rows say why)."
    )


def test_check_sentence_counts_what_the_check_found():
    summary = RunSummary(
        counts={Status.READY: 11, Status.ALREADY_EXISTS: 2, Status.WOULD_FAIL: 1, Status.INVALID: 3}
    )
    assert check_sentence(summary) == "11 ready, 2 already exist, 1 would fail, 3 to fix"
    one = RunSummary(counts={Status.READY: 1, Status.ALREADY_EXISTS: 1})
    assert check_sentence(one) == "1 ready, 1 already exists"

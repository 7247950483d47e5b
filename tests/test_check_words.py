"""A check is not a run: Check with Canvas's words, and a run and a save after a check.

Workbooks are made with openpyxl and go through the workflow against the built-in
Canvas over real HTTP, as the app drives them.
"""

from __future__ import annotations

import openpyxl
import pytest

from core.canvas import CanvasClient
from core.edits import apply_edits, replay
from core.model import Role, Status
from core.run import RunOptions
from core.words import confirmation_lines, summary_sentence
from core.workflow import RunOutcome, Workflow

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}
HEADERS = ["Name", "SIS User ID", "New Login", "Password", "Notes"]
ROWS = [
    ("Ava Kowalski", "0045510", "ava.k", "sunny-apple-7", ""),  # Ready
    ("Chloé Bernard", "0045522", "chloe.b", "pink-star-72", ""),  # has it already
    ("Yuki Tanaka", "0045523", "yuki.t", "gold-leaf-38", "Taken?"),  # someone else's
    ("Noah Nguyen", "0045513", "noah.n", "cat7", ""),  # too short: Invalid
    ("Nobody", "9999999", "nobody.x", "long-enough-1", ""),  # no such student
]
AVA, CHLOE, YUKI, NOAH, NOBODY = range(5)
CHECK_WORDS = ["Ready", "Already exists", "Would fail", "Invalid", "Would fail"]
#: A run after the check: the rows the check found would fail keep the check's words.
RUN_AFTER_CHECK = ["Created", "Already exists", "Would fail", "Invalid", "Would fail"]


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "class.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Class 3"
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(list(row))
    book.save(path)
    return path


def go(workflow: Workflow, sandbox, *, dry_run: bool) -> RunOutcome:
    """Check, plan, run (or check with Canvas) and apply, as the app does."""
    plan = workflow.plan(workflow.check())
    with CanvasClient(sandbox.url, sandbox.token) as client:
        outcome = workflow.run(plan, client, RunOptions(dry_run=dry_run, **FAST))
    assert outcome.stopped is None
    workflow.apply(outcome.summary.results)
    return outcome


def statuses(workflow: Workflow) -> list[str]:
    return [workflow.table.status(row) for row in range(len(workflow.table.rows))]


def column(workflow: Workflow, role: Role) -> list[str]:
    table = workflow.table
    return [table.value(row, role) for row in range(len(table.rows))]


def test_check_writes_ready_already_exists_and_would_fail_and_no_processed_at(workbook, sandbox):
    workflow = Workflow.open(workbook)
    outcome = go(workflow, sandbox, dry_run=True)
    assert statuses(workflow) == CHECK_WORDS
    assert all(result.from_check for result in outcome.summary.results)
    assert all(result.processed_at == "" for result in outcome.summary.results)
    assert outcome.summary.count(Status.FAILED) == 0
    assert outcome.summary.count(Status.WOULD_FAIL) == 2
    assert column(workflow, Role.PROCESSED_AT) == [""] * len(ROWS)
    message = column(workflow, Role.MESSAGE)
    assert message[YUKI] == "Login name 'yuki.t' already belongs to another person in Canvas."
    assert message[NOBODY] == "No student with SIS User ID '9999999' was found in Canvas."
    assert not any(workflow.table.is_done(row) for row in range(len(ROWS)))
    assert sandbox.stats.total_writes == 0


def test_a_run_after_a_check_agrees_with_it_and_leaves_the_would_fail_rows_out(
    workbook, sandbox, create_actions
):
    workflow = Workflow.open(workbook)
    go(workflow, sandbox, dry_run=True)
    would_fail = {row: workflow.table.value(row, Role.MESSAGE) for row in (YUKI, NOBODY)}

    plan = workflow.plan(workflow.check())
    assert [r.row for r in plan.left_out] == [YUKI, NOBODY]
    assert plan.checked_existing == 1
    assert confirmation_lines(plan) == [
        "Create 1 login",
        "1 login the check found already exists (recorded, not made again)",
        "2 rows the check found would fail are left out",
        "1 row to fix",
    ]

    outcome = go(workflow, sandbox, dry_run=False)
    summary = outcome.summary
    assert statuses(workflow) == RUN_AFTER_CHECK
    assert summary.count(Status.CREATED) == 1 and summary.count(Status.ALREADY_EXISTS) == 1
    assert summary.left_out == 2
    assert summary_sentence(summary) == (
        "1 created, 1 already exists, 1 invalid; 2 rows the check found would fail were left out"
    )
    # The rows left out are untouched, and nothing was sent for them nor for Chloé,
    # whose login the check had found (her row is confirmed by a read).
    for row, message in would_fail.items():
        assert workflow.table.value(row, Role.MESSAGE) == message
        assert workflow.table.value(row, Role.PROCESSED_AT) == ""
    assert set(create_actions) == {"sis_user_id:0045510"}
    assert workflow.table.checked_rows == {YUKI, NOBODY}
    processed = column(workflow, Role.PROCESSED_AT)
    assert processed[AVA] and processed[CHLOE] and processed[NOAH]
    chloe_login = sandbox.state.find_login("chloe.b")
    assert workflow.table.value(CHLOE, Role.CANVAS_LOGIN_ID) == str(chloe_login["id"])


def test_saving_after_a_check_writes_no_outcome_word_a_run_did_not_produce(workbook, sandbox):
    workflow = Workflow.open(workbook)
    go(workflow, sandbox, dry_run=True)
    chloe_message = workflow.table.value(CHLOE, Role.MESSAGE)
    workflow.save()

    reopened = Workflow.open(workbook)
    assert statuses(reopened) == ["Ready", "Ready", "Would fail", "Invalid", "Would fail"]
    assert reopened.table.value(CHLOE, Role.MESSAGE) == chloe_message
    assert column(reopened, Role.PROCESSED_AT) == [""] * len(ROWS)
    assert column(reopened, Role.CANVAS_LOGIN_ID) == [""] * len(ROWS)
    sheet = openpyxl.load_workbook(workbook).active
    words = {cell.value for cell in sheet["F"][1:]}
    assert words == {"Ready", "Would fail", "Invalid"}

    # The run in the same session then records Chloé's real outcome in the file.
    go(workflow, sandbox, dry_run=False)
    workflow.save()
    assert statuses(Workflow.open(workbook)) == RUN_AFTER_CHECK


def test_a_reopened_would_fail_row_is_tried_again_with_reads_first(
    workbook, sandbox, create_actions
):
    workflow = Workflow.open(workbook)
    go(workflow, sandbox, dry_run=True)
    workflow.save()
    # Between the check and the run, the office frees the name Yuki's teacher chose.
    yusuf = sandbox.state.find_login("yuki.t")
    sandbox.state.logins.pop(yusuf["id"])

    reopened = Workflow.open(workbook)
    plan = reopened.plan(reopened.check())
    assert plan.left_out == []
    tried = {op.row: op for op in plan.operations}
    assert tried[YUKI].failed_before and tried[NOBODY].failed_before
    go(reopened, sandbox, dry_run=False)
    assert statuses(reopened) == ["Created", "Already exists", "Created", "Invalid", "Failed"]
    assert reopened.table.value(NOBODY, Role.MESSAGE) == (
        "No student with SIS User ID '9999999' was found in Canvas."
    )
    # Nobody's row was read, not sent again. (Chloé's row was saved as Ready: a new
    # session sends it, and Canvas's answer makes it Already exists.)
    assert "sis_user_id:9999999" not in create_actions
    assert set(create_actions) == {
        "sis_user_id:0045510",
        "sis_user_id:0045522",
        "sis_user_id:0045523",
    }


def test_editing_a_checked_row_clears_the_checks_words_and_undo_brings_them_back(workbook, sandbox):
    workflow = Workflow.open(workbook)
    go(workflow, sandbox, dry_run=True)
    table = workflow.table
    login = table.column(Role.NEW_LOGIN)
    changes = apply_edits(table, [(CHLOE, login, "chloe.b2")])
    assert table.status(CHLOE) == "" and table.value(CHLOE, Role.MESSAGE) == ""
    assert CHLOE not in table.checked_rows and not table.is_done(CHLOE)

    replay(table, changes, to_old=True)
    assert table.status(CHLOE) == "Already exists" and CHLOE in table.checked_rows
    assert not table.is_done(CHLOE)
    replay(table, changes, to_old=False)
    assert table.status(CHLOE) == "" and CHLOE not in table.checked_rows

    # An edited would-fail row is no longer left out: the run tries it.
    apply_edits(table, [(YUKI, login, "yuki.tanaka")])
    plan = workflow.plan(workflow.check())
    assert [r.row for r in plan.left_out] == [NOBODY]
    assert YUKI in {op.row for op in plan.operations}


def test_a_check_after_a_run_clears_no_done_row_and_a_new_check_replaces_the_old(workbook, sandbox):
    workflow = Workflow.open(workbook)
    go(workflow, sandbox, dry_run=False)
    processed = column(workflow, Role.PROCESSED_AT)
    assert statuses(workflow) == ["Created", "Already exists", "Failed", "Invalid", "Failed"]
    go(workflow, sandbox, dry_run=True)
    # Done rows are not checked; the others now show the check's words, without a time.
    assert statuses(workflow) == RUN_AFTER_CHECK
    after = column(workflow, Role.PROCESSED_AT)
    assert after[AVA] == processed[AVA] and after[CHLOE] == processed[CHLOE]
    assert after[YUKI] == after[NOAH] == after[NOBODY] == ""
    assert workflow.table.checked_rows == {YUKI, NOAH, NOBODY}


# --- leading zeros Excel dropped --------------------------------------------------------


def number_book(path, ids: list[object]) -> None:
    """SIS User IDs as Excel keeps them when the column holds numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["First Name", "SIS User ID", "New Login", "Password"])
    for index, value in enumerate(ids):
        sheet.append([f"Pupil {index}", value, f"pupil.{index}", "long-enough-1"])
    book.save(path)


def test_a_short_id_is_tried_with_its_zeros_but_never_sent_with_them(
    tmp_path, sandbox, create_actions
):
    path = tmp_path / "numbers.xlsx"
    number_book(path, [45510, "0045512", 45511])  # Ava, Zoë (as text), Liam
    workflow = Workflow.open(path)
    outcome = go(workflow, sandbox, dry_run=True)
    assert statuses(workflow) == ["Would fail", "Ready", "Would fail"]
    fixes = {r.row: r.padded_id for r in outcome.summary.results}
    assert fixes == {0: "0045510", 1: "", 2: "0045511"}
    message = (
        "No student with SIS User ID '45510'. '0045510' is a student in Canvas: Excel "
        "probably dropped the id's leading zeros. Add them to the ids in this column (in the "
        "app: Check with Canvas offers Add the zeros)."
    )
    assert workflow.table.value(0, Role.MESSAGE) == message
    assert sandbox.stats.total_writes == 0

    # A run says the same, and sends nothing with an id the sheet does not hold.
    fresh = Workflow.open(path)
    ran = go(fresh, sandbox, dry_run=False)
    assert statuses(fresh) == ["Failed", "Created", "Failed"]
    assert fresh.table.value(0, Role.MESSAGE) == message
    assert [r.padded_id for r in ran.summary.results] == ["0045510", "", "0045511"]
    assert set(create_actions) == {"sis_user_id:45510", "sis_user_id:0045512", "sis_user_id:45511"}
    assert sandbox.state.find_login("pupil.0") is None


def test_ids_stored_as_numbers_at_one_length_say_the_zeros_may_be_missing(tmp_path, sandbox):
    path = tmp_path / "numbers.xlsx"
    number_book(path, [45510, 45511])
    workflow = Workflow.open(path)
    assert workflow.table.number_typed_columns == {1}
    outcome = go(workflow, sandbox, dry_run=True)
    assert statuses(workflow) == ["Would fail", "Would fail"]
    assert all(r.padded_id == "" for r in outcome.summary.results)
    assert workflow.table.value(0, Role.MESSAGE) == (
        "No student with SIS User ID '45510' was found in Canvas. The workbook stores this "
        "column as numbers, so Excel may have dropped the ids' leading zeros: if your "
        "school's ids start with 0, type them in again with their zeros."
    )

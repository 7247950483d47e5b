"""The one run engine and the one workflow: what every kind of run shares, written once."""

from __future__ import annotations

import threading
import time

import openpyxl
import pytest

from core.canvas import CanvasClient
from core.journal import Journal, workbook_key_for
from core.model import CancelToken, Role, RunMethod, Status
from core.run import RunOptions
from core.sandbox import FaultConfig
from core.sandbox.faults import FaultPlan
from core.sis.method import ImportSettings
from core.workbook import open_workbook
from core.workflow import RunRequest, Workflow

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}
ROWS = [
    ("0045510", "ava.k", "sunny-apple-7"),
    ("0045511", "liam.o", "green-frog-42"),
]


def write_workbook(path, rows=ROWS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SIS User ID", "New Login", "Password"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def fault_only_at_first(kind: str = "502", within: int = 12) -> FaultConfig:
    """Faults whose first ``within`` requests fault only on the very first one."""
    for seed in range(5000):
        config = FaultConfig(rate=0.05, seed=seed, kinds=(kind,))
        plan = FaultPlan(config)
        hits = [plan.draw() is not None for _ in range(within)]
        if hits == [i == 0 for i in range(within)]:
            return config
    raise AssertionError("no seed found")


# --- the cancel token the engine links to the caller's -----------------------------------


def test_a_linked_token_follows_its_parent_but_not_the_other_way():
    parent = CancelToken()
    child = CancelToken(parent=parent)
    child_only = CancelToken(parent=CancelToken())
    child_only.cancel()
    assert child_only.cancelled
    assert not parent.cancelled and not child.cancelled
    threading.Timer(0.05, parent.cancel).start()
    started = time.monotonic()
    assert child.wait(5.0) is True
    assert time.monotonic() - started < 2.0
    assert child.cancelled


def test_a_linked_token_wait_times_out_when_nobody_cancels():
    child = CancelToken(parent=CancelToken())
    assert child.wait(0.1) is False


# --- the opening reads are shared, and retried, by every strategy ------------------------


def test_the_sis_import_retries_its_opening_read_like_the_api_method(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(faults=fault_only_at_first())
    sandbox.state.sis_import_seconds = 0.2
    workflow = Workflow.open(write_workbook(tmp_path / "kids.xlsx"))
    plan = workflow.plan(workflow.check())
    with CanvasClient(sandbox.url, sandbox.token) as client:
        outcome = workflow.run(
            plan,
            client,
            RunOptions(**FAST),  # no account: the first read finds it, and gets a 502
            RunRequest(RunMethod.SIS_IMPORT),
        )
    assert outcome.stopped is None
    assert sandbox.stats.faults["502"] == 1
    assert [r.status for r in outcome.summary.results] == [Status.CREATED, Status.CREATED]


def test_undo_retries_its_opening_read_and_still_uses_canvas_restore(sandbox, tmp_path):
    sandbox.state.sis_import_seconds = 0.2
    with Journal(tmp_path / "journal.sqlite3") as journal:
        workflow = Workflow.open(write_workbook(tmp_path / "kids.xlsx"), journal=journal)
        with CanvasClient(sandbox.url, sandbox.token) as client:
            outcome = workflow.run(
                workflow.plan(workflow.check()),
                client,
                RunOptions(**FAST),
                RunRequest(RunMethod.SIS_IMPORT),
            )
            workflow.apply(outcome.summary.results)
            assert outcome.summary.count(Status.CREATED) == 2
            # The undo's first call (may this token restore an import?) gets a 502.
            sandbox.set_faults(fault_only_at_first())
            undo_plan = workflow.plan_undo()
            undone = workflow.undo(undo_plan, client, RunOptions(**FAST))
    assert sandbox.stats.faults["502"] == 1
    assert undone.stopped is None
    assert [r.status for r in undone.summary.results] == [Status.DELETED, Status.DELETED]
    assert all("Canvas undid the SIS import" in r.message for r in undone.summary.results)


# --- the workflow: open/restore → check → plan → run → apply → save → mark saved ---------


def test_the_workflow_runs_saves_and_marks_the_journal_saved(sandbox, tmp_path):
    path = write_workbook(tmp_path / "kids.xlsx")
    with Journal(tmp_path / "journal.sqlite3") as journal:
        workflow = Workflow.open(path, journal=journal)
        assert workflow.restore() == []
        with CanvasClient(sandbox.url, sandbox.token) as client:
            outcome = workflow.run(workflow.plan(workflow.check()), client, RunOptions(**FAST))
        assert workflow.changes_workbook(outcome)
        workflow.apply(outcome.summary.results)
        # Not saved yet: the journal would put the results back into the file.
        assert len(journal.unsaved_results(workbook_key_for(path), open_workbook(path).table)) == 2
        assert workflow.save() == path
        assert journal.unsaved_results(workbook_key_for(path), open_workbook(path).table) == []

        again = Workflow.open(path, journal=journal)
        assert [again.table.status(r) for r in range(2)] == ["Created", "Created"]
        plan = again.plan(again.check())
        assert plan.operations == [] and plan.skipped_done == 2
        with CanvasClient(sandbox.url, sandbox.token) as client:
            rerun = again.run(plan, client, RunOptions(**FAST))
        assert rerun.summary.results == []
        assert not again.changes_workbook(rerun)


def test_a_run_canvas_stops_comes_back_as_an_outcome_with_the_reason(sandbox, tmp_path):
    workflow = Workflow.open(write_workbook(tmp_path / "kids.xlsx"))
    with CanvasClient(sandbox.url, "not-a-token") as client:
        outcome = workflow.run(workflow.plan(workflow.check()), client, RunOptions(**FAST))
    assert outcome.stopped is not None
    assert "token" in outcome.stop_message
    assert sandbox.stats.total_writes == 0


def test_save_to_another_name_marks_both_names_saved(sandbox, tmp_path):
    path = write_workbook(tmp_path / "kids.xlsx")
    copy = tmp_path / "kids (results).xlsx"
    with Journal(tmp_path / "journal.sqlite3") as journal:
        workflow = Workflow.open(path, journal=journal)
        with CanvasClient(sandbox.url, sandbox.token) as client:
            outcome = workflow.run(workflow.plan(workflow.check()), client, RunOptions(**FAST))
        workflow.apply(outcome.summary.results)
        assert workflow.save(copy) == copy
        assert workflow.key == workbook_key_for(copy)
        assert journal.unsaved_results(workbook_key_for(path), open_workbook(path).table) == []
    assert open_workbook(copy).table.value(0, Role.STATUS) == "Created"


@pytest.mark.parametrize("method", [RunMethod.API, RunMethod.SIS_IMPORT])
def test_a_dry_run_reads_only_whatever_the_method(sandbox, tmp_path, method):
    workflow = Workflow.open(write_workbook(tmp_path / "kids.xlsx"))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        outcome = workflow.run(
            workflow.plan(workflow.check()),
            client,
            RunOptions(dry_run=True, **FAST),
            RunRequest(method),
        )
    assert [r.status for r in outcome.summary.results] == [Status.READY, Status.READY]
    assert sandbox.stats.total_writes == 0


def test_import_settings_follow_the_request_pattern(sandbox, tmp_path):
    sandbox.state.sis_import_seconds = 0.2
    workflow = Workflow.open(write_workbook(tmp_path / "kids.xlsx"))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        outcome = workflow.run(
            workflow.plan(workflow.check()),
            client,
            RunOptions(**FAST),
            RunRequest(RunMethod.SIS_IMPORT, "{sis_user_id}-K3"),
        )
    assert outcome.summary.count(Status.CREATED) == 2
    sis_ids = {sandbox.state.find_login(name)["sis_user_id"] for name in ("ava.k", "liam.o")}
    assert sis_ids == {"0045510-K3", "0045511-K3"}
    assert ImportSettings().login_sis_pattern == "{sis_user_id}-L2"

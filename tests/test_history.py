"""The run history: every run, check and undo kept in the journal, without secrets."""

from __future__ import annotations

import csv
import logging
import os
import re
from pathlib import Path

import openpyxl
import pytest

from core.canvas import CanvasClient
from core.history import HistoryKind, RunHistory, write_rows_csv, write_runs_csv
from core.journal import Journal
from core.model import CancelToken, Status
from core.run import RunOptions
from core.workflow import WorkbookChanged, Workflow

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}
HEADERS = ["First Name", "Last Name", "SIS User ID", "New Login", "Password", "Action"]
ROWS = [
    ["Ava", "Kowalski", "0045510", "ava.k", "sunny-apple-7", ""],
    ["Zoë", "Dubois", "0045512", "zoe.d", "green-frog-42", "Create"],
    ["Noah", "Nguyen", "0045513", "noah.n", "cat7", ""],  # password too short: Invalid
    ["Henry", "Davis", "0045526", "henry.d", "", "Remove"],
]


def write_workbook(path: Path, rows: list[list[str]] = ROWS) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Class 2B"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "journal.sqlite3") as opened:
        yield opened


def run_once(path: Path, sandbox, journal: Journal, *, dry_run: bool = False, **kwargs):
    workflow = Workflow.open(path, journal=journal)
    plan = workflow.plan(workflow.check())
    with CanvasClient(sandbox.url, sandbox.token) as client:
        outcome = workflow.run(plan, client, RunOptions(dry_run=dry_run, **FAST), **kwargs)
    if not dry_run:
        workflow.apply(outcome.summary.results)
        workflow.save()
    return workflow, outcome


def test_three_runs_are_kept_with_who_where_and_each_rows_outcome(tmp_path, sandbox, journal):
    book = write_workbook(tmp_path / "Class 2B.xlsx")
    run_once(book, sandbox, journal, dry_run=True)  # Check with Canvas
    run_once(book, sandbox, journal)  # the run
    workflow = Workflow.open(book, journal=journal)
    undo_plan = workflow.plan_undo()
    with CanvasClient(sandbox.url, sandbox.token) as client:
        undone = workflow.undo(undo_plan, client, RunOptions(**FAST), use_restore=False)
    assert undone.summary.count(Status.DELETED) == 2

    history = RunHistory(journal)
    undo_run, real_run, check = history.runs(book)
    assert [r.kind for r in (check, real_run, undo_run)] == ["check", "run", "undo"]
    for run in (check, real_run, undo_run):
        assert run.canvas == sandbox.url.split("//")[1]
        assert run.workbook == str(book.resolve())
        assert run.sheet == "Class 2B"
        assert run.user and run.computer
        assert run.finished and run.outcome == "Finished"
    assert check.method == "api" and undo_run.method == "undo"
    # A check only reads, so it never needs the account; a run and an undo found it.
    assert (check.account, real_run.account, undo_run.account) == ("", "1", "1")

    assert check.counts == {"Ready": 3, "Invalid": 1}
    assert real_run.counts == {"Created": 2, "Deleted": 1, "Invalid": 1}
    assert real_run.counts_words() == "2 created, 1 deleted, 1 invalid"
    rows = history.rows(real_run.id)
    assert [(r.sheet_row, r.name, r.login, r.action, r.status) for r in rows] == [
        (2, "Ava Kowalski", "ava.k", "Create", "Created"),
        (3, "Zoë Dubois", "zoe.d", "Create", "Created"),
        (4, "Noah Nguyen", "noah.n", "Create", "Invalid"),
        (5, "Henry Davis", "henry.d", "Delete", "Deleted"),
    ]
    assert rows[0].student == "SIS User ID 0045510"
    assert rows[0].login_id.isdigit() and rows[0].processed_at
    assert rows[2].message == "Password is shorter than 8 characters."
    undone_rows = history.rows(undo_run.id)
    assert [(r.sheet_row, r.status) for r in undone_rows] == [(2, "Deleted"), (3, "Deleted")]
    assert [r.id for r in history.runs()] == [undo_run.id, real_run.id, check.id]


def test_no_password_reaches_the_history_or_the_log(tmp_path, sandbox, journal, caplog):
    book = write_workbook(tmp_path / "class.xlsx")
    with caplog.at_level(logging.INFO):
        run_once(book, sandbox, journal)
    stored = "\n".join(
        " ".join(str(value) for value in row)
        for table in ("history_runs", "history_rows")
        for row in journal.query(f"SELECT * FROM {table}")
    )
    assert "ava.k" in stored
    for password in ("sunny-apple-7", "green-frog-42", "cat7"):
        assert password not in stored
        assert password not in caplog.text
    changed = [r.getMessage() for r in caplog.records if r.name == "core.history_recorder"]
    assert sorted(changed) == [
        "row 2, Ava Kowalski (SIS User ID 0045510), login 'ava.k': Created",
        "row 3, Zoë Dubois (SIS User ID 0045512), login 'zoe.d': Created",
        "row 5, Henry Davis (SIS User ID 0045526), login 'henry.d': Deleted",
    ]


def test_a_run_canvas_stopped_and_a_cancelled_run_say_how_they_ended(tmp_path, sandbox, journal):
    book = write_workbook(tmp_path / "class.xlsx")
    workflow = Workflow.open(book, journal=journal)
    plan = workflow.plan(workflow.check())
    with CanvasClient(sandbox.url, "not-a-token") as client:
        outcome = workflow.run(plan, client, RunOptions(**FAST))
    assert outcome.stopped is not None
    cancel = CancelToken()
    workflow = Workflow.open(book, journal=journal)
    with CanvasClient(sandbox.url, sandbox.token) as client:
        workflow.run(
            workflow.plan(workflow.check()),
            client,
            RunOptions(concurrency=1, **FAST),
            progress=lambda progress: progress.results and cancel.cancel(),
            cancel=cancel,
        )
    cancelled, stopped = RunHistory(journal).runs(book)
    assert stopped.outcome.startswith("Stopped: ") and "token" in stopped.outcome.casefold()
    assert cancelled.outcome == "Cancelled"


def test_a_refused_run_is_not_a_run_of_the_history(tmp_path, sandbox, journal):
    book = write_workbook(tmp_path / "class.xlsx")
    workflow = Workflow.open(book, journal=journal)
    os.utime(book, ns=(1, 1))  # saved again elsewhere: the rows may be out of date
    with CanvasClient(sandbox.url, sandbox.token) as client, pytest.raises(WorkbookChanged):
        workflow.run(workflow.plan(workflow.check()), client, RunOptions(**FAST))
    assert RunHistory(journal).runs(book) == []


def test_the_offline_check_is_kept_with_its_findings(tmp_path, journal):
    twice = ["Mia", "S", "0045514", "ava.k", "", ""]
    book = write_workbook(tmp_path / "class.xlsx", [*ROWS, twice])
    workflow = Workflow.open(book)
    history = RunHistory(journal)
    run_id = history.record_offline_check(workflow.key, workflow.table, workflow.check())
    (run,) = history.runs(book)
    assert (run.id, run.kind, run.method, run.canvas, run.outcome) == (
        run_id,
        HistoryKind.CHECK,
        "offline",
        "",
        "Finished",
    )
    by_row = {r.sheet_row: r for r in history.rows(run_id)}
    assert by_row[4].status == "Invalid" and "8" in by_row[4].message
    assert by_row[2].status == "Invalid" and "row 6" in by_row[2].message.casefold()


def test_the_reports_open_as_csv_with_the_runs_and_the_rows(tmp_path, sandbox, journal):
    names = [["@SUM(A1)", "Dubois", "0045512", "zoe.d", "green-frog-42", ""]]
    book = write_workbook(tmp_path / "class.xlsx", names)
    run_once(book, sandbox, journal)
    history = RunHistory(journal)
    (run,) = history.runs()
    runs_csv = write_runs_csv(history.runs(), tmp_path / "runs.csv")
    rows_csv = write_rows_csv(run, history.rows(run.id), tmp_path / "rows.csv")
    assert runs_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the accents right
    assert b"\r\n" in rows_csv.read_bytes()
    with runs_csv.open(encoding="utf-8-sig", newline="") as handle:
        (listed,) = list(csv.DictReader(handle))
    assert listed["Run"] == str(run.id) and listed["What"] == "Run"
    assert listed["Workbook"] == str(book.resolve()) and listed["Outcomes"] == "1 created"
    with rows_csv.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["Row"] == "2" and row["Login"] == "zoe.d" and row["Status"] == "Created"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["Processed At"])  # Excel's date-time
    assert row["Name"] == "'@SUM(A1) Dubois"  # never a live formula in Excel
    assert "green-frog-42" not in rows_csv.read_text(encoding="utf-8-sig")


def test_the_history_leaves_resume_and_undo_as_they_were(tmp_path, sandbox, journal):
    """A check's Already exists must never be restored into the workbook as done."""
    book = write_workbook(tmp_path / "class.xlsx", ROWS[:1])
    run_once(book, sandbox, journal)
    other = write_workbook(tmp_path / "copy.xlsx", ROWS[:1])
    run_once(other, sandbox, journal, dry_run=True)
    workflow = Workflow.open(other, journal=journal)
    assert workflow.unsaved_results() == []
    assert [r.kind for r in RunHistory(journal).runs(other)] == ["check"]
    assert workflow.plan_undo().targets == []

"""A workbook the way a teacher really makes it, through the core, the command line and
the app (issue 12): a "Read me" first sheet, headers such as "Student #", "Username" and
"Pwd", a student number Excel stored without its leading zeros, a formula column, a blank
row and a "Total students" footer. Each path must give the same outcome.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import openpyxl
import pytest
from gui_window_support import asked, read_column

from core import cli
from core.canvas import CanvasClient
from core.connection import start_sandbox_connection
from core.edits import apply_edits
from core.id_padding import fix_from_results, padding_edits
from core.model import Role, Severity, Status
from core.run.engine import RunOptions
from core.words import confirmation_lines
from core.workflow import Workflow

RUN_TIMEOUT_MS = 60_000
SHEET = "Class 2B"
#: Sheet rows 2.. (row index -> first name); the footer is row index 6.
NAMES = ["Sofia", "Lucas", "Amara", "Chloé", "Yuki"]


def teacher_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Read me"
    notes.append(["How to fill this in"])
    notes.append(["One student per row on the Class 2B sheet. Username = the new login."])
    ws = book.create_sheet(SHEET)
    ws.append(["Name", "Student #", "Username", "Pwd", "Teacher note", "Letters"])
    ws.append(["Sofia Rossi", "0045518", "sofia.r", "warm-rain-23", "", "=LEN(C2)"])
    ws.append(["Lucas Martin", 45519, "lucas.m", "fast-fox-92", "", "=LEN(C3)"])  # lost 00
    ws.append(["Amara Okeke", "0045520", "amara.o", "soft-moss-26", "Reads well", "=LEN(C4)"])
    ws.append(["Chloé Bernard", "0045522", "chloe.b", "pink-star-72", "", "=LEN(C5)"])
    ws.append(["Yuki Tanaka", "0045523", "yuki.t", "gold-leaf-38", "", "=LEN(C6)"])
    ws.append([])
    ws.append(["Total students: 5", None, None, None, "=COUNTA(A2:A6)"])
    book.save(path)
    return path


def row_of(table, first: str) -> int:
    return next(i for i, row in enumerate(table.rows) if row.cells[0].startswith(first))


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return teacher_workbook(tmp_path / "Class 2B logins.xlsx")


def test_core_reads_checks_fixes_and_runs_the_teachers_workbook(workbook, sandbox) -> None:
    workflow = Workflow.open(workbook)
    table = workflow.table
    assert table.sheet == SHEET  # the student list, not the "Read me" first sheet
    assert [table.column(r) for r in (Role.FULL_NAME, Role.SIS_USER_ID)] == [0, 1]
    assert [table.column(r) for r in (Role.NEW_LOGIN, Role.PASSWORD)] == [2, 3]
    lucas = row_of(table, "Lucas")
    assert table.value(lucas, Role.SIS_USER_ID) == "45519"  # never changed unasked
    findings = workflow.check()
    zeros = [f for f in findings if f.row == lucas and f.role is Role.SIS_USER_ID]
    assert zeros and all(f.severity is Severity.WARNING for f in zeros)
    assert any("leading zeros" in f.message for f in zeros)

    client = CanvasClient(sandbox.url, sandbox.token)
    check = workflow.run(workflow.plan(findings), client, RunOptions(dry_run=True)).summary
    workflow.apply(check.results)
    words = {NAMES[r.row]: r.status for r in check.results}
    assert words == {
        "Sofia": Status.READY,
        "Lucas": Status.WOULD_FAIL,
        "Amara": Status.READY,
        "Chloé": Status.ALREADY_EXISTS,
        "Yuki": Status.WOULD_FAIL,
    }
    assert "'0045519'" in table.value(lucas, Role.MESSAGE)
    assert not any(table.value(i, Role.PROCESSED_AT) for i in range(len(table.rows)))
    assert table.value(row_of(table, "Total"), Role.STATUS) == ""  # the footer is no student

    fix = fix_from_results(table, check.results)
    assert fix is not None and fix.rows == [lucas] and fix.width == 7
    apply_edits(table, padding_edits(table, fix))
    assert table.value(lucas, Role.SIS_USER_ID) == "0045519"

    findings = workflow.check()
    assert not [f for f in findings if f.role is Role.SIS_USER_ID]  # nothing left to warn of
    recheck = workflow.run(workflow.plan(findings), client, RunOptions(dry_run=True)).summary
    workflow.apply(recheck.results)
    assert table.status(lucas) == "Ready"

    plan = workflow.plan(workflow.check())
    assert confirmation_lines(plan) == [
        "Create 3 logins",
        "1 login the check found already exists (recorded, not made again)",
        "1 row the check found would fail is left out",
        "1 row that names no student is skipped",
    ]
    run = workflow.run(plan, client, RunOptions()).summary
    workflow.apply(run.results)
    assert (run.count(Status.CREATED), run.count(Status.ALREADY_EXISTS)) == (3, 1)
    assert (run.count(Status.FAILED), run.left_out, run.skipped_notes) == (0, 1, 1)
    workflow.save()
    client.close()

    saved = openpyxl.load_workbook(workbook)
    assert saved.sheetnames == ["Read me", SHEET]
    assert saved["Read me"]["A2"].value.startswith("One student per row")
    ws = saved[SHEET]
    headers = [cell.value for cell in ws[1]]
    status, login_id, stamp = (
        headers.index(h) + 1 for h in ("Status", "Canvas Login ID", "Processed At")
    )
    assert [ws.cell(r, status).value for r in range(2, 7)] == [
        "Created",
        "Created",
        "Created",
        "Already exists",
        "Would fail",  # left out: still the check's word, no Processed At
    ]
    assert isinstance(ws.cell(2, login_id).value, int)
    assert isinstance(ws.cell(2, stamp).value, datetime.datetime)
    assert ws.cell(6, stamp).value is None
    assert ws.cell(2, 2).value == "0045518" and ws.cell(3, 2).value == "0045519"
    assert ws["F2"].value == "=LEN(C2)" and ws["E8"].value == "=COUNTA(A2:A6)"
    assert ws["A8"].value == "Total students: 5" and ws.cell(8, status).value is None


def test_the_command_line_says_the_same(workbook, sandbox, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)

    def call(*args: str) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, err = call("check", workbook)
    assert code == 0  # warnings only
    assert re.search(r"row 3, Student #: .*leading zeros", out)
    assert f"Using sheet '{SHEET}'" in err
    assert "No problems found; 2 warnings." in err  # a short id, a column stored as numbers

    code, out, err = call("run", workbook, "--url", sandbox.url, "--dry-run")
    assert code == 1
    assert "row 3: Would fail:" in out and "'0045519'" in out
    assert "row 6: Would fail:" in out  # yuki.t belongs to another student
    assert out.strip().splitlines()[-1].startswith("Dry run: 2 rows ready, 2 would fail")
    assert "Failed" not in out
    assert openpyxl.load_workbook(workbook)[SHEET].max_column == 6  # a dry run writes nothing

    code, out, err = call("run", workbook, "--url", sandbox.url)
    assert code == 1
    last = out.strip().splitlines()
    assert last[-1].startswith(
        "created 2, already existed 1, updated 0, deleted 0, already deleted 0, failed 2, invalid 0"
    )
    assert "1 row that names no student was skipped" in last[-2]
    assert read_column(workbook, "Status", SHEET)[:5] == [
        "Created",
        "Failed",  # a run's word: Lucas's id still lacks its zeros, and the message says so
        "Created",
        "Already exists",
        "Failed",
    ]
    assert "'0045519'" in read_column(workbook, "Message", SHEET)[1]


def test_columns_option_names_headers_the_synonyms_do_not_know(tmp_path, sandbox, capsys):
    path = tmp_path / "odd headers.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Kid", "Pupil code", "Sign in as", "Secret word"])
    book.active.append(["Sofia Rossi", "0045518", "sofia.r", "warm-rain-23"])
    book.save(path)
    code = cli.main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "--columns" in err
    columns = "SIS User ID=Pupil code,New Login=Sign in as,Password=Secret word"
    assert cli.main(["check", str(path), "--columns", columns]) == 0


def test_the_app_goes_the_same_way(window, workbook, qtbot, answers) -> None:
    window.set_connection(start_sandbox_connection())
    assert window.open_file(workbook)
    table = window.doc.table
    assert table.sheet == SHEET
    assert window.widgets.view.frozen_part.isVisible()  # the names stay in view
    with qtbot.waitSignal(window.check_finished, timeout=RUN_TIMEOUT_MS):
        assert window.check_with_canvas()
    lucas = row_of(table, "Lucas")
    assert table.status(lucas) == "Would fail"
    bar = window.widgets.id_fix_bar
    assert not bar.isHidden() and bar.fix is not None and bar.fix.rows == [lucas]
    assert bar.apply_fix() == 1
    with qtbot.waitSignal(window.check_finished, timeout=RUN_TIMEOUT_MS):
        assert window.check_with_canvas()
    assert table.status(lucas) == "Ready"

    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.run_changes()
    (plan,) = asked(answers, "confirm")
    assert confirmation_lines(plan)[0] == "Create 3 logins"
    summary = done.args[0]
    assert (summary.count(Status.CREATED), summary.count(Status.ALREADY_EXISTS)) == (3, 1)
    assert (summary.left_out, summary.skipped_notes) == (1, 1)
    assert answers.summary_notes == [""]  # not the demo: no "deliberate mistakes" note
    assert read_column(workbook, "Status", SHEET)[:5] == [
        "Created",
        "Created",
        "Created",
        "Already exists",
        "Would fail",
    ]
    assert read_column(workbook, "Student #", SHEET)[1] == "0045519"

"""One run per workbook at a time: two runs at once, a lock left by a killed run, the
command line and the app (core/run_lock.py, core/workflow.py)."""

from __future__ import annotations

import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from core import cli
from core.canvas import CanvasClient
from core.connection import start_sandbox_connection
from core.journal import Journal
from core.model import Status
from core.run.engine import RunOptions
from core.run_lock import (
    APP,
    COMMAND_LINE,
    STALE_AFTER,
    UNREADABLE_GRACE,
    LockHolder,
    RunLock,
    RunLocked,
    live_holder,
    lock_path_for,
)
from core.workflow import WorkbookChanged, Workflow

ROOT = Path(__file__).resolve().parent.parent
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}
ROWS = [
    ("0045510", "ava.k", "sunny-apple-7"),
    ("0045511", "liam.o", "green-frog-42"),
    ("0045512", "zoe.d", "blue-kite-19"),
]


def write_csv(folder: Path, name: str = "Klasse 2ß (Zoë).csv") -> Path:
    path = folder / name
    lines = ["SIS User ID,New Login,Password", *(",".join(row) for row in ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def clock(holder: LockHolder) -> str:
    return datetime.fromisoformat(holder.started_at).astimezone().strftime("%H:%M")


def expected_message(holder: LockHolder, program: str) -> str:
    return (
        f"Another run is already sending this workbook's rows: started by {getpass.getuser()} "
        f"on {socket.gethostname()} at {clock(holder)} ({program}). Wait for it to finish."
    )


def run_workflow(workflow: Workflow, sb, progress=None):
    plan = workflow.plan(workflow.check())
    with CanvasClient(sb.url, sb.token) as client:
        return workflow.run(plan, client, RunOptions(**FAST), progress=progress)


def write_lock(path: Path, **fields) -> Path:
    """A lock file as another run would have left it."""
    holder = {
        "user": "jsmith",
        "host": "OFFICE-PC",
        "pid": 4242,
        "process_started": "",
        "program": APP,
        "what": "run",
        "started_at": "2025-03-03T12:00:00+00:00",
        "token": "theirs",
        **fields,
    }
    lock = lock_path_for(path)
    lock.write_text(json.dumps(holder), encoding="utf-8")
    return lock


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


# --- two runs at once ---------------------------------------------------------------------


def test_two_runs_at_once_one_is_refused_naming_who_and_since_when(sandbox, tmp_path):
    path = write_csv(tmp_path)
    sending, tried = threading.Event(), threading.Event()
    outcome: dict = {}

    def hold_on(progress) -> None:
        if not sending.is_set():
            sending.set()
            tried.wait(30)

    def first() -> None:
        with Journal() as journal:
            workflow = Workflow.open(path, journal=journal)
            outcome["first"] = run_workflow(workflow, sandbox, progress=hold_on)

    with Journal() as journal:
        second = Workflow.open(path, journal=journal)
        thread = threading.Thread(target=first)
        thread.start()
        try:
            assert sending.wait(30)
            holder = live_holder(path)
            assert holder is not None and holder.pid == os.getpid()
            with pytest.raises(RunLocked) as refused:
                run_workflow(second, sandbox)
            with pytest.raises(RunLocked):
                second.ensure_can_run()
        finally:
            tried.set()
            thread.join(60)
        assert refused.value.message == expected_message(holder, COMMAND_LINE)
        assert outcome["first"].summary.count(Status.CREATED) == 3
        # each login once: the refused run sent nothing
        posts = sandbox.state.writes("POST")
        assert len(posts) == 3
        assert not lock_path_for(path).exists()
        # and once the first one is done, a workflow read afterwards runs (nothing to do)
        with Journal() as again_journal:
            again = Workflow.open(path, journal=again_journal)
            again.restore()
            assert run_workflow(again, sandbox).summary.count(Status.CREATED) == 0


def test_a_workbook_another_run_changed_is_read_again_before_a_run(sandbox, tmp_path):
    path = write_csv(tmp_path)
    with Journal() as journal:
        stale = Workflow.open(path, journal=journal)
        fresh = Workflow.open(path, journal=journal)
        done = run_workflow(fresh, sandbox)
        assert done.summary.count(Status.CREATED) == 3
        # not saved yet: the journal says another run sent this workbook's rows
        with pytest.raises(WorkbookChanged) as by_journal:
            run_workflow(stale, sandbox)
        assert "Another run of this workbook (started at " in by_journal.value.message
        fresh.apply(done.summary.results)
        fresh.save()
        with pytest.raises(WorkbookChanged) as by_file:
            stale.ensure_can_run()
        assert by_file.value.message.startswith("The workbook was changed, moved or removed")
        assert "Nothing was sent." in by_file.value.message
        assert len(sandbox.state.writes("POST")) == 3
        # the workflow that ran and saved may run again
        fresh.ensure_can_run()
        assert run_workflow(fresh, sandbox).summary.count(Status.CREATED) == 0


# --- a lock left behind ---------------------------------------------------------------------


def test_a_lock_left_by_a_killed_process_is_taken_over(sandbox, tmp_path, monkeypatch, capsys):
    path = write_csv(tmp_path)
    holder_script = (
        "import sys, time\n"
        "from core.run_lock import RunLock\n"
        "RunLock(sys.argv[1]).acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", holder_script, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        holder = live_holder(path)
        assert holder is not None and holder.pid == child.pid
        with pytest.raises(RunLocked):
            RunLock(path).acquire()
        os.kill(child.pid, signal.SIGKILL)
        # Not reaped yet (a zombie) or gone: either way the run is over.
        deadline = time.monotonic() + 10
        while live_holder(path) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live_holder(path) is None
        assert lock_path_for(path).exists()  # left behind, and taken over by the next run
        monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)
        code = cli.main(["run", str(path), "--url", sandbox.url])
        assert code == cli.ExitStatus.OK, capsys.readouterr().err
    finally:
        child.kill()
        child.wait()
    assert "Created" in path.read_text(encoding="utf-8-sig")
    assert not lock_path_for(path).exists()


def test_a_lock_whose_pid_now_runs_another_process_is_left_over(tmp_path):
    path = write_csv(tmp_path)
    write_lock(path, host=socket.gethostname(), pid=os.getpid(), process_started="long ago")
    assert live_holder(path) is None
    with RunLock(path) as lock:
        assert lock.still_mine()
        assert live_holder(path).token == lock.holder.token
    assert not lock_path_for(path).exists()


def test_a_lock_from_another_computer_holds_until_its_heartbeat_is_stale(tmp_path):
    path = write_csv(tmp_path)
    lock = write_lock(path)
    with pytest.raises(RunLocked) as refused:
        RunLock(path).acquire()
    assert refused.value.message == (
        "Another run is already sending this workbook's rows: started by jsmith on OFFICE-PC "
        f"on 3 March 2025 at {clock(refused.value.holder)} (the Canvas Logins app). "
        "Wait for it to finish."
    )
    age(lock, STALE_AFTER - 60)
    with pytest.raises(RunLocked):
        RunLock(path).acquire()
    age(lock, STALE_AFTER + 60)
    with RunLock(path, what="undo", program=APP) as mine:
        assert json.loads(lock.read_text(encoding="utf-8"))["token"] == mine.holder.token
        with pytest.raises(RunLocked) as refused_undo:
            RunLock(path).acquire()
    assert refused_undo.value.message.startswith(
        "An undo is already removing the logins of this workbook's last run: started by "
    )
    assert not lock.exists()


def test_a_lock_being_written_counts_as_held_until_it_is_old(tmp_path):
    path = write_csv(tmp_path)
    lock = lock_path_for(path)
    lock.write_bytes(b"")
    with pytest.raises(RunLocked) as refused:
        RunLock(path).acquire()
    assert refused.value.message == (
        "Another run is just starting to send this workbook's rows. Wait for it to finish."
    )
    age(lock, UNREADABLE_GRACE + 5)
    with RunLock(path):
        assert live_holder(path) is not None


def test_the_heartbeat_keeps_a_long_run_fresh_and_release_spares_a_lock_not_ours(tmp_path):
    path = write_csv(tmp_path)
    lock = RunLock(path, heartbeat=0.05)
    lock.acquire()
    try:
        age(lock_path_for(path), STALE_AFTER + 60)
        deadline = time.monotonic() + 5
        while time.time() - lock_path_for(path).stat().st_mtime > 60:
            assert time.monotonic() < deadline, "the heartbeat never touched the lock"
            time.sleep(0.02)
        write_lock(path)  # taken over meanwhile by someone else
    finally:
        lock.release()
    assert lock_path_for(path).exists()
    assert json.loads(lock_path_for(path).read_text(encoding="utf-8"))["token"] == "theirs"


def test_a_folder_that_takes_no_lock_file_uses_this_users_data_folder(tmp_path, monkeypatch):
    path = write_csv(tmp_path)
    nowhere = tmp_path / "no such folder" / "x.lock"
    monkeypatch.setattr("core.run_lock.lock_path_for", lambda workbook: nowhere)
    with RunLock(path, program=APP):
        holder = live_holder(path)
        assert holder is not None and holder.program == APP
        with pytest.raises(RunLocked):
            RunLock(path).acquire()
    assert live_holder(path) is None


# --- the command line ---------------------------------------------------------------------


def test_the_command_line_is_refused_with_exit_2_and_changes_nothing(
    sandbox, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)
    path = write_csv(tmp_path)
    before = path.read_bytes()
    with RunLock(path, program=APP) as held:
        code = cli.main(["run", str(path), "--url", sandbox.url])
        err = capsys.readouterr().err
        assert code == cli.ExitStatus.USAGE
        assert f"canvas-logins-cli: {expected_message(held.holder, APP)}" in err
        assert path.read_bytes() == before
        assert sandbox.state.writes() == []
        # a check with Canvas only reads: it needs no lock
        assert cli.main(["run", str(path), "--url", sandbox.url, "--dry-run"]) == 0
        capsys.readouterr()
    assert cli.main(["run", str(path), "--url", sandbox.url]) == cli.ExitStatus.OK
    capsys.readouterr()
    with RunLock(path, program=APP) as held:
        code = cli.main(["undo", str(path), "--url", sandbox.url, "--yes"])
        assert code == cli.ExitStatus.USAGE
        assert expected_message(held.holder, APP) in capsys.readouterr().err
    assert not sandbox.state.writes("DELETE")


# --- the app ----------------------------------------------------------------------------------


def test_the_app_shows_who_holds_the_workbook_and_starts_nothing(window, tmp_path, answers, qtbot):
    connection = start_sandbox_connection()
    sandbox = connection.sandbox
    window.set_connection(connection)
    path = write_csv(tmp_path)
    assert window.open_file(path)
    with RunLock(path) as held:
        assert not window.run_changes(confirm=False)
        assert answers.errors[-1] == (
            "Another run is under way",
            expected_message(held.holder, COMMAND_LINE),
        )
        assert not window.run_flow.is_running
        assert not window.table_model.read_only
    assert sandbox.state.writes() == []
    with qtbot.waitSignal(window.run_finished, timeout=60_000) as done:
        assert window.run_changes(confirm=False)
    assert done.args[0].count(Status.CREATED) == 3
    assert not lock_path_for(path).exists()
    with RunLock(path) as held:
        assert not window.undo_last_run(confirm=False)
        assert answers.errors[-1] == (
            "Another run is under way",
            expected_message(held.holder, COMMAND_LINE),
        )
    assert sandbox.state.writes("DELETE") == []


def test_the_app_says_so_when_another_run_takes_the_lock_first(window, tmp_path, answers, qtbot):
    connection = start_sandbox_connection()
    window.set_connection(connection)
    path = write_csv(tmp_path)
    assert window.open_file(path)
    taken: list[RunLock] = []
    original = Workflow.ensure_can_run

    def then_someone_takes_it(self) -> None:
        original(self)
        taken.append(RunLock(path, program=COMMAND_LINE))
        taken[0].acquire()

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Workflow, "ensure_can_run", then_someone_takes_it)
            with qtbot.waitSignal(window.run_finished, timeout=60_000) as done:
                assert window.run_changes(confirm=False)
        assert done.args[0] is None
        title, message = answers.errors[-1]
        assert (title, message) == (
            "Another run is under way",
            expected_message(taken[0].holder, COMMAND_LINE),
        )
        assert not window.table_model.read_only
        assert connection.sandbox.state.writes() == []
    finally:
        for lock in taken:
            lock.release()

"""Crash safety, proven: kill the command-line run mid-way, run again, lose nothing.

The sandbox runs in this process (so its logins and the requests it acted on can be
read directly); ``python -m core.cli run`` runs as a child process with the test's own
app home, and is killed with SIGKILL once the sandbox has acted on about 150 creates.
The second run must finish every row, the sandbox must hold exactly one login per row,
and no row whose answer the journal had recorded may be sent again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import openpyxl

from core.journal import Journal, workbook_key_for
from core.model import login_key

ROOT = Path(__file__).resolve().parent.parent
ROWS = 500
KILL_AFTER_CREATES = 150
FIRST_EXTRA_USER_ID = 1001


def login_for(n: int) -> str:
    return f"crash.s{n:06d}"


def write_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Students"
    sheet.append(["Student", "Grade", "SIS User ID", "New Login", "Password"])
    for n in range(1, ROWS + 1):
        sheet.append([f"Pupil {n}", "K", f"S{n:06d}", login_for(n), f"Otter-Brisk-{n}"])
    book.save(path)


def cli_run(path: Path, url: str, token: str) -> subprocess.Popen:
    env = {**os.environ, "CANVAS_TOKEN": token, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "run", str(path), "--url", url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answered_identities(key: str) -> dict[tuple[str, ...], str]:
    """Identity -> status of every row the journal holds an answer for."""
    with Journal() as journal:
        return {
            entry.identity: entry.status or ""
            for run in journal.runs(key)
            for entry in journal.results_of_run(run.id)
            if entry.state == "answered"
        }


def test_sigkill_mid_run_then_run_again_finishes_every_row_once(
    sandbox_factory, tmp_path, create_actions
):
    sandbox = sandbox_factory(extra_students=ROWS, latency=0.05)
    seeded_logins = len(sandbox.state.all_active_logins())
    path = tmp_path / "school.xlsx"
    write_workbook(path)
    original = path.read_bytes()
    key = workbook_key_for(path)

    first = cli_run(path, sandbox.url, sandbox.token)
    deadline = time.monotonic() + 60
    while sum(create_actions.values()) < KILL_AFTER_CREATES:
        assert first.poll() is None, f"the run ended before the kill: {first.communicate()}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL

    answered = answered_identities(key)
    acted_at_kill = sum(create_actions.values())
    assert KILL_AFTER_CREATES <= acted_at_kill < ROWS
    assert 0 < len(answered) < ROWS
    assert set(answered.values()) == {"Created"}
    assert path.read_bytes() == original, "the killed run cannot have saved the workbook"
    time.sleep(0.3)  # requests the killed run left in flight land now, as on a real server
    before_second = Counter(create_actions)

    second = cli_run(path, sandbox.url, sandbox.token)
    out, err = second.communicate(timeout=180)
    assert second.returncode == 0, (out, err)
    assert "created" in out.splitlines()[-1]

    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    status_col, id_col = header.index("Status"), header.index("Canvas Login ID")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == ROWS
    assert {row[status_col] for row in rows} == {"Created"}
    for n, row in enumerate(rows, 1):
        user_id = FIRST_EXTRA_USER_ID + n - 1
        mine = [
            lg
            for lg in sandbox.state.logins_of(user_id)
            if login_key(lg["unique_id"]) == login_key(login_for(n))
        ]
        assert len(mine) == 1, f"student S{n:06d} has {len(mine)} logins named {login_for(n)}"
        assert str(row[id_col]) == str(mine[0]["id"])
    crash_logins = [
        lg for lg in sandbox.state.all_active_logins() if lg["unique_id"][:6] == "crash."
    ]
    assert len(crash_logins) == ROWS

    for identity in answered:
        ref = f"sis_user_id:{identity[1].split(':', 1)[1]}"
        assert before_second[ref] == 1, f"{ref} acted on {before_second[ref]} times before resume"
        assert create_actions[ref] == 1, f"{ref}: its recorded answer did not stop a resend"
    # A request cut off by the kill may reach the sandbox without its body; it is not
    # a create of any row (test_half_sent_create_is_not_acted_on covers it).
    ours = {ref: n for ref, n in create_actions.items() if ref.startswith("sis_user_id:S")}
    assert len(ours) == ROWS
    assert {ref: n for ref, n in ours.items() if n != 1} == {}
    assert len(sandbox.state.all_active_logins()) == seeded_logins + ROWS


def test_half_sent_create_is_not_acted_on(sandbox_factory):
    """A client killed while sending a create leaves the server a request whose body is
    shorter than its Content-Length. Canvas never acts on such a request (the body
    never completes); the sandbox must not either, or a crash test could see a login
    made from a cut-off body (a truncated login name, or no user[id] at all, which
    Canvas reads as the token's owner)."""
    sandbox = sandbox_factory(extra_students=1)
    body = b"user%5Bid%5D=sis_user_id%3AS000001&login%5Bunique_id%5D=crash.s0"

    def send(declared_length: int) -> None:
        head = (
            "POST /api/v1/accounts/1/logins HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{sandbox.port}\r\n"
            "User-Agent: half-sent-test\r\n"
            f"Authorization: Bearer {sandbox.token}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {declared_length}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("ascii")
        with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as conn:
            conn.sendall(head + body)
            conn.shutdown(socket.SHUT_WR)
            with contextlib.suppress(OSError):
                while conn.recv(4096):
                    pass

    send(len(body) + 40)  # the client died 40 bytes short of its body
    assert sandbox.state.find_login("crash.s0") is None
    assert sandbox.state.write_log == []

    send(len(body))  # the same request, whole: Canvas acts on it
    assert sandbox.state.find_login("crash.s0") is not None

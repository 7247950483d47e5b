"""The command line as a separate process: python -m core.cli, Ctrl+C, the sandbox command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

from core.workbook import open_workbook

ROOT = Path(__file__).resolve().parents[1]
HEADERS = ["SIS User ID", "New Login", "Password"]


def cli(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def child_env(token: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CANVAS_TOKEN", None)
    if token:
        env["CANVAS_TOKEN"] = token
    return env


def kids_workbook(path: Path, count: int) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for n in range(1, count + 1):
        sheet.append([f"S{n:06d}", f"kid{n}", "long-enough"])
    book.save(path)
    return path


def wait_until(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never came true")
        time.sleep(0.02)


def test_run_as_a_process(tmp_path, sandbox_factory):
    sandbox = sandbox_factory(extra_students=5)
    book = kids_workbook(tmp_path / "kids.xlsx", 5)
    process = cli("run", book, "--url", sandbox.url, env=child_env(sandbox.token))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.splitlines()[-1].startswith("created 5, already existed 0,")
    assert sandbox.token not in out + err
    table = open_workbook(book).table
    assert [table.status(row) for row in range(5)] == ["Created"] * 5


def test_ctrl_c_finishes_in_flight_calls_saves_and_exits_130(tmp_path, sandbox_factory):
    sandbox = sandbox_factory(extra_students=60, latency=0.1)
    book = kids_workbook(tmp_path / "kids.xlsx", 60)
    process = cli(
        "run", book, "--url", sandbox.url, "--concurrency", "2", env=child_env(sandbox.token)
    )
    wait_until(lambda: sandbox.stats.total_writes >= 3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    created = len(sandbox.state.writes("POST"))
    assert 3 <= created < 60
    table = open_workbook(book).table
    got = [table.status(row) for row in range(60)]
    assert got.count("Created") == created  # every finished call is in the workbook
    assert got.count("") == 60 - created  # rows not sent are untouched
    assert "run again" in err.lower()
    assert out.splitlines()[-1].startswith(f"created {created}, already existed 0,")


def test_sandbox_command_prints_url_and_token_and_stops_on_ctrl_c():
    process = cli("sandbox", "--port", "0", env=child_env(None))
    assert process.stdout is not None
    first = process.stdout.readline()
    second = process.stdout.readline()
    assert first.startswith("Built-in Canvas sandbox running at http://127.0.0.1:")
    assert "sandbox-demo-token" in second
    url = first.rsplit(" ", 1)[-1].strip()
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, requests; r = requests.get(sys.argv[1] + '/api/v1/users/self', "
            "headers={'Authorization': 'Bearer sandbox-demo-token'}, timeout=10); "
            "print(r.status_code)",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert check.stdout.strip() == "200"
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Sandbox stopped" in out

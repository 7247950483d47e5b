"""The plain clients bench/throughput.py measures, each run as a process of its own.

    python bench/_clients.py serial|ideal --url URL --account ID --first N --count M

``serial`` creates the logins one request after another, with no retries: what the
public scripts do. ``ideal`` keeps exactly 11 requests in flight, the most Canvas's
default bucket never refuses, and retries a throttled call at once; any other error
fails the row, as a client with perfect pacing but no fault handling would.

Student ``n`` is the sandbox's generated student ``S{n:06d}`` (``extra_students``); its
new login is ``bench.s{n:06d}``. The token comes from ``CANVAS_TOKEN``, as for the
command line. Prints one JSON line on stdout: the seconds the rows took (first call
to last answer, imports and connecting left out), and rows done and failed.

It also holds what bench/throughput.py needs to start these clients and the runner as
processes and to write and read back the runner's workbooks.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from core.canvas import CanvasClient  # noqa: E402
from core.canvas.errors import CanvasError, Throttled  # noqa: E402
from core.logs import TOKEN_ENV  # noqa: E402

IDEAL_IN_FLIGHT = 11
PASSWORD = "Brisk-Otter-72"


def login_name(n: int) -> str:
    return f"bench.s{n:06d}"


def sis_id(n: int) -> str:
    return f"S{n:06d}"


def user_id(n: int) -> int:
    """The sandbox's canvas id of generated student ``n``."""
    return 1000 + n


def _create(client: CanvasClient, account_id: int, n: int) -> None:
    client.create_login(account_id, f"sis_user_id:{sis_id(n)}", login_name(n), password=PASSWORD)


def run_serial(client: CanvasClient, account_id: int, numbers: list[int]) -> int:
    """Rows failed, one request after another."""
    failed = 0
    for n in numbers:
        try:
            _create(client, account_id, n)
        except CanvasError:
            failed += 1
    return failed


def run_ideal(client: CanvasClient, account_id: int, numbers: list[int]) -> int:
    """Rows failed, with ``IDEAL_IN_FLIGHT`` threads sharing one client."""
    work: queue.SimpleQueue[int] = queue.SimpleQueue()
    for n in numbers:
        work.put(n)
    failed = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal failed
        while True:
            try:
                n = work.get_nowait()
            except queue.Empty:
                return
            while True:
                try:
                    _create(client, account_id, n)
                except Throttled:
                    continue
                except CanvasError:
                    with lock:
                        failed += 1
                break

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(IDEAL_IN_FLIGHT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed


# --- for bench/throughput.py: starting the clients, the runner's workbooks -------------

#: The Status words of a done row (design.md).
DONE_WORDS = ("Created", "Already exists", "Updated", "Deleted", "Already deleted")


@dataclass
class Finished:
    exit_code: int
    started: float
    ended: float
    stdout: str
    stderr: str

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def run_together(
    commands: list[tuple[list[str], dict[str, str]]],
    logs: Path,
    started_processes: list[subprocess.Popen[bytes]],
) -> list[Finished]:
    """Start every command at once; each one's exit code, start and end, and output.

    Each process is added to ``started_processes`` as it starts (for a hard stop).
    Output goes to files, so a chatty process never blocks on a full pipe.
    """
    logs.mkdir(parents=True, exist_ok=True)
    started = []
    for index, (argv, env) in enumerate(commands):
        with open(logs / f"{index}.out", "wb") as out, open(logs / f"{index}.err", "wb") as err:
            start = time.perf_counter()
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=err)
        started_processes.append(process)
        started.append((process, start))
    ends: dict[int, float] = {}
    while len(ends) < len(started):
        time.sleep(0.01)
        for index, (process, _start) in enumerate(started):
            if index not in ends and process.poll() is not None:
                ends[index] = time.perf_counter()
    return [
        Finished(
            process.returncode,
            start,
            ends[index],
            (logs / f"{index}.out").read_text(errors="replace"),
            (logs / f"{index}.err").read_text(errors="replace"),
        )
        for index, (process, start) in enumerate(started)
    ]


def client_env(token: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        TOKEN_ENV: token,
        "CANVAS_LOGINS_HOME": str(home),
        "PYTHONPATH": str(ROOT),
    }


def cli_command() -> list[str]:
    """The installed ``canvas-logins-cli`` beside this Python, else ``python -m core.cli``."""
    script = Path(sys.executable).parent / "canvas-logins-cli"
    return [str(script)] if script.exists() else [sys.executable, "-m", "core.cli"]


def write_workbook(path: Path, numbers: list[int]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Students"
    sheet.append(["Student", "SIS User ID", "New Login", "Password"])
    for n in numbers:
        sheet.append([f"Student {n}", sis_id(n), login_name(n), PASSWORD])
    book.save(path)


def workbook_statuses(path: Path) -> Counter[str]:
    """How many rows of the saved workbook bear each Status word ('' for none)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows)]
        if "Status" not in header:
            return Counter()
        column = header.index("Status")
        return Counter(str(row[column] or "").strip() if column < len(row) else "" for row in rows)
    finally:
        book.close()


# --- the plain clients' command line ------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("client", choices=["serial", "ideal"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--account", type=int, required=True)
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args(argv)
    numbers = list(range(args.first, args.first + args.count))
    run = run_serial if args.client == "serial" else run_ideal
    token = os.environ.get(TOKEN_ENV, "")
    with CanvasClient(args.url, token, pool_size=IDEAL_IN_FLIGHT + 2) as client:
        start = time.perf_counter()
        failed = run(client, args.account, numbers)
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "done": len(numbers) - failed, "failed": failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

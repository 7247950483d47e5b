"""How fast Canvas Logins creates logins, against the built-in sandbox.

Starts the sandbox on 127.0.0.1 with a realistic answer time (default 300 ms, about
what hosted Canvas takes for a login call) and Canvas's default throttle, then measures
three clients in this one process, each on its own fresh students:

* one request at a time, what the public scripts do;
* our runner (core.run.engine.execute, as the app and the command line drive it);
* an ideal client that knows the bucket and keeps exactly 11 requests in flight, the
  most that never gets throttled.

The ideal client is measured rather than assumed because on a small machine the
sandbox and the clients share the processor. Prints rows per second, the two ratios,
throttled answers, failed rows and whether the targets are met. Always exits 0: it is
a measurement, not a test.

    .venv/bin/python bench/throughput.py [--rows 400] [--latency 0.3] [--fault-rate 0]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.canvas import CanvasClient
from core.canvas.errors import CanvasError, Throttled
from core.sandbox import FaultConfig, Sandbox, ThrottleConfig

HARD_STOP_SECONDS = 600
IDEAL_IN_FLIGHT = 11
PASSWORD = "Brisk-Otter-72"
TARGET_VS_SERIAL = 8.0
TARGET_VS_IDEAL = 0.85


@dataclass
class Measurement:
    client: str
    rows: int
    seconds: float
    done: int
    failed: int
    throttled: int
    max_in_flight: int
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


def student_numbers(first: int, count: int) -> list[int]:
    return list(range(first, first + count))


def login_name(n: int) -> str:
    return f"bench.s{n:06d}"


def sis_id(n: int) -> str:
    return f"S{n:06d}"


def _create(client: CanvasClient, account_id: int, n: int) -> None:
    client.create_login(account_id, f"sis_user_id:{sis_id(n)}", login_name(n), password=PASSWORD)


def _settle(sandbox: Sandbox) -> None:
    """Let the bucket drain between clients so each starts from the same place."""
    time.sleep(1.0)
    sandbox.stats.reset()


def measure_serial(sandbox: Sandbox, account_id: int, numbers: list[int]) -> Measurement:
    """One request after another, no retries: the public scripts' way."""
    _settle(sandbox)
    failed = 0
    with CanvasClient(sandbox.url, sandbox.token) as client:
        start = time.perf_counter()
        for n in numbers:
            try:
                _create(client, account_id, n)
            except CanvasError:
                failed += 1
        seconds = time.perf_counter() - start
    return Measurement(
        "one at a time",
        len(numbers),
        seconds,
        len(numbers) - failed,
        failed,
        sandbox.stats.throttled,
        sandbox.stats.max_in_flight,
    )


def measure_ideal(sandbox: Sandbox, account_id: int, numbers: list[int]) -> Measurement:
    """Exactly 11 requests in flight, always: the most the bucket never refuses.

    A throttled answer is retried at once (it should never happen); any other error
    fails the row, as a client with perfect pacing but no fault handling would.
    """
    _settle(sandbox)
    work: queue.SimpleQueue[int] = queue.SimpleQueue()
    for n in numbers:
        work.put(n)
    failed = 0
    lock = threading.Lock()
    client = CanvasClient(sandbox.url, sandbox.token, pool_size=IDEAL_IN_FLIGHT + 2)

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
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    client.close()
    return Measurement(
        f"ideal ({IDEAL_IN_FLIGHT} in flight)",
        len(numbers),
        seconds,
        len(numbers) - failed,
        failed,
        sandbox.stats.throttled,
        sandbox.stats.max_in_flight,
    )


def _write_workbook(path: Path, numbers: list[int]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Students"
    sheet.append(["Student", "SIS User ID", "New Login", "Password"])
    for n in numbers:
        sheet.append([f"Student {n}", sis_id(n), login_name(n), PASSWORD])
    book.save(path)


def measure_runner(
    sandbox: Sandbox, account_id: int, numbers: list[int], workdir: Path
) -> Measurement:
    """Our runner over a workbook of these students; only ``execute`` is timed."""
    from core.journal import Journal
    from core.model import CancelToken, Status
    from core.plan import build_plan
    from core.rules import check_table
    from core.run import RunOptions, execute
    from core.workbook import open_workbook

    _settle(sandbox)
    path = workdir / "runner.xlsx"
    _write_workbook(path, numbers)
    doc = open_workbook(path)
    findings = check_table(doc.table)
    plan = build_plan(doc.table, findings)
    journal = Journal(workdir / "journal.sqlite3")
    client = CanvasClient(sandbox.url, sandbox.token)
    options = RunOptions(account_id=account_id)
    start = time.perf_counter()
    summary = execute(
        plan,
        client,
        options,
        progress=lambda _progress: None,
        cancel=CancelToken(),
        journal=journal,
        workbook_key=str(path),
    )
    seconds = time.perf_counter() - start
    client.close()
    journal.close()
    statuses = [result.status for result in summary.results]
    done = sum(status in (Status.CREATED, Status.ALREADY_EXISTS) for status in statuses)
    return Measurement(
        "our runner",
        len(numbers),
        seconds,
        done,
        len(numbers) - done,
        sandbox.stats.throttled,
        sandbox.stats.max_in_flight,
        {"statuses": {str(s): statuses.count(s) for s in set(statuses)}},
    )


def theoretical_bound(latency: float, throttle: ThrottleConfig) -> float:
    """Rows per second the bucket allows: in-flight cap over latency, or the leak."""
    in_flight = int((throttle.high_water - 1) // throttle.up_front_cost)
    by_in_flight = in_flight / latency if latency > 0 else float("inf")
    by_leak = (
        throttle.leak_per_second / throttle.request_cost
        if throttle.request_cost > 0
        else float("inf")
    )
    return min(by_in_flight, by_leak)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=400, help="rows per client (400)")
    parser.add_argument("--latency", type=float, default=0.3, help="answer time, s (0.3)")
    parser.add_argument("--seed", type=int, default=1, help="fault seed (1)")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of faults (0)")
    parser.add_argument(
        "--clients",
        default="serial,runner,ideal",
        help="which clients to measure, comma-separated (serial,runner,ideal)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    def hard_stop() -> None:
        print(f"stopped: the benchmark ran over {HARD_STOP_SECONDS} s", flush=True)
        os._exit(0)

    timer = threading.Timer(HARD_STOP_SECONDS, hard_stop)
    timer.daemon = True
    timer.start()

    clients = [name.strip() for name in args.clients.split(",") if name.strip()]
    throttle = ThrottleConfig()
    faults = FaultConfig(rate=args.fault_rate, seed=args.seed) if args.fault_rate > 0 else None
    results: list[Measurement] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        Sandbox(
            latency=args.latency,
            throttle=throttle,
            faults=faults,
            extra_students=3 * args.rows,
        ) as sandbox,
    ):
        workdir = Path(tmp)
        os.environ.setdefault("CANVAS_LOGINS_HOME", str(workdir / "home"))
        with CanvasClient(sandbox.url, sandbox.token) as probe:
            account_id = probe.default_root_account_id()
        sets = {
            name: student_numbers(1 + i * args.rows, args.rows)
            for i, name in enumerate(("serial", "runner", "ideal"))
        }
        for name in clients:
            if name == "serial":
                results.append(measure_serial(sandbox, account_id, sets[name]))
            elif name == "runner":
                results.append(measure_runner(sandbox, account_id, sets[name], workdir))
            elif name == "ideal":
                results.append(measure_ideal(sandbox, account_id, sets[name]))
            else:
                parser.error(f"unknown client {name!r}")
            duplicates = _duplicates(sandbox, sets[name])
            results[-1].notes["duplicate_logins"] = duplicates
    timer.cancel()
    report(args, throttle, results)
    return 0


def _duplicates(sandbox: Sandbox, numbers: list[int]) -> int:
    """Students of this set holding more than one login of the benchmark's name."""
    extra = 0
    for n in numbers:
        user_id = 1000 + n
        count = sum(
            1 for login in sandbox.state.logins_of(user_id) if login["unique_id"] == login_name(n)
        )
        extra += max(0, count - 1)
    return extra


def report(args: argparse.Namespace, throttle: ThrottleConfig, results: list[Measurement]) -> None:
    by_client = {m.client.split(" ")[0]: m for m in results}
    serial = by_client.get("one")
    runner = by_client.get("our")
    ideal = by_client.get("ideal")
    bound = theoretical_bound(args.latency, throttle)
    vs_serial = (
        runner.rows_per_second / serial.rows_per_second
        if runner and serial and serial.rows_per_second
        else None
    )
    vs_ideal = (
        runner.rows_per_second / ideal.rows_per_second
        if runner and ideal and ideal.rows_per_second
        else None
    )
    targets: dict[str, bool] = {}
    # The speed targets are for a healthy Canvas; under injected faults the targets are
    # "every row done, no duplicates" (the ideal client loses rows there, so its rate is
    # no yardstick).
    speed_targets = args.fault_rate == 0
    if vs_serial is not None and speed_targets:
        targets[f"runner >= {TARGET_VS_SERIAL:g}x one at a time"] = vs_serial >= TARGET_VS_SERIAL
    if vs_ideal is not None and speed_targets:
        targets[f"runner >= {TARGET_VS_IDEAL:.0%} of ideal"] = vs_ideal >= TARGET_VS_IDEAL
    if runner is not None:
        targets["runner: zero failed rows (every row done)"] = runner.failed == 0
        targets["runner: zero duplicate logins"] = runner.notes.get("duplicate_logins") == 0
    if args.json:
        payload = {
            "rows": args.rows,
            "latency": args.latency,
            "fault_rate": args.fault_rate,
            "seed": args.seed,
            "bound_rows_per_second": bound,
            "results": [dict(asdict(m), rows_per_second=m.rows_per_second) for m in results],
            "runner_vs_serial": vs_serial,
            "runner_vs_ideal": vs_ideal,
            "targets": targets,
        }
        print(json.dumps(payload, indent=2, default=str))
        return
    print(
        f"{args.rows} rows per client, answer time {args.latency * 1000:.0f} ms, "
        f"fault rate {args.fault_rate:.0%}, cpus {os.cpu_count()}"
    )
    print(f"{'client':<22}{'rows/s':>9}{'seconds':>9}{'failed':>8}{'throttled':>11}{'peak':>6}")
    for m in results:
        print(
            f"{m.client:<22}{m.rows_per_second:>9.1f}{m.seconds:>9.1f}{m.failed:>8}"
            f"{m.throttled:>11}{m.max_in_flight:>6}"
        )
    print(f"bucket bound (reference): {bound:.1f} rows/s")
    if vs_serial is not None:
        print(f"runner / one at a time: {vs_serial:.1f}x")
    if vs_ideal is not None:
        print(f"runner / ideal: {vs_ideal:.0%}")
    for m in results:
        if m.notes:
            print(f"{m.client}: {m.notes}")
    for name, met in targets.items():
        print(f"target {name}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())

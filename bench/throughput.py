"""How fast Canvas Logins creates logins, against the built-in sandbox, as a person waits.

Starts the sandbox on 127.0.0.1 with a realistic answer time (default 300 ms, about
what hosted Canvas takes for a login call) and Canvas's leaky bucket, then runs each
client as a process of its own, on fresh students, with the bucket emptied before it:

* one request at a time, what the public scripts do (bench/_clients.py serial);
* an ideal client that keeps exactly 11 requests in flight, the most the default
  bucket never refuses (bench/_clients.py ideal);
* our runner: ``canvas-logins-cli run WORKBOOK --url ... --account ...``, token in
  ``CANVAS_TOKEN``, over a workbook of the students.

Each client gets two times: the whole command (from just before its process starts to
its exit: start-up, imports, opening the workbook, the opening reads, the run, the
save) and the in-run time the process reports itself (the plain clients: first call
to last answer; the runner: the "in X.X s" of its summary line, None if it printed
none). The runner's rows are counted from the Status column of the workbook it saved.

Scenarios (``--scenario``, default ``all``, several minutes):

* happy: default bucket; one at a time, the runner and the ideal client;
* expensive: every call really costs ``--cost`` units (4), so the leak (10 a second)
  limits, not the calls in flight; the runner;
* shared: the runner alone, then two runners started at once with the same token,
  each on a workbook of its own;
* faults: ``--fault-rate`` (10%) injected server faults; the runner.

Prints a table per scenario and whether issue 14's targets are met. Always exits 0: it
is a measurement, not a test. A hard stop ends a scenario that runs over 10 minutes.

    .venv/bin/python bench/throughput.py [--scenario all] [--rows 300] [--latency 0.3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from _clients import (  # noqa: E402
    DONE_WORDS,
    IDEAL_IN_FLIGHT,
    Finished,
    cli_command,
    client_env,
    login_name,
    run_together,
    user_id,
    workbook_statuses,
    write_workbook,
)

from core.canvas import CanvasClient  # noqa: E402
from core.sandbox import FaultConfig, Sandbox, ThrottleConfig  # noqa: E402

HARD_STOP_SECONDS = 600
SCENARIOS = ("happy", "expensive", "shared", "faults")
TARGET_VS_IDEAL = 0.90
TARGET_VS_SERIAL = 10.0
TARGET_OF_LEAK = 0.85
TARGET_SHARED = 0.85
SUMMARY_LINE = re.compile(r"^created \d+, .* in (\d+(?:\.\d+)?) s$", re.MULTILINE)


@dataclass
class Measurement:
    client: str
    rows: int
    whole_seconds: float
    in_run_seconds: float | None
    done: int
    failed: int
    exit_code: int | None
    #: The sandbox's counts while this client ran (None for one of several run at once).
    throttled: int | None = None
    max_in_flight: int | None = None
    duplicate_logins: int = 0
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def whole_rate(self) -> float:
        return self.done / self.whole_seconds if self.whole_seconds > 0 else 0.0

    @property
    def in_run_rate(self) -> float | None:
        if not self.in_run_seconds:
            return None
        return self.done / self.in_run_seconds

    def as_dict(self) -> dict[str, object]:
        return dict(asdict(self), whole_rate=self.whole_rate, in_run_rate=self.in_run_rate)


@dataclass
class Target:
    text: str
    measured: str
    #: None: could not be judged (e.g. the runner printed no in-run time).
    met: bool | None

    @property
    def verdict(self) -> str:
        return "not measured" if self.met is None else "met" if self.met else "MISSED"


@dataclass
class ScenarioResult:
    name: str
    rows: int
    latency: float
    throttle: ThrottleConfig
    fault_rate: float
    bound: float
    results: list[Measurement] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(asdict(self), results=[m.as_dict() for m in self.results])


# --- processes ------------------------------------------------------------------------


class HardStop:
    """Ends the benchmark (exit 0) when a scenario runs too long, its processes first."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self._timer: threading.Timer | None = None

    def arm(self, seconds: float) -> None:
        self.cancel()
        self._timer = threading.Timer(seconds, self._stop, args=(seconds,))
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _stop(self, seconds: float) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
        print(f"stopped: a scenario ran over {seconds:.0f} s", flush=True)
        os._exit(0)


HARD_STOP = HardStop()


# --- the clients ----------------------------------------------------------------------


class Bench:
    """One scenario's sandbox, its students handed out in fresh blocks, and its folder."""

    def __init__(self, sandbox: Sandbox, workdir: Path, rows: int, clients: list[str]) -> None:
        self.sandbox = sandbox
        self.workdir = workdir
        self.rows = rows
        self.clients = clients
        self._next_student = 1
        self._runs = 0
        with CanvasClient(sandbox.url, sandbox.token) as probe:
            self.account_id = probe.default_root_account_id()

    def fresh_students(self) -> list[int]:
        first = self._next_student
        self._next_student += self.rows
        return list(range(first, first + self.rows))

    def folder(self, label: str) -> Path:
        self._runs += 1
        path = self.workdir / f"{self._runs:02d}-{label}"
        path.mkdir(parents=True)
        return path

    def settle(self) -> None:
        """Empty the bucket and the counters so each client starts from the same place."""
        time.sleep(0.2)
        self.sandbox.buckets.reset()
        self.sandbox.stats.reset()

    def plain(self, kind: str) -> Measurement:
        """``serial`` or ``ideal`` (bench/_clients.py) on fresh students."""
        numbers = self.fresh_students()
        folder = self.folder(kind)
        argv = [sys.executable, str(ROOT / "bench" / "_clients.py"), kind, "--url"]
        argv += [self.sandbox.url, "--account", str(self.account_id)]
        argv += ["--first", str(numbers[0]), "--count", str(len(numbers))]
        self.settle()
        [run] = run_together(
            [(argv, client_env(self.sandbox.token, folder / "home"))], folder, HARD_STOP.processes
        )
        said = _last_json(run.stdout)
        measurement = Measurement(
            "one at a time" if kind == "serial" else f"ideal ({IDEAL_IN_FLIGHT} in flight)",
            len(numbers),
            run.seconds,
            _number(said.get("seconds")),
            int(_number(said.get("done")) or 0),
            int(_number(said.get("failed")) or 0),
            run.exit_code,
        )
        if not said:
            measurement.notes["last words"] = _last_line(run.stderr or run.stdout)
        return self._add_counts([measurement], [numbers], [run])[0]

    def runners(self, count: int) -> list[Measurement]:
        """``count`` runners started at once, each on a workbook of fresh students.

        Each has a home folder of its own (journal, logs), as two staff members would.
        """
        sets = [self.fresh_students() for _ in range(count)]
        folders = [self.folder("runner") for _ in range(count)]
        commands = []
        for numbers, folder in zip(sets, folders, strict=True):
            write_workbook(folder / "students.xlsx", numbers)
            argv = [*cli_command(), "run", str(folder / "students.xlsx"), "--url"]
            argv += [self.sandbox.url, "--account", str(self.account_id)]
            commands.append((argv, client_env(self.sandbox.token, folder / "home")))
        self.settle()
        runs = run_together(commands, self.workdir / f"logs-{self._runs:02d}", HARD_STOP.processes)
        measurements = []
        for index, (numbers, folder, run) in enumerate(zip(sets, folders, runs, strict=True)):
            statuses = workbook_statuses(folder / "students.xlsx")
            summary = SUMMARY_LINE.findall(run.stdout)
            measurement = Measurement(
                "our runner" if count == 1 else f"runner {index + 1} of {count}",
                len(numbers),
                run.seconds,
                float(summary[-1]) if summary else None,
                sum(statuses[word] for word in DONE_WORDS),
                statuses["Failed"],
                run.exit_code,
                notes={"statuses": dict(statuses)},
            )
            if not summary:
                measurement.notes["last words"] = _last_line(run.stderr or run.stdout)
            measurements.append(measurement)
        return self._add_counts(measurements, sets, runs)

    def _add_counts(
        self, measurements: list[Measurement], sets: list[list[int]], runs: list[Finished]
    ) -> list[Measurement]:
        """Duplicates per client; the sandbox's counts per client, or on a 'together' line."""
        for measurement, numbers in zip(measurements, sets, strict=True):
            measurement.duplicate_logins = duplicates(self.sandbox, numbers)
        stats = self.sandbox.stats
        if len(measurements) == 1:
            measurements[0].throttled = stats.throttled
            measurements[0].max_in_flight = stats.max_in_flight
            if stats.faults_injected:
                measurements[0].notes["faults injected"] = stats.faults_injected
            return measurements
        together = Measurement(
            f"{len(measurements)} runners together",
            sum(m.rows for m in measurements),
            max(run.ended for run in runs) - min(run.started for run in runs),
            None,
            sum(m.done for m in measurements),
            sum(m.failed for m in measurements),
            max(run.exit_code for run in runs),
            stats.throttled,
            stats.max_in_flight,
            sum(m.duplicate_logins for m in measurements),
        )
        return [*measurements, together]


def _last_json(text: str) -> dict[str, object]:
    for line in reversed(text.splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def duplicates(sandbox: Sandbox, numbers: list[int]) -> int:
    """Students of this set holding more than one login of the benchmark's name."""
    extra = 0
    for n in numbers:
        logins = sandbox.state.logins_of(user_id(n))
        count = sum(1 for login in logins if login["unique_id"] == login_name(n))
        extra += max(0, count - 1)
    return extra


def bucket_bound(rows: int, latency: float, throttle: ThrottleConfig) -> float:
    """Rows per second the bucket allows for ``rows`` calls, starting empty (approximate).

    No faster than the calls that fit in flight allow, and, once the head-room of an
    empty bucket (high water less one up-front cost) is used, no faster than the leak.
    """
    in_flight = max(1, int((throttle.high_water - 1) // throttle.up_front_cost))
    by_in_flight = rows * latency / in_flight
    headroom = throttle.high_water - throttle.up_front_cost
    by_leak = max(0.0, rows * throttle.request_cost - headroom) / throttle.leak_per_second
    seconds = max(by_in_flight, by_leak)
    return rows / seconds if seconds > 0 else float("inf")


# --- scenarios ------------------------------------------------------------------------


def _share(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def _judge(
    result: ScenarioResult, text: str, share: float | None, floor: float, as_times: bool = False
) -> None:
    """A rate target: met, missed, or None when a rate could not be measured."""
    met = None if share is None else share >= floor
    shown = _show(share, ".1f") + "x" if as_times and share is not None else _show(share, ".0%")
    result.targets.append(Target(text, shown, met))


def _all_done(result: ScenarioResult, who: str, m: Measurement) -> None:
    """'0 rows Failed', judged as every row done: a row left undone is no success either."""
    shown = f"{m.failed} Failed, {m.rows - m.done} not done"
    result.targets.append(Target(f"{who}: 0 rows Failed", shown, m.done == m.rows))


def happy(bench: Bench, result: ScenarioResult) -> None:
    by_kind = {}
    for kind in bench.clients:
        by_kind[kind] = bench.runners(1)[0] if kind == "runner" else bench.plain(kind)
        result.results.append(by_kind[kind])
    runner = by_kind.get("runner")
    if runner is None:
        return
    if "ideal" in by_kind:
        share = _share(runner.whole_rate, by_kind["ideal"].whole_rate)
        text = f"runner whole command >= {TARGET_VS_IDEAL:.0%} of the ideal client's"
        _judge(result, text, share, TARGET_VS_IDEAL)
    if "serial" in by_kind:
        times = _share(runner.whole_rate, by_kind["serial"].whole_rate)
        text = f"runner whole command >= {TARGET_VS_SERIAL:g}x one at a time"
        _judge(result, text, times, TARGET_VS_SERIAL, as_times=True)
    _all_done(result, "runner", runner)


def expensive(bench: Bench, result: ScenarioResult) -> None:
    runner = bench.runners(1)[0]
    result.results.append(runner)
    throttle = bench.sandbox.throttle
    allowed = throttle.leak_per_second / throttle.request_cost
    _all_done(result, "runner", runner)
    text = f"runner in-run >= {TARGET_OF_LEAK:.0%} of leak / cost = {allowed:g} rows/s"
    _judge(result, text, _share(runner.in_run_rate, allowed), TARGET_OF_LEAK)


def shared(bench: Bench, result: ScenarioResult) -> None:
    alone = bench.runners(1)[0]
    alone.client = "our runner, alone"
    pair = bench.runners(2)
    together = pair[-1]
    result.results += [alone, *pair]
    for m in (alone, *pair[:-1]):
        _all_done(result, m.client, m)
    text = f"together >= {TARGET_SHARED:.0%} of one alone, whole command"
    _judge(result, text, _share(together.whole_rate, alone.whole_rate), TARGET_SHARED)


def faults(bench: Bench, result: ScenarioResult) -> None:
    runner = bench.runners(1)[0]
    result.results.append(runner)
    done = f"{runner.done} of {runner.rows}"
    result.targets += [
        Target("runner: every row done after one run", done, runner.done == runner.rows),
        Target(
            "runner: 0 duplicate logins", str(runner.duplicate_logins), not runner.duplicate_logins
        ),
    ]


MEASURE: dict[str, Callable[[Bench, ScenarioResult], None]] = {
    "happy": happy,
    "expensive": expensive,
    "shared": shared,
    "faults": faults,
}


def run_scenario(name: str, args: argparse.Namespace, clients: list[str]) -> ScenarioResult:
    """One scenario on a sandbox of its own, bounded by the hard stop."""
    throttle = ThrottleConfig(request_cost=args.cost) if name == "expensive" else ThrottleConfig()
    fault_rate = args.fault_rate if name == "faults" else 0.0
    fault_config = FaultConfig(rate=fault_rate, seed=args.seed) if fault_rate > 0 else None
    bound = bucket_bound(args.rows, args.latency, throttle)
    result = ScenarioResult(name, args.rows, args.latency, throttle, fault_rate, bound)
    HARD_STOP.arm(HARD_STOP_SECONDS)
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp,
        Sandbox(
            latency=args.latency,
            throttle=throttle,
            extra_students=3 * args.rows,
        ) as sandbox,
    ):
        bench = Bench(sandbox, Path(tmp), args.rows, clients)
        sandbox.set_faults(fault_config)  # after the benchmark's own account lookup
        MEASURE[name](bench, result)
    HARD_STOP.cancel()
    return result


# --- report ---------------------------------------------------------------------------


def _show(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_scenario(result: ScenarioResult) -> None:
    print(
        f"\n== {result.name}: {result.rows} rows per client, answers "
        f"{result.latency * 1000:.0f} ms, cost {result.throttle.request_cost:g} per call, "
        f"faults {result.fault_rate:.0%}, bucket bound {result.bound:.1f} rows/s"
    )
    print(
        f"{'client':<22}{'done':>6}{'failed':>7}{'whole s':>9}{'rows/s':>8}"
        f"{'in-run s':>9}{'rows/s':>8}{'throttled':>10}{'peak':>6}{'exit':>6}{'dup':>5}"
    )
    for m in result.results:
        print(
            f"{m.client:<22}{m.done:>6}{m.failed:>7}{m.whole_seconds:>9.1f}{m.whole_rate:>8.1f}"
            f"{_show(m.in_run_seconds, '.1f'):>9}{_show(m.in_run_rate, '.1f'):>8}"
            f"{_show(m.throttled, 'd'):>10}{_show(m.max_in_flight, 'd'):>6}"
            f"{_show(m.exit_code, 'd'):>6}{m.duplicate_logins:>5}"
        )
    for m in result.results:
        if m.notes:
            print(f"  {m.client}: {m.notes}")
    for target in result.targets:
        print(f"target {target.text} (measured {target.measured}): {target.verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--rows", type=int, default=300, help="rows per client (300)")
    parser.add_argument("--latency", type=float, default=0.3, help="answer time, s (0.3)")
    parser.add_argument("--cost", type=float, default=4, help="cost of a call, expensive (4)")
    parser.add_argument("--fault-rate", type=float, default=0.1, help="share, faults (0.1)")
    parser.add_argument("--seed", type=int, default=1, help="fault seed (1)")
    parser.add_argument(
        "--clients",
        default="serial,runner,ideal",
        help="the happy scenario's clients, comma-separated (serial,runner,ideal)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    clients = [name.strip() for name in args.clients.split(",") if name.strip()]
    unknown = sorted(set(clients) - {"serial", "runner", "ideal"})
    if unknown:
        parser.error(f"unknown client {unknown[0]!r}")
    results = []
    for name in SCENARIOS if args.scenario == "all" else (args.scenario,):
        results.append(run_scenario(name, args, clients))
        if not args.json:
            print_scenario(results[-1])
    if args.json:
        payload = {"cpus": os.cpu_count(), "seed": args.seed}
        payload["scenarios"] = [r.as_dict() for r in results]
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(f"\n({os.cpu_count()} cpus, shared by the sandbox and the clients)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

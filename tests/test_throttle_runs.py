"""Whole runs against the sandbox's leaky bucket: expensive calls, a bucket that refuses
everything, and two runs sharing one token. Canvas's throttle never costs a row unless it
refuses everything for the stated time, and then the row says so."""

from __future__ import annotations

import threading
from pathlib import Path

from test_faults import (
    assert_matches_sandbox,
    read_outcomes,
    run_workbook,
    student_rows,
    write_workbook,
)

from core.canvas import CanvasClient
from core.model import Progress, Status
from core.run import RunSummary
from core.run.engine import SLOW_DOWN_NOTE
from core.sandbox import ThrottleConfig

#: A quick Canvas in miniature: the sandbox's bucket leaks this fast, and the run is told.
FAST_LEAK = 400.0


def run_with_progress(
    path: Path, client: CanvasClient, **options: object
) -> tuple[RunSummary, list[Progress]]:
    """:func:`test_faults.run_workbook`, keeping every progress report."""
    reports: list[Progress] = []
    summary = run_workbook(path, client, reports.append, **options)
    return summary, reports


def test_expensive_calls_are_paced_by_the_bucket_and_every_row_is_done(
    sandbox_factory, tmp_path, create_actions
):
    """Each call settles 20 units in a bucket of 200: the bucket, not the calls in flight,
    sets the pace. The run waits for the leak instead of being refused, and says so."""
    sandbox = sandbox_factory(
        extra_students=40,
        latency=0.02,
        throttle=ThrottleConfig(high_water=200, request_cost=20, leak_per_second=FAST_LEAK),
    )
    path = write_workbook(tmp_path / "expensive.xlsx", student_rows(40, "dear"))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary, reports = run_with_progress(path, client, bucket_leak_per_second=FAST_LEAK)

    outcomes = read_outcomes(path)
    assert {r.status for r in outcomes} == {"Created"}
    assert summary.count(Status.CREATED) == 40 and summary.count(Status.FAILED) == 0
    # Held back before Canvas had to refuse, nearly always: at this fast leak a reading
    # can go stale within the 20 ms answers (at Canvas's 10 a second the margin covers it).
    assert sandbox.stats.throttled <= 6, sandbox.stats.throttled
    waits = [report for report in reports if report.slowed_down]
    assert waits and waits[0].message == SLOW_DOWN_NOTE  # said when the waiting starts
    assert_matches_sandbox(sandbox, outcomes, "dear.")
    assert set(create_actions.values()) == {1}


def test_a_bucket_that_refuses_everything_fails_rows_truthfully_after_the_patience(
    sandbox_factory, tmp_path, create_actions
):
    sandbox = sandbox_factory(
        extra_students=6,
        latency=0.01,
        throttle=ThrottleConfig(high_water=0, leak_per_second=FAST_LEAK),
    )
    path = write_workbook(tmp_path / "refused.xlsx", student_rows(6, "shut"))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary, reports = run_with_progress(
            path,
            client,
            account_id=1,
            check_permission=False,
            throttle_patience=1.0,
            bucket_leak_per_second=FAST_LEAK,
        )

    outcomes = read_outcomes(path)
    assert {r.status for r in outcomes} == {"Failed"}
    for outcome in outcomes:
        assert "refused every request for its rate limit for 1 second" in outcome.message
        assert "not changed" in outcome.message
        assert "will be retried" not in outcome.message
    assert summary.count(Status.FAILED) == 6
    assert sandbox.stats.throttled > 6  # each row was tried again before giving up
    assert any(report.slowed_down and report.message == SLOW_DOWN_NOTE for report in reports)
    assert not create_actions  # nothing reached Canvas's login handler
    assert not sandbox.state.find_login("shut.s000001")


def test_two_runs_sharing_a_token_both_finish_every_row(sandbox_factory, tmp_path, create_actions):
    """Two staff members (or the app and a script) with the same token at once: each run
    sees the other in the room Canvas reports and shrinks; refused calls wait and retry."""
    sandbox = sandbox_factory(extra_students=120, latency=0.05)
    first = write_workbook(tmp_path / "first.xlsx", student_rows(60, "one"))
    second = write_workbook(tmp_path / "second.xlsx", student_rows(60, "two", first=61))
    summaries: dict[str, RunSummary] = {}
    errors: list[BaseException] = []

    def run(name: str, path: Path) -> None:
        try:
            with CanvasClient(sandbox.url, sandbox.token) as client:
                summaries[name], _ = run_with_progress(path, client)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    runs = [
        threading.Thread(target=run, args=("first", first)),
        threading.Thread(target=run, args=("second", second)),
    ]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(120)
    assert not errors, errors
    for name, path, prefix in (("first", first, "one."), ("second", second, "two.")):
        assert summaries[name].count(Status.CREATED) == 60
        outcomes = read_outcomes(path)
        assert {r.status for r in outcomes} == {"Created"}
        assert_matches_sandbox(sandbox, outcomes, prefix)
    assert set(create_actions.values()) == {1}

"""The runner against the built-in Canvas over real HTTP: every outcome, and safety."""

from __future__ import annotations

import pytest
from table_support import table_from_dicts, workflow_for

from core.canvas import CanvasClient
from core.model import CancelToken, Role, Status, Table
from core.plan import apply_results, build_plan
from core.rules import check_table
from core.run import CanvasUnavailable, RunOptions, RunSummary, execute

HEADERS = [
    "Name",
    "Canvas User ID",
    "SIS User ID",
    "Current Login",
    "New Login",
    "Password",
    "Authentication Provider",
    "Action",
]
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


def make_table(rows: list[dict[str, str]]) -> Table:
    return table_from_dicts(HEADERS, rows)


def run(table: Table, sandbox, token: str | None = None, **options) -> RunSummary:
    """Check, plan, run and apply through the workflow, as the CLI does."""
    workflow = workflow_for(table)
    with CanvasClient(sandbox.url, token or sandbox.token) as client:
        outcome = workflow.run(
            workflow.plan(workflow.check()), client, RunOptions(**{**FAST, **options})
        )
    if outcome.stopped is not None:
        raise outcome.stopped
    workflow.apply(outcome.summary.results)
    return outcome.summary


def statuses(table: Table) -> list[str]:
    return [table.status(row) for row in range(len(table.rows))]


def logins_named(sandbox, user_id: int, name: str) -> list[dict]:
    return [lg for lg in sandbox.state.logins_of(user_id) if lg["unique_id"] == name]


EVERY_OUTCOME = [
    {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
    {"SIS User ID": "0045522", "New Login": "chloe.b", "Password": "pink-star-72"},
    {"SIS User ID": "0045523", "New Login": "office.admin", "Password": "gold-leaf-38"},
    {"SIS User ID": "0045527", "New Login": "isla.t", "Password": "new-moon-81", "Action": "Reset"},
    {"SIS User ID": "0045526", "New Login": "henry.d", "Action": "Remove"},
    {"SIS User ID": "0045525", "New Login": "grace.old", "Action": "Delete"},
    {"SIS User ID": "0045513", "New Login": "noah.n", "Password": "cat7"},
    {"SIS User ID": "9999999", "New Login": "nobody.x", "Password": "long-enough-1"},
    {"Canvas User ID": "116", "New Login": "aarav.s", "Password": "cool-wave-47"},
]


def test_every_status_word(sandbox):
    table = make_table(EVERY_OUTCOME)
    summary = run(table, sandbox)
    assert statuses(table) == [
        "Created",
        "Already exists",
        "Failed",
        "Updated",
        "Deleted",
        "Already deleted",
        "Invalid",
        "Failed",
        "Created",
    ]
    message = lambda row: table.value(row, Role.MESSAGE)  # noqa: E731
    assert message(2) == "Login name 'office.admin' already belongs to another person in Canvas."
    assert message(7) == "No student with SIS User ID '9999999' was found in Canvas."
    assert "shorter than 8" in message(6)
    chloe_login = logins_named(sandbox, 113, "chloe.b")[0]
    assert table.value(1, Role.CANVAS_LOGIN_ID) == str(chloe_login["id"])
    [ava] = logins_named(sandbox, 101, "ava.k")
    assert ava["password"] == "sunny-apple-7"
    assert table.value(0, Role.CANVAS_LOGIN_ID) == str(ava["id"])
    assert logins_named(sandbox, 118, "isla.t")[0]["password"] == "new-moon-81"
    assert logins_named(sandbox, 117, "henry.d") == []
    assert logins_named(sandbox, 116, "aarav.s")
    assert all(table.value(row, Role.PROCESSED_AT) for row in range(len(table.rows)))
    assert summary.line().startswith(
        "created 2, already existed 1, updated 1, deleted 1, already deleted 1, failed 2, "
        "invalid 1 in "
    )


def test_dry_run_only_reads(sandbox):
    rows = [*EVERY_OUTCOME, {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "x" * 9}]
    table = make_table(rows)
    before = sandbox.stats.total_writes
    run(table, sandbox, dry_run=True)
    assert sandbox.stats.total_writes == before
    assert statuses(table) == [
        "Ready",
        "Already exists",
        "Would fail",
        "Ready",
        "Ready",
        "Already deleted",
        "Invalid",
        "Would fail",
        "Ready",
        "Ready",
    ]
    assert "already belongs to another person" in table.value(2, Role.MESSAGE)
    assert table.value(0, Role.MESSAGE) == "Would create login 'ava.k'"
    # A check processes nothing: no Processed At, and no row counts as done.
    assert not any(table.value(row, Role.PROCESSED_AT) for row in range(len(table.rows)))
    assert table.checked_rows == set(range(len(table.rows)))
    assert not any(table.is_done(row) for row in range(len(table.rows)))


def test_a_second_run_sends_no_write(sandbox):
    table = make_table(EVERY_OUTCOME)
    run(table, sandbox)
    writes = list(sandbox.state.write_log)
    requests_before = sandbox.stats.total_writes
    summary = run(table, sandbox)
    assert sandbox.state.write_log == writes
    # The two Failed rows are checked again with reads only: they would fail the same way.
    assert sandbox.stats.total_writes == requests_before
    assert statuses(table).count("Failed") == 2
    assert summary.count(Status.CREATED) == 0
    assert statuses(table).count("Created") == 2


def test_delete_touches_only_the_named_login(sandbox):
    henry_before = {lg["id"] for lg in sandbox.state.logins_of(117)}
    everyone_before = {lg["id"] for lg in sandbox.state.all_active_logins()}
    table = make_table([{"SIS User ID": "0045526", "New Login": "HENRY.D", "Action": "Delete"}])
    run(table, sandbox)
    removed = everyone_before - {lg["id"] for lg in sandbox.state.all_active_logins()}
    assert statuses(table) == ["Deleted"]
    assert len(removed) == 1 and removed <= henry_before
    assert table.value(0, Role.CANVAS_LOGIN_ID) == str(removed.pop())


def test_delete_refuses_a_login_id_that_is_not_the_named_login(sandbox):
    isla_sso = sandbox.state.logins_of(118)[0]
    table = make_table([{"SIS User ID": "0045527", "New Login": "isla.t", "Action": "Delete"}])
    table.set_value(0, Role.CANVAS_LOGIN_ID, str(isla_sso["id"]))
    before = len(sandbox.state.all_active_logins())
    run(table, sandbox)
    assert statuses(table) == ["Failed"]
    assert "not 'isla.t'" in table.value(0, Role.MESSAGE)
    assert len(sandbox.state.all_active_logins()) == before


def test_delete_by_canvas_login_id_and_the_last_login(sandbox):
    solo = sandbox.state.add_student("Solo Kid", "S-SOLO")
    only = sandbox.state.add_login(solo, "solo.k", "canvas")
    henry_d = logins_named(sandbox, 117, "henry.d")[0]
    table = make_table(
        [
            {"SIS User ID": "S-SOLO", "New Login": "solo.k", "Action": "Delete"},
            {"Canvas User ID": "117", "Action": "Delete"},
        ]
    )
    table.set_value(1, Role.CANVAS_LOGIN_ID, str(henry_d["id"]))
    run(table, sandbox)
    assert statuses(table) == ["Failed", "Deleted"]
    assert table.value(0, Role.MESSAGE) == (
        "This is the student's only login; Canvas will not remove it."
    )
    assert sandbox.state.logins_of(solo)[0]["id"] == only["id"]
    assert logins_named(sandbox, 117, "henry.d") == []


def test_update_renames_and_a_repeat_sees_it_done(sandbox):
    rename = {
        "SIS User ID": "0045527",
        "Current Login": "isla.t",
        "New Login": "isla.thompson",
        "Action": "Change",
    }
    table = make_table([rename])
    run(table, sandbox)
    assert statuses(table) == ["Updated"]
    assert "renamed login 'isla.t' to 'isla.thompson'" in table.value(0, Role.MESSAGE).lower()
    assert logins_named(sandbox, 118, "isla.thompson")
    writes = len(sandbox.state.write_log)
    again = make_table([rename])  # the answer was lost: the row is run again
    run(again, sandbox)
    assert statuses(again) == ["Updated"]
    assert len(sandbox.state.write_log) == writes


def test_update_a_login_the_student_does_not_have(sandbox):
    table = make_table(
        [
            {
                "SIS User ID": "0045510",
                "New Login": "ghost",
                "Password": "long-enough",
                "Action": "Reset",
            }
        ]
    )
    run(table, sandbox)
    assert statuses(table) == ["Failed"]
    assert table.value(0, Role.MESSAGE) == "This student has no login 'ghost' in Canvas."


def test_password_change_not_allowed_explains_the_setting(sandbox):
    sandbox.add_token("no-password-right", rights={"manage_user_logins", "read_sis"})
    table = make_table(
        [
            {
                "SIS User ID": "0045527",
                "New Login": "isla.t",
                "Password": "new-moon-81",
                "Action": "Reset",
            }
        ]
    )
    run(table, sandbox, token="no-password-right")
    assert statuses(table) == ["Failed"]
    assert "admins can change passwords" in table.value(0, Role.MESSAGE)


def test_a_token_that_may_not_manage_logins_stops_before_any_write(sandbox):
    sandbox.add_token("reader", rights={"read_sis"})
    table = make_table(EVERY_OUTCOME)
    with pytest.raises(CanvasUnavailable) as caught:
        run(table, sandbox, token="reader", account_id=1)
    assert sandbox.stats.total_writes == 0
    assert "may not manage logins" in caught.value.message
    assert {r.status for r in caught.value.summary.results} == {Status.INVALID}


def test_a_refused_token_stops_the_run(sandbox):
    sandbox.add_token("old-token")
    sandbox.revoke_token("old-token")
    with pytest.raises(CanvasUnavailable) as caught:
        run(make_table(EVERY_OUTCOME), sandbox, token="old-token", account_id=1)
    assert "refused the access token" in caught.value.message
    assert sandbox.stats.total_writes == 0


def test_a_token_revoked_mid_run_keeps_what_finished(sandbox_factory):
    sandbox = sandbox_factory(extra_students=30, latency=0.01)
    sandbox.add_token("short-lived")
    rows = [
        {"SIS User ID": f"S{n:06d}", "New Login": f"kid{n}", "Password": "long-enough"}
        for n in range(1, 31)
    ]
    table = make_table(rows)
    plan = build_plan(table, check_table(table))

    def revoke_after_some(progress):
        if progress.done >= 3:
            sandbox.revoke_token("short-lived")

    with (
        CanvasClient(sandbox.url, "short-lived") as client,
        pytest.raises(CanvasUnavailable) as caught,
    ):
        execute(
            plan,
            client,
            RunOptions(account_id=1, concurrency=2, **FAST),
            progress=revoke_after_some,
        )
    created = [r for r in caught.value.summary.results if r.status is Status.CREATED]
    assert 3 <= len(created) < 30
    assert len(sandbox.state.writes("POST")) == len(created)


def test_cancel_keeps_finished_results_and_sends_nothing_after(sandbox_factory):
    sandbox = sandbox_factory(extra_students=40, latency=0.02)
    rows = [
        {"SIS User ID": f"S{n:06d}", "New Login": f"kid{n}", "Password": "long-enough"}
        for n in range(1, 41)
    ]
    table = make_table(rows)
    plan = build_plan(table, check_table(table))
    cancel = CancelToken()
    seen: list[int] = []

    def stop_early(progress):
        seen.append(progress.done)
        if progress.done >= 4:
            cancel.cancel()

    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = execute(
            plan,
            client,
            RunOptions(account_id=1, concurrency=3, **FAST),
            progress=stop_early,
            cancel=cancel,
        )
    assert summary.cancelled
    created = [r for r in summary.results if r.status is Status.CREATED]
    assert 4 <= len(created) < 40
    assert len(sandbox.state.writes("POST")) == len(created)
    assert sandbox.stats.total_writes == len(created)
    apply_results(table, summary.results)
    assert statuses(table).count("") == 40 - len(created)
    finished = run(table, sandbox, account_id=1)
    assert finished.count(Status.CREATED) == 40 - len(created)
    assert sandbox.stats.total_writes == 40


def test_throttle_adapts_and_loses_no_row(sandbox_factory):
    from core.sandbox import ThrottleConfig

    sandbox = sandbox_factory(
        extra_students=120, latency=0.01, throttle=ThrottleConfig(high_water=300)
    )
    rows = [
        {"SIS User ID": f"S{n:06d}", "New Login": f"kid{n}", "Password": "long-enough"}
        for n in range(1, 121)
    ]
    table = make_table(rows)
    summary = run(table, sandbox, account_id=1, concurrency=16)
    assert summary.count(Status.FAILED) == 0
    assert summary.count(Status.CREATED) == 120
    assert len(sandbox.state.writes("POST")) == 120
    for n in range(1, 121):
        assert len(logins_named(sandbox, 1000 + n, f"kid{n}")) == 1


def test_progress_is_reported_on_the_calling_thread(sandbox):
    import threading

    table = make_table(EVERY_OUTCOME)
    plan = build_plan(table, check_table(table))
    threads: set[str] = set()
    reports = []

    def progress(report):
        threads.add(threading.current_thread().name)
        reports.append(report)

    with CanvasClient(sandbox.url, sandbox.token) as client:
        execute(plan, client, RunOptions(**FAST), progress=progress)
    assert threads == {threading.current_thread().name}
    assert reports[-1].done == reports[-1].total == len(plan.operations)
    assert sum(len(r.results) for r in reports) == len(plan.operations)


def test_canvas_unreachable_from_the_start_stops_with_nothing_done():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    table = make_table(EVERY_OUTCOME)
    plan = build_plan(table, check_table(table))
    for check_permission in (True, False):
        client = CanvasClient(f"http://127.0.0.1:{port}", "any-token")
        options = RunOptions(account_id=1, check_permission=check_permission, retries=1, **FAST)
        with client, pytest.raises(CanvasUnavailable) as caught:
            execute(plan, client, options)
        assert "Could not reach Canvas" in caught.value.message
        assert {r.status for r in caught.value.summary.results} == {Status.INVALID}

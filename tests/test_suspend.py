"""Suspend and Reactivate rows against the built-in Canvas over real HTTP: the state in
Canvas, signing in, the "already" cases, the check, lost answers and the SIS-import run."""

from __future__ import annotations

import pytest
import requests
from test_runner import FAST, make_table, run, statuses
from test_runner_recovery import _seed_faulting_only
from test_sis_run import import_run, wrap_route

from core.canvas import CanvasClient
from core.journal import Journal, workbook_key_for
from core.model import Action, Role, Status, parse_action
from core.plan import build_plan
from core.rules import check_table
from core.run import RunOptions, execute
from core.sandbox import FaultConfig
from core.sandbox.state import UNAUTHORIZED_BODY, ApiError
from core.words import check_sentence, confirmation_lines, dry_run_line, summary_sentence

#: Isla Thompson (Canvas user 118, SIS 0045527): an SSO login and her second login,
#: isla.t, a Canvas login whose password is known.
ISLA = {"SIS User ID": "0045527", "New Login": "isla.t"}
ISLA_PASSWORD = "sandbox-pass-1"
#: Chloé Bernard (113) and her second login chloe.b; Henry Davis (117) and henry.d.
CHLOE = {"SIS User ID": "0045522", "New Login": "chloe.b"}
HENRY = {"SIS User ID": "0045526", "New Login": "henry.d"}
EDIT_ROUTE = "/api/v1/accounts/:account_id/logins/:login_id"


def login_named(sandbox, name: str) -> dict:
    found = sandbox.state.find_login(name)
    assert found is not None, name
    return found


def set_state(sandbox, name: str, state: str) -> None:
    with sandbox.state.lock:
        sandbox.state.logins[login_named(sandbox, name)["id"]]["workflow_state"] = state


def puts(sandbox) -> list[tuple[str, str, str]]:
    return sandbox.state.writes("PUT")


def sign_in_form(sandbox, unique_id: str, password: str) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/login/canvas",
        data={"pseudonym_session[unique_id]": unique_id, "pseudonym_session[password]": password},
        allow_redirects=False,
        timeout=5,
    )


def test_suspend_then_reactivate_a_second_login(sandbox):
    isla = login_named(sandbox, "isla.t")
    assert sandbox.state.can_sign_in("isla.t", ISLA_PASSWORD)
    assert sign_in_form(sandbox, "Isla.T", ISLA_PASSWORD).status_code == 302

    table = make_table([{**ISLA, "Action": "Suspend"}])
    summary = run(table, sandbox)
    assert statuses(table) == ["Suspended"]
    assert table.value(0, Role.MESSAGE) == (
        "Login 'isla.t' suspended: the student cannot sign in with it until it is reactivated"
    )
    assert table.value(0, Role.CANVAS_LOGIN_ID) == str(isla["id"])
    assert table.value(0, Role.PROCESSED_AT)
    assert login_named(sandbox, "isla.t")["workflow_state"] == "suspended"
    assert puts(sandbox) == [
        ("PUT", f"/api/v1/accounts/1/logins/{isla['id']}", f"login:{isla['id']}")
    ]
    # Suspended, not removed: the name and password stay, but nobody signs in with them.
    assert not sandbox.state.can_sign_in("isla.t", ISLA_PASSWORD)
    refused = sign_in_form(sandbox, "isla.t", ISLA_PASSWORD)
    assert refused.status_code == 400 and "verify your username" in refused.text
    # Her single sign-on login is untouched.
    assert {lg["workflow_state"] for lg in sandbox.state.logins_of(118)} == {"active", "suspended"}
    assert summary.line().endswith(
        "; suspended 1, already suspended 0, reactivated 0, already active 0"
    )
    assert summary_sentence(summary) == "1 suspended"

    again = make_table([{**ISLA, "Action": "Reactivate"}])
    summary = run(again, sandbox)
    assert statuses(again) == ["Reactivated"]
    assert again.value(0, Role.MESSAGE) == (
        "Login 'isla.t' reactivated: the student can sign in with it again"
    )
    assert login_named(sandbox, "isla.t")["workflow_state"] == "active"
    assert sandbox.state.can_sign_in("isla.t", ISLA_PASSWORD)
    assert (
        sign_in_form(sandbox, "isla.t", ISLA_PASSWORD)
        .headers["Location"]
        .endswith("/?login_success=1")
    )
    assert len(puts(sandbox)) == 2
    assert summary_sentence(summary) == "1 reactivated"


def test_the_already_cases_send_nothing(sandbox):
    set_state(sandbox, "chloe.b", "suspended")
    table = make_table(
        [
            {**CHLOE, "Action": "Suspend"},
            {**ISLA, "Action": "Reactivate"},
            # Named by its Canvas Login ID alone.
            {"SIS User ID": "0045526", "Action": "Enable"},
        ]
    )
    table.set_cell(
        2, table.column(Role.CANVAS_LOGIN_ID), str(login_named(sandbox, "henry.d")["id"])
    )
    summary = run(table, sandbox)
    assert statuses(table) == ["Already suspended", "Already active", "Already active"]
    assert table.value(0, Role.MESSAGE) == (
        "Login 'chloe.b' is already suspended: the student cannot sign in with it until it "
        "is reactivated"
    )
    assert table.value(1, Role.MESSAGE) == (
        "Login 'isla.t' is already active: the student can sign in with it"
    )
    assert table.value(2, Role.MESSAGE).startswith("Login 'henry.d' is already active")
    assert table.value(0, Role.CANVAS_LOGIN_ID) == str(login_named(sandbox, "chloe.b")["id"])
    assert puts(sandbox) == []
    assert summary.line().endswith(
        "; suspended 0, already suspended 1, reactivated 0, already active 2"
    )


def test_the_check_reports_suspended_logins(sandbox):
    set_state(sandbox, "isla.t", "suspended")
    rows = [
        {**ISLA, "Action": "Suspend"},
        {**ISLA, "Action": "Reactivate"},
        {**CHLOE, "Action": "Disable"},
        {**CHLOE, "Action": "Unsuspend"},
        # A reset of a suspended login: it would go through, and the login stays suspended.
        {**ISLA, "Password": "fresh-moon-12", "Action": "Reset"},
        {"SIS User ID": "0045527", "New Login": "isla.gone", "Action": "Suspend"},
        {"SIS User ID": "9999999", "New Login": "nobody.x", "Action": "Suspend"},
    ]
    table = make_table(rows)
    writes_before = sandbox.stats.total_writes
    summary = run(table, sandbox, dry_run=True)
    assert sandbox.stats.total_writes == writes_before
    assert statuses(table) == [
        "Already suspended",
        "Ready",
        "Ready",
        "Already active",
        "Ready",
        "Would fail",
        "Would fail",
    ]
    message = lambda row: table.value(row, Role.MESSAGE)  # noqa: E731
    assert message(1) == "Would reactivate login 'isla.t'"
    assert message(2) == "Would suspend login 'chloe.b'"
    assert message(4) == (
        "Would change the password of login 'isla.t'; the login is suspended: the student "
        "cannot sign in with it until it is reactivated"
    )
    assert message(5) == "This student has no login 'isla.gone' in Canvas."
    assert message(6) == "No student with SIS User ID '9999999' was found in Canvas."
    assert not any(table.value(row, Role.PROCESSED_AT) for row in range(len(rows)))
    assert check_sentence(summary) == (
        "3 ready, 1 already suspended, 1 already active, 2 would fail"
    )
    assert dry_run_line(summary) == (
        "Dry run: 3 rows ready, 2 would fail, 0 already exist, 1 already suspended, "
        "1 already active; nothing was changed."
    )


def test_a_create_of_a_suspended_login_says_it_is_suspended(sandbox):
    """In the check and in the run: Already exists, and why the student cannot sign in."""
    set_state(sandbox, "isla.t", "suspended")
    expected = (
        "The student already has the login 'isla.t' in Canvas; the login is suspended: the "
        "student cannot sign in with it until it is reactivated"
    )
    for dry_run in (True, False):
        table = make_table([{**ISLA, "Password": "fresh-moon-12"}])
        run(table, sandbox, dry_run=dry_run)
        assert statuses(table) == ["Already exists"]
        assert table.value(0, Role.MESSAGE) == expected
    assert login_named(sandbox, "isla.t")["workflow_state"] == "suspended"
    assert sandbox.state.writes() == []


def test_a_password_reset_of_a_suspended_login_says_it_stays_suspended(sandbox):
    set_state(sandbox, "isla.t", "suspended")
    table = make_table([{**ISLA, "Password": "fresh-moon-12", "Action": "Reset"}])
    run(table, sandbox)
    assert statuses(table) == ["Updated"]
    assert table.value(0, Role.MESSAGE) == (
        "Changed the password of login 'isla.t'; the login is suspended: the student cannot "
        "sign in with it until it is reactivated"
    )
    assert not sandbox.state.can_sign_in("isla.t", "fresh-moon-12")
    set_state(sandbox, "isla.t", "active")
    assert sandbox.state.can_sign_in("isla.t", "fresh-moon-12")


@pytest.mark.parametrize(
    ("word", "action"),
    [
        ("Suspend", Action.SUSPEND),
        (" disable ", Action.SUSPEND),
        ("DISABLE", Action.SUSPEND),
        ("Reactivate", Action.REACTIVATE),
        ("Re-activate", Action.REACTIVATE),
        ("Enable", Action.REACTIVATE),
        ("re-enable", Action.REACTIVATE),
        ("Unsuspend", Action.REACTIVATE),
    ],
)
def test_action_words(word, action):
    assert parse_action(word) is action


def test_disable_and_unsuspend_rows_by_a_unicode_name_in_current_login(sandbox):
    """The student named by Current Login alone, typed in other case than Canvas holds it."""
    sandbox.state.add_login(103, "zoë.d", "canvas", password="sunny-day-42")
    table = make_table(
        [
            {"Name": "Zoë Dubois", "Current Login": "Zoë.D", "Action": "Disable"},
            {"Name": "Chloé", **CHLOE, "Action": "disable"},
        ]
    )
    run(table, sandbox)
    assert statuses(table) == ["Suspended", "Suspended"]
    assert table.value(0, Role.MESSAGE).startswith("Login 'zoë.d' suspended")
    assert not sandbox.state.can_sign_in("ZOË.D", "sunny-day-42")
    back = make_table([{"Current Login": "zoë.d", "Action": "Unsuspend"}])
    run(back, sandbox)
    assert statuses(back) == ["Reactivated"]
    assert sandbox.state.can_sign_in("ZOË.D", "sunny-day-42")


def test_the_rules_want_a_login_and_warn_about_a_password(sandbox):
    table = make_table(
        [
            {"SIS User ID": "0045527", "Action": "Suspend"},
            {**ISLA, "Password": "sunny-apple-7", "Action": "Reactivate"},
            {**ISLA, "Action": "Suspend"},
            {**ISLA, "Action": "Suspend"},  # the same login twice is no duplicate to create
            {"New Login": "isla.t", "Action": "Suspend"},
        ]
    )
    findings = check_table(table)
    by_row = {(f.row, f.role, f.severity.value, f.message) for f in findings}
    assert by_row == {
        (
            0,
            Role.NEW_LOGIN,
            "error",
            "No login name: fill in the login to suspend (or its Canvas Login ID)",
        ),
        (
            1,
            Role.PASSWORD,
            "warning",
            "The password is not used when a login is reactivated: the student signs in with "
            "the password the login had (use an Update row to change it)",
        ),
        (
            4,
            Role.CANVAS_USER_ID,
            "error",
            "No student: fill in the Canvas User ID, SIS User ID or Current Login, so Canvas "
            "knows whose login this is (Find students in Canvas fills it from the student's name)",
        ),
    }
    summary = run(table, sandbox, concurrency=1)
    assert statuses(table) == [
        "Invalid",
        "Already active",
        "Suspended",
        "Already suspended",
        "Invalid",
    ]
    assert login_named(sandbox, "isla.t")["password"] == ISLA_PASSWORD
    assert summary.count(Status.INVALID) == 2


def test_a_rerun_sends_nothing_and_an_undone_row_is_suspended_again(sandbox):
    table = make_table([{**ISLA, "Action": "Suspend"}, {**HENRY, "Action": "Suspend"}])
    run(table, sandbox)
    assert statuses(table) == ["Suspended", "Suspended"]
    writes = list(sandbox.state.write_log)
    summary = run(table, sandbox)
    assert summary.results == []
    assert sandbox.state.write_log == writes
    assert statuses(table) == ["Suspended", "Suspended"]
    # An undo reactivated isla.t and said so in her row: that row is not done any more.
    set_state(sandbox, "isla.t", "active")
    table.set_cell(0, table.column(Role.STATUS), Status.REACTIVATED.value)
    assert not table.is_done(0)
    summary = run(table, sandbox)
    assert [r.status for r in summary.results] == [Status.SUSPENDED]
    assert login_named(sandbox, "isla.t")["workflow_state"] == "suspended"


def test_the_confirmation_counts_suspensions(sandbox):
    table = make_table(
        [
            {**ISLA, "Action": "Suspend"},
            {**CHLOE, "Action": "Disable"},
            {**HENRY, "Action": "Enable"},
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
        ]
    )
    plan = build_plan(table, check_table(table))
    assert [op.unique_id for op in plan.operations] == ["isla.t", "chloe.b", "henry.d", "ava.k"]
    assert confirmation_lines(plan) == ["Create 1 login", "Suspend 2 logins", "Reactivate 1 login"]


def test_a_lost_answer_is_settled_by_reading_without_a_second_write(sandbox_factory):
    # Requests: 0 the permission check, 1 the logins read, 2 the PUT (done, then a 502).
    seed = _seed_faulting_only(2, "done_then_502")
    sandbox = sandbox_factory(faults=FaultConfig(rate=0.3, seed=seed, kinds=("done_then_502",)))
    table = make_table([{**ISLA, "Action": "Suspend"}])
    plan = build_plan(table, check_table(table))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = execute(plan, client, RunOptions(account_id=1, concurrency=1, **FAST))
    assert sandbox.stats.faults["done_then_502"] == 1
    assert [(r.status, r.message) for r in summary.results] == [
        (
            Status.SUSPENDED,
            "Login 'isla.t' suspended: the student cannot sign in with it until it is reactivated",
        )
    ]
    assert len(puts(sandbox)) == 1
    assert login_named(sandbox, "isla.t")["workflow_state"] == "suspended"


def test_a_change_sent_before_a_crash_is_recorded_as_made_by_the_run(sandbox, tmp_path):
    """The journal saw the PUT go out and no answer; Canvas had made the change: the next
    run says Suspended (so an undo reactivates it), not Already suspended."""
    key = workbook_key_for(tmp_path / "year-end.xlsx")
    table = make_table([{**ISLA, "Action": "Suspend"}, {**CHLOE, "Action": "Suspend"}])
    set_state(sandbox, "isla.t", "suspended")
    set_state(sandbox, "chloe.b", "suspended")
    with Journal() as journal:
        crashed = journal.start_run(key)
        journal.record_sent(crashed, table.row_identity(0), "Suspend")
        plan = build_plan(table, check_table(table))
        with CanvasClient(sandbox.url, sandbox.token) as client:
            summary = execute(
                plan, client, RunOptions(account_id=1, **FAST), journal=journal, workbook_key=key
            )
    assert [r.status for r in summary.results] == [Status.SUSPENDED, Status.ALREADY_SUSPENDED]
    assert puts(sandbox) == []


def test_an_edit_refused_names_the_right(sandbox, monkeypatch):
    def refuse(request, original):
        raise ApiError(403, UNAUTHORIZED_BODY)

    wrap_route(monkeypatch, "PUT", EDIT_ROUTE, refuse)
    table = make_table([{**ISLA, "Action": "Suspend"}])
    run(table, sandbox)
    assert statuses(table) == ["Failed"]
    message = table.value(0, Role.MESSAGE)
    assert message.startswith("Canvas did not allow your token to suspend this login")
    assert "manage login details" in message
    assert login_named(sandbox, "isla.t")["workflow_state"] == "active"


def test_a_canvas_that_ignores_the_state_is_not_reported_done(sandbox, monkeypatch):
    """An older Canvas that takes the edit but not workflow_state: Failed, never Suspended."""

    def ignore_state(request, original):
        request.params.values.pop("login[workflow_state]", None)
        request.params.add("login[declared_user_type]", "student")
        return original(request)

    wrap_route(monkeypatch, "PUT", EDIT_ROUTE, ignore_state)
    table = make_table([{**ISLA, "Action": "Suspend"}])
    run(table, sandbox)
    assert statuses(table) == ["Failed"]
    assert "left the login 'isla.t' active" in table.value(0, Role.MESSAGE)


def test_a_sis_import_run_sends_suspend_rows_by_the_api(sandbox):
    sandbox.state.sis_import_seconds = 0.2
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {**ISLA, "Action": "Suspend"},
            {**CHLOE, "Action": "Reactivate"},
        ]
    )
    summary = import_run(table, sandbox)
    assert statuses(table) == ["Created", "Suspended", "Already active"]
    isla = login_named(sandbox, "isla.t")
    assert isla["workflow_state"] == "suspended"
    assert puts(sandbox) == [
        ("PUT", f"/api/v1/accounts/1/logins/{isla['id']}", f"login:{isla['id']}")
    ]
    assert len(sandbox.state.sis_imports) == 1
    assert summary.count(Status.SUSPENDED) == 1


def test_the_sign_in_form_refuses_what_canvas_refuses(sandbox):
    # Wrong password, unknown name, a removed login, and a single sign-on login.
    assert sign_in_form(sandbox, "isla.t", "wrong-password").status_code == 400
    assert sign_in_form(sandbox, "nobody.here", ISLA_PASSWORD).status_code == 400
    assert sign_in_form(sandbox, "", "").status_code == 400
    set_state(sandbox, "henry.d", "deleted")
    assert not sandbox.state.can_sign_in("henry.d", ISLA_PASSWORD)
    sso = next(lg for lg in sandbox.state.logins_of(118) if lg["unique_id"] != "isla.t")
    assert not sandbox.state.can_sign_in(sso["unique_id"], sso["password"])
    assert sandbox.state.can_sign_in("office.admin", "sandbox-admin")


def test_no_generated_login_password_or_card_for_these_rows():
    from core.kit.cards import cards_for
    from core.kit.fill import FillOptions, plan_fill

    rows = [
        {"Name": "Isla Thompson", "SIS User ID": "0045527", "Action": "Suspend"},
        {"Name": "Chloé Bernard", "SIS User ID": "0045522", "Action": "Enable"},
        {"Name": "Ava Kowalski", "SIS User ID": "0045510"},
    ]
    table = make_table(rows)
    plan = plan_fill(table, FillOptions())
    assert {cell.row for cell in plan.cells} == {2}
    assert plan.skipped == {}
    done = make_table([{**ISLA, "Action": "Suspend"}, {**CHLOE, "Action": "Reactivate"}])
    for row, word in enumerate(("Suspended", "Reactivated")):
        done.set_cell(row, done.column(Role.STATUS), word)
    assert cards_for(done, [0, 1]) == []

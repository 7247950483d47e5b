"""Runs by SIS import against the built-in Canvas over real HTTP."""

from __future__ import annotations

import dataclasses
import time

import pytest
from table_support import table_from_dicts, workflow_for

from core import cli
from core.canvas import CanvasClient
from core.journal import Journal
from core.model import OUTPUT_ROLES, CancelToken, RunMethod, Status, Table, role_for_header
from core.plan import build_plan
from core.rules import check_table
from core.run.engine import CanvasUnavailable, RunOptions, RunSummary
from core.sandbox import routes
from core.sandbox.request import ApiResponse
from core.sis.export import build_logins_csv
from core.sis.import_warnings import ImportWarning, map_warnings, plain_warning
from core.sis.method import (
    ImportSettings,
    method_advice,
    recommended_method,
    run_by_import,
)
from core.undo import plan_undo

HEADERS = [
    "Name",
    "Canvas User ID",
    "SIS User ID",
    "New Login",
    "Password",
    "Login SIS ID",
    "Action",
]
FAST_OPTIONS = {"backoff_base": 0.01, "backoff_cap": 0.05}
FAST_POLL = ImportSettings(poll_first=0.02, poll_cap=0.05)


def make_table(rows: list[dict[str, str]]) -> Table:
    return table_from_dicts(HEADERS, rows)


@pytest.fixture
def sb(sandbox):
    sandbox.state.sis_import_seconds = 0.2
    return sandbox


def import_run(
    table, sb, token=None, journal=None, progress=None, cancel=None, min_password_length=8
) -> RunSummary:
    """Check, plan, run by SIS import and apply (the import's quick polling for tests)."""
    workflow = workflow_for(table)
    plan = workflow.plan(workflow.check(min_password_length=min_password_length))
    with CanvasClient(sb.url, token or sb.token) as client:
        summary = run_by_import(
            plan,
            client,
            RunOptions(**FAST_OPTIONS),
            settings=FAST_POLL,
            progress=progress,
            cancel=cancel,
            journal=journal,
            workbook_key="book",
        )
    workflow.apply(summary.results)
    return summary


def login_of(sb, user_id: int, name: str) -> dict | None:
    return next((lg for lg in sb.state.logins_of(user_id) if lg["unique_id"] == name), None)


def wrap_route(monkeypatch, method: str, template: str, wrapper) -> None:
    """Let ``wrapper(request, original)`` answer the sandbox's route instead."""
    changed = []
    for route in routes.ROUTES:
        if route.method == method and route.template == template:
            original = route.handler
            route = dataclasses.replace(
                route, handler=lambda request, original=original: wrapper(request, original)
            )
        changed.append(route)
    monkeypatch.setattr(routes, "ROUTES", tuple(changed))


STUDENT_LOGINS = "/api/v1/users/:user_id/logins"


def test_recommendation_depends_on_the_row_count():
    assert recommended_method(20) == "api"
    assert recommended_method(1000) == RunMethod.SIS_IMPORT
    assert "API method is recommended" in method_advice(20)
    assert "SIS import is recommended" in method_advice(1000)


def test_import_creates_the_logins_and_fills_their_ids(sb, tmp_path):
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {
                "Canvas User ID": "102",
                "New Login": "liam.o",
                "Password": "green-frog-42",
                "Login SIS ID": "L-102",
            },
        ]
    )
    seen = []
    with Journal(tmp_path / "j.sqlite3") as journal:
        summary = import_run(table, sb, journal=journal, progress=seen.append)
        run = journal.last_run("book")
        entries = journal.results_of_run(run.id)
    assert summary.count(Status.CREATED) == 2
    ava, liam = login_of(sb, 101, "ava.k"), login_of(sb, 102, "liam.o")
    assert ava["password"] == "sunny-apple-7"
    assert ava["sis_user_id"] == "0045510-L2"
    assert [table.value(0, r) for r in (OUTPUT_ROLES[2],)] == [str(ava["id"])]
    assert table.value(1, OUTPUT_ROLES[2]) == str(liam["id"])
    writes = sb.state.writes()
    assert [(method, path) for method, path, _ in writes] == [
        ("POST", "/api/v1/accounts/1/sis_imports")
    ]
    assert run.method == RunMethod.SIS_IMPORT and run.sis_import_id == "1"
    assert {e.status for e in entries} == {"Created"}
    assert any("importing" in p.message for p in seen)
    dones = [p.done for p in seen]
    assert dones == sorted(dones) and dones[-1] == 2


def test_warnings_go_to_their_own_rows(sb):
    sb.state.add_login(103, "taken.name", "canvas")
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"SIS User ID": "9999999", "New Login": "ghost.g", "Password": "long-enough-1"},
            {"SIS User ID": "0045511", "New Login": "taken.name", "Password": "long-enough-2"},
            {"SIS User ID": "0045522", "New Login": "chloe.b", "Password": "pink-star-72"},
            {"SIS User ID": "0045514", "New Login": "mia.s", "Password": "red-boat-55"},
        ]
    )
    import_run(table, sb)
    statuses = [table.status(i) for i in range(5)]
    assert statuses == ["Created", "Failed", "Failed", "Already exists", "Created"]
    message = OUTPUT_ROLES[1]
    assert table.value(1, message) == "No student with SIS User ID '9999999' was found in Canvas."
    assert "already belongs to another person" in table.value(2, message)
    chloe = login_of(sb, 113, "chloe.b")
    assert table.value(3, OUTPUT_ROLES[2]) == str(chloe["id"])
    assert login_of(sb, 102, "taken.name") is None


def test_more_warnings_than_canvas_lists_come_from_the_errors_file(sb):
    rows = [
        {"SIS User ID": f"77{n:05d}", "New Login": f"ghost.{n}", "Password": "long-enough-1"}
        for n in range(30)
    ]
    rows.insert(17, {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"})
    table = make_table(rows)
    summary = import_run(table, sb)
    assert summary.count(Status.FAILED) == 30
    assert table.status(17) == "Created"
    for index in range(31):
        if index == 17:
            continue
        sis_id = table.value(index, role_for_header("SIS User ID"))
        assert table.value(index, OUTPUT_ROLES[1]) == (
            f"No student with SIS User ID '{sis_id}' was found in Canvas."
        )


def test_updates_and_deletes_go_through_the_api_in_the_same_run(sb):
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"SIS User ID": "0045526", "New Login": "henry.d", "Action": "Remove"},
            {
                "SIS User ID": "0045527",
                "New Login": "isla.t",
                "Password": "new-moon-81",
                "Action": "Reset",
            },
        ]
    )
    summary = import_run(table, sb)
    assert [table.status(i) for i in range(3)] == ["Created", "Deleted", "Updated"]
    assert summary.line().startswith("created 1, already existed 0, updated 1, deleted 1,")
    assert login_of(sb, 118, "isla.t")["password"] == "new-moon-81"


def test_a_login_sis_id_the_student_already_uses_is_neither_created_nor_renamed(sb):
    old = sb.state.add_login(101, "old.name", "canvas", "0045510-L2", password="old-pass-12")
    table = make_table(
        [{"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"}]
    )
    summary = import_run(table, sb)
    assert table.status(0) == "Failed" and summary.count(Status.CREATED) == 0
    message = table.value(0, OUTPUT_ROLES[1])
    assert "already has another login ('old.name') with Login SIS ID '0045510-L2'" in message
    assert "Use another Login SIS ID pattern, or the API method." in message
    assert sb.state.logins[old["id"]]["unique_id"] == "old.name"
    assert sb.state.logins[old["id"]]["password"] == "old-pass-12"


def test_a_taken_row_says_whether_the_name_or_the_sis_id_belongs_to_someone_else(sb):
    sb.state.add_login(102, "someone.else", "canvas", "0045511-L2")
    sb.state.add_login(103, "gone.login", "canvas", "0045512-L2")
    sb.state.logins[sb.state.find_login("gone.login")["id"]]["workflow_state"] = "deleted"
    rows = [
        {"SIS User ID": "0045510", "New Login": "chloe.b", "Password": "sunny-apple-7"},
        {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "green-frog-42"},
        {"SIS User ID": "0045512", "New Login": "zoe.d", "Password": "blue-kite-19"},
    ]
    rows[1]["Login SIS ID"] = "0045512-L2"  # reserved by Zoé's removed login
    rows[2]["Login SIS ID"] = "0045511-L2"  # held by Liam's active login
    table = make_table(rows)
    import_run(table, sb)
    messages = [table.value(i, OUTPUT_ROLES[1]) for i in range(3)]
    assert [table.status(i) for i in range(3)] == ["Failed"] * 3
    assert messages[0] == "Login name 'chloe.b' already belongs to another person in Canvas."
    assert messages[1].startswith(
        "Login SIS ID '0045512-L2' was used by a login that was removed; Canvas keeps that "
        "ID reserved"
    )
    assert messages[2].startswith(
        "Login SIS ID '0045511-L2' already belongs to another person's login in Canvas."
    )


def test_a_token_without_the_import_right_changes_nothing(sb):
    sb.add_token("no-import", rights={"manage_user_logins", "manage_sis", "read_sis"})
    table = make_table(
        [{"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"}]
    )
    with pytest.raises(CanvasUnavailable) as raised:
        import_run(table, sb, token="no-import")
    assert "import SIS data" in raised.value.message
    assert sb.state.writes() == []


def test_stop_while_canvas_imports_keeps_rows_unsent_and_resumes(sb, tmp_path):
    sb.state.sis_import_seconds = 1.0
    table = make_table(
        [{"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"}]
    )
    cancel = CancelToken()

    def stop_when_importing(progress):
        if "importing" in progress.message or "Sending" in progress.message:
            cancel.cancel()

    with Journal(tmp_path / "j.sqlite3") as journal:
        summary = import_run(
            table, sb, journal=journal, progress=stop_when_importing, cancel=cancel
        )
        assert summary.cancelled
        assert table.status(0) == ""
        sb.state.sis_import_seconds = 0.2
        for _ in range(100):  # Canvas finishes the import by itself
            if login_of(sb, 101, "ava.k"):
                break
            time.sleep(0.05)
        again = import_run(table, sb, journal=journal)
    assert again.count(Status.CREATED) == 1
    assert table.status(0) == "Created"
    assert len([lg for lg in sb.state.logins_of(101) if lg["unique_id"] == "ava.k"]) == 1


def test_map_warnings_checks_row_numbers_against_names():
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k"},
            {"SIS User ID": "0045511", "New Login": "liam.o"},
            {"SIS User ID": "0045512", "New Login": "zoe.d"},
        ]
    )
    built = build_logins_csv(build_plan(table, check_table(table)).operations)
    about_liam = "Could not find the existing user for login with SIS ID 0045511-L2, skipping"
    mapped, unmapped = map_warnings(
        built,
        [
            ImportWarning(about_liam, 3),  # header is line 1: liam is line 3
            ImportWarning(about_liam, 2),  # one off (a Canvas counting from the data)
            ImportWarning(
                "An existing Canvas user with the SIS ID 0045512-L2 or login of zoe.d "
                "already exists, skipping"
            ),
            ImportWarning("Something about the whole file", None),
        ],
    )
    assert mapped == {1: [about_liam, about_liam], 2: [mapped[2][0]]}
    assert [w.message for w in unmapped] == ["Something about the whole file"]


def test_cli_run_by_import(sb, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CANVAS_TOKEN", sb.token)
    workbook = tmp_path / "students.csv"
    workbook.write_text(
        "SIS User ID,New Login,Password\n"
        "0045510,ava.k,sunny-apple-7\n9999999,ghost.g,long-enough-1\n",
        encoding="utf-8",
    )
    code = cli.main(["run", str(workbook), "--url", sb.url, "--method", "sis-import"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == cli.ExitStatus.ROWS_FAILED
    assert out[-1].startswith(
        "created 1, already existed 0, updated 0, deleted 0, already deleted 0, failed 1, "
        "invalid 0 in "
    )
    assert "row 3: Failed: No student with SIS User ID '9999999'" in "\n".join(out)
    assert "Created" in workbook.read_text(encoding="utf-8-sig")
    bad = cli.main(
        [
            "run",
            str(workbook),
            "--url",
            sb.url,
            "--method",
            "sis-import",
            "--login-sis-pattern",
            "x",
        ]
    )
    assert bad == cli.ExitStatus.USAGE


def test_logins_made_within_the_second_of_the_import_are_created_and_undone(
    sb, tmp_path, monkeypatch
):
    """Canvas's timestamps are whole seconds: a small import and its logins share one."""
    second = "2030-01-01T10:00:00Z"
    monkeypatch.setattr("core.sandbox.state.now_iso", lambda: second)
    monkeypatch.setattr("core.sandbox.sis_import.now_iso", lambda: second)
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "green-frog-42"},
        ]
    )
    with Journal(tmp_path / "j.sqlite3") as journal:
        summary = import_run(table, sb, journal=journal)
        plan = plan_undo(table, journal, "book")
    (record,) = sb.state.sis_imports.values()
    ava = login_of(sb, 101, "ava.k")
    assert record["json"]["created_at"] == ava["created_at"] == second
    assert summary.count(Status.CREATED) == 2
    assert [table.status(i) for i in range(2)] == ["Created", "Created"]
    assert {target.login_id for target in plan.targets} == {
        str(ava["id"]),
        str(login_of(sb, 102, "liam.o")["id"]),
    }
    assert plan.restore_possible


def test_a_row_whose_student_cannot_be_read_before_the_import_is_not_sent(sb, monkeypatch):
    def broken_for_liam(request, original):
        if request.args["user_id"] == "sis_user_id:0045511":
            return ApiResponse(500, {"errors": [{"message": "Internal server error"}]})
        return original(request)

    wrap_route(monkeypatch, "GET", STUDENT_LOGINS, broken_for_liam)
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "green-frog-42"},
            {"SIS User ID": "0045512", "New Login": "zoe.d", "Password": "blue-kite-19"},
        ]
    )
    summary = import_run(table, sb)
    assert [table.status(i) for i in range(3)] == ["Created", "Failed", "Created"]
    assert table.value(1, OUTPUT_ROLES[1]).startswith(
        "Could not read this student's logins from Canvas before the import ("
    )
    assert table.value(1, OUTPUT_ROLES[1]).endswith("so this row was not sent. Run again.")
    assert login_of(sb, 102, "liam.o") is None
    (record,) = sb.state.sis_imports.values()
    assert record["json"]["data"]["counts"]["logins"] == 2
    assert summary.count(Status.CREATED) == 2


def test_a_login_id_that_is_not_a_number_is_refused_as_a_bad_answer(sb, monkeypatch):
    def odd_ids(request, original):
        answer = original(request)
        for login in answer.body:
            if login["unique_id"] == "ava.k":
                login["id"] = "L-77"
        return answer

    wrap_route(monkeypatch, "GET", STUDENT_LOGINS, odd_ids)
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "green-frog-42"},
        ]
    )
    import_run(table, sb)
    assert [table.status(i) for i in range(2)] == ["Failed", "Created"]
    assert table.value(0, OUTPUT_ROLES[1]) == (
        "Canvas answered that it created the login but gave the login an id that is not a "
        "number ('L-77'), so the answer was refused and nothing was written into Canvas "
        "Login ID. Look the login up in Canvas before running this row again."
    )
    assert table.value(0, OUTPUT_ROLES[2]) == ""
    assert table.value(1, OUTPUT_ROLES[2]) == str(login_of(sb, 102, "liam.o")["id"])


def test_a_password_canvas_refuses_is_failed_on_its_own_row(sb):
    """Canvas names such a row only by its Login SIS ID: "Could not save the user with
    user_id: 'X-L2'. Unknown reason: password too_short"."""
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "cat77"},
        ]
    )
    import_run(table, sb, min_password_length=4)
    assert [table.status(i) for i in range(2)] == ["Created", "Failed"]
    assert table.value(1, OUTPUT_ROLES[1]) == (
        "Password is too short for this school's Canvas password policy."
    )
    assert login_of(sb, 102, "liam.o") is None


def test_a_could_not_save_warning_without_a_line_goes_to_the_row_it_quotes():
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k"},
            {"SIS User ID": "0045511", "New Login": "liam.o"},
        ]
    )
    built = build_logins_csv(build_plan(table, check_table(table)).operations)
    message = (
        "Could not save the user with user_id: '0045511-L2'. Unknown reason: password too_short"
    )
    mapped, unmapped = map_warnings(built, [ImportWarning(message)])
    assert mapped == {1: [message]} and unmapped == []
    assert plain_warning(message, built.rows[1]) == (
        "Password is too short for this school's Canvas password policy"
    )
    other = "Could not save the user with user_id: '0045510-L2'. Unknown reason: password common"
    assert plain_warning(other, built.rows[0]) == (
        "Password is too common for this school's Canvas password policy"
    )

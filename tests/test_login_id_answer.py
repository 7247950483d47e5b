"""Canvas Login ID is a number: an answer whose login id is not one is refused."""

from __future__ import annotations

import dataclasses

import pytest
from table_support import table_from_dicts

from core.canvas import CanvasClient
from core.model import OUTPUT_ROLES, Status
from core.plan import apply_results, build_plan
from core.rules import check_table
from core.run import RunOptions, execute
from core.run.login_ids import canvas_login_id
from core.sandbox import routes

HEADERS = ["SIS User ID", "New Login", "Password", "Action"]
CREATE = "/api/v1/accounts/:account_id/logins"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4120, "4120"),
        ("4120", "4120"),
        (" 0042 ", "42"),
        (21070000000000109, "21070000000000109"),
        ("L-77", None),
        ("12.0", None),
        (12.0, None),
        (True, None),
        (-3, None),
        ("٤٢", None),  # Arabic-Indic digits: digits to Python, not to Excel
        ("", None),
        (None, None),
        ({"id": 1}, None),
    ],
)
def test_a_login_id_is_a_whole_number(value, expected):
    assert canvas_login_id(value) == expected


def answer_with_id(monkeypatch, login_id) -> None:
    """Canvas answers a create with ``login_id`` as the new login's id."""
    changed = []
    for route in routes.ROUTES:
        if route.method == "POST" and route.template == CREATE:
            original = route.handler

            def odd(request, original=original):
                answer = original(request)
                answer.body["id"] = login_id(answer.body["id"])
                return answer

            route = dataclasses.replace(route, handler=odd)
        changed.append(route)
    monkeypatch.setattr(routes, "ROUTES", tuple(changed))


def run_rows(sandbox, rows):
    table = table_from_dicts(HEADERS, rows)
    plan = build_plan(table, check_table(table))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = execute(plan, client, RunOptions(backoff_base=0.01, backoff_cap=0.05))
    apply_results(table, summary.results)
    return table, summary


ROWS = [
    {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
    {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "green-frog-42"},
]


def test_a_created_login_without_a_numeric_id_is_failed_and_writes_no_id(sandbox, monkeypatch):
    answer_with_id(monkeypatch, lambda real: f"{real}a")
    table, summary = run_rows(sandbox, ROWS)
    assert summary.count(Status.FAILED) == 2 and summary.count(Status.CREATED) == 0
    ava = next(lg for lg in sandbox.state.logins_of(101) if lg["unique_id"] == "ava.k")
    assert table.value(0, OUTPUT_ROLES[1]) == (
        f"Canvas answered that it created the login but gave the login an id that is not a "
        f"number ('{ava['id']}a'), so the answer was refused and nothing was written into "
        "Canvas Login ID. Look the login up in Canvas before running this row again."
    )
    assert [table.value(i, OUTPUT_ROLES[2]) for i in range(2)] == ["", ""]


def test_digits_as_text_are_a_number(sandbox, monkeypatch):
    answer_with_id(monkeypatch, lambda real: f"00{real}")
    table, summary = run_rows(sandbox, ROWS)
    assert summary.count(Status.CREATED) == 2
    ava = next(lg for lg in sandbox.state.logins_of(101) if lg["unique_id"] == "ava.k")
    assert table.value(0, OUTPUT_ROLES[2]) == str(ava["id"])

"""Filling New Login and Password: unique names, the rows left alone, Canvas's taken names."""

from __future__ import annotations

import pytest
from table_support import table_from_dicts, workflow_for

from core.canvas.client import CanvasClient
from core.canvas.errors import CanvasError
from core.edits import replay
from core.kit.fill import FillOptions, apply_fill, canvas_taken, plan_fill
from core.kit.logins import LoginStyle
from core.kit.passwords import child_words
from core.model import CancelToken, Role, Status
from core.rules import check_table
from core.run.engine import RunOptions
from core.sandbox.faults import FaultConfig

HEADERS = [
    "First Name", "Last Name", "SIS User ID", "Current Login", "New Login", "Password",
    "Action", "Authentication Provider", "Class",
]  # fmt: skip


def table(*rows: dict[str, str]):
    return table_from_dicts(HEADERS, list(rows))


def person(first: str, last: str, sis: str = "", **more: str) -> dict[str, str]:
    return {"First Name": first, "Last Name": last, "SIS User ID": sis, **more}


def filled(plan, role=Role.NEW_LOGIN) -> dict[int, str]:
    return {cell.row: cell.value for cell in plan.cells if cell.role is role}


def test_names_are_unique_in_the_sheet_compared_as_canvas_does():
    t = table(
        person("Ava", "Kowalski", "1"),
        person("Ava", "Kaur", "2"),
        person("Ava", "King", "3", **{"New Login": " Ava.K3 "}),  # typed by a teacher
        person("Ava", "Kim", "4", **{"Current Login": "AVA.K4"}),
        person("Ava", "Khan", "5"),
    )
    plan = plan_fill(t, FillOptions())
    assert filled(plan) == {0: "ava.k", 1: "ava.k2", 3: "ava.k5", 4: "ava.k6"}
    assert plan.renamed[1] == "'ava.k' is also on row 2"
    assert plan.renamed[3] == (
        "'ava.k' is also on row 2, 'ava.k2' is also on row 3, 'ava.k3' is also on row 4 and 1 more"
    )
    assert plan.renamed[4].endswith("'ava.k3' is also on row 4 and 2 more")
    assert 2 not in filled(plan)  # the teacher's name stays
    apply_fill(t, plan)
    assert [t.value(r, Role.NEW_LOGIN) for r in range(5)] == [
        "ava.k", "ava.k2", " Ava.K3 ", "ava.k5", "ava.k6",
    ]  # fmt: skip


def test_unicode_names_make_valid_logins_by_the_rules():
    t = table(
        person("Zoë", "Dubois", "1"),
        person("José", "Álvarez", "2"),
        person("田中", "花子", "3"),
        person("Liam", "O'Brien", "4"),
        person("Nguyễn", "Văn An", "5"),
        person("محمد", "Ali", "6"),
        person("Anne-Marie", "St. John", "7"),
        person("X" * 150, "Long", "8"),
        person("Zoë", "Dubois", "9"),
    )
    plan = plan_fill(t, FillOptions(login_style=LoginStyle("{first}.{last}")))
    logins = filled(plan)
    assert logins[0] == "zoe.dubois"
    assert logins[1] == "jose.alvarez"
    assert logins[2].startswith("tianzhong.")
    assert logins[3] == "liam.obrien"
    assert logins[6] == "annemarie.stjohn"
    assert logins[8] == "zoe.dubois2"
    apply_fill(t, plan)
    findings = check_table(t)
    assert [f for f in findings if f.role is Role.NEW_LOGIN] == []
    assert [f for f in findings if f.role is Role.PASSWORD] == []


def test_rows_left_alone_and_skipped_with_a_reason():
    t = table(
        person("Ava", "Kowalski", "1"),  # done (below): never refilled
        person("Henry", "Davis", "2", Action="Delete", **{"New Login": "henry.d"}),
        person("Isla", "Thompson", "3", Action="Reset", **{"New Login": "isla.t"}),
        person(
            "Mia", "Old", "4", Action="Update", **{"Current Login": "mia.o", "New Login": "mia.s"}
        ),
        person("Sam", "Saml", "5", **{"Authentication Provider": "saml"}),
        person("", "", "6"),
        person("Noah", "Nguyen", "7", Action="Frobnicate"),
        {"Class": "notes only"},  # no input and no name: passed over
        person("Cher", "", "8"),
    )
    t.set_value(0, Role.STATUS, "Created")
    plan = plan_fill(t, FillOptions())
    assert filled(plan) == {}
    assert set(filled(plan, Role.PASSWORD)) == {2}  # a reset yes; a rename and SSO no
    assert plan.skipped == {
        4: "a single sign-on login is the name the school's sign-in knows; type it in",
        5: "no name to make a login from",
        6: "the Action 'Frobnicate' is not Create, Update, Delete, Suspend or Reactivate",
        8: "no last name to make a login from",
    }
    assert plan.summary().startswith("1 password filled; 4 rows skipped (row 6: a single")
    assert plan.summary().endswith("and 1 more)")


def test_replace_refills_but_other_rows_typed_names_still_count():
    t = table(
        person("Ava", "Kowalski", "1", **{"New Login": "ava.k", "Password": "typed-pw-55"}),
        person("Ava", "Kaur", "2", **{"New Login": "ava.k", "Password": "old-one-77"}),
        person("Emma", "Jones", "3", **{"New Login": "ava.k2"}),
    )
    keep = plan_fill(t, FillOptions())
    assert [(cell.row, cell.role) for cell in keep.cells] == [(2, Role.PASSWORD)]
    plan = plan_fill(t, FillOptions(replace=True), rows=[0, 1])
    assert filled(plan) == {0: "ava.k", 1: "ava.k3"}
    assert set(filled(plan, Role.PASSWORD)) == {0, 1}
    assert all(cell.old for cell in plan.cells)


def test_passwords_only_and_logins_only():
    t = table(person("Ava", "Kowalski", "1"), person("Liam", "Obi", "2", **{"New Login": "liam"}))
    only_passwords = plan_fill(t, FillOptions(logins=False))
    assert filled(only_passwords) == {}
    assert set(filled(only_passwords, Role.PASSWORD)) == {1}
    assert only_passwords.skipped == {0: "no login name yet to go with a password"}
    only_logins = plan_fill(t, FillOptions(passwords=False))
    assert filled(only_logins) == {0: "ava.k"}
    assert filled(only_logins, Role.PASSWORD) == {}
    words = set(child_words())
    for value in filled(plan_fill(t, FillOptions(min_password_length=20)), Role.PASSWORD).values():
        assert len(value) >= 20 and set(value.split("-")[:-1]) <= words


def test_apply_adds_the_columns_next_to_the_teachers_columns_and_undoes():
    from core.model import Row, Table

    t = Table("Kids", ["Name", "Notes"], 1, {Role.FULL_NAME: 0}, [Row(2, ["Tanaka, Yuki", "hi"])])
    for role in (Role.STATUS, Role.MESSAGE):
        t.ensure_column(role)
    t.set_value(0, Role.STATUS, "Ready")
    plan = plan_fill(t, FillOptions())
    changes = apply_fill(t, plan)
    assert t.headers[:4] == ["Name", "Notes", "New Login", "Password"]
    assert t.headers[4:] == ["Status", "Message"]
    assert t.rows[0].cells[:3] == ["Tanaka, Yuki", "hi", "yuki.t"]
    assert t.status(0) == "Ready"
    assert t.generated_login(0) is not None
    replay(t, changes, to_old=True)
    assert t.value(0, Role.NEW_LOGIN) == "" and t.value(0, Role.PASSWORD) == ""
    assert t.generated_login(0) is None  # the cell no longer holds it


def test_a_bad_style_is_refused():
    with pytest.raises(ValueError, match="not a field"):
        plan_fill(table(person("A", "B")), FillOptions(login_style=LoginStyle("{nick}")))


# --- against Canvas (the sandbox) ----------------------------------------------------------


def test_names_taken_in_canvas_get_the_lowest_free_number(sandbox):
    t = table(
        person("Yuki", "Tanaka", "0045523"),  # yuki.t belongs to another student
        person("Chloé", "Bernard", "0045522"),  # chloe.b is hers from last year: still taken
        person("Emma", "Johnson", "0045516"),
        person("Yuki", "Takahashi", "9999"),
    )
    reports = []
    with CanvasClient(sandbox.url, sandbox.token) as client:
        plan = plan_fill(t, FillOptions(), taken=canvas_taken(client), progress=reports.append)
    assert filled(plan) == {0: "yuki.t2", 1: "chloe.b2", 2: "emma.j", 3: "yuki.t3"}
    assert plan.renamed[0] == "'yuki.t' is taken in Canvas"
    assert plan.renamed[3] == "'yuki.t' is taken in Canvas, 'yuki.t2' is also on row 2"
    assert reports[-1].done == reports[-1].total == 4
    assert plan.summary() == (
        "4 logins and 4 passwords filled; 3 logins numbered (row 2: 'yuki.t' is taken in "
        "Canvas; row 3: 'chloe.b' is taken in Canvas; row 5: 'yuki.t' is taken in Canvas, "
        "'yuki.t2' is also on row 2)"
    )


def test_canvas_check_is_retried_and_cancel_stops_it(sandbox):
    sandbox.set_faults(FaultConfig(rate=0.3, seed=3, kinds=("503", "502")))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        taken = canvas_taken(client)
        assert [taken(n) for n in ("yuki.t", "YUKI.T", "nobody.here", "chloe.b")] == [
            True, True, False, True,
        ]  # fmt: skip
        assert sandbox.stats.faults_injected > 0
        sandbox.set_faults(None)
        cancel = CancelToken()
        cancel.cancel()
        t = table(person("Ava", "Kowalski", "1"))
        plan = plan_fill(t, FillOptions(), taken=taken, cancel=cancel)
    assert plan.cancelled and plan.cells == []


def test_a_lasting_canvas_failure_is_a_plain_error(sandbox):
    sandbox.revoke_token(sandbox.token)
    with CanvasClient(sandbox.url, sandbox.token) as client, pytest.raises(CanvasError) as caught:
        plan_fill(table(person("Ava", "Kowalski", "1")), FillOptions(), taken=canvas_taken(client))
    assert "Could not ask Canvas whether the login name 'ava.k' is free" in caught.value.message
    assert sandbox.token not in caught.value.message


def check_with_canvas(workflow, sandbox):
    findings = workflow.check()
    with CanvasClient(sandbox.url, sandbox.token) as client:
        outcome = workflow.run(workflow.plan(findings), client, RunOptions(dry_run=True))
    return {result.row: result for result in outcome.summary.results}, outcome


def test_check_with_canvas_numbers_a_generated_login_again(sandbox):
    """The fill ran without Canvas; Check with Canvas finds yuki.t taken and numbers it."""
    t = table(
        person("Yuki", "Tanaka", "0045523"),
        person("Emma", "Johnson", "0045516"),
        person("Grace", "Wilson", "0045525", **{"New Login": "yuki.t2", "Password": "kind-owl-29"}),
        person(
            "Aarav", "Sharma", "0045524", **{"New Login": "chloe.b", "Password": "cool-wave-47"}
        ),
    )
    workflow = workflow_for(t)
    plan = workflow.fill(FillOptions())
    assert filled(plan) == {0: "yuki.t", 1: "emma.j"}
    results, outcome = check_with_canvas(workflow, sandbox)
    assert results[0].status is Status.READY
    assert results[0].new_login == "yuki.t3"  # yuki.t2 is Grace's in the sheet
    assert results[0].message.startswith(
        "Login name 'yuki.t' is taken in Canvas; generated 'yuki.t3' instead"
    )
    assert results[1].status is Status.READY and not results[1].new_login
    assert results[3].status is Status.WOULD_FAIL  # typed by a teacher: never changed
    assert "already belongs to another person" in results[3].message
    workflow.apply(outcome.summary.results)
    assert t.value(0, Role.NEW_LOGIN) == "yuki.t3"
    assert t.value(3, Role.NEW_LOGIN) == "chloe.b"
    assert t.generated_login(0) is not None
    assert sandbox.stats.total_writes == 0
    t.set_cell(0, t.column(Role.NEW_LOGIN), "yuki.t")  # typed over by hand: not generated now
    results, _ = check_with_canvas(workflow, sandbox)
    assert results[0].status is Status.WOULD_FAIL and not results[0].new_login


def test_check_gives_two_generated_rows_different_numbers(sandbox):
    with CanvasClient(sandbox.url, sandbox.token) as client:
        for name in ("k", "k2"):
            client.create_login(1, "119", name, password="yusuf-pass-22")
    t = table(
        person("Ava", "Kowalski", "0045510", Class="K"),
        person("Liam", "O'Brien", "0045511", Class="K"),
        person("Zoë", "Dubois", "0045512", Class="K", **{"New Login": "k4"}),
    )
    workflow = workflow_for(t)
    workflow.fill(FillOptions(login_style=LoginStyle("{class}")))
    assert [t.value(r, Role.NEW_LOGIN) for r in range(3)] == ["k", "k2", "k4"]
    results, _ = check_with_canvas(workflow, sandbox)
    assert {results[0].new_login, results[1].new_login} == {"k3", "k5"}
    assert results[2].status is Status.READY and not results[2].new_login

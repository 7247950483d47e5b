"""Undo takes back what a run changed: created logins removed, suspended ones reactivated,
reactivated ones suspended again, against the built-in Canvas."""

from __future__ import annotations

import pytest
from table_support import table_from_dicts
from test_runner_recovery import _seed_faulting_only

from core import cli
from core.canvas import CanvasClient
from core.journal import Journal
from core.model import Role, RowResult, Status, Table
from core.plan import apply_results, build_plan, now_local
from core.rules import check_table
from core.run import RunOptions, execute
from core.run.engine import RunSummary
from core.sandbox.faults import FaultConfig
from core.sis.method import ImportSettings, run_by_import
from core.undo import UndoChange, plan_undo, undo_last_run
from core.words import undo_sentence

HEADERS = ["Name", "SIS User ID", "Current Login", "New Login", "Password", "Action"]
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}

# Demo students with a second, simple login (core/demo.py), and Zoë's school sign-in.
CHLOE = {"Name": "Chloé Bernard", "SIS User ID": "0045522", "Current Login": "chloe.b"}
ISLA = {"Name": "Isla Thompson", "SIS User ID": "0045527", "Current Login": "isla.t"}
HENRY = {"Name": "Henry Davis", "SIS User ID": "0045526", "Current Login": "henry.d"}
ZOE_SSO = "zoë.dubois@maplegrove.example"
ZOE = {"Name": "Zoë Dubois", "SIS User ID": "0045512", "Current Login": ZOE_SSO}
NEW_AVA = {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"}


def make_table(rows: list[dict[str, str]]) -> Table:
    return table_from_dicts(HEADERS, rows)


def suspend(row: dict[str, str]) -> dict[str, str]:
    return {**row, "Action": "Suspend"}


def reactivate(row: dict[str, str]) -> dict[str, str]:
    return {**row, "Action": "Reactivate"}


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "journal.sqlite3") as opened:
        yield opened


def state_of(sb, name: str) -> str:
    return sb.state.find_login(name)["workflow_state"]


def set_state(sb, name: str, state: str) -> None:
    login_id = sb.state.find_login(name)["id"]
    with sb.state.lock:
        sb.state.logins[login_id]["workflow_state"] = state


def run_rows(table: Table, sb, journal, key: str = "k") -> RunSummary:
    plan = build_plan(table, check_table(table))
    with CanvasClient(sb.url, sb.token) as client:
        summary = execute(plan, client, RunOptions(**FAST), journal=journal, workbook_key=key)
    apply_results(table, summary.results)
    return summary


def undo(table: Table, sb, journal, key: str = "k", token: str | None = None, **options):
    plan = plan_undo(table, journal, key)
    with CanvasClient(sb.url, token or sb.token) as client:
        summary = undo_last_run(
            plan,
            client,
            RunOptions(**{**FAST, **options}),
            journal=journal,
            workbook_key=key,
            restore_poll=0.02,
        )
    apply_results(table, summary.results)
    return plan, summary


def record_run_by_hand(table: Table, sb, journal, outcomes: dict[int, Status], key: str = "k"):
    """What a run that suspended, reactivated or created logins leaves, made directly: the
    logins' state in the sandbox, the journal's run and its entries, and the rows."""
    run_id = journal.start_run(key, url=sb.url, account_id=1, method="api")
    results = []
    for row, status in outcomes.items():
        name = table.value(row, Role.NEW_LOGIN) or table.value(row, Role.CURRENT_LOGIN)
        login = sb.state.find_login(name)
        if status is Status.CREATED:
            sis_id = table.value(row, Role.SIS_USER_ID)
            user_id = next(u.id for u in sb.state.users.values() if u.sis_user_id == sis_id)
            login = sb.state.add_login(user_id, name, "canvas")
        elif status is Status.SUSPENDED:
            set_state(sb, name, "suspended")
        elif status is Status.REACTIVATED:
            set_state(sb, name, "active")
        result = RowResult(row, status, f"{status.value} by hand", str(login["id"]), now_local())
        action = table.value(row, Role.ACTION)
        journal.record_result(run_id, table.row_identity(row), result, action)
        results.append(result)
    journal.finish_run(run_id)
    apply_results(table, results)


# --- what the plan takes back (journal and workbook) -------------------------------------


def test_the_plan_takes_back_each_change_the_journal_says_the_run_made(sandbox, journal):
    set_state(sandbox, "henry.d", "suspended")
    set_state(sandbox, "isla.t", "suspended")
    table = make_table([NEW_AVA, suspend(CHLOE), reactivate(ISLA), suspend(HENRY)])
    record_run_by_hand(
        table,
        sandbox,
        journal,
        {
            0: Status.CREATED,
            1: Status.SUSPENDED,
            2: Status.REACTIVATED,
            3: Status.ALREADY_SUSPENDED,
        },
    )
    plan = plan_undo(table, journal, "k")
    assert [(t.row, t.change) for t in plan.targets] == [
        (0, UndoChange.REMOVE),
        (1, UndoChange.REACTIVATE),
        (2, UndoChange.SUSPEND),
    ]
    assert [t.unique_id for t in plan.targets] == ["ava.k", "chloe.b", "isla.t"]
    started = plan.run.started[:16].replace("T", " ")
    assert plan.words() == (
        "Remove the 1 login, reactivate the 1 login and suspend again the 1 login that the "
        f"last run (by the API, started {started}) created, suspended and reactivated"
    )
    assert plan.button_words() == "Undo 3 changes"
    assert not plan.restore_possible and plan.labels == {}

    _, summary = undo(table, sandbox, journal, account_id=1)
    assert [table.status(i) for i in range(4)] == [
        "Deleted",
        "Reactivated",
        "Suspended",
        "Already suspended",
    ]
    assert sandbox.state.find_login("ava.k") is None
    assert state_of(sandbox, "chloe.b") == "active"
    assert state_of(sandbox, "isla.t") == "suspended"
    assert state_of(sandbox, "henry.d") == "suspended"  # the run did not change it
    assert "suspended again (the run was undone)" in table.value(2, Role.MESSAGE)
    assert sorted(method for method, _, _ in sandbox.state.writes()) == ["DELETE", "PUT", "PUT"]
    assert undo_sentence(summary) == (
        "Undone: 1 login removed, 1 login reactivated, 1 login suspended again. To create, "
        "suspend and reactivate them again, run the workbook again: the rows are no longer done."
    )
    # An undone row is not done: the Suspend row says Reactivated, the Reactivate row
    # says Suspended. And the undo itself is never undone.
    assert not table.is_done(1) and not table.is_done(2) and table.is_done(3)
    again = plan_undo(table, journal, "k")
    assert again.count == 0 and "already been undone" in again.reason


def test_the_workbook_fallback_takes_back_a_suspension_but_never_an_undos_own_change(
    sandbox, journal
):
    table = make_table([suspend(CHLOE), suspend(ZOE), reactivate(ISLA)])
    record_run_by_hand(
        table,
        sandbox,
        journal,
        {0: Status.SUSPENDED, 1: Status.SUSPENDED, 2: Status.ALREADY_ACTIVE},
        key="elsewhere",
    )
    plan = plan_undo(table, None, "")
    assert [(t.row, t.change, t.unique_id) for t in plan.targets] == [
        (0, UndoChange.REACTIVATE, "chloe.b"),
        (1, UndoChange.REACTIVATE, ZOE_SSO),
    ]
    assert plan.words() == "Reactivate the 2 logins that the last run suspended"
    assert plan.button_words() == "Reactivate 2 logins"
    _, summary = undo(table, sandbox, None, account_id=1)
    assert [table.status(i) for i in range(3)] == ["Reactivated", "Reactivated", "Already active"]
    assert state_of(sandbox, ZOE_SSO) == "active" and state_of(sandbox, "chloe.b") == "active"
    assert undo_sentence(summary) == (
        "Undone: 2 logins reactivated. To suspend them again, run the workbook again: the "
        "rows are no longer done."
    )
    # A Suspend row that says Reactivated was reactivated by the undo: not taken back.
    nothing = plan_undo(table, None, "")
    assert nothing.count == 0 and "nothing to undo" in nothing.reason


def test_a_reactivation_run_is_undone_by_suspending_again(sandbox, journal):
    table = make_table([reactivate(ISLA)])
    set_state(sandbox, "isla.t", "suspended")
    record_run_by_hand(table, sandbox, journal, {0: Status.REACTIVATED})
    plan = plan_undo(table, journal, "k")
    assert plan.button_words() == "Suspend 1 login again"
    assert plan.words().startswith("Suspend again the 1 login that the last run (by the API, ")
    assert plan.words().endswith(") reactivated")
    _, summary = undo(table, sandbox, journal, account_id=1)
    assert table.status(0) == "Suspended" and state_of(sandbox, "isla.t") == "suspended"
    assert undo_sentence(summary) == (
        "Undone: 1 login suspended again. To reactivate it again, run the workbook again: "
        "the row is no longer done."
    )


def test_a_login_already_active_renamed_or_gone_is_not_written(sandbox, journal):
    table = make_table([suspend(CHLOE), suspend(ISLA), suspend(HENRY), suspend(ZOE)])
    record_run_by_hand(table, sandbox, journal, {row: Status.SUSPENDED for row in range(4)})
    set_state(sandbox, "chloe.b", "active")  # someone reactivated it in Canvas already
    isla = sandbox.state.find_login("isla.t")["id"]
    henry = sandbox.state.find_login("henry.d")["id"]
    with sandbox.state.lock:
        sandbox.state.logins[isla]["unique_id"] = "isla.renamed"
        sandbox.state.logins[henry]["workflow_state"] = "deleted"
    _, summary = undo(table, sandbox, journal, account_id=1)
    assert [table.status(i) for i in range(4)] == [
        "Already active",
        "Failed",
        "Failed",
        "Reactivated",
    ]
    assert table.value(0, Role.MESSAGE) == "Login 'chloe.b' was already active."
    assert "'isla.renamed', not 'isla.t'" in table.value(1, Role.MESSAGE)
    assert "no longer in Canvas" in table.value(2, Role.MESSAGE)
    assert sandbox.state.logins[isla]["workflow_state"] == "suspended"
    assert state_of(sandbox, ZOE_SSO) == "active"
    [(method, path, _)] = sandbox.state.writes()
    assert method == "PUT" and path.endswith(f"/logins/{sandbox.state.find_login(ZOE_SSO)['id']}")
    assert summary.has_problems
    assert undo_sentence(summary) == (
        "Undone: 1 login reactivated, 1 was already active, 2 logins left alone (their rows "
        "say why). To suspend them again, run the workbook again: the rows are no longer done."
    )


def test_a_lost_answer_is_settled_by_reading_without_a_second_write(sandbox_factory, journal):
    # Requests of the undo: 0 the student's logins, 1 the edit (done, then a 502), 2 the read.
    sandbox = sandbox_factory(seed_demo=True, latency=0.0)
    table = make_table([suspend(CHLOE)])
    record_run_by_hand(table, sandbox, journal, {0: Status.SUSPENDED})
    seed = _seed_faulting_only(1, "done_then_502")
    sandbox.set_faults(FaultConfig(rate=0.3, seed=seed, kinds=("done_then_502",)))
    _, summary = undo(table, sandbox, journal, account_id=1, concurrency=1)
    assert sandbox.stats.faults["done_then_502"] == 1
    assert [r.status for r in summary.results] == [Status.REACTIVATED]
    assert state_of(sandbox, "chloe.b") == "active"
    assert len(sandbox.state.writes("PUT")) == 1


def test_a_token_without_the_logins_right_is_told_which_right(sandbox, journal):
    table = make_table([suspend(CHLOE)])
    record_run_by_hand(table, sandbox, journal, {0: Status.SUSPENDED})
    sandbox.add_token("reader", rights={"read_sis"})
    undo(table, sandbox, journal, token="reader", account_id=1)
    assert table.status(0) == "Failed"
    assert '"manage user logins" right' in table.value(0, Role.MESSAGE)
    assert state_of(sandbox, "chloe.b") == "suspended"
    assert sandbox.state.writes("PUT") == []


# --- real runs: Suspend rows through the run path ----------------------------------------


def test_undo_of_a_suspension_run_reactivates_and_the_next_run_suspends_again(sandbox, journal):
    table = make_table([suspend(CHLOE), suspend(ZOE), {**suspend(ISLA), "Action": "Disable"}])
    first = run_rows(table, sandbox, journal)
    assert first.count(Status.SUSPENDED) == 3
    assert all(state_of(sandbox, n) == "suspended" for n in ("chloe.b", ZOE_SSO, "isla.t"))
    plan, summary = undo(table, sandbox, journal)
    assert plan.count == 3 and plan.changes == [UndoChange.REACTIVATE]
    assert plan.words().startswith("Reactivate the 3 logins that the last run (by the API, ")
    assert [table.status(i) for i in range(3)] == ["Reactivated"] * 3
    assert all(state_of(sandbox, n) == "active" for n in ("chloe.b", ZOE_SSO, "isla.t"))
    assert summary.count(Status.REACTIVATED) == 3
    assert len(sandbox.state.writes("PUT")) == 6
    second = run_rows(table, sandbox, journal)
    assert second.count(Status.SUSPENDED) == 3
    assert [table.status(i) for i in range(3)] == ["Suspended"] * 3
    assert all(state_of(sandbox, n) == "suspended" for n in ("chloe.b", ZOE_SSO, "isla.t"))
    # The newest run is the one undo means now.
    assert plan_undo(table, journal, "k").run.id == journal.runs("k")[-1].id


def test_a_mixed_run_is_undone_create_by_removal_and_suspension_by_reactivation(sandbox, journal):
    set_state(sandbox, "henry.d", "suspended")
    table = make_table([NEW_AVA, suspend(CHLOE), suspend(HENRY)])
    run_rows(table, sandbox, journal)
    assert [table.status(i) for i in range(3)] == ["Created", "Suspended", "Already suspended"]
    plan, summary = undo(table, sandbox, journal)
    started = plan.run.started[:16].replace("T", " ")
    assert plan.words() == (
        "Remove the 1 login and reactivate the 1 login that the last run (by the API, "
        f"started {started}) created and suspended"
    )
    assert [table.status(i) for i in range(3)] == ["Deleted", "Reactivated", "Already suspended"]
    assert sandbox.state.find_login("ava.k") is None
    assert state_of(sandbox, "chloe.b") == "active" and state_of(sandbox, "henry.d") == "suspended"
    assert summary.count(Status.DELETED) == 1 and summary.count(Status.REACTIVATED) == 1


def test_an_import_run_with_suspensions_is_undone_login_by_login(sandbox, journal):
    sandbox.state.sis_import_seconds = 0.2
    table = make_table([NEW_AVA, suspend(CHLOE)])
    plan = build_plan(table, check_table(table))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = run_by_import(
            plan,
            client,
            RunOptions(**FAST),
            settings=ImportSettings(poll_first=0.02, poll_cap=0.05),
            journal=journal,
            workbook_key="k",
        )
    apply_results(table, summary.results)
    assert [table.status(i) for i in range(2)] == ["Created", "Suspended"]
    undo_plan = plan_undo(table, journal, "k")
    assert not undo_plan.restore_possible  # Canvas's restore would not reactivate chloe.b
    undo(table, sandbox, journal)
    assert [table.status(i) for i in range(2)] == ["Deleted", "Reactivated"]
    assert "restore" not in " ".join(path for _, path, _ in sandbox.state.writes())


def test_cli_undo_yes_reactivates_what_a_suspension_run_suspended(
    sandbox, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)
    workbook = tmp_path / "summer.csv"
    workbook.write_text(
        "Name,SIS User ID,Current Login,Action\n"
        "Chloé Bernard,0045522,chloe.b,Suspend\n"
        f"Zoë Dubois,0045512,{ZOE_SSO},Suspend\n",
        encoding="utf-8",
    )
    assert cli.main(["run", str(workbook), "--url", sandbox.url]) == cli.ExitStatus.OK
    assert state_of(sandbox, "chloe.b") == "suspended" and state_of(sandbox, ZOE_SSO) == "suspended"
    capsys.readouterr()
    assert cli.main(["undo", str(workbook), "--url", sandbox.url, "--yes"]) == cli.ExitStatus.OK
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == (
        "Undone: 2 logins reactivated. To suspend them again, run the workbook again: the "
        "rows are no longer done."
    )
    assert state_of(sandbox, "chloe.b") == "active" and state_of(sandbox, ZOE_SSO) == "active"
    saved = workbook.read_text(encoding="utf-8-sig")
    assert saved.count("Reactivated") == 2 and "Zoë Dubois" in saved
    assert cli.main(["run", str(workbook), "--url", sandbox.url]) == cli.ExitStatus.OK
    assert state_of(sandbox, "chloe.b") == "suspended" and state_of(sandbox, ZOE_SSO) == "suspended"


def test_the_confirmation_says_what_undo_of_a_suspension_run_does(sandbox, journal, qtbot):
    from types import SimpleNamespace

    from gui.undo_dialog import UndoConfirmDialog

    table = make_table([suspend(CHLOE), suspend(ZOE)])
    run_rows(table, sandbox, journal)
    plan = plan_undo(table, journal, "k")
    production = SimpleNamespace(
        production=True, kind="production", description="PRODUCTION school.instructure.com"
    )
    dialog = UndoConfirmDialog(None, plan, production, False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.grab().save("/tmp/undo_suspension_confirm.png")
    assert dialog.headline.text().startswith("Reactivate the 2 logins that the last run (")
    assert dialog.ok_button.text() == "Reactivate 2 logins"
    assert "Logins it suspended are reactivated" in plan.effect_words()
    assert "Deleted" not in plan.effect_words()
    assert not dialog.ok_button.isEnabled()
    dialog.confirm_edit.setText("2")
    assert dialog.ok_button.isEnabled()
    assert not dialog.restore_box.isVisible()

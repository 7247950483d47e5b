"""Undo the last run against the built-in Canvas: exactly the logins it created."""

from __future__ import annotations

import io

import openpyxl
import pytest
from table_support import table_from_dicts

from core import cli
from core.canvas import CanvasClient
from core.journal import Journal, workbook_key_for
from core.model import OUTPUT_ROLES, Role, Status, Table
from core.plan import apply_results, build_plan
from core.rules import check_table
from core.run import RunOptions, execute
from core.sis.method import ImportSettings, run_by_import
from core.undo import plan_undo, undo_last_run

HEADERS = ["Name", "SIS User ID", "New Login", "Password", "Action"]
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}
ROWS = [
    {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
    {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "green-frog-42"},
    {"SIS User ID": "0045522", "New Login": "chloe.b", "Password": "pink-star-72"},  # exists
    {"SIS User ID": "0045526", "New Login": "henry.d", "Action": "Remove"},
]


def make_table(rows: list[dict[str, str]]) -> Table:
    return table_from_dicts(HEADERS, rows)


@pytest.fixture
def sb(sandbox):
    sandbox.state.sis_import_seconds = 0.2
    return sandbox


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "journal.sqlite3") as opened:
        yield opened


def first_run(table, sb, journal, method="api", key="k"):
    plan = build_plan(table, check_table(table))
    with CanvasClient(sb.url, sb.token) as client:
        if method == "api":
            summary = execute(plan, client, RunOptions(**FAST), journal=journal, workbook_key=key)
        else:
            summary = run_by_import(
                plan,
                client,
                RunOptions(**FAST),
                settings=ImportSettings(poll_first=0.02, poll_cap=0.05),
                journal=journal,
                workbook_key=key,
            )
    apply_results(table, summary.results)
    return summary


def undo(table, sb, journal, token=None, key="k", **kwargs):
    plan = plan_undo(table, journal, key)
    with CanvasClient(sb.url, token or sb.token) as client:
        summary = undo_last_run(
            plan,
            client,
            RunOptions(**FAST),
            journal=journal,
            workbook_key=key,
            restore_poll=0.02,
            **kwargs,
        )
    apply_results(table, summary.results)
    return plan, summary


def active_logins(sb) -> list[tuple[int, str]]:
    return sorted((lg["user_id"], lg["unique_id"]) for lg in sb.state.all_active_logins())


def test_undo_removes_only_what_the_last_run_created(sb, journal):
    before = active_logins(sb)
    table = make_table(ROWS)
    first_run(table, sb, journal)
    assert [table.status(i) for i in range(4)] == [
        "Created",
        "Created",
        "Already exists",
        "Deleted",
    ]
    plan, summary = undo(table, sb, journal)
    assert plan.count == 2 and "Remove the 2 logins" in plan.words()
    assert [table.status(i) for i in range(4)] == [
        "Deleted",
        "Deleted",
        "Already exists",
        "Deleted",
    ]
    assert summary.count(Status.DELETED) == 2
    # Everything else is as it was, except henry.d, which the run itself removed.
    assert active_logins(sb) == [login for login in before if login != (117, "henry.d")]
    deletes = [path for method, path, _ in sb.state.writes("DELETE")]
    assert len(deletes) == 3  # henry.d by the run, ava.k and liam.o by the undo
    again, nothing = undo(table, sb, journal)
    assert again.count == 0 and "nothing to undo" in again.reason
    assert nothing.results == []


def test_undo_after_a_rerun_that_created_nothing_still_means_the_run_that_created(sb, journal):
    taken = {"SIS User ID": "0045523", "New Login": "yuki.t", "Password": "gold-leaf-38"}
    table = make_table([*ROWS[:2], taken])
    first_run(table, sb, journal)
    first_run(table, sb, journal)  # only the Failed row is tried again: nothing created
    assert len(journal.runs("k")) == 2
    plan, summary = undo(table, sb, journal)
    assert plan.count == 2 and plan.run.id == journal.runs("k")[0].id
    assert summary.count(Status.DELETED) == 2
    # After the undo, an older run is never reached back into.
    again, _ = undo(table, sb, journal)
    assert again.count == 0 and "already been undone" in again.reason


def test_a_renamed_login_is_left_alone_and_a_gone_one_is_already_deleted(sb, journal):
    table = make_table(ROWS[:2])
    first_run(table, sb, journal)
    ava_id = int(table.value(0, Role.CANVAS_LOGIN_ID))
    liam_id = int(table.value(1, Role.CANVAS_LOGIN_ID))
    with sb.state.lock:
        sb.state.logins[ava_id]["unique_id"] = "ava.renamed"
        sb.state.logins[liam_id]["workflow_state"] = "deleted"
    _, summary = undo(table, sb, journal)
    assert table.status(0) == "Failed"
    assert "left this login alone" in table.value(0, Role.MESSAGE)
    assert sb.state.logins[ava_id]["workflow_state"] == "active"
    assert table.status(1) == "Already deleted"
    assert summary.has_problems
    assert sb.state.writes("DELETE") == []


def test_import_run_is_undone_by_canvas_restore(sb, journal):
    table = make_table(ROWS[:3])
    first_run(table, sb, journal, method="sis-import")
    assert [table.status(i) for i in range(3)] == ["Created", "Created", "Already exists"]
    plan = plan_undo(table, journal, "k")
    assert plan.restore_possible and plan.sis_import_id == "1"
    _, summary = undo(table, sb, journal)
    assert summary.count(Status.DELETED) == 2
    assert [method for method, _, _ in sb.state.writes()] == ["POST", "PUT"]
    assert sb.state.find_login("ava.k") is None and sb.state.find_login("liam.o") is None
    assert sb.state.find_login("chloe.b") is not None
    assert [table.status(i) for i in range(3)] == ["Deleted", "Deleted", "Already exists"]


def test_import_after_an_undone_import_does_not_bring_removed_logins_back(sb, journal):
    """Run, undo, then a fresh copy of the workbook by SIS import again (same Login SIS IDs)."""
    first = make_table(ROWS[:2])
    first_run(first, sb, journal, method="sis-import", key="a")
    undo(first, sb, journal, key="a")
    removed = sb.state.find_login("ava.k", include_deleted=True)
    assert removed["workflow_state"] == "deleted" and removed["sis_user_id"] == "0045510-L2"
    fresh = [
        {**ROWS[0], "Password": "other-pass-51"},
        ROWS[1],
        {"SIS User ID": "0045512", "New Login": "zoe.d", "Password": "blue-kite-19"},
    ]
    table = make_table(fresh)
    summary = first_run(table, sb, journal, method="sis-import", key="b")
    assert [table.status(i) for i in range(3)] == ["Failed", "Failed", "Created"]
    assert summary.count(Status.CREATED) == 1 and summary.count(Status.ALREADY_EXISTS) == 0
    message = table.value(0, OUTPUT_ROLES[1])
    assert "Login SIS ID '0045510-L2' was used by a login that was removed" in message
    assert "Use another Login SIS ID pattern, or the API method." in message
    assert sb.state.find_login("ava.k") is None and sb.state.find_login("liam.o") is None
    assert sb.state.logins[removed["id"]]["password"] == "sunny-apple-7"
    plan, summary = undo(table, sb, journal, key="b")
    assert plan.count == 1 and summary.count(Status.DELETED) == 1
    assert sb.state.find_login("zoe.d") is None
    assert [table.status(i) for i in range(3)] == ["Failed", "Failed", "Deleted"]


def test_cli_import_after_undo_says_which_rows_canvas_kept_reserved(
    sb, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CANVAS_TOKEN", sb.token)
    first = cli_workbook(tmp_path)
    copy = tmp_path / "copy.csv"
    copy.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    import_args = ["--url", sb.url, "--method", "sis-import"]
    assert cli.main(["run", str(first), *import_args]) == cli.ExitStatus.OK
    assert cli.main(["undo", str(first), "--url", sb.url, "--yes"]) == cli.ExitStatus.OK
    capsys.readouterr()
    assert cli.main(["run", str(copy), *import_args]) == cli.ExitStatus.ROWS_FAILED
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("created 0, already existed 0, ")
    assert "row 2: Failed: Login SIS ID '0045510-L2' was used by a login that was removed" in out
    assert sb.state.find_login("ava.k") is None and sb.state.find_login("liam.o") is None


def test_import_run_without_the_import_right_is_undone_login_by_login(sb, journal):
    table = make_table(ROWS[:2])
    first_run(table, sb, journal, method="sis-import")
    sb.add_token("logins-and-sis", rights={"manage_user_logins", "manage_sis", "read_sis"})
    _, summary = undo(table, sb, journal, token="logins-and-sis")
    assert summary.count(Status.DELETED) == 2
    assert [method for method, _, _ in sb.state.writes()] == ["POST", "DELETE", "DELETE"]


def test_without_a_journal_the_workbook_says_what_the_last_run_made(sb, journal):
    table = make_table(ROWS[:2])
    first_run(table, sb, journal)
    table.set_value(1, Role.PROCESSED_AT, "2020-01-01T09:00:00+00:00")  # an older run
    plan = plan_undo(table, None, "")
    assert [t.row for t in plan.targets] == [0]
    undo(table, sb, None)
    assert [table.status(i) for i in range(2)] == ["Deleted", "Created"]


def cli_workbook(tmp_path):
    workbook = tmp_path / "students.csv"
    workbook.write_text(
        "SIS User ID,New Login,Password\n"
        "0045510,ava.k,sunny-apple-7\n0045511,liam.o,green-frog-42\n",
        encoding="utf-8",
    )
    return workbook


def test_cli_undo_needs_yes_without_a_terminal(sb, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CANVAS_TOKEN", sb.token)
    workbook = cli_workbook(tmp_path)
    assert cli.main(["run", str(workbook), "--url", sb.url]) == cli.ExitStatus.OK
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    capsys.readouterr()
    assert cli.main(["undo", str(workbook), "--url", sb.url]) == cli.ExitStatus.USAGE
    assert "--yes" in capsys.readouterr().err
    assert sb.state.find_login("ava.k") is not None
    assert cli.main(["undo", str(workbook), "--url", sb.url, "--yes"]) == cli.ExitStatus.OK
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("created 0, already existed 0, updated 0, deleted 2, ")
    assert sb.state.find_login("ava.k") is None
    assert workbook.read_text(encoding="utf-8-sig").count("Deleted") == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_undo_asks_on_a_terminal(sb, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CANVAS_TOKEN", sb.token)
    workbook = cli_workbook(tmp_path)
    cli.main(["run", str(workbook), "--url", sb.url])
    monkeypatch.setattr("sys.stdin", _Terminal("no\n"))
    assert cli.main(["undo", str(workbook), "--url", sb.url]) == cli.ExitStatus.OK
    assert "Remove the 2 logins" in capsys.readouterr().err
    assert sb.state.find_login("ava.k") is not None
    monkeypatch.setattr("sys.stdin", _Terminal("yes\n"))
    assert cli.main(["undo", str(workbook), "--url", sb.url]) == cli.ExitStatus.OK
    assert sb.state.find_login("ava.k") is None
    key = workbook_key_for(workbook)
    with Journal() as default_journal:
        assert default_journal.last_run(key).method == "undo"


def test_cli_undo_says_how_to_create_the_logins_again_and_a_run_does(
    sb, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CANVAS_TOKEN", sb.token)
    workbook = tmp_path / "students.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["SIS User ID", "New Login", "Password"])
    book.active.append(["0045510", "ava.k", "sunny-apple-7"])
    book.active.append(["0045511", "liam.o", "green-frog-42"])
    book.save(workbook)
    assert cli.main(["run", str(workbook), "--url", sb.url]) == cli.ExitStatus.OK
    first = {sb.state.find_login(name)["id"] for name in ("ava.k", "liam.o")}
    capsys.readouterr()
    assert cli.main(["undo", str(workbook), "--url", sb.url, "--yes"]) == cli.ExitStatus.OK
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == (
        "Undone: 2 logins removed. To create them again, run the workbook again: the rows "
        "are no longer done."
    )
    assert sb.state.find_login("ava.k") is None
    assert cli.main(["run", str(workbook), "--url", sb.url]) == cli.ExitStatus.OK
    assert capsys.readouterr().out.splitlines()[-1].startswith("created 2, already existed 0, ")
    again = {sb.state.find_login(name)["id"] for name in ("ava.k", "liam.o")}
    assert again and not again & first
    assert cli.main(["run", str(workbook), "--url", sb.url]) == cli.ExitStatus.OK
    assert capsys.readouterr().out.splitlines()[-1].startswith("created 0, already existed 0, ")

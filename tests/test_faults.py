"""Runs through the sandbox's injected faults lose nothing and make nothing twice.

Each test writes a real workbook, runs it through the runner (the same code the app
and the command line drive) against the built-in sandbox over HTTP with seeded faults,
saves it, reads it back with openpyxl, and compares every row's status with the
sandbox's final logins, one for one. The sandbox's login handler is wrapped to count
how often Canvas actually acted on each student's create: a blind resend of a create
whose answer was lost would show up there as a second action.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from core.canvas import CanvasClient
from core.journal import Journal
from core.model import ProgressCallback, Status, login_key
from core.run import RunOptions, RunSummary
from core.sandbox import FaultConfig, ThrottleConfig
from core.sandbox.faults import FaultPlan
from core.workflow import Workflow

FIRST_EXTRA_USER_ID = 1001  # the sandbox's generated student S000001
DONE_WORDS = {"Created", "Already exists"}
TAKEN_NAME = "office.admin"  # the sandbox admin's own Canvas login
UNKNOWN_SIS_ID = "S999999"


CREATE_ROUTE = "/api/v1/accounts/:account_id/logins"


@dataclasses.dataclass(frozen=True)
class Outcome:
    sheet_row: int
    sis_id: str
    login: str
    status: str
    message: str
    login_id: str


def user_id_of(sis_id: str) -> int:
    return FIRST_EXTRA_USER_ID + int(sis_id[1:]) - 1


def login_for(n: int, prefix: str) -> str:
    return f"{prefix}.s{n:06d}"


def write_workbook(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A workbook of (SIS User ID, New Login, Password) rows, with a teachers' column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Students"
    sheet.append(["Student", "SIS User ID", "New Login", "Password"])
    for index, (sis_id, login, password) in enumerate(rows, 1):
        sheet.append([f"Pupil {index}", sis_id, login, password])
    book.save(path)
    return path


def student_rows(count: int, prefix: str, first: int = 1) -> list[tuple[str, str, str]]:
    return [
        (f"S{n:06d}", login_for(n, prefix), f"Otter-Brisk-{n}") for n in range(first, first + count)
    ]


def run_workbook(
    path: Path,
    client: CanvasClient,
    progress: ProgressCallback | None = None,
    **options: object,
) -> RunSummary:
    """Open, check, plan, run, write back and save: one run, as the app does it."""
    with Journal() as journal:
        workflow = Workflow.open(path, journal=journal)
        plan = workflow.plan(workflow.check())
        outcome = workflow.run(
            plan, client, RunOptions(**options), progress=progress or (lambda _p: None)
        )
        if outcome.stopped is not None:
            raise outcome.stopped
        workflow.apply(outcome.summary.results)
        workflow.save()
    return outcome.summary


def read_outcomes(path: Path) -> list[Outcome]:
    """Every student row as saved, read with openpyxl (not with the app's reader)."""
    sheet = openpyxl.load_workbook(path).active
    header = [str(cell.value or "") for cell in sheet[1]]
    col = {name: header.index(name) for name in header}
    outcomes = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), 2):
        text = ["" if value is None else str(value) for value in values]
        outcomes.append(
            Outcome(
                sheet_row=number,
                sis_id=text[col["SIS User ID"]],
                login=text[col["New Login"]],
                status=text[col["Status"]],
                message=text[col["Message"]],
                login_id=text[col["Canvas Login ID"]],
            )
        )
    return outcomes


def logins_named(sandbox, sis_id: str, login: str) -> list[dict]:
    key = login_key(login)
    return [
        lg
        for lg in sandbox.state.logins_of(user_id_of(sis_id))
        if login_key(lg["unique_id"]) == key
    ]


def assert_matches_sandbox(sandbox, outcomes: list[Outcome], prefix: str) -> None:
    """Statuses and the sandbox's logins agree one for one, with no duplicates anywhere."""
    for row in outcomes:
        if row.sis_id == UNKNOWN_SIS_ID or row.login == TAKEN_NAME:
            continue
        mine = logins_named(sandbox, row.sis_id, row.login)
        if row.status in DONE_WORDS:
            assert len(mine) == 1, f"row {row.sheet_row}: {row.status} but logins {mine}"
            assert row.login_id == str(mine[0]["id"]), f"row {row.sheet_row}: wrong login id"
        else:
            assert mine == [], f"row {row.sheet_row}: {row.status} yet Canvas has {mine}"
    ours = [lg for lg in sandbox.state.all_active_logins() if lg["unique_id"].startswith(prefix)]
    names = Counter(login_key(lg["unique_id"]) for lg in ours)
    assert [name for name, count in names.items() if count > 1] == []
    done_names = {login_key(r.login) for r in outcomes if r.status in DONE_WORDS}
    assert set(names) == done_names


def test_ten_percent_faults_of_every_kind_one_run_finishes_every_row(
    sandbox_factory, tmp_path, create_actions
):
    sandbox = sandbox_factory(
        extra_students=201,
        latency=0.002,
        faults=FaultConfig(rate=0.10, seed=20240611, slow_seconds=0.5),
    )
    rows = student_rows(200, "fault")
    rows.insert(50, ("S000201", TAKEN_NAME, "Otter-Brisk-x"))  # the admin's login name
    rows.insert(120, (UNKNOWN_SIS_ID, "fault.nobody", "Otter-Brisk-y"))
    path = write_workbook(tmp_path / "faults.xlsx", rows)

    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = run_workbook(path, client)

    outcomes = read_outcomes(path)
    assert len(outcomes) == 202
    by_login = {row.login: row for row in outcomes}
    taken = by_login[TAKEN_NAME]
    assert taken.status == "Failed"
    assert "already belongs to another person" in taken.message
    nobody = by_login["fault.nobody"]
    assert nobody.status == "Failed"
    assert UNKNOWN_SIS_ID in nobody.message
    students = [r for r in outcomes if r.login not in (TAKEN_NAME, "fault.nobody")]
    not_done = [(r.sheet_row, r.status, r.message) for r in students if r.status != "Created"]
    assert not_done == []
    assert summary.count(Status.CREATED) == 200
    assert_matches_sandbox(sandbox, outcomes, "fault.")
    acted_twice = {ref: n for ref, n in create_actions.items() if n > 1 and "S999" not in ref}
    acted_twice.pop("sis_user_id:S000201", None)  # a refused create may be tried again
    assert acted_twice == {}
    assert sandbox.stats.faults_injected >= 15
    assert set(sandbox.stats.faults) == {"500", "502", "503", "drop", "slow", "done_then_502"}


@pytest.mark.parametrize("kind", ["drop", "done_then_502"])
def test_lost_answer_of_a_create_is_settled_by_reading_not_by_resending(
    kind, sandbox_factory, tmp_path, create_actions
):
    sandbox = sandbox_factory(
        extra_students=40, faults=FaultConfig(rate=0.3, seed=7, kinds=(kind,))
    )
    path = write_workbook(tmp_path / f"{kind}.xlsx", student_rows(40, kind))

    with CanvasClient(sandbox.url, sandbox.token) as client:
        # The account is given so that only the rows' own calls meet the faults.
        run_workbook(path, client, concurrency=1, account_id=1, check_permission=False)

    outcomes = read_outcomes(path)
    assert [(r.sheet_row, r.status, r.message) for r in outcomes if r.status != "Created"] == []
    assert_matches_sandbox(sandbox, outcomes, f"{kind}.")
    lost_creates = [entry for entry in sandbox.stats.fault_log if entry[2] == "POST"]
    assert len(lost_creates) >= 3
    assert {ref: n for ref, n in create_actions.items() if n != 1} == {}
    assert len(create_actions) == 40


def test_create_answered_after_the_client_gave_up_is_not_a_duplicate_or_a_failure(
    sandbox_factory, tmp_path
):
    """Slow answers past a short read timeout: Canvas acts late, the row still ends well."""
    sandbox = sandbox_factory(
        extra_students=30,
        faults=FaultConfig(rate=0.3, seed=11, kinds=("slow",), slow_seconds=0.8),
    )
    path = write_workbook(tmp_path / "slow.xlsx", student_rows(30, "slow"))

    with CanvasClient(sandbox.url, sandbox.token, timeout=(2.0, 0.3)) as client:
        run_workbook(
            path, client, concurrency=1, backoff_base=0.05, account_id=1, check_permission=False
        )

    outcomes = read_outcomes(path)
    assert [
        (r.sheet_row, r.status, r.message) for r in outcomes if r.status not in DONE_WORDS
    ] == []
    slow_posts = [entry for entry in sandbox.stats.fault_log if entry[2] == "POST"]
    assert len(slow_posts) >= 3
    # Let every late answer land before comparing: a late create must not add a login.
    for _ in range(100):
        if sandbox.stats.in_flight == 0:
            break
        time.sleep(0.05)
    assert_matches_sandbox(sandbox, outcomes, "slow.")


@pytest.mark.parametrize("status", [429, 403])
def test_throttled_answers_are_retried_until_every_row_is_done(
    status, sandbox_factory, tmp_path, create_actions
):
    """A bucket that fits only 3 calls, and no opening read to learn it from (account
    given, permission check off): the runner starts expecting Canvas's 600 (11 calls),
    is refused, and must wait for room without losing a row."""
    sandbox = sandbox_factory(
        extra_students=40,
        latency=0.02,
        throttle=ThrottleConfig(high_water=200, throttled_status=status),
    )
    path = write_workbook(tmp_path / "throttle.xlsx", student_rows(40, "busy"))

    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = run_workbook(
            path,
            client,
            concurrency=10,
            backoff_base=0.05,
            account_id=1,
            check_permission=False,
        )

    outcomes = read_outcomes(path)
    assert {r.status for r in outcomes} == {"Created"}
    assert summary.count(Status.CREATED) == 40
    assert sandbox.stats.throttled >= 1
    assert_matches_sandbox(sandbox, outcomes, "busy.")
    assert set(create_actions.values()) == {1}


def test_a_small_bucket_seen_in_the_opening_reads_is_never_overrun(
    sandbox_factory, tmp_path, create_actions
):
    """The opening reads show how much room the bucket has: start there, never throttled."""
    sandbox = sandbox_factory(
        extra_students=40, latency=0.02, throttle=ThrottleConfig(high_water=200)
    )
    path = write_workbook(tmp_path / "small.xlsx", student_rows(40, "small"))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = run_workbook(path, client, concurrency=10, backoff_base=0.05)
    assert summary.count(Status.CREATED) == 40
    assert sandbox.stats.throttled == 0
    assert sandbox.stats.max_in_flight <= 3
    assert set(create_actions.values()) == {1}


def test_permission_and_validation_errors_are_not_retried(
    sandbox_factory, tmp_path, create_actions
):
    sandbox = sandbox_factory(extra_students=3)
    sandbox.add_token("no-sis-token", rights={"manage_user_logins", "change_passwords"})
    rows = [
        ("S000001", TAKEN_NAME, "Otter-Brisk-1"),
        (UNKNOWN_SIS_ID, "plain.nobody", "Otter-Brisk-2"),
        ("S000003", "plain.s000003", "Otter-Brisk-3"),
    ]
    path = write_workbook(tmp_path / "refused.xlsx", rows)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet.cell(row=1, column=5, value="Login SIS ID")
    sheet.cell(row=4, column=5, value="LSIS-3")
    book.save(path)

    with CanvasClient(sandbox.url, "no-sis-token") as client:
        summary = run_workbook(path, client, backoff_base=0.05)

    outcomes = read_outcomes(path)
    assert [r.status for r in outcomes] == ["Failed", "Failed", "Failed"]
    assert "already belongs to another person" in outcomes[0].message
    assert UNKNOWN_SIS_ID in outcomes[1].message
    assert "manage SIS" in outcomes[2].message
    assert summary.count(Status.FAILED) == 3
    assert create_actions == Counter(
        {
            "sis_user_id:S000001": 1,
            f"sis_user_id:{UNKNOWN_SIS_ID}": 1,
            "sis_user_id:S000003": 1,
        }
    )
    assert sandbox.stats.writes[("POST", CREATE_ROUTE)] == 3
    assert logins_named(sandbox, "S000003", "plain.s000003") == []


def seed_faulting_only_the_first_request(kind: str, rate: float, clean_after: int) -> int:
    """A seed whose fault stream hits request 0 with ``kind`` and then none for a while."""
    for seed in range(100_000):
        plan = FaultPlan(FaultConfig(rate=rate, seed=seed, kinds=(kind,)))
        if plan.draw() is not None and all(plan.draw() is None for _ in range(clean_after)):
            return seed
    raise AssertionError("no such seed")


@pytest.mark.parametrize("kind", ["500", "502", "503", "drop"])
def test_a_fault_on_the_first_call_of_a_run_is_retried_not_fatal(kind, sandbox_factory, tmp_path):
    """The run's opening reads (which account, may this token manage logins) are reads:
    a broken connection or a 5xx there is retried like any other read, not the end of
    the run (which the command line reports as "Canvas unreachable")."""
    seed = seed_faulting_only_the_first_request(kind, rate=0.2, clean_after=40)
    sandbox = sandbox_factory(
        extra_students=3, faults=FaultConfig(rate=0.2, seed=seed, kinds=(kind,))
    )
    path = write_workbook(tmp_path / "start.xlsx", student_rows(3, "start"))

    with CanvasClient(sandbox.url, sandbox.token) as client:
        run_workbook(path, client, backoff_base=0.05)

    assert [r.status for r in read_outcomes(path)] == ["Created"] * 3
    assert sandbox.stats.faults_injected == 1


@pytest.mark.parametrize("kind", ["502", "drop"])
def test_command_line_run_survives_a_fault_on_its_first_call(
    kind, sandbox_factory, tmp_path, monkeypatch, capsys
):
    """``canvas-logins-cli run`` must not report Canvas unreachable (exit 3) for one
    dropped connection or one 502 on its opening reads (who am I, which account)."""
    from core import cli

    seed = seed_faulting_only_the_first_request(kind, rate=0.2, clean_after=40)
    sandbox = sandbox_factory(
        extra_students=3, faults=FaultConfig(rate=0.2, seed=seed, kinds=(kind,))
    )
    path = write_workbook(tmp_path / "cli-start.xlsx", student_rows(3, "clistart"))
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)

    code = cli.main(["run", str(path), "--url", sandbox.url])

    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    assert [r.status for r in read_outcomes(path)] == ["Created"] * 3
    assert sandbox.stats.faults_injected == 1


def test_a_create_whose_answer_is_lost_again_and_again_is_retried_up_to_the_bound(
    sandbox_factory, tmp_path, create_actions
):
    """30% of answers are 502 (Canvas did nothing). Each lost create is settled by a read
    and sent again, up to the run's retry bound (RunOptions.retries, 5): with this seed
    no row needs more than that, but several need more than one resend."""
    sandbox = sandbox_factory(
        extra_students=30, faults=FaultConfig(rate=0.3, seed=1, kinds=("502",))
    )
    path = write_workbook(tmp_path / "502.xlsx", student_rows(30, "again"))

    with CanvasClient(sandbox.url, sandbox.token) as client:
        run_workbook(
            path, client, concurrency=1, account_id=1, check_permission=False, backoff_base=0.02
        )

    outcomes = read_outcomes(path)
    assert [(r.sheet_row, r.status, r.message) for r in outcomes if r.status != "Created"] == []
    assert_matches_sandbox(sandbox, outcomes, "again.")
    assert {ref: n for ref, n in create_actions.items() if n != 1} == {}

"""Crashes and lost answers: the same row never makes two logins, no result is lost."""

from __future__ import annotations

from core.canvas import CanvasClient
from core.journal import Journal, workbook_key_for
from core.model import OUTPUT_ROLES, Row, Status, Table, role_for_header
from core.plan import apply_results, build_plan
from core.rules import check_table
from core.run import RunOptions, execute
from core.sandbox import FaultConfig
from core.sandbox.faults import FaultPlan

HEADERS = ["SIS User ID", "New Login", "Password", "Action"]
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


def make_table(count: int, first: int = 1) -> Table:
    columns = {role_for_header(h): i for i, h in enumerate(HEADERS)}
    rows = [
        Row(i + 2, [f"S{n:06d}", f"kid{n}", "long-enough", ""])
        for i, n in enumerate(range(first, first + count))
    ]
    table = Table("Students", list(HEADERS), 1, columns, rows)
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    return table


def kid_logins(sandbox, n: int) -> list[dict]:
    return [lg for lg in sandbox.state.logins_of(1000 + n) if lg["unique_id"] == f"kid{n}"]


def run_with_journal(table: Table, sandbox, journal: Journal, key: str, **options):
    plan = build_plan(table, check_table(table))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        return execute(
            plan,
            client,
            RunOptions(account_id=1, **{**FAST, **options}),
            journal=journal,
            workbook_key=key,
        )


def test_resume_after_a_crash_sends_nothing_twice(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(extra_students=8)
    key = workbook_key_for(tmp_path / "kids.xlsx")
    with Journal() as journal:
        first = run_with_journal(make_table(8), sandbox, journal, key)
        assert first.count(Status.CREATED) == 8
        # The app died before the workbook was saved: the next start reads the file as
        # it was (no statuses), with the rows in another order.
        writes = list(sandbox.state.write_log)
        reopened = make_table(8)
        reopened.rows.reverse()
        restored = journal.unsaved_results(key, reopened)
        assert len(restored) == 8
        apply_results(reopened, restored)
        second = run_with_journal(reopened, sandbox, journal, key)
        assert second.results == []
        assert sandbox.state.write_log == writes
        for n in range(1, 9):
            assert len(kid_logins(sandbox, n)) == 1
            row = next(i for i, r in enumerate(reopened.rows) if r.cells[1] == f"kid{n}")
            assert reopened.status(row) == "Created"


def test_a_create_sent_without_answer_is_checked_before_sending_again(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(extra_students=3)
    key = workbook_key_for(tmp_path / "kids.xlsx")
    table = make_table(3)
    with Journal() as journal:
        crashed = journal.start_run(key)
        for row in range(3):
            journal.record_sent(crashed, table.row_identity(row), "Create")
        # Canvas made kid1 before the crash; kid2 and kid3 never arrived.
        sandbox.state.add_login(1001, "kid1", "canvas")
        assert journal.sent_without_answer(key, table) == [0, 1, 2]
        summary = run_with_journal(table, sandbox, journal, key)
        assert [r.status for r in summary.results] == [Status.CREATED] * 3
        assert len(sandbox.state.writes("POST")) == 2
        assert all(len(kid_logins(sandbox, n)) == 1 for n in (1, 2, 3))
        assert journal.sent_without_answer(key, table) == []


def _seed_faulting_only(request_index: int, kind: str, within: int = 6) -> int:
    """A fault seed whose first ``within`` requests fault only at ``request_index``."""
    for seed in range(2000):
        plan = FaultPlan(FaultConfig(rate=0.3, seed=seed, kinds=(kind,)))
        hits = [plan.draw() is not None for _ in range(within)]
        if hits == [i == request_index for i in range(within)]:
            return seed
    raise AssertionError("no seed found")


def test_a_lost_create_answer_ends_created_with_one_login(sandbox_factory):
    # Requests: 0 the permission check, 1 the POST (done, then a 502), 2 the logins read.
    seed = _seed_faulting_only(1, "done_then_502")
    sandbox = sandbox_factory(
        extra_students=1,
        faults=FaultConfig(rate=0.3, seed=seed, kinds=("done_then_502",)),
    )
    table = make_table(1)
    plan = build_plan(table, check_table(table))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = execute(plan, client, RunOptions(account_id=1, concurrency=1, **FAST))
    assert sandbox.stats.faults["done_then_502"] == 1
    assert [r.status for r in summary.results] == [Status.CREATED]
    [login] = kid_logins(sandbox, 1)
    assert summary.results[0].login_id == str(login["id"])
    assert len(sandbox.state.writes("POST")) == 1


def test_a_create_that_never_arrived_is_sent_once_more(sandbox_factory):
    seed = _seed_faulting_only(1, "502")
    sandbox = sandbox_factory(
        extra_students=1, faults=FaultConfig(rate=0.3, seed=seed, kinds=("502",))
    )
    table = make_table(1)
    plan = build_plan(table, check_table(table))
    with CanvasClient(sandbox.url, sandbox.token) as client:
        summary = execute(plan, client, RunOptions(account_id=1, concurrency=1, **FAST))
    assert [r.status for r in summary.results] == [Status.CREATED]
    assert len(kid_logins(sandbox, 1)) == 1
    assert sandbox.stats.writes[("POST", "/api/v1/accounts/:account_id/logins")] == 2


def test_random_faults_never_make_two_logins(sandbox_factory):
    sandbox = sandbox_factory(
        extra_students=40,
        faults=FaultConfig(rate=0.25, seed=7, kinds=("500", "502", "503", "drop", "done_then_502")),
    )
    table = make_table(40)
    plan = build_plan(table, check_table(table))
    with CanvasClient(sandbox.url, sandbox.token, timeout=(2, 5)) as client:
        summary = execute(plan, client, RunOptions(account_id=1, concurrency=4, retries=8, **FAST))
    assert sandbox.stats.faults_injected > 0
    for n in range(1, 41):
        assert len(kid_logins(sandbox, n)) <= 1
    done = [r for r in summary.results if r.status is Status.CREATED]
    assert all(len(kid_logins(sandbox, int(table.rows[r.row].cells[1][3:]))) == 1 for r in done)
    assert len(done) + summary.count(Status.FAILED) == 40

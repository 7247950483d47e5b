"""The journal: keyed by workbook and row identity, thread-safe, never a secret."""

from __future__ import annotations

import threading

from core import paths
from core.journal import Journal, default_journal_path, workbook_key_for
from core.model import OUTPUT_ROLES, Role, Row, RowResult, Status, Table, role_for_header

HEADERS = ["SIS User ID", "New Login", "Password", "Action", "Status"]


def make_table(rows: list[tuple[str, ...]]) -> Table:
    columns = {role_for_header(h): i for i, h in enumerate(HEADERS) if role_for_header(h)}
    table = Table(
        "Sheet1",
        list(HEADERS),
        1,
        columns,
        [Row(i + 2, list(r) + [""] * (len(HEADERS) - len(r))) for i, r in enumerate(rows)],
    )
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    return table


ROWS = [
    ("0045510", "ava.k", "secret-pass-1"),
    ("0045511", "liam.o", "secret-pass-2"),
    ("0045512", "zoe.d", "secret-pass-3"),
]


def result(row: int, status: Status, login_id: str = "") -> RowResult:
    return RowResult(row, status, f"{status.value} message", login_id, "2026-01-05T10:00:00+01:00")


def test_lives_in_the_data_folder():
    with Journal() as journal:
        assert journal.path == default_journal_path()
        assert journal.path.parent == paths.data_dir()
        assert journal.path.exists()


def test_unsaved_results_follow_the_row_identity_not_its_number(tmp_path):
    key = workbook_key_for(tmp_path / "book.xlsx")
    table = make_table(ROWS)
    with Journal() as journal:
        run = journal.start_run(key, url="https://school.instructure.com", account_id=1)
        for row in range(3):
            journal.record_sent(run, table.row_identity(row), "Create")
        journal.record_result(run, table.row_identity(0), result(0, Status.CREATED, "41"))
        journal.record_result(run, table.row_identity(2), result(2, Status.FAILED))
        journal.finish_run(run)

        resorted = make_table(list(reversed(ROWS)))  # staff sorted the sheet
        restored = journal.unsaved_results(key, resorted)
        assert [(r.row, r.status, r.login_id) for r in restored] == [
            (0, Status.FAILED, ""),
            (2, Status.CREATED, "41"),
        ]
        assert journal.sent_without_answer(key, resorted) == [1]

        journal.mark_saved(key)
        assert journal.unsaved_results(key, resorted) == []
        assert journal.sent_without_answer(key, resorted) == [1]


def test_other_workbooks_and_done_rows_are_left_alone(tmp_path):
    key = workbook_key_for(tmp_path / "a.xlsx")
    table = make_table(ROWS)
    with Journal() as journal:
        run = journal.start_run(key)
        journal.record_result(run, table.row_identity(0), result(0, Status.CREATED, "41"))
        journal.record_result(run, table.row_identity(1), result(1, Status.READY))
        assert journal.unsaved_results(workbook_key_for(tmp_path / "b.xlsx"), table) == []
        assert [r.row for r in journal.unsaved_results(key, table)] == [0]
        table.set_value(0, Role.STATUS, "Created")
        assert journal.unsaved_results(key, table) == []


def test_a_later_answer_settles_an_earlier_unanswered_send(tmp_path):
    key = workbook_key_for(tmp_path / "book.xlsx")
    table = make_table(ROWS)
    identity = table.row_identity(1)
    with Journal() as journal:
        first = journal.start_run(key)
        journal.record_sent(first, identity, "Create")
        assert journal.unanswered_identities(key) == {tuple(identity)}
        second = journal.start_run(key)
        journal.record_sent(second, identity, "Create")
        journal.record_result(second, identity, result(1, Status.CREATED, "55"))
        assert journal.unanswered_identities(key) == set()
        assert journal.sent_without_answer(key, table) == []


def test_last_run_and_its_results(tmp_path):
    key = workbook_key_for(tmp_path / "book.xlsx")
    table = make_table(ROWS)
    with Journal() as journal:
        assert journal.last_run(key) is None
        journal.start_run(key)
        run = journal.start_run(key, url="https://school.test.instructure.com/x", account_id=7)
        journal.record_result(run, table.row_identity(0), result(0, Status.CREATED, "41"), "Create")
        journal.finish_run(run)
        last = journal.last_run(key)
        assert last is not None
        assert (last.id, last.url_host, last.account, last.method) == (
            run,
            "school.test.instructure.com",
            "7",
            "api",
        )
        assert last.finished
        sandbox_run = journal.start_run(key, url="http://127.0.0.1:8765/api/v1")
        assert journal.last_run(key).url_host == "127.0.0.1:8765"
        journal.finish_run(sandbox_run)
        [entry] = journal.results_of_run(run)
        assert (entry.status, entry.login_id, entry.action, entry.state) == (
            "Created",
            "41",
            "Create",
            "answered",
        )
        assert entry.identity == tuple(table.row_identity(0))


def test_survives_reopening(tmp_path):
    key = workbook_key_for(tmp_path / "book.xlsx")
    table = make_table(ROWS)
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as journal:
        run = journal.start_run(key)
        journal.record_result(run, table.row_identity(2), result(2, Status.DELETED, "9"))
    with Journal(path) as journal:
        assert [r.status for r in journal.unsaved_results(key, table)] == [Status.DELETED]


def test_thread_safe_and_holds_no_password(tmp_path):
    key = workbook_key_for(tmp_path / "book.xlsx")
    rows = [(f"S{n:05d}", f"kid{n}", f"pw-{n}-topsecret") for n in range(200)]
    table = make_table(rows)
    with Journal() as journal:
        run = journal.start_run(key)

        def work(start: int) -> None:
            for row in range(start, 200, 4):
                journal.record_sent(run, table.row_identity(row), "Create")
                journal.record_result(run, table.row_identity(row), result(row, Status.CREATED))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(journal.unsaved_results(key, table)) == 200
        path = journal.path
    stored = b"".join(p.read_bytes() for p in path.parent.glob("journal.sqlite3*"))
    assert b"kid7" in stored or b"kid7" in path.read_bytes()
    assert b"topsecret" not in stored

"""The command line, in-process: check, run on the demo workbook, exit codes, secrets."""

from __future__ import annotations

import re
import socket

import openpyxl

import core
from core import cli
from core.demo import DEMO_ROWS, DEMO_STUDENTS, TEMPLATE_HEADERS
from core.journal import Journal, workbook_key_for
from core.logs import log_file_path
from core.model import Role
from core.workbook import open_workbook

SUMMARY = re.compile(
    r"^created \d+, already existed \d+, updated \d+, deleted \d+, already deleted \d+, "
    r"failed \d+, invalid \d+ in \d+\.\d s$"
)
#: What the demo workbook's rows end as after one run (indexes follow DEMO_ROWS).
DEMO_EXPECTED = [
    "Created",  # Ava
    "Created",  # Liam
    "Created",  # Zoë
    "Invalid",  # Noah: password too short
    "Created",  # Mia
    "Created",  # José
    "Invalid",  # Emma: emma.j twice
    "Invalid",  # Oliver: Emma.J twice
    "Created",  # Sofia
    "Created",  # Lucas
    "Created",  # Amara
    "Invalid",  # Ethan: no SIS ID
    "Already exists",  # Chloé: has chloe.b from last year
    "Failed",  # Yuki: yuki.t belongs to another student
    "Created",  # Aarav
    "Created",  # Grace
    "Deleted",  # Henry
    "Updated",  # Isla
    "Created",  # Ava Kaur: ava.k2, as Ava Kowalski has ava.k
]
#: What ``generate`` fills into Ms. Patel's empty rows (index -> login name); the
#: run then creates them like any typed login.
GENERATED = {0: "ava.k", 1: "liam.o", 2: "zoe.d", 18: "ava.k2"}
#: Rows a run of the generated demo sends: the Created ones, Henry's delete, Isla's reset.
READY_AFTER_GENERATE = 13
#: The last line of a dry run of the generated demo (Yuki would fail, Chloé has hers).
DRY_RUN_LINE = (
    f"Dry run: {READY_AFTER_GENERATE} rows ready, 1 would fail, 1 already exists; "
    "nothing was changed."
)


def call(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def statuses(path) -> list[str]:
    table = open_workbook(path).table
    return [table.status(row) for row in range(len(table.rows))]


def generate_demo_logins(capsys, path, *connection: str) -> None:
    """The K-3 job's first step: fill the empty logins and passwords, as staff would."""
    code, out, err = call(capsys, "generate", path, *connection)
    assert code == 0, out + err
    assert out.splitlines()[-1].startswith("4 logins and 4 passwords filled; 1 login numbered")
    table = open_workbook(path).table
    assert {row: table.value(row, Role.NEW_LOGIN) for row in GENERATED} == GENERATED
    assert all(len(table.value(row, Role.PASSWORD)) >= 8 for row in GENERATED)
    untouched = [row for row in range(len(DEMO_ROWS)) if row not in GENERATED]
    login = TEMPLATE_HEADERS.index("New Login")
    assert [table.value(row, Role.NEW_LOGIN) for row in untouched] == [
        DEMO_ROWS[row][login] for row in untouched
    ]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_book(path, rows: list[tuple[str, ...]], headers=TEMPLATE_HEADERS) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kids"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)


# --- check ----------------------------------------------------------------------------------


def test_check_prints_each_finding_and_exits_1(capsys, demo):
    before = demo.read_bytes()
    code, out, _ = call(capsys, "check", demo)
    assert code == 1
    lines = out.splitlines()
    table = open_workbook(demo).table
    noah = table.rows[3].sheet_row
    assert f"row {noah}, Password: Password is shorter than 8 characters" in lines
    assert all(re.match(r"^row \d+, [^:]+: .+", line) for line in lines)
    assert any("New Login" in line and "(warning)" in line for line in lines)
    assert demo.read_bytes() == before


def test_check_a_clean_workbook_exits_0(capsys, tmp_path):
    path = tmp_path / "clean.xlsx"
    typed = [DEMO_ROWS[i] for i in (4, 5, 8)]  # Mia, José, Sofia: logins typed, all fine
    write_book(path, typed)
    code, out, err = call(capsys, "check", path)
    assert (code, out) == (0, "")
    assert "No problems" in err


def test_check_with_sheet_and_missing_things(capsys, tmp_path, demo):
    code, _, err = call(capsys, "check", tmp_path / "missing.xlsx")
    assert code == 2
    assert "There is no file" in err
    code, _, err = call(capsys, "check", demo, "--sheet", "No such sheet")
    assert code == 2
    code, _, _ = call(capsys, "check")
    assert code == 2
    code, _, _ = call(capsys, "frobnicate")
    assert code == 2


def test_version(capsys):
    code, out, _ = call(capsys, "--version")
    assert code == 0
    assert out.strip() == f"canvas-logins-cli {core.__version__}"


# --- run ------------------------------------------------------------------------------------


def test_run_the_demo_end_to_end_then_again(capsys, demo, sandbox, token_env):
    generate_demo_logins(capsys, demo, "--url", sandbox.url)
    assert sandbox.stats.total_writes == 0  # asking Canvas about names changes nothing
    code, out, _ = call(capsys, "run", demo, "--url", sandbox.url)
    assert code == 1  # the demo has rows to fix
    assert SUMMARY.match(out.splitlines()[-1])
    assert out.splitlines()[-1].startswith(
        "created 11, already existed 1, updated 1, deleted 1, already deleted 0, failed 1, "
        "invalid 4 in "
    )
    assert statuses(demo) == DEMO_EXPECTED
    table = open_workbook(demo).table
    assert all(table.value(row, Role.PROCESSED_AT) for row in range(len(table.rows)))
    sis = TEMPLATE_HEADERS.index("SIS User ID")
    for row, login in GENERATED.items():
        made = sandbox.state.find_login(login)
        student = next(s for s in DEMO_STUDENTS if s.sis_id == DEMO_ROWS[row][sis])
        assert made is not None and made["user_id"] == student.canvas_id
        assert made["password"] == table.value(row, Role.PASSWORD)
    writes = list(sandbox.state.write_log)
    write_requests = sandbox.stats.total_writes

    code, out, _ = call(capsys, "run", demo, "--url", sandbox.url)
    assert code == 1
    assert out.splitlines()[-1].startswith(
        "created 0, already existed 0, updated 0, deleted 0, already deleted 0, failed 1, "
    )
    # Done rows are left alone, and the failed row is checked with reads, not re-sent.
    assert sandbox.state.write_log == writes
    assert sandbox.stats.total_writes == write_requests
    assert statuses(demo) == DEMO_EXPECTED


def test_dry_run_writes_nothing(capsys, demo, sandbox, token_env):
    generate_demo_logins(capsys, demo)
    before = demo.read_bytes()
    code, out, _ = call(capsys, "run", demo, "--url", sandbox.url, "--dry-run")
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == DRY_RUN_LINE
    yuki = open_workbook(demo).table.rows[13].sheet_row
    assert (
        f"row {yuki}: Would fail: Login name 'yuki.t' already belongs to another person in "
        "Canvas." in lines
    )
    assert not any(": Failed:" in line for line in lines)
    assert demo.read_bytes() == before
    assert sandbox.stats.total_writes == 0
    with Journal() as journal:
        assert journal.last_run(workbook_key_for(demo)) is None


def test_output_leaves_the_original_alone(capsys, demo, sandbox, token_env, tmp_path):
    generate_demo_logins(capsys, demo)
    before = demo.read_bytes()
    output = tmp_path / "out" / "done.xlsx"
    output.parent.mkdir()
    code, _, _ = call(capsys, "run", demo, "--url", sandbox.url, "--output", output)
    assert code == 1
    assert demo.read_bytes() == before
    assert statuses(output) == DEMO_EXPECTED


def test_all_rows_done_exits_0(capsys, tmp_path, sandbox, token_env):
    path = tmp_path / "good.xlsx"
    write_book(path, [DEMO_ROWS[4], DEMO_ROWS[5]])  # Mia and José: typed, nothing to fix
    code, out, _ = call(capsys, "run", path, "--url", sandbox.url, "--concurrency", "2")
    assert code == 0
    assert out.splitlines()[-1].startswith("created 2,")


def test_refused_token_exits_3_and_changes_nothing(capsys, demo, sandbox, monkeypatch):
    monkeypatch.setenv("CANVAS_TOKEN", "not-a-real-token-4242")
    before = demo.read_bytes()
    code, out, err = call(capsys, "run", demo, "--url", sandbox.url)
    assert code == 3
    assert "refused the access token" in err
    assert "Nothing was changed" in err
    assert demo.read_bytes() == before
    assert sandbox.stats.total_writes == 0
    assert "not-a-real-token-4242" not in out + err


def test_unreachable_canvas_exits_3(capsys, demo, monkeypatch):
    monkeypatch.setenv("CANVAS_TOKEN", "whatever-token")
    before = demo.read_bytes()
    code, _, err = call(capsys, "run", demo, "--url", f"http://127.0.0.1:{closed_port()}")
    assert code == 3
    assert "Could not reach Canvas" in err
    assert demo.read_bytes() == before


def test_plain_http_is_refused_for_other_hosts(capsys, demo, monkeypatch):
    monkeypatch.setenv("CANVAS_TOKEN", "whatever-token")
    code, _, err = call(capsys, "run", demo, "--url", "http://203.0.113.9")
    assert code == 2  # refused before any connection (a try would time out, exit 3)
    assert "https://" in err


def test_usage_problems_exit_2(capsys, demo, sandbox, token_env, monkeypatch):
    code, _, err = call(capsys, "run", demo)
    assert code == 2 and "--url" in err
    code, _, _ = call(capsys, "run", demo, "--url", sandbox.url, "--concurrency", "0")
    assert code == 2
    code, _, _ = call(capsys, "run", demo.with_name("nope.xlsx"), "--url", sandbox.url)
    assert code == 2
    monkeypatch.delenv("CANVAS_TOKEN")
    code, _, err = call(capsys, "run", demo, "--url", sandbox.url)
    assert code == 2 and "CANVAS_TOKEN" in err
    assert sandbox.stats.total_writes == 0


def test_locked_workbook_exits_4_then_the_next_run_applies_the_journal(
    capsys, demo, sandbox, token_env
):
    generate_demo_logins(capsys, demo, "--url", sandbox.url)
    owner = demo.with_name("~$demo.xlsx")
    owner.write_text("Office Admin")
    before = demo.read_bytes()
    code, out, err = call(capsys, "run", demo, "--url", sandbox.url)
    assert code == 4
    with Journal() as journal:
        assert str(journal.path) in err
    assert "is open in another program" in err and "run the same command again" in err
    assert SUMMARY.match(out.splitlines()[-1])
    assert demo.read_bytes() == before
    writes = sandbox.stats.total_writes
    assert writes == 15  # 11 created, 1 update, 1 delete, 2 names found taken

    owner.unlink()
    code, out, err = call(capsys, "run", demo, "--url", sandbox.url)
    assert code == 1
    assert "from an earlier run" in err
    assert sandbox.stats.total_writes == writes  # nothing sent again
    assert statuses(demo) == DEMO_EXPECTED
    with Journal() as journal:
        assert journal.unsaved_results(workbook_key_for(demo), open_workbook(demo).table) == []


def test_profile_supplies_url_and_token(capsys, demo, sandbox, monkeypatch):
    from core import credentials
    from core.profiles import Profile, ProfileStore

    ProfileStore().save(Profile(name="Practice", url=sandbox.url, account_id=1))
    credentials.set_token("Practice", sandbox.token)
    try:
        generate_demo_logins(capsys, demo, "--profile", "Practice")
        code, out, _ = call(capsys, "run", demo, "--profile", "Practice", "--dry-run")
    finally:
        credentials.delete_token("Practice")
    assert code == 1
    assert out.splitlines()[-1] == DRY_RUN_LINE
    code, _, err = call(capsys, "run", demo, "--profile", "Nobody")
    assert code == 2 and "no saved profile" in err


def test_no_token_in_output_or_log(capsys, demo, sandbox, monkeypatch):
    secret = "cli-secret-token-0123456789"
    sandbox.add_token(secret)
    monkeypatch.setenv("CANVAS_TOKEN", secret)
    code, out, err = call(capsys, "run", demo, "--url", sandbox.url)
    assert code == 1
    sandbox.revoke_token(secret)
    code2, out2, err2 = call(capsys, "run", demo, "--url", sandbox.url)
    assert code2 == 3
    log_text = log_file_path().read_text(encoding="utf-8")
    assert "run finished" in log_text
    for text in (out, err, out2, err2, log_text):
        assert secret not in text
        assert "red-boat-55" not in text  # a password from the demo workbook


def test_a_sub_account_or_unknown_account_is_bad_usage(capsys, demo, sandbox, token_env):
    before = demo.read_bytes()
    code, _, err = call(capsys, "run", demo, "--url", sandbox.url, "--account", "999")
    assert code == 2
    assert "no account 999" in err
    code, _, err = call(capsys, "run", demo, "--url", sandbox.url, "--account", "2")
    assert code == 2
    assert "main (root) Canvas account" in err
    assert sandbox.state.write_log == []
    assert demo.read_bytes() == before


def test_diagnose_names_the_folders_and_the_keyring_backend(capsys, _private_app_home):
    code, out, _ = call(capsys, "--diagnose")
    assert code == 0
    assert f"canvas-logins-cli {core.__version__}" in out
    assert f"data (journal): {_private_app_home / 'data'}" in out
    # tests/conftest.py selects keyring's null backend, which cannot keep a token
    assert "keyring backend:" in out and "(unusable)" in out


def test_an_unusable_output_is_refused_before_anything_is_sent(capsys, demo, sandbox, token_env):
    for output in (demo.with_suffix(".csv"), demo.parent / "no-such-folder" / "out.xlsx"):
        code, _, err = call(capsys, "run", demo, "--url", sandbox.url, "--output", output)
        assert code == 2
        assert "--output" in err
    assert sandbox.stats.total_writes == 0


def test_ids_without_their_zeros_name_the_fix_in_a_dry_run_and_a_run(
    capsys, tmp_path, sandbox, token_env
):
    path = tmp_path / "numbers.xlsx"
    write_book(
        path,
        [
            ("Ava", "Kowalski", "", "", 45510, "ava.k", "sunny-apple-7", "", ""),
            ("Zoë", "Dubois", "", "", "0045512", "zoe.d", "blue-kite-12", "", ""),
        ],
    )
    fix = (
        "row 2: {}: No student with SIS User ID '45510'. '0045510' is a student in Canvas: "
        "Excel probably dropped the id's leading zeros. Add them to the ids in this column "
        "(in the app: Check with Canvas offers Add the zeros)."
    )
    code, out, _ = call(capsys, "run", path, "--url", sandbox.url, "--dry-run")
    assert code == 1
    assert out.splitlines() == [
        fix.format("Would fail"),
        "Dry run: 1 row ready, 1 would fail, 0 already exist; nothing was changed.",
    ]
    code, out, _ = call(capsys, "run", path, "--url", sandbox.url)
    assert code == 1
    assert fix.format("Failed") in out.splitlines()
    assert out.splitlines()[-1].startswith("created 1, already existed 0, ")
    assert statuses(path) == ["Failed", "Created"]
    assert sandbox.state.find_login("ava.k") is None


def test_a_footer_row_is_skipped_and_the_run_says_so(capsys, tmp_path, sandbox, token_env):
    path = tmp_path / "footer.xlsx"
    footer = ("", "", "", "", "", "", "", "", "Total students: 2")
    write_book(path, [DEMO_ROWS[4], DEMO_ROWS[5], footer])
    code, out, _ = call(capsys, "run", path, "--url", sandbox.url, "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        "1 row that names no student was skipped.",
        "Dry run: 2 rows ready, 0 would fail, 0 already exist; nothing was changed.",
    ]
    code, out, _ = call(capsys, "run", path, "--url", sandbox.url)
    assert code == 0
    lines = out.splitlines()
    assert lines[-2] == "1 row that names no student was skipped."
    assert SUMMARY.match(lines[-1]) and lines[-1].startswith("created 2,")
    table = open_workbook(path).table
    assert [table.status(row) for row in range(len(table.rows))] == ["Created", "Created", ""]
    assert table.value(2, Role.PROCESSED_AT) == ""


# --- teachers' workbooks: the sheet, their headers, a pipe that closes (issue 12) -----------


def teachers_book(path) -> None:
    """A "Read me" first, then the class with Username/Pwd headers and a footer, then Lists."""
    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book["Read me"].append(["How to fill this in: one row per pupil, ids with their zeros."])
    students = book.create_sheet("Class 2B")
    students.append(["Class list 2B"])
    students.append(["Pupil Name", "Student #", "Username", "Pwd", "Notes"])
    students.append(["Ava Kowalski", "0045510", "ava.k", "sunny-apple-7", ""])
    students.append(["Liam O'Brien", "0045511", "liam.o", "green-frog-42", "new"])
    students.append(["Total students: 2", "", "", "", ""])
    book.create_sheet("Lists").append(["Teacher", "Room"])
    book.save(path)


def test_the_student_sheet_is_used_and_named_and_teachers_headers_run(
    capsys, tmp_path, sandbox, token_env
):
    path = tmp_path / "teacher.xlsx"
    teachers_book(path)
    code, out, err = call(capsys, "check", path)
    assert (code, out) == (0, ""), err
    assert err.splitlines()[0] == "Using sheet 'Class 2B' (the workbook also has: Read me, Lists)."

    code, out, err = call(capsys, "run", path, "--url", sandbox.url)
    assert code == 0, out + err
    assert "Using sheet 'Class 2B'" in err
    assert out.splitlines()[-1].startswith("created 2, ")
    table = open_workbook(path, "Class 2B").table
    assert [table.status(row) for row in range(len(table.rows))] == ["Created", "Created", ""]
    for login, canvas_id in (("ava.k", 101), ("liam.o", 102)):
        made = sandbox.state.find_login(login)
        assert made is not None and made["user_id"] == canvas_id

    code, _, err = call(capsys, "check", path, "--sheet", "Class 2B")
    assert code == 0 and "Using sheet" not in err


def test_output_piped_into_head_ends_quietly(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "big.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SIS User ID", "New Login", "Password"])
    for n in range(3000):  # a finding per row: far more than a pipe holds
        sheet.append([f"S{n:06d}", f"kid{n}", "short"])
    book.save(path)
    command = f"'{sys.executable}' -m core.cli check '{path}' | head -1"
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.startswith("row 2, Password: Password is shorter than 8 characters")
    assert len(done.stdout.splitlines()) == 1
    assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    assert done.returncode == 1  # check's own status: rows have problems


def test_the_progress_line_says_while_canvas_asks_us_to_slow_down():
    import io

    from core.cli.common import ProgressLine
    from core.model import Progress, Status

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    line = ProgressLine(err)
    line(Progress(3, 10, {Status.CREATED: 3}))
    line(Progress(4, 10, {Status.CREATED: 4}, slowed_down=True))
    shown = err.getvalue().split("\r")
    assert shown[1].rstrip() == "3/10 rows sent, 0 failed"
    assert (
        shown[2].rstrip() == "4/10 rows sent, 0 failed; Canvas is asking us to slow down; waiting"
    )

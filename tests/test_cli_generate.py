"""``canvas-logins-cli generate``: fills a workbook made here, adds columns, keeps the rest."""

from __future__ import annotations

import openpyxl

from core import cli
from core.kit.passwords import PASSWORD_DIGITS, child_words
from core.model import Role
from core.workbook import open_workbook

TEACHER_HEADERS = ["First Name", "Last Name", "SIS User ID", "Grade", "Notes"]
KIDS = [
    ["Yuki", "Tanaka", "0045523", 3, "sits by the window"],
    ["Zoë", "Dubois", "0045512", "K", "=not a formula"],
    ["José", "Álvarez", "0045515", 1, None],
    ["Emma", "Johnson", "0045516", 1, "twin"],
    ["Emma", "Jones", 45599, 1, "twin's cousin"],
]


def call(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def make_book(path, headers, rows) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Class 3B"
    sheet.append(["Maple Grove Elementary: Class 3B"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def sheet_values(path) -> list[list[object]]:
    sheet = openpyxl.load_workbook(path).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def assert_child_password(password: str) -> None:
    *words, number = password.split("-")
    assert set(words) <= set(child_words()) and len(words) >= 2
    assert number in PASSWORD_DIGITS
    assert len(password) >= 8 and not set(password) & set("01IO")


def test_adds_new_login_and_password_columns_and_leaves_teachers_columns(capsys, tmp_path):
    path = tmp_path / "class.xlsx"
    make_book(path, TEACHER_HEADERS, KIDS)
    before = sheet_values(path)
    code, out, err = call(capsys, "generate", path)
    assert code == 0, err
    after = sheet_values(path)
    assert after[1] == [*TEACHER_HEADERS, "New Login", "Password"]  # no empty Status...
    for old, new in zip(before, after, strict=True):
        assert new[: len(old)] == old  # every teacher's cell, the title row too
    logins = [row[5] for row in after[2:]]
    assert logins == ["yuki.t", "zoe.d", "jose.a", "emma.j", "emma.j2"]
    passwords = [row[6] for row in after[2:]]
    for password in passwords:
        assert_child_password(password)
        assert password not in out and password not in err
    lines = out.splitlines()
    assert lines[0] == "row 3: yuki.t, password set"
    assert lines[4] == "row 7: emma.j2 ('emma.j' is also on row 6), password set"
    assert lines[-1].startswith("5 logins and 5 passwords filled; 1 login numbered")
    assert f"Saved {path}" in err
    table = open_workbook(path).table
    assert table.column(Role.NEW_LOGIN) == 5 and table.column(Role.PASSWORD) == 6


def test_fills_only_empty_cells_into_existing_columns_and_to_output(capsys, tmp_path):
    headers = ["Name", "New Login", "Notes", "Password", "Status"]
    rows = [
        ["Tanaka, Yuki", "", "a", "", ""],
        ["Dubois, Zoë", "zoe.d", "b", "typed-pass-55", ""],
        ["Kowalski, Ava", "", "c", "", "Created"],
        ["O'Brien, Liam", "", None, "", ""],
        ["", "", "no name here", "", ""],
    ]
    path = tmp_path / "names.xlsx"
    make_book(path, headers, rows)
    original = path.read_bytes()
    output = tmp_path / "filled.xlsx"
    code, out, _ = call(
        capsys, "generate", path, "--output", output, "--logins", "{first}{last_initial}",
        "--suffix", "@kids", "--password-words", "3", "--password-separator", ".",
    )  # fmt: skip
    assert code == 0  # the row with only notes is not a student
    assert path.read_bytes() == original
    after = sheet_values(output)
    assert after[1][:5] == headers
    assert [row[1] for row in after[2:]] == ["yukit@kids", "zoe.d", None, "liamo@kids", None]
    assert after[3][3] == "typed-pass-55" and after[4][3] is None
    for password in (after[2][3], after[5][3]):
        words, number = password.split(".")[:-1], password.split(".")[-1]
        assert len(words) == 3 and set(words) <= set(child_words()) and number in PASSWORD_DIGITS
    assert [row[2] for row in after[2:]] == ["a", "b", "c", None, "no name here"]
    assert "2 logins and 2 passwords filled" in out


def test_replace_and_no_passwords(capsys, tmp_path):
    path = tmp_path / "class.xlsx"
    make_book(path, [*TEACHER_HEADERS, "New Login", "Password"], [[*KIDS[0], "yt", "pw-keep-22"]])
    code, out, _ = call(capsys, "generate", path, "--replace", "--no-passwords")
    assert code == 0
    assert sheet_values(path)[2][5:7] == ["yuki.t", "pw-keep-22"]
    assert out.splitlines()[0] == "row 3: yuki.t"


def test_replace_keeps_a_typed_login_it_cannot_remake(capsys, tmp_path):
    path = tmp_path / "class.xlsx"
    headers = ["SIS User ID", "New Login", "Password"]
    make_book(path, headers, [["0045599", "kid.one", "old-pass-77"]])
    code, out, _ = call(capsys, "generate", path, "--replace")
    assert code == 1
    assert out.splitlines()[0] == (
        "row 3: password set, no login: no name to make a login from: the sheet has no "
        "First Name and Last Name or Name column"
    )
    row = sheet_values(path)[2]
    assert row[1] == "kid.one" and row[2] != "old-pass-77"
    assert_child_password(row[2])


def test_skipped_rows_exit_1_and_bad_usage_exits_2(capsys, tmp_path):
    path = tmp_path / "class.xlsx"
    make_book(path, TEACHER_HEADERS, [KIDS[0], ["", "", "0045599", 2, "new, name unknown"]])
    code, out, _ = call(capsys, "generate", path)
    assert code == 1
    assert "row 4: skipped: no name to make a login from" in out.splitlines()
    for bad in (
        ["--logins", "{nickname}"],
        ["--logins", "{first} {last}"],
        ["--no-logins", "--no-passwords"],
        ["--password-separator", "x"],
        ["--password-digits", "9"],
        ["--output", tmp_path / "nowhere" / "x.xlsx"],
    ):
        before = path.read_bytes()
        code, _, err = call(capsys, "generate", path, *bad)
        assert code == 2, bad
        assert err.strip() and path.read_bytes() == before


def test_with_url_avoids_names_taken_in_canvas(capsys, tmp_path, sandbox, token_env):
    path = tmp_path / "class.xlsx"
    make_book(path, TEACHER_HEADERS, KIDS[:2])
    code, out, err = call(
        capsys, "generate", path, "--url", sandbox.url, "--min-password-length", "16"
    )
    assert code == 0, err
    after = sheet_values(path)
    assert after[2][5] == "yuki.t2"
    assert "row 3: yuki.t2 ('yuki.t' is taken in Canvas), password set" in out
    assert all(len(row[6]) >= 16 for row in after[2:])
    assert sandbox.stats.total_writes == 0
    assert token_env not in out + err


def test_with_url_and_a_refused_token_exits_3_and_changes_nothing(
    capsys, tmp_path, sandbox, monkeypatch
):
    monkeypatch.setenv("CANVAS_TOKEN", "not-the-token")
    path = tmp_path / "class.xlsx"
    make_book(path, TEACHER_HEADERS, KIDS[:1])
    before = path.read_bytes()
    code, _, err = call(capsys, "generate", path, "--url", sandbox.url)
    assert code == 3
    assert "Nothing was changed" in err
    assert path.read_bytes() == before


def test_a_csv_class_list(capsys, tmp_path):
    path = tmp_path / "class.csv"
    path.write_text('Student Name,Notes\r\n"Tanaka, Yuki",x\r\nZoë Dubois,\r\n', encoding="utf-8")
    code, _, _ = call(capsys, "generate", path, "--no-passwords")
    assert code == 0
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Student Name,Notes,New Login")
    assert lines[1].startswith('"Tanaka, Yuki",x,yuki.t')
    assert lines[2].startswith("Zoë Dubois,,zoe.d")

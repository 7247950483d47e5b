"""Headers teachers write: more synonyms, loose words that give way, doubtful headers that
are asked about (the app) or named with --columns (the command line), remembered choices."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from core import cli, mappings
from core.model import HEADER_SYNONYMS, Role, role_for_header
from core.workbook import HeaderNotFoundError, open_workbook
from core.workbook.headers import read_headers

#: The workbook contract's synonyms (design.md), which must keep working exactly.
DESIGN_SYNONYMS: dict[Role, tuple[str, ...]] = {
    Role.CANVAS_USER_ID: ("Canvas User ID", "canvas_user_id"),
    Role.SIS_USER_ID: ("SIS User ID", "sis_user_id", "SIS ID", "Student ID", "Student Number"),
    Role.CURRENT_LOGIN: ("Current Login", "existing login", "existing_login_id"),
    Role.NEW_LOGIN: (
        "New Login",
        "new_login",
        "New Username",
        "New Login ID",
        "Second Login",
        "login_id",
        "unique_id",
    ),
    Role.PASSWORD: ("Password", "New Password"),
    Role.LOGIN_SIS_ID: ("Login SIS ID",),
    Role.INTEGRATION_ID: ("Integration ID",),
    Role.PROVIDER: ("Authentication Provider", "auth provider", "authentication_provider_id"),
    Role.ACTION: ("Action",),
    Role.FIRST_NAME: ("First Name", "First", "Given Name"),
    Role.LAST_NAME: ("Last Name", "Last", "Surname", "Family Name"),
    Role.FULL_NAME: ("Name", "Student Name", "Student"),
    Role.CLASS: ("Class", "Homeroom", "Room", "Section", "Course"),
    Role.TEACHER: ("Teacher",),
}

TEACHERS_WORDS = {
    "Username": Role.NEW_LOGIN,
    "User Name": Role.NEW_LOGIN,
    "Pwd": Role.PASSWORD,
    "Pass": Role.PASSWORD,
    "Student #": Role.SIS_USER_ID,
    "Student#": Role.SIS_USER_ID,
    "Student No": Role.SIS_USER_ID,
    "Student No.": Role.SIS_USER_ID,
    "ID Number": Role.SIS_USER_ID,
    "Pupil": Role.FULL_NAME,
    "Pupil Name": Role.FULL_NAME,
    "Forename": Role.FIRST_NAME,
    "First": Role.FIRST_NAME,
    "Last": Role.LAST_NAME,
    "Name": Role.FULL_NAME,
    "Class": Role.CLASS,
    "Homeroom": Role.CLASS,
    "Form": Role.CLASS,
    "Teacher": Role.TEACHER,
    "Class Teacher": Role.TEACHER,
    "Canvas ID": Role.CANVAS_USER_ID,
}


def call(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def book(path: Path, rows: list[list[object]], title: str = "Class 2B") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


# ---------------------------------------------------------------- reading header cells


@pytest.mark.parametrize(
    ("role", "text"), [(role, text) for role, texts in DESIGN_SYNONYMS.items() for text in texts]
)
def test_the_contracts_synonyms_still_work_alone_and_in_any_spelling(role, text):
    assert text in HEADER_SYNONYMS[role]
    for spelling in (text, text.upper(), f"  {text.replace(' ', '_')} "):
        reading = read_headers(["Notes", spelling])
        assert reading.columns == {role: 1}, spelling
        assert reading.ambiguous == {} and reading.doubts == {}


@pytest.mark.parametrize(("text", "role"), TEACHERS_WORDS.items())
def test_what_teachers_write(text, role):
    assert role_for_header(text) is role
    assert read_headers([text]).columns == {role: 0}


def test_a_loose_word_gives_way_to_a_plainer_header():
    reading = read_headers(["Room", "Class", "Pass", "Password", "Student", "Student Name"])
    assert reading.columns == {Role.CLASS: 1, Role.PASSWORD: 3, Role.FULL_NAME: 5}
    assert reading.ambiguous == {}  # Room, Pass and Student are the teachers' columns here
    two_loose = read_headers(["Room", "Course"])
    assert two_loose.columns == {Role.CLASS: 0}
    assert two_loose.ambiguous == {Role.CLASS: [0, 1]}


def test_login_is_asked_about_never_taken_on_its_word():
    reading = read_headers(["SIS ID", "Login", "Password"])
    assert reading.columns[Role.NEW_LOGIN] == 1  # proposed, for the column chooser
    assert reading.ambiguous == {Role.NEW_LOGIN: [1]}
    assert reading.doubts[1] == (
        "'Login' could be the login to create (New Login) or a login the student already "
        "has (Current Login)"
    )
    # next to a New Login column it could be the login the student has now
    beside = read_headers(["SIS ID", "New Login", "Login Name"])
    assert beside.columns[Role.CURRENT_LOGIN] == 2 and beside.ambiguous == {Role.CURRENT_LOGIN: [2]}
    # with both login columns there, it is a column of the teachers'
    both = read_headers(["Current Login", "New Login", "Login"])
    assert both.columns == {Role.CURRENT_LOGIN: 0, Role.NEW_LOGIN: 1}
    assert both.ambiguous == {} and both.doubts == {}


def test_id_could_be_the_schools_id_or_canvass_number():
    reading = read_headers(["Name", "ID", "Username"])
    assert reading.columns == {Role.FULL_NAME: 0, Role.SIS_USER_ID: 1, Role.NEW_LOGIN: 2}
    assert reading.ambiguous == {Role.SIS_USER_ID: [1]}
    assert "SIS User ID" in reading.doubts[1] and "Canvas User ID" in reading.doubts[1]


def test_username_next_to_a_new_login_column_is_asked_about():
    alone = read_headers(["Student #", "Username", "Pwd"])
    assert alone.columns == {Role.SIS_USER_ID: 0, Role.NEW_LOGIN: 1, Role.PASSWORD: 2}
    assert alone.ambiguous == {}
    beside = read_headers(["Student #", "Username", "New Login", "Password"])
    assert beside.columns[Role.NEW_LOGIN] == 2
    assert beside.columns[Role.CURRENT_LOGIN] == 1
    assert beside.ambiguous == {Role.CURRENT_LOGIN: [1]}
    assert beside.doubts[1] == (
        "'Username' could be a login the student already has (Current Login), or a column "
        "of the teachers' own (there is a New Login column already)"
    )


def test_the_workbook_reports_doubtful_headers_for_the_app_to_ask(tmp_path):
    path = book(tmp_path / "login.xlsx", [["Name", "ID", "Login"], ["Ava K", "0045510", "ava.k"]])
    doc = open_workbook(path)
    assert doc.ambiguous == {Role.SIS_USER_ID: [1], Role.NEW_LOGIN: [2]}
    assert set(doc.header_doubts) == {1, 2}
    assert doc.table.value(0, Role.NEW_LOGIN) == "ava.k"  # the proposal, until staff say


def test_username_and_pwd_open_without_a_question(tmp_path):
    rows = [["Class list"], ["Pupil Name", "Student #", "Username", "Pwd"]]
    rows.append(["Ava Kowalski", "0045510", "ava.k", "sunny-apple-7"])
    doc = open_workbook(book(tmp_path / "teacher.xlsx", rows))
    table = doc.table
    assert doc.ambiguous == {} and table.header_row == 2
    assert [table.value(0, role) for role in (Role.SIS_USER_ID, Role.NEW_LOGIN)] == [
        "0045510",
        "ava.k",
    ]
    assert table.value(0, Role.PASSWORD) == "sunny-apple-7"
    assert table.value(0, Role.FULL_NAME) == "Ava Kowalski"


def test_unknown_headers_are_still_not_found(tmp_path):
    path = book(
        tmp_path / "odd.xlsx", [["Kid", "Code", "Sign-on", "Secret"], ["Ava", "1", "a", "b"]]
    )
    with pytest.raises(HeaderNotFoundError) as caught:
        open_workbook(path)
    assert "choose the columns yourself" in caught.value.message


# ---------------------------------------------------------------- the command line


def test_the_cli_refuses_a_doubtful_header_and_names_columns(capsys, tmp_path):
    path = book(tmp_path / "login.xlsx", [["Name", "ID", "Login"], ["Ava K", "0045510", "ava.k"]])
    code, out, err = call(capsys, "check", path)
    assert code == 2 and out == ""
    assert "column B: 'ID' could be the school's student id (SIS User ID)" in err
    assert "column C: 'Login' could be the login to create (New Login)" in err
    assert '--columns "SIS User ID=ID,New Login=Login"' in err
    assert "Traceback" not in err

    code, out, err = call(capsys, "check", path, "--columns", "sis user id=ID,New_Login=Login")
    assert code == 0, out + err
    assert "No problems found" in err


def test_columns_by_hand_on_headers_nobody_would_guess(capsys, tmp_path):
    rows = [["Kid", "Code", "Sign-on", "Secret", "Status"]]
    rows.append(["Ava", "0045510", "ava k", "sunny-apple-7", ""])
    rows.append(["Liam", "0045511", "liam.o", "short", ""])
    path = book(tmp_path / "odd.xlsx", rows)
    code, _, err = call(capsys, "check", path)
    assert code == 2
    assert "choose the columns yourself" in err and "--columns" in err

    columns = "SIS User ID=Code,New Login=Sign-on,Password=Secret,Name=Kid"
    code, out, _ = call(capsys, "check", path, "--columns", columns)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("row 2, Sign-on: Login name 'ava k' has a space in it")
    assert lines[1] == "row 3, Secret: Password is shorter than 8 characters"


def test_bad_columns_are_usage_problems_that_say_what_is_there(capsys, tmp_path):
    path = book(tmp_path / "login.xlsx", [["Name", "ID", "Login"], ["Ava K", "0045510", "ava.k"]])
    code, _, err = call(capsys, "check", path, "--columns", "Loginname=Login")
    assert code == 2
    assert "'Loginname' is not a role. The roles are: Canvas User ID, SIS User ID" in err
    code, _, err = call(capsys, "check", path, "--columns", "New Login=Pwd,SIS User ID=ID")
    assert code == 2
    assert "has no header 'Pwd' in its top 10 rows" in err
    assert "The headers of row 1 are: Name, ID, Login." in err
    code, _, err = call(capsys, "check", path, "--columns", "New Login")
    assert code == 2 and "ROLE=Header" in err
    code, _, err = call(capsys, "check", path, "--columns", "New Login=ID,Password=ID")
    assert code == 2 and "for two roles" in err
    # one doubt settled, the other still open: named again, not taken silently
    code, _, err = call(capsys, "check", path, "--columns", "New Login=Login")
    assert code == 2 and "'ID' could be" in err and "--columns" in err
    # ROLE= with nothing after it: no such column (a names-only list needs no student id)
    code, out, err = call(capsys, "check", path, "--columns", "New Login=Login,SIS User ID=")
    assert code == 1, err
    assert out.startswith("row 2: No student: fill in the Canvas User ID")


def test_the_column_choice_the_app_remembered_is_used(capsys, tmp_path):
    headers = ["Kid", "Code", "Sign-on", "Secret"]
    path = book(tmp_path / "odd.xlsx", [headers, ["Ava", "0045510", "ava.k", "sunny-apple-7"]])
    mappings.remember(headers, {Role.SIS_USER_ID: 1, Role.NEW_LOGIN: 2, Role.PASSWORD: 3})
    code, out, err = call(capsys, "check", path)
    assert (code, out) == (0, ""), err

    doubtful = ["Name", "ID", "Login"]
    other = book(tmp_path / "login.xlsx", [doubtful, ["Ava K", "0045510", "ava.k"]])
    mappings.remember(doubtful, {Role.CANVAS_USER_ID: 1, Role.CURRENT_LOGIN: 2})
    code, out, err = call(capsys, "check", other)
    assert code == 1, err  # read as remembered: no login to create
    assert "row 2, New Login: No login name" in out  # New Login added, Login is Current


def test_a_sheet_with_a_name_and_describing_columns_keeps_them_with_columns(capsys, tmp_path):
    rows = [["Pupil", "Class", "Code", "Sign-on"], ["Ava Kowalski", "2B", "0045510", ""]]
    path = book(tmp_path / "kids.xlsx", rows)
    code, out, err = call(
        capsys, "generate", path, "--columns", "SIS User ID=Code,New Login=Sign-on"
    )
    assert code == 0, out + err
    cells = open_workbook(path, mapping={Role.NEW_LOGIN: 3}).table.rows[0].cells
    assert cells[:4] == ["Ava Kowalski", "2B", "0045510", "ava.k"]  # from Pupil, by header


def test_two_columns_named_new_login_are_asked_about_never_silently_one(capsys, tmp_path):
    rows = [
        ["SIS User ID", "New Login", "New Login", "Password", "Status", "Status"],
        ["0045510", "ava.k", "ava.kowalski", "sunny-apple-7", "", "checked by Ms. Patel"],
    ]
    path = book(tmp_path / "twice.xlsx", rows)
    doc = open_workbook(path)
    assert doc.ambiguous[Role.NEW_LOGIN] == [1, 2]  # the app asks (it presets the first)
    assert doc.ambiguous[Role.STATUS] == [4, 5]

    code, out, err = call(capsys, "check", path)
    assert code == 2 and out == ""
    assert "New Login could be column B ('New Login') or column C ('New Login')" in err
    assert "one heading twice: --columns takes the first; to use another, rename it" in err

    # Told to take the first, the other columns headed like the app's are still named.
    code, out, err = call(capsys, "check", path, "--columns", "New Login=New Login")
    assert code == 0, err
    assert (
        "row 2, New Login: Column C ('New Login') is headed as a New Login column too; "
        "Canvas Logins uses column B ('New Login') for the New Login and leaves column C as "
        "it is." in out
    )
    assert "row 2, Status: Column F ('Status') is headed as a Status column too" in out

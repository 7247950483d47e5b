"""``canvas-logins-cli roster`` and ``match``, in-process against the sandbox."""

from __future__ import annotations

import socket

import openpyxl
import pytest

from core import cli
from core.model import Role
from core.roster.courses import NO_COURSE_RIGHT
from core.roster.roster import ROSTER_HEADERS
from core.sandbox.state import ALL_RIGHTS, COURSE_RIGHTS
from core.workbook import open_workbook

K = "Kindergarten - Ms. Patel"


def call(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sheet_rows(path) -> list[list[str | None]]:
    sheet = openpyxl.load_workbook(path).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def names_workbook(path, rows) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["First Name", "Last Name", "Class"])
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_roster_of_two_classes(capsys, sandbox, token_env, tmp_path):
    output = tmp_path / "k and 1.xlsx"
    code, out, err = call(
        capsys,
        "roster",
        "--url",
        sandbox.url,
        "--course",
        201,
        "--course",
        "sis_course_id:2526-G1-OKAFOR",
        "--output",
        output,
    )
    assert code == 0, err
    assert out.strip() == f"Wrote 9 students of 2 classes to {output}."
    assert "Classes: Kindergarten - Ms. Patel; Grade 1 - Mr. Okafor" in err
    rows = sheet_rows(output)
    assert tuple(rows[0]) == ROSTER_HEADERS
    ids = [row[4] for row in rows[1:]]
    assert sorted(ids) == ["101", "102", "103", "104", "105", "106", "107", "108", "120"]
    zoe = ["Zoë", "Dubois", K, "Ms. Patel", "103", "0045512", "zoë.dubois@maplegrove.example"]
    assert rows[1] == [*zoe, None, None]
    assert sandbox.state.writes() == []


def test_roster_by_search_leaves_the_concluded_class_out(capsys, sandbox, token_env, tmp_path):
    output = tmp_path / "patel.xlsx"
    code, _, err = call(
        capsys, "roster", "--url", sandbox.url, "--course-search", "Ms. Patel", "--output", output
    )
    assert code == 0, err
    assert "Classes: Kindergarten - Ms. Patel\n" in err
    assert {row[2] for row in sheet_rows(output)[1:]} == {K}


def test_roster_by_search_in_one_term(capsys, sandbox, token_env, tmp_path):
    school = sandbox.state.school
    with sandbox.state.lock:  # an active class in the Default Term, outside this school year
        summer = school.add_course("Grade 2 – Summer Reading", "G2-SUMMER", term_id=1)
        section = next(s for s in school.sections.values() if s.course_id == summer.id)
        school.enroll(110, section.id)
    both, this_year = tmp_path / "both.xlsx", tmp_path / "this year.xlsx"
    search = ("roster", "--url", sandbox.url, "--course-search", "Grade 2")
    code, _, err = call(capsys, *search, "--output", both)
    assert code == 0, err
    assert "Classes: Grade 2 - Mrs. Lindqvist; Grade 2 – Summer Reading\n" in err
    code, _, err = call(capsys, *search, "--term", 3, "--output", this_year)
    assert code == 0, err
    assert "Classes: Grade 2 - Mrs. Lindqvist\n" in err
    assert {row[2] for row in sheet_rows(this_year)[1:]} == {"Grade 2 - Mrs. Lindqvist"}
    code, _, err = call(capsys, *search, "--term", " 1 ", "--output", this_year)
    assert code == 0, err
    assert [row[:3] for row in sheet_rows(this_year)[1:]] == [
        ["Lucas", "Martin", "Grade 2 – Summer Reading"]
    ]


def test_roster_of_one_section(capsys, sandbox, token_env, tmp_path):
    output = tmp_path / "3b.xlsx"
    code, _, err = call(
        capsys,
        "roster",
        "--url",
        sandbox.url,
        "--course-search",
        "haddad",
        "--section",
        305,
        "--output",
        output,
    )
    assert code == 0, err
    assert [row[:3] for row in sheet_rows(output)[1:]] == [
        ["Aarav", "Sharma", "Grade 3 - Room 3B"],
        ["Grace", "Wilson", "Grade 3 - Room 3B"],
    ]
    code, _, err = call(
        capsys,
        "roster",
        "--url",
        sandbox.url,
        "--course",
        201,
        "--section",
        305,
        "--output",
        output,
    )
    assert code == 2
    assert "Section 305 is not a section of the classes chosen" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--course-search", "K"], "at least 2 letters"),
        (["--course-search", "zzzz"], "No active Canvas class matches 'zzzz'"),
        (["--course", "999"], "Canvas has no class with the id 999."),
        (["--course", "abc"], None),
        ([], "--course ID"),
        (["--course", "201", "--course-search", "Patel"], "--course ID"),
        (["--course-search", "Patel", "--term", "2"], "No active Canvas class in term 2 matches"),
        (["--course-search", "Patel", "--term", "99"], "Canvas has no term with the id 99."),
        (["--course-search", "Patel", "--term", "2025-2026"], "not a Canvas term id"),
        (["--course", "201", "--term", "3"], "--term only narrows --course-search"),
    ],
)
def test_roster_usage_problems_exit_2(capsys, sandbox, token_env, tmp_path, args, words):
    output = tmp_path / "out.xlsx"
    code, _, err = call(capsys, "roster", "--url", sandbox.url, *args, "--output", output)
    assert code == 2
    if words:
        assert words in err
    assert not output.exists()


def test_roster_output_must_be_xlsx(capsys, sandbox, token_env, tmp_path):
    code, _, err = call(
        capsys, "roster", "--url", sandbox.url, "--course", 201, "--output", tmp_path / "k.csv"
    )
    assert code == 2
    assert ".xlsx" in err


def test_a_token_that_may_not_read_courses_exits_3_in_plain_words(
    capsys, sandbox, monkeypatch, tmp_path
):
    sandbox.add_token("logins-only-token", rights=set(ALL_RIGHTS - COURSE_RIGHTS))
    monkeypatch.setenv("CANVAS_TOKEN", "logins-only-token")
    output = tmp_path / "k.xlsx"
    code, out, err = call(
        capsys, "roster", "--url", sandbox.url, "--course-search", "Patel", "--output", output
    )
    assert code == 3
    assert NO_COURSE_RIGHT in err
    assert "logins-only-token" not in out + err
    assert not output.exists()
    names = tmp_path / "names.xlsx"
    names_workbook(names, [["Ava", "Kowalski", K]])
    code, _, err = call(capsys, "match", names, "--url", sandbox.url)
    assert code == 3
    assert NO_COURSE_RIGHT in err
    assert Role.CANVAS_USER_ID.value not in open_workbook(names).table.headers


def test_match_fills_ids_and_exits_1_when_rows_stay_unmatched(capsys, sandbox, token_env, tmp_path):
    names = tmp_path / "names.xlsx"
    names_workbook(
        names,
        [["Ava", "K.", K], ["Zoe", "Dubois", K], ["Noah", "Nguyen", "K-PATEL"], ["Sam", "X", K]],
    )
    code, out, err = call(capsys, "match", names, "--url", sandbox.url)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].startswith("row 2: 2 students in Canvas fit the name 'Ava K.'")
    assert lines[1] == "row 3: Found in Canvas: Dubois, Zoë (Kindergarten - Ms. Patel)"
    assert lines[-1] == "found 2, several possible 1, not found 1"
    table = open_workbook(names).table
    assert [table.value(r, Role.CANVAS_USER_ID) for r in range(4)] == ["", "103", "104", ""]
    assert [table.status(r) for r in range(4)] == ["Invalid", "", "", "Invalid"]
    assert sandbox.state.writes() == []


def test_match_all_found_into_another_file_exits_0(capsys, sandbox, token_env, tmp_path):
    names = tmp_path / "names.xlsx"
    names_workbook(names, [["Aarav", "Sharma", None], ["Grace", "W", None]])
    output = tmp_path / "matched.xlsx"
    code, out, err = call(
        capsys, "match", names, "--url", sandbox.url, "--course", 204, "--output", output
    )
    assert code == 0, err
    assert out.splitlines()[-1] == "found 2, several possible 0, not found 0"
    table = open_workbook(output).table
    assert [table.value(r, Role.CANVAS_USER_ID) for r in range(2)] == ["115", "116"]
    assert Role.CANVAS_USER_ID.value not in open_workbook(names).table.headers


def test_match_without_a_class_column_needs_course(capsys, sandbox, token_env, tmp_path):
    names = tmp_path / "names.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Name"])
    book.active.append(["Ava Kowalski"])
    book.save(names)
    code, _, err = call(capsys, "match", names, "--url", sandbox.url)
    assert code == 2
    assert "--course ID" in err


def test_match_with_canvas_unreachable_exits_3(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CANVAS_TOKEN", "any-token")
    names = tmp_path / "names.xlsx"
    names_workbook(names, [["Ava", "Kowalski", K]])
    code, _, err = call(capsys, "match", names, "--url", f"http://127.0.0.1:{closed_port()}")
    assert code == 3
    assert "The workbook was not changed." in err

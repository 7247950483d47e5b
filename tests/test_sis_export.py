"""logins.csv from the workbook: columns, the Login SIS ID pattern, rows left out, formulas."""

from __future__ import annotations

import csv
import io

import pytest
from table_support import table_from_dicts

from core import cli
from core.model import Status, Table
from core.plan import build_plan
from core.rules import check_table
from core.sis.export import (
    DEFAULT_LOGIN_SIS_PATTERN,
    PatternError,
    build_logins_csv,
    check_pattern,
    export_logins_csv,
    protect_cell,
)

HEADERS = [
    "Name",
    "Canvas User ID",
    "SIS User ID",
    "Current Login",
    "New Login",
    "Password",
    "Login SIS ID",
    "Integration ID",
    "Authentication Provider",
    "Action",
    "Status",
]


def make_table(rows: list[dict[str, str]]) -> Table:
    return table_from_dicts(HEADERS, rows)


def built_for(rows: list[dict[str, str]], pattern: str = DEFAULT_LOGIN_SIS_PATTERN):
    table = make_table(rows)
    plan = build_plan(table, check_table(table))
    return table, build_logins_csv(plan.operations, pattern)


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20", "'+44 20"),
        ("-dash", "'-dash"),
        ("@home", "'@home"),
        ("\tTab", "'\tTab"),
        ("\rcr", "'\rcr"),
        ("ava.k", "ava.k"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_protect_cell(text, safe):
    assert protect_cell(text) == safe


def test_columns_and_default_pattern():
    _, built = built_for(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"Canvas User ID": "102", "New Login": "liam.o", "Login SIS ID": "L-102"},
        ]
    )
    assert built.columns == [
        "user_id",
        "login_id",
        "existing_user_id",
        "existing_canvas_user_id",
        "password",
    ]
    rows = parsed(built.text())
    assert rows == [
        {
            "user_id": "0045510-L2",
            "login_id": "ava.k",
            "existing_user_id": "0045510",
            "existing_canvas_user_id": "",
            "password": "sunny-apple-7",
        },
        {
            "user_id": "L-102",
            "login_id": "liam.o",
            "existing_user_id": "",
            "existing_canvas_user_id": "102",
            "password": "",
        },
    ]
    assert [r.line for r in built.rows] == [2, 3]
    assert built.row_at_line(3).login_id == "liam.o"
    assert built.row_at_line(1) is None


def test_optional_columns_only_when_used():
    _, built = built_for(
        [
            {
                "SIS User ID": "0045511",
                "New Login": "liam.o@maplegrove.example",
                "Authentication Provider": "saml",
                "Integration ID": "INT-1",
            }
        ]
    )
    assert built.columns == [
        "user_id",
        "login_id",
        "existing_user_id",
        "authentication_provider_id",
        "integration_id",
    ]


def test_a_custom_pattern():
    _, built = built_for(
        [{"SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-apple-7"}],
        pattern="second-{sis_user_id}-{login}",
    )
    assert built.rows[0].user_id == "second-0045510-ava.k"


@pytest.mark.parametrize("pattern", ["", "{nope}", "fixed", "{sis_user_id"])
def test_bad_patterns_are_refused(pattern):
    with pytest.raises(PatternError):
        check_pattern(pattern)


def test_rows_an_import_cannot_take_are_left_out_with_the_reason():
    _, built = built_for(
        [
            {"Current Login": "ava.kowalski@x", "New Login": "ava.k", "Password": "sunny-apple-7"},
            {"Canvas User ID": "102", "New Login": "liam.o"},  # pattern needs a SIS id
            {"SIS User ID": "0045512", "New Login": "zoe.d", "Login SIS ID": "0045512"},
            {"SIS User ID": "0045513", "New Login": "noah.n", "Login SIS ID": "SAME"},
            {"SIS User ID": "0045514", "New Login": "mia.s", "Login SIS ID": "same"},
            {
                "SIS User ID": "0045515",
                "New Login": "jose.a",
                "Action": "Reset",
                "Password": "x" * 9,
            },
        ]
    )
    assert [r.login_id for r in built.rows] == ["noah.n"]
    left = {r.row: r for r in built.left_out}
    assert set(left) == {0, 1, 2, 4}
    assert all(r.status is Status.INVALID for r in left.values())
    assert "current login" in left[0].message
    assert "fill in its Login SIS ID" in left[1].message
    assert "student's own SIS ID" in left[2].message
    assert "sheet row 5" in left[4].message


def test_export_writes_a_protected_file_and_says_what_it_left_out(tmp_path):
    table = make_table(
        [
            {"SIS User ID": "0045510", "New Login": "ava.k", "Password": "=HYPERLINK(1)"},
            {"SIS User ID": "0045511", "New Login": "liam.o", "Password": "cat"},
            {"SIS User ID": "0045512", "New Login": "zoe.d", "Password": "blue-kite-19"},
            {"SIS User ID": "0045513", "New Login": "noah.n", "Action": "Remove"},
            {"SIS User ID": "0045514", "New Login": "mia.s", "Status": "Created"},
        ]
    )
    target = tmp_path / "logins.csv"
    result = export_logins_csv(table, target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = parsed(raw.decode("utf-8"))
    assert [r["login_id"] for r in rows] == ["ava.k", "zoe.d"]
    assert rows[0]["password"] == "'=HYPERLINK(1)"
    assert result.written == 2
    assert result.protected == [(0, "password")]
    assert [r.row for r in result.left_out] == [1]
    assert result.not_create == 1
    assert result.already_done == 1
    assert not (tmp_path / "logins.csv.partial").exists()


def test_values_go_to_canvas_exactly_as_typed():
    _, built = built_for(
        [{"SIS User ID": "0045510", "New Login": "ava.k", "Password": "-starts-with-dash"}]
    )
    assert b"'-starts" not in built.data()
    assert b",-starts-with-dash" in built.data()


def test_cli_export_sis(tmp_path, capsys):
    workbook = tmp_path / "students.csv"
    workbook.write_text(
        "SIS User ID,New Login,Password\n0045510,ava.k,sunny-apple-7\n0045511,liam.o,cat\n",
        encoding="utf-8",
    )
    target = tmp_path / "out.csv"
    code = cli.main(["export-sis", str(workbook), "--output", str(target)])
    out = capsys.readouterr().out
    assert code == cli.ExitStatus.ROWS_FAILED
    assert "row 3: left out:" in out
    assert "Wrote 1 login " in out
    assert parsed(target.read_text(encoding="utf-8-sig"))[0]["user_id"] == "0045510-L2"
    bad = cli.main(
        ["export-sis", str(workbook), "--output", str(target), "--login-sis-pattern", "{x}"]
    )
    assert bad == cli.ExitStatus.USAGE

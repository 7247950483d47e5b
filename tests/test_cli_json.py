"""``--json`` on check, run and undo; ``CANVAS_URL``; the production banner."""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil

import pytest
from test_cli import DEMO_EXPECTED, READY_AFTER_GENERATE, closed_port, generate_demo_logins

from core import cli
from core.cli import connection as canvas_connection
from core.demo import DEMO_ROWS, TEMPLATE_HEADERS
from core.model import Role
from core.paths import resource_path
from core.workbook import open_workbook

#: A password in the demo workbook: it must never be in the output.
DEMO_PASSWORD = "red-boat-55"
ROW_KEYS = {
    "row",
    "student",
    "name",
    "login",
    "action",
    "status",
    "message",
    "canvas_login_id",
    "processed_at",
}


def call_json(capsys, *args) -> tuple[int, dict, str]:
    """Run the command line; stdout must be exactly one JSON document."""
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # fails on any other text on stdout
    assert captured.out.endswith("}\n")
    assert document["exit_status"] == code
    return code, document, captured.err


def csv_book(tmp_path, lines: list[str], name: str = "kids.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- check -----------------------------------------------------------------------------------


def test_check_json_has_each_row_with_findings(capsys, demo):
    before = demo.read_bytes()
    code, doc, err = call_json(capsys, "check", demo, "--json")
    assert code == 1
    assert (doc["command"], doc["exit_meaning"]) == ("check", "rows failed")
    assert doc["workbook"] == str(demo) and doc["sheet"] == "Students"
    assert "rows have problems to fix" in err  # the notice stays on stderr
    rows = {row["row"]: row for row in doc["rows"]}
    table = open_workbook(demo).table
    noah = rows[table.rows[3].sheet_row]
    assert set(noah) == ROW_KEYS | {"findings"}
    assert noah["status"] == "Invalid" and noah["action"] == "Create"
    assert "Noah" in noah["name"]
    assert {
        "column": "Password",
        "severity": "error",
        "message": "Password is shorter than 8 characters",
    } in noah["findings"]
    emma, oliver = rows[table.rows[6].sheet_row], rows[table.rows[7].sheet_row]
    assert emma["status"] == oliver["status"] == "Invalid"  # duplicates name each other
    assert doc["summary"] == {"invalid": len(doc["rows"]), "warning": 0}
    assert DEMO_PASSWORD not in json.dumps(doc)
    assert demo.read_bytes() == before


def test_check_json_warning_only_rows_unicode_and_a_clean_exit(capsys, tmp_path):
    path = csv_book(
        tmp_path,
        [
            "First Name,Last Name,SIS User ID,New Login,Password",
            "Zoë,Dubois,0045512,zoe.d,",  # no password: a warning, still sent
            "José,García,0045514,jose.g,sunny-apple-7",
        ],
    )
    code, doc, _ = call_json(capsys, "check", path, "--json")
    assert (code, doc["exit_meaning"]) == (0, "ok")
    assert [row["status"] for row in doc["rows"]] == ["Warning"]
    zoe = doc["rows"][0]
    assert (zoe["row"], zoe["name"], zoe["login"]) == (2, "Zoë Dubois", "zoe.d")
    assert [f["severity"] for f in zoe["findings"]] == ["warning"]
    assert doc["summary"] == {"invalid": 0, "warning": 1}


def test_check_json_says_why_when_the_workbook_cannot_be_read(capsys, tmp_path):
    code, doc, err = call_json(capsys, "check", tmp_path / "missing.xlsx", "--json")
    assert (code, doc["exit_meaning"]) == (2, "usage")
    assert "There is no file" in doc["error"] and "There is no file" in err
    assert "rows" not in doc


def test_bad_usage_with_json_is_still_a_json_document(capsys, demo):
    code, doc, err = call_json(capsys, "check", "--json")
    assert code == 2
    assert doc["command"] == "check"
    assert "the following arguments are required: WORKBOOK" in doc["error"]
    assert "usage:" in err
    code, doc, _ = call_json(capsys, "run", demo, "--json", "--concurrency", "0")
    assert (code, doc["command"]) == (2, "run")
    # without --json bad usage prints nothing on stdout, as before
    assert cli.main(["check"]) == 2
    assert capsys.readouterr().out == ""


# --- run -------------------------------------------------------------------------------------


def test_run_json_has_every_row_and_the_counts(capsys, demo, sandbox, token_env):
    generate_demo_logins(capsys, demo)
    code, doc, err = call_json(capsys, "run", demo, "--url", sandbox.url, "--json")
    assert (code, doc["exit_meaning"]) == (1, "rows failed")
    assert doc["command"] == "run" and doc["dry_run"] is False and doc["method"] == "api"
    assert doc["canvas"] == sandbox.url.split("//")[1] and doc["account"] == 1
    assert doc["saved"] == str(demo) and "Saved" in err
    assert "error" not in doc
    table = open_workbook(demo).table
    assert [row["row"] for row in doc["rows"]] == [r.sheet_row for r in table.rows]
    assert [row["status"] for row in doc["rows"]] == DEMO_EXPECTED
    assert all(set(row) == ROW_KEYS for row in doc["rows"])
    summary = doc["summary"]
    assert (summary["created"], summary["already_exists"], summary["updated"]) == (11, 1, 1)
    assert (summary["deleted"], summary["failed"], summary["invalid"]) == (1, 1, 4)
    assert summary["suspended"] == 0 and isinstance(summary["seconds"], float)
    ava = doc["rows"][0]
    made = sandbox.state.find_login("ava.k")
    assert (ava["login"], ava["action"], ava["name"]) == ("ava.k", "Create", "Ava Kowalski")
    assert ava["canvas_login_id"] == str(made["id"]) and ava["processed_at"]
    zoe = doc["rows"][2]
    assert zoe["name"] == "Zoë Dubois"
    yuki = doc["rows"][13]
    assert yuki["status"] == "Failed" and "already belongs to another person" in yuki["message"]
    text = json.dumps(doc)
    assert DEMO_PASSWORD not in text and sandbox.token not in text
    passwords = {table.value(row, Role.PASSWORD) for row in range(len(table.rows))} - {""}
    assert passwords and not any(password in text for password in passwords)


def test_dry_run_json_says_ready_and_would_fail(capsys, demo, sandbox, token_env):
    generate_demo_logins(capsys, demo)
    before = demo.read_bytes()
    code, doc, _ = call_json(capsys, "run", demo, "--url", sandbox.url, "--dry-run", "--json")
    assert code == 1
    assert doc["dry_run"] is True and "saved" not in doc
    statuses = [row["status"] for row in doc["rows"]]
    assert statuses.count("Ready") == READY_AFTER_GENERATE == doc["summary"]["ready"]
    assert statuses.count("Would fail") == 1 == doc["summary"]["would_fail"]
    assert all(row["processed_at"] == "" for row in doc["rows"])
    assert sandbox.stats.total_writes == 0
    assert demo.read_bytes() == before


def test_run_json_when_canvas_refuses_or_cannot_be_reached(capsys, demo, sandbox, monkeypatch):
    monkeypatch.setenv("CANVAS_TOKEN", "not-a-real-token-4242")
    code, doc, err = call_json(capsys, "run", demo, "--url", sandbox.url, "--json")
    assert (code, doc["exit_meaning"]) == (3, "canvas")
    assert "refused the access token" in doc["error"] and "Nothing was changed" in doc["error"]
    assert "refused the access token" in err
    assert "rows" not in doc
    assert "not-a-real-token-4242" not in json.dumps(doc) + err
    unreachable = f"http://127.0.0.1:{closed_port()}"
    code, doc, _ = call_json(capsys, "run", demo, "--url", unreachable, "--json")
    assert code == 3 and "Could not reach Canvas" in doc["error"]


def test_run_json_when_the_workbook_cannot_be_saved(capsys, tmp_path, sandbox, token_env):
    path = tmp_path / "kids.xlsx"
    shutil.copy(resource_path("demo.xlsx"), path)
    generate_demo_logins(capsys, path)
    path.with_name("~$kids.xlsx").write_text("Office Admin")
    code, doc, _ = call_json(capsys, "run", path, "--url", sandbox.url, "--json")
    assert (code, doc["exit_meaning"]) == (4, "not saved")
    assert "could not be saved" in doc["error"]
    assert [row["status"] for row in doc["rows"]] == DEMO_EXPECTED  # what happened in Canvas


# --- undo ------------------------------------------------------------------------------------


def test_undo_json_lists_the_removed_logins(capsys, tmp_path, sandbox, token_env, monkeypatch):
    path = csv_book(
        tmp_path,
        [
            "First Name,Last Name,SIS User ID,New Login,Password",
            "Ava,Kowalski,0045510,ava.k,sunny-apple-7",
            "Zoë,Dubois,0045512,zoe.d,blue-kite-12",
        ],
    )
    code, doc, _ = call_json(capsys, "undo", path, "--url", sandbox.url, "--yes", "--json")
    assert code == 0 and doc["rows"] == [] and doc["message"]  # nothing to undo yet
    assert cli.main(["run", str(path), "--url", sandbox.url]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal: --yes is needed
    code, doc, err = call_json(capsys, "undo", path, "--url", sandbox.url, "--json")
    assert (code, doc["command"]) == (2, "undo")
    assert "--yes" in doc["error"] and "--yes" in err
    assert sandbox.state.find_login("ava.k") is not None

    code, doc, _ = call_json(capsys, "undo", path, "--url", sandbox.url, "--yes", "--json")
    assert (code, doc["exit_meaning"]) == (0, "ok")
    assert [(row["name"], row["login"], row["status"]) for row in doc["rows"]] == [
        ("Ava Kowalski", "ava.k", "Deleted"),
        ("Zoë Dubois", "zoe.d", "Deleted"),
    ]
    assert doc["summary"]["deleted"] == 2 and doc["message"].startswith("Undone:")
    assert sandbox.state.find_login("ava.k") is None
    assert "sunny-apple-7" not in json.dumps(doc)


# --- where Canvas is -------------------------------------------------------------------------


def test_canvas_url_stands_in_for_url(capsys, tmp_path, sandbox, token_env, monkeypatch):
    typed = [DEMO_ROWS[i] for i in (4, 5)]  # Mia and José: nothing to fix
    path = tmp_path / "good.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([TEMPLATE_HEADERS, *typed])
    monkeypatch.setenv("CANVAS_URL", sandbox.url)
    code, doc, _ = call_json(capsys, "run", path, "--dry-run", "--json")
    assert code == 0 and doc["summary"]["ready"] == 2
    # an explicit --url wins over the environment
    monkeypatch.setenv("CANVAS_URL", f"http://127.0.0.1:{closed_port()}")
    code, doc, _ = call_json(capsys, "run", path, "--url", sandbox.url, "--json")
    assert code == 0 and doc["summary"]["created"] == 2
    code, doc, _ = call_json(capsys, "run", path, "--dry-run", "--json")
    assert code == 3  # the environment's (closed) address was used


def test_url_then_canvas_url_then_the_profile(monkeypatch):
    from core.profiles import Profile, ProfileStore

    ProfileStore().save(Profile(name="School", url="https://profile.instructure.com"))
    monkeypatch.setenv("CANVAS_TOKEN", "a-token")
    args = argparse.Namespace(
        url=None, profile="School", account=None, concurrency=None, min_password_length=None
    )
    assert canvas_connection.connection_from(args).url == "https://profile.instructure.com"
    monkeypatch.setenv("CANVAS_URL", "https://env.instructure.com")
    assert canvas_connection.connection_from(args).url == "https://env.instructure.com"
    args.url = "https://typed.instructure.com"
    assert canvas_connection.connection_from(args).url == "https://typed.instructure.com"


# --- the production banner -------------------------------------------------------------------


def connection_to(url: str) -> canvas_connection.Connection:
    return canvas_connection.Connection(url, "token", None, 4, 8)


@pytest.mark.parametrize(
    ("url", "banner"),
    [
        (
            "https://school.instructure.com",
            "PRODUCTION Canvas at school.instructure.com: changes are real.",
        ),
        (
            "canvas.school.edu:8443/login",
            "PRODUCTION Canvas at canvas.school.edu:8443: changes are real.",
        ),
        ("https://school.test.instructure.com", ""),
        ("https://school.beta.instructure.com", ""),
        ("http://127.0.0.1:8765", ""),
        ("http://localhost:8765", ""),
    ],
)
def test_the_banner_marks_production_only(url, banner):
    assert canvas_connection.production_banner(connection_to(url)) == banner


def test_a_dry_run_banner_says_nothing_is_changed():
    assert canvas_connection.production_banner(
        connection_to("https://school.instructure.com"), dry_run=True
    ) == ("PRODUCTION Canvas at school.instructure.com: checking only, nothing is changed.")


def test_no_banner_for_the_sandbox(capsys, demo, sandbox, token_env):
    code, _, err = call_json(capsys, "run", demo, "--url", sandbox.url, "--dry-run", "--json")
    assert code == 1
    assert "PRODUCTION" not in err


def test_the_banner_comes_before_anything_is_sent(
    capsys, tmp_path, sandbox, token_env, monkeypatch
):
    """A Canvas taken for production (the sandbox, told so): the line is on stderr before
    the first request reaches it, for a run, a dry run and an undo."""
    monkeypatch.setattr(canvas_connection, "is_production", lambda url: True)
    requests_at_banner: list[int] = []
    real_banner = canvas_connection.production_banner

    def banner(conn, *, dry_run=False):
        requests_at_banner.append(sandbox.stats.requests)
        return real_banner(conn, dry_run=dry_run)

    monkeypatch.setattr(canvas_connection, "production_banner", banner)
    path = csv_book(tmp_path, ["SIS User ID,New Login,Password", "0045510,ava.k,sunny-apple-7"])
    host = sandbox.url.split("//")[1]
    for extra, words in (
        (["run", "--dry-run"], "checking only, nothing is changed."),
        (["run"], "changes are real."),
        (["undo", "--yes"], "changes are real."),
    ):
        before = sandbox.stats.requests
        code = cli.main([extra[0], str(path), "--url", sandbox.url, *extra[1:]])
        assert code == 0
        err = capsys.readouterr().err
        assert err.count("PRODUCTION") == 1
        assert f"PRODUCTION Canvas at {host}: {words}" in err
        assert requests_at_banner[-1] == before  # nothing had reached Canvas yet
    assert sandbox.state.find_login("ava.k") is None  # the undo took it back

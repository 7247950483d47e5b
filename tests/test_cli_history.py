"""``canvas-logins-cli history``: the runs kept on this computer, one run's rows, CSV, JSON."""

from __future__ import annotations

import csv
import json

import pytest

from core import cli
from core.history import ROW_COLUMNS, RUN_COLUMNS
from core.journal import workbook_key_for

#: A workbook of three rows: two to create, one with a password too short (Invalid).
ROWS = [
    "First Name,Last Name,SIS User ID,New Login,Password",
    "Zoë,Dubois,0045512,zoe.d,blue-kite-12",
    "José,García,0045514,jose.g,sunny-apple-7",
    "Noah,Smith,0045513,noah.s,short",
]


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "kids.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def call(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def history_json(capsys, *args) -> tuple[int, dict]:
    code, out, _ = call(capsys, "history", *args, "--json")
    document = json.loads(out)  # stdout holds the JSON document and nothing else
    assert document["exit_status"] == code
    return code, document


@pytest.fixture
def three_runs(capsys, workbook, sandbox, token_env):
    """An offline check, a dry run and a run of the workbook, in that order."""
    assert call(capsys, "check", workbook)[0] == 1
    assert call(capsys, "run", workbook, "--url", sandbox.url, "--dry-run")[0] == 1
    assert call(capsys, "run", workbook, "--url", sandbox.url)[0] == 1
    return workbook


def read_csv(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # what Excel opens well
    with path.open(newline="", encoding="utf-8-sig") as file:
        return list(csv.reader(file))


def test_three_runs_are_listed_newest_first_with_their_rows(capsys, three_runs, sandbox):
    code, doc = history_json(capsys)
    assert (code, doc["command"]) == (0, "history")
    runs = doc["runs"]
    assert [(run["kind"], run["method"]) for run in runs] == [
        ("run", "api"),
        ("check", "api"),
        ("check", "offline"),
    ]
    assert all(run["workbook"] == workbook_key_for(three_runs) for run in runs)
    assert all(run["outcome"] == "Finished" and run["finished"] for run in runs)
    host = sandbox.url.split("//")[1]
    assert [run["canvas"] for run in runs] == [host, host, ""]
    assert runs[0]["account"] == "1" and runs[2]["account"] is None
    assert runs[0]["counts"] == {"Created": 2, "Invalid": 1}
    assert runs[1]["counts"] == {"Ready": 2, "Invalid": 1}
    assert runs[2]["counts"] == {"Invalid": 1}
    assert runs[0]["user"] and runs[0]["sheet"]

    code, doc = history_json(capsys, "--run", runs[0]["id"])
    assert code == 0 and doc["run"] == runs[0]
    assert [(r["row"], r["name"], r["login"], r["status"]) for r in doc["rows"]] == [
        (2, "Zoë Dubois", "zoe.d", "Created"),
        (3, "José García", "jose.g", "Created"),
        (4, "Noah Smith", "noah.s", "Invalid"),
    ]
    zoe = sandbox.state.find_login("zoe.d")
    assert doc["rows"][0]["canvas_login_id"] == str(zoe["id"]) and doc["rows"][0]["processed_at"]
    assert doc["rows"][0]["action"] == "Create" and doc["rows"][0]["student"]
    assert "shorter than" in doc["rows"][2]["message"]

    code, doc = history_json(capsys, "--run", runs[2]["id"])
    assert [(r["row"], r["status"]) for r in doc["rows"]] == [(4, "Invalid")]
    text = json.dumps(doc)
    assert "blue-kite-12" not in text and "sunny-apple-7" not in text


def test_the_list_and_one_run_as_text(capsys, three_runs):
    code, out, _ = call(capsys, "history")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "Run",
        "When",
        "What",
        "Who",
        "Canvas",
        "Account",
        "Workbook",
        "Sheet",
        "Rows",
        "Outcome",
    ]
    assert [line.split()[0] for line in lines[1:]] == ["3", "2", "1"]
    assert "Run" in lines[1] and "2 created, 1 invalid" in lines[1] and "kids.csv" in lines[1]
    assert "Check" in lines[3] and "1 invalid" in lines[3]
    assert all(line.rstrip().endswith("Finished") for line in lines[1:])

    code, out, _ = call(capsys, "history", "--run", "3")
    assert code == 0
    assert out.startswith("Run 3: Run (api)\n")
    assert "Rows:     2 created, 1 invalid" in out
    table = out.split("\n\n", 1)[1].splitlines()
    assert table[0].split()[:3] == ["Row", "Student", "Name"]
    assert "Zoë" in table[1] and "zoe.d" in table[1] and "Created" in table[1]
    assert "Noah" in table[3] and "Invalid" in table[3]


def test_the_list_and_a_run_as_csv_reports(capsys, three_runs, tmp_path):
    report = tmp_path / "runs.csv"
    code, out, err = call(capsys, "history", "--output", report)
    assert (code, out) == (0, "")
    assert f"Wrote 3 runs to {report}." in err
    lines = read_csv(report)
    assert lines[0] == list(RUN_COLUMNS)
    assert [line[0] for line in lines[1:]] == ["3", "2", "1"]
    assert lines[1][RUN_COLUMNS.index("What")] == "Run"
    assert lines[3][RUN_COLUMNS.index("Method")] == "offline"

    rows = tmp_path / "run3.csv"
    code, doc = history_json(capsys, "--run", "3", "--output", rows)
    assert code == 0 and doc["output"] == str(rows) and len(doc["rows"]) == 3
    lines = read_csv(rows)
    assert lines[0] == list(ROW_COLUMNS)
    name, status = ROW_COLUMNS.index("Name"), ROW_COLUMNS.index("Status")
    assert [(line[name], line[status]) for line in lines[1:]] == [
        ("Zoë Dubois", "Created"),
        ("José García", "Created"),
        ("Noah Smith", "Invalid"),
    ]
    assert all(line[0] == "3" for line in lines[1:])


def test_one_workbook_only_and_a_limit(capsys, three_runs, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("\n".join(ROWS[:2]) + "\n", encoding="utf-8")
    assert call(capsys, "check", other)[0] == 0
    _, doc = history_json(capsys)
    assert len(doc["runs"]) == 4
    _, doc = history_json(capsys, three_runs)
    assert [run["id"] for run in doc["runs"]] == [3, 2, 1]
    _, doc = history_json(capsys, other)
    assert [(run["id"], run["counts"]) for run in doc["runs"]] == [(4, {})]
    _, doc = history_json(capsys, "--limit", "2")
    assert [run["id"] for run in doc["runs"]] == [4, 3]
    code, _, err = call(capsys, "history", "--run", "4", three_runs)
    assert code == 2 and "There is no run 4 of 'kids.csv'" in err


def test_an_unknown_run_is_bad_usage(capsys, three_runs):
    code, out, err = call(capsys, "history", "--run", "99")
    assert (code, out) == (2, "")
    assert "There is no run 99 in the history" in err and "history" in err
    code, doc = history_json(capsys, "--run", "99")
    assert code == 2 and doc["exit_meaning"] == "usage"
    assert "There is no run 99" in doc["error"]
    code, _, _ = call(capsys, "history", "--run", "0")
    assert code == 2


def test_an_empty_history(capsys):
    code, out, err = call(capsys, "history")
    assert (code, out) == (0, "")
    assert "No runs in the history yet." in err
    assert history_json(capsys)[1]["runs"] == []


def test_a_report_that_cannot_be_written_is_bad_usage(capsys, three_runs, tmp_path):
    code, _, err = call(capsys, "history", "--output", tmp_path / "no-such-folder" / "r.csv")
    assert code == 2 and "--output" in err


def test_a_check_that_cannot_keep_its_history_still_checks(capsys, workbook, monkeypatch):
    import sqlite3

    from core.history import RunHistory

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(RunHistory, "record_offline_check", broken)
    code, out, _ = call(capsys, "check", workbook)
    assert code == 1 and "shorter than" in out

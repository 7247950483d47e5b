"""A workbook that saving into would lose parts of (issue 13): said before the run, by
the command line (nothing sent, use --output) and by the app (the results go into a
copy, or nothing is sent). The teacher's file is never touched."""

from __future__ import annotations

from pathlib import Path

from gui_window_support import asked
from test_package_write import teacher_parts, write_package

from core import cli
from core.connection import start_sandbox_connection
from core.workbook import save_risks
from core.workflow import Workflow

RUN_TIMEOUT_MS = 60_000


def unsavable_workbook(folder: Path) -> Path:
    """A sheet part in UTF-16: the package editor leaves it to openpyxl, which would drop
    the pictures, sparklines and rich text of the teacher's file."""
    parts = teacher_parts(table=False)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace('"UTF-8"', '"UTF-16"').encode("utf-16")
    return write_package(folder / "pupils.xlsx", parts)


def test_the_command_line_refuses_before_sending_and_a_copy_gets_the_results(
    tmp_path, sandbox, capsys, monkeypatch
):
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)
    path = unsavable_workbook(tmp_path)
    original = path.read_bytes()
    code = cli.main(["run", str(path), "--url", sandbox.url])
    err = capsys.readouterr().err
    assert code == 2
    assert "sparklines" in err and "--output" in err and "Nothing was changed" in err
    assert sandbox.stats.total_writes == 0 and path.read_bytes() == original

    copy = tmp_path / "pupils (results).xlsx"
    code = cli.main(["run", str(path), "--url", sandbox.url, "--output", str(copy)])
    capsys.readouterr()
    assert code == 1  # Yuki's login belongs to another student
    assert path.read_bytes() == original
    assert Workflow.open(copy).table.status(0) == "Created"


def test_the_app_asks_for_a_copy_before_the_run(window, tmp_path, qtbot, answers):
    path = unsavable_workbook(tmp_path)
    original = path.read_bytes()
    losses = save_risks(Workflow.open(path).doc)
    window.set_connection(start_sandbox_connection())
    assert window.open_file(path)

    assert not window.run_changes()  # staff cancelled: nothing is sent
    assert asked(answers, "save_copy") == [(path, losses)]
    assert not asked(answers, "confirm")

    copy = tmp_path / "pupils (results).xlsx"
    answers.save_copy = str(copy)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.run_changes()
    assert path.read_bytes() == original
    assert window.doc.path == copy
    assert Workflow.open(copy).table.status(0) == "Created"

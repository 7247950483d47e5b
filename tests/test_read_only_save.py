"""A file or folder that may not be written: left alone, with advice that fits.

A read-only workbook is never overwritten (exit 4: save to another name with
``--output``); a folder that cannot be written gets advice about the folder, not about
closing Excel; a temporary file left by a save that was killed is removed by the next.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time

import openpyxl
import pytest

from core import cli
from core.workbook import SaveElsewhereError, WorkbookLockedError, open_workbook, save_workbook
from core.workbook.write import folder_message, remove_stale_temps

ROWS = [
    ("Ava Kowalski", "0045510", "ava.k", "sunny-apple-7"),
    ("Liam O'Brien", "0045511", "liam.o", "green-frog-42"),
]


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "class.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Name", "SIS User ID", "New Login", "Password"])
    for row in ROWS:
        book.active.append(list(row))
    book.save(path)
    return path


def call(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def statuses(path) -> list[str]:
    table = open_workbook(path).table
    return [table.status(row) for row in range(len(table.rows))]


def test_a_read_only_workbook_is_not_overwritten_and_a_copy_gets_the_results(
    capsys, workbook, sandbox, token_env
):
    workbook.chmod(0o444)
    before = workbook.read_bytes()
    code, _, err = call(capsys, "run", workbook, "--url", sandbox.url)
    assert code == 4
    assert "'class.xlsx' is read-only" in err and "--output" in err
    assert "closed" not in err and "Excel" not in err
    assert workbook.read_bytes() == before
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o444
    assert sorted(p.name for p in workbook.parent.iterdir()) == ["class.xlsx"]
    sent = sandbox.stats.total_writes
    assert sent == 2

    copy = workbook.with_name("class results.xlsx")
    code, _, err = call(capsys, "run", workbook, "--url", sandbox.url, "--output", copy)
    assert code == 0, err
    assert "from an earlier run" in err
    assert sandbox.stats.total_writes == sent  # nothing sent again
    assert statuses(copy) == ["Created", "Created"]
    assert workbook.read_bytes() == before


def test_a_read_only_output_file_is_refused_before_anything_is_sent(
    capsys, workbook, sandbox, token_env
):
    taken = workbook.with_name("results.xlsx")
    taken.write_bytes(workbook.read_bytes())
    taken.chmod(0o444)
    code, _, err = call(capsys, "run", workbook, "--url", sandbox.url, "--output", taken)
    assert code == 2
    assert "--output" in err and "read-only" in err
    assert sandbox.stats.total_writes == 0


def test_generate_into_a_read_only_workbook_says_to_use_output(capsys, tmp_path):
    path = tmp_path / "names.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["First Name", "Last Name", "SIS User ID"])
    book.active.append(["Zoë", "Dubois", "0045512"])
    book.save(path)
    path.chmod(0o444)
    code, _, err = call(capsys, "generate", path)
    assert code == 4
    assert "read-only" in err and "with --output and a new file name" in err


def test_save_into_a_read_only_file_raises_save_elsewhere(workbook):
    doc = open_workbook(workbook)
    doc.table.set_cell(0, 0, "Ava K.")
    workbook.chmod(0o400)
    with pytest.raises(SaveElsewhereError) as refused:
        save_workbook(doc)
    assert isinstance(refused.value, WorkbookLockedError)  # the app offers Save As
    assert "read-only" in refused.value.message
    workbook.chmod(0o644)
    save_workbook(doc)
    assert open_workbook(workbook).table.rows[0].cells[0] == "Ava K."


def test_a_folder_that_cannot_be_written_gets_advice_about_the_folder(
    capsys, workbook, sandbox, token_env, monkeypatch
):
    folder = workbook.parent
    assert "Excel" not in folder_message(folder, PermissionError(13, "Permission denied"))
    assert str(folder) in folder_message(folder)
    before = workbook.read_bytes()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root: the folder's mode does not stop it
            folder.chmod(0o755)

            def refuse(*args, **kwargs):
                raise PermissionError(13, "Permission denied")

            monkeypatch.setattr(tempfile, "mkstemp", refuse)
        code, _, err = call(capsys, "run", workbook, "--url", sandbox.url)
    finally:
        folder.chmod(0o755)
    assert code == 4
    assert f"Could not save into the folder '{folder}'" in err
    assert "a folder you can write to" in err and "--output" in err
    assert "open in another program" not in err and "When it is closed" not in err
    assert workbook.read_bytes() == before


def test_a_temporary_file_left_by_a_killed_save_is_removed_by_the_next(workbook):
    folder = workbook.parent
    long_ago = time.time() - 300
    left = folder / ".class.k3x_9q2a.saving"  # what atomic_write names its temporary file
    names = {
        left: long_ago,
        folder / ".class.zzzz1111.saving": time.time(),  # a save going on right now
        folder / ".class.saving": long_ago,  # not this program's name
        folder / ".other.k3x_9q2a.saving": long_ago,  # another workbook's
        folder / "class.k3x_9q2a.saving": long_ago,
    }
    for path, when in names.items():
        path.write_bytes(b"half a workbook")
        os.utime(path, (when, when))
    doc = open_workbook(workbook)
    doc.table.set_cell(0, 0, "Ava K.")
    save_workbook(doc)
    assert not left.exists()
    assert all(path.exists() for path in names if path != left)
    assert open_workbook(workbook).table.rows[0].cells[0] == "Ava K."
    assert remove_stale_temps(workbook) == []

"""Shared pieces of the main-window tests: a window whose questions are answered by the
test, and workbooks to open. Not a test module itself."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from core.journal import Journal
from core.paths import resource_path


@dataclass
class Answers:
    """What the window asked, and what the test answers."""

    unsaved: str = "discard"
    restore: bool = True
    locked: list[str] = field(default_factory=list)  # answers in order; then "cancel"
    save_path: str | None = None
    sheet: str | None = None
    confirm: bool = True
    show_failed: bool = False
    mapping: Any = None
    asked: list[tuple[str, Any]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    infos: list[tuple[str, str]] = field(default_factory=list)


def answer_questions(window, answers: Answers) -> None:
    def record(name, value, result):
        answers.asked.append((name, value))
        return result

    window.ask_unsaved = lambda parent, what: record("unsaved", what, answers.unsaved)
    window.ask_restore = lambda parent, count: record("restore", count, answers.restore)
    window.ask_locked = lambda parent, message: record(
        "locked", message, answers.locked.pop(0) if answers.locked else "cancel"
    )
    window.ask_save_path = lambda parent, suggested: record(
        "save_path", suggested, answers.save_path
    )
    window.ask_open_path = lambda parent: record("open_path", None, None)
    window.choose_sheet = lambda parent, sheets, path: record("sheet", sheets, answers.sheet)
    window.choose_mapping = lambda parent, preview, row, preset, message: record(
        "mapping", (preview, row, preset, message), answers.mapping
    )
    window.confirm = lambda parent, plan, connection, dry_run=False: record(
        "confirm", plan, answers.confirm
    )
    window.show_summary = lambda parent, summary, saved_to=None: record(
        "summary", (summary, saved_to), answers.show_failed
    )
    window.ask_connect = lambda parent: record("connect", None, None)
    window.show_error = lambda parent, title, message: answers.errors.append((title, message))
    window.show_info = lambda parent, title, message: answers.infos.append((title, message))


def asked(answers: Answers, name: str) -> list[Any]:
    return [value for key, value in answers.asked if key == name]


def make_window(qtbot, answers: Answers):
    from gui.main_window import MainWindow

    window = MainWindow(journal=Journal())
    answer_questions(window, answers)
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    return window


def close_window(window) -> None:
    if window.is_running:
        window.stop_run()
        window.run_flow.job.wait(30_000)
    connection = window.connection
    if connection is not None:
        connection.close()


def demo_copy(folder: Path, name: str = "Demo.xlsx") -> Path:
    target = folder / name
    shutil.copyfile(resource_path("demo.xlsx"), target)
    return target


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = title
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def read_column(path: Path, header: str, sheet: str | None = None) -> list[str]:
    """The values under ``header`` (first row holding it) in a saved workbook."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = [[("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)]
    for index, row in enumerate(rows):
        if header in row:
            col = row.index(header)
            return [r[col] if col < len(r) else "" for r in rows[index + 1 :]]
    raise AssertionError(f"no column {header!r} in {path}")

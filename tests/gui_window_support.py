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
from core.workflow import RunRequest


@dataclass
class Answers:
    """The window's prompts (gui.prompts.Prompts) answered by the test: what the window
    asked, and what the test answers. Replace a method on an instance for one test."""

    unsaved: str = "discard"
    restore: bool = True
    locked: list[str] = field(default_factory=list)  # answers in order; then "cancel"
    save_path: str | None = None
    report_path: str | None = None  # where a CSV report (the run history) is saved
    save_copy: str | None = None  # where the results go when the file would lose parts
    open_path: str | None = None
    sheet: str | None = None
    confirm: bool = True
    show_failed: bool = False
    mapping: Any = None  # the answer, or a list of answers in order
    undo: bool = True  # accept the undo, with Canvas's restore when it is offered
    asked: list[tuple[str, Any]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    infos: list[tuple[str, str]] = field(default_factory=list)
    sheet_defaults: list[str | None] = field(default_factory=list)  # preselected sheets
    mapping_offered_sheets: list[bool] = field(default_factory=list)  # "< Choose another sheet"
    summary_notes: list[str] = field(default_factory=list)  # the finished dialog's notes

    def _record(self, name: str, value: Any, result: Any) -> Any:
        self.asked.append((name, value))
        return result

    def ask_unsaved(self, what: str) -> str:
        return self._record("unsaved", what, self.unsaved)

    def ask_restore(self, count: int) -> bool:
        return self._record("restore", count, self.restore)

    def ask_locked(self, message: str) -> str:
        return self._record("locked", message, self.locked.pop(0) if self.locked else "cancel")

    def ask_save_path(self, suggested: Path) -> str | None:
        return self._record("save_path", suggested, self.save_path)

    def ask_report_path(self, title: str, suggested: Path) -> str | None:
        return self._record("report_path", (title, suggested), self.report_path)

    def ask_save_copy(self, path: Path, losses: list[str]) -> str | None:
        return self._record("save_copy", (path, losses), self.save_copy)

    def ask_open_path(self) -> str | None:
        return self._record("open_path", None, self.open_path)

    def choose_sheet(self, sheets: list[str], path: Path, current: str | None = None) -> str | None:
        self.sheet_defaults.append(current)
        return self._record("sheet", sheets, self.sheet)

    def choose_mapping(self, preview, header_row, preset, message, can_choose_sheet=False) -> Any:
        self.mapping_offered_sheets.append(can_choose_sheet)
        answer = self.mapping.pop(0) if isinstance(self.mapping, list) else self.mapping
        return self._record("mapping", (preview, header_row, preset, message), answer)

    def confirm_run(self, plan, connection, previous: RunRequest | None) -> RunRequest | None:
        """Confirmed: the run goes as the last one did (as staff would leave the choice)."""
        return self._record("confirm", plan, (previous or RunRequest()) if self.confirm else None)

    def show_summary(self, summary, saved_to: str | None, note: str = "") -> bool:
        self.summary_notes.append(note)
        return self._record("summary", (summary, saved_to), self.show_failed)

    def ask_undo(self, plan, connection, restore: bool) -> bool | None:
        return self._record("undo", plan.count, restore if self.undo else None)

    def ask_connect(self, store) -> Any:
        return self._record("connect", None, None)

    def show_error(self, title: str, message: str) -> None:
        self.errors.append((title, message))

    def show_info(self, title: str, message: str) -> None:
        self.infos.append((title, message))


def asked(answers: Answers, name: str) -> list[Any]:
    return [value for key, value in answers.asked if key == name]


def make_window(qtbot, answers: Answers):
    from gui.main_window import MainWindow

    window = MainWindow(journal=Journal())
    window.prompts = answers
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

"""Opening, saving and checking run off the GUI thread: the window keeps ticking.

A slow reader or writer (the core function, made to sleep) runs on a worker thread
while a 10 ms timer on the GUI thread goes on ticking; a long wait shows progress, makes
the grid read-only and turns the actions off; opening can be cancelled; closing waits
for a save; a save that fails in the background keeps the results for a retry. Also the
garbage collector's guard with a workbook loaded, and column fitting on a sample.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field

import pytest
from gui_window_support import asked, demo_copy, read_column, write_xlsx
from PySide6.QtCore import Qt, QTimer

import core.workflow
from core.connection import start_sandbox_connection
from core.demo import DEMO_ROWS
from core.model import Progress, Role, RowResult, Status
from core.workbook import WorkbookLockedError
from core.workbook.doc import lock_files
from gui import gc_guard
from gui.column_fit import FIT_FIRST_ROWS, MAX_COLUMN_WIDTH, fit_columns, rows_to_measure
from gui.worker import wait_for

RUN_TIMEOUT_MS = 60_000
#: How long the slowed reader or writer takes: long enough for progress to show.
SLOW_S = 0.8


@pytest.fixture
def demo(tmp_path):
    return demo_copy(tmp_path)


class Ticks:
    """A 10 ms timer on the GUI thread, and when it ticked."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.times.append(time.monotonic()))
        self.timer.start()

    def between(self, start: float, end: float) -> int:
        return sum(start < tick < end for tick in self.times)

    def stop(self) -> None:
        self.timer.stop()


@dataclass
class Slowed:
    """A core function made slow: where and when each call ran."""

    threads: list[threading.Thread] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)
    during: list[object] = field(default_factory=list)  # what `look` saw mid-call


def slow_down(monkeypatch, name: str, look=None, window=None) -> Slowed:
    """Make ``core.workflow.<name>`` take :data:`SLOW_S` longer (stopping early when its
    ``cancel`` is set); ``look()`` is called on the GUI thread once, while the call runs
    and ``window`` shows that it waits for it."""
    original = getattr(core.workflow, name)
    slowed = Slowed()

    def slow(*args, **kwargs):
        start = time.monotonic()
        slowed.threads.append(threading.current_thread())
        cancel = kwargs.get("cancel")
        if cancel is not None:
            cancel.wait(SLOW_S)
        else:
            time.sleep(SLOW_S)
        try:
            return original(*args, **kwargs)
        finally:
            slowed.spans.append((start, time.monotonic()))

    monkeypatch.setattr(core.workflow, name, slow)
    if look is not None:
        poll = QTimer(window)

        def look_once() -> None:
            if window.background.is_showing and len(slowed.threads) > len(slowed.spans):
                poll.stop()
                slowed.during.append(look())

        poll.timeout.connect(look_once)
        poll.start(10)
    return slowed


def record_calls(monkeypatch, name: str) -> list[threading.Thread]:
    """Wrap ``core.workflow.<name>``: the thread of each call, in order."""
    original = getattr(core.workflow, name)
    threads: list[threading.Thread] = []

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(core.workflow, name, recorded)
    return threads


def window_state(window) -> dict[str, object]:
    model = window.table_model
    return {
        "save": window.actions_.save.isEnabled(),
        "open": window.actions_.open.isEnabled(),
        "editable": bool(model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable),
        "progress": window.widgets.busy_bar.isVisible(),
        "cancel": window.widgets.busy_cancel.isVisible(),
        "status": window.statusBar().currentMessage(),
    }


# ----- waiting --------------------------------------------------------------------------
def test_wait_for_returns_the_value_or_raises_the_error_on_the_gui_thread(qtbot):
    threads: list[threading.Thread] = []
    slow: list[bool] = []
    reports: list[Progress] = []

    def job(progress, _cancel):
        threads.append(threading.current_thread())
        for done in (1, 2, 3):
            progress(Progress(done=done, total=3, results=[RowResult(done, Status.CREATED)]))
        return "Zoë"

    value = wait_for(job, progress=reports.append, on_slow=lambda: slow.append(True))
    assert value == "Zoë" and threads[0] is not threading.main_thread()
    assert slow == []  # quick: nothing was shown
    assert [r.row for report in reports for r in report.results] == [1, 2, 3]
    assert reports[-1].done == 3

    def locked(_progress, _cancel):
        raise WorkbookLockedError("'Zoë.xlsx' is open in Excel.")

    with pytest.raises(WorkbookLockedError, match="open in Excel"):
        wait_for(locked)


# ----- saving ---------------------------------------------------------------------------
def test_a_slow_save_runs_off_the_gui_thread_and_the_window_keeps_ticking(
    window, demo, monkeypatch
):
    window.open_file(demo)
    window.table_model.apply_results([RowResult(0, Status.CREATED, "", "777", "t")])
    window.mark_results_unsaved()
    slowed = slow_down(monkeypatch, "save_workbook", lambda: window_state(window), window)
    ticks = Ticks()
    try:
        assert window.save()
    finally:
        ticks.stop()
    (writer,) = slowed.threads
    assert writer is not threading.main_thread()
    (start, end) = slowed.spans[0]
    assert ticks.between(start, end) >= 10  # the GUI thread went on while it wrote
    (during,) = slowed.during
    assert during["progress"] and not during["cancel"]  # a save is not cancelled halfway
    assert not during["save"] and not during["open"] and not during["editable"]
    assert "Saving into 'Demo.xlsx'" in during["status"]
    assert read_column(demo, "Status")[0] == "Created"
    assert not window.is_modified
    after = window_state(window)
    assert after["save"] and after["editable"] and not after["progress"]


def test_closing_the_window_while_a_save_runs_waits_for_it(window, demo, monkeypatch, qtbot):
    window.open_file(demo)
    window.table_model.apply_results([RowResult(1, Status.CREATED, "", "778", "t")])
    window.mark_results_unsaved()
    slowed = slow_down(monkeypatch, "save_workbook", window.close, window)
    assert window.save()
    assert slowed.during == [False]  # refused while the save ran...
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)  # ...then it closed
    assert asked(window.prompts, "unsaved") == []  # nothing was left to ask about
    assert read_column(demo, "Status")[1] == "Created"


def test_results_are_kept_and_saved_when_the_save_after_a_run_fails_and_is_retried(
    window, demo, monkeypatch, qtbot, answers
):
    window.set_connection(start_sandbox_connection())
    window.open_file(demo)
    window.table_model.setData(window.table_model.index(4, 0), "Mia")  # any edit: saved too
    owner = lock_files(demo)[0]
    writers = record_calls(monkeypatch, "save_workbook")
    owner.write_text("excel")  # the teacher has it open: the first save is refused

    def close_excel_then_retry(message):
        answers.asked.append(("locked", message))
        owner.unlink()
        return "retry"

    answers.ask_locked = close_excel_then_retry
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        window.run_changes(confirm=False)
    summary = done.args[0]
    assert summary is not None and summary.count(Status.CREATED) > 0
    assert len(asked(answers, "locked")) == 1
    assert len(writers) == 2 and all(w is not threading.main_thread() for w in writers)
    assert not window.is_modified
    table = window.doc.table
    saved = read_column(demo, "Status")
    assert saved[: len(table.rows)] == [table.status(row) for row in range(len(table.rows))]
    assert saved.count("Created") == summary.count(Status.CREATED)
    (_summary, saved_to) = asked(answers, "summary")[0]
    assert saved_to == str(demo)


def test_a_save_that_fails_keeps_the_results_for_the_next_save(window, demo, monkeypatch):
    window.open_file(demo)
    window.table_model.apply_results([RowResult(2, Status.UPDATED, "", "5", "t")])
    window.mark_results_unsaved()
    original = core.workflow.save_workbook
    failures = [PermissionError(13, "Permission denied")]

    def save_workbook(*args, **kwargs):
        if failures:
            raise failures.pop()
        return original(*args, **kwargs)

    monkeypatch.setattr(core.workflow, "save_workbook", save_workbook)
    assert not window.save()
    title, message = window.prompts.errors[-1]
    assert title == "Could not save" and "Permission denied" in message
    assert window.is_modified and window.doc.table.status(2) == "Updated"
    assert window.actions_.save.isEnabled() and not window.table_model.read_only
    assert window.save()
    assert read_column(demo, "Status")[2] == "Updated"


# ----- opening --------------------------------------------------------------------------
def test_a_slow_open_runs_off_the_gui_thread_and_shows_progress(window, demo, monkeypatch):
    slowed = slow_down(monkeypatch, "open_workbook", lambda: window_state(window), window)
    ticks = Ticks()
    try:
        assert window.open_file(demo)
    finally:
        ticks.stop()
    (reader,) = slowed.threads
    assert reader is not threading.main_thread()
    (start, end) = slowed.spans[0]
    assert ticks.between(start, end) >= 10
    (during,) = slowed.during
    assert during["progress"] and during["cancel"] and not during["open"]
    assert "Opening 'Demo.xlsx'" in during["status"]
    assert window.table_model.rowCount() == len(DEMO_ROWS)
    assert window.actions_.run.isEnabled() and not window.widgets.busy_bar.isVisible()


def test_cancel_stops_opening_and_keeps_the_open_workbook(window, demo, tmp_path, monkeypatch):
    window.open_file(demo)
    other = demo_copy(tmp_path, "Other.xlsx")

    def press_cancel() -> bool:
        shown = window.widgets.busy_cancel.isVisible()
        window.widgets.busy_cancel.click()
        return shown

    slowed = slow_down(monkeypatch, "open_workbook", press_cancel, window)
    started = time.monotonic()
    assert not window.open_file(other)
    assert slowed.during == [True]
    assert time.monotonic() - started < SLOW_S + 5  # stopped; never waited for the reader
    assert window.doc.path == demo and window.table_model.rowCount() == len(DEMO_ROWS)
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.prompts.errors == []
    assert window.actions_.open.isEnabled() and not window.widgets.busy_cancel.isVisible()


# ----- checking and the grid ------------------------------------------------------------
def test_the_check_runs_off_the_gui_thread(window, demo, monkeypatch):
    threads = record_calls(monkeypatch, "check_table")
    window.open_file(demo)
    findings = window.check_offline()
    assert len(threads) == 2 and threading.main_thread() not in threads
    assert findings and list(window.table_model.findings.findings) == findings


def test_an_edit_made_while_a_job_runs_is_rechecked_after_it(window, demo, qtbot):
    window.open_file(demo)
    short = next(i for i, r in enumerate(window.doc.table.rows) if "cat7" in r.cells)
    pw = window.table_model.column_for(Role.PASSWORD)
    assert window.table_model.findings.severity(short, pw) is not None
    busy_when_edited: list[bool] = []

    def edit() -> None:
        busy_when_edited.append(window.background.is_busy)
        window.table_model.edit_cells([(short, pw, "long-enough-44")])

    def job(_progress, _cancel):
        QTimer.singleShot(0, window, edit)  # on the GUI thread, while this job runs
        time.sleep(0.2)

    window.background.run("Saving…", job)
    assert busy_when_edited == [True]
    qtbot.waitUntil(lambda: window.table_model.findings.severity(short, pw) is None)


def test_an_edit_rechecks_only_its_rows_and_agrees_with_a_full_check(
    window, demo, qtbot, monkeypatch
):
    window.open_file(demo)
    table = window.doc.table
    original = core.workflow.check_table
    full_checks = record_calls(monkeypatch, "check_table")
    login = window.table_model.column_for(Role.NEW_LOGIN)
    taken = next(r.cells[login] for r in table.rows if r.cells[login].strip())
    blank = next(i for i, r in enumerate(table.rows) if not r.cells[login].strip())
    before = list(window.table_model.findings_list)
    window.table_model.edit_cells([(blank, login, f" {taken.upper()} ")])  # a duplicate now
    qtbot.waitUntil(lambda: window.table_model.findings_list != before, timeout=5_000)
    assert full_checks == []  # only the edited row and its duplicates were checked
    assert window.table_model.findings.severity(blank, login) is not None
    assert sorted(map(repr, window.table_model.findings_list)) == sorted(map(repr, original(table)))


def test_a_new_connection_checks_every_row_again(window, demo, qtbot, monkeypatch):
    window.open_file(demo)
    full_checks = record_calls(monkeypatch, "check_table")
    window.set_connection(start_sandbox_connection())
    assert len(full_checks) == 1


def test_columns_fit_a_sample_of_a_big_table(window, tmp_path):
    rows = [["SIS User ID", "New Login", "Password", "Teacher"]]
    count = 20_000
    for i in range(count):
        teacher = "Ms. Ngozi Adaeze Okonkwo-Abernathy" if i >= count - 2_000 else "Ms. Li"
        rows.append([f"S{i:05d}", f"kid{i}", "long-enough-1", teacher])
    path = write_xlsx(tmp_path / "big.xlsx", {"Students": rows})
    assert window.open_file(path)
    view = window.widgets.view
    teacher = window.doc.table.headers.index("Teacher")
    sis = window.table_model.column_for(Role.SIS_USER_ID)
    # the long names are only at the bottom, far past the rows measured first
    assert view.columnWidth(teacher) > view.fontMetrics().horizontalAdvance("Ms. Ngozi Adaeze")
    assert view.columnWidth(teacher) <= MAX_COLUMN_WIDTH
    assert view.columnWidth(sis) < view.columnWidth(teacher)
    assert len(rows_to_measure(count)) < 2 * FIT_FIRST_ROWS


def test_a_fitted_column_is_as_wide_as_qt_would_make_it(window, demo):
    window.open_file(demo)
    view = window.widgets.view
    column = window.doc.table.headers.index("Teacher")
    fit_columns(view, [column])
    ours = view.columnWidth(column)
    view.resizeColumnToContents(column)
    assert abs(ours - (view.columnWidth(column) + 12)) <= 2  # the same, with the padding


# ----- garbage collection ---------------------------------------------------------------
@pytest.fixture
def collector(qapp):
    installed = gc_guard.install(qapp)
    yield installed
    gc.unfreeze()


def test_a_loaded_workbook_is_frozen_and_closing_it_thaws_it(window, demo, collector):
    assert gc.get_freeze_count() == 0
    window.open_file(demo)
    assert gc.get_freeze_count() > 0  # full collections skip the workbook
    assert window.close_document()
    assert gc.get_freeze_count() == 0


class Cycle:
    pass


def make_garbage() -> None:
    for _ in range(gc.get_threshold()[0] + 100):
        first, second = Cycle(), Cycle()
        first.other, second.other = second, first


def collections() -> list[int]:
    return [generation["collections"] for generation in gc.get_stats()]


def test_no_full_collection_while_a_run_goes(collector):
    full_before = collections()[2]
    gc_guard.hold_full_collections()
    try:
        for _ in range(1_000):
            make_garbage()
            assert collector.collect_due() > 0  # the young generations are collected
            if gc.get_count()[2] > gc.get_threshold()[2] + 2:
                break
        assert gc.get_count()[2] > gc.get_threshold()[2]  # a full collection was due...
        assert collections()[2] == full_before  # ...and waited
    finally:
        gc_guard.release_full_collections()
    collector.collect_due()
    assert collections()[2] == full_before + 1


def test_nothing_is_collected_while_the_window_waits_for_a_job(collector, window, demo):
    made = threading.Event()
    seen: list[tuple[bool, int, list[int]]] = []

    def job(_progress, _cancel):
        make_garbage()
        made.set()
        time.sleep(0.2)
        return "done"

    def collect_when_due() -> None:
        if made.is_set() and not seen:
            due = gc.get_count()[0] > gc.get_threshold()[0]
            before = collections()
            freed = collector.collect_due()
            seen.append((due, freed, [a - b for a, b in zip(collections(), before, strict=True)]))

    poll = QTimer(window)
    poll.timeout.connect(collect_when_due)
    poll.start(5)
    try:
        assert window.background.run("Saving…", job) == "done"
    finally:
        poll.stop()
    assert seen == [(True, 0, [0, 0, 0])]  # a collection was due, and none ran
    assert collector.collect_due() > 0  # the job's garbage, collected once it is over

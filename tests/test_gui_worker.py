"""BackgroundJob: work off the GUI thread, progress on it, cancel, failures in words."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication, QThread

from core.canvas.errors import TokenRefused
from core.model import Progress, RowResult, Status
from gui.worker import BackgroundJob, merge_progress


def _report(done: int, total: int = 50) -> Progress:
    return Progress(
        done=done,
        total=total,
        counts={Status.CREATED: done},
        results=[RowResult(row=done - 1, status=Status.CREATED)],
    )


def test_job_runs_off_the_gui_thread_and_progress_arrives_on_it(qtbot):
    gui_thread = QCoreApplication.instance().thread()
    job = BackgroundJob()
    worker_threads: list[threading.Thread] = []
    slot_threads: list[QThread] = []
    merged: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        slot_threads.append(QThread.currentThread())
        merged.append(progress)

    job.progress.connect(on_progress)

    def work(progress, cancel):
        worker_threads.append(threading.current_thread())
        for done in range(1, 51):
            progress(_report(done))
        return "all done"

    with qtbot.waitSignal(job.finished, timeout=10_000) as finished:
        job.start(work)
        assert job.is_running()
    assert finished.args == ["all done"]
    assert not job.is_running()
    assert worker_threads and worker_threads[0] is not threading.main_thread()
    assert slot_threads and all(t is gui_thread for t in slot_threads)
    # Coalesced: fewer signals than reports, yet every row result arrives, in order.
    assert len(merged) < 50
    rows = [r.row for p in merged for r in p.results]
    assert rows == list(range(50))
    assert merged[-1].done == 50
    assert merged[-1].counts == {Status.CREATED: 50}


def test_cancel_stops_the_job_and_finished_still_arrives(qtbot):
    job = BackgroundJob()
    started = threading.Event()

    def work(progress, cancel):
        started.set()
        rounds = 0
        while not cancel.wait(0.01):
            rounds += 1
            if rounds > 3000:
                return "ran to the end"
        return "stopped"

    with qtbot.waitSignal(job.finished, timeout=10_000) as finished:
        job.start(work)
        assert started.wait(5)
        job.cancel()
        assert job.is_cancelled()
    assert finished.args == ["stopped"]


def test_an_exception_becomes_failed_with_plain_words(qtbot):
    job = BackgroundJob()
    finished: list[object] = []
    job.finished.connect(finished.append)

    def canvas_says_no(progress, cancel):
        raise TokenRefused()

    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        job.start(canvas_says_no)
    assert failed.args[0].startswith("Canvas refused the access token")
    assert finished == []

    def broken(progress, cancel):
        raise KeyError("boom")

    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        job.start(broken)
    assert "Traceback" not in failed.args[0]
    assert failed.args[0].startswith("Something unexpected went wrong: KeyError")


def test_long_job_asks_for_progress_display_and_short_one_does_not(qtbot):
    job = BackgroundJob()
    shown: list[bool] = []
    job.show_progress.connect(lambda: shown.append(True))
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.start(lambda progress, cancel: "quick")
    qtbot.wait(400)
    assert shown == []

    release = threading.Event()
    with qtbot.waitSignal(job.show_progress, timeout=10_000):
        job.start(lambda progress, cancel: release.wait(10))
    with qtbot.waitSignal(job.finished, timeout=10_000):
        release.set()
    assert job.wait(5000)


def test_synchronous_mode_delivers_everything_before_start_returns(qtbot):
    job = BackgroundJob(synchronous=True)
    events: list[object] = []
    job.progress.connect(lambda p: events.append(p.done))
    job.finished.connect(events.append)

    def work(progress, cancel):
        progress(_report(1))
        progress(_report(2))
        return "result"

    job.start(work)
    assert events == [2, "result"]
    assert not job.is_running()


def test_starting_twice_is_refused(qtbot):
    job = BackgroundJob()
    release = threading.Event()
    job.start(lambda progress, cancel: release.wait(10))
    with pytest.raises(RuntimeError):
        job.start(lambda progress, cancel: None)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        release.set()


def test_merge_keeps_latest_counts_and_every_result():
    merged = merge_progress([_report(1), _report(2), Progress(3, 50, message="slowing down")])
    assert (merged.done, merged.total, merged.message) == (3, 50, "slowing down")
    assert [r.row for r in merged.results] == [0, 1]

"""``canvas-logins --self-test``: the whole app, end to end, against a private sandbox.

Runs with no user settings (a temporary CANVAS_LOGINS_HOME), opens a copy of the demo
workbook in the real main window, fills its empty logins and passwords through
"Generate logins and passwords…" (asking Canvas which names are taken), checks it
offline and with Canvas, runs it without asking (the run's counts must agree with the
check), saves, and reads the saved workbook back to verify every demo row's outcome.
Prints one line per step; exits 0 when all is well, 1 with the reason otherwise, and
also 1 when something hangs past the timeout. Works offscreen and when frozen.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from gui.console import process_age_ms, say
from gui.prompts import Prompts

if TYPE_CHECKING:
    from core.model import Table
    from core.run.engine import RunSummary
    from gui.main_window import MainWindow

#: Outcome per demo row (by first and last name), from core/demo.py.
EXPECTED_STATUS: dict[str, str] = {
    "Ava Kowalski": "Created",  # login made by the generator
    "Liam O'Brien": "Created",  # login made by the generator
    "Zoë Dubois": "Created",  # login made by the generator
    "Noah Nguyen": "Invalid",  # password too short
    "Mia Schröder": "Created",
    "José Álvarez": "Created",
    "Emma Johnson": "Invalid",  # same login as Oliver's, in another case
    "Oliver Smith": "Invalid",
    "Sofia Rossi": "Created",
    "Lucas Martin": "Created",
    "Amara Okeke": "Created",
    "Ethan Brown": "Invalid",  # no SIS ID
    "Chloé Bernard": "Already exists",  # has 'chloe.b' from last year
    # 'yuki.t' belongs to someone else in Canvas: the check finds it, so the run leaves
    # the row out (it keeps the check's words and gets no Processed At)
    "Yuki Tanaka": "Would fail",
    "Aarav Sharma": "Created",
    "Grace Wilson": "Created",
    "Henry Davis": "Deleted",
    "Isla Thompson": "Updated",
    "Ava Kaur": "Created",  # login made by the generator
}
#: What the generator fills into the rows Ms. Patel left empty: Ava Kaur gets a number
#: because Ava Kowalski, higher up, gets "ava.k".
EXPECTED_GENERATED: dict[str, str] = {
    "Ava Kowalski": "ava.k",
    "Liam O'Brien": "liam.o",
    "Zoë Dubois": "zoe.d",
    "Ava Kaur": "ava.k2",
}
#: Rows Check with Canvas should mark Ready: every one the run then changes.
EXPECTED_READY = sum(
    status in ("Created", "Updated", "Deleted", "Suspended", "Reactivated")
    for status in EXPECTED_STATUS.values()
)
#: Rows the check finds would fail: the run leaves them out.
EXPECTED_LEFT_OUT = sum(status == "Would fail" for status in EXPECTED_STATUS.values())


class SelfTestFailure(Exception):
    pass


class UnattendedPrompts(Prompts):
    """No one is there to answer: errors become the failure reason, no summary is shown.

    Other questions get the real dialogs, which :func:`_dismiss_modal_dialogs` closes.
    """

    def __init__(self, parent: QWidget | None, errors: list[str]) -> None:
        super().__init__(parent)
        self.errors = errors

    def show_error(self, title: str, message: str) -> None:
        self.errors.append(f"{title}: {message}")

    def show_summary(self, summary: Any, saved_to: str | None, note: str = "") -> bool:
        return False


class _Waiter:
    """Catches a signal that may fire before or after the call that causes it."""

    def __init__(self, signal: Any) -> None:
        self.signal = signal
        self.args: tuple | None = None
        signal.connect(self._caught)

    def _caught(self, *args: Any) -> None:
        self.args = args

    def wait(self, timeout: float, what: str, errors: list[str] | None = None) -> tuple:
        """The signal's arguments; gives up at the first of ``errors`` (when given)."""
        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + timeout
        while self.args is None:
            if errors:
                raise SelfTestFailure(errors[0])
            if time.monotonic() > deadline:
                raise SelfTestFailure(f"{what} did not finish within {timeout:.0f} s")
            QApplication.processEvents()
            time.sleep(0.01)
        with contextlib.suppress(RuntimeError, TypeError):
            self.signal.disconnect(self._caught)
        return self.args


def _dismiss_modal_dialogs(notes: list[str], driven: list[QWidget]) -> None:
    """No one is there to click: close any dialog that opens, and say so; except the
    ``driven`` ones, which the self-test itself fills in and closes."""
    from PySide6.QtWidgets import QApplication

    widget = QApplication.activeModalWidget()
    if widget is not None and widget not in driven:
        notes.append(widget.windowTitle() or type(widget).__name__)
        widget.close()


def _watchdog(timeout: float) -> threading.Timer:
    def give_up() -> None:
        say(f"self-test FAILED: still running after {timeout:.0f} s (something hangs)")
        sys.stdout.flush()
        os._exit(1)

    timer = threading.Timer(timeout, give_up)
    timer.daemon = True
    timer.start()
    return timer


def run_self_test(timeout: float = 180.0) -> int:
    started = time.monotonic()
    watchdog = _watchdog(timeout)
    home = Path(tempfile.mkdtemp(prefix="canvas-logins-self-test-"))
    os.environ["CANVAS_LOGINS_HOME"] = str(home)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    state: dict[str, Any] = {}
    try:
        _steps(home, timeout, state)
    except SelfTestFailure as exc:
        say(f"self-test FAILED: {exc}")
        return 1
    except BaseException as exc:
        say(f"self-test FAILED: {type(exc).__name__}: {exc}")
        say("".join(traceback.format_exception(exc)).rstrip())
        return 1
    finally:
        watchdog.cancel()
        _clean_up(state)
        shutil.rmtree(home, ignore_errors=True)
    say(f"self-test passed in {time.monotonic() - started:.1f} s")
    return 0


def _step(name: str, since: float) -> float:
    now = time.monotonic()
    say(f"ok  {name} ({now - since:.1f} s)")
    return now


def _steps(home: Path, timeout: float, state: dict[str, Any]) -> None:
    from PySide6.QtCore import QTimer

    from core import __version__
    from core.connection import start_sandbox_connection
    from core.journal import Journal
    from core.logs import setup_logging
    from core.paths import resource_path
    from core.profiles import ProfileStore
    from core.workbook import open_workbook
    from gui.exception_hook import install_exception_hook
    from gui.main_window import MainWindow
    from gui.qt_app import build_app

    say(f"Canvas Logins {__version__} self-test (settings in {home})")
    t = time.monotonic()
    setup_logging()
    app = build_app()
    errors: list[str] = []
    state["hook"] = install_exception_hook(on_error=errors.append)
    dismissed: list[str] = []
    driven: list[QWidget] = []
    closer = QTimer()
    closer.setInterval(100)
    closer.timeout.connect(lambda: _dismiss_modal_dialogs(dismissed, driven))
    closer.start()
    state["closer"] = closer

    window = MainWindow(store=ProfileStore(), journal=Journal())
    state["window"] = window
    window.prompts = UnattendedPrompts(window, errors)
    window.resize(1200, 760)
    window.show()
    app.processEvents()
    say(f"window shown after {process_age_ms():.0f} ms")
    t = _step("main window created", t)

    connection = start_sandbox_connection()
    state["connection"] = connection
    window.set_connection(connection)
    t = _step(f"private sandbox started at {connection.sandbox.url}", t)

    workbook = home / "self-test demo.xlsx"
    shutil.copyfile(resource_path("demo.xlsx"), workbook)
    sheet = open_workbook(workbook).sheet  # the sheet core picks; no one to ask
    if not window.open_file(str(workbook), sheet):
        raise SelfTestFailure(f"could not open {workbook.name}")
    rows = window.table_model.rowCount()
    if rows != len(EXPECTED_STATUS):
        raise SelfTestFailure(f"the demo workbook showed {rows} rows, not {len(EXPECTED_STATUS)}")
    t = _step(f"opened the demo workbook ({rows} rows)", t)

    filled = _generate_logins(window, driven, errors, timeout)
    t = _step(f"generated logins and passwords: {filled}", t)

    window.check_offline()
    app.processEvents()
    t = _step("checked offline", t)

    waiter = _Waiter(window.check_finished)
    window.check_with_canvas()
    (dry_run,) = waiter.wait(timeout, "Check with Canvas")
    _raise_errors(errors)
    if dry_run is None:
        raise SelfTestFailure("Check with Canvas failed")
    table = window.doc.table
    ready = sum(table.status(i) == "Ready" for i in range(len(table.rows)))
    if ready != EXPECTED_READY:
        raise SelfTestFailure(f"Check with Canvas marked {ready} rows Ready, not {EXPECTED_READY}")
    t = _step(f"checked with Canvas (dry run): {ready} rows Ready", t)

    waiter = _Waiter(window.run_finished)
    window.run_changes(confirm=False)
    (summary,) = waiter.wait(timeout, "The run")
    _raise_errors(errors)
    if summary is None:
        raise SelfTestFailure("the run failed")
    _check_counts(summary)
    t = _step(f"ran: {summary.line()}", t)

    if not window.save():
        raise SelfTestFailure("saving the workbook failed")
    app.processEvents()
    t = _step("saved", t)

    _verify(workbook)
    _raise_errors(errors)
    _step("verified the saved workbook", t)
    if dismissed:
        say("note: closed these dialogs nobody was there to answer: " + ", ".join(dismissed))


def _generate_logins(
    window: MainWindow, driven: list[QWidget], errors: list[str], timeout: float
) -> str:
    """Students → "Generate logins and passwords…" for the whole sheet, OK as staff
    would click it (the names are checked with Canvas first); returns the fill's summary."""
    from core.model import Role

    window.actions_.generate.trigger()
    dialog = window.kit_flow.generate_dialog
    if dialog is None or not dialog.isVisible():
        raise SelfTestFailure("Generate logins and passwords did not open")
    driven.append(dialog)
    dialog.job.failed.connect(lambda message: errors.append(f"Generate: {message}"))
    dialog.sheet_choice.setChecked(True)
    dialog.refresh_preview()
    if not dialog.checks_canvas():
        raise SelfTestFailure("Generate logins and passwords would not check names with Canvas")
    waiter = _Waiter(dialog.finished)
    dialog.accept()
    (result,) = waiter.wait(timeout, "Generate logins and passwords", errors)
    driven.remove(dialog)
    if result != dialog.DialogCode.Accepted or dialog.plan is None:
        raise SelfTestFailure(f"Generate logins and passwords was closed: {dialog.status.text()}")
    assert window.doc is not None
    table = window.doc.table
    wrong = []
    for index in range(len(table.rows)):
        name = _full_name(table, index)
        want = EXPECTED_GENERATED.get(name)
        if want is None:
            continue
        login = table.value(index, Role.NEW_LOGIN)
        if login != want or not table.value(index, Role.PASSWORD):
            wrong.append(f"{name}: expected {want!r} and a password, got {login!r}")
    if wrong:
        raise SelfTestFailure("the generator filled the wrong logins: " + "; ".join(wrong))
    return dialog.plan.summary()


def _check_counts(summary: RunSummary) -> None:
    """The run's counts agree with the check: every row it sent has its expected
    outcome, and the rows the check found would fail were left out."""
    from collections import Counter

    from core.model import Status

    expected = Counter(EXPECTED_STATUS.values())
    wrong = [
        f"{status.value} {summary.count(status)}, not {expected[status.value]}"
        for status in (
            Status.CREATED,
            Status.ALREADY_EXISTS,
            Status.UPDATED,
            Status.DELETED,
            Status.SUSPENDED,
            Status.REACTIVATED,
        )
        if summary.count(status) != expected[status.value]
    ]
    if summary.left_out != EXPECTED_LEFT_OUT:
        wrong.append(f"left out {summary.left_out}, not {EXPECTED_LEFT_OUT}")
    if wrong:
        raise SelfTestFailure("the run's counts disagree with the check: " + "; ".join(wrong))


def _full_name(table: Table, index: int) -> str:
    """The "First Last" of a row, from the demo's name columns."""
    cells = table.rows[index].cells
    return f"{cells[table.headers.index('First Name')]} {cells[table.headers.index('Last Name')]}"


def _raise_errors(errors: list[str]) -> None:
    if errors:
        raise SelfTestFailure(errors[0])


def _verify(path: Path) -> None:
    from core.model import Role
    from core.workbook import open_workbook

    table = open_workbook(path).table
    for header in ("First Name", "Last Name"):
        if header not in table.headers:
            raise SelfTestFailure(f"the saved workbook lost its {header} column")
    seen: dict[str, str] = {}
    wrong = []
    for index in range(len(table.rows)):
        name = _full_name(table, index)
        seen[name] = table.status(index)
        want = EXPECTED_GENERATED.get(name)
        if want is not None and table.value(index, Role.NEW_LOGIN) != want:
            wrong.append(f"{name}: the login {want!r} was not saved")
    for name, expected in EXPECTED_STATUS.items():
        got = seen.get(name)
        if got != expected:
            wrong.append(f"{name}: expected {expected}, got {got!r}")
    if wrong:
        raise SelfTestFailure("unexpected statuses in the saved workbook: " + "; ".join(wrong))
    for index in range(len(table.rows)):
        left_out = table.status(index) == "Would fail"
        if bool(table.value(index, Role.PROCESSED_AT)) == left_out:
            problem = "a time, but the run left the row out" if left_out else "no time"
            raise SelfTestFailure(f"{_full_name(table, index)}: Processed At has {problem}")


def _clean_up(state: dict[str, Any]) -> None:
    closer = state.get("closer")
    if closer is not None:
        closer.stop()
    window = state.get("window")
    if window is not None:
        try:
            window.setWindowModified(False)
            window.hide()
            window.deleteLater()
        except RuntimeError:
            pass
    connection = state.get("connection")
    if connection is not None:
        connection.close()
    hook = state.get("hook")
    if hook is not None:
        hook.uninstall()

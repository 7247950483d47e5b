"""The app shell: --version, --self-test, the exception hook and the first start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gui_window_support import Answers, asked
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QDockWidget, QMainWindow, QWidget

import core
from core.canvas.errors import register_secret
from core.demo import DEMO_ROWS
from core.model import Role
from core.paths import data_dir, resource_path
from gui import settings
from gui.app import parse_args, start_demo
from gui.exception_hook import ErrorDialog, ExceptionHook, error_details
from gui.first_start import (
    DEMO_FILE_NAME,
    FirstStartChoice,
    WelcomeDialog,
    ask_first_start,
    demo_workbook_copy,
)
from gui.qt_app import build_app, dark_palette
from gui.self_test import EXPECTED_GENERATED, EXPECTED_READY, EXPECTED_STATUS
from gui.title_icons import PaletteTitleIconStyle

ROOT = Path(__file__).resolve().parent.parent


def demo_name(table, row: int) -> str:
    """The "First Last" of a demo row, as gui.self_test names the expected outcomes."""
    cells = table.rows[row].cells
    return f"{cells[table.headers.index('First Name')]} {cells[table.headers.index('Last Name')]}"


def _run_app(*args: str, home: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CANVAS_LOGINS_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "gui.app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_version_prints_and_exits_without_any_window(tmp_path):
    code = (
        "import sys; from gui.app import main; rc = main(['--version']); "
        "print('widgets loaded' if 'PySide6.QtWidgets' in sys.modules else 'no widgets'); "
        "sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(os.environ, CANVAS_LOGINS_HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"Canvas Logins {core.__version__}", "no widgets"]


def test_arguments():
    args = parse_args(["roster.xlsx"])
    assert (args.file, args.version, args.self_test) == ("roster.xlsx", False, False)
    assert parse_args(["--self-test"]).self_test is True


def test_self_test_passes_offscreen_without_touching_user_settings(tmp_path):
    result = _run_app("--self-test", home=tmp_path)
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert "window shown after" in output
    # the K-3 job: Ms. Patel's empty rows filled first, Ava Kaur's login numbered
    assert "ok  generated logins and passwords: 4 logins and 4 passwords filled" in output
    assert f"checked with Canvas (dry run): {EXPECTED_READY} rows Ready" in output
    assert EXPECTED_READY == 13  # 11 created (4 of them generated), 1 reset, 1 removal
    assert "verified the saved workbook" in output
    assert output.strip().splitlines()[-1].startswith("self-test passed in ")
    assert list(tmp_path.iterdir()) == []  # the self-test used its own temporary home


def test_self_test_that_hangs_fails_with_a_reason(tmp_path):
    result = _run_app("--self-test", "--self-test-timeout", "0.2", home=tmp_path)
    assert result.returncode == 1
    assert "self-test FAILED: still running after" in result.stdout


def test_build_app_uses_fusion_the_icon_and_the_forced_theme(qapp, monkeypatch):
    monkeypatch.setenv("CANVAS_LOGINS_THEME", "dark")
    app = build_app()
    try:
        assert isinstance(app.style(), PaletteTitleIconStyle)
        assert app.style().baseStyle().name().lower() == "fusion"
        assert not app.windowIcon().isNull()
        assert app.palette().window().color() == dark_palette().window().color()
        assert app.applicationVersion() == core.__version__
    finally:
        monkeypatch.setenv("CANVAS_LOGINS_THEME", "light")
        build_app()
    assert app.palette().window().color().lightness() > 128


def _drawn_lightness(icon) -> list[int]:
    """Lightness of every drawn (opaque) pixel of ``icon`` at 32 px."""
    image = icon.pixmap(32, 32).toImage()
    return [
        image.pixelColor(x, y).lightness()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 128
    ]


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_dock_float_and_close_buttons_stand_out_on_either_theme(qapp, qtbot, monkeypatch, theme):
    monkeypatch.setenv("CANVAS_LOGINS_THEME", theme)
    app = build_app()
    try:
        window = QMainWindow()
        qtbot.addWidget(window)
        dock = QDockWidget("Problems", window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.show()
        qtbot.waitExposed(window)
        window.grab().save(f"/tmp/dock_buttons_{theme}.png")
        buttons = [b for b in dock.findChildren(QAbstractButton) if not b.icon().isNull()]
        assert len(buttons) == 2  # float and close
        background = app.palette().window().color().lightness()
        for button in buttons:
            drawn = _drawn_lightness(button.icon())
            contrast = max(drawn) - background if theme == "dark" else background - min(drawn)
            assert contrast > 120, (theme, button.toolTip(), contrast)
    finally:
        monkeypatch.setenv("CANVAS_LOGINS_THEME", "light")
        build_app()


def test_exception_hook_shows_a_friendly_dialog_without_the_token(qtbot):
    secret = "abcd-secret-token-1234"
    register_secret(secret)
    hook = ExceptionHook()
    shown: list[ErrorDialog] = []

    def close_dialog():
        widget = QApplication.activeModalWidget()
        if isinstance(widget, ErrorDialog):
            shown.append(widget)
            widget.copy_details()
            widget.reject()
        else:
            QTimer.singleShot(20, close_dialog)

    try:
        raise RuntimeError(f"Authorization: Bearer {secret} was refused")
    except RuntimeError as exc:
        QTimer.singleShot(0, close_dialog)
        hook.handle(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    dialog = shown[0]
    assert dialog.headline.text() == "Something went wrong inside Canvas Logins."
    assert "Log folder:" in dialog.explanation.text()
    assert secret not in dialog.details
    assert "RuntimeError" in dialog.details
    assert QGuiApplication.clipboard().text() == dialog.details
    assert hook.errors and secret not in hook.errors[0]


def test_exception_hook_brings_worker_thread_errors_to_the_gui_thread(qtbot):
    import threading

    received: list[str] = []
    hook = ExceptionHook(on_error=received.append).install()
    try:
        thread = threading.Thread(target=lambda: 1 / 0)
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: bool(received), timeout=5000)
    finally:
        hook.uninstall()
    assert "ZeroDivisionError" in received[0]


def test_error_details_hold_the_version():
    try:
        raise ValueError("x")
    except ValueError as exc:
        details = error_details(type(exc), exc, exc.__traceback__)
    assert details.startswith(f"Canvas Logins {core.__version__}")


def test_welcome_offers_the_demo_and_connecting(qtbot):
    dialog = WelcomeDialog()
    qtbot.addWidget(dialog)
    dialog.demo_button.click()
    assert dialog.choice is FirstStartChoice.DEMO

    def click_connect():
        widget = QApplication.activeModalWidget()
        if isinstance(widget, WelcomeDialog):
            widget.connect_button.click()
        else:
            QTimer.singleShot(20, click_connect)

    QTimer.singleShot(0, click_connect)
    assert ask_first_start() is FirstStartChoice.CONNECT


def test_demo_copy_is_fresh_and_writable():
    copy = demo_workbook_copy()
    assert copy == data_dir() / "demo" / DEMO_FILE_NAME
    assert copy.read_bytes() == resource_path("demo.xlsx").read_bytes()
    copy.write_bytes(b"edited")
    assert demo_workbook_copy().read_bytes() == resource_path("demo.xlsx").read_bytes()


class _WindowStandIn(QWidget):
    """Just the two MainWindow methods start_demo uses."""

    opened = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.connection = None

    def set_connection(self, connection) -> None:
        self.connection = connection

    def open_file(self, path: str) -> bool:
        self.opened.emit(path)
        return True


def test_try_the_demo_connects_to_a_sandbox_and_opens_the_demo(qtbot):
    window = _WindowStandIn()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.opened, timeout=15_000) as opened:
        start_demo(window)
    try:
        assert Path(opened.args[0]).name == DEMO_FILE_NAME
        assert window.connection.kind == "sandbox"
        assert window.connection.client.whoami()["name"]
    finally:
        window.connection.close()


def test_settings_are_typed_and_live_in_the_app_home(tmp_path):
    assert settings.FIRST_START_DONE.get() is False
    settings.FIRST_START_DONE.set(True)
    assert settings.FIRST_START_DONE.get() is True
    assert settings.RECENT_FILES.get() == []
    settings.add_recent_file("a.xlsx")
    assert settings.add_recent_file("b.xlsx") == ["b.xlsx", "a.xlsx"]
    assert settings.add_recent_file("a.xlsx") == ["a.xlsx", "b.xlsx"]
    settings.WINDOW_GEOMETRY.set(b"\x00\x01binary")
    assert settings.WINDOW_GEOMETRY.get() == b"\x00\x01binary"
    settings.RECENT_FILES.set(["only.xlsx"])
    assert settings.RECENT_FILES.get() == ["only.xlsx"]
    assert settings.qsettings().fileName().startswith(os.environ["CANVAS_LOGINS_HOME"])


@pytest.mark.parametrize("scheme_name", ["light"])
def test_light_scheme_uses_the_standard_palette(qapp, monkeypatch, scheme_name):
    monkeypatch.setenv("CANVAS_LOGINS_THEME", scheme_name)
    app = build_app()
    assert app.palette().window().color() == app.style().standardPalette().window().color()


def test_demo_flag_opens_the_real_window_on_the_sandbox_with_the_demo(qtbot):
    """`canvas-logins --demo` (what scripts/demo.sh starts) ends with the demo in the grid,
    and the K-3 job runs on it as staff would: generate the empty logins, then run."""
    from gui.app import show_main_window

    assert parse_args(["--demo"]).demo is True
    window = show_main_window(demo=parse_args(["--demo"]).demo)
    qtbot.addWidget(window)
    answers = Answers()
    window.prompts = answers  # the run's confirmation and summary, answered here
    try:
        qtbot.waitUntil(
            lambda: window.connection is not None and window.doc is not None, timeout=20_000
        )
        assert window.connection.kind == "sandbox"
        assert Path(window.doc.path).name == DEMO_FILE_NAME
        table = window.doc.table
        assert len(table.rows) == len(DEMO_ROWS)
        names = [demo_name(table, row) for row in range(len(table.rows))]
        assert all(not table.value(names.index(n), Role.NEW_LOGIN) for n in EXPECTED_GENERATED)

        dialog = window.generate_logins()
        assert dialog is not None and dialog.avoid_taken.isChecked()
        dialog.sheet_choice.setChecked(True)
        with qtbot.waitSignal(dialog.accepted, timeout=30_000):
            dialog.accept()  # names checked with the sandbox first
        generated = {n: table.value(names.index(n), Role.NEW_LOGIN) for n in EXPECTED_GENERATED}
        assert generated == EXPECTED_GENERATED

        with qtbot.waitSignal(window.check_finished, timeout=60_000):
            assert window.check_with_canvas()  # as gui.self_test does: check, then run
        with qtbot.waitSignal(window.run_finished, timeout=60_000) as done:
            assert window.run_changes()
        assert done.args[0] is not None
        assert len(asked(answers, "confirm")) == 1
        assert {name: table.status(row) for row, name in enumerate(names)} == EXPECTED_STATUS
        sandbox = window.connection.sandbox
        for name, login in EXPECTED_GENERATED.items():
            made = sandbox.state.find_login(login)
            assert made is not None
            assert made["password"] == table.value(names.index(name), Role.PASSWORD)
        assert not window.is_modified  # saved into the demo copy
    finally:
        if window.connection is not None:
            window.connection.close()


def test_garbage_is_collected_on_the_gui_thread_only(qapp):
    import gc

    from gui import gc_guard

    collector = gc_guard.install(qapp)
    assert gc_guard.install(qapp) is collector  # one per application
    assert not gc.isenabled()  # a worker thread can never trigger a collection

    class Cycle:
        pass

    for _ in range(gc.get_threshold()[0] + 50):
        first, second = Cycle(), Cycle()
        first.other, second.other = second, first
    del first, second
    assert collector.collect_due() > 0

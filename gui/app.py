"""The desktop app's entry point: ``canvas-logins [FILE] [--version] [--self-test]``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import core
from gui.console import ensure_console_output, process_age_ms, say

log = logging.getLogger(__name__)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="canvas-logins",
        description=f"{core.APP_NAME}: give students second Canvas logins from a workbook.",
    )
    parser.add_argument("file", nargs="?", help="a workbook to open (.xlsx, .xlsm or .csv)")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo workbook on the built-in practice sandbox (nothing leaves this PC)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run the demo against a private sandbox, check the result, and exit (0 = passed)",
    )
    parser.add_argument(
        "--self-test-timeout",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help=argparse.SUPPRESS,
    )
    return parser.parse_args(argv)


def create_main_window():
    """The main window with the user's saved connections and journal."""
    from core.journal import Journal
    from core.profiles import ProfileStore
    from gui.main_window import MainWindow

    return MainWindow(store=ProfileStore(), journal=Journal())


# --- the normal start ----------------------------------------------------------------


def _first_start(window) -> None:
    """Offer the sandbox and the demo (or connecting) the very first time."""
    from core.profiles import ProfileStore
    from gui import settings
    from gui.first_start import FirstStartChoice, ask_first_start

    if settings.FIRST_START_DONE.get() or ProfileStore().profiles():
        return
    choice = ask_first_start(window)
    settings.FIRST_START_DONE.set(True)
    if choice is FirstStartChoice.DEMO:
        start_demo(window)
    elif choice is FirstStartChoice.CLASS:
        from gui.roster_flow import start_from_practice_class

        start_from_practice_class(window)
    elif choice is FirstStartChoice.CONNECT:
        open_connect_dialog(window)


def start_demo(window) -> None:
    """Connect to a fresh built-in sandbox (on a worker thread) and open the demo."""
    from PySide6.QtWidgets import QMessageBox

    from core.connection import start_sandbox_connection
    from gui.first_start import demo_workbook_copy
    from gui.worker import BackgroundJob

    job = BackgroundJob(window)

    def connected(connection) -> None:
        previous = window.connection
        window.set_connection(connection)
        if previous is not None and previous is not connection:
            previous.close()
        window.open_file(str(demo_workbook_copy()))

    def failed(message: str) -> None:
        QMessageBox.warning(window, "Could not start the practice sandbox", message)

    # The slots hold no reference to the job, so it can go with the window.
    job.finished.connect(connected)
    job.failed.connect(failed)
    job.start(lambda progress, cancel: start_sandbox_connection())


def open_connect_dialog(window) -> None:
    from PySide6.QtWidgets import QDialog

    from core.profiles import ProfileStore
    from gui.connect_dialog import ConnectDialog

    dialog = ConnectDialog(window, ProfileStore())
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.connection() is not None:
        previous = window.connection
        window.set_connection(dialog.connection())
        if previous is not None:
            previous.close()


def show_main_window(file: str | None = None, *, demo: bool = False):
    """The main window, shown, with what the command line asked for queued up."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui import settings

    window = create_main_window()
    if not settings.restore_window(window):
        window.resize(1200, 760)
    window.show()
    log.info("window shown after %d ms", process_age_ms())
    QApplication.instance().aboutToQuit.connect(lambda: settings.save_window(window))
    if demo:
        QTimer.singleShot(0, lambda: start_demo(window))
    elif file:
        QTimer.singleShot(0, lambda: window.open_file(str(Path(file).expanduser())))
    else:
        QTimer.singleShot(0, lambda: _first_start(window))
    return window


def run_gui(file: str | None, *, demo: bool = False) -> int:
    from core import credentials
    from core.logs import setup_logging
    from gui.exception_hook import install_exception_hook
    from gui.qt_app import build_app

    log_path = setup_logging()
    log.info("%s %s starting; log at %s", core.APP_NAME, core.__version__, log_path)
    app = build_app()
    hook = install_exception_hook()
    window = show_main_window(file, demo=demo)
    code = app.exec()
    connection = getattr(window, "connection", None)
    if connection is not None:
        connection.close()
    credentials.forget_session_tokens()
    hook.uninstall()
    return code


def main(argv: list[str] | None = None) -> int:
    ensure_console_output()
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.version:
        say(f"{core.APP_NAME} {core.__version__}")
        return 0
    if args.self_test:
        from gui.self_test import run_self_test

        return run_self_test(timeout=args.self_test_timeout)
    return run_gui(args.file, demo=args.demo)


if __name__ == "__main__":
    sys.exit(main())

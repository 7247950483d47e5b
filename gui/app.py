"""The desktop app's entry point: ``canvas-logins [FILE] [--version] [--self-test]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

_IMPORTED_AT = time.monotonic()

import core  # noqa: E402

log = logging.getLogger(__name__)

#: Forces the light or dark palette ("light" / "dark"), e.g. for screenshots.
THEME_ENV = "CANVAS_LOGINS_THEME"


def process_age_ms() -> float:
    """Milliseconds since this process started (since this module loaded as a fallback)."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/self/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            start_ticks = int(fields[19])
            with open("/proc/uptime", encoding="ascii") as uptime:
                up_seconds = float(uptime.read().split()[0])
            return (up_seconds - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000
        if sys.platform == "win32":
            import ctypes
            from ctypes import wintypes

            creation, exit_, kernel, user, now = (wintypes.FILETIME() for _ in range(5))
            handle = ctypes.windll.kernel32.GetCurrentProcess()
            ctypes.windll.kernel32.GetProcessTimes(
                handle,
                ctypes.byref(creation),
                ctypes.byref(exit_),
                ctypes.byref(kernel),
                ctypes.byref(user),
            )
            ctypes.windll.kernel32.GetSystemTimeAsFileTime(ctypes.byref(now))

            def ticks(ft: wintypes.FILETIME) -> int:
                return (ft.dwHighDateTime << 32) | ft.dwLowDateTime

            return (ticks(now) - ticks(creation)) / 10_000
    except Exception:  # measurement only: never let it stop the app
        pass
    return (time.monotonic() - _IMPORTED_AT) * 1000


def ensure_console_output() -> None:
    """A windowed (frozen) app on Windows has no stdout; borrow the caller's console."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        try:
            import ctypes

            if ctypes.windll.kernel32.AttachConsole(-1):
                sys.stdout = open("CONOUT$", "w", encoding="utf-8", buffering=1)  # noqa: SIM115
                sys.stderr = sys.stdout
                return
        except Exception:
            pass
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stdout = sys.stdout or devnull
    sys.stderr = sys.stderr or devnull


def say(text: str) -> None:
    print(text, flush=True)


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


# --- the QApplication --------------------------------------------------------------


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colors = {
        role.Window: "#202124",
        role.WindowText: "#e8eaed",
        role.Base: "#17181a",
        role.AlternateBase: "#232427",
        role.ToolTipBase: "#2b2c2f",
        role.ToolTipText: "#e8eaed",
        role.PlaceholderText: "#9aa0a6",
        role.Text: "#e8eaed",
        role.Button: "#2b2c2f",
        role.ButtonText: "#e8eaed",
        role.BrightText: "#ff6b6b",
        role.Light: "#3c3d40",
        role.Midlight: "#333437",
        role.Mid: "#2a2b2e",
        role.Dark: "#111214",
        role.Shadow: "#000000",
        role.Highlight: "#3d7bd9",
        role.HighlightedText: "#ffffff",
        role.Link: "#8ab4f8",
        role.LinkVisited: "#c58af9",
    }
    for color_role, value in colors.items():
        palette.setColor(color_role, QColor(value))
    for color_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, color_role, QColor("#6f7378"))
    palette.setColor(group.Disabled, role.Highlight, QColor("#44474c"))
    return palette


def wants_dark(app) -> bool:
    forced = os.environ.get(THEME_ENV, "").strip().lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    from PySide6.QtCore import Qt

    hints = app.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def apply_palette(app) -> None:
    """Fusion with the system's light or dark scheme (QStyleHints.colorScheme, Qt 6.5+)."""
    app.setPalette(dark_palette() if wants_dark(app) else app.style().standardPalette())


def build_app(argv: list[str] | None = None):
    """The QApplication: Fusion style, system light/dark palette, icon, names."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from core.paths import resource_path
    from gui import gc_guard
    from gui.title_icons import PaletteTitleIconStyle

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication([sys.argv[0] if sys.argv else "canvas-logins", *(argv or [])])
    app.setApplicationName(core.APP_NAME)
    app.setApplicationDisplayName(core.APP_NAME)
    app.setOrganizationName(core.APP_NAME)
    app.setApplicationVersion(core.__version__)
    app.setDesktopFileName(core.APP_ID)
    if not isinstance(app.style(), PaletteTitleIconStyle):
        app.setStyle(PaletteTitleIconStyle("Fusion"))
    gc_guard.install(app)
    apply_palette(app)
    hints = app.styleHints()
    if hasattr(hints, "colorSchemeChanged") and not getattr(app, "_scheme_hooked", False):
        hints.colorSchemeChanged.connect(lambda *_: apply_palette(app))
        app._scheme_hooked = True  # type: ignore[attr-defined]
    icon_path = resource_path("icon.png")
    if icon_path.exists():
        icon = QIcon()
        for size in (16, 32, 48, 256):
            sized = resource_path(f"icon-{size}.png")
            if sized.exists():
                icon.addFile(str(sized))
        icon.addFile(str(icon_path))
        app.setWindowIcon(icon)
    return app


def create_main_window():
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
    elif choice is FirstStartChoice.CONNECT:
        open_connect_dialog(window)


def start_demo(window) -> None:
    """Connect to a fresh built-in sandbox (on a worker thread) and open the demo."""
    from PySide6.QtWidgets import QMessageBox

    from gui.connection import start_sandbox_connection
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

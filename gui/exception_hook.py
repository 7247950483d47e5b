"""A friendly dialog instead of a silent crash, with details that hold no secret."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

import core
from core import paths
from core.logs import redact_line

log = logging.getLogger(__name__)

ErrorInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def error_details(exc_type, exc, tb) -> str:
    """The traceback with tokens and passwords blanked, for "Copy details" and the log."""
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    return redact_line(f"{core.APP_NAME} {core.__version__}\n{text}")


class ErrorDialog(QDialog):
    """Plain words first; the (secret-free) details one click away, ready to copy."""

    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ErrorDialog")
        self.setWindowTitle(f"{core.APP_NAME}: something went wrong")
        self.details = details
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        self.headline = QLabel("Something went wrong inside Canvas Logins.", self)
        self.headline.setStyleSheet("font-weight: bold;")
        self.explanation = QLabel(
            "Your workbook and every result so far are kept. Save your work; if this "
            "happens again, send the details and the log file to your IT support.\n\n"
            f"Log folder: {paths.log_dir()}",
            self,
        )
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_view = QPlainTextEdit(details, self)
        self.details_view.setReadOnly(True)
        self.details_view.setAccessibleName("Error details")
        self.details_view.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.show_button = buttons.addButton("Show details", QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.clicked.connect(self._toggle_details)
        self.copy_button = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        folder = buttons.addButton("Open log folder", QDialogButtonBox.ButtonRole.ActionRole)
        folder.clicked.connect(_open_log_folder)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.headline)
        layout.addWidget(self.explanation)
        layout.addWidget(self.details_view, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _toggle_details(self) -> None:
        shown = not self.details_view.isVisible()
        self.details_view.setVisible(shown)
        self.show_button.setText("Hide details" if shown else "Show details")
        self.adjustSize()

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)


def _open_log_folder() -> None:
    from gui.about import open_log_folder

    open_log_folder()


class _Relay(QObject):
    """Brings an error from any thread to the GUI thread."""

    error = Signal(str)


class ExceptionHook:
    """Installed as ``sys.excepthook`` (and ``threading.excepthook``).

    ``on_error`` replaces the dialog (the self-test uses it to fail with the reason).
    """

    def __init__(self, on_error: Callable[[str], None] | None = None) -> None:
        self.on_error = on_error
        self.showing = False
        self.errors: list[str] = []
        self._relay = _Relay()
        self._relay.error.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = sys.excepthook
        self._previous_thread_hook = threading.excepthook

    def install(self) -> ExceptionHook:
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous
        threading.excepthook = self._previous_thread_hook

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    def handle(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous(exc_type, exc, tb)
            return
        details = error_details(exc_type, exc, tb)
        log.error("unexpected error\n%s", details)
        self.errors.append(details)
        self._relay.error.emit(details)

    def _show(self, details: str) -> None:
        if self.on_error is not None:
            self.on_error(details)
            return
        if self.showing or QApplication.instance() is None:
            return  # one dialog at a time; the rest is in the log
        self.showing = True
        try:
            ErrorDialog(details, QApplication.activeWindow()).exec()
        finally:
            self.showing = False


def install_exception_hook(on_error: Callable[[str], None] | None = None) -> ExceptionHook:
    return ExceptionHook(on_error).install()

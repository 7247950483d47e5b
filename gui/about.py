"""The About box: version, where the log is, and the libraries underneath."""

from __future__ import annotations

import platform
import sys

import PySide6
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

import core
from core import paths


def about_html() -> str:
    return (
        f"<h3>{core.APP_NAME} {core.__version__}</h3>"
        "<p>Give students second Canvas LMS logins from the workbook teachers filled "
        "in, and write each row's outcome back into it.</p>"
        f"<p>Log folder: <a href='{QUrl.fromLocalFile(str(paths.log_dir())).toString()}'>"
        f"{paths.log_dir()}</a></p>"
        f"<p style='color: gray'>Python {platform.python_version()} · Qt {qVersion()} · "
        f"PySide6 {PySide6.__version__} · {platform.system()} {platform.machine()}"
        f"{' · packaged' if getattr(sys, 'frozen', False) else ''}<br>"
        "MIT licence.</p>"
    )


def show_about(parent: QWidget | None = None) -> None:
    QMessageBox.about(parent, f"About {core.APP_NAME}", about_html())


def open_log_folder() -> bool:
    """Open the log folder in the file manager; False when the system could not."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))

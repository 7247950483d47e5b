"""Open a saved workbook in the system's default app, or show it in its folder.

The finished dialog's "Open in Excel" and "Show in folder" buttons go through a
:class:`FileOpener` (the window's ``prompts`` holds one). Its two launchers are
injectable, so tests see the address or the command that would open, and nothing is
ever launched by a test.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDir, QProcess, QUrl
from PySide6.QtGui import QDesktopServices

__all__ = ["FileOpener", "folder_command"]

#: Opens an address with the system's default app (``QDesktopServices.openUrl``).
UrlOpener = Callable[[QUrl], bool]
#: Starts a program with arguments, not waiting for it (``QProcess.startDetached``).
ProgramStarter = Callable[[str, list[str]], object]


def folder_command(path: str | Path, platform: str = sys.platform) -> tuple[str, list[str]] | None:
    """The command that shows ``path`` selected in the system's file manager, or None
    where there is no such command (Linux: the folder is opened instead)."""
    if platform.startswith("win"):
        return "explorer", ["/select,", QDir.toNativeSeparators(str(path))]
    if platform == "darwin":
        return "open", ["-R", str(path)]
    return None


def _start_detached(program: str, arguments: list[str]) -> object:
    return QProcess.startDetached(program, arguments)


class FileOpener:
    """Opens files the way the desktop does; replace the launchers to watch instead."""

    def __init__(
        self,
        open_url: UrlOpener = QDesktopServices.openUrl,
        start_program: ProgramStarter = _start_detached,
        platform: str = sys.platform,
    ) -> None:
        self._open_url = open_url
        self._start_program = start_program
        self._platform = platform

    def open_file(self, path: str | Path) -> bool:
        """Open ``path`` in the system's default app for it (Excel for a workbook)."""
        return bool(self._open_url(QUrl.fromLocalFile(str(path))))

    def show_in_folder(self, path: str | Path) -> bool:
        """Show ``path`` in its folder, selected where the system can do that."""
        command = folder_command(path, self._platform)
        if command is None:
            return bool(self._open_url(QUrl.fromLocalFile(str(Path(path).parent))))
        program, arguments = command
        started = self._start_program(program, arguments)
        return bool(started[0] if isinstance(started, tuple) else started)

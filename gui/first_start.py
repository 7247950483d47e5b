"""The first-start welcome: practise with the demo (a workbook, or a class), or connect."""

from __future__ import annotations

import enum
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import core
from core.paths import data_dir, resource_path
from gui.token_help import TOKEN_STEPS_HTML

DEMO_FILE_NAME = "Canvas Logins demo.xlsx"


class FirstStartChoice(enum.Enum):
    DEMO = "demo"
    #: Practise "New from Canvas classes…" with the practice sandbox's classes.
    CLASS = "class"
    CONNECT = "connect"
    LATER = "later"


def demo_workbook_copy(folder: Path | None = None) -> Path:
    """A fresh, writable copy of the demo workbook (the bundled one stays pristine)."""
    target_dir = folder if folder is not None else data_dir() / "demo"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / DEMO_FILE_NAME
    shutil.copyfile(resource_path("demo.xlsx"), target)
    return target


class WelcomeDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomeDialog")
        self.setWindowTitle(f"Welcome to {core.APP_NAME}")
        self.choice = FirstStartChoice.LATER
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 16)
        layout.setSpacing(12)

        title = QLabel(f"Welcome to {core.APP_NAME}", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(
            "Canvas Logins reads the workbook your teachers filled in, checks every row, "
            "gives students their logins in Canvas, and writes each row's result back "
            "into the workbook.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(intro)

        self.demo_button = QPushButton("Try it with the demo workbook", self)
        self.demo_button.setDefault(True)
        self.demo_button.setMinimumHeight(40)
        self.demo_button.clicked.connect(lambda: self._choose(FirstStartChoice.DEMO))
        demo_note = QLabel(
            "Uses a practice Canvas built into the app, with a pretend school. Nothing "
            "real is changed, so try everything.",
            self,
        )
        demo_note.setWordWrap(True)
        layout.addWidget(self.demo_button)
        layout.addWidget(demo_note)

        self.class_button = QPushButton("Start from a class in the practice Canvas", self)
        self.class_button.setMinimumHeight(40)
        self.class_button.clicked.connect(lambda: self._choose(FirstStartChoice.CLASS))
        class_note = QLabel(
            "Pick a teacher's class in the practice Canvas and get a new workbook with "
            "its students, ready for logins and passwords.",
            self,
        )
        class_note.setWordWrap(True)
        layout.addWidget(self.class_button)
        layout.addWidget(class_note)

        self.connect_button = QPushButton("Connect to your Canvas…", self)
        self.connect_button.setMinimumHeight(40)
        self.connect_button.clicked.connect(lambda: self._choose(FirstStartChoice.CONNECT))
        layout.addWidget(self.connect_button)
        steps = QLabel("<b>You will need an access token.</b> To make one:" + TOKEN_STEPS_HTML)
        steps.setTextFormat(Qt.TextFormat.RichText)
        steps.setWordWrap(True)
        layout.addWidget(steps)

        buttons = QDialogButtonBox(self)
        later = buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        later.setToolTip("Close this welcome; the Canvas menu has everything later")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def _choose(self, choice: FirstStartChoice) -> None:
        self.choice = choice
        self.accept()


def ask_first_start(parent: QWidget | None = None) -> FirstStartChoice:
    dialog = WelcomeDialog(parent)
    dialog.exec()
    return dialog.choice

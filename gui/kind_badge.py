"""The coloured pill that says which kind of Canvas this is: PRODUCTION, TEST, BETA, SANDBOX.

The words come from :data:`core.connection.KIND_LABELS`; the colours are the app's.
Solid colours with white text read well in light and dark themes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from core.connection import KIND_LABELS

__all__ = ["BADGES", "KindBadge", "dot_icon"]

_COLOURS: dict[str, str] = {
    "production": "#c62828",
    "test": "#1565c0",
    "beta": "#6a1b9a",
    "sandbox": "#2e7d32",
}
#: Kind of Canvas -> (badge text, background, text colour).
BADGES: dict[str, tuple[str, str, str]] = {
    kind: (label, _COLOURS[kind], "#ffffff") for kind, label in KIND_LABELS.items()
}


class KindBadge(QLabel):
    """A coloured pill saying PRODUCTION, TEST, BETA or SANDBOX."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleName("Kind of Canvas")
        # A pill, never stretched into a block when its dialog has height to spare.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.set_kind("")

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        if kind not in BADGES:
            self.hide()
            return
        text, background, foreground = BADGES[kind]
        self.setText(text)
        self.setToolTip(
            "Real students and real logins: changes here are for real."
            if kind == "production"
            else "A practice copy: changes here do not reach the real Canvas."
        )
        self.setStyleSheet(
            f"QLabel {{ background: {background}; color: {foreground}; font-weight: bold;"
            " border-radius: 4px; padding: 2px 8px; }"
        )
        self.show()


def dot_icon(color: str) -> QIcon:
    """A small filled circle in ``color`` (the saved connections list marks kinds so)."""
    pixmap = QPixmap(24, 24)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(6, 6, 12, 12)
    painter.end()
    return QIcon(pixmap)

"""Dialogs that stay usable on small screens and at large scale factors.

A dialog full of wrapped labels is squashed when the screen is shorter than the dialog:
Qt gives each label less height than its text needs and the lines overlap. Here the
dialog's body moves into a scroll area that asks for the body's full height (so nothing
changes where there is room) but never for more than the screen has; where there is
not, the body scrolls instead of being squashed.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QFrame,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

__all__ = ["FittedScrollArea", "fit_height", "plural", "scroll_body"]

#: The share of the screen's height a dialog may take (the rest: title bar, task bar).
SCREEN_SHARE = 0.9
TITLE_BAR = 32


class FittedScrollArea(QScrollArea):
    """A scroll area as tall as its widget needs, at most what the screen allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reserved_height = 0  # taken by the dialog around this area (buttons, margins)

    def sizeHint(self) -> QSize:
        body = self.widget()
        if body is None:
            return super().sizeHint()
        hint = body.sizeHint()
        margins = self.window().layout().contentsMargins()
        laid_out = self.width() if self.isVisible() else 0
        planned = self.window().minimumWidth() - margins.left() - margins.right()
        width = max(hint.width(), laid_out, planned)
        height = body.heightForWidth(width) if body.hasHeightForWidth() else hint.height()
        screen = self.screen().availableGeometry().height()
        room = int(screen * SCREEN_SHARE) - TITLE_BAR - self.reserved_height
        scroll_width = self.verticalScrollBar().sizeHint().width() if height > room else 0
        return QSize(hint.width() + scroll_width, max(min(height, room), 80))


def scroll_body(dialog: QDialog, keep_last: int = 1) -> FittedScrollArea:
    """Move every widget of ``dialog``'s box layout except the last ``keep_last`` (the
    buttons) into a :class:`FittedScrollArea`; wrapped labels keep their full height."""
    layout = dialog.layout()
    if not isinstance(layout, QBoxLayout):
        raise TypeError("scroll_body needs a dialog with a box layout")
    body = QWidget()
    body.setObjectName("DialogBody")
    body_layout = QVBoxLayout(body)
    body_layout.setContentsMargins(0, 0, 0, 0)
    body_layout.setSpacing(layout.spacing())
    while layout.count() > keep_last:
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            body_layout.addWidget(widget, 0, item.alignment())
        elif item.spacerItem() is not None:
            body_layout.addItem(item)
        else:
            raise TypeError("scroll_body moves widgets and spacers only")
    body_layout.addStretch(1)
    area = FittedScrollArea(dialog)
    area.setWidget(body)
    margins = layout.contentsMargins()
    kept = sum(layout.itemAt(i).sizeHint().height() for i in range(layout.count()))
    area.reserved_height = margins.top() + margins.bottom() + kept + layout.spacing()
    layout.insertWidget(0, area, 1)
    # Qt sizes a new window to at most two thirds of the screen; this one knows better.
    dialog.resize(dialog.sizeHint().expandedTo(dialog.minimumSizeHint()))
    return area


def fit_height(dialog: QDialog) -> None:
    """Make ``dialog`` exactly as tall as its wrapped text needs at its current width.

    ``adjustSize`` measures wrapped labels at a guessed width, so dialogs came out too
    tall, with the spare height spread around the labels as empty bands.
    """
    width = max(dialog.minimumWidth(), dialog.minimumSizeHint().width())
    if dialog.isVisible():
        width = max(width, dialog.width())
    height = dialog.heightForWidth(width) if dialog.hasHeightForWidth() else -1
    if height <= 0:
        height = dialog.sizeHint().height()
    dialog.resize(width, height)


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 new login", "12 new logins"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"

"""Dock title-bar buttons (float, close) drawn in the palette's text colour.

Fusion's own pictures for these buttons are dark grey whatever the palette, so on the
dark theme the Problems list's float and close buttons nearly vanished. This style
draws them in the window-text colour of the widget asking, so they follow the theme.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

__all__ = ["PaletteTitleIconStyle", "title_icon"]

_SP = QStyle.StandardPixmap
CLOSE_ICONS = (_SP.SP_DockWidgetCloseButton, _SP.SP_TitleBarCloseButton)
FLOAT_ICONS = (_SP.SP_TitleBarNormalButton,)

#: Drawn at this many pixels and scaled down by QIcon, so it stays crisp at 200%.
_CANVAS = 40


def title_icon(kind: QStyle.StandardPixmap, color: QColor) -> QIcon:
    """A close cross or a float (two windows) picture in ``color``."""
    pixmap = QPixmap(_CANVAS, _CANVAS)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color, _CANVAS / 14)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    low, high = _CANVAS * 0.25, _CANVAS * 0.75
    if kind in CLOSE_ICONS:
        painter.drawLine(QPointF(low, low), QPointF(high, high))
        painter.drawLine(QPointF(low, high), QPointF(high, low))
    else:
        side = _CANVAS * 0.42
        step = _CANVAS * 0.16
        start = _CANVAS * 0.2
        front = QRectF(start, start + step, side, side)
        painter.drawRect(QRectF(start + step, start, side, side))
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.fillRect(front, Qt.GlobalColor.transparent)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.drawRect(front)
    painter.end()
    return QIcon(pixmap)


class PaletteTitleIconStyle(QProxyStyle):
    """Fusion, with dock title-bar buttons that follow the palette."""

    def standardIcon(
        self,
        standard_icon: QStyle.StandardPixmap,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> QIcon:
        if standard_icon in CLOSE_ICONS or standard_icon in FLOAT_ICONS:
            if widget is not None:
                palette = widget.palette()
            elif option is not None:
                palette = option.palette
            else:
                palette = QApplication.palette()
            return title_icon(standard_icon, palette.color(QPalette.ColorRole.WindowText))
        return super().standardIcon(standard_icon, option, widget)

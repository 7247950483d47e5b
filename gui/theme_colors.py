"""Status and problem colours that read well on both light and dark themes.

Cells are tinted with translucent colours painted over the view's own base colour, so
text keeps the theme's normal colour and contrast in either theme. Strong colours
(banners, badges) come with a text colour chosen for them.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from core.model import Severity, Status

_TINT_ALPHA = 70

_STATUS_RGB: dict[str, tuple[int, int, int]] = {
    Status.CREATED: (46, 160, 67),
    Status.UPDATED: (46, 160, 67),
    Status.DELETED: (46, 160, 67),
    Status.REACTIVATED: (46, 160, 67),
    # slate: the login is still there but switched off, unlike a change that went through
    Status.SUSPENDED: (100, 116, 139),
    Status.ALREADY_EXISTS: (56, 132, 200),
    Status.ALREADY_DELETED: (56, 132, 200),
    Status.ALREADY_SUSPENDED: (56, 132, 200),
    Status.ALREADY_ACTIVE: (56, 132, 200),
    Status.READY: (120, 110, 220),
    Status.FAILED: (215, 58, 73),
    # reddish orange: between Failed's red and Invalid's orange, and unlike both
    Status.WOULD_FAIL: (235, 85, 15),
    Status.INVALID: (230, 140, 20),
}

_SEVERITY_RGB: dict[str, tuple[int, int, int]] = {
    Severity.ERROR: (215, 58, 73),
    Severity.WARNING: (230, 170, 20),
}

PRODUCTION_RGB = (185, 28, 28)
SANDBOX_RGB = (30, 110, 70)


def _tint(rgb: tuple[int, int, int], alpha: int = _TINT_ALPHA) -> QColor:
    color = QColor(*rgb)
    color.setAlpha(alpha)
    return color


_STATUS_TINTS = {status: _tint(rgb) for status, rgb in _STATUS_RGB.items()}
_SEVERITY_TINTS = {sev: _tint(rgb) for sev, rgb in _SEVERITY_RGB.items()}
_SEVERITY_TINTS_ROW = {sev: _tint(rgb, 150) for sev, rgb in _SEVERITY_RGB.items()}


def status_tint(status: str) -> QColor | None:
    """Background for a Status cell (None for blank or unknown words)."""
    return _STATUS_TINTS.get(status.strip())


def status_solid(status: str) -> QColor | None:
    """A strong colour for a status (progress counts, legends)."""
    rgb = _STATUS_RGB.get(status.strip())
    return QColor(*rgb) if rgb else None


def severity_tint(severity: str | None) -> QColor | None:
    """Background for a cell with a finding of this severity."""
    return _SEVERITY_TINTS.get(severity) if severity else None


def severity_marker(severity: str | None) -> QColor | None:
    """A stronger colour for the row header of a row with problems."""
    return _SEVERITY_TINTS_ROW.get(severity) if severity else None


def notice_colors() -> tuple[QColor, QColor]:
    """(background, border) of a notice bar above the grid: a warning's colour, light
    enough that the theme's text reads on it."""
    rgb = _SEVERITY_RGB[Severity.WARNING]
    return _tint(rgb, 45), _tint(rgb, 170)


def css_rgba(color: QColor) -> str:
    """A colour for a style sheet, with its transparency."""
    return f"rgba({color.red()}, {color.green()}, {color.blue()}, {color.alpha()})"


def is_dark_theme() -> bool:
    app = QApplication.instance()
    if app is None:
        return False
    window = app.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def banner_colors(production: bool) -> tuple[QColor, QColor]:
    """(background, text) for the connection banner."""
    return QColor(*(PRODUCTION_RGB if production else SANDBOX_RGB)), QColor("white")


def muted_text() -> QColor:
    """Secondary text (hints, counts) in the current theme."""
    app = QApplication.instance()
    if app is None:
        return QColor(110, 110, 110)
    return app.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)

"""The QApplication: Fusion style, the system's light or dark palette, icon and names.

``CANVAS_LOGINS_THEME`` (``light`` / ``dark``) forces the palette, e.g. for screenshots.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

import core
from core.paths import resource_path
from gui import gc_guard
from gui.title_icons import PaletteTitleIconStyle

__all__ = ["THEME_ENV", "apply_palette", "build_app", "dark_palette", "wants_dark"]

#: Forces the light or dark palette ("light" / "dark"), e.g. for screenshots.
THEME_ENV = "CANVAS_LOGINS_THEME"


def dark_palette() -> QPalette:
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


def wants_dark(app: QApplication) -> bool:
    forced = os.environ.get(THEME_ENV, "").strip().lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    hints = app.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def apply_palette(app: QApplication) -> None:
    """Fusion with the system's light or dark scheme (QStyleHints.colorScheme, Qt 6.5+)."""
    app.setPalette(dark_palette() if wants_dark(app) else app.style().standardPalette())


def build_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication: Fusion style, system light/dark palette, icon, names."""
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

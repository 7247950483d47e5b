"""Where Canvas Logins finds its resources and keeps its files.

One helper serves a source checkout, an installed wheel and a PyInstaller bundle, so no
other module needs to know how the app was started.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from core import APP_ID

#: Overrides every per-user folder at once (tests, the self-test, portable use).
HOME_OVERRIDE_ENV = "CANVAS_LOGINS_HOME"


def resources_dir() -> Path:
    """The folder holding icons, the demo and template workbooks and word lists."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    import resources  # the package next to core/, installed with it

    return Path(resources.__file__).resolve().parent


def resource_path(name: str) -> Path:
    return resources_dir() / name


def _base(kind: str) -> Path:
    override = os.environ.get(HOME_OVERRIDE_ENV)
    if override:
        path = Path(override) / kind
    elif kind == "data":
        path = Path(platformdirs.user_data_dir(APP_ID, appauthor=False))
    elif kind == "config":
        path = Path(platformdirs.user_config_dir(APP_ID, appauthor=False))
    else:
        path = Path(platformdirs.user_log_dir(APP_ID, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """The journal and remembered column mappings live here."""
    return _base("data")


def config_dir() -> Path:
    """Profiles (without tokens) and window settings live here."""
    return _base("config")


def log_dir() -> Path:
    return _base("logs")

"""Canvas Logins core: everything but the windows. Never imports Qt."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("canvas-logins")
except _metadata.PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.1.0"

APP_NAME = "Canvas Logins"
APP_ID = "canvas-logins"

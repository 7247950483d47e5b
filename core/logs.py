"""The app's log file, with secrets blanked before anything is written.

One rotating file (1 MB x 5) in the per-user log folder. A filter and a formatter
both pass every line through :func:`redact_line`, which blanks bearer tokens, the
current ``CANVAS_TOKEN`` value, any token registered with the Canvas client, and
password values (``password=...``, ``login[password]``, JSON ``"password": ...``),
including those inside exception tracebacks.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

from core import paths
from core.canvas.errors import redact

LOG_NAME = "canvas-logins.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
TOKEN_ENV = "CANVAS_TOKEN"

_PASSWORD_PATTERNS = (
    # login[password]=x, login%5Bpassword%5D=x, password=x, password: x, "password": "x"
    re.compile(
        r"(?i)((?:login(?:\[|%5B))?password(?:\]|%5D)?['\"]?\s*[:=]\s*['\"]?)"
        r"[^\s&'\",;}\]]+"
    ),
)
_HIDDEN = "[hidden]"


def redact_line(text: str) -> str:
    """``text`` with tokens and password values blanked."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if len(token) >= 4 and token in text:
        text = text.replace(token, _HIDDEN)
    text = redact(text)
    for pattern in _PASSWORD_PATTERNS:
        text = pattern.sub(r"\1" + _HIDDEN, text)
    return text


class RedactingFilter(logging.Filter):
    """Blanks secrets in a record's message (and its arguments) before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            message = str(record.msg)
        record.msg = redact_line(message)
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Blanks secrets in the whole formatted line, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_line(super().format(record))


def log_file_path() -> Path:
    return paths.log_dir() / LOG_NAME


def setup_logging(*, level: int = logging.INFO, to_file: bool = True) -> Path:
    """Send the app's log to the rotating file; safe to call more than once.

    Returns the log file's path (even when ``to_file`` is False, so callers can say
    where it would be).
    """
    path = log_file_path()
    root = logging.getLogger()
    root.setLevel(level)
    ours = [h for h in root.handlers if getattr(h, "_canvas_logins", False)]
    for handler in ours:
        if not to_file or Path(getattr(handler, "baseFilename", "")) != path:
            root.removeHandler(handler)
            handler.close()
        else:
            handler.setLevel(level)
            return path
    if to_file:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
        handler._canvas_logins = True  # type: ignore[attr-defined]
        handler.setLevel(level)
        handler.addFilter(RedactingFilter())
        handler.setFormatter(
            RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
        )
        root.addHandler(handler)
    for noisy in ("urllib3", "requests"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    return path

"""Window state and small options, declared once with typed defaults.

Stored with QSettings in an INI file under ``core.paths.config_dir()`` (so tests and
the self-test, which point ``CANVAS_LOGINS_HOME`` elsewhere, never touch the user's
settings). Never a token: those live in the keychain (core.credentials).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from core.kit.logins import DEFAULT_LOGIN_PATTERN
from core.kit.passwords import PasswordStyle
from core.paths import config_dir

T = TypeVar("T")

SETTINGS_FILE = "settings.ini"


def qsettings() -> QSettings:
    return QSettings(str(config_dir() / SETTINGS_FILE), QSettings.Format.IniFormat)


class Setting(Generic[T]):
    """One option: its key, its default, and the type it is read back as."""

    def __init__(self, key: str, default: T) -> None:
        self.key = key
        self.default = default

    def get(self) -> T:
        store = qsettings()
        if not store.contains(self.key):
            return self._copy_default()
        raw = store.value(self.key)
        try:
            return self._convert(raw)
        except (TypeError, ValueError):
            return self._copy_default()

    def set(self, value: T) -> None:
        store = qsettings()
        if isinstance(self.default, bytes):
            store.setValue(self.key, QByteArray(bytes(value)))  # type: ignore[arg-type]
        else:
            store.setValue(self.key, value)
        store.sync()

    def reset(self) -> None:
        store = qsettings()
        store.remove(self.key)
        store.sync()

    def _copy_default(self) -> T:
        default = self.default
        return list(default) if isinstance(default, list) else default  # type: ignore[return-value]

    def _convert(self, raw: object) -> T:
        default = self.default
        if isinstance(default, bool):
            if isinstance(raw, str):
                return raw.strip().lower() in ("true", "1", "yes")  # type: ignore[return-value]
            return bool(raw)  # type: ignore[return-value]
        if isinstance(default, int):
            return int(raw)  # type: ignore[return-value,arg-type]
        if isinstance(default, bytes):
            if isinstance(raw, QByteArray):
                return bytes(raw.data())  # type: ignore[return-value]
            if isinstance(raw, bytes | bytearray):
                return bytes(raw)  # type: ignore[return-value]
            raise TypeError("not bytes")
        if isinstance(default, list):
            if raw is None or raw == "":
                return []  # type: ignore[return-value]
            items = raw if isinstance(raw, list | tuple) else [raw]
            return [str(item) for item in items]  # type: ignore[return-value]
        return str(raw) if raw is not None else default  # type: ignore[return-value]


WINDOW_GEOMETRY: Setting[bytes] = Setting("window/geometry", b"")
WINDOW_STATE: Setting[bytes] = Setting("window/state", b"")
CONNECT_DIALOG_GEOMETRY: Setting[bytes] = Setting("connect_dialog/geometry", b"")
CONNECT_DIALOG_SPLITTER: Setting[bytes] = Setting("connect_dialog/splitter", b"")
FIRST_START_DONE: Setting[bool] = Setting("app/first_start_done", False)
RECENT_FILES: Setting[list[str]] = Setting("files/recent", [])
LAST_FOLDER: Setting[str] = Setting("files/last_folder", "")
#: What "New from Canvas classes…" searched for last time.
LAST_CLASS_SEARCH: Setting[str] = Setting("roster/last_search", "")
MASK_PASSWORDS: Setting[bool] = Setting("grid/mask_passwords", True)
#: The choices of "Generate logins and passwords…" (Replace is never remembered).
GENERATE_LOGINS: Setting[bool] = Setting("generate/logins", True)
GENERATE_PATTERN: Setting[str] = Setting("generate/login_pattern", DEFAULT_LOGIN_PATTERN)
GENERATE_PREFIX: Setting[str] = Setting("generate/login_prefix", "")
GENERATE_SUFFIX: Setting[str] = Setting("generate/login_suffix", "")
GENERATE_PASSWORDS: Setting[bool] = Setting("generate/passwords", True)
GENERATE_WORDS: Setting[int] = Setting("generate/password_words", PasswordStyle().words)
GENERATE_SEPARATOR: Setting[str] = Setting("generate/password_separator", PasswordStyle().separator)
GENERATE_DIGITS: Setting[int] = Setting("generate/password_digits", PasswordStyle().digits)
GENERATE_AVOID_TAKEN: Setting[bool] = Setting("generate/avoid_taken", True)
#: "Print login cards…": the page size ("letter"/"a4", "" for the locale's) and school name.
CARDS_PAGE: Setting[str] = Setting("cards/page", "")
CARDS_SCHOOL: Setting[str] = Setting("cards/school_name", "")

MAX_RECENT_FILES = 8


def add_recent_file(path: str) -> list[str]:
    """Put ``path`` first in the recent files list; returns the new list."""
    files = [p for p in RECENT_FILES.get() if p != path]
    files.insert(0, path)
    del files[MAX_RECENT_FILES:]
    RECENT_FILES.set(files)
    return files


def restore_window(window: QMainWindow) -> bool:
    """Put the window and its docks back as they were; False when nothing was saved."""
    geometry = WINDOW_GEOMETRY.get()
    if geometry:
        window.restoreGeometry(QByteArray(geometry))
    state = WINDOW_STATE.get()
    if state:
        window.restoreState(QByteArray(state))
    return bool(geometry or state)


def save_window(window: QMainWindow) -> None:
    WINDOW_GEOMETRY.set(bytes(window.saveGeometry().data()))
    WINDOW_STATE.set(bytes(window.saveState().data()))


def restore_splitter(splitter: QSplitter, setting: Setting[bytes]) -> bool:
    """Give ``splitter`` its saved sizes; False when none were saved."""
    state = setting.get()
    return bool(state) and splitter.restoreState(QByteArray(state))


def save_splitter(splitter: QSplitter, setting: Setting[bytes]) -> None:
    setting.set(bytes(splitter.saveState().data()))

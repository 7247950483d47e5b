"""Saved Canvas connections ("profiles"), and which Canvas hosts count as production.

A profile is a name, a Canvas address and a few run options. Profiles live as JSON in
``config_dir()/profiles.json``; the access token never does (see
:mod:`core.credentials`, which keeps it in the operating system's keychain).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.canvas.transport import is_loopback_host
from core.model import DEFAULT_CONCURRENCY, MIN_PASSWORD_LENGTH
from core.paths import config_dir

log = logging.getLogger(__name__)

#: The profile of the practice Canvas that runs inside the app.
SANDBOX_PROFILE_NAME = "Built-in sandbox (practice)"

#: Hosted Canvas copies that are safe to practise on (refreshed from production).
NON_PRODUCTION_SUFFIXES: tuple[str, ...] = (".test.instructure.com", ".beta.instructure.com")

_FILE_NAME = "profiles.json"
_FORMAT_VERSION = 1


@dataclass
class Profile:
    name: str
    url: str
    account_id: int | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    min_password_length: int = MIN_PASSWORD_LENGTH

    @classmethod
    def from_dict(cls, data: dict) -> Profile:
        """A profile from stored JSON, tolerating missing or mistyped fields."""
        account = data.get("account_id")
        try:
            account_id = int(account) if account not in (None, "") else None
        except (TypeError, ValueError):
            account_id = None
        return cls(
            name=str(data.get("name", "")),
            url=str(data.get("url", "")),
            account_id=account_id,
            concurrency=_concurrency(data.get("concurrency")),
            min_password_length=_int_or(data.get("min_password_length"), MIN_PASSWORD_LENGTH),
        )


#: The fixed default every profile stored before the bucket decided how many calls fit.
_OLD_DEFAULT_CONCURRENCY = 10


def _concurrency(value: object) -> int:
    """A stored limit; the old default, which no one chose, now lets the bucket decide."""
    stored = _int_or(value, DEFAULT_CONCURRENCY)
    return DEFAULT_CONCURRENCY if stored in (_OLD_DEFAULT_CONCURRENCY, 0) else stored


def _int_or(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def host_of(url: str) -> str:
    """The host name of a Canvas address as typed (scheme optional), lower case."""
    text = (url or "").strip()
    if "://" not in text:
        text = "https://" + text
    try:
        return (urlsplit(text).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def instance_kind(url: str) -> str:
    """``"sandbox"`` (this computer), ``"test"``, ``"beta"`` or ``"production"``.

    Anything not known to be a practice copy counts as production, so a school's own
    Canvas on an unusual address is treated with production care.
    """
    host = host_of(url)
    if host and is_loopback_host(host):
        return "sandbox"
    if host.endswith(NON_PRODUCTION_SUFFIXES[0]):
        return "test"
    if host.endswith(NON_PRODUCTION_SUFFIXES[1]):
        return "beta"
    return "production"


def is_production(url: str) -> bool:
    return instance_kind(url) == "production"


class ProfileStore:
    """Profiles in a JSON file; each call reads or writes the whole (small) file."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else config_dir() / _FILE_NAME

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("profiles file %s unreadable (%s); starting empty", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict) -> None:
        data["version"] = _FORMAT_VERSION
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".profiles-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2, ensure_ascii=False)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def profiles(self) -> list[Profile]:
        result = []
        for item in self._read().get("profiles", []):
            if isinstance(item, dict) and item.get("name"):
                result.append(Profile.from_dict(item))
        return result

    def get(self, name: str) -> Profile | None:
        return next((p for p in self.profiles() if p.name == name), None)

    def save(self, profile: Profile, *, old_name: str | None = None) -> None:
        """Add or replace ``profile`` (by name; ``old_name`` when it was renamed)."""
        data = self._read()
        replaced = {profile.name, old_name or profile.name}
        items = [p for p in self.profiles() if p.name not in replaced]
        position = next(
            (i for i, p in enumerate(self.profiles()) if p.name in replaced), len(items)
        )
        items.insert(min(position, len(items)), profile)
        data["profiles"] = [asdict(p) for p in items]
        if old_name and data.get("last_used") == old_name:
            data["last_used"] = profile.name
        self._write(data)

    def delete(self, name: str) -> None:
        data = self._read()
        data["profiles"] = [asdict(p) for p in self.profiles() if p.name != name]
        if data.get("last_used") == name:
            data["last_used"] = None
        self._write(data)

    @property
    def last_used(self) -> str | None:
        value = self._read().get("last_used")
        return str(value) if value else None

    @last_used.setter
    def last_used(self, name: str | None) -> None:
        data = self._read()
        data["last_used"] = name
        data.setdefault("profiles", [asdict(p) for p in self.profiles()])
        self._write(data)

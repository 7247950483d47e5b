"""Remembered column mappings: which column plays which role, per set of headers.

When a workbook's header row cannot be read on its own (or a role is claimed by two
columns), staff pick the columns once; the choice is kept for every later workbook
with the same headers, so the next batch from the same teacher opens straight away.

Stored as JSON in ``data_dir()/mappings.json``, keyed by a hash of the normalised
headers (so renaming a column's case or spacing still matches).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from core.model import Role, header_key
from core.paths import data_dir

log = logging.getLogger(__name__)

MAPPINGS_FILE = "mappings.json"
#: Oldest entries are dropped beyond this many, so the file stays small.
MAX_REMEMBERED = 200


def headers_key(headers: Sequence[object]) -> str:
    """A stable key for a header row: normalised names, trailing blanks ignored."""
    names = [header_key(h) for h in headers]
    while names and not names[-1]:
        names.pop()
    digest = hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()
    return digest[:32]


def _store_path(path: Path | None) -> Path:
    return path if path is not None else data_dir() / MAPPINGS_FILE


def _load(path: Path) -> dict[str, dict[str, int]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("Remembered column choices could not be read (%s); starting afresh", exc)
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, dict[str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".mappings-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remember(
    headers: Sequence[object], mapping: dict[Role, int], *, path: Path | None = None
) -> None:
    """Keep ``mapping`` (role -> column index) for workbooks with these headers."""
    store = _store_path(path)
    data = _load(store)
    key = headers_key(headers)
    data.pop(key, None)
    data[key] = {role.name: int(col) for role, col in mapping.items() if col is not None}
    while len(data) > MAX_REMEMBERED:
        data.pop(next(iter(data)))
    try:
        _write(store, data)
    except OSError as exc:
        log.warning("Could not remember the column choice: %s", exc)


def recall(headers: Sequence[object], *, path: Path | None = None) -> dict[Role, int] | None:
    """The mapping remembered for these headers, or None.

    Columns that no longer exist (a shorter header row) are dropped.
    """
    entry = _load(_store_path(path)).get(headers_key(headers))
    if not isinstance(entry, dict):
        return None
    mapping: dict[Role, int] = {}
    for name, col in entry.items():
        role = Role.__members__.get(name)
        if role is None or not isinstance(col, int) or not 0 <= col < len(headers):
            continue
        mapping[role] = col
    return mapping or None


def forget(headers: Sequence[object], *, path: Path | None = None) -> None:
    store = _store_path(path)
    data = _load(store)
    if data.pop(headers_key(headers), None) is not None:
        _write(store, data)

"""Canvas's SIS import warnings, mapped back to the rows of our logins.csv.

Canvas names a row two ways: the errors file (``errors_attachment``) gives each
warning its line number in the file, and the message itself names the login's SIS id
("... login with SIS ID X ...", "Could not save the user with user_id: 'X'. ...") and
sometimes the login ("... or login of Y ...").
Both are checked against the file's row order, so an off-by-one in how a Canvas
version counts lines, or a message that names another row, cannot blame the wrong row.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from core.canvas.errors import password_words
from core.model import login_key
from core.sis.export import CsvRow, LoginsCsv

__all__ = ["ImportWarning", "is_taken", "map_warnings", "parse_errors_csv", "plain_warning"]


@dataclass(frozen=True)
class ImportWarning:
    message: str
    line: int | None = None  # the row number Canvas gives (the header is line 1)


# --- warnings back to rows ----------------------------------------------------------------

_SIS_ID_NAMED = re.compile(r"SIS ID (\S+)")
#: "Could not save the user with user_id: 'X'. Unknown reason: password too_short"
_USER_ID_QUOTED = re.compile(r"user_id:? '([^']*)'")
_LOGIN_NAMED = re.compile(r"login of (\S+)")
#: The attribute and Canvas's error code at the end of a "Could not save" warning.
_UNKNOWN_REASON = re.compile(r"Unknown reason: (\w+) (\w+)", re.IGNORECASE)


def _named_rows(built: LoginsCsv, message: str) -> set[int]:
    by_sis = {row.user_id.casefold(): i for i, row in enumerate(built.rows)}
    by_login = {login_key(row.login_id): i for i, row in enumerate(built.rows)}
    named: set[int] = set()
    for token in _SIS_ID_NAMED.findall(message):
        for text in (token, token.rstrip(",.;:")):
            if text.casefold() in by_sis:
                named.add(by_sis[text.casefold()])
    for quoted in _USER_ID_QUOTED.findall(message):
        if quoted.strip().casefold() in by_sis:
            named.add(by_sis[quoted.strip().casefold()])
    for token in _LOGIN_NAMED.findall(message):
        for text in (token, token.rstrip(",.;:")):
            if login_key(text) in by_login:
                named.add(by_login[login_key(text)])
    return named


def map_warnings(
    built: LoginsCsv, warnings: list[ImportWarning]
) -> tuple[dict[int, list[str]], list[ImportWarning]]:
    """Warnings by index into ``built.rows``, and those no row could be found for.

    The row number is tried first (header = line 1, as Canvas counts; one off is also
    accepted), but only when it agrees with the SIS id or login the warning names;
    a warning without a usable number goes to the one row it names.
    """
    mapped: dict[int, list[str]] = {}
    unmapped: list[ImportWarning] = []
    count = len(built.rows)
    for warning in warnings:
        named = _named_rows(built, warning.message)
        index: int | None = None
        if warning.line is not None:
            for candidate in (warning.line - 2, warning.line - 1):
                if 0 <= candidate < count and (not named or candidate in named):
                    index = candidate
                    break
        if index is None and len(named) == 1:
            index = next(iter(named))
        if index is None:
            unmapped.append(warning)
            continue
        mapped.setdefault(index, []).append(warning.message)
    return mapped, unmapped


def is_taken(message: str) -> bool:
    text = message.casefold()
    return "already exists" in text and ("sis id" in text or "login of" in text)


def plain_warning(message: str, row: CsvRow) -> str:
    """Canvas's warning about ``row`` in words for office staff (no trailing period)."""
    text = message.casefold()
    op = row.operation
    student = op.student_words if op is not None else "this row's student ID"
    if "could not find the existing user" in text or "no existing user" in text:
        return f"No student with {student} was found in Canvas"
    if is_taken(message):
        return (
            f"Login name '{row.login_id}' or Login SIS ID '{row.user_id}' already belongs "
            "to another person in Canvas"
        )
    if "authentication provider" in text and "not found" in text:
        return (
            "Canvas has no sign-in method (authentication provider) "
            f"'{row.authentication_provider_id}' on this account"
        )
    reason = _UNKNOWN_REASON.search(message)
    if reason is not None and reason.group(1).casefold() == "password":
        return password_words(reason.group(2).casefold())
    if "password" in text and ("too short" in text or "too_short" in text):
        return password_words("too_short")
    if "password" in text:
        return f"Canvas refused the password ({message.strip().rstrip('.')})"
    if "no login_id" in text:
        return "The row has no new login name"
    return f"Canvas skipped this row: {message.strip().rstrip('.')}"


def parse_errors_csv(text: str) -> list[ImportWarning]:
    """The errors file's rows (``sis_import_id,file,message,row``) as warnings."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    found: list[ImportWarning] = []
    for item in reader:
        clean = {(k or "").strip().casefold(): (v or "").strip() for k, v in item.items()}
        message = clean.get("message", "")
        if not message:
            continue
        line_text = clean.get("row", "")
        found.append(ImportWarning(message, int(line_text) if line_text.isdigit() else None))
    return found

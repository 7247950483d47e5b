"""Turning a failed Canvas answer into the typed error the runner acts on.

Canvas answers a failed call in several shapes (see ``canvas-api.md``): validation
errors as ``{"errors": {"<attribute>": [{"attribute", "type", "message"}]}}``, other
errors as ``{"errors": [{"message"}]}``, sometimes ``{"message": ...}``, the body
``null`` on older versions, plain text for the throttle, and HTML pages from proxies.
:func:`error_from_answer` reads all of them and picks the class from
:mod:`core.canvas_error_types`.
"""

from __future__ import annotations

import json
import re

from core.canvas_error_types import (
    CanvasError,
    LastLogin,
    LoginTaken,
    NotFound,
    NotRootAccount,
    PasswordRejected,
    PermissionDenied,
    RateInfo,
    ServerError,
    SisIdTaken,
    Throttled,
    TokenRefused,
    ValidationFailed,
)

__all__ = ["error_from_answer"]

_PASSWORD_WORDS: dict[str, str] = {
    "too_short": "Password is too short for this school's Canvas password policy",
    "too_long": "Password is too long (Canvas allows at most 255 characters)",
    "repeats": (
        "Password repeats the same character too often for this school's Canvas password policy"
    ),
    "sequence": (
        "Password contains a run like 'abcd' or '1234' that this school's Canvas "
        "password policy does not allow"
    ),
    "common": "Password is too common for this school's Canvas password policy",
    "no_digits": "Password needs at least one digit under this school's Canvas password policy",
    "no_symbols": (
        "Password needs at least one symbol (like ! or #) under this school's Canvas "
        "password policy"
    ),
    "canvas_only": (
        "A password can only be set on a Canvas login, not on a single sign-on (SSO) "
        "login. Leave the password empty for SSO logins"
    ),
}

_UNIQUE_ID_WORDS: dict[str, str] = {
    "not_email": "This school's Canvas needs login names that are email addresses",
    "too_long": "Login name is too long (Canvas allows at most 100 characters)",
    "too_short": "Login name is empty",
    "invalid": "Login name has characters Canvas does not accept",
    "blank": "Login name is empty",
}

_THROTTLE_MARK = "rate limit exceeded"


class _Entry:
    __slots__ = ("attribute", "error_type", "message")

    def __init__(self, attribute: str | None, error_type: str | None, message: str) -> None:
        self.attribute = attribute
        self.error_type = error_type
        self.message = message


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _entries(payload: object) -> list[_Entry]:
    """Every (attribute, type, message) an error body holds, in either Canvas shape."""
    if not isinstance(payload, dict):
        return []
    found: list[_Entry] = []
    errors = payload.get("errors")
    if isinstance(errors, dict):
        for attribute, items in errors.items():
            for item in items if isinstance(items, list) else [items]:
                if isinstance(item, dict):
                    found.append(
                        _Entry(
                            _text(item.get("attribute")) or str(attribute),
                            _text(item.get("type")) or None,
                            _text(item.get("message")) or _text(item.get("type")),
                        )
                    )
                else:
                    found.append(_Entry(str(attribute), None, _text(item)))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict):
                found.append(
                    _Entry(
                        _text(item.get("attribute")) or None,
                        _text(item.get("type")) or None,
                        _text(item.get("message")),
                    )
                )
            else:
                found.append(_Entry(None, None, _text(item)))
    elif isinstance(errors, str):
        found.append(_Entry(None, None, errors.strip()))
    for key in ("message", "error"):
        if isinstance(payload.get(key), str):
            found.append(_Entry(None, None, payload[key].strip()))
    return found


def _looks_like_html(body: str) -> bool:
    head = body.lstrip()[:200].lower()
    return head.startswith("<!doctype") or head.startswith("<html") or "<body" in head


def _short_text(body: str) -> str:
    """A plain, short excerpt of a non-JSON body, safe to show or log."""
    if _looks_like_html(body):
        title = re.search(r"(?is)<title[^>]*>(.*?)</title>", body)
        body = title.group(1) if title else ""
    body = " ".join(body.split())
    return body[:200]


def _password_words(entry: _Entry) -> str:
    code = (entry.error_type or "").lower()
    text = entry.message.lower()
    if "only be set for canvas" in text or "canvas authentication" in text:
        return _PASSWORD_WORDS["canvas_only"]
    if code in _PASSWORD_WORDS:
        return _PASSWORD_WORDS[code]
    if text in _PASSWORD_WORDS:
        return _PASSWORD_WORDS[text]
    return f"Canvas did not accept the password: {entry.message or code}"


def _taken_sis_id(message: str) -> str | None:
    match = re.search(r'SIS ID "(.*)" is already in use', message)
    return match.group(1) if match else None


def _validation_error(entries: list[_Entry], status: int, extra: dict) -> CanvasError:
    for entry in entries:
        attribute = (entry.attribute or "").lower()
        code = (entry.error_type or "").lower()
        lowered = entry.message.lower()
        common = dict(extra, attribute=entry.attribute, error_type=entry.error_type)
        taken = code == "taken" or "already in use" in lowered or "been taken" in lowered
        if attribute == "unique_id" and taken:
            return LoginTaken(status=status, detail=entry.message, **common)
        if attribute == "sis_user_id" and taken:
            sis_id = _taken_sis_id(entry.message)
            words = (
                f'Login SIS ID "{sis_id}" is already in use in Canvas (a SIS ID stays '
                "reserved even after its login is deleted)"
                if sis_id is not None
                else None
            )
            return SisIdTaken(words, status=status, detail=entry.message, **common)
        if attribute == "password":
            return PasswordRejected(
                _password_words(entry), status=status, detail=entry.message, **common
            )
        if "at least one login" in lowered or "at least one login" in code:
            return LastLogin(status=status, detail=entry.message or code, **common)
        if "root account" in lowered:
            return NotRootAccount(status=status, detail=entry.message, **common)
        if attribute == "unique_id":
            words = (
                _UNIQUE_ID_WORDS.get(code)
                or f"Canvas did not accept the login name: {entry.message}"
            )
            return ValidationFailed(words, status=status, detail=entry.message, **common)
    if entries:
        first = entries[0]
        detail = "; ".join(e.message for e in entries if e.message)
        if "missing required parameter" in detail.lower():
            words = "Nothing to change was sent to Canvas (no login name, password or ID)."
        else:
            what = f"{first.attribute}: " if first.attribute and first.attribute != "base" else ""
            words = f"Canvas did not accept the values sent: {what}{detail}"
        return ValidationFailed(
            words,
            status=status,
            attribute=first.attribute,
            error_type=first.error_type,
            detail=detail,
            **extra,
        )
    return ValidationFailed(
        "Canvas did not accept the request and gave no reason (perhaps nothing to "
        "change was sent).",
        status=status,
        **extra,
    )


def error_from_answer(
    status: int,
    body: str,
    *,
    method: str = "GET",
    path: str | None = None,
    rate: RateInfo | None = None,
) -> CanvasError:
    """The typed error for a Canvas answer with a failing ``status`` and ``body`` text."""
    is_write = method.upper() in ("POST", "PUT", "DELETE", "PATCH")
    extra: dict = {"rate": rate, "method": method.upper(), "path": path}
    body = body or ""
    if status == 429 or (status == 403 and _THROTTLE_MARK in body.lower()):
        return Throttled(status=status, detail=_short_text(body), **extra)
    try:
        payload = json.loads(body) if body.strip() else None
        is_json = True
    except ValueError:
        payload, is_json = None, False
    entries = _entries(payload)
    detail = "; ".join(e.message for e in entries if e.message) or (
        None if is_json else _short_text(body)
    )
    body_status = payload.get("status") if isinstance(payload, dict) else None
    not_authorized = body_status == "unauthorized" or "not authorized" in (detail or "").lower()

    if status == 401:
        if not_authorized:
            return PermissionDenied(status=status, detail=detail, **extra)
        return TokenRefused(status=status, detail=detail, **extra)
    if status == 403:
        return PermissionDenied(status=status, detail=detail, **extra)
    if status == 404:
        return NotFound(status=status, detail=detail, **extra)
    if status >= 500:
        lost = is_write and status in (500, 502, 503, 504)
        words = f"Canvas had a problem on its side (error {status}). Try again in a little while."
        if lost:
            words = (
                f"Canvas had a problem on its side (error {status}); the change may or "
                "may not have been made."
            )
        return ServerError(words, status=status, detail=detail, maybe_done=lost, **extra)
    if 400 <= status < 500:
        if not is_json and detail:
            return ValidationFailed(
                f"Canvas did not accept the request (error {status}): {detail}",
                status=status,
                detail=detail,
                **extra,
            )
        return _validation_error(entries, status, extra)
    return CanvasError(
        f"Canvas gave an unexpected answer (status {status}).",
        status=status,
        detail=detail,
        **extra,
    )

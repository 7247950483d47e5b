"""Canvas's errors as types, and turning any failed Canvas answer into one.

Every error carries ``.message``: plain words for school office staff, never a token,
a password or a stack trace. The raw facts stay on the error (``.status``,
``.attribute``, ``.error_type``, ``.detail``) so callers can word a better message.

Canvas answers a failed call in several shapes (see ``canvas-api.md``): validation
errors as ``{"errors": {"<attribute>": [{"attribute", "type", "message"}]}}``, other
errors as ``{"errors": [{"message"}]}``, sometimes ``{"message": ...}``, the body
``null`` on older versions, plain text for the throttle, and HTML pages from proxies.
:func:`error_from_answer` reads all of them and picks the class.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass

__all__ = [
    "AccountChoiceNeeded",
    "Cancelled",
    "CanvasConfigError",
    "CanvasError",
    "CertificateProblem",
    "ConnectionFailed",
    "LastLogin",
    "LoginTaken",
    "NotFound",
    "NotRootAccount",
    "PasswordRejected",
    "PermissionDenied",
    "RateInfo",
    "ServerError",
    "SisIdTaken",
    "Throttled",
    "TimedOut",
    "TokenRefused",
    "ValidationFailed",
    "answer_may_be_lost",
    "describe_error",
    "error_from_answer",
    "redact",
    "register_secret",
]


@dataclass(frozen=True)
class RateInfo:
    """Canvas's throttle headers from one answer.

    ``remaining`` is ``X-Rate-Limit-Remaining`` (600 minus the bucket level; it can go
    negative), ``cost`` is ``X-Request-Cost``. Either is None when the header is absent.
    """

    remaining: float | None = None
    cost: float | None = None

    @classmethod
    def from_headers(cls, headers: object) -> RateInfo | None:
        get = getattr(headers, "get", None)
        if get is None:
            return None
        remaining = _number(get("X-Rate-Limit-Remaining"))
        cost = _number(get("X-Request-Cost"))
        if remaining is None and cost is None:
            return None
        return cls(remaining=remaining, cost=cost)


def _number(text: object) -> float | None:
    if text is None:
        return None
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


class CanvasError(Exception):
    """Something Canvas (or the way to it) refused or failed.

    ``maybe_done`` is True when a write (POST, PUT, DELETE) lost its answer: it timed
    out, the connection broke after the request went out, or Canvas answered 500 (it can
    fail after acting) or a gateway answered 502/503/504. Canvas may have acted, so the
    caller must look (read the student's logins) before deciding; resending a create
    blindly could make a second login.
    """

    default_message = "Canvas could not do this."
    retryable = False

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        attribute: str | None = None,
        error_type: str | None = None,
        detail: str | None = None,
        maybe_done: bool = False,
        rate: RateInfo | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = redact(message or self.default_message)
        self.status = status
        self.attribute = attribute
        self.error_type = error_type
        #: Canvas's own words (or the network library's), for logs and the runner.
        self.detail = redact(detail) if detail else None
        self.maybe_done = maybe_done
        self.rate = rate
        self.method = method
        #: The API path without its query string (never holds the token).
        self.path = path
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def reword(self, message: str) -> None:
        """Replace the plain message, e.g. with the login name the caller sent."""
        self.message = redact(message)
        self.args = (self.message,)

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.attribute:
            parts.append(f"attribute={self.attribute!r}")
        if self.error_type:
            parts.append(f"error_type={self.error_type!r}")
        if self.maybe_done:
            parts.append("maybe_done=True")
        return f"{type(self).__name__}({', '.join(parts)})"


class CanvasConfigError(CanvasError):
    default_message = "The Canvas address is not usable."


class CertificateProblem(CanvasError):
    """TLS failed: the server's certificate is not trusted by this computer."""

    default_message = (
        "Could not make a secure connection to Canvas: this computer does not trust its "
        "certificate. Check the Canvas address, or ask IT about the school network."
    )


class AccountChoiceNeeded(CanvasError):
    """The token administers no single root account; ``accounts`` lists the candidates."""

    def __init__(self, message: str, *, accounts: list[dict] | None = None) -> None:
        super().__init__(message)
        self.accounts = list(accounts or [])


class TokenRefused(CanvasError):
    default_message = (
        "Canvas refused the access token (it may be expired or revoked). "
        "Make a new token in Canvas under Account → Settings."
    )


class PermissionDenied(CanvasError):
    default_message = (
        "Your Canvas token is not allowed to do this. Ask a Canvas administrator to "
        "check your admin role (changing passwords and setting SIS IDs need extra rights)."
    )


class Throttled(CanvasError):
    """Canvas's rate limit refused the call. Nothing was done, so a retry is always safe."""

    default_message = (
        "Canvas asked us to slow down (its rate limit), so this was not done. Try again "
        "in a minute."
    )
    retryable = True


class NotFound(CanvasError):
    default_message = "Canvas could not find that student, login or sign-in method."


class ValidationFailed(CanvasError):
    default_message = "Canvas did not accept the values sent."


class LoginTaken(ValidationFailed):
    default_message = "That login name is already in use in Canvas."


class SisIdTaken(ValidationFailed):
    default_message = "That login SIS ID is already in use in Canvas."


class PasswordRejected(ValidationFailed):
    default_message = "Canvas did not accept the password."


class LastLogin(ValidationFailed):
    default_message = (
        "This is the student's only login, and Canvas does not allow removing a "
        "person's last login."
    )


class NotRootAccount(ValidationFailed):
    default_message = (
        "Logins can only be managed on the school's main (root) Canvas account, "
        "not on a sub-account."
    )


class ServerError(CanvasError):
    default_message = "Canvas had a problem on its side. Try again in a little while."
    retryable = True


class ConnectionFailed(CanvasError):
    default_message = (
        "Could not reach Canvas. Check the internet connection and the Canvas address."
    )
    retryable = True


class TimedOut(CanvasError):
    default_message = "Canvas did not answer in time."
    retryable = True


class Cancelled(Exception):
    """Stop was asked for before a call could be made (or retried).

    ``last_error`` is the error that was about to be retried, if any. Nothing new was
    sent after it, so the row is simply not finished: a later run picks it up.
    """

    def __init__(self, last_error: BaseException | None = None) -> None:
        self.message = "Stopped before this row was finished."
        super().__init__(self.message)
        self.last_error = last_error


def answer_may_be_lost(exc: BaseException) -> bool:
    """True when a write may have happened although its answer never arrived."""
    return bool(getattr(exc, "maybe_done", False))


# --- secrets ---------------------------------------------------------------------

_secrets_lock = threading.Lock()
_secrets: set[str] = set()
_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s'\",;]+"),
    re.compile(r"(?i)(access_token=)[^&\s'\"]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\",}]+"),
)


def register_secret(value: str | None) -> None:
    """Remember a secret (a token) so :func:`redact` blanks it from any text."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with registered secrets and anything that looks like a token blanked."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "[hidden]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1[hidden]", text)
    return text


# --- describing any error ----------------------------------------------------------


def describe_error(exc: BaseException) -> str:
    """Plain words for any exception, fit to show office staff (never a secret)."""
    if isinstance(exc, CanvasError | Cancelled):
        return exc.message
    text = redact(" ".join(str(exc).split()))[:200]
    name = type(exc).__name__
    return (
        f"Something unexpected went wrong: {name}: {text}"
        if text
        else (f"Something unexpected went wrong: {name}")
    )


# --- reading a failed answer -----------------------------------------------------------

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


def password_words(code: str) -> str:
    """Canvas's code for a refused password (``too_short``...) in words for office staff."""
    return _password_words(_Entry("password", code, ""))


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

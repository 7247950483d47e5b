"""The typed Canvas errors, and keeping secrets out of their words.

Every error carries ``.message``: plain words for school office staff, never a token,
a password or a stack trace. The raw facts stay on the error (``.status``,
``.attribute``, ``.error_type``, ``.detail``) so callers can word a better message.
Other modules import these names from :mod:`core.canvas_errors`.
"""

from __future__ import annotations

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

    default_message = "Canvas asked us to slow down (rate limit). The request will be retried."
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

"""Typed Canvas errors, and turning any Canvas answer into one: the names to import.

The error classes, :func:`redact` and :func:`describe_error` live in
:mod:`core.canvas_error_types`; reading a failed answer (:func:`error_from_answer`)
lives in :mod:`core.canvas_error_answers`. Everything is imported from here.

Every error carries ``.message``: plain words for school office staff, never a token,
a password or a stack trace. The raw facts stay on the error (``.status``,
``.attribute``, ``.error_type``, ``.detail``) so callers can word a better message.
"""

from __future__ import annotations

from core.canvas_error_answers import error_from_answer
from core.canvas_error_types import (
    AccountChoiceNeeded,
    Cancelled,
    CanvasConfigError,
    CanvasError,
    CertificateProblem,
    ConnectionFailed,
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
    TimedOut,
    TokenRefused,
    ValidationFailed,
    answer_may_be_lost,
    describe_error,
    redact,
    register_secret,
)

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

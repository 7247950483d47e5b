"""The way to a Canvas host: address checks, TLS trust, token auth, network failures.

Split from :mod:`core.canvas` so the client reads as the list of calls it makes.
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

from core.canvas.errors import (
    CanvasConfigError,
    CanvasError,
    CertificateProblem,
    ConnectionFailed,
    TimedOut,
    redact,
)

__all__ = [
    "WRITE_METHODS",
    "BearerAuth",
    "NoCookies",
    "connection_error",
    "is_loopback_host",
    "normalise_base_url",
    "use_system_trust_store",
]

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})

_trust_lock = threading.Lock()
_trust_injected = False


def use_system_trust_store() -> None:
    """Verify TLS against the operating system's certificates (once per process).

    School networks often inspect HTTPS with their own certificate authority, which
    the OS trusts but Python's bundled list does not.
    """
    global _trust_injected
    with _trust_lock:
        if _trust_injected:
            return
        import truststore

        truststore.inject_into_ssl()
        _trust_injected = True


def is_loopback_host(host: str) -> bool:
    """True for this computer: ``localhost``, 127.0.0.0/8 and ``::1``. A name ending in
    ``.localhost`` is not taken on its word: a resolver or a proxy may send it anywhere."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_base_url(url: str) -> str:
    """``scheme://host[:port]`` of a Canvas address as staff may type or paste it.

    A missing scheme means https; a path (``/api/v1``, or a page pasted from the
    browser) is dropped, since Canvas's API always lives at the root of its host.
    Plain http is refused unless the host is this computer.
    """
    text = (url or "").strip()
    if not text:
        raise CanvasConfigError(
            "Enter the Canvas address, for example https://school.instructure.com"
        )
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise CanvasConfigError(f"'{url.strip()}' does not look like a Canvas address.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise CanvasConfigError(
            f"'{url.strip()}' does not look like a Canvas address. It should look like "
            "https://school.instructure.com"
        )
    if parts.username is not None or parts.password is not None:
        raise CanvasConfigError(
            "The Canvas address must not contain a user name or password. "
            "Use the plain address, like https://school.instructure.com"
        )
    shown_host = f"[{host}]" if ":" in host else host
    address = shown_host + (f":{port}" if port is not None else "")
    if scheme == "http" and not is_loopback_host(host):
        raise CanvasConfigError(
            f"The Canvas address must start with https:// (only a Canvas on this computer "
            f"may use http://). Try https://{address}"
        )
    return f"{scheme}://{address}"


class BearerAuth(requests.auth.AuthBase):
    """Adds the token at send time; keeps it out of reprs and off redirected hosts."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._token:
            request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<bearer token hidden>"


class NoCookies(http.cookiejar.DefaultCookiePolicy):
    """API calls authenticate by token alone; a stored session cookie must not leak in."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


def connection_error(
    exc: requests.RequestException, method: str, host: str, path: str
) -> CanvasError:
    """The typed error for a request that got no HTTP answer."""
    is_write = method in WRITE_METHODS
    detail = redact(f"{type(exc).__name__}: {exc}")

    def failure(
        kind: type[CanvasError], message: str | None = None, *, maybe_done: bool = False
    ) -> CanvasError:
        return kind(message, maybe_done=maybe_done, method=method, path=path, detail=detail)

    if isinstance(exc, requests.exceptions.SSLError):
        return failure(CertificateProblem)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return failure(TimedOut, f"Could not connect to Canvas at {host} in time.")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        if is_write:
            return failure(
                TimedOut,
                "Canvas did not answer in time; the change may or may not have been made.",
                maybe_done=True,
            )
        return failure(TimedOut, "Canvas did not answer in time.")
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return failure(
            ConnectionFailed,
            f"Could not find the Canvas server '{host}'. Check the Canvas address and the "
            "internet connection.",
        )
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return failure(
            ConnectionFailed,
            f"Could not reach Canvas at {host}. Check the internet connection and the "
            "Canvas address.",
        )
    if is_write:
        return failure(
            ConnectionFailed,
            "The connection to Canvas broke; the change may or may not have been made.",
            maybe_done=True,
        )
    return failure(ConnectionFailed, "The connection to Canvas broke before it answered.")

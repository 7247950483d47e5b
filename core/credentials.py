"""Access tokens in the operating system's keychain, through ``keyring``.

When the computer has no usable keychain (keyring's ``fail`` or ``null`` backend, or
a backend that errors), the token is kept in this process's memory only and callers
are told so (``set_token`` returns False), so the app can say it will be forgotten
when it closes. A token never goes to a file or a log.
"""

from __future__ import annotations

import logging
import threading

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

#: The service name tokens are filed under in the keychain.
SERVICE = "canvas-logins"

_session_tokens: dict[str, str] = {}
_lock = threading.Lock()


def _unusable_reason(backend: KeyringBackend) -> str | None:
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return "no keychain was found on this computer"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "no keychain was found on this computer"
    return None


def keychain_status() -> tuple[bool, str]:
    """(True, backend name) when tokens can be saved, else (False, the reason)."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration
        return False, f"the keychain could not be opened ({type(exc).__name__})"
    reason = _unusable_reason(backend)
    if reason:
        return False, reason
    name = getattr(backend, "name", "") or type(backend).__name__
    return True, str(name)


def keychain_available() -> bool:
    return keychain_status()[0]


def set_token(profile_name: str, token: str) -> bool:
    """Save the token; False when it is kept for this session only."""
    token = (token or "").strip()
    if not token:
        delete_token(profile_name)
        return True
    if keychain_available():
        try:
            keyring.set_password(SERVICE, profile_name, token)
        except Exception as exc:
            log.warning("keychain refused to save a token (%s)", type(exc).__name__)
        else:
            with _lock:
                _session_tokens.pop(profile_name, None)
            return True
    with _lock:
        _session_tokens[profile_name] = token
    return False


def get_token(profile_name: str) -> str | None:
    with _lock:
        kept = _session_tokens.get(profile_name)
    if kept:
        return kept
    if not keychain_available():
        return None
    try:
        return keyring.get_password(SERVICE, profile_name) or None
    except Exception as exc:
        log.warning("keychain could not be read (%s)", type(exc).__name__)
        return None


def is_session_only(profile_name: str) -> bool:
    """True when the profile's token lives only in memory (lost when the app closes)."""
    with _lock:
        return profile_name in _session_tokens


def delete_token(profile_name: str) -> None:
    with _lock:
        _session_tokens.pop(profile_name, None)
    if not keychain_available():
        return
    try:
        keyring.delete_password(SERVICE, profile_name)
    except keyring.errors.PasswordDeleteError:
        pass
    except Exception as exc:
        log.warning("keychain could not delete a token (%s)", type(exc).__name__)


def rename_token(old_name: str, new_name: str) -> bool:
    """Move a token to a renamed profile; the result is as for :func:`set_token`."""
    token = get_token(old_name)
    if token is None or old_name == new_name:
        return not is_session_only(new_name)
    saved = set_token(new_name, token)
    delete_token(old_name)
    return saved


def forget_session_tokens() -> None:
    with _lock:
        _session_tokens.clear()

"""Tokens in the keychain, or in memory for this session when there is no keychain."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from core import credentials


class MemoryKeyring(KeyringBackend):
    """A keychain that works, kept in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not there")


class BrokenKeyring(MemoryKeyring):
    """A keychain that says it works but refuses to save (a locked login keychain)."""

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError("locked")


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()
    credentials.forget_session_tokens()

    def install(backend):
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)
    credentials.forget_session_tokens()


def test_available_keychain_stores_the_token_outside_the_process(use_backend):
    backend = use_backend(MemoryKeyring())
    assert credentials.keychain_status() == (True, "test credentials MemoryKeyring")
    assert credentials.set_token("School", " tok-123 ") is True
    assert backend.items == {(credentials.SERVICE, "School"): "tok-123"}
    assert credentials.is_session_only("School") is False
    credentials.forget_session_tokens()
    assert credentials.get_token("School") == "tok-123"
    assert credentials.rename_token("School", "District") is True
    assert backend.items == {(credentials.SERVICE, "District"): "tok-123"}
    credentials.delete_token("District")
    credentials.delete_token("never-saved")
    assert credentials.get_token("District") is None
    assert backend.items == {}


@pytest.mark.parametrize("backend_class", [null.Keyring, fail.Keyring])
def test_missing_keychain_keeps_the_token_for_this_session_only(use_backend, backend_class):
    use_backend(backend_class())
    available, reason = credentials.keychain_status()
    assert available is False
    assert "no keychain" in reason
    assert credentials.set_token("School", "tok-456") is False
    assert credentials.is_session_only("School") is True
    assert credentials.get_token("School") == "tok-456"
    credentials.forget_session_tokens()  # what closing the app amounts to
    assert credentials.get_token("School") is None


def test_keychain_that_refuses_falls_back_to_memory(use_backend):
    use_backend(BrokenKeyring())
    assert credentials.keychain_status()[0] is True
    assert credentials.set_token("School", "tok-789") is False
    assert credentials.get_token("School") == "tok-789"
    credentials.delete_token("School")
    assert credentials.get_token("School") is None


def test_empty_token_removes_the_saved_one(use_backend):
    backend = use_backend(MemoryKeyring())
    credentials.set_token("School", "tok")
    assert credentials.set_token("School", "  ") is True
    assert backend.items == {}

"""Test-wide settings: headless Qt, private per-user folders, no network but loopback."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keyring must never touch a developer's real keychain from a test.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_app_home(tmp_path_factory, monkeypatch):
    """Every test gets its own journal, settings and log folders."""
    home = tmp_path_factory.mktemp("app-home")
    monkeypatch.setenv("CANVAS_LOGINS_HOME", str(home))
    monkeypatch.delenv("CANVAS_TOKEN", raising=False)
    return home

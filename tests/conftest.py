"""Test-wide settings: headless Qt, private per-user folders, no network but loopback."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keyring must never touch a developer's real keychain from a test.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

import gc

import pytest


def pytest_configure(config):
    # The app collects garbage on the GUI thread only (gui/gc_guard.py): a collection on
    # a worker thread that frees a widget crashes Qt. Tests do the same: no automatic
    # collection, and a collection on the main thread after every test.
    gc.disable()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _private_app_home(tmp_path_factory, monkeypatch):
    """Every test gets its own journal, settings and log folders."""
    home = tmp_path_factory.mktemp("app-home")
    monkeypatch.setenv("CANVAS_LOGINS_HOME", str(home))
    monkeypatch.delenv("CANVAS_TOKEN", raising=False)
    return home


@pytest.fixture
def sandbox():
    """A running built-in Canvas: demo school seeded, no latency, throttle on."""
    from core.sandbox import Sandbox

    with Sandbox(seed_demo=True, latency=0.0) as running:
        yield running


@pytest.fixture
def sandbox_factory():
    """Start sandboxes with any Sandbox(...) keyword arguments; all stop after the test."""
    from core.sandbox import Sandbox

    started = []

    def make(**kwargs):
        running = Sandbox(**kwargs).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def token_env(monkeypatch, sandbox):
    """The sandbox's token in CANVAS_TOKEN, as a command line run reads it."""
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)
    return sandbox.token


@pytest.fixture
def demo(tmp_path):
    """A copy of the demo workbook to run (GUI tests name theirs Demo.xlsx)."""
    import shutil

    from core.paths import resource_path

    target = tmp_path / "demo.xlsx"
    shutil.copy(resource_path("demo.xlsx"), target)
    return target


@pytest.fixture
def create_actions(monkeypatch):
    """How many times the sandbox acted on a create, by the ``user[id]`` it was for.

    Counts the login handler's runs (throttled requests and faults that do not act
    never reach it), whatever the handler answered: a blind resend shows as a 2.
    """
    import dataclasses
    from collections import Counter

    from core.sandbox import routes

    acted: Counter[str] = Counter()
    wrapped = []
    for route in routes.ROUTES:
        if route.method == "POST" and route.template == "/api/v1/accounts/:account_id/logins":
            original = route.handler

            def counting(request, original=original):
                acted[request.params.get("user[id]") or ""] += 1
                return original(request)

            route = dataclasses.replace(route, handler=counting)
        wrapped.append(route)
    monkeypatch.setattr(routes, "ROUTES", tuple(wrapped))
    return acted


@pytest.fixture
def answers():
    """The main window's prompts, answered without dialogs (tests/gui_window_support.py)."""
    from gui_window_support import Answers

    return Answers()


@pytest.fixture
def window(qtbot, answers):
    """A main window that asks nothing on screen; closed after the test."""
    from gui_window_support import close_window, make_window

    win = make_window(qtbot, answers)
    yield win
    close_window(win)

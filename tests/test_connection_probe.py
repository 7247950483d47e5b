"""core.connection without Qt: what "Test connection" finds, and the connection it makes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import demo
from core.canvas.errors import CanvasError
from core.connection import KIND_LABELS, check_url, probe, start_sandbox_connection
from core.model import DEFAULT_CONCURRENCY
from core.profiles import Profile
from core.sandbox.state import Account

ROOT = Path(__file__).resolve().parent.parent


def test_sandbox_connection_is_ready_to_use_and_hides_its_token():
    connection = start_sandbox_connection()
    try:
        assert connection.user_name == demo.DEMO_ADMIN_NAME
        assert connection.account_id == demo.DEMO_ROOT_ACCOUNT_ID
        assert connection.account_name == demo.DEMO_ROOT_ACCOUNT_NAME
        assert connection.can_manage_logins is True
        assert connection.production is False
        assert connection.kind == "sandbox"
        assert connection.host == "127.0.0.1"
        assert demo.DEMO_TOKEN not in repr(connection)
        assert connection.client.whoami()["name"] == demo.DEMO_ADMIN_NAME
        url = connection.sandbox.url
    finally:
        connection.close()
    assert connection.sandbox is None
    with pytest.raises(Exception, match="Canvas"):
        probe(Profile("gone", url), demo.DEMO_TOKEN)


def test_probe_finds_the_main_accounts_their_rights_and_sign_in_methods(sandbox):
    with sandbox.state.lock:
        sandbox.state.accounts[9] = Account(9, "Cedar Hills District")
    found = probe(Profile("Practice", sandbox.url), f"  {sandbox.token}  ")
    assert found.user_name == demo.DEMO_ADMIN_NAME
    assert found.token == sandbox.token  # pasted with spaces around it
    assert sorted(account.id for account in found.accounts) == [demo.DEMO_ROOT_ACCOUNT_ID, 9]
    main = found.account(demo.DEMO_ROOT_ACCOUNT_ID)
    assert main.can_manage_logins and main.can_change_passwords and main.can_manage_sis
    assert main.rights_text() == "May manage logins, reset passwords and set SIS IDs."
    assert main.provider_types == {"1": "canvas", "7": "saml"}
    assert found.account(12345) is found.accounts[0]  # an unknown id falls back to the first
    connection = found.connection(9)
    try:
        assert connection.account_id == 9 and connection.account_name == "Cedar Hills District"
        assert connection.profile.account_id == 9
    finally:
        connection.close()


def test_a_token_without_login_rights_is_told_so_in_plain_words(sandbox):
    sandbox.add_token("weak-token", rights={"read_sis"})
    found = probe(Profile("Weak", sandbox.url), "weak-token")
    account = found.accounts[0]
    assert not account.can_manage_logins
    assert "may not manage logins" in account.rights_text()
    connection = found.connection()
    try:
        assert connection.can_manage_logins is False
    finally:
        connection.close()


def test_no_token_and_plain_http_are_refused_before_anything_is_sent():
    with pytest.raises(CanvasError, match="Paste your Canvas access token"):
        probe(Profile("School", "https://school.instructure.com"), "   ")
    with pytest.raises(CanvasError, match="must start with https://"):
        check_url("http://district.instructure.com")
    assert check_url("https://district.instructure.com/").startswith("https://district")


def test_run_options_follow_the_profile_and_kinds_have_badge_words(sandbox):
    found = probe(Profile("Practice", sandbox.url, concurrency=3), sandbox.token)
    connection = found.connection()
    try:
        options = connection.run_options(dry_run=True)
        assert options.account_id == connection.account_id
        assert options.dry_run is True and options.concurrency == 3
        connection.profile.concurrency = 0  # a broken saved profile: the default, never 0
        assert connection.run_options().concurrency == DEFAULT_CONCURRENCY
        assert connection.badge_text == KIND_LABELS[connection.kind]
    finally:
        connection.close()


def test_the_connection_module_loads_no_qt():
    code = (
        "import sys, core.connection\n"
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr

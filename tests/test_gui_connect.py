"""The connection dialog against the built-in sandbox over real HTTP."""

from __future__ import annotations

import json

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit

from core import credentials, demo
from core.profiles import Profile, ProfileStore
from core.sandbox.state import Account
from gui.connect_dialog import KEYCHAIN_MISSING_TEXT, ConnectDialog


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


@pytest.fixture(autouse=True)
def _fresh_session_tokens():
    credentials.forget_session_tokens()
    yield
    credentials.forget_session_tokens()


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def _dialog(qtbot, store=None) -> ConnectDialog:
    dialog = ConnectDialog(store=store or ProfileStore())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(dialog: ConnectDialog, name: str, url: str, token: str) -> None:
    dialog.add_profile()
    dialog.name_edit.setText(name)
    dialog.url_edit.setText(url)
    dialog.token_edit.setText(token)


def _test(qtbot, dialog: ConnectDialog) -> None:
    with qtbot.waitSignal(dialog._job.finished, timeout=15_000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not dialog.is_busy()


def test_test_connection_shows_user_account_rights_then_connects(qtbot, sandbox):
    store = ProfileStore()
    dialog = _dialog(qtbot, store)
    _fill(dialog, "Practice", sandbox.url, sandbox.token)
    assert dialog.badge.kind == "sandbox"
    _test(qtbot, dialog)
    assert dialog.result_box.isVisible()
    assert dialog.result_box.user_label.text() == demo.DEMO_ADMIN_NAME
    assert dialog.result_box.account_combo.currentData() == demo.DEMO_ROOT_ACCOUNT_ID
    assert not dialog.result_box.account_combo.isVisible()  # only one main account: nothing to pick
    assert dialog.result_box.account_label.text() == f"{demo.DEMO_ROOT_ACCOUNT_NAME} (id 1)"
    assert "May manage logins" in dialog.result_box.rights_label.text()
    assert dialog.test_status.text() == "Connected."

    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    connection = dialog.connection()
    assert connection is not None
    assert connection.profile == Profile("Practice", sandbox.url, demo.DEMO_ROOT_ACCOUNT_ID)
    assert connection.can_manage_logins and not connection.production
    assert store.last_used == "Practice"
    assert store.get("Practice").account_id == demo.DEMO_ROOT_ACCOUNT_ID
    connection.close()


def test_connect_without_testing_tests_first(qtbot, sandbox):
    dialog = _dialog(qtbot)
    _fill(dialog, "Practice", sandbox.url, sandbox.token)
    with qtbot.waitSignal(dialog.connected, timeout=15_000) as connected:
        dialog.connect_to_canvas()
    assert connected.args[0].user_name == demo.DEMO_ADMIN_NAME
    connected.args[0].close()


def test_several_main_accounts_are_offered_in_a_list(qtbot, sandbox):
    with sandbox.state.lock:
        sandbox.state.accounts[9] = Account(9, "Cedar Hills District")
    dialog = _dialog(qtbot)
    _fill(dialog, "Two districts", sandbox.url, sandbox.token)
    _test(qtbot, dialog)
    assert (
        dialog.result_box.account_combo.isVisible() and dialog.result_box.account_combo.isEnabled()
    )
    assert dialog.result_box.account_combo.count() == 2
    assert "several main accounts" in dialog.test_status.text()
    dialog.result_box.account_combo.setCurrentIndex(dialog.result_box.account_combo.findData(9))
    with qtbot.waitSignal(dialog.connected, timeout=15_000) as connected:
        dialog.connect_to_canvas()
    assert connected.args[0].account_id == 9
    assert connected.args[0].account_name == "Cedar Hills District"
    connected.args[0].close()


def test_token_without_login_rights_is_explained_and_not_connected(qtbot, sandbox):
    sandbox.add_token("weak-token", rights={"read_sis"})
    dialog = _dialog(qtbot)
    _fill(dialog, "Weak", sandbox.url, "weak-token")
    with qtbot.waitSignal(dialog._job.finished, timeout=15_000):
        dialog.connect_to_canvas()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.connection() is None
    assert "may not manage logins" in dialog.result_box.rights_label.text()


def test_refused_token_gives_plain_words(qtbot, sandbox):
    dialog = _dialog(qtbot)
    _fill(dialog, "Bad", sandbox.url, "not-a-real-token")
    with qtbot.waitSignal(dialog._job.failed, timeout=15_000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_status.text().startswith("Canvas refused the access token")
    assert "not-a-real-token" not in dialog.test_status.text()
    assert not dialog.result_box.isVisible()
    assert dialog.test_button.isEnabled()


def test_plain_http_is_refused_with_a_plain_message_and_badges_follow_the_address(qtbot):
    dialog = _dialog(qtbot)
    dialog.add_profile()
    dialog.url_edit.setText("http://district.instructure.com")
    dialog.test_connection()
    assert not dialog.is_busy()
    assert dialog.address_message.isVisible()
    assert "must start with https://" in dialog.address_message.text()
    assert dialog.badge.kind == "production" and dialog.badge.text() == "PRODUCTION"
    dialog.url_edit.setText("https://district.test.instructure.com")
    assert not dialog.address_message.isVisible()
    assert dialog.badge.text() == "TEST"


def test_token_is_masked_with_a_show_toggle(qtbot):
    dialog = _dialog(qtbot)
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(dialog.show_token_button, Qt.MouseButton.LeftButton)
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.show_token_button.text() == "Hide"
    qtbot.mouseClick(dialog.show_token_button, Qt.MouseButton.LeftButton)
    assert dialog.token_edit.echoMode() == QLineEdit.EchoMode.Password


def test_without_keychain_the_notice_shows_and_the_token_lives_for_the_session(qtbot):
    # tests/conftest.py selects keyring's null backend: no usable keychain.
    store = ProfileStore()
    dialog = _dialog(qtbot, store)
    assert dialog.keychain_notice.isVisible()
    assert dialog.keychain_notice.text() == KEYCHAIN_MISSING_TEXT
    _fill(dialog, "School", "https://district.test.instructure.com", "tok-session")
    assert dialog.save_profile()
    assert "kept until you close the app" in dialog.test_status.text()
    assert credentials.get_token("School") == "tok-session"
    assert "tok-session" not in store.path.read_text(encoding="utf-8")
    reopened = _dialog(qtbot, store)
    assert reopened.token_edit.text() == "tok-session"  # same session
    credentials.forget_session_tokens()  # the app closed
    assert _dialog(qtbot, store).token_edit.text() == ""


def test_profiles_add_edit_delete_with_tokens_in_the_keychain(qtbot, memory_keyring):
    store = ProfileStore()
    dialog = _dialog(qtbot, store)
    assert not dialog.keychain_notice.isVisible()
    _fill(dialog, "Maple (test)", "https://maple.test.instructure.com", "tok-a")
    assert dialog.save_profile()
    _fill(dialog, "Maple", "https://maple.instructure.com", "tok-b")
    assert dialog.save_profile()
    assert [p.name for p in store.profiles()] == ["Maple (test)", "Maple"]
    assert memory_keyring.items == {
        (credentials.SERVICE, "Maple (test)"): "tok-a",
        (credentials.SERVICE, "Maple"): "tok-b",
    }
    saved = json.loads(store.path.read_text(encoding="utf-8"))
    assert "tok-" not in json.dumps(saved)

    dialog.profile_list.setCurrentRow(0)
    assert dialog.url_edit.text() == "https://maple.test.instructure.com"
    assert dialog.token_edit.text() == "tok-a"
    dialog.name_edit.setText("Maple practice")
    assert dialog.save_profile()
    assert [p.name for p in store.profiles()] == ["Maple practice", "Maple"]
    assert (credentials.SERVICE, "Maple (test)") not in memory_keyring.items
    assert memory_keyring.items[(credentials.SERVICE, "Maple practice")] == "tok-a"

    dialog.name_edit.setText("Maple")  # clashes with the other profile
    assert not dialog.save_profile()
    assert "already exists" in dialog.test_status.text()

    dialog.delete_profile("Maple")
    assert [p.name for p in store.profiles()] == ["Maple practice"]
    assert (credentials.SERVICE, "Maple") not in memory_keyring.items
    assert dialog.profile_list.count() == 1


def test_use_the_built_in_sandbox_button_connects(qtbot):
    dialog = _dialog(qtbot)
    with qtbot.waitSignal(dialog.connected, timeout=15_000) as connected:
        qtbot.mouseClick(dialog.sandbox_button, Qt.MouseButton.LeftButton)
    connection = connected.args[0]
    try:
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert dialog.connection() is connection
        assert connection.kind == "sandbox"
        assert connection.badge_text.startswith("SANDBOX")
    finally:
        connection.close()


def test_token_steps_are_one_click_away(qtbot):
    dialog = _dialog(qtbot)
    assert not dialog.steps_label.isVisible()
    qtbot.mouseClick(dialog.steps_button, Qt.MouseButton.LeftButton)
    assert dialog.steps_label.isVisible()
    assert "New Access Token" in dialog.steps_label.text()


def test_splitter_position_is_remembered(qtbot):
    def left_share(dialog: ConnectDialog) -> float:
        left, right = dialog.splitter.sizes()
        return left / (left + right)

    dialog = _dialog(qtbot)
    default = left_share(dialog)
    dialog.splitter.setSizes([400, 420])
    wanted = left_share(dialog)
    assert abs(wanted - default) > 0.1
    dialog.reject()
    again = _dialog(qtbot)
    assert abs(left_share(again) - wanted) < 0.02

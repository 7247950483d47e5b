"""The connection dialog: saved profiles, address and token, "Test connection"."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import credentials
from core.canvas.errors import CanvasError
from core.connection import (
    Connection,
    ProbeResult,
    check_url,
    probe,
    start_sandbox_connection,
)
from core.model import DEFAULT_CONCURRENCY, MIN_PASSWORD_LENGTH
from core.profiles import SANDBOX_PROFILE_NAME, Profile, ProfileStore, instance_kind
from gui import settings
from gui.kind_badge import BADGES, KindBadge, dot_icon
from gui.probe_result_box import ProbeResultBox
from gui.token_help import TOKEN_STEPS_HTML
from gui.worker import BackgroundJob

__all__ = ["ConnectDialog"]

log = logging.getLogger(__name__)

KEYCHAIN_MISSING_TEXT = (
    "Your computer's keychain is not available; the token is kept until you close the app."
)
NEW_PROFILE_NAME = "New connection"


class ConnectDialog(QDialog):
    """Pick or edit a saved connection, test it, and connect.

    After ``exec()`` returns Accepted, :meth:`connection` holds the tested
    :class:`Connection` (the caller owns it and closes it when done).
    """

    connected = Signal(object)

    def __init__(self, parent: QWidget | None = None, store: ProfileStore | None = None):
        super().__init__(parent)
        self.setWindowTitle("Connect to Canvas")
        self.setObjectName("ConnectDialog")
        self.store = store if store is not None else ProfileStore()
        self._connection: Connection | None = None
        self._probe: ProbeResult | None = None
        self._loaded_name: str | None = None  # the saved profile being edited
        self._loaded_profile: Profile | None = None
        self._connect_after_test = False
        self._job = BackgroundJob(self)
        self._job.finished.connect(self._job_finished)
        self._job.failed.connect(self._job_failed)
        self._build()
        self._reload_profiles(select=self.store.last_used)
        geometry = settings.CONNECT_DIALOG_GEOMETRY.get()
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(820, 560)
        settings.restore_splitter(self.splitter, settings.CONNECT_DIALOG_SPLITTER)

    # --- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)

        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        heading = QLabel("Saved connections", left)
        heading.setStyleSheet("font-weight: bold;")
        self.profile_list = QListWidget(left)
        self.profile_list.setAccessibleName("Saved connections")
        self.profile_list.setStyleSheet("QListWidget::item { padding: 5px 4px; }")
        self.profile_list.currentItemChanged.connect(self._profile_selected)
        heading.setBuddy(self.profile_list)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add", left)
        self.add_button.setToolTip("Add a new Canvas connection")
        self.add_button.clicked.connect(self.add_profile)
        self.delete_button = QPushButton("&Delete", left)
        self.delete_button.setToolTip("Delete the selected connection and its saved token")
        self.delete_button.clicked.connect(self._confirm_delete)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        left_layout.addWidget(heading)
        left_layout.addWidget(self.profile_list, 1)
        left_layout.addLayout(buttons)

        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name_edit = QLineEdit(right)
        self.name_edit.setAccessibleName("Connection name")
        self.name_edit.setPlaceholderText("For example: Maple Grove (test)")
        self.url_edit = QLineEdit(right)
        self.url_edit.setAccessibleName("Canvas address")
        self.url_edit.setPlaceholderText("https://school.instructure.com")
        self.url_edit.textChanged.connect(self._url_changed)
        self.url_edit.editingFinished.connect(self._validate_url)
        self.badge = KindBadge(right)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.badge)
        self.token_edit = QLineEdit(right)
        self.token_edit.setAccessibleName("Access token")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Paste the token you made in Canvas")
        self.token_edit.textChanged.connect(self._forget_probe)
        self.show_token_button = QToolButton(right)
        self.show_token_button.setText("Show")
        self.show_token_button.setCheckable(True)
        self.show_token_button.setAccessibleName("Show token")
        self.show_token_button.toggled.connect(self._toggle_token)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token_edit, 1)
        token_row.addWidget(self.show_token_button)
        form.addRow("&Name:", self.name_edit)
        form.addRow("Canvas &address:", url_row)
        form.addRow("Access &token:", token_row)
        for label_widget, field_widget in (
            (form.labelForField(self.name_edit), self.name_edit),
            (form.labelForField(url_row), self.url_edit),
            (form.labelForField(token_row), self.token_edit),
        ):
            if isinstance(label_widget, QLabel):
                label_widget.setBuddy(field_widget)
        right_layout.addLayout(form)

        self.address_message = QLabel(right)
        self.address_message.setWordWrap(True)
        self.address_message.setStyleSheet("color: #c62828;")
        self.address_message.hide()
        right_layout.addWidget(self.address_message)

        available, reason = credentials.keychain_status()
        self.keychain_notice = QLabel(KEYCHAIN_MISSING_TEXT, right)
        self.keychain_notice.setWordWrap(True)
        self.keychain_notice.setToolTip(f"Keychain: {reason}")
        self.keychain_notice.setStyleSheet(
            "QLabel { background: rgba(255, 179, 0, 0.18); border: 1px solid #ffb300;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.keychain_notice.setVisible(not available)
        right_layout.addWidget(self.keychain_notice)

        self.steps_button = QToolButton(right)
        self.steps_button.setText("How to make a token")
        self.steps_button.setCheckable(True)
        self.steps_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.steps_button.setArrowType(Qt.ArrowType.RightArrow)
        self.steps_button.setAutoRaise(True)
        self.steps_button.toggled.connect(self._toggle_steps)
        self.steps_label = QLabel(TOKEN_STEPS_HTML, right)
        self.steps_label.setTextFormat(Qt.TextFormat.RichText)
        self.steps_label.setWordWrap(True)
        self.steps_label.hide()
        right_layout.addWidget(self.steps_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.steps_label)

        test_row = QHBoxLayout()
        self.test_button = QPushButton("&Test connection", right)
        self.test_button.clicked.connect(self.test_connection)
        self.test_status = QLabel(right)
        self.test_status.setWordWrap(True)
        self.test_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_status, 1)
        right_layout.addLayout(test_row)

        self.result_box = ProbeResultBox(right)
        self.result_box.hide()
        right_layout.addWidget(self.result_box)
        right_layout.addStretch(1)

        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([230, 590])
        splitter.setObjectName("ConnectSplitter")
        self.splitter = splitter

        self.sandbox_button = QPushButton("Use the built-in &sandbox", self)
        self.sandbox_button.setToolTip(
            "Practise on a pretend Canvas running inside this app, with the demo workbook"
        )
        self.sandbox_button.clicked.connect(self.use_sandbox)
        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton("Sa&ve", self)
        self.save_button.setToolTip("Save this connection (the token goes to the keychain)")
        self.save_button.clicked.connect(self.save_profile)
        self.connect_button = self.buttons.addButton(
            "&Connect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.connect_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.connect_to_canvas)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.sandbox_button)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.setTabOrder(self.profile_list, self.name_edit)
        self.setTabOrder(self.name_edit, self.url_edit)
        self.setTabOrder(self.url_edit, self.token_edit)
        self.setTabOrder(self.token_edit, self.show_token_button)
        self.setTabOrder(self.show_token_button, self.test_button)

    # --- profiles ---------------------------------------------------------------

    def _reload_profiles(self, select: str | None = None) -> None:
        self.profile_list.blockSignals(True)
        self.profile_list.clear()
        for profile in self.store.profiles():
            item = QListWidgetItem(profile.name, self.profile_list)
            item.setData(Qt.ItemDataRole.UserRole, profile.name)
            kind = instance_kind(profile.url)
            item.setIcon(dot_icon(BADGES[kind][1]))
            item.setToolTip(f"{profile.url} ({BADGES[kind][0].lower()})")
        self.profile_list.blockSignals(False)
        names = [p.name for p in self.store.profiles()]
        if select in names:
            self.profile_list.setCurrentRow(names.index(select))
        elif names:
            self.profile_list.setCurrentRow(0)
        else:
            self._load(None)
        self.delete_button.setEnabled(bool(names))

    def _profile_selected(self, current: QListWidgetItem | None, _previous=None) -> None:
        name = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self._load(self.store.get(name) if name else None)

    def _load(self, profile: Profile | None) -> None:
        self._loaded_name = profile.name if profile else None
        self._loaded_profile = profile
        self.name_edit.setText(profile.name if profile else "")
        self.url_edit.setText(profile.url if profile else "")
        token = credentials.get_token(profile.name) if profile else None
        self.token_edit.setText(token or "")
        self.show_token_button.setChecked(False)
        self._forget_probe()
        self._validate_url(quiet_when_empty=True)

    def add_profile(self) -> None:
        self.profile_list.clearSelection()
        self.profile_list.setCurrentItem(None)
        self._load(None)
        self.name_edit.setText(self._unused_name())
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def _unused_name(self) -> str:
        names = {p.name for p in self.store.profiles()}
        name, number = NEW_PROFILE_NAME, 2
        while name in names:
            name, number = f"{NEW_PROFILE_NAME} {number}", number + 1
        return name

    def current_profile(self) -> Profile:
        base = self._loaded_profile
        account_id = base.account_id if base else None
        picked = self.result_box.current_account_id() if self._probe is not None else None
        if picked is not None:
            account_id = picked
        return Profile(
            name=self.name_edit.text().strip(),
            url=self.url_edit.text().strip(),
            account_id=account_id,
            concurrency=base.concurrency if base else DEFAULT_CONCURRENCY,
            min_password_length=base.min_password_length if base else MIN_PASSWORD_LENGTH,
        )

    def save_profile(self) -> bool:
        """Save the form as a profile and its token in the keychain."""
        profile = self.current_profile()
        if not profile.name:
            self._say("Give this connection a name, for example your school's name.", error=True)
            return False
        if profile.name == SANDBOX_PROFILE_NAME:
            self._say("That name is kept for the built-in sandbox; choose another.", error=True)
            return False
        if profile.name != self._loaded_name and self.store.get(profile.name) is not None:
            self._say(f"A connection called “{profile.name}” already exists.", error=True)
            return False
        if not self._validate_url():
            return False
        old_name = self._loaded_name
        self.store.save(profile, old_name=old_name)
        if old_name and old_name != profile.name:
            credentials.delete_token(old_name)
        kept = credentials.set_token(profile.name, self.token_edit.text())
        self.keychain_notice.setVisible(not kept or not credentials.keychain_available())
        tested = self._probe  # still true of what was saved
        self._reload_profiles(select=profile.name)
        if tested is not None:
            self._show_probe(tested)
        self._say(
            "Saved." if kept else "Saved. The token is kept until you close the app.",
            error=False,
        )
        return True

    def _confirm_delete(self) -> None:
        item = self.profile_list.currentItem()
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        answer = QMessageBox.question(
            self,
            "Delete connection",
            f"Delete the connection “{name}” and its saved token?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_profile(name)

    def delete_profile(self, name: str) -> None:
        self.store.delete(name)
        credentials.delete_token(name)
        self._reload_profiles()

    # --- address and token ----------------------------------------------------------

    def _url_changed(self, text: str) -> None:
        self.badge.set_kind(instance_kind(text) if text.strip() else "")
        self._forget_probe()
        if self.address_message.isVisible():
            self._validate_url(quiet_when_empty=True)

    def _validate_url(self, quiet_when_empty: bool = False) -> bool:
        text = self.url_edit.text().strip()
        if not text and quiet_when_empty:
            self.address_message.hide()
            return False
        try:
            check_url(text)
        except CanvasError as exc:
            self.address_message.setText(exc.message)
            self.address_message.show()
            return False
        self.address_message.hide()
        return True

    def _toggle_token(self, shown: bool) -> None:
        self.token_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.show_token_button.setText("Hide" if shown else "Show")
        self.show_token_button.setAccessibleName("Hide token" if shown else "Show token")

    def _toggle_steps(self, shown: bool) -> None:
        self.steps_label.setVisible(shown)
        self.steps_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    # --- testing ---------------------------------------------------------------------

    def _forget_probe(self, *_args: object) -> None:
        self._probe = None
        self.result_box.forget()
        if not self._job.is_running():
            self.test_status.clear()

    def _say(self, text: str, *, error: bool) -> None:
        self.test_status.setText(text)
        self.test_status.setStyleSheet("color: #c62828;" if error else "")

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.test_button,
            self.connect_button,
            self.sandbox_button,
            self.save_button,
            self.profile_list,
            self.name_edit,
            self.url_edit,
            self.token_edit,
        ):
            widget.setEnabled(not busy)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    def is_busy(self) -> bool:
        return self._job.is_running()

    def test_connection(self) -> None:
        """Check the address, then ask Canvas (on a worker thread) what the token may do."""
        if self._job.is_running():
            return
        if not self._validate_url():
            if not self.url_edit.text().strip():
                self._say("Enter the Canvas address first.", error=True)
            self._connect_after_test = False
            return
        profile = self.current_profile()
        token = self.token_edit.text()
        self._say("Asking Canvas…", error=False)
        self._set_busy(True)
        self._job.start(lambda progress, cancel: probe(profile, token))

    def use_sandbox(self) -> None:
        """Start the built-in sandbox and connect to it (closes the dialog when ready)."""
        if self._job.is_running():
            return
        self._say("Starting the built-in sandbox…", error=False)
        self._set_busy(True)
        self._job.start(lambda progress, cancel: start_sandbox_connection())

    def connect_to_canvas(self) -> None:
        """Connect with the tested settings, testing first when needed."""
        if self._job.is_running():
            return
        if self._probe is None:
            self._connect_after_test = True
            self.test_connection()
            return
        self._finish_connect()

    def _finish_connect(self) -> None:
        assert self._probe is not None
        account_id = self.result_box.current_account_id()
        if self.name_edit.text().strip() and not self.save_profile():
            return
        connection = self._probe.connection(account_id)
        self.store.last_used = connection.profile.name
        self._accept_with(connection)

    def _accept_with(self, connection: Connection) -> None:
        self._connection = connection
        self.connected.emit(connection)
        self.accept()

    def _job_finished(self, result: object) -> None:
        self._set_busy(False)
        if isinstance(result, Connection):  # the sandbox
            if self.result() == QDialog.DialogCode.Rejected and not self.isVisible():
                result.close()
                return
            self._say("", error=False)
            self._accept_with(result)
            return
        assert isinstance(result, ProbeResult)
        self._show_probe(result)
        if self._connect_after_test:
            self._connect_after_test = False
            if result.account(self.result_box.current_account_id()).can_manage_logins:
                self._finish_connect()

    def _job_failed(self, message: str) -> None:
        self._set_busy(False)
        self._connect_after_test = False
        self._say(message, error=True)

    def _show_probe(self, result: ProbeResult) -> None:
        self._probe = result
        several = self.result_box.show_result(result, self.current_profile().account_id)
        self._say(
            "Connected. This token administers several main accounts: pick one below."
            if several
            else "Connected.",
            error=False,
        )

    # --- closing -----------------------------------------------------------------

    def connection(self) -> Connection | None:
        return self._connection

    def done(self, result: int) -> None:
        settings.CONNECT_DIALOG_GEOMETRY.set(bytes(self.saveGeometry().data()))
        settings.save_splitter(self.splitter, settings.CONNECT_DIALOG_SPLITTER)
        if self._job.is_running():
            self._job.cancel()
        super().done(result)

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.HelpContents):
            self.steps_button.toggle()
            return
        super().keyPressEvent(event)

"""How to make a Canvas access token, step by step (Help menu, first start, connect dialog)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["TOKEN_STEPS_HTML", "show_token_help"]

TOKEN_STEPS_HTML = (
    "<ol style='margin-left:-20px'>"
    "<li>Sign in to Canvas in your web browser as a Canvas administrator.</li>"
    "<li>Click <b>Account</b> (your picture, top left), then <b>Settings</b>.</li>"
    "<li>Under <i>Approved Integrations</i>, click <b>+ New Access Token</b>.</li>"
    "<li>Write a purpose such as <i>Canvas Logins</i>, leave the expiry empty or pick a "
    "date, then click <b>Generate Token</b>.</li>"
    "<li>Copy the long token it shows (it is shown only once) and paste it here.</li>"
    "</ol>"
    "<p>Try changes on your <b>test</b> Canvas first "
    "(<i>school</i>.test.instructure.com) before the real one.</p>"
)


def show_token_help(parent: QWidget | None = None) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("How to make a Canvas access token")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText("<b>Make an access token in Canvas</b>" + TOKEN_STEPS_HTML)
    box.setIcon(QMessageBox.Icon.Information)
    box.exec()

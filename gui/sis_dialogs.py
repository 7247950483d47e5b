"""The run confirmation's method choice: API or SIS import.

The confirmation gains, when the import is offered (enough new logins for it to pay
off) or was chosen last time, the method recommended for the row count, the password
note and the Login SIS ID pattern (its example made from this workbook's ids), and hands
back what staff chose as a :class:`core.workflow.RunRequest` (None when they
cancelled). Every rule lives in core (core.sis); this module only shows and asks.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QGroupBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.model import Action, RunMethod
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN
from core.sis.method import PASSWORD_NOTE, method_advice, recommended_method
from core.words import plural
from core.workflow import RunRequest
from gui.run_dialogs import ConfirmRunDialog, confirm_run
from gui.screen_fit import scroll_body
from gui.sis_widgets import PatternField, note

__all__ = [
    "MethodChoice",
    "confirm_run_with_method",
    "method_confirm_dialog",
    "method_offered",
    "new_logins",
]


def new_logins(plan: Any) -> int:
    """The logins a run of ``plan`` makes: its Create rows but those the check found
    already there (the run only records them)."""
    if not plan.operations:
        return 0
    return plan.counts_by_action[Action.CREATE] - int(getattr(plan, "checked_existing", 0) or 0)


def method_offered(plan: Any, previous: RunRequest | None = None) -> bool:
    """Whether the confirmation asks how to send: the plan has new logins and either the
    SIS import is recommended for that many, or staff chose it last time."""
    creates = new_logins(plan)
    if not creates:
        return False
    chosen = previous is not None and previous.method is RunMethod.SIS_IMPORT
    return chosen or recommended_method(creates) is RunMethod.SIS_IMPORT


class MethodChoice(QGroupBox):
    """API or SIS import, the recommendation for this many new logins, and the notes."""

    def __init__(
        self, plan: Any, choice: RunRequest | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("How to send the new logins", parent)
        self.setObjectName("RunMethodChoice")
        counts = plan.counts_by_action
        creates = new_logins(plan)
        others = len(plan.operations) - counts[Action.CREATE]
        recommended = recommended_method(creates)
        method = choice.method if choice is not None else recommended
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        self.api = QRadioButton("API: one call per row", self)
        self.sis = QRadioButton("SIS import: all new logins in one file", self)
        for button, kind in ((self.api, RunMethod.API), (self.sis, RunMethod.SIS_IMPORT)):
            if kind == recommended:
                button.setText(button.text() + " (recommended)")
        self.buttons = QButtonGroup(self)
        self.buttons.addButton(self.api)
        self.buttons.addButton(self.sis)
        (self.sis if method == RunMethod.SIS_IMPORT else self.api).setChecked(True)
        layout.addWidget(self.api)
        layout.addWidget(self.sis)
        self.advice = note(method_advice(creates), self)
        layout.addWidget(self.advice)
        self.import_box = QWidget(self)
        form = QFormLayout(self.import_box)
        form.setContentsMargins(18, 0, 0, 0)
        self.pattern = PatternField(
            choice.login_sis_pattern if choice is not None else DEFAULT_LOGIN_SIS_PATTERN,
            self.import_box,
            plan.operations,
        )
        form.addRow("Login SIS ID pattern:", self.pattern)
        notes = [PASSWORD_NOTE]
        if others:
            notes.append(
                f"The {plural(others, 'row that changes', 'rows that change')} existing "
                f"logins (updates, removals, suspensions) {'goes' if others == 1 else 'go'} "
                "through the API first; an import only adds logins."
            )
        self.password_note = note(" ".join(notes), self.import_box)
        form.addRow(self.password_note)
        layout.addWidget(self.import_box)
        self.sis.toggled.connect(self._sync)
        self._sync()

    def _sync(self, *_args: Any) -> None:
        self.import_box.setEnabled(self.sis.isChecked())

    def choice(self) -> RunRequest | None:
        """The choice, or None when the import is chosen with an unusable pattern."""
        if not self.sis.isChecked():
            return RunRequest(RunMethod.API, self.pattern.edit.text().strip())
        pattern = self.pattern.pattern()
        return RunRequest(RunMethod.SIS_IMPORT, pattern) if pattern else None


def method_confirm_dialog(
    parent: QWidget | None, plan: Any, connection: Any, choice: RunRequest | None = None
) -> tuple[ConfirmRunDialog, MethodChoice]:
    """The run confirmation with the method choice above its buttons."""
    dialog = ConfirmRunDialog(parent, plan, connection)
    group = MethodChoice(plan, choice, dialog)
    layout = dialog.layout()
    layout.insertWidget(layout.indexOf(dialog.details) + 1, group)
    dialog.setMinimumWidth(580)
    dialog.body_area = scroll_body(dialog)

    def refresh() -> None:
        ok = group.choice() is not None
        typed = dialog.confirm_edit is None or dialog.confirm_edit.text().strip() == str(
            dialog.total
        )
        dialog.ok_button.setEnabled(ok and typed)

    group.pattern.edit.textChanged.connect(lambda _t: refresh())
    group.sis.toggled.connect(lambda _c: refresh())
    if dialog.confirm_edit is not None:
        dialog.confirm_edit.textChanged.connect(lambda _t: refresh())
    return dialog, group


def confirm_run_with_method(
    parent: QWidget | None, plan: Any, connection: Any, previous: RunRequest | None = None
) -> RunRequest | None:
    """The main window's run confirmation: how to run, or None when cancelled.

    The method is asked only when it is offered (:func:`method_offered`; otherwise the
    run goes by the API, keeping ``previous``'s pattern); ``previous`` (the last choice)
    is preselected.
    """
    if not method_offered(plan, previous):
        pattern = previous.login_sis_pattern if previous is not None else DEFAULT_LOGIN_SIS_PATTERN
        if not confirm_run(parent, plan, connection):
            return None
        return RunRequest(RunMethod.API, pattern)
    dialog, group = method_confirm_dialog(parent, plan, connection, previous)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return group.choice()

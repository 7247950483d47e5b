"""Edit → "Generate logins and passwords…": the options, a live preview, and the plan.

The dialog only plans (:func:`core.kit.fill.plan_fill` changes nothing); the window
applies the accepted plan as one undo step (:mod:`gui.kit_flow`). The preview is the
plan that will be applied, so the passwords shown are the ones the grid gets, unless
names are checked with Canvas on OK: that check runs as a background job and makes
the final plan (its passwords are drawn anew).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.kit.fill import FillOptions, FillPlan, canvas_taken, plan_fill
from core.kit.logins import LOGIN_FIELDS, LOGIN_PATTERNS, LoginStyle, pattern_problem
from core.kit.names import student_name
from core.kit.passwords import MAX_DIGITS, MAX_WORDS, PasswordStyle, password_style_problem
from core.model import CancelToken, Progress, ProgressCallback, Role, Table
from gui.screen_fit import SCREEN_SHARE, plural
from gui.theme_colors import muted_text
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from core.connection import Connection

__all__ = ["PREVIEW_ROWS", "SEPARATORS", "GenerateDialog"]

#: How many of the affected rows the preview shows.
PREVIEW_ROWS = 6
#: The password separators offered: (label, separator).
SEPARATORS: tuple[tuple[str, str], ...] = (
    ("- (dash)", "-"),
    (". (dot)", "."),
    ("_ (underscore)", "_"),
    ("none", ""),
)
WARNING_STYLE = "color: #c62828;"
#: Options settle this long before the preview is planned again (typing in a field).
PREVIEW_DELAY_MS = 150


def _muted(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {muted_text().name()};")
    return label


class GenerateDialog(QDialog):
    """Choose rows and styles; :attr:`plan` is what OK applies (None before a plan)."""

    #: A plan was made for the preview (tests wait for the first one).
    previewed = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        table: Table,
        *,
        selected_rows: Sequence[int] = (),
        connection: Connection | None = None,
        options: FillOptions | None = None,
        avoid_taken: bool = True,
    ) -> None:
        """``options`` are the choices to start from (the ones made last time), with the
        connected Canvas's minimum password length."""
        super().__init__(parent)
        self.setObjectName("GenerateDialog")
        self.setWindowTitle("Generate logins and passwords")
        self.table = table
        self.selected_rows = sorted(set(selected_rows))
        self.connection = connection
        remembered = options or FillOptions()
        self.min_password_length = max(1, remembered.min_password_length)
        self.plan: FillPlan | None = None
        self.job = BackgroundJob(self)
        self.job.progress.connect(self._check_progress)
        self.job.finished.connect(self._checked)
        self.job.failed.connect(self._check_failed)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(10)
        layout.addWidget(self._scope_box())
        layout.addWidget(self._login_box(remembered, avoid_taken))
        layout.addWidget(self._password_box(remembered))
        layout.addWidget(self._replace_box())
        layout.addWidget(self._preview_box(), 1)
        self.status = QLabel(self)
        self.status.setObjectName("GenerateStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Fill the Cells")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._connect_changes()
        self.setMinimumWidth(620)
        room = int(self.screen().availableGeometry().height() * SCREEN_SHARE)
        self.resize(680, min(760, room))
        self.refresh_preview()

    # ----- building ------------------------------------------------------------------
    def _scope_box(self) -> QGroupBox:
        box = QGroupBox("Fill which rows", self)
        row = QHBoxLayout(box)
        count = len(self.selected_rows)
        self.selected_choice = QRadioButton(f"The selected rows ({count})", box)
        self.sheet_choice = QRadioButton(
            f"The whole sheet ({plural(len(self.table.rows), 'row')})", box
        )
        self.scope_group = QButtonGroup(box)
        self.scope_group.addButton(self.selected_choice)
        self.scope_group.addButton(self.sheet_choice)
        self.selected_choice.setEnabled(count > 0)
        (self.selected_choice if count > 1 else self.sheet_choice).setChecked(True)
        row.addWidget(self.selected_choice)
        row.addWidget(self.sheet_choice)
        row.addStretch(1)
        return box

    def _login_box(self, remembered: FillOptions, avoid_taken: bool) -> QGroupBox:
        box = QGroupBox("Login names (New Login)", self)
        box.setCheckable(True)
        box.setChecked(remembered.logins)
        self.login_box = box
        form = QFormLayout(box)
        self.pattern_combo = QComboBox(box)
        self.pattern_combo.setEditable(True)
        self.pattern_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.pattern_combo.addItems(list(LOGIN_PATTERNS))
        self.pattern_combo.setEditText(remembered.login_style.pattern)
        self.pattern_combo.setAccessibleName("Login pattern")
        fields = " ".join("{" + name + "}" for name in LOGIN_FIELDS)
        self.pattern_combo.setToolTip("Pick a pattern or type your own from: " + fields)
        form.addRow("Pattern:", self.pattern_combo)
        affixes = QHBoxLayout()
        self.prefix_edit = QLineEdit(remembered.login_style.prefix, box)
        self.prefix_edit.setAccessibleName("Login prefix")
        self.prefix_edit.setPlaceholderText("none")
        self.suffix_edit = QLineEdit(remembered.login_style.suffix, box)
        self.suffix_edit.setAccessibleName("Login suffix")
        self.suffix_edit.setPlaceholderText("none")
        affixes.addWidget(self.prefix_edit, 1)
        affixes.addWidget(QLabel("after it:", box))
        affixes.addWidget(self.suffix_edit, 1)
        form.addRow("Put before it:", affixes)
        self.pattern_hint = _muted(QLabel(f"Fields you can use: {fields}", box))
        form.addRow(self.pattern_hint)
        self.pattern_error = QLabel(box)
        self.pattern_error.setObjectName("PatternError")
        self.pattern_error.setWordWrap(True)
        self.pattern_error.setStyleSheet(WARNING_STYLE)
        self.pattern_error.hide()
        form.addRow(self.pattern_error)
        connected = self.connection is not None
        self.avoid_taken = QCheckBox(
            "Avoid names already taken in Canvas"
            + ("" if connected else " (connect to Canvas first)"),
            box,
        )
        self.avoid_taken.setEnabled(connected)
        self.avoid_taken.setChecked(connected and avoid_taken)
        self.avoid_taken.setToolTip(
            "Asks Canvas about each new name when you click Fill; a taken name gets a number"
            if connected
            else "Connect to Canvas first (Canvas → Connect…)"
        )
        form.addRow(self.avoid_taken)
        return box

    def _password_box(self, remembered: FillOptions) -> QGroupBox:
        style = remembered.password_style
        box = QGroupBox("Passwords", self)
        box.setCheckable(True)
        box.setChecked(remembered.passwords)
        self.password_box = box
        form = QFormLayout(box)
        line = QHBoxLayout()
        self.words_spin = QSpinBox(box)
        self.words_spin.setRange(1, MAX_WORDS)
        self.words_spin.setValue(min(max(style.words, 1), MAX_WORDS))
        self.words_spin.setAccessibleName("Words in a password")
        self.separator_combo = QComboBox(box)
        for label, separator in SEPARATORS:
            self.separator_combo.addItem(label, separator)
        found = self.separator_combo.findData(style.separator)
        self.separator_combo.setCurrentIndex(max(found, 0))
        self.separator_combo.setAccessibleName("Between the words")
        self.digits_spin = QSpinBox(box)
        self.digits_spin.setRange(0, MAX_DIGITS)
        self.digits_spin.setValue(min(max(style.digits, 0), MAX_DIGITS))
        self.digits_spin.setAccessibleName("Digits in the number")
        line.addWidget(self.words_spin)
        line.addWidget(QLabel("words, joined by", box))
        line.addWidget(self.separator_combo)
        line.addWidget(QLabel("then a number of", box))
        line.addWidget(self.digits_spin)
        line.addWidget(QLabel("digits", box))
        line.addStretch(1)
        form.addRow(line)
        form.addRow(
            _muted(
                QLabel(
                    "Short words a young child can read, digits 2 to 9 only, and at least "
                    f"{self.min_password_length} characters (the minimum this Canvas asks for).",
                    box,
                )
            )
        )
        return box

    def _replace_box(self) -> QWidget:
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.replace_check = QCheckBox("Replace what is already filled", holder)
        self.replace_warning = QLabel(
            "Logins and passwords already in the chosen rows (a teacher's too) will be "
            "replaced by new ones. Undo (Ctrl+Z) puts them back.",
            holder,
        )
        self.replace_warning.setObjectName("ReplaceWarning")
        self.replace_warning.setWordWrap(True)
        self.replace_warning.setStyleSheet(WARNING_STYLE)
        self.replace_warning.hide()
        column.addWidget(self.replace_check)
        column.addWidget(self.replace_warning)
        return holder

    def _preview_box(self) -> QGroupBox:
        box = QGroupBox("Preview", self)
        column = QVBoxLayout(box)
        self.preview = QTableWidget(0, 4, box)
        self.preview.setObjectName("GeneratePreview")
        self.preview.setHorizontalHeaderLabels(["Row", "Student", "New Login", "Password"])
        self.preview.verticalHeader().hide()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.preview.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        row_height = self.fontMetrics().height() + 8
        self.preview.verticalHeader().setDefaultSectionSize(row_height)
        header_height = self.preview.horizontalHeader().sizeHint().height()
        self.preview.setMinimumHeight(header_height + row_height * PREVIEW_ROWS + 4)
        self.summary = QLabel(box)
        self.summary.setObjectName("GenerateSummary")
        self.summary.setWordWrap(True)
        column.addWidget(self.preview, 1)
        column.addWidget(self.summary)
        return box

    def _connect_changes(self) -> None:
        later = self._preview_timer.start
        for toggled in (
            self.scope_group.buttonToggled,
            self.login_box.toggled,
            self.password_box.toggled,
            self.replace_check.toggled,
        ):
            toggled.connect(lambda *_a: self.refresh_preview())
        self.pattern_combo.editTextChanged.connect(lambda _t: later())
        self.prefix_edit.textChanged.connect(lambda _t: later())
        self.suffix_edit.textChanged.connect(lambda _t: later())
        self.words_spin.valueChanged.connect(lambda _v: later())
        self.digits_spin.valueChanged.connect(lambda _v: later())
        self.separator_combo.currentIndexChanged.connect(lambda _i: later())
        self.replace_check.toggled.connect(self.replace_warning.setVisible)

    # ----- what was chosen -------------------------------------------------------------
    def rows(self) -> list[int] | None:
        """The chosen table rows; None for the whole sheet."""
        return list(self.selected_rows) if self.selected_choice.isChecked() else None

    def login_style(self) -> LoginStyle:
        return LoginStyle(
            pattern=self.pattern_combo.currentText().strip(),
            prefix=self.prefix_edit.text().strip(),
            suffix=self.suffix_edit.text().strip(),
        )

    def options(self) -> FillOptions:
        return FillOptions(
            logins=self.login_box.isChecked(),
            login_style=self.login_style(),
            passwords=self.password_box.isChecked(),
            password_style=PasswordStyle(
                words=self.words_spin.value(),
                separator=str(self.separator_combo.currentData()),
                digits=self.digits_spin.value(),
            ),
            replace=self.replace_check.isChecked(),
            min_password_length=self.min_password_length,
        )

    def checks_canvas(self) -> bool:
        return (
            self.connection is not None
            and self.avoid_taken.isEnabled()
            and self.avoid_taken.isChecked()
            and self.login_box.isChecked()
        )

    def problems(self) -> tuple[str | None, str | None]:
        """(what is wrong with the login pattern, with the rest): None when usable."""
        options = self.options()
        login = pattern_problem(options.login_style) if options.logins else None
        if not options.logins and not options.passwords:
            return login, "Choose login names, passwords or both."
        if options.passwords:
            return login, password_style_problem(options.password_style)
        return login, None

    # ----- preview ---------------------------------------------------------------------
    def refresh_preview(self) -> None:
        """Plan again with the current options and show the first affected rows."""
        self._preview_timer.stop()
        login_problem, other_problem = self.problems()
        self.pattern_error.setText(login_problem or "")
        self.pattern_error.setVisible(bool(login_problem))
        self.plan = None
        if not (login_problem or other_problem):
            try:
                self.plan = plan_fill(self.table, self.options(), self.rows())
            except ValueError as exc:  # a choice the checks above did not foresee
                other_problem = str(exc)
        self._show_plan(self.plan)
        self.summary.setStyleSheet(WARNING_STYLE if other_problem else "")
        if other_problem:
            self.summary.setText(other_problem)
        self.ok_button.setEnabled(
            self.plan is not None and bool(self.plan.cells) and not self.job.is_running()
        )
        self.previewed.emit()

    def preview_rows(self) -> list[tuple[str, str, str, str]]:
        """What the preview shows: (row, student, login, password) per line."""
        table = self.preview
        return [
            tuple(  # type: ignore[misc]
                (table.item(r, c).text() if table.item(r, c) else "") for c in range(4)
            )
            for r in range(table.rowCount())
        ]

    def _show_plan(self, plan: FillPlan | None) -> None:
        self.preview.setRowCount(0)
        if plan is None:
            self.summary.setText("")
            return
        filled: dict[int, dict[Role, str]] = {}
        for cell in plan.cells:
            filled.setdefault(cell.row, {})[cell.role] = cell.value
        shown = sorted(filled)[:PREVIEW_ROWS]
        muted = muted_text()
        self.preview.setRowCount(len(shown))
        for line, row in enumerate(shown):
            name = student_name(self.table, row)
            values = [
                str(self.table.rows[row].sheet_row),
                name.display if name else "",
            ]
            kept: list[bool] = [False, False]
            for role in (Role.NEW_LOGIN, Role.PASSWORD):
                new = filled[row].get(role)
                values.append(new if new is not None else self.table.value(row, role))
                kept.append(new is None)
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if kept[col]:
                    item.setForeground(muted)
                    item.setToolTip("Already filled: kept as it is")
                elif col == 2 and row in plan.renamed:
                    item.setToolTip(plan.renamed[row])
                self.preview.setItem(line, col, item)
        summary = plan.summary()
        if plan.cells:
            head, _, rest = summary.partition("; ")
            text = f"To fill: {head.removesuffix(' filled')}" + (f"; {rest}." if rest else ".")
            if len(filled) > len(shown):
                text = f"Showing {len(shown)} of {plural(len(filled), 'row')}. {text}"
        elif plan.skipped:
            text = summary + "."
        else:
            text = (
                "Nothing to fill: the chosen rows already have what was asked for. Tick "
                "“Replace what is already filled” to make new ones."
            )
        self.summary.setText(text)

    # ----- OK ----------------------------------------------------------------------------
    def accept(self) -> None:
        """Check the names with Canvas first when asked; then close with :attr:`plan`."""
        if self.job.is_running():
            return
        if self._preview_timer.isActive():  # a change not previewed yet
            self.refresh_preview()
        if self.plan is None or not self.plan.cells:
            return
        if not self.checks_canvas():
            super().accept()
            return
        assert self.connection is not None
        client = self.connection.client
        options, rows, table = self.options(), self.rows(), self.table

        def check(progress: ProgressCallback, cancel: CancelToken) -> FillPlan:
            taken = canvas_taken(client, cancel=cancel)
            return plan_fill(table, options, rows, taken=taken, progress=progress, cancel=cancel)

        self._set_busy(True)
        self.status.setText("Asking Canvas which names are taken…")
        self.job.start(check)

    def reject(self) -> None:
        if self.job.is_running():
            self.job.cancel()
            self._set_busy(False)
        super().reject()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.login_box, self.password_box, self.replace_check, self.ok_button):
            widget.setEnabled(not busy)
        self.selected_choice.setEnabled(not busy and bool(self.selected_rows))
        self.sheet_choice.setEnabled(not busy)

    def _check_progress(self, progress: Progress) -> None:
        if progress.total:
            self.status.setText(
                f"Asking Canvas which names are taken… {progress.done} of {progress.total}"
            )

    def _checked(self, plan: FillPlan) -> None:
        self._set_busy(False)
        if self.job.is_cancelled() or not self.isVisible():
            return
        self.plan = plan
        self.status.setText("")
        super().accept()

    def _check_failed(self, message: str) -> None:
        self._set_busy(False)
        self.status.setStyleSheet(WARNING_STYLE)
        self.status.setText(
            f"Could not ask Canvas about the names: {message} Untick “Avoid names already "
            "taken in Canvas” to fill without asking."
        )

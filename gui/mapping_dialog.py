"""Choose the columns yourself: when the header row cannot be found or a role is unclear.

Shows the sheet's top rows, which row holds the headers, and a drop-down per role,
pre-filled from the contract's synonyms. The choice can be remembered for workbooks
with the same headers (core.mappings). In a workbook with several sheets, "< Choose
another sheet" goes back to the sheet choice (the columns may be on another sheet).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.model import INPUT_ROLES, STUDENT_ROLES, Role
from core.workbook import detect_columns

ROLE_HELP: dict[Role, str] = {
    Role.CANVAS_USER_ID: "the student's Canvas number",
    Role.SIS_USER_ID: "the student's school (SIS) id",
    Role.CURRENT_LOGIN: "a login the student already has",
    Role.NEW_LOGIN: "the login name to create, change, remove, suspend or reactivate",
    Role.PASSWORD: "the new password",
    Role.LOGIN_SIS_ID: "a SIS id for the new login (rarely used)",
    Role.INTEGRATION_ID: "an integration id for the new login (rarely used)",
    Role.PROVIDER: "how the login signs in (canvas, saml, ...)",
    Role.ACTION: "Create, Update, Delete, Suspend or Reactivate (blank means Create)",
}

NOT_USED = "(not in this sheet)"
#: Rows of the sheet the preview shows without scrolling (headers are often a few rows down).
PREVIEW_ROWS_SHOWN = 6


def column_letter(index: int) -> str:
    """Excel's column name for a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class MappingAnswer(enum.Enum):
    """An answer of the column chooser that is not a choice of columns."""

    #: Go back to the sheet choice: the students are on another sheet.
    ANOTHER_SHEET = "another sheet"


#: The chooser's "< Choose another sheet" answer.
ANOTHER_SHEET = MappingAnswer.ANOTHER_SHEET


@dataclass(frozen=True)
class MappingChoice:
    header_row: int  # 1-based sheet row
    mapping: dict[Role, int]  # role -> 0-based column
    remember: bool
    headers: list[str]


def mapping_problem(mapping: dict[Role, int]) -> str:
    """Why a mapping cannot be used, in words; empty when it can."""
    if not any(role in mapping for role in STUDENT_ROLES):
        return (
            "Choose the column that names the student "
            "(SIS User ID, Canvas User ID or Current Login)."
        )
    if Role.NEW_LOGIN not in mapping:
        return "Choose the column with the login names (New Login)."
    seen: dict[int, Role] = {}
    for role, col in mapping.items():
        if col in seen:
            return (
                f"Column {column_letter(col)} is chosen for both {seen[col].value} and "
                f"{role.value}. Choose one column per role."
            )
        seen[col] = role
    return ""


class MappingDialog(QDialog):
    def __init__(
        self,
        preview: list[list[str]],
        header_row: int = 1,
        preset: dict[Role, int] | None = None,
        message: str = "",
        parent: QWidget | None = None,
        *,
        can_choose_sheet: bool = False,
    ) -> None:
        super().__init__(parent)
        self.another_sheet_chosen = False
        self.setObjectName("MappingDialog")
        self.setWindowTitle("Choose the columns")
        self._preview = preview or [[]]
        self._width = max((len(r) for r in self._preview), default=0)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        intro = QLabel(
            message
            or "Canvas Logins could not tell which columns to use. Pick them below; "
            "the teachers' other columns are left as they are.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        row_line = QHBoxLayout()
        row_label = QLabel("Headers are in row", self)
        self.header_row_spin = QSpinBox(self)
        self.header_row_spin.setRange(1, max(1, len(self._preview)))
        self.header_row_spin.setValue(min(max(1, header_row), max(1, len(self._preview))))
        self.header_row_spin.setAccessibleName("Header row")
        row_label.setBuddy(self.header_row_spin)
        row_line.addWidget(row_label)
        row_line.addWidget(self.header_row_spin)
        row_line.addStretch(1)
        layout.addLayout(row_line)

        self.preview_table = QTableWidget(self)
        self.preview_table.setAccessibleName("Top of the sheet")
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preview_table.setRowCount(len(self._preview))
        self.preview_table.setColumnCount(self._width)
        self.preview_table.setHorizontalHeaderLabels([column_letter(c) for c in range(self._width)])
        for r, cells in enumerate(self._preview):
            for c, text in enumerate(cells):
                self.preview_table.setItem(r, c, QTableWidgetItem(text))
        self.preview_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.preview_table.setMinimumHeight(self._preview_height(PREVIEW_ROWS_SHOWN))
        self.preview_table.setMaximumHeight(self._preview_height(PREVIEW_ROWS_SHOWN + 2))
        layout.addWidget(self.preview_table, 1)

        box = QGroupBox("Which column holds…", self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.combos: dict[Role, QComboBox] = {}
        for role in INPUT_ROLES:
            combo = QComboBox(box)
            combo.setAccessibleName(role.value)
            combo.setToolTip(ROLE_HELP[role])
            combo.setMinimumContentsLength(24)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.currentIndexChanged.connect(self._validate)
            label = QLabel(f"{role.value}:", box)
            label.setToolTip(ROLE_HELP[role])
            label.setBuddy(combo)
            form.addRow(label, combo)
            self.combos[role] = combo
        layout.addWidget(box)

        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setObjectName("MappingProblem")
        layout.addWidget(self.problem)

        self.remember_box = QCheckBox("Remember for workbooks with these headers", self)
        self.remember_box.setChecked(True)
        layout.addWidget(self.remember_box)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use these columns")
        self.sheet_button = None
        if can_choose_sheet:
            self.sheet_button = self.buttons.addButton(
                "< Choose another sheet", QDialogButtonBox.ButtonRole.ResetRole
            )
            self.sheet_button.setToolTip("Go back and open another sheet of this workbook")
            self.sheet_button.clicked.connect(self._choose_another_sheet)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._preset = dict(preset) if preset else None
        self.header_row_spin.valueChanged.connect(self._header_row_changed)
        self._header_row_changed(self.header_row_spin.value())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._show_header_row()

    def _show_header_row(self) -> None:
        """Scroll the preview only as far as needed to show the header row."""
        item = self.preview_table.item(self.header_row_spin.value() - 1, 0)
        if item is not None:
            self.preview_table.scrollToItem(item)

    def _preview_height(self, rows: int) -> int:
        """Height of the sheet preview showing ``rows`` rows (or all, when fewer)."""
        table = self.preview_table
        shown = max(1, min(rows, table.rowCount()))
        return (
            table.verticalHeader().defaultSectionSize() * shown
            + table.horizontalHeader().sizeHint().height()
            + table.horizontalScrollBar().sizeHint().height()
            + 2 * table.frameWidth()
        )

    # ----- state -----------------------------------------------------------------------
    def headers(self) -> list[str]:
        row = self.header_row_spin.value() - 1
        cells = self._preview[row] if 0 <= row < len(self._preview) else []
        return [text.strip() for text in cells] + [""] * (self._width - len(cells))

    def mapping(self) -> dict[Role, int]:
        chosen: dict[Role, int] = {}
        for role, combo in self.combos.items():
            col = combo.currentData()
            if col is not None and col >= 0:
                chosen[role] = int(col)
        return chosen

    def set_column(self, role: Role, column: int | None) -> None:
        combo = self.combos[role]
        combo.setCurrentIndex(max(0, combo.findData(-1 if column is None else column)))

    def choice(self) -> MappingChoice:
        return MappingChoice(
            header_row=self.header_row_spin.value(),
            mapping=self.mapping(),
            remember=self.remember_box.isChecked(),
            headers=self.headers(),
        )

    # ----- behaviour -------------------------------------------------------------------
    def _choose_another_sheet(self) -> None:
        self.another_sheet_chosen = True
        self.reject()

    def _header_row_changed(self, row: int) -> None:
        headers = self.headers()
        guess = self._preset if self._preset is not None else detect_columns(headers)
        self._preset = None  # only for the row it was given with
        for role, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_USED, -1)
            for col, text in enumerate(headers):
                label = f"{column_letter(col)}: {text}" if text else f"{column_letter(col)}"
                combo.addItem(label, col)
            combo.blockSignals(False)
            self.set_column(role, guess.get(role))
        bold = QFont()
        bold.setBold(True)
        for r in range(self.preview_table.rowCount()):
            for c in range(self.preview_table.columnCount()):
                item = self.preview_table.item(r, c)
                if item is not None:
                    item.setFont(bold if r == row - 1 else QFont())
        if self.isVisible():
            self._show_header_row()
        self._validate()

    def _validate(self) -> None:
        problem = mapping_problem(self.mapping())
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)


def ask_mapping(
    parent: QWidget | None,
    preview: list[list[str]],
    header_row: int,
    preset: dict[Role, int] | None,
    message: str,
    *,
    can_choose_sheet: bool = False,
) -> MappingChoice | MappingAnswer | None:
    """Show the dialog; the choice, :data:`ANOTHER_SHEET` when the person wants to go
    back to the sheet choice (offered with ``can_choose_sheet``), or None when cancelled."""
    dialog = MappingDialog(
        preview, header_row, preset, message, parent, can_choose_sheet=can_choose_sheet
    )
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return ANOTHER_SHEET if dialog.another_sheet_chosen else None
    return dialog.choice()

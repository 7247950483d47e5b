"""File → "Export logins.csv…": the file for admins who upload SIS files themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.model import Action, Finding, Table
from core.plan import build_plan
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN, export_logins_csv
from core.sis.method import PASSWORD_NOTE
from gui.screen_fit import fit_height, plural
from gui.sis_widgets import PatternField, note

__all__ = ["ExportSisDialog", "export_logins_csv_dialog"]


class ExportSisDialog(QDialog):
    """Write logins.csv from the Create rows, saying which rows are left out and why."""

    def __init__(
        self,
        parent: QWidget | None,
        table: Table,
        findings: list[Finding],
        default_path: Path,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ExportSisDialog")
        self.setWindowTitle("Export logins.csv for a SIS import")
        self.table = table
        self.findings = findings
        self.result: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.setSpacing(10)
        plan = build_plan(table, findings)
        creates = sum(1 for op in plan.operations if op.action is Action.CREATE)
        self.headline = headline = QLabel(
            f"Write the {plural(creates, 'new login')} of this workbook into logins.csv, for "
            "an administrator to upload in Canvas (Admin → SIS Import).",
            self,
        )
        headline.setWordWrap(True)
        headline.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        font = headline.font()
        font.setBold(True)
        headline.setFont(font)
        layout.addWidget(headline)
        form = QFormLayout()
        self.pattern = PatternField(DEFAULT_LOGIN_SIS_PATTERN, self)
        form.addRow("Login SIS ID pattern:", self.pattern)
        path_row = QHBoxLayout()
        self.path_edit = QLineEdit(str(default_path), self)
        self.path_edit.setAccessibleName("Save logins.csv to")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("Save to:", path_row)
        layout.addLayout(form)
        layout.addWidget(
            note(
                "Cells that start like a spreadsheet formula (= + - @) get a ' in front, so "
                "the file is safe to open in Excel. The file holds the passwords: keep it "
                "private and delete it after the upload. " + PASSWORD_NOTE,
                self,
            )
        )
        self.left_out_label = QLabel("Rows left out:", self)
        self.left_out = QListWidget(self)
        self.left_out.setAccessibleName("Rows left out of the file")
        self.left_out.setMaximumHeight(140)
        self.left_out.setWordWrap(True)
        self.left_out.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.left_out_label)
        layout.addWidget(self.left_out)
        layout.addStretch(1)
        self.left_out_label.hide()
        self.left_out.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.pattern.edit.textChanged.connect(
            lambda _t: self.export_button.setEnabled(self.pattern.pattern() is not None)
        )
        self.setMinimumWidth(600)
        fit_height(self)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save logins.csv", self.path_edit.text(), "CSV files (*.csv)"
        )
        if path:
            self.path_edit.setText(path)

    def export(self) -> Any:
        pattern = self.pattern.pattern()
        if pattern is None:
            return None
        try:
            self.result = export_logins_csv(
                self.table, self.path_edit.text().strip(), pattern=pattern, findings=self.findings
            )
        except OSError as exc:
            self.left_out_label.setText(f"Could not write the file: {exc.strerror or exc}")
            self.left_out_label.show()
            return None
        rows = self.table.rows
        self.left_out.clear()
        for left in self.result.left_out:
            self.left_out.addItem(f"Row {rows[left.row].sheet_row}: {left.message}")
        for row, column in self.result.protected:
            self.left_out.addItem(
                f"Row {rows[row].sheet_row}, {column}: starts like a formula, written with a ' "
                "in front (Canvas gets the ' too; check it)"
            )
        if self.result.left_out:
            after = f"{plural(len(self.result.left_out), 'row')} left out:"
        elif self.result.protected:
            after = "No row was left out; check these cells:"
        else:
            after = "No row was left out."
        self.left_out_label.setText(
            f"Wrote {plural(self.result.written, 'login')} to {self.result.path.name}. " + after
        )
        self.left_out_label.show()
        self.left_out.setVisible(self.left_out.count() > 0)
        fit_height(self)
        return self.result


def export_logins_csv_dialog(
    parent: QWidget | None, table: Table, findings: list[Finding], workbook_path: Path
) -> ExportSisDialog:
    """Show the export for this table, suggesting "<workbook> logins.csv" beside it."""
    path = Path(workbook_path)
    default = path.with_name(f"{path.stem} logins.csv")
    dialog = ExportSisDialog(parent, table, findings, default)
    dialog.exec()
    return dialog

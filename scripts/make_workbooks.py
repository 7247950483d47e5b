"""Regenerate resources/demo.xlsx and resources/template.xlsx from core/demo.py.

Run from the project folder:  .venv/bin/python scripts/make_workbooks.py
The output is byte-for-byte reproducible (fixed timestamps), so the committed files only
change when this script or the demo data changes.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.demo import DEMO_ROOT_ACCOUNT_NAME, DEMO_ROWS, TEMPLATE_HEADERS  # noqa: E402

TITLE = "Second logins for K-3 pupils — fill in one row per student"
SUBTITLE = (
    "Leave Action blank to create a login. Reset changes a password, Remove deletes a "
    "login, Suspend switches one off (Reactivate switches it on again). Please do not "
    "change the header row."
)
STUDENTS_SHEET = "Students"
HELP_SHEET = "How to fill this in"
#: Rows below the header that get the drop-down and text format in a blank template.
TEMPLATE_ROWS = 300
FIXED_TIME = "2025-01-01T00:00:00Z"

WIDTHS = {
    "First Name": 14,
    "Last Name": 16,
    "Class": 24,
    "Teacher": 18,
    "SIS User ID": 14,
    "New Login": 16,
    "Password": 18,
    "Action": 11,
    "Notes": 28,
}
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2F5597")
THIN = Side(style="thin", color="A6A6A6")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

EXAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    (
        "Ava",
        "Kowalski",
        "Kindergarten - Ms. Patel",
        "Ms. Patel",
        "0045510",
        "",
        "",
        "",
        "Login made by the app",
    ),
    (
        "Liam",
        "O'Brien",
        "Kindergarten - Ms. Patel",
        "Ms. Patel",
        "0045511",
        "liam.o",
        "green-frog-42",
        "",
        "",
    ),
    (
        "Isla",
        "Thompson",
        "Grade 4 - Ms. García",
        "Ms. García",
        "0045527",
        "isla.t",
        "new-moon-83",
        "Reset",
        "",
    ),
    (
        "Henry",
        "Davis",
        "Grade 4 - Ms. García",
        "Ms. García",
        "0045526",
        "henry.d",
        "",
        "Remove",
        "Moved up",
    ),
)
INSTRUCTIONS = (
    "How to fill in the Students sheet",
    "",
    "1. One row per student. Keep the header row as it is.",
    "2. SIS User ID: the student number from the school system, leading zeros included.",
    "3. Class: the class as Canvas names it; the login cards are grouped by it.",
    "4. New Login and Password: leave them empty and the office makes them (for example",
    "   ava.k and sunny-apple-7), or fill in your own: at least 8 characters.",
    "5. Action: leave blank (or Create) for a new login, Reset to change a password,",
    "   Remove to delete a login the student no longer needs, Suspend to switch a login",
    "   off for a while (the student cannot sign in with it) and Reactivate to switch it",
    "   on again.",
    "6. Notes and the other columns are yours: Canvas Logins leaves them as they are.",
    "7. After the run, Status, Message, Canvas Login ID and Processed At are filled in.",
    "",
    "Examples:",
)


def _students_sheet(ws: Worksheet, rows: tuple[tuple[str, ...], ...], blank_rows: int) -> None:
    columns = len(TEMPLATE_HEADERS)
    last = get_column_letter(columns)
    ws.title = STUDENTS_SHEET
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14, color="1F3864")
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = SUBTITLE
    ws["A2"].font = Font(italic=True, color="595959")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[2].height = 30
    header_row = 3
    _write_header(ws, header_row)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)

    sis_column = TEMPLATE_HEADERS.index("SIS User ID") + 1
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=header_row + offset, column=column)
            if value:
                cell.value = value
                cell.data_type = "s"
    last_row = header_row + max(len(rows), blank_rows)
    for row in range(header_row + 1, last_row + 1):
        ws.cell(row=row, column=sis_column).number_format = "@"

    action = get_column_letter(TEMPLATE_HEADERS.index("Action") + 1)
    validation = DataValidation(
        type="list",
        formula1='"Create,Update,Delete,Suspend,Reactivate"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Action",
        error=(
            "Use Create, Update, Delete, Suspend or Reactivate (Add, Reset, Change, "
            "Remove, Disable and Enable also work)."
        ),
        promptTitle="Action",
        prompt=(
            "Blank or Create: new login. Update/Reset: new password. Delete/Remove. "
            "Suspend: switch off. Reactivate: switch on again."
        ),
        showInputMessage=True,
    )
    validation.add(f"{action}{header_row + 1}:{action}{last_row}")
    ws.add_data_validation(validation)
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(rows)}"


def _write_header(ws: Worksheet, row: int) -> None:
    for column, name in enumerate(TEMPLATE_HEADERS, start=1):
        cell = ws.cell(row=row, column=column, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = WIDTHS.get(name, 14)
    ws.row_dimensions[row].height = 20


def _help_sheet(ws: Worksheet) -> None:
    ws.title = HELP_SHEET
    ws.column_dimensions["A"].width = 14
    for row, line in enumerate(INSTRUCTIONS, start=1):
        ws.cell(row=row, column=1, value=line or None)
    ws["A1"].font = Font(bold=True, size=13, color="1F3864")
    ws.cell(row=len(INSTRUCTIONS), column=1).font = Font(bold=True)
    header_row = len(INSTRUCTIONS) + 1
    _write_header(ws, header_row)
    for offset, values in enumerate(EXAMPLE_ROWS, start=1):
        for column, value in enumerate(values, start=1):
            if value:
                cell = ws.cell(row=header_row + offset, column=column, value=value)
                cell.data_type = "s"
    ws.column_dimensions["A"].width = 14


def build(demo: bool) -> Workbook:
    book = Workbook()
    rows = DEMO_ROWS if demo else ()
    _students_sheet(book.active, rows, blank_rows=0 if demo else TEMPLATE_ROWS)
    _help_sheet(book.create_sheet(HELP_SHEET))
    book.properties.creator = DEMO_ROOT_ACCOUNT_NAME if demo else "Canvas Logins"
    book.properties.title = "Canvas Logins demo" if demo else "Canvas Logins template"
    book.active = 0
    return book


def reproducible_bytes(book: Workbook) -> bytes:
    """The saved workbook with fixed timestamps, so regenerating changes nothing."""
    raw = io.BytesIO()
    book.save(raw)
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_TIME.encode(),
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return output.getvalue()


def main() -> None:
    resources = ROOT / "resources"
    for name, demo in (("demo.xlsx", True), ("template.xlsx", False)):
        path = resources / name
        path.write_bytes(reproducible_bytes(build(demo)))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

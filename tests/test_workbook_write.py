"""Saving workbooks: only output and edited cells change, text stays text, saves are atomic."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from core.demo import DEMO_ROWS, TEMPLATE_HEADERS
from core.model import OUTPUT_ROLES, Role, RowResult, Status
from core.paths import resource_path
from core.plan import apply_results
from core.workbook import (
    WorkbookError,
    WorkbookLockedError,
    is_locked,
    open_workbook,
    save_workbook,
)

HEADERS = ["Name", "Teacher", "SIS User ID", "New Login", "Password", "Action"]
#: Processed At as the app shows it (local time); saved as an Excel date-time.
PROCESSED_AT = "2026-05-09 10:15:00"


def school_book() -> Workbook:
    """A workbook the way a school office might have dressed it up."""
    book = Workbook()
    ws = book.active
    ws.title = "Class 1"
    ws["A1"] = "Second logins, class 1"
    ws.merge_cells("A1:F1")
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="2F5597")
    ws.append(["Ava", "Ms. Patel", 45510, "ava.k", "sunny-apple-7", ""])
    ws.append(["Liam", "Ms. Patel", 45511, "liam.o", "green-frog-42", "Reset"])
    ws.append(["Total", None, None, None, None, None])
    ws["C3"].number_format = "0000000"
    ws["C4"].number_format = "0000000"
    ws["B5"] = "=COUNTA(A3:A4)"
    ws.column_dimensions["A"].width = 21
    ws.column_dimensions["D"].width = 17.5
    validation = DataValidation(type="list", formula1='"Create,Update,Delete"', allow_blank=True)
    validation.add("F3:F100")
    ws.add_data_validation(validation)
    ws.conditional_formatting.add(
        "E3:E100", CellIsRule(operator="equal", formula=['""'], fill=PatternFill("solid", "FFC7CE"))
    )
    lookup = book.create_sheet("Lookup")
    lookup["A1"] = "Teacher"
    lookup["A2"] = "Ms. Patel"
    lookup["B2"] = "=LEN(A2)"
    book.defined_names["Teachers"] = DefinedName("Teachers", attr_text="Lookup!$A$2:$A$10")
    return book


def save(book: Workbook, path: Path) -> Path:
    book.save(path)
    return path


def fill_results(table, status: str = "Created") -> None:
    for index in range(len(table.rows)):
        table.set_value(index, Role.STATUS, status)
        table.set_value(index, Role.MESSAGE, f"Row {index} done")
        table.set_value(index, Role.CANVAS_LOGIN_ID, str(900 + index))
        table.set_value(index, Role.PROCESSED_AT, PROCESSED_AT)


# ---------------------------------------------------------------- what survives a save


def test_save_keeps_everything_but_the_output_cells(tmp_path):
    path = save(school_book(), tmp_path / "class.xlsx")
    doc = open_workbook(path)
    fill_results(doc.table)
    assert save_workbook(doc) == path

    book = load_workbook(path)
    ws = book["Class 1"]
    assert book.sheetnames == ["Class 1", "Lookup"]
    assert ws["A1"].value == "Second logins, class 1"
    assert [str(rng) for rng in ws.merged_cells.ranges] == ["A1:F1"]
    assert ws["C3"].value == 45510 and ws["C3"].number_format == "0000000"
    assert ws["B5"].value == "=COUNTA(A3:A4)"
    assert book["Lookup"]["B2"].value == "=LEN(A2)"
    assert ws["A2"].font.bold and ws["A2"].fill.fgColor.rgb.endswith("2F5597")
    assert ws.column_dimensions["A"].width == 21
    assert ws.column_dimensions["D"].width == 17.5
    validations = ws.data_validations.dataValidation
    assert [(v.formula1, str(v.sqref)) for v in validations] == [
        ('"Create,Update,Delete"', "F3:F100")
    ]
    assert [str(rng.sqref) for rng in ws.conditional_formatting] == ["E3:E100"]
    assert book.defined_names["Teachers"].attr_text == "Lookup!$A$2:$A$10"

    assert [ws.cell(2, column).value for column in range(7, 11)] == [
        role.value for role in OUTPUT_ROLES
    ]
    assert [ws.cell(3, column).value for column in range(7, 11)] == [
        "Created",
        "Row 0 done",
        900,
        dt.datetime(2026, 5, 9, 10, 15),
    ]
    assert ws["J3"].is_date and ws["J3"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["I3"].data_type == "n" and ws["I3"].number_format == "0"


def test_appended_headers_take_the_header_style_and_a_width(tmp_path):
    path = save(school_book(), tmp_path / "class.xlsx")
    doc = open_workbook(path)
    fill_results(doc.table)
    save_workbook(doc)
    ws = load_workbook(path)["Class 1"]
    for column in "GHIJ":
        cell = ws[f"{column}2"]
        assert cell.font.bold and cell.font.color.rgb.endswith("FFFFFF")
        assert cell.fill.fgColor.rgb.endswith("2F5597")
        assert ws.column_dimensions[column].width >= 12
    assert ws.column_dimensions["H"].width >= 40  # Message


def test_output_columns_appended_once_and_found_again(tmp_path):
    path = save(school_book(), tmp_path / "class.xlsx")
    doc = open_workbook(path)
    fill_results(doc.table, "Failed")
    save_workbook(doc)
    assert doc.table.appended_from is None

    again = open_workbook(path)
    assert again.table.appended_from is None
    assert again.table.headers == [*HEADERS, *(role.value for role in OUTPUT_ROLES)]
    assert again.table.status(0) == "Failed"
    fill_results(again.table, "Created")
    save_workbook(again)
    save_workbook(again)

    third = open_workbook(path)
    assert len(third.table.headers) == len(HEADERS) + len(OUTPUT_ROLES)
    assert [third.table.status(i) for i in range(2)] == ["Created", "Created"]
    assert third.table.value(1, Role.PROCESSED_AT) == PROCESSED_AT


def test_formula_looking_text_stays_text(tmp_path):
    path = save(school_book(), tmp_path / "class.xlsx")
    doc = open_workbook(path)
    risky = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]
    for index, text in enumerate(risky[:2]):
        doc.table.set_value(index, Role.MESSAGE, text)
    doc.table.set_cell(0, doc.table.columns[Role.PASSWORD], risky[2])
    doc.table.set_cell(1, doc.table.columns[Role.PASSWORD], risky[3])
    save_workbook(doc)

    ws = load_workbook(path)["Class 1"]
    for coordinate, text in (
        ("H3", risky[0]),
        ("H4", risky[1]),
        ("E3", risky[2]),
        ("E4", risky[3]),
    ):
        assert ws[coordinate].value == text
        assert ws[coordinate].data_type == "s"
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r'<c r="(H3|H4|E3|E4)"[^>]*><f>', sheet)
    reread = open_workbook(path).table
    assert reread.value(0, Role.MESSAGE) == risky[0]
    assert reread.value(0, Role.PASSWORD) == risky[2]
    assert reread.rows[0].cell_problems == {}


def test_edited_cells_are_written_and_untouched_cells_keep_their_type(tmp_path):
    path = save(school_book(), tmp_path / "class.xlsx")
    doc = open_workbook(path)
    table = doc.table
    table.set_cell(0, table.columns[Role.NEW_LOGIN], "ava.kowalski")
    table.set_cell(1, 0, "Liam O.")
    save_workbook(doc)
    ws = load_workbook(path)["Class 1"]
    assert ws["D3"].value == "ava.kowalski"
    assert ws["A4"].value == "Liam O."
    assert ws["C4"].value == 45511  # read as "0045511", not edited: still a number


def test_cached_formula_values_survive_a_save(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(HEADERS)
    ws.append(["Ava", "Ms. Patel", None, "ava.k", "pw-pw-pw-1", ""])
    ws["C2"] = '=TEXT(45510,"0000000")'
    ws["G1"] = "=1+1"
    path = save(book, tmp_path / "cached.xlsx")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(
        r'<c r="C2"><f>(.*?)</f><v ?/>', r'<c r="C2" t="str"><f>\1</f><v>0045510</v>', sheet
    )
    sheet = re.sub(r'<c r="G1"><f>(.*?)</f><v ?/>', r'<c r="G1"><f>\1</f><v>2</v>', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)

    doc = open_workbook(path)
    assert doc.table.value(0, Role.SIS_USER_ID) == "0045510"
    fill_results(doc.table)
    save_workbook(doc)

    reread = open_workbook(path)
    assert reread.table.value(0, Role.SIS_USER_ID) == "0045510"
    assert reread.table.rows[0].cell_problems == {}
    formulas = load_workbook(path)
    assert formulas.active["C2"].value == '=TEXT(45510,"0000000")'
    values = load_workbook(path, data_only=True)
    assert values.active["C2"].value == "0045510"
    assert values.active["G1"].value == 2


def test_writing_into_a_merged_cell_splits_the_merge_and_keeps_the_shown_values(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(HEADERS)
    ws.append(["Ava", "Ms. Patel", "1", "ava.k", "pw", ""])
    ws.append(["Liam", None, "2", "liam.o", "pw", ""])
    ws.append(["Zoë", None, "3", "zoe.d", "pw", ""])
    ws.merge_cells("B2:B4")
    path = save(book, tmp_path / "merged.xlsx")
    doc = open_workbook(path)
    doc.table.set_cell(1, 1, "Mr. Okafor")
    save_workbook(doc)
    table = open_workbook(path).table
    assert [row.cells[1] for row in table.rows] == ["Ms. Patel", "Mr. Okafor", "Ms. Patel"]


def test_xlsm_keeps_its_macros(tmp_path):
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(["Ava", "Ms. Patel", "1", "ava.k", "pw", ""])
    plain = save(book, tmp_path / "plain.xlsx")
    with zipfile.ZipFile(plain) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    macro_main = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", macro_main
    ).replace(
        '<Default Extension="xml"',
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject" />'
        '<Default Extension="xml"',
    )
    parts["[Content_Types].xml"] = types.encode()
    rels = (
        parts["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
            ' Target="vbaProject.bin" Id="rId99" /></Relationships>',
        )
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    vba = b"VBA project bytes \x00\x01\x02 Sub Hello()"
    parts["xl/vbaProject.bin"] = vba
    path = tmp_path / "macros.xlsm"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)

    doc = open_workbook(path)
    assert doc.kind == "xlsm"
    fill_results(doc.table)
    save_workbook(doc)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
        assert macro_main in archive.read("[Content_Types].xml").decode()
    assert open_workbook(path).table.status(0) == "Created"
    with pytest.raises(WorkbookError, match=r"\.xlsm"):
        save_workbook(doc, tmp_path / "macros.xlsx")


def test_demo_workbook_round_trip_keeps_its_look(tmp_path):
    path = tmp_path / "demo.xlsx"
    path.write_bytes(resource_path("demo.xlsx").read_bytes())
    doc = open_workbook(path)
    fill_results(doc.table, "Ready")
    save_workbook(doc)
    book = load_workbook(path)
    ws = book["Students"]
    assert book.sheetnames == ["Students", "How to fill this in"]
    assert ws.freeze_panes == "A4"
    last_row = 3 + len(DEMO_ROWS)  # the header is on row 3
    assert ws.auto_filter.ref == f"A3:M{last_row}"
    assert ws["J3"].value == "Status" and ws["J3"].font.bold
    assert ws["J3"].fill.fgColor.rgb == ws["I3"].fill.fgColor.rgb
    assert ws["E4"].value == "0045510" and ws["E4"].number_format == "@"
    assert [v.formula1 for v in ws.data_validations.dataValidation] == [
        '"Create,Update,Delete,Suspend,Reactivate"'
    ]
    reread = open_workbook(path).table
    assert reread.headers[len(TEMPLATE_HEADERS) :] == [role.value for role in OUTPUT_ROLES]
    assert {reread.status(i) for i in range(len(reread.rows))} == {"Ready"}


# ---------------------------------------------------------------- locks and atomic saves


@pytest.mark.parametrize("lock_name", ["~$class.xlsx", ".~lock.class.xlsx#"])
def test_locked_workbook_is_not_touched(tmp_path, lock_name):
    path = save(school_book(), tmp_path / "class.xlsx")
    before = path.read_bytes()
    doc = open_workbook(path)
    fill_results(doc.table)
    (tmp_path / lock_name).write_bytes(b"owner")
    assert is_locked(path)
    with pytest.raises(WorkbookLockedError) as caught:
        save_workbook(doc)
    assert "open in another program" in caught.value.message
    assert lock_name in caught.value.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["class.xlsx", lock_name])

    elsewhere = save_workbook(doc, tmp_path / "class results.xlsx")
    assert open_workbook(elsewhere).table.status(0) == "Created"
    (tmp_path / lock_name).unlink()
    assert not is_locked(path)


def test_failed_replace_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch):
    path = save(school_book(), tmp_path / "class.xlsx")
    before = path.read_bytes()
    doc = open_workbook(path)
    fill_results(doc.table)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WorkbookLockedError, match="open in another program"):
        save_workbook(doc)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["class.xlsx"]
    save_workbook(doc)  # the same document saves once the file is free
    assert open_workbook(path).table.status(1) == "Created"


def test_save_into_a_missing_folder_is_a_plain_error(tmp_path):
    doc = open_workbook(save(school_book(), tmp_path / "class.xlsx"))
    with pytest.raises(WorkbookError, match="There is no folder") as caught:
        save_workbook(doc, tmp_path / "no such folder" / "class.xlsx")
    assert not isinstance(caught.value, WorkbookLockedError)  # not "close it in Excel"


def test_save_keeps_the_file_permissions(tmp_path):
    path = save(school_book(), tmp_path / "class.xlsx")
    path.chmod(0o664)
    doc = open_workbook(path)
    fill_results(doc.table)
    save_workbook(doc)
    assert path.stat().st_mode & 0o777 == 0o664


# ---------------------------------------------------------------- CSV


def test_csv_keeps_encoding_delimiter_line_endings_and_untouched_lines(tmp_path):
    original = (
        '"Class list";"";"";""\r\n'
        '"Name";"SIS User ID";"New Login";"Notes"\r\n'
        '"Zoë";"0045512";"zoe.d";"keep ""quotes"" here"\r\n'
        ";;;\r\n"
        '"José";"0045515";"jose.a";""\r\n'
    )
    path = tmp_path / "pupils.csv"
    path.write_bytes(original.encode("cp1252"))
    doc = open_workbook(path)
    table = doc.table
    assert table.header_row == 2
    table.set_value(0, Role.STATUS, "Created")
    table.set_value(0, Role.MESSAGE, "=not a formula; has the delimiter")
    table.set_value(0, Role.PROCESSED_AT, PROCESSED_AT)
    save_workbook(doc)

    data = path.read_bytes()
    text = data.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0] == '"Class list";"";"";""'
    assert (
        lines[1] == "Name;SIS User ID;New Login;Notes;Status;Message;Canvas Login ID;Processed At"
    )
    assert lines[2] == (  # the written Message cannot start a formula in a spreadsheet
        'Zoë;0045512;zoe.d;"keep ""quotes"" here";Created;'
        f'"\'=not a formula; has the delimiter";;{PROCESSED_AT}'
    )
    assert lines[3:] == [";;;", '"José";"0045515";"jose.a";""', ""]
    assert "\n" not in text.replace("\r\n", "")

    reread = open_workbook(path).table
    assert reread.value(0, Role.MESSAGE) == "'=not a formula; has the delimiter"
    assert len(reread.headers) == 8
    save_workbook(open_workbook(path))
    assert path.read_bytes() == data


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8-sig", b"\xef\xbb\xbf")])
def test_csv_utf8_with_and_without_bom_round_trip(tmp_path, encoding, bom):
    path = tmp_path / "pupils.csv"
    path.write_bytes("Name,SIS User ID,New Login\nYuki 田中,0045523,yuki.t\n".encode(encoding))
    doc = open_workbook(path)
    doc.table.set_value(0, Role.STATUS, "Invalid")
    save_workbook(doc)
    data = path.read_bytes()
    assert data.startswith(bom)
    assert data[len(bom) :].decode("utf-8") == (
        "Name,SIS User ID,New Login,Status\nYuki 田中,0045523,yuki.t,Invalid\n"
    )


def test_output_columns_reach_the_file_only_when_they_hold_something(tmp_path):
    """Generating logins before any run adds New Login and Password, not four empty
    Status... columns; a later save with results adds those after them."""
    path = tmp_path / "class.xlsx"
    book = Workbook()
    book.active.append(["First Name", "Last Name", "SIS User ID", "Notes"])
    book.active.append(["Ava", "Kowalski", "0045510", "keep"])
    book.save(path)
    doc = open_workbook(path)
    table = doc.table
    table.set_cell(0, table.ensure_column(Role.NEW_LOGIN), "ava.k")
    table.set_cell(0, table.ensure_column(Role.PASSWORD), "sunny-apple-7")
    save_workbook(doc)
    header = [cell.value for cell in load_workbook(path).active[1]]
    assert header == ["First Name", "Last Name", "SIS User ID", "Notes", "New Login", "Password"]

    doc = open_workbook(path)
    doc.table.set_value(0, Role.STATUS, "Created")
    doc.table.set_value(0, Role.PROCESSED_AT, "2026-11-30T09:00:00")
    save_workbook(doc)
    header = [cell.value for cell in load_workbook(path).active[1]]
    assert header[4:] == ["New Login", "Password", *(role.value for role in OUTPUT_ROLES)]


def test_csv_that_no_longer_fits_cp1252_is_saved_as_utf8_with_bom(tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_bytes("Name,SIS User ID,New Login\nZoë,1,zoe.d\n".encode("cp1252"))
    doc = open_workbook(path)
    doc.table.set_cell(0, 0, "Zoë 田中")
    save_workbook(doc)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert open_workbook(path).table.rows[0].cells[0] == "Zoë 田中"


def test_is_locked_knows_excel_and_libreoffice_owner_files(tmp_path):
    path = tmp_path / "Students 2026.xlsx"
    path.write_bytes(b"")
    assert not is_locked(path)
    for owner in ("~$Students 2026.xlsx", "~$udents 2026.xlsx", ".~lock.Students 2026.xlsx#"):
        (tmp_path / owner).write_bytes(b"")
        assert is_locked(path)
        (tmp_path / owner).unlink()
    assert not is_locked(path)


# ---------------------------------------------------------------- typed output cells


def test_processed_at_is_a_date_time_and_the_login_id_a_number_reading_back_the_same(
    tmp_path,
):
    path = save(school_book(), tmp_path / "class.xlsx")
    doc = open_workbook(path)
    table = doc.table
    stamp = "2026-05-09T10:15:00+02:00"
    apply_results(
        table,
        [
            RowResult(0, Status.CREATED, "Login 'ava.k' created.", "123456789012345", stamp),
            RowResult(1, Status.FAILED, "Nope.", "", stamp),
        ],
    )
    local = dt.datetime.fromisoformat(stamp).astimezone().replace(tzinfo=None)
    assert table.value(0, Role.PROCESSED_AT) == local.strftime("%Y-%m-%d %H:%M:%S")
    shown = [list(row.cells) for row in table.rows]
    save_workbook(doc)

    ws = load_workbook(path)["Class 1"]
    login_id, processed = ws["I3"], ws["J3"]
    assert login_id.value == 123456789012345 and login_id.number_format == "0"
    assert processed.value == local and processed.number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["I4"].value is None and ws["J4"].value == local
    assert [list(row.cells) for row in open_workbook(path).table.rows] == shown


def test_processed_at_of_exactly_midnight_reads_back_with_its_time(tmp_path):
    path = save(school_book(), tmp_path / "class.xlsx")
    doc = open_workbook(path)
    apply_results(doc.table, [RowResult(0, Status.CREATED, "Made.", "7", "2026-05-09T00:00:00")])
    assert doc.table.value(0, Role.PROCESSED_AT) == "2026-05-09 00:00:00"
    save_workbook(doc)
    assert open_workbook(path).table.value(0, Role.PROCESSED_AT) == "2026-05-09 00:00:00"


def test_output_text_that_is_no_date_or_number_stays_text_and_a_date_format_is_kept(tmp_path):
    path = tmp_path / "class.xlsx"
    book = Workbook()
    ws = book.active
    ws.append(["SIS User ID", "New Login", "Canvas Login ID", "Processed At"])
    ws.append(["0045510", "ava.k", None, None])
    ws.append(["0045511", "liam.o", None, None])
    ws.append(["0045512", "zoe.d", None, None])
    ws["D2"].number_format = "dd/mm/yyyy hh:mm"
    book.save(path)
    doc = open_workbook(path)
    table = doc.table
    for row, (login_id, when) in enumerate(
        [("42", "2026-11-30 09:00:00"), ("0042", "soon"), ("1234567890123456", "")]
    ):
        table.set_value(row, Role.CANVAS_LOGIN_ID, login_id)
        table.set_value(row, Role.PROCESSED_AT, when)
    save_workbook(doc)
    ws = load_workbook(path).active
    assert ws["C2"].value == 42 and ws["D2"].value == dt.datetime(2026, 11, 30, 9, 0)
    assert ws["D2"].number_format == "dd/mm/yyyy hh:mm"  # the teacher's date format
    assert (ws["C3"].value, ws["C3"].data_type) == ("0042", "s")
    assert (ws["D3"].value, ws["D3"].data_type) == ("soon", "s")
    assert (ws["C4"].value, ws["C4"].data_type) == ("1234567890123456", "s")
    reread = open_workbook(path).table
    assert [reread.value(r, Role.CANVAS_LOGIN_ID) for r in range(3)] == [
        "42",
        "0042",
        "1234567890123456",
    ]
    assert [reread.value(r, Role.PROCESSED_AT) for r in range(3)] == [
        "2026-11-30 09:00:00",
        "soon",
        "",
    ]


def test_a_csv_keeps_processed_at_and_the_login_id_as_text(tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_text("SIS User ID,New Login\n0045510,ava.k\n", encoding="utf-8")
    doc = open_workbook(path)
    apply_results(doc.table, [RowResult(0, Status.CREATED, "Made.", "907", PROCESSED_AT)])
    save_workbook(doc)
    assert path.read_text(encoding="utf-8").splitlines()[1] == (
        f"0045510,ava.k,Created,Made.,907,{PROCESSED_AT}"
    )
    assert open_workbook(path).table.value(0, Role.PROCESSED_AT) == PROCESSED_AT


def test_a_checked_row_is_saved_as_ready_and_a_later_run_still_reaches_the_file(tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_text("SIS User ID,New Login\n0045522,chloe.b\n0045523,yuki.t\n", encoding="utf-8")
    doc = open_workbook(path)
    checked = [
        RowResult(0, Status.ALREADY_EXISTS, "The student already has it.", "31", from_check=True),
        RowResult(1, Status.WOULD_FAIL, "Taken.", from_check=True),
    ]
    apply_results(doc.table, checked)
    assert doc.table.status(0) == "Already exists"  # the app shows what the check found
    save_workbook(doc)
    assert path.read_text(encoding="utf-8").splitlines()[1:] == [
        "0045522,chloe.b,Ready,The student already has it.",
        "0045523,yuki.t,Would fail,Taken.",
    ]
    apply_results(doc.table, [RowResult(0, Status.ALREADY_EXISTS, "Has it.", "31", PROCESSED_AT)])
    save_workbook(doc)
    assert path.read_text(encoding="utf-8").splitlines()[1] == (
        f"0045522,chloe.b,Already exists,Has it.,31,{PROCESSED_AT}"
    )


def test_csv_cells_the_app_writes_cannot_start_a_formula_but_values_for_canvas_stay_exact(
    tmp_path,
):
    """A Message or a name the app writes gets OWASP's leading ', so a spreadsheet shows it
    and never runs it; ids, logins and passwords are written exactly as they go to Canvas
    (a changed character would change what the next run sends) and read back the same."""
    path = tmp_path / "pupils.csv"
    path.write_text(
        "Name,SIS User ID,New Login,Password,Notes\n"
        "Ava,0045510,ava.k,-sunny-apple-7,=1+1\n"
        "Liam,0045511,liam.o,pw-pw-pw-1,\n",
        encoding="utf-8",
    )
    doc = open_workbook(path)
    table = doc.table
    table.set_value(0, Role.STATUS, "Failed")
    table.set_value(0, Role.MESSAGE, '=HYPERLINK("http://evil","Click")')
    table.set_value(1, Role.MESSAGE, "-2 logins left")
    table.set_cell(1, 0, "@Liam")
    table.set_cell(1, table.columns[Role.PASSWORD], "+Tiger-7-tiger")
    table.set_cell(1, 4, "\tnote")
    save_workbook(doc)

    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == (  # the teacher's own cells in a written line are left as they were
        'Ava,0045510,ava.k,-sunny-apple-7,=1+1,Failed,"\'=HYPERLINK(""http://evil"",""Click"")"'
    )
    assert lines[2] == "'@Liam,0045511,liam.o,+Tiger-7-tiger,'\tnote,,'-2 logins left"
    reread = open_workbook(path).table
    assert reread.value(1, Role.PASSWORD) == "+Tiger-7-tiger"
    assert reread.value(0, Role.PASSWORD) == "-sunny-apple-7"
    assert reread.value(1, Role.MESSAGE) == "'-2 logins left"

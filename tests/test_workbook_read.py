"""Reading workbooks: header detection, values as text, formulas, merges, CSV, errors."""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.demo import DEMO_ROWS, TEMPLATE_HEADERS
from core.model import OUTPUT_ROLES, Role
from core.paths import resource_path
from core.workbook import (
    NO_CACHED_VALUE,
    HeaderNotFoundError,
    WorkbookError,
    detect_columns,
    open_workbook,
    preview_rows,
    sheet_names,
)

HEADERS = ["Name", "Teacher", "SIS User ID", "New Login", "Password", "Action"]


def save(book: Workbook, path: Path) -> Path:
    book.save(path)
    return path


def simple_book(rows: list[list[object]], headers: list[str] = HEADERS) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "Students"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    return book


def with_cached_values(path: Path, sheet_part: str, values: dict[str, tuple[str, str]]) -> None:
    """Give formula cells the results Excel would have saved (openpyxl saves none).

    ``values`` maps a coordinate to (``t`` attribute or "", text of ``<v>``).
    """
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    xml = parts[sheet_part].decode()
    for coordinate, (cell_type, text) in values.items():
        pattern = re.compile(rf'<c r="{coordinate}"([^>]*)>(<f>.*?</f>)<v ?/>')
        type_attr = f' t="{cell_type}"' if cell_type else ""
        xml, count = pattern.subn(
            lambda m, c=coordinate, t=type_attr, v=text: (
                f'<c r="{c}"{m.group(1)}{t}>{m.group(2)}<v>{v}</v>'
            ),
            xml,
        )
        assert count == 1, coordinate
    parts[sheet_part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)


# ---------------------------------------------------------------- header row and columns


def test_header_synonyms_below_a_merged_title_row(tmp_path):
    book = Workbook()
    ws = book.active
    ws["A1"] = "Second logins for K-3 — New Login and SIS User ID please"
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(
        ["Student Number", "existing_login_id", "New Username", "New Password", "auth provider"]
    )
    ws.append(["0045510", "ava@school.example", "ava.k", "sunny-apple-7", "7"])
    doc = open_workbook(save(book, tmp_path / "title.xlsx"))
    table = doc.table
    assert table.header_row == 3
    assert table.columns[Role.SIS_USER_ID] == 0
    assert table.columns[Role.CURRENT_LOGIN] == 1
    assert table.columns[Role.NEW_LOGIN] == 2
    assert table.columns[Role.PASSWORD] == 3
    assert table.columns[Role.PROVIDER] == 4
    assert [row.sheet_row for row in table.rows] == [4]
    assert table.value(0, Role.NEW_LOGIN) == "ava.k"


def test_detect_columns_ignores_case_spaces_and_punctuation():
    columns = detect_columns(["  canvas_user_id ", "NEW-LOGIN", "login.sis.id", "Notes", "action"])
    assert columns == {
        Role.CANVAS_USER_ID: 0,
        Role.NEW_LOGIN: 1,
        Role.LOGIN_SIS_ID: 2,
        Role.ACTION: 4,
    }


def test_header_not_found_names_seen_and_expected_headers(tmp_path):
    book = simple_book([["Ava", "x"]], headers=["Kid", "Student Code", "Sign-on"])
    with pytest.raises(HeaderNotFoundError) as caught:
        open_workbook(save(book, tmp_path / "nohead.xlsx"))
    error = caught.value
    assert error.seen == ["Kid", "Student Code", "Sign-on"]
    assert error.row == 1
    assert len(error.missing) == 2
    assert "SIS User ID" in error.missing[0] and "New Login" in error.missing[1]
    assert "Kid, Student Code, Sign-on" in error.message
    assert "New Login" in error.message and "Traceback" not in error.message


def test_header_not_found_picks_the_most_promising_row(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["Class list"])
    ws.append(["Kid", "SIS ID", "Sign-on"])
    with pytest.raises(HeaderNotFoundError) as caught:
        open_workbook(save(book, tmp_path / "half.xlsx"))
    assert caught.value.row == 2
    assert caught.value.seen == ["Kid", "SIS ID", "Sign-on"]
    assert caught.value.missing == [caught.value.missing[0]]
    assert "login column" in caught.value.missing[0]


def test_a_class_list_of_names_opens_without_student_or_login_columns(tmp_path):
    """The generator adds the login columns and Find students in Canvas the ids."""
    book = Workbook()
    ws = book.active
    ws.append(["Class list for Room 4"])
    ws.append(["First Name", "Last Name", "Homeroom"])
    ws.append(["Zoë", "Dubois", "K Patel"])
    ws.append(["Ava", "Kowalski", "K Patel"])
    doc = open_workbook(save(book, tmp_path / "names.xlsx"))
    table = doc.table
    assert table.header_row == 2
    assert [table.value(r, Role.FIRST_NAME) for r in range(2)] == ["Zoë", "Ava"]
    assert table.value(0, Role.CLASS) == "K Patel"
    assert table.column(Role.NEW_LOGIN) is None and table.column(Role.SIS_USER_ID) is None


def test_header_row_and_mapping_override_detection(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["Pupil", "Code", "Username", "Secret"])
    ws.append(["Ava", 45510, "ava.k", "sunny-apple-7"])
    path = save(book, tmp_path / "mapped.xlsx")
    mapping = {Role.SIS_USER_ID: 1, Role.NEW_LOGIN: 2, Role.PASSWORD: 3}
    doc = open_workbook(path, header_row=1, mapping=mapping)
    table = doc.table
    assert {role: table.columns[role] for role in mapping} == mapping
    assert table.value(0, Role.SIS_USER_ID) == "45510"
    assert table.value(0, Role.PASSWORD) == "sunny-apple-7"
    assert [table.headers[table.columns[role]] for role in OUTPUT_ROLES] == [
        role.value for role in OUTPUT_ROLES
    ]


def test_two_columns_for_one_role_keep_the_first_and_are_reported(tmp_path):
    book = simple_book([["0045510", "S-1", "ava.k"]], headers=["SIS ID", "Student ID", "New Login"])
    doc = open_workbook(save(book, tmp_path / "twice.xlsx"))
    assert doc.table.columns[Role.SIS_USER_ID] == 0
    assert doc.ambiguous == {Role.SIS_USER_ID: [0, 1]}


def test_output_columns_found_by_header_or_appended_after_the_last_used_column(tmp_path):
    book = simple_book(
        [["Ava", "Ms. Patel", "0045510", "ava.k", "pw-pw-pw-1", "", "Created"]],
        headers=[*HEADERS, "status"],
    )
    table = open_workbook(save(book, tmp_path / "outputs.xlsx")).table
    assert table.columns[Role.STATUS] == 6
    assert table.status(0) == "Created"
    assert table.appended_from == 7
    assert table.headers[7:] == ["Message", "Canvas Login ID", "Processed At"]
    assert all(len(row.cells) == len(table.headers) for row in table.rows)


def test_data_beyond_the_last_header_is_kept_and_outputs_go_after_it(tmp_path):
    book = simple_book([["Ava", "Ms. Patel", "1", "ava.k", "pw", "", "lunch: early"]])
    table = open_workbook(save(book, tmp_path / "extra.xlsx")).table
    assert table.headers[6] == ""
    assert table.rows[0].cells[6] == "lunch: early"
    assert table.appended_from == 7


def test_empty_header_row_given_by_hand(tmp_path):
    book = simple_book([["Ava", "Ms. Patel", "1", "ava.k", "pw", ""]])
    with pytest.raises(HeaderNotFoundError, match="Row 5 of sheet 'Students' is empty"):
        open_workbook(save(book, tmp_path / "h.xlsx"), header_row=5)


# ---------------------------------------------------------------- values as text


def test_ids_stored_as_numbers_come_back_as_digits(tmp_path):
    book = simple_book(
        [
            ["Ava", "Ms. Patel", 2031001, "ava.k", "pw", "Create"],
            ["Liam", "Ms. Patel", 2031002.0, "liam.o", 1234, "Add"],
            ["Zoë", "Ms. Patel", 45512, "  zoe.d ", "pw", " Reset "],
        ],
        headers=[*HEADERS, "Born", "Photo OK", "Score"],
    )
    ws = book.active
    ws["C4"].number_format = "0000000"
    ws["G2"] = dt.datetime(2019, 3, 4)
    ws["G2"].number_format = "yyyy-mm-dd"  # a date, as a teacher formats one
    ws["G3"] = dt.datetime(2019, 3, 4, 8, 30)
    ws["H2"] = True
    ws["H3"] = False
    ws["I2"] = 7.25
    ws["A4"] = "  Zoë  "
    table = open_workbook(save(book, tmp_path / "numbers.xlsx")).table
    assert [table.value(i, Role.SIS_USER_ID) for i in range(3)] == [
        "2031001",
        "2031002",
        "0045512",
    ]
    assert table.value(1, Role.PASSWORD) == "1234"
    assert table.value(2, Role.NEW_LOGIN) == "zoe.d"
    assert table.value(2, Role.ACTION) == "Reset"
    assert table.rows[2].cells[0] == "  Zoë  "  # teachers' columns as they are
    assert table.rows[0].cells[6:9] == ["2019-03-04", "TRUE", "7.25"]
    assert table.rows[1].cells[6:9] == ["2019-03-04 08:30:00", "FALSE", ""]


def test_formula_without_saved_value_is_a_cell_problem(tmp_path):
    book = simple_book([["Ava", "Ms. Patel", None, "ava.k", "pw", ""]])
    book.active["C2"] = '=TEXT(45510,"0000000")'
    table = open_workbook(save(book, tmp_path / "formula.xlsx")).table
    column = table.columns[Role.SIS_USER_ID]
    assert table.rows[0].cells[column] == ""
    assert table.rows[0].cell_problems == {column: NO_CACHED_VALUE}
    assert "open and save the file in Excel first" in NO_CACHED_VALUE


def test_formula_counts_by_its_saved_value(tmp_path):
    book = simple_book([["Ava", "Ms. Patel", None, None, "pw", ""]], headers=[*HEADERS, "Count"])
    ws = book.active
    ws["C2"] = '=TEXT(45510,"0000000")'
    ws["D2"] = '=LOWER("AVA.K")'
    ws["G2"] = "=1+1"
    path = save(book, tmp_path / "cached.xlsx")
    with_cached_values(
        path,
        "xl/worksheets/sheet1.xml",
        {"C2": ("str", "0045510"), "D2": ("str", "ava.k"), "G2": ("", "2")},
    )
    row = open_workbook(path).table.rows[0]
    assert row.cells[2:4] == ["0045510", "ava.k"]
    assert row.cells[6] == "2"
    assert row.cell_problems == {}


def test_saved_dates_and_empty_text_results(tmp_path):
    book = simple_book([["Ava", "Ms. Patel", "1", "ava.k", "pw", None]], headers=[*HEADERS, "Born"])
    ws = book.active
    ws["F2"] = '=IF(A2="","Delete","")'
    ws["G2"] = "=DATE(2019,3,4)"
    ws["G2"].number_format = "yyyy-mm-dd"
    path = save(book, tmp_path / "dates.xlsx")
    with_cached_values(path, "xl/worksheets/sheet1.xml", {"F2": ("str", ""), "G2": ("", "43528")})
    row = open_workbook(path).table.rows[0]
    assert row.cells[5:7] == ["", "2019-03-04"]
    assert row.cell_problems == {}


def test_error_value_is_a_cell_problem(tmp_path):
    book = simple_book([["Ava", "Ms. Patel", None, "ava.k", "pw", ""]])
    book.active["C2"] = "=VLOOKUP(1,Z1:Z2,1,FALSE)"
    path = save(book, tmp_path / "error.xlsx")
    with_cached_values(path, "xl/worksheets/sheet1.xml", {"C2": ("e", "#N/A")})
    row = open_workbook(path).table.rows[0]
    assert row.cells[2] == "#N/A"
    assert "#N/A" in row.cell_problems[2]


def test_blank_rows_skipped_and_merged_teacher_reads_in_every_row(tmp_path):
    book = simple_book(
        [
            ["Ava", "Ms. Patel", "0045510", "ava.k", "pw-1", ""],
            ["Liam", None, "0045511", "liam.o", "pw-2", ""],
            [None, None, None, None, None, None],
            ["Zoë", None, "0045512", "zoe.d", "pw-3", ""],
            ["   ", None, None, None, None, None],
            ["Noah", "Mr. Okafor", "0045513", "noah.n", "pw-4", ""],
        ]
    )
    book.active.merge_cells("B2:B5")
    table = open_workbook(save(book, tmp_path / "merged.xlsx")).table
    assert [row.sheet_row for row in table.rows] == [2, 3, 5, 7]
    assert [row.cells[1] for row in table.rows] == [
        "Ms. Patel",
        "Ms. Patel",
        "Ms. Patel",
        "Mr. Okafor",
    ]


def test_unicode_names_survive(tmp_path):
    names = ["Zoë Dubois", "José Álvarez", "Chloé Bernard", "Yuki 田中", "Amara Okeke 🙂"]
    book = simple_book(
        [[name, "Ms. García", f"00455{i}", f"u{i}", "pw", ""] for i, name in enumerate(names)]
    )
    table = open_workbook(save(book, tmp_path / "unicode ünï.xlsx")).table
    assert [row.cells[0] for row in table.rows] == names
    assert table.rows[0].cells[1] == "Ms. García"


# ---------------------------------------------------------------- sheets and preview


def test_first_visible_sheet_is_the_default_and_hidden_sheets_are_not_listed(tmp_path):
    book = simple_book([["Ava", "Ms. Patel", "1", "ava.k", "pw", ""]])
    book.active.title = "Lookup"
    book.active.sheet_state = "hidden"
    second = book.create_sheet("Class 2B")
    second.append(HEADERS)
    second.append(["Liam", "Mr. Okafor", "2", "liam.o", "pw", ""])
    path = save(book, tmp_path / "sheets.xlsx")
    assert sheet_names(path) == ["Class 2B"]
    doc = open_workbook(path)
    assert doc.sheet == "Class 2B" and doc.sheets == ["Class 2B"]
    assert open_workbook(path, "Lookup").table.value(0, Role.NEW_LOGIN) == "ava.k"
    with pytest.raises(WorkbookError, match="no sheet named 'Nope'"):
        open_workbook(path, "Nope")


def test_preview_rows_keeps_blank_rows_so_positions_are_sheet_rows(tmp_path):
    book = Workbook()
    ws = book.active
    ws["A1"] = "Title"
    ws.append([])
    ws.append(["Pupil", "Code"])
    ws.append(["Ava", 45510])
    ws["B4"].number_format = "0000000"
    rows = preview_rows(save(book, tmp_path / "preview.xlsx"), limit=4)
    assert rows == [["Title", ""], ["", ""], ["Pupil", "Code"], ["Ava", "0045510"]]


# ---------------------------------------------------------------- CSV


def _csv(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("cp1252", b"")],
)
def test_csv_encodings(tmp_path, encoding, prefix):
    text = "First Name,SIS User ID,New Login\r\nZoë,0045512,zoe.d\r\nJosé,0045515,jose.a\r\n"
    path = _csv(tmp_path, "pupils.csv", prefix + text.encode(encoding))
    doc = open_workbook(path)
    assert doc.kind == "csv" and doc.sheet == "pupils" and doc.sheets == ["pupils"]
    assert [row.cells[:3] for row in doc.table.rows] == [
        ["Zoë", "0045512", "zoe.d"],
        ["José", "0045515", "jose.a"],
    ]
    assert sheet_names(path) == ["pupils"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_semicolon_and_tab(tmp_path, delimiter):
    lines = [
        ["Second logins", "", ""],
        ["Name", "Student ID", "Second Login"],
        ["Lucas, Martin", "0045519", "lucas.m"],
        ["", "", ""],
        ["Amara", "0045520", "amara.o"],
    ]
    text = "\n".join(delimiter.join(line) for line in lines) + "\n"
    doc = open_workbook(_csv(tmp_path, "list.csv", text.encode("utf-8")))
    table = doc.table
    assert table.header_row == 2
    assert [row.sheet_row for row in table.rows] == [3, 5]
    assert table.rows[0].cells[0] == "Lucas, Martin"
    assert table.value(1, Role.SIS_USER_ID) == "0045520"


# ---------------------------------------------------------------- unreadable files


def test_missing_file(tmp_path):
    with pytest.raises(WorkbookError, match="was not found"):
        open_workbook(tmp_path / "gone.xlsx")


def test_corrupt_xlsx(tmp_path):
    path = _csv(tmp_path, "broken.xlsx", b"this is not a zip file at all")
    with pytest.raises(WorkbookError) as caught:
        open_workbook(path)
    assert "could not be read as an Excel workbook" in caught.value.message
    with pytest.raises(WorkbookError):
        sheet_names(path)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "hello")
    with pytest.raises(WorkbookError, match="could not be read as an Excel workbook"):
        open_workbook(path)


def test_password_protected_and_old_xls(tmp_path):
    magic = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    encrypted = _csv(
        tmp_path, "secret.xlsx", magic + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(WorkbookError, match="protected with a password"):
        open_workbook(encrypted)
    renamed = _csv(tmp_path, "old.xlsx", magic + b"\0" * 100)
    with pytest.raises(WorkbookError, match=r"older Excel file \(\.xls\)"):
        open_workbook(renamed)


@pytest.mark.parametrize(
    ("name", "words"), [("pupils.xls", "older Excel format"), ("pupils.ods", "not a file")]
)
def test_unknown_extension(tmp_path, name, words):
    path = _csv(tmp_path, name, b"whatever")
    with pytest.raises(WorkbookError, match=words):
        open_workbook(path)


# ---------------------------------------------------------------- the shipped workbooks


def test_demo_workbook_opens_with_the_expected_columns_and_rows():
    doc = open_workbook(resource_path("demo.xlsx"))
    table = doc.table
    assert doc.sheets == ["Students", "How to fill this in"]
    assert table.headers[: len(TEMPLATE_HEADERS)] == list(TEMPLATE_HEADERS)
    assert table.headers[len(TEMPLATE_HEADERS) :] == [role.value for role in OUTPUT_ROLES]
    assert len(table.rows) == len(DEMO_ROWS)
    assert [tuple(row.cells[: len(TEMPLATE_HEADERS)]) for row in table.rows] == [
        tuple(cell.strip() for cell in row) for row in DEMO_ROWS
    ]
    assert table.value(0, Role.SIS_USER_ID) == "0045510"


def test_template_workbook_has_the_headers_and_no_rows():
    doc = open_workbook(resource_path("template.xlsx"))
    assert doc.table.headers[: len(TEMPLATE_HEADERS)] == list(TEMPLATE_HEADERS)
    assert doc.table.rows == []
    assert "How to fill this in" in doc.sheets


# ---------------------------------------------------------------- teachers' rows (issue 12)


def test_a_footer_a_note_and_a_comment_are_read_as_rows_that_ask_nothing(tmp_path):
    from core.rules import check_table, is_note_row

    book = simple_book(
        [
            ["Ava Kowalski", "Ms. Patel", "0045510", "ava.k", "sunny-apple-7", ""],
            [],
            ["Total students: 1"],  # a footer in the Name column
            ["", "Total students: 23"],  # a footer in the teachers' column
            ["", "", "", "", "", "", "Remember: PE on Friday"],  # a comment beyond the headers
        ]
    )
    table = open_workbook(save(book, tmp_path / "footer.xlsx")).table
    assert [row.sheet_row for row in table.rows] == [2, 4, 5, 6]
    assert [is_note_row(table, row) for row in range(4)] == [False, True, True, True]
    assert check_table(table) == []


def test_a_names_only_list_with_a_footer_in_the_name_column(tmp_path):
    from core.rules import is_blank_row, is_note_row

    book = Workbook()
    ws = book.active
    ws.append(["Pupil Name", "Class"])
    ws.append(["Zoë Dubois", "K"])
    ws.append(["Total students: 1", ""])
    table = open_workbook(save(book, tmp_path / "names.xlsx")).table
    assert table.column(Role.FULL_NAME) == 0
    assert not is_blank_row(table, 0)
    assert is_blank_row(table, 1) and is_note_row(table, 1)


def test_a_mapping_keeps_the_name_and_class_columns_found_by_header(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["Pupil", "Form", "Code", "Sign-on", "Teacher"])
    ws.append(["Ava Kowalski", "2B", "0045510", "ava.k", "Ms. Patel"])
    path = save(book, tmp_path / "mapped.xlsx")
    table = open_workbook(path, mapping={Role.SIS_USER_ID: 2, Role.NEW_LOGIN: 3}).table
    assert table.value(0, Role.FULL_NAME) == "Ava Kowalski"
    assert table.value(0, Role.CLASS) == "2B"
    # a role mapped to -1 is left out on purpose, even when its header says it
    table = open_workbook(path, mapping={Role.NEW_LOGIN: 3, Role.TEACHER: -1}).table
    assert table.column(Role.TEACHER) is None and table.column(Role.FULL_NAME) == 0


# ---------------------------------------------------------------- as Excel shows it


def test_excel_escapes_are_read_as_excel_shows_them(tmp_path):
    """``_xHHHH_`` is a UTF-16 code unit, ``_x005F_`` an escaped underscore, in shared and
    inline strings alike; openpyxl leaves them (and mangles ``_x005F_``)."""
    from hostile_support import SHEET_TAIL, sheet_head, write_package

    strings = ["SIS User ID", "New Login", "ava_x0000_.k", "price_x005F_x0041_", "_xD83D__xDE00_"]
    rows = "".join(
        f'<row r="{number}">'
        + "".join(f'<c t="s"><v>{index}</v></c>' for index in indexes)
        + (f'<c t="inlineStr"><is><t>{inline}</t></is></c>' if inline else "")
        + "</row>"
        for number, indexes, inline in (
            (1, (0, 1), ""),
            (2, (3,), "ava_x0000_.k"),
            (3, (4,), "Zo_x00EB__x000D__x000A_Dubois"),
            (4, (3, 2), ""),
        )
    )
    parts = [sheet_head(), rows, SHEET_TAIL]
    path = write_package(tmp_path / "escaped.xlsx", parts, strings=strings)
    table = open_workbook(path).table
    assert [row.cells[:2] for row in table.rows] == [
        ["price_x0041_", "ava\x00.k"],
        ["\U0001f600", "Zoë\r\nDubois"],
        ["price_x0041_", "ava\x00.k"],
    ]
    assert preview_rows(path)[1][:2] == ["price_x0041_", "ava\x00.k"]
    from core.rules import check_table

    hidden = [f for f in check_table(table) if "cannot be printed" in f.message]
    assert [f.row for f in hidden] == [0, 2]  # what Excel shows has a hidden character
    assert any("more than one line" in f.message for f in check_table(table) if f.row == 1)


def test_a_line_break_in_a_login_cell_stays_for_the_rules_to_refuse(tmp_path):
    from core.rules import check_table

    book = simple_book(
        [
            ["Ava", "Ms. Patel", "0045510", "ava.k\n", "sunny-apple-7", ""],
            ["Liam", "Ms. Patel", "0045511", "liam\no", "sunny-apple-7", ""],
            ["Zoë", "Ms. Patel", " 0045512\n", "  zoe.d  ", "sunny-apple-7", ""],
        ]
    )
    table = open_workbook(save(book, tmp_path / "breaks.xlsx")).table
    assert [table.value(row, Role.NEW_LOGIN) for row in range(3)] == ["ava.k\n", "liam\no", "zoe.d"]
    assert table.value(2, Role.SIS_USER_ID) == "0045512"  # other columns are trimmed as before
    errors = [(f.row, f.message) for f in check_table(table) if f.role is Role.NEW_LOGIN]
    assert [row for row, _ in errors] == [0, 1]  # one finding each
    assert all(message.startswith("Login name is on more than one line") for _, message in errors)

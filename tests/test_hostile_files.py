"""Hostile and mislabelled files: refused before they are loaded, in plain words.

A zip bomb is refused in a fraction of its size in memory; duplicate parts, lying
sizes, pipes, PDFs with an Excel name, binary CSV files, a header below the searched
rows and a list on another sheet each get a message that says what to do.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hostile_support import (
    SHEET_TAIL,
    rows_xml,
    sheet_head,
    write_package,
    write_zip_bomb,
)

from core import cli
from core.workbook import HeaderNotFoundError, WorkbookError, open_workbook, preview_rows
from core.workbook import sheet_names as workbook_sheet_names
from core.workbook.limits import MAX_ROWS
from core.workbook.sheet_choice import choose_student_sheet

ROOT = Path(__file__).resolve().parents[1]
TOO_BIG = f"has more than {MAX_ROWS:,} rows"
STUDENTS = [["SIS User ID", "New Login", "Password"], ["0045510", "ava.k", "sunny-apple-7"]]

#: Runs the command line and reports its own peak memory (ru_maxrss: KiB on Linux,
#: bytes on macOS).
MEASURED_CLI = (
    "import resource, sys\n"
    "from core.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "mib = peak / 2**20 if sys.platform == 'darwin' else peak / 1024\n"
    "sys.stderr.write(f'\\nPEAK_MIB={mib:.1f}\\n')\n"
    "sys.exit(code)\n"
)


def call(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def small_list(path: Path, *, dimension: str | None = None) -> Path:
    return write_package(path, [sheet_head(dimension), rows_xml(STUDENTS), SHEET_TAIL])


def tall_sheet(path: Path, rows: int) -> Path:
    """A sheet of ``rows`` one-cell rows (a bomb by height, cheap to build)."""
    body = "".join(
        f'<row r="{n}"><c t="inlineStr"><is><t>x</t></is></c></row>' for n in range(2, rows + 1)
    )
    return write_package(path, [sheet_head(), rows_xml(STUDENTS[:1]), body, SHEET_TAIL])


def patch_declared_size(path: Path, part: str, size: int) -> None:
    """Make the zip's central directory claim ``size`` unpacked bytes for ``part``."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length] == part.encode():
            struct.pack_into("<I", data, start + 24, size)
            path.write_bytes(bytes(data))
            return
        start += 4
    raise AssertionError(f"no part {part}")


# ---------------------------------------------------------------- zip bombs


def test_a_zip_bomb_is_refused_in_seconds_and_little_memory(tmp_path):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx")  # 3 million cells, about 150 MB of XML
    with zipfile.ZipFile(bomb) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    assert bomb.stat().st_size < 1_000_000 and sheet.file_size > 140_000_000

    done = subprocess.run(
        [sys.executable, "-c", MEASURED_CLI, "check", str(bomb)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "This workbook's sheet 'Students' has more than 200,000 rows" in done.stderr
    assert "Save only the students' rows in a new workbook" in done.stderr
    assert "Traceback" not in done.stderr
    peak_mib = float(done.stderr.rsplit("PEAK_MIB=", 1)[1])
    # A correctness bound (openpyxl alone would take over a gigabyte); the measured
    # figure is in bench/hostile_files.py.
    assert peak_mib < 500


def test_every_way_into_a_workbook_refuses_a_sheet_with_too_many_rows(tmp_path):
    path = tall_sheet(tmp_path / "tall.xlsx", MAX_ROWS + 10)
    for read in (
        open_workbook,
        workbook_sheet_names,
        preview_rows,
        choose_student_sheet,
    ):
        with pytest.raises(WorkbookError) as caught:
            read(path)
        assert TOO_BIG in caught.value.message, read


def test_a_dimension_claiming_many_rows_does_not_refuse_a_short_list(tmp_path):
    path = small_list(tmp_path / "small.xlsx", dimension="A1:C900000")
    doc = open_workbook(path)
    assert [row.cells[:2] for row in doc.table.rows] == [["0045510", "ava.k"]]


def test_rows_are_counted_whatever_the_namespace_prefix(tmp_path):
    """Some programs write <x:row>, <x:c>: openpyxl reads them all the same."""

    def prefixed(path: Path, rows: list[list[str]]) -> Path:
        xml = rows_xml(rows)
        for tag in ("row", "c", "is", "t"):
            xml = xml.replace(f"<{tag}>", f"<x:{tag}>").replace(f"<{tag} ", f"<x:{tag} ")
            xml = xml.replace(f"</{tag}>", f"</x:{tag}>")
        head = sheet_head().replace("<worksheet xmlns=", "<x:worksheet xmlns:x=")
        head = head.replace("<sheetData>", "<x:sheetData>")
        return write_package(path, [head, xml, "</x:sheetData></x:worksheet>"])

    small = prefixed(tmp_path / "small.xlsx", STUDENTS)
    assert open_workbook(small).table.rows[0].cells[:2] == ["0045510", "ava.k"]
    tall = prefixed(tmp_path / "tall.xlsx", [*STUDENTS, *[["x"]] * MAX_ROWS])
    with pytest.raises(WorkbookError, match=TOO_BIG):
        open_workbook(tall)


def test_cells_are_counted_over_all_the_sheets_together(tmp_path):
    from core.workbook.limits import MAX_CELLS

    share = MAX_CELLS // 2 + 10
    row = '<c t="inlineStr"><is><t>x</t></is></c>' * 100
    body = "".join(f'<row r="{n}">{row}</row>' for n in range(2, share // 100 + 2))
    extra = (sheet_head() + body + SHEET_TAIL).encode()
    path = write_package(
        tmp_path / "two.xlsx",
        [sheet_head(), rows_xml(STUDENTS), body, SHEET_TAIL],
        extra_parts=[("xl/worksheets/sheet2.xml", extra)],
    )
    with pytest.raises(WorkbookError) as caught:
        open_workbook(path)
    assert caught.value.message.startswith("'two.xlsx' has more than")


def test_a_declared_size_over_a_gigabyte_is_refused_before_unpacking(tmp_path):
    path = small_list(tmp_path / "claims.xlsx")
    patch_declared_size(path, "xl/sharedStrings.xml", 2_000_000_000)
    with pytest.raises(WorkbookError, match="unpacks to more than 1 GB"):
        open_workbook(path)


def test_a_part_that_unpacks_to_more_than_it_declares_is_damaged(tmp_path):
    path = tall_sheet(tmp_path / "liar.xlsx", 2_000)
    patch_declared_size(path, "xl/worksheets/sheet1.xml", 300)
    with pytest.raises(WorkbookError, match="may be damaged"):
        open_workbook(path)


def test_a_csv_with_too_many_lines_is_refused(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"SIS User ID,New Login\r\n" + b"1,a\r\n" * (MAX_ROWS + 5))
    with pytest.raises(WorkbookError) as caught:
        open_workbook(path)
    assert f"'huge.csv' {TOO_BIG}" in caught.value.message
    assert "(or is larger than 1 GB)" in caught.value.message


# ---------------------------------------------------------------- odd packages


@pytest.mark.parametrize("second", ["xl/worksheets/sheet1.xml", "XL/Worksheets/Sheet1.xml"])
def test_two_parts_with_one_name_are_refused(tmp_path, second):
    hidden = rows_xml([["SIS User ID", "New Login"], ["666", "mallory"]])
    path = small_list(tmp_path / "twice.xlsx")
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: the point
        archive.writestr(second, sheet_head() + hidden + SHEET_TAIL)
    for read in (open_workbook, workbook_sheet_names):
        with pytest.raises(WorkbookError) as caught:
            read(path)
        assert "holds two copies of its part" in caught.value.message
        assert "Open the original in Excel, save it again" in caught.value.message


@pytest.mark.parametrize(
    ("parts", "words"),
    [
        ({"word/document.xml": "<w/>", "[Content_Types].xml": "<Types/>"}, "a Word document"),
        ({"mimetype": "application/vnd.oasis", "content.xml": "<x/>"}, "an OpenDocument file"),
        ({"photo.jpg": "jpeg"}, "a zip archive"),
    ],
)
def test_a_zip_that_is_another_kind_of_document_is_named(tmp_path, parts, words):
    path = tmp_path / "list.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    with pytest.raises(WorkbookError) as caught:
        open_workbook(path)
    assert "could not be read as an Excel workbook" in caught.value.message
    assert f"it is really {words}" in caught.value.message


# ---------------------------------------------------------------- not files, not workbooks


def test_a_pipe_is_named_as_one_and_never_waited_on(tmp_path, capsys):
    fifo = tmp_path / "students.xlsx"
    os.mkfifo(fifo)
    # Had anything opened the pipe to read it, this would let it go (empty) after 20 s.
    rescue = threading.Timer(20, lambda: fifo.open("wb").close())
    rescue.start()
    try:
        with pytest.raises(WorkbookError) as caught:
            open_workbook(fifo)
        assert "is not a workbook file: it is a pipe" in caught.value.message
        assert "folder" not in caught.value.message
        code, out, err = call(capsys, "check", fifo)
    finally:
        rescue.cancel()
    assert code == 2 and out == ""
    assert "it is a pipe" in err


def test_a_device_and_a_folder_are_named(tmp_path):
    device = tmp_path / "link.csv"
    device.symlink_to("/dev/zero")
    with pytest.raises(WorkbookError, match="it is a device"):
        open_workbook(device)
    folder = tmp_path / "class.xlsx"
    folder.mkdir()
    with pytest.raises(WorkbookError, match="is a folder"):
        open_workbook(folder)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("list.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "it is really a PDF document"),
        ("list.xlsx", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "it is really a picture (PNG)"),
        ("list.xlsm", b"<!DOCTYPE html><html><table><tr><td>Ava", "it is really a web page"),
        ("list.xlsx", b"SIS User ID,New Login\r\n1,ava.k\r\n", "it holds plain text"),
        ("list.xlsx", b"\x00\x01\x02\x03binary\xff\xfe", "it holds data of another kind"),
        ("list.csv", b"PK\x03\x04\x14\x00\x06\x00", "it is really an Excel workbook"),
        ("list.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", "an older Excel file (.xls)"),
        ("list.csv", b"%PDF-1.4\n", "it is really a PDF document"),
        ("list.csv", b"SIS\x00User\x00ID\x00\x01\x02", "it holds binary data, not text"),
        ("list.csv", b"", "is empty (0 bytes)"),
        ("list.xlsx", b"", "is empty (0 bytes)"),
    ],
)
def test_a_file_that_is_really_something_else_says_what(tmp_path, capsys, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(WorkbookError) as caught:
        open_workbook(path)
    assert words in caught.value.message
    code, _, err = call(capsys, "check", path)
    assert code == 2 and words in err and "Traceback" not in err


def test_utf16_csv_with_its_mark_is_text(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("SIS User ID\tNew Login\r\n0045510\tzoë.k\r\n".encode("utf-16"))
    assert open_workbook(path).table.rows[0].cells[:2] == ["0045510", "zoë.k"]


# ---------------------------------------------------------------- where the list is


def test_a_header_below_the_searched_rows_says_so_and_what_to_do(tmp_path, capsys):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Class 2B"
    sheet["A1"] = "Class 2B logins, autumn term"
    for number in range(2, 14):
        sheet.cell(number, 1, f"Note {number}: bring a pencil")
    for row in STUDENTS:
        sheet.append(row)
    path = tmp_path / "low.xlsx"
    book.save(path)

    with pytest.raises(HeaderNotFoundError) as caught:
        open_workbook(path)
    message = caught.value.message
    assert "Only the top 10 rows of a sheet are searched for its header row" in message
    assert "seem to be on row 14 (SIS User ID, New Login, Password)" in message
    assert "Delete the rows above them" in message
    assert "column chooser" in message and "--columns" in message
    code, _, err = call(capsys, "check", path)
    assert code == 2 and "row 14" in err and "Traceback" not in err


def test_a_sheet_without_the_list_names_the_sheet_that_has_it(tmp_path, capsys):
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Bring the forms back by Friday"])
    students = book.create_sheet("Class 2B")
    for row in STUDENTS:
        students.append(row)
    book.create_sheet("Lists").append(["Create", "Delete"])
    path = tmp_path / "sheets.xlsx"
    book.save(path)

    with pytest.raises(HeaderNotFoundError) as caught:
        open_workbook(path, "Notes")
    message = caught.value.message
    assert "The workbook's other sheets are: 'Class 2B', 'Lists'" in message
    assert '--sheet "Class 2B"' in message
    code, out, err = call(capsys, "check", path, "--sheet", "Notes")
    assert code == 2 and out == "" and '--sheet "Class 2B"' in err
    # Without --sheet the command line opens the list itself, as before.
    code, _, err = call(capsys, "check", path)
    assert code == 0, err
    assert "Using sheet 'Class 2B'" in err

    # No other sheet has a header row: they are named, and --sheet NAME is the way.
    only_notes = tmp_path / "notes.xlsx"
    book.remove(students)
    book.save(only_notes)
    with pytest.raises(HeaderNotFoundError) as caught:
        open_workbook(only_notes, "Notes")
    assert "other sheets are: 'Lists'. If the list is on one of them" in caught.value.message
    assert "--sheet NAME" in caught.value.message

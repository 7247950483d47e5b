"""Ids whose leading zeros Excel dropped: the reader notices numbers, the rules warn, the
fix pads a column only where a check proved it, and never on its own."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from table_support import table_from_dicts

from core.id_padding import (
    PaddingFix,
    fix_from_results,
    lost_zeros,
    padded,
    padding_edits,
    padding_width,
    short_ids,
)
from core.model import Role, RowResult, Severity, Status
from core.rules import check_table
from core.workbook import open_workbook

HEADERS = ["Name", "SIS User ID", "New Login", "Password", "Age"]


def ids_table(ids: list[str]):
    rows = [{"SIS User ID": sis, "New Login": f"kid{n}"} for n, sis in enumerate(ids)]
    return table_from_dicts(["SIS User ID", "New Login"], rows)


def zeros_dropped_book(path: Path) -> Path:
    """A teacher's list: two ids typed as text with their zeros, two Excel kept as numbers
    (45510, 45513), one number with a 0000000 format (it shows 0045512), and an Age."""
    book = Workbook()
    ws = book.active
    ws.append(HEADERS)
    ws.append(["Ava", 45510, "ava.k", "sunny-apple-7", 6])
    ws.append(["Liam", "0045511", "liam.o", "green-frog-42", 6])
    ws.append(["Zoë", 45512, "zoe.d", "blue-kite-19", 7])
    ws["B4"].number_format = "0000000"
    ws.append(["Noah", 45513, "noah.n", "red-boat-55", 5])
    ws.append(["Mia", "0045514", "mia.s", "tall-tree-31", 6])
    book.save(path)
    return path


def test_the_reader_records_number_typed_columns_and_never_changes_an_id(tmp_path):
    table = open_workbook(zeros_dropped_book(tmp_path / "ids.xlsx")).table
    sis = table.column(Role.SIS_USER_ID)
    assert [table.value(r, Role.SIS_USER_ID) for r in range(5)] == [
        "45510",
        "0045511",
        "0045512",  # the number format shows the zeros
        "45513",
        "0045514",
    ]
    assert table.number_typed_columns == {sis, HEADERS.index("Age")}


def test_text_ids_and_zero_formatted_numbers_are_not_number_typed(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["SIS User ID", "New Login"])
    ws.append(["0045510", "ava.k"])
    ws.append([45511, "liam.o"])
    ws["A3"].number_format = "0000000"
    table = open_workbook(_save(book, tmp_path / "text.xlsx")).table
    assert table.number_typed_columns == set()
    csv = tmp_path / "ids.csv"
    csv.write_text("SIS User ID,New Login\n45510,ava.k\n", encoding="utf-8")
    assert open_workbook(csv).table.number_typed_columns == set()


def _save(book: Workbook, path: Path) -> Path:
    book.save(path)
    return path


def test_width_short_ids_and_padding(tmp_path):
    table = open_workbook(zeros_dropped_book(tmp_path / "ids.xlsx")).table
    assert padding_width(table) == 7
    assert short_ids(table, Role.SIS_USER_ID) == [0, 3]
    assert lost_zeros(table) == [0, 3]
    assert padded("45510", 7) == "0045510"
    assert padded(" 45510 ", 7) == "0045510"
    assert padded("S-45510", 7) == "S-45510"  # not all digits: left alone
    assert padding_width(table, Role.CANVAS_USER_ID) is None  # no such column


def test_no_width_when_every_id_has_the_same_length():
    table = ids_table(["45510", "45511"])
    assert padding_width(table) is None
    assert short_ids(table, Role.SIS_USER_ID) == []


def test_a_short_id_needing_more_zeros_than_the_others_have_is_not_suspect():
    table = ids_table(["0045510", "45511", "2", "S-1"])
    assert short_ids(table, Role.SIS_USER_ID) == [1, 2]
    assert lost_zeros(table) == [1]  # "2" would need six zeros; 0045510 has two


def test_rules_warn_on_short_ids_and_once_on_a_number_typed_column(tmp_path):
    table = open_workbook(zeros_dropped_book(tmp_path / "ids.xlsx")).table
    findings = check_table(table)
    assert all(f.severity is Severity.WARNING for f in findings)
    assert all(f.column == table.column(Role.SIS_USER_ID) for f in findings)
    short = [f for f in findings if "shorter than the others" in f.message]
    assert [f.row for f in short] == [0, 3]
    assert short[0].message.startswith(
        "SIS User ID '45510' is shorter than the others in this column (7 digits, like "
        "'0045511'): Excel may have dropped its leading zeros. Type the ids as text with "
        "their zeros, or use Check with Canvas to test them"
    )
    numbers = [f for f in findings if "stored as numbers" in f.message]
    assert [f.row for f in numbers] == [0]  # said once, on the first row
    # warnings only: the ids are the teacher's, unchanged
    assert table.value(0, Role.SIS_USER_ID) == "45510"


def test_done_rows_get_no_warning_but_their_ids_still_set_the_width(tmp_path):
    table = open_workbook(zeros_dropped_book(tmp_path / "ids.xlsx")).table
    table.set_value(0, Role.STATUS, "Created")
    short = [f.row for f in check_table(table) if "shorter" in f.message]
    assert short == [3]


def test_the_fix_comes_only_from_a_check_that_proved_a_padded_id(tmp_path):
    table = open_workbook(zeros_dropped_book(tmp_path / "ids.xlsx")).table
    sis = table.column(Role.SIS_USER_ID)
    unproved = [RowResult(0, Status.WOULD_FAIL, "No student with SIS User ID '45510'")]
    assert fix_from_results(table, unproved) is None
    results = [
        RowResult(0, Status.WOULD_FAIL, "No student", padded_id="0045510", from_check=True),
        RowResult(1, Status.READY, from_check=True),
        RowResult(3, Status.WOULD_FAIL, "No student", padded_id="0045513", from_check=True),
    ]
    fix = fix_from_results(table, results)
    assert fix == PaddingFix(Role.SIS_USER_ID, sis, 7, [0, 3], ("45510", "0045510"))
    assert fix.describe() == (
        "2 ids in the SIS User ID column lost their leading zeros (Canvas has '0045510' "
        "where the workbook says '45510'): give them back their zeros, 7 digits each"
    )
    assert padding_edits(table, fix) == [(0, sis, "0045510"), (3, sis, "0045513")]
    assert table.value(0, Role.SIS_USER_ID) == "45510"  # nothing changed until applied


def test_the_fix_leaves_out_ids_canvas_found_as_written_and_done_rows():
    table = ids_table(["45510", "0045511", "98765", "45513"])
    table.set_value(3, Role.STATUS, "Created")
    results = [
        RowResult(0, Status.WOULD_FAIL, "No student", padded_id="0045510", from_check=True),
        RowResult(2, Status.READY, from_check=True),  # Canvas has 98765 as it is
    ]
    fix = fix_from_results(table, results)
    assert fix is not None and fix.rows == [0]
    table.set_cell(0, fix.column, "0045510")  # fixed by hand meanwhile
    assert padding_edits(table, fix) == []

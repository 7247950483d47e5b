"""Student names from the name columns: First/Last columns, or one Name column."""

from __future__ import annotations

from table_support import table_from_dicts

from core.kit.names import StudentName, split_full_name, student_name


def test_first_and_last_columns():
    table = table_from_dicts(
        ["First Name", "Last Name", "SIS User ID"],
        [
            {"First Name": " Zoë ", "Last Name": "Dubois"},
            {"First Name": "Mary  Ann", "Last Name": ""},
            {"First Name": "", "Last Name": "", "SIS User ID": "7"},
        ],
    )
    assert student_name(table, 0) == StudentName("Zoë", "Dubois")
    assert student_name(table, 1) == StudentName("Mary Ann", "")
    assert student_name(table, 2) is None


def test_synonym_headers_are_name_columns():
    table = table_from_dicts(
        ["Given Name", "Surname"], [{"Given Name": "José", "Surname": "Álvarez"}]
    )
    assert student_name(table, 0) == StudentName("José", "Álvarez")


def test_full_name_last_comma_first_and_first_last():
    table = table_from_dicts(
        ["Student Name"],
        [
            {"Student Name": "Tanaka, Yuki"},
            {"Student Name": "José Álvarez García"},
            {"Student Name": "O'Brien,Liam"},
            {"Student Name": "  Cher  "},
            {"Student Name": "   "},
        ],
    )
    assert student_name(table, 0) == StudentName("Yuki", "Tanaka")
    assert student_name(table, 1) == StudentName("José", "Álvarez García")
    assert student_name(table, 2) == StudentName("Liam", "O'Brien")
    assert student_name(table, 3) == StudentName("Cher", "")
    assert student_name(table, 4) is None


def test_first_last_columns_win_over_a_name_column_but_an_empty_pair_falls_back():
    table = table_from_dicts(
        ["First Name", "Last Name", "Name"],
        [
            {"First Name": "Ava", "Last Name": "Kowalski", "Name": "Kaur, Ava"},
            {"Name": "Nguyen, Noah"},
        ],
    )
    assert student_name(table, 0) == StudentName("Ava", "Kowalski")
    assert student_name(table, 1) == StudentName("Noah", "Nguyen")


def test_display():
    assert StudentName("Zoë", "Dubois").display == "Zoë Dubois"
    assert StudentName("", "Tanaka").display == "Tanaka"
    assert split_full_name("田中, 花子") == StudentName("花子", "田中")

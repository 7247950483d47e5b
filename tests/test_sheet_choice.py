"""core.workbook.sheet_choice: the sheet with the students is opened without asking."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from core.workbook.sheet_choice import (
    SheetChoice,
    choose_student_sheet,
    is_help_sheet,
    looks_like_students,
)

STUDENTS = [["SIS User ID", "New Login", "Password"], ["0045510", "ava.k", "sunny-apple-7"]]
NOTES = [["Teacher", "Room"], ["Ms. Patel", "4"]]


def xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_a_sheet_with_a_student_and_a_login_column_looks_like_students(tmp_path):
    path = xlsx(tmp_path / "book.xlsx", {"Notes": NOTES, "Class A": [["Title"], *STUDENTS]})
    assert looks_like_students(path, "Class A")  # the header may sit below a title row
    assert not looks_like_students(path, "Notes")
    assert not looks_like_students(path, "No such sheet")


def test_one_sheet_needs_no_choice(tmp_path):
    path = xlsx(tmp_path / "one.xlsx", {"Anything": NOTES})
    assert choose_student_sheet(path) == SheetChoice("Anything", sheets=["Anything"])
    csv = tmp_path / "one.csv"
    csv.write_text("SIS User ID,New Login\n1,a\n", encoding="utf-8")
    assert choose_student_sheet(csv) == SheetChoice("one", sheets=["one"])


def test_the_only_sheet_that_looks_like_students_is_chosen(tmp_path):
    path = xlsx(tmp_path / "two.xlsx", {"Notes": NOTES, "Class A": STUDENTS})
    choice = choose_student_sheet(path)
    assert choice == SheetChoice("Class A", sheets=["Notes", "Class A"])
    assert choice.others == ["Notes"]


def test_several_or_none_are_offered_likely_ones_first(tmp_path):
    several = {"Notes": NOTES, "Class A": STUDENTS, "Class B": STUDENTS}
    path = xlsx(tmp_path / "three.xlsx", several)
    assert choose_student_sheet(path) == SheetChoice(
        "Class A", offer=["Class A", "Class B", "Notes"], sheets=list(several)
    )
    none = xlsx(tmp_path / "none.xlsx", {"Notes": NOTES, "More": NOTES})
    assert choose_student_sheet(none) == SheetChoice(
        "More", offer=["More", "Notes"], sheets=["Notes", "More"]
    )


# ---------------------------------------------------------------- the default sheet


def test_a_read_me_first_sheet_is_never_the_default(tmp_path):
    read_me = [["How to fill this in"], ["1. One row per student, with the SIS User ID"]]
    lists = [["Teacher", "Room", "Name"], ["Ms. Patel", "4", "Ms. Patel"]]
    students = [["Class list 2B"], ["Pupil Name", "Student #", "Username", "Pwd"]]
    students += [[f"Kid {n}", f"00455{n:02d}", f"kid{n}", "sunny-apple-7"] for n in range(12)]
    sheets = {"Read me": read_me, "Class 2B": students, "Lists": lists}
    path = xlsx(tmp_path / "teacher.xlsx", sheets)
    choice = choose_student_sheet(path)
    # "Lists" has a Name column, but a sheet named like help is not a likely list
    assert choice == SheetChoice("Class 2B", sheets=["Read me", "Class 2B", "Lists"])
    assert choice.others == ["Read me", "Lists"]


def test_names_count_after_a_student_and_login_header_and_size_breaks_ties(tmp_path):
    names_only = [["First Name", "Last Name"], *[["Ava", f"K{n}"] for n in range(30)]]
    logins = [["SIS ID", "New Login"], ["0045510", "ava.k"]]
    small = [["Name", "Class"], ["Ava", "2B"]]
    path = xlsx(tmp_path / "mix.xlsx", {"Small": small, "Names": names_only, "Logins": logins})
    choice = choose_student_sheet(path)
    assert choice.sheet == "Logins"  # a student and a login column beat 30 names
    assert choice.offer == ["Logins", "Names", "Small"]  # then the most filled rows


@pytest.mark.parametrize(
    "name",
    [
        "Read me",
        "README",
        "ReadMe first",
        "Instructions",
        "How to fill this in",
        "Notes",
        "Lists",
        "Help",
        "Drop-downs",
    ],
)
def test_help_sheet_names(name):
    assert is_help_sheet(name)


@pytest.mark.parametrize("name", ["Class 2B", "Students", "List", "Sheet1", "K-3 logins"])
def test_student_sheet_names_are_not_help(name):
    assert not is_help_sheet(name)


def test_only_help_sheets_still_propose_one(tmp_path):
    path = xlsx(tmp_path / "help.xlsx", {"Read me": NOTES, "Notes": NOTES})
    assert choose_student_sheet(path).sheet == "Read me"


def test_hidden_sheets_are_never_proposed(tmp_path):
    path = tmp_path / "hidden.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    hidden = book.create_sheet("Old list")
    for row in STUDENTS:
        hidden.append(row)
    hidden.sheet_state = "hidden"
    book.create_sheet("Class A").append(["Teacher"])
    book.save(path)
    choice = choose_student_sheet(path)
    assert choice.sheet == "Class A" and choice.sheets == ["Notes", "Class A"]

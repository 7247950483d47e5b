"""core.workbook.sheet_choice: the sheet with the students is opened without asking."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from core.workbook.sheet_choice import SheetChoice, choose_student_sheet, looks_like_students

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
    assert choose_student_sheet(path) == SheetChoice()
    csv = tmp_path / "one.csv"
    csv.write_text("SIS User ID,New Login\n1,a\n", encoding="utf-8")
    assert choose_student_sheet(csv) == SheetChoice()


def test_the_only_sheet_that_looks_like_students_is_chosen(tmp_path):
    path = xlsx(tmp_path / "two.xlsx", {"Notes": NOTES, "Class A": STUDENTS})
    assert choose_student_sheet(path) == SheetChoice("Class A")


def test_several_or_none_are_offered_likely_ones_first(tmp_path):
    several = {"Notes": NOTES, "Class A": STUDENTS, "Class B": STUDENTS}
    path = xlsx(tmp_path / "three.xlsx", several)
    assert choose_student_sheet(path) == SheetChoice(offer=["Class A", "Class B", "Notes"])
    none = xlsx(tmp_path / "none.xlsx", {"Notes": NOTES, "More": NOTES})
    assert choose_student_sheet(none) == SheetChoice(offer=["Notes", "More"])

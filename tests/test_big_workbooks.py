"""A district's workbook: read and saved without openpyxl's objects for every cell.

Opening reads only the chosen sheet, straight from the package
(core/workbook/package_read.py), and saving finds rows and cells by pattern
(core/workbook/sheet_layout.py). Both must do exactly what the slower ways did: the
sheet reads as openpyxl reads it, and the pattern finds the spans expat finds, so a save
writes the same bytes. Opening reports the rows read and can be stopped.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell

from core.canvas.errors import Cancelled
from core.model import CancelToken, Progress, Role, RowResult, Status
from core.plan import apply_results
from core.workbook import (
    NO_CACHED_VALUE,
    WorkbookError,
    open_workbook,
    save_workbook,
    sheet_layout,
)
from core.workbook.opening import load_book
from core.workbook.package_read import read_sheet_text
from core.workbook.sheet_layout import SheetLayout, _scan_all
from core.workbook.sheet_part import SheetEditor
from core.workbook.text import cell_text, zero_pad_width
from core.workflow import Workflow

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
STAMP = "2026-05-09T10:15:00"

#: Cell formats: General, zeros, a built-in date, a date-time, a duration, Text, 0.00,
#: and a workbook format spelling a built-in one ("0").
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="4">'
    '<numFmt numFmtId="164" formatCode="0000000"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>'
    '<numFmt numFmtId="166" formatCode="[h]:mm:ss"/><numFmt numFmtId="167" formatCode="0"/>'
    '</numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8">'
    + "".join(
        f'<xf numFmtId="{number}" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        for number in (0, 164, 14, 165, 166, 49, 2, 167)
    )
    + "</cellXfs></styleSheet>"
)
SHARED = [
    "<t>Ava</t>",
    '<t xml:space="preserve">  Zoë  </t>',
    '<r><rPr><b/></rPr><t>Jo</t></r><r><t xml:space="preserve">sé </t></r>',
    "<t>田中</t><rPh sb='0' eb='1'><t>たなか</t></rPh>",
    "<t>ava_x000D_.k</t>",
    "<t>_x005F_x000D_ literal</t>",
    "<t/>",
    "<t>Smith &amp; Jones &lt;3&gt;</t>",
    "<t>Pupil Name</t>",
]


def package(path: Path, sheet: str, *, prefix: str = "", date1904: bool = False) -> Path:
    """A workbook of one sheet ``sheet`` (its XML), with the formats and shared strings
    above; a second sheet follows it."""
    p = prefix
    ns = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    strings = "".join(
        f"<{p}si>{item.replace('<', f'<{p}').replace(f'<{p}/', f'</{p}')}</{p}si>"
        for item in SHARED
    )
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
        f'{CT}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
        f'{CT}.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="'
        f'{CT}.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="{CT}.styles'
        f'+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings'
        '+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="R1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        + ('<workbookPr date1904="1"/>' if date1904 else "")
        + '<sheets><sheet name="Pupils" sheetId="1" r:id="R1"/><sheet name="Notes" '
        'sheetId="2" r:id="R2"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="R1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="R2" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/>'
        f'<Relationship Id="R3" Type="{REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="R4" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": f"<{p}sst {ns}>{strings}</{p}sst>",
        "xl/worksheets/sheet1.xml": sheet,
        "xl/worksheets/sheet2.xml": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c '
        'r="A1" t="inlineStr"><is><t>Read me</t></is></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def random_cell(rng: random.Random, p: str) -> tuple[str, str]:
    """(attributes after ``r``, content) of a cell of a random kind."""
    style = rng.choice(["", ' s="1"', ' s="2"', ' s="3"', ' s="4"', ' s="5"', ' s="6"', ' s="7"'])
    plain = rng.choice(["", ' s="2"', ' s="6"'])
    kind = rng.randrange(16)
    number = rng.choice(["45510", "0", "-3", "2.5", "1E3", "45123.75", "0.25", "4.2e-2"])
    if kind == 0:
        return f' t="s"{style}', f"<{p}v>{rng.randrange(len(SHARED))}</{p}v>"
    if kind == 1:
        text = rng.choice(["ava.k", " padded ", "Zoë", "a &amp; b", "_x0041_"])
        return f' t="inlineStr"{style}', f"<{p}is><{p}t>{text}</{p}t></{p}is>"
    if kind == 2:
        runs = f"<{p}r><{p}t>Li</{p}t></{p}r><{p}r><{p}rPr><{p}b/></{p}rPr><{p}t>am</{p}t></{p}r>"
        return ' t="inlineStr"', f"<{p}is>{runs}</{p}is>"
    if kind in (3, 4, 5):
        return style, f"<{p}v>{number}</{p}v>"
    if kind == 6:
        return f' t="b"{style}', f"<{p}v>{rng.choice('01')}</{p}v>"
    if kind == 7:
        return ' t="e"', f"<{p}v>#N/A</{p}v>"
    if kind == 8:
        return f' t="str"{style}', f"<{p}v>plain str</{p}v>"
    if kind == 9:
        return f' t="d"{style}', f"<{p}v>2024-05-06T10:30:00</{p}v>"
    if kind == 10:
        return plain, f"<{p}f>SUM(A1:A2)</{p}f><{p}v>{number}</{p}v>"
    if kind == 11:
        return ' t="str"', f"<{p}f>A1&amp;B1</{p}f><{p}v>joined</{p}v>"
    if kind == 12:
        return ' t="e"', f"<{p}f>1/0</{p}f><{p}v>#DIV/0!</{p}v>"
    if kind == 13:
        return plain, f"<{p}f>NOW()</{p}f>"
    if kind == 14:
        return style, ""
    return ' s="2"', f"<{p}v>2958466</{p}v>"  # a date too late for Excel: an error


def random_sheet(seed: int, prefix: str = "", rows: int = 60) -> str:
    """A sheet of ``rows`` rows of every kind of cell; some rows and cells say nothing of
    where they are, some cells are merged over."""
    rng, p = random.Random(seed), prefix
    ns = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    out = [f"<{p}worksheet {ns}><{p}sheetData>"]
    out.append(
        f'<{p}row r="1"><{p}c r="A1" t="s"><{p}v>8</{p}v></{p}c><{p}c r="B1" t="inlineStr">'
        f"<{p}is><{p}t>New Login</{p}t></{p}is></{p}c></{p}row>"
    )
    number = 1
    for _ in range(rows):
        number += rng.choice([1, 1, 1, 2])
        with_number = rng.random() > 0.1
        out.append(f'<{p}row r="{number}">' if with_number else f"<{p}row>")
        columns = sorted(rng.sample(range(1, 9), rng.randrange(1, 7)))
        for column in columns:
            attrs, content = random_cell(rng, p)
            letter = "ABCDEFGH"[column - 1]
            ref = f' r="{letter}{number}"' if with_number and rng.random() > 0.1 else ""
            tag = f"<{p}c{ref}{attrs}"
            out.append(f"{tag}/>" if not content else f"{tag}>{content}</{p}c>")
        out.append(f"</{p}row>")
    out.append(f'</{p}sheetData><{p}mergeCells count="2">')
    out.append(f'<{p}mergeCell ref="C2:D4"/><{p}mergeCell ref="A10:B10"/></{p}mergeCells>')
    out.append(f"</{p}worksheet>")
    return "".join(out)


def as_openpyxl_reads_it(path: Path) -> tuple[dict, dict, set, list]:
    """The sheet's text the way the reader worked before: openpyxl's whole workbook (as
    core.workbook.opening loads it, shared strings spelled as in the file), and for
    formulas the result Excel saved (openpyxl's ``data_only`` load)."""
    ws = load_book(path, "xlsx")["Pupils"]
    saved = load_book(path, "xlsx", data_only=True)["Pupils"]
    grid: dict[int, dict[int, str]] = {}
    problems: dict[tuple[int, int], str] = {}
    numbers: set[tuple[int, int]] = set()
    for where, cell in ws._cells.items():
        if isinstance(cell, MergedCell):
            continue
        value, data_type = cell._value, cell.data_type
        if data_type == "f":
            result = saved._cells[where]
            value, data_type = result._value, result.data_type
            if value is None:
                problems[where] = NO_CACHED_VALUE
                grid.setdefault(where[0], {})[where[1]] = ""
                continue
        if value is None:
            continue
        if data_type == "e":
            problems[where] = (
                f"This cell shows the error {value}: correct it in Excel or type the value in."
            )
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and not zero_pad_width(cell.number_format)
        ):
            numbers.add(where)
        grid.setdefault(where[0], {})[where[1]] = (
            str(value) if data_type == "e" else cell_text(value, cell.number_format)
        )
    merged = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    return grid, problems, numbers, merged


@pytest.mark.parametrize(
    ("seed", "prefix", "date1904"),
    [(1, "", False), (2, "x:", False), (3, "", True), (4, "", False)],
)
def test_the_sheet_reads_as_openpyxl_reads_it(tmp_path, seed, prefix, date1904):
    path = package(tmp_path / "pupils.xlsx", random_sheet(seed, prefix), date1904=date1904)
    book = load_book(path, "xlsx", read_only=True)
    with zipfile.ZipFile(path) as archive:
        text = read_sheet_text(archive, book["Pupils"])
    book.close()
    grid, problems, numbers, merged = as_openpyxl_reads_it(path)
    assert text.grid == grid
    assert text.problems == problems
    assert text.numbers == numbers
    assert sorted(text.merged) == sorted(merged)


def test_shared_strings_read_as_excel_shows_them(tmp_path):
    """Runs joined, phonetic guides left out, Excel's escapes decoded, an empty item."""
    cells = "".join(
        f'<c r="{letter}2" t="s"><v>{index}</v></c>' for index, letter in enumerate("ABCDEFGHI")
    )
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="2">{cells}</row></sheetData></worksheet>'
    path = package(tmp_path / "strings.xlsx", sheet)
    book = load_book(path, "xlsx", read_only=True)
    with zipfile.ZipFile(path) as archive:
        grid = read_sheet_text(archive, book["Pupils"]).grid
    book.close()
    assert grid == {
        2: {
            1: "Ava",
            2: "  Zoë  ",
            3: "José ",
            4: "田中",
            5: "ava\r.k",
            6: "_x000D_ literal",
            7: "",
            8: "Smith & Jones <3>",
            9: "Pupil Name",
        }
    }


def sheet_variants() -> dict[str, str]:
    """Sheets as several programs write them, and some the patterns must leave to expat."""
    plain = random_sheet(5)
    shared = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '<c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
        '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>6</v></c></row>'
        "</sheetData></worksheet>"
    )
    spaced = (
        f'<?xml version="1.0"?>\n<worksheet xmlns="{MAIN}">\n <sheetData>\n'
        "  <row r='1' spans='1:3'>\n   <c r='A1' t='s'\n      s='2'><v>0</v></c >\n"
        '   <c r="&#66;1" s="3"><v>7</v></c>\n   <c s="1" r="C1"/>\n  </row>\n'
        '  <row r="4"/>\n  <row r="5" spans="2:4"><c r="D5"><v>1</v></c><c r="B5"/></row>\n'
        " </sheetData>\n</worksheet>"
    )
    commented = plain.replace("</sheetData>", "<!-- a note --></sheetData>")
    extended = plain.replace("</row>", "<extLst><ext uri='x'/></extLst></row>", 1)
    odd_row = plain.replace("</row>", "<foo/></row>", 3)
    return {
        "plain": plain,
        "prefixed": random_sheet(6, "x:"),
        "shared formulas": shared,
        "spaced and quoted": spaced,
        "a comment": commented,
        "an extension": extended,
        "an unknown element in a row": odd_row,
    }


def edited(sheet: bytes, seed: int) -> bytes:
    """The sheet after the same writes: over cells, beside them, in new rows, in merges."""
    rng = random.Random(seed)
    editor = SheetEditor(sheet)
    for _ in range(120):
        row, column = rng.randrange(1, 70), rng.randrange(1, 12)
        value = rng.choice(["Created", "", None, 907, 2.5, "a & <b>", " spaced "])
        editor.write(row, column, value, rng.choice([0, 1, 3]))
    editor.set_width(10, 16)
    editor.widen_filter(1, 8, 12)
    return editor.render()


def layout_of(layout: SheetLayout | object) -> tuple:
    def span(found):
        return None if found is None else (found.name, found.attrs, found.start, found.end)

    def cell(found):
        return (found.start, found.end, found.empty, found.column, found.style, found.has_ref)

    rows = layout.rows  # type: ignore[attr-defined]
    cells = [
        [
            (*cell(c), span(c.formula))
            for c in (layout.cells(r) if hasattr(layout, "cells") else r.cells)
        ]
        for r in rows
    ]
    return (
        [(span(r.span), r.number) for r in rows],
        cells,
        {name: span(found) for name, found in layout.top.items()},  # type: ignore[attr-defined]
        [span(col) for col in layout.cols],  # type: ignore[attr-defined]
        [(span(m.span), m.bounds) for m in layout.merges],  # type: ignore[attr-defined]
        {key: [(n, cell(c)) for n, c in group] for key, group in layout.shared.items()},  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("variant", list(sheet_variants()))
def test_rows_and_cells_are_found_as_expat_finds_them(variant, monkeypatch):
    sheet = sheet_variants()[variant].encode()
    fast = SheetLayout(sheet)
    uses_patterns = fast._found.patterns_only
    assert uses_patterns == (variant not in ("a comment", "an extension"))
    assert layout_of(fast) == layout_of(_scan_all(sheet))
    for seed in (1, 2):
        by_pattern = edited(sheet, seed)
        with monkeypatch.context() as patched:
            patched.setattr(sheet_layout, "_KEPT_ROWS", 3)  # cells found again, and again
            assert edited(sheet, seed) == by_pattern
        with monkeypatch.context() as patched:
            patched.setattr(SheetLayout, "_scan_fast", lambda self: None)
            assert edited(sheet, seed) == by_pattern
        ElementTree.fromstring(by_pattern)


def students(path: Path, rows: int) -> Path:
    """A workbook of ``rows`` students as openpyxl writes one, with a second sheet."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Students")
    sheet.append(["Student Name", "SIS User ID", "New Login", "Password", "Notes"])
    for n in range(rows):
        sheet.append([f"Pupil {n} Zoë", f"{n:07d}", f"p.{n:06d}", f"Otter-{n:06d}!", ""])
    book.create_sheet("Read me").append(["Send the file back to the office."])
    book.save(path)
    return path


def test_opening_says_how_many_rows_are_read_and_stops_when_asked(tmp_path):
    path = students(tmp_path / "district.xlsx", 3500)
    heard: list[Progress] = []
    doc = open_workbook(path, progress=heard.append)
    assert len(doc.table.rows) == 3500
    done = [progress.done for progress in heard]
    assert done == sorted(done) and done[-1] == 3501 and len(done) >= 3
    assert all(progress.total >= progress.done for progress in heard)
    assert "Students" in heard[0].message

    cancel = CancelToken()

    def stop_at_once(progress: Progress) -> None:
        cancel.cancel()

    with pytest.raises(Cancelled):
        open_workbook(path, progress=stop_at_once, cancel=cancel)
    with pytest.raises(Cancelled):
        Workflow.open(path, cancel=cancel)
    csv = tmp_path / "list.csv"
    csv.write_text("Student Name,New Login\nAva,ava.k\n", encoding="utf-8")
    with pytest.raises(Cancelled):
        Workflow.open(csv, cancel=cancel)
    assert Workflow.open(csv).table.value(0, Role.NEW_LOGIN) == "ava.k"


def test_thousands_of_results_saved_twice_read_back_as_written(tmp_path):
    """The first save adds the output columns after each row's cells; the second writes
    over them (the cells of every row found again)."""
    path = students(tmp_path / "district.xlsx", 5000)
    doc = open_workbook(path)
    results = [
        RowResult(row, Status.CREATED, "Made & sent", str(9000 + row), STAMP)
        for row in range(0, 5000, 2)
    ]
    apply_results(doc.table, results)
    doc.table.set_cell(4999, 4, "left early")
    save_workbook(doc)
    apply_results(doc.table, [RowResult(0, Status.FAILED, "Taken <again>", "", STAMP)])
    apply_results(doc.table, [RowResult(4998, Status.UPDATED, "", "77", STAMP)])
    save_workbook(doc)

    again = open_workbook(path)
    assert [row.cells for row in again.table.rows] == [row.cells for row in doc.table.rows]
    ws = load_book(path, "xlsx")
    values = [[cell.value for cell in row] for row in ws["Students"].iter_rows()]
    assert values[1][5:7] == ["Failed", "Taken <again>"]
    assert values[1][8] == dt.datetime(2026, 5, 9, 10, 15)
    assert values[2][5:] == [None, None, None, None]
    assert values[3][5:8] == ["Created", "Made & sent", 9002]
    assert values[4999][5:7] == ["Updated", None] and values[4999][7] == 77
    assert values[5000][4] == "left early"
    assert [[c.value for c in row] for row in ws["Read me"].iter_rows()] == [
        ["Send the file back to the office."]
    ]


def test_the_garbage_collector_is_left_as_it_was(tmp_path):
    """Reading and saving hold automatic collection off, and give it back as they found
    it: off stays off (the app, and these tests, collect on the main thread only)."""
    path = students(tmp_path / "class.xlsx", 30)
    was = gc.isenabled()
    try:
        gc.enable()
        save_workbook(open_workbook(path))
        assert gc.isenabled()
        gc.disable()
        save_workbook(open_workbook(path))
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_a_part_declaring_an_entity_is_refused(tmp_path):
    """No workbook declares XML entities; one that does (the "billion laughs") is not
    read, neither in its sheet nor in its shared strings."""
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>'
    sheet = random_sheet(7).replace("<worksheet", laughs + "<worksheet", 1)
    with pytest.raises(WorkbookError, match="damaged"):
        open_workbook(package(tmp_path / "laughs.xlsx", sheet))
    path = package(tmp_path / "strings.xlsx", random_sheet(7))
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/sharedStrings.xml"] = laughs.replace("worksheet", "sst").encode() + parts[
        "xl/sharedStrings.xml"
    ].replace(b"<t>Ava</t>", b"<t>&b;</t>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(WorkbookError, match="damaged"):
        open_workbook(path)

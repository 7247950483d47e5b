"""Hostile workbooks built from raw package XML, for tests/test_hostile_files.py and
bench/hostile_files.py: a zip bomb (a small file of highly compressible sheet XML), and
the pieces to make other odd packages."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def workbook_xml(sheet: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


def shared_strings_xml(strings: list[str]) -> str:
    items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in strings)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    )


def sheet_head(dimension: str | None = None) -> str:
    ref = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">{ref}<sheetData>'


SHEET_TAIL = "</sheetData></worksheet>"


def write_package(
    path: Path,
    sheet_chunks: Iterable[str],
    *,
    sheet: str = "Students",
    strings: list[str] | None = None,
    extra_parts: Iterable[tuple[str, bytes]] = (),
) -> Path:
    """A .xlsx package whose sheet XML is ``sheet_chunks`` joined, written part by part
    (a sheet of hundreds of megabytes never sits in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook_xml(sheet))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", shared_strings_xml(strings or []))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for chunk in sheet_chunks:
                part.write(chunk.encode())
        for name, data in extra_parts:
            archive.writestr(name, data)
    return path


def rows_xml(rows: Iterable[list[str]], start: int = 1) -> str:
    """Sheet rows of inline strings (row numbers from ``start``)."""
    out = []
    for number, cells in enumerate(rows, start=start):
        xml = "".join(
            f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>' for text in cells
        )
        out.append(f'<row r="{number}">{xml}</row>')
    return "".join(out)


def write_zip_bomb(
    path: Path, *, rows: int = 30_000, columns: int = 100, dimension: str | None = "A1:B2"
) -> Path:
    """A workbook of ``rows`` x ``columns`` identical cells: about 50 bytes of XML a cell
    that pack to almost nothing (the defaults: 3 million cells, 150 MB of XML in a file of
    a few hundred kilobytes). Its ``<dimension ref>`` lies, as a bomb's would."""
    cell = '<c t="inlineStr"><is><t>ava.k.bomb.x</t></is></c>'
    row_cells = cell * columns

    def chunks() -> Iterable[str]:
        yield sheet_head(dimension)
        yield rows_xml([["SIS User ID", "New Login"]])
        batch: list[str] = []
        for number in range(2, rows + 1):
            batch.append(f'<row r="{number}">{row_cells}</row>')
            if len(batch) == 500:
                yield "".join(batch)
                batch.clear()
        yield "".join(batch)
        yield SHEET_TAIL

    return write_package(path, chunks())

"""The fallback writer: the whole workbook re-saved through openpyxl, and what that loses.

Used only for a file whose package the in-place writer (:mod:`core.workbook.package`)
cannot edit, and then only into a new file unless nothing would be lost: openpyxl
keeps styles, widths, validation lists, conditional formats, other sheets, defined
names and macros, but not everything Excel can put in a file. :func:`what_resave_loses`
names what it would drop, in plain words.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from copy import copy
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell.cell import MergedCell
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel

from core.model import Role
from core.workbook.changes import (
    LOGIN_ID_NUMBER_FORMAT,
    PROCESSED_AT_NUMBER_FORMAT,
    SaveChanges,
    clean_text,
    column_width,
    excel_value,
)
from core.workbook.doc import WorkbookDoc, WorkbookError


def resave_with_openpyxl(doc: WorkbookDoc, changes: SaveChanges) -> bytes:
    """The workbook's bytes, written by openpyxl with ``changes`` applied to ``doc.book``."""
    book = doc.book
    if book is None:
        raise WorkbookError("This workbook was not opened for saving.")
    ws = book[doc.sheet]
    if changes.appended_headers:
        headers = [""] * changes.appended_from + changes.appended_headers
        _append_headers(ws, changes.header_row, changes.appended_from, headers)
        _widen_filter(ws, changes.header_row, changes.appended_from, changes.new_width)
    for cell in changes.cells:
        value = excel_value(cell.text, cell.typed_as)
        if isinstance(value, str) or cell.typed_as is None:
            write_text(ws, cell.row, cell.column, cell.text)
        else:
            _write_typed(ws, cell.row, cell.column, value, cell.typed_as)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book.save(buffer)
    data = buffer.getvalue()
    if any(doc.formula_cache.values()):
        data = restore_cached_values(data, book, doc.formula_cache)
    return data


def write_text(ws: Any, row: int, column: int, text: str) -> None:
    """Store ``text`` as text (never as a formula, even when it starts with ``=``)."""
    cell = _plain_cell(ws, row, column)
    text = clean_text(text)
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"


def _write_typed(ws: Any, row: int, column: int, value: dt.datetime | int, role: Role) -> None:
    """Processed At as an Excel date-time (a date format of the cell's own is kept),
    Canvas Login ID as a whole number."""
    cell = _plain_cell(ws, row, column)
    keep_format = role is Role.PROCESSED_AT and is_date_format(cell.number_format)
    cell.value = value  # openpyxl gives a date-time its own format: ours replaces it
    if not keep_format:
        cell.number_format = (
            PROCESSED_AT_NUMBER_FORMAT if role is Role.PROCESSED_AT else LOGIN_ID_NUMBER_FORMAT
        )


def _plain_cell(ws: Any, row: int, column: int) -> Any:
    """The cell at (row, column), split out of a merged range first."""
    if isinstance(ws._cells.get((row, column)), MergedCell):
        _unmerge_at(ws, row, column)
    return ws.cell(row=row, column=column)


def _unmerge_at(ws: Any, row: int, column: int) -> None:
    """Split the merged range holding the cell; its cells keep showing the shared value."""
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row <= row <= rng.max_row and rng.min_col <= column <= rng.max_col:
            top = ws.cell(row=rng.min_row, column=rng.min_col)
            value, data_type, style = top._value, top.data_type, top._style
            ws.unmerge_cells(rng.coord)
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) == (rng.min_row, rng.min_col):
                        continue
                    cell = ws.cell(row=r, column=c)
                    cell._style = copy(style)
                    if data_type != "f":
                        cell._value, cell.data_type = value, data_type


def _append_headers(ws: Any, header_row: int, first: int, headers: list[str]) -> None:
    """Headers for the appended output columns, styled like the last header cell."""
    style_source = None
    for column in range(first, 0, -1):
        cell = ws._cells.get((header_row, column))
        if cell is not None and cell.value not in (None, ""):
            style_source = cell
            break
    for index in range(first, len(headers)):
        write_text(ws, header_row, index + 1, headers[index])
        cell = ws.cell(row=header_row, column=index + 1)
        if style_source is not None and style_source.has_style:
            cell.font = copy(style_source.font)
            cell.fill = copy(style_source.fill)
            cell.border = copy(style_source.border)
            cell.alignment = copy(style_source.alignment)
        ws.column_dimensions[get_column_letter(index + 1)].width = column_width(headers[index])


def _widen_filter(ws: Any, header_row: int, old_width: int, new_width: int) -> None:
    """A filter over the header row ending at the old last column takes in the new ones."""
    if not ws.auto_filter.ref:
        return
    min_col, min_row, max_col, max_row = range_boundaries(ws.auto_filter.ref)
    if min_row == header_row and max_col == old_width:
        ws.auto_filter.ref = (
            f"{get_column_letter(min_col)}{min_row}:{get_column_letter(new_width)}{max_row}"
        )


_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"((?: [A-Za-z:]+="[^"]*")*)>'
    rb"(<f(?: [^>]*)?/>|<f(?: [^>]*)?>.*?</f>)(?:<v ?/>|<v></v>)",
    re.S,
)


def _cached_xml(value: Any, data_type: str) -> tuple[bytes, bytes]:
    """(the ``t`` attribute, the ``<v>`` text) for a saved formula result."""
    if isinstance(value, bool) or data_type == "b":
        return b' t="b"', b"1" if value else b"0"
    if data_type == "e":
        return b' t="e"', escape(str(value)).encode()
    if isinstance(value, str):
        return b' t="str"', escape(value).encode()
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        value = to_excel(value)
    return b"", repr(value).encode() if isinstance(value, float) else str(value).encode()


def restore_cached_values(
    data: bytes, book: Any, cache: dict[str, dict[tuple[int, int], tuple[Any, str]]]
) -> bytes:
    """Put Excel's saved formula results back into the sheets openpyxl just wrote.

    openpyxl writes formulas without results, so without this a second open (by this
    app or any other reader) would find every formula empty.
    """
    parts: dict[str, dict[tuple[int, int], tuple[Any, str]]] = {}
    for ws in book.worksheets:
        values = cache.get(ws.title)
        if values:
            parts[ws.path.lstrip("/")] = values

    def fill(values: dict[tuple[int, int], tuple[Any, str]]) -> Any:
        def replace(match: re.Match[bytes]) -> bytes:
            column, row, attrs, formula = match.groups()
            hit = values.get((int(row), column_index_from_string(column.decode())))
            if hit is None:
                return match.group(0)
            type_attr, text = _cached_xml(*hit)
            attrs = re.sub(rb' t="[^"]*"', b"", attrs) + type_attr
            return (
                b'<c r="' + column + row + b'"' + attrs + b">" + formula + b"<v>" + text + b"</v>"
            )

        return replace

    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            values = parts.get(info.filename)
            if values:
                content = _FORMULA_CELL.sub(fill(values), content)
            target.writestr(info, content)
    return output.getvalue()


# ---------------------------------------------------------------- what it would lose

#: (what to look for, in which parts, what it is in plain words). A part name ending in
#: "/" matches the parts under it; the bytes are looked for inside the matched parts.
_LOST_FEATURES: tuple[tuple[str, bytes, str], ...] = (
    ("xl/media/", b"", "pictures (they may change)"),
    ("xl/drawings/drawing", b"txBody", "text boxes and shapes"),
    ("xl/charts/", b"", "charts (they may lose their formatting)"),
    ("xl/ctrlProps/", b"", "form buttons, check boxes and other controls"),
    ("xl/drawings/vmlDrawing", b"ObjectType=", "form buttons, check boxes and other controls"),
    ("xl/worksheets/", b"sparklineGroup", "sparklines"),
    ("xl/worksheets/", b"x14:conditionalFormatting", "data bars, icon sets and newer rules"),
    ("xl/worksheets/", b"x14:dataValidation", "drop-down lists that use other sheets"),
    ("xl/sharedStrings.xml", b"<r>", "mixed formatting inside cells (rich text)"),
    ("xl/slicers/", b"", "slicers"),
    ("xl/timelines/", b"", "timelines"),
    ("xl/threadedComments/", b"", "threaded comments and their replies"),
    ("customXml/", b"", "data other programs stored in the file"),
    ("xl/printerSettings/", b"", "printer settings"),
)


def what_resave_loses(data: bytes) -> list[str]:
    """What re-saving the workbook through openpyxl would drop, in plain words, each
    once (empty when it holds nothing openpyxl loses)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["parts of the file this app cannot read"]
    found: list[str] = []
    with archive:
        names = archive.namelist()
        for prefix, needle, words in _LOST_FEATURES:
            if words in found:
                continue
            parts = [name for name in names if name.startswith(prefix)]
            if needle:
                parts = [name for name in parts if needle in _utf8(archive.read(name))]
            if parts:
                found.append(words)
    return found


def _utf8(content: bytes) -> bytes:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace").encode()
    return content

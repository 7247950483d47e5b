"""One sheet's cells read straight from the workbook's package, as text.

openpyxl builds a Python object for every cell of every sheet (for 50,000 students, 7 s
and 275 MB before a row reaches the table). Here only the chosen sheet is read, a row at
a time with the C XML parser, and only each cell's text is kept. The workbook's own
parts (the sheets' names and states, the cell formats, the shared strings) still come
from openpyxl's read-only load, and every value is taken as openpyxl's reader takes it:
numbers (as dates in a date format), booleans, errors, inline and shared strings, and
a formula's saved result; a cell covered by a merged range, except the range's top-left
one, is left out, as openpyxl leaves it out.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree.ElementTree import Element, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE, is_date_format
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601

from core.canvas.errors import Cancelled
from core.model import CancelToken
from core.workbook.text import cell_text, zero_pad_width

__all__ = ["NO_CACHED_VALUE", "SheetText", "read_sheet_text", "shared_strings", "text_content"]

NO_CACHED_VALUE = (
    "This cell holds a formula with no saved value: open and save the file in Excel first."
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
_FORMULA, _INLINE, _TEXT = f"{_MAIN}f", f"{_MAIN}is", f"{_MAIN}t"
_MERGE_CELL = f"{_MAIN}mergeCell"
_DIGITS = "0123456789"
#: Rows read between two looks at the cancel token (and two progress reports).
_ROWS_PER_STEP = 1000

#: Called with the rows read so far.
RowsRead = Callable[[int], None]


@dataclass
class SheetText:
    """A sheet as text: ``grid[row][column]`` (1-based, only filled cells), the cells
    with a problem, the cells stored as numbers without a format that keeps leading
    zeros, and the merged ranges (min row, min column, max row, max column)."""

    grid: dict[int, dict[int, str]] = field(default_factory=dict)
    problems: dict[tuple[int, int], str] = field(default_factory=dict)
    numbers: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _localname(tag: str) -> str:
    return tag.rpartition("}")[2]


def text_content(node: Element) -> str:
    """A string item's text without its formatting (a ``<si>`` or an inline ``<is>``),
    as openpyxl's ``Text.content`` gives it: the plain ``<t>`` and every run's ``<t>``;
    phonetic guides (``<rPh>``) are not part of the text."""
    plain: str | None = None
    runs: list[str] = []
    for child in node:
        name = _localname(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            run: str | None = None
            for part in child:
                if _localname(part.tag) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    if not runs:
        return plain or ""
    return (plain or "") + "".join(runs)


def shared_strings(source: IO[bytes]) -> list[str]:
    """The shared strings part's items, in order."""
    tag = f"{_MAIN}si"
    strings: list[str] = []
    for _, node in iterparse(source):
        if node.tag == tag:
            if len(node) == 1 and node[0].tag == _TEXT:
                strings.append(node[0].text or "")
            else:
                strings.append(text_content(node))
            node.clear()
    return strings


class _Formats:
    """What a cell's style index says about its value: the number format, and whether
    openpyxl reads a number in it as a date or a duration."""

    def __init__(self, book: Any) -> None:
        custom = list(book._number_formats)
        self.codes = [_format_code(style.numFmtId, custom) for style in book._cell_styles]
        self.dates = set(book._date_formats)
        self.durations = set(book._timedelta_formats)
        self.epoch = book.epoch


def _format_code(format_id: int, custom: list[str]) -> str:
    if format_id < BUILTIN_FORMATS_MAX_SIZE:
        return BUILTIN_FORMATS.get(format_id, "General")
    return custom[format_id - BUILTIN_FORMATS_MAX_SIZE]


class _SheetReader:
    """The state of one pass over a sheet part."""

    def __init__(self, ws: Any, formats: _Formats) -> None:
        self.formats = formats
        self.strings: list[str] = ws._shared_strings
        self.out = SheetText()
        self.columns: dict[str, int] = {}
        self.row_number = 0

    def read_row(self, row: Element) -> None:
        number = row.get("r")
        if number is None:
            self.row_number += 1
        else:
            try:
                self.row_number = int(number)
            except ValueError:
                as_float = float(number)
                if not as_float.is_integer():
                    raise
                self.row_number = int(as_float)
        column = 0
        for cell in row:
            if cell.tag == _CELL:
                column = self.read_cell(cell, column)

    def _where(self, reference: str) -> tuple[int, int]:
        letters = reference.rstrip(_DIGITS)
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = column_index_from_string(letters)
        return int(reference[len(letters) :]), column

    def read_cell(self, cell: Element, column: int) -> int:
        """Put one ``<c>`` into the grid; returns its column (for the next cell)."""
        reference = cell.get("r")
        if reference:
            where = self._where(reference)
            column = where[1]
        else:
            column += 1
            where = (self.row_number, column)
        data_type = cell.get("t", "n")
        style = cell.get("s")
        style_id = int(style) if style else 0
        number_format = self.formats.codes[style_id]
        if cell.find(_FORMULA) is not None:
            self._formula_result(cell, data_type, where, number_format)
            return column
        value: Any
        if data_type == "inlineStr":
            inline = cell.find(_INLINE)
            if inline is None:
                return column
            if len(inline) == 1 and inline[0].tag == _TEXT:
                value = inline[0].text or ""
            else:
                value = text_content(inline)
            data_type = "s"
        else:
            value = cell.findtext(_VALUE) or None
            if value is None:
                return column
            if data_type == "s":
                value = self.strings[int(value)]
            elif data_type == "str":
                data_type = "s"
            elif data_type == "n":
                value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                if style_id in self.formats.dates:
                    value, data_type = self._date(value, style_id)
            elif data_type == "b":
                value = bool(int(value))
            elif data_type == "d":
                value = from_ISO8601(value)
        self._put(where, value, data_type, number_format)
        return column

    def _date(self, serial: float, style_id: int) -> tuple[Any, str]:
        formats = self.formats
        try:
            return from_excel(serial, formats.epoch, style_id in formats.durations), "d"
        except (OverflowError, ValueError):
            return "#VALUE!", "e"

    def _formula_result(
        self, cell: Element, data_type: str, where: tuple[int, int], number_format: str
    ) -> None:
        """A formula counts by the result Excel saved with it."""
        saved = cell.find(_VALUE)
        text = None if saved is None else saved.text or ""
        value: Any = text
        kind = "s"
        if text is None or (data_type not in ("str", "inlineStr") and not text):
            self.out.problems[where] = NO_CACHED_VALUE
            self.out.grid.setdefault(where[0], {})[where[1]] = ""
            return
        if data_type == "s":
            index = int(text)
            value = self.strings[index] if 0 <= index < len(self.strings) else ""
        elif data_type == "b":
            value, kind = text.strip() in ("1", "true"), "b"
        elif data_type == "e":
            kind = "e"
        elif data_type not in ("str", "inlineStr"):
            try:
                value, kind = (int(text), "n")
            except ValueError:
                try:
                    value, kind = (float(text), "n")
                except ValueError:
                    value = text
            if kind == "n" and is_date_format(number_format):
                try:
                    value = from_excel(value, self.formats.epoch)
                except (OverflowError, ValueError):
                    value, kind = "#VALUE!", "e"
        self._put(where, value, kind, number_format)

    def _put(self, where: tuple[int, int], value: Any, data_type: str, number_format: str) -> None:
        out = self.out
        if data_type == "s" and "_x" not in value:
            text = value
        elif data_type == "e":
            out.problems[where] = (
                f"This cell shows the error {value}: correct it in Excel or type the value in."
            )
            text = str(value)
        elif isinstance(value, str):
            text = cell_text(value)
        else:
            text = cell_text(value, number_format)
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and not zero_pad_width(number_format)
            ):
                out.numbers.add(where)
        out.grid.setdefault(where[0], {})[where[1]] = text

    def read_merges(self, node: Element) -> None:
        for merge in node:
            if merge.tag == _MERGE_CELL:
                min_col, min_row, max_col, max_row = range_boundaries(merge.get("ref", ""))
                self.out.merged.append((min_row, min_col, max_row, max_col))


def read_sheet_text(
    archive: zipfile.ZipFile,
    ws: Any,
    *,
    last_row: int | None = None,
    rows_read: RowsRead | None = None,
    cancel: CancelToken | None = None,
) -> SheetText:
    """The text of ``ws``, a sheet of openpyxl's read-only workbook of ``archive``.

    ``last_row`` stops after that sheet row (for a look at the top rows);
    ``rows_read`` hears how far it got; a set ``cancel`` raises
    :class:`~core.canvas.errors.Cancelled`. A damaged part raises what the parser or
    the conversion raised (the caller says the file is damaged)."""
    reader = _SheetReader(ws, _Formats(ws.parent))
    merges_tag = f"{_MAIN}mergeCells"
    count = 0
    with archive.open(ws._worksheet_path) as source:
        for _, node in iterparse(source):
            tag = node.tag
            if tag == _ROW:
                reader.read_row(node)
                node.clear()
                count += 1
                if last_row is not None and reader.row_number >= last_row:
                    break
                if count % _ROWS_PER_STEP == 0:
                    if cancel is not None and cancel.cancelled:
                        raise Cancelled()
                    if rows_read is not None:
                        rows_read(count)
            elif tag == merges_tag:
                reader.read_merges(node)
                node.clear()
    out = reader.out
    _drop_merged_cells(out)
    if last_row is not None:
        out.grid = {row: cells for row, cells in out.grid.items() if row <= last_row}
    if rows_read is not None:
        rows_read(count)
    return out


def _drop_merged_cells(sheet: SheetText) -> None:
    """A merged range shows only its top-left cell: the others are not read."""
    for min_row, min_col, max_row, max_col in sheet.merged:
        rows: Iterable[int] = range(min_row, max_row + 1)
        if max_row - min_row >= len(sheet.grid):
            rows = [row for row in sheet.grid if min_row <= row <= max_row]
        for row in rows:
            cells = sheet.grid.get(row)
            if not cells:
                continue
            for column in [c for c in cells if min_col <= c <= max_col]:
                if (row, column) == (min_row, min_col):
                    continue
                del cells[column]
                sheet.problems.pop((row, column), None)
                sheet.numbers.discard((row, column))
            if not cells:
                del sheet.grid[row]

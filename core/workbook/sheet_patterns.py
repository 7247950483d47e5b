"""The patterns that find a worksheet part's rows and cells in its bytes.

Used by :mod:`core.workbook.sheet_layout`, which says when they may be trusted (plain
rows, checked well-formed by expat) and scans element by element otherwise. Each
function returns None when what it looks at is not what it expects, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from xml.parsers import expat

from openpyxl.utils import column_index_from_string

from core.workbook.xml_spans import NotEditable, Span

__all__ = [
    "ATTRS",
    "CellSpan",
    "Patterns",
    "cell_column",
    "cells_carefully",
    "int_or",
    "patterns_for",
    "rows_of",
    "usual_cells",
]

ATTRS = rb"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STYLE = re.compile(rb"""\ss\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_WHITESPACE = re.compile(rb"\s*")
_TAG_CLOSE = re.compile(rb"\s*>")


@dataclass(slots=True)
class CellSpan:
    """A cell as found: where its bytes are, and only what an edit needs of it."""

    start: int
    end: int
    empty: bool
    column: int
    style: int
    has_ref: bool
    formula: Span | None


@dataclass(frozen=True)
class Patterns:
    row: re.Pattern[bytes]
    cell: re.Pattern[bytes]
    formula: re.Pattern[bytes]
    formula_tag: bytes
    row_tag: re.Pattern[bytes]
    row_end: bytes
    #: A cell as Excel writes it: white space before it, the whole cell, its column's
    #: letters, its style, its other attributes, and "/" when it is empty.
    usual_cell: re.Pattern[bytes]


@lru_cache(maxsize=8)
def patterns_for(prefix: bytes) -> Patterns:
    p = re.escape(prefix)

    def whole(name: bytes) -> re.Pattern[bytes]:
        """The element from its start tag to its end tag; its content is group 3."""
        return re.compile(
            rb"<" + p + name + ATTRS + rb"(?:(?<=/>)|(.*?)</" + p + name + rb"\s*>)", re.S
        )

    usual_cell = re.compile(
        rb"""(\s*)(<""" + p + rb"""c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?"""
        rb"""((?:\s+[^\s=/>]+="[^"]*")*)\s*(/?)>(?:(?<=/>)|.*?</""" + p + rb"""c\s*>))""",
        re.S,
    )
    return Patterns(
        row=whole(b"row"),
        cell=whole(b"c"),
        formula=whole(b"f"),
        formula_tag=b"<" + prefix + b"f",
        row_tag=re.compile(rb"<" + p + rb"row" + ATTRS),
        row_end=b"</" + prefix + b"row",
        usual_cell=usual_cell,
    )


def cells_carefully(
    data: bytes, patterns: Patterns, start: int, stop: int
) -> list[CellSpan] | None:
    """The cells of a row's content, looking at each one's attributes and formula."""
    formula_tag = patterns.formula_tag
    cells: list[CellSpan] = []
    column = 0
    for cell in patterns.cell.finditer(data, start, stop):
        if cell.start() != start and data[start : cell.start()].strip():
            return None
        start = cell.end()
        reference, style = _reference_and_style(cell.group(1))
        column = cell_column(reference) if reference else column + 1
        empty = bool(cell.group(2))
        formula = None
        if not empty and data.find(formula_tag, *cell.span(3)) >= 0:
            formula = _formula(data, patterns.formula, *cell.span(3))
        cells.append(CellSpan(cell.start(), start, empty, column, style, bool(reference), formula))
    if data[start:stop].strip():
        return None
    return cells


def usual_cells(
    data: bytes, pattern: re.Pattern[bytes], start: int, stop: int
) -> list[CellSpan] | None:
    """The cells of a row without formulas written as Excel writes them (``r`` first,
    then ``s``); None when the row holds anything else. Ten times faster than looking
    at each cell's attributes, which matters for a district's 400,000 cells."""
    cells: list[CellSpan] = []
    position = start
    for space, whole, letters, style, others, slash in pattern.findall(data, start, stop):
        if b's="' in others:  # a style after another attribute: read the careful way
            return None
        position += len(space)
        end = position + len(whole)
        column = _LETTER_COLUMNS.get(letters) or _letters_column(letters)
        cells.append(CellSpan(position, end, slash == b"/", column, int(style or 0), True, None))
        position = end
    if position != stop and data[position:stop].strip():
        return None
    return cells


_LETTER_COLUMNS: dict[bytes, int] = {}


def _letters_column(letters: bytes) -> int:
    column = _LETTER_COLUMNS[letters] = column_index_from_string(letters.decode())
    return column


def rows_of(
    data: bytes, start: int, stop: int, patterns: Patterns
) -> list[tuple[Span, tuple[int, int]]] | None:
    """The rows that are all of ``data[start:stop]`` but white space, each with where
    its content is ((-1, -1) when it is empty); None when there is more."""
    found: list[tuple[Span, tuple[int, int]]] = []
    closing = patterns.row_end
    position = _skip_space(data, start, stop)
    while position < stop:
        match = patterns.row_tag.match(data, position, stop)
        if match is None:
            return None
        empty = bool(match.group(2))
        end, content = match.end(), (-1, -1)
        if not empty:
            at = data.find(closing, end, stop)
            tail = _TAG_CLOSE.match(data, at + len(closing), stop) if at >= 0 else None
            if tail is None:
                return None
            end, content = tail.end(), (match.end(), at)
        found.append((Span("row", _attributes(match.group(1)), position, end, 2, empty), content))
        position = _skip_space(data, end, stop)
    return found


def _skip_space(data: bytes, start: int, stop: int) -> int:
    match = _WHITESPACE.match(data, start, stop)
    return match.end() if match is not None else start


def _formula(data: bytes, pattern: re.Pattern[bytes], start: int, stop: int) -> Span | None:
    match = pattern.search(data, start, stop)
    if match is None:
        return None
    attrs = _attributes(match.group(1))
    return Span("f", attrs, match.start(), match.end(), 4, bool(match.group(2)))


def _reference_and_style(raw: bytes) -> tuple[str | None, int]:
    """A cell tag's ``r`` and ``s`` (0 when it has none), from its attributes' bytes."""
    if b"&" in raw or b"'" in raw:  # a double-quoted value holds no quote
        attributes = _attributes(raw)
        return attributes.get("r"), int_or(attributes.get("s"), 0)
    found = _REFERENCE.search(raw)
    reference = None if found is None else (found.group(1) or found.group(2) or b"").decode()
    found = _STYLE.search(raw)
    style = None if found is None else (found.group(1) or found.group(2) or b"").decode()
    return reference, int_or(style, 0)


def _attributes(raw: bytes) -> dict[str, str]:
    """A tag's attributes as expat gives them (references and white space resolved)."""
    if not raw:
        return {}
    if b"&" in raw or b"\t" in raw or b"\n" in raw or b"\r" in raw:
        return _expat_attributes(raw)
    return {
        name.decode(): (double if double or not single else single).decode()
        for name, double, single in _ATTRIBUTE.findall(raw)
    }


def _expat_attributes(raw: bytes) -> dict[str, str]:
    attributes: dict[str, str] = {}

    def start(_name: str, attrs: dict[str, str]) -> None:
        attributes.update(attrs)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        parser.Parse(b"<a" + raw + b"/>", True)
    except expat.ExpatError as exc:
        raise NotEditable(f"a tag's attributes could not be read ({exc})") from exc
    return attributes


def int_or(text: str | None, default: int) -> int:
    """``text`` as a whole number, or ``default`` when it is none."""
    try:
        return int(text) if text else default
    except ValueError:
        return default


_COLUMNS: dict[str, int] = {}


def cell_column(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    column = _COLUMNS.get(letters)
    if column is None:
        try:
            column = _COLUMNS[letters] = column_index_from_string(letters)
        except ValueError as exc:
            raise NotEditable(f"a cell has the odd reference '{reference}'") from exc
    return column

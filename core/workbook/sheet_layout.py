"""Where a worksheet part's rows, cells and the other elements a save edits are, as byte spans.

The in-place editor (:mod:`core.workbook.sheet_part`) needs the span of every row, of the
cells of each row it writes, and of a few other elements (the dimension, the columns'
widths, the filter, the merged ranges). expat reports them with two Python calls per
element, two seconds for a district's 50,000 rows. So for the rows and cells, regular
expressions find them instead (:mod:`core.workbook.sheet_patterns`), and a row's cells
only when the row is written (kept for the last rows written only). That is
exact for what Excel writes inside ``sheetData``, once expat has checked that the whole
part is well-formed and when the rows hold no comment, CDATA section, processing
instruction, namespace declaration or extension: then every ``<`` starts a tag and rows
and cells do not nest, so a row ends at the first ``</row>`` after it and a cell at the
first ``</c>``. Any other part is scanned with expat, element by element
(:func:`core.workbook.xml_spans.scan`); the spans found either way are the same.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from operator import attrgetter
from xml.parsers import expat

from openpyxl.utils import range_boundaries

from core.workbook.sheet_patterns import (
    ATTRS,
    CellSpan,
    cell_column,
    cells_carefully,
    int_or,
    patterns_for,
    rows_of,
    usual_cells,
)
from core.workbook.xml_spans import NotEditable, Span, scan

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NAMES = {
    "dimension",
    "cols",
    "col",
    "sheetData",
    "row",
    "c",
    "f",
    "autoFilter",
    "mergeCells",
    "mergeCell",
}
_OUTER_NAMES = _NAMES - {"row", "c", "f"}
_SHEET_DATA = re.compile(rb"<((?:[^\s/<>:]+:)?)sheetData" + ATTRS)
#: Inside sheetData, any of these means the rows are not plain Excel XML.
_NOT_PLAIN = (b"<!", b"<?", b"xmlns", b"extLst")


@dataclass(slots=True)
class RowSpan:
    span: Span
    number: int
    #: Found when asked for (:meth:`SheetLayout.cells`), and let go again (only the
    #: rows written last are kept).
    cells: list[CellSpan] | None = None
    by_column: dict[int, CellSpan] | None = None
    #: Where the row's content starts and ends (found by pattern; else (-1, -1)).
    content: tuple[int, int] = (-1, -1)
    #: Kept once the cells were found: the greatest column (-1 before; 0: no cells),
    #: the least, where the last cell ends, and whether every cell says where it is.
    max_column: int = -1
    min_column: int = 0
    last_end: int = -1
    all_refs: bool = True


@dataclass(slots=True)
class MergeSpan:
    span: Span
    bounds: tuple[int, int, int, int]  # min column, min row, max column, max row


class _Scanned:
    """What a scan finds, handed over element by element."""

    def __init__(self) -> None:
        self.prefix = ""
        self.namespace = ""
        self.patterns = patterns_for(b"")
        #: True when the rows were found by pattern (their cells can be found again).
        self.patterns_only = False
        self.top: dict[str, Span] = {}
        self.cols: list[Span] = []
        self.merges: list[MergeSpan] = []
        self.merge_total = 0
        self.rows: list[RowSpan] = []
        self.shared: dict[str, list[tuple[int, CellSpan]]] = {}
        self._pending_formula: Span | None = None
        self._pending_cells: list[CellSpan] = []

    def take(self, span: Span) -> None:
        """One element, as the scan finds them: children before their parent."""
        name, depth = span.name, span.depth
        if name == "f" and depth == 4:
            self._pending_formula = span
        elif name == "c" and depth == 3:
            formula, self._pending_formula = self._pending_formula, None
            self._pending_cells.append(_cell_span(span, formula, self._pending_cells))
        elif name == "row" and depth == 2:
            cells, self._pending_cells = self._pending_cells, []
            self.set_cells(self.add_row(span), cells)
        elif name == "col" and depth == 2:
            self.cols.append(span)
        elif name == "mergeCell" and depth == 2:
            self.merge_total += 1
            bounds = bounds_of(span.attrs.get("ref", ""))
            if bounds is not None:
                self.merges.append(MergeSpan(span, bounds))
        elif depth == 1:
            self.top.setdefault(name, span)

    def add_row(self, span: Span) -> RowSpan:
        last = self.rows[-1].number if self.rows else 0
        row = RowSpan(span, int_or(span.attrs.get("r"), last + 1))
        self.rows.append(row)
        return row

    def set_cells(self, row: RowSpan, cells: list[CellSpan], formulas: bool = True) -> None:
        """The row's cells (``formulas``: some of them may hold one)."""
        row.cells = cells
        row.by_column = dict(zip(map(_COLUMN_OF, cells), cells, strict=True))
        row.max_column = max(row.by_column, default=0)
        row.min_column = min(row.by_column, default=0)
        row.last_end = cells[-1].end if cells else -1
        row.all_refs = all(map(_HAS_REF, cells))
        if not formulas:
            return
        for cell in cells:
            if cell.formula is not None and cell.formula.attrs.get("t") == "shared":
                si = cell.formula.attrs.get("si", "")
                self.shared.setdefault(si, []).append((row.number, cell))


class SheetLayout:
    """One worksheet part's spans: ``top`` (the elements directly under the root, first
    of each name), ``cols``, ``merges``, ``rows`` and, through :meth:`cells`, the cells
    of a row; ``shared`` lists the cells of each shared formula."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        found = self._scan_fast()
        if found is None:
            found = _scan_all(data)
        if found.namespace != MAIN_NS:
            raise NotEditable("the sheet is not in the usual SpreadsheetML namespace")
        if "sheetData" not in found.top:
            raise NotEditable("the sheet has no cell data")
        self._found = found
        #: Rows whose cells were found by pattern can be found again: only the last
        #: ones asked for keep them (400,000 cells of a district take 80 MB).
        self._let_go = found.patterns_only and not found.shared
        self._kept: deque[RowSpan] = deque()
        self.prefix = found.prefix
        self.top, self.cols, self.merges = found.top, found.cols, found.merges
        self.merge_total, self.rows = found.merge_total, found.rows
        self.row_at = {row.number: row for row in self.rows}

    @property
    def shared(self) -> dict[str, list[tuple[int, CellSpan]]]:
        return self._found.shared

    def _scan_fast(self) -> _Scanned | None:
        """The outer elements by expat, the rows by pattern; None for a part whose rows
        are not plain."""
        data = self.data
        opening = _SHEET_DATA.search(data)
        if (
            opening is None
            or opening.group(3)
            or data.find(b"<!", 0, opening.start()) >= 0
            or data.find(b"<?", data.find(b"<") + 1, opening.start()) >= 0
        ):
            return None
        prefix = opening.group(1)
        inner_start = opening.end()
        closing = re.compile(rb"</" + re.escape(prefix) + rb"sheetData\s*>")
        found_end = closing.search(data, inner_start)
        if found_end is None:
            return None
        inner_end = found_end.start()
        if any(data.find(marker, inner_start, inner_end) >= 0 for marker in _NOT_PLAIN):
            return None
        rows = rows_of(data, inner_start, inner_end, patterns_for(prefix))
        if rows is None:
            return None
        try:
            expat.ParserCreate().Parse(data, True)
        except expat.ExpatError as exc:
            raise NotEditable(f"the part's XML could not be read ({exc})") from exc
        cut, removed = inner_start, inner_end - inner_start
        found = _Scanned()

        def take_outer(span: Span) -> None:
            if span.start >= cut:
                span.start += removed
            if span.end > cut:
                span.end += removed
            found.take(span)

        try:
            outer = scan(data[:inner_start] + data[inner_end:], _OUTER_NAMES, take_outer)
        except NotEditable:
            return None
        sheet_data = found.top.get("sheetData")
        if (
            outer.prefix.encode() != prefix
            or sheet_data is None
            or sheet_data.start != opening.start()
        ):
            return None
        found.prefix, found.namespace = outer.prefix, outer.namespace
        found.patterns = patterns_for(prefix)
        found.patterns_only = True
        for span, content in rows:
            found.add_row(span).content = content
        if data.find(b"shared", inner_start, inner_end) >= 0:
            for row in found.rows:
                self._fill(found, row)
        return found

    def cells(self, row: RowSpan) -> list[CellSpan]:
        """The cells of ``row``, in the order the part has them."""
        if row.cells is None:
            self._fill(self._found, row)
            if self._let_go:
                self._kept.append(row)
                if len(self._kept) > _KEPT_ROWS:
                    old = self._kept.popleft()
                    old.cells = old.by_column = None
        assert row.cells is not None
        return row.cells

    def append_at(self, row: RowSpan, first_column: int) -> int | None:
        """Where cells from ``first_column`` on go when they all come after the row's
        cells, which all say where they are: just after the last one; else None."""
        if row.max_column < 0:
            self.cells(row)
        if row.last_end < 0 or first_column <= row.max_column or not row.all_refs:
            return None
        return row.last_end

    def by_column(self, row: RowSpan) -> dict[int, CellSpan]:
        self.cells(row)
        assert row.by_column is not None
        return row.by_column

    def _fill(self, found: _Scanned, row: RowSpan) -> None:
        if self._found_cells(found, row):
            return
        # The row holds something unusual: every row's cells as expat finds them.
        scanned = _scan_all(self.data)
        if len(scanned.rows) != len(found.rows):
            raise NotEditable("the sheet's rows could not be told apart")
        for mine, theirs in zip(found.rows, scanned.rows, strict=True):
            assert theirs.cells is not None
            found.set_cells(mine, theirs.cells, formulas=False)
        found.shared = scanned.shared
        found.patterns_only = False  # these cells can only be found by expat again
        self._let_go = False

    def _found_cells(self, found: _Scanned, row: RowSpan) -> bool:
        """Give ``row`` its cells, found by pattern; False when it holds anything else."""
        span = row.span
        if span.empty:
            found.set_cells(row, [], formulas=False)
            return True
        patterns = found.patterns
        data = self.data
        start, stop = row.content
        if start < 0:
            match = patterns.row.match(data, span.start, span.end)
            if match is None:
                return False
            start, stop = match.span(3)
        if data.find(patterns.formula_tag, start, stop) < 0:
            usual = usual_cells(data, patterns.usual_cell, start, stop)
            if usual is not None:
                found.set_cells(row, usual, formulas=False)
                return True
        cells = cells_carefully(data, patterns, start, stop)
        if cells is None:
            return False
        found.set_cells(row, cells)
        return True


_COLUMN_OF = attrgetter("column")
_HAS_REF = attrgetter("has_ref")
#: Rows whose cells are kept at once when they can be found again.
_KEPT_ROWS = 256


def _scan_all(data: bytes) -> _Scanned:
    """Every element an edit needs, found by expat."""
    found = _Scanned()
    result = scan(data, _NAMES, found.take)
    found.prefix, found.namespace = result.prefix, result.namespace
    found.patterns = patterns_for(result.prefix.encode())
    return found


def _cell_span(span: Span, formula: Span | None, before: list[CellSpan]) -> CellSpan:
    reference = span.attrs.get("r")
    column = cell_column(reference) if reference else (before[-1].column if before else 0) + 1
    style = int_or(span.attrs.get("s"), 0)
    return CellSpan(span.start, span.end, span.empty, column, style, bool(reference), formula)


def bounds_of(ref: str) -> tuple[int, int, int, int] | None:
    """(min column, min row, max column, max row) of a range, or None."""
    try:
        bounds = range_boundaries(ref.split()[0])
    except (ValueError, TypeError, IndexError):
        return None
    if None in bounds:
        return None
    return bounds

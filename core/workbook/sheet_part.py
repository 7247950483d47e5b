"""Editing cells inside one worksheet part, leaving every other byte of it as it was.

Only the ``<c>`` elements a save writes are replaced or inserted (in column order, in
their ``<row>``; a missing row is inserted in row order). Around them the part keeps
its other cells, rows, conditional formats, validations, extensions (sparklines, data
bars) and namespaces. Besides the cells, a save may touch: the ``dimension`` (to
cover the written cells), ``cols`` (widths of appended columns), the sheet's
``autoFilter`` (widened over appended columns), a ``mergeCell`` split because a cell in
it is written, and the formulas of cells that shared a formula with a written cell.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter

from core.workbook.sheet_layout import RowSpan, SheetLayout, bounds_of
from core.workbook.sheet_patterns import CellSpan, int_or
from core.workbook.xml_spans import (
    element,
    element_text,
    end_tag_start,
    set_attributes,
    splice,
    tag_end,
    text_bytes,
)

#: Literal text that Excel would read as one of its ``_xHHHH_`` character escapes.
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

CellValue = str | int | float | None
_Where = tuple[int, int]  # (row, column), 1-based


class SheetEditor:
    """One worksheet part: read once, then :meth:`write` cells and :meth:`render`."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        layout = SheetLayout(data)
        self._layout = layout
        self._prefix = layout.prefix
        self._top = layout.top
        self._rows = layout.rows
        self._row_at = layout.row_at
        self._merges = layout.merges
        self._column_styles = [
            (int_or(col.attrs.get("min"), 0), int_or(col.attrs.get("max"), 0), style)
            for col in layout.cols
            if (style := int_or(col.attrs.get("style"), 0))
        ]
        self._cells: dict[tuple[int, int], bytes] = {}
        self._widths: dict[int, float] = {}
        self._filter_ref: str | None = None
        self._split: set[int] = set()
        #: Sheet row -> the merged ranges that cover it (made at the first write).
        self._merges_by_row: dict[int, list[int]] | None = None
        #: True once a written cell replaced a formula (the calculation chain is stale).
        self.formulas_removed = False

    # ------------------------------------------------------------------ reading

    def _cell(self, row: int, column: int) -> CellSpan | None:
        found = self._row_at.get(row)
        return None if found is None else self._layout.by_column(found).get(column)

    def style_at(self, row: int, column: int) -> int:
        """The cell format a cell shows: its own, else its row's, else its column's."""
        cell = self._cell(row, column)
        if cell is not None:
            return cell.style
        found = self._row_at.get(row)
        if found is not None and found.span.attrs.get("customFormat") in ("1", "true"):
            return int_or(found.span.attrs.get("s"), 0)
        for low, high, style in self._column_styles:
            if low <= column <= high:
                return style
        return 0

    def has_value(self, row: int, column: int) -> bool:
        cell = self._cell(row, column)
        return cell is not None and not cell.empty

    # ------------------------------------------------------------------ writing

    def write(self, row: int, column: int, value: CellValue, style: int) -> None:
        """Set one cell (text is stored as text; None leaves it empty with its format)."""
        if self._merges:
            self._split_merge_at(row, column)
        self._put(row, column, self._cell_xml(row, column, value, style))

    def _put(self, row: int, column: int, xml: bytes) -> None:
        old = self._cell(row, column)
        if old is not None and old.formula is not None:
            self.formulas_removed = True
        self._cells[(row, column)] = xml

    def _cell_xml(self, row: int, column: int, value: CellValue, style: int) -> bytes:
        p = self._prefix
        start = f'<{p}c r="{get_column_letter(column)}{row}"' + (f' s="{style}"' if style else "")
        if value is None or value == "":
            return f"{start}/>".encode()
        if isinstance(value, str):
            text = _LOOKS_ESCAPED.sub(r"_x005F_\1", value) if "_x" in value else value
            space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
            if "&" in text or "<" in text or ">" in text:
                text = escape(text)
            return (
                f'{start} t="inlineStr"><{p}is><{p}t{space}>{text}</{p}t></{p}is></{p}c>'.encode()
            )
        number = repr(value) if isinstance(value, float) else str(value)
        return f"{start}><{p}v>{number}</{p}v></{p}c>".encode()

    def _split_merge_at(self, row: int, column: int) -> None:
        """Split the merged range holding the cell; its cells keep showing the top-left
        value (a formula's only in the top-left cell) in its format."""
        if self._merges_by_row is None:
            self._merges_by_row = {}
            for index, merge in enumerate(self._merges):
                for number in range(merge.bounds[1], merge.bounds[3] + 1):
                    self._merges_by_row.setdefault(number, []).append(index)
        for index in self._merges_by_row.get(row, ()):
            low_col, low_row, high_col, high_row = self._merges[index].bounds
            if index in self._split or not low_col <= column <= high_col:
                continue
            self._split.add(index)
            top = self._cell(low_row, low_col)
            for r in range(low_row, high_row + 1):
                for c in range(low_col, high_col + 1):
                    if (r, c) != (low_row, low_col):
                        self._put(r, c, self._copy_of(top, r, c))

    def _copy_of(self, top: CellSpan | None, row: int, column: int) -> bytes:
        reference = f"{get_column_letter(column)}{row}"
        if top is None or top.formula is not None:
            style = [("s", str(top.style))] if top is not None and top.style else []
            return element(self._prefix, "c", [("r", reference), *style], None)
        raw = self._data[top.start : top.end]
        stop = tag_end(raw, 0)
        return set_attributes(raw[:stop], {"r": reference}) + raw[stop:]

    def set_width(self, column: int, width: float) -> None:
        self._widths[column] = width

    def widen_filter(self, header_row: int, old_width: int, new_width: int) -> None:
        """A filter over the header row ending at the old last column takes in the new ones."""
        span = self._top.get("autoFilter")
        if span is None or not span.attrs.get("ref"):
            return
        bounds = bounds_of(span.attrs["ref"])
        if bounds is None:
            return
        min_col, min_row, max_col, max_row = bounds
        if min_row == header_row and max_col == old_width:
            self._filter_ref = (
                f"{get_column_letter(min_col)}{min_row}:{get_column_letter(new_width)}{max_row}"
            )

    # ------------------------------------------------------------------ the new part

    def render(self) -> bytes:
        """The part with the written cells and everything else as it was."""
        cells = dict(self._cells)
        cells.update(self._unshared_formulas(cells))
        by_row: dict[int, dict[int, bytes]] = {}
        for (row, column), xml in cells.items():
            by_row.setdefault(row, {})[column] = xml
        edits = self._row_edits(by_row)
        edits += self._dimension_edit(cells)
        edits += self._cols_edit()
        edits += self._merge_edits()
        span = self._top.get("autoFilter")
        if self._filter_ref is not None and span is not None:
            stop = tag_end(self._data, span.start)
            tag = set_attributes(self._data[span.start : stop], {"ref": self._filter_ref})
            edits.append((span.start, stop, tag))
        return splice(self._data, edits)

    def _row_edits(self, by_row: dict[int, dict[int, bytes]]) -> list[tuple[int, int, bytes]]:
        data, p = self._data, self._prefix
        edits: list[tuple[int, int, bytes]] = []
        new_rows: dict[int, list[int]] = {}  # insertion offset -> row numbers
        sheet_data = self._top["sheetData"]
        tail = sheet_data.end if sheet_data.empty else end_tag_start(data, sheet_data)
        for number in sorted(by_row):
            row = self._row_at.get(number)
            if row is not None:
                edits.append((row.span.start, row.span.end, self._rebuilt(row, by_row[number])))
                continue
            following = next((r for r in self._rows if r.number > number), None)
            new_rows.setdefault(following.span.start if following else tail, []).append(number)
        for offset, numbers in new_rows.items():
            xml = b"".join(
                element(
                    p,
                    "row",
                    [("r", str(n))],
                    b"".join(by_row[n][c] for c in sorted(by_row[n])),
                )
                for n in numbers
            )
            if sheet_data.empty and offset == tail:
                tag = data[sheet_data.start : sheet_data.end]
                opened = tag[:-2].rstrip() + b">"
                filled = opened + xml + _end(p, "sheetData")
                edits.append((sheet_data.start, sheet_data.end, filled))
            else:
                edits.append((offset, offset, xml))
        if new_rows:
            for row in self._rows:  # a row without its number is counted from the one above
                if "r" not in row.span.attrs and row.number not in by_row:
                    stop = tag_end(data, row.span.start)
                    tag = set_attributes(data[row.span.start : stop], {"r": str(row.number)})
                    edits.append((row.span.start, stop, tag))
        return edits

    def _rebuilt(self, row: RowSpan, new: dict[int, bytes]) -> bytes:
        data, span, layout = self._data, row.span, self._layout
        stop = tag_end(data, span.start)
        changes: dict[str, str | None] = {}
        if "r" not in span.attrs:
            changes["r"] = str(row.number)
        last = layout.append_at(row, min(new))
        if "spans" in span.attrs:
            low, high = min(new), max(new)
            if row.max_column > 0:  # the row has cells
                low, high = min(low, row.min_column), max(high, row.max_column)
            changes["spans"] = f"{low}:{high}"
        tag = set_attributes(data[span.start : stop], changes)
        if last is not None:  # the new cells all go after the others
            added = b"".join(new[c] for c in sorted(new))
            return tag + data[stop:last] + added + data[last : span.end]
        cells = layout.cells(row)
        existing = {cell.column for cell in cells}
        inserts = sorted(column for column in new if column not in existing)
        if span.empty:
            opened = tag[:-2].rstrip() + b">"
            return opened + b"".join(new[c] for c in inserts) + _end(self._prefix, "row")
        out = [tag]
        position = stop
        for cell in cells:
            out.append(data[position : cell.start])
            while inserts and inserts[0] < cell.column:
                out.append(new[inserts.pop(0)])
            if cell.column in new:
                out.append(new[cell.column])
            else:
                raw = data[cell.start : cell.end]
                if not cell.has_ref:
                    cell_stop = tag_end(raw, 0)
                    reference = f"{get_column_letter(cell.column)}{row.number}"
                    raw = set_attributes(raw[:cell_stop], {"r": reference}) + raw[cell_stop:]
                out.append(raw)
            position = cell.end
        out.extend(new[c] for c in inserts)
        out.append(data[position : span.end])
        return b"".join(out)

    def _unshared_formulas(self, cells: dict[_Where, bytes]) -> dict[_Where, bytes]:
        """Cells that shared the formula of a cell now overwritten get it written out."""
        data, p = self._data, self._prefix
        out: dict[tuple[int, int], bytes] = {}
        for group in self._layout.shared.values():
            master = next(
                (
                    (number, cell)
                    for number, cell in group
                    if cell.formula is not None and "ref" in cell.formula.attrs
                ),
                None,
            )
            if master is None or (master[0], master[1].column) not in cells:
                continue
            number, cell = master
            assert cell.formula is not None
            text = element_text(data[cell.formula.start : cell.formula.end])
            origin = f"{get_column_letter(cell.column)}{number}"
            for row, other in group:
                if other is cell or (row, other.column) in cells or other.formula is None:
                    continue
                target = f"{get_column_letter(other.column)}{row}"
                formula = Translator("=" + text, origin=origin).translate_formula(target)[1:]
                f = other.formula
                out[(row, other.column)] = (
                    data[other.start : f.start]
                    + element(p, "f", [], text_bytes(formula))
                    + data[f.end : other.end]
                )
        return out

    def _dimension_edit(self, cells: dict[tuple[int, int], bytes]) -> list[tuple[int, int, bytes]]:
        span = self._top.get("dimension")
        if span is None or not cells:
            return []
        bounds = bounds_of(span.attrs.get("ref", ""))
        rows = [row for row, _ in cells]
        columns = [column for _, column in cells]
        if bounds is not None:
            rows += [bounds[1], bounds[3]]
            columns += [bounds[0], bounds[2]]
        ref = f"{get_column_letter(min(columns))}{min(rows)}"
        if (min(rows), min(columns)) != (max(rows), max(columns)):
            ref += f":{get_column_letter(max(columns))}{max(rows)}"
        stop = tag_end(self._data, span.start)
        return [(span.start, stop, set_attributes(self._data[span.start : stop], {"ref": ref}))]

    def _cols_edit(self) -> list[tuple[int, int, bytes]]:
        if not self._widths:
            return []
        data, p = self._data, self._prefix
        pieces: list[tuple[int, bytes]] = []
        covered: set[int] = set()
        for col in self._layout.cols:
            low, high = int_or(col.attrs.get("min"), 0), int_or(col.attrs.get("max"), 0)
            inside = [column for column in sorted(self._widths) if low <= column <= high]
            if not inside:
                pieces.append((low, data[col.start : col.end]))
                continue
            covered.update(inside)
            current = low
            for column in inside:
                if current < column:
                    pieces.append((current, self._col(col.attrs, current, column - 1, None)))
                pieces.append((column, self._col(col.attrs, column, column, self._widths[column])))
                current = column + 1
            if current <= high:
                pieces.append((current, self._col(col.attrs, current, high, None)))
        for column in sorted(set(self._widths) - covered):
            pieces.append((column, self._col({}, column, column, self._widths[column])))
        inner = b"".join(xml for _, xml in sorted(pieces, key=lambda piece: piece[0]))
        span = self._top.get("cols")
        if span is None:
            at = self._top["sheetData"].start
            return [(at, at, element(p, "cols", [], inner))]
        return [(span.start, span.end, element(p, "cols", list(span.attrs.items()), inner))]

    def _col(self, attrs: dict[str, str], low: int, high: int, width: float | None) -> bytes:
        values = {**attrs, "min": str(low), "max": str(high)}
        if width is not None:
            values.update(width=f"{width:g}", customWidth="1")
        ordered = [("min", values.pop("min")), ("max", values.pop("max")), *values.items()]
        return element(self._prefix, "col", ordered, None)

    def _merge_edits(self) -> list[tuple[int, int, bytes]]:
        if not self._split:
            return []
        span = self._top.get("mergeCells")
        if span is None:
            return []
        if len(self._split) == self._layout.merge_total:
            return [(span.start, span.end, b"")]
        stop = tag_end(self._data, span.start)
        count = str(self._layout.merge_total - len(self._split))
        tag = set_attributes(self._data[span.start : stop], {"count": count})
        edits = [(span.start, stop, tag)]
        for index in self._split:
            merge = self._merges[index].span
            edits.append((merge.start, merge.end, b""))
        return edits


def _end(prefix: str, name: str) -> bytes:
    return f"</{prefix}{name}>".encode()

"""Saving into an .xlsx/.xlsm package: the written sheet's cells edited in place, every
other part copied through unchanged.

A workbook is a zip of parts. A save replaces only: the worksheet part of the sheet
read (found through xl/workbook.xml and its relationships), xl/styles.xml when a cell
needs a number format the workbook lacks, and a table (list object) part when the
appended output columns join it. Pictures, text boxes, form controls, sparklines, data
bars, rich text and parts no library knows survive byte for byte. Text goes into the
sheet as inline strings, so the shared strings part is never rewritten.

One exception: writing over a formula leaves Excel's calculation chain
(xl/calcChain.xml) naming a cell that no longer has one, which Excel reports as
damage, so then the chain is left out (Excel rebuilds it).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.etree.ElementTree import XML

from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, to_excel

from core.model import Role
from core.workbook.changes import (
    LOGIN_ID_NUMBER_FORMAT,
    PROCESSED_AT_NUMBER_FORMAT,
    TEXT_NUMBER_FORMAT,
    CellWrite,
    SaveChanges,
    clean_text,
    column_width,
    excel_value,
    excel_would_convert,
)
from core.workbook.formulas import MAIN, relationships, rels_part_of, sheet_parts
from core.workbook.sheet_part import CellValue, SheetEditor
from core.workbook.styles_part import Styles
from core.workbook.xml_spans import (
    NotEditable,
    Span,
    append_children,
    element,
    scan,
    set_attributes,
    splice,
    tag_end,
)

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_CONTENT_TYPES = "[Content_Types].xml"
_COPYABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class Package:
    """An .xlsx/.xlsm file's parts, read from its bytes."""

    def __init__(self, data: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise NotEditable("the file is not a zip package") from exc
        names = self._zip.namelist()
        if len(set(names)) != len(names):
            raise NotEditable("the package holds two parts with the same name")
        self.names = set(names)
        self.workbook_part = next(
            (
                target
                for rel_type, target in relationships(self._zip, "").values()
                if rel_type.endswith("/officeDocument")
            ),
            "xl/workbook.xml",
        )
        if self.workbook_part not in self.names:
            raise NotEditable("the package has no workbook part")

    def read(self, part: str) -> bytes:
        try:
            return self._zip.read(part)
        except KeyError as exc:
            raise NotEditable(f"the package has no part '{part}'") from exc

    def sheet_part(self, title: str) -> str:
        part = sheet_parts(self._zip).get(title)
        if part is None or part not in self.names:
            raise NotEditable(f"the sheet '{title}' has no worksheet part")
        return part

    def related(self, part: str, kind: str) -> list[tuple[str, str]]:
        """(relationship id, part) of ``part``'s relationships of type ``kind``."""
        return [
            (rel_id, target)
            for rel_id, (rel_type, target) in relationships(self._zip, part).items()
            if rel_type == _REL + kind and target in self.names
        ]

    def date1904(self) -> bool:
        root = XML(self.read(self.workbook_part))
        properties = root.find(f"{MAIN}workbookPr")
        return properties is not None and properties.get("date1904") in ("1", "true")

    def rebuild(self, replaced: dict[str, bytes], removed: set[str]) -> bytes:
        """The package with ``replaced`` parts' new bytes and without ``removed``; every
        other part keeps its bytes, and all keep their order, dates and compression."""
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w") as target:
            for info in self._zip.infolist():
                if info.filename in removed:
                    continue
                content = replaced.get(info.filename)
                if content is None:
                    content = self._zip.read(info)
                entry = zipfile.ZipInfo(info.filename, info.date_time)
                entry.compress_type = (
                    info.compress_type if info.compress_type in _COPYABLE else zipfile.ZIP_DEFLATED
                )
                entry.external_attr = info.external_attr
                entry.create_system = info.create_system
                entry.comment = info.comment
                target.writestr(entry, content)
        return output.getvalue()


def check_editable(data: bytes, sheet: str) -> None:
    """NotEditable when :func:`edit_package` could not save into this package."""
    package = Package(data)
    SheetEditor(package.read(package.sheet_part(sheet)))
    styles = package.related(package.workbook_part, "styles")
    if styles:
        Styles(package.read(styles[0][1]))


def edit_package(data: bytes, sheet: str, changes: SaveChanges) -> bytes:
    """The package ``data`` with ``changes`` written into the sheet titled ``sheet``."""
    package = Package(data)
    sheet_part = package.sheet_part(sheet)
    editor = SheetEditor(package.read(sheet_part))
    styles_rels = package.related(package.workbook_part, "styles")
    styles_part = styles_rels[0][1] if styles_rels else None
    styles = Styles(package.read(styles_part)) if styles_part else None
    if changes.appended_headers:
        _append_headers(editor, changes)
    epoch = MAC_EPOCH if package.date1904() else WINDOWS_EPOCH
    contents: dict[tuple[str, Role | None, int], tuple[CellValue, int]] = {}
    for cell in changes.cells:
        style = editor.style_at(cell.row, cell.column)
        key = (cell.text, cell.typed_as, style)
        content = contents.get(key)
        if content is None:  # a run's Status, Message and Processed At repeat a lot
            content = contents[key] = _content(styles, cell, style, epoch)
        editor.write(cell.row, cell.column, *content)
    replaced = {sheet_part: editor.render()}
    if styles is not None and styles_part is not None and styles.changed:
        replaced[styles_part] = styles.render()
    if changes.appended_headers:
        for _, table_part in package.related(sheet_part, "table"):
            joined = join_table(package.read(table_part), changes)
            if joined is not None:
                replaced[table_part] = joined
    removed: set[str] = set()
    if editor.formulas_removed:
        removed = _drop_calc_chain(package, replaced)
    return package.rebuild(replaced, removed)


def _append_headers(editor: SheetEditor, changes: SaveChanges) -> None:
    """Headers of the appended columns, in the format of the last header cell, with widths."""
    row, first = changes.header_row, changes.appended_from
    style = next(
        (editor.style_at(row, c) for c in range(first, 0, -1) if editor.has_value(row, c)), 0
    )
    for offset, header in enumerate(changes.appended_headers):
        column = first + offset + 1
        editor.write(row, column, clean_text(header), style)
        editor.set_width(column, column_width(header))
    editor.widen_filter(row, first, changes.new_width)


def _content(
    styles: Styles | None, cell: CellWrite, style: int, epoch: dt.datetime
) -> tuple[CellValue, int]:
    """What the cell holds and its format, given the format it has: Processed At a
    date-time (a date format of the cell's own is kept), Canvas Login ID a whole number,
    text as text (in the Text format where the cell is General and Excel would otherwise
    convert what is typed)."""
    value = excel_value(cell.text, cell.typed_as)
    if styles is None:
        return clean_text(cell.text), style
    if isinstance(value, dt.datetime):
        if not styles.is_date(style):
            style = styles.with_number_format(style, PROCESSED_AT_NUMBER_FORMAT)
        return to_excel(value, epoch), style
    if isinstance(value, int):
        return value, styles.with_number_format(style, LOGIN_ID_NUMBER_FORMAT)
    text = clean_text(value)
    if excel_would_convert(text) and styles.number_format(style) == "General":
        style = styles.with_number_format(style, TEXT_NUMBER_FORMAT)
    return text, style


def join_table(data: bytes, changes: SaveChanges) -> bytes | None:
    """A table whose header is the header row and whose last column was the sheet's
    last takes in the appended columns; None when it stays as it was."""
    found = scan(data, {"table", "autoFilter", "tableColumns", "tableColumn"})
    spans = {(span.name, span.depth): span for span in found.spans}
    table, columns = spans.get(("table", 0)), spans.get(("tableColumns", 1))
    if table is None or columns is None or table.attrs.get("headerRowCount") == "0":
        return None
    ref = _joined_ref(table.attrs.get("ref", ""), changes)
    existing = [span for span in found.spans if span.name == "tableColumn" and span.depth == 2]
    names = {span.attrs.get("name", "").casefold() for span in existing}
    if ref is None or any(h.casefold() in names for h in changes.appended_headers):
        return None
    next_id = max((int(s.attrs.get("id", "0") or 0) for s in existing), default=0) + 1
    new_columns = b"".join(
        element(found.prefix, "tableColumn", [("id", str(next_id + i)), ("name", header)], None)
        for i, header in enumerate(changes.appended_headers)
    )
    edits = [_set_ref(data, table, ref)]
    auto_filter = spans.get(("autoFilter", 1))
    if auto_filter is not None:
        filter_ref = _joined_ref(auto_filter.attrs.get("ref", ""), changes)
        if filter_ref is not None:
            edits.append(_set_ref(data, auto_filter, filter_ref))
    count = len(existing) + len(changes.appended_headers)
    edits += append_children(data, columns, new_columns, count)
    return splice(data, edits)


def _joined_ref(ref: str, changes: SaveChanges) -> str | None:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (TypeError, ValueError):
        return None
    if min_row != changes.header_row or max_col != changes.appended_from:
        return None
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(changes.new_width)}{max_row}"


def _set_ref(data: bytes, span: Span, ref: str) -> tuple[int, int, bytes]:
    stop = tag_end(data, span.start)
    return span.start, stop, set_attributes(data[span.start : stop], {"ref": ref})


def _drop_calc_chain(package: Package, replaced: dict[str, bytes]) -> set[str]:
    """Leave out the calculation chain, its relationship and its content type."""
    chains = package.related(package.workbook_part, "calcChain")
    if not chains:
        return set()
    rel_id, part = chains[0]
    rels = rels_part_of(package.workbook_part)
    replaced[rels] = _without(package.read(rels), "Relationship", "Id", rel_id)
    if _CONTENT_TYPES in package.names:
        replaced[_CONTENT_TYPES] = _without(
            package.read(_CONTENT_TYPES), "Override", "PartName", "/" + part
        )
    return {part}


def _without(data: bytes, name: str, attribute: str, value: str) -> bytes:
    found = scan(data, {name})
    return splice(
        data,
        [
            (span.start, span.end, b"")
            for span in found.spans
            if span.depth == 1 and span.attrs.get(attribute) == value
        ],
    )

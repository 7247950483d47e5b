"""Writing the table back into its workbook: output columns and edited cells only.

Everything else (styles, widths, validation lists, conditional formats, other sheets,
defined names, formulas and their saved values, macros) stays as it was. The save is
atomic: a temporary file in the same folder replaces the original only once complete.

What a cell gets is :func:`file_text`: the table's text, except that a row showing what
Check with Canvas found gets no outcome word a run did not produce (its "Already
exists" is saved as "Ready", with the check's message). In .xlsx/.xlsm files
``Processed At`` is an Excel date-time (local time) and ``Canvas Login ID`` a number;
both read back as the same text. A CSV keeps the text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import os
import re
import stat
import tempfile
import warnings
import zipfile
from copy import copy
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel

from core.model import DONE_STATUSES, OUTPUT_ROLES, Role, Status, Table
from core.workbook.csv_io import render_csv
from core.workbook.doc import (
    WorkbookDoc,
    WorkbookError,
    WorkbookLockedError,
    kind_for,
    lock_files,
    locked_message,
)

#: Widths (in Excel's character units) for output columns the app appends.
_OUTPUT_WIDTHS: dict[str, float] = {
    Role.STATUS.value: 16,
    Role.MESSAGE.value: 60,
    Role.CANVAS_LOGIN_ID.value: 16,
    Role.PROCESSED_AT.value: 22,
}
_LOCKED_ERRNOS = {1, 11, 13, 16, 26}  # EPERM, EAGAIN, EACCES, EBUSY, ETXTBSY
#: Excel's number format for a Processed At cell (reads back as the text the app shows).
PROCESSED_AT_NUMBER_FORMAT = "yyyy-mm-dd hh:mm:ss"
#: A whole number Excel shows in full (General shows 1.23457E+13 for long ids).
LOGIN_ID_NUMBER_FORMAT = "0"
#: Digits Excel keeps exactly in a number.
_EXCEL_DIGITS = 15
_DONE_WORDS = frozenset(status.value for status in DONE_STATUSES)


def check_save_target(doc: WorkbookDoc, path: str | Path | None = None) -> Path:
    """Where :func:`save_workbook` would write, or WorkbookError if it cannot.

    Called before a run too, so a wrong ``--output`` is found before anything is sent.
    """
    target = Path(path) if path is not None else doc.path
    if kind_for(target) != doc.kind:
        raise WorkbookError(
            f"This workbook can only be saved as a .{doc.kind} file. Choose a file name "
            f"ending in .{doc.kind}."
        )
    if not target.parent.is_dir():
        raise WorkbookError(
            f"There is no folder '{target.parent}' to save '{target.name}' in. Choose a "
            "folder that exists."
        )
    return target


def save_workbook(doc: WorkbookDoc, path: str | Path | None = None) -> Path:
    """Write the output columns and edited cells into ``path`` (default: where it was
    read from), atomically. Returns where it saved; ``doc.path`` follows it."""
    target = check_save_target(doc, path)
    for lock_file in lock_files(target):
        if lock_file.exists():
            raise WorkbookLockedError(locked_message(target, lock_file), lock_file)
    if doc.kind == "csv":
        _save_csv(doc, target)
    else:
        atomic_write(target, _excel_bytes(doc))
    doc.path = target
    written = _appended_width(doc.table)
    doc.table.appended_from = None if written >= len(doc.table.headers) else written
    table = doc.table
    doc.original_cells = [
        [file_text(table, index, column) for column in range(len(row.cells))]
        for index, row in enumerate(table.rows)
    ]
    return target


def file_text(table: Table, row: int, column: int) -> str:
    """The text a cell is saved with: the table's, but a checked row (``checked_rows``)
    whose Status is an outcome word (a check's "Already exists") is saved as Ready."""
    text = table.rows[row].cells[column]
    if (
        row in table.checked_rows
        and column == table.column(Role.STATUS)
        and text.strip() in _DONE_WORDS
    ):
        return Status.READY.value
    return text


def _appended_width(table: Table) -> int:
    """How far the file's header row reaches after this save: appended columns up to the
    last one holding a value, so a workbook saved before any run (after generating
    logins, say) gets no empty Status, Message... columns."""
    if table.appended_from is None:
        return len(table.headers)
    used = [
        column
        for column in range(table.appended_from, len(table.headers))
        if any(row.cells[column].strip() for row in table.rows)
    ]
    return max(used) + 1 if used else table.appended_from


def _cells_to_write(doc: WorkbookDoc) -> dict[int, list[int]]:
    """Row index -> column indexes whose text differs from what the file holds."""
    table = doc.table
    output_columns = [table.columns[role] for role in OUTPUT_ROLES if role in table.columns]
    edited: dict[int, set[int]] = {}
    for row_index, column in table.edited:
        edited.setdefault(row_index, set()).add(column)
    changes: dict[int, list[int]] = {}
    for row_index, row in enumerate(table.rows):
        original = doc.original_cells[row_index] if row_index < len(doc.original_cells) else []
        columns = set(output_columns) | edited.get(row_index, set())
        changed = [
            column
            for column in sorted(columns)
            if column < len(row.cells)
            and file_text(table, row_index, column)
            != (original[column] if column < len(original) else "")
        ]
        if changed:
            changes[row_index] = changed
    return changes


# ---------------------------------------------------------------- csv


def _save_csv(doc: WorkbookDoc, target: Path) -> None:
    source = doc.csv_source
    if source is None:
        raise WorkbookError("This CSV file was not opened for saving.")
    table = doc.table
    width = _appended_width(table)
    records = [list(record) for record in source.records]
    changed: set[int] = set()

    def padded(index: int) -> list[str]:
        while len(records) <= index:
            records.append([])
        record = records[index]
        record.extend([""] * (width - len(record)))
        changed.add(index)
        return record

    if table.appended_from is not None and table.header_row:
        header = padded(table.header_row - 1)
        for column in range(table.appended_from, _appended_width(table)):
            header[column] = table.headers[column]
    for row_index, columns in _cells_to_write(doc).items():
        row = table.rows[row_index]
        record = padded(row.sheet_row - 1)
        for column in columns:
            record[column] = file_text(table, row_index, column)
    updated = dataclasses.replace(source, records=records)
    data, encoding, parts = render_csv(updated, changed)
    atomic_write(target, data)
    doc.csv_source = dataclasses.replace(updated, raw=parts, encoding=encoding)


# ---------------------------------------------------------------- xlsx / xlsm


def _excel_bytes(doc: WorkbookDoc) -> bytes:
    book = doc.book
    if book is None:
        raise WorkbookError("This workbook was not opened for saving.")
    ws = book[doc.sheet]
    table = doc.table
    written = _appended_width(table)
    if table.appended_from is not None and table.header_row and written > table.appended_from:
        _append_headers(ws, table.header_row, table.appended_from, table.headers[:written])
        _widen_filter(ws, table.header_row, table.appended_from, written)
    typed = {
        table.columns[role]: role
        for role in (Role.PROCESSED_AT, Role.CANVAS_LOGIN_ID)
        if role in table.columns
    }
    for row_index, columns in _cells_to_write(doc).items():
        row = table.rows[row_index]
        for column in columns:
            text = file_text(table, row_index, column)
            role = typed.get(column)
            if role is None or not _write_typed(ws, row.sheet_row, column + 1, text, role):
                write_text(ws, row.sheet_row, column + 1, text)
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
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"


def _write_typed(ws: Any, row: int, column: int, text: str, role: Role) -> bool:
    """Processed At as an Excel date-time, Canvas Login ID as a number; False (nothing
    written) when the text is not one, so it is stored as text."""
    value: dt.datetime | int
    if role is Role.PROCESSED_AT:
        try:
            value = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return False
        if value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)
        number_format = PROCESSED_AT_NUMBER_FORMAT
    else:
        digits = text.strip()
        if not (digits.isdigit() and digits.isascii()) or digits.startswith("0"):
            return False
        if len(digits) > _EXCEL_DIGITS:
            return False
        value, number_format = int(digits), LOGIN_ID_NUMBER_FORMAT
    cell = _plain_cell(ws, row, column)
    keep_format = role is Role.PROCESSED_AT and is_date_format(cell.number_format)
    cell.value = value  # openpyxl gives a date-time its own format: ours replaces it
    if not keep_format:
        cell.number_format = number_format
    return True


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
        width = _OUTPUT_WIDTHS.get(headers[index], max(12, len(headers[index]) + 4))
        ws.column_dimensions[get_column_letter(index + 1)].width = width


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


# ---------------------------------------------------------------- atomic write


def atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` completely or not at all."""
    folder = target.parent
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=".saving", dir=folder
        )
    except OSError as exc:
        raise WorkbookLockedError(
            f"Could not save into the folder '{folder}' ({exc.strerror or 'no permission'}). "
            "Save to a new file in a folder you can write to, such as Documents."
        ) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except OSError:
            mode = 0o644
        with contextlib.suppress(OSError):
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise WorkbookLockedError(_save_failed_message(target, exc)) from exc
        raise
    _fsync_folder(folder)


def _save_failed_message(target: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError) or exc.errno in _LOCKED_ERRNOS:
        return locked_message(target)
    return (
        f"Could not save '{target.name}' ({exc.strerror or 'the disk refused it'}). The file "
        "is unchanged. Check there is free space, or save to a new file."
    )


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows has no directory handles)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""Reading a workbook (.xlsx, .xlsm, .csv) into a :class:`core.model.Table`.

Follows "The workbook contract" in design.md: the header row is the first of the top
10 rows holding a student column and a login column; every value comes back as the
text a person sees in Excel (ids as digits, leading zeros from the number format).
"""

from __future__ import annotations

import gc
import io
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from core.canvas.errors import Cancelled
from core.model import (
    DESCRIBING_ROLES,
    OUTPUT_ROLES,
    CancelToken,
    Progress,
    ProgressCallback,
    Role,
    Row,
    Table,
)
from core.workbook.csv_io import read_csv
from core.workbook.doc import HeaderNotFoundError, WorkbookDoc, WorkbookError
from core.workbook.formulas import CachedValues, read_cached_values
from core.workbook.headers import (
    HEADER_SCAN_ROWS,
    HeaderReading,
    detect_columns,
    find_header_row,
    header_error,
    missing_columns,
    read_headers,
)
from core.workbook.limits import MAX_ROWS, damaged_message
from core.workbook.opening import check_path, load_book, read_book_file
from core.workbook.package_read import NO_CACHED_VALUE as NO_CACHED_VALUE
from core.workbook.package_read import SheetText, read_sheet_text
from core.workbook.text import LINE_BREAKS, cell_text

# ---------------------------------------------------------------- the table


def build_table(
    sheet: str,
    grid: dict[int, dict[int, str]],
    problems: dict[tuple[int, int], str],
    *,
    header_row: int | None,
    mapping: dict[Role, int] | None,
    merged: Iterable[tuple[int, int, int, int]] = (),
    numbers: Iterable[tuple[int, int]] = (),
) -> tuple[Table, HeaderReading]:
    """The table of a sheet given as ``grid[row][column] -> text`` (1-based, sparse).

    ``numbers`` are the (row, column) cells the file stored as numbers that show no
    leading zeros; the columns they fall in become ``Table.number_typed_columns``.
    With a ``mapping`` (staff chose the columns) the roles it leaves out are still found
    by header: the output columns, and the name, class and teacher columns (a role
    mapped to -1 is left out on purpose)."""
    if header_row is None:
        top = [_row_list(grid.get(row, {})) for row in range(1, HEADER_SCAN_ROWS + 1)]
        try:
            header_row = find_header_row(top, sheet)
        except HeaderNotFoundError as exc:
            if mapping is None:
                raise _header_lower_down(grid, sheet, exc) from None
            header_row = 1
    header_cells = grid.get(header_row, {})
    if mapping is None:
        reading = read_headers(_row_list(header_cells))
        missing = missing_columns(reading.columns)
        if missing:
            raise header_error(sheet, header_row, _row_list(header_cells), missing)

    width = max(header_cells, default=0)
    body: list[tuple[int, dict[int, str]]] = []
    for row_number in sorted(grid):
        cells = grid[row_number]
        if row_number <= header_row or not any(text.strip() for text in cells.values()):
            continue
        body.append((row_number, cells))
        width = max(width, max(cells))
    if mapping is not None:
        width = max(width, *(index + 1 for index in mapping.values()), 0)
    headers = [header_cells.get(column, "").strip() for column in range(1, width + 1)]
    if mapping is not None:
        reading = _mapped_reading(headers, mapping)

    problems_by_row: dict[int, dict[int, str]] = {}
    for (problem_row, column), message in problems.items():
        if problem_row > header_row and column <= width:
            problems_by_row.setdefault(problem_row, {})[column - 1] = message
    rows: list[Row] = []
    index_of_sheet_row: dict[int, int] = {}
    for row_number, cells in body:
        index_of_sheet_row[row_number] = len(rows)
        rows.append(Row(row_number, _row_list(cells, width), problems_by_row.get(row_number, {})))
    _fill_merged(rows, index_of_sheet_row, grid, problems, merged, header_row, width)

    columns = reading.columns
    role_columns = {index for role, index in columns.items() if role not in DESCRIBING_ROLES}
    login_column = columns.get(Role.NEW_LOGIN)
    for row in rows:
        for column in role_columns:
            row.cells[column] = _trim(row.cells[column], keep_line_breaks=column == login_column)

    table = Table(sheet=sheet, headers=headers, header_row=header_row, columns=columns, rows=rows)
    for row_number, column in numbers:
        index = index_of_sheet_row.get(row_number)
        if index is not None and column <= width:
            rows[index].number_cells.add(column - 1)
    table.number_typed_columns = {column for row in rows for column in row.number_cells}
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    return table, reading


#: Rows below the searched top rows where a header row is looked for, to say where it is.
_LOWER_HEADER_ROWS = 200


def _header_lower_down(
    grid: dict[int, dict[int, str]], sheet: str, exc: HeaderNotFoundError
) -> HeaderNotFoundError:
    """``exc``, or when a row below the searched top rows has the headers, the error
    that says where they are and that only the top rows are searched."""
    for number in sorted(grid):
        if number <= HEADER_SCAN_ROWS:
            continue
        if number > HEADER_SCAN_ROWS + _LOWER_HEADER_ROWS:
            break
        cells = _row_list(grid[number])
        if any(text.strip() for text in cells) and not missing_columns(detect_columns(cells)):
            seen = ", ".join(text.strip() for text in cells if text.strip())
            return HeaderNotFoundError(
                f"Only the top {HEADER_SCAN_ROWS} rows of a sheet are searched for its header "
                f"row, and the headers of sheet '{sheet}' seem to be on row {number} ({seen}). "
                f"Delete the rows above them in Excel so that the headers are within the top "
                f"{HEADER_SCAN_ROWS} rows, save, and open the file again; choosing the columns "
                f"yourself (the app's column chooser, or --columns on the command line) also "
                f"needs the header row in the top {HEADER_SCAN_ROWS} rows.",
                seen=exc.seen,
                missing=exc.missing,
                row=exc.row,
            )
    return exc


def _trim(text: str, *, keep_line_breaks: bool) -> str:
    """The cell without spaces around it; a line break in a login cell stays, so the
    rules can say the login is on two lines (Excel shows only the first)."""
    if keep_line_breaks and not LINE_BREAKS.isdisjoint(text):
        return text.strip(" \t")
    return text.strip()


def _mapped_reading(headers: list[str], mapping: dict[Role, int]) -> HeaderReading:
    """The columns staff chose, plus the output and describing roles found by header in
    the columns they left alone. Only those found twice are ambiguous."""
    columns = {role: index for role, index in mapping.items() if index >= 0}
    found = read_headers(headers)
    reading = HeaderReading(columns)
    for role in (*OUTPUT_ROLES, *DESCRIBING_ROLES):
        column = found.columns.get(role)
        if role in mapping or column is None or column in columns.values():
            continue
        columns[role] = column
        if role in found.ambiguous and len(found.ambiguous[role]) > 1:
            reading.ambiguous[role] = found.ambiguous[role]
    return reading


def _row_list(cells: dict[int, str], width: int | None = None) -> list[str]:
    width = max(cells, default=0) if width is None else width
    return [cells.get(column, "") for column in range(1, width + 1)]


def _fill_merged(
    rows: list[Row],
    index_of_sheet_row: dict[int, int],
    grid: dict[int, dict[int, str]],
    problems: dict[tuple[int, int], str],
    merged: Iterable[tuple[int, int, int, int]],
    header_row: int,
    width: int,
) -> None:
    """Every cell of a merged range (below the header) reads as its top-left value."""
    for min_row, min_col, max_row, max_col in merged:
        text = grid.get(min_row, {}).get(min_col, "")
        problem = problems.get((min_row, min_col))
        for row_number in range(max(min_row, header_row + 1), max_row + 1):
            index = index_of_sheet_row.get(row_number)
            if index is None:
                continue
            row = rows[index]
            for column in range(min_col, min(max_col, width) + 1):
                if (row_number, column) == (min_row, min_col):
                    continue
                row.cells[column - 1] = text
                if problem:
                    row.cell_problems[column - 1] = problem


# ---------------------------------------------------------------- files


def visible_sheets(book: Any) -> list[str]:
    return [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]


def pick_sheet(book: Any, sheet: str | None) -> Any:
    names = [ws.title for ws in book.worksheets]
    visible = visible_sheets(book)
    if sheet is None:
        if not visible:
            raise WorkbookError("The workbook has no visible sheet to read.")
        return book[visible[0]]
    for wanted in (sheet, sheet.casefold()):
        for name in names:
            if name == wanted or name.casefold() == wanted:
                return book[name]
    raise WorkbookError(
        f"The workbook has no sheet named '{sheet}'. Its sheets are: {', '.join(visible)}."
    )


def sheet_names(path: str | Path) -> list[str]:
    """The visible sheets, in order (a CSV file has one, named after the file)."""
    path, kind = check_path(path)
    if kind == "csv":
        return [path.stem]
    book = load_book(path, kind, read_only=True)
    try:
        return visible_sheets(book)
    finally:
        book.close()


def preview_rows(path: str | Path, sheet: str | None = None, limit: int = 10) -> list[list[str]]:
    """The sheet's top ``limit`` rows as text (blank rows kept, so index + 1 is the row)."""
    path, kind = check_path(path)
    if kind == "csv":
        records = read_csv(path).records[:limit]
    else:
        book = load_book(path, kind, read_only=True, data_only=True)
        try:
            ws = pick_sheet(book, sheet)
            records = [
                [_preview_text(cell) for cell in row]
                for row in ws.iter_rows(min_row=1, max_row=limit, min_col=1)
            ]
        finally:
            book.close()
    width = max((len(record) for record in records), default=0)
    return [list(record) + [""] * (width - len(record)) for record in records]


def _preview_text(cell: Any) -> str:
    value = cell.value
    if isinstance(value, bool):
        return cell_text(value)
    return cell_text(value, cell.number_format)


# ---------------------------------------------------------------- open


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's automatic garbage collection held off while a workbook is read or saved.

    Each collection walks every object made so far, so with a district's workbook it
    took a third of the time; what is made here holds no reference cycle worth
    collecting before the end. A collector someone had switched off stays off (the app
    collects on its GUI thread only, see gui/gc_guard.py)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def open_workbook(
    path: str | Path,
    sheet: str | None = None,
    *,
    header_row: int | None = None,
    mapping: dict[Role, int] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> WorkbookDoc:
    """Read one sheet into a table. ``header_row`` (1-based) and ``mapping`` override
    detection, as the GUI's column-mapping dialog passes them.

    ``progress`` hears how many of the sheet's rows have been read; a set ``cancel``
    stops the reading with :class:`~core.canvas.errors.Cancelled`."""
    if cancel is not None and cancel.cancelled:
        raise Cancelled()
    path, kind = check_path(path)
    with collection_paused():
        return _open(path, kind, sheet, header_row, mapping, progress, cancel)


def _open(
    path: Path,
    kind: str,
    sheet: str | None,
    header_row: int | None,
    mapping: dict[Role, int] | None,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> WorkbookDoc:
    if kind == "csv":
        doc = _open_csv(path, header_row, mapping)
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        if progress is not None:
            rows = len(doc.table.rows)
            progress(Progress(rows, rows, message=f"Read the rows of '{path.name}'"))
        return doc
    return _open_excel(path, kind, sheet, header_row, mapping, progress, cancel)


def _open_csv(path: Path, header_row: int | None, mapping: dict[Role, int] | None) -> WorkbookDoc:
    source = read_csv(path)
    grid = {
        number: {column: text for column, text in enumerate(record, start=1) if text}
        for number, record in enumerate(source.records, start=1)
    }
    grid = {number: cells for number, cells in grid.items() if cells}
    table, reading = build_table(path.stem, grid, {}, header_row=header_row, mapping=mapping)
    return WorkbookDoc(
        path=path,
        kind="csv",
        sheet=path.stem,
        sheets=[path.stem],
        table=table,
        ambiguous=reading.ambiguous,
        header_doubts=reading.doubts,
        csv_source=source,
        original_cells=[list(row.cells) for row in table.rows],
    )


def _open_excel(
    path: Path,
    kind: str,
    sheet: str | None,
    header_row: int | None,
    mapping: dict[Role, int] | None,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> WorkbookDoc:
    """The sheet read from the package (:mod:`core.workbook.package_read`); openpyxl
    reads only the workbook's own parts here. The whole openpyxl workbook, which only
    the fallback writer needs, is loaded when that writer runs (:func:`load_for_resave`)."""
    data = read_book_file(path)
    book = load_book(path, kind, read_only=True, data=data)
    try:
        ws = pick_sheet(book, sheet)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = _sheet_text(path, archive, ws, progress=progress, cancel=cancel)
            try:
                table, reading = build_table(
                    ws.title,
                    text.grid,
                    text.problems,
                    header_row=header_row,
                    mapping=mapping,
                    merged=text.merged,
                    numbers=text.numbers,
                )
            except HeaderNotFoundError as exc:
                raise HeaderNotFoundError(
                    exc.message + _other_sheets_words(path, archive, book, ws.title),
                    seen=exc.seen,
                    missing=exc.missing,
                    row=exc.row,
                ) from None
        sheets = visible_sheets(book)
    finally:
        book.close()
    if cancel is not None and cancel.cancelled:
        raise Cancelled()
    return WorkbookDoc(
        path=path,
        kind=kind,
        sheet=ws.title,
        sheets=sheets,
        table=table,
        ambiguous=reading.ambiguous,
        header_doubts=reading.doubts,
        original_cells=[list(row.cells) for row in table.rows],
        package=data,
    )


def _sheet_text(
    path: Path,
    archive: zipfile.ZipFile,
    ws: Any,
    *,
    last_row: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SheetText:
    """The sheet's cells as text; a part that cannot be read means a damaged file."""
    rows_read = None
    if progress is not None:
        # The sheet's own word for its size (<dimension ref>): trusted for progress only.
        expected = getattr(ws, "max_row", None) or 0
        expected = expected if expected <= MAX_ROWS else 0

        def rows_read(done: int) -> None:
            total = max(expected, done)
            progress(Progress(done, total, message=f"Reading the rows of '{ws.title}'"))

    try:
        return read_sheet_text(archive, ws, last_row=last_row, rows_read=rows_read, cancel=cancel)
    except Cancelled:
        raise
    except Exception as exc:  # the XML parser and the conversions raise many kinds
        raise WorkbookError(damaged_message(path.name)) from exc


def _other_sheets_words(path: Path, archive: zipfile.ZipFile, book: Any, sheet: str) -> str:
    """For a sheet whose header row was not found: the workbook's other sheets, and
    which of them has a header row (empty when there is no other sheet)."""
    others = [name for name in visible_sheets(book) if name != sheet]
    if not others:
        return ""
    names = ", ".join(f"'{name}'" for name in others)
    listed = [name for name in others if _has_header_row(path, archive, book[name])]
    if not listed:
        return (
            f" The workbook's other sheets are: {names}. If the list is on one of them, "
            "choose that sheet (on the command line, --sheet NAME)."
        )
    return (
        f" The workbook's other sheets are: {names}; '{listed[0]}' has a header row, so the "
        f'list is probably there: choose that sheet (on the command line, --sheet "{listed[0]}").'
    )


def _has_header_row(path: Path, archive: zipfile.ZipFile, ws: Any) -> bool:
    """A header row in the sheet's top rows."""
    try:
        top = _sheet_text(path, archive, ws, last_row=HEADER_SCAN_ROWS).grid
    except WorkbookError:
        return False
    return any(not missing_columns(detect_columns(_row_list(cells))) for cells in top.values())


def load_for_resave(doc: WorkbookDoc) -> None:
    """Give ``doc`` the whole openpyxl workbook and its saved formula results, which the
    fallback writer (:mod:`core.workbook.resave`) needs, read from the bytes last read
    or saved (a WorkbookError when there are none or openpyxl cannot load them)."""
    if doc.book is not None:
        return
    if doc.package is None:
        raise WorkbookError("This workbook was not opened for saving.")
    book = load_book(doc.path, doc.kind, data=doc.package)
    with_formulas = [
        ws.title
        for ws in book.worksheets
        if any(cell.data_type == "f" for cell in ws._cells.values())
    ]
    doc.formula_cache = (
        _cached_values(doc.path, io.BytesIO(doc.package), with_formulas) if with_formulas else {}
    )
    doc.book = book


def _cached_values(path: Path, source: IO[bytes], titles: list[str]) -> dict[str, CachedValues]:
    try:
        return read_cached_values(source, titles)
    except Exception as exc:  # openpyxl read the file, so this is damage in odd places
        raise WorkbookError(
            f"The saved formula results in '{path.name}' could not be read: the file may be "
            "damaged. Open it in Excel, save it again, and try again."
        ) from exc

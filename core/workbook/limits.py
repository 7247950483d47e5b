"""How big a workbook really is, found from its zip package before openpyxl loads it.

openpyxl builds every cell of every sheet in memory, so a small file that unpacks to
gigabytes of XML (a "zip bomb") would take all the computer's memory before a single
row reached the table. :func:`check_package` reads the package's directory (two parts
with one name, a declared size over the limit, or a size no compression can reach are
refused at once), then streams every XML part through the decompressor, counting rows,
cells and XML elements, with a hard budget on the bytes it really unpacks. It stops at
the first limit: a fraction of a second and a few megabytes of memory for a bomb, a few
milliseconds for a class list. Neither the sizes the zip declares nor a sheet's
``<dimension ref>`` are trusted: both can say anything, so the rows are counted. A part
that declares an XML entity (the "billion laughs") is refused as damaged.

:func:`check_csv_size` does the same for a CSV file (its size and line count).
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from core.workbook.doc import WorkbookError
from core.workbook.formulas import sheet_parts

__all__ = [
    "MAX_CELLS",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_XML_ELEMENTS",
    "check_csv_size",
    "check_package",
    "damaged_message",
]

#: Rows in one sheet: far beyond any school's list of students.
MAX_ROWS = 200_000
#: Filled cells in one sheet, and in all sheets together (200,000 rows of 10 columns).
MAX_CELLS = 2_000_000
#: XML elements in the whole package (every cell is one or more of them).
MAX_XML_ELEMENTS = 10_000_000
#: Bytes the package may unpack to, all parts together.
MAX_UNPACKED_BYTES = 1 << 30
#: Deflate never packs more than about 1032 bytes into one; a part that claims more lies.
_DEFLATE_MAX_RATIO = 1100
#: Parts read whole to find the sheets' names (a workbook.xml is a few kilobytes).
_MAX_INDEX_PART_BYTES = 16 << 20
_CHUNK = 1 << 20
_XML_SUFFIXES = (".xml", ".rels", ".vml")
#: The longest pattern looked for, less one: kept from one chunk to find across the seam.
_SEAM = 7
#: An entity declaration: no workbook has one, and the parser would expand it (openpyxl's
#: parser refused it; the sheets and shared strings are now read without openpyxl).
_ENTITY = b"<!ENTITY"


def damaged_message(name: str) -> str:
    return (
        f"'{name}' could not be read as an Excel workbook: it may be damaged, or not really "
        "an Excel file. Open it in Excel, save it again as .xlsx, and try again."
    )


def too_big_message(name: str, sheet: str | None = None, *, packed: bool = True) -> str:
    """Why a file far beyond a student list is refused, and what to do instead."""
    where = f"This workbook's sheet '{sheet}'" if sheet else f"'{name}'"
    size = "the file unpacks to more than 1 GB" if packed else "is larger than 1 GB"
    return (
        f"{where} has more than {MAX_ROWS:,} rows or {MAX_CELLS:,} filled cells (or {size}). "
        "Canvas Logins opens lists of students, which are far smaller, and will not open "
        "this file. Save only the students' rows in a new workbook, and open that one."
    )


def check_package(path: Path) -> None:
    """Refuse a .xlsx/.xlsm package that is hostile or far too big to be a student list.

    Raises :class:`WorkbookError` in plain words; returns quietly for a workbook that
    openpyxl may load. ``OSError`` passes through (the caller words it)."""
    try:
        with _Package(path) as archive:
            infos = archive.infolist()
            _refuse_duplicates(path, infos)
            _refuse_declared_sizes(path, infos)
            _refuse_other_documents(path, infos)
            titles = _sheet_titles(archive)
            _count_parts(path, archive, infos, titles)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise WorkbookError(damaged_message(path.name)) from exc


def _refuse_duplicates(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Two parts with one name (part names ignore case): which would Excel read?"""
    seen: set[str] = set()
    for info in infos:
        key = info.filename.casefold()
        if key in seen:
            raise WorkbookError(
                f"'{path.name}' could not be read safely: it holds two copies of its part "
                f"'{info.filename}', and there is no telling which one Excel would show. "
                "Excel never saves a file like that, so it was made by another program or "
                "altered. Open the original in Excel, save it again as .xlsx, and open that "
                "file."
            )
        seen.add(key)


def _refuse_declared_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise WorkbookError(too_big_message(path.name))
    for info in infos:
        if (
            info.compress_type == zipfile.ZIP_DEFLATED
            and info.file_size > _DEFLATE_MAX_RATIO * info.compress_size + 4096
        ):
            raise WorkbookError(damaged_message(path.name))


def _refuse_other_documents(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """A zip that is not a spreadsheet: name what it is, as Excel would not."""
    names = {info.filename.casefold() for info in infos}
    if any(name.startswith("xl/") for name in names):
        return
    if "mimetype" in names and "content.xml" in names:
        what = "an OpenDocument file (from LibreOffice or OpenOffice), not an Excel workbook"
    elif any(name.startswith("word/") for name in names):
        what = "a Word document"
    elif any(name.startswith("ppt/") for name in names):
        what = "a PowerPoint presentation"
    elif "[content_types].xml" in names:
        return  # a package laid out unusually: openpyxl decides
    else:
        what = "a zip archive (a compressed folder), not a workbook"
    raise WorkbookError(
        f"'{path.name}' could not be read as an Excel workbook: it is really {what}. Open "
        "the list in the program it came from, save it as an Excel Workbook (.xlsx), and "
        "open that file."
    )


class _Package(zipfile.ZipFile):
    """The zip, whose parts read whole (to find the sheets' names) must be small."""

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > _MAX_INDEX_PART_BYTES:
            raise WorkbookError(too_big_message(Path(str(self.filename)).name))
        return super().read(name, pwd)


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> sheet title, for the sheets workbook.xml names."""
    try:
        return {part: title for title, part in sheet_parts(archive).items()}
    except (KeyError, SyntaxError):  # openpyxl says it in its own words, later
        return {}


def _count_parts(
    path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], titles: dict[str, str]
) -> None:
    unpacked = elements = all_cells = 0
    for info in infos:
        if info.is_dir() or not info.filename.casefold().endswith(_XML_SUFFIXES):
            continue
        title = titles.get(info.filename)
        if title is None and _looks_like_sheet(info.filename):
            title = posixpath.splitext(posixpath.basename(info.filename))[0]
        rows = cells = 0
        with archive.open(info) as part:
            for buffer in _chunks(part):
                unpacked += len(buffer) - _SEAM
                elements += (
                    buffer.count(b"<", _SEAM)
                    - buffer.count(b"</", _SEAM - 1)
                    - buffer.count(b"<?", _SEAM - 1)
                    - buffer.count(b"<!", _SEAM - 1)
                )
                if unpacked > MAX_UNPACKED_BYTES or elements > MAX_XML_ELEMENTS:
                    raise WorkbookError(too_big_message(path.name, title))
                if buffer.find(_ENTITY, _SEAM - (len(_ENTITY) - 1)) >= 0:
                    raise WorkbookError(damaged_message(path.name))
                if title is None:
                    continue
                # Any namespace prefix counts (<x:row>); <cols>, <col> and the like are
                # counted as cells too, which errs on the safe side by a handful.
                rows += buffer.count(b"<row", _SEAM - 3) + buffer.count(b":row", _SEAM - 3)
                more = buffer.count(b"<c", _SEAM - 1) + buffer.count(b":c", _SEAM - 1)
                cells += more
                all_cells += more
                if rows > MAX_ROWS or cells > MAX_CELLS:
                    raise WorkbookError(too_big_message(path.name, title))
                if all_cells > MAX_CELLS:  # openpyxl loads every sheet
                    raise WorkbookError(too_big_message(path.name))


def _looks_like_sheet(name: str) -> bool:
    """A worksheet part not named in workbook.xml (openpyxl still may find it)."""
    return name.casefold().startswith(("xl/worksheets/", "xl/chartsheets/"))


def _chunks(part: IO[bytes]) -> Iterator[bytes]:
    """The part's bytes a chunk at a time, each chunk after the last ``_SEAM`` bytes of
    the one before (padding before the first), so that counting from ``_SEAM - (length
    of the pattern - 1)`` counts a pattern split between two chunks once."""
    tail = b"\0" * _SEAM
    while chunk := part.read(_CHUNK):
        buffer = tail + chunk
        yield buffer
        tail = buffer[-_SEAM:]


def check_csv_size(path: Path) -> None:
    """Refuse a CSV file far beyond a student list (too many lines, or over 1 GB)."""
    if path.stat().st_size > MAX_UNPACKED_BYTES:
        raise WorkbookError(too_big_message(path.name, packed=False))
    line_feeds = returns = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            line_feeds += chunk.count(b"\n")
            returns += chunk.count(b"\r")
            if max(line_feeds, returns) > MAX_ROWS + 1:
                raise WorkbookError(too_big_message(path.name, packed=False))

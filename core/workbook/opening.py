"""Opening a workbook file safely, before a cell is read.

:func:`check_path`: is the path a workbook at all (not a folder, a pipe or a device),
and, by its first bytes, really the kind of file its name says (not a PDF, a picture or
a web page with an Excel name, nor binary data with a .csv name), and not far too big
(:mod:`core.workbook.limits`). Staff get a message that names what the file really is
and what to do, instead of "damaged" or, for a pipe, a program that waits forever.
:func:`load_book`: the openpyxl workbook, after the zip package has been inspected
(:func:`read_book_file`: its bytes, after the same inspection).
"""

from __future__ import annotations

import codecs
import io
import stat
import warnings
import zipfile
from pathlib import Path
from typing import IO, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS

from core.workbook.doc import WorkbookError, kind_for
from core.workbook.limits import check_csv_size, check_package, damaged_message
from core.workbook.package_read import shared_strings

__all__ = [
    "check_book_file",
    "check_contents",
    "check_ordinary_file",
    "check_path",
    "load_book",
    "read_book_file",
    "unreadable_error",
]

_HEAD_BYTES = 4096
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
#: First bytes -> what the file really is, in words.
_MAGIC_WORDS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a picture (PNG)"),
    (b"\xff\xd8\xff", "a picture (JPEG)"),
    (b"GIF8", "a picture (GIF)"),
    (b"{\\rtf", "a Rich Text document"),
)


def check_path(path: str | Path) -> tuple[Path, str]:
    """The path and its kind, or a plain-words WorkbookError (an unknown extension, a
    missing file, a folder, a pipe or device, a file that is really of another kind)."""
    path = Path(path)
    kind = kind_for(path)
    if kind is None:
        if path.suffix.lower() == ".xls":
            raise WorkbookError(
                f"'{path.name}' is in the older Excel format (.xls). Open it in Excel, choose "
                "File > Save As > Excel Workbook (.xlsx), then open the new file here."
            )
        raise WorkbookError(
            f"'{path.name}' is not a file Canvas Logins can open. It opens Excel workbooks "
            "(.xlsx or .xlsm) and CSV files (.csv): save the list in one of those formats first."
        )
    check_ordinary_file(path)
    check_contents(path, kind)
    if kind == "csv":
        try:
            check_csv_size(path)
        except OSError as exc:
            raise unreadable_error(path, exc) from exc
    return path, kind


def load_book(
    path: Path,
    kind: str,
    *,
    read_only: bool = False,
    data_only: bool = False,
    data: bytes | None = None,
) -> Any:
    """An openpyxl workbook, or a WorkbookError saying in plain words why not.

    The package is inspected first (:func:`check_book_file`), so a file far beyond a
    student list is refused before openpyxl unpacks it. With ``data`` (the bytes of a
    file :func:`read_book_file` gave) the book is read from those: ``path`` only names
    the file in messages."""
    if data is not None:
        return _read_book(path, kind, io.BytesIO(data), read_only, data_only)
    check_book_file(path)
    return _read_book(path, kind, path, read_only, data_only)


def read_book_file(path: Path) -> bytes:
    """The bytes of an .xlsx/.xlsm file once :func:`check_book_file` let it through."""
    check_book_file(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise unreadable_error(path, exc) from exc


def check_book_file(path: Path) -> None:
    """Refuse a protected workbook, an old .xls file with a new name, and a package
    that is hostile or far too big (:func:`core.workbook.limits.check_package`)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_CFB_MAGIC))
            encrypted = head == _CFB_MAGIC and _ENCRYPTED_STREAM in handle.read()
        if head != _CFB_MAGIC:
            check_package(path)
    except OSError as exc:
        raise unreadable_error(path, exc) from exc
    if encrypted:
        raise WorkbookError(
            f"'{path.name}' is protected with a password. Open it in Excel, remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password), save it, and try again."
        )
    if head == _CFB_MAGIC:
        raise WorkbookError(
            f"'{path.name}' is really an older Excel file (.xls) with a new name. Open it in "
            "Excel, save it as an Excel Workbook (.xlsx), and open that file here."
        )


def _read_book(
    path: Path, kind: str, source: Path | IO[bytes], read_only: bool, data_only: bool
) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = _ExcelReader(
                source,
                read_only=read_only,
                data_only=data_only,
                keep_vba=kind == "xlsm" and not read_only,
            )
            reader.read()
            book = reader.wb
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
        raise WorkbookError(damaged_message(path.name)) from exc
    macros = getattr(book, "vba_archive", None)
    if macros is not None:
        # openpyxl keeps the macro parts in an append-mode archive whose garbage
        # collection can fail noisily; a read-only copy holds the same parts.
        buffer = macros.fp
        macros.close()
        book.vba_archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return book


class _ExcelReader(ExcelReader):
    """openpyxl's reader, with the shared strings kept as the file spells them.

    openpyxl deletes every ``x005F_`` from shared strings, which turns Excel's escaped
    underscore (``_x005F_x000D_``, the literal text ``_x000D_``) into an escape of its
    own; :func:`core.workbook.text.cell_text` decodes the escapes as Excel does. They are
    read with the C parser (:func:`~core.workbook.package_read.shared_strings`): ten
    times faster than openpyxl's objects for a district's 200,000 strings."""

    def read_strings(self) -> None:
        content_type = self.package.find(SHARED_STRINGS)
        if content_type is None:
            return
        with self.archive.open(content_type.PartName[1:]) as source:
            self.shared_strings = shared_strings(source)


def unreadable_error(path: Path, exc: OSError) -> WorkbookError:
    """The file is there but could not be read (no permission, still syncing...)."""
    return WorkbookError(
        f"Could not read '{path.name}': {exc.strerror or 'access was refused'}. Check that "
        "you may open it, and that it is not still downloading or syncing."
    )


def check_ordinary_file(path: Path) -> None:
    """Refuse a path that is missing, a folder, or a pipe, device or socket."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise WorkbookError(
            f"The file '{path}' was not found. Check its name and folder."
        ) from None
    except OSError as exc:
        raise unreadable_error(path, exc) from None
    if stat.S_ISDIR(mode):
        raise WorkbookError(f"'{path}' is a folder, not a workbook. Choose the file itself.")
    if stat.S_ISREG(mode):
        return
    if stat.S_ISFIFO(mode):
        what = "a pipe (a channel between programs)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    elif stat.S_ISSOCK(mode):
        what = "a socket (a channel between programs)"
    else:
        what = "a special system file"
    raise WorkbookError(
        f"'{path}' is not a workbook file: it is {what}, which holds no list to read. "
        "Choose the workbook file itself."
    )


def check_contents(path: Path, kind: str) -> None:
    """Refuse a file whose first bytes say it is not a ``kind`` file ("xlsx", "xlsm" or
    "csv"). An older Excel file (.xls) or a protected workbook with an Excel name is left
    to the Excel reader, which words those."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise unreadable_error(path, exc) from exc
    if not head:
        raise WorkbookError(
            f"'{path.name}' is empty (0 bytes): it may not have finished downloading or "
            "syncing, or it was not saved completely. Get a fresh copy and try again."
        )
    if kind == "csv":
        _check_csv_head(path, head)
    elif not head.startswith((*_ZIP_MAGIC, _CFB_MAGIC)):
        _refuse_excel_impostor(path, head)


def _really(head: bytes) -> str | None:
    """What the first bytes say the file is, when they say it plainly."""
    for magic, words in _MAGIC_WORDS:
        if head.startswith(magic):
            return words
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or (
        text.startswith(b"<") and b"<table" in text
    ):
        return "a web page (some school systems export lists this way)"
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return "an Excel 2003 XML spreadsheet"
    return None


def _refuse_excel_impostor(path: Path, head: bytes) -> None:
    prefix = f"'{path.name}' could not be read as an Excel workbook:"
    really = _really(head)
    if really is not None:
        raise WorkbookError(
            f"{prefix} it is really {really} with an Excel name. Open it in the program it "
            "came from (or in Excel), save it as an Excel Workbook (.xlsx), and open that file."
        )
    if _is_text(head):
        raise WorkbookError(
            f"{prefix} it holds plain text (perhaps a CSV list given an Excel name). Rename it "
            "to end in .csv, or open it in Excel and save it as an Excel Workbook (.xlsx)."
        )
    raise WorkbookError(
        f"{prefix} it holds data of another kind, not a workbook. Open the list in the "
        "program it came from, save it as an Excel Workbook (.xlsx), and open that file."
    )


def _check_csv_head(path: Path, head: bytes) -> None:
    prefix = f"'{path.name}' could not be read as a CSV file:"
    if head.startswith(_ZIP_MAGIC):
        raise WorkbookError(
            f"{prefix} it is really an Excel workbook (or another packed file) with a .csv "
            "name. Rename it to end in .xlsx and open it again."
        )
    if head.startswith(_CFB_MAGIC):
        raise WorkbookError(
            f"{prefix} it is really an older Excel file (.xls) with a .csv name. Open it in "
            "Excel, save it as an Excel Workbook (.xlsx), and open that file."
        )
    really = _really(head)
    if really is not None:
        raise WorkbookError(
            f"{prefix} it is really {really}. Open the list in the program it came from, "
            "save it as CSV or as an Excel Workbook (.xlsx), and open that file."
        )
    if not _is_text(head):
        raise WorkbookError(
            f"{prefix} it holds binary data, not text. Open the list in the program it came "
            "from, save it as CSV or as an Excel Workbook (.xlsx), and open that file."
        )


def _is_text(head: bytes) -> bool:
    """No NUL byte (text in UTF-16 starts with its byte order mark)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return b"\0" not in head

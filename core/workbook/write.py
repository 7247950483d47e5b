"""Writing the table back into its workbook: output columns and edited cells only.

An .xlsx/.xlsm file is saved by editing those cells inside its package and copying
every other part through unchanged (:mod:`core.workbook.package`), so pictures, text
boxes, form controls, sparklines, data bars, rich text, macros and everything else a
teacher put in stay as they were. What the cells get is :mod:`core.workbook.changes`.
A package that cannot be edited so is re-saved through openpyxl
(:mod:`core.workbook.resave`), but never over the original when that would lose
something: :func:`save_risks` says what, before a run, and the save asks for another
file name (:class:`SaveElsewhereError`).

A CSV keeps its encoding, delimiter and untouched lines; the cells the app writes are
made safe against formula injection (:func:`core.workbook.csv_io.formula_safe`).

Every save is atomic: a temporary file in the same folder replaces the target only once
complete. A temporary file left behind by a save that was killed is removed by the next
save. A read-only file is never overwritten.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import stat
import tempfile
import time
from pathlib import Path

from core.model import INPUT_ROLES
from core.workbook.changes import (
    appended_width,
    cells_to_write,
    file_text,
    save_changes,
    saved_cells,
)
from core.workbook.csv_io import formula_safe, render_csv
from core.workbook.doc import (
    WorkbookDoc,
    WorkbookError,
    WorkbookLockedError,
    kind_for,
    lock_files,
    locked_message,
)
from core.workbook.package import check_editable, edit_package
from core.workbook.read import collection_paused, load_for_resave
from core.workbook.resave import resave_with_openpyxl, what_resave_loses
from core.workbook.xml_spans import NotEditable

log = logging.getLogger(__name__)

_LOCKED_ERRNOS = {1, 11, 13, 16, 26}  # EPERM, EAGAIN, EACCES, EBUSY, ETXTBSY
#: A temporary file this old is left over from a save that never finished.
_STALE_TEMP_SECONDS = 60
#: mkstemp's random part: eight of a-z, 0-9 and _.
_TEMP_TOKEN = r"[a-z0-9_]{8}"


class SaveElsewhereError(WorkbookLockedError):
    """This file cannot be saved here (it is read-only, its folder is not writable, or a
    save into it would lose something): save to another name. Nothing was changed;
    waiting or closing Excel does not help."""


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
    if is_read_only(target):
        raise SaveElsewhereError(read_only_message(target))
    return target


def save_workbook(doc: WorkbookDoc, path: str | Path | None = None) -> Path:
    """Write the output columns and edited cells into ``path`` (default: where it was
    read from), atomically. Returns where it saved; ``doc.path`` follows it."""
    target = check_save_target(doc, path)
    for lock_file in lock_files(target):
        if lock_file.exists():
            raise WorkbookLockedError(locked_message(target, lock_file), lock_file)
    with collection_paused():
        _save(doc, target)
    return target


def _save(doc: WorkbookDoc, target: Path) -> None:
    if doc.kind == "csv":
        _save_csv(doc, target)
    else:
        data = _excel_bytes(doc, target)
        atomic_write(target, data)
        doc.package = data
    doc.path = target
    written = appended_width(doc.table)
    doc.table.appended_from = None if written >= len(doc.table.headers) else written
    doc.original_cells = saved_cells(doc.table)


def save_risks(doc: WorkbookDoc) -> list[str]:
    """What saving into ``doc``'s own file would lose, in plain words ("pictures",
    "sparklines"...); empty when nothing would be. When it is not empty a save into the
    file is refused (:class:`SaveElsewhereError`): ask for another name before a run."""
    if doc.kind == "csv":
        return []
    source = _source(doc)
    if source is None:
        return []
    try:
        check_editable(source, doc.sheet)
    except Exception as exc:  # whatever the reason, a save goes through openpyxl
        log.info("the package cannot be edited in place: %s", exc)
        return what_resave_loses(source)
    return []


def would_lose_message(
    path: Path,
    losses: list[str],
    advice: str = "The file was left as it was: save the results to a new file instead.",
) -> str:
    return (
        f"Saving into '{path.name}' would lose what this app cannot write back into it: "
        f"{', '.join(losses)}. {advice}"
    )


def _source(doc: WorkbookDoc) -> bytes | None:
    if doc.package is not None:
        return doc.package
    try:
        return doc.path.read_bytes()
    except OSError:
        return None


def _excel_bytes(doc: WorkbookDoc, target: Path) -> bytes:
    changes = save_changes(doc)
    source = _source(doc)
    if source is not None:
        try:
            return edit_package(source, doc.sheet, changes)
        except NotEditable as exc:
            log.warning("saving through openpyxl: %s", exc.reason)
        except Exception:  # a package the editor misreads must not stop the save
            log.exception("saving through openpyxl: the package could not be edited")
        losses = what_resave_loses(source)
        if losses and _same_file(target, doc.path):
            raise SaveElsewhereError(would_lose_message(target, losses))
    load_for_resave(doc)
    return resave_with_openpyxl(doc, changes)


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.exists() and other.exists() and one.samefile(other)
    except OSError:
        return one.resolve() == other.resolve()


# ---------------------------------------------------------------- csv


def _save_csv(doc: WorkbookDoc, target: Path) -> None:
    """The records the save changes, re-written; each written cell made safe against
    formula injection, except in the columns whose values go to Canvas (ids, logins,
    passwords: a changed character would change what the next run sends, and login
    names that could start a formula are refused by the rules anyway)."""
    source = doc.csv_source
    if source is None:
        raise WorkbookError("This CSV file was not opened for saving.")
    table = doc.table
    width = appended_width(table)
    exact = {table.columns[role] for role in INPUT_ROLES if role in table.columns}
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
        for column in range(table.appended_from, width):
            header[column] = table.headers[column]
    for row_index, columns in cells_to_write(doc).items():
        row = table.rows[row_index]
        record = padded(row.sheet_row - 1)
        for column in columns:
            text = file_text(table, row_index, column)
            record[column] = text if column in exact else formula_safe(text)
    updated = dataclasses.replace(source, records=records)
    data, encoding, parts = render_csv(updated, changed)
    atomic_write(target, data)
    doc.csv_source = dataclasses.replace(updated, raw=parts, encoding=encoding)


# ---------------------------------------------------------------- atomic write


def atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` completely or not at all (never a read-only file)."""
    folder = target.parent
    if is_read_only(target):
        raise SaveElsewhereError(read_only_message(target))
    remove_stale_temps(target)
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=".saving", dir=folder
        )
    except OSError as exc:
        raise SaveElsewhereError(folder_message(folder, exc)) from exc
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


def is_read_only(target: Path) -> bool:
    """True when ``target`` exists and is marked read-only (or not writable for us)."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISDIR(mode) and (
        not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK)
    )


def read_only_message(target: Path) -> str:
    return (
        f"The file '{target.name}' is read-only, so it was left as it was. Save to another "
        "name (or remove the read-only mark from the file first)."
    )


def folder_message(folder: Path, exc: OSError | None = None) -> str:
    """Why nothing can be saved into ``folder``: it is the folder, not an open file."""
    reason = (exc.strerror if exc is not None else None) or "you may not save files there"
    return (
        f"Could not save into the folder '{folder}' ({reason}). Nothing was changed. Save "
        "to a new file in a folder you can write to, such as Documents."
    )


def remove_stale_temps(target: Path) -> list[Path]:
    """Delete the temporary files a killed save of ``target`` left next to it (only this
    program's ``.NAME.xxxxxxxx.saving`` files, and only those over a minute old);
    returns those removed."""
    pattern = re.compile(re.escape(f".{target.stem}.") + _TEMP_TOKEN + r"\.saving")
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.lstat()
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < _STALE_TEMP_SECONDS:
                continue
            entry.unlink()
        except OSError:
            continue  # in use (Windows) or already gone
        removed.append(entry)
    if removed:
        log.info("removed %d temporary file(s) left by an unfinished save", len(removed))
    return removed


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

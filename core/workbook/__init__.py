"""The workbook in and out: the public face of the workbook code.

Read an .xlsx, .xlsm or .csv file into a :class:`core.model.Table` with
:func:`open_workbook`, and write the four output columns and edited cells back with
:func:`save_workbook`. "The workbook contract" in design.md is the specification;
the work is done in ``workbook_read``, ``workbook_write``, ``workbook_csv`` and
``workbook_text``.
"""

from __future__ import annotations

from core.workbook.doc import (
    HeaderNotFoundError,
    WorkbookDoc,
    WorkbookError,
    WorkbookLockedError,
    is_locked,
    lock_files,
)
from core.workbook.headers import detect_columns
from core.workbook.read import NO_CACHED_VALUE, open_workbook, preview_rows, sheet_names
from core.workbook.text import cell_text
from core.workbook.write import SaveElsewhereError, check_save_target, save_risks, save_workbook

__all__ = [
    "NO_CACHED_VALUE",
    "HeaderNotFoundError",
    "SaveElsewhereError",
    "WorkbookDoc",
    "WorkbookError",
    "WorkbookLockedError",
    "cell_text",
    "check_save_target",
    "detect_columns",
    "is_locked",
    "lock_files",
    "open_workbook",
    "preview_rows",
    "save_risks",
    "save_workbook",
    "sheet_names",
]

"""A cell value as the text a person sees in Excel (ids as digits, never ``2031001.0``).

Text in a workbook's XML may hold Excel's escapes for characters XML cannot carry:
``_xHHHH_`` is the UTF-16 code unit HHHH (``_x000D_`` a carriage return), and
``_x005F_`` an underscore, which is how a literal ``_x000D_`` is written
(``_x005F_x000D_``). openpyxl leaves them as they are; :func:`cell_text` decodes them,
so a login ``ava_x0000_.k`` reads as what Excel shows, and the rules see its hidden
character.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

#: Characters that start a new line in a cell (Alt+Enter in Excel writes a line feed).
LINE_BREAKS = frozenset("\r\n\v\f\x85\u2028\u2029")
_ZEROS = re.compile(r"0+")
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@functools.lru_cache(maxsize=256)
def zero_pad_width(number_format: str | None) -> int:
    """How many digits a zeros-only number format (``0000000``) pads whole numbers to."""
    if not number_format:
        return 0
    positive = number_format.split(";", 1)[0].strip()
    return len(positive) if _ZEROS.fullmatch(positive) else 0


def _shows_time(number_format: str | None) -> bool:
    """Whether a date format shows the time of day (``yyyy-mm-dd hh:mm:ss``): a
    Processed At of exactly midnight then reads back with its time."""
    fmt = re.sub(r'"[^"]*"|\[[^\]]*\]', "", number_format or "").casefold()
    return "h" in fmt or "s" in fmt


def cell_text(value: object, number_format: str | None = None) -> str:
    """The text of a cell value: whole numbers as digits (zero-padded by the number
    format), dates as ISO text, booleans as TRUE/FALSE, everything else as ``str``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return decode_excel_escapes(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not (value.is_integer() and abs(value) < 1e15):
            return format(value, ".15g")
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        width = zero_pad_width(number_format)
        if width:
            text = text.zfill(width + (1 if value < 0 else 0))
        return text
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and not _shows_time(number_format):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    return str(value)


def decode_excel_escapes(text: str) -> str:
    """``text`` with Excel's ``_xHHHH_`` escapes decoded, left to right as Excel reads
    them (so ``_x005F_x0041_`` is the literal ``_x0041_``); escaped surrogate pairs
    become the one character they spell."""
    if "_x" not in text:
        return text
    decoded = _EXCEL_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
    try:
        decoded.encode("utf-8")
    except UnicodeEncodeError:  # surrogates: pair them up; a lone one stays a mark
        decoded = decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return decoded

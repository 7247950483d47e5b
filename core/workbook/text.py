"""A cell value as the text a person sees in Excel (ids as digits, never ``2031001.0``)."""

from __future__ import annotations

import datetime as dt
import functools
import re

_ZEROS = re.compile(r"0+")


@functools.lru_cache(maxsize=256)
def zero_pad_width(number_format: str | None) -> int:
    """How many digits a zeros-only number format (``0000000``) pads whole numbers to."""
    if not number_format:
        return 0
    positive = number_format.split(";", 1)[0].strip()
    return len(positive) if _ZEROS.fullmatch(positive) else 0


def cell_text(value: object, number_format: str | None = None) -> str:
    """The text of a cell value: whole numbers as digits (zero-padded by the number
    format), dates as ISO text, booleans as TRUE/FALSE, everything else as ``str``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
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
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    return str(value)

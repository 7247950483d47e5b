"""A login's id as Canvas Login ID holds it: a whole number, or Canvas's answer is refused.

Canvas Login ID is written into the workbook as a number and is what undo and later
runs use to find the login again. An answer whose login ``id`` is not a whole number
(an integer, or a string of digits as Canvas's string ids send it) is a bad answer:
the row is Failed with :func:`bad_login_id_words`, and nothing goes into the cell.
"""

from __future__ import annotations

from core.model import Status

__all__ = ["bad_login_id_words", "canvas_login_id"]


def canvas_login_id(value: object) -> str | None:
    """A login's ``id`` from Canvas as the digits Canvas Login ID holds; None when it is
    not a whole number (a number, or a string of digits as Canvas's string ids send)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return str(int(text))
    return None


def bad_login_id_words(status: Status, value: object) -> str:
    """Why a result whose login id is not a number is Failed (no trailing period)."""
    shown = "no id" if value is None or value == "" else f"'{str(value)[:40]}'"
    refused = (
        f"gave the login an id that is not a number ({shown}), so the answer was refused "
        "and nothing was written into Canvas Login ID"
    )
    if status is Status.CREATED:
        return (
            f"Canvas answered that it created the login but {refused}. Look the login up "
            "in Canvas before running this row again"
        )
    return f"Canvas {refused}"

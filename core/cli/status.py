"""How a command ends: the exit statuses of design.md, and the one error that means "usage"."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """``canvas-logins-cli``'s exit codes (design.md, "The command line")."""

    #: Every processed row done (or Ready).
    OK = 0
    #: Some row Failed or Invalid.
    ROWS_FAILED = 1
    #: Bad usage or an unreadable workbook.
    USAGE = 2
    #: Canvas unreachable or the token refused; nothing changed.
    CANVAS = 3
    #: The results could not be saved into the workbook (they are in the journal).
    NOT_SAVED = 4
    #: Interrupted (in-flight calls finished, their results saved).
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        """The status in a word or two, for ``--json`` (``"rows failed"``)."""
        return _MEANINGS[self]


_MEANINGS = {
    ExitStatus.OK: "ok",
    ExitStatus.ROWS_FAILED: "rows failed",
    ExitStatus.USAGE: "usage",
    ExitStatus.CANVAS: "canvas",
    ExitStatus.NOT_SAVED: "not saved",
    ExitStatus.INTERRUPTED: "interrupted",
}


PROG = "canvas-logins-cli"


class UsageProblem(Exception):
    """Bad usage or an unreadable workbook: exit 2 with ``message``."""

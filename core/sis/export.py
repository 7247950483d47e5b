"""``logins.csv`` for a Canvas SIS import, built from the workbook's Create rows.

Canvas's logins.csv (canvas-api.md, "SIS import of logins") only adds logins to
students who already exist, and every row needs the new login's own SIS id
(``user_id``). A row without a Login SIS ID gets one from a pattern the user sets;
the default is the student's SIS id plus a suffix, because the student's SIS id
itself already belongs to their main login (an import row with that SIS id would
rename the main login instead of adding one).

The same file is used two ways:

- exported for an admin to upload by hand: then every cell that Excel would read as
  a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
  gets a leading ``'``, so opening the file in Excel runs nothing;
- sent straight to Canvas by :mod:`core.sis.method`: then the values go exactly as
  typed (``protect=False``), since Canvas reads the file as data and a ``'`` would
  become part of the password or login name.
"""

from __future__ import annotations

import csv
import io
import logging
import string
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from core.model import MIN_PASSWORD_LENGTH, Action, Finding, RowResult, Status, Table, login_key
from core.plan import Operation, build_plan, now_local
from core.rules import check_table
from core.workbook.csv_io import formula_safe as protect_cell

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LOGIN_SIS_PATTERN",
    "PATTERN_FIELDS",
    "CsvRow",
    "ExportResult",
    "LoginsCsv",
    "PatternError",
    "build_logins_csv",
    "check_pattern",
    "export_logins_csv",
    "login_sis_id_from",
    "protect_cell",
]

#: The default Login SIS ID for a row without one: the student's SIS id and a suffix.
DEFAULT_LOGIN_SIS_PATTERN = "{sis_user_id}-L2"
#: What a pattern may use, in braces.
PATTERN_FIELDS: tuple[str, ...] = ("sis_user_id", "canvas_user_id", "login")

_COLUMN_ORDER: tuple[str, ...] = (
    "user_id",
    "login_id",
    "existing_user_id",
    "existing_canvas_user_id",
    "password",
    "authentication_provider_id",
    "integration_id",
)
_ALWAYS = ("user_id", "login_id")


class PatternError(ValueError):
    """The Login SIS ID pattern cannot be used; the message says why in plain words."""


def check_pattern(pattern: str) -> str:
    """The pattern, trimmed, or :class:`PatternError` when it cannot make ids."""
    pattern = (pattern or "").strip()
    if not pattern:
        raise PatternError("The Login SIS ID pattern is empty.")
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        raise PatternError(
            "The Login SIS ID pattern has an unmatched { or }. Use for example "
            f"{DEFAULT_LOGIN_SIS_PATTERN}"
        ) from None
    names = [name for _, name, _, _ in parts if name is not None]
    unknown = [name for name in names if name not in PATTERN_FIELDS]
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in PATTERN_FIELDS)
        raise PatternError(
            f"The Login SIS ID pattern uses {{{unknown[0]}}}, which is not known. Use {allowed}."
        )
    if not names:
        raise PatternError(
            "The Login SIS ID pattern must use the student, for example "
            f"{DEFAULT_LOGIN_SIS_PATTERN}; otherwise every login would get the same SIS ID."
        )
    return pattern


def _student_ids(op: Operation) -> tuple[str, str]:
    """(SIS User ID, Canvas User ID) of the operation's student; either may be empty."""
    kind, _, value = op.user_ref.partition(":")
    if not value:
        return "", op.user_ref.strip()
    if kind == "sis_user_id":
        return value.strip(), ""
    return "", ""


def login_sis_id_from(pattern: str, op: Operation) -> str:
    """The Login SIS ID the pattern makes for ``op``; :class:`PatternError` if it cannot."""
    sis_id, canvas_id = _student_ids(op)
    values = {"sis_user_id": sis_id, "canvas_user_id": canvas_id, "login": op.unique_id.strip()}
    names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name]
    missing = [name for name in names if not values.get(name)]
    if missing:
        words = {
            "sis_user_id": "no SIS User ID",
            "canvas_user_id": "no Canvas User ID",
            "login": "no new login",
        }
        raise PatternError(
            f"The row has a blank Login SIS ID and {words.get(missing[0], 'nothing')} to "
            f"make one from (pattern {pattern}); fill in its Login SIS ID"
        )
    return pattern.format(**values).strip()


@dataclass(frozen=True)
class CsvRow:
    """One data line of logins.csv and the workbook row it came from."""

    row: int  # index into Table.rows
    line: int  # line number in the file (the header is line 1)
    user_id: str  # the new login's SIS id
    login_id: str
    existing_user_id: str = ""
    existing_canvas_user_id: str = ""
    password: str = field(default="", repr=False)
    authentication_provider_id: str = ""
    integration_id: str = ""
    operation: Operation | None = field(default=None, repr=False, compare=False)

    def value(self, column: str) -> str:
        return str(getattr(self, column))


@dataclass
class LoginsCsv:
    """The file's rows, and the Create rows that could not go into it (with why)."""

    rows: list[CsvRow] = field(default_factory=list)
    #: Rows left out of the file: Invalid results, nothing sent.
    left_out: list[RowResult] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The columns in use: user_id, login_id, the student's id, and optional ones."""
        return [
            name
            for name in _COLUMN_ORDER
            if name in _ALWAYS or any(row.value(name) for row in self.rows)
        ]

    def write(self, out: TextIO, *, protect: bool = True) -> list[tuple[int, str]]:
        """Write the CSV; returns the (row, column) cells that got a protecting ``'``."""
        columns = self.columns
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        protected: list[tuple[int, str]] = []
        for row in self.rows:
            cells = []
            for name in columns:
                text = row.value(name)
                if protect:
                    safe = protect_cell(text)
                    if safe != text:
                        protected.append((row.row, name))
                    text = safe
                cells.append(text)
            writer.writerow(cells)
        return protected

    def text(self, *, protect: bool = True) -> str:
        out = io.StringIO()
        self.write(out, protect=protect)
        return out.getvalue()

    def data(self, *, protect: bool = False) -> bytes:
        """The file as Canvas gets it: UTF-8, values exactly as typed by default."""
        return self.text(protect=protect).encode("utf-8")

    def without(self, rows: set[int]) -> LoginsCsv:
        """The file without the lines of these table rows (the others renumbered)."""
        kept = [row for row in self.rows if row.row not in rows]
        return LoginsCsv(
            [replace(row, line=index + 2) for index, row in enumerate(kept)], list(self.left_out)
        )

    def row_at_line(self, line: int) -> CsvRow | None:
        index = line - 2
        return self.rows[index] if 0 <= index < len(self.rows) else None


def _left_out(op: Operation, message: str) -> RowResult:
    return RowResult(op.row, Status.INVALID, message.rstrip(".") + ".", "", now_local())


def build_logins_csv(
    operations: Iterable[Operation], pattern: str = DEFAULT_LOGIN_SIS_PATTERN
) -> LoginsCsv:
    """logins.csv from the Create operations (others are ignored), in their order.

    A row is left out (Invalid, with the reason) when an import cannot take it: the
    student is named only by a current login (logins.csv has no column for that), no
    Login SIS ID can be made, it equals the student's own SIS id, or another row of
    the file already uses it or the same login name.
    """
    pattern = check_pattern(pattern)
    built = LoginsCsv()
    used_sis: dict[str, int] = {}
    used_login: dict[str, int] = {}
    for op in operations:
        if op.action is not Action.CREATE:
            continue
        sis_id, canvas_id = _student_ids(op)
        if not sis_id and not canvas_id:
            built.left_out.append(
                _left_out(
                    op,
                    "An import needs the student's SIS User ID or Canvas User ID; this row "
                    "names the student only by a current login. Use the API method for it",
                )
            )
            continue
        login_sis = op.login_sis_id.strip()
        if not login_sis:
            try:
                login_sis = login_sis_id_from(pattern, op)
            except PatternError as exc:
                built.left_out.append(_left_out(op, str(exc)))
                continue
        if sis_id and login_sis.casefold() == sis_id.casefold():
            built.left_out.append(
                _left_out(
                    op,
                    f"The Login SIS ID '{login_sis}' is the student's own SIS ID, which "
                    "belongs to their existing login: an import would rename that login "
                    "instead of adding one. Use another Login SIS ID",
                )
            )
            continue
        sis_key = login_sis.casefold()
        if sis_key in used_sis:
            built.left_out.append(
                _left_out(
                    op,
                    f"The Login SIS ID '{login_sis}' is also used by sheet row "
                    f"{used_sis[sis_key]}; every login needs its own",
                )
            )
            continue
        name_key = login_key(op.unique_id)
        if name_key in used_login:
            built.left_out.append(
                _left_out(
                    op,
                    f"The login '{op.unique_id}' is also in sheet row {used_login[name_key]}",
                )
            )
            continue
        used_sis[sis_key] = op.sheet_row
        used_login[name_key] = op.sheet_row
        built.rows.append(
            CsvRow(
                row=op.row,
                line=len(built.rows) + 2,
                user_id=login_sis,
                login_id=op.unique_id.strip(),
                existing_user_id=sis_id,
                existing_canvas_user_id=canvas_id if not sis_id else "",
                password=op.password,
                authentication_provider_id=op.provider.strip(),
                integration_id=op.integration_id.strip(),
                operation=op,
            )
        )
    return built


@dataclass
class ExportResult:
    path: Path
    written: int
    #: Create rows left out of the file (problems, or an import cannot take them).
    left_out: list[RowResult]
    #: (row, column) cells that start like a formula and got a leading ' in the file.
    protected: list[tuple[int, str]]
    #: Rows not exported because they are not Create rows (Update, Delete, Suspend,
    #: Reactivate: a run by SIS import sends those by the API).
    not_create: int = 0
    #: Rows already done (Created, ...) that were left out.
    already_done: int = 0


def export_logins_csv(
    table: Table,
    path: str | Path,
    *,
    pattern: str = DEFAULT_LOGIN_SIS_PATTERN,
    min_password_length: int = MIN_PASSWORD_LENGTH,
    findings: Iterable[Finding] | None = None,
) -> ExportResult:
    """Write logins.csv for the table's Create rows that are not done and broke no rule.

    Rows with problems are left out with the reason (they keep their cells; nothing is
    written into the workbook). The file is written whole, then moved into place.
    """
    found = (
        list(findings)
        if findings is not None
        else check_table(table, min_password_length=min_password_length)
    )
    plan = build_plan(table, found)
    built = build_logins_csv(plan.operations, pattern)
    left_out = sorted(
        [r for r in plan.invalid if (table.action(r.row) or Action.CREATE) is Action.CREATE]
        + built.left_out,
        key=lambda r: r.row,
    )
    target = Path(path).expanduser()
    partial = target.with_name(target.name + ".partial")
    with open(partial, "w", encoding="utf-8-sig", newline="") as out:
        protected = built.write(out, protect=True)
    partial.replace(target)
    log.info("exported %d login(s) to %s, %d left out", len(built.rows), target, len(left_out))
    return ExportResult(
        path=target,
        written=len(built.rows),
        left_out=left_out,
        protected=protected,
        not_create=sum(1 for op in plan.operations if op.action is not Action.CREATE),
        already_done=plan.skipped_done,
    )

"""Which sheet and which columns a command reads: ``--sheet``, and ``--columns`` by hand.

``--columns "New Login=Username,Password=Pwd"`` names the header that holds a role when
the header words do not say it plainly (design.md, "The command line"). A role is named
by its canonical header (``New Login``) or a synonym (``new_login``), in any case;
``ROLE=`` (nothing after the ``=``) says the sheet has no column for that role. Without
``--columns`` a command reads the columns by their headers, and when they are not clear
it uses the choice the app remembered for a workbook with the same headers
(:mod:`core.mappings`); otherwise it stops with words that name ``--columns``.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from core.cli.status import UsageProblem
from core.model import INPUT_ROLES, Role, header_key, role_for_header
from core.workbook import HeaderNotFoundError, WorkbookDoc
from core.workbook.headers import (
    HEADER_SCAN_ROWS,
    find_header_row,
    missing_columns,
    read_headers,
)

__all__ = [
    "COLUMNS_EXAMPLE",
    "choose_columns_hint",
    "columns_mapping",
    "doc_unclear",
    "parse_columns",
    "unclear_columns_message",
]

COLUMNS_EXAMPLE = '--columns "New Login=Username,Password=Pwd"'


def choose_columns_hint(row: int) -> str:
    """The command line's words after "choose the columns yourself"."""
    if not row:
        return "On the command line, choose the sheet with --sheet NAME."
    return (
        f"On the command line, name the columns with {COLUMNS_EXAMPLE} (the header of "
        "each role, as the sheet spells it); a choice made once in the app is remembered "
        "for workbooks with the same headers."
    )


def _role_named(name: str) -> Role | None:
    key = header_key(name)
    for role in Role:
        if key in (header_key(role.value), header_key(role.name)):
            return role
    return role_for_header(name)


def parse_columns(text: str) -> dict[Role, str]:
    """``"New Login=Username,Password=Pwd"`` as role -> header ("" for no column)."""
    chosen: dict[Role, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, equals, header = item.partition("=")
        if not equals:
            raise UsageProblem(
                f"--columns: '{item.strip()}' does not say which role it is: write "
                f"ROLE=Header, for example {COLUMNS_EXAMPLE}."
            )
        role = _role_named(name)
        if role is None:
            roles = ", ".join(r.value for r in Role)
            raise UsageProblem(
                f"--columns: '{name.strip()}' is not a role. The roles are: {roles}."
            )
        if role in chosen:
            raise UsageProblem(f"--columns names {role.value} twice.")
        chosen[role] = header.strip()
    if not chosen:
        raise UsageProblem(f"--columns is empty: write ROLE=Header, for example {COLUMNS_EXAMPLE}.")
    return chosen


def _header_row(top: list[list[str]], wanted: dict[str, str], sheet: str) -> int:
    """The first top row holding every wanted header (header key -> as written)."""
    if not wanted:
        try:
            return find_header_row(top, sheet)
        except HeaderNotFoundError as exc:
            raise UsageProblem(f"{exc.message} {choose_columns_hint(exc.row)}") from None
    best: tuple[tuple[int, int], int, set[str]] | None = None
    for number, cells in enumerate(top[:HEADER_SCAN_ROWS], start=1):
        keys = {header_key(cell) for cell in cells}
        if all(key in keys for key in wanted):
            return number
        score = (sum(key in keys for key in wanted), sum(1 for cell in cells if cell.strip()))
        if best is None or score > best[0]:
            best = (score, number, keys)
    absent = [text for key, text in wanted.items() if best is None or key not in best[2]]
    names = " or ".join(f"'{text}'" for text in absent)
    seen = [cell.strip() for cell in top[best[1] - 1] if cell.strip()] if best else []
    where = (
        f"The headers of row {best[1]} are: {', '.join(seen)}."
        if best and seen
        else "Its top rows are empty."
    )
    raise UsageProblem(
        f"--columns: sheet '{sheet}' has no header {names} in its top {HEADER_SCAN_ROWS} "
        f"rows. {where}"
    )


def columns_mapping(
    top: list[list[str]], chosen: dict[Role, str], sheet: str
) -> tuple[int, dict[Role, int]]:
    """(header row, role -> column, -1 for none) for ``--columns`` on the sheet whose top
    rows are ``top``: the roles named by hand, the others read from the headers."""
    wanted = {header_key(header): header for header in chosen.values() if header}
    row = _header_row(top, wanted, sheet)
    cells = top[row - 1]
    keys = [header_key(cell) for cell in cells]
    reading = read_headers(cells)
    mapping = {
        role: column
        for role, column in reading.columns.items()
        if column not in reading.doubts  # a doubtful header is taken only when named
    }
    named_columns: set[int] = set()
    for role, header in chosen.items():
        if not header:
            mapping[role] = -1
            continue
        column = keys.index(header_key(header))
        if column in named_columns:
            raise UsageProblem(f"--columns names the header '{header}' for two roles.")
        named_columns.add(column)
        for other in [r for r, c in mapping.items() if c == column and r is not role]:
            del mapping[other]
        mapping[role] = column
    unsettled = {
        role: columns
        for role, columns in reading.ambiguous.items()
        if role in INPUT_ROLES and role not in chosen and not named_columns.intersection(columns)
    }
    if unsettled:
        raise UsageProblem(unclear_columns_message(sheet, cells, unsettled, reading.doubts))
    missing = missing_columns({role: column for role, column in mapping.items() if column >= 0})
    if missing:
        raise UsageProblem(
            f"With these columns, sheet '{sheet}' still has no {' and no '.join(missing)}: "
            "name it in --columns too."
        )
    return row, mapping


def _column_words(headers: list[str], column: int) -> str:
    return f"column {get_column_letter(column + 1)} ('{headers[column]}')"


def unclear_columns_message(
    sheet: str,
    headers: list[str],
    unclear: dict[Role, list[int]],
    doubts: dict[int, str],
) -> str:
    """Why the columns are not clear, and the ``--columns`` that would settle it."""
    reasons: list[str] = []
    examples: list[str] = []
    for role, columns in unclear.items():
        if len(columns) == 1 and columns[0] in doubts:
            reasons.append(f"column {get_column_letter(columns[0] + 1)}: {doubts[columns[0]]}")
        else:
            reasons.append(
                f"{role.value} could be "
                + " or ".join(_column_words(headers, column) for column in columns)
                + (
                    " (one heading twice: --columns takes the first; to use another, rename it)"
                    if len({header_key(headers[column]) for column in columns}) == 1
                    else ""
                )
            )
        examples.append(f"{role.value}={headers[columns[0]]}")
    return (
        f"The columns of sheet '{sheet}' are not clear: {'; '.join(reasons)}. Say which "
        f'column holds which role with --columns, for example --columns "{",".join(examples)}" '
        "(ROLE= with nothing after it says there is no such column); a choice made once in "
        "the app is remembered for workbooks with the same headers."
    )


def doc_unclear(doc: WorkbookDoc) -> dict[Role, list[int]]:
    """The roles of the app's input columns that the headers do not settle."""
    return {role: columns for role, columns in doc.ambiguous.items() if role in INPUT_ROLES}

"""Offline rules that compare a row with the others: the same login name on two rows, ids
shorter than the rest of their column, an id column stored as numbers, and a second
column headed as one of the app's.

A whole-table check (:func:`core.rules.check_table`) and a re-check of a few edited rows
(:func:`core.rules.recheck_rows`) both use them, so each rule can be run for some rows
only, and its findings can be told apart from the row's own (:func:`finding_kind`).
A re-check reads the compared columns from a :class:`ColumnIndex` it keeps up to date
row by row, so an edit at 20,000 rows costs the edited rows, not the columns.
"""

from __future__ import annotations

import enum
import operator
import threading
import weakref
from bisect import insort
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import repeat

from openpyxl.utils import get_column_letter

from core.id_padding import LostZeros, digit_id, digit_ids, find_lost_zeros
from core.model import LOGIN_NAMING_ACTIONS, Finding, Role, Severity, Table, login_key
from core.workbook.headers import read_headers

__all__ = [
    "NUMBER_TYPED_WARNING",
    "ColumnIndex",
    "FindingKind",
    "current_index",
    "duplicate_findings",
    "finding_kind",
    "first_again",
    "heading_findings",
    "login_keys",
    "remember_index",
    "role_for_column",
    "row_list",
    "short_id_findings",
]

_DUPLICATE_ENDING = "; each login name can belong to only one student"
NUMBER_TYPED_WARNING = (
    "SIS User IDs in this column are stored as numbers in this workbook (this one among "
    "them), and Excel drops the leading zeros of numbers (0045510 becomes 45510). If your "
    "school's ids begin with 0, format the column as Text and type the ids again with "
    "their zeros, or use Check with Canvas to test them"
)
#: Login names as Canvas compares them are remembered, up to this many: the next check
#: reads most of the same names again.
_MAX_REMEMBERED_KEYS = 1 << 17


class FindingKind(enum.Enum):
    """Which rule a finding comes from, as far as re-checking needs to know."""

    #: The row's own cells (:class:`core.rules` checks them one row at a time).
    ROW = "row"
    #: The same login name on another row.
    DUPLICATE = "duplicate"
    #: A short id, or the id column stored as numbers.
    SHORT_ID = "short id"
    NUMBER_TYPED = "number typed"
    #: A second column with one of the app's headings (on the first row to be sent).
    HEADING = "heading"


def finding_kind(finding: Finding) -> FindingKind:
    """The rule a finding of :func:`core.rules.check_table` comes from."""
    if finding.role is None:
        # a row's own finding without a role: "No student" in a list with no student column
        return FindingKind.HEADING if finding.column is not None else FindingKind.ROW
    if finding.role is Role.SIS_USER_ID and finding.severity is Severity.WARNING:
        if finding.message == NUMBER_TYPED_WARNING:
            return FindingKind.NUMBER_TYPED
        return FindingKind.SHORT_ID
    if finding.role is Role.NEW_LOGIN and finding.message.endswith(_DUPLICATE_ENDING):
        return FindingKind.DUPLICATE
    return FindingKind.ROW


def row_list(rows: list[int]) -> str:
    """``row 5``, ``rows 5 and 9``, ``rows 5, 9 and 12``."""
    words = [str(n) for n in rows]
    if len(words) == 1:
        return f"row {words[0]}"
    return f"rows {', '.join(words[:-1])} and {words[-1]}"


def role_for_column(table: Table, column: int) -> Role | None:
    for role, col in table.columns.items():
        if col == column:
            return role
    return None


#: New Login cells -> their :func:`_name_key` (a plain dict: no object per entry for the
#: garbage collector to look through).
_known_keys: dict[str, str | None] = {}
_UNKNOWN = "\0unknown"


def _name_key(text: str) -> str | None:
    """The login name as Canvas compares names (:func:`core.model.login_key`), None for
    a blank cell."""
    key = _known_keys.get(text, _UNKNOWN)
    if key is _UNKNOWN:
        if len(_known_keys) >= _MAX_REMEMBERED_KEYS:
            _known_keys.clear()
        key = _known_keys[text] = login_key(text) if text.strip() else None
    return key


def login_keys(table: Table) -> list[str | None]:
    """Each row's New Login as :func:`_name_key` reads it."""
    column = table.column(Role.NEW_LOGIN)
    if column is None:
        return [None] * len(table.rows)
    texts = [row.cells[column] for row in table.rows]
    keys = list(map(_known_keys.get, texts, repeat(_UNKNOWN)))
    for row, key in enumerate(keys):
        if key is _UNKNOWN:
            keys[row] = _name_key(texts[row])
    return keys


class ColumnIndex:
    """The New Login and SIS User ID columns as these rules read them, for every row:
    made by reading the columns once, then kept up to date row by row (:meth:`update`)."""

    def __init__(self, table: Table) -> None:
        #: Each row's login name as Canvas compares names (None: blank).
        self.keys = login_keys(table)
        #: The row of each login name, or its rows (a list, in order) when there are more.
        self._rows_by_key: dict[str, int | list[int]] = {}
        for row, key in enumerate(self.keys):
            if key is not None:
                self._add(key, row)
        #: Each row's all-digit SIS User ID ("" for another), and those that lost zeros.
        self.ids = digit_ids(table)
        self.lost = find_lost_zeros(self.ids)
        #: Whether :attr:`lost` changed in the last :meth:`update` (or was just read).
        self.lost_changed = True

    def update(self, table: Table, rows: Iterable[int]) -> set[str]:
        """Read again the cells of ``rows``, which changed; the login names they had
        before, where another one came in."""
        login, sis = table.column(Role.NEW_LOGIN), table.column(Role.SIS_USER_ID)
        previous: set[str] = set()
        ids_changed = False
        for row in rows:
            cells = table.rows[row].cells
            key = _name_key(cells[login]) if login is not None else None
            if key != self.keys[row]:
                if (old := self.keys[row]) is not None:
                    self._remove(old, row)
                    previous.add(old)
                if key is not None:
                    self._add(key, row)
                self.keys[row] = key
            if sis is not None and (digits := digit_id(cells[sis])) != self.ids[row]:
                self.ids[row] = digits
                ids_changed = True
        self.lost_changed = ids_changed
        if ids_changed:
            self.lost = find_lost_zeros(self.ids)
        return previous

    def shared_rows(self) -> list[int]:
        """The rows whose login name is on another row too, in order."""
        return sorted(
            row for rows in self._rows_by_key.values() if isinstance(rows, list) for row in rows
        )

    def rows_named(self, keys: Iterable[str | None]) -> list[int]:
        """The rows whose login name is one of ``keys``, in order."""
        rows: list[int] = []
        for key in keys:
            found = self._rows_by_key.get(key) if key is not None else None
            if isinstance(found, int):
                rows.append(found)
            elif found is not None:
                rows.extend(found)
        return sorted(rows)

    def _add(self, key: str, row: int) -> None:
        found = self._rows_by_key.get(key)
        if found is None:
            self._rows_by_key[key] = row
        elif isinstance(found, int):
            self._rows_by_key[key] = sorted((found, row))
        else:
            insort(found, row)

    def _remove(self, key: str, row: int) -> None:
        found = self._rows_by_key[key]
        if isinstance(found, int):
            del self._rows_by_key[key]
            return
        found.remove(row)
        if len(found) == 1:
            self._rows_by_key[key] = found[0]


def duplicate_findings(
    table: Table,
    keys: Sequence[str | None],
    rows: Iterable[int],
    is_done: Callable[[int], bool],
) -> list[Finding]:
    """The same login name on two of ``rows`` (ascending; whole groups of equal
    ``keys``) that are not Delete, Suspend or Reactivate rows (those name a login that
    exists, they never make one); a finding on each such row that is not done.

    A row with a login name always asks for something, so every row here counts."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        key = keys[row]
        if key is not None:
            by_key[key].append(row)
    found: list[Finding] = []
    column = table.column(Role.NEW_LOGIN)
    for same in by_key.values():
        if len(same) < 2:
            continue
        same = [row for row in same if table.action(row) not in LOGIN_NAMING_ACTIONS]
        if len(same) < 2:
            continue
        for row in same:
            if is_done(row):
                continue
            others = [table.rows[r].sheet_row for r in same if r != row]
            name = table.value(row, Role.NEW_LOGIN).strip()
            message = f"Login name '{name}' is also on {row_list(others)}{_DUPLICATE_ENDING}"
            found.append(Finding(row, column, message, Severity.ERROR, Role.NEW_LOGIN))
    return found


def heading_findings(table: Table, row: int) -> list[Finding]:
    """A column headed as one of the app's columns is (two "New Login" columns): the app
    uses only one of them, so say which, once, on ``row`` (the first to be sent)."""
    headers = table.headers[: table.appended_from]
    found: list[Finding] = []
    for role, columns in read_headers(headers).ambiguous.items():
        used = table.column(role)
        if used is None or len(columns) < 2:
            continue
        for column in columns:
            if column == used or role_for_column(table, column) is not None:
                continue
            letter, used_letter = get_column_letter(column + 1), get_column_letter(used + 1)
            found.append(
                Finding(
                    row,
                    column,
                    f"Column {letter} ('{headers[column]}') is headed as a {role.value} "
                    f"column too; Canvas Logins uses column {used_letter} "
                    f"('{headers[used]}') for the {role.value} and leaves column {letter} "
                    "as it is. If that is the wrong one, rename one of the two headings",
                    Severity.WARNING,
                )
            )
    return found


def short_id_findings(
    table: Table,
    lost: LostZeros | None,
    is_done: Callable[[int], bool],
    number_typed_row: int | None,
    among: Collection[int] | None = None,
) -> list[Finding]:
    """Ids shorter than the column's others by the zeros those start with (``lost``, of
    :func:`core.id_padding.find_lost_zeros`; only rows ``among`` these, when given), and
    a column Excel stored as numbers (said once, on ``number_typed_row``): both mean
    leading zeros may be gone. Warnings: the ids are never changed here."""
    column = table.column(Role.SIS_USER_ID)
    if column is None:
        return []
    found: list[Finding] = []
    if lost is not None:
        rows = lost.rows if among is None else sorted(set(among).intersection(lost.rows))
        # An all-digit id asks for something, so only a done row is not asked.
        found.extend(_short_id(table, row, lost) for row in rows if not is_done(row))
    if number_typed_row is not None:
        found.append(
            Finding(
                number_typed_row,
                column,
                NUMBER_TYPED_WARNING,
                Severity.WARNING,
                Role.SIS_USER_ID,
            )
        )
    return found


def _short_id(table: Table, row: int, lost: LostZeros) -> Finding:
    text = table.value(row, Role.SIS_USER_ID).strip()
    message = (
        f"SIS User ID '{text}' is shorter than the others in this column "
        f"({lost.width} digits, like '{lost.example}'): Excel may have dropped its leading "
        "zeros. Type the ids as text with their zeros, or use Check with Canvas to test them"
    )
    return Finding(row, table.column(Role.SIS_USER_ID), message, Severity.WARNING, Role.SIS_USER_ID)


def first_again(
    before: int | None, edited: Sequence[int], qualifies: Callable[[int], bool], count: int
) -> int | None:
    """The first of ``count`` rows that ``qualifies`` now, when ``before`` was the first
    before the rows ``edited`` (ascending) changed (None: no row did).

    Only an edited row can have started or stopped qualifying, so the rows above
    ``before`` are not read again."""
    best = next((row for row in edited if qualifies(row)), None)
    if before is None:
        return best
    edited_set = set(edited)
    if before not in edited_set:
        return before if best is None else min(before, best)
    end = count if best is None else best
    later = next(
        (row for row in range(before + 1, end) if row not in edited_set and qualifies(row)),
        None,
    )
    return later if later is not None else best


class _Remembered:
    """The findings a re-check last returned, with the column index they fit."""

    def __init__(
        self, table: Table, findings: list[Finding], index: ColumnIndex, wide: list[Finding]
    ) -> None:
        self.table = weakref.ref(table)
        self.columns = dict(table.columns)
        self.count = len(table.rows)
        self.findings = tuple(findings)
        self.index = index
        self.wide = wide

    def fits(self, table: Table, findings: list[Finding]) -> bool:
        """``findings`` are the ones returned, for the same table and columns."""
        return (
            self.table() is table
            and self.columns == table.columns
            and self.count == len(table.rows)
            and len(findings) == len(self.findings)
            and all(map(operator.is_, findings, self.findings))
        )


#: The last findings returned, newest last: a full check's and a re-check's may take turns.
_remembered: list[_Remembered] = []
_REMEMBERED = 2
_remembered_lock = threading.Lock()


def current_index(
    table: Table, findings: list[Finding], changed: list[int]
) -> tuple[ColumnIndex, set[str] | None, list[Finding] | None]:
    """The compared columns as they are now, the login names the ``changed`` rows had
    before, and which of ``findings`` are about a whole column (None: not known).

    When ``findings`` are those remembered (:func:`remember_index`): the remembered index
    with the changed rows read again; else the columns read afresh."""
    with _remembered_lock:  # taken out: one re-check at a time changes an index
        last = next((r for r in reversed(_remembered) if r.fits(table, findings)), None)
        if last is not None:
            _remembered.remove(last)
    if last is not None:
        return last.index, last.index.update(table, changed), last.wide
    return ColumnIndex(table), None, None


def remember_index(
    table: Table, findings: list[Finding], index: ColumnIndex, wide: list[Finding]
) -> None:
    """``index`` fits ``table`` now, ``findings`` (in order) were found with it, and
    ``wide`` are those of them about a whole column. A full check in the background
    remembers too, so the first re-check after it on the GUI thread reads only the
    edited rows."""
    remembered = _Remembered(table, findings, index, wide)
    with _remembered_lock:
        _remembered.append(remembered)
        del _remembered[:-_REMEMBERED]

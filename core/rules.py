"""Offline checks of a table: the problems Canvas would refuse, found before any call.

Each :class:`~core.model.Finding` points at one cell (the column of the role it is
about) and says in plain words what to fix. Errors make a row ``Invalid`` (not sent);
warnings are worth a look but the row is still sent. Rows already done are skipped, and
so are rows that ask for nothing: blank rows, and notes such as a footer "Total
students: 23" (:func:`is_note_row`).

:func:`check_table` checks every row; after an edit, :func:`recheck_rows` finds the same
findings by reading again only the edited rows, the rows that share a login name with
them, and the columns whose findings compare rows (:mod:`core.column_rules`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable

from core.column_rules import (
    ColumnIndex,
    FindingKind,
    current_index,
    duplicate_findings,
    finding_kind,
    first_again,
    heading_findings,
    remember_index,
    role_for_column,
    row_list,
    short_id_findings,
)
from core.model import MIN_PASSWORD_LENGTH, Finding, Role, Severity, Table
from core.row_rules import (
    ACTION_WORDS_HELP,
    CANVAS_PROVIDER_WORDS,
    FORMULA_STARTS,
    MAX_LOGIN_LENGTH,
    MAX_PASSWORD_LENGTH,
    RowChecker,
    is_blank_row,
    is_note_row,
    is_note_text,
    names_student,
    rename_target,
)

__all__ = [
    "ACTION_WORDS_HELP",
    "CANVAS_PROVIDER_WORDS",
    "FORMULA_STARTS",
    "MAX_LOGIN_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "check_table",
    "findings_by_row",
    "findings_message",
    "has_errors",
    "is_blank_row",
    "is_note_row",
    "is_note_text",
    "names_student",
    "recheck_rows",
    "rename_target",
    "role_for_column",
    "row_list",
]

#: Re-checking more than this share of the rows is slower than checking them all.
_RECHECK_SHARE = 0.25
#: Findings put in place one by one when fewer than this are new; else all are sorted.
_MAX_INSERTS = 64
#: Enum members read once: reading one off its class costs as much as sorting a finding.
_ROW, _DUPLICATE, _SHORT_ID = FindingKind.ROW, FindingKind.DUPLICATE, FindingKind.SHORT_ID
#: Findings about rows one by one; the others are about a whole column.
_PER_ROW = (_ROW, _DUPLICATE)
_SIS_USER_ID, _NEW_LOGIN = Role.SIS_USER_ID, Role.NEW_LOGIN


def findings_by_row(findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    grouped: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.row].append(finding)
    return dict(grouped)


def findings_message(findings: Iterable[Finding]) -> str:
    """The findings' messages as one Message cell: ``a; b.`` (each said once)."""
    return "; ".join(dict.fromkeys(f.message.rstrip(". ") for f in findings)) + "."


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def _place(finding: Finding) -> tuple[int, int]:
    return finding.row, finding.column if finding.column is not None else -1


def _row_of(finding: Finding) -> int:
    return finding.row


def _in_order(findings: list[Finding]) -> list[Finding]:
    """Row order, then column order; a row's own findings before those comparing rows."""
    findings.sort(key=_place)
    return findings


def check_table(
    table: Table,
    *,
    min_password_length: int = MIN_PASSWORD_LENGTH,
    provider_types: dict[str, str] | None = None,
) -> list[Finding]:
    """Every finding for the rows that are not done, in row order.

    ``provider_types`` maps authentication provider ids (as text) to their type
    (``canvas``, ``saml``...), when known from Canvas; without it a numeric provider
    id is taken on trust.
    """
    checker = RowChecker(table, min_password_length, provider_types)
    kinds = checker.kinds
    found: list[Finding] = []
    first_asked: int | None = None
    number_typed: int | None = None
    for row in range(len(table.rows)):
        if not kinds.is_asked(row):
            continue
        if first_asked is None:
            first_asked = row
        if number_typed is None and checker.is_number_typed(row):
            number_typed = row
        found.extend(checker.check(row))
    index = ColumnIndex(table)
    found.extend(duplicate_findings(table, index.keys, index.shared_rows(), kinds.is_done))
    wide = heading_findings(table, first_asked) if first_asked is not None else []
    wide.extend(short_id_findings(table, index.lost, kinds.is_done, number_typed))
    found = _in_order(found + wide)
    remember_index(table, found, index, wide)
    return found


def recheck_rows(
    table: Table,
    findings: Iterable[Finding],
    rows: Iterable[int],
    *,
    min_password_length: int = MIN_PASSWORD_LENGTH,
    provider_types: dict[str, str] | None = None,
) -> list[Finding]:
    """What :func:`check_table` finds now that the cells of ``rows`` changed, given what it
    found before (``findings``, with the same table columns and the same settings).

    Only the changed rows are checked again, with the rows whose login name is theirs (or
    was: those carry a finding naming them) and the findings that compare a row with its
    whole column (short ids, a column stored as numbers, a second heading). A finding
    that did not change is the same object as before, so the grid repaints only rows
    whose findings changed. When many rows changed, the whole table is checked.

    The columns those findings compare are read once, then kept up to date
    (:func:`core.column_rules.current_index`): handed findings that it or
    :func:`check_table` returned last (the same objects), for the same table, it reads
    only ``rows`` of them again, and only the findings of the rows it checks again.
    """
    count = len(table.rows)
    changed = sorted({row for row in rows if 0 <= row < count})
    if not changed:
        return list(findings)
    findings = list(findings)
    if len(changed) > count * _RECHECK_SHARE:
        return check_table(
            table, min_password_length=min_password_length, provider_types=provider_types
        )
    index, previous, wide = current_index(table, findings, changed)
    names: set[str | None] = {index.keys[row] for row in changed}
    if previous is None:  # the names they had, unknown: those of every row said to share one
        names.update(index.keys[f.row] for f in findings if finding_kind(f) is _DUPLICATE)
    else:
        names.update(previous)
    sharing = index.rows_named(names)
    checker = RowChecker(table, min_password_length, provider_types)
    kinds = checker.kinds
    split = _Split(set(changed), set(changed).union(sharing), index.lost_changed)
    if wide is None:
        split.read_all(findings)
    else:
        split.read_rows(findings, wide)
    before = split.first_rows

    found: list[Finding] = []
    for row in changed:
        if kinds.is_asked(row):
            found.extend(checker.check(row))
    found.extend(duplicate_findings(table, index.keys, sharing, kinds.is_done))
    if heading_findings(table, 0):
        first_asked = first_again(before.get(FindingKind.HEADING), changed, kinds.is_asked, count)
        if first_asked is not None:
            found.extend(heading_findings(table, first_asked))
    number_typed = first_again(
        before.get(FindingKind.NUMBER_TYPED),
        changed,
        lambda row: checker.is_number_typed(row) and kinds.is_asked(row),
        count,
    )
    among = None if index.lost_changed else split.again  # the others' have not changed
    found.extend(short_id_findings(table, index.lost, kinds.is_done, number_typed, among))
    same = {finding: finding for finding in split.dropped}
    found = [same.get(finding, finding) for finding in found]
    wide = split.kept_wide + [f for f in found if finding_kind(f) not in _PER_ROW]
    result = _merged(split.kept, found)
    remember_index(table, result, index, wide)
    return result


class _Split:
    """The findings before a re-check: those kept, and those found again."""

    def __init__(self, again: set[int], shared: set[int], lost_changed: bool) -> None:
        #: Rows whose own findings are found again; and whose findings about duplicates are.
        self.again, self.shared = again, shared
        self.lost_changed = lost_changed
        self.kept: list[Finding] = []
        self.dropped: list[Finding] = []
        #: The kept findings about a whole column (short ids).
        self.kept_wide: list[Finding] = []
        #: Where the findings said once, on the first row they concern, were.
        self.first_rows: dict[FindingKind, int] = {}

    def _keeps(self, finding: Finding, kind: FindingKind) -> bool:
        if kind is _ROW or (kind is _SHORT_ID and not self.lost_changed):
            return finding.row not in self.again
        if kind is _DUPLICATE:
            return finding.row not in self.shared
        if kind is FindingKind.HEADING or kind is FindingKind.NUMBER_TYPED:
            self.first_rows.setdefault(kind, finding.row)
        return False

    def read_all(self, findings: list[Finding]) -> None:
        """Sort out every finding (findings not remembered: read them all)."""
        for finding in findings:
            role = finding.role
            if role is not None and role is not _SIS_USER_ID and role is not _NEW_LOGIN:
                kind = _ROW  # the commonest kind, told apart without a call
            else:
                kind = finding_kind(finding)
            keep = self._keeps(finding, kind)
            (self.kept if keep else self.dropped).append(finding)
            if keep and kind is _SHORT_ID:
                self.kept_wide.append(finding)

    def read_rows(self, findings: list[Finding], wide: list[Finding]) -> None:
        """Sort out remembered findings (in order; ``wide`` are those about a whole
        column): only those of the rows found again are read."""
        gone: list[int] = []
        for row in sorted(self.shared):
            start = bisect_left(findings, row, key=_row_of)
            for at in range(start, bisect_right(findings, row, lo=start, key=_row_of)):
                kind = finding_kind(findings[at])
                if kind in _PER_ROW and not self._keeps(findings[at], kind):
                    gone.append(at)
        for finding in wide:
            if self._keeps(finding, finding_kind(finding)):
                self.kept_wide.append(finding)
                continue
            at = bisect_left(findings, _place(finding), key=_place)
            while findings[at] is not finding:
                at += 1
            gone.append(at)
        gone.sort()
        self.dropped = [findings[at] for at in gone]
        ends = [*gone, len(findings)]
        self.kept = findings[: ends[0]]
        for at, end in zip(gone, ends[1:], strict=True):
            self.kept.extend(findings[at + 1 : end])


def _merged(kept: list[Finding], found: list[Finding]) -> list[Finding]:
    """``kept`` (in order) and ``found`` in the order :func:`check_table` gives: by row
    and column, and at one cell ``kept``'s first, then ``found``'s in their order."""
    if len(found) > _MAX_INSERTS:
        return _in_order(kept + found)
    for finding in _in_order(found):
        kept.insert(bisect_right(kept, _place(finding), key=_place), finding)
    return kept

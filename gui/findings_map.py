"""Findings indexed by row and cell, so the grid finds what a cell shows in O(1).

A map made from the previous one keeps the index of every row whose findings did not
change (:func:`core.rules.recheck_rows` hands back the same objects for those) and says
which rows changed, so the model repaints only them; :func:`list_changes` says where
two lists of findings differ (the Problems list uses it too).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from itertools import compress, count, islice

from core.model import Finding, Severity

__all__ = ["FindingsMap", "list_changes"]

_SEVERITY_RANK = {Severity.WARNING: 1, Severity.ERROR: 2}


def _worse(a: Severity | None, b: Severity) -> Severity:
    if a is None or _SEVERITY_RANK[b] > _SEVERITY_RANK[a]:
        return b
    return a


def list_changes(old: Sequence[Finding], new: Sequence[Finding]) -> list[tuple[int, int, int, int]]:
    """What turns ``old`` into ``new``: (start in old, count, start in new, count) spans to
    replace, in order; the findings between them are the same.

    For findings in row order each span holds whole rows (a row that changed at all is
    in one span, on both sides); any other order gives spans too, only longer ones."""
    spans: list[tuple[int, int, int, int]] = []
    i = j = 0
    done_old = done_new = 0  # where the last span ended
    while i < len(old) or j < len(new):
        same = _same_run(old, new, i, j)
        if same:
            i, j = i + same, j + same
            continue
        if i < len(old) and j < len(new) and old[i] == new[j]:
            i, j = i + 1, j + 1
            continue
        row = min(found[k].row for found, k in ((old, i), (new, j)) if k < len(found))
        while i > done_old and j > done_new and old[i - 1].row == row:
            i, j = i - 1, j - 1  # the same findings of the row, before the change
        end_old, end_new = i, j
        while end_old < len(old) and old[end_old].row <= row:
            end_old += 1
        while end_new < len(new) and new[end_new].row <= row:
            end_new += 1
        if spans and (done_old, done_new) == (i, j):
            i, _, j, _ = spans.pop()
        spans.append((i, end_old - i, j, end_new - j))
        i, j = done_old, done_new = end_old, end_new
    return spans


def _same_run(old: Sequence[Finding], new: Sequence[Finding], i: int, j: int) -> int:
    """How many findings from ``old[i]`` and ``new[j]`` on are the same objects (read by
    the interpreter's own loops: a long list is mostly the same findings)."""
    differ = compress(count(), map(operator.is_not, islice(old, i, None), islice(new, j, None)))
    return next(differ, min(len(old) - i, len(new) - j))


def _in_row_order(findings: Sequence[Finding]) -> bool:
    rows = list(map(operator.attrgetter("row"), findings))
    return all(map(operator.le, rows, islice(rows, 1, None)))


def _changes_in_row_order(new: list[Finding], spans: list[tuple[int, int, int, int]]) -> bool:
    """``new`` is in row order, when the list it was compared with is: outside ``spans``
    it holds the same findings, so only the spans and their edges need reading."""
    return all(
        _in_row_order(new[max(start - 1, 0) : start + count + 1]) for _, _, start, count in spans
    )


class _RowFindings:
    """One row's findings, indexed by cell."""

    __slots__ = ("cell_severity", "cell_tooltips", "errors", "findings", "severity", "tooltip")

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.errors = 0
        self.severity: Severity | None = None
        self.cell_severity: dict[int, Severity] = {}
        cell_messages: dict[int, list[str]] = {}
        row_messages: list[str] = []
        for finding in findings:
            severity = Severity(finding.severity)
            if severity is Severity.ERROR:
                self.errors += 1
            self.severity = _worse(self.severity, severity)
            if finding.column is None:
                row_messages.append(finding.message)
                continue
            column = finding.column
            self.cell_severity[column] = _worse(self.cell_severity.get(column), severity)
            cell_messages.setdefault(column, []).append(finding.message)
        self.cell_tooltips = {column: "\n".join(msgs) for column, msgs in cell_messages.items()}
        self.tooltip = "\n".join(row_messages) or None


def _by_row(findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    grouped: dict[int, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.row, []).append(finding)
    return grouped


class FindingsMap:
    """Findings indexed for constant-time lookup by cell and by row.

    Made from a ``previous`` map, it indexes only the rows whose findings changed and
    says which those are (:attr:`changed_rows`), so a re-check after an edit costs the
    rows it changed, not the table (for findings in row order, as the rules give them)."""

    def __init__(
        self, findings: Iterable[Finding] = (), previous: FindingsMap | None = None
    ) -> None:
        self.findings: list[Finding] = list(findings)
        self._rows: dict[int, _RowFindings] = {}
        #: The rows whose findings differ from ``previous``'s (all of them without one).
        self.changed_rows: set[int] = set()
        self.errors = 0
        spans = (
            list_changes(previous.findings, self.findings)
            if previous is not None and previous._in_row_order
            else None
        )
        # in row order: the previous findings were, and the new ones where they differ
        self._in_row_order = (
            _changes_in_row_order(self.findings, spans)
            if spans is not None
            else _in_row_order(self.findings)
        )
        if previous is not None and spans is not None and self._in_row_order:
            self._update(previous, spans)
        else:
            self._rows = {row: _RowFindings(found) for row, found in _by_row(self.findings).items()}
            self.errors = sum(entry.errors for entry in self._rows.values())
            self.changed_rows = set(self._rows)
            if previous is not None:
                self.changed_rows.update(previous._rows)
        self.warnings = len(self.findings) - self.errors

    def _update(self, previous: FindingsMap, spans: list[tuple[int, int, int, int]]) -> None:
        """The previous map's index, with the rows that changed (``spans``) indexed again."""
        self._rows = previous._rows.copy()
        self.errors = previous.errors
        old, new = previous.findings, self.findings
        for start, removed, start_new, inserted in spans:
            for finding in islice(old, start, start + removed):
                if (entry := self._rows.pop(finding.row, None)) is not None:
                    self.errors -= entry.errors
                self.changed_rows.add(finding.row)
            grouped = _by_row(islice(new, start_new, start_new + inserted))
            for row, found in grouped.items():
                self._rows[row] = entry = _RowFindings(found)
                self.errors += entry.errors
            self.changed_rows.update(grouped)

    def __len__(self) -> int:
        return len(self.findings)

    def severity(self, row: int, column: int) -> Severity | None:
        entry = self._rows.get(row)
        return entry.cell_severity.get(column) if entry is not None else None

    def row_severity(self, row: int) -> Severity | None:
        entry = self._rows.get(row)
        return entry.severity if entry is not None else None

    def cell_tooltip(self, row: int, column: int) -> str | None:
        entry = self._rows.get(row)
        return entry.cell_tooltips.get(column) if entry is not None else None

    def row_tooltip(self, row: int) -> str | None:
        entry = self._rows.get(row)
        return entry.tooltip if entry is not None else None

    def rows_with_problems(self) -> set[int]:
        return set(self._rows)

"""Ids whose leading zeros Excel dropped: finding them, and the fix staff can apply.

Excel keeps an id typed as ``0045510`` as the number 45510 unless the column is text (or
has a ``0000000`` number format), so Canvas then finds no student with SIS User ID
'45510'. Offline, the rules warn about ids shorter than the column's others
(:func:`lost_zeros`) and about a column stored as numbers
(``Table.number_typed_columns``). Check with Canvas tries a not-found id padded with
zeros to the column's width (:func:`padding_width`); when that finds the student, the
result carries ``padded_id`` and :func:`fix_from_results` offers the fix for the whole
column, as edits (:func:`padding_edits`) that go through the undoable edit path. An id
is never changed without staff applying the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.model import DONE_STATUSES, Role, RowResult, Status, Table

__all__ = [
    "LostZeros",
    "PaddingFix",
    "digit_id",
    "digit_ids",
    "find_lost_zeros",
    "fix_from_results",
    "lost_zeros",
    "padded",
    "padding_edits",
    "padding_width",
    "short_ids",
    "width_example",
]

#: A check result that shows Canvas found the id as it is written (do not pad it).
_FOUND_AS_WRITTEN = frozenset({Status.READY, *DONE_STATUSES})


@dataclass(frozen=True)
class PaddingFix:
    """Give the short ids of one column their leading zeros back."""

    role: Role
    column: int
    #: The length the ids should have.
    width: int
    #: The rows whose id would change.
    rows: list[int]
    #: One id as it is and as it would be, e.g. ("45510", "0045510").
    example: tuple[str, str]

    def describe(self) -> str:
        """Plain words for the fix, e.g. for the command line's message."""
        count = len(self.rows)
        ids = "1 id" if count == 1 else f"{count} ids"
        return (
            f"{ids} in the {self.role.value} column lost their leading zeros (Canvas has "
            f"'{self.example[1]}' where the workbook says '{self.example[0]}'): give them "
            f"back their zeros, {self.width} digits each"
        )


def digit_id(text: str) -> str:
    """The id when it is all digits (0-9), else ""."""
    text = text.strip()
    return text if text.isascii() and text.isdigit() else ""


def padding_width(table: Table, role: Role = Role.SIS_USER_ID) -> int | None:
    """The length the ids of the column should have (its longest all-digit id) when some
    of its all-digit ids are shorter; None otherwise (or without the column)."""
    if table.column(role) is None:
        return None
    lengths = {len(text) for text in _digit_ids(table, role)}
    if len(lengths) < 2:
        return None
    return max(lengths)


def padded(value: str, width: int) -> str:
    """An all-digit id with leading zeros up to ``width``; any other text as it is."""
    digits = digit_id(value)
    return digits.zfill(width) if digits else value


def short_ids(table: Table, role: Role = Role.SIS_USER_ID) -> list[int]:
    """Rows whose all-digit id is shorter than :func:`padding_width`."""
    width = padding_width(table, role)
    if width is None:
        return []
    return [row for row, text in enumerate(digit_ids(table, role)) if text and len(text) < width]


def lost_zeros(table: Table, role: Role = Role.SIS_USER_ID) -> list[int]:
    """Rows whose id looks like one of the column's full-width ids without its leading
    zeros: shorter by no more zeros than those ids start with (``45510`` next to
    ``0045512``; not ``2`` next to ``0045512``, which would need six)."""
    found = find_lost_zeros(digit_ids(table, role))
    return found.rows if found is not None else []


@dataclass(frozen=True)
class LostZeros:
    """The ids of a column that look like its full-width ids without their leading zeros."""

    #: The length the ids should have (:func:`padding_width`).
    width: int
    rows: list[int]
    #: A full-width id, the one with the most leading zeros (:func:`width_example`).
    example: str


def digit_ids(table: Table, role: Role = Role.SIS_USER_ID) -> list[str]:
    """Each row's id when it is all digits, else "" (one pass over the column)."""
    column = table.column(role)
    if column is None:
        return []
    return [digit_id(row.cells[column]) for row in table.rows]


def find_lost_zeros(ids: list[str]) -> LostZeros | None:
    """:func:`lost_zeros` of the column whose :func:`digit_ids` are ``ids``; None when
    its all-digit ids all have one length."""
    lengths = set(map(len, ids))
    lengths.discard(0)
    if len(lengths) < 2:
        return None
    width = max(lengths)
    full = [text for text in ids if len(text) == width]
    least = min(full)  # of ids of one length, the one with the most leading zeros
    zeros = least[: len(least) - len(least.lstrip("0"))]
    example = next(text for text in full if text.startswith(zeros))
    shortest = width - len(zeros)
    rows = [row for row, text in enumerate(ids) if text and shortest <= len(text) < width]
    return LostZeros(width, rows, example)


def width_example(table: Table, width: int, role: Role = Role.SIS_USER_ID) -> str:
    """An id of the full width, the one with the most leading zeros."""
    full = [text for text in _digit_ids(table, role) if len(text) == width]
    return max(full, key=lambda text: len(text) - len(text.lstrip("0")), default="")


def _digit_ids(table: Table, role: Role) -> list[str]:
    return [text for text in digit_ids(table, role) if text]


def fix_from_results(table: Table, results: Iterable[RowResult]) -> PaddingFix | None:
    """The fix for the SIS User ID column when a check proved a padded id (``padded_id``).

    It covers every short id of the column, except rows that are done and rows whose id
    Canvas found as written (their check said Ready or Already exists)."""
    column = table.column(Role.SIS_USER_ID)
    results = list(results)
    proof = next((r for r in results if r.padded_id), None)
    if column is None or proof is None:
        return None
    width = len(proof.padded_id.strip())
    found_as_written = {r.row for r in results if not r.padded_id and r.status in _FOUND_AS_WRITTEN}
    rows = [
        row
        for row in range(len(table.rows))
        if (text := digit_id(table.value(row, Role.SIS_USER_ID)))
        and len(text) < width
        and row not in found_as_written
        and not table.is_done(row)
    ]
    if not rows:
        return None
    original = table.value(proof.row, Role.SIS_USER_ID).strip()
    return PaddingFix(Role.SIS_USER_ID, column, width, rows, (original, proof.padded_id.strip()))


def padding_edits(table: Table, fix: PaddingFix) -> list[tuple[int, int, str]]:
    """(row, column, new text) for each row of ``fix`` whose id is still short."""
    edits = []
    for row in fix.rows:
        if not 0 <= row < len(table.rows):
            continue
        text = table.rows[row].cells[fix.column]
        digits = digit_id(text)
        if digits and len(digits) < fix.width:
            edits.append((row, fix.column, padded(digits, fix.width)))
    return edits

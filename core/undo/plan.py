"""Choosing what "Undo last run" takes back: the logins the workbook's last run created.

Which logins: the journal's last run of the workbook (``runs`` newest first, undo runs
skipped) and its entries with status Created and a Canvas Login ID, matched to the
table rows that still say Created with that same Canvas Login ID. A workbook that has
no run in this computer's journal falls back to its own columns: the Created rows
with a Canvas Login ID whose Processed At belongs to the latest burst of work (no gap
longer than :data:`RUN_GAP` between two rows). The plan also says whether Canvas's
restore of a SIS import would touch only those logins (:mod:`core.undo.method` uses it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.journal import Journal, JournalEntry, RunRecord
from core.model import RunMethod, Status, Table
from core.sis.readback import UPDATED_BY_IMPORT

__all__ = ["RUN_GAP", "UNDO_METHOD", "UndoPlan", "UndoTarget", "plan_undo"]

_UNDOABLE = frozenset({RunMethod.API, RunMethod.SIS_IMPORT})
#: The journal's method for an undo run.
UNDO_METHOD = RunMethod.UNDO
#: Rows processed further apart than this belong to different runs (workbook fallback).
RUN_GAP = timedelta(minutes=15)


@dataclass(frozen=True)
class UndoTarget:
    """One login to remove: the row that created it and the login's Canvas id."""

    row: int
    sheet_row: int
    user_ref: str
    login_id: str
    unique_id: str
    identity: tuple[str, ...]


@dataclass
class UndoPlan:
    targets: list[UndoTarget] = field(default_factory=list)
    #: The journal's run being undone (None when found from the workbook's columns).
    run: RunRecord | None = None
    #: Why there is nothing to undo, in plain words (empty when there are targets).
    reason: str = ""
    #: Whether Canvas's restore of the SIS import would touch only the targets.
    restore_possible: bool = False

    @property
    def count(self) -> int:
        return len(self.targets)

    @property
    def method(self) -> str:
        return self.run.method if self.run is not None else ""

    @property
    def sis_import_id(self) -> str | None:
        return self.run.sis_import_id if self.run is not None else None

    def words(self) -> str:
        """``Remove the 12 logins that the last run (by SIS import, 2025-...) created``."""
        ways: dict[str, str] = {RunMethod.SIS_IMPORT: "by SIS import", RunMethod.API: "by the API"}
        how = ways.get(self.method, "")
        when = self.run.started[:16].replace("T", " ") if self.run is not None else ""
        detail = ", ".join(part for part in (how, f"started {when}" if when else "") if part)
        noun = "login" if self.count == 1 else "logins"
        return (
            f"Remove the {self.count} {noun} that the last run"
            f"{f' ({detail})' if detail else ''} created"
        )


def _targets_for_rows(table: Table, rows: list[tuple[int, str]]) -> list[UndoTarget]:
    from core.model import Role

    found: list[UndoTarget] = []
    for index, login_id in rows:
        user_ref = table.user_ref(index)
        if not user_ref:
            continue
        found.append(
            UndoTarget(
                row=index,
                sheet_row=table.rows[index].sheet_row,
                user_ref=user_ref,
                login_id=login_id,
                unique_id=table.value(index, Role.NEW_LOGIN).strip(),
                identity=tuple(table.row_identity(index)),
            )
        )
    return found


def _created_here(table: Table, index: int, login_id: str) -> bool:
    from core.model import Role

    return (
        table.status(index) == Status.CREATED.value
        and table.value(index, Role.CANVAS_LOGIN_ID).strip() == login_id
    )


def _last_creating_run(
    journal: Journal, runs: list[RunRecord]
) -> tuple[RunRecord | None, list[JournalEntry], dict[tuple[str, ...], str]]:
    """The newest run that created logins, unless an undo came after it.

    A re-run that found every row done creates nothing; "Undo last run" after it still
    means the run that made the logins, not the empty one.
    """
    for run in reversed(runs):
        if run.method not in _UNDOABLE:
            if run.method == UNDO_METHOD:
                break
            continue
        entries = journal.results_of_run(run.id)
        created = {
            entry.identity: str(entry.login_id)
            for entry in entries
            if entry.status == Status.CREATED.value and entry.login_id
        }
        if created:
            return run, entries, created
    return None, [], {}


def plan_undo(table: Table, journal: Journal | None = None, workbook_key: str = "") -> UndoPlan:
    """The logins the last run created that the workbook still shows as Created."""
    runs = journal.runs(workbook_key) if journal is not None and workbook_key else []
    if journal is None or not any(run.method in _UNDOABLE for run in runs):
        return _plan_from_workbook(table)
    run, entries, created = _last_creating_run(journal, runs)
    if run is None:
        return UndoPlan(
            reason="The last run that created logins has already been undone, or no run "
            "created any, so there is nothing to undo."
        )
    rows: list[tuple[int, str]] = []
    for index in range(len(table.rows)):
        login_id = created.get(tuple(table.row_identity(index)))
        if login_id and _created_here(table, index, login_id):
            rows.append((index, login_id))
    plan = UndoPlan(targets=_targets_for_rows(table, rows), run=run)
    if not plan.targets:
        plan.reason = (
            "The last run created no logins that this workbook still shows as Created, "
            "so there is nothing to undo."
        )
    touched_others = any(
        entry.status not in (Status.CREATED.value, Status.FAILED.value, Status.ALREADY_EXISTS.value)
        or (
            entry.status == Status.ALREADY_EXISTS.value
            and UPDATED_BY_IMPORT in (entry.message or "")
        )
        for entry in entries
    )
    plan.restore_possible = (
        run.method == RunMethod.SIS_IMPORT
        and bool(run.sis_import_id)
        and not touched_others
        and len(plan.targets) == len(created)
    )
    return plan


def _stamp(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.astimezone()


def _plan_from_workbook(table: Table) -> UndoPlan:
    from core.model import Role

    stamped: list[tuple[datetime, int, str]] = []
    for index in range(len(table.rows)):
        login_id = table.value(index, Role.CANVAS_LOGIN_ID).strip()
        when = _stamp(table.value(index, Role.PROCESSED_AT))
        if login_id and when is not None and table.status(index) == Status.CREATED.value:
            stamped.append((when, index, login_id))
    if not stamped:
        return UndoPlan(
            reason="No row of this workbook says Created with a Canvas Login ID, so there "
            "is nothing to undo."
        )
    stamped.sort()
    last = [stamped[-1]]
    for item in reversed(stamped[:-1]):
        if last[-1][0] - item[0] > RUN_GAP:
            break
        last.append(item)
    rows = sorted((index, login_id) for _, index, login_id in last)
    return UndoPlan(targets=_targets_for_rows(table, rows))

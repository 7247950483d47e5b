"""Choosing what "Undo last run" takes back: what the workbook's last run changed in Canvas.

A run changes logins three ways that undo takes back (:class:`UndoChange`): the logins it
created are removed, the logins it suspended are reactivated, and the logins it
reactivated are suspended again. Which ones: the journal's last run of the workbook
(``runs`` newest first, undo runs skipped) and its entries with status Created,
Suspended or Reactivated and a Canvas Login ID, matched to the table rows that still say
that status with that same Canvas Login ID. A workbook that has no run in this computer's
journal falls back to its own columns: those rows whose Processed At belongs to the
latest burst of work (no gap longer than :data:`RUN_GAP` between two rows). Either way a
row counts only when a run (not an undo) can have written its status: a Suspend row that
says Suspended, a Reactivate row that says Reactivated (an undone Suspend row says
Reactivated, and is not taken back again). A run by SIS import keeps its API part (the
rows that change existing logins) in a journal run of its own just before the import's:
both are taken back together. The plan also says whether Canvas's restore of
a SIS import would touch only the targets (:mod:`core.undo.method` uses it): only for a
run that created logins and changed nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.journal import Journal, JournalEntry, RunRecord
from core.model import Action, Role, RowLabel, RunMethod, Status, Table
from core.sis.readback import UPDATED_BY_IMPORT

__all__ = ["RUN_GAP", "UNDO_METHOD", "UndoChange", "UndoPlan", "UndoTarget", "plan_undo"]

_UNDOABLE = frozenset({RunMethod.API, RunMethod.SIS_IMPORT})
#: The journal's method for an undo run.
UNDO_METHOD = RunMethod.UNDO
#: Rows processed further apart than this belong to different runs (workbook fallback).
RUN_GAP = timedelta(minutes=15)


class UndoChange(StrEnum):
    """What undo does to one login to take back the run's change."""

    #: The run created the login: remove it.
    REMOVE = "remove"
    #: The run suspended the login: reactivate it.
    REACTIVATE = "reactivate"
    #: The run reactivated the login: suspend it again.
    SUSPEND = "suspend"


#: The status a run left -> what undo does about it.
_CHANGE_FOR_STATUS: dict[str, UndoChange] = {
    Status.CREATED.value: UndoChange.REMOVE,
    Status.SUSPENDED.value: UndoChange.REACTIVATE,
    Status.REACTIVATED.value: UndoChange.SUSPEND,
}
#: The only action whose run leaves that status (an undo leaves the others' opposite).
_ACTION_FOR_CHANGE: dict[UndoChange, Action] = {
    UndoChange.REACTIVATE: Action.SUSPEND,
    UndoChange.SUSPEND: Action.REACTIVATE,
}
#: Per change: the verb for the plan's words, and what the run had done.
_CHANGE_WORDS: dict[UndoChange, tuple[str, str]] = {
    UndoChange.REMOVE: ("remove", "created"),
    UndoChange.REACTIVATE: ("reactivate", "suspended"),
    UndoChange.SUSPEND: ("suspend again", "reactivated"),
}


@dataclass(frozen=True)
class UndoTarget:
    """One login to take back: the row that changed it, the login's Canvas id, what to do."""

    row: int
    sheet_row: int
    user_ref: str
    login_id: str
    #: The login's name as the row gives it (empty when the row names it by id only).
    unique_id: str
    identity: tuple[str, ...]
    change: UndoChange = UndoChange.REMOVE

    @property
    def login_words(self) -> str:
        """``'ava.k'``, or ``with Canvas Login ID 51`` when the row gives no name."""
        return f"'{self.unique_id}'" if self.unique_id else f"with Canvas Login ID {self.login_id}"


#: Per change: what happens to the logins, for the confirmation.
_CHANGE_EFFECTS: dict[UndoChange, str] = {
    UndoChange.REMOVE: "Logins it created are removed: the rows will say Deleted, and "
    "students lose these sign-ins at once.",
    UndoChange.REACTIVATE: "Logins it suspended are reactivated: the rows will say "
    "Reactivated, and students can sign in with them again.",
    UndoChange.SUSPEND: "Logins it reactivated are suspended again: the rows will say "
    "Suspended, and students cannot sign in with them until they are reactivated.",
}


def _listed(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


@dataclass
class UndoPlan:
    targets: list[UndoTarget] = field(default_factory=list)
    #: The journal's run being undone (None when found from the workbook's columns).
    run: RunRecord | None = None
    #: Why there is nothing to undo, in plain words (empty when there are targets).
    reason: str = ""
    #: Whether Canvas's restore of the SIS import would touch only the targets.
    restore_possible: bool = False
    #: The targets' rows in words (history, log, ``--json``); filled by the workflow.
    labels: dict[int, RowLabel] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.targets)

    @property
    def method(self) -> str:
        return self.run.method if self.run is not None else ""

    @property
    def sis_import_id(self) -> str | None:
        return self.run.sis_import_id if self.run is not None else None

    def count_of(self, change: UndoChange) -> int:
        """How many targets undo takes back by ``change``."""
        return sum(1 for target in self.targets if target.change is change)

    @property
    def changes(self) -> list[UndoChange]:
        """The kinds of change among the targets, in a fixed order (remove first)."""
        present = {target.change for target in self.targets}
        return [change for change in UndoChange if change in present]

    @property
    def changes_state(self) -> bool:
        """Whether any target is reactivated or suspended (login edits, not removals)."""
        return any(target.change is not UndoChange.REMOVE for target in self.targets)

    def words(self) -> str:
        """``Remove the 2 logins and reactivate the 3 logins that the last run (by the API,
        started 2025-...) created and suspended``."""
        ways: dict[str, str] = {RunMethod.SIS_IMPORT: "by SIS import", RunMethod.API: "by the API"}
        how = ways.get(self.method, "")
        when = self.run.started[:16].replace("T", " ") if self.run is not None else ""
        detail = ", ".join(part for part in (how, f"started {when}" if when else "") if part)
        changes = self.changes or [UndoChange.REMOVE]
        doing = []
        for change in changes:
            count = self.count_of(change)
            noun = "login" if count == 1 else "logins"
            doing.append(f"{_CHANGE_WORDS[change][0]} the {count} {noun}")
        text = _listed(doing)
        done = _listed([_CHANGE_WORDS[change][1] for change in changes])
        return (
            f"{text[:1].upper()}{text[1:]} that the last run"
            f"{f' ({detail})' if detail else ''} {done}"
        )

    def effect_words(self) -> str:
        """What undo touches and what the rows will say, for the confirmation."""
        if not self.changes_state:
            return (
                "Only logins this run created are removed, and each only if it still has "
                "the name in its row; other logins are never touched. The rows will say "
                "Deleted. Students lose these sign-ins at once."
            )
        effects = " ".join(_CHANGE_EFFECTS[change] for change in self.changes)
        return (
            "Only what this run changed is taken back, and each login only if it still has "
            f"the name in its row; other logins are never touched. {effects}"
        )

    def button_words(self) -> str:
        """A short command for a button: ``Remove 2 logins``, ``Reactivate 1 login``,
        ``Suspend 3 logins again``, ``Undo 5 changes`` when the run did several things."""
        changes = self.changes or [UndoChange.REMOVE]
        if len(changes) > 1:
            return f"Undo {self.count} changes"
        noun = "login" if self.count == 1 else "logins"
        if changes[0] is UndoChange.SUSPEND:
            return f"Suspend {self.count} {noun} again"
        return f"{_CHANGE_WORDS[changes[0]][0].capitalize()} {self.count} {noun}"


def _change_for(table: Table, index: int) -> UndoChange | None:
    """What undo would do about the row's status, if a run (not an undo) can have left it."""
    change = _CHANGE_FOR_STATUS.get(table.status(index))
    if change is None:
        return None
    action = _ACTION_FOR_CHANGE.get(change)
    if action is not None and table.action(index) is not action:
        return None
    return change


def _login_name(table: Table, index: int, change: UndoChange) -> str:
    new_login = table.value(index, Role.NEW_LOGIN).strip()
    if change is UndoChange.REMOVE:
        return new_login
    return new_login or table.value(index, Role.CURRENT_LOGIN).strip()


def _targets_for_rows(table: Table, rows: list[tuple[int, str, UndoChange]]) -> list[UndoTarget]:
    found: list[UndoTarget] = []
    for index, login_id, change in rows:
        user_ref = table.user_ref(index)
        if not user_ref:
            continue
        found.append(
            UndoTarget(
                row=index,
                sheet_row=table.rows[index].sheet_row,
                user_ref=user_ref,
                login_id=login_id,
                unique_id=_login_name(table, index, change),
                identity=tuple(table.row_identity(index)),
                change=change,
            )
        )
    return found


def _still_shows(table: Table, index: int, status: str, login_id: str) -> UndoChange | None:
    """The row still says what the run left (``status``, that login id): its change."""
    if table.status(index) != status:
        return None
    if table.value(index, Role.CANVAS_LOGIN_ID).strip() != login_id:
        return None
    return _change_for(table, index)


def _api_part(runs: list[RunRecord], index: int) -> RunRecord | None:
    """The API part of the run by SIS import at ``index``: such a run sends its Update,
    Delete, Suspend and Reactivate rows by the API first, in a journal run of its own that
    the import's journal run names (``RunRecord.part_of``)."""
    run = runs[index]
    if run.method != RunMethod.SIS_IMPORT or run.part_of is None:
        return None
    return next(
        (
            before
            for before in runs[:index]
            if before.id == run.part_of and before.method == RunMethod.API
        ),
        None,
    )


def _changes(entries: list[JournalEntry]) -> dict[tuple[str, ...], tuple[str, str]]:
    """By row identity, (status, login id) of each change undo can take back."""
    return {
        entry.identity: (str(entry.status), str(entry.login_id))
        for entry in entries
        if entry.status in _CHANGE_FOR_STATUS and entry.login_id
    }


def _last_changing_run(
    journal: Journal, runs: list[RunRecord]
) -> tuple[RunRecord | None, list[JournalEntry], dict[tuple[str, ...], tuple[str, str]]]:
    """The newest run that created, suspended or reactivated logins, unless an undo came
    after it; with its own entries and, by row identity, (status, login id) of each change
    (a run by SIS import: its API part's changes too).

    A re-run that found every row done changes nothing; "Undo last run" after it still
    means the run that made the changes, not the empty one.
    """
    for index in range(len(runs) - 1, -1, -1):
        run = runs[index]
        if run.method not in _UNDOABLE:
            if run.method == UNDO_METHOD:
                break
            continue
        entries = journal.results_of_run(run.id)
        part = _api_part(runs, index)
        changed = _changes(journal.results_of_run(part.id)) if part is not None else {}
        changed.update(_changes(entries))
        if changed:
            return run, entries, changed
    return None, [], {}


def _touched_others(entries: list[JournalEntry]) -> bool:
    """Whether the run did more than create logins (Canvas's restore would undo that too)."""
    return any(
        entry.status not in (Status.CREATED.value, Status.FAILED.value, Status.ALREADY_EXISTS.value)
        or (
            entry.status == Status.ALREADY_EXISTS.value
            and UPDATED_BY_IMPORT in (entry.message or "")
        )
        for entry in entries
    )


def plan_undo(table: Table, journal: Journal | None = None, workbook_key: str = "") -> UndoPlan:
    """What the last run changed that the workbook still shows as it left it."""
    runs = journal.runs(workbook_key) if journal is not None and workbook_key else []
    if journal is None or not any(run.method in _UNDOABLE for run in runs):
        return _plan_from_workbook(table)
    run, entries, changed = _last_changing_run(journal, runs)
    if run is None:
        return UndoPlan(
            reason="The last run that changed logins has already been undone, or no run "
            "created, suspended or reactivated any, so there is nothing to undo."
        )
    rows: list[tuple[int, str, UndoChange]] = []
    for index in range(len(table.rows)):
        found = changed.get(tuple(table.row_identity(index)))
        if found is None:
            continue
        status, login_id = found
        change = _still_shows(table, index, status, login_id)
        if change is not None:
            rows.append((index, login_id, change))
    plan = UndoPlan(targets=_targets_for_rows(table, rows), run=run)
    if not plan.targets:
        plan.reason = (
            "The last run changed no login that this workbook still shows as it left it "
            "(Created, Suspended or Reactivated), so there is nothing to undo."
        )
    plan.restore_possible = (
        run.method == RunMethod.SIS_IMPORT
        and bool(run.sis_import_id)
        and not _touched_others(entries)
        and not plan.changes_state
        and len(plan.targets) == len(changed)
    )
    return plan


def _stamp(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.astimezone()


def _plan_from_workbook(table: Table) -> UndoPlan:
    stamped: list[tuple[datetime, int, str, UndoChange]] = []
    for index in range(len(table.rows)):
        login_id = table.value(index, Role.CANVAS_LOGIN_ID).strip()
        when = _stamp(table.value(index, Role.PROCESSED_AT))
        change = _change_for(table, index)
        if login_id and when is not None and change is not None:
            stamped.append((when, index, login_id, change))
    if not stamped:
        return UndoPlan(
            reason="No row of this workbook says Created, Suspended or Reactivated with a "
            "Canvas Login ID, so there is nothing to undo."
        )
    stamped.sort(key=lambda item: (item[0], item[1]))
    last = [stamped[-1]]
    for item in reversed(stamped[:-1]):
        if last[-1][0] - item[0] > RUN_GAP:
            break
        last.append(item)
    rows = sorted((index, login_id, change) for _, index, login_id, change in last)
    return UndoPlan(targets=_targets_for_rows(table, rows))

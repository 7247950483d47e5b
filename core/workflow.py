"""One workflow for a workbook: open/restore → check → plan → run by method → apply → save.

The command line, the app and the tests all drive a workbook through these steps, and
each step is written here once:

1. :meth:`Workflow.open` reads the sheet; :meth:`Workflow.restore` puts back results an
   earlier run finished but never saved (from the journal; nothing is sent again);
2. :meth:`Workflow.fill` fills empty New Login and Password cells (the generators of
   :mod:`core.kit`); :meth:`Workflow.check` applies the offline rules,
   :meth:`Workflow.plan` turns the rows into operations;
3. :meth:`Workflow.run` sends them by the chosen :class:`RunRequest` (the API, or the
   SIS import), :meth:`Workflow.undo` takes back the last run; both return a
   :class:`RunOutcome` and never touch the table, so they may run on a worker thread;
4. :meth:`Workflow.apply` writes results into the table (on the thread that owns it);
5. :meth:`Workflow.save` saves atomically and marks the journal's results saved.

One run per workbook at a time: a run and an undo hold the workbook's lock
(:mod:`core.run_lock`) while they send, and are refused (:class:`~core.run_lock.RunRefused`,
nothing sent) when another run holds it, or when the workbook changed since it was read
here: another run saved its results into the file, or sent rows by this journal, so the
rows this workflow holds may be out of date and would say Already exists for logins the
other run created. :meth:`Workflow.ensure_can_run` asks the same before a run starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from core.history import HistoryKind
from core.history_recorder import HistoryRecorder
from core.journal import Journal, workbook_key_for
from core.kit.fill import FillOptions, FillPlan, TakenCheck, apply_fill, plan_fill
from core.model import (
    MIN_PASSWORD_LENGTH,
    CancelToken,
    Finding,
    ProgressCallback,
    Role,
    RowLabel,
    RowResult,
    RunMethod,
    Status,
    Table,
)
from core.plan import Plan, apply_results, build_plan
from core.row_labels import row_labels
from core.rules import check_table
from core.run.api import ApiRows
from core.run.engine import CanvasUnavailable, RunOptions, RunStrategy, RunSummary, run_strategy
from core.run_lock import (
    COMMAND_LINE,
    RUN,
    UNDO,
    RunLock,
    RunLocked,
    RunRefused,
    live_holder,
)
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN
from core.sis.method import ImportSettings, import_strategy
from core.undo import UndoLogins, UndoPlan, plan_undo
from core.workbook import WorkbookDoc, open_workbook, save_workbook
from core.workbook.sheet_choice import choose_student_sheet

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

log = logging.getLogger(__name__)

__all__ = ["RunOutcome", "RunRequest", "WorkbookChanged", "Workflow", "strategy_for"]

#: What staff do when the rows a workflow holds may be out of date.
READ_AGAIN = (
    "Nothing was sent. Read the workbook again (open it again, or run the command again), then run."
)


class WorkbookChanged(RunRefused):
    """The workbook changed since it was read here: its rows may be out of date."""

    title = "The workbook has changed"


def _file_stamp(path: str | Path) -> tuple[int, int] | None:
    """The file's modification time and size (None when there is no file)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class RunRequest:
    """How staff asked for a run to go: the method, and the SIS import's Login SIS ID pattern."""

    method: RunMethod = RunMethod.API
    login_sis_pattern: str = DEFAULT_LOGIN_SIS_PATTERN


@dataclass
class RunOutcome:
    """What a run or an undo came back with: every result, and why Canvas stopped it."""

    summary: RunSummary = field(default_factory=RunSummary)
    #: Set when Canvas stopped the run (token refused, unreachable, not allowed).
    stopped: CanvasUnavailable | None = None

    @property
    def stop_message(self) -> str:
        return self.stopped.message if self.stopped is not None else ""


def strategy_for(plan: Plan, options: RunOptions, request: RunRequest) -> RunStrategy:
    """The engine's strategy for the request; a dry run (Check with Canvas) reads by the API."""
    if request.method is RunMethod.SIS_IMPORT:
        settings = ImportSettings(login_sis_pattern=request.login_sis_pattern)
        return import_strategy(plan, options, settings)
    return ApiRows(plan)


@dataclass
class Workflow:
    """One opened workbook and the journal that keeps its runs (none for an offline check)."""

    doc: WorkbookDoc
    journal: Journal | None = None
    #: The file as it was read or last saved here (see :meth:`ensure_can_run`).
    _disk_stamp: tuple[int, int] | None = field(default=None, init=False, repr=False)
    #: The journal's newest run when the workbook was read, or after this workflow's run.
    _journal_mark: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._disk_stamp = _file_stamp(self.doc.path)
        self._journal_mark = self._newest_run()

    @classmethod
    def open(
        cls,
        path: str | Path,
        sheet: str | None = None,
        *,
        journal: Journal | None = None,
        header_row: int | None = None,
        mapping: dict[Role, int] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Workflow:
        """Read the sheet (raises :class:`~core.workbook.WorkbookError` or OSError).

        Without ``sheet``, the one that looks most like a list of students, never a
        "Read me" sheet merely because it comes first (:func:`choose_student_sheet`).
        ``progress`` hears the rows read so far; when ``cancel`` is set the reading stops
        and raises :class:`~core.canvas.errors.Cancelled` (nothing is kept)."""
        if sheet is None:
            sheet = choose_student_sheet(path).sheet
        doc = open_workbook(
            path, sheet, header_row=header_row, mapping=mapping, progress=progress, cancel=cancel
        )
        return cls(doc, journal)

    @property
    def table(self) -> Table:
        return self.doc.table

    @property
    def key(self) -> str:
        """The journal's name for this workbook (its resolved path)."""
        return workbook_key_for(self.doc.path)

    # --- open/restore -----------------------------------------------------------------
    def unsaved_results(self) -> list[RowResult]:
        """Results an earlier run finished that never reached the file."""
        if self.journal is None:
            return []
        return self.journal.unsaved_results(self.key, self.table)

    def restore(self) -> list[RowResult]:
        """Put :meth:`unsaved_results` into the table; returns them."""
        restored = self.unsaved_results()
        self.apply(restored)
        return restored

    # --- fill, check and plan ---------------------------------------------------------
    def fill(
        self,
        options: FillOptions,
        rows: Iterable[int] | None = None,
        taken: TakenCheck | None = None,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> FillPlan:
        """Plan and apply the generated logins and passwords (nothing when cancelled).

        With ``taken`` (:func:`core.kit.fill.canvas_taken`) it asks Canvas, so call it
        where waiting is fine; it writes into the table.
        """
        plan = plan_fill(self.table, options, rows, taken=taken, progress=progress, cancel=cancel)
        if not plan.cancelled:
            apply_fill(self.table, plan)
        return plan

    def check(
        self,
        *,
        min_password_length: int = MIN_PASSWORD_LENGTH,
        provider_types: dict[str, str] | None = None,
    ) -> list[Finding]:
        return check_table(
            self.table, min_password_length=min_password_length, provider_types=provider_types
        )

    def plan(self, findings: Iterable[Finding]) -> Plan:
        """The operations for the rows, with the rows in words for the run history."""
        plan = build_plan(self.table, findings)
        rows = [op.row for op in plan.operations]
        rows += [result.row for result in (*plan.invalid, *plan.left_out)]
        plan.labels = row_labels(self.table, rows)
        return plan

    # --- run and undo (any thread) ----------------------------------------------------
    def run(
        self,
        plan: Plan,
        client: CanvasApi,
        options: RunOptions,
        request: RunRequest | None = None,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        program: str = COMMAND_LINE,
    ) -> RunOutcome:
        """Send ``plan`` by the requested method (the API unless asked otherwise).

        A run that writes holds the workbook's lock while it sends; ``program`` is who
        it says holds it (:data:`~core.run_lock.APP` or the command line). Raises
        :class:`~core.run_lock.RunRefused` (nothing sent) when the run may not start
        (see :meth:`ensure_can_run`).
        """
        request = request or RunRequest()
        strategy = strategy_for(plan, options, request)
        kind = HistoryKind.CHECK if options.dry_run else HistoryKind.RUN
        history = partial(self._recorder, kind, str(request.method), client, options, plan.labels)
        return self._run(strategy, client, options, progress, cancel, RUN, program, history)

    def plan_undo(self) -> UndoPlan:
        """What "Undo last run" takes back, with its rows in words for the run history."""
        plan = plan_undo(self.table, self.journal, self.key)
        plan.labels = row_labels(self.table, [target.row for target in plan.targets])
        return plan

    def undo(
        self,
        plan: UndoPlan,
        client: CanvasApi,
        options: RunOptions,
        *,
        use_restore: bool | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        program: str = COMMAND_LINE,
    ) -> RunOutcome:
        """Take back the logins ``plan`` names (``use_restore``: see :class:`UndoLogins`).

        Holds the workbook's lock like :meth:`run` (raises RunRefused the same way)."""
        strategy = UndoLogins(plan, use_restore, restore_poll=0.5)
        labels = plan.labels
        account = options.account_id
        if account is None and plan.run is not None:
            account = plan.run.account
        history = partial(
            self._recorder,
            HistoryKind.UNDO,
            str(RunMethod.UNDO),
            client,
            replace(options, account_id=account),
            labels,
        )
        return self._run(strategy, client, options, progress, cancel, UNDO, program, history)

    def _recorder(
        self,
        kind: HistoryKind,
        method: str,
        client: CanvasApi,
        options: RunOptions,
        labels: dict[int, RowLabel],
    ) -> HistoryRecorder | None:
        """The run history's record of this run, made as it starts sending (a run refused
        before it starts is not one); none without a journal."""
        if self.journal is None:
            return None
        return HistoryRecorder(
            self.journal,
            kind,
            method,
            workbook=self.key,
            sheet=self.table.sheet,
            url=client.base_url,
            account=options.account_id,
            labels=labels,
        )

    # --- one run at a time ------------------------------------------------------------
    def ensure_can_run(self) -> None:
        """Raise :class:`~core.run_lock.RunRefused` when a run or undo may not start now.

        :class:`~core.run_lock.RunLocked`: another run holds the workbook's lock (its
        message names who, and since when). :class:`WorkbookChanged`: the file was saved
        by someone else since it was read here, or another run of it is in the journal.
        A workbook without a file (never saved) has no lock.
        """
        if not self._has_file():
            return
        holder = live_holder(self.doc.path)
        if holder is not None:
            raise RunLocked(holder)
        self._refuse_if_out_of_date()

    def _has_file(self) -> bool:
        return self._disk_stamp is not None or _file_stamp(self.doc.path) is not None

    def _refuse_if_out_of_date(self) -> None:
        if _file_stamp(self.doc.path) != self._disk_stamp:
            raise WorkbookChanged(
                "The workbook was changed, moved or removed after it was read here (another "
                "run may have saved its results into it, or someone saved it in Excel), so "
                f"the rows shown may be out of date. {READ_AGAIN}"
            )
        newer = self.journal.last_run(self.key) if self.journal is not None else None
        if newer is not None and newer.id > self._journal_mark:
            when = newer.started[11:16]
            raise WorkbookChanged(
                f"Another run of this workbook{f' (started at {when})' if when else ''} "
                "sent rows after it was read here, so the rows shown may be out of date. "
                f"{READ_AGAIN}"
            )

    def _newest_run(self) -> int:
        if self.journal is None:
            return 0
        try:
            return self.journal.newest_run_id()
        except Exception:  # a journal that cannot answer: the file lock still holds
            log.exception("the journal could not say its newest run")
            return 0

    def _run(
        self,
        strategy: RunStrategy,
        client: CanvasApi,
        options: RunOptions,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        what: str,
        program: str,
        history: Callable[[], HistoryRecorder | None] = lambda: None,
    ) -> RunOutcome:
        """Run ``strategy`` under the workbook's lock (a check needs none)."""
        if options.dry_run or not self._has_file():
            return self._send(strategy, client, options, progress, cancel, history())
        lock = RunLock(self.doc.path, what=what, program=program)
        lock.acquire()
        try:
            self._refuse_if_out_of_date()
            try:
                return self._send(strategy, client, options, progress, cancel, history())
            finally:
                self._journal_mark = self._newest_run()
        finally:
            lock.release()

    def _send(
        self,
        strategy: RunStrategy,
        client: CanvasApi,
        options: RunOptions,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        recorder: HistoryRecorder | None,
    ) -> RunOutcome:
        """Run ``strategy`` on the engine; a run Canvas stopped still gives its results."""
        try:
            summary = run_strategy(
                strategy,
                client,
                options,
                progress=progress,
                cancel=cancel,
                journal=self.journal,
                workbook_key=self.key,
                recorder=recorder,
            )
        except CanvasUnavailable as exc:
            return RunOutcome(exc.summary, exc)
        return RunOutcome(summary)

    # --- apply and save (the table's thread) ------------------------------------------
    def apply(self, results: Iterable[RowResult]) -> None:
        apply_results(self.table, results)

    def changes_workbook(self, outcome: RunOutcome) -> bool:
        """Whether applying the outcome changes the file (a rerun with nothing new does not).

        When Canvas could not be reached, Invalid results alone are not worth a save.
        """
        for result in outcome.summary.results:
            if result.status is not Status.INVALID:
                return True
            if outcome.stopped is None and (
                self.table.status(result.row) != result.status.value
                or self.table.value(result.row, Role.MESSAGE) != result.message
            ):
                return True
        return False

    def save(self, path: str | Path | None = None) -> Path:
        """Save into the file (or ``path``), then mark the journal's results saved.

        Raises :class:`~core.workbook.WorkbookError` (locked file, wrong kind) or OSError;
        the results then stay in the journal and the table.
        """
        old_key = self.key
        saved = save_workbook(self.doc, path)
        self._disk_stamp = _file_stamp(self.doc.path)
        if self.journal is None:
            return saved
        for key in dict.fromkeys((old_key, workbook_key_for(saved))):
            try:
                self.journal.mark_saved(key)
            except Exception:  # the file holds the results; a later open may offer them again
                log.exception("the journal could not mark the save")
        return saved

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
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.journal import Journal, workbook_key_for
from core.kit.fill import FillOptions, FillPlan, TakenCheck, apply_fill, plan_fill
from core.model import (
    MIN_PASSWORD_LENGTH,
    CancelToken,
    Finding,
    ProgressCallback,
    Role,
    RowResult,
    RunMethod,
    Status,
    Table,
)
from core.plan import Plan, apply_results, build_plan
from core.rules import check_table
from core.run.api import ApiRows
from core.run.engine import CanvasUnavailable, RunOptions, RunStrategy, RunSummary, run_strategy
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN
from core.sis.method import ImportSettings, SisImport
from core.undo import UndoLogins, UndoPlan, plan_undo
from core.workbook import WorkbookDoc, open_workbook, save_workbook
from core.workbook.sheet_choice import choose_student_sheet

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

log = logging.getLogger(__name__)

__all__ = ["RunOutcome", "RunRequest", "Workflow", "strategy_for"]


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
    if request.method is RunMethod.SIS_IMPORT and not options.dry_run:
        return SisImport(plan, ImportSettings(login_sis_pattern=request.login_sis_pattern))
    return ApiRows(plan)


@dataclass
class Workflow:
    """One opened workbook and the journal that keeps its runs (none for an offline check)."""

    doc: WorkbookDoc
    journal: Journal | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        sheet: str | None = None,
        *,
        journal: Journal | None = None,
        header_row: int | None = None,
        mapping: dict[Role, int] | None = None,
    ) -> Workflow:
        """Read the sheet (raises :class:`~core.workbook.WorkbookError` or OSError).

        Without ``sheet``, the one that looks most like a list of students, never a
        "Read me" sheet merely because it comes first (:func:`choose_student_sheet`)."""
        if sheet is None:
            sheet = choose_student_sheet(path).sheet
        return cls(open_workbook(path, sheet, header_row=header_row, mapping=mapping), journal)

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
        return build_plan(self.table, findings)

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
    ) -> RunOutcome:
        """Send ``plan`` by the requested method (the API unless asked otherwise)."""
        strategy = strategy_for(plan, options, request or RunRequest())
        return self._run(strategy, client, options, progress, cancel)

    def plan_undo(self) -> UndoPlan:
        return plan_undo(self.table, self.journal, self.key)

    def undo(
        self,
        plan: UndoPlan,
        client: CanvasApi,
        options: RunOptions,
        *,
        use_restore: bool | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> RunOutcome:
        """Take back the logins ``plan`` names (``use_restore``: see :class:`UndoLogins`)."""
        strategy = UndoLogins(plan, use_restore, restore_poll=0.5)
        return self._run(strategy, client, options, progress, cancel)

    def _run(
        self,
        strategy: RunStrategy,
        client: CanvasApi,
        options: RunOptions,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
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
        if self.journal is None:
            return saved
        for key in dict.fromkeys((old_key, workbook_key_for(saved))):
            try:
                self.journal.mark_saved(key)
            except Exception:  # the file holds the results; a later open may offer them again
                log.exception("the journal could not mark the save")
        return saved

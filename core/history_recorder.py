"""The run engine's recorder: one history run, its rows as they finish, and how it ended.

:class:`HistoryRecorder` is what :func:`core.run.engine.run_strategy` is given as its
``recorder`` (the workflow makes one for every run, check and undo that has a journal).
It also writes the log's one line per changed row (row, student, login, outcome), never
a password.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from core.history import CHANGED_STATUSES, HistoryKind, RunHistory
from core.journal import Journal
from core.model import RowLabel, RowResult

__all__ = ["HistoryRecorder"]

log = logging.getLogger(__name__)


class HistoryRecorder:
    """The run engine's ``recorder``: one history run, its rows as they finish, its end.

    It never stops a run: a journal that cannot write is logged, and the run goes on
    (the workbook and the journal's own entries still hold every result).
    """

    def __init__(
        self,
        journal: Journal,
        kind: HistoryKind,
        method: str,
        *,
        workbook: str | Path,
        sheet: str,
        url: str,
        account: int | str | None,
        labels: Mapping[int, RowLabel],
    ) -> None:
        self.kind = kind
        self.labels = dict(labels)
        self.history: RunHistory | None = None
        self.run_id = 0
        try:
            self.history = RunHistory(journal)
            self.run_id = self.history.start(
                kind, method, workbook=workbook, sheet=sheet, url=url, account=account
            )
        except Exception:
            log.exception("the run history could not start a run")
            self.history = None

    def opened(self, account_id: int | str | None) -> None:
        """The run found its account (after the opening reads)."""
        self._safely(lambda history: history.set_account(self.run_id, account_id))

    def results(self, results: list[RowResult]) -> None:
        """Rows that finished: into the history, and a line in the log for each change."""
        if self.kind is not HistoryKind.CHECK:
            for result in results:
                if result.status in CHANGED_STATUSES:
                    self._log_change(result)
        if results:
            self._safely(lambda history: history.add_rows(self.run_id, results, self.labels))

    def finished(self, *, cancelled: bool = False, stopped: str = "") -> None:
        """The run ended: Finished, Cancelled (Stop), or Stopped with Canvas's reason."""
        outcome = f"Stopped: {stopped}" if stopped else "Cancelled" if cancelled else "Finished"
        self._safely(lambda history: history.finish(self.run_id, outcome))

    def _log_change(self, result: RowResult) -> None:
        label = self.labels.get(result.row) or RowLabel(sheet_row=result.row + 1)
        student = " ".join(part for part in (label.name, f"({label.student})") if part != "()")
        log.info(
            "row %d, %s, login '%s': %s",
            label.sheet_row,
            student or "no student",
            label.login,
            result.status.value,
        )

    def _safely(self, write: Callable[[RunHistory], None]) -> None:
        if self.history is None:
            return
        try:
            write(self.history)
        except Exception:
            log.exception("the run history could not record run %s", self.run_id)

"""Run a plan by Canvas SIS import: logins.csv in one upload instead of a call per row.

The steps (canvas-api.md, "SIS import of logins"):

1. Update, Delete, Suspend and Reactivate rows go through the API first
   (:class:`core.run.api.ApiRows`): logins.csv only adds logins. Done first so the
   import is the run's last journal entry, which is the run "Undo last run" takes back.
2. The Create rows become logins.csv (:mod:`core.sis.export`); rows an import cannot
   take are Invalid with the reason.
3. The file goes to ``POST /accounts/:id/sis_imports``; the import is polled until a
   final state, reporting Canvas's percentage as progress.
4. Every warning is mapped back to its row, through the row number in the errors file
   and the SIS id / login name the warning names (both checked against the file's row
   order). Those rows are Failed with Canvas's message in plain words; a "taken"
   warning for a login the student already has is Already exists. Any other "taken"
   row is Failed with the cause: the name or the Login SIS ID belongs to someone else,
   or the Login SIS ID is still reserved by a removed login (Canvas skips the row and
   never brings that login back; the API lists no removed logins, so this is only
   known from the import's answer).
5. Every other row is looked up (its student's logins, read with the runner's pacing)
   so Canvas Login ID is filled in and undo can find the login. A login that was
   already there before the import is Already exists, never Created, so undo leaves
   it alone. "Already there" is a fact read before the file goes out (each row's
   student's logins, :func:`~core.sis.readback.read_logins_before`), never a comparison
   of timestamps: Canvas's are whole seconds, and a small import makes its logins in
   the very second it was posted.

The outcomes of step 4 and the look-ups of step 5 (the read-back) live in :mod:`core.sis.readback`.

The journal records the run with method ``sis-import`` and the SIS import id, and
every row as sent before the upload and answered after, exactly like an API run.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.canvas.errors import CanvasError, PermissionDenied
from core.model import Action, CancelToken, ProgressCallback, RowResult, RunMethod, Status
from core.plan import Plan, now_local
from core.run.api import ApiRows
from core.run.engine import (
    LOGINS_PERMISSION,
    LOGINS_REFUSAL,
    Reporter,
    RunOptions,
    RunSession,
    RunSummary,
    run_strategy,
)
from core.run.pacing import Cancelled, StopRun
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN, LoginsCsv, build_logins_csv
from core.sis.import_warnings import ImportWarning, map_warnings, parse_errors_csv
from core.sis.readback import UPDATED_BY_IMPORT, ImportReadBack, read_logins_before
from core.words import plural

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi
    from core.journal import Journal

log = logging.getLogger(__name__)

__all__ = [
    "IMPORT_PERMISSION",
    "IMPORT_RECOMMENDED_FROM",
    "PASSWORD_NOTE",
    "UPDATED_BY_IMPORT",
    "ImportSettings",
    "method_advice",
    "recommended_method",
    "run_by_import",
]

#: The account right a SIS import needs.
IMPORT_PERMISSION = "import_sis"
#: From this many logins to create, an import is quicker than one call per row.
IMPORT_RECOMMENDED_FROM = 300

PASSWORD_NOTE = (
    "A SIS import sets a password only when it makes a new login. It does not change "
    "the password of a login that already exists; use the API method (an Update row) "
    "for that."
)

_NOT_FINAL = frozenset({"initializing", "created", "importing", "cleanup_batch"})
_FAILED = frozenset({"failed", "failed_with_messages", "aborted"})


def recommended_method(creates: int) -> RunMethod:
    """The method to suggest for a run that creates ``creates`` logins."""
    return RunMethod.SIS_IMPORT if creates >= IMPORT_RECOMMENDED_FROM else RunMethod.API


def method_advice(creates: int) -> str:
    """One sentence saying which method suits this many new logins, and why."""
    if creates >= IMPORT_RECOMMENDED_FROM:
        return (
            f"For {creates} new logins the SIS import is recommended: Canvas takes them in "
            "one file, and the app then reads back each new login's id."
        )
    return (
        f"For {plural(creates, 'new login')} the API method is "
        "recommended: each row is sent and answered on its own, with the clearest "
        f"messages. The SIS import pays off from about {IMPORT_RECOMMENDED_FROM} new logins."
    )


@dataclass
class ImportSettings:
    login_sis_pattern: str = DEFAULT_LOGIN_SIS_PATTERN
    #: First wait between two looks at the import, in seconds (grows to poll_cap).
    poll_first: float = 0.5
    poll_cap: float = 5.0
    #: Stop waiting after this long (Canvas carries on; run again to read the outcome).
    wait_limit: float = 4 * 3600.0


# --- the run ------------------------------------------------------------------------------


IMPORT_REFUSAL = (
    "Your Canvas token may not import SIS data on this account, which the SIS import "
    'method needs. Use the API method, or a token of an administrator with the "import SIS '
    'data" right.'
)


class SisImport:
    """The run strategy: the rows that change existing logins (Update, Delete, Suspend,
    Reactivate) by the API, then the Create rows as one import."""

    def __init__(self, plan: Plan, settings: ImportSettings) -> None:
        self.plan = plan
        self.settings = settings
        creates = [op for op in plan.operations if op.action is Action.CREATE]
        self.others = [op for op in plan.operations if op.action is not Action.CREATE]
        self.built = build_logins_csv(creates, settings.login_sis_pattern)
        self.total = len(plan.operations) + len(plan.invalid)

    def opening(self, session: RunSession) -> None:
        session.report.add([*self.plan.invalid, *self.built.left_out])
        session.report.set_aside(self.plan)
        session.open(need_account=True)
        if self.built.rows:
            session.require(IMPORT_PERMISSION, IMPORT_REFUSAL)
        if self.others:
            session.require(LOGINS_PERMISSION, LOGINS_REFUSAL)

    def run(self, session: RunSession) -> bool:
        if self.others:
            with session.journal_run(RunMethod.API):
                if ApiRows(Plan(operations=self.others)).send(session):
                    return True
        if not self.built.rows:
            return session.cancel.cancelled
        if session.cancel.cancelled:
            return True
        with session.journal_run(RunMethod.SIS_IMPORT):
            return _ImportRun(session, self.settings).run(self.built)


def import_strategy(
    plan: Plan, options: RunOptions, settings: ImportSettings | None = None
) -> ApiRows | SisImport:
    """The SIS import's strategy; a dry run (Check with Canvas, which only reads) reads by
    the API instead."""
    if options.dry_run:
        return ApiRows(plan)
    return SisImport(plan, settings or ImportSettings())


def run_by_import(
    plan: Plan,
    client: CanvasApi,
    options: RunOptions,
    *,
    settings: ImportSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Journal | None = None,
    workbook_key: str = "",
) -> RunSummary:
    """Like :func:`core.run.api.execute`, with the Create rows sent as one SIS import.

    Raises :class:`~core.run.engine.CanvasUnavailable` (with the rows finished so far) when the run
    cannot go on. A dry run is the API method's dry run (it only reads).
    """
    return run_strategy(
        import_strategy(plan, options, settings),
        client,
        options,
        progress=progress,
        cancel=cancel,
        journal=journal,
        workbook_key=workbook_key,
    )


class _ImportRun:
    """Send the file, wait for Canvas, read back: the import part of one run."""

    def __init__(self, session: RunSession, settings: ImportSettings) -> None:
        self.session = session
        self.settings = settings
        self.client = session.client
        assert session.account_id is not None, "the opening reads found the account"
        self.account_id: int | str = session.account_id
        self.ctx = session.ctx
        self.cancel = session.stop
        #: The progress bar: the import fills the first half of its rows, reading back the rest.
        self._base = 0
        self._count = 0
        self._settled = 0

    # --- journal ----------------------------------------------------------------------
    def _record(self, built: LoginsCsv, results: list[RowResult]) -> None:
        by_row = {row.row: row for row in built.rows}
        for result in results:
            op = by_row[result.row].operation
            if op is not None:
                self.session.record_result(op.identity, result, Action.CREATE.value)

    # --- the steps --------------------------------------------------------------------
    def run(self, built: LoginsCsv) -> bool:
        """Read before, send, wait, read back; True when stopped before every row had its
        outcome."""
        report = self.session.report
        report.note(report.done, "Reading the students' logins before the import…")
        before = read_logins_before(self.ctx, built.rows, self.session.concurrency, self.cancel)
        if before.stopped or self.cancel.cancelled:
            return True  # nothing sent
        if before.unread:
            self._record(built, before.unread)
            report.add(before.unread)
            built = built.without({result.row for result in before.unread})
            if not built.rows:
                return False
        for row in built.rows:
            if row.operation is not None:
                self.session.record_sent(row.operation.identity, Action.CREATE.value)
        base = self._base = report.done
        count = self._count = len(built.rows)
        report.note(base, f"Sending {count} login(s) to Canvas as one SIS import…")
        try:
            status = self.ctx.call(
                lambda: self.client.sis_import(self.account_id, built.data(protect=False))
            )
        except Cancelled:
            return True
        except PermissionDenied as exc:
            raise StopRun(
                PermissionDenied(
                    "Canvas did not allow the SIS import: your token may not import SIS "
                    "data. Use the API method instead. Nothing was changed.",
                    status=exc.status,
                )
            ) from exc
        except CanvasError as exc:
            if exc.maybe_done:
                words = (
                    f"{exc.message} Canvas did not confirm the import. Look at Canvas's SIS "
                    "Import page before running again"
                )
            else:
                words = f"Canvas did not take the SIS import: {exc.message}"
            self._fail_all(built, report, words)
            return False
        import_id = status.get("id")
        log.info("SIS import %s sent with %d login(s)", import_id, count)
        journal, run_id = self.session.journal, self.session.run_id
        if journal is not None and run_id is not None and import_id is not None:
            journal.set_sis_import_id(run_id, import_id)
        final = self._wait(import_id, status, report, base, count)
        if final is None:
            report.note(
                base,
                "Stopped waiting. Canvas carries on with the import; run again later to "
                "read the outcome (rows it made show as Created).",
            )
            return True
        state = str(final.get("workflow_state") or "")
        if state in _FAILED:
            self._fail_all(built, report, self._failure_words(final))
            return False
        warnings = self._warnings(final)
        mapped, unmapped = map_warnings(built, warnings)
        for warning in unmapped:
            log.info("SIS import %s: warning for no row: %s", import_id, warning.message)
        readback = ImportReadBack(
            self.ctx, self.session.concurrency, self.cancel, self.session.maybe_sent, before.ids
        )
        return readback.settle(
            built,
            final,
            mapped,
            lambda fresh, message: self._settle_rows(built, report, fresh, message),
        )

    def _wait(
        self, import_id: Any, status: dict, report: Reporter, base: int, count: int
    ) -> dict | None:
        delay = self.settings.poll_first
        started = time.monotonic()
        while str(status.get("workflow_state") or "") in _NOT_FINAL:
            if self.cancel.wait(delay):
                return None
            if time.monotonic() - started > self.settings.wait_limit:
                raise StopRun(
                    CanvasError(
                        f"Canvas is still importing (SIS import {import_id}) after a long "
                        "wait. It carries on by itself; run again later to read the outcome."
                    )
                )
            try:
                status = self.ctx.call(
                    lambda: self.client.sis_import_status(self.account_id, import_id)
                )
            except Cancelled:
                return None
            except CanvasError as exc:  # a hiccup while polling: look again later
                log.info("SIS import %s: could not read its state: %s", import_id, exc.message)
            percent = max(0, min(100, int(float(status.get("progress") or 0))))
            report.note(
                base + (count // 2) * percent // 100,
                f"Canvas is importing the logins: {percent}% done",
            )
            delay = min(self.settings.poll_cap, delay * 1.5)
        return status

    def _warnings(self, final: dict) -> list[ImportWarning]:
        """Every warning: from the errors file when there is one, else the short list."""
        attachment = final.get("errors_attachment") or {}
        url = attachment.get("url") if isinstance(attachment, dict) else None
        if url:
            try:
                answer = self.ctx.call(lambda: self.client.get_url(url))
                found = parse_errors_csv(answer.text)
                if found:
                    return found
            except (StopRun, Cancelled):
                raise
            except CanvasError as exc:
                log.info("errors file not read, using the listed warnings: %s", exc.message)
        listed = final.get("processing_warnings") or []
        warnings = []
        for item in listed:
            message = str(item[1] if isinstance(item, list | tuple) and len(item) > 1 else item)
            if re.fullmatch(r"and \d+ more", message.strip()):
                continue
            warnings.append(ImportWarning(message))
        return warnings

    @staticmethod
    def _failure_words(final: dict) -> str:
        errors = final.get("processing_errors") or []
        texts = [
            str(item[1] if isinstance(item, list | tuple) and len(item) > 1 else item)
            for item in errors
        ]
        if texts:
            return "Canvas could not import the file: " + "; ".join(texts[:3])
        return "Canvas could not import the file (the SIS import failed)"

    def _fail_all(self, built: LoginsCsv, report: Reporter, words: str) -> None:
        stamp = now_local()
        text = words.rstrip(".") + "."
        results = [RowResult(row.row, Status.FAILED, text, "", stamp) for row in built.rows]
        self._record(built, results)
        self._add(report, results)

    def _add(self, report: Reporter, fresh: list[RowResult], message: str = "") -> None:
        self._settled += len(fresh)
        half = self._count // 2
        rest = self._count - half
        done = self._base + half + -(-self._settled * rest // max(1, self._count))
        report.add(fresh, message, done)

    def _settle_rows(
        self, built: LoginsCsv, report: Reporter, fresh: list[RowResult], message: str
    ) -> None:
        self._record(built, fresh)
        self._add(report, fresh, message)

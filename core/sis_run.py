"""Run a plan by Canvas SIS import: logins.csv in one upload instead of a call per row.

The steps (canvas-api.md, "SIS import of logins"):

1. Update and Delete rows go through the API first (:func:`core.runner.execute`):
   logins.csv only adds logins. Done first so the import is the run's last journal
   entry, which is the run "Undo last run" takes back.
2. The Create rows become logins.csv (:mod:`core.sis_export`); rows an import cannot
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
   it alone.

The outcomes of step 4 and the look-ups of step 5 (the read-back) live in :mod:`core.sis_readback`.

The journal records the run with method ``sis-import`` and the SIS import id, and
every row as sent before the upload and answered after, exactly like an API run.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from core.canvas_errors import (
    CanvasError,
    PermissionDenied,
)
from core.model import Action, CancelToken, Progress, ProgressCallback, RowResult, Status
from core.pacing import AdaptiveLimiter, Backoff, Cancelled, RetryPolicy
from core.plan import Plan, now_local
from core.runner import (
    CanvasUnavailable,
    RunOptions,
    RunSummary,
    execute,
    require_permission,
    summarise,
)
from core.runner_ops import RowContext, StopRun
from core.sis_export import DEFAULT_LOGIN_SIS_PATTERN, LoginsCsv, build_logins_csv
from core.sis_readback import UPDATED_BY_IMPORT, ImportReadBack
from core.sis_warnings import (
    ImportWarning,
    map_warnings,
    parse_errors_csv,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = [
    "API_METHOD",
    "IMPORT_METHOD",
    "IMPORT_PERMISSION",
    "IMPORT_RECOMMENDED_FROM",
    "PASSWORD_NOTE",
    "UPDATED_BY_IMPORT",
    "ImportSettings",
    "method_advice",
    "recommended_method",
    "run_by_import",
]

API_METHOD = "api"
IMPORT_METHOD = "sis-import"
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


def recommended_method(creates: int) -> str:
    """The method to suggest for a run that creates ``creates`` logins."""
    return IMPORT_METHOD if creates >= IMPORT_RECOMMENDED_FROM else API_METHOD


def method_advice(creates: int) -> str:
    """One sentence saying which method suits this many new logins, and why."""
    if creates >= IMPORT_RECOMMENDED_FROM:
        return (
            f"For {creates} new logins the SIS import is recommended: Canvas takes them in "
            "one file, and the app then reads back each new login's id."
        )
    return (
        f"For {creates} new login{'s' if creates != 1 else ''} the API method is "
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


class _Reporter:
    """Progress for the whole run: API rows, the import's percentage, the read-back."""

    def __init__(self, progress: ProgressCallback | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        self.results: list[RowResult] = []

    def add(self, fresh: list[RowResult], message: str = "", done: int | None = None) -> None:
        self.results.extend(fresh)
        self.done = self.done + len(fresh) if done is None else done
        self._send(fresh, self.done, message)

    def note(self, done: int, message: str, fresh: list[RowResult] | None = None) -> None:
        self._send(list(fresh or []), min(self.total, done), message)

    def _send(self, fresh: list[RowResult], done: int, message: str) -> None:
        if self.progress is not None:
            counts = dict(Counter(r.status for r in self.results))
            self.progress(Progress(done, self.total, counts, list(fresh), message))


IMPORT_REFUSAL = (
    "Your Canvas token may not import SIS data on this account, which the SIS import "
    'method needs. Use the API method, or a token of an administrator with the "import SIS '
    'data" right.'
)


def run_by_import(
    plan: Plan,
    client: Any,
    options: RunOptions,
    *,
    settings: ImportSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Any = None,
    workbook_key: str = "",
) -> RunSummary:
    """Like :func:`core.runner.execute`, with the Create rows sent as one SIS import.

    Raises :class:`CanvasUnavailable` (with the rows finished so far) when the run
    cannot go on. A dry run is the API method's dry run (it only reads).
    """
    if options.dry_run:
        return execute(
            plan,
            client,
            options,
            progress=progress,
            cancel=cancel,
            journal=journal,
            workbook_key=workbook_key,
        )
    settings = settings or ImportSettings()
    cancel = cancel or CancelToken()
    started = time.monotonic()
    creates = [op for op in plan.operations if op.action is Action.CREATE]
    others = [op for op in plan.operations if op.action is not Action.CREATE]
    built = build_logins_csv(creates, settings.login_sis_pattern)
    report = _Reporter(progress, len(plan.operations) + len(plan.invalid))
    report.add([*plan.invalid, *built.left_out])
    try:
        account_id = options.account_id
        if account_id is None:
            account_id = client.default_root_account_id()
        if built.rows and options.check_permission:
            require_permission(client, account_id, IMPORT_PERMISSION, IMPORT_REFUSAL)
    except CanvasError as exc:
        raise CanvasUnavailable(exc, summarise(report.results, started, False)) from exc
    options = replace(options, account_id=account_id)

    if others:
        base = report.done

        def api_progress(p: Progress) -> None:
            report.results.extend(p.results)
            report.done = base + p.done
            report.note(report.done, p.message, p.results)

        try:
            api = execute(
                Plan(operations=others),
                client,
                options,
                progress=api_progress,
                cancel=cancel,
                journal=journal,
                workbook_key=workbook_key,
            )
        except CanvasUnavailable as exc:
            _merge(report, exc.summary.results)
            raise CanvasUnavailable(exc.error, summarise(report.results, started, True)) from exc
        _merge(report, api.results)
        if api.cancelled:
            return summarise(report.results, started, True)
    if not built.rows:
        return summarise(report.results, started, cancel.cancelled)
    if cancel.cancelled:
        return summarise(report.results, started, True)
    runner = _ImportRun(client, account_id, options, settings, cancel, journal, workbook_key)
    try:
        cancelled = runner.run(built, report)
    except StopRun as exc:
        raise CanvasUnavailable(exc.error, summarise(report.results, started, True)) from exc
    return summarise(report.results, started, cancelled)


def _merge(report: _Reporter, results: list[RowResult]) -> None:
    """Add the API part's results that progress did not already bring."""
    have = {(r.row, r.status) for r in report.results}
    report.results.extend(r for r in results if (r.row, r.status) not in have)


@dataclass
class _ImportRun:
    client: Any
    account_id: int | str
    options: RunOptions
    settings: ImportSettings
    cancel: CancelToken
    journal: Any
    workbook_key: str
    ctx: RowContext = field(init=False)
    #: The progress bar: the import fills the first half of its rows, reading back the rest.
    _base: int = field(init=False, default=0)
    _count: int = field(init=False, default=0)
    _settled: int = field(init=False, default=0)
    run_id: int | None = field(init=False, default=None)
    maybe_sent: frozenset[tuple[str, ...]] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        concurrency = max(1, self.options.concurrency)
        self.ctx = RowContext(
            client=self.client,
            account_id=self.account_id,
            limiter=AdaptiveLimiter(ceiling=concurrency, start=min(4, concurrency)),
            policy=RetryPolicy(),
            backoff=Backoff(
                base=self.options.backoff_base,
                cap=self.options.backoff_cap,
                max_attempts=max(1, self.options.retries + 1),
            ),
            cancel=self.cancel,
        )

    # --- journal ----------------------------------------------------------------------
    def _record(self, built: LoginsCsv, results: list[RowResult]) -> None:
        if self.run_id is None:
            return
        by_row = {row.row: row for row in built.rows}
        for result in results:
            op = by_row[result.row].operation
            if op is None:
                continue
            try:
                self.journal.record_result(self.run_id, op.identity, result, Action.CREATE.value)
            except Exception:
                log.exception("the journal could not record a result")

    # --- the steps --------------------------------------------------------------------
    def run(self, built: LoginsCsv, report: _Reporter) -> bool:
        """Send, wait, read back; True when stopped before every row had its outcome."""
        journal = self.journal
        if journal is not None:
            self.maybe_sent = frozenset(journal.unanswered_identities(self.workbook_key))
            self.run_id = journal.start_run(
                self.workbook_key,
                url=self.client.base_url,
                account_id=self.account_id,
                method=IMPORT_METHOD,
            )
        try:
            return self._run(built, report)
        finally:
            if self.run_id is not None:
                try:
                    journal.finish_run(self.run_id)
                except Exception:
                    log.exception("the journal could not close the run")

    def _run(self, built: LoginsCsv, report: _Reporter) -> bool:
        if self.run_id is not None:
            for row in built.rows:
                if row.operation is not None:
                    self.journal.record_sent(
                        self.run_id, row.operation.identity, Action.CREATE.value
                    )
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
        if self.run_id is not None and import_id is not None:
            self.journal.set_sis_import_id(self.run_id, import_id)
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
        readback = ImportReadBack(self.ctx, self.options.concurrency, self.cancel, self.maybe_sent)
        return readback.settle(
            built,
            final,
            mapped,
            lambda fresh, message: self._settle_rows(built, report, fresh, message),
        )

    def _wait(
        self, import_id: Any, status: dict, report: _Reporter, base: int, count: int
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

    def _fail_all(self, built: LoginsCsv, report: _Reporter, words: str) -> None:
        stamp = now_local()
        text = words.rstrip(".") + "."
        results = [RowResult(row.row, Status.FAILED, text, "", stamp) for row in built.rows]
        self._record(built, results)
        self._add(report, results)

    def _add(self, report: _Reporter, fresh: list[RowResult], message: str = "") -> None:
        self._settled += len(fresh)
        half = self._count // 2
        rest = self._count - half
        done = self._base + half + -(-self._settled * rest // max(1, self._count))
        report.add(fresh, message, done)

    def _settle_rows(
        self, built: LoginsCsv, report: _Reporter, fresh: list[RowResult], message: str
    ) -> None:
        self._record(built, fresh)
        self._add(report, fresh, message)

"""Undo a run: remove exactly the logins the workbook's last run created.

Which logins: the journal's last run of the workbook (``runs`` newest first, undo runs
skipped) and its entries with status Created and a Canvas Login ID, matched to the
table rows that still say Created with that same Canvas Login ID. A workbook that has
no run in this computer's journal falls back to its own columns: the Created rows
with a Canvas Login ID whose Processed At belongs to the latest burst of work (no gap
longer than :data:`RUN_GAP` between two rows).

How: for each login, the student's logins are read first and the login is removed
only when it is still there under the name the row says (a renamed login, or one
whose id now means another name, is left alone and the row says why). A login that
is gone already is Already deleted. For a run by SIS import, Canvas's own restore
(``PUT .../sis_imports/:id/restore_states``) is used instead when the token may use
it and the import touched no login it did not create; otherwise the per-login way.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

from core.canvas_errors import (
    CanvasError,
    ConnectionFailed,
    LastLogin,
    NotFound,
    PermissionDenied,
    TimedOut,
    TokenRefused,
)
from core.journal import RunRecord
from core.model import CancelToken, Progress, ProgressCallback, RowResult, Status, Table, login_key
from core.paced import paced_each
from core.pacing import AdaptiveLimiter, Backoff, Cancelled, RetryPolicy
from core.plan import now_local
from core.runner import CanvasUnavailable, RunOptions, RunSummary
from core.runner_ops import RowContext, StopRun
from core.sis_run import API_METHOD, IMPORT_METHOD, IMPORT_PERMISSION, UPDATED_BY_IMPORT

log = logging.getLogger(__name__)

__all__ = [
    "RUN_GAP",
    "UNDO_METHOD",
    "UndoPlan",
    "UndoTarget",
    "cmd_undo",
    "plan_undo",
    "restore_permitted",
    "undo_last_run",
]

UNDO_METHOD = "undo"
_UNDOABLE = frozenset({API_METHOD, IMPORT_METHOD})
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
        how = {IMPORT_METHOD: "by SIS import", API_METHOD: "by the API"}.get(self.method, "")
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


def plan_undo(table: Table, journal: Any = None, workbook_key: str = "") -> UndoPlan:
    """The logins the last run created that the workbook still shows as Created."""
    runs = journal.runs(workbook_key) if journal is not None and workbook_key else []
    runs = [run for run in runs if run.method in _UNDOABLE]
    if not runs:
        return _plan_from_workbook(table)
    run = runs[-1]
    entries = journal.results_of_run(run.id)
    created = {
        entry.identity: str(entry.login_id)
        for entry in entries
        if entry.status == Status.CREATED.value and entry.login_id
    }
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
        run.method == IMPORT_METHOD
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


# --- doing it -----------------------------------------------------------------------------


def restore_permitted(client: Any, account_id: int | str) -> bool:
    """Whether the token may ask Canvas to restore a SIS import (the import right)."""
    try:
        allowed = client.permissions(account_id, [IMPORT_PERMISSION])
    except CanvasError as exc:
        log.info("restore permission not known: %s", exc.message)
        return False
    return allowed.get(IMPORT_PERMISSION) is True


def _context(client: Any, account_id: Any, options: RunOptions, cancel: CancelToken) -> RowContext:
    concurrency = max(1, options.concurrency)
    return RowContext(
        client=client,
        account_id=account_id,
        limiter=AdaptiveLimiter(ceiling=concurrency, start=min(4, concurrency)),
        policy=RetryPolicy(),
        backoff=Backoff(
            base=options.backoff_base,
            cap=options.backoff_cap,
            max_attempts=max(1, options.retries + 1),
        ),
        cancel=cancel,
    )


def _result(target: UndoTarget, status: Status, message: str) -> RowResult:
    return RowResult(target.row, status, message.rstrip(".") + ".", target.login_id, now_local())


def _undo_one(ctx: RowContext, target: UndoTarget, record_sent: Any) -> RowResult:
    client = ctx.client
    name = target.unique_id
    try:
        logins = ctx.call(lambda: client.list_logins(target.user_ref))
    except NotFound:
        return _result(
            target,
            Status.FAILED,
            "Undo left this login alone: the student was not found in Canvas any more",
        )
    login = next((lg for lg in logins if str(lg.get("id")) == target.login_id), None)
    if login is None or (login.get("workflow_state") or "active") == "deleted":
        return _result(target, Status.ALREADY_DELETED, f"Login '{name}' was already removed")
    now_named = str(login.get("unique_id") or "")
    if login_key(now_named) != login_key(name):
        return _result(
            target,
            Status.FAILED,
            f"Undo left this login alone: Canvas Login ID {target.login_id} is now the login "
            f"'{now_named}', not '{name}'",
        )
    for attempt in (1, 2):
        record_sent(target)
        try:
            ctx.call(lambda: client.delete_login(target.user_ref, target.login_id))
        except NotFound:
            return _result(target, Status.ALREADY_DELETED, f"Login '{name}' was already removed")
        except LastLogin:
            return _result(
                target,
                Status.FAILED,
                "Undo could not remove this login: it is now the student's only login",
            )
        except PermissionDenied as exc:
            if login.get("sis_user_id"):
                return _result(
                    target,
                    Status.FAILED,
                    "Undo could not remove this login: it carries a SIS ID, and removing it "
                    'needs the "manage SIS" right in Canvas, which your token does not have',
                )
            return _result(
                target, Status.FAILED, f"Undo could not remove this login: {exc.message}"
            )
        except CanvasError as exc:
            if not exc.maybe_done:
                return _result(
                    target, Status.FAILED, f"Undo could not remove this login: {exc.message}"
                )
            left = ctx.call(lambda: client.list_logins(target.user_ref))
            if not any(
                str(lg.get("id")) == target.login_id
                and (lg.get("workflow_state") or "active") != "deleted"
                for lg in left
            ):
                break
            if attempt == 2:
                return _result(
                    target, Status.FAILED, f"Undo could not remove this login: {exc.message}"
                )
            continue
        break
    return _result(target, Status.DELETED, f"Login '{name}' removed (the run was undone)")


def _restore(ctx: RowContext, account_id: Any, import_id: str, poll: float, cancel: Any) -> None:
    """Canvas's restore of the SIS import, waited for; raises CanvasError if it fails."""
    client = ctx.client
    job = ctx.call(lambda: client.sis_restore_states(account_id, import_id))
    url = job.get("url") or f"/api/v1/progress/{job.get('id')}"
    delay = poll
    while str(job.get("workflow_state") or "") not in ("completed", "failed"):
        if cancel.wait(delay):
            raise Cancelled()
        job = ctx.call(lambda: client.get_url(url).json())
        delay = min(5.0, delay * 1.5)
    if job.get("workflow_state") == "failed":
        raise CanvasError(
            f"Canvas could not restore the SIS import: {job.get('message') or 'no reason given'}"
        )


def undo_last_run(
    plan: UndoPlan,
    client: Any,
    options: RunOptions,
    *,
    use_restore: bool | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    journal: Any = None,
    workbook_key: str = "",
    restore_poll: float = 0.5,
) -> RunSummary:
    """Remove the plan's logins; results say Deleted, Already deleted or why not.

    ``use_restore``: None decides by itself (restore when possible and permitted),
    False always removes login by login. Raises :class:`CanvasUnavailable` when the
    token is refused or Canvas is unreachable (with the rows finished so far).
    """
    started = time.monotonic()
    cancel = cancel or CancelToken()
    results: list[RowResult] = []
    total = plan.count

    def summary(cancelled: bool) -> RunSummary:
        return RunSummary(
            counts=dict(Counter(r.status for r in results)),
            results=sorted(results, key=lambda r: r.row),
            seconds=time.monotonic() - started,
            cancelled=cancelled,
        )

    if not plan.targets:
        return summary(False)
    try:
        account_id = options.account_id
        if account_id is None and (plan.restore_possible or use_restore):
            account_id = plan.run.account if plan.run and plan.run.account else None
            account_id = account_id or client.default_root_account_id()
        if use_restore is None:
            use_restore = plan.restore_possible and restore_permitted(client, account_id)
    except (TokenRefused, ConnectionFailed, TimedOut, CanvasError) as exc:
        raise CanvasUnavailable(exc, summary(False)) from exc
    ctx = _context(client, account_id, options, cancel)
    run_id = (
        journal.start_run(
            workbook_key, url=client.base_url, account_id=account_id, method=UNDO_METHOD
        )
        if journal is not None
        else None
    )

    def record(fresh: list[RowResult]) -> None:
        results.extend(fresh)
        if run_id is not None:
            by_row = {t.row: t for t in plan.targets}
            for result in fresh:
                try:
                    journal.record_result(run_id, by_row[result.row].identity, result, "Undo")
                except Exception:
                    log.exception("the journal could not record an undo result")
        if progress is not None:
            counts = dict(Counter(r.status for r in results))
            progress(Progress(len(results), total, counts, list(fresh), ""))

    def record_sent(target: UndoTarget) -> None:
        if run_id is not None:
            journal.record_sent(run_id, target.identity, "Undo")

    try:
        if use_restore and plan.sis_import_id:
            if progress is not None:
                progress(Progress(0, total, {}, [], "Asking Canvas to undo the SIS import…"))
            try:
                for target in plan.targets:
                    record_sent(target)
                _restore(ctx, account_id, plan.sis_import_id, restore_poll, cancel)
            except Cancelled:
                return summary(True)
            except StopRun as exc:
                raise CanvasUnavailable(exc.error, summary(True)) from exc
            except CanvasError as exc:
                log.info("restore not possible, removing login by login: %s", exc.message)
            else:
                record(
                    [
                        _result(
                            t,
                            Status.DELETED,
                            f"Login '{t.unique_id}' removed (Canvas undid the SIS import)",
                        )
                        for t in plan.targets
                    ]
                )
                return summary(False)
        try:
            stopped = paced_each(
                list(plan.targets),
                lambda target: _undo_one(ctx, target, record_sent),
                concurrency=options.concurrency,
                cancel=cancel,
                on_fresh=record,
                on_error=lambda target, exc: _result(
                    target, Status.FAILED, f"Undo could not remove this login: {exc}"
                ),
            )
        except StopRun as exc:
            raise CanvasUnavailable(exc.error, summary(True)) from exc
        return summary(stopped)
    finally:
        if run_id is not None:
            try:
                journal.finish_run(run_id)
            except Exception:
                log.exception("the journal could not close the undo run")


# --- command line -------------------------------------------------------------------------


def _ask(question: str, err: TextIO) -> bool:
    err.write(question + " Type yes to go ahead: ")
    err.flush()
    answer = sys.stdin.readline()
    return answer.strip().casefold() in ("y", "yes")


def cmd_undo(args: Any, out: TextIO, err: TextIO, cli: Any = None) -> int:
    """``canvas-logins-cli undo WORKBOOK --url URL [--yes]`` (see core.cli)."""
    if cli is None:  # the command line passes itself (it may run as __main__)
        from core import cli
    from core.canvas_errors import CanvasConfigError
    from core.canvas_transport import normalise_base_url
    from core.journal import Journal, workbook_key_for
    from core.plan import apply_results
    from core.workbook import WorkbookError, save_workbook

    conn = cli._connection(args)
    try:
        normalise_base_url(conn.url)
    except CanvasConfigError as exc:
        raise cli.UsageProblem(exc.message) from None
    doc = cli._open(args.workbook, args.sheet)
    table = doc.table
    key = workbook_key_for(doc.path)
    journal = Journal()
    try:
        restored = journal.unsaved_results(key, table)
        apply_results(table, restored)
        plan = plan_undo(table, journal, key)
        if not plan.targets:
            print(plan.reason, file=err)
            print(RunSummary().line(), file=out)
            return cli.EXIT_OK
        host = conn.url.split("//", 1)[-1].split("/", 1)[0]
        question = f"{plan.words()}, in {host}?"
        if not args.yes:
            if not sys.stdin.isatty():
                print(
                    f"{cli.PROG}: {question} Undo removes logins: add --yes to go ahead "
                    "without a question.",
                    file=err,
                )
                return cli.EXIT_USAGE
            if not _ask(question, err):
                print("Nothing was changed.", file=err)
                return cli.EXIT_OK
        try:
            client, account_id, _providers = cli._connect(conn, err)
        except CanvasConfigError as exc:
            raise cli.UsageProblem(exc.message) from None
        except CanvasError as exc:
            print(f"{exc.message} Nothing was changed.", file=err)
            return cli.EXIT_CANVAS
        options = RunOptions(account_id=account_id, concurrency=conn.concurrency)
        cancel = CancelToken()
        stopped: CanvasUnavailable | None = None
        with client, cli._ctrl_c_cancels(cancel):
            try:
                summary = undo_last_run(
                    plan,
                    client,
                    options,
                    use_restore=False if args.per_login else None,
                    cancel=cancel,
                    journal=journal,
                    workbook_key=key,
                )
            except CanvasUnavailable as exc:
                stopped, summary = exc, exc.summary
        for result in summary.results:
            if result.status is Status.FAILED:
                sheet_row = table.rows[result.row].sheet_row
                print(f"row {sheet_row}: {result.status.value}: {result.message}", file=out)
        if summary.results or restored or args.output:
            apply_results(table, summary.results)
            try:
                saved = save_workbook(doc, args.output)
            except (WorkbookError, OSError) as exc:
                reason = exc.message if isinstance(exc, WorkbookError) else str(exc)
                print(cli._not_saved_message(reason, journal), file=err)
                print(summary.line(), file=out)
                return cli.EXIT_NOT_SAVED
            journal.mark_saved(key)
            print(f"Saved {saved}.", file=err)
        if stopped is not None:
            print(cli._stopped_message(stopped), file=err)
        print(summary.line(), file=out)
        return cli._exit_code(summary, stopped)
    finally:
        journal.close()

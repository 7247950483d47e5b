"""``canvas-logins-cli run WORKBOOK --url URL``: send the rows that are not done, then save.

The steps are the workflow's (:mod:`core.workflow`): restore what an earlier run left in
the journal, connect, check, plan, run by the chosen method, apply, save. The last line
printed is the summary line of design.md; before it, a line says which rows were left
out or skipped (notes that name no student). ``--dry-run`` is Check with Canvas: it
prints the rows that would fail, writes nothing, and ends with how many rows are ready.

A run that another run of the same workbook holds back (:mod:`core.run_lock`: the app
or the command line, this user or another) ends with exit 2 and the words that name
who holds it; nothing was sent and nothing saved. Not 3: Canvas was never asked, and
the token is fine; not 4: there are no results to keep. 2 is "this command could not
start on this workbook", which is what happened; the message says to wait.

Against a production Canvas a line on stderr says so before the first call
(:func:`~core.cli.common.production_banner`). ``--json`` prints every row's outcome and
the counts as one document instead of the lines above (:mod:`core.cli.json_output`).
"""

from __future__ import annotations

import argparse
import logging
from typing import TextIO

from core.canvas.errors import CanvasError
from core.cli.common import (
    ProgressLine,
    add_workbook_options,
    check_output,
    ctrl_c_cancels,
    exit_status,
    open_workflow,
    positive,
    print_problem_rows,
    save_results,
    stopped_message,
)
from core.cli.connection import (
    add_connection_arguments,
    connecting,
    connection_from,
    say_production,
)
from core.cli.json_output import JsonReport, add_json_option, report_of
from core.cli.status import ExitStatus, UsageProblem
from core.journal import Journal
from core.model import CancelToken, RunMethod, Status
from core.run.engine import LOGINS_PERMISSION, RunOptions
from core.run_lock import RunRefused
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN, PatternError, check_pattern
from core.sis.method import IMPORT_PERMISSION
from core.words import capitalised, dry_run_line, plural, set_aside_words
from core.workflow import RunOutcome, RunRequest, Workflow

#: The rights a run may need, read with the sign-in methods before the run starts.
RUN_PERMISSIONS = (LOGINS_PERMISSION, IMPORT_PERMISSION)
log = logging.getLogger("core.cli")


def add_parser(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="create, change or remove the logins in Canvas")
    run.add_argument("workbook", metavar="WORKBOOK")
    add_connection_arguments(run)
    add_workbook_options(run)
    run.add_argument("--dry-run", action="store_true", help="only read from Canvas")
    run.add_argument("--concurrency", type=positive, default=None, metavar="N")
    run.add_argument("--output", metavar="PATH", help="save to this file instead")
    run.add_argument("--min-password-length", type=positive, default=None, metavar="N")
    run.add_argument(
        "--method",
        choices=[str(RunMethod.API), str(RunMethod.SIS_IMPORT)],
        default=str(RunMethod.API),
        help="api: one call per row (default, best for small batches); sis-import: the new "
        "logins as one Canvas SIS import (for large batches; sets passwords on new logins only)",
    )
    run.add_argument(
        "--login-sis-pattern",
        metavar="PATTERN",
        help="Login SIS ID for rows without one, sis-import only (default {sis_user_id}-L2)",
    )
    add_json_option(run)


def run_request(args: argparse.Namespace) -> RunRequest:
    """The method and pattern the arguments ask for (a bad pattern is bad usage)."""
    method = RunMethod(args.method)
    if method is not RunMethod.SIS_IMPORT:
        return RunRequest(method)
    try:
        pattern = check_pattern(args.login_sis_pattern or DEFAULT_LOGIN_SIS_PATTERN)
    except PatternError as exc:
        raise UsageProblem(str(exc)) from None
    return RunRequest(method, pattern)


def refuse_if_another_run(workflow: Workflow) -> None:
    """Exit 2 (:class:`UsageProblem`) when another run holds the workbook or changed it."""
    try:
        workflow.ensure_can_run()
    except RunRefused as exc:
        raise refused(exc) from None


def refused(exc: RunRefused) -> UsageProblem:
    log.warning("run refused: %s", exc.message)
    return UsageProblem(exc.message)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    report = report_of(args)
    conn = connection_from(args)
    request = run_request(args)
    if report is not None:
        report.set(dry_run=bool(args.dry_run), method=str(request.method), canvas=conn.host)
    say_production(conn, err, dry_run=args.dry_run)
    permissions = () if args.dry_run else RUN_PERMISSIONS
    with Journal() as journal, connecting(conn, permissions) as pending:
        workflow = open_workflow(args.workbook, args.sheet, journal, columns=args.columns, err=err)
        if report is not None:
            report.workbook(workflow.doc.path, workflow.table.sheet)
        if not args.dry_run:
            check_output(workflow, args.output)
            refuse_if_another_run(workflow)
        restored = workflow.restore()
        if restored:
            print(
                f"Put {plural(len(restored), 'result')} from an earlier run into the workbook "
                "(nothing sent again).",
                file=err,
            )
        try:
            connected = pending.result()
        except CanvasError as exc:
            log.warning("run stopped before sending: %s", exc.message)
            return not_connected(exc, err, report)
        findings = workflow.check(
            min_password_length=conn.min_password_length,
            provider_types=connected.provider_types,
        )
        plan = workflow.plan(findings)
        options = RunOptions(
            account_id=connected.account_id,
            dry_run=args.dry_run,
            concurrency=conn.concurrency,
            known_permissions=connected.permissions,
        )
        log.info(
            "run%s: %d row(s) to send, %d invalid, %d already done (account %s)",
            " (dry run)" if args.dry_run else "",
            len(plan.operations),
            len(plan.invalid),
            plan.skipped_done,
            connected.account_id,
        )
        cancel = CancelToken()
        progress = ProgressLine(err)
        with connected.client, ctrl_c_cancels(cancel):
            try:
                outcome = workflow.run(
                    plan, connected.client, options, request, progress=progress, cancel=cancel
                )
            except RunRefused as exc:
                raise refused(exc) from None
            finally:
                progress.close()
        summary = outcome.summary
        problems = (Status.WOULD_FAIL if args.dry_run else Status.FAILED, Status.INVALID)
        print_problem_rows(workflow.table, summary, out, *problems)
        changed = not args.dry_run and workflow.changes_workbook(outcome)
        if not args.dry_run:
            workflow.apply(summary.results)
        if report is not None:
            report.set(account=connected.account_id)
            report.results(workflow.table, summary)
        if (
            not args.dry_run
            and (changed or restored or args.output)
            and not save_results(workflow, args.output, err, report)
        ):
            print(summary.line(), file=out)
            return ExitStatus.NOT_SAVED
        report_stop(outcome, err, report)
        log.info("run finished: %s", summary.line())
        set_aside = set_aside_words(summary.left_out, summary.skipped_notes)
        if set_aside:
            print(capitalised("; ".join(set_aside)) + ".", file=out)
        print(dry_run_line(summary) if args.dry_run else summary.line(), file=out)
        return exit_status(outcome)


def not_connected(exc: CanvasError, err: TextIO, report: JsonReport | None) -> ExitStatus:
    """Canvas could not be reached or refused the token before anything was sent: exit 3."""
    message = f"{exc.message} Nothing was changed."
    print(message, file=err)
    if report is not None:
        report.fail(message)
    return ExitStatus.CANVAS


def report_stop(outcome: RunOutcome, err: TextIO, report: JsonReport | None = None) -> None:
    """Say why the run (or the undo) ended early, if it did."""
    if outcome.stopped is not None:
        message = stopped_message(outcome.stopped)
    elif outcome.summary.cancelled:
        message = "Stopped: rows not yet sent are unchanged; run again to finish."
    else:
        return
    print(message, file=err)
    if report is not None:
        report.fail(message)

"""``canvas-logins-cli undo WORKBOOK --url URL [--yes]``: remove the logins the last run made.

Which logins is the journal's answer (:mod:`core.undo.plan`); on a terminal it asks
before removing anything, and without one it needs ``--yes``. Afterwards it says how to
create the logins again (the undone rows are no longer done: a run creates them again).
Like ``run``, it is refused with exit 2 while another run of the workbook holds it
(:mod:`core.run_lock`), says so on stderr before connecting to a production Canvas, and
with ``--json`` prints one JSON document instead of its lines (:mod:`core.cli.json_output`).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from core.canvas.errors import CanvasError
from core.cli.common import (
    add_workbook_options,
    ctrl_c_cancels,
    exit_status,
    open_workflow,
    positive,
    print_problem_rows,
    save_results,
)
from core.cli.connection import (
    add_connection_arguments,
    connect,
    connection_from,
    say_production,
)
from core.cli.json_output import JsonReport, add_json_option, report_of
from core.cli.run import not_connected, refuse_if_another_run, refused, report_stop
from core.cli.status import ExitStatus, UsageProblem
from core.journal import Journal
from core.model import CancelToken, Status, Table
from core.run.engine import RunOptions, RunSummary
from core.run_lock import RunRefused
from core.words import undo_sentence


def add_parser(commands: argparse._SubParsersAction) -> None:
    undo = commands.add_parser("undo", help="remove the logins the last run created")
    undo.add_argument("workbook", metavar="WORKBOOK")
    add_connection_arguments(undo)
    add_workbook_options(undo)
    undo.add_argument("--yes", action="store_true", help="do not ask (needed without a terminal)")
    undo.add_argument(
        "--per-login", action="store_true", help="never use Canvas's restore of a SIS import"
    )
    undo.add_argument("--concurrency", type=positive, default=None, metavar="N")
    undo.add_argument("--output", metavar="PATH", help="save to this file instead")
    undo.add_argument("--min-password-length", type=positive, default=None, help=argparse.SUPPRESS)
    add_json_option(undo)


def _ask(question: str, err: TextIO) -> bool:
    err.write(question + " Type yes to go ahead: ")
    err.flush()
    answer = sys.stdin.readline()
    return answer.strip().casefold() in ("y", "yes")


def _nothing_undone(report: JsonReport | None, table: Table, words: str) -> ExitStatus:
    if report is not None:
        report.set(message=words)
        report.results(table, RunSummary())
    return ExitStatus.OK


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    report = report_of(args)
    conn = connection_from(args)
    if report is not None:
        report.set(canvas=conn.host)
    with Journal() as journal:
        workflow = open_workflow(args.workbook, args.sheet, journal, columns=args.columns, err=err)
        if report is not None:
            report.workbook(workflow.doc.path, workflow.table.sheet)
        restored = workflow.restore()
        plan = workflow.plan_undo()
        if not plan.targets:
            print(plan.reason, file=err)
            print(RunSummary().line(), file=out)
            return _nothing_undone(report, workflow.table, plan.reason)
        refuse_if_another_run(workflow)
        question = f"{plan.words()}, in {conn.host}?"
        if report is not None:
            report.set(plan=plan.words())
        say_production(conn, err)
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageProblem(
                    f"{question} Undo changes logins in Canvas: add --yes to go ahead "
                    "without a question."
                )
            if not _ask(question, err):
                print("Nothing was changed.", file=err)
                return _nothing_undone(report, workflow.table, "Nothing was changed.")
        try:
            connected = connect(conn)
        except CanvasError as exc:
            return not_connected(exc, err, report)
        options = RunOptions(account_id=connected.account_id, concurrency=conn.concurrency)
        cancel = CancelToken()
        with connected.client, ctrl_c_cancels(cancel):
            try:
                outcome = workflow.undo(
                    plan,
                    connected.client,
                    options,
                    use_restore=False if args.per_login else None,
                    cancel=cancel,
                )
            except RunRefused as exc:
                raise refused(exc) from None
        summary = outcome.summary
        print_problem_rows(workflow.table, summary, out, Status.FAILED)
        to_save = bool(summary.results or restored or args.output)
        if to_save:
            workflow.apply(summary.results)
        if report is not None:
            report.set(account=connected.account_id)
            report.results(workflow.table, summary)
        if to_save and not save_results(workflow, args.output, err, report):
            print(summary.line(), file=out)
            return ExitStatus.NOT_SAVED
        report_stop(outcome, err, report)
        if outcome.stopped is None and summary.results:
            print(undo_sentence(summary), file=out)
            if report is not None:
                report.set(message=undo_sentence(summary))
        print(summary.line(), file=out)
        return exit_status(outcome)

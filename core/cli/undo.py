"""``canvas-logins-cli undo WORKBOOK --url URL [--yes]``: remove the logins the last run made.

Which logins is the journal's answer (:mod:`core.undo.plan`); on a terminal it asks
before removing anything, and without one it needs ``--yes``. Afterwards it says how to
create the logins again (the undone rows are no longer done: a run creates them again).
Like ``run``, it is refused with exit 2 while another run of the workbook holds it
(:mod:`core.run_lock`).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from core.canvas.errors import CanvasError
from core.cli.common import (
    add_connection_arguments,
    add_workbook_options,
    connect,
    connection_from,
    ctrl_c_cancels,
    exit_status,
    open_workflow,
    positive,
    print_problem_rows,
    save_results,
    stopped_message,
)
from core.cli.run import refuse_if_another_run, refused
from core.cli.status import PROG, ExitStatus
from core.journal import Journal
from core.model import CancelToken, Status
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


def _ask(question: str, err: TextIO) -> bool:
    err.write(question + " Type yes to go ahead: ")
    err.flush()
    answer = sys.stdin.readline()
    return answer.strip().casefold() in ("y", "yes")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    conn = connection_from(args)
    with Journal() as journal:
        workflow = open_workflow(args.workbook, args.sheet, journal, columns=args.columns, err=err)
        restored = workflow.restore()
        plan = workflow.plan_undo()
        if not plan.targets:
            print(plan.reason, file=err)
            print(RunSummary().line(), file=out)
            return ExitStatus.OK
        refuse_if_another_run(workflow)
        host = conn.url.split("//", 1)[-1].split("/", 1)[0]
        question = f"{plan.words()}, in {host}?"
        if not args.yes:
            if not sys.stdin.isatty():
                print(
                    f"{PROG}: {question} Undo removes logins: add --yes to go ahead "
                    "without a question.",
                    file=err,
                )
                return ExitStatus.USAGE
            if not _ask(question, err):
                print("Nothing was changed.", file=err)
                return ExitStatus.OK
        try:
            connected = connect(conn)
        except CanvasError as exc:
            print(f"{exc.message} Nothing was changed.", file=err)
            return ExitStatus.CANVAS
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
        if summary.results or restored or args.output:
            workflow.apply(summary.results)
            if not save_results(workflow, args.output, err):
                print(summary.line(), file=out)
                return ExitStatus.NOT_SAVED
        if outcome.stopped is not None:
            print(stopped_message(outcome.stopped), file=err)
        elif summary.results:
            print(undo_sentence(summary), file=out)
        print(summary.line(), file=out)
        return exit_status(outcome)

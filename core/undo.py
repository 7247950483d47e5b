"""Undo a run: remove exactly the logins the workbook's last run created.

Choosing the logins lives in :mod:`core.undo_plan`, removing them in
:mod:`core.undo_run`; their names are imported from here. This module holds the
command line's ``undo`` command (:func:`cmd_undo`).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from core.canvas_errors import CanvasError
from core.model import CancelToken, Status
from core.runner import CanvasUnavailable, RunOptions, RunSummary
from core.undo_plan import RUN_GAP, UndoPlan, UndoTarget, plan_undo
from core.undo_run import UNDO_METHOD, restore_permitted, undo_last_run

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

"""``canvas-logins-cli match WORKBOOK --url URL [--course ID ...] [--output PATH]``.

Fills Canvas User ID in the rows of a names-only class list whose student Canvas finds
clearly (:mod:`core.roster.match`); rows with no match or several become Invalid with
the candidates named in Message. Reads only from Canvas, then saves the workbook (in
place, or to ``--output``). Exit 1 when some row stays unmatched.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from core.canvas.errors import CanvasError
from core.cli.common import (
    add_workbook_options,
    check_output,
    ctrl_c_cancels,
    open_workflow,
    save_results,
)
from core.cli.connection import (
    connect,
    connection_from,
)
from core.cli.roster import StopCommand, add_course_arguments, canvas_reads, progress_printer
from core.cli.status import ExitStatus, UsageProblem
from core.model import NAME_ROLES, CancelToken, Role
from core.roster.match import match_edits, match_students
from core.workflow import Workflow


def add_parser(commands: argparse._SubParsersAction) -> None:
    match = commands.add_parser(
        "match", help="fill Canvas User ID from the students' names and classes"
    )
    match.add_argument("workbook", metavar="WORKBOOK")
    add_course_arguments(match)
    add_workbook_options(match)
    match.add_argument("--output", metavar="PATH", help="save to this file instead")


def _check_workbook(workflow: Workflow, args: argparse.Namespace) -> None:
    table = workflow.table
    if not any(role in table.columns for role in NAME_ROLES):
        raise UsageProblem(
            "The workbook has no name columns (First Name and Last Name, or Name) to find "
            "the students by."
        )
    if Role.CLASS not in table.columns and not args.course:
        raise UsageProblem(
            "The workbook has no Class column: name the Canvas classes to look in with --course ID."
        )
    check_output(workflow, args.output)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    conn = connection_from(args)
    workflow = open_workflow(args.workbook, args.sheet, None, columns=args.columns, err=err)
    _check_workbook(workflow, args)
    try:
        connected = connect(conn)
    except CanvasError as exc:
        print(f"{exc.message} The workbook was not changed.", file=err)
        return ExitStatus.CANVAS
    table = workflow.table
    cancel = CancelToken()
    try:
        with (
            connected.client as client,
            ctrl_c_cancels(cancel),
            canvas_reads(err, "The workbook was not changed."),
        ):
            matches = match_students(
                table,
                client,
                course_ids=list(dict.fromkeys(args.course)),
                account_id=connected.account_id,
                progress=progress_printer(err),
                cancel=cancel,
            )
    except StopCommand as stop:
        return stop.status
    if not matches:
        print("No row to look up: every row with a name already names its student.", file=out)
        return ExitStatus.OK
    for row, column, value in match_edits(table, matches):
        table.set_cell(row, column, value)
    for match in matches:
        print(f"row {table.rows[match.row].sheet_row}: {match.message}", file=out)
    if not save_results(workflow, args.output, err):
        return ExitStatus.NOT_SAVED
    found = sum(1 for m in matches if m.canvas_user_id)
    several = sum(1 for m in matches if not m.canvas_user_id and len(m.candidates) > 1)
    missing = len(matches) - found - several
    print(f"found {found}, several possible {several}, not found {missing}", file=out)
    return ExitStatus.OK if found == len(matches) else ExitStatus.ROWS_FAILED

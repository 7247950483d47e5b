"""``canvas-logins-cli check WORKBOOK``: the offline rules, one line per finding; writes nothing."""

from __future__ import annotations

import argparse
from typing import TextIO

from core.cli.common import add_workbook_options, finding_line, open_workflow, positive
from core.cli.status import ExitStatus
from core.model import MIN_PASSWORD_LENGTH, Severity
from core.words import plural


def add_parser(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="check a workbook offline; writes nothing")
    check.add_argument("workbook", metavar="WORKBOOK")
    add_workbook_options(check)
    check.add_argument(
        "--min-password-length",
        type=positive,
        default=None,
        metavar="N",
        help=f"default {MIN_PASSWORD_LENGTH}",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    workflow = open_workflow(args.workbook, args.sheet, None, columns=args.columns, err=err)
    table = workflow.table
    findings = workflow.check(min_password_length=args.min_password_length or MIN_PASSWORD_LENGTH)
    for finding in findings:
        print(finding_line(table, finding), file=out)
    errors = {f.row for f in findings if f.severity is Severity.ERROR}
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    if errors:
        have = "has a problem" if len(errors) == 1 else "have problems"
        print(
            f"{plural(len(errors), 'row')} {have} to fix; {plural(warnings, 'warning')}.",
            file=err,
        )
        return ExitStatus.ROWS_FAILED
    print(f"No problems found; {plural(warnings, 'warning')}.", file=err)
    return ExitStatus.OK

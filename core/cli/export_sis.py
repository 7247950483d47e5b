"""``canvas-logins-cli export-sis WORKBOOK --output logins.csv``: a SIS import file by hand.

Writes logins.csv of the Create rows that are not done and broke no rule, for staff who
upload it in Canvas themselves; the workbook is not changed.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from core.cli.common import add_workbook_options, open_workflow, positive
from core.cli.status import ExitStatus, UsageProblem
from core.model import MIN_PASSWORD_LENGTH
from core.sis.export import (
    DEFAULT_LOGIN_SIS_PATTERN,
    PatternError,
    check_pattern,
    export_logins_csv,
)
from core.words import plural


def add_parser(commands: argparse._SubParsersAction) -> None:
    export_sis = commands.add_parser(
        "export-sis", help="write logins.csv of the Create rows for a SIS import by hand"
    )
    export_sis.add_argument("workbook", metavar="WORKBOOK")
    export_sis.add_argument("--output", required=True, metavar="PATH", help="e.g. logins.csv")
    add_workbook_options(export_sis)
    export_sis.add_argument("--login-sis-pattern", metavar="PATTERN")
    export_sis.add_argument("--min-password-length", type=positive, default=None, metavar="N")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    try:
        pattern = check_pattern(args.login_sis_pattern or DEFAULT_LOGIN_SIS_PATTERN)
    except PatternError as exc:
        raise UsageProblem(str(exc)) from None
    table = open_workflow(args.workbook, args.sheet, None, columns=args.columns, err=err).table
    try:
        result = export_logins_csv(
            table,
            args.output,
            pattern=pattern,
            min_password_length=args.min_password_length or MIN_PASSWORD_LENGTH,
        )
    except OSError as exc:
        raise UsageProblem(f"Could not write '{args.output}': {exc.strerror or exc}") from None
    for left in result.left_out:
        print(f"row {table.rows[left.row].sheet_row}: left out: {left.message}", file=out)
    for row, column in result.protected:
        print(
            f"row {table.rows[row].sheet_row}, {column}: starts like a spreadsheet formula, "
            "so it has a ' in front in the file (Canvas will get the ' too; check it)",
            file=err,
        )
    extra = []
    if result.not_create:
        are = "is" if result.not_create == 1 else "are"
        extra.append(
            f"{plural(result.not_create, 'update or removal row')} {are} not part of an import"
        )
    if result.already_done:
        extra.append(f"{plural(result.already_done, 'row')} already done")
    print(
        f"Wrote {plural(result.written, 'login')} to {result.path}; "
        f"{plural(len(result.left_out), 'row')} left out"
        + (f"; {'; '.join(extra)}" if extra else "")
        + ".",
        file=out,
    )
    return ExitStatus.ROWS_FAILED if result.left_out else ExitStatus.OK

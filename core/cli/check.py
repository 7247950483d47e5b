"""``canvas-logins-cli check WORKBOOK``: the offline rules, one line per finding; writes nothing.

Nothing goes into the workbook, but the check is kept in the run history
(:mod:`core.history`: when, who, which workbook, each row with a finding), so an audit
sees it beside the runs. A journal that cannot be written never stops the check.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
from typing import TextIO

from core.cli.common import add_workbook_options, finding_line, open_workflow, positive
from core.cli.json_output import add_json_option, report_of
from core.cli.status import ExitStatus
from core.history import RunHistory
from core.journal import Journal
from core.model import MIN_PASSWORD_LENGTH, Finding, Severity
from core.words import plural
from core.workflow import Workflow

log = logging.getLogger("core.cli")


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
    add_json_option(check)


def record_check(workflow: Workflow, findings: list[Finding]) -> None:
    """The check into the run history; a journal that cannot be written is only logged."""
    try:
        with Journal() as journal:
            RunHistory(journal).record_offline_check(workflow.key, workflow.table, findings)
    except (sqlite3.Error, OSError) as exc:
        log.warning("the check was not kept in the run history: %s", exc)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    report = report_of(args)
    workflow = open_workflow(args.workbook, args.sheet, None, columns=args.columns, err=err)
    table = workflow.table
    if report is not None:
        report.workbook(workflow.doc.path, table.sheet)
    findings = workflow.check(min_password_length=args.min_password_length or MIN_PASSWORD_LENGTH)
    record_check(workflow, findings)
    for finding in findings:
        print(finding_line(table, finding), file=out)
    if report is not None:
        report.findings(table, findings)
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

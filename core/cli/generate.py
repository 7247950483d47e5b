"""``canvas-logins-cli generate WORKBOOK``: fill the empty New Login and Password cells.

Login names come from the name columns by a pattern, passwords from the children's word
list (:mod:`core.kit`); the columns are added when missing, and nothing else in the
workbook changes. With ``--url`` the names are also checked against that Canvas.

It prints one line per filled row with the login name and "password set", never the
password: terminal output ends up in scroll-back, logs and CI records, while the
workbook (and the login cards made from it) is where passwords belong.
"""

from __future__ import annotations

import argparse
import logging
from typing import TextIO

from core.canvas.errors import CanvasError
from core.cli.common import (
    add_workbook_options,
    check_output,
    ctrl_c_cancels,
    open_workflow,
    positive,
    save_results,
)
from core.cli.connection import (
    add_connection_arguments,
    connect,
    connection_from,
)
from core.cli.status import ExitStatus, UsageProblem
from core.kit.fill import FillOptions, FillPlan, TakenCheck, canvas_taken
from core.kit.logins import DEFAULT_LOGIN_PATTERN, LOGIN_PATTERNS, LoginStyle, pattern_problem
from core.kit.passwords import MAX_DIGITS, MAX_WORDS, PasswordStyle, password_style_problem
from core.model import MIN_PASSWORD_LENGTH, CancelToken, Progress, Role, Table
from core.workflow import Workflow

log = logging.getLogger("core.cli")


def add_parser(commands: argparse._SubParsersAction) -> None:
    generate = commands.add_parser(
        "generate", help="fill empty New Login and Password cells for young children"
    )
    generate.add_argument("workbook", metavar="WORKBOOK")
    add_workbook_options(generate)
    generate.add_argument(
        "--logins",
        metavar="PATTERN",
        default=DEFAULT_LOGIN_PATTERN,
        help=f"login name pattern (default {DEFAULT_LOGIN_PATTERN}; also "
        f"{', '.join(LOGIN_PATTERNS[1:])}, or your own from {{first}}, {{last}}, "
        "{first_initial}, {last_initial}, {sis_user_id}, {canvas_user_id}, {class})",
    )
    generate.add_argument("--prefix", default="", metavar="TEXT", help="put before every login")
    generate.add_argument("--suffix", default="", metavar="TEXT", help="put after every login")
    generate.add_argument("--no-logins", action="store_true", help="fill passwords only")
    generate.add_argument("--no-passwords", action="store_true", help="fill login names only")
    generate.add_argument(
        "--replace", action="store_true", help="replace filled cells too (not only empty ones)"
    )
    generate.add_argument(
        "--password-words", type=positive, default=2, metavar="N", help=f"1 to {MAX_WORDS}"
    )
    generate.add_argument("--password-separator", default="-", metavar="TEXT")
    generate.add_argument(
        "--password-digits", type=int, default=1, metavar="N", help=f"0 to {MAX_DIGITS}"
    )
    generate.add_argument("--min-password-length", type=positive, default=None, metavar="N")
    add_connection_arguments(generate)
    generate.set_defaults(concurrency=None)
    generate.add_argument("--output", metavar="PATH", help="save to this file instead")


def fill_options(args: argparse.Namespace, min_password_length: int) -> FillOptions:
    """The choices on the command line; a bad one is bad usage (exit 2)."""
    if args.no_logins and args.no_passwords:
        raise UsageProblem("--no-logins and --no-passwords together leave nothing to fill.")
    login_style = LoginStyle(args.logins, args.prefix, args.suffix)
    password_style = PasswordStyle(
        args.password_words, args.password_separator, args.password_digits
    )
    problem = (None if args.no_logins else pattern_problem(login_style)) or (
        None if args.no_passwords else password_style_problem(password_style)
    )
    if problem:
        raise UsageProblem(problem)
    return FillOptions(
        logins=not args.no_logins,
        login_style=login_style,
        passwords=not args.no_passwords,
        password_style=password_style,
        replace=args.replace,
        min_password_length=min_password_length,
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    conn = connection_from(args) if args.url or args.profile else None
    min_length = conn.min_password_length if conn else args.min_password_length
    options = fill_options(args, min_length or MIN_PASSWORD_LENGTH)
    workflow = open_workflow(args.workbook, args.sheet, None, columns=args.columns, err=err)
    check_output(workflow, args.output)
    cancel = CancelToken()
    try:
        if conn is None:
            plan = workflow.fill(options, cancel=cancel)
        else:
            connected = connect(conn)
            with connected.client, ctrl_c_cancels(cancel):
                taken = canvas_taken(connected.client, cancel=cancel)
                plan = _fill_asking_canvas(workflow, options, taken, cancel, err)
    except CanvasError as exc:
        print(f"{exc.message} Nothing was changed.", file=err)
        log.warning("generate stopped: %s", exc.message)
        return ExitStatus.CANVAS
    if plan.cancelled:
        print("Stopped; nothing was changed.", file=err)
        return ExitStatus.INTERRUPTED
    print_plan(workflow.table, plan, out)
    if (plan.cells or args.output) and not save_results(workflow, args.output, err):
        print(plan.summary(), file=out)
        return ExitStatus.NOT_SAVED
    print(plan.summary(), file=out)
    log.info("generate: %s", plan.summary())
    return ExitStatus.ROWS_FAILED if plan.skipped else ExitStatus.OK


def _fill_asking_canvas(
    workflow: Workflow, options: FillOptions, taken: TakenCheck, cancel: CancelToken, err: TextIO
) -> FillPlan:
    """The fill with Canvas's answers, with a progress line when stderr is a terminal."""
    on_terminal = bool(getattr(err, "isatty", lambda: False)())

    def progress(report: Progress) -> None:
        if on_terminal:
            err.write(f"\rChecking login names with Canvas: {report.done}/{report.total}")
            err.flush()

    try:
        return workflow.fill(options, taken=taken, progress=progress, cancel=cancel)
    finally:
        if on_terminal:
            err.write("\n")


def print_plan(table: Table, plan: FillPlan, out: TextIO) -> None:
    """``row 5: ava.k, password set`` per filled row; the skipped rows and why."""
    by_row: dict[int, dict[Role, str]] = {}
    for cell in plan.cells:
        by_row.setdefault(cell.row, {})[cell.role] = cell.value
    for row in sorted(set(by_row) | set(plan.skipped)):
        where = f"row {table.rows[row].sheet_row}"
        if row not in by_row:
            print(f"{where}: skipped: {plan.skipped[row]}", file=out)
            continue
        filled = by_row[row]
        words = []
        if Role.NEW_LOGIN in filled:
            login = filled[Role.NEW_LOGIN]
            words.append(f"{login} ({plan.renamed[row]})" if row in plan.renamed else login)
        if Role.PASSWORD in filled:
            words.append("password set")
        if row in plan.skipped:
            words.append(f"no login: {plan.skipped[row]}")
        print(f"{where}: {', '.join(words)}", file=out)

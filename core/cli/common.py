"""What the commands share: opening the workbook, progress, Ctrl+C, how a command ended.

Every command that reads a workbook opens it with :func:`open_workflow` (the sheet, the
columns, ``--columns``: :mod:`core.cli.columns`); where Canvas is and connecting to it
are :mod:`core.cli.connection`'s.

It never asks a question and never prints a token or a password. Progress goes to
stderr as one updating line when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

from core import mappings
from core.canvas.errors import (
    CanvasConfigError,
    NotRootAccount,
    describe_error,
)
from core.cli.columns import (
    choose_columns_hint,
    columns_mapping,
    doc_unclear,
    parse_columns,
    unclear_columns_message,
)
from core.cli.json_output import JsonReport, column_name
from core.cli.status import ExitStatus, UsageProblem
from core.journal import Journal
from core.model import (
    CancelToken,
    Finding,
    Progress,
    Role,
    Severity,
    Status,
    Table,
)
from core.run.engine import SLOW_DOWN_NOTE, CanvasUnavailable, RunSummary
from core.words import plural
from core.workbook import (
    HeaderNotFoundError,
    SaveElsewhereError,
    WorkbookError,
    WorkbookLockedError,
    check_save_target,
    preview_rows,
    save_risks,
)
from core.workbook.sheet_choice import choose_student_sheet
from core.workbook.write import would_lose_message
from core.workflow import RunOutcome, Workflow

log = logging.getLogger("core.cli")


# --- argument types -----------------------------------------------------------------------


def _number(convert: type, low: float, high: float | None, what: str):
    """An argparse type: ``convert`` the text and keep it within ``low``..``high``."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None
        if value < low or (high is not None and value > high):
            limit = f"between {low} and {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"must be {limit}")
        return value

    return parse


positive = _number(int, 1, None, "a whole number")
port_number = _number(int, 0, 65535, "a port number")
share = _number(float, 0, 1, "a number")
seconds = _number(float, 0, None, "a number of seconds")
units = _number(float, 0, None, "a number")


# --- the workbook -------------------------------------------------------------------------


def add_workbook_options(parser: argparse.ArgumentParser) -> None:
    """``--sheet`` and ``--columns``, for every command that reads a workbook."""
    parser.add_argument(
        "--sheet",
        metavar="NAME",
        help="the sheet to read (default: the one that looks like a list of students)",
    )
    parser.add_argument(
        "--columns",
        metavar='"ROLE=Header,..."',
        help="which header holds a role when the headers do not say it plainly, e.g. "
        '"New Login=Username,Password=Pwd" (roles: ' + ", ".join(r.value for r in Role) + ")",
    )


def open_workflow(
    path_text: str,
    sheet: str | None,
    journal: Journal | None,
    *,
    columns: str | None = None,
    err: TextIO | None = None,
) -> Workflow:
    """The workbook named on the command line; UsageProblem (exit 2) when unreadable.

    Without ``sheet`` it reads the sheet that looks like a list of students and says on
    ``err`` which one when there are several. ``columns`` is ``--columns`` (see
    :mod:`core.cli.columns`); without it, headers that are not clear are settled by the
    choice the app remembered for the same headers, or the command stops with advice.
    """
    path = Path(path_text).expanduser()
    if not path.exists():
        raise UsageProblem(f"There is no file '{path_text}'.")
    chosen = parse_columns(columns) if columns else None
    try:
        if sheet is None:
            sheet = _proposed_sheet(path, err if err is not None else sys.stderr)
        if chosen is not None:
            header_row, mapping = columns_mapping(preview_rows(path, sheet), chosen, sheet or "")
            return Workflow.open(
                path, sheet, journal=journal, header_row=header_row, mapping=mapping
            )
        return _open_by_headers(path, sheet, journal)
    except WorkbookError as exc:
        raise UsageProblem(exc.message) from None
    except OSError as exc:
        raise UsageProblem(f"Could not read '{path.name}': {exc.strerror or exc}") from None


def _proposed_sheet(path: Path, err: TextIO) -> str | None:
    choice = choose_student_sheet(path)
    if len(choice.sheets) > 1:
        line = f"Using sheet '{choice.sheet}' (the workbook also has: {', '.join(choice.others)})."
        if choice.offer:
            line += " Give --sheet NAME to read another."
        print(line, file=err)
    return choice.sheet


def _open_by_headers(path: Path, sheet: str | None, journal: Journal | None) -> Workflow:
    """Columns by their headers; when unclear, as the app remembered them, else advice."""
    try:
        workflow = Workflow.open(path, sheet, journal=journal)
    except HeaderNotFoundError as exc:
        top = preview_rows(path, sheet) if exc.row else []
        headers = top[exc.row - 1] if 0 < exc.row <= len(top) else []
        remembered = mappings.recall(headers) if headers else None
        if remembered is None:
            raise UsageProblem(f"{exc.message} {choose_columns_hint(exc.row)}") from None
        return Workflow.open(path, sheet, journal=journal, header_row=exc.row, mapping=remembered)
    doc = workflow.doc
    unclear = doc_unclear(doc)
    if not unclear:
        return workflow
    remembered = mappings.recall(doc.table.headers[: doc.table.appended_from])
    if remembered is None:
        raise UsageProblem(
            unclear_columns_message(doc.sheet, doc.table.headers, unclear, doc.header_doubts)
        )
    return Workflow.open(
        path, sheet, journal=journal, header_row=doc.table.header_row, mapping=remembered
    )


def finding_line(table: Table, finding: Finding) -> str:
    """``row N, COLUMN: message`` with the sheet row and the column's header text."""
    where = f"row {table.rows[finding.row].sheet_row}"
    column = column_name(table, finding)
    if column:
        where += f", {column}"
    text = finding.message
    if finding.severity is Severity.WARNING:
        text += " (warning)"
    return f"{where}: {text}"


def print_problem_rows(table: Table, summary: RunSummary, out: TextIO, *statuses: Status) -> None:
    """``row N: Failed: message`` for each result with one of ``statuses``."""
    for result in summary.results:
        if result.status in statuses:
            sheet_row = table.rows[result.row].sheet_row
            print(f"row {sheet_row}: {result.status.value}: {result.message}", file=out)


# --- while it runs ------------------------------------------------------------------------


class ProgressLine:
    """One updating line on stderr, only when stderr is a terminal."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.enabled = bool(getattr(err, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        failed = progress.counts.get(Status.FAILED, 0)
        text = f"\r{progress.done}/{progress.total} rows sent, {failed} failed"
        if progress.slowed_down:
            text += f"; {SLOW_DOWN_NOTE}"
        self.err.write(text.ljust(100))
        self.err.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.err.write("\n")
            self.err.flush()
            self.shown = False


@contextlib.contextmanager
def ctrl_c_cancels(cancel: CancelToken) -> Iterator[None]:
    """The first Ctrl+C asks the run to stop (in-flight calls finish); a second one aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- how it ended -------------------------------------------------------------------------


def exit_status(outcome: RunOutcome) -> ExitStatus:
    stopped, summary = outcome.stopped, outcome.summary
    if stopped is not None:
        # A wrong --account is the caller's to fix (usage), not Canvas being unreachable.
        wrong_account = isinstance(stopped.error, NotRootAccount | CanvasConfigError)
        return ExitStatus.USAGE if wrong_account else ExitStatus.CANVAS
    if summary.cancelled:
        return ExitStatus.INTERRUPTED
    return ExitStatus.ROWS_FAILED if summary.has_problems else ExitStatus.OK


def stopped_message(stopped: CanvasUnavailable) -> str:
    done = sum(1 for r in stopped.summary.results if r.status is not Status.INVALID)
    if done:
        return (
            f"{stopped.message} The run stopped; {plural(done, 'row')} finished before "
            f"{'is' if done == 1 else 'are'} saved. Run again to finish the rest."
        )
    return f"{stopped.message} Nothing was changed."


def not_saved_message(reason: str, journal: Journal, *, locked: bool = True) -> str:
    what_next = (
        "When it is closed, run the same command again"
        if locked
        else "Run the command again with --output and a file name you can save to"
    )
    return (
        f"The results could not be saved into the workbook: {reason} They are kept in the "
        f"journal ({journal.path}). {what_next}: the results are put into the workbook "
        "without sending anything to Canvas again."
    )


def check_output(workflow: Workflow, output: str | None) -> None:
    """A bad ``--output`` is a usage problem, found before anything is read or sent; so is
    a workbook that saving into would lose parts of (:func:`save_risks`) without one."""
    if not output:
        losses = save_risks(workflow.doc)
        if losses:
            raise UsageProblem(
                would_lose_message(
                    workflow.doc.path,
                    losses,
                    "Nothing was changed: run again with --output and a new file name, and "
                    "the results go into that copy.",
                )
            )
        return
    try:
        check_save_target(workflow.doc, output)
    except WorkbookError as exc:
        raise UsageProblem(f"--output: {exc.message}") from None


def save_results(
    workflow: Workflow, output: str | None, err: TextIO, report: JsonReport | None = None
) -> bool:
    """Save the workbook; False (with the words that say what now) when it could not.

    With a journal the results wait there for the next run; a command that keeps none
    (it changed nothing in Canvas) is simply run again. ``report`` (``--json``) hears
    where it was saved, or why not."""
    try:
        saved = workflow.save(output)
    except (WorkbookError, OSError) as exc:
        reason = exc.message if isinstance(exc, WorkbookError) else describe_error(exc)
        log.warning("workbook not saved: %s", reason)
        # Read-only, an unwritable folder or parts that would be lost: waiting won't help.
        locked = isinstance(exc, WorkbookLockedError) and not isinstance(exc, SaveElsewhereError)
        if workflow.journal is None:
            again = "once the file can be saved" if locked else "with --output and a new file name"
            message = (
                f"The workbook could not be saved: {reason} Nothing was changed in Canvas; "
                f"run the same command again {again}."
            )
        else:
            message = not_saved_message(reason, workflow.journal, locked=locked)
        print(message, file=err)
        if report is not None:
            report.fail(message)
        return False
    print(f"Saved {saved}.", file=err)
    if report is not None:
        report.set(saved=str(saved))
    return True

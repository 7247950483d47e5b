"""What the commands share: opening the workbook, the connection, progress, Ctrl+C, words.

Every command that reads a workbook opens it with :func:`open_workflow` (the sheet, the
columns, ``--columns``: :mod:`core.cli.columns`).

It never asks a question and never prints a token or a password. Progress goes to
stderr as one updating line when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO, TypeVar

from core import mappings
from core.canvas.client import CanvasClient
from core.canvas.errors import (
    AccountChoiceNeeded,
    CanvasConfigError,
    CanvasError,
    NotRootAccount,
    describe_error,
)
from core.canvas.transport import normalise_base_url
from core.cli.columns import (
    choose_columns_hint,
    columns_mapping,
    doc_unclear,
    parse_columns,
    unclear_columns_message,
)
from core.cli.status import ExitStatus, UsageProblem
from core.credentials import get_token
from core.journal import Journal
from core.logs import TOKEN_ENV
from core.model import (
    DEFAULT_CONCURRENCY,
    MIN_PASSWORD_LENGTH,
    CancelToken,
    Finding,
    Progress,
    Role,
    Severity,
    Status,
    Table,
)
from core.profiles import Profile, ProfileStore
from core.run.engine import SLOW_DOWN_NOTE, CanvasUnavailable, RunSummary
from core.run.pacing import read_with_retries
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

T = TypeVar("T")
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


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--url``, ``--account``, ``--profile``: where the command talks to Canvas."""
    parser.add_argument("--url", metavar="URL", help="the Canvas address, https://...")
    parser.add_argument("--account", type=positive, metavar="ID", help="root account id")
    parser.add_argument("--profile", metavar="NAME", help="use a profile saved in the app")


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


def _column_name(table: Table, finding: Finding) -> str:
    if finding.column is not None and finding.column < len(table.headers):
        return str(table.headers[finding.column]).strip() or (
            finding.role.value if finding.role else f"column {finding.column + 1}"
        )
    return finding.role.value if finding.role else ""


def finding_line(table: Table, finding: Finding) -> str:
    """``row N, COLUMN: message`` with the sheet row and the column's header text."""
    where = f"row {table.rows[finding.row].sheet_row}"
    column = _column_name(table, finding)
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


# --- the connection -----------------------------------------------------------------------


@dataclass
class Connection:
    url: str
    token: str
    account_id: int | None
    concurrency: int
    min_password_length: int


def connection_from(args: argparse.Namespace) -> Connection:
    """URL, token and settings from the arguments, the environment or a saved profile."""
    url, token = args.url, os.environ.get(TOKEN_ENV, "").strip()
    account_id, concurrency, min_length = args.account, args.concurrency, args.min_password_length
    if args.profile:
        profile, profile_token = _profile(args.profile)
        url = url or profile.url
        token = token or profile_token
        account_id = account_id or profile.account_id
        concurrency = concurrency or profile.concurrency
        min_length = min_length or profile.min_password_length
    if not url:
        raise UsageProblem(
            "Give the Canvas address with --url (for example --url https://school.instructure.com)."
        )
    if not token:
        raise UsageProblem(
            f"No Canvas access token: set the {TOKEN_ENV} environment variable (or use "
            "--profile with a profile saved in the app)."
        )
    try:
        normalise_base_url(url)
    except CanvasConfigError as exc:
        raise UsageProblem(exc.message) from None
    return Connection(
        url,
        token,
        account_id,
        concurrency or DEFAULT_CONCURRENCY,
        min_length or MIN_PASSWORD_LENGTH,
    )


def _profile(name: str) -> tuple[Profile, str]:
    """A profile saved by the app (core.profiles) and its token (core.credentials)."""
    profile = ProfileStore().get(name)
    if profile is None:
        raise UsageProblem(f"There is no saved profile named '{name}'.")
    return profile, (get_token(name) or "").strip()


@dataclass
class Connected:
    client: CanvasClient
    account_id: int | None
    #: Authentication provider id -> type, or None when they could not be read.
    provider_types: dict[str, str] | None
    #: The rights asked for in :func:`connect`, or None when they could not be read (the
    #: run then asks itself, and says what went wrong).
    permissions: dict[str, bool] | None = None


def connect(conn: Connection, permissions: Iterable[str] = ()) -> Connected:
    """The client, the account, its sign-in methods and the ``permissions`` a run needs.

    The reads that do not depend on each other go out together: who the token belongs
    to with which account it administers, then the sign-in methods with the rights
    (all four at once when the account is given).
    Raises CanvasError (exit 3) when Canvas cannot be reached or refuses the token, and
    UsageProblem when the account must be named.
    """
    client = CanvasClient(conn.url, conn.token, pool_size=max(16, conn.concurrency + 2))
    names = list(permissions)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="canvas-connect") as reads:
        try:
            whoami = reads.submit(read_with_retries, client.whoami)
            account_id = conn.account_id
            if account_id is None:
                account_id = read_with_retries(client.default_root_account_id)
            account = account_id
            providers = reads.submit(read_with_retries, lambda: client.providers(account))
            rights = (
                reads.submit(read_with_retries, lambda: client.permissions(account, names))
                if names
                else None
            )
            whoami.result()
        except AccountChoiceNeeded as exc:
            client.close()
            raise UsageProblem(f"{exc.message} Give it with --account ID.") from None
        except CanvasConfigError as exc:
            client.close()
            raise UsageProblem(exc.message) from None
        except BaseException:
            client.close()
            raise
        found = _answer_or_none(providers, "sign-in methods not read")
        provider_types = (
            None
            if found is None
            else {str(p.get("id")): str(p.get("auth_type") or "") for p in found}
        )
        granted = _answer_or_none(rights, "rights not read") if rights is not None else None
    return Connected(client, account_id, provider_types, granted)


@contextlib.contextmanager
def connecting(conn: Connection, permissions: Iterable[str] = ()) -> Iterator[Future[Connected]]:
    """:func:`connect` started at once on a thread of its own, so Canvas's round trips
    overlap opening the workbook; take ``.result()`` where the connection is needed (it
    raises as :func:`connect` does). A client nobody took is closed on the way out."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="canvas-connect") as pool:
        pending = pool.submit(connect, conn, permissions)
        try:
            yield pending
        except BaseException:
            with contextlib.suppress(BaseException):
                pending.result().client.close()
            raise


def _answer_or_none(read: Future[T], what: str) -> T | None:
    """What a read answered, or None when Canvas did not answer it."""
    try:
        return read.result()
    except CanvasError as exc:
        log.info("%s: %s", what, exc.message)
        return None


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


def save_results(workflow: Workflow, output: str | None, err: TextIO) -> bool:
    """Save the workbook; False (with the words that say what now) when it could not.

    With a journal the results wait there for the next run; a command that keeps none
    (it changed nothing in Canvas) is simply run again."""
    try:
        saved = workflow.save(output)
    except (WorkbookError, OSError) as exc:
        reason = exc.message if isinstance(exc, WorkbookError) else describe_error(exc)
        log.warning("workbook not saved: %s", reason)
        # Read-only, an unwritable folder or parts that would be lost: waiting won't help.
        locked = isinstance(exc, WorkbookLockedError) and not isinstance(exc, SaveElsewhereError)
        if workflow.journal is None:
            again = "once the file can be saved" if locked else "with --output and a new file name"
            print(
                f"The workbook could not be saved: {reason} Nothing was changed in Canvas; "
                f"run the same command again {again}.",
                file=err,
            )
        else:
            print(not_saved_message(reason, workflow.journal, locked=locked), file=err)
        return False
    print(f"Saved {saved}.", file=err)
    return True

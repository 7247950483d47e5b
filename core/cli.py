"""``canvas-logins-cli``: check and run workbooks without the window, for scripts and IT.

Exit codes (design.md, "The command line"): 0 every processed row done (or Ready);
1 some row Failed or Invalid; 2 bad usage or an unreadable workbook; 3 Canvas
unreachable or the token refused (nothing changed); 4 the results could not be saved
into the workbook (they are in the journal; the next run puts them in without sending
anything again); 130 interrupted (in-flight calls finished, their results saved).

It never asks a question and never prints a token or a password. Progress goes to
stderr as one updating line when stderr is a terminal; otherwise only the final
lines are printed. The last line of ``run`` is the summary line.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import core
from core.canvas_errors import (
    AccountChoiceNeeded,
    CanvasConfigError,
    CanvasError,
    NotRootAccount,
    describe_error,
)
from core.journal import Journal, workbook_key_for
from core.logs import TOKEN_ENV, log_file_path, setup_logging
from core.model import Finding, Progress, Role, Severity, Status
from core.plan import apply_results, build_plan
from core.rules import check_table
from core.runner import CanvasUnavailable, RunOptions, execute

log = logging.getLogger("core.cli")

EXIT_OK = 0
EXIT_ROWS_FAILED = 1
EXIT_USAGE = 2
EXIT_CANVAS = 3
EXIT_NOT_SAVED = 4
EXIT_INTERRUPTED = 130

PROG = "canvas-logins-cli"


class UsageProblem(Exception):
    """Bad usage or an unreadable workbook: exit 2 with ``message``."""


# --- arguments ----------------------------------------------------------------------------


def _number(convert: type, low: float, high: float | None, what: str) -> Any:
    """An argparse type: ``convert`` the text and keep it within ``low``..``high``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None
        if value < low or (high is not None and value > high):
            limit = f"between {low} and {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"must be {limit}")
        return value

    return parse


_positive = _number(int, 1, None, "a whole number")
_port = _number(int, 0, 65535, "a port number")
_share = _number(float, 0, 1, "a number")
_seconds = _number(float, 0, None, "a number of seconds")


def diagnose_lines() -> list[str]:
    """What IT staff and the packaged build's smoke test need to know about this install."""
    from core import credentials, paths

    usable, backend = credentials.keychain_status()
    return [
        f"{PROG} {core.__version__} (Python {sys.version.split()[0]}, {sys.platform})",
        f"resources: {paths.resources_dir()}",
        f"data (journal): {paths.data_dir()}",
        f"config (profiles): {paths.config_dir()}",
        f"logs: {paths.log_dir()}",
        f"keyring backend: {backend} ({'usable' if usable else 'unusable'})",
    ]


class _DiagnoseAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        print("\n".join(diagnose_lines()))
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Give students second Canvas logins from a workbook, without the window.",
        epilog=f"The Canvas access token is read from the {TOKEN_ENV} environment variable "
        "(or from a saved profile with --profile).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {core.__version__}")
    parser.add_argument("--diagnose", action=_DiagnoseAction, nargs=0, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="check a workbook offline; writes nothing")
    check.add_argument("workbook", metavar="WORKBOOK")
    check.add_argument("--sheet", metavar="NAME")
    check.add_argument(
        "--min-password-length", type=_positive, default=None, metavar="N", help="default 8"
    )

    run = commands.add_parser("run", help="create, change or remove the logins in Canvas")
    run.add_argument("workbook", metavar="WORKBOOK")
    run.add_argument("--url", metavar="URL", help="the Canvas address, https://...")
    run.add_argument("--account", type=_positive, metavar="ID", help="root account id")
    run.add_argument("--sheet", metavar="NAME")
    run.add_argument("--dry-run", action="store_true", help="only read from Canvas")
    run.add_argument("--concurrency", type=_positive, default=None, metavar="N")
    run.add_argument("--output", metavar="PATH", help="save to this file instead")
    run.add_argument("--profile", metavar="NAME", help="use a profile saved in the app")
    run.add_argument("--min-password-length", type=_positive, default=None, metavar="N")
    run.add_argument(
        "--method",
        choices=("api", "sis-import"),
        default="api",
        help="api: one call per row (default, best for small batches); sis-import: the new "
        "logins as one Canvas SIS import (for large batches; sets passwords on new logins only)",
    )
    run.add_argument(
        "--login-sis-pattern",
        metavar="PATTERN",
        help="Login SIS ID for rows without one, sis-import only (default {sis_user_id}-L2)",
    )

    export_sis = commands.add_parser(
        "export-sis", help="write logins.csv of the Create rows for a SIS import by hand"
    )
    export_sis.add_argument("workbook", metavar="WORKBOOK")
    export_sis.add_argument("--output", required=True, metavar="PATH", help="e.g. logins.csv")
    export_sis.add_argument("--sheet", metavar="NAME")
    export_sis.add_argument("--login-sis-pattern", metavar="PATTERN")
    export_sis.add_argument("--min-password-length", type=_positive, default=None, metavar="N")

    undo = commands.add_parser("undo", help="remove the logins the last run created")
    undo.add_argument("workbook", metavar="WORKBOOK")
    undo.add_argument("--url", metavar="URL", help="the Canvas address, https://...")
    undo.add_argument("--account", type=_positive, metavar="ID", help="root account id")
    undo.add_argument("--sheet", metavar="NAME")
    undo.add_argument("--yes", action="store_true", help="do not ask (needed without a terminal)")
    undo.add_argument(
        "--per-login", action="store_true", help="never use Canvas's restore of a SIS import"
    )
    undo.add_argument("--concurrency", type=_positive, default=None, metavar="N")
    undo.add_argument("--output", metavar="PATH", help="save to this file instead")
    undo.add_argument("--profile", metavar="NAME", help="use a profile saved in the app")
    undo.add_argument("--min-password-length", type=_positive, default=None, help=argparse.SUPPRESS)

    sandbox = commands.add_parser("sandbox", help="run the built-in practice Canvas")
    sandbox.add_argument("--port", type=_port, default=8080, metavar="N", help="default 8080")
    sandbox.add_argument("--latency", type=_seconds, default=0.0, metavar="SECONDS")
    sandbox.add_argument("--fault-rate", type=_share, default=0.0, metavar="SHARE")
    sandbox.add_argument("--fault-seed", type=int, default=0, metavar="N")
    sandbox.add_argument("--extra-students", type=int, default=0, metavar="N")
    return parser


# --- shared pieces ------------------------------------------------------------------------


def _open(path_text: str, sheet: str | None) -> Any:
    from core.workbook import WorkbookError, open_workbook

    path = Path(path_text).expanduser()
    if not path.exists():
        raise UsageProblem(f"There is no file '{path_text}'.")
    try:
        return open_workbook(path, sheet)
    except WorkbookError as exc:
        raise UsageProblem(exc.message) from None
    except OSError as exc:
        raise UsageProblem(f"Could not read '{path.name}': {exc.strerror or exc}") from None


def _column_name(table: Any, finding: Finding) -> str:
    if finding.column is not None and finding.column < len(table.headers):
        return str(table.headers[finding.column]).strip() or (
            finding.role.value if finding.role else f"column {finding.column + 1}"
        )
    return finding.role.value if finding.role else ""


def finding_line(table: Any, finding: Finding) -> str:
    """``row N, COLUMN: message`` with the sheet row and the column's header text."""
    where = f"row {table.rows[finding.row].sheet_row}"
    column = _column_name(table, finding)
    if column:
        where += f", {column}"
    text = finding.message
    if finding.severity is Severity.WARNING:
        text += " (warning)"
    return f"{where}: {text}"


# --- check --------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    doc = _open(args.workbook, args.sheet)
    table = doc.table
    findings = check_table(table, min_password_length=args.min_password_length or 8)
    for finding in findings:
        print(finding_line(table, finding), file=out)
    errors = {f.row for f in findings if f.severity is Severity.ERROR}
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    if errors:
        print(f"{len(errors)} row(s) have problems to fix; {warnings} warning(s).", file=err)
        return EXIT_ROWS_FAILED
    print(f"No problems found; {warnings} warning(s).", file=err)
    return EXIT_OK


# --- run ----------------------------------------------------------------------------------


@dataclass
class Connection:
    url: str
    token: str
    account_id: int | None
    concurrency: int
    min_password_length: int


def _connection(args: argparse.Namespace) -> Connection:
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
    return Connection(url, token, account_id, concurrency or 10, min_length or 8)


def _profile(name: str) -> tuple[Any, str]:
    """A profile saved by the app (core.profiles) and its token (core.credentials)."""
    try:
        from core import credentials, profiles
    except ImportError:  # pragma: no cover - the app's profile modules are absent
        raise UsageProblem("Saved profiles are not available in this installation.") from None
    profile = profiles.ProfileStore().get(name)
    if profile is None:
        raise UsageProblem(f"There is no saved profile named '{name}'.")
    return profile, (credentials.get_token(name) or "").strip()


class _ProgressLine:
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
        self.err.write(text.ljust(60))
        self.err.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.err.write("\n")
            self.err.flush()
            self.shown = False


@contextlib.contextmanager
def _ctrl_c_cancels(cancel: Any) -> Iterator[None]:
    """The first Ctrl+C asks the run to stop (in-flight calls finish); a second one aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum: int, frame: Any) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _connect(conn: Connection, err: TextIO) -> tuple[Any, int | None, dict[str, str] | None]:
    """The client, the account and its sign-in methods; raises CanvasError to exit 3."""
    from core.canvas import CanvasClient
    from core.pacing import read_with_retries

    client = CanvasClient(conn.url, conn.token, pool_size=max(16, conn.concurrency + 2))
    read_with_retries(client.whoami)
    account_id = conn.account_id
    if account_id is None:
        try:
            account_id = read_with_retries(client.default_root_account_id)
        except AccountChoiceNeeded as exc:
            client.close()
            raise UsageProblem(f"{exc.message} Give it with --account ID.") from None
    provider_types: dict[str, str] | None = None
    try:
        provider_types = {
            str(p.get("id")): str(p.get("auth_type") or "")
            for p in read_with_retries(lambda: client.providers(account_id))
        }
    except CanvasError as exc:
        log.info("sign-in methods not read: %s", exc.message)
    return client, account_id, provider_types


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    conn = _connection(args)
    from core.canvas_transport import normalise_base_url
    from core.workbook import WorkbookError, WorkbookLockedError, check_save_target, save_workbook

    try:
        normalise_base_url(conn.url)
    except CanvasConfigError as exc:
        raise UsageProblem(exc.message) from None
    doc = _open(args.workbook, args.sheet)
    if args.output and not args.dry_run:
        try:
            check_save_target(doc, args.output)
        except WorkbookError as exc:
            raise UsageProblem(f"--output: {exc.message}") from None
    table = doc.table
    key = workbook_key_for(doc.path)
    journal = Journal()
    try:
        restored = journal.unsaved_results(key, table)
        apply_results(table, restored)
        if restored:
            print(
                f"Put {len(restored)} result(s) from an earlier run into the workbook "
                "(nothing sent again).",
                file=err,
            )
        try:
            client, account_id, provider_types = _connect(conn, err)
        except (CanvasError, CanvasConfigError) as exc:
            if isinstance(exc, CanvasConfigError):
                raise UsageProblem(exc.message) from None
            print(f"{exc.message} Nothing was changed.", file=err)
            log.warning("run stopped before sending: %s", exc.message)
            return EXIT_CANVAS
        findings = check_table(
            table, min_password_length=conn.min_password_length, provider_types=provider_types
        )
        plan = build_plan(table, findings)
        options = RunOptions(
            account_id=account_id, dry_run=args.dry_run, concurrency=conn.concurrency
        )
        cancel = _cancel_token()
        progress = _ProgressLine(err)
        stopped: CanvasUnavailable | None = None
        log.info(
            "run%s: %d row(s) to send, %d invalid, %d already done (account %s)",
            " (dry run)" if args.dry_run else "",
            len(plan.operations),
            len(plan.invalid),
            plan.skipped_done,
            account_id,
        )
        with client, _ctrl_c_cancels(cancel):
            try:
                summary = _runner_for(args)(
                    plan,
                    client,
                    options,
                    progress=progress,
                    cancel=cancel,
                    journal=journal,
                    workbook_key=key,
                )
            except CanvasUnavailable as exc:
                stopped, summary = exc, exc.summary
            finally:
                progress.close()
        for result in summary.results:
            if result.status in (Status.FAILED, Status.INVALID):
                sheet_row = table.rows[result.row].sheet_row
                print(f"row {sheet_row}: {result.status.value}: {result.message}", file=out)
        code = _exit_code(summary, stopped)
        if args.dry_run:
            ready = summary.count(Status.READY)
            print(f"Dry run: {ready} row(s) ready; nothing was changed.", file=out)
        else:
            changed = _changes_table(table, summary.results, stopped)
            apply_results(table, summary.results)
            if changed or restored or args.output:
                try:
                    saved = save_workbook(doc, args.output)
                except WorkbookError as exc:
                    locked = isinstance(exc, WorkbookLockedError)
                    print(_not_saved_message(exc.message, journal, locked=locked), file=err)
                    log.warning("results not saved: %s", exc.message)
                    print(summary.line(), file=out)
                    return EXIT_NOT_SAVED
                except OSError as exc:
                    print(_not_saved_message(describe_error(exc), journal), file=err)
                    print(summary.line(), file=out)
                    return EXIT_NOT_SAVED
                journal.mark_saved(key)
                print(f"Saved {saved}.", file=err)
        if stopped is not None:
            print(_stopped_message(stopped), file=err)
        elif summary.cancelled:
            print("Stopped: rows not yet sent are unchanged; run again to finish.", file=err)
        log.info("run finished: %s", summary.line())
        print(summary.line(), file=out)
        return code
    finally:
        journal.close()


def _changes_table(table: Any, results: list, stopped: CanvasUnavailable | None) -> bool:
    """Whether saving the results changes the workbook (a rerun with nothing new does not).

    When Canvas could not be reached, Invalid results alone are not worth a save.
    """
    for result in results:
        if result.status is not Status.INVALID:
            return True
        if stopped is None and (
            table.status(result.row) != result.status.value
            or table.value(result.row, Role.MESSAGE) != result.message
        ):
            return True
    return False


def _cancel_token() -> Any:
    from core.model import CancelToken

    return CancelToken()


def _exit_code(summary: Any, stopped: CanvasUnavailable | None) -> int:
    if stopped is not None:
        # A wrong --account is the caller's to fix (usage), not Canvas being unreachable.
        wrong_account = isinstance(stopped.error, NotRootAccount | CanvasConfigError)
        return EXIT_USAGE if wrong_account else EXIT_CANVAS
    if summary.cancelled:
        return EXIT_INTERRUPTED
    return EXIT_ROWS_FAILED if summary.has_problems else EXIT_OK


def _stopped_message(stopped: CanvasUnavailable) -> str:
    done = sum(1 for r in stopped.summary.results if r.status is not Status.INVALID)
    if done:
        return (
            f"{stopped.message} The run stopped; the {done} row(s) finished before are "
            "saved. Run again to finish the rest."
        )
    return f"{stopped.message} Nothing was changed."


def _not_saved_message(reason: str, journal: Journal, *, locked: bool = True) -> str:
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


# --- sandbox ------------------------------------------------------------------------------


def cmd_sandbox(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.sandbox import FaultConfig, serve_forever

    def ready(sandbox: Any) -> None:
        print(f"Built-in Canvas sandbox running at {sandbox.url}", file=out)
        print(f"Token (for practice only): {sandbox.token}", file=out)
        print("Press Ctrl+C to stop.", file=out)
        out.flush()

    faults = FaultConfig(rate=args.fault_rate, seed=args.fault_seed) if args.fault_rate else None
    try:
        serve_forever(
            args.port,
            latency=args.latency,
            faults=faults,
            extra_students=max(0, args.extra_students),
            on_ready=ready,
        )
    except OSError as exc:
        raise UsageProblem(
            f"Could not start the sandbox on port {args.port}: {exc.strerror or exc}"
        ) from None
    print("Sandbox stopped.", file=out)
    return EXIT_OK


# --- entry point --------------------------------------------------------------------------


def _runner_for(args: argparse.Namespace) -> Any:
    """``execute`` for the API method; the SIS import's runner for ``--method sis-import``."""
    if getattr(args, "method", "api") != "sis-import":
        return execute
    from core.sis_export import DEFAULT_LOGIN_SIS_PATTERN, PatternError, check_pattern
    from core.sis_run import ImportSettings, run_by_import

    try:
        pattern = check_pattern(args.login_sis_pattern or DEFAULT_LOGIN_SIS_PATTERN)
    except PatternError as exc:
        raise UsageProblem(str(exc)) from None
    settings = ImportSettings(login_sis_pattern=pattern)
    return lambda *a, **kw: run_by_import(*a, settings=settings, **kw)


def cmd_export_sis(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.sis_export import cmd_export_sis as export

    return export(args, out, err, cli=sys.modules[__name__])


def cmd_undo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.undo import cmd_undo as undo

    return undo(args, out, err, cli=sys.modules[__name__])


_COMMANDS = {
    "check": cmd_check,
    "run": cmd_run,
    "sandbox": cmd_sandbox,
    "export-sis": cmd_export_sis,
    "undo": cmd_undo,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version (0) or bad usage (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    out, err = sys.stdout, sys.stderr
    with contextlib.suppress(OSError):  # no log folder: run anyway
        setup_logging()
    try:
        return _COMMANDS[args.command](args, out, err)
    except UsageProblem as exc:
        print(f"{PROG}: {exc}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Interrupted.", file=err)
        return EXIT_INTERRUPTED
    except Exception as exc:  # never a stack trace for staff: the log has it
        log.exception("unexpected error")
        print(f"{PROG}: {describe_error(exc)} The details are in {log_file_path()}.", file=err)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

"""The entry point of ``canvas-logins-cli``: the parser and the dispatch to one command.

Exit codes are :class:`~core.cli.status.ExitStatus` (design.md, "The command line").
An unexpected error never shows a stack trace: one plain line, and the log has the rest.
Output piped into a reader that stops early (``| head``) ends quietly: the command goes on
to its end (a run still saves its results) and only the lines nobody reads are dropped.
With ``--json`` (:mod:`core.cli.json_output`) the lines meant for people are left out of
stdout and one JSON document takes their place, also when the command fails: bad usage
included, as long as ``--json`` was on the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO, cast

import core
from core.canvas.errors import describe_error
from core.cli import (
    cards,
    check,
    export_sis,
    generate,
    history,
    match,
    roster,
    run,
    sandbox,
    undo,
)
from core.cli.json_output import JsonReport, wants_json
from core.cli.status import PROG, ExitStatus, UsageProblem
from core.logs import TOKEN_ENV, log_file_path, setup_logging

log = logging.getLogger("core.cli")

Command = Callable[[argparse.Namespace, TextIO, TextIO], ExitStatus]
#: What a shell reports for a program that a broken pipe stopped (128 + SIGPIPE).
STOPPED_BY_BROKEN_PIPE = 141

#: Each command's module, in the order ``--help`` lists them.
_COMMANDS = {
    "check": check,
    "run": run,
    "export-sis": export_sis,
    "undo": undo,
    "history": history,
    "generate": generate,
    "cards": cards,
    "roster": roster,
    "match": match,
    "sandbox": sandbox,
}


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
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print("\n".join(diagnose_lines()))
        parser.exit(0)


class QuietWhenUnread:
    """A stream that stops writing, without a word, once its reader has gone.

    ``canvas-logins-cli check big.xlsx | head -1``: ``head`` exits after one line and
    the next write fails with BrokenPipeError. From then on the text goes nowhere (the
    stream's file is pointed at the null device, so Python's flush at exit is quiet too),
    and the command finishes its work and exits with its own status."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.unread = False

    def write(self, text: str) -> int:
        if not self.unread:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self.stop()
        return len(text)

    def flush(self) -> None:
        if not self.unread:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self.stop()

    def stop(self) -> None:
        """Nobody reads any more: send what is left (and Python's last flush) nowhere."""
        self.unread = True
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self._stream.fileno())
            finally:
                os.close(null)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class CommandLineNotUnderstood(Exception):
    """argparse's complaint (``canvas-logins-cli run: error: ...``), its usage line printed."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting on bad usage, so ``--json`` can answer."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise CommandLineNotUnderstood(f"{self.prog}: error: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Give students second Canvas logins from a workbook, without the window.",
        epilog=f"The Canvas access token is read from the {TOKEN_ENV} environment variable "
        "(or from a saved profile with --profile).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {core.__version__}")
    parser.add_argument("--diagnose", action=_DiagnoseAction, nargs=0, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMANDS.values():
        module.add_parser(commands)
    return parser


def _command_named(argv: Sequence[str]) -> str:
    return next((word for word in argv if word in _COMMANDS), "")


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    quiet_out, err = QuietWhenUnread(sys.stdout), sys.stderr
    out = cast(TextIO, quiet_out)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # argparse: --help / --version (0)
        return exc.code if isinstance(exc.code, int) else ExitStatus.USAGE
    except CommandLineNotUnderstood as exc:
        print(exc, file=err)
        if wants_json(words):
            complaint = JsonReport(_command_named(words))
            complaint.fail(str(exc))
            complaint.write(out, ExitStatus.USAGE)
            out.flush()
        return ExitStatus.USAGE
    with contextlib.suppress(OSError):  # no log folder: run anyway
        setup_logging()
    report = JsonReport(args.command) if getattr(args, "json", False) else None
    args.json_report = report
    status = _run_command(_COMMANDS[args.command].run, args, out, err, report)
    if status == STOPPED_BY_BROKEN_PIPE:
        quiet_out.stop()
        return status
    try:
        if report is not None:
            report.write(out, status)
        out.flush()
    except BrokenPipeError:
        quiet_out.stop()
        return STOPPED_BY_BROKEN_PIPE
    return status


def _run_command(
    command: Command, args: argparse.Namespace, out: TextIO, err: TextIO, report: JsonReport | None
) -> int:
    """The command's exit status; what stopped it said on ``err`` (and in ``report``)."""
    problem = ""
    try:
        return command(args, io.StringIO() if report is not None else out, err)
    except BrokenPipeError:  # written to the real stdout past the wrapper: stopped there
        return STOPPED_BY_BROKEN_PIPE
    except UsageProblem as exc:
        problem, status = str(exc), ExitStatus.USAGE
        print(f"{PROG}: {problem}", file=err)
    except KeyboardInterrupt:
        problem, status = "Interrupted.", ExitStatus.INTERRUPTED
        print(problem, file=err)
    except Exception as exc:  # never a stack trace for staff: the log has it
        log.exception("unexpected error")
        problem = f"{describe_error(exc)} The details are in {log_file_path()}."
        status = ExitStatus.USAGE
        print(f"{PROG}: {problem}", file=err)
    if report is not None:
        report.fail(problem)
    return status

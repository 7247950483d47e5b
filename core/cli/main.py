"""The entry point of ``canvas-logins-cli``: the parser and the dispatch to one command.

Exit codes are :class:`~core.cli.status.ExitStatus` (design.md, "The command line").
An unexpected error never shows a stack trace: one plain line, and the log has the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

import core
from core.canvas.errors import describe_error
from core.cli import cards, check, export_sis, generate, match, roster, run, sandbox, undo
from core.cli.status import PROG, ExitStatus, UsageProblem
from core.logs import TOKEN_ENV, log_file_path, setup_logging

log = logging.getLogger("core.cli")

Command = Callable[[argparse.Namespace, TextIO, TextIO], ExitStatus]

#: Each command's module, in the order ``--help`` lists them.
_COMMANDS = {
    "check": check,
    "run": run,
    "export-sis": export_sis,
    "undo": undo,
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
    for module in _COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version (0) or bad usage (2)
        return exc.code if isinstance(exc.code, int) else ExitStatus.USAGE
    out, err = sys.stdout, sys.stderr
    with contextlib.suppress(OSError):  # no log folder: run anyway
        setup_logging()
    command: Command = _COMMANDS[args.command].run
    try:
        return command(args, out, err)
    except UsageProblem as exc:
        print(f"{PROG}: {exc}", file=err)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        print("Interrupted.", file=err)
        return ExitStatus.INTERRUPTED
    except Exception as exc:  # never a stack trace for staff: the log has it
        log.exception("unexpected error")
        print(f"{PROG}: {describe_error(exc)} The details are in {log_file_path()}.", file=err)
        return ExitStatus.USAGE

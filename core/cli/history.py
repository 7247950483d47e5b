"""``canvas-logins-cli history [WORKBOOK]``: what was run, when, by whom, and how it ended.

The runs, checks and undos the run history kept (:mod:`core.history`), newest first: of
one workbook, or of every workbook run on this computer. ``--run ID`` shows one run's
rows. ``--output report.csv`` writes the list (or, with ``--run``, the run's rows) as a
CSV report that opens in Excel; ``--json`` prints ``{"runs": [...]}`` or
``{"run": {...}, "rows": [...]}`` for scripts. It reads the journal only: nothing is
sent to Canvas and no workbook is opened.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from core.cli.common import positive
from core.cli.json_output import JsonReport, add_json_option, report_of
from core.cli.status import PROG, ExitStatus, UsageProblem
from core.history import (
    HistoryRow,
    HistoryRun,
    RunHistory,
    row_as_dict,
    run_as_dict,
    write_rows_csv,
    write_runs_csv,
)
from core.journal import Journal, workbook_key_for
from core.plan import processed_at_text
from core.words import plural
from core.workbook import WorkbookError

#: The list of runs, as the command prints it.
RUN_HEADINGS = (
    "Run",
    "When",
    "What",
    "Who",
    "Canvas",
    "Account",
    "Workbook",
    "Sheet",
    "Rows",
    "Outcome",
)
#: One run's rows, as the command prints them (the message last: it is the longest).
ROW_HEADINGS = (
    "Row",
    "Student",
    "Name",
    "Login",
    "Action",
    "Status",
    "Canvas Login ID",
    "Processed At",
    "Message",
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    history = commands.add_parser(
        "history", help="list the runs, checks and undos kept on this computer"
    )
    history.add_argument(
        "workbook", nargs="?", metavar="WORKBOOK", help="only this workbook's runs"
    )
    history.add_argument("--run", type=positive, metavar="ID", help="show this run's rows")
    history.add_argument(
        "--limit", type=positive, metavar="N", help="only the newest N runs (default: all)"
    )
    history.add_argument(
        "--output", metavar="PATH", help="write the list (or the run's rows) as a CSV report"
    )
    add_json_option(history)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    report = report_of(args)
    with Journal() as journal:
        history = RunHistory(journal)
        if args.run is not None:
            return _one_run(history, args, out, err, report)
        return _runs(history, args, out, err, report)


def _runs(
    history: RunHistory,
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    report: JsonReport | None,
) -> ExitStatus:
    workbook = Path(args.workbook).expanduser() if args.workbook else None
    runs = history.runs(workbook, limit=args.limit)
    if report is not None:
        report.set(runs=[run_as_dict(run) for run in runs])
    if args.output:
        written = _write(lambda path: write_runs_csv(runs, path), args.output)
        _said(report, err, f"Wrote {plural(len(runs), 'run')} to {written}.", output=written)
    elif not runs:
        where = f" of '{workbook.name}'" if workbook is not None else ""
        print(f"No runs{where} in the history yet.", file=err)
    else:
        _print_table(RUN_HEADINGS, [_run_cells(run) for run in runs], out)
    return ExitStatus.OK


def _one_run(
    history: RunHistory,
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    report: JsonReport | None,
) -> ExitStatus:
    chosen = _the_run(history, args.run, args.workbook)
    rows = history.rows(chosen.id)
    if report is not None:
        report.set(run=run_as_dict(chosen), rows=[row_as_dict(row) for row in rows])
    if args.output:
        written = _write(lambda path: write_rows_csv(chosen, rows, path), args.output)
        words = f"Wrote {plural(len(rows), 'row')} of run {chosen.id} to {written}."
        _said(report, err, words, output=written)
        return ExitStatus.OK
    for line in _run_lines(chosen):
        print(line, file=out)
    if rows:
        print(file=out)
        _print_table(ROW_HEADINGS, [_row_cells(row) for row in rows], out)
    else:
        print("The run has no rows.", file=err)
    return ExitStatus.OK


def _the_run(history: RunHistory, run_id: int, workbook: str | None) -> HistoryRun:
    """The run asked for (and of ``workbook`` when one is named), else exit 2."""
    found = history.run(run_id)
    if found is not None and (
        not workbook or found.workbook == workbook_key_for(Path(workbook).expanduser())
    ):
        return found
    of = f" of '{Path(workbook).name}'" if workbook else ""
    raise UsageProblem(
        f"There is no run {run_id}{of} in the history. '{PROG} history' lists the runs and "
        "their numbers."
    )


def _write(write: Callable[[Path], Path], output: str) -> Path:
    """Write the CSV report; a place it cannot go is a usage problem (exit 2)."""
    try:
        return write(Path(output).expanduser())
    except WorkbookError as exc:
        raise UsageProblem(f"--output: {exc.message}") from None
    except OSError as exc:
        raise UsageProblem(f"--output: could not write '{output}': {exc.strerror or exc}") from None


def _said(report: JsonReport | None, err: TextIO, words: str, *, output: Path) -> None:
    print(words, file=err)
    if report is not None:
        report.set(output=str(output))


def _when(stamp: str) -> str:
    return processed_at_text(stamp) if stamp else ""


def _run_cells(run: HistoryRun) -> list[str]:
    return [
        str(run.id),
        _when(run.started),
        run.what,
        run.who,
        run.canvas or "-",
        run.account or "-",
        run.workbook_name,
        run.sheet,
        run.counts_words(),
        run.ended,
    ]


def _row_cells(row: HistoryRow) -> list[str]:
    return [
        str(row.sheet_row),
        row.student,
        row.name,
        row.login,
        row.action,
        row.status,
        row.login_id,
        _when(row.processed_at),
        row.message,
    ]


def _run_lines(run: HistoryRun) -> list[str]:
    """One run described for people, a line a fact."""
    canvas = run.canvas_words or "none (offline)"
    return [
        f"Run {run.id}: {run.what} ({run.method})",
        f"Started:  {_when(run.started)}",
        f"Finished: {_when(run.finished) or '-'}",
        f"Outcome:  {run.ended}",
        f"Who:      {run.who or '-'}",
        f"Canvas:   {canvas}",
        f"Workbook: {run.workbook}",
        f"Sheet:    {run.sheet or '-'}",
        f"Rows:     {run.counts_words()}",
    ]


def _print_table(headings: Sequence[str], lines: Sequence[Sequence[str]], out: TextIO) -> None:
    """Columns lined up under their headings (the last column is not padded)."""
    cells = [list(headings), *(list(line) for line in lines)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(headings))]
    for line in cells:
        padded = [text.ljust(width) for text, width in zip(line[:-1], widths, strict=False)]
        print("  ".join([*padded, line[-1]]).rstrip(), file=out)

"""``--json``: one JSON document on stdout for scripts, instead of the lines for people.

A command given ``--json`` fills a :class:`JsonReport` as it goes (the workbook, each
row's outcome, the summary, what went wrong) and :func:`core.cli.main.main` prints it as
the only text on stdout, however the command ended: bad usage, an unreadable workbook or
a Canvas that cannot be reached still give a document, with ``exit_status`` and
``error``. Notices and progress stay on stderr, as without ``--json``.

Rows are described by :func:`core.row_labels.row_label`, so a password or a token is
never in the document. It is written with ASCII escapes, so any console encoding (a
Windows pipe in cp1252) carries names like Zoë or 田中 unharmed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Iterable, Sequence
from typing import TextIO

from core.cli.status import ExitStatus
from core.history import WARNING_WORD, HistoryRow, offline_check_rows, row_as_dict
from core.model import Finding, RowLabel, RowResult, Status, Table
from core.row_labels import row_label
from core.run.engine import RunSummary

#: ``--json``'s help, the same for every command that takes it.
JSON_HELP = "print one JSON document on stdout, for scripts (notices stay on stderr)"


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=JSON_HELP)


def report_of(args: argparse.Namespace) -> JsonReport | None:
    """The report a ``--json`` command fills (``None`` without ``--json``)."""
    return getattr(args, "json_report", None)


def wants_json(argv: Sequence[str]) -> bool:
    """Whether a command line that could not be parsed asked for ``--json``."""
    return "--json" in argv


def status_key(status: Status | str) -> str:
    """``Already exists`` -> ``already_exists``: a summary key scripts can name."""
    return str(status).strip().lower().replace(" ", "_")


def column_name(table: Table, finding: Finding) -> str:
    """The header of the finding's column as the sheet shows it (or its role)."""
    if finding.column is not None and finding.column < len(table.headers):
        return str(table.headers[finding.column]).strip() or (
            finding.role.value if finding.role else f"column {finding.column + 1}"
        )
    return finding.role.value if finding.role else ""


def summary_dict(summary: RunSummary) -> dict[str, object]:
    """Every status's count (zeros too, so scripts find each key), rows set aside, seconds."""
    counts: dict[str, object] = {status_key(status): summary.count(status) for status in Status}
    counts["left_out"] = summary.left_out
    counts["skipped_notes"] = summary.skipped_notes
    counts["seconds"] = round(summary.seconds, 3)
    return counts


def _row_dict(
    label: RowLabel, status: str, message: str, login_id: str = "", processed_at: str = ""
) -> dict[str, object]:
    """A row with the keys the run history's JSON has (:func:`core.history.row_as_dict`)."""
    row = HistoryRow(
        run_id=0,
        sheet_row=label.sheet_row,
        student=label.student,
        name=label.name,
        login=label.login,
        action=label.action,
        status=status,
        message=message,
        login_id=login_id,
        processed_at=processed_at,
    )
    return row_as_dict(row)


def result_dict(table: Table, result: RowResult) -> dict[str, object]:
    """One row's outcome; a generated login renumbered by the check shows its new name."""
    label = row_label(table, result.row)
    if result.new_login:
        label = dataclasses.replace(label, login=result.new_login)
    return _row_dict(
        label, result.status.value, result.message, result.login_id, result.processed_at
    )


def findings_rows(table: Table, findings: Iterable[Finding]) -> list[dict[str, object]]:
    """The offline check's rows: Invalid (an error) or Warning (warnings only), by row,
    worded as the run history keeps them (:func:`core.history.offline_check_rows`)."""
    return [
        {
            **_row_dict(row_label(table, found.row), found.status, found.message),
            "findings": [
                {
                    "column": column_name(table, f),
                    "severity": f.severity.value,
                    "message": f.message,
                }
                for f in found.findings
            ],
        }
        for found in offline_check_rows(findings)
    ]


class JsonReport:
    """What one command's ``--json`` document says, filled in as the command goes."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.fields: dict[str, object] = {}
        #: Why the command ended early, in the words stderr had (the first reason wins).
        self.error = ""

    def set(self, **fields: object) -> None:
        self.fields.update(fields)

    def fail(self, message: str) -> None:
        if not self.error:
            self.error = message

    def workbook(self, path: object, sheet: str) -> None:
        self.set(workbook=str(path), sheet=sheet)

    def results(self, table: Table, summary: RunSummary) -> None:
        """A run's, dry run's or undo's summary and rows (call on the table's thread)."""
        self.set(
            summary=summary_dict(summary),
            rows=[result_dict(table, result) for result in summary.results],
        )

    def findings(self, table: Table, findings: Sequence[Finding]) -> None:
        """The offline check's rows and how many are Invalid or only have warnings."""
        rows = findings_rows(table, findings)
        invalid = sum(1 for row in rows if row["status"] == Status.INVALID.value)
        warning = len(rows) - invalid
        counts = {status_key(Status.INVALID): invalid, status_key(WARNING_WORD): warning}
        self.set(summary=counts, rows=rows)

    def document(self, exit_status: int) -> dict[str, object]:
        try:
            meaning = ExitStatus(exit_status).meaning
        except ValueError:
            meaning = ""
        head: dict[str, object] = {
            "command": self.command,
            "exit_status": int(exit_status),
            "exit_meaning": meaning,
        }
        if self.error:
            head["error"] = self.error
        return {**head, **self.fields}

    def write(self, out: TextIO, exit_status: int) -> None:
        out.write(json.dumps(self.document(exit_status), indent=2) + "\n")

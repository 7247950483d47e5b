"""The run history: every run, check and undo, kept in the journal for an audit months later.

"What did we change, when, and who ran it": each run (a run, Check with Canvas or
``run --dry-run``, an undo, the command line's offline ``check``) is one
:class:`HistoryRun` (when, the computer user and computer, which Canvas and account,
which workbook and sheet, the method, how it ended) with one :class:`HistoryRow` per row
it looked at (the row, the student, the login, the action, the outcome and its message).
A password or a token is never kept: rows are described by
:class:`~core.model.RowLabel`, and messages never hold one.

The history lives in the journal's database (:class:`~core.journal.Journal`), in tables
of its own: the journal's resume and undo entries are left exactly as they were. The run
engine records runs through :class:`core.history_recorder.HistoryRecorder`, batch by
batch on the run's thread, so a run that crashes still shows the rows it finished. The
history goes out as CSV reports that open in Excel, and as JSON for scripts.
"""

from __future__ import annotations

import csv
import enum
import getpass
import io
import logging
import os
import platform
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from core.journal import Journal, workbook_key_for
from core.model import Finding, RowLabel, RowResult, Status, Table
from core.plan import now_local, processed_at_text
from core.row_labels import row_labels
from core.rules import findings_by_row, findings_message, has_errors
from core.workbook.csv_io import formula_safe
from core.workbook.write import atomic_write

__all__ = [
    "CHANGED_STATUSES",
    "NEVER_FINISHED",
    "OFFLINE_METHOD",
    "ROW_COLUMNS",
    "RUN_COLUMNS",
    "WARNING_WORD",
    "CheckedRow",
    "HistoryKind",
    "HistoryRow",
    "HistoryRun",
    "RunHistory",
    "canvas_host",
    "computer_user",
    "offline_check_rows",
    "row_as_dict",
    "row_cells",
    "run_as_dict",
    "run_cells",
    "write_rows_csv",
    "write_runs_csv",
]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    user TEXT NOT NULL DEFAULT '',
    computer TEXT NOT NULL DEFAULT '',
    canvas TEXT NOT NULL DEFAULT '',
    account TEXT NOT NULL DEFAULT '',
    workbook TEXT NOT NULL,
    sheet TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS history_rows (
    run_id INTEGER NOT NULL REFERENCES history_runs(id),
    row_index INTEGER NOT NULL,
    sheet_row INTEGER NOT NULL,
    student TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    login TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    login_id TEXT NOT NULL DEFAULT '',
    processed_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, row_index)
);
CREATE INDEX IF NOT EXISTS history_runs_by_workbook ON history_runs (workbook);
"""

#: The method of the command line's offline ``check`` (Canvas is not asked).
OFFLINE_METHOD = "offline"
#: How a run that never finished (the program was closed or crashed) is said.
NEVER_FINISHED = "Did not finish"
#: An offline check's row that has warnings but no error.
WARNING_WORD = "Warning"
#: Outcomes that changed something in Canvas: the log gets one line for each.
CHANGED_STATUSES = frozenset(
    {Status.CREATED, Status.UPDATED, Status.DELETED, Status.SUSPENDED, Status.REACTIVATED}
)
#: The order counts are said in ("3 created, 1 failed"); other words follow.
_COUNT_ORDER = [
    *(status.value for status in Status if status not in (Status.FAILED, Status.INVALID)),
    Status.FAILED.value,
    Status.INVALID.value,
    WARNING_WORD,
]


@dataclass(frozen=True)
class CheckedRow:
    """A row the offline check found something in: Invalid (an error) or Warning."""

    row: int
    status: str
    message: str
    findings: list[Finding]


def offline_check_rows(findings: Iterable[Finding]) -> list[CheckedRow]:
    """The offline check's outcome by row, as the history and ``--json`` both say it."""
    return [
        CheckedRow(
            row,
            Status.INVALID.value if has_errors(found) else WARNING_WORD,
            findings_message(found),
            found,
        )
        for row, found in sorted(findings_by_row(findings).items())
        if row >= 0
    ]


class HistoryKind(enum.StrEnum):
    RUN = "run"
    CHECK = "check"
    UNDO = "undo"


_WHAT = {HistoryKind.RUN: "Run", HistoryKind.CHECK: "Check", HistoryKind.UNDO: "Undo"}


def computer_user() -> tuple[str, str]:
    """The signed-in computer user and the computer's name (never fails)."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in the environment (a service account)
        user = os.environ.get("USERNAME") or os.environ.get("USER") or ""
    return user, platform.node()


def canvas_host(url: str) -> str:
    """``school.instructure.com`` (with the port when one is given), never credentials."""
    return (urlsplit(url).netloc.rpartition("@")[2] or "") if url else ""


@dataclass(frozen=True)
class HistoryRun:
    """One run, check or undo, as the history keeps it."""

    id: int
    kind: str
    method: str
    started: str
    finished: str
    user: str
    computer: str
    canvas: str
    account: str
    workbook: str
    sheet: str
    #: How it ended, in plain words ("Finished", "Stopped: ...", "Cancelled"); empty
    #: when it never finished (the program was closed or crashed during it).
    outcome: str
    #: Status word -> rows, e.g. ``{"Created": 3, "Failed": 1}``.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def workbook_name(self) -> str:
        return Path(self.workbook).name

    @property
    def what(self) -> str:
        """``Run``, ``Check`` or ``Undo``, for people."""
        try:
            return _WHAT[HistoryKind(self.kind)]
        except ValueError:
            return self.kind.capitalize()

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def who(self) -> str:
        """``ava on OFFICE-PC``: the computer user and the computer, as far as known."""
        if self.user and self.computer:
            return f"{self.user} on {self.computer}"
        return self.user or self.computer

    @property
    def ended(self) -> str:
        """How it ended; a run with no outcome never finished (the program stopped)."""
        return self.outcome or NEVER_FINISHED

    @property
    def canvas_words(self) -> str:
        """``school.instructure.com, account 1`` (empty for a check that asked no Canvas)."""
        if self.canvas and self.account:
            return f"{self.canvas}, account {self.account}"
        return self.canvas

    def counts_words(self) -> str:
        """``3 created, 1 failed`` (``no rows`` when the run had none)."""
        order = {word: index for index, word in enumerate(_COUNT_ORDER)}
        ordered = sorted(self.counts.items(), key=lambda item: order.get(item[0], len(order)))
        words = [f"{count} {word.lower()}" for word, count in ordered if count]
        return ", ".join(words) or "no rows"


@dataclass(frozen=True)
class HistoryRow:
    """One row of a run: who, which login, what was asked, and how it ended."""

    run_id: int
    sheet_row: int
    student: str
    name: str
    login: str
    action: str
    status: str
    message: str
    login_id: str
    processed_at: str


class RunHistory:
    """Reading and writing the history in a journal (thread-safe, like the journal)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        with journal.transaction() as db:
            db.executescript(_SCHEMA)

    # --- writing ----------------------------------------------------------------------
    def start(
        self,
        kind: HistoryKind | str,
        method: str,
        *,
        workbook: str | Path,
        sheet: str = "",
        url: str = "",
        account: int | str | None = None,
    ) -> int:
        """A new run in the history; returns its id."""
        user, computer = computer_user()
        with self.journal.transaction() as db:
            cursor = db.execute(
                "INSERT INTO history_runs (kind, method, started, user, computer, canvas, "
                "account, workbook, sheet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(kind),
                    str(method),
                    now_local(),
                    user,
                    computer,
                    canvas_host(url),
                    "" if account is None else str(account),
                    workbook_key_for(workbook),
                    sheet,
                ),
            )
            return int(cursor.lastrowid or 0)

    def set_account(self, run_id: int, account: int | str | None) -> None:
        if account is None:
            return
        with self.journal.transaction() as db:
            db.execute("UPDATE history_runs SET account = ? WHERE id = ?", (str(account), run_id))

    def add_rows(
        self,
        run_id: int,
        results: Iterable[RowResult],
        labels: Mapping[int, RowLabel],
        *,
        status_words: Mapping[int, str] | None = None,
    ) -> None:
        """The rows' outcomes (a row given again replaces its earlier outcome)."""
        records = []
        for result in results:
            label = labels.get(result.row) or RowLabel(sheet_row=result.row + 1)
            status = (status_words or {}).get(result.row) or result.status.value
            records.append(
                (
                    run_id,
                    result.row,
                    label.sheet_row,
                    label.student,
                    label.name,
                    label.login,
                    label.action,
                    status,
                    result.message,
                    result.login_id,
                    result.processed_at,
                )
            )
        if not records:
            return
        with self.journal.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO history_rows (run_id, row_index, sheet_row, student, "
                "name, login, action, status, message, login_id, processed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                records,
            )

    def finish(self, run_id: int, outcome: str) -> None:
        with self.journal.transaction() as db:
            db.execute(
                "UPDATE history_runs SET finished = ?, outcome = ? WHERE id = ?",
                (now_local(), outcome, run_id),
            )

    def record_offline_check(self, workbook_key: str, table: Table, findings: list[Finding]) -> int:
        """The command line's offline ``check``: the rows with findings (Invalid when a
        finding is an error, else Warning) and their messages; returns the run's id."""
        run_id = self.start(
            HistoryKind.CHECK, OFFLINE_METHOD, workbook=workbook_key, sheet=table.sheet
        )
        checked = [found for found in offline_check_rows(findings) if found.row < len(table.rows)]
        self.add_rows(
            run_id,
            [RowResult(found.row, Status.INVALID, found.message) for found in checked],
            row_labels(table, [found.row for found in checked]),
            status_words={found.row: found.status for found in checked},
        )
        self.finish(run_id, "Finished")
        return run_id

    # --- reading ----------------------------------------------------------------------
    def runs(
        self, workbook: str | Path | None = None, *, limit: int | None = None
    ) -> list[HistoryRun]:
        """Runs newest first: of ``workbook``, or of every workbook on this computer."""
        sql = "SELECT * FROM history_runs"
        args: tuple = ()
        if workbook is not None:
            sql += " WHERE workbook = ?"
            args = (workbook_key_for(workbook),)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {max(0, int(limit))}"
        found = self.journal.query(sql, args)
        counts = self._counts([int(row["id"]) for row in found])
        return [_history_run(row, counts.get(int(row["id"]), {})) for row in found]

    def run(self, run_id: int) -> HistoryRun | None:
        found = self.journal.query("SELECT * FROM history_runs WHERE id = ?", (run_id,))
        if not found:
            return None
        return _history_run(found[0], self._counts([run_id]).get(run_id, {}))

    def rows(self, run_id: int) -> list[HistoryRow]:
        """The run's rows, by sheet row."""
        found = self.journal.query(
            "SELECT * FROM history_rows WHERE run_id = ? ORDER BY sheet_row, row_index", (run_id,)
        )
        return [
            HistoryRow(
                run_id=int(row["run_id"]),
                sheet_row=int(row["sheet_row"]),
                student=row["student"],
                name=row["name"],
                login=row["login"],
                action=row["action"],
                status=row["status"],
                message=row["message"],
                login_id=row["login_id"],
                processed_at=row["processed_at"],
            )
            for row in found
        ]

    def _counts(self, run_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        if not run_ids:
            return {}
        counts: dict[int, dict[str, int]] = {}
        # One query per thousand runs keeps under SQLite's limit of bound values.
        for start in range(0, len(run_ids), 1000):
            chunk = list(run_ids[start : start + 1000])
            marks = ", ".join("?" * len(chunk))
            for row in self.journal.query(
                "SELECT run_id, status, COUNT(*) FROM history_rows "
                f"WHERE run_id IN ({marks}) GROUP BY run_id, status",
                tuple(chunk),
            ):
                counts.setdefault(int(row[0]), {})[str(row[1])] = int(row[2])
        return counts


def _history_run(row: sqlite3.Row, counts: dict[str, int]) -> HistoryRun:
    return HistoryRun(
        id=int(row["id"]),
        kind=row["kind"],
        method=row["method"],
        started=row["started"],
        finished=row["finished"] or "",
        user=row["user"],
        computer=row["computer"],
        canvas=row["canvas"],
        account=row["account"],
        workbook=row["workbook"],
        sheet=row["sheet"],
        outcome=row["outcome"],
        counts=dict(counts),
    )


# --- reports ----------------------------------------------------------------------------

#: Columns of the list of runs, as the CSV report and the app show them.
RUN_COLUMNS = (
    "Run",
    "Started",
    "Finished",
    "What",
    "Method",
    "User",
    "Computer",
    "Canvas",
    "Account",
    "Workbook",
    "Sheet",
    "Rows",
    "Outcomes",
    "How it ended",
)
#: Columns of one run's rows.
ROW_COLUMNS = (
    "Run",
    "Row",
    "Student",
    "Name",
    "Login",
    "Action",
    "Status",
    "Message",
    "Canvas Login ID",
    "Processed At",
)


def run_cells(run: HistoryRun) -> list[str | int]:
    """A run as the CSV report's cells (times as Excel reads a date-time, in local time)."""
    return [
        run.id,
        processed_at_text(run.started),
        processed_at_text(run.finished),
        run.what,
        run.method,
        run.user,
        run.computer,
        run.canvas,
        run.account,
        run.workbook,
        run.sheet,
        run.rows,
        run.counts_words(),
        run.outcome,
    ]


def row_cells(row: HistoryRow) -> list[str | int]:
    return [
        row.run_id,
        row.sheet_row,
        row.student,
        row.name,
        row.login,
        row.action,
        row.status,
        row.message,
        row.login_id,
        processed_at_text(row.processed_at),
    ]


def _excel_text(value: str | int) -> str | int:
    """Text Excel would run as a formula (``=HYPERLINK(...)`` in a name) kept as text."""
    return formula_safe(value) if isinstance(value, str) else value


def _write_csv(path: str | Path, header: Sequence[str], lines: Iterable[list[str | int]]) -> Path:
    """A CSV file that Excel opens with its accents right (UTF-8 with a BOM), replaced
    whole or not at all (raises :class:`~core.workbook.WorkbookError` when it cannot)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_excel_text(value) for value in line] for line in lines)
    target = Path(path).expanduser()
    atomic_write(target, buffer.getvalue().encode("utf-8-sig"))
    return target


def write_runs_csv(runs: Sequence[HistoryRun], path: str | Path) -> Path:
    """The list of runs as a CSV report (one line per run)."""
    return _write_csv(path, RUN_COLUMNS, (run_cells(run) for run in runs))


def write_rows_csv(run: HistoryRun, rows: Sequence[HistoryRow], path: str | Path) -> Path:
    """One run's rows as a CSV report (one line per row, the run's number on each)."""
    return _write_csv(path, ROW_COLUMNS, (row_cells(row) for row in rows))


def run_as_dict(run: HistoryRun) -> dict[str, object]:
    """A run for JSON output (``--json``)."""
    return {
        "id": run.id,
        "kind": run.kind,
        "method": run.method,
        "started": run.started,
        "finished": run.finished or None,
        "user": run.user,
        "computer": run.computer,
        "canvas": run.canvas,
        "account": run.account or None,
        "workbook": run.workbook,
        "sheet": run.sheet,
        "outcome": run.outcome,
        "rows": run.rows,
        "counts": dict(run.counts),
    }


def row_as_dict(row: HistoryRow) -> dict[str, object]:
    """A run's row for JSON output."""
    return {
        "row": row.sheet_row,
        "student": row.student,
        "name": row.name,
        "login": row.login,
        "action": row.action,
        "status": row.status,
        "message": row.message,
        "canvas_login_id": row.login_id,
        "processed_at": row.processed_at,
    }

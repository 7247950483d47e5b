"""The run journal: every write noted before it is sent and when its answer comes.

Why: a crash, a cancel or a workbook locked by Excel must lose no result and never
make the same login twice. Entries are keyed by the workbook's resolved path and the
row's identity (who and what the row means, see ``Table.row_identity``), never by the
row number, so sorting the sheet between runs does not confuse a resume. No password
or token is ever stored here.

SQLite in WAL mode, one connection shared behind a lock, so worker threads may write.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core import paths
from core.model import DONE_STATUSES, RowResult, Status, Table
from core.plan import now_local

JOURNAL_NAME = "journal.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workbook_key TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    method TEXT NOT NULL,
    account TEXT,
    url_host TEXT
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    workbook_key TEXT NOT NULL,
    identity TEXT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sent', 'answered')),
    status TEXT,
    message TEXT,
    login_id TEXT,
    processed_at TEXT,
    saved INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, identity)
);
CREATE INDEX IF NOT EXISTS entries_by_workbook ON entries (workbook_key, identity);
CREATE INDEX IF NOT EXISTS runs_by_workbook ON runs (workbook_key);
"""

#: Statuses worth putting back into a workbook from the journal.
_RESTORED = frozenset(s.value for s in DONE_STATUSES) | {Status.FAILED.value}


def default_journal_path() -> Path:
    return paths.data_dir() / JOURNAL_NAME


def workbook_key_for(path: str | Path) -> str:
    """The key a workbook's entries are filed under: its resolved absolute path."""
    return str(Path(path).expanduser().resolve())


def identity_text(identity: Iterable[str]) -> str:
    return json.dumps(list(identity), ensure_ascii=False)


@dataclass(frozen=True)
class RunRecord:
    id: int
    workbook_key: str
    started: str
    finished: str | None
    method: str
    account: str | None
    url_host: str | None
    #: The SIS import a run by import sent (method "sis-import"), else None.
    sis_import_id: str | None = None
    #: The journal run this one continues (one run by SIS import is two journal runs:
    #: its API rows first, then the import, which names the first here), else None.
    part_of: int | None = None


@dataclass(frozen=True)
class JournalEntry:
    run_id: int
    identity: tuple[str, ...]
    action: str
    state: str
    status: str | None
    message: str | None
    login_id: str | None
    processed_at: str | None
    saved: bool


class Journal:
    """Thread-safe access to the journal database (``path`` defaults to the data folder)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._add_missing_columns()
            self._db.commit()

    def _add_missing_columns(self) -> None:
        """Columns newer than a journal file on disk: added in place, nothing lost."""
        have = {str(row[1]) for row in self._db.execute("PRAGMA table_info(runs)")}
        if "sis_import_id" not in have:
            self._db.execute("ALTER TABLE runs ADD COLUMN sis_import_id TEXT")
        if "part_of" not in have:
            self._db.execute("ALTER TABLE runs ADD COLUMN part_of INTEGER")

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The database inside one transaction (committed at the end, rolled back on error)."""
        with self._lock:
            try:
                yield self._db
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        """Rows of one read (the history and the journal's own reads)."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- writing ----------------------------------------------------------------------

    def start_run(
        self,
        workbook_key: str,
        *,
        url: str = "",
        account_id: int | str | None = None,
        method: str = "api",
        part_of: int | None = None,
    ) -> int:
        # The port too (the sandbox's), so a later step can name the same Canvas.
        host = (urlsplit(url).netloc.rpartition("@")[2] or "") if url else ""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (workbook_key, started, method, account, url_host, part_of) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    workbook_key,
                    now_local(),
                    method,
                    None if account_id is None else str(account_id),
                    host,
                    part_of,
                ),
            )
            return int(cursor.lastrowid or 0)

    def _workbook_of(self, db: sqlite3.Connection, run_id: int) -> str:
        row = db.execute("SELECT workbook_key FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id} in the journal")
        return str(row[0])

    def record_sent(self, run_id: int, identity: Iterable[str], action: str) -> None:
        """Noted before a write goes out: if no answer follows, it may have happened."""
        with self.transaction() as db:
            key = self._workbook_of(db, run_id)
            db.execute(
                "INSERT INTO entries (run_id, workbook_key, identity, action, state) "
                "VALUES (?, ?, ?, ?, 'sent') "
                "ON CONFLICT (run_id, identity) DO UPDATE SET state = 'sent', "
                "action = excluded.action",
                (run_id, key, identity_text(identity), str(action)),
            )

    def record_result(
        self, run_id: int, identity: Iterable[str], result: RowResult, action: str = ""
    ) -> None:
        with self.transaction() as db:
            key = self._workbook_of(db, run_id)
            db.execute(
                "INSERT INTO entries (run_id, workbook_key, identity, action, state, status, "
                "message, login_id, processed_at) VALUES (?, ?, ?, ?, 'answered', ?, ?, ?, ?) "
                "ON CONFLICT (run_id, identity) DO UPDATE SET state = 'answered', "
                "status = excluded.status, message = excluded.message, "
                "login_id = excluded.login_id, processed_at = excluded.processed_at, saved = 0",
                (
                    run_id,
                    key,
                    identity_text(identity),
                    str(action),
                    result.status.value,
                    result.message,
                    result.login_id,
                    result.processed_at,
                ),
            )

    def set_sis_import_id(self, run_id: int, import_id: int | str) -> None:
        """The Canvas SIS import a run sent (so undo can ask Canvas to restore it)."""
        with self.transaction() as db:
            db.execute("UPDATE runs SET sis_import_id = ? WHERE id = ?", (str(import_id), run_id))

    def finish_run(self, run_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished = ? WHERE id = ?", (now_local(), run_id))

    def mark_saved(self, workbook_key: str) -> None:
        """The workbook now holds every answered result: they need not be restored."""
        with self.transaction() as db:
            db.execute(
                "UPDATE entries SET saved = 1 WHERE workbook_key = ? AND state = 'answered'",
                (workbook_key,),
            )

    # --- reading ----------------------------------------------------------------------

    def _latest_entries(self, workbook_key: str) -> dict[tuple[str, ...], sqlite3.Row]:
        """The newest entry for every identity of the workbook."""
        rows = self.query(
            "SELECT * FROM entries WHERE workbook_key = ? ORDER BY id", (workbook_key,)
        )
        latest: dict[tuple[str, ...], sqlite3.Row] = {}
        for row in rows:
            latest[tuple(json.loads(row["identity"]))] = row
        return latest

    @staticmethod
    def _rows_by_identity(table: Table) -> dict[tuple[str, ...], list[int]]:
        found: dict[tuple[str, ...], list[int]] = {}
        for index in range(len(table.rows)):
            found.setdefault(tuple(table.row_identity(index)), []).append(index)
        return found

    def unsaved_results(self, workbook_key: str, table: Table) -> list[RowResult]:
        """Answered results not yet saved into the workbook, for the rows they belong to.

        Only done statuses and Failed; rows the table already shows as done are left
        alone (the workbook holds their outcome).
        """
        rows = self._rows_by_identity(table)
        results: list[RowResult] = []
        for identity, entry in self._latest_entries(workbook_key).items():
            if entry["state"] != "answered" or entry["saved"] or entry["status"] not in _RESTORED:
                continue
            for index in rows.get(identity, []):
                if table.is_done(index):
                    continue
                results.append(
                    RowResult(
                        index,
                        Status(entry["status"]),
                        entry["message"] or "",
                        entry["login_id"] or "",
                        entry["processed_at"] or "",
                    )
                )
        results.sort(key=lambda r: r.row)
        return results

    def unanswered_identities(self, workbook_key: str) -> set[tuple[str, ...]]:
        """Identities whose latest write was sent and never answered."""
        return {
            identity
            for identity, entry in self._latest_entries(workbook_key).items()
            if entry["state"] == "sent"
        }

    def sent_without_answer(self, workbook_key: str, table: Table) -> list[int]:
        """Rows whose write may have gone through: check with a read before resending."""
        rows = self._rows_by_identity(table)
        found: list[int] = []
        for identity in self.unanswered_identities(workbook_key):
            found.extend(index for index in rows.get(identity, []) if not table.is_done(index))
        return sorted(found)

    def last_run(self, workbook_key: str) -> RunRecord | None:
        rows = self.query(
            "SELECT * FROM runs WHERE workbook_key = ? ORDER BY id DESC LIMIT 1", (workbook_key,)
        )
        return _run_record(rows[0]) if rows else None

    def newest_run_id(self) -> int:
        """The id of the newest run of any workbook (0 when none): ids only grow, so a
        run of a workbook with a larger id started after this was asked."""
        rows = self.query("SELECT MAX(id) FROM runs")
        return int(rows[0][0] or 0) if rows else 0

    def runs(self, workbook_key: str) -> list[RunRecord]:
        rows = self.query("SELECT * FROM runs WHERE workbook_key = ? ORDER BY id", (workbook_key,))
        return [_run_record(row) for row in rows]

    def results_of_run(self, run_id: int) -> list[JournalEntry]:
        rows = self.query("SELECT * FROM entries WHERE run_id = ? ORDER BY id", (run_id,))
        return [
            JournalEntry(
                run_id=int(row["run_id"]),
                identity=tuple(json.loads(row["identity"])),
                action=row["action"],
                state=row["state"],
                status=row["status"],
                message=row["message"],
                login_id=row["login_id"],
                processed_at=row["processed_at"],
                saved=bool(row["saved"]),
            )
            for row in rows
        ]


def _run_record(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=int(row["id"]),
        workbook_key=row["workbook_key"],
        started=row["started"],
        finished=row["finished"],
        method=row["method"],
        account=row["account"],
        url_host=row["url_host"],
        sis_import_id=row["sis_import_id"],
        part_of=row["part_of"],
    )

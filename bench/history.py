"""What the run history costs: recording a district's run, listing runs, one run's rows, CSV.

Measurements, not tests (always exits 0). No network: the history is SQLite in a
temporary journal. A run records its rows in batches as they finish, like the engine
(``--batch`` rows per batch, about what a busy run hands over per report), so the
figure is what the history adds to a run of ``--rows`` rows.

    .venv/bin/python bench/history.py [--rows 50000] [--runs 1000] [--batch 14]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.history import HistoryKind, RunHistory, write_rows_csv, write_runs_csv  # noqa: E402
from core.journal import Journal  # noqa: E402
from core.model import RowLabel, RowResult, Status  # noqa: E402

#: Targets: the history must not be what a person waits for.
RECORD_PER_ROW_MS = 0.1
LIST_SECONDS = 0.2
ROWS_SECONDS = 1.0


def _labels(rows: int) -> dict[int, RowLabel]:
    return {
        row: RowLabel(
            sheet_row=row + 2,
            student=f"SIS User ID {45510 + row:07d}",
            name=f"Zoë Student {row}",
            login=f"pupil.{row}",
            action="Create",
        )
        for row in range(rows)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Journal(Path(folder) / "j.sqlite3") as journal:
        history = RunHistory(journal)
        labels = _labels(args.rows)
        results = [
            RowResult(row, Status.CREATED, f"Login 'pupil.{row}' created", str(row + 100), "")
            for row in range(args.rows)
        ]
        started = time.perf_counter()
        run_id = history.start(HistoryKind.RUN, "api", workbook=Path(folder) / "district.xlsx")
        for first in range(0, args.rows, args.batch):
            history.add_rows(run_id, results[first : first + args.batch], labels)
        history.finish(run_id, "Finished")
        recorded = time.perf_counter() - started

        small = {0: labels[0]}
        for number in range(args.runs - 1):
            other = history.start(HistoryKind.CHECK, "api", workbook=f"{folder}/class{number}.xlsx")
            history.add_rows(other, results[:1], small)
            history.finish(other, "Finished")

        started = time.perf_counter()
        runs = history.runs()
        listed = time.perf_counter() - started
        started = time.perf_counter()
        rows = history.rows(run_id)
        read = time.perf_counter() - started
        started = time.perf_counter()
        write_rows_csv(runs[-1], rows, Path(folder) / "rows.csv")
        write_runs_csv(runs, Path(folder) / "runs.csv")
        exported = time.perf_counter() - started

    per_row_ms = recorded / args.rows * 1000
    print(f"record {args.rows} rows in batches of {args.batch}: {recorded:.2f} s")
    print(f"  {per_row_ms:.3f} ms a row (target under {RECORD_PER_ROW_MS} ms)")
    print(f"list {len(runs)} runs with their counts: {listed * 1000:.0f} ms")
    print(f"  (target under {LIST_SECONDS * 1000:.0f} ms)")
    print(f"read one run's {len(rows)} rows: {read:.2f} s (target under {ROWS_SECONDS} s)")
    print(f"write both CSV reports: {exported:.2f} s")
    met = per_row_ms < RECORD_PER_ROW_MS and listed < LIST_SECONDS and read < ROWS_SECONDS
    print("targets met" if met else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())

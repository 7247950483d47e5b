"""How long a big workbook takes to open, check and save, and the memory it needs.

Makes a realistic workbook of ``--rows`` students (10,000; a district is 50,000): a title
row, teachers' columns, styles, a data-validation list, a second sheet; in a temporary
folder. Then measures each phase in a fresh child process, so the peak memory reported
is that phase's own:

* open: ``open_workbook`` and ``check_table``;
* save: after filling every row's Status, Message, Canvas Login ID and Processed At,
  ``save_workbook`` (the open before it is not timed, but its memory counts);
* reopen: the saved workbook opened and checked again (it now has the output columns).

Each phase gives its wall time and, as ``cpu_s``, the processor time it used (a steadier
figure on a machine other programs keep busy). Targets (issue 15, for 50,000 rows on a
2-core machine): opened and checked in at most 3 s, saved in at most 3 s, peak memory
at most 400 MB. Always exits 0: it is a measurement, not a test.

    .venv/bin/python bench/workbook_10k.py [--rows 50000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

TARGETS = {"open_and_check_s": 3.0, "save_s": 3.0, "peak_rss_mb": 400.0}


def make_workbook(path: Path, rows: int) -> None:
    """A workbook the way teachers send them: a title row, then the header."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Students"
    sheet.append(["Second logins, Maple Grove, all grades"])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = [
        "Student Name",
        "Grade",
        "Teacher",
        "SIS User ID",
        "New Login",
        "Password",
        "Action",
        "Notes",
    ]
    sheet.append(headers)
    fill = PatternFill("solid", fgColor="DDEEFF")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = fill
    grades = ["K", "1", "2", "3", "4", "5"]
    for n in range(1, rows + 1):
        sheet.append(
            [
                f"Student {n}",
                grades[n % len(grades)],
                f"Teacher {n % 40}",
                f"{n:07d}",
                f"k.s{n:06d}",
                f"Otter-{n:06d}!",
                "Create",
                "",
            ]
        )
        sheet.cell(row=n + 2, column=4).number_format = "@"
    actions = DataValidation(type="list", formula1='"Create,Update,Delete"', allow_blank=True)
    actions.add(f"G3:G{rows + 2}")
    sheet.add_data_validation(actions)
    for letter, width in zip("ABCDEFGH", (22, 7, 14, 12, 14, 14, 9, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet("Read me")
    notes.append(["Fill in New Login and Password, then send the file back to the office."])
    book.save(path)


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def phase_open(path: Path) -> dict[str, float]:
    from core.rules import check_table
    from core.workbook import open_workbook

    start, cpu = time.perf_counter(), time.process_time()
    doc = open_workbook(path)
    opened = time.perf_counter()
    findings = check_table(doc.table)
    checked = time.perf_counter()
    return {
        "rows": len(doc.table.rows),
        "findings": len(findings),
        "open_s": opened - start,
        "check_s": checked - opened,
        "open_and_check_s": checked - start,
        "cpu_s": time.process_time() - cpu,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_save(path: Path) -> dict[str, float]:
    from core.model import RowResult, Status
    from core.plan import apply_results, now_local
    from core.workbook import open_workbook, save_workbook

    doc = open_workbook(path)
    stamp = now_local()
    results = [
        RowResult(row, Status.CREATED, "", str(100000 + row), stamp)
        for row in range(len(doc.table.rows))
    ]
    apply_results(doc.table, results)
    start, cpu = time.perf_counter(), time.process_time()
    save_workbook(doc)
    saved = time.perf_counter()
    return {
        "save_s": saved - start,
        "cpu_s": time.process_time() - cpu,
        "peak_rss_mb": peak_rss_mb(),
    }


PHASES = {"open": phase_open, "save": phase_save}


def run_phase(name: str, path: Path) -> dict[str, float]:
    """One phase in a fresh interpreter, so its memory peak is its own."""
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--phase", name, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:] or ["no output"]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="student rows (10000)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(PHASES[args.phase](Path(args.path))))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"students-{args.rows}.xlsx"
        start = time.perf_counter()
        make_workbook(path, args.rows)
        made_s = time.perf_counter() - start
        size_kb = path.stat().st_size / 1024
        opened = run_phase("open", path)
        saved = run_phase("save", path)
        reopened = run_phase("open", path)

    results = {
        "rows": args.rows,
        "file_kb": round(size_kb),
        "make_s": made_s,
        "open": opened,
        "save": saved,
        "reopen_after_save": reopened,
    }
    checks: dict[str, bool] = {}
    if "open_and_check_s" in opened:
        checks["opened and checked <= 3 s"] = (
            opened["open_and_check_s"] <= TARGETS["open_and_check_s"]
        )
    if "save_s" in saved:
        checks["saved <= 3 s"] = saved["save_s"] <= TARGETS["save_s"]
    peaks = [p["peak_rss_mb"] for p in (opened, saved, reopened) if "peak_rss_mb" in p]
    if peaks:
        checks["peak memory <= 400 MB"] = max(peaks) <= TARGETS["peak_rss_mb"]
    results["targets"] = checks
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"{args.rows} rows, {size_kb:.0f} KB xlsx (made in {made_s:.1f} s), cpus {os.cpu_count()}"
    )
    for label, phase in (("open", opened), ("save", saved), ("reopen", reopened)):
        if "error" in phase:
            print(f"{label}: FAILED: {phase['error']}")
            continue
        shown = ", ".join(
            f"{key} {value:.2f}" if isinstance(value, float) else f"{key} {value}"
            for key, value in phase.items()
        )
        print(f"{label}: {shown}")
    for name, met in checks.items():
        print(f"target {name}: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

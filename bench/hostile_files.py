"""How fast, and in how little memory, a hostile workbook is refused; what the check
costs an ordinary one.

Builds, in a temporary folder (tests/hostile_support.py makes them from raw XML):

* the zip bomb of issue 13: 3 million cells, about 150 MB of sheet XML, packed into
  about half a megabyte, whose ``<dimension ref>`` says A1:B2;
* a bomb by height: 3 million one-cell rows;
* an ordinary list of 10,000 students (bench/workbook_10k.py's workbook).

Each is given to ``canvas-logins-cli check`` in a fresh process, which reports its
wall time, exit code and peak memory (``ru_maxrss``); for the ordinary list, the time
of the package inspection alone (``core.workbook.limits.check_package``) is measured
too. Targets: each bomb refused with exit 2 in under 5 s and under 200 MB. Always
exits 0: it is a measurement, not a test.

    .venv/bin/python bench/hostile_files.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from hostile_support import write_zip_bomb  # noqa: E402
from workbook_10k import make_workbook  # noqa: E402

TARGETS = {"refused_s": 5.0, "peak_rss_mb": 200.0}

#: The command line in a child process that reports its own peak memory.
MEASURED_CLI = (
    "import resource, sys, time\n"
    "start = time.perf_counter()\n"
    "from core.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "mb = peak / (1024 * 1024) if sys.platform == 'darwin' else peak / 1024\n"
    "sys.stderr.write(f'\\nMEASURED {mb:.1f} {time.perf_counter() - start:.3f}\\n')\n"
    "sys.exit(code)\n"
)


def measure_cli(path: Path) -> dict[str, object]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED_CLI, "check", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    wall = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    measured = next((line.split() for line in reversed(lines) if line.startswith("MEASURED")), None)
    said = next((line for line in lines if line.startswith("canvas-logins-cli:")), "")
    return {
        "exit": done.returncode,
        "wall_s": round(wall, 3),
        "in_process_s": float(measured[2]) if measured else None,
        "peak_rss_mb": float(measured[1]) if measured else None,
        "message": said[:120],
    }


def inspection_time(path: Path, repeat: int = 5) -> float:
    from core.workbook.limits import check_package

    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        check_package(path)
        best = min(best, time.perf_counter() - start)
    return best


def describe(path: Path) -> dict[str, int]:
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    return {"file_kb": round(path.stat().st_size / 1024), "unpacked_mb": round(unpacked / 2**20)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wide = write_zip_bomb(folder / "bomb-3M-cells.xlsx")
        tall = write_zip_bomb(folder / "bomb-3M-rows.xlsx", rows=3_000_000, columns=1)
        ordinary = folder / "students-10k.xlsx"
        make_workbook(ordinary, 10_000)
        for name, path in (("bomb_3M_cells", wide), ("bomb_3M_rows", tall)):
            results[name] = {**describe(path), **measure_cli(path)}
        results["students_10k"] = {
            **describe(ordinary),
            **measure_cli(ordinary),
            "inspection_ms": round(inspection_time(ordinary) * 1000, 1),
        }

    checks = {}
    for name in ("bomb_3M_cells", "bomb_3M_rows"):
        got = results[name]
        checks[f"{name} refused (exit 2)"] = got["exit"] == 2
        checks[f"{name} < {TARGETS['refused_s']:.0f} s"] = float(str(got["wall_s"])) < 5.0
        peak = got["peak_rss_mb"]
        checks[f"{name} < {TARGETS['peak_rss_mb']:.0f} MB"] = (
            peak is not None and float(str(peak)) < TARGETS["peak_rss_mb"]
        )
    if args.json:
        print(json.dumps({"results": results, "targets": checks}, indent=2))
        return 0
    for name, got in results.items():
        shown = ", ".join(f"{key} {value}" for key, value in got.items() if key != "message")
        print(f"{name}: {shown}")
        if got.get("message"):
            print(f"    {got['message']}...")
    for label, met in checks.items():
        print(f"{'met' if met else 'MISSED'}: {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

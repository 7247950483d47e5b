"""Measure how long the packaged app takes from launch to its first window on screen.

Linux only. Runs the bundled ``canvas-logins`` on a real X server (a private Xvfb when
DISPLAY is not set) with the xcb platform, and polls with xdotool until a visible
window of that process exists. Each run gets fresh settings, so first-start costs are
included. Also reports the app's own "window shown after N ms" log line when present.

    python packaging/measure_startup.py [--bundle dist/canvas-logins] [--runs 5]

Needs the Debian packages xvfb and xdotool. Prints one line per run and the median.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINDOW_SHOWN_RE = re.compile(r"window shown after (\d+) ms")
POLL_SECONDS = 0.01


@contextmanager
def x_display():
    """The current DISPLAY, or a private Xvfb for the duration of the block."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        raise SystemExit("measure_startup: Xvfb is not installed (apt-get install xvfb)")
    number = 90 + os.getpid() % 100
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket_path = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket_path.exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("measure_startup: Xvfb did not start")
        time.sleep(0.05)
    try:
        yield display
    finally:
        server.terminate()
        server.wait(timeout=10)


def _visible_window(pid: int, env: dict[str, str]) -> bool:
    result = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(result.stdout.strip())


def _logged_window_shown(home: Path, output: str) -> int | None:
    texts = [output]
    texts += [p.read_text(errors="replace") for p in home.rglob("*.log") if p.is_file()]
    for text in texts:
        match = WINDOW_SHOWN_RE.search(text)
        if match:
            return int(match.group(1))
    return None


def measure_once(app: Path, display: str, timeout: float = 30) -> tuple[float, int | None]:
    """Seconds from launch to a visible window, and the app's own logged figure."""
    with tempfile.TemporaryDirectory(prefix="canvas-logins-startup-") as tmp:
        home = Path(tmp)
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env["CANVAS_LOGINS_HOME"] = str(home)
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        out_path = home / "output.txt"
        with out_path.open("w") as out:
            started = time.monotonic()
            process = subprocess.Popen([str(app)], env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                while not _visible_window(process.pid, env):
                    if process.poll() is not None:
                        raise SystemExit(
                            f"measure_startup: the app exited ({process.returncode}) "
                            f"before showing a window:\n{out_path.read_text()}"
                        )
                    if time.monotonic() - started > timeout:
                        raise SystemExit("measure_startup: no window within the time limit")
                    time.sleep(POLL_SECONDS)
                elapsed = time.monotonic() - started
                time.sleep(1.0)  # let the app write its log line
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        return elapsed, _logged_window_shown(home, out_path.read_text(errors="replace"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "canvas-logins")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("measure_startup: Linux only", file=sys.stderr)
        return 2
    if not shutil.which("xdotool"):
        print(
            "measure_startup: xdotool is not installed (apt-get install xdotool)", file=sys.stderr
        )
        return 2
    app = args.bundle / "canvas-logins"
    if not app.exists():
        print(f"measure_startup: {app} not found; run packaging/build.py first", file=sys.stderr)
        return 2
    results = []
    with x_display() as display:
        for run in range(1, args.runs + 1):
            elapsed, logged = measure_once(app, display)
            results.append(elapsed)
            logged_text = f", app log: {logged} ms" if logged is not None else ""
            print(f"run {run}: window visible after {elapsed * 1000:.0f} ms{logged_text}")
    print(f"median launch to window shown: {statistics.median(results) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

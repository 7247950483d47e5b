"""The app's console side: how long since the process started, and printed lines.

``--version`` and ``--self-test`` print to a console; a windowed (frozen) app on
Windows has none until it borrows the caller's (:func:`ensure_console_output`).
"""

from __future__ import annotations

import os
import sys
import time

#: When this module loaded: the app imports it first, so it stands in for the start.
_IMPORTED_AT = time.monotonic()


def process_age_ms() -> float:
    """Milliseconds since this process started (since this module loaded, as a fallback)."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/self/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            start_ticks = int(fields[19])
            with open("/proc/uptime", encoding="ascii") as uptime:
                up_seconds = float(uptime.read().split()[0])
            return (up_seconds - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000
        if sys.platform == "win32":
            import ctypes
            from ctypes import wintypes

            creation, exit_, kernel, user, now = (wintypes.FILETIME() for _ in range(5))
            handle = ctypes.windll.kernel32.GetCurrentProcess()
            ctypes.windll.kernel32.GetProcessTimes(
                handle,
                ctypes.byref(creation),
                ctypes.byref(exit_),
                ctypes.byref(kernel),
                ctypes.byref(user),
            )
            ctypes.windll.kernel32.GetSystemTimeAsFileTime(ctypes.byref(now))

            def ticks(ft: wintypes.FILETIME) -> int:
                return (ft.dwHighDateTime << 32) | ft.dwLowDateTime

            return (ticks(now) - ticks(creation)) / 10_000
    except Exception:  # measurement only: never let it stop the app
        pass
    return (time.monotonic() - _IMPORTED_AT) * 1000


def ensure_console_output() -> None:
    """A windowed (frozen) app on Windows has no stdout; borrow the caller's console."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        try:
            import ctypes

            if ctypes.windll.kernel32.AttachConsole(-1):
                sys.stdout = open("CONOUT$", "w", encoding="utf-8", buffering=1)  # noqa: SIM115
                sys.stderr = sys.stdout
                return
        except Exception:
            pass
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stdout = sys.stdout or devnull
    sys.stderr = sys.stderr or devnull


def say(text: str) -> None:
    """One line on the console, at once (the self-test's steps show as they happen)."""
    print(text, flush=True)

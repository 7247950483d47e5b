"""Whether a process on this computer still runs, and when it started.

A lock left by a run that was killed (:mod:`core.run_lock`) must be told apart from one
whose run is still going. A process id alone is not enough: after a crash or a restart
the same number may belong to another program. So the lock also records the process's
start time, and a lock whose pid now runs a process that started at another time is
left over from a run that is gone.

Standard library only: ``/proc`` on Linux, ``GetProcessTimes`` on Windows, ``ps`` on
macOS and other Unix systems. A start time that cannot be read is ``""`` (then only
whether the pid runs is known).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["process_alive", "process_start_time"]

_WINDOWS_STILL_ACTIVE = 259
_WINDOWS_ACCESS_DENIED = 5
_WINDOWS_QUERY_LIMITED_INFORMATION = 0x1000


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer (any user's)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_alive(pid)
    if _linux_zombie(pid):  # killed, not yet reaped by its parent: gone all the same
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    except OSError:
        return False
    return True


def process_start_time(pid: int) -> str:
    """When the process started, as text only comparable with itself; "" when unknown."""
    if pid <= 0:
        return ""
    if sys.platform == "win32":
        return _windows_start_time(pid)
    if sys.platform.startswith("linux"):
        return _linux_start_time(pid)
    return _ps_start_time(pid)


def _linux_stat(pid: int) -> list[str]:
    """``/proc/PID/stat`` from field 3 (the state) on; [] when not there."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    # The command name (field 2) is in brackets and may hold spaces or brackets itself.
    return stat[stat.rfind(")") + 2 :].split()


def _linux_zombie(pid: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    fields = _linux_stat(pid)
    return bool(fields) and fields[0] == "Z"


def _linux_start_time(pid: int) -> str:
    """Field 22 of ``/proc/PID/stat`` (clock ticks since boot), with the boot's id."""
    fields = _linux_stat(pid)
    if len(fields) < 20:
        return ""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        boot = ""
    return f"{boot}:{fields[19]}" if boot else fields[19]


def _ps_start_time(pid: int) -> str:
    try:
        answer = subprocess.run(
            ["ps", "-o", "lstart=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("process start time not known: %s", exc)
        return ""
    return " ".join(answer.stdout.split())


def _windows_alive(pid: int) -> bool:
    if sys.platform != "win32":
        return False
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    handle = kernel32.OpenProcess(_WINDOWS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        # Denied means it exists (another user's, or a protected process).
        return ctypes.get_last_error() == _WINDOWS_ACCESS_DENIED
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == _WINDOWS_STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _windows_start_time(pid: int) -> str:
    if sys.platform != "win32":
        return ""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    handle = kernel32.OpenProcess(_WINDOWS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return ""
    try:
        times = [wintypes.FILETIME() for _ in range(4)]
        if not kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
            return ""
        created = times[0]
        return str((created.dwHighDateTime << 32) | created.dwLowDateTime)
    finally:
        kernel32.CloseHandle(handle)

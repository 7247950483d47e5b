"""One run per workbook at a time: the lock a run or an undo holds while it sends.

Why: two runs of the same workbook at once both "succeeded". Canvas got each login
once, but each run's workbook said Already exists for the rows the other one created,
and undo then found nothing to take back. So a run and an undo (never a Check with
Canvas, which only reads) hold this lock from before their first call to Canvas until
their last answer is in the journal (:meth:`core.workflow.Workflow.run`). A second run
of the same workbook, from the app or the command line, by this user or another, is
refused with :class:`RunLocked`, whose message names who holds the lock and since when.

Where: a small hidden file next to the workbook, ``.~canvas-logins.NAME.lock``, made
with ``O_CREAT | O_EXCL`` (atomic on local disks and on SMB and NFS shares). Not the
journal: the journal lives in each user's own data folder, so a row there would not
stop a colleague signed in on the same computer, nor a run on another computer of a
workbook in a shared folder. Only when the workbook's folder does not let us make the
file (a read-only folder: results then go to another file) is the lock kept in the
user's data folder instead, which still keeps this user's app and command line apart.

What it holds (JSON): user, computer, process id and that process's start time, the
program, whether it is a run or an undo, when it started, and a random token that
tells our own lock from one that replaced it.

A lock left by a run that was killed is taken over:

- from this computer: when its process is gone, or the process id now belongs to a
  process that started at another time (the id was given out again);
- from another computer: when its heartbeat is older than :data:`STALE_AFTER`. The
  holder touches the file every :data:`HEARTBEAT` seconds while it runs, so a run that
  is slow but alive is never taken over (clocks may differ by minutes, not by ten).

Two runs that find the same left-over lock at once are put in line by a second
short-lived file (``….lock.takeover``): only the one that makes it removes the old
lock, and only if the old lock is still exactly what it judged.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from core import paths
from core.processes import process_alive, process_start_time

log = logging.getLogger(__name__)

__all__ = [
    "APP",
    "COMMAND_LINE",
    "HEARTBEAT",
    "RUN",
    "STALE_AFTER",
    "UNDO",
    "LockHolder",
    "RunLock",
    "RunLocked",
    "RunRefused",
    "live_holder",
    "lock_path_for",
]

#: Who holds a lock, as the message names it.
APP = "the Canvas Logins app"
COMMAND_LINE = "the command line"
#: What the holder does.
RUN = "run"
UNDO = "undo"

#: Seconds between two touches of a held lock.
HEARTBEAT = 30.0
#: A lock from another computer untouched this long (seconds) is left over.
STALE_AFTER = 10 * 60.0
#: A lock file that cannot be read (being written, or Windows sharing) counts as held
#: until it is this old (seconds; its heartbeat keeps a live one younger).
UNREADABLE_GRACE = 3 * HEARTBEAT
#: A takeover file older than this was left by a run killed while taking over.
TAKEOVER_STALE = 60.0

_PREFIX = ".~canvas-logins."
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class RunRefused(Exception):
    """A run that was not started; ``message`` says why and what to do. Nothing changed."""

    title = "The run was not started"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LockHolder:
    """What a lock file says about the run that holds it."""

    user: str
    host: str
    pid: int
    process_started: str
    program: str
    what: str
    started_at: str
    token: str

    @classmethod
    def mine(cls, program: str, what: str) -> LockHolder:
        pid = os.getpid()
        return cls(
            user=_user_name(),
            host=socket.gethostname(),
            pid=pid,
            process_started=process_start_time(pid),
            program=program,
            what=what,
            started_at=datetime.now().astimezone().isoformat(timespec="seconds"),
            token=secrets.token_hex(8),
        )

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> LockHolder | None:
        """The holder a lock file names; None when it is empty or not (yet) readable."""
        try:
            found = json.loads(data.decode("utf-8"))
            return cls(
                user=str(found["user"]),
                host=str(found["host"]),
                pid=int(found["pid"]),
                process_started=str(found.get("process_started") or ""),
                program=str(found.get("program") or ""),
                what=str(found.get("what") or RUN),
                started_at=str(found.get("started_at") or ""),
                token=str(found.get("token") or ""),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def is_here(self) -> bool:
        return self.host.casefold() == socket.gethostname().casefold()

    def since(self) -> str:
        """``10:42`` today, ``3 March at 10:42`` another day (local time)."""
        try:
            when = datetime.fromisoformat(self.started_at).astimezone()
        except ValueError:
            return ""
        clock = when.strftime("%H:%M")
        if when.date() == datetime.now().astimezone().date():
            return f"at {clock}"
        return f"on {when.day} {_MONTHS[when.month - 1]} {when.year} at {clock}"


class RunLocked(RunRefused):
    """Another run holds the workbook's lock."""

    title = "Another run is under way"

    def __init__(self, holder: LockHolder | None) -> None:
        super().__init__(locked_message(holder))
        self.holder = holder


def locked_message(holder: LockHolder | None) -> str:
    """``Another run is already sending this workbook's rows: started by jsmith on
    OFFICE-PC at 10:42 (the Canvas Logins app). Wait for it to finish.``"""
    if holder is None:
        return "Another run is just starting to send this workbook's rows. Wait for it to finish."
    doing = (
        "An undo is already removing the logins of this workbook's last run"
        if holder.what == UNDO
        else "Another run is already sending this workbook's rows"
    )
    since = holder.since()
    program = f" ({holder.program})" if holder.program else ""
    return (
        f"{doing}: started by {holder.user} on {holder.host}"
        f"{' ' + since if since else ''}{program}. Wait for it to finish."
    )


def lock_path_for(workbook: str | Path) -> Path:
    """The lock file next to ``workbook``: ``.~canvas-logins.NAME.lock``, hidden."""
    path = Path(workbook).expanduser().resolve()
    return path.with_name(f"{_PREFIX}{path.name}.lock")


def _fallback_path(workbook: str | Path) -> Path:
    """This user's own lock of ``workbook``, when its folder takes no file."""
    key = str(Path(workbook).expanduser().resolve())
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return paths.data_dir() / "run-locks" / f"{digest}.lock"


def live_holder(workbook: str | Path) -> LockHolder | None:
    """Who holds ``workbook``'s lock now; None when nobody does (a left-over lock is nobody).

    Raises :class:`RunLocked` (holder None) for a lock that is just being made.
    """
    for path in (lock_path_for(workbook), _fallback_path(workbook)):
        data = _read(path)
        if data is None:
            continue
        holder = LockHolder.from_bytes(data)
        if _left_over(path, holder):
            continue
        if holder is None:
            raise RunLocked(None)
        return holder
    return None


class RunLock:
    """The lock of one workbook, held by this process (a context manager).

    ``acquire`` raises :class:`RunLocked` when another live run holds it; ``release``
    removes the file only while it is still ours.
    """

    def __init__(
        self,
        workbook: str | Path,
        *,
        what: str = RUN,
        program: str = COMMAND_LINE,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self.workbook = Path(workbook)
        self.holder = LockHolder.mine(program, what)
        self.heartbeat = heartbeat
        self.path: Path | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    # --- taking it --------------------------------------------------------------------
    def acquire(self) -> None:
        beside = lock_path_for(self.workbook)
        try:
            self._take(beside)
        except RunLocked:
            raise
        except OSError as exc:  # the folder takes no file: this user's own lock instead
            log.info("run lock not made beside the workbook (%s); using the data folder", exc)
            holder = live_holder(self.workbook)
            if holder is not None:
                raise RunLocked(holder) from None
            fallback = _fallback_path(self.workbook)
            fallback.parent.mkdir(parents=True, exist_ok=True)
            self._take(fallback)
        self._start_heartbeat()

    def _take(self, path: Path) -> None:
        for _ in range(5):
            if self._create(path):
                self.path = path
                return
            seen = _read(path)
            if seen is None:  # gone meanwhile: try again
                continue
            holder = LockHolder.from_bytes(seen)
            if not _left_over(path, holder):
                raise RunLocked(holder)
            log.warning("taking over a lock left by a run that is gone: %s", path.name)
            if self._take_over(path, seen):
                self.path = path
                return
            time.sleep(0.05)
        raise RunLocked(LockHolder.from_bytes(_read(path) or b""))

    def _create(self, path: Path) -> bool:
        """Make the lock file with our holder in it; False when one is there already."""
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0))
        except FileExistsError:
            return False
        try:
            os.write(fd, self.holder.to_bytes())
            os.fsync(fd)
        finally:
            os.close(fd)
        _hide(path)
        return True

    def _take_over(self, path: Path, seen: bytes) -> bool:
        """Replace the left-over lock ``seen``, unless someone else is doing so."""
        takeover = path.with_name(path.name + ".takeover")
        try:
            fd = os.open(takeover, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _age(takeover) > TAKEOVER_STALE:
                _remove(takeover)
            return False
        os.close(fd)
        try:
            if _read(path) != seen:  # someone took it over first, or it went away
                return self._create(path)
            _remove(path)
            return self._create(path)
        finally:
            _remove(takeover)

    # --- holding it -------------------------------------------------------------------
    def _start_heartbeat(self) -> None:
        if self.heartbeat <= 0:
            return
        self._stop.clear()
        self._beat = threading.Thread(target=self._beating, name="run-lock-heartbeat", daemon=True)
        self._beat.start()

    def _beating(self) -> None:
        while not self._stop.wait(self.heartbeat):
            path = self.path
            if path is None:
                return
            if not self.still_mine():
                log.warning("the run lock %s was taken over by another run", path.name)
                return
            with contextlib.suppress(OSError):
                os.utime(path)

    def still_mine(self) -> bool:
        if self.path is None:
            return False
        holder = LockHolder.from_bytes(_read(self.path) or b"")
        return holder is not None and holder.token == self.holder.token

    def release(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=5)
            self._beat = None
        path, self.path = self.path, None
        if path is None:
            return
        holder = LockHolder.from_bytes(_read(path) or b"")
        if holder is None or holder.token != self.holder.token:
            log.warning("the run lock %s was no longer ours; left alone", path.name)
            return
        if not _remove(path):
            log.warning("the run lock %s could not be removed; the next run takes it over", path)


# --- files ------------------------------------------------------------------------------


def _left_over(path: Path, holder: LockHolder | None) -> bool:
    """Whether the lock at ``path`` (naming ``holder``) was left by a run that is gone."""
    if holder is None:
        return _age(path) > UNREADABLE_GRACE
    if holder.is_here():
        if not process_alive(holder.pid):
            return True
        started = process_start_time(holder.pid) if holder.process_started else ""
        return bool(started) and started != holder.process_started
    return _age(path) > STALE_AFTER


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:  # being written or removed by its holder (Windows sharing): not gone
        return b""


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> bool:
    """Remove ``path`` (tried a few times: Windows refuses while another reads it)."""
    for attempt in range(5):
        try:
            path.unlink()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.02 * (attempt + 1))
    return False


def _hide(path: Path) -> None:
    """Windows does not hide dot files: set the hidden attribute (best effort)."""
    if sys.platform != "win32":
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x2)


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (a service)
        return "someone"

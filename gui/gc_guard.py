"""Keep Python's cyclic garbage collector on the GUI thread, and short.

The collector runs on whichever thread happens to allocate when a threshold is passed.
When that is a worker thread (a run, a connection test) and the garbage holds a Qt
widget, Qt destroys a GUI object off the GUI thread and the app crashes at random. So
automatic collection is switched off and the GUI thread collects on a timer, by the same
thresholds the automatic collector uses.

A full collection looks at every object Python tracks, and a district's workbook is a
great many of them (a 50,000-row sheet: half a second). Two things keep that from
pausing the window:

* once a workbook is loaded its objects are frozen (:func:`freeze_loaded`, Python's
  ``gc.freeze``): collections skip them. Frozen objects are still freed as soon as
  nothing refers to them (a table's rows hold no reference cycles); only garbage in
  cycles frozen with them waits, until the workbook is closed (:func:`thaw`);
* while a run goes, only the young generations are collected
  (:func:`hold_full_collections`); the full collection waits until the run is over;
* while the window waits for opening, saving or checking, nothing is collected
  (:func:`collections_paused`): such a job makes hundreds of thousands of objects in
  a second or two, and even the young generations would take a tenth of a second to
  look through. Its garbage is collected when it is over.

These act only in the app, where :func:`install` put the collector in place; tests, which
collect after each test themselves, are left as they are.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: Runs going now (full collections wait for them).
_young_only_holds = 0
#: Jobs the window waits for now (every collection waits for them).
_pauses = 0


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose thresholds are passed; returns objects freed.

        While :func:`hold_full_collections` holds, a full collection that is due waits:
        the young generations are collected instead; while :func:`collections_paused`
        holds, nothing is collected."""
        if _pauses:
            return 0
        counts, thresholds = gc.get_count(), gc.get_threshold()
        oldest = 1 if _young_only_holds else 2
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                return gc.collect(min(generation, oldest))
        return 0


def install(app: QObject) -> MainThreadGarbageCollector:
    """Once per application: the collector lives as long as ``app``."""
    existing = app.findChild(MainThreadGarbageCollector)
    return existing if existing is not None else MainThreadGarbageCollector(app)


def installed() -> MainThreadGarbageCollector | None:
    """The running application's collector, when :func:`install` put one in place."""
    app = QCoreApplication.instance()
    return app.findChild(MainThreadGarbageCollector) if app is not None else None


def hold_full_collections() -> None:
    """Collect only the young generations until :func:`release_full_collections`."""
    global _young_only_holds
    _young_only_holds += 1


def release_full_collections() -> None:
    global _young_only_holds
    _young_only_holds = max(0, _young_only_holds - 1)


@contextmanager
def collections_paused() -> Iterator[None]:
    """While the window waits for a job: no collection (see the module's words)."""
    global _pauses
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1


def freeze_loaded() -> bool:
    """A workbook was loaded: leave every object alive now out of later collections.

    Returns whether anything was frozen (only in the app, see the module's words)."""
    if installed() is None:
        return False
    gc.freeze()
    return True


def thaw() -> None:
    """The workbook was closed: its leftovers may be collected again."""
    if gc.get_freeze_count():
        gc.unfreeze()

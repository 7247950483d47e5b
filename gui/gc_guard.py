"""Keep Python's cyclic garbage collector on the GUI thread.

The collector runs on whichever thread happens to allocate when a threshold is passed.
When that is a worker thread (a run, a connection test) and the garbage holds a Qt
widget, Qt destroys a GUI object off the GUI thread and the app crashes at random. So
automatic collection is switched off and the GUI thread collects on a timer, by the same
thresholds the automatic collector uses.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose thresholds are passed; returns objects freed."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        freed = 0
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                freed += gc.collect(generation)
                break
        return freed


def install(app: QObject) -> MainThreadGarbageCollector:
    """Once per application: the collector lives as long as ``app``."""
    existing = app.findChild(MainThreadGarbageCollector)
    return existing if existing is not None else MainThreadGarbageCollector(app)

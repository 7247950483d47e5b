"""Guards against known-broken Qt for Python releases (the app would crash at random)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    anything = Signal(object)


def test_emitting_signals_keeps_reference_counts_of_true_and_false(qapp):
    # PySide6 6.12.0 returned True from emit() without a reference: each emit drained
    # one, until Python freed True itself and aborted ("bool_dealloc").
    emitter = _Emitter()
    received = []
    emitter.flag.connect(received.append)
    emitter.anything.connect(received.append)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        emitter.flag.emit(True)
        emitter.anything.emit(False)
    received.clear()
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (before, after)

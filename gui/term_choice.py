"""The "Term:" list of the class picker: "All terms", then the account's terms.

The terms are read in the background when the list is made
(:func:`core.roster.courses.terms_of`); the current term is chosen when there is exactly
one. A token that may not read the terms, or a Canvas that cannot be reached, leaves
"All terms" alone in the list: searching still works, over every term.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from core.model import CancelToken
from core.roster.courses import TermChoice, terms_of
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

__all__ = ["ALL_TERMS", "TermBox"]

log = logging.getLogger(__name__)

ALL_TERMS = "All terms"


class TermBox(QComboBox):
    """Choose the term whose classes to search; :meth:`term_id` is None for all terms."""

    #: The terms were read: how many (-1 when Canvas could not tell).
    loaded = Signal(int)

    def __init__(self, parent: QWidget | None, client: CanvasApi, account_id: int) -> None:
        super().__init__(parent)
        self.setObjectName("TermChoice")
        self.setAccessibleName("Term")
        self.setToolTip("Search the classes of one term, or of all terms")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.addItem(ALL_TERMS, None)
        self.terms: list[TermChoice] = []
        self.job = BackgroundJob(self)
        self.job.finished.connect(self._show_terms)
        self.job.failed.connect(self._no_terms)

        def read(_progress: object, cancel: CancelToken) -> list[TermChoice]:
            return terms_of(client, account_id, cancel=cancel)

        self.job.start(read)

    def term_id(self) -> int | None:
        data = self.currentData()
        return int(data) if data is not None else None

    def is_loading(self) -> bool:
        return self.job.is_running()

    def stop(self) -> None:
        self.job.cancel()

    def _show_terms(self, terms: list[TermChoice]) -> None:
        self.terms = list(terms)
        for term in terms:
            self.addItem(term.name, term.term_id)
        current = [term for term in terms if term.current]
        if len(current) == 1:
            self.setCurrentIndex(self.findData(current[0].term_id))
        self.loaded.emit(len(terms))

    def _no_terms(self, message: str) -> None:
        log.info("terms not read: %s", message)
        self.loaded.emit(-1)

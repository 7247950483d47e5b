"""What the window's flows and dialogs need of the main window, as a Protocol.

Opening and saving (:mod:`gui.document_flow`), running (:mod:`gui.run_flow`) and undo
(:mod:`gui.undo_flow`) work on a :class:`WindowParts`, never on
:class:`gui.main_window.MainWindow` itself: the main window imports them and satisfies
this Protocol, so no flow imports the window back.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from core.connection import Connection
    from core.id_padding import PaddingFix
    from core.journal import Journal
    from core.model import Finding
    from core.workflow import Workflow
    from gui.background import WindowWork
    from gui.filter_proxy import RowFilter
    from gui.prompts import Prompts
    from gui.table_model import LoginsTableModel

__all__ = ["WindowParts"]


class WindowParts(Protocol):
    """The open document, the grid's model, the questions to staff, and the window's state."""

    #: Every question to staff goes through this object (tests replace it).
    prompts: Prompts
    journal: Journal
    #: Opening, saving, checking and planning run off the GUI thread through this.
    background: WindowWork

    @property
    def workflow(self) -> Workflow | None:
        """The open workbook's workflow; None when no workbook is open."""
        ...

    @property
    def connection(self) -> Connection | None: ...

    @property
    def table_model(self) -> LoginsTableModel: ...

    @property
    def is_running(self) -> bool: ...

    @property
    def is_modified(self) -> bool: ...

    def statusBar(self) -> QStatusBar: ...

    def unsaved_words(self) -> str:
        """ "results", "edits" or "results and edits", for the unsaved-changes question."""
        ...

    def ensure_connection(self) -> Connection | None:
        """The connection, asking staff to connect when there is none."""
        ...

    def commit_pending_edit(self) -> None: ...

    def check_offline(self) -> list[Finding]: ...

    def load_document(self, workflow: Workflow) -> None: ...

    def open_file(self, path: str | Path, sheet: str | None = None) -> bool: ...

    def save(self) -> bool: ...

    def save_as(self, path: str | Path) -> bool: ...

    def document_saved(self, path: Path) -> None: ...

    def mark_results_unsaved(self) -> None: ...

    def refresh_recent_files(self) -> None: ...

    def run_state_changed(self) -> None: ...

    def fit_output_columns(self) -> None: ...

    def set_row_filter(self, mode: RowFilter, status: str = "") -> None: ...

    def show_id_fix(self, fix: PaddingFix | None) -> None:
        """Offer the SIS User ID zero-padding fix a check proved (None: offer none)."""
        ...

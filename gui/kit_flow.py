"""The window's side of the K-3 kit: open "Generate logins and passwords…" and apply its
plan as one undo step; open "Print login cards…".

The dialogs open window-modal without blocking (``QDialog.open``), and each opening
returns its dialog, so tests drive it like staff would. The fill goes through the
grid's one undoable edit command (:class:`gui.commands.EditCellsCommand`), the same as
a paste: one Ctrl+Z empties every cell it filled. The choices are remembered here
(:mod:`gui.settings`), so the dialogs only show and ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject

from core.kit.fill import FillOptions, FillPlan, remember_generated
from core.kit.logins import LoginStyle
from core.kit.passwords import PasswordStyle
from core.model import MIN_PASSWORD_LENGTH, Role
from gui import settings
from gui.cards_dialog import CardsDialog
from gui.commands import EditCellsCommand
from gui.generate_dialog import GenerateDialog
from gui.window_parts import WindowParts

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from core.connection import Connection
    from gui.filter_proxy import RowFilterProxy
    from gui.grid_edits import GridEdits
    from gui.main_layout import MainWidgets

__all__ = [
    "FILL_ROLES",
    "KitFlow",
    "KitWindow",
    "min_password_length",
    "remember_options",
    "remembered_options",
]

#: The columns a fill writes, in the order they are added when missing.
FILL_ROLES: tuple[Role, ...] = (Role.NEW_LOGIN, Role.PASSWORD)


class KitWindow(WindowParts, Protocol):
    """What the kit needs of the window besides :class:`WindowParts`: the grid's parts."""

    undo_stack: QUndoStack
    grid_edits: GridEdits
    widgets: MainWidgets

    @property
    def proxy(self) -> RowFilterProxy: ...


def min_password_length(connection: Connection | None) -> int:
    """The connected Canvas's minimum password length, else the app's default."""
    profile = getattr(connection, "profile", None)
    return int(getattr(profile, "min_password_length", 0) or MIN_PASSWORD_LENGTH)


def remembered_options(min_password_length: int = MIN_PASSWORD_LENGTH) -> FillOptions:
    """The choices made last time (never "Replace": that is asked for each time)."""
    return FillOptions(
        logins=settings.GENERATE_LOGINS.get(),
        login_style=LoginStyle(
            pattern=settings.GENERATE_PATTERN.get(),
            prefix=settings.GENERATE_PREFIX.get(),
            suffix=settings.GENERATE_SUFFIX.get(),
        ),
        passwords=settings.GENERATE_PASSWORDS.get(),
        password_style=PasswordStyle(
            words=settings.GENERATE_WORDS.get(),
            separator=settings.GENERATE_SEPARATOR.get(),
            digits=settings.GENERATE_DIGITS.get(),
        ),
        replace=False,
        min_password_length=min_password_length,
    )


def remember_options(options: FillOptions, avoid_taken: bool | None) -> None:
    """Keep the choices for next time (``avoid_taken`` None: not asked, not connected)."""
    settings.GENERATE_LOGINS.set(options.logins)
    settings.GENERATE_PATTERN.set(options.login_style.pattern)
    settings.GENERATE_PREFIX.set(options.login_style.prefix)
    settings.GENERATE_SUFFIX.set(options.login_style.suffix)
    settings.GENERATE_PASSWORDS.set(options.passwords)
    settings.GENERATE_WORDS.set(options.password_style.words)
    settings.GENERATE_SEPARATOR.set(options.password_style.separator)
    settings.GENERATE_DIGITS.set(options.password_style.digits)
    if avoid_taken is not None:
        settings.GENERATE_AVOID_TAKEN.set(avoid_taken)


class KitFlow(QObject):
    """Opens the kit's dialogs for the window, and applies an accepted fill."""

    def __init__(self, window: KitWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        #: The dialog opened last (kept so it lives as long as it is shown).
        self.generate_dialog: GenerateDialog | None = None
        self.cards_dialog: CardsDialog | None = None

    def selected_rows(self) -> list[int]:
        """The table rows with a selected cell (the current cell's when none is)."""
        window = self._window
        proxy_rows, _columns = window.grid_edits.selected_cells()
        return sorted({window.proxy.table_row(row) for row in proxy_rows})

    def _ready(self) -> bool:
        window = self._window
        if window.workflow is None or window.is_running:
            return False
        window.commit_pending_edit()
        return True

    # ----- generate ----------------------------------------------------------------------
    def open_generate(self) -> GenerateDialog | None:
        """Show "Generate logins and passwords…"; OK fills the grid (one undo step)."""
        if not self._ready():
            return None
        window = self._window
        workflow = window.workflow
        assert workflow is not None
        connection = window.connection
        dialog = GenerateDialog(
            window,  # type: ignore[arg-type]
            workflow.doc.table,
            selected_rows=self.selected_rows(),
            connection=connection,
            options=remembered_options(min_password_length(connection)),
            avoid_taken=settings.GENERATE_AVOID_TAKEN.get(),
        )
        dialog.accepted.connect(lambda: self._generate_accepted(dialog))
        self._replace(self.generate_dialog, dialog)
        self.generate_dialog = dialog
        dialog.open()
        return dialog

    def _generate_accepted(self, dialog: GenerateDialog) -> None:
        remember_options(
            dialog.options(), dialog.avoid_taken.isChecked() if dialog.connection else None
        )
        if dialog.plan is not None:
            self.apply_fill(dialog.plan)

    def apply_fill(self, plan: FillPlan) -> int:
        """Put ``plan``'s values into the grid as one undoable step; cells changed."""
        window = self._window
        model = window.table_model
        table = model.table
        if table is None or not plan.cells or model.read_only:
            return 0
        used = {cell.role for cell in plan.cells}
        missing = [role for role in FILL_ROLES if role in used and table.column(role) is None]
        if missing:
            for role in missing:
                table.ensure_column(role)
            model.set_table(table)  # a reset, so the grid shows the new columns
            window.check_offline()
        changes = [(cell.row, table.columns[cell.role], cell.value) for cell in plan.cells]
        command = EditCellsCommand(model, changes, "Generate logins and passwords")
        window.undo_stack.push(command)
        remember_generated(table, plan)
        if missing:
            window.widgets.fit_columns([table.columns[role] for role in missing])
        window.statusBar().showMessage(plan.summary(), 10_000)
        return len(command.applied)

    # ----- cards -------------------------------------------------------------------------
    def open_cards(self) -> CardsDialog | None:
        """Show "Print login cards…" for the open workbook."""
        if not self._ready():
            return None
        window = self._window
        workflow = window.workflow
        assert workflow is not None
        dialog = CardsDialog(
            window,  # type: ignore[arg-type]
            workflow.doc.table,
            selected_rows=self.selected_rows(),
            connection=window.connection,
            prompts=window.prompts,  # type: ignore[arg-type]
            workbook_path=workflow.doc.path,
        )
        self._replace(self.cards_dialog, dialog)
        self.cards_dialog = dialog
        dialog.open()
        return dialog

    @staticmethod
    def _replace(old: GenerateDialog | CardsDialog | None, new: QObject) -> None:
        """Let the last dialog go, unless its job still runs (it goes with the window)."""
        if old is not None and old is not new and not old.job.is_running():
            old.deleteLater()

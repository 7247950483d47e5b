"""The main window's widgets: empty page, filter bar, id fix bar and grid, banner, status bar.

:func:`build_main_widgets` makes them and hands them back as one :class:`MainWidgets`;
the window wires their signals to its slots. The methods of :class:`MainWidgets` show
things in them (the connection, recent workbooks, counts), so
:mod:`gui.main_window` stays about behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.model import OUTPUT_ROLES, Progress, Role, Table
from core.paths import resource_path
from gui import theme_colors
from gui.column_fit import MAX_MESSAGE_WIDTH, MIN_MESSAGE_WIDTH, fit_columns
from gui.delegates import install_delegates
from gui.filter_proxy import RowFilter, RowFilterProxy
from gui.frozen_columns import FrozenColumnsView
from gui.id_fix import IdFixBar
from gui.run_dialogs import RunProgressPanel

if TYPE_CHECKING:
    from core.connection import Connection
    from gui.table_model import LoginsTableModel

__all__ = [
    "ANY_STATUS",
    "MAX_MESSAGE_WIDTH",
    "MIN_MESSAGE_WIDTH",
    "MainWidgets",
    "build_main_widgets",
]

ANY_STATUS = "Any status"
#: Page of :attr:`MainWidgets.pages` shown with no workbook open, and with one.
EMPTY_PAGE, GRID_PAGE = 0, 1
#: The chosen filter stands out in the theme's highlight colour (light and dark alike).
FILTER_BUTTON_STYLE = (
    "QToolButton { padding: 3px 10px; border: 1px solid palette(mid); border-radius: 4px;"
    " background: palette(button); }"
    "QToolButton:hover { border-color: palette(highlight); }"
    "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border-color: palette(highlight); }"
)
FILTER_MODES = (RowFilter.ALL, RowFilter.PROBLEMS, RowFilter.NOT_DONE, RowFilter.DONE)


@dataclass
class MainWidgets:
    """The window's widgets, made by :func:`build_main_widgets`."""

    banner: QLabel
    pages: QStackedWidget
    # the empty page
    open_button: QPushButton
    demo_button: QPushButton
    recent_box: QWidget
    recent_layout: QVBoxLayout
    # the grid page
    filter_buttons: dict[RowFilter, QToolButton]
    filter_group: QButtonGroup
    status_filter: QComboBox
    count_label: QLabel
    search_box: QLineEdit
    id_fix_bar: IdFixBar
    view: FrozenColumnsView
    progress_panel: RunProgressPanel
    # the status bar
    connection_label: QLabel
    #: What the window is waiting for (opening, saving, checking): shown, with Cancel
    #: when it can be cancelled, only when the wait is long enough to notice.
    busy_bar: QProgressBar
    busy_cancel: QToolButton

    # ----- showing -----------------------------------------------------------------
    def show_busy(self, cancellable: bool) -> None:
        """The status bar's progress (moving until there are counts), Cancel if it can."""
        self.busy_bar.setRange(0, 0)
        self.busy_bar.show()
        self.busy_cancel.setVisible(cancellable)
        self.busy_cancel.setEnabled(cancellable)

    def show_busy_progress(self, report: Progress) -> None:
        if report.total > 0:
            self.busy_bar.setRange(0, report.total)
            self.busy_bar.setValue(min(report.done, report.total))

    def hide_busy(self) -> None:
        self.busy_bar.hide()
        self.busy_cancel.hide()

    def show_connection(self, conn: Connection | None) -> None:
        """The banner (production in red) and the status bar's connection text."""
        if conn is None:
            self.banner.hide()
            self.connection_label.setText("Not connected  ")
            self.connection_label.setToolTip("Canvas ▸ Connect… to choose a Canvas")
            return
        production = bool(getattr(conn, "production", False))
        host = getattr(conn, "host", "")
        account = getattr(conn, "account_name", "")
        user = getattr(conn, "user_name", "")
        is_sandbox = getattr(conn, "sandbox", None) is not None
        if production:
            text = (
                f"PRODUCTION  ·  {host}  ·  {account}  —  changes here are real and students "
                "see them"
            )
        elif is_sandbox:
            text = "PRACTICE SANDBOX  ·  nothing here touches your real Canvas"
        else:
            kind = getattr(conn, "kind", "test").upper()
            text = f"{kind}  ·  {host}  ·  {account}"
        background, foreground = theme_colors.banner_colors(production)
        if not production and not is_sandbox:
            background = QColor(21, 101, 192)
        self.banner.setText(text)
        self.banner.setStyleSheet(
            f"QLabel#ConnectionBanner {{ background: {background.name()}; "
            f"color: {foreground.name()}; font-weight: bold; padding: 5px; }}"
        )
        self.banner.setAccessibleName(text)
        self.banner.show()
        self.connection_label.setText(f"{host} · {account} · {user}  ")
        self.connection_label.setToolTip(f"Connected to {host} as {user}, account {account}")

    def show_recent_files(self, files: list[str], open_file: Callable[[str], object]) -> None:
        """The empty page's links to recent workbooks."""
        while self.recent_layout.count():
            item = self.recent_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if not files:
            return
        caption = QLabel("Recent workbooks", self.recent_box)
        caption.setStyleSheet(f"color: {theme_colors.muted_text().name()};")
        self.recent_layout.addWidget(caption, 0, Qt.AlignmentFlag.AlignHCenter)
        for path in files:
            link = QPushButton(Path(path).name, self.recent_box)
            link.setFlat(True)
            link.setCursor(Qt.CursorShape.PointingHandCursor)
            link.setToolTip(path)
            link.setAccessibleName(f"Open recent workbook {Path(path).name}")
            link.clicked.connect(lambda _c=False, p=path: open_file(p))
            self.recent_layout.addWidget(link, 0, Qt.AlignmentFlag.AlignHCenter)

    def fit_columns(self, columns: list[int] | None = None) -> None:
        """Columns as wide as their text, within bounds (:func:`gui.column_fit.fit_columns`)."""
        fit_columns(self.view, columns)

    def fit_output_columns(self, model: LoginsTableModel) -> None:
        """Fit Status, Message, ... after results arrived (they start out empty)."""
        columns = [model.column_for(role) for role in OUTPUT_ROLES]
        self.fit_columns([col for col in columns if col is not None])

    def show_results_columns(self, model: LoginsTableModel) -> None:
        """Scroll the grid right so Status and Message are in view next to the frozen
        names: after a check or a run they are what staff read first."""
        row = max(self.view.rowAt(0), 0)
        for role in (Role.MESSAGE, Role.STATUS):
            column = model.column_for(role)
            if column is None or self.view.model() is None:
                continue
            index = self.view.model().index(row, column)
            if index.isValid():
                self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def chosen_status(self, index: int) -> tuple[RowFilter, str]:
        """The filter the status drop-down's item ``index`` stands for."""
        text = self.status_filter.itemText(index)
        if text == ANY_STATUS:
            return RowFilter.ALL, ""
        return RowFilter.STATUS, text

    def sync_filter_buttons(self, proxy: RowFilterProxy, model: LoginsTableModel) -> None:
        """The filter buttons and the status drop-down show the proxy's filter."""
        mode = proxy.mode
        self.filter_group.setExclusive(False)
        for key, button in self.filter_buttons.items():
            button.setChecked(key is mode)
        self.filter_group.setExclusive(True)
        self.refresh_status_choices(proxy, model)

    def refresh_status_choices(self, proxy: RowFilterProxy, model: LoginsTableModel) -> None:
        current = proxy.status if proxy.mode is RowFilter.STATUS else ANY_STATUS
        choices = [ANY_STATUS, *model.statuses_present()]
        if current not in choices:
            choices.append(current)
        combo = self.status_filter
        if [combo.itemText(i) for i in range(combo.count())] != choices:
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(choices)
            combo.blockSignals(False)
        combo.setCurrentText(current)

    def update_counts(
        self, table: Table | None, proxy: RowFilterProxy, model: LoginsTableModel
    ) -> None:
        """ "Showing 4 of 18 rows", and the number of rows with problems."""
        if table is None:
            self.count_label.setText("")
            return
        total = len(table.rows)
        shown = proxy.rowCount()
        problems = len(model.findings.rows_with_problems())
        self.filter_buttons[RowFilter.PROBLEMS].setText(
            f"Rows with problems ({problems})" if problems else "Rows with problems"
        )
        self.count_label.setText(
            f"{total} rows" if shown == total else f"Showing {shown} of {total} rows"
        )
        self.refresh_status_choices(proxy, model)


# ----- building ----------------------------------------------------------------------
def build_main_widgets(window: QMainWindow, proxy: RowFilterProxy) -> MainWidgets:
    """Make the window's central widget (banner, empty page, grid page) and status bar.

    The pages are built as dicts of their widgets (a "page" entry for the page itself)
    and gathered into one :class:`MainWidgets`.
    """
    central = QWidget(window)
    outer = QVBoxLayout(central)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(0)
    banner = QLabel(central)
    banner.setObjectName("ConnectionBanner")
    banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
    banner.setWordWrap(True)
    banner.hide()
    outer.addWidget(banner)
    pages = QStackedWidget(central)
    empty = _build_empty_page(window)
    grid = _build_grid_page(window, proxy)
    pages.addWidget(empty.pop("page"))
    pages.addWidget(grid.pop("page"))
    outer.addWidget(pages, 1)
    window.setCentralWidget(central)
    connection_label = QLabel(window)
    connection_label.setObjectName("ConnectionLabel")
    connection_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    busy_bar = QProgressBar(window)
    busy_bar.setObjectName("BusyProgress")
    busy_bar.setAccessibleName("Progress")
    busy_bar.setMaximumWidth(160)
    busy_bar.setMaximumHeight(16)
    busy_bar.setTextVisible(False)
    busy_bar.hide()
    busy_cancel = QToolButton(window)
    busy_cancel.setObjectName("BusyCancel")
    busy_cancel.setText("Cancel")
    busy_cancel.setAccessibleName("Cancel opening")
    busy_cancel.setAutoRaise(True)
    # no taller than the status bar's text, so the bar keeps its height when it shows
    busy_cancel.setMaximumHeight(connection_label.sizeHint().height())
    busy_cancel.hide()
    window.statusBar().addPermanentWidget(busy_bar)
    window.statusBar().addPermanentWidget(busy_cancel)
    window.statusBar().addPermanentWidget(connection_label)
    widgets = MainWidgets(
        banner=banner,
        pages=pages,
        connection_label=connection_label,
        busy_bar=busy_bar,
        busy_cancel=busy_cancel,
        **empty,
        **grid,
    )
    # Status, Message, ... appended before a run are sized at once, not left at Qt's 100px.
    proxy.columnsInserted.connect(
        lambda _parent, first, last: widgets.fit_columns(list(range(first, last + 1)))
    )
    return widgets


def _build_empty_page(window: QMainWindow) -> dict[str, Any]:
    page = QWidget(window)
    page.setObjectName("EmptyPage")
    layout = QVBoxLayout(page)
    layout.addStretch(2)
    icon = QLabel(page)
    ratio = window.devicePixelRatioF()
    pixmap = QPixmap(str(resource_path("icon-256.png")))
    size = round(88 * ratio)
    pixmap = pixmap.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    pixmap.setDevicePixelRatio(ratio)
    icon.setPixmap(pixmap)
    icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(icon)
    title = QLabel("Open a workbook to start", page)
    title.setObjectName("EmptyTitle")
    font = title.font()
    font.setPointSizeF(font.pointSizeF() * 1.7)
    font.setBold(True)
    title.setFont(font)
    title.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(title)
    hint = QLabel(
        "The workbook the teachers filled in: an Excel file (.xlsx, .xlsm) or a CSV file.\n"
        "You can also drop it onto this window.",
        page,
    )
    hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
    hint.setStyleSheet(f"color: {theme_colors.muted_text().name()};")
    layout.addWidget(hint)
    layout.addSpacing(14)
    buttons = QHBoxLayout()
    buttons.addStretch(1)
    open_button = QPushButton("Open a workbook…", page)
    open_button.setObjectName("BigOpenButton")
    open_button.setDefault(True)
    open_button.setMinimumHeight(40)
    open_button.setMinimumWidth(200)
    bold = open_button.font()
    bold.setBold(True)
    bold.setPointSizeF(bold.pointSizeF() * 1.1)
    open_button.setFont(bold)
    demo_button = QPushButton("Try the demo", page)
    demo_button.setObjectName("DemoButton")
    demo_button.setMinimumHeight(40)
    demo_button.setMinimumWidth(160)
    demo_button.setToolTip("Open a practice workbook and connect to the built-in practice sandbox")
    buttons.addWidget(open_button)
    buttons.addSpacing(10)
    buttons.addWidget(demo_button)
    buttons.addStretch(1)
    layout.addLayout(buttons)
    layout.addSpacing(18)
    recent_box = QWidget(page)
    recent_layout = QVBoxLayout(recent_box)
    recent_layout.setContentsMargins(0, 0, 0, 0)
    recent_layout.setSpacing(2)
    layout.addWidget(recent_box, 0, Qt.AlignmentFlag.AlignHCenter)
    layout.addStretch(3)
    return {
        "page": page,
        "open_button": open_button,
        "demo_button": demo_button,
        "recent_box": recent_box,
        "recent_layout": recent_layout,
    }


def _build_grid_page(window: QMainWindow, proxy: RowFilterProxy) -> dict[str, Any]:
    page = QWidget(window)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(8, 6, 8, 4)
    layout.setSpacing(6)
    bar = QHBoxLayout()
    bar.setSpacing(4)
    show_label = QLabel("Show:", page)
    bar.addWidget(show_label)
    filter_buttons: dict[RowFilter, QToolButton] = {}
    filter_group = QButtonGroup(page)
    filter_group.setExclusive(True)
    for mode in FILTER_MODES:
        button = QToolButton(page)
        button.setText(mode.value)
        button.setCheckable(True)
        button.setAutoRaise(False)
        button.setAccessibleName(f"Show {mode.value.lower()}")
        button.setMinimumHeight(26)
        button.setObjectName("FilterButton")
        button.setStyleSheet(FILTER_BUTTON_STYLE)
        filter_group.addButton(button)
        filter_buttons[mode] = button
        bar.addWidget(button)
    filter_buttons[RowFilter.ALL].setChecked(True)
    bar.addSpacing(6)
    status_filter = QComboBox(page)
    status_filter.setAccessibleName("Show rows with status")
    status_filter.setToolTip("Show only the rows with this status")
    status_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    status_filter.addItem(ANY_STATUS)
    bar.addWidget(status_filter)
    bar.addStretch(1)
    count_label = QLabel(page)
    count_label.setObjectName("RowCount")
    bar.addWidget(count_label)
    bar.addSpacing(8)
    search_box = QLineEdit(page)
    search_box.setPlaceholderText("Search rows (Ctrl+F)")
    search_box.setAccessibleName("Search rows")
    search_box.setClearButtonEnabled(True)
    search_box.setMinimumWidth(220)
    bar.addWidget(search_box)
    layout.addLayout(bar)

    id_fix_bar = IdFixBar(proxy.source(), page)
    layout.addWidget(id_fix_bar)

    view = FrozenColumnsView(page)
    view.setObjectName("Grid")
    view.setAccessibleName("Rows of the workbook")
    view.setModel(proxy)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.verticalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    row_height = view.fontMetrics().height() + 10
    view.verticalHeader().setDefaultSectionSize(row_height)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    install_delegates(view)
    view.refreeze()  # the frozen part takes the look set above
    layout.addWidget(view, 1)

    progress_panel = RunProgressPanel(page)
    progress_panel.hide()
    layout.addWidget(progress_panel)
    QShortcut(QKeySequence("Ctrl+L"), window, activated=view.setFocus)
    return {
        "page": page,
        "filter_buttons": filter_buttons,
        "filter_group": filter_group,
        "status_filter": status_filter,
        "count_label": count_label,
        "search_box": search_box,
        "id_fix_bar": id_fix_bar,
        "view": view,
        "progress_panel": progress_panel,
    }

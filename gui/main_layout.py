"""The main window's widgets: empty state, filter bar and grid, banner, status bar.

Functions of the window (``w``) so :mod:`gui.main_window` stays about behaviour.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.model import OUTPUT_ROLES
from core.paths import resource_path
from gui import main_actions, settings, theme_colors
from gui.delegates import install_delegates
from gui.filter_proxy import RowFilter
from gui.run_dialogs import RunProgressPanel

if TYPE_CHECKING:
    from gui.main_window import MainWindow

MAX_COLUMN_WIDTH = 280
MIN_COLUMN_WIDTH = 64
ANY_STATUS = "Any status"
#: The chosen filter stands out in the theme's highlight colour (light and dark alike).
FILTER_BUTTON_STYLE = (
    "QToolButton { padding: 3px 10px; border: 1px solid palette(mid); border-radius: 4px;"
    " background: palette(button); }"
    "QToolButton:hover { border-color: palette(highlight); }"
    "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border-color: palette(highlight); }"
)


def build_body(w: MainWindow) -> None:
    central = QWidget(w)
    outer = QVBoxLayout(central)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(0)
    w.banner = QLabel(central)
    w.banner.setObjectName("ConnectionBanner")
    w.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
    w.banner.setWordWrap(True)
    w.banner.hide()
    outer.addWidget(w.banner)
    w.pages = QStackedWidget(central)
    w.pages.addWidget(build_empty_page(w))
    w.pages.addWidget(build_grid_page(w))
    outer.addWidget(w.pages, 1)
    w.setCentralWidget(central)


def build_empty_page(w: MainWindow) -> QWidget:
    page = QWidget(w)
    page.setObjectName("EmptyPage")
    layout = QVBoxLayout(page)
    layout.addStretch(2)
    icon = QLabel(page)
    ratio = w.devicePixelRatioF()
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
    w.open_button = QPushButton("Open a workbook…", page)
    w.open_button.setObjectName("BigOpenButton")
    w.open_button.setDefault(True)
    w.open_button.setMinimumHeight(40)
    w.open_button.setMinimumWidth(200)
    bold = w.open_button.font()
    bold.setBold(True)
    bold.setPointSizeF(bold.pointSizeF() * 1.1)
    w.open_button.setFont(bold)
    w.open_button.clicked.connect(w.choose_and_open)
    w.demo_button = QPushButton("Try the demo", page)
    w.demo_button.setObjectName("DemoButton")
    w.demo_button.setMinimumHeight(40)
    w.demo_button.setMinimumWidth(160)
    w.demo_button.setToolTip(
        "Open a practice workbook and connect to the built-in practice sandbox"
    )
    w.demo_button.clicked.connect(w.open_demo)
    buttons.addWidget(w.open_button)
    buttons.addSpacing(10)
    buttons.addWidget(w.demo_button)
    buttons.addStretch(1)
    layout.addLayout(buttons)
    layout.addSpacing(18)
    w.recent_box = QWidget(page)
    w.recent_layout = QVBoxLayout(w.recent_box)
    w.recent_layout.setContentsMargins(0, 0, 0, 0)
    w.recent_layout.setSpacing(2)
    layout.addWidget(w.recent_box, 0, Qt.AlignmentFlag.AlignHCenter)
    layout.addStretch(3)
    return page


def build_grid_page(w: MainWindow) -> QWidget:
    page = QWidget(w)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(8, 6, 8, 4)
    layout.setSpacing(6)
    bar = QHBoxLayout()
    bar.setSpacing(4)
    show_label = QLabel("Show:", page)
    bar.addWidget(show_label)
    w.filter_buttons: dict[RowFilter, QToolButton] = {}
    w.filter_group = QButtonGroup(page)
    w.filter_group.setExclusive(True)
    for mode in (RowFilter.ALL, RowFilter.PROBLEMS, RowFilter.NOT_DONE, RowFilter.DONE):
        button = QToolButton(page)
        button.setText(mode.value)
        button.setCheckable(True)
        button.setAutoRaise(False)
        button.setAccessibleName(f"Show {mode.value.lower()}")
        button.setMinimumHeight(26)
        button.setObjectName("FilterButton")
        button.setStyleSheet(FILTER_BUTTON_STYLE)
        button.clicked.connect(lambda _c=False, m=mode: w.set_row_filter(m))
        w.filter_group.addButton(button)
        w.filter_buttons[mode] = button
        bar.addWidget(button)
    w.filter_buttons[RowFilter.ALL].setChecked(True)
    bar.addSpacing(6)
    w.status_filter = QComboBox(page)
    w.status_filter.setAccessibleName("Show rows with status")
    w.status_filter.setToolTip("Show only the rows with this status")
    w.status_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    w.status_filter.addItem(ANY_STATUS)
    w.status_filter.activated.connect(w._status_filter_chosen)
    bar.addWidget(w.status_filter)
    bar.addStretch(1)
    w.count_label = QLabel(page)
    w.count_label.setObjectName("RowCount")
    bar.addWidget(w.count_label)
    bar.addSpacing(8)
    w.search_box = QLineEdit(page)
    w.search_box.setPlaceholderText("Search rows (Ctrl+F)")
    w.search_box.setAccessibleName("Search rows")
    w.search_box.setClearButtonEnabled(True)
    w.search_box.setMinimumWidth(220)
    w.search_box.textChanged.connect(w.proxy.set_search)
    bar.addWidget(w.search_box)
    layout.addLayout(bar)

    w.view = QTableView(page)
    w.view.setObjectName("Grid")
    w.view.setAccessibleName("Rows of the workbook")
    w.view.setModel(w.proxy)
    w.view.setAlternatingRowColors(True)
    w.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    w.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    w.view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    w.view.setWordWrap(False)
    w.view.setTextElideMode(Qt.TextElideMode.ElideRight)
    w.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    w.view.verticalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    w.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    row_height = w.view.fontMetrics().height() + 10
    w.view.verticalHeader().setDefaultSectionSize(row_height)
    w.view.horizontalHeader().setHighlightSections(False)
    w.view.horizontalHeader().setStretchLastSection(True)
    w.view.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    install_delegates(w.view)
    layout.addWidget(w.view, 1)

    w.progress_panel = RunProgressPanel(page)
    w.progress_panel.stop_requested.connect(w.stop_run)
    w.progress_panel.hide()
    layout.addWidget(w.progress_panel)
    QShortcut(QKeySequence("Ctrl+L"), w, activated=w.view.setFocus)
    return page


def build_status_bar(w: MainWindow) -> None:
    status = w.statusBar()
    w.connection_label = QLabel(w)
    w.connection_label.setObjectName("ConnectionLabel")
    w.connection_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    status.addPermanentWidget(w.connection_label)


def show_connection(w: MainWindow) -> None:
    conn = w.connection
    if conn is None:
        w.banner.hide()
        w.connection_label.setText("Not connected  ")
        w.connection_label.setToolTip("Canvas ▸ Connect… to choose a Canvas")
        return
    production = bool(getattr(conn, "production", False))
    host = getattr(conn, "host", "")
    account = getattr(conn, "account_name", "")
    user = getattr(conn, "user_name", "")
    is_sandbox = getattr(conn, "sandbox", None) is not None
    if production:
        text = (
            f"PRODUCTION  ·  {host}  ·  {account}  —  changes here are real and students see them"
        )
    elif is_sandbox:
        text = "PRACTICE SANDBOX  ·  nothing here touches your real Canvas"
    else:
        kind = getattr(conn, "kind", "test").upper()
        text = f"{kind}  ·  {host}  ·  {account}"
    background, foreground = theme_colors.banner_colors(production)
    if not production and not is_sandbox:
        background = QColor(21, 101, 192)
    w.banner.setText(text)
    w.banner.setStyleSheet(
        f"QLabel#ConnectionBanner {{ background: {background.name()}; "
        f"color: {foreground.name()}; font-weight: bold; padding: 5px; }}"
    )
    w.banner.setAccessibleName(text)
    w.banner.show()
    w.connection_label.setText(f"{host} · {account} · {user}  ")
    w.connection_label.setToolTip(f"Connected to {host} as {user}, account {account}")


def refresh_recent_files(w: MainWindow) -> None:
    main_actions.fill_recent_menu(w, w.actions_.recent_menu) if hasattr(w, "actions_") else None
    while w.recent_layout.count():
        item = w.recent_layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
    files = settings.RECENT_FILES.get()[:5]
    if not files:
        return
    caption = QLabel("Recent workbooks", w.recent_box)
    caption.setStyleSheet(f"color: {theme_colors.muted_text().name()};")
    w.recent_layout.addWidget(caption, 0, Qt.AlignmentFlag.AlignHCenter)
    for path in files:
        link = QPushButton(Path(path).name, w.recent_box)
        link.setFlat(True)
        link.setCursor(Qt.CursorShape.PointingHandCursor)
        link.setToolTip(path)
        link.setAccessibleName(f"Open recent workbook {Path(path).name}")
        link.clicked.connect(lambda _c=False, p=path: w.open_file(p))
        w.recent_layout.addWidget(link, 0, Qt.AlignmentFlag.AlignHCenter)


def fit_columns(w: MainWindow, columns: list[int] | None = None) -> None:
    """Columns as wide as their text (sampled by Qt), within sensible bounds."""
    header = w.view.horizontalHeader()
    wanted = range(w.table_model.columnCount()) if columns is None else columns
    for col in wanted:
        w.view.resizeColumnToContents(col)
        width = header.sectionSize(col)
        header.resizeSection(col, max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, width + 12)))
    if columns is None and w.show_problems_when_found and w.table_model.findings.findings:
        w.problems_dock.show()


def fit_output_columns(w: MainWindow) -> None:
    """Fit Status, Message, ... after results arrived (they start out empty)."""
    model = w.table_model
    columns = [model.column_for(role) for role in OUTPUT_ROLES]
    fit_columns(w, [col for col in columns if col is not None])


def status_filter_chosen(w: MainWindow, index: int) -> None:
    text = w.status_filter.itemText(index)
    if text == ANY_STATUS:
        w.set_row_filter(RowFilter.ALL)
    else:
        w.set_row_filter(RowFilter.STATUS, text)


def sync_filter_controls(w: MainWindow) -> None:
    mode = w.proxy.mode
    w.filter_group.setExclusive(False)
    for key, button in w.filter_buttons.items():
        button.setChecked(key is mode)
    w.filter_group.setExclusive(True)
    for key, action in w.actions_.filters.items() if hasattr(w, "actions_") else ():
        action.setChecked(key is mode)
    refresh_status_choices(w)


def refresh_status_choices(w: MainWindow) -> None:
    current = w.proxy.status if w.proxy.mode is RowFilter.STATUS else ANY_STATUS
    choices = [ANY_STATUS, *w.table_model.statuses_present()]
    if current not in choices:
        choices.append(current)
    if [w.status_filter.itemText(i) for i in range(w.status_filter.count())] != choices:
        w.status_filter.blockSignals(True)
        w.status_filter.clear()
        w.status_filter.addItems(choices)
        w.status_filter.blockSignals(False)
    w.status_filter.setCurrentText(current)


def update_counts(w: MainWindow) -> None:
    table = w.doc.table if w.doc is not None else None
    if table is None:
        w.count_label.setText("")
        return
    total = len(table.rows)
    shown = w.proxy.rowCount()
    problems = len(w.table_model.findings.rows_with_problems())
    w.filter_buttons[RowFilter.PROBLEMS].setText(
        f"Rows with problems ({problems})" if problems else "Rows with problems"
    )
    w.count_label.setText(f"{total} rows" if shown == total else f"Showing {shown} of {total} rows")
    refresh_status_choices(w)

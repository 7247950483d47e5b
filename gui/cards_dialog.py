"""File → "Print login cards…": which rows, how, a preview of the pages, print and save.

The PDF is made by :mod:`core.kit.cards` and shown, saved and printed on a worker
thread (:class:`gui.worker.BackgroundJob`), so a class of 30 (about a second of work)
never freezes the window. One job does all three in turn, so the preview cannot change
under a print. Whether the school signs in through SSO (which changes the address on
the cards) is asked of Canvas in a second, small background job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QLocale, QTimer, Signal
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.kit.cards import (
    CardOptions,
    CardsNotSaved,
    CardsReport,
    LoginCard,
    PageSize,
    cards_for,
    cards_pdf,
    default_card_rows,
    default_page_size,
    sign_in_address,
    write_cards_pdf,
)
from core.kit.cards_render import RenderedPage, render_pages
from core.model import CancelToken, ProgressCallback, Role, Table
from core.profiles import host_of
from gui import settings
from gui.cards_preview import PagesView, PrintFailed, print_pdf
from gui.screen_fit import SCREEN_SHARE, plural
from gui.theme_colors import muted_text
from gui.worker import BackgroundJob

if TYPE_CHECKING:
    from core.connection import Connection

__all__ = ["CardsDialog", "PdfPathPrompt"]

NO_ADDRESS = (
    "Type the sign-in address the children go to (for example school.instructure.com): "
    "the cards need it."
)
#: Options settle this long before the preview is made again (typing the address).
PREVIEW_DELAY_MS = 300
PAGE_LABELS = {PageSize.LETTER: "US Letter", PageSize.A4: "A4"}
QT_PAGE_SIZES = {PageSize.LETTER: QPageSize.PageSizeId.Letter, PageSize.A4: QPageSize.PageSizeId.A4}
WARNING_STYLE = "color: #c62828;"


class PdfPathPrompt(Protocol):
    """The question the dialog asks staff (the window's prompts; tests answer it)."""

    def ask_cards_pdf_path(self, suggested: Path) -> str | None: ...


@dataclass(frozen=True)
class Preview:
    """What the preview job made: the PDF, its report and the pages at screen resolution."""

    pdf: bytes
    report: CardsReport
    pages: list[RenderedPage]


class CardsDialog(QDialog):
    """Choose the rows and the layout; preview the pages; print or save them as a PDF."""

    #: The preview is ready (or there is nothing to show); tests wait for it.
    preview_ready = Signal()
    #: A save or print ended: a sentence for staff (also shown in the dialog).
    output_done = Signal(str)

    def __init__(
        self,
        parent: QWidget | None,
        table: Table,
        *,
        selected_rows: Sequence[int] = (),
        connection: Connection | None = None,
        prompts: PdfPathPrompt | None = None,
        workbook_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CardsDialog")
        self.setWindowTitle("Print login cards")
        self.table = table
        self.connection = connection
        self.provider_types = dict(connection.provider_types) if connection else None
        self.selected_rows = sorted(set(selected_rows))
        self.created_rows = default_card_rows(table)
        every_row = range(len(table.rows))
        self.login_rows = [c.row for c in cards_for(table, every_row, class_column=None)]
        self.prompts = prompts
        self.workbook_path = workbook_path
        self.preview: Preview | None = None
        self._address_qr: tuple[str, str] | None = None
        self._stale = False
        self._on_done: Callable[[Any], None] | None = None
        self._printer: QPrinter | None = None
        self.job = BackgroundJob(self)
        self.job.finished.connect(self._job_finished)
        self.job.failed.connect(self._job_failed)
        self.address_job = BackgroundJob(self)
        self.address_job.finished.connect(self._address_found)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(8)
        layout.addLayout(self._options_form())
        self.unprintable = QLabel(self)
        self.unprintable.setObjectName("CardsUnprintable")
        self.unprintable.setWordWrap(True)
        self.unprintable.setStyleSheet(WARNING_STYLE)
        self.unprintable.hide()
        layout.addWidget(self.unprintable)
        self.pages = PagesView(self)
        layout.addWidget(self.pages, 1)
        self.message = QLabel(self)
        self.message.setObjectName("CardsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.print_button = self.buttons.addButton("Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = self.buttons.addButton(
            "Save as PDF…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.print_button.clicked.connect(self.choose_printer_and_print)
        self.save_button.clicked.connect(self.choose_path_and_save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._connect_changes()
        self.setMinimumWidth(700)
        room = int(self.screen().availableGeometry().height() * SCREEN_SHARE)
        self.resize(760, min(860, room))
        self._ask_sign_in_address()
        self.refresh_preview()

    # ----- building ------------------------------------------------------------------
    def _options_form(self) -> QFormLayout:
        form = QFormLayout()
        rows_line = QHBoxLayout()
        self.created_choice = QRadioButton(f"Made by the last run ({len(self.created_rows)})", self)
        self.created_choice.setToolTip("Rows whose Status says a run created or updated the login")
        self.selected_choice = QRadioButton(f"Selected rows ({len(self.selected_rows)})", self)
        self.all_choice = QRadioButton(f"Every row with a login ({len(self.login_rows)})", self)
        self.rows_group = QButtonGroup(self)
        for button, rows in (
            (self.created_choice, self.created_rows),
            (self.selected_choice, self.selected_rows),
            (self.all_choice, self.login_rows),
        ):
            self.rows_group.addButton(button)
            button.setEnabled(bool(rows))
            rows_line.addWidget(button)
        rows_line.addStretch(1)
        if self.created_rows:
            self.created_choice.setChecked(True)
        elif len(self.selected_rows) > 1:
            self.selected_choice.setChecked(True)
        else:
            self.all_choice.setChecked(True)
        form.addRow("Cards for:", rows_line)

        self.class_combo = QComboBox(self)
        self.class_combo.setAccessibleName("Class column")
        self.class_combo.addItem("(none: no class on the cards)", None)
        for col, header in enumerate(self.table.headers):
            self.class_combo.addItem(header or f"Column {col + 1}", col)
        default_col = self.table.column(Role.CLASS)
        if default_col is None:
            default_col = self.table.column(Role.TEACHER)
        self.class_combo.setCurrentIndex(max(self.class_combo.findData(default_col), 0))
        form.addRow("Class from:", self.class_combo)

        self.page_combo = QComboBox(self)
        self.page_combo.setAccessibleName("Paper size")
        for size in PageSize:
            self.page_combo.addItem(PAGE_LABELS[size], size.value)
        remembered = settings.CARDS_PAGE.get()
        system_page = default_page_size(QLocale.system().name())  # the Finder gives no $LANG
        page = remembered if remembered in set(PageSize) else system_page.value
        self.page_combo.setCurrentIndex(self.page_combo.findData(page))
        paper_line = QHBoxLayout()
        paper_line.addWidget(self.page_combo)
        hint = QLabel("10 cards a page, with cut lines", self)
        hint.setStyleSheet(f"color: {muted_text().name()};")
        paper_line.addWidget(hint)
        paper_line.addStretch(1)
        form.addRow("Paper:", paper_line)

        url = self.connection.profile.url if self.connection is not None else ""
        self.address_edit = QLineEdit(host_of(url) if url else "", self)
        self.address_edit.setAccessibleName("Sign-in address")
        self.address_edit.setPlaceholderText("school.instructure.com")
        self.address_edit.setToolTip("What the child types into the browser to sign in")
        form.addRow("Sign-in address:", self.address_edit)

        school = settings.CARDS_SCHOOL.get() or (
            self.connection.account_name if self.connection is not None else ""
        )
        self.school_edit = QLineEdit(school, self)
        self.school_edit.setAccessibleName("School name")
        self.school_edit.setPlaceholderText("optional")
        form.addRow("School name:", self.school_edit)
        return form

    def _connect_changes(self) -> None:
        self.rows_group.buttonToggled.connect(lambda _b, on: on and self.refresh_preview())
        self.class_combo.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        self.page_combo.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        self.address_edit.textEdited.connect(lambda _t: self._preview_timer.start())
        self.school_edit.textEdited.connect(lambda _t: self._preview_timer.start())

    # ----- what was chosen -------------------------------------------------------------
    def rows(self) -> list[int]:
        if self.created_choice.isChecked():
            return list(self.created_rows)
        if self.selected_choice.isChecked():
            return list(self.selected_rows)
        return list(self.login_rows)

    def cards(self) -> list[LoginCard]:
        return cards_for(
            self.table,
            self.rows(),
            class_column=self.class_combo.currentData(),
            provider_types=self.provider_types,
        )

    def page_size(self) -> PageSize:
        return PageSize(self.page_combo.currentData())

    def options(self) -> CardOptions:
        address = self.address_edit.text().strip()
        if self._address_qr is not None and address == self._address_qr[0]:
            qr_url = self._address_qr[1]
        elif address and "://" not in address:
            qr_url = "https://" + address
        else:
            qr_url = address
        return CardOptions(
            page=self.page_size(),
            address=address,
            qr_url=qr_url,
            school_name=self.school_edit.text().strip(),
        )

    # ----- the sign-in address ---------------------------------------------------------
    def _ask_sign_in_address(self) -> None:
        """Ask Canvas (in the background) whether children sign in through SSO."""
        connection = self.connection
        if connection is None:
            return
        client, account_id, url = connection.client, connection.account_id, connection.profile.url

        def ask(_progress: ProgressCallback, _cancel: CancelToken) -> tuple[str, str]:
            return sign_in_address(url, client.providers(account_id))

        self.address_job.start(ask)

    def _address_found(self, found: tuple[str, str]) -> None:
        if self.address_edit.isModified():
            return  # staff typed their own
        self._address_qr = found
        if self.address_edit.text() != found[0]:
            self.address_edit.setText(found[0])
        self.refresh_preview()

    # ----- background work -------------------------------------------------------------
    def _run(
        self, fn: Callable[[ProgressCallback, CancelToken], Any], on_done: Callable[[Any], None]
    ) -> None:
        self._on_done = on_done
        self._set_busy(True)
        self.job.start(fn)

    def _set_busy(self, busy: bool) -> None:
        """Print and Save need a finished preview, and an address for the children."""
        has_address = bool(self.address_edit.text().strip())
        ready = not busy and self.preview is not None and has_address
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)
        if not has_address:
            self._say(NO_ADDRESS, warning=True)
        elif self.message.text() == NO_ADDRESS:
            self._say("")

    def _job_finished(self, value: Any) -> None:
        on_done, self._on_done = self._on_done, None
        self._set_busy(False)
        if on_done is not None:
            on_done(value)
        if self._stale:
            self.refresh_preview()

    def _job_failed(self, message: str) -> None:
        on_done, self._on_done = self._on_done, None
        self._set_busy(False)
        self._say(message, warning=True)
        if on_done == self._show_preview:
            self.preview_ready.emit()
        else:
            self.output_done.emit(message)
        if self._stale:
            self.refresh_preview()

    def _say(self, text: str, *, warning: bool = False) -> None:
        self.message.setStyleSheet(WARNING_STYLE if warning else "")
        self.message.setText(text)

    # ----- preview ---------------------------------------------------------------------
    def refresh_preview(self) -> None:
        """Make the PDF and its pages again for the current choices (in the background)."""
        self._preview_timer.stop()
        if self.job.is_running():
            self._stale = True
            return
        self._stale = False
        cards = self.cards()
        if not cards:
            self.preview = None
            self.pages.set_pages([])
            self.pages.summary.setText("No cards: none of the chosen rows has a login.")
            self.unprintable.hide()
            self._set_busy(False)
            self.preview_ready.emit()
            return
        options, dpi = self.options(), self.pages.dpi()
        self.pages.summary.setText(f"Making {plural(len(cards), 'card')}…")

        def make(_progress: ProgressCallback, cancel: CancelToken) -> Preview:
            pdf, report = cards_pdf(cards, options, cancel=cancel)
            return Preview(pdf, report, render_pages(pdf, dpi))

        self._run(make, self._show_preview)

    def _show_preview(self, preview: Preview) -> None:
        self.preview = preview
        self._set_busy(False)
        self.pages.set_pages(preview.pages)
        self.pages.summary.setText(preview.report.summary() + ".")
        self.unprintable.setText(preview.report.unprintable_words())
        self.unprintable.setVisible(bool(preview.report.unprintable))
        self.preview_ready.emit()

    @property
    def page_count(self) -> int:
        return self.pages.page_count

    # ----- saving and printing ---------------------------------------------------------
    def suggested_pdf_path(self) -> Path:
        if self.workbook_path is None:
            return Path.home() / "Login cards.pdf"
        return self.workbook_path.with_name(f"{self.workbook_path.stem} login cards.pdf")

    def choose_path_and_save(self) -> bool:
        if self.prompts is None:
            return False
        path = self.prompts.ask_cards_pdf_path(self.suggested_pdf_path())
        return bool(path) and self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> bool:
        """Write the cards into ``path`` in the background; False when busy or empty."""
        cards = self.cards()
        if self.job.is_running() or not cards:
            return False
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        options = self.options()
        self._remember()

        def save(_progress: ProgressCallback, cancel: CancelToken) -> CardsReport | str:
            try:
                return write_cards_pdf(cards, path, options, cancel=cancel)
            except CardsNotSaved as exc:
                return exc.message

        def saved(outcome: CardsReport | str) -> None:
            if isinstance(outcome, str):
                self._output_ended(outcome, warning=True)
            else:
                self._output_ended(f"Saved {outcome.summary()} into '{path.name}'.")

        self._say(f"Saving into '{path.name}'…")
        self._run(save, saved)
        return True

    def choose_printer_and_print(self) -> bool:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QT_PAGE_SIZES[self.page_size()]))
        printer.setFullPage(True)
        chooser = QPrintDialog(printer, self)
        chooser.setWindowTitle("Print login cards")
        if chooser.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.print_to(printer)

    def print_to(self, printer: QPrinter) -> bool:
        """Print the previewed cards on ``printer`` in the background; False when busy."""
        preview = self.preview
        if self.job.is_running() or preview is None:
            return False
        self._remember()
        self._printer = printer  # alive until the job ends
        pdf = preview.pdf

        def paint(_progress: ProgressCallback, cancel: CancelToken) -> int | str:
            try:
                return print_pdf(pdf, printer, cancel)
            except PrintFailed as exc:
                return exc.message

        def printed(outcome: int | str) -> None:
            self._printer = None
            if isinstance(outcome, str):
                self._output_ended(outcome, warning=True)
            else:
                self._output_ended(f"Sent {plural(outcome, 'page')} to the printer.")

        self._say("Printing…")
        self._run(paint, printed)
        return True

    def _output_ended(self, text: str, *, warning: bool = False) -> None:
        self._say(text, warning=warning)
        self.output_done.emit(text)

    def _remember(self) -> None:
        settings.CARDS_PAGE.set(self.page_size().value)
        settings.CARDS_SCHOOL.set(self.school_edit.text().strip())

    def reject(self) -> None:
        """Close; a preview still being made stops, a save or print goes on to its end."""
        if self._on_done == self._show_preview:
            self.job.cancel()
        self.address_job.cancel()
        super().reject()

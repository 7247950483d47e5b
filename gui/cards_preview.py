"""The login cards' pages as pictures: the preview widget, and painting them on a printer.

PySide6-Essentials has no QtPdf, so the pages come from :mod:`core.kit.cards_render`
(pdfium) as RGBA bytes and are wrapped in QImages here. :func:`print_pdf` runs on a
worker thread: Qt allows painting on a QPrinter off the GUI thread, and it renders
one page at a time, so a school's worth of cards never sits in memory at printer
resolution.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPalette, QPixmap, QResizeEvent
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.kit.cards_render import RenderedPage, page_count, render_pages
from core.model import CancelToken

__all__ = ["PRINT_DPI", "PagesView", "PrintFailed", "page_image", "print_pdf"]

#: Pages go to a printer at its resolution, but never finer than this: a Letter page
#: at 300 dpi is already 34 MB of pixels, and cards need no more.
PRINT_DPI = 300
#: Room around the page in the preview (pixels).
PAGE_GAP = 8


class PrintFailed(Exception):
    """The printer refused the job; ``message`` is plain words for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def page_image(page: RenderedPage) -> QImage:
    """A QImage owning a copy of ``page``'s pixels."""
    image = QImage(
        page.rgba, page.width, page.height, page.width * 4, QImage.Format.Format_RGBA8888
    )
    return image.copy()


def print_pdf(pdf: bytes, printer: QPrinter, cancel: CancelToken | None = None) -> int:
    """Paint every page of ``pdf`` on ``printer``, each fitted to the paper and centred;
    returns the pages printed. Touches no widget (it runs on a worker thread)."""
    dpi = max(72, min(printer.resolution(), PRINT_DPI))
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed("The printer could not be started. Check that it is on and try again.")
    printed = 0
    try:
        paper = printer.pageLayout().fullRectPixels(printer.resolution())
        origin = printer.pageLayout().paintRectPixels(printer.resolution()).topLeft()
        for number in range(page_count(pdf)):
            if cancel is not None and cancel.cancelled:
                break
            if number:
                printer.newPage()
            (page,) = render_pages(pdf, dpi, range(number, number + 1))
            scale = min(paper.width() / page.width, paper.height() / page.height)
            width, height = page.width * scale, page.height * scale
            # Without full-page mode the painter starts at the printable area's corner.
            left = (paper.width() - width) / 2 - (0 if printer.fullPage() else origin.x())
            top = (paper.height() - height) / 2 - (0 if printer.fullPage() else origin.y())
            painter.drawImage(QRectF(left, top, width, height), page_image(page))
            printed += 1
    finally:
        painter.end()
    return printed


class PagesView(QWidget):
    """A summary line, "Page N of M" with Previous/Next, and the page in a scroll area."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images: list[QImage] = []
        self.page_index = 0
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        nav = QHBoxLayout()
        self.summary = QLabel(self)
        self.summary.setObjectName("CardsSummary")
        self.summary.setWordWrap(True)
        self.previous_button = QPushButton("◀ Previous", self)
        self.next_button = QPushButton("Next ▶", self)
        self.page_label = QLabel(self)
        self.page_label.setObjectName("CardsPageLabel")
        self.previous_button.clicked.connect(lambda: self.show_page(self.page_index - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page_index + 1))
        nav.addWidget(self.summary, 1)
        nav.addWidget(self.previous_button)
        nav.addWidget(self.page_label)
        nav.addWidget(self.next_button)
        column.addLayout(nav)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("CardsPreview")
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll.setBackgroundRole(QPalette.ColorRole.Dark)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.page_view = QLabel(self.scroll)
        self.page_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_view.setAccessibleName("Page preview")
        self.scroll.setWidget(self.page_view)
        self.scroll.setMinimumHeight(300)
        column.addWidget(self.scroll, 1)
        self.show_page(0)

    def _fitted(self, image: QImage) -> QPixmap:
        """The page as wide as the scroll area (never wider than rendered), in device pixels."""
        ratio = self.devicePixelRatioF()
        room = self.scroll.viewport().width() - 2 * PAGE_GAP
        width = min(image.width(), max(int(room * ratio), 100))
        pixmap = QPixmap.fromImage(
            image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        )
        pixmap.setDevicePixelRatio(ratio)
        return pixmap

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._images:
            self.show_page(self.page_index)

    def dpi(self) -> float:
        """The resolution to render pages at: the screen's, in device pixels."""
        return self.logicalDpiX() * self.devicePixelRatioF()

    @property
    def page_count(self) -> int:
        return len(self._images)

    def image(self, index: int) -> QImage:
        """Page ``index`` as rendered (before it is fitted to the preview's width)."""
        return self._images[index]

    def set_pages(self, pages: list[RenderedPage]) -> None:
        self._images = [page_image(page) for page in pages]
        self.show_page(min(self.page_index, max(self.page_count - 1, 0)))

    def show_page(self, index: int) -> None:
        count = self.page_count
        if not count:
            self.page_index = 0
            self.page_view.clear()
            self.page_view.setText("No cards to show")
            self.page_label.setText("")
        else:
            self.page_index = min(max(index, 0), count - 1)
            self.page_view.setPixmap(self._fitted(self._images[self.page_index]))
            self.page_label.setText(f"Page {self.page_index + 1} of {count}")
        self.page_view.adjustSize()
        self.previous_button.setEnabled(self.page_index > 0)
        self.next_button.setEnabled(self.page_index < count - 1)

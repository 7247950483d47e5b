"""The login cards PDF as pictures, for the app's preview and for printing.

Why: PySide6-Essentials has no QtPdf, so the app cannot draw a PDF itself. pypdfium2
(PDFium, the engine in Chrome) rasterises each page to RGBA bytes here, without Qt;
the app wraps them in a QImage and paints them in the preview or on the printer.
PDFium must not be used from two threads at once, so a lock guards it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

#: The PDF's own unit: 72 points to the inch.
POINTS_PER_INCH = 72.0

_pdfium_lock = threading.Lock()


@dataclass(frozen=True)
class RenderedPage:
    """One page: ``width`` x ``height`` pixels, 4 bytes each (R, G, B, A), rows packed."""

    width: int
    height: int
    rgba: bytes


def page_count(pdf: bytes) -> int:
    with _pdfium_lock:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def render_pages(pdf: bytes, dpi: float, pages: range | None = None) -> list[RenderedPage]:
    """Every page (or those in ``pages``, 0-based) at ``dpi`` dots per inch, on white."""
    scale = dpi / POINTS_PER_INCH
    rendered: list[RenderedPage] = []
    with _pdfium_lock:
        document = pdfium.PdfDocument(pdf)
        try:
            for number in pages if pages is not None else range(len(document)):
                page = document[number]
                bitmap = page.render(
                    scale=scale,
                    force_bitmap_format=pdfium_c.FPDFBitmap_BGRA,
                    rev_byteorder=True,
                    may_draw_forms=False,
                )
                rendered.append(_packed(bitmap.width, bitmap.height, bitmap.stride, bitmap))
                bitmap.close()
                page.close()
        finally:
            document.close()
    return rendered


def _packed(width: int, height: int, stride: int, bitmap: pdfium.PdfBitmap) -> RenderedPage:
    data = bytes(bitmap.buffer)
    row = width * 4
    if stride != row:
        data = b"".join(data[y * stride : y * stride + row] for y in range(height))
    return RenderedPage(width, height, data)

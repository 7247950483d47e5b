"""How a page of login cards looks: the grid, the cut lines, one card's text and its QR code.

:mod:`core.kit.cards` decides which cards go on which page and what each says; this
module only draws. Ten cards a page (two columns, five rows) inside margins any office
printer can reach, with dashed cut lines. The text is real text (embedded fonts with
ToUnicode maps), so the PDF can be searched and copied, and it is shaped with
HarfBuzz, so Arabic joins and runs right to left. The QR code is drawn as vector
squares (sharp at any printer resolution) and also carries a clickable link.
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import segno

from core.kit.card_fonts import MONO_BOLD, SANS, SANS_BOLD, FontFile, bundled_font


@functools.cache
def _fpdf() -> Any:
    """fpdf2, imported when the first cards are drawn: it takes a quarter of a second,
    which every other command (a run, a check) would otherwise pay at start."""
    with warnings.catch_warnings():
        # The app bundle leaves Pillow out; the cards hold no pictures, so fpdf2's
        # warning about it is noise on the command line.
        warnings.filterwarnings("ignore", "Pillow could not be imported", UserWarning)
        import fpdf
        import fpdf.enums
    return fpdf


log = logging.getLogger(__name__)

COLUMNS = 2
ROWS = 5
CARDS_PER_PAGE = COLUMNS * ROWS

#: Distances in PDF points (1/72 inch).
_MARGIN_X = 30.0
_MARGIN_TOP = 26.0
_HEADING = 30.0
_MARGIN_BOTTOM = 30.0
_PAD_X = 12.0
_PAD_TOP = 8.0
_PAD_BOTTOM = 9.0
#: About 2.5 cm: phones read it easily at arm's length.
QR_SIZE = 71.0
_GAP = 10.0
#: Rows of the QR overlap by this much, so no hairline shows between them on screen.
_SEAM = 0.05

_INK = (0, 0, 0)
_QUIET = (95, 95, 95)
_CUT = (150, 150, 150)

SANS_FAMILY = "cardsans"
MONO_FAMILY = "cardmono"

GO_TO = "Go to"
LOGIN = "Login"
PASSWORD = "Password"
ASK_TEACHER = "Ask your teacher"
SSO_WORDS = "Sign in with your usual school login"
FOOTER = "Cut along the dashed lines. Each child gets their own card: keep it somewhere safe."


@dataclass(frozen=True)
class CardFace:
    """Everything one card shows, as plain text."""

    name: str
    detail: str  # the class (and school), under the name
    address: str
    qr_url: str
    login: str
    password: str | None
    sso: bool

    @property
    def own_text(self) -> str:
        """The words that differ from card to card (what fonts must be found for)."""
        return f"{self.name}{self.detail}{self.login}{self.password or ''}"


@dataclass(frozen=True)
class Grid:
    """Where the ten cards of a page sit."""

    page_width: float
    page_height: float

    @property
    def card_width(self) -> float:
        return (self.page_width - 2 * _MARGIN_X) / COLUMNS

    @property
    def card_height(self) -> float:
        return (self.page_height - _MARGIN_TOP - _HEADING - _MARGIN_BOTTOM) / ROWS

    @property
    def top(self) -> float:
        return _MARGIN_TOP + _HEADING

    def origin(self, slot: int) -> tuple[float, float]:
        row, column = divmod(slot, COLUMNS)
        return _MARGIN_X + column * self.card_width, self.top + row * self.card_height


class CardSheet:
    """A PDF being drawn, page by page. ``fallbacks`` draw what DejaVu cannot."""

    def __init__(self, page_width: float, page_height: float, fallbacks: Sequence[FontFile]):
        self.grid = Grid(page_width, page_height)
        pdf = _fpdf().FPDF(unit="pt", format=(page_width, page_height))
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.c_margin = 0
        pdf.set_title("Login cards")
        pdf.set_creator("Canvas Logins")
        pdf.add_font(SANS_FAMILY, "", str(bundled_font(SANS).path))
        pdf.add_font(SANS_FAMILY, "B", str(bundled_font(SANS_BOLD).path))
        pdf.add_font(MONO_FAMILY, "B", str(bundled_font(MONO_BOLD).path))
        names = [SANS_FAMILY]
        #: Fallback fonts the PDF library could not load (the caller picks others).
        self.unusable: list[FontFile] = []
        for number, font in enumerate(fallbacks):
            name = f"fallback{number}"
            try:
                pdf.add_font(name, "", str(font.path), collection_font_number=font.index)
            except Exception as exc:  # an unusual font format: not used, others are tried
                log.info("font %s (face %d) not loaded: %s", font.path, font.index, exc)
                self.unusable.append(font)
                continue
            names.append(name)
        pdf.set_fallback_fonts(names, exact_match=False)
        pdf.set_text_shaping(True)
        self.pdf = pdf

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    @property
    def pages(self) -> int:
        return self.pdf.page_no()

    # --- text ---------------------------------------------------------------------------

    def _fit(
        self, text: str, family: str, style: str, size: float, low: float, width: float
    ) -> float:
        """The largest size up to ``size`` (in half points, at least ``low``) that fits."""
        pdf = self.pdf
        pdf.set_font(family, style, size)
        natural = pdf.get_string_width(text)
        if natural > width:
            size = max(low, math.floor(2 * size * width / natural) / 2)
            pdf.set_font(family, style, size)
        return size

    def _line(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        *,
        family: str = SANS_FAMILY,
        style: str = "",
        size: float = 10,
        low: float = 7,
        color: tuple[int, int, int] = _INK,
        align: str = "L",
    ) -> float:
        """One line of text at (x, y) shrunk to fit ``width``; wraps only when it must."""
        pdf = self.pdf
        size = self._fit(text, family, style, size, low, width)
        pdf.set_text_color(*color)
        height = size * 1.2
        pdf.set_xy(x, y)
        if pdf.get_string_width(text) <= width:
            pdf.cell(w=width, h=height, text=text, align=align)
            return height
        wrap = _fpdf().enums.WrapMode.CHAR
        pdf.multi_cell(w=width, h=size * 1.1, text=text, align=align, wrapmode=wrap)
        return pdf.get_y() - y

    # --- the page -----------------------------------------------------------------------

    def add_page(self, heading: str, cards: int, side_note: str = "") -> None:
        """A new page for ``cards`` cards: its heading, the cut lines around them, a footer."""
        pdf, grid = self.pdf, self.grid
        pdf.add_page()
        width = grid.page_width - 2 * _MARGIN_X
        note_width = 0.0
        if side_note:
            pdf.set_font(SANS_FAMILY, "", 8)
            note_width = min(pdf.get_string_width(side_note) + 2, width / 3)
            self._line(
                _MARGIN_X + width - note_width,
                _MARGIN_TOP + 5,
                note_width,
                side_note,
                size=8,
                color=_QUIET,
                align="R",
            )
        self._line(
            _MARGIN_X,
            _MARGIN_TOP,
            width - note_width - 8,
            heading,
            style="B",
            size=14,
            low=9,
        )
        self._cut_lines(-(-cards // COLUMNS))
        self._line(
            _MARGIN_X,
            grid.page_height - _MARGIN_BOTTOM + 8,
            width,
            FOOTER,
            size=7.5,
            low=6,
            color=_QUIET,
            align="C",
        )

    def _cut_lines(self, rows: int) -> None:
        """Dashed lines around the first ``rows`` rows of cards, a pair of scissors on top."""
        pdf, grid = self.pdf, self.grid
        pdf.set_draw_color(*_CUT)
        pdf.set_line_width(0.6)
        left, top = _MARGIN_X, grid.top
        right = left + COLUMNS * grid.card_width
        bottom = top + rows * grid.card_height
        with pdf.local_context():
            pdf.set_dash_pattern(dash=4, gap=3)
            for column in range(COLUMNS + 1):
                x = left + column * grid.card_width
                pdf.line(x, top, x, bottom)
            for row in range(rows + 1):
                y = top + row * grid.card_height
                pdf.line(left, y, right, y)
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(left + 8, top - 6, 16, 12, style="F")
        pdf.set_font(SANS_FAMILY, "", 13)
        pdf.set_text_color(*_CUT)
        pdf.set_xy(left + 8, top - 7.5)
        pdf.cell(w=16, h=15, text="\u2702")

    # --- one card -----------------------------------------------------------------------

    def draw_card(self, slot: int, face: CardFace) -> None:
        grid = self.grid
        left, top = grid.origin(slot)
        inner = grid.card_width - 2 * _PAD_X
        x, y = left + _PAD_X, top + _PAD_TOP
        y += self._line(x, y, inner, face.name, style="B", size=16, low=9)
        if face.detail:
            y += self._line(x, y, inner, face.detail, size=9, color=_QUIET)
        y += 2
        self._labelled(x, y, inner, GO_TO, face.address, size=11)
        qr_x = left + grid.card_width - _PAD_X - QR_SIZE
        qr_y = top + grid.card_height - _PAD_BOTTOM - QR_SIZE
        self._qr(qr_x, qr_y, face.qr_url)
        column = qr_x - _GAP - x
        y = qr_y
        y += self._value_block(x, y, column, LOGIN, face.login)
        y += 4
        if face.sso:
            self._line(x, y, column, SSO_WORDS, style="B", size=9.5, low=7)
        elif face.password is None:
            self._line(x, y, column, PASSWORD.upper(), size=7, color=_QUIET)
            self._line(x, y + 9, column, ASK_TEACHER, style="B", size=13, low=8)
        else:
            self._value_block(x, y, column, PASSWORD, face.password)

    def _labelled(self, x: float, y: float, width: float, label: str, value: str, size: float):
        pdf = self.pdf
        pdf.set_font(SANS_FAMILY, "", 8)
        label_width = pdf.get_string_width(label) + 6
        self._line(x, y + (size - 8) * 0.75, label_width, label, size=8, color=_QUIET)
        self._line(x + label_width, y, width - label_width, value, style="B", size=size, low=6.5)

    def _value_block(self, x: float, y: float, width: float, label: str, value: str) -> float:
        """A small grey label over a large monospaced value; the height used."""
        self._line(x, y, width, label.upper(), size=7, color=_QUIET)
        height = self._line(x, y + 9, width, value, family=MONO_FAMILY, style="B", size=18, low=9)
        return 9 + height

    def _qr(self, x: float, y: float, url: str) -> None:
        """The sign-in URL as a QR code of ``QR_SIZE``, and a link over it."""
        pdf = self.pdf
        size, runs = qr_runs(url)
        module = QR_SIZE / size
        pdf.set_fill_color(*_INK)
        for row, column, length in runs:
            pdf.rect(
                x + column * module,
                y + row * module,
                length * module,
                module + _SEAM,
                style="F",
            )
        pdf.link(x, y, QR_SIZE, QR_SIZE, url)


@functools.lru_cache(maxsize=8)
def qr_runs(url: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR code of ``url``: its size in modules, and its dark runs (row, column, length).

    Without a quiet zone: the white margin of the card is the quiet zone.
    """
    matrix = segno.make(url, error="m").matrix
    runs: list[tuple[int, int, int]] = []
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            end = column
            while end < len(cells) and cells[end]:
                end += 1
            runs.append((row, column, end - column))
            column = end
    return len(matrix), tuple(runs)

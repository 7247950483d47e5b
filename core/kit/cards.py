"""Login cards: which rows get a card, what each card says, and the PDF of them.

After a run, the logins still have to reach the children, on paper. One card per
child (name, class, the address to type, login name, password and a QR code of the
sign-in address), ten to a page, each class starting on a new page under a line that
names it. By default the rows a run Created or Updated get a card, with the password
the run sent (the Password cell). How a page looks is :mod:`core.kit.cards_pdf`;
which fonts draw which names is :mod:`core.kit.card_fonts`.
"""

from __future__ import annotations

import enum
import locale
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.canvas.errors import Cancelled
from core.canvas.transport import normalise_base_url
from core.kit.card_fonts import BUNDLED, FontFile, bundled_font, fonts_for
from core.kit.cards_pdf import CARDS_PER_PAGE, CardFace, CardSheet
from core.kit.names import student_name
from core.model import (
    LOGIN_NAMING_ACTIONS,
    Action,
    CancelToken,
    Progress,
    ProgressCallback,
    Role,
    Status,
    Table,
)
from core.rules import CANVAS_PROVIDER_WORDS
from core.workbook import WorkbookError
from core.workbook.write import atomic_write


class PageSize(enum.StrEnum):
    LETTER = "letter"
    A4 = "a4"


#: Width and height in PDF points.
PAGE_POINTS: dict[PageSize, tuple[float, float]] = {
    PageSize.LETTER: (612.0, 792.0),
    PageSize.A4: (595.28, 841.89),
}

#: Where US Letter is the usual paper (the rest of the world uses A4).
_LETTER_TERRITORIES = frozenset(
    {"US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "PA", "GT", "SV", "NI", "DO", "PR"}
)
#: The same places as Windows names them in a locale such as "English_United States".
_LETTER_COUNTRY_NAMES = frozenset(
    {
        "united states",
        "canada",
        "mexico",
        "philippines",
        "chile",
        "colombia",
        "venezuela",
        "costa rica",
        "panama",
        "guatemala",
        "el salvador",
        "nicaragua",
        "dominican republic",
        "puerto rico",
    }
)

#: The page Canvas keeps for its own logins when the school's usual sign-in is SSO.
CANVAS_LOGIN_PATH = "/login/canvas"

_CARD_STATUSES = frozenset({Status.CREATED.value, Status.UPDATED.value})


def _territory(locale_name: str) -> str:
    """``en_US.UTF-8`` -> ``US``; ``English_United States.1252`` -> ``United States``."""
    base = re.split(r"[.@]", locale_name.strip(), maxsplit=1)[0]
    parts = re.split(r"[_-]", base)
    return parts[-1].strip() if len(parts) > 1 else ""


def default_page_size(locale_name: str | None = None) -> PageSize:
    """US Letter where it is the usual paper (US, Canada, Mexico...), else A4.

    Without ``locale_name``: the paper locale of the environment (``LC_ALL``,
    ``LC_PAPER``, ``LANG``), else Python's locale. The app passes the system's
    locale name as Qt reports it, since a program started from the macOS Finder has
    no locale environment.
    """
    if locale_name is None:
        for variable in ("LC_ALL", "LC_PAPER", "LANG"):
            locale_name = os.environ.get(variable) or None
            if locale_name:
                break
        else:
            locale_name = locale.getlocale()[0]
    territory = _territory(locale_name or "")
    if territory.upper() in _LETTER_TERRITORIES or territory.casefold() in _LETTER_COUNTRY_NAMES:
        return PageSize.LETTER
    return PageSize.A4


@dataclass(frozen=True)
class LoginCard:
    row: int  # index into table.rows
    name: str
    class_name: str
    login: str
    #: None when not known: the card says to ask the teacher.
    password: str | None
    #: The login signs in through the school's single sign-on (no password on the card).
    sso: bool


def default_card_rows(table: Table) -> list[int]:
    """The rows whose login a run made or changed: Status Created or Updated."""
    return [row for row in range(len(table.rows)) if table.status(row) in _CARD_STATUSES]


#: Statuses that say the row's login is not in Canvas (any more): no card, whoever asks.
_NO_LOGIN_STATUSES = frozenset(
    {Status.FAILED, Status.INVALID, Status.DELETED, Status.ALREADY_DELETED}
)


def _class_column(table: Table, class_column: int | None) -> int | None:
    if class_column is not None:
        return class_column
    found = table.column(Role.CLASS)
    return found if found is not None else table.column(Role.TEACHER)


def _card_login(table: Table, row: int) -> str:
    """New Login; for an Update row without one, the Current Login it changed."""
    login = table.value(row, Role.NEW_LOGIN).strip()
    if not login and table.action(row) is Action.UPDATE:
        login = table.value(row, Role.CURRENT_LOGIN).strip()
    return login


def _is_sso(provider: str, password: str, provider_types: Mapping[str, str] | None) -> bool:
    """Whether a row's login signs in through SSO, by its Authentication Provider cell.

    A provider given by number is looked up in ``provider_types`` (id -> type, as
    Canvas lists them). Without them, a numbered provider counts as SSO only when the
    row has no password: Canvas refuses a password on an SSO login.
    """
    provider = provider.strip()
    if not provider:
        return False
    if provider.isascii() and provider.isdigit():
        kind = (provider_types or {}).get(provider)
        if kind is None:
            return not password
        return kind.strip().casefold() not in CANVAS_PROVIDER_WORDS
    return provider.casefold() not in CANVAS_PROVIDER_WORDS


def cards_for(
    table: Table,
    rows: Iterable[int] | None = None,
    *,
    class_column: int | None = None,
    provider_types: Mapping[str, str] | None = None,
) -> list[LoginCard]:
    """One card per row that has a login, in sheet order (default rows: :func:`default_card_rows`).

    Rows without a login, rows that remove one, and rows whose login a run did not make
    (Failed, Invalid) get no card. The password is printed only when a run set it
    (Created, Updated): any other card says to ask the teacher, since Canvas may hold
    another password (a login that already existed keeps its own). The class comes from
    ``class_column``, else the Class column, else the Teacher column.
    """
    chosen = default_card_rows(table) if rows is None else sorted(set(rows))
    column = _class_column(table, class_column)
    cards: list[LoginCard] = []
    for row in chosen:
        login = _card_login(table, row)
        status = table.status(row)
        if not login or table.action(row) in LOGIN_NAMING_ACTIONS or status in _NO_LOGIN_STATUSES:
            continue
        password = table.value(row, Role.PASSWORD) if status in _CARD_STATUSES else ""
        sso = _is_sso(table.value(row, Role.PROVIDER), password, provider_types)
        name = student_name(table, row)
        student = table.student(row)
        shown_name = name.display.strip() if name else ""
        cards.append(
            LoginCard(
                row=row,
                name=shown_name or (student[1] if student else ""),
                class_name=table.rows[row].cells[column].strip() if column is not None else "",
                login=login,
                password=None if sso or not password.strip() else password,
                sso=sso,
            )
        )
    return cards


@dataclass(frozen=True)
class CardOptions:
    page: PageSize
    address: str  # what the child types, e.g. "maplegrove.instructure.com"
    qr_url: str  # e.g. "https://maplegrove.instructure.com/login/canvas"
    school_name: str = ""


def sign_in_address(base_url: str, providers: Sequence[Mapping[str, object]]) -> tuple[str, str]:
    """(address to print, URL for the QR code) for a Canvas and its sign-in methods.

    ``providers`` are the account's authentication providers as Canvas lists them,
    the first being the default. When that is not Canvas's own (a school on SSO), the
    children's Canvas logins are used at ``HOST/login/canvas``. Raises
    CanvasConfigError when ``base_url`` is not a Canvas address.
    """
    base = normalise_base_url(base_url)
    host = base.split("://", 1)[1]
    first = str(providers[0].get("auth_type") or "") if providers else ""
    if first and first.casefold() not in CANVAS_PROVIDER_WORDS:
        return host + CANVAS_LOGIN_PATH, base + CANVAS_LOGIN_PATH
    return host, base + "/"


@dataclass(frozen=True)
class CardsReport:
    cards: int
    pages: int
    classes: int
    #: Names no available font could draw (their cards print with gaps).
    unprintable: tuple[str, ...]

    def summary(self) -> str:
        """``23 cards on 3 pages for 1 class``."""
        return (
            f"{_count(self.cards, 'card')} on {_count(self.pages, 'page')} for "
            f"{_count(self.classes, 'class', 'classes')}"
        )

    def unprintable_words(self) -> str:
        """A plain sentence naming what will not print, or "" when everything does."""
        if not self.unprintable:
            return ""
        names = ", ".join(self.unprintable)
        return (
            f"No font on this computer can draw some letters of: {names}. Those cards "
            "print with gaps: write the names in by hand, or install a font for that "
            "script and make the cards again."
        )


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


def _groups(cards: Sequence[LoginCard]) -> list[tuple[str, list[LoginCard]]]:
    """Cards by class, classes in the order they first appear."""
    by_class: dict[str, list[LoginCard]] = {}
    for card in cards:
        by_class.setdefault(card.class_name, []).append(card)
    return list(by_class.items())


def _heading(class_name: str, first: int, chunk: int, total: int) -> str:
    """The line at the top of a page: the class, and which of its cards these are."""
    if first == 0:
        words = _count(total, "login card")
        return f"{class_name} — {words}" if class_name else words.capitalize()
    which = f"login cards {first + 1}–{first + chunk} of {total}"
    return f"{class_name} — {which}" if class_name else which.capitalize()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _face(card: LoginCard, options: CardOptions) -> CardFace:
    address, qr_url = options.address, options.qr_url
    if card.sso:  # SSO logins sign in on the school's usual page, not Canvas's own
        address = address.removesuffix(CANVAS_LOGIN_PATH)
        qr_url = qr_url.removesuffix(CANVAS_LOGIN_PATH.lstrip("/"))
    detail = " · ".join(part for part in (card.class_name, options.school_name.strip()) if part)
    return CardFace(
        name=_nfc(card.name),
        detail=_nfc(detail),
        address=address,
        qr_url=qr_url,
        login=_nfc(card.login),
        password=None if card.password is None else _nfc(card.password),
        sso=card.sso,
    )


def _sheet(options: CardOptions, text: str) -> tuple[CardSheet, frozenset[str]]:
    """A sheet with the fonts that draw ``text``, and the characters none of them draws."""
    width, height = PAGE_POINTS[PageSize(options.page)]
    bundled = [bundled_font(name) for name in BUNDLED]
    unusable: list[FontFile] = []
    while True:
        fallbacks, missing = fonts_for(set(text), bundled, skip=unusable)
        sheet = CardSheet(width, height, fallbacks)
        if not sheet.unusable:
            return sheet, missing
        unusable.extend(sheet.unusable)


def cards_pdf(
    cards: Sequence[LoginCard],
    options: CardOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[bytes, CardsReport]:
    """The cards as a PDF, and what it holds. Raises ValueError when ``cards`` is empty.

    About 150 cards a second: ``progress`` hears after each page, and ``cancel`` stops
    between pages (raising Cancelled).
    """
    if not cards:
        raise ValueError("no login cards to print")
    faces = [_face(card, options) for card in cards]
    sheet, missing = _sheet(options, "".join(face.own_text for face in faces))
    groups = _groups(cards)
    face_of = {id(card): face for card, face in zip(cards, faces, strict=True)}
    done = 0
    for class_name, members in groups:
        for first in range(0, len(members), CARDS_PER_PAGE):
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            chunk = members[first : first + CARDS_PER_PAGE]
            heading = _heading(class_name, first, len(chunk), len(members))
            sheet.add_page(heading, len(chunk), options.school_name)
            for slot, card in enumerate(chunk):
                sheet.draw_card(slot, face_of[id(card)])
            done += len(chunk)
            if progress is not None:
                progress(Progress(done=done, total=len(cards), message="Making login cards"))
    unprintable = tuple(
        dict.fromkeys(face.name or face.login for face in faces if missing & set(face.own_text))
    )
    report = CardsReport(len(cards), sheet.pages, len(groups), unprintable)
    return sheet.output(), report


class CardsNotSaved(Exception):
    """The PDF could not be written. ``message`` is plain words for office staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def write_cards_pdf(
    cards: Sequence[LoginCard],
    path: Path,
    options: CardOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> CardsReport:
    """Write the cards' PDF to ``path`` completely or not at all (CardsNotSaved if not)."""
    data, report = cards_pdf(cards, options, progress=progress, cancel=cancel)
    path = Path(path)
    try:
        atomic_write(path, data)
    except WorkbookError:
        raise CardsNotSaved(
            f"Could not save '{path.name}'. If it is open in a PDF viewer, close it there and "
            "try again; otherwise save it to another folder, such as Documents."
        ) from None
    return report

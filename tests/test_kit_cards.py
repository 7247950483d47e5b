"""Login cards: which rows get one, what each says, pages and paper, scripts, QR, fonts."""

from __future__ import annotations

import importlib.util
import io
import unicodedata
from pathlib import Path

import pypdf
import pytest
import segno
from fontTools.ttLib import TTFont
from fontTools.ttLib.ttCollection import TTCollection
from table_support import table_from_dicts

from core.canvas.errors import Cancelled, CanvasConfigError
from core.kit import card_fonts
from core.kit.card_fonts import FontFile
from core.kit.cards import (
    CardOptions,
    CardsNotSaved,
    LoginCard,
    PageSize,
    cards_for,
    cards_pdf,
    default_card_rows,
    default_page_size,
    sign_in_address,
    write_cards_pdf,
)
from core.kit.cards_render import render_pages
from core.model import CancelToken, Progress

HEADERS = [
    "First Name",
    "Last Name",
    "Class",
    "SIS User ID",
    "Current Login",
    "New Login",
    "Password",
    "Authentication Provider",
    "Action",
    "Status",
]
HOST = "maplegrove.instructure.com"
OPTIONS = CardOptions(PageSize.LETTER, HOST, f"https://{HOST}/")
DROID = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
UNICODE_NAMES = ["Zoë Dubois", "José Álvarez", "Nguyễn Văn An", "田中 花子", "ليلى حسن"]


def student(first, last="", klass="", login="", password="", status="Created", **more):
    row = {
        "First Name": first,
        "Last Name": last,
        "Class": klass,
        "SIS User ID": f"S{abs(hash((first, last))) % 10**6:06d}",
        "New Login": login,
        "Password": password,
        "Status": status,
    }
    row.update(more)
    return row


def class_of(count: int, klass: str = "Ms. Patel") -> list[dict[str, str]]:
    return [
        student(f"Kid{n:02d}", f"Family{n:02d}", klass, f"kid{n:02d}.f", f"sunny-apple-{n + 2}")
        for n in range(count)
    ]


def card(name: str, login: str, password: str | None = "kite-river-4", **more) -> LoginCard:
    values = {"row": 0, "class_name": "", "sso": False, **more}
    return LoginCard(name=name, login=login, password=password, **values)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def link_annotations(pdf: bytes) -> list[tuple[int, str, list[float]]]:
    """(page index, URI, rectangle) of every link in the PDF."""
    found = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if annotation.get("/Subtype") == "/Link" and action is not None:
                found.append((number, str(action["/URI"]), [float(v) for v in annotation["/Rect"]]))
    return found


# --- which rows get a card, and what it says --------------------------------------------


def test_default_rows_are_those_a_run_created_or_updated():
    statuses = ["Created", "Updated", "Already exists", "Failed", "Invalid", "Ready", "", "Deleted"]
    table = table_from_dicts(
        HEADERS, [student(f"K{n}", login=f"k{n}", status=s) for n, s in enumerate(statuses)]
    )
    assert default_card_rows(table) == [0, 1]
    assert [c.row for c in cards_for(table)] == [0, 1]


def test_card_fields_login_choice_class_and_rows_left_out():
    table = table_from_dicts(
        [*HEADERS, "Teacher"],
        [
            student("Ava", "Kowalski", "K-1", "ava.k", "sunny-apple-7", Teacher="Ms. Patel"),
            # A password reset names the login in Current Login only.
            student("Isla", "", "", "", "new-moon-81", "Updated", Action="Reset")
            | {"Current Login": "isla.t", "Teacher": "Ms. García"},
            student("Henry", "Davis", "K-1", "henry.d", "", "Created", Action="Remove"),
            student("Nobody", "Here", "K-1", "", "pw-pw-pw-2"),
            student("", "", "K-1", "no.name", "pw-pw-pw-3"),
        ],
    )
    cards = cards_for(table, range(5))
    assert [(c.row, c.name, c.class_name, c.login, c.password, c.sso) for c in cards] == [
        (0, "Ava Kowalski", "K-1", "ava.k", "sunny-apple-7", False),
        (1, "Isla", "", "isla.t", "new-moon-81", False),
        # no name: the student's id stands in, so the teacher still knows whose card it is
        (4, table.student(4)[1], "K-1", "no.name", "pw-pw-pw-3", False),
    ]
    teacher = table.headers.index("Teacher")
    assert [c.class_name for c in cards_for(table, [0, 1], class_column=teacher)] == [
        "Ms. Patel",
        "Ms. García",
    ]


def test_teacher_column_groups_when_there_is_no_class_column():
    headers = [h for h in HEADERS if h != "Class"] + ["Teacher"]
    rows = [student("Ava", login="ava.k", password="sunny-apple-7") | {"Teacher": "Ms. Patel"}]
    assert cards_for(table_from_dicts(headers, rows))[0].class_name == "Ms. Patel"


def test_sso_and_unknown_password_cards():
    provider = "Authentication Provider"
    table = table_from_dicts(
        HEADERS,
        [
            student("Mia", login="mia.s@maplegrove.example", **{provider: "saml"}),
            student("Sofia", login="sofia.r", password=""),
            student("Lucas", login="lucas.m", password="fast-fox-90", **{provider: "canvas"}),
            student("Numbered", login="n.sso", **{provider: "7"}),
            student("Numbered", "Canvas", login="n.canvas", password="x-y-z-5", **{provider: "1"}),
        ],
    )
    cards = cards_for(table)
    assert [(c.sso, c.password) for c in cards] == [
        (True, None),
        (False, None),
        (False, "fast-fox-90"),
        (True, None),  # a numbered provider without a password: Canvas refuses one on SSO
        (False, "x-y-z-5"),
    ]
    known = cards_for(table, provider_types={"1": "saml", "7": "canvas"})
    assert [c.sso for c in known] == [True, False, False, False, True]

    options = CardOptions(PageSize.LETTER, f"{HOST}/login/canvas", f"https://{HOST}/login/canvas")
    pdf, report = cards_pdf(cards[:3], options)
    assert report.cards == 3
    text = page_texts(pdf)[0]
    assert "Sign in with your usual school login" in text
    assert "Ask your teacher" in text
    assert "fast-fox-90" in text
    assert text.count("Password".upper()) == 2  # the SSO card has no password line
    # The SSO child signs in on the school's usual page; the others on Canvas's own.
    assert [uri for _, uri, _ in link_annotations(pdf)] == [
        f"https://{HOST}/",
        f"https://{HOST}/login/canvas",
        f"https://{HOST}/login/canvas",
    ]
    assert f"{HOST}/login/canvas" in text


# --- pages -------------------------------------------------------------------------------


def test_a_class_of_23_is_three_pages_with_every_name_login_and_password():
    table = table_from_dicts(HEADERS, class_of(23))
    cards = cards_for(table)
    pdf, report = cards_pdf(cards, OPTIONS)
    texts = page_texts(pdf)
    assert len(texts) == report.pages == 3
    assert (report.cards, report.classes, report.unprintable) == (23, 1, ())
    for index, one in enumerate(cards):
        page = texts[index // 10]
        assert one.name in page and one.login in page and one.password in page
    assert texts[0].startswith("Ms. Patel — 23 login cards")
    assert texts[1].startswith("Ms. Patel — login cards 11–20 of 23")
    assert texts[2].startswith("Ms. Patel — login cards 21–23 of 23")
    assert report.summary() == "23 cards on 3 pages for 1 class"


def test_each_class_starts_on_its_own_page_under_its_cover_line():
    rows = class_of(3, "Ms. Patel") + class_of(12, "Mr. Okafor")
    for n, row in enumerate(rows):
        row["First Name"] = f"Child{n:02d}"
    pdf, report = cards_pdf(cards_for(table_from_dicts(HEADERS, rows)), OPTIONS)
    texts = page_texts(pdf)
    assert (report.pages, report.classes) == (3, 2)
    assert texts[0].startswith("Ms. Patel — 3 login cards")
    assert texts[1].startswith("Mr. Okafor — 12 login cards")
    assert texts[2].startswith("Mr. Okafor — login cards 11–12 of 12")
    assert all(f"Child{n:02d}" in texts[0] for n in range(3))
    assert not any(f"Child{n:02d}" in texts[0] for n in range(3, 15))
    assert all(f"Child{n:02d}" in texts[1] for n in range(3, 13))
    assert report.summary() == "15 cards on 3 pages for 2 classes"


@pytest.mark.parametrize(
    ("page", "size"), [(PageSize.LETTER, (612, 792)), (PageSize.A4, (595.28, 841.89))]
)
def test_letter_and_a4(page, size):
    pdf, _ = cards_pdf([card("Ava K", "ava.k")], CardOptions(page, HOST, f"https://{HOST}/"))
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(size, abs=0.01)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("en_US.UTF-8", PageSize.LETTER),
        ("en_CA", PageSize.LETTER),
        ("fr-CA", PageSize.LETTER),
        ("es_MX.utf8", PageSize.LETTER),
        ("fil_PH", PageSize.LETTER),
        ("English_United States.1252", PageSize.LETTER),
        ("en_GB.UTF-8", PageSize.A4),
        ("de_DE@euro", PageSize.A4),
        ("German_Germany.1252", PageSize.A4),
        ("C", PageSize.A4),
        ("", PageSize.A4),
    ],
)
def test_default_page_size_by_region(name, expected):
    assert default_page_size(name) is expected


def test_default_page_size_reads_the_paper_locale(monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.setenv("LC_PAPER", "en_US.UTF-8")
    assert default_page_size() is PageSize.LETTER
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert default_page_size() is PageSize.A4


# --- names in any script ----------------------------------------------------------------


def embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    fonts = {}
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            data = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            fonts[str(font["/BaseFont"])] = TTFont(io.BytesIO(data))
    return fonts


def test_names_in_any_script_print_and_can_be_searched():
    """What we found: pypdf gives every name back exactly, Arabic included, in logical
    order and without presentation forms (fpdf2's ToUnicode maps each shaped glyph back
    to the letters it stands for), so no NFKC normalising is needed."""
    assert card_fonts.system_font_candidates(), "CI installs fonts-droid-fallback (.ci/run)"
    cards = [card(name, f"kid{n}.x") for n, name in enumerate(UNICODE_NAMES)]
    pdf, report = cards_pdf(cards, OPTIONS)
    assert report.unprintable == ()
    text = page_texts(pdf)[0]
    for name in UNICODE_NAMES:
        assert name in text
        assert unicodedata.normalize("NFKC", name) in unicodedata.normalize("NFKC", text)
    fonts = embedded_fonts(pdf)
    assert any("DejaVu" not in name for name in fonts), sorted(fonts)  # a CJK system font
    # Shaped: "ليلى حسن" is drawn with its joined forms (lam initial, yeh medial, lam
    # medial, alef maksura final; hah initial, seen medial, noon final), which an
    # unshaped line would never use.
    bold = next(font for name, font in fonts.items() if name.endswith("DejaVuSansBold"))
    drawn = set(bold.getBestCmap())
    assert {0xFEDF, 0xFEF4, 0xFEE0, 0xFEF0, 0xFEA3, 0xFEB4, 0xFEE6} <= drawn


def test_a_name_no_font_can_draw_still_gets_its_card_and_is_named(monkeypatch):
    monkeypatch.setattr(card_fonts, "system_font_candidates", lambda platform=None: [])
    monkeypatch.setattr(card_fonts, "_fontconfig_fonts", lambda char: [])
    cards = [card("田中 花子", "tanaka.h"), card("Zoë Dubois", "zoe.d")]
    pdf, report = cards_pdf(cards, OPTIONS)
    assert report.unprintable == ("田中 花子",)
    assert report.cards == 2
    assert "田中 花子" in report.unprintable_words()
    text = page_texts(pdf)[0]
    assert "tanaka.h" in text and "Zoë Dubois" in text and "kite-river-4" in text


def test_a_font_collection_ttc_is_used(monkeypatch, tmp_path):
    collection = TTCollection()
    collection.fonts = [TTFont(card_fonts.bundled_font(card_fonts.SANS).path), TTFont(DROID)]
    ttc = tmp_path / "fallback.ttc"
    collection.save(ttc)
    monkeypatch.setattr(card_fonts, "system_font_candidates", lambda platform=None: [])
    monkeypatch.setattr(card_fonts, "_fontconfig_fonts", lambda char: [FontFile(ttc, 1)])
    pdf, report = cards_pdf([card("田中 花子", "tanaka.h")], OPTIONS)
    assert report.unprintable == ()
    assert "田中 花子" in page_texts(pdf)[0]
    assert any("Droid" in name for name in embedded_fonts(pdf))


def test_a_font_the_pdf_library_cannot_load_is_passed_over(monkeypatch, tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(DROID.read_bytes()[:4096])
    real_codepoints = card_fonts.font_codepoints
    monkeypatch.setattr(
        card_fonts,
        "font_codepoints",
        lambda font: (
            real_codepoints(FontFile(DROID)) if font.path == broken else real_codepoints(font)
        ),
    )
    monkeypatch.setattr(
        card_fonts, "system_font_candidates", lambda platform=None: [FontFile(broken)]
    )
    monkeypatch.setattr(card_fonts, "_fontconfig_fonts", lambda char: [FontFile(DROID)])
    pdf, report = cards_pdf([card("田中 花子", "tanaka.h")], OPTIONS)
    assert report.unprintable == ()
    assert "田中 花子" in page_texts(pdf)[0]


# --- the address and the QR code --------------------------------------------------------


def test_sign_in_address():
    assert sign_in_address(f"https://{HOST}", []) == (HOST, f"https://{HOST}/")
    canvas_first = [{"id": 1, "auth_type": "canvas"}, {"id": 7, "auth_type": "saml"}]
    assert sign_in_address(f"https://{HOST}/courses/12", canvas_first) == (HOST, f"https://{HOST}/")
    saml_first = list(reversed(canvas_first))
    assert sign_in_address(HOST, saml_first) == (
        f"{HOST}/login/canvas",
        f"https://{HOST}/login/canvas",
    )
    assert sign_in_address("http://127.0.0.1:8080", []) == (
        "127.0.0.1:8080",
        "http://127.0.0.1:8080/",
    )
    with pytest.raises(CanvasConfigError):
        sign_in_address("http://school.example.com", [])


def test_the_qr_code_holds_the_sign_in_url_and_is_a_link_too():
    """Render the page and read the QR's modules back: they are segno's code for the URL."""
    url = f"https://{HOST}/login/canvas"
    options = CardOptions(PageSize.A4, f"{HOST}/login/canvas", url)
    pdf, _ = cards_pdf([card("Ava K", "ava.k"), card("Liam O", "liam.o")], options)
    links = link_annotations(pdf)
    assert [(page, uri) for page, uri, _ in links] == [(0, url), (0, url)]
    dpi = 288
    scale = dpi / 72
    page = render_pages(pdf, dpi)[0]
    left, bottom, right, top = links[0][2]
    assert right - left == pytest.approx(71, abs=1)  # about 2.5 cm
    assert top - bottom == pytest.approx(right - left)
    matrix = segno.make(url, error="m").matrix
    module = (right - left) / len(matrix)
    page_height = 841.89
    wrong = 0
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            x = int((left + (column + 0.5) * module) * scale)
            y = int((page_height - (top - (row + 0.5) * module)) * scale)
            red = page.rgba[(y * page.width + x) * 4]
            wrong += (red < 128) != bool(dark)
    assert wrong == 0


# --- the file, the pictures, progress ---------------------------------------------------


def test_write_is_atomic_and_a_failed_save_says_so_plainly(tmp_path):
    target = tmp_path / "cards.pdf"
    target.write_bytes(b"old")
    report = write_cards_pdf([card("Ava K", "ava.k")], target, OPTIONS)
    assert target.read_bytes().startswith(b"%PDF")
    assert report.pages == 1
    assert [p.name for p in tmp_path.iterdir()] == ["cards.pdf"]
    with pytest.raises(CardsNotSaved) as failed:
        write_cards_pdf([card("Ava K", "ava.k")], tmp_path / "missing" / "c.pdf", OPTIONS)
    assert "Could not save 'c.pdf'" in failed.value.message


def test_no_cards_is_refused():
    with pytest.raises(ValueError):
        cards_pdf([], OPTIONS)


def test_progress_per_page_and_cancel():
    cards = cards_for(table_from_dicts(HEADERS, class_of(23)))
    heard: list[Progress] = []
    cards_pdf(cards, OPTIONS, progress=heard.append)
    assert [(p.done, p.total) for p in heard] == [(10, 23), (20, 23), (23, 23)]
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        cards_pdf(cards, OPTIONS, cancel=cancel)


def test_render_pages_gives_packed_rgba_at_the_asked_resolution():
    pdf, _ = cards_pdf([card("Ava K", "ava.k")], OPTIONS)
    (page,) = render_pages(pdf, 36)
    assert (page.width, page.height) == (306, 396)
    assert len(page.rgba) == page.width * page.height * 4
    assert page.rgba[:4] == b"\xff\xff\xff\xff"  # white paper, opaque


def test_render_cards_script_writes_a_png_per_page(tmp_path):
    script = Path(__file__).resolve().parent.parent / "scripts" / "render_cards.py"
    spec = importlib.util.spec_from_file_location("render_cards_under_test", script)
    render_cards_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_cards_script)
    pdf_path = tmp_path / "cards.pdf"
    write_cards_pdf(cards_for(table_from_dicts(HEADERS, class_of(11))), pdf_path, OPTIONS)
    assert (
        render_cards_script.main([str(pdf_path), "--out", str(tmp_path / "png"), "--dpi", "30"])
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == ["page-1.png", "page-2.png"]
    assert (tmp_path / "png" / "page-1.png").read_bytes().startswith(b"\x89PNG")

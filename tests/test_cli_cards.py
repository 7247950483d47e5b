"""``canvas-logins-cli cards``: end to end on workbooks made here, the address it prints."""

from __future__ import annotations

import io

import openpyxl
import pypdf
import pytest

from core import cli
from core.cli import cards as cards_command
from core.cli.main import build_parser
from core.kit import card_fonts
from core.sandbox.state import Provider

HEADERS = ("First Name", "Last Name", "Teacher", "SIS User ID", "New Login", "Password")
#: Students the sandbox knows (core/demo.py); Yuki's login belongs to someone else.
KIDS = (
    ("Ava", "Kowalski", "Ms. Patel", "0045510", "ava.k", "sunny-apple-7"),
    ("Liam", "O'Brien", "Ms. Patel", "0045511", "liam.o", "green-frog-42"),
    ("Zoë", "Dubois", "Ms. Patel", "0045512", "zoe.d", "blue-kite-19"),
    ("Mia", "Schröder", "Mr. Okafor", "0045514", "mia.s", "red-boat-55"),
    ("José", "Álvarez", "Mr. Okafor", "0045515", "jose.a", "tall-tree-31"),
    ("Yuki", "Tanaka", "Mr. Haddad", "0045523", "yuki.t", "gold-leaf-38"),
)
PASSWORDS = [kid[5] for kid in KIDS]


def write_book(path, rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kids"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def call(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_pdf(path) -> tuple[list[str], list[str], pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    texts = [page.extract_text() for page in reader.pages]
    links = [
        str(annotation.get_object()["/A"]["/URI"])
        for page in reader.pages
        for annotation in page.get("/Annots") or []
    ]
    return texts, links, reader


def assert_no_password_in(*outputs: str) -> None:
    for text in outputs:
        assert not any(password in text for password in PASSWORDS), text


def test_after_a_run_cards_for_what_it_made_at_the_address_the_journal_remembers(
    capsys, tmp_path, sandbox, monkeypatch
):
    book = write_book(tmp_path / "kids.xlsx", KIDS)
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)
    code, _, _ = call(capsys, "run", book, "--url", sandbox.url)
    assert code == 1  # Yuki's login name belongs to someone else: Failed, so no card
    monkeypatch.delenv("CANVAS_TOKEN")

    output = tmp_path / "cards.pdf"
    code, out, err = call(capsys, "cards", book, "--output", output, "--page", "a4")
    assert code == 0, err
    assert out.strip() == f"5 cards on 2 pages for 2 classes → {output}"
    assert_no_password_in(out, err)
    texts, links, reader = read_pdf(output)
    assert len(texts) == 2
    assert float(reader.pages[0].mediabox.height) == pytest.approx(841.89, abs=0.01)
    assert texts[0].startswith("Ms. Patel — 3 login cards")
    assert texts[1].startswith("Mr. Okafor — 2 login cards")
    everything = "\n".join(texts)
    for first, last, _, _, login, password in KIDS[:5]:
        assert f"{first} {last}" in everything
        assert login in everything and password in everything
    assert "Yuki" not in everything and "gold-leaf-38" not in everything
    # The journal keeps the run's Canvas with its port: the cards name that same Canvas.
    netloc = sandbox.url.split("://", 1)[1].rstrip("/")
    assert f"Go to {netloc}" in everything
    assert links == [f"http://{netloc}/"] * 5


def test_a_url_and_a_token_ask_canvas_whether_the_school_signs_in_by_sso(
    capsys, tmp_path, sandbox, monkeypatch
):
    with sandbox.state.lock:  # this school's first sign-in method is SAML
        sandbox.state.providers = [Provider(7, "saml", 1), Provider(1, "canvas", 2)]
    done = [(*kid, "Created") for kid in KIDS[:2]]
    book = write_book(tmp_path / "kids.xlsx", done, (*HEADERS, "Status"))
    monkeypatch.setenv("CANVAS_TOKEN", sandbox.token)
    output = tmp_path / "cards.pdf"
    code, out, err = call(capsys, "cards", book, "--output", output, "--url", sandbox.url)
    assert code == 0, err
    assert out.startswith("2 cards on 1 page for 1 class")
    texts, links, _ = read_pdf(output)
    host = sandbox.url.split("//", 1)[1]
    assert f"Go to {host}/login/canvas" in texts[0]
    assert links == [f"{sandbox.url}/login/canvas"] * 2


def test_the_address_comes_from_url_else_canvas_url_else_it_is_asked_for(
    capsys, tmp_path, monkeypatch
):
    done = [(*kid, "Created") for kid in KIDS[:1]]
    book = write_book(tmp_path / "kids.xlsx", done, (*HEADERS, "Status"))
    output = tmp_path / "cards.pdf"
    code, _, err = call(capsys, "cards", book, "--output", output)
    assert code == 2
    assert "--url" in err and "CANVAS_URL" in err
    assert not output.exists()

    monkeypatch.setenv("CANVAS_URL", "https://elm.instructure.com")
    code, _, err = call(capsys, "cards", book, "--output", output)
    assert code == 0, err
    texts, links, _ = read_pdf(output)
    assert "Go to elm.instructure.com" in texts[0]
    assert links == ["https://elm.instructure.com/"]

    # --url wins; without a token Canvas is not asked (no server answers at this host).
    code, _, err = call(capsys, "cards", book, "--output", output, "--url", "oak.example.org")
    assert code == 0, err
    assert "Go to oak.example.org" in read_pdf(output)[0][0]


def test_default_rows_all_rows_and_the_class_column(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CANVAS_URL", "https://elm.instructure.com")
    headers = (*HEADERS, "Room", "Status")
    rows = [
        (*KIDS[0], "Room 4", "Created"),
        (*KIDS[1], "Room 4", "Failed"),  # its login is not in Canvas: never a card
        (*KIDS[2], "Room 5", "Updated"),
        (*KIDS[3], "Room 5", "Already exists"),  # Canvas kept its own password
        (*KIDS[4], "Room 5", ""),  # not run yet: the password is not Canvas's (yet)
        ("No", "Login", "Ms. Patel", "0045599", "", "", "Room 5", ""),
    ]
    book = write_book(tmp_path / "kids.xlsx", rows, headers)
    output = tmp_path / "cards.pdf"

    code, out, _ = call(capsys, "cards", book, "--output", output, "--page", "letter")
    assert code == 0
    assert out.startswith("2 cards on 2 pages for 2 classes")  # Room is the class column
    texts, _, reader = read_pdf(output)
    assert float(reader.pages[0].mediabox.width) == pytest.approx(612)
    assert texts[0].startswith("Room 4 — 1 login card") and "Liam" not in texts[0]
    assert texts[1].startswith("Room 5 — 1 login card") and "Zoë Dubois" in texts[1]
    assert "sunny-apple-7" in texts[0] and "blue-kite-19" in texts[1]

    code, out, _ = call(capsys, "cards", book, "--output", output, "--all")
    assert code == 0
    assert out.startswith("4 cards on 2 pages for 2 classes")
    texts = read_pdf(output)[0]
    everything = "\n".join(texts)
    assert "Liam O'Brien" not in everything and "green-frog-42" not in everything
    assert "Mia Schröder" in everything and "José Álvarez" in everything
    assert "red-boat-55" not in everything and "tall-tree-31" not in everything
    assert everything.count("Ask your teacher") == 2

    code, out, _ = call(
        capsys, "cards", book, "--output", output, "--all", "--class-column", "teacher"
    )
    assert code == 0
    assert out.startswith("4 cards on 2 pages for 2 classes")
    assert read_pdf(output)[0][0].startswith("Ms. Patel — 2 login cards")


def test_a_class_of_23_on_three_pages_with_every_name_login_and_password(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("CANVAS_URL", "https://elm.instructure.com")
    headers = ("Name", "Class", "SIS User ID", "New Login", "Password", "Status")
    kids = [
        (f"Pupil{n:02d}, Kid", "K Patel", f"00{n:05d}", f"kid.p{n:02d}", f"sunny-apple-{n % 8 + 2}")
        for n in range(23)
    ]
    book = write_book(tmp_path / "class.xlsx", [(*kid, "Created") for kid in kids], headers)
    output = tmp_path / "cards.pdf"
    code, out, err = call(capsys, "cards", book, "--output", output, "--page", "letter")
    assert code == 0, err
    assert out.startswith("23 cards on 3 pages for 1 class")
    texts = read_pdf(output)[0]
    assert len(texts) == 3
    everything = "\n".join(texts)
    for name, _, _, login, password in kids:
        first_last = " ".join(reversed(name.split(", ")))
        assert first_last in everything
        assert login in everything and password in everything


def test_nothing_to_print_says_why(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CANVAS_URL", "https://elm.instructure.com")
    book = write_book(tmp_path / "kids.xlsx", KIDS)
    output = tmp_path / "cards.pdf"
    code, _, err = call(capsys, "cards", book, "--output", output)
    assert code == 2
    assert "No cards to make" in err and "--all" in err
    assert not output.exists()


def test_names_no_font_can_draw_are_named(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(card_fonts, "system_font_candidates", lambda platform=None: [])
    monkeypatch.setattr(card_fonts, "_fontconfig_fonts", lambda char: [])
    monkeypatch.setenv("CANVAS_URL", "https://elm.instructure.com")
    rows = [("花子", "田中", "Ms. Patel", "0045510", "tanaka.h", "sunny-apple-7", "Created")]
    book = write_book(tmp_path / "kids.xlsx", rows, (*HEADERS, "Status"))
    output = tmp_path / "cards.pdf"
    code, out, err = call(capsys, "cards", book, "--output", output)
    assert code == 0
    assert out.startswith("1 card on 1 page for 1 class")
    assert "花子 田中" in err and "No font" in err
    assert_no_password_in(out, err)
    assert "tanaka.h" in read_pdf(output)[0][0]


def test_an_output_that_cannot_be_written_is_a_plain_usage_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CANVAS_URL", "https://elm.instructure.com")
    done = [(*kid, "Created") for kid in KIDS[:1]]
    book = write_book(tmp_path / "kids.xlsx", done, (*HEADERS, "Status"))
    code, _, err = call(capsys, "cards", book, "--output", tmp_path / "nowhere" / "cards.pdf")
    assert code == 2
    assert "Could not save 'cards.pdf'" in err
    assert "Traceback" not in err


def test_a_refused_token_exits_3_and_makes_no_cards(capsys, tmp_path, sandbox, monkeypatch):
    done = [(*kid, "Created") for kid in KIDS[:1]]
    book = write_book(tmp_path / "kids.xlsx", done, (*HEADERS, "Status"))
    monkeypatch.setenv("CANVAS_TOKEN", "not-the-token")
    output = tmp_path / "cards.pdf"
    code, _, err = call(capsys, "cards", book, "--output", output, "--url", sandbox.url)
    assert code == 3
    assert "No cards were made" in err and "not-the-token" not in err
    assert not output.exists()


def test_the_summary_arrow_falls_back_where_the_output_cannot_show_it(tmp_path, monkeypatch):
    """A Windows pipe writes cp1252, which has no arrow: the summary must still print."""
    monkeypatch.setenv("CANVAS_URL", "https://elm.instructure.com")
    done = [(*kid, "Created") for kid in KIDS[:1]]
    book = write_book(tmp_path / "kids.xlsx", done, (*HEADERS, "Status"))
    output = tmp_path / "cards.pdf"
    out = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    args = build_parser().parse_args(["cards", str(book), "--output", str(output)])
    assert cards_command.run(args, out, io.StringIO()) == 0
    out.flush()
    assert (
        out.buffer.getvalue().decode("cp1252").strip()
        == f"1 card on 1 page for 1 class -> {output}"
    )

"""File → "Print login cards…" in the window, after a run against the sandbox: the rows
the run created by default, a preview of the pages, Save as PDF and printing."""

from __future__ import annotations

import io

import pypdf
import pytest
from gui_window_support import write_xlsx
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter

from core.connection import start_sandbox_connection
from core.kit.cards import sign_in_address
from core.model import Role, Status

RUN_TIMEOUT_MS = 60_000
PREVIEW_TIMEOUT_MS = 30_000

HEADERS = ["First Name", "Last Name", "Class", "Canvas User ID", "New Login", "Password"]
#: Sandbox students (core/demo.py) in two classes, plus one row with a login already.
CLASS_K = [
    ("Ava", "Kowalski", 101),
    ("Liam", "O'Brien", 102),
    ("Zoë", "Dubois", 103),
    ("Noah", "Nguyen", 104),
]
CLASS_1 = [("Mia", "Schröder", 105), ("José", "Álvarez", 106), ("Emma", "Johnson", 107)]


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def ran(window, tmp_path, qtbot):
    """The window after generate + run: every row Created in the sandbox."""
    rows = [[f, last, "K Patel", str(uid), "", ""] for f, last, uid in CLASS_K]
    rows += [[f, last, "1 Okafor", str(uid), "", ""] for f, last, uid in CLASS_1]
    path = write_xlsx(tmp_path / "Cards.xlsx", {"Students": [HEADERS, *rows]})
    window.set_connection(start_sandbox_connection())
    assert window.open_file(path)
    dialog = window.generate_logins()
    dialog.sheet_choice.setChecked(True)
    dialog.avoid_taken.setChecked(False)
    dialog.accept()
    window.check_offline()
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.run_changes(confirm=False)
    assert done.args[0].count(Status.CREATED) == len(rows)
    return window


def wait_preview(dialog, qtbot):
    qtbot.waitUntil(
        lambda: dialog.preview is not None and not dialog.job.is_running(),
        timeout=PREVIEW_TIMEOUT_MS,
    )


def test_cards_default_to_the_created_rows_preview_and_save_as_pdf(ran, qtbot, tmp_path, answers):
    window = ran
    table = window.doc.table
    table_logins = [table.value(i, Role.NEW_LOGIN) for i in range(len(table.rows))]
    table_passwords = [table.value(i, Role.PASSWORD) for i in range(len(table.rows))]
    dialog = window.print_login_cards()
    assert dialog is not None and dialog.isVisible()
    assert dialog.created_choice.isChecked()
    assert dialog.rows() == list(range(7))
    assert dialog.class_combo.currentText() == "Class"
    wait_preview(dialog, qtbot)
    # one class per page: K (4 cards) and 1 (3 cards)
    assert dialog.page_count == 2 and dialog.pages.page_label.text() == "Page 1 of 2"
    assert dialog.pages.page_view.pixmap().width() > 500
    assert dialog.pages.summary.text() == "7 cards on 2 pages for 2 classes."
    assert not dialog.unprintable.isVisible()
    dialog.pages.next_button.click()
    assert dialog.pages.page_label.text() == "Page 2 of 2"
    # the sandbox's first sign-in method is Canvas's own: the address is the host
    qtbot.waitUntil(lambda: dialog._address_qr is not None, timeout=10_000)
    url = window.connection.profile.url
    assert dialog.address_edit.text() == sign_in_address(url, [{"auth_type": "canvas"}])[0]
    wait_preview(dialog, qtbot)

    target = tmp_path / "cards.pdf"
    answers.ask_cards_pdf_path = lambda suggested: (
        answers.asked.append(("cards_pdf", suggested)) or str(target)
    )
    with qtbot.waitSignal(dialog.output_done, timeout=PREVIEW_TIMEOUT_MS) as saved:
        dialog.save_button.click()
    assert saved.args[0] == "Saved 7 cards on 2 pages for 2 classes into 'cards.pdf'."
    assert [v for k, v in answers.asked if k == "cards_pdf"] == [tmp_path / "Cards login cards.pdf"]
    pages, text = pdf_text(target.read_bytes())
    assert pages == 2
    for first, last, _ in CLASS_K + CLASS_1:
        assert f"{first} {last}" in text
    for login, password in zip(table_logins, table_passwords, strict=True):
        assert login in text and password in text


def test_print_to_a_pdf_printer_paints_every_page(ran, qtbot, tmp_path):
    dialog = ran.print_login_cards()
    wait_preview(dialog, qtbot)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setFullPage(True)
    target = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(target))
    with qtbot.waitSignal(dialog.output_done, timeout=PREVIEW_TIMEOUT_MS) as printed:
        assert dialog.print_to(printer)
        assert not dialog.print_button.isEnabled()  # busy in the background
    assert printed.args[0] == "Sent 2 pages to the printer."
    assert target.stat().st_size > 10_000
    assert len(pypdf.PdfReader(target).pages) == 2


def test_other_rows_class_column_and_page_size(ran, qtbot):
    window = ran
    window.select_cell(4, 0, extend_to=(5, 0))
    dialog = window.print_login_cards()
    wait_preview(dialog, qtbot)
    dialog.selected_choice.setChecked(True)
    assert dialog.rows() == [4, 5]
    dialog.class_combo.setCurrentIndex(0)  # no class
    dialog.page_combo.setCurrentIndex(dialog.page_combo.findData("a4"))
    wait_preview(dialog, qtbot)
    qtbot.waitUntil(lambda: "2 cards" in dialog.pages.summary.text(), timeout=PREVIEW_TIMEOUT_MS)
    assert dialog.page_count == 1
    assert dialog.options().page == "a4"
    image = dialog.pages.image(0)
    assert image.height() / image.width() == pytest.approx(297 / 210, rel=0.01)


def test_without_a_run_every_row_with_a_login_and_unprintable_names_are_named(
    window, qtbot, tmp_path
):
    rows = [
        ["Zoë", "Dubois", "K Patel", "103", "zoe.d", "sunny-apple-7"],
        ["Ann \ue000", "Lee", "K Patel", "104", "ann.l", "green-frog-4"],  # no font has it
        ["Noah", "Nguyen", "K Patel", "105", "", ""],  # no login: no card
    ]
    path = write_xlsx(tmp_path / "Typed.xlsx", {"Students": [HEADERS, *rows]})
    assert window.open_file(path)
    assert window.actions_.print_cards.isEnabled()
    dialog = window.print_login_cards()
    assert not dialog.created_choice.isEnabled() and dialog.all_choice.isChecked()
    assert dialog.rows() == [0, 1]
    assert dialog.address_edit.text() == ""  # not connected: staff type it
    wait_preview(dialog, qtbot)
    assert dialog.page_count == 1
    assert dialog.unprintable.isVisible() and "Ann \ue000 Lee" in dialog.unprintable.text()
    # No address, no cards: "Go to" and a QR code of nothing would send children nowhere.
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()
    assert "sign-in address" in dialog.message.text()
    dialog.address_edit.setText("maplegrove.instructure.com")
    dialog.address_edit.textEdited.emit("maplegrove.instructure.com")
    wait_preview(dialog, qtbot)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=PREVIEW_TIMEOUT_MS)
    assert dialog.print_button.isEnabled() and dialog.message.text() == ""
    assert dialog.options().qr_url == "https://maplegrove.instructure.com"
    dialog.reject()
    assert not dialog.isVisible()

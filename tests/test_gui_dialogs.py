"""Confirmation in words, the run progress panel, the summary, About and first start."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from core.canvas import CanvasClient
from core.connection import Connection
from core.model import Action, Progress, RowResult, Status
from core.plan import Operation, Plan
from core.profiles import Profile
from core.run.engine import SLOW_DOWN_NOTE, RunSummary
from gui.file_opener import FileOpener, folder_command
from gui.run_dialogs import (
    ConfirmRunDialog,
    RunProgressPanel,
    confirm_run,
    duration_words,
    show_summary,
    summary_box,
    time_left_words,
)


def _connection(url: str, *, sandbox=None) -> Connection:
    from core.profiles import host_of, instance_kind

    return Connection(
        profile=Profile("Live", url),
        token="secret-token",
        client=CanvasClient(url, "secret-token"),
        account_id=1,
        account_name="Maple Grove School District",
        user_name="Office Admin",
        can_manage_logins=True,
        production=instance_kind(url) == "production" and sandbox is None,
        host=host_of(url),
        sandbox=sandbox,
    )


def _plan(create: int, update: int, delete: int, invalid: int = 0) -> Plan:
    actions = [Action.CREATE] * create + [Action.UPDATE] * update + [Action.DELETE] * delete
    operations = [
        Operation(row=i, action=action, user_ref=f"sis_user_id:{i}", unique_id=f"s{i}")
        for i, action in enumerate(actions)
    ]
    invalid_rows = [RowResult(row=1000 + i, status=Status.INVALID) for i in range(invalid)]
    return Plan(operations=operations, invalid=invalid_rows, skipped_done=2)


def test_confirmation_counts_agree_with_the_check(qtbot):
    plan = _plan(12, 1, 0, invalid=3)
    plan.checked_existing = 1
    plan.left_out = [RowResult(row=50, status=Status.WOULD_FAIL, from_check=True)]
    dialog = ConfirmRunDialog(None, plan, _connection("https://district.test.instructure.com"))
    qtbot.addWidget(dialog)
    assert dialog.headline.text() == (
        "Create 11 logins; 1 login the check found already exists (recorded, not made "
        "again), change 1 login, 1 row the check found would fail is left out, and 3 rows "
        "to fix."
    )
    assert dialog.details.text().startswith(
        "In TEST district.test.instructure.com, main account Maple Grove School District. "
        "The rows to fix are not sent"
    )
    assert dialog.ok_button.text() == "Send 12 changes"  # the existing login is only read


def test_confirmation_says_one_in_the_singular(qtbot):
    plan = _plan(1, 0, 0, invalid=1)
    plan.skipped_done = 1
    dialog = ConfirmRunDialog(None, plan, _connection("https://district.test.instructure.com"))
    qtbot.addWidget(dialog)
    assert dialog.headline.text() == "Create 1 login; 1 row to fix."
    assert "The row to fix is not sent (it is marked Invalid" in dialog.details.text()
    assert "1 row already done is left alone." in dialog.details.text()
    assert dialog.ok_button.text() == "Send 1 change"


def test_production_needs_the_number_of_changes_typed(qtbot):
    dialog = ConfirmRunDialog(
        None, _plan(412, 3, 0, invalid=5), _connection("https://district.instructure.com")
    )
    qtbot.addWidget(dialog)
    assert "In PRODUCTION district.instructure.com" in dialog.details.text()
    assert "The rows to fix are not sent" in dialog.details.text()
    assert "2 rows already done are left alone" in dialog.details.text()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "41")
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "5")
    assert dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Backspace)
    assert not dialog.ok_button.isEnabled()


def test_test_instance_confirms_with_one_click(qtbot):
    dialog = ConfirmRunDialog(
        None, _plan(3, 1, 1), _connection("https://district.test.instructure.com")
    )
    qtbot.addWidget(dialog)
    assert dialog.confirm_edit is None
    assert dialog.ok_button.isEnabled()
    assert dialog.ok_button.text() == "Send 5 changes"


def _answer_next_dialog(action) -> None:
    def act():
        widget = QApplication.activeModalWidget()
        if widget is None:
            QTimer.singleShot(20, act)
            return
        action(widget)

    QTimer.singleShot(0, act)


def test_confirm_run_returns_the_answer(qtbot):
    connection = _connection("https://district.instructure.com")
    plan = _plan(2, 0, 0)

    def type_and_accept(dialog):
        assert isinstance(dialog, ConfirmRunDialog)
        dialog.confirm_edit.setText("2")
        dialog.ok_button.click()

    _answer_next_dialog(type_and_accept)
    assert confirm_run(None, plan, connection) is True
    _answer_next_dialog(lambda dialog: dialog.reject())
    assert confirm_run(None, plan, connection) is False
    assert confirm_run(None, plan, connection, dry_run=True) is True
    _answer_next_dialog(lambda box: box.accept())
    assert confirm_run(None, _plan(0, 0, 0), connection) is False


def test_progress_panel_counts_estimates_and_stops_with_escape(qtbot):
    now = [100.0]
    panel = RunProgressPanel(clock=lambda: now[0])
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=5000)
    panel.start(100)
    now[0] += 10
    panel.update_progress(
        Progress(done=20, total=100, counts={Status.CREATED: 18, Status.FAILED: 2})
    )
    assert panel.bar.value() == 20 and panel.bar.maximum() == 100
    assert panel.chips[Status.CREATED].count == 18
    assert panel.chips[Status.FAILED].count == 2
    assert panel.time_left.text() == "About 40 s left"  # 80 rows at 2 rows a second
    assert not panel.chips[Status.DELETED].isVisible()

    with qtbot.waitSignal(panel.stop_requested, timeout=2000):
        qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert not panel.stop_button.isEnabled()
    assert panel.stop_button.text() == "Stopping…"

    panel.finish(
        RunSummary(counts={Status.CREATED: 30, Status.FAILED: 2}, seconds=12.5, cancelled=True)
    )
    assert panel.title.text() == "Stopped"
    assert panel.time_left.text() == "Took 12.5 s"
    assert panel.chips[Status.CREATED].count == 30
    assert not panel.stop_button.isVisible()


def test_progress_panel_says_while_canvas_asks_us_to_slow_down(qtbot):
    panel = RunProgressPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.start(40)
    assert not panel.slow_down.isVisible()
    panel.update_progress(Progress(5, 40, message=SLOW_DOWN_NOTE, slowed_down=True))
    assert panel.slow_down.isVisible()
    assert panel.slow_down.text().startswith("Canvas is asking us to slow down; waiting")
    assert not panel.message.isVisible()  # said once, in its own line
    panel.update_progress(Progress(9, 40))
    assert not panel.slow_down.isVisible()
    panel.update_progress(Progress(12, 40, slowed_down=True))
    panel.finish(RunSummary(counts={Status.CREATED: 40}, seconds=30.0))
    assert not panel.slow_down.isVisible()


def test_progress_panel_after_a_check_shows_the_checks_counts_and_resets(qtbot):
    panel = RunProgressPanel()
    qtbot.addWidget(panel)
    assert panel.isHidden()  # nothing to show before a run
    panel.start(16, "Checking with Canvas (nothing is changed)…", check=True)
    panel.show()
    panel.update_progress(Progress(done=3, total=16, counts={Status.READY: 3}))
    panel.finish(
        RunSummary(
            counts={Status.READY: 11, Status.ALREADY_EXISTS: 1, Status.WOULD_FAIL: 1},
            seconds=2,
        )
    )
    shown = {status: chip.count for status, chip in panel.chips.items() if not chip.isHidden()}
    assert shown == {
        Status.READY: 11,
        Status.ALREADY_EXISTS: 1,
        Status.WOULD_FAIL: 1,
        Status.INVALID: 0,
    }
    assert panel.chips[Status.WOULD_FAIL].text().endswith("Would fail: <b>1</b>")
    assert panel.title.text() == "Check finished: nothing was changed in Canvas"

    panel.start(12)  # the run after it: its own counts, from nothing
    shown = {status for status, chip in panel.chips.items() if not chip.isHidden()}
    assert shown == {Status.CREATED, Status.FAILED}
    panel.update_progress(Progress(done=12, total=12, counts={Status.INVALID: 2}))
    assert not panel.chips[Status.INVALID].isHidden()

    panel.reset()
    assert panel.isHidden() and not panel.running
    assert all(chip.count == 0 and chip.isHidden() for chip in panel.chips.values())
    assert panel.title.text() == ""


def test_duration_words():
    assert duration_words(0.04) == "under a second"
    assert duration_words(4.2) == "4.2 s"
    assert duration_words(83) == "1 min 23 s"


def test_time_left_words():
    assert time_left_words(5) == "A few seconds left"
    assert time_left_words(44) == "About 40 s left"
    assert time_left_words(61) == "About 1 minute left"
    assert time_left_words(600) == "About 10 minutes left"


def test_summary_offers_failed_rows_only_when_some_failed(qtbot):
    summary = RunSummary(
        counts={Status.CREATED: 10, Status.FAILED: 1, Status.INVALID: 3}, seconds=4.2
    )
    box = summary_box(None, summary, saved_to="demo.xlsx")
    qtbot.addWidget(box)
    assert box.text() == "10 created, 1 failed, 3 invalid."
    details = box.informativeText()
    assert "The Message column of the failed row says why." in details
    assert "The invalid rows were not sent: fix them and run again." in details
    assert "saved in<br><span style='white-space: nowrap'><b>demo.xlsx</b>" in details
    assert box.show_failed_button is not None

    clean = summary_box(None, RunSummary(counts={Status.CREATED: 3}, seconds=1))
    qtbot.addWidget(clean)
    assert clean.text() == "3 created."
    assert clean.show_failed_button is None
    assert clean.open_button is None and clean.folder_button is None  # nothing saved

    _answer_next_dialog(lambda b: b.show_failed_button.click())
    assert show_summary(None, summary) is True
    _answer_next_dialog(lambda b: b.reject())
    assert show_summary(None, summary) is False


def test_summary_after_a_check_counts_in_the_singular_and_says_what_was_left_out(qtbot):
    summary = RunSummary(
        counts={Status.CREATED: 11, Status.ALREADY_EXISTS: 1},
        seconds=2,
        left_out=1,
        skipped_notes=2,
    )
    box = summary_box(None, summary, saved_to="/school/logins.xlsx")
    qtbot.addWidget(box)
    assert box.text() == (
        "11 created, 1 already exists; 1 row the check found would fail was left out; "
        "2 rows that name no student were skipped."
    )
    assert "The Message of the row left out says why it would fail" in box.informativeText()
    assert box.show_failed_button is None


class RecordingOpener(FileOpener):
    """Opens nothing: remembers the address or command that would have opened."""

    def __init__(self, platform: str) -> None:
        self.urls: list[str] = []
        self.commands: list[tuple[str, list[str]]] = []
        super().__init__(
            open_url=lambda url: self.urls.append(url.toString()) or True,
            start_program=lambda program, args: self.commands.append((program, args)) or True,
            platform=platform,
        )


@pytest.mark.parametrize(
    ("button", "platform", "urls", "commands"),
    [
        ("open_button", "linux", ["file:///school/Maple Grove logins.xlsx"], []),
        ("open_button", "win32", ["file:///school/Maple Grove logins.xlsx"], []),
        ("folder_button", "linux", ["file:///school"], []),
        ("folder_button", "darwin", [], [("open", ["-R", "/school/Maple Grove logins.xlsx"])]),
        (
            "folder_button",
            "win32",
            [],
            [("explorer", ["/select,", "/school/Maple Grove logins.xlsx"])],
        ),
    ],
)
def test_finished_dialog_opens_the_saved_workbook(qtbot, button, platform, urls, commands):
    saved = "/school/Maple Grove logins.xlsx"
    opener = RecordingOpener(platform)
    summary = RunSummary(counts={Status.CREATED: 2, Status.FAILED: 1}, seconds=1)
    _answer_next_dialog(lambda box: getattr(box, button).click())
    assert show_summary(None, summary, saved, opener=opener) is False
    assert opener.urls == urls
    assert opener.commands == commands


def test_show_in_folder_commands():
    assert folder_command("/a b/c.xlsx", "darwin") == ("open", ["-R", "/a b/c.xlsx"])
    assert folder_command("/a b/c.xlsx", "linux") is None
    program, args = folder_command("C:/Users/office/a b.xlsx", "win32")
    assert program == "explorer" and args[0] == "/select,"


def test_summary_counts_show_and_the_file_name_is_kept_whole(qtbot):
    summary = RunSummary(
        counts={Status.CREATED: 120, Status.UPDATED: 14, Status.FAILED: 3}, seconds=83
    )
    name = "Maple Grove logins for the autumn term 2026.xlsx"
    box = summary_box(None, summary, saved_to=f"/home/office/Documents/Canvas logins/{name}")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    box.grab().save("/tmp/run_summary_box.png")
    assert box.text() == "120 created, 14 updated, 3 failed."
    label = next(lb for lb in box.findChildren(QLabel) if "saved in" in lb.text())
    bold = QFont(label.font())
    bold.setBold(True)
    assert QFontMetrics(bold).horizontalAdvance(name) <= label.width()  # never wrapped
    assert "<br>in /home/office/Documents/Canvas logins" in label.text()
    assert "The Message column of each row that failed says why." in label.text()
    assert "Time: 1 min 23 s" in label.text()
    assert box.toolTip().endswith(name)
    assert box.open_button.text() == "Open in Excel"
    assert box.folder_button.text() == "Show in folder"


def test_summary_elides_the_middle_of_a_very_long_file_name(qtbot):
    name = "A" * 40 + " middle part " + "Z" * 40 + ".xlsx"
    box = summary_box(None, RunSummary(counts={Status.CREATED: 1}, seconds=1), saved_to=name)
    qtbot.addWidget(box)
    assert name not in box.informativeText()
    assert "AAAA…" in box.informativeText() and "ZZZ.xlsx" in box.informativeText()
    assert "<br>in " not in box.informativeText()  # no folder given, none shown


def test_stopped_summary_says_how_to_finish(qtbot):
    box = summary_box(None, RunSummary(counts={Status.CREATED: 4}, seconds=1, cancelled=True))
    qtbot.addWidget(box)
    assert box.text() == "Stopped. 4 created."
    assert "Run again to do the rest" in box.informativeText()


def test_summary_note_is_shown(qtbot):
    box = summary_box(
        None, RunSummary(counts={Status.FAILED: 1}, seconds=1), note="This is the demo & more."
    )
    qtbot.addWidget(box)
    assert "<i>This is the demo &amp; more.</i>" in box.informativeText()


def test_confirmation_holds_no_token(qtbot):
    dialog = ConfirmRunDialog(None, _plan(1, 0, 0), _connection("https://district.instructure.com"))
    qtbot.addWidget(dialog)
    texts = " ".join(w.text() for w in dialog.findChildren(type(dialog.headline)))
    assert "secret-token" not in texts
    assert dialog.result() == QDialog.DialogCode.Rejected

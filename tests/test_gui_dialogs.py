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
from core.run.engine import RunSummary
from gui.run_dialogs import (
    ConfirmRunDialog,
    RunProgressPanel,
    confirm_run,
    describe_plan,
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


def test_plan_is_described_in_words():
    production = _connection("https://district.instructure.com")
    assert (
        describe_plan(_plan(412, 3, 0), production)
        == "Create 412 logins, update 3, delete 0, in PRODUCTION district.instructure.com"
    )
    test = _connection("https://district.test.instructure.com")
    assert describe_plan(_plan(1, 0, 2), test) == (
        "Create 1 login, update 0, delete 2, in TEST district.test.instructure.com"
    )


def test_production_needs_the_number_of_changes_typed(qtbot):
    dialog = ConfirmRunDialog(
        None, _plan(412, 3, 0, invalid=5), _connection("https://district.instructure.com")
    )
    qtbot.addWidget(dialog)
    assert "PRODUCTION district.instructure.com" in dialog.headline.text()
    assert "5 rows with problems will not be sent" in dialog.details.text()
    assert "2 rows already done" in dialog.details.text()
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
    assert box.text() == "10 rows done, 1 failed."
    details = box.informativeText()
    assert "<td style='padding: 2px 18px 2px 0'>Created</td>" in details
    assert "<b>10</b>" in details and "Invalid (not sent, fix and run again)</td>" in details
    assert "saved in<br><span style='white-space: nowrap'><b>demo.xlsx</b>" in details
    assert box.show_failed_button is not None

    clean = summary_box(None, RunSummary(counts={Status.CREATED: 3}, seconds=1))
    qtbot.addWidget(clean)
    assert clean.text() == "All done: 3 rows processed."
    assert clean.show_failed_button is None

    _answer_next_dialog(lambda b: b.show_failed_button.click())
    assert show_summary(None, summary) is True
    _answer_next_dialog(lambda b: b.reject())
    assert show_summary(None, summary) is False


def test_summary_counts_in_a_grid_and_the_file_name_kept_whole(qtbot):
    summary = RunSummary(
        counts={Status.CREATED: 120, Status.UPDATED: 14, Status.FAILED: 3}, seconds=83
    )
    name = "Maple Grove logins for the autumn term 2026.xlsx"
    box = summary_box(None, summary, saved_to=f"/home/office/Documents/Canvas logins/{name}")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    box.grab().save("/tmp/run_summary_box.png")
    label = next(lb for lb in box.findChildren(QLabel) if "saved in" in lb.text())
    bold = QFont(label.font())
    bold.setBold(True)
    assert QFontMetrics(bold).horizontalAdvance(name) <= label.width()  # never wrapped
    assert "<br>in /home/office/Documents/Canvas logins" in label.text()
    assert label.text().count("<tr>") == 3
    assert box.toolTip().endswith(name)


def test_summary_elides_the_middle_of_a_very_long_file_name(qtbot):
    name = "A" * 40 + " middle part " + "Z" * 40 + ".xlsx"
    box = summary_box(None, RunSummary(counts={Status.CREATED: 1}, seconds=1), saved_to=name)
    qtbot.addWidget(box)
    assert name not in box.informativeText()
    assert "AAAA…" in box.informativeText() and "ZZZ.xlsx" in box.informativeText()
    assert "<br>in " not in box.informativeText()  # no folder given, none shown


@pytest.mark.parametrize("cancelled", [True])
def test_stopped_summary_says_how_to_finish(qtbot, cancelled):
    box = summary_box(None, RunSummary(counts={Status.CREATED: 4}, seconds=1, cancelled=cancelled))
    qtbot.addWidget(box)
    assert box.text().startswith("Stopped. 4 rows done; run again")


def test_confirmation_holds_no_token(qtbot):
    dialog = ConfirmRunDialog(None, _plan(1, 0, 0), _connection("https://district.instructure.com"))
    qtbot.addWidget(dialog)
    texts = " ".join(w.text() for w in dialog.findChildren(type(dialog.headline)))
    assert "secret-token" not in texts
    assert dialog.result() == QDialog.DialogCode.Rejected

"""The app's SIS import run, logins.csv export and Undo last run, against the sandbox."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from gui_window_support import demo_copy
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.connection import start_sandbox_connection
from core.journal import workbook_key_for
from core.model import Action, Role, Row, RunMethod, Table, role_for_header
from core.plan import Operation, Plan
from core.rules import check_table
from core.sis.export import DEFAULT_LOGIN_SIS_PATTERN
from core.sis.method import IMPORT_RECOMMENDED_FROM
from core.undo import UndoPlan, UndoTarget
from core.workflow import RunRequest
from gui import sis_dialogs
from gui.run_flow import DEMO_NOTE
from gui.sis_dialogs import MethodChoice, method_confirm_dialog
from gui.sis_export_dialog import ExportSisDialog
from gui.undo_dialog import UndoConfirmDialog

RUN_TIMEOUT_MS = 60_000


def fake_plan(creates: int, updates: int = 0) -> Plan:
    actions = [Action.CREATE] * creates + [Action.UPDATE] * updates
    ops = [
        Operation(row=i, action=action, user_ref=f"sis_user_id:{7001 + i}", unique_id=f"pupil.{i}")
        for i, action in enumerate(actions)
    ]
    return Plan(operations=ops)


def fake_connection(production: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        production=production,
        kind="production" if production else "test",
        description=("PRODUCTION " if production else "") + "school.instructure.com",
        account_name="Maple Grove School District",
        can_manage_logins=True,
    )


def test_method_choice_recommends_by_row_count(qtbot):
    small = MethodChoice(fake_plan(12, updates=2))
    qtbot.addWidget(small)
    assert small.api.isChecked() and "(recommended)" in small.api.text()
    assert not small.import_box.isEnabled()
    assert "The 2 rows that change existing logins (updates, removals, suspensions) go " in (
        small.password_note.text()
    )
    assert "only when it makes a new login" in small.password_note.text()
    large = MethodChoice(fake_plan(IMPORT_RECOMMENDED_FROM + 100))
    qtbot.addWidget(large)
    assert large.sis.isChecked() and "(recommended)" in large.sis.text()
    assert large.choice() == RunRequest(RunMethod.SIS_IMPORT, DEFAULT_LOGIN_SIS_PATTERN)
    large.pattern.edit.setText("{nope}")
    assert large.choice() is None
    assert "not known" in large.pattern.hint.text()


def test_confirmation_with_method_choice_renders_and_guards(qtbot):
    dialog, group = method_confirm_dialog(None, fake_plan(400), fake_connection(True))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.grab().save("/tmp/sis_confirm_production.png")
    assert not dialog.ok_button.isEnabled()
    dialog.confirm_edit.setText("400")
    assert dialog.ok_button.isEnabled()
    group.pattern.edit.setText("")
    assert not dialog.ok_button.isEnabled()
    group.api.setChecked(True)
    assert dialog.ok_button.isEnabled()


LAYOUT_AT_TWICE_THE_SCALE = """
import json
from types import SimpleNamespace
from PySide6.QtWidgets import QApplication, QLabel
from core.model import Action
from core.plan import Operation, Plan
from gui.sis_dialogs import method_confirm_dialog

app = QApplication([])
actions = [Action.CREATE] * 400 + [Action.UPDATE] * 3
plan = Plan(operations=[Operation(row=i, action=a, user_ref=f"sis_user_id:{i}", unique_id=f"p{i}")
                        for i, a in enumerate(actions)])
connection = SimpleNamespace(production=True, kind="production", account_name="Maple Grove",
                             description="PRODUCTION school.instructure.com",
                             can_manage_logins=True)
dialog, group = method_confirm_dialog(None, plan, connection)
dialog.show()
for _ in range(5):
    app.processEvents()
dialog.grab().save("/tmp/sis_confirm_at_200_percent.png")
labels = [label for label in dialog.findChildren(QLabel)
          if label.wordWrap() and label.isVisibleTo(dialog) and label.text()]
print(json.dumps({
    "screen_height": dialog.screen().availableGeometry().height(),
    "dialog_height": dialog.frameGeometry().height(),
    "buttons_visible": not dialog.ok_button.visibleRegion().isEmpty(),
    "squashed": [label.text()[:40] for label in labels
                 if label.height() < label.heightForWidth(label.width())],
    "labels": len(labels),
}))
"""


def test_confirmation_at_200_percent_on_a_small_screen_scrolls_instead_of_squashing():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    done = subprocess.run(
        [sys.executable, "-c", LAYOUT_AT_TWICE_THE_SCALE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["screen_height"] <= 400  # offscreen: 800 px at 200%
    assert result["labels"] >= 4
    assert result["squashed"] == []
    assert result["dialog_height"] <= result["screen_height"]
    assert result["buttons_visible"]


def test_confirm_run_with_method_returns_the_choice_as_a_run_request(qtbot):
    parent = sis_dialogs.QWidget()
    qtbot.addWidget(parent)

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        group = dialog.findChild(MethodChoice)
        group.sis.setChecked(True)
        group.pattern.edit.setText("{sis_user_id}-K3")
        dialog.accept()

    QTimer.singleShot(0, answer)
    chosen_before = RunRequest(RunMethod.SIS_IMPORT, DEFAULT_LOGIN_SIS_PATTERN)
    request = sis_dialogs.confirm_run_with_method(
        parent, fake_plan(5), fake_connection(), chosen_before
    )
    assert request == RunRequest(RunMethod.SIS_IMPORT, "{sis_user_id}-K3")


@pytest.mark.parametrize(
    ("creates", "previous", "offered"),
    [
        (5, None, False),  # a small workbook: the API, without asking how
        (5, RunRequest(RunMethod.API, "{sis_user_id}-X"), False),
        (5, RunRequest(RunMethod.SIS_IMPORT), True),  # chosen last time
        (IMPORT_RECOMMENDED_FROM, None, True),  # many new logins: offered
        (0, RunRequest(RunMethod.SIS_IMPORT), False),  # nothing to import
    ],
)
def test_sis_section_only_when_offered_or_chosen_before(qtbot, creates, previous, offered):
    parent = sis_dialogs.QWidget()
    qtbot.addWidget(parent)
    seen = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append(dialog.findChild(MethodChoice) is not None)
        dialog.accept()

    QTimer.singleShot(0, answer)
    plan = fake_plan(creates, updates=1)
    request = sis_dialogs.confirm_run_with_method(parent, plan, fake_connection(), previous)
    assert seen == [offered]
    assert sis_dialogs.method_offered(plan, previous) is offered
    if not offered:
        pattern = previous.login_sis_pattern if previous else DEFAULT_LOGIN_SIS_PATTERN
        assert request == RunRequest(RunMethod.API, pattern)


def test_logins_the_check_found_are_not_counted_as_new(qtbot):
    plan = fake_plan(IMPORT_RECOMMENDED_FROM)
    assert sis_dialogs.method_offered(plan)
    plan.checked_existing = 1  # the run only records that one: fewer new logins
    assert sis_dialogs.new_logins(plan) == IMPORT_RECOMMENDED_FROM - 1
    assert not sis_dialogs.method_offered(plan)
    group = MethodChoice(plan)
    qtbot.addWidget(group)
    assert f"For {IMPORT_RECOMMENDED_FROM - 1} new logins" in group.advice.text()


def test_pattern_example_uses_this_workbooks_ids(qtbot):
    plan = fake_plan(3)
    group = MethodChoice(plan, RunRequest(RunMethod.SIS_IMPORT))
    qtbot.addWidget(group)
    hint = group.pattern.hint.text()
    assert "For pupil.0 (SIS User ID 7001), the first new login here" in hint
    assert "<b>7001-L2</b>" in hint
    group.pattern.edit.setText("{login}@k3")
    assert "<b>pupil.0@k3</b>" in group.pattern.hint.text()
    # a student named only by a Canvas id: {sis_user_id} cannot be made for them
    canvas_only = Plan(
        operations=[
            Operation(row=0, action=Action.CREATE, user_ref="101", unique_id="zoe.d"),
            Operation(row=1, action=Action.CREATE, user_ref="sis_user_id:0045512", unique_id="x"),
        ]
    )
    other = MethodChoice(canvas_only, RunRequest(RunMethod.SIS_IMPORT))
    qtbot.addWidget(other)
    field = other.pattern
    assert "For x (SIS User ID 0045512)" in field.hint.text()
    field.edit.setText("{canvas_user_id}-L")
    assert "For zoe.d, the first new login here, the login's SIS ID is <b>101-L</b>" in (
        field.hint.text()
    )


def test_export_dialog_writes_the_file_and_lists_rows_left_out(qtbot, tmp_path):
    headers = ["SIS User ID", "New Login", "Password"]
    columns = {role_for_header(h): i for i, h in enumerate(headers)}
    table = Table(
        "S",
        headers,
        1,
        columns,
        [
            Row(2, ["0045510", "ava.k", "=cmd|calc"]),
            Row(3, ["0045511", "liam.o", "cat"]),
        ],
    )
    target = tmp_path / "logins.csv"
    dialog = ExportSisDialog(None, table, check_table(table), target)
    qtbot.addWidget(dialog)
    dialog.show()
    result = dialog.export()
    dialog.grab().save("/tmp/sis_export_dialog.png")
    assert result.written == 1
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert rows[0]["password"] == "'=cmd|calc"
    items = [dialog.left_out.item(i).text() for i in range(dialog.left_out.count())]
    assert any(item.startswith("Row 3:") for item in items)
    assert any("starts like a formula" in item for item in items)


def _login_table(count: int) -> Table:
    headers = ["SIS User ID", "New Login", "Password"]
    columns = {role_for_header(h): i for i, h in enumerate(headers)}
    rows = [Row(2 + i, [f"00455{i:02}", f"user{i}", "long-enough-44"]) for i in range(count)]
    return Table("S", headers, 1, columns, rows)


@pytest.mark.parametrize(("count", "words"), [(1, "the 1 new login of"), (12, "the 12 new logins")])
def test_export_dialog_heading_sits_at_the_top_in_plain_words(qtbot, tmp_path, count, words):
    table = _login_table(count)
    dialog = ExportSisDialog(None, table, check_table(table), tmp_path / "logins.csv")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(f"/tmp/sis_export_dialog_{count}.png")
    headline = dialog.headline
    assert words in headline.text() and "(s)" not in headline.text()
    top = dialog.layout().contentsMargins().top()
    assert headline.y() <= top + 2  # no empty band above the heading
    assert headline.height() <= headline.heightForWidth(headline.width()) + 4
    result = dialog.export()
    wrote = dialog.left_out_label.text()
    assert result.written == count
    assert wrote.startswith(f"Wrote {count} login{'s' if count > 1 else ''} to")
    assert "(s)" not in wrote


def undo_plan(count: int) -> UndoPlan:
    """A plan that removes ``count`` logins (no journal run behind it)."""
    targets = [
        UndoTarget(i, i + 2, f"sis_user_id:{7001 + i}", str(50 + i), f"pupil.{i}", ())
        for i in range(count)
    ]
    return UndoPlan(targets=targets)


def test_undo_confirmation_lists_the_count_and_guards_production(qtbot):
    plan = undo_plan(12)
    dialog = UndoConfirmDialog(None, plan, fake_connection(True), restore=True)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.grab().save("/tmp/sis_undo_confirm.png")
    assert "Remove the 12 logins" in dialog.headline.text()
    assert dialog.badge.isVisible() and dialog.badge.text() == "PRODUCTION"
    assert dialog.badge.geometry().bottom() < dialog.headline.geometry().top()
    assert dialog.badge.height() == dialog.badge.sizeHint().height()  # a pill, not a block
    assert dialog.ok_button.text() == "Remove 12 logins"
    assert dialog.restore_box.isChecked()
    assert not dialog.ok_button.isEnabled()
    dialog.confirm_edit.setText("12")
    assert dialog.ok_button.isEnabled()


def test_undo_confirmation_on_a_test_instance_says_so(qtbot):
    plan = undo_plan(1)
    dialog = UndoConfirmDialog(None, plan, fake_connection(False), restore=False)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.badge.isVisible() and dialog.badge.text() == "TEST"
    assert dialog.confirm_edit is None and dialog.ok_button.text() == "Remove 1 login"


def test_import_run_then_undo_in_the_window(window, tmp_path, qtbot, answers):
    connection = start_sandbox_connection()
    sandbox = connection.sandbox
    sandbox.state.sis_import_seconds = 0.2
    window.set_connection(connection)
    demo = demo_copy(tmp_path)
    assert window.open_file(demo)
    before = {(lg["user_id"], lg["unique_id"]) for lg in sandbox.state.all_active_logins()}
    sis_import = RunRequest(RunMethod.SIS_IMPORT, DEFAULT_LOGIN_SIS_PATTERN)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.run_changes(confirm=False, request=sis_import)
    summary = done.args[0]
    assert summary is not None and summary.count("Created") >= 5
    table = window.doc.table
    created = [i for i in range(len(table.rows)) if table.status(i) == "Created"]
    assert all(table.value(i, Role.CANVAS_LOGIN_ID) for i in created)
    assert sandbox.state.sis_imports, "the run went through a SIS import"
    journal_run = window.journal.last_run(workbook_key_for(demo))
    assert journal_run.method == "sis-import"
    made = {(lg["user_id"], lg["unique_id"]) for lg in sandbox.state.all_active_logins()} - before

    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.undo_last_run()
    assert ("undo", len(created)) in answers.asked
    assert all(table.status(i) == "Deleted" for i in created)
    after = {(lg["user_id"], lg["unique_id"]) for lg in sandbox.state.all_active_logins()}
    assert not (after & made)
    assert after == before - {(117, "henry.d")}  # the run's own Remove row
    # the finished dialog says how to create them again, in the command line's words
    again = (
        f"Undone: {len(created)} logins removed. To create them again, run the workbook "
        "again: the rows are no longer done."
    )
    assert answers.summary_notes[-1] == again
    assert window.statusBar().currentMessage() == f"Finished. {again}"
    assert not window.undo_last_run()
    assert answers.infos and answers.infos[-1][0] == "Nothing to undo"
    # and so it is: running again creates them again
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as rerun:
        assert window.run_changes(confirm=False, request=RunRequest())
    assert rerun.args[0].count("Created") == len(created)
    assert answers.summary_notes[-1] == DEMO_NOTE  # a run's note, not the undo's words


def test_menu_items_are_there(window, tmp_path):
    assert window.actions_.undo_run.isVisible()
    assert window.actions_.export_sis.text() == "Export &logins.csv…"
    assert not window.actions_.export_sis.isEnabled() or window.doc is not None
    assert window.open_file(demo_copy(tmp_path))
    assert window.actions_.export_sis.isEnabled() and window.actions_.undo_run.isEnabled()

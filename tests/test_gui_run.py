"""Check with Canvas, Run, Stop and restore from the journal, against the sandbox."""

from __future__ import annotations

import pytest
from gui_window_support import (
    asked,
    close_window,
    demo_copy,
    make_window,
    read_column,
    write_xlsx,
)

from core.connection import start_sandbox_connection
from core.journal import Journal, workbook_key_for
from core.model import Action, Role, Status
from core.words import confirmation_lines
from core.workbook import open_workbook
from core.workbook.doc import lock_files
from gui.filter_proxy import RowFilter
from gui.run_dialogs import ConfirmRunDialog, summary_headline
from gui.run_flow import DEMO_NOTE

RUN_TIMEOUT_MS = 60_000


@pytest.fixture
def demo(tmp_path):
    return demo_copy(tmp_path)


def col(window, role: Role) -> int:
    found = window.table_model.column_for(role)
    assert found is not None
    return found


def row_of(window, name: str) -> int:
    """The row of a demo student by first name, or by "First Last" where two share it."""
    return next(i for i, r in enumerate(window.doc.table.rows) if name in (r.cells[0], full(r)))


def full(row) -> str:
    return f"{row.cells[0]} {row.cells[1]}"


def fix_demo_problems(window) -> None:
    """Make the demo's broken rows sendable, the way staff would in the grid, after
    filling Ms. Patel's empty logins with Generate (not asking Canvas: no wait)."""
    dialog = window.generate_logins()
    dialog.sheet_choice.setChecked(True)
    dialog.avoid_taken.setChecked(False)
    dialog.accept()
    assert window.doc.table.value(row_of(window, "Ava Kaur"), Role.NEW_LOGIN) == "ava.k2"
    model = window.table_model
    login, pw, sis = (col(window, r) for r in (Role.NEW_LOGIN, Role.PASSWORD, Role.SIS_USER_ID))
    model.setData(model.index(row_of(window, "Noah"), pw), "long-enough-12")
    model.setData(model.index(row_of(window, "Oliver"), login), "oliver.s")
    model.setData(model.index(row_of(window, "Yuki"), login), "yuki.t")
    model.setData(model.index(row_of(window, "Ethan"), sis), "0099999")  # nobody has it
    window.check_offline()


def statuses(window) -> dict[str, str]:
    return {full(r): window.doc.table.status(i) for i, r in enumerate(window.doc.table.rows)}


def test_check_with_canvas_shows_ready_already_exists_and_would_fail(
    window, demo, tmp_path, qtbot, answers
):
    window.set_connection(start_sandbox_connection())
    assert window.open_file(demo)
    fix_demo_problems(window)
    with qtbot.waitSignal(window.check_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.check_with_canvas()
    summary = done.args[0]
    assert summary is not None
    found = statuses(window)
    assert found["Ava Kowalski"] == found["Ava Kaur"] == "Ready"  # generated logins
    assert found["Chloé Bernard"] == "Already exists"
    assert found["Ethan Brown"] == found["Yuki Tanaka"] == "Would fail"  # never "Failed"
    assert window.doc.table.value(row_of(window, "Ethan"), Role.MESSAGE)
    table = window.doc.table
    assert not any(table.value(i, Role.PROCESSED_AT) for i in range(len(table.rows)))
    assert asked(answers, "confirm") == []  # a check changes nothing: no confirmation
    assert asked(answers, "summary") == []
    assert not window.table_model.read_only
    # nothing was written to Canvas: a real run still creates Ava's login
    window.set_row_filter(RowFilter.STATUS, "Ready")
    assert window.proxy.rowCount() == summary.count(Status.READY)

    # the progress panel shows what the check found, not "Created: 0"
    panel = window.widgets.progress_panel
    ready = summary.count(Status.READY)
    shown = {status: chip.count for status, chip in panel.chips.items() if not chip.isHidden()}
    assert shown == {
        Status.READY: ready,
        Status.ALREADY_EXISTS: 1,
        Status.WOULD_FAIL: 2,
        Status.INVALID: 0,
    }
    assert panel.isVisible() and panel.title.text().startswith("Check finished")
    assert window.statusBar().currentMessage() == (
        f"Check finished: {ready} ready, 1 already exists, 2 would fail. "
        "Nothing was changed in Canvas."
    )

    # the panel belongs to the workbook shown: another workbook starts without it
    assert window.open_file(demo_copy(tmp_path, "Another.xlsx"))
    assert panel.isHidden() and all(chip.count == 0 for chip in panel.chips.values())


def test_run_after_a_check_agrees_with_it(window, demo, qtbot, answers):
    window.set_connection(start_sandbox_connection())
    assert window.open_file(demo)
    fix_demo_problems(window)
    with qtbot.waitSignal(window.check_finished, timeout=RUN_TIMEOUT_MS) as checked:
        assert window.check_with_canvas()
    check = checked.args[0]
    table = window.doc.table
    ready_creates = sum(
        table.status(i) == "Ready" and table.action(i) in (None, Action.CREATE)
        for i in range(len(table.rows))
    )
    assert check.count(Status.READY) == ready_creates + 2  # and Isla's reset, Henry's removal
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.run_changes()
    (plan,) = asked(answers, "confirm")
    assert confirmation_lines(plan) == [
        f"Create {ready_creates} logins",
        "1 login the check found already exists (recorded, not made again)",
        "Change 1 login",
        "Remove 1 login",
        "2 rows the check found would fail are left out",
    ]
    dialog = ConfirmRunDialog(None, plan, window.connection)
    qtbot.addWidget(dialog)
    assert dialog.headline.text().startswith(f"Create {ready_creates} logins; 1 login the check")
    assert dialog.ok_button.text() == f"Send {ready_creates + 2} changes"

    summary = done.args[0]
    assert summary.count(Status.CREATED) == ready_creates
    assert summary.count(Status.ALREADY_EXISTS) == 1  # the check's "Already exists", recorded
    assert summary.count(Status.UPDATED) == summary.count(Status.DELETED) == 1
    assert summary.count(Status.FAILED) == 0 and summary.left_out == 2
    assert summary_headline(summary) == (
        f"{ready_creates} created, 1 already exists, 1 updated, 1 deleted; 2 rows the check "
        "found would fail were left out."
    )
    found = statuses(window)
    assert found["Chloé Bernard"] == "Already exists"
    assert table.value(row_of(window, "Chloé"), Role.PROCESSED_AT)  # a run's outcome now
    for name in ("Ethan", "Yuki"):  # left out: the check's words, untouched by the run
        assert table.status(row_of(window, name)) == "Would fail"
        assert not table.value(row_of(window, name), Role.PROCESSED_AT)
    assert read_column(demo, "Status")[row_of(window, "Yuki")] == "Would fail"
    # the demo's finished dialog says its failures are deliberate
    assert answers.summary_notes == [DEMO_NOTE]
    panel = window.widgets.progress_panel
    assert panel.chips[Status.CREATED].count == ready_creates
    assert panel.chips[Status.READY].isHidden() and panel.title.text() == "Finished"


def test_finished_dialog_of_another_workbook_has_no_demo_note(window, tmp_path, qtbot, answers):
    rows = [
        ["First Name", "Last Name", "SIS User ID", "New Login", "Password"],
        ["Zoë", "Dubois", "0045512", "yuki.t", "long-enough-12"],  # someone else's login
        ["Liam", "O'Brien", "0045511", "liam.ob", "long-enough-12"],
    ]
    path = write_xlsx(tmp_path / "mine.xlsx", {"Students": rows})
    window.set_connection(start_sandbox_connection())
    assert window.open_file(path)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.run_changes()
    assert done.args[0].count(Status.FAILED) == 1
    assert answers.summary_notes == [""]
    assert window.statusBar().currentMessage() == "Finished. 1 created, 1 failed."


def test_check_offers_the_leading_zeros_excel_dropped(window, tmp_path, qtbot):
    rows = [
        ["SIS User ID", "New Login", "Password"],
        [45510, "ava.k", "long-enough-12"],  # stored as a number: 0045510 lost its zeros
        ["0045511", "liam.o", "long-enough-12"],
        [45512, "zoe.d", "long-enough-12"],
    ]
    path = write_xlsx(tmp_path / "numbers.xlsx", {"Students": rows})
    window.set_connection(start_sandbox_connection())
    assert window.open_file(path)
    bar = window.widgets.id_fix_bar
    assert bar.isHidden()
    with qtbot.waitSignal(window.check_finished, timeout=RUN_TIMEOUT_MS):
        assert window.check_with_canvas()
    assert not bar.isHidden()
    assert bar.fix is not None and bar.fix.rows == [0, 2] and bar.fix.width == 7
    assert window.doc.table.value(0, Role.SIS_USER_ID) == "45510"  # never changed unasked
    assert bar.apply_fix() == 2
    assert [window.doc.table.value(i, Role.SIS_USER_ID) for i in range(3)] == [
        "0045510",
        "0045511",
        "0045512",
    ]
    window.undo_stack.undo()  # one undo step puts them back, and offers the fix again
    assert window.doc.table.value(2, Role.SIS_USER_ID) == "45512" and not bar.isHidden()
    # a workbook opened afterwards does not inherit the offer
    assert window.open_file(demo_copy(tmp_path))
    assert bar.isHidden() and bar.fix is None


def test_check_without_a_connection_asks_to_connect(window, demo, answers):
    window.open_file(demo)
    assert not window.check_with_canvas()
    assert asked(answers, "connect") == [None]


def test_run_confirms_sends_saves_and_summarises(window, demo, qtbot, answers):
    window.set_connection(start_sandbox_connection())
    window.open_file(demo)
    fix_demo_problems(window)
    answers.confirm = False
    assert not window.run_changes()
    assert len(asked(answers, "confirm")) == 1
    assert window.doc.table.status(0) == ""
    answers.confirm = True
    answers.show_failed = True
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.run_changes()
        assert window.table_model.read_only  # no edits while it runs
    summary = done.args[0]
    assert summary.count(Status.CREATED) >= 10
    found = statuses(window)
    assert found["Ava Kowalski"] == found["Ava Kaur"] == "Created"  # generated logins
    assert found["Henry Davis"] == "Deleted"
    assert found["Isla Thompson"] == "Updated"
    assert found["Ethan Brown"] == "Failed"
    assert window.doc.table.value(row_of(window, "Ava"), Role.CANVAS_LOGIN_ID)
    # saved back into the workbook at the end
    assert not window.is_modified
    assert read_column(demo, "Status")[row_of(window, "Ava")] == "Created"
    ((shown_summary, saved_to),) = asked(answers, "summary")
    assert shown_summary is summary and saved_to == str(demo)
    # "Show failed rows" filters the grid
    assert window.proxy.mode is RowFilter.STATUS and window.proxy.status == "Failed"
    assert window.proxy.rowCount() == summary.count(Status.FAILED)
    assert not window.table_model.read_only
    # running again changes nothing: every done row is left alone
    answers.asked.clear()
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as again:
        assert window.run_changes()
    assert again.args[0].count(Status.CREATED) == 0


def test_stop_mid_run_keeps_every_result_and_leaves_unsent_rows(window, tmp_path, qtbot):
    rows = [["Canvas User ID", "New Login", "Password"]]
    rows += [[str(101 + (i % 18)), f"stop.test.{i}", "long-enough-pass"] for i in range(120)]
    path = write_xlsx(tmp_path / "many.xlsx", {"Students": rows})
    connection = start_sandbox_connection(latency=0.15)
    window.set_connection(connection)
    window.open_file(path)
    window.check_offline()
    assert len(window.table_model.findings) == 0
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.run_changes()
        qtbot.waitUntil(
            lambda: any(window.doc.table.status(i) for i in range(len(window.doc.table.rows))),
            timeout=RUN_TIMEOUT_MS,
        )
        assert window.actions_.stop.isEnabled() and not window.actions_.run.isEnabled()
        assert not window.actions_.save.isEnabled()
        window.stop_run()
        assert window.widgets.progress_panel.stop_button.text().startswith("Stopping")
    summary = done.args[0]
    assert summary.cancelled
    table = window.doc.table
    finished = {r.row for r in summary.results}
    assert 0 < len(finished) < 120
    for index in range(len(table.rows)):
        if index in finished:
            assert table.status(index) == "Created"
        else:
            assert table.status(index) == ""  # never sent: unchanged
    assert read_column(path, "Status").count("Created") == len(finished)
    in_canvas = [
        login["unique_id"]
        for login in connection.sandbox.state.all_active_logins()
        if login["unique_id"].startswith("stop.test.")
    ]
    assert len(in_canvas) == len(finished)  # every login Canvas made has its result


def test_results_survive_a_locked_workbook_at_the_end_of_a_run(window, demo, qtbot, answers):
    window.set_connection(start_sandbox_connection())
    window.open_file(demo)
    fix_demo_problems(window)
    owner = lock_files(demo)[0]
    owner.write_text("excel")
    answers.locked = ["cancel"]
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        window.run_changes()
    assert len(asked(answers, "locked")) == 1
    assert window.is_modified
    assert window.doc.table.status(row_of(window, "Ava")) == "Created"
    owner.unlink()
    assert window.save()
    assert read_column(demo, "Status")[row_of(window, "Ava")] == "Created"


def test_restore_unsaved_results_from_the_journal_on_open(qtbot, demo, answers):
    # a run whose results never reached the file (the app stopped before saving)
    first = make_window(qtbot, answers)
    try:
        first.set_connection(start_sandbox_connection())
        first.open_file(demo)
        fix_demo_problems(first)
        first.save()
        answers.locked = ["cancel"]
        lock_files(demo)[0].write_text("excel")
        with qtbot.waitSignal(first.run_finished, timeout=RUN_TIMEOUT_MS):
            first.run_changes()
        assert first.is_modified
    finally:
        close_window(first)
    lock_files(demo)[0].unlink()
    assert open_workbook(demo).table.status(0) == ""
    assert Journal().unsaved_results(workbook_key_for(demo), open_workbook(demo).table)

    answers.asked.clear()
    second = make_window(qtbot, answers)
    assert second.open_file(demo)
    assert asked(answers, "restore")
    assert second.doc.table.status(0) == "Created"
    assert second.is_modified
    assert second.save()
    assert read_column(demo, "Status")[0] == "Created"
    answers.asked.clear()
    third = make_window(qtbot, answers)
    assert third.open_file(demo)
    assert asked(answers, "restore") == []  # saved now: nothing to restore


def test_offline_check_knows_the_connected_canvas_sign_in_methods(window, tmp_path):
    """Provider 7 is the sandbox's SAML: a password there is flagged before sending."""
    import openpyxl

    path = tmp_path / "sso.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["SIS User ID", "New Login", "Password", "Authentication Provider"])
    book.active.append(["0045510", "ava.sso@maplegrove.example", "long-enough-1", "7"])
    book.save(path)
    assert window.open_file(path)
    assert not [f for f in window.check_offline() if "single sign-on" in f.message]
    window.set_connection(start_sandbox_connection())
    assert window.connection.provider_types == {"1": "canvas", "7": "saml"}
    findings = window.check_offline()
    assert any("single sign-on" in f.message for f in findings)

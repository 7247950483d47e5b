"""The app's "Run history…": its table models, and the dialog over real runs in the sandbox."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

from gui_window_support import asked, demo_copy
from PySide6.QtCore import Qt

from core.connection import start_sandbox_connection
from core.history import ROW_COLUMNS as REPORT_ROW_COLUMNS
from core.history import RUN_COLUMNS as REPORT_RUN_COLUMNS
from core.history import HistoryKind, HistoryRow, HistoryRun, RunHistory
from core.model import RowLabel, RowResult, Status
from gui import main_actions, theme_colors
from gui.history_dialog import HistoryDialog
from gui.history_model import (
    ROW_COLUMNS,
    ROW_LOGIN_ID,
    ROW_NAME,
    ROW_PROCESSED_AT,
    ROW_ROLE,
    ROW_SHEET_ROW,
    ROW_STATUS,
    RUN_CANVAS,
    RUN_COLUMNS,
    RUN_COUNTS,
    RUN_OUTCOME,
    RUN_ROLE,
    RUN_WHAT,
    RUN_WHEN,
    RUN_WHO,
    RUN_WORKBOOK,
    SORT_ROLE,
    RunRowsModel,
    RunsModel,
)

RUN_TIMEOUT_MS = 60_000
DISPLAY = Qt.ItemDataRole.DisplayRole
TIP = Qt.ItemDataRole.ToolTipRole


def history_run(**changes) -> HistoryRun:
    values = dict(
        id=7,
        kind="run",
        method="sis-import",
        started="2025-06-03T14:05:09+02:00",
        finished="2025-06-03T14:07:19+02:00",
        user="jsmith",
        computer="OFFICE-PC",
        canvas="maplegrove.instructure.com",
        account="1",
        workbook="/school/Zoë's class (2025).xlsx",
        sheet="Années",
        outcome="Finished",
        counts={"Created": 3, "Failed": 1},
    )
    values.update(changes)
    return HistoryRun(**values)


def history_row(sheet_row: int, status: str, **changes) -> HistoryRow:
    values = dict(
        run_id=7,
        sheet_row=sheet_row,
        student="SIS User ID 0045510",
        name="Zoë 田中",
        login="zoe.t",
        action="Create",
        status=status,
        message="",
        login_id="",
        processed_at="2025-06-03T14:06:00+02:00",
    )
    values.update(changes)
    return HistoryRow(**values)


# ----- the models, without widgets ---------------------------------------------------------


def test_runs_model_columns_text_and_roles():
    model = RunsModel()
    never_finished = history_run(id=8, kind="undo", method="undo", finished="", outcome="")
    offline = history_run(
        id=9, kind="check", method="offline", canvas="", account="", user="", counts={}
    )
    model.set_runs([offline, never_finished, history_run()])
    assert model.rowCount() == 3 and model.columnCount() == len(RUN_COLUMNS) == 8
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    assert headers == list(RUN_COLUMNS)
    assert model.headerData(0, Qt.Orientation.Vertical) is None

    def cell(row, column, role=DISPLAY):
        return model.index(row, column).data(role)

    assert cell(2, RUN_WHEN, RUN_ROLE) is model.run_at(2) and model.run_at(2).id == 7
    assert cell(2, RUN_WHAT) == "Run by a SIS import"
    assert cell(1, RUN_WHAT) == "Undo"
    assert cell(0, RUN_WHAT) == "Check on this computer only"
    assert cell(2, RUN_WHO) == "jsmith on OFFICE-PC"
    assert cell(0, RUN_WHO) == "OFFICE-PC"
    assert cell(2, RUN_WORKBOOK) == "Zoë's class (2025).xlsx"
    assert cell(2, RUN_WORKBOOK, TIP) == "/school/Zoë's class (2025).xlsx"
    assert cell(2, RUN_COUNTS) == "3 created, 1 failed"
    assert cell(0, RUN_COUNTS) == "no rows"
    assert cell(2, RUN_OUTCOME) == "Finished"
    assert cell(1, RUN_OUTCOME) == "Did not finish"
    assert cell(0, RUN_CANVAS) == "—"
    assert "Canvas was not asked" in cell(0, RUN_CANVAS, TIP)
    assert cell(2, RUN_CANVAS, TIP) == "maplegrove.instructure.com, account 1"
    # local time to the minute on screen; start, finish and how long in the tip
    assert cell(2, RUN_WHEN) == cell(2, RUN_WHEN, TIP)[8:24]
    assert "took 2 min 10 s" in cell(2, RUN_WHEN, TIP)
    assert "Finished" not in cell(1, RUN_WHEN, TIP)
    assert cell(2, RUN_WHEN, SORT_ROLE) == "2025-06-03T14:05:09+02:00"
    assert model.row_of(8) == 1 and model.row_of(99) == -1
    assert model.index(5, 0).data() is None and model.run_at(-1) is None
    assert model.rowCount(model.index(0, 0)) == 0  # a flat table: no children


def test_rows_model_columns_text_and_roles():
    model = RunRowsModel()
    rows = [
        history_row(3, "Created", login_id="9001"),
        history_row(12, "Failed", message="Canvas said no", processed_at=""),
        history_row(4, "Already exists", name="", student=""),
    ]
    model.set_rows(rows)
    assert model.rowCount() == 3 and model.columnCount() == len(ROW_COLUMNS) == 9
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)] == list(ROW_COLUMNS)
    first = model.index(0, ROW_SHEET_ROW)
    assert first.data() == "3" and first.data(SORT_ROLE) == 3  # sorts as a number
    assert model.index(1, ROW_SHEET_ROW).data(SORT_ROLE) == 12
    assert model.index(0, ROW_STATUS).data(ROW_ROLE) is rows[0]
    assert model.index(0, ROW_NAME).data() == "Zoë 田中"
    assert model.index(2, ROW_NAME).data() == ""
    assert model.index(0, ROW_LOGIN_ID).data() == "9001"
    assert model.index(0, ROW_PROCESSED_AT).data() == model.index(0, ROW_PROCESSED_AT).data(TIP)
    assert len(model.index(0, ROW_PROCESSED_AT).data()) == len("2025-06-03 14:06:00")
    assert model.index(1, ROW_PROCESSED_AT).data() == ""
    background = Qt.ItemDataRole.BackgroundRole
    assert model.index(0, ROW_STATUS).data(background) == theme_colors.status_tint("Created")
    assert model.index(1, ROW_STATUS).data(background) == theme_colors.status_tint("Failed")
    assert model.index(0, ROW_NAME).data(background) is None  # only the Status cell
    model.set_rows([])
    assert model.rowCount() == 0 and model.row_at(0) is None


# ----- the dialog ---------------------------------------------------------------------------


def _csv_lines(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # opens in Excel
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _shown(view, column: int) -> list[str]:
    model = view.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_three_runs_listed_shown_and_exported(window, tmp_path, qtbot, answers):
    """Check with Canvas, Run and Undo the demo in the window: the history lists the
    three, newest first, each with its rows; both lists export as CSV."""
    connection = start_sandbox_connection()
    window.set_connection(connection)
    demo = demo_copy(tmp_path, "Zoë's class.xlsx")
    assert window.open_file(demo)
    table = window.doc.table
    with qtbot.waitSignal(window.check_finished, timeout=RUN_TIMEOUT_MS):
        assert window.check_with_canvas()
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as ran:
        assert window.run_changes(confirm=False)
    run_summary = ran.args[0]
    created = sorted(
        table.rows[i].sheet_row for i in range(len(table.rows)) if table.status(i) == "Created"
    )
    assert len(created) >= 5
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.undo_last_run()

    window.actions_.history.trigger()  # File → Run History…
    dialog = window.findChild(HistoryDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.this_workbook.isVisible() and dialog.this_workbook.isChecked()
    assert _shown(dialog.runs_view, RUN_WHAT) == ["Undo", "Run by the API", "Check by the API"]
    assert set(_shown(dialog.runs_view, RUN_WORKBOOK)) == {"Zoë's class.xlsx"}
    assert "3 runs" in dialog.intro.text()

    # the newest (the undo) is chosen first: its rows are the logins it removed
    assert dialog.chosen_run().kind == HistoryKind.UNDO
    assert _shown(dialog.rows_view, ROW_SHEET_ROW) == [str(row) for row in created]
    assert set(_shown(dialog.rows_view, ROW_STATUS)) == {"Deleted"}

    assert not dialog.choose_run(10**6)
    assert dialog.choose_run(dialog.runs_model.run_at(1).id)
    run = dialog.chosen_run()
    assert run.kind == HistoryKind.RUN and run.outcome == "Finished"
    assert run.counts["Created"] == run_summary.count("Created") == len(created)
    shown_created = [
        int(row)
        for row, status in zip(
            _shown(dialog.rows_view, ROW_SHEET_ROW),
            _shown(dialog.rows_view, ROW_STATUS),
            strict=True,
        )
        if status == "Created"
    ]
    assert shown_created == created
    assert dialog.run_title.text().startswith("Run by the API of 'Zoë's class.xlsx'")
    assert run.counts_words() in dialog.run_title.text()
    login_ids = dict(
        zip(
            _shown(dialog.rows_view, ROW_SHEET_ROW),
            _shown(dialog.rows_view, ROW_LOGIN_ID),
            strict=True,
        )
    )
    assert all(login_ids[str(row)] for row in created)  # Canvas's login ids are kept

    # export this run's rows
    answers.report_path = str(tmp_path / "run report")  # ".csv" is added
    written = dialog.export_run()
    assert written == tmp_path / "run report.csv"
    title, suggested = asked(answers, "report_path")[-1]
    assert title == "Save this run as" and suggested.parent == demo.parent
    assert suggested.name.startswith(f"Zoë's class run {run.id} ")
    lines = _csv_lines(written)
    assert lines[0] == list(REPORT_ROW_COLUMNS)
    assert len(lines) - 1 == dialog.rows_model.rowCount()
    status_at = REPORT_ROW_COLUMNS.index("Status")
    row_at = REPORT_ROW_COLUMNS.index("Row")
    assert sorted(int(line[row_at]) for line in lines[1:] if line[status_at] == "Created") == (
        created
    )
    assert "Saved 'run report.csv'" in dialog.notice.text()

    # export the list of runs
    answers.report_path = str(tmp_path / "history.csv")
    written = dialog.export_list()
    lines = _csv_lines(written)
    assert lines[0] == list(REPORT_RUN_COLUMNS)
    what_at = REPORT_RUN_COLUMNS.index("What")
    assert [line[what_at] for line in lines[1:]] == ["Undo", "Run", "Check"]
    assert {line[REPORT_RUN_COLUMNS.index("Workbook")] for line in lines[1:]} == {
        str(demo.resolve())
    }

    # cancelled: nothing written, nothing said
    answers.report_path = None
    dialog.say("")
    assert dialog.export_list() is None and not dialog.notice.isVisible()

    # another workbook's check: listed only when "This workbook only" is unticked
    other = demo_copy(tmp_path, "Other class.xlsx")
    assert window.open_file(other)
    with qtbot.waitSignal(window.check_finished, timeout=RUN_TIMEOUT_MS):
        assert window.check_with_canvas()
    assert window.show_run_history() is dialog  # the open one, read again
    assert dialog.this_workbook.text() == "Only 'Other class.xlsx'"
    assert _shown(dialog.runs_view, RUN_WORKBOOK) == ["Other class.xlsx"]
    dialog.this_workbook.setChecked(False)
    assert len(_shown(dialog.runs_view, RUN_WHAT)) == 4
    assert _shown(dialog.runs_view, RUN_WORKBOOK)[0] == "Other class.xlsx"
    dialog.close()


def test_an_export_onto_a_read_only_file_says_so_plainly(qtbot, tmp_path, window, answers):
    history = RunHistory(window.journal)
    run_id = history.start(HistoryKind.RUN, "api", workbook=tmp_path / "Ms Patel.xlsx", sheet="K")
    history.add_rows(
        run_id,
        [RowResult(0, Status.CREATED, "Login 'ava.k' created", login_id="5")],
        {0: RowLabel(sheet_row=2, student="SIS User ID 0045510", name="Ava K", login="ava.k")},
    )
    history.finish(run_id, "Finished")
    dialog = window.show_run_history()
    assert not dialog.this_workbook.isVisible()  # no workbook open: every run
    assert dialog.chosen_run().id == run_id
    assert _shown(dialog.rows_view, ROW_NAME) == ["Ava K"]
    kept = tmp_path / "report.csv"
    kept.write_text("last term's report")
    kept.chmod(stat.S_IRUSR)
    answers.report_path = str(kept)
    try:
        assert dialog.export_run() is None
    finally:
        kept.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert kept.read_text() == "last term's report"
    assert dialog.notice.isVisible()
    assert "'report.csv' is read-only" in dialog.notice.text()
    assert "Traceback" not in dialog.notice.text()
    dialog.close()


def test_an_empty_history_and_a_run_that_never_finished(qtbot, window):
    dialog = window.show_run_history()
    assert dialog.runs_model.rowCount() == 0 and dialog.rows_model.rowCount() == 0
    assert dialog.intro.text().startswith("No run, check or undo here yet")
    assert not dialog.export_list_button.isEnabled()
    assert not dialog.export_run_button.isEnabled()

    history = RunHistory(window.journal)
    history.start(HistoryKind.RUN, "api", workbook="C:/Schools/Années.xlsx", url="http://x:1/")
    dialog.refresh_button.click()
    run = dialog.chosen_run()
    assert run is not None and run.outcome == "" and run.canvas == "x:1"
    assert _shown(dialog.runs_view, RUN_OUTCOME) == ["Did not finish"]
    assert dialog.rows_model.rowCount() == 0
    assert dialog.run_title.text().endswith(": no rows. Did not finish.")
    assert dialog.export_list_button.isEnabled() and dialog.export_run_button.isEnabled()
    dialog.close()


def test_the_menu_item_is_in_the_file_menu_and_follows_the_run_state(window):
    action = window.actions_.history
    assert action.objectName() == "RunHistory" and action.text() == "Run &History…"
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions()
    assert action.isEnabled()  # no workbook needed
    assert action.shortcut().toString() == "Ctrl+Shift+H"
    state = dict(has_doc=False, can_undo=False, can_redo=False)
    main_actions.enable_for_state(window.actions_, running=True, **state)
    assert not action.isEnabled()  # not while a run goes (a dialog open already stays)
    main_actions.enable_for_state(window.actions_, running=False, **state)
    assert action.isEnabled()

"""Around a run: the confirmation in words, the progress panel, and the summary.

The counts in words come from :mod:`core.words`, so the confirmation agrees with what
a check found and the app says what the command line says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.model import Progress, Status
from core.run.engine import SLOW_DOWN_NOTE
from core.words import confirmation_sentence, plural, summary_sentence
from gui.file_opener import FileOpener
from gui.kind_badge import KindBadge
from gui.theme_colors import status_solid

#: Outcomes in the order the progress panel and the summary list them.
OUTCOMES: tuple[Status, ...] = (
    Status.CREATED,
    Status.UPDATED,
    Status.DELETED,
    Status.SUSPENDED,
    Status.REACTIVATED,
    Status.ALREADY_EXISTS,
    Status.ALREADY_DELETED,
    Status.ALREADY_SUSPENDED,
    Status.ALREADY_ACTIVE,
    Status.READY,
    Status.WOULD_FAIL,
    Status.FAILED,
)
#: What a check with Canvas found, always shown on the panel after a check.
CHECK_OUTCOMES: tuple[Status, ...] = (
    Status.READY,
    Status.ALREADY_EXISTS,
    Status.WOULD_FAIL,
    Status.INVALID,
)
#: The panel's chips, in order: a check's Ready first, then every outcome, then the rows
#: not sent for a problem (a check shows Ready, Already exists, Would fail, Invalid).
PANEL_STATUSES: tuple[Status, ...] = (
    Status.READY,
    *(status for status in OUTCOMES if status is not Status.READY),
    Status.INVALID,
)
#: A run's chips shown from its start; the others appear when they count something.
RUN_CHIPS_SHOWN: tuple[Status, ...] = (Status.CREATED, Status.FAILED)


def where_words(connection: Any) -> str:
    """ "In TEST district.test.instructure.com, main account Maple Grove School District."."""
    return f"In {connection.description}, main account {connection.account_name}."


def changes_to_send(plan: Any) -> int:
    """The changes a run of ``plan`` asks Canvas for: every operation but the Create rows
    the check found already there (those are only read, to record them)."""
    return len(plan.operations) - int(getattr(plan, "checked_existing", 0) or 0)


def add_typed_count(parent: QWidget, layout: Any, total: int, what: str) -> QLineEdit:
    """The production safeguard: a field where staff type how many ``what`` will change."""
    prompt = QLabel(
        f"This is the real Canvas. To go ahead, type the number of {what} (<b>{total}</b>):",
        parent,
    )
    prompt.setWordWrap(True)
    edit = QLineEdit(parent)
    edit.setAccessibleName(f"Number of {what}")
    edit.setPlaceholderText(str(total))
    edit.setMaximumWidth(160)
    prompt.setBuddy(edit)
    layout.addWidget(prompt)
    layout.addWidget(edit)
    return edit


class ConfirmRunDialog(QDialog):
    """Says what will happen; in production, the user types the number of changes."""

    def __init__(self, parent: QWidget | None, plan: Any, connection: Any) -> None:
        super().__init__(parent)
        self.setWindowTitle("Send changes to Canvas?")
        self.setObjectName("ConfirmRunDialog")
        self.total = changes_to_send(plan)
        self.production = bool(connection.production)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.setSpacing(12)

        badge = KindBadge(self)
        badge.set_kind(connection.kind)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignLeft)

        self.headline = QLabel(confirmation_sentence(plan) + ".", self)
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.headline.setFont(font)
        layout.addWidget(self.headline)

        details = [where_words(connection)]
        invalid = len(getattr(plan, "invalid", []) or [])
        if invalid:
            details.append(
                "The row to fix is not sent (it is marked Invalid, with the reason)."
                if invalid == 1
                else "The rows to fix are not sent (they are marked Invalid, with the reason)."
            )
        skipped = int(getattr(plan, "skipped_done", 0) or 0)
        if skipped:
            done = "row already done is" if skipped == 1 else "rows already done are"
            details.append(f"{skipped} {done} left alone.")
        if not connection.can_manage_logins:
            details.append(
                "Warning: Canvas says this token may not manage logins; the rows will "
                "probably fail."
            )
        details.append(
            "You can stop at any time: calls already sent finish and every result is kept."
        )
        self.details = QLabel(" ".join(details), self)
        self.details.setWordWrap(True)
        layout.addWidget(self.details)

        self.confirm_edit: QLineEdit | None = None
        if self.production:
            self.confirm_edit = add_typed_count(self, layout, self.total, "changes")
            self.confirm_edit.textChanged.connect(self._typed)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.addButton(
            f"Send {plural(self.total, 'change')}" if self.total else "Go ahead",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if self.production:
            self.ok_button.setEnabled(False)
            self.ok_button.setAutoDefault(False)
            assert self.confirm_edit is not None
            self.confirm_edit.setFocus()
        else:
            self.ok_button.setDefault(True)
        self.setMinimumWidth(520)

    def _typed(self, text: str) -> None:
        self.ok_button.setEnabled(text.strip() == str(self.total))
        self.ok_button.setDefault(self.ok_button.isEnabled())


def confirm_run(parent: QWidget | None, plan: Any, connection: Any, dry_run: bool = False) -> bool:
    """Ask before changing anything. A dry run changes nothing, so it is not asked about."""
    if dry_run:
        return True
    if not plan.operations:
        QMessageBox.information(
            parent,
            "Nothing to send",
            "No row needs sending: every row is either done already or has a problem to fix first.",
        )
        return False
    dialog = ConfirmRunDialog(parent, plan, connection)
    return dialog.exec() == QDialog.DialogCode.Accepted


def time_left_words(seconds: float) -> str:
    if seconds < 10:
        return "A few seconds left"
    if seconds < 60:
        return f"About {int(round(seconds / 10) * 10)} s left"
    minutes = round(seconds / 60)
    return f"About {plural(minutes, 'minute')} left"


def duration_words(seconds: float) -> str:
    if seconds < 0.95:
        return "under a second"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


class _CountChip(QLabel):
    def __init__(self, status: Status, parent: QWidget) -> None:
        super().__init__(parent)
        self.status = status
        self.count = 0
        color = status_solid(status)
        self._dot = color.name() if color is not None else "#888888"
        self.set_count(0)

    def set_count(self, count: int) -> None:
        self.count = count
        self.setText(
            f"<span style='color:{self._dot}'>●</span> {self.status.value}: <b>{count}</b>"
        )
        self.setAccessibleName(f"{self.status.value}: {count}")


class RunProgressPanel(QWidget):
    """Progress bar, counts per outcome, time left and Stop (also the Esc key)."""

    stop_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ):
        super().__init__(parent)
        self.setObjectName("RunProgressPanel")
        self._clock = clock
        self._started = clock()
        self.running = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.title = QLabel("Sending changes to Canvas…", self)
        self.title.setStyleSheet("font-weight: bold;")
        self.time_left = QLabel("", self)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setToolTip(
            "Stop after the calls already sent (Esc). Every result is kept."
        )
        self.stop_button.clicked.connect(self.request_stop)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.time_left)
        top.addWidget(self.stop_button)
        layout.addLayout(top)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Run progress")
        self.bar.setFormat("%v of %m rows")
        self.bar.setTextVisible(True)
        layout.addWidget(self.bar)
        chips = QHBoxLayout()
        chips.setSpacing(18)
        self.chips = {status: _CountChip(status, self) for status in PANEL_STATUSES}
        self.checking = False
        for chip in self.chips.values():
            chips.addWidget(chip)
        chips.addStretch(1)
        layout.addLayout(chips)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        #: Shown while Canvas's throttle holds the run back, so a slower bar is explained.
        self.slow_down = QLabel(f"{SLOW_DOWN_NOTE}…", self)
        self.slow_down.setAccessibleName("Canvas is asking us to slow down")
        self.slow_down.hide()
        layout.addWidget(self.slow_down)
        self.stop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.stop_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.stop_shortcut.activated.connect(self.request_stop)
        self.start(0)
        self.reset()

    def start(
        self, total: int, title: str = "Sending changes to Canvas…", *, check: bool = False
    ) -> None:
        """A run (or, with ``check``, a check with Canvas, whose four counts all show)."""
        self._started = self._clock()
        self.running = True
        self.checking = check
        self.title.setText(title)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.time_left.setText("")
        self.message.hide()
        self.slow_down.hide()
        shown = CHECK_OUTCOMES if check else RUN_CHIPS_SHOWN
        for status, chip in self.chips.items():
            chip.set_count(0)
            chip.setVisible(status in shown)
        self.stop_button.setText("Stop")
        self.stop_button.setEnabled(True)
        self.stop_button.show()
        self.stop_shortcut.setEnabled(True)

    def reset(self) -> None:
        """Forget the last run or check and hide: the panel belongs to the workbook shown."""
        self.running = False
        self.checking = False
        self.stop_shortcut.setEnabled(False)
        self.title.setText("")
        self.time_left.setText("")
        self.message.hide()
        self.slow_down.hide()
        self.bar.setValue(0)
        for chip in self.chips.values():
            chip.set_count(0)
            chip.hide()
        self.hide()

    def request_stop(self) -> None:
        if not self.running or not self.stop_button.isEnabled():
            return
        self.stop_button.setEnabled(False)
        self.stop_button.setText("Stopping…")
        self.stop_shortcut.setEnabled(False)
        self.time_left.setText("Finishing the calls already sent; every result is kept")
        self.stop_requested.emit()

    def update_progress(self, progress: Progress) -> None:
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(progress.done)
        for status, count in progress.counts.items():
            chip = self.chips.get(Status(status)) if status in Status else None
            if chip is not None:
                chip.set_count(int(count))
                chip.setVisible(not chip.isHidden() or count > 0)
        if progress.message and progress.message != SLOW_DOWN_NOTE:
            self.message.setText(progress.message)
            self.message.show()
        self.slow_down.setVisible(progress.slowed_down and self.running)
        if self.stop_button.isEnabled():
            self.time_left.setText(self.estimate(progress.done, progress.total))

    def estimate(self, done: int, total: int) -> str:
        elapsed = self._clock() - self._started
        if done < 3 or elapsed < 1.0 or total <= done:
            return "Working out the time left…" if total > done else ""
        return time_left_words((total - done) * elapsed / done)

    def finish(self, summary: Any) -> None:
        self.running = False
        self.slow_down.hide()
        self.stop_shortcut.setEnabled(False)
        self.stop_button.hide()
        counts = getattr(summary, "counts", {}) or {}
        for status, count in counts.items():
            chip = self.chips.get(Status(status)) if status in Status else None
            if chip is not None:
                chip.set_count(int(count))
                chip.setVisible(not chip.isHidden() or count > 0)
        seconds = float(getattr(summary, "seconds", self._clock() - self._started))
        stopped = bool(getattr(summary, "cancelled", False))
        if self.checking:
            title = "Check stopped" if stopped else "Check finished: nothing was changed in Canvas"
        else:
            title = "Stopped" if stopped else "Finished"
        self.title.setText(title)
        self.time_left.setText(f"Took {duration_words(seconds)}")
        if not stopped:
            self.bar.setValue(self.bar.maximum())


def summary_headline(summary: Any) -> str:
    """The run's counts as one sentence (:func:`core.words.summary_sentence`)."""
    sentence = summary_sentence(summary)
    text = sentence[:1].upper() + sentence[1:] + "."
    return f"Stopped. {text}" if getattr(summary, "cancelled", False) else text


def summary_notes(summary: Any) -> list[str]:
    """What to do about the rows that did not go through, in plain words."""
    notes = []
    failed = summary.count(Status.FAILED)
    invalid = summary.count(Status.INVALID)
    if failed:
        rows = "failed row says" if failed == 1 else "row that failed says"
        notes.append(f"The Message column of {'the' if failed == 1 else 'each'} {rows} why.")
    if invalid:
        notes.append(
            "The invalid row was not sent: fix it and run again."
            if invalid == 1
            else "The invalid rows were not sent: fix them and run again."
        )
    if getattr(summary, "left_out", 0):
        notes.append(
            "The Message of the row left out says why it would fail: fix it and run again."
            if summary.left_out == 1
            else "The Message of each row left out says why it would fail: fix them and run again."
        )
    if getattr(summary, "cancelled", False):
        notes.append("Run again to do the rest: rows already done are left alone.")
    return notes


#: Longest file name shown whole in the summary; longer ones lose their middle.
SUMMARY_NAME_CHARS = 56


def _middle_elided(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    keep = limit - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3 :]


def summary_html(summary: Any, saved_to: str | None = None, note: str = "") -> str:
    """The summary's details as rich text: what to do about the rows that did not go
    through, ``note`` (the demo's, or how to go on after an undo), the time, and the
    saved-to file name on a line of its own that never breaks inside the name."""
    parts = [f"<p>{escape(line, quote=False)}</p>" for line in summary_notes(summary)]
    if note:
        parts.append(f"<p><i>{escape(note, quote=False)}</i></p>")
    parts.append(f"<p>Time: {duration_words(float(getattr(summary, 'seconds', 0.0)))}</p>")
    if saved_to:
        path = Path(saved_to)
        name = escape(_middle_elided(path.name, SUMMARY_NAME_CHARS))
        folder = escape(_middle_elided(str(path.parent), SUMMARY_NAME_CHARS + 10))
        where = f"<br>in {folder}" if str(path.parent) not in ("", ".") else ""
        parts.append(
            "<p>The results are saved in<br>"
            f"<span style='white-space: nowrap'><b>{name}</b></span>{where}</p>"
        )
    return "".join(parts)


class SummaryBox(QMessageBox):
    """How a run went: "Show failed rows" when some failed; "Open in Excel" and "Show in
    folder" when the results were saved."""

    def __init__(
        self, parent: QWidget | None, summary: Any, saved_to: str | None = None, note: str = ""
    ) -> None:
        super().__init__(parent)
        failed = summary.count(Status.FAILED)
        self.setObjectName("RunSummary")
        self.setWindowTitle("Run finished")
        self.setIcon(QMessageBox.Icon.Warning if failed else QMessageBox.Icon.Information)
        self.setText(summary_headline(summary))
        self.setInformativeText(summary_html(summary, saved_to, note))
        self.saved_to = saved_to
        self.show_failed_button: QPushButton | None = None
        self.open_button: QPushButton | None = None
        self.folder_button: QPushButton | None = None
        if saved_to:
            self.setToolTip(str(saved_to))
            self.open_button = self.addButton("Open in Excel", QMessageBox.ButtonRole.ActionRole)
            self.open_button.setToolTip("Open the workbook in the program that opens .xlsx files")
            self.folder_button = self.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        if failed:
            self.show_failed_button = self.addButton(
                "Show failed rows", QMessageBox.ButtonRole.AcceptRole
            )
        close = self.addButton(QMessageBox.StandardButton.Close)
        self.setDefaultButton(self.show_failed_button or close)
        self.setEscapeButton(close)


def summary_box(
    parent: QWidget | None, summary: Any, saved_to: str | None = None, note: str = ""
) -> SummaryBox:
    return SummaryBox(parent, summary, saved_to, note)


def show_summary(
    parent: QWidget | None,
    summary: Any,
    saved_to: str | None = None,
    note: str = "",
    opener: FileOpener | None = None,
) -> bool:
    """Show how the run went; True when the user asks to see the failed rows.

    "Open in Excel" and "Show in folder" go through ``opener``.
    """
    box = summary_box(parent, summary, saved_to, note)
    box.exec()
    clicked = box.clickedButton()
    if saved_to and clicked is not None:
        opener = opener or FileOpener()
        if clicked is box.open_button:
            opener.open_file(saved_to)
        elif clicked is box.folder_button:
            opener.show_in_folder(saved_to)
    return box.show_failed_button is not None and clicked is box.show_failed_button

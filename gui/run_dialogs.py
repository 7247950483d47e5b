"""Around a run: the confirmation in words, the progress panel, and the summary."""

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

from core.model import Action, Progress, Status
from gui.kind_badge import KindBadge
from gui.theme_colors import status_solid

#: Outcomes in the order the progress panel and the summary list them.
OUTCOMES: tuple[Status, ...] = (
    Status.CREATED,
    Status.UPDATED,
    Status.DELETED,
    Status.ALREADY_EXISTS,
    Status.ALREADY_DELETED,
    Status.READY,
    Status.FAILED,
)


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def action_counts(plan: Any) -> dict[Action, int]:
    counts = getattr(plan, "counts_by_action", None)
    if isinstance(counts, dict):
        return {action: int(counts.get(action, 0)) for action in Action}
    result = dict.fromkeys(Action, 0)
    for operation in plan.operations:
        result[operation.action] += 1
    return result


def describe_plan(plan: Any, connection: Any) -> str:
    """ "Create 412 logins, update 3, delete 0, in PRODUCTION district.instructure.com"."""
    counts = action_counts(plan)
    return (
        f"Create {_plural(counts[Action.CREATE], 'login')}, "
        f"update {counts[Action.UPDATE]}, delete {counts[Action.DELETE]}, "
        f"in {connection.description}"
    )


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
        self.total = len(plan.operations)
        self.production = bool(connection.production)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.setSpacing(12)

        badge = KindBadge(self)
        badge.set_kind(connection.kind)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignLeft)

        self.headline = QLabel(describe_plan(plan, connection) + ".", self)
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.headline.setFont(font)
        layout.addWidget(self.headline)

        details = [f"Main account: {connection.account_name}."]
        invalid = len(getattr(plan, "invalid", []) or [])
        if invalid:
            details.append(
                f"{_plural(invalid, 'row')} with problems will not be sent "
                "(marked Invalid, with the reason)."
            )
        skipped = int(getattr(plan, "skipped_done", 0) or 0)
        if skipped:
            details.append(f"{_plural(skipped, 'row')} already done will be left alone.")
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
            f"Send {_plural(self.total, 'change')}", QDialogButtonBox.ButtonRole.AcceptRole
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
    return f"About {_plural(minutes, 'minute')} left"


def duration_words(seconds: float) -> str:
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
        self.chips = {status: _CountChip(status, self) for status in OUTCOMES}
        for chip in self.chips.values():
            chips.addWidget(chip)
        chips.addStretch(1)
        layout.addLayout(chips)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.stop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.stop_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.stop_shortcut.activated.connect(self.request_stop)
        self.start(0)

    def start(self, total: int, title: str = "Sending changes to Canvas…") -> None:
        self._started = self._clock()
        self.running = True
        self.title.setText(title)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.time_left.setText("")
        self.message.hide()
        for status, chip in self.chips.items():
            chip.set_count(0)
            chip.setVisible(status in (Status.CREATED, Status.FAILED))
        self.stop_button.setText("Stop")
        self.stop_button.setEnabled(True)
        self.stop_button.show()
        self.stop_shortcut.setEnabled(True)

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
                chip.setVisible(chip.isVisible() or count > 0)
        if progress.message:
            self.message.setText(progress.message)
            self.message.show()
        if self.stop_button.isEnabled():
            self.time_left.setText(self.estimate(progress.done, progress.total))

    def estimate(self, done: int, total: int) -> str:
        elapsed = self._clock() - self._started
        if done < 3 or elapsed < 1.0 or total <= done:
            return "Working out the time left…" if total > done else ""
        return time_left_words((total - done) * elapsed / done)

    def finish(self, summary: Any) -> None:
        self.running = False
        self.stop_shortcut.setEnabled(False)
        self.stop_button.hide()
        counts = getattr(summary, "counts", {}) or {}
        for status, count in counts.items():
            chip = self.chips.get(Status(status)) if status in Status else None
            if chip is not None:
                chip.set_count(int(count))
                chip.setVisible(chip.isVisible() or count > 0)
        seconds = float(getattr(summary, "seconds", self._clock() - self._started))
        stopped = bool(getattr(summary, "cancelled", False))
        self.title.setText("Stopped" if stopped else "Finished")
        self.time_left.setText(f"Took {duration_words(seconds)}")
        if not stopped:
            self.bar.setValue(self.bar.maximum())


def summary_texts(summary: Any, saved_to: str | None = None) -> tuple[str, str, int]:
    """(headline, details, failed count) for the end of a run."""
    counts = {Status(k): int(v) for k, v in (summary.counts or {}).items() if k in Status}
    failed = counts.get(Status.FAILED, 0)
    invalid = counts.get(Status.INVALID, 0)
    finished = sum(v for k, v in counts.items() if k not in (Status.FAILED, Status.INVALID))
    if getattr(summary, "cancelled", False):
        headline = (
            f"Stopped. {_plural(finished, 'row')} done; run again to do the rest "
            "(rows already done are left alone)."
        )
    elif failed:
        headline = f"{_plural(finished, 'row')} done, {failed} failed."
    else:
        headline = f"All done: {_plural(finished, 'row')} processed."
    lines = [f"{status.value}: {counts[status]}" for status in OUTCOMES if counts.get(status)]
    if invalid:
        lines.append(f"Invalid (not sent, fix and run again): {invalid}")
    if failed:
        lines.append("The Message column of each failed row says why.")
    lines.append(f"Time: {duration_words(float(getattr(summary, 'seconds', 0.0)))}")
    if saved_to:
        lines.append(f"The results are saved in {saved_to}.")
    return headline, "\n".join(lines), failed


#: Longest file name shown whole in the summary; longer ones lose their middle.
SUMMARY_NAME_CHARS = 56


def _middle_elided(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    keep = limit - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3 :]


def summary_html(summary: Any, saved_to: str | None = None) -> str:
    """The summary's details as rich text: counts in a small two-column grid, and the
    saved-to file name on a line of its own that never breaks inside the name."""
    counts = {Status(k): int(v) for k, v in (summary.counts or {}).items() if k in Status}
    rows = [(status.value, counts[status]) for status in OUTCOMES if counts.get(status)]
    if counts.get(Status.INVALID):
        rows.append(("Invalid (not sent, fix and run again)", counts[Status.INVALID]))
    cells = "".join(
        f"<tr><td style='padding: 2px 18px 2px 0'>{escape(label)}</td>"
        f"<td align='right' style='padding: 2px 0'><b>{count}</b></td></tr>"
        for label, count in rows
    )
    parts = [f"<table cellspacing='0'>{cells}</table>"] if rows else []
    if counts.get(Status.FAILED):
        parts.append("<p>The Message column of each failed row says why.</p>")
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


def summary_box(parent: QWidget | None, summary: Any, saved_to: str | None = None) -> QMessageBox:
    headline, _details, failed = summary_texts(summary, saved_to)
    box = QMessageBox(parent)
    box.setObjectName("RunSummary")
    box.setWindowTitle("Run finished")
    box.setIcon(QMessageBox.Icon.Warning if failed else QMessageBox.Icon.Information)
    box.setText(headline)
    box.setInformativeText(summary_html(summary, saved_to))
    if saved_to:
        box.setToolTip(str(saved_to))
    box.show_failed_button = None  # type: ignore[attr-defined]
    if failed:
        box.show_failed_button = box.addButton(  # type: ignore[attr-defined]
            "Show failed rows", QMessageBox.ButtonRole.AcceptRole
        )
    close = box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(box.show_failed_button or close)  # type: ignore[attr-defined]
    box.setEscapeButton(close)
    return box


def show_summary(parent: QWidget | None, summary: Any, saved_to: str | None = None) -> bool:
    """Show how the run went; True when the user asks to see the failed rows."""
    box = summary_box(parent, summary, saved_to)
    box.exec()
    wanted = box.show_failed_button  # type: ignore[attr-defined]
    return wanted is not None and box.clickedButton() is wanted

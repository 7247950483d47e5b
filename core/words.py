"""Counts in plain words for people: a run's confirmation and its summary, singular or plural.

The command line's last line keeps design.md's fixed format (``RunSummary.line``); these are
the words dialogs and the command line's extra lines use ("1 already exists", "2 already
exist"), so the app and the command line say the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.model import Action, Status

if TYPE_CHECKING:
    from core.plan import Plan
    from core.run.engine import RunSummary

__all__ = [
    "already_exist",
    "capitalised",
    "check_sentence",
    "confirmation_lines",
    "confirmation_sentence",
    "dry_run_line",
    "plural",
    "set_aside_words",
    "summary_sentence",
    "undo_sentence",
]

#: Outcomes in the order design.md's summary line lists them (then its suspensions):
#: (status, one, many).
_OUTCOME_WORDS: tuple[tuple[Status, str, str], ...] = (
    (Status.CREATED, "created", "created"),
    (Status.ALREADY_EXISTS, "already exists", "already exist"),
    (Status.UPDATED, "updated", "updated"),
    (Status.DELETED, "deleted", "deleted"),
    (Status.ALREADY_DELETED, "already deleted", "already deleted"),
    (Status.SUSPENDED, "suspended", "suspended"),
    (Status.ALREADY_SUSPENDED, "already suspended", "already suspended"),
    (Status.REACTIVATED, "reactivated", "reactivated"),
    (Status.ALREADY_ACTIVE, "already active", "already active"),
    (Status.FAILED, "failed", "failed"),
    (Status.INVALID, "invalid", "invalid"),
)


def capitalised(text: str) -> str:
    """``text`` with its first letter upper case (the rest as it is)."""
    return text[:1].upper() + text[1:]


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 row``, ``3 rows``; ``many`` for words that do not just take an s."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def already_exist(n: int) -> str:
    """``1 already exists``, ``2 already exist``."""
    return f"{n} already {'exists' if n == 1 else 'exist'}"


def _be(n: int, past: bool) -> str:
    if past:
        return "was" if n == 1 else "were"
    return "is" if n == 1 else "are"


def set_aside_words(left_out: int, skipped_notes: int, *, past: bool = True) -> list[str]:
    """Rows a run does not take: the ones this session's check found would fail (left out)
    and rows that name no student (skipped)."""
    words: list[str] = []
    if left_out:
        words.append(
            f"{plural(left_out, 'row')} the check found would fail {_be(left_out, past)} left out"
        )
    if skipped_notes:
        names = "names" if skipped_notes == 1 else "name"
        words.append(
            f"{plural(skipped_notes, 'row')} that {names} no student "
            f"{_be(skipped_notes, past)} skipped"
        )
    return words


def summary_sentence(summary: RunSummary) -> str:
    """A run's counts in words: "11 created, 1 already exists, 2 failed; 1 row the check
    found would fail was left out; 2 rows that name no student were skipped"."""
    counts = [
        f"{summary.count(status)} {one if summary.count(status) == 1 else many}"
        for status, one, many in _OUTCOME_WORDS
        if summary.count(status)
    ]
    parts = [", ".join(counts) if counts else "nothing sent"]
    parts.extend(set_aside_words(summary.left_out, summary.skipped_notes))
    return "; ".join(parts)


def _already_in_state(summary: RunSummary) -> list[str]:
    """``["2 already suspended", "1 already active"]``: logins a check found already in the
    state their Suspend or Reactivate row asks for (counts of nothing left out)."""
    return [
        f"{summary.count(status)} {words}"
        for status, words in (
            (Status.ALREADY_SUSPENDED, "already suspended"),
            (Status.ALREADY_ACTIVE, "already active"),
        )
        if summary.count(status)
    ]


def check_sentence(summary: RunSummary) -> str:
    """What a Check with Canvas found, counts of nothing left out: "11 ready, 1 already
    exists, 1 would fail, 3 to fix"."""
    would_fail, invalid = summary.count(Status.WOULD_FAIL), summary.count(Status.INVALID)
    words = [f"{summary.count(Status.READY)} ready"]
    if summary.count(Status.ALREADY_EXISTS):
        words.append(already_exist(summary.count(Status.ALREADY_EXISTS)))
    words.extend(_already_in_state(summary))
    if would_fail:
        words.append(f"{would_fail} would fail")
    if invalid:
        words.append(f"{invalid} to fix")
    return "; ".join([", ".join(words), *set_aside_words(0, summary.skipped_notes)])


def dry_run_line(summary: RunSummary) -> str:
    """The command line's last line after a dry run: ``Dry run: 11 rows ready, 1 would
    fail, 1 already exists; nothing was changed.``; logins already suspended or active
    (Suspend and Reactivate rows) are counted before the semicolon when there are any."""
    ready = plural(summary.count(Status.READY), "row")
    would_fail = summary.count(Status.WOULD_FAIL)
    existing = ", ".join(
        [already_exist(summary.count(Status.ALREADY_EXISTS)), *_already_in_state(summary)]
    )
    return f"Dry run: {ready} ready, {would_fail} would fail, {existing}; nothing was changed."


def confirmation_lines(plan: Plan) -> list[str]:
    """What a run of ``plan`` will do, one count a line: ["Create 11 logins", "1 row the
    check found would fail is left out", "3 rows to fix"]. Counts of nothing are left out."""
    counts = plan.counts_by_action
    creates = counts[Action.CREATE] - plan.checked_existing
    lines: list[str] = []
    if creates:
        lines.append(f"Create {plural(creates, 'login')}")
    if plan.checked_existing:
        exist = "exists" if plan.checked_existing == 1 else "exist"
        lines.append(
            f"{plural(plan.checked_existing, 'login')} the check found already {exist} "
            "(recorded, not made again)"
        )
    if counts[Action.UPDATE]:
        lines.append(f"Change {plural(counts[Action.UPDATE], 'login')}")
    if counts[Action.DELETE]:
        lines.append(f"Remove {plural(counts[Action.DELETE], 'login')}")
    if counts[Action.SUSPEND]:
        lines.append(f"Suspend {plural(counts[Action.SUSPEND], 'login')}")
    if counts[Action.REACTIVATE]:
        lines.append(f"Reactivate {plural(counts[Action.REACTIVATE], 'login')}")
    lines.extend(set_aside_words(len(plan.left_out), len(plan.skipped_notes), past=False))
    if plan.invalid:
        lines.append(f"{plural(len(plan.invalid), 'row')} to fix")
    return lines


def confirmation_sentence(plan: Plan) -> str:
    """:func:`confirmation_lines` as one sentence: "Create 11 logins; 1 row the check found
    would fail is left out, and 3 rows to fix"."""
    lines = confirmation_lines(plan)
    if not lines:
        return "Nothing to send"
    head, rest = lines[0], [line[:1].lower() + line[1:] for line in lines[1:]]
    if not rest:
        return head
    if len(rest) == 1:
        return f"{head}; {rest[0]}"
    return f"{head}; {', '.join(rest[:-1])}, and {rest[-1]}"


def undo_sentence(summary: RunSummary) -> str:
    """What an undo did, and how to do the run's changes again: "Undone: 11 logins removed.
    To create them again, run the workbook again: the rows are no longer done."; for a
    suspension run "Undone: 3 logins reactivated. To suspend them again, ..."."""
    removed = summary.count(Status.DELETED)
    gone = summary.count(Status.ALREADY_DELETED)
    reactivated = summary.count(Status.REACTIVATED)
    was_active = summary.count(Status.ALREADY_ACTIVE)
    suspended = summary.count(Status.SUSPENDED)
    was_suspended = summary.count(Status.ALREADY_SUSPENDED)
    failed = summary.count(Status.FAILED)
    parts: list[str] = []
    if removed or gone or not (reactivated or was_active or suspended or was_suspended):
        parts.append(f"{plural(removed, 'login')} removed")
    if gone:
        parts.append(f"{gone} {_be(gone, True)} already gone")
    if reactivated:
        parts.append(f"{plural(reactivated, 'login')} reactivated")
    if was_active:
        parts.append(f"{was_active} {_be(was_active, True)} already active")
    if suspended:
        parts.append(f"{plural(suspended, 'login')} suspended again")
    if was_suspended:
        parts.append(f"{was_suspended} {_be(was_suspended, True)} already suspended")
    if failed:
        whose = "its row says" if failed == 1 else "their rows say"
        parts.append(f"{plural(failed, 'login')} left alone ({whose} why)")
    text = f"Undone: {', '.join(parts)}."
    again = [
        verb
        for verb, count in (
            ("create", removed + gone),
            ("suspend", reactivated + was_active),
            ("reactivate", suspended + was_suspended),
        )
        if count
    ]
    if again:
        taken = removed + gone + reactivated + was_active + suspended + was_suspended
        them = "it" if taken == 1 else "them"
        rows = "the row is" if taken == 1 else "the rows are"
        verbs = again[0] if len(again) == 1 else f"{', '.join(again[:-1])} and {again[-1]}"
        text += f" To {verbs} {them} again, run the workbook again: {rows} no longer done."
    return text

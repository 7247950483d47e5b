"""Reading a finished SIS import back: every row's outcome and its new login's id.

Steps 4 and 5 of :mod:`core.sis.method`: each warning was mapped back to its row before;
those rows are Failed with Canvas's message in plain words, and a "taken" warning for
a login the student already has is Already exists. Every other row is looked up (its
student's logins, read with the run's pacing) so Canvas Login ID is filled in and undo
can find the login. Canvas skips a row whose Login SIS ID any login holds (a removed
one too: the id stays reserved, and the removed login is not brought back); such a row
is Failed with the reason found by :meth:`ImportReadBack._why_taken`. A login that was
already there before the import is Already exists, never Created, so undo leaves it
alone (a Canvas that updated such a login would show as "the import set its name to").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.canvas.errors import NotFound, describe_error
from core.model import CancelToken, RowResult, Status, login_key
from core.plan import now_local
from core.run.operations import RowContext
from core.run.pacing import paced_each
from core.sis.export import CsvRow, LoginsCsv
from core.sis.import_warnings import is_taken, plain_warning

__all__ = [
    "OTHER_PATTERN_ADVICE",
    "UPDATED_BY_IMPORT",
    "FreshResults",
    "ImportReadBack",
    "reserved_words",
]

#: In the message of an Already exists row whose login the import changed (undo: no restore).
UPDATED_BY_IMPORT = "the import set its name to"

OTHER_PATTERN_ADVICE = "Use another Login SIS ID pattern, or the API method."


def reserved_words(login_sis_id: str) -> str:
    """The message for a row whose Login SIS ID a removed login still holds."""
    return (
        f"Login SIS ID '{login_sis_id}' was used by a login that was removed; Canvas keeps "
        "that ID reserved, so the import made no login for this row (the removed login "
        f"stays removed). {OTHER_PATTERN_ADVICE}"
    )


#: Called with newly settled results and the progress message to show with them.
FreshResults = Callable[[list[RowResult], str], None]


@dataclass
class ImportReadBack:
    """Settles the rows of one finished import, reading logins through ``ctx``."""

    ctx: RowContext
    concurrency: int
    cancel: CancelToken
    #: Rows an earlier run sent without hearing back (from the journal): made by this run.
    maybe_sent: frozenset[tuple[str, ...]]

    def settle(
        self, built: LoginsCsv, final: dict, mapped: dict[int, list[str]], on_fresh: FreshResults
    ) -> bool:
        """Give every row its outcome; True when stopped before every row had one.

        ``mapped`` holds the import's warnings by row index
        (:func:`core.sis.import_warnings.map_warnings`); ``on_fresh(results, message)`` gets the
        results as they settle.
        """
        started_at = _timestamp(final.get("created_at"))
        stats = final.get("statistics") or {}
        pseudonyms = stats.get("Pseudonym") if isinstance(stats, dict) else None
        updated = pseudonyms.get("updated") if isinstance(pseudonyms, dict) else None
        nothing_updated = updated == 0
        stamp = now_local()
        immediate: list[RowResult] = []
        lookups: list[tuple[CsvRow, bool]] = []
        for index, row in enumerate(built.rows):
            messages = mapped.get(index)
            if not messages:
                lookups.append((row, False))
            elif any(is_taken(m) for m in messages):
                lookups.append((row, True))
            else:
                words = "; ".join(dict.fromkeys(plain_warning(m, row) for m in messages))
                immediate.append(RowResult(row.row, Status.FAILED, words + ".", "", stamp))
        on_fresh(immediate, "")
        message = "Reading the new logins' ids from Canvas…"

        def settle_one(item: tuple[CsvRow, bool]) -> RowResult:
            row, taken = item
            return self._read_back(row, taken, started_at, nothing_updated)

        return self._for_each(lookups, settle_one, on_fresh, message)

    def _read_back(
        self, row: CsvRow, taken: bool, started_at: datetime | None, nothing_updated: bool
    ) -> RowResult:
        op = row.operation
        assert op is not None
        stamp = now_local()
        try:
            logins = self.ctx.call(lambda: self.ctx.client.list_logins(op.user_ref))
        except NotFound:
            return RowResult(
                row.row,
                Status.FAILED,
                f"No student with {op.student_words} was found in Canvas.",
                "",
                stamp,
            )
        active = [lg for lg in logins if (lg.get("workflow_state") or "active") != "deleted"]
        key = login_key(row.login_id)
        named = [lg for lg in active if login_key(str(lg.get("unique_id") or "")) == key]
        with_sis = [lg for lg in named if str(lg.get("sis_user_id") or "") == row.user_id]
        login = next(iter(with_sis or named), None)
        if taken:
            if login is None:
                return RowResult(row.row, Status.FAILED, self._why_taken(row, active), "", stamp)
            if op.identity in self.maybe_sent:
                return self._created(row, login, stamp)
            return RowResult(
                row.row,
                Status.ALREADY_EXISTS,
                f"The student already has the login '{login.get('unique_id')}' in Canvas",
                str(login.get("id", "")),
                stamp,
            )
        if login is None:
            return RowResult(
                row.row,
                Status.FAILED,
                "Canvas finished the import without adding this login and gave no reason. "
                "Run again, or try this row with the API method.",
                "",
                stamp,
            )
        made_now = nothing_updated or op.identity in self.maybe_sent
        if not made_now:
            created_at = _timestamp(login.get("created_at"))
            # Strictly later: on a tie, the safe side is Already exists (undo leaves it).
            made_now = started_at is None or created_at is None or created_at > started_at
        if not made_now:
            return RowResult(
                row.row,
                Status.ALREADY_EXISTS,
                f"The student already had this login (Login SIS ID '{row.user_id}') in "
                f"Canvas; {UPDATED_BY_IMPORT} '{row.login_id}' and made no new login",
                str(login.get("id", "")),
                stamp,
            )
        return self._created(row, login, stamp)

    def _why_taken(self, row: CsvRow, active: list[dict]) -> str:
        """Why Canvas skipped a row as taken when the student has no such login.

        Canvas skips a logins.csv row whose SIS id any login of the account holds,
        a deleted one included (the id stays reserved), or whose name an active login
        holds; it never brings a deleted login back. Deleted logins are not listed by
        the API, so a reserved id is what is left when no active login explains it.
        """
        own = next((lg for lg in active if str(lg.get("sis_user_id") or "") == row.user_id), None)
        if own is not None:
            return (
                f"The student already has another login ('{own.get('unique_id')}') with "
                f"Login SIS ID '{row.user_id}', so Canvas made no new login. "
                f"{OTHER_PATTERN_ADVICE}"
            )
        if self._someone_holds(f"sis_login_id:{row.login_id}"):
            return f"Login name '{row.login_id}' already belongs to another person in Canvas."
        if self._someone_holds(f"sis_user_id:{row.user_id}"):
            return (
                f"Login SIS ID '{row.user_id}' already belongs to another person's login in "
                f"Canvas. {OTHER_PATTERN_ADVICE}"
            )
        return reserved_words(row.user_id)

    def _someone_holds(self, user_ref: str) -> bool:
        try:
            self.ctx.call(lambda: self.ctx.client.get_user(user_ref))
        except NotFound:
            return False
        return True

    @staticmethod
    def _created(row: CsvRow, login: dict, stamp: str) -> RowResult:
        return RowResult(
            row.row,
            Status.CREATED,
            f"Login '{row.login_id}' created by SIS import",
            str(login.get("id", "")),
            stamp,
        )

    def _for_each(
        self,
        items: list[tuple[CsvRow, bool]],
        fn: Callable[[tuple[CsvRow, bool]], RowResult],
        on_fresh: FreshResults,
        message: str,
    ) -> bool:

        def on_error(item: tuple[CsvRow, bool], exc: BaseException) -> RowResult:
            return RowResult(
                item[0].row,
                Status.FAILED,
                "The import went through, but reading this login back failed: "
                f"{describe_error(exc).rstrip('.')}. Run again to check it.",
                "",
                now_local(),
            )

        return paced_each(
            items,
            fn,
            concurrency=self.concurrency,
            cancel=self.cancel,
            on_fresh=lambda fresh: on_fresh(fresh, message),
            on_error=on_error,
        )


def _timestamp(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None

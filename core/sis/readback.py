"""Reading a finished SIS import back: every row's outcome and its new login's id.

Steps 4 and 5 of :mod:`core.sis.method`: each warning was mapped back to its row before;
those rows are Failed with Canvas's message in plain words, and a "taken" warning for
a login the student already has is Already exists. Every other row is looked up (its
student's logins, read with the run's pacing) so Canvas Login ID is filled in and undo
can find the login. Canvas skips a row whose Login SIS ID any login holds (a removed
one too: the id stays reserved, and the removed login is not brought back); such a row
is Failed with the reason found by :meth:`ImportReadBack._why_taken`.

Created or Already exists is decided from facts, never from the clock: Canvas's
timestamps are whole seconds, and a small import makes its logins within the second it
was posted, so a login's ``created_at`` equal to the import's says nothing. Before the
file goes out, :func:`read_logins_before` reads each row's student's logins; after the
import, a login that was not among them is Created, one that was is Already exists
(undo leaves it alone; a Canvas that changed such a login shows as "the import set its
name to"). A row whose student could not be read before is not sent at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from core.canvas.errors import NotFound, describe_error
from core.model import CancelToken, RowResult, Status, login_key
from core.plan import now_local
from core.run.login_ids import bad_login_id_words, canvas_login_id
from core.run.pacing import paced_each
from core.run.row_context import RowContext
from core.sis.export import CsvRow, LoginsCsv
from core.sis.import_warnings import is_taken, plain_warning

__all__ = [
    "OTHER_PATTERN_ADVICE",
    "UPDATED_BY_IMPORT",
    "FreshResults",
    "ImportReadBack",
    "LoginsBefore",
    "read_logins_before",
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


def _active(logins: list[dict]) -> list[dict]:
    return [lg for lg in logins if (lg.get("workflow_state") or "active") != "deleted"]


@dataclass
class LoginsBefore:
    """Each row's student's logins before the import, and the rows that could not be read."""

    #: Canvas ids (as text) of the student's active logins, by table row.
    ids: dict[int, frozenset[str]] = field(default_factory=dict)
    #: Rows whose student's logins could not be read: Failed, and not sent.
    unread: list[RowResult] = field(default_factory=list)
    #: Stopped (Stop, or Canvas stopped the run) before every row was read.
    stopped: bool = False


def read_logins_before(
    ctx: RowContext, rows: list[CsvRow], concurrency: int, cancel: CancelToken
) -> LoginsBefore:
    """Read every row's student's logins (with the run's pacing), before the import.

    A student Canvas does not know has none (the import then says so for its row).
    Raises :class:`~core.run.pacing.StopRun` when Canvas stops the run.
    """
    found = LoginsBefore()
    lock = threading.Lock()

    def read_one(row: CsvRow) -> RowResult | None:
        op = row.operation
        assert op is not None
        try:
            logins = ctx.call(lambda: ctx.client.list_logins(op.user_ref))
        except NotFound:
            logins = []
        ids = frozenset(str(lg.get("id")) for lg in _active(logins))
        with lock:
            found.ids[row.row] = ids
        return None

    def unread(row: CsvRow, exc: BaseException) -> RowResult:
        return RowResult(
            row.row,
            Status.FAILED,
            "Could not read this student's logins from Canvas before the import "
            f"({describe_error(exc).rstrip('.')}), so this row was not sent. Run again.",
            "",
            now_local(),
        )

    found.stopped = paced_each(
        rows,
        read_one,
        concurrency=concurrency,
        cancel=cancel,
        on_fresh=found.unread.extend,
        on_error=unread,
    )
    return found


@dataclass
class ImportReadBack:
    """Settles the rows of one finished import, reading logins through ``ctx``."""

    ctx: RowContext
    concurrency: int
    cancel: CancelToken
    #: Rows an earlier run sent without hearing back (from the journal): made by this run.
    maybe_sent: frozenset[tuple[str, ...]]
    #: The students' logins before the import (:func:`read_logins_before`), by table row.
    before: dict[int, frozenset[str]] = field(default_factory=dict)

    def settle(
        self, built: LoginsCsv, final: dict, mapped: dict[int, list[str]], on_fresh: FreshResults
    ) -> bool:
        """Give every row its outcome; True when stopped before every row had one.

        ``mapped`` holds the import's warnings by row index
        (:func:`core.sis.import_warnings.map_warnings`); ``on_fresh(results, message)`` gets the
        results as they settle.
        """
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
            return self._read_back(row, taken)

        return self._for_each(lookups, settle_one, on_fresh, message)

    def _read_back(self, row: CsvRow, taken: bool) -> RowResult:
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
        active = _active(logins)
        key = login_key(row.login_id)
        named = [lg for lg in active if login_key(str(lg.get("unique_id") or "")) == key]
        with_sis = [lg for lg in named if str(lg.get("sis_user_id") or "") == row.user_id]
        login = next(iter(with_sis or named), None)
        if taken:
            if login is None:
                return RowResult(row.row, Status.FAILED, self._why_taken(row, active), "", stamp)
            if op.identity in self.maybe_sent:
                return self._created(row, login, stamp)
            return _with_login(
                row,
                Status.ALREADY_EXISTS,
                f"The student already has the login '{login.get('unique_id')}' in Canvas",
                login,
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
        had = self.before.get(row.row)
        # Not read before (never so: such rows are not sent) counts as there before:
        # the safe side, as undo then leaves the login alone.
        new = had is not None and str(login.get("id")) not in had
        if not new and op.identity not in self.maybe_sent:
            return _with_login(
                row,
                Status.ALREADY_EXISTS,
                f"The student already had this login (Login SIS ID '{row.user_id}') in "
                f"Canvas; {UPDATED_BY_IMPORT} '{row.login_id}' and made no new login",
                login,
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
        return _with_login(
            row, Status.CREATED, f"Login '{row.login_id}' created by SIS import", login, stamp
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


def _with_login(row: CsvRow, status: Status, message: str, login: dict, stamp: str) -> RowResult:
    """The row's result naming ``login``; Failed when Canvas gave it no numeric id."""
    login_id = canvas_login_id(login.get("id"))
    if login_id is None:
        return RowResult(
            row.row, Status.FAILED, bad_login_id_words(status, login.get("id")) + ".", "", stamp
        )
    return RowResult(row.row, status, message, login_id, stamp)

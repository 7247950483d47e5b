"""Find the students of a names-only class list in Canvas, and say who was found.

For each row that names a student but holds no student id, the students of the row's
class are read (the Canvas class, or one of its sections, whose name or code is the row's
Class, compared without case, accents, dots, dashes or extra spaces; or the classes staff
chose) and the row's name compared with each as people write names: case, accents and
spacing aside, "Last, First" or "First Last", and "Schröder" as "Schroder" or "Schroeder".
The last name must be the same, or be written as one initial ("Ava K."); the first name
must be the same, or be a shorter one that Canvas's starts with ("Sam" for Samantha,
never the other way round). An exact match beats a loose one. One student found fills
the Canvas User ID, and the Message says what was assumed when the match was loose;
none or several leave the row Invalid with the candidates named. Nothing is chosen
silently.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anyascii import anyascii

from core.canvas.errors import Cancelled
from core.kit.names import student_name
from core.model import CancelToken, Progress, ProgressCallback, Role, Status, Table
from core.roster.courses import (
    MIN_SEARCH_LENGTH,
    CourseChoice,
    course_choice,
    course_errors_in_plain_words,
    sections_of,
)
from core.roster.roster import split_sortable_name
from core.run.pacing import read_with_retries

if TYPE_CHECKING:
    from core.canvas.protocol import CanvasApi

__all__ = ["Candidate", "RowMatch", "match_edits", "match_students", "name_key", "names_match"]

_DROPPED = str.maketrans("", "", ".'`\u2019")
_SPACED = str.maketrans({"-": " ", "_": " ", ",": " "})
#: How German writes its letters without the dots: "Schröder" is also "Schroeder".
_GERMAN_SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
#: At most this many classes have their sections read to find a class cell that names a
#: section rather than a class (the classes whose names share most words with it first).
SECTION_SEARCH_LIMIT = 40
EXACT, LOOSE, NONE = 2, 1, 0


@dataclass(frozen=True)
class Candidate:
    canvas_user_id: str
    name: str  # "Last, First" as Canvas sorts it
    class_name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.class_name}, Canvas User ID {self.canvas_user_id})"


@dataclass(frozen=True)
class RowMatch:
    row: int  # index into table.rows
    canvas_user_id: str | None
    candidates: tuple[Candidate, ...]
    message: str


def name_key(text: str) -> str:
    """A name (or class name) as people mean it: no case, accents, dots or extra spaces."""
    plain = anyascii(unicodedata.normalize("NFKC", text or "")).casefold()
    return " ".join(plain.translate(_DROPPED).translate(_SPACED).split())


def name_keys(text: str) -> tuple[str, ...]:
    """The name's keys: :func:`name_key`, and its German spelling when that differs
    ("Schröder": "schroder", "schroeder")."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    plain, german = name_key(folded), name_key(folded.translate(_GERMAN_SPELLING))
    return (plain,) if german == plain else (plain, german)


def _whole_words_fit(written: str, canvas: str) -> bool:
    """One name is some of the other's whole words: "Álvarez" in "Álvarez García" (a
    double surname written once), "Ava" and "Ava Marie"."""
    written_words, canvas_words = set(written.split()), set(canvas.split())
    return written_words <= canvas_words or canvas_words <= written_words


def _first_fit(written: str, canvas: str) -> int:
    """The same first name, a shorter written one that Canvas's starts with, or some of
    its whole words."""
    if not written or not canvas:
        return NONE
    if written == canvas:
        return EXACT
    return LOOSE if canvas.startswith(written) or _whole_words_fit(written, canvas) else NONE


def _last_fit(written: str, canvas: str) -> int:
    """The same last name, its initial, or some of its whole words."""
    if not written or not canvas:
        return NONE
    if written == canvas:
        return EXACT
    initial = len(written) == 1 and canvas.startswith(written)
    return LOOSE if initial or _whole_words_fit(written, canvas) else NONE


@dataclass(frozen=True)
class _Fit:
    level: int
    #: The written parts that only loosely fit ("Sam", "K."), to name in the Message.
    assumed: tuple[str, ...] = ()


def _fit(written: tuple[str, str], canvas_first: str, canvas_last: str) -> _Fit:
    """How the written (first, last) fits Canvas's, each part in every spelling."""
    first = max(_first_fit(w, c) for w in name_keys(written[0]) for c in name_keys(canvas_first))
    last = max(_last_fit(w, c) for w in name_keys(written[1]) for c in name_keys(canvas_last))
    level = min(first, last)
    if level == NONE:
        return _Fit(NONE)
    loose = (first, last)
    return _Fit(
        level, tuple(part for part, fit in zip(written, loose, strict=True) if fit == LOOSE)
    )


def names_match(row_first: str, row_last: str, canvas_sortable_name: str) -> bool:
    """Whether a row's name could be the Canvas student's (see the module's rules)."""
    first, last = split_sortable_name(canvas_sortable_name)
    return _fit((row_first, row_last), first, last).level > NONE


def _row_names(table: Table, row: int) -> list[tuple[str, str]]:
    """The (first, last) readings of the row's name as written; [] when it has none.

    A "First Last" in one Name column may split after any word ("José Álvarez García").
    """
    name = student_name(table, row)
    if name is None:
        return []
    single = (
        not table.value(row, Role.FIRST_NAME).strip()
        and not table.value(row, Role.LAST_NAME).strip()
        and "," not in table.value(row, Role.FULL_NAME)
    )
    words = name.display.split()
    if single and len(words) > 2:
        return [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return [(name.first, name.last)]


# ----- which classes a row means, and their students -----------------------------------------


@dataclass
class _Pool:
    class_name: str
    read: Callable[[], list[dict[str, Any]]]
    students: list[dict[str, Any]] | None = None


@dataclass
class _Classes:
    """The Canvas classes rows name, each class's students read once."""

    client: CanvasApi
    cancel: CancelToken | None
    given: list[CourseChoice]
    account_id: int | str | None = None
    pools: dict[tuple[str, int], _Pool] = field(default_factory=dict)
    _by_class: dict[str, list[_Pool]] = field(default_factory=dict)
    _all_courses: list[CourseChoice] | None = None
    _sections: dict[int, list[tuple[str, int]]] = field(default_factory=dict)

    def _read(self, fn: Callable[[], Any]) -> Any:
        return read_with_retries(fn, cancel=self.cancel)

    def _course_pool(self, course: CourseChoice) -> _Pool:
        client, course_id = self.client, course.course_id
        key = ("course", course_id)
        if key not in self.pools:
            self.pools[key] = _Pool(course.name, lambda: client.course_students(course_id))
        return self.pools[key]

    def _section_pool(self, name: str, section_id: int) -> _Pool:
        client = self.client

        def read() -> list[dict[str, Any]]:
            found = client.section_students(section_id)
            return [e["user"] for e in found if isinstance(e.get("user"), dict)]

        return self.pools.setdefault(("section", section_id), _Pool(name, read))

    def for_class(self, text: str) -> list[_Pool]:
        """The pools a row's class means; [] when no Canvas class or section is named so."""
        key = name_key(text)
        if key not in self._by_class:
            self._by_class[key] = self._given_pools(key) if self.given else self._named(text)
        return self._by_class[key]

    def _given_pools(self, key: str) -> list[_Pool]:
        named = [c for c in self.given if _names_course(c, key)]
        if named or not key:
            return [self._course_pool(c) for c in named or self.given]
        sections = [
            self._section_pool(name, section_id)
            for course in self.given
            for name, section_id in self._sections_of(course.course_id)
            if name_key(name) == key
        ]
        return sections or [self._course_pool(c) for c in self.given]

    def _sections_of(self, course_id: int) -> list[tuple[str, int]]:
        if course_id not in self._sections:
            found = sections_of(self.client, course_id, cancel=self.cancel)
            self._sections[course_id] = [(s.name, s.section_id) for s in found]
        return self._sections[course_id]

    def _named(self, text: str) -> list[_Pool]:
        """The classes named so; else the sections named so (K-3 homerooms often are)."""
        key = name_key(text)
        if not key:
            return []
        found: list[dict[str, Any]] = []
        if len(text.strip()) >= MIN_SEARCH_LENGTH:
            term, account_id = text.strip(), self._account()
            found = self._read(lambda: self.client.search_courses(account_id, search_term=term))
        named = [c for c in map(CourseChoice.from_json, found) if _names_course(c, key)]
        if not named:
            named = [c for c in self._active_courses() if _names_course(c, key)]
        if named:
            return [self._course_pool(c) for c in named]
        return self._sections_named(key)

    def _account(self) -> int | str:
        if self.account_id is None:
            self.account_id = self._read(self.client.default_root_account_id)
        return self.account_id

    def _active_courses(self) -> list[CourseChoice]:
        if self._all_courses is None:
            account_id = self._account()
            listed = self._read(lambda: self.client.search_courses(account_id))
            self._all_courses = [CourseChoice.from_json(c) for c in listed]
        return self._all_courses

    def _sections_named(self, key: str) -> list[_Pool]:
        """Sections named ``key``, looked for in the classes whose names share most
        words with it, at most :data:`SECTION_SEARCH_LIMIT` of them."""
        words = set(key.split())

        def shared(course: CourseChoice) -> int:
            return len(words & set(name_key(f"{course.name} {course.course_code}").split()))

        likeliest = sorted(self._active_courses(), key=shared, reverse=True)
        return [
            self._section_pool(name, section_id)
            for course in likeliest[:SECTION_SEARCH_LIMIT]
            for name, section_id in self._sections_of(course.course_id)
            if name_key(name) == key
        ]

    def load(self, progress: ProgressCallback | None) -> None:
        waiting = [pool for pool in self.pools.values() if pool.students is None]
        for done, pool in enumerate(waiting):
            if self.cancel is not None and self.cancel.cancelled:
                raise Cancelled()
            if progress is not None:
                progress(Progress(done, len(waiting), message=f"Reading {pool.class_name}…"))
            pool.students = self._read(pool.read)


def _names_course(course: CourseChoice, key: str) -> bool:
    return key in (name_key(course.name), name_key(course.course_code))


# ----- the matching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    candidate: Candidate
    assumed: tuple[str, ...]


def _candidates(pools: list[_Pool], readings: list[tuple[str, str]]) -> list[_Found]:
    """The students the row's name fits best (exact fits, else loose ones), once each."""
    best: dict[str, tuple[int, _Found]] = {}
    for pool in pools:
        for user in pool.students or ():
            user_id = str(user.get("id") or "").strip()
            sortable = str(user.get("sortable_name") or "")
            first, last = split_sortable_name(sortable, str(user.get("name") or ""))
            fit = max((_fit(r, first, last) for r in readings), key=lambda f: f.level)
            if user_id and fit.level > NONE and user_id not in best:
                shown = sortable or f"{last}, {first}"
                best[user_id] = (
                    fit.level,
                    _Found(Candidate(user_id, shown, pool.class_name), fit.assumed),
                )
    top = max((level for level, _ in best.values()), default=NONE)
    return [found for level, found in best.values() if level == top]


def _where(pools: list[_Pool]) -> str:
    if len(pools) == 1:
        return f"the Canvas class '{pools[0].class_name}'"
    return f"the {len(pools)} Canvas classes looked in"


def _row_match(table: Table, row: int, pools: list[_Pool], class_text: str) -> RowMatch:
    readings = _row_names(table, row)
    name = student_name(table, row)
    written = name.display if name else ""
    if not pools:
        if not class_text.strip():
            words = (
                "No class in this row: fill in the Class column with the Canvas class name, "
                "or choose the classes to look in"
            )
        else:
            words = (
                f"No active Canvas class or section is named '{class_text.strip()}': check "
                "the Class column, or choose the classes to look in"
            )
        return RowMatch(row, None, (), words)
    found = _candidates(pools, readings)
    if len(found) == 1:
        only, assumed = found[0].candidate, found[0].assumed
        words = f"Found in Canvas: {only.name} ({only.class_name})"
        if assumed:
            words += f" — the sheet says '{' '.join(assumed)}'; check it is the same child"
        return RowMatch(row, only.canvas_user_id, (only,), words)
    if found:
        names = "; ".join(each.candidate.label for each in found)
        words = (
            f"{len(found)} students in Canvas fit the name '{written}': {names}. Put the "
            "right one's Canvas User ID in this row"
        )
        return RowMatch(row, None, tuple(each.candidate for each in found), words)
    words = (
        f"No student named '{written}' in {_where(pools)}. Check the spelling and the "
        "class, or fill in the Canvas User ID"
    )
    return RowMatch(row, None, (), words)


def _rows_to_match(table: Table) -> list[int]:
    """Rows with a student's name but no student id, not done."""
    return [
        row
        for row in range(len(table.rows))
        if table.student(row) is None
        and not table.is_done(row)
        and student_name(table, row) is not None
    ]


def match_students(
    table: Table,
    client: CanvasApi,
    *,
    course_ids: Sequence[int | str] = (),
    account_id: int | str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[RowMatch]:
    """One :class:`RowMatch` per row that names a student and has no student id.

    With ``course_ids`` the rows are looked up among those classes (narrowed to the one
    the row's Class names, when it names one of them or one of their sections);
    otherwise among the classes of the account (``account_id``, or the token's one root
    account) that the rows' Class names, or else of the sections it names. Reads only;
    the table is not changed.
    """
    rows = _rows_to_match(table)
    with course_errors_in_plain_words():
        given = [course_choice(client, course_id, cancel=cancel) for course_id in course_ids]
        classes = _Classes(client, cancel, given, account_id)
        if progress is not None:
            progress(Progress(0, 0, message="Looking up the classes in Canvas…"))
        row_pools = {row: classes.for_class(table.value(row, Role.CLASS)) for row in rows}
        classes.load(progress)
    if progress is not None:
        progress(Progress(len(classes.pools), len(classes.pools), message="Compared the names."))
    return [_row_match(table, row, row_pools[row], table.value(row, Role.CLASS)) for row in rows]


def match_edits(table: Table, matches: Sequence[RowMatch]) -> list[tuple[int, int, str]]:
    """(row, column, value) cell edits for the matches, after adding missing columns.

    Clear matches get their Canvas User ID (and an old Invalid cleared); misses and
    ambiguities get Status Invalid; every row gets its Message. The app applies these
    as one undo step; the command line through :meth:`Table.set_cell`.
    """
    id_column = table.ensure_column(Role.CANVAS_USER_ID)
    message_column = table.ensure_column(Role.MESSAGE)
    needs_status = any(not m.canvas_user_id for m in matches) or Role.STATUS in table.columns
    status_column = table.ensure_column(Role.STATUS) if needs_status else None
    edits: list[tuple[int, int, str]] = []
    for match in matches:
        status = table.status(match.row)
        if match.canvas_user_id:
            edits.append((match.row, id_column, match.canvas_user_id))
            if status_column is not None and status == Status.INVALID.value:
                edits.append((match.row, status_column, ""))
        elif status_column is not None:
            edits.append((match.row, status_column, Status.INVALID.value))
        edits.append((match.row, message_column, match.message))
    return edits

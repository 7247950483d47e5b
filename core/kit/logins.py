"""Login names made from the student's fields with a pattern: ``{first}.{last_initial}``.

Each field is written in plain ASCII (anyascii: Zoë -> zoe, José -> jose, 田中 ->
tianzhong), in lower case, with spaces, hyphens, apostrophes and other punctuation
dropped (O'Brien -> obrien). The pattern's own text between the fields (``.``, ``-``,
``_``, ``@``) stays, and the school's prefix and suffix go around it. A name already
in use gets the lowest free number before the suffix (``ava.k``, ``ava.k2``); the
numbering itself is :meth:`LoginStem.numbered`, the choice of number
:func:`core.kit.fill.plan_fill`. Every name fits Canvas's length limit and passes the
rules the check applies to New Login.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import NamedTuple

from anyascii import anyascii

from core.kit.names import student_name
from core.model import NAME_ROLES, Role, Table
from core.rules import MAX_LOGIN_LENGTH

__all__ = [
    "DEFAULT_LOGIN_PATTERN",
    "LOGIN_FIELDS",
    "LOGIN_PATTERNS",
    "LoginStem",
    "LoginStyle",
    "login_stem",
    "login_text",
    "missing_words",
    "pattern_problem",
    "stem_for",
]

DEFAULT_LOGIN_PATTERN = "{first}.{last_initial}"
LOGIN_PATTERNS: tuple[str, ...] = (
    DEFAULT_LOGIN_PATTERN,
    "{first}{last_initial}",
    "{first}.{last}",
    "{sis_user_id}",
)
#: Field -> what staff call it, in "no ... to make a login from".
_FIELD_WORDS: dict[str, str] = {
    "first": "first name",
    "last": "last name",
    "first_initial": "first name",
    "last_initial": "last name",
    "sis_user_id": "SIS User ID",
    "canvas_user_id": "Canvas User ID",
    "class": "class",
}
#: The fields a pattern may use.
LOGIN_FIELDS: tuple[str, ...] = tuple(_FIELD_WORDS)
#: What the pattern's own text, the prefix and the suffix may hold.
ALLOWED_TEXT = frozenset(string.ascii_lowercase + string.digits + ".-_@")
_ALLOWED_WORDS = "lower-case letters, digits and . - _ @"
#: Room kept for the student's part of the name.
_MAX_FIXED_TEXT = MAX_LOGIN_LENGTH // 2


@dataclass(frozen=True)
class LoginStyle:
    """How a school makes login names. Prefix, suffix and the pattern's text are used in
    lower case (Canvas ignores case in login names)."""

    pattern: str = DEFAULT_LOGIN_PATTERN
    prefix: str = ""
    suffix: str = ""


class LoginStem(NamedTuple):
    """A generated name before numbering: ``head`` + number + ``tail`` (the suffix)."""

    head: str
    tail: str = ""

    def numbered(self, number: int) -> str:
        """The name with ``number`` (none for 1), cut to fit Canvas's length limit.

        A head that ends in a digit gets a ``-`` before the number (``2031-2``, not
        ``20312``, which could be another student's id)."""
        suffix = "" if number <= 1 else str(number)
        if suffix and self.head[-1:].isdigit():
            suffix = "-" + suffix
        room = MAX_LOGIN_LENGTH - len(self.tail) - len(suffix)
        head = self.head
        if len(head) > room:
            head = head[:room].rstrip(".-_@")
        return head + suffix + self.tail


def login_text(text: str) -> str:
    """Plain ASCII, lower case, letters and digits only: 'Zoë' -> 'zoe', '田中' -> 'tianzhong'."""
    return "".join(ch for ch in anyascii(text).lower() if ch.isascii() and ch.isalnum())


class _PatternError(ValueError):
    pass


def _parts(pattern: str) -> list[tuple[str, str | None]]:
    """(literal text, field or None) pairs; raises _PatternError with a plain message."""
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        raise _PatternError(
            "The login pattern has a { without a matching } (or the other way round). "
            "Write fields like {first}."
        ) from None
    parts: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in parsed:
        if field is not None and (spec or conversion):
            raise _PatternError(f"Write the field as {{{field}}}, without : or ! in it.")
        if field is not None and field not in _FIELD_WORDS:
            choices = ", ".join(f"{{{name}}}" for name in LOGIN_FIELDS)
            raise _PatternError(
                f"The login pattern uses {{{field}}}, which is not a field. Use {choices}."
            )
        parts.append((literal.lower(), field))
    return parts


def _text_problem(what: str, text: str) -> str | None:
    bad = sorted({ch for ch in text if ch not in ALLOWED_TEXT})
    if bad:
        shown = " ".join("(space)" if ch == " " else ch for ch in bad)
        return f"The {what} may hold only {_ALLOWED_WORDS}; it has {shown}."
    return None


def pattern_problem(style_or_pattern: LoginStyle | str) -> str | None:
    """What is wrong with a pattern (and the style's prefix and suffix); None when usable."""
    style = LoginStyle(style_or_pattern) if isinstance(style_or_pattern, str) else style_or_pattern
    pattern = style.pattern.strip()
    if not pattern:
        return f"Give a login pattern, for example {DEFAULT_LOGIN_PATTERN}."
    try:
        parts = _parts(pattern)
    except _PatternError as exc:
        return str(exc)
    if not any(field for _, field in parts):
        return f"The login pattern needs at least one field, for example {DEFAULT_LOGIN_PATTERN}."
    fixed = "".join(literal for literal, _ in parts)
    for what, text in (
        ("login pattern", fixed),
        ("prefix", style.prefix.lower()),
        ("suffix", style.suffix.lower()),
    ):
        problem = _text_problem(what, text)
        if problem:
            return problem
    if len(fixed) + len(style.prefix) + len(style.suffix) > _MAX_FIXED_TEXT:
        return (
            f"The prefix, suffix and pattern text together are longer than {_MAX_FIXED_TEXT} "
            f"characters; Canvas allows {MAX_LOGIN_LENGTH} for the whole login name."
        )
    return None


def _field_values(table: Table, row: int) -> dict[str, str]:
    name = student_name(table, row)
    first = login_text(name.first) if name else ""
    last = login_text(name.last) if name else ""
    return {
        "first": first,
        "last": last,
        "first_initial": first[:1],
        "last_initial": last[:1],
        "sis_user_id": login_text(table.value(row, Role.SIS_USER_ID)),
        "canvas_user_id": login_text(table.value(row, Role.CANVAS_USER_ID)),
        "class": login_text(table.value(row, Role.CLASS)),
    }


def _usable_parts(style: LoginStyle) -> list[tuple[str, str | None]]:
    problem = pattern_problem(style)
    if problem:
        raise ValueError(problem)
    return _parts(style.pattern.strip())


def stem_for(style: LoginStyle, table: Table, row: int) -> LoginStem | None:
    """The row's name before numbering; None when a field the pattern uses is empty.

    Raises ValueError (with :func:`pattern_problem`'s words) for an unusable style.
    """
    values = _field_values(table, row)
    text = []
    for literal, field in _usable_parts(style):
        text.append(literal)
        if field is not None:
            if not values[field]:
                return None
            text.append(values[field])
    return LoginStem(style.prefix.lower() + "".join(text), style.suffix.lower())


def login_stem(style: LoginStyle, table: Table, row: int) -> str | None:
    """The row's login name before numbering (``ava.k``); None when it cannot be made."""
    stem = stem_for(style, table, row)
    return stem.numbered(1) if stem is not None else None


def missing_words(style: LoginStyle, table: Table, row: int) -> str:
    """Why :func:`stem_for` made no name: ``no last name to make a login from``."""
    values = _field_values(table, row)
    missing = dict.fromkeys(
        _FIELD_WORDS[field]
        for _, field in _usable_parts(style)
        if field is not None and not values[field]
    )
    if not missing:
        return ""
    names = {"first name", "last name"}
    if set(missing) <= names and all(table.column(role) is None for role in NAME_ROLES):
        return (
            "no name to make a login from: the sheet has no First Name and Last Name or Name column"
        )
    if set(missing) == names or (student_name(table, row) is None and set(missing) <= names):
        return "no name to make a login from"
    return f"no {' or '.join(missing)} to make a login from"

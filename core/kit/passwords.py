"""Passwords a child can type: two words and a number, ``sunny-apple-7``.

The words come from ``resources/child_words.txt`` (short, common, concrete, lower case)
and the number from the digits 2-9, so nothing in a password can be mistaken for
something else: there is no 1 or capital I to take for an l, and no 0 or capital O to
take for an o. Every choice is drawn with :mod:`secrets`.

A password is always at least the minimum length Canvas asks for: when the words and
the number come out shorter, one more word is added (``cat-dog-sock-5``), never padding
a child could not read.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

from core.model import MIN_PASSWORD_LENGTH
from core.paths import resource_path
from core.rules import MAX_PASSWORD_LENGTH

__all__ = [
    "PASSWORD_DIGITS",
    "WORDS_FILE",
    "PasswordStyle",
    "child_words",
    "make_password",
    "password_style_problem",
]

WORDS_FILE = "child_words.txt"
#: No 0 or 1: they look like O, o, I and l.
PASSWORD_DIGITS = "23456789"
#: Characters a separator may be: printable, not a letter or digit, easy to find on a keyboard.
_SEPARATORS = frozenset("-.+=_!*#")
MAX_WORDS = 6
MAX_DIGITS = 6


@dataclass(frozen=True)
class PasswordStyle:
    words: int = 2
    separator: str = "-"
    digits: int = 1


@functools.cache
def child_words() -> tuple[str, ...]:
    """The word list, in file order (lines starting with # are comments)."""
    text = resource_path(WORDS_FILE).read_text(encoding="utf-8")
    words = (line.strip() for line in text.splitlines())
    return tuple(dict.fromkeys(w for w in words if w and not w.startswith("#")))


def password_style_problem(style: PasswordStyle) -> str | None:
    """What is wrong with the choices, in plain words; None when usable."""
    if not 1 <= style.words <= MAX_WORDS:
        return f"Choose between 1 and {MAX_WORDS} words for a password."
    if not 0 <= style.digits <= MAX_DIGITS:
        return f"Choose between 0 and {MAX_DIGITS} digits for a password."
    if len(style.separator) > 3 or any(ch not in _SEPARATORS for ch in style.separator):
        allowed = " ".join(sorted(_SEPARATORS))
        return f"The separator may be empty or up to 3 of these characters: {allowed}"
    return None


def make_password(style: PasswordStyle, min_length: int = MIN_PASSWORD_LENGTH) -> str:
    """``style.words`` different words and ``style.digits`` digits 2-9, joined by the
    separator; one more word at a time until it is at least ``min_length`` long.

    Raises ValueError for a style :func:`password_style_problem` refuses.
    """
    problem = password_style_problem(style)
    if problem:
        raise ValueError(problem)
    words = child_words()
    min_length = min(max(1, min_length), MAX_PASSWORD_LENGTH)
    rng = secrets.SystemRandom()
    number = "".join(rng.choice(PASSWORD_DIGITS) for _ in range(style.digits))
    chosen = rng.sample(words, min(style.words, len(words)))
    while True:
        password = style.separator.join([*chosen, number] if number else chosen)
        if len(password) >= min_length or len(chosen) >= len(words):
            return password
        chosen.append(rng.choice([word for word in words if word not in chosen]))

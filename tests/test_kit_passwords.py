"""Children's passwords: words from the list, digits 2-9, long enough, nothing ambiguous."""

from __future__ import annotations

import re

import pytest

from core.kit.passwords import (
    PASSWORD_DIGITS,
    PasswordStyle,
    child_words,
    make_password,
    password_style_problem,
)
from core.model import MIN_PASSWORD_LENGTH

#: Words that must never be in a child's password: rude, scary, sad, teasing, or
#: sounding like another word a child could write instead.
NEVER = {
    "ass", "bum", "butt", "poo", "pee", "fart", "sex", "gay", "hoe", "tit", "cock", "dick",
    "nut", "balls", "bitch", "kitty", "cherry", "peach", "taco", "bush", "pussy", "bone",
    "dead", "die", "kill", "gun", "blood", "ghost", "witch", "skull", "grave", "knife",
    "bomb", "war", "fire", "shark", "snake", "spider", "wolf", "rat", "sick", "sad", "cry",
    "fat", "ugly", "pig", "cow", "ape", "monkey", "big", "dumb", "stupid",
    "sun", "son", "sea", "see", "bee", "pear", "pair", "tail", "tale", "deer", "bear",
    "hare", "hair", "flower", "flour", "meat", "pea", "tea", "night", "rose", "whale",
    "horse", "pie", "berry", "plane", "wood", "new", "dove", "wind",
    "donut", "cozy", "grey", "gray", "colour", "yogurt", "tire", "tyre",
    "lamb", "comb", "calm", "knot", "island", "palm", "wren",
}  # fmt: skip


def test_the_word_list():
    words = child_words()
    assert 300 <= len(words) <= 400
    assert len(set(words)) == len(words)
    for word in words:
        assert re.fullmatch(r"[a-z]{3,6}", word), word
    assert not NEVER & set(words)
    assert {"sunny", "apple", "frog", "green", "kite"} <= set(words)


def split(password: str, separator: str = "-") -> tuple[list[str], str]:
    *words, number = password.split(separator)
    return words, number


def test_default_passwords_are_word_word_number():
    words = set(child_words())
    seen = set()
    for _ in range(300):
        password = make_password(PasswordStyle())
        seen.add(password)
        parts, number = split(password)
        assert len(parts) >= 2
        assert set(parts) <= words
        assert len(set(parts)) == len(parts)
        assert len(number) == 1 and number in PASSWORD_DIGITS
        assert len(password) >= MIN_PASSWORD_LENGTH
        assert not set(password) & set("01IO")
    assert len(seen) > 250  # drawn at random, not a handful of repeats


@pytest.mark.parametrize(
    ("style", "min_length"),
    [
        (PasswordStyle(words=1, separator="", digits=0), 8),
        (PasswordStyle(words=1, separator=".", digits=3), 16),
        (PasswordStyle(words=3, separator="_", digits=2), 8),
        (PasswordStyle(words=2, separator="-", digits=1), 40),
    ],
)
def test_always_long_enough_by_adding_words(style, min_length):
    words = set(child_words())
    for _ in range(100):
        password = make_password(style, min_length)
        assert len(password) >= min_length
        assert not set(password) & set("01IO")
        body = password[: len(password) - style.digits]
        digits = password[len(password) - style.digits :]
        assert set(digits) <= set(PASSWORD_DIGITS)
        if style.separator:
            parts = body.rstrip(style.separator).split(style.separator)
            assert set(parts) <= words
            assert len(parts) >= style.words
        else:
            assert body.isalpha() and body.islower()


def test_style_problems():
    assert password_style_problem(PasswordStyle()) is None
    assert password_style_problem(PasswordStyle(separator="")) is None
    assert "words" in (password_style_problem(PasswordStyle(words=0)) or "")
    assert "digits" in (password_style_problem(PasswordStyle(digits=9)) or "")
    for separator in ("a", "1", " ", "----", "é"):
        assert password_style_problem(PasswordStyle(separator=separator)) is not None
    with pytest.raises(ValueError):
        make_password(PasswordStyle(words=0))

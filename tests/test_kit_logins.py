"""Login names from a pattern: transliterated, lower case, within Canvas's limits."""

from __future__ import annotations

import pytest
from table_support import table_from_dicts

from core.kit.logins import (
    DEFAULT_LOGIN_PATTERN,
    LOGIN_PATTERNS,
    LoginStem,
    LoginStyle,
    login_stem,
    login_text,
    missing_words,
    pattern_problem,
    stem_for,
)
from core.rules import MAX_LOGIN_LENGTH

HEADERS = ["First Name", "Last Name", "SIS User ID", "Canvas User ID", "Class", "New Login"]


def one_row(**values: str):
    names = {"first": "First Name", "last": "Last Name", "sis": "SIS User ID"}
    names |= {"canvas": "Canvas User ID", "klass": "Class"}
    return table_from_dicts(HEADERS, [{names[k]: v for k, v in values.items()}])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zoë", "zoe"),
        ("José", "jose"),
        ("田中", "tianzhong"),
        ("Nguyễn", "nguyen"),
        ("O'Brien", "obrien"),
        ("Mary-Jane", "maryjane"),
        ("van der Berg", "vanderberg"),
        ("Schröder", "schroder"),
        ("Ørsted", "orsted"),
        ("محمد", "mhmd"),
        ("  ", ""),
    ],
)
def test_login_text_is_plain_lower_case_ascii(text, expected):
    assert login_text(text) == expected


def test_the_offered_patterns():
    table = one_row(first="Zoë", last="Du Bois", sis="S-0045512", canvas="103", klass="K-2")
    made = [login_stem(LoginStyle(pattern), table, 0) for pattern in LOGIN_PATTERNS]
    assert made == ["zoe.d", "zoed", "zoe.dubois", "s0045512"]
    assert LOGIN_PATTERNS[0] == DEFAULT_LOGIN_PATTERN


def test_free_patterns_keep_their_separators_and_add_prefix_and_suffix():
    table = one_row(first="田中", last="O'Brien", sis="77", canvas="103", klass="Room 4")
    style = LoginStyle("{class}_{first_initial}{last}-{canvas_user_id}", "MG.", "@Kids")
    assert login_stem(style, table, 0) == "mg.room4_tobrien-103@kids"
    stem = stem_for(style, table, 0)
    assert stem == LoginStem("mg.room4_tobrien-103", "@kids")


def test_numbers_go_before_the_suffix_and_after_a_digit_with_a_dash():
    assert LoginStem("ava.k").numbered(1) == "ava.k"
    assert LoginStem("ava.k").numbered(2) == "ava.k2"
    assert LoginStem("ava.k", "@school").numbered(3) == "ava.k3@school"
    assert LoginStem("2031").numbered(2) == "2031-2"


def test_long_names_are_cut_to_canvas_length_even_with_number_and_suffix():
    long_name = "Wolfeschlegelsteinhausenbergerdorff" * 4
    table = one_row(first=long_name, last="Ngô")
    style = LoginStyle("{first}.{last}", suffix="@maplegrove.example")
    stem = stem_for(style, table, 0)
    assert stem is not None
    for number in (1, 2, 99, 1000):
        name = stem.numbered(number)
        assert len(name) <= MAX_LOGIN_LENGTH
        assert name.endswith("@maplegrove.example")
    assert stem.numbered(99).endswith("99@maplegrove.example")


def test_a_missing_field_makes_no_name_and_says_which():
    style = LoginStyle()
    table = table_from_dicts(
        HEADERS,
        [
            {"First Name": "Cher"},
            {"SIS User ID": "5"},
            {"First Name": "—", "Last Name": "Smith"},
        ],
    )
    assert login_stem(style, table, 0) is None
    assert missing_words(style, table, 0) == "no last name to make a login from"
    assert login_stem(style, table, 1) is None
    assert missing_words(style, table, 1) == "no name to make a login from"
    assert missing_words(style, table, 2) == "no first name to make a login from"
    by_id = LoginStyle("{sis_user_id}")
    assert login_stem(by_id, table, 1) == "5"
    assert missing_words(by_id, table, 0) == "no SIS User ID to make a login from"


def test_a_sheet_without_name_columns_says_so():
    table = table_from_dicts(["SIS User ID", "New Login"], [{"SIS User ID": "5"}])
    assert "no First Name and Last Name or Name column" in missing_words(LoginStyle(), table, 0)


@pytest.mark.parametrize(
    ("style", "words"),
    [
        (LoginStyle("{first}.{last_initial}"), None),
        (LoginStyle("{First}"), "{First}, which is not a field"),
        (LoginStyle("{nickname}"), "{nickname}, which is not a field"),
        (LoginStyle("{first"), "without a matching"),
        (LoginStyle("first}"), "without a matching"),
        (LoginStyle("{first:>5}"), "without : or !"),
        (LoginStyle("student"), "at least one field"),
        (LoginStyle("  "), "Give a login pattern"),
        (LoginStyle("{first} {last}"), "(space)"),
        (LoginStyle("{first}!{last}"), "it has !"),
        (LoginStyle(prefix="a b"), "The prefix may hold only"),
        (LoginStyle(suffix="é"), "The suffix may hold only"),
        (LoginStyle(prefix="x" * 60), "longer than"),
        (LoginStyle("{first}", prefix="MG-", suffix="@School.Org"), None),
    ],
)
def test_pattern_problems_in_plain_words(style, words):
    problem = pattern_problem(style)
    if words is None:
        assert problem is None
    else:
        assert problem is not None and words in problem


def test_pattern_problem_takes_a_bare_pattern_and_stem_refuses_a_bad_style():
    assert pattern_problem("{first}") is None
    assert pattern_problem("{frist}") is not None
    with pytest.raises(ValueError, match="not a field"):
        stem_for(LoginStyle("{frist}"), one_row(first="Ava"), 0)

"""Offline rules: one finding per problem, on the right cell, in plain words."""

from __future__ import annotations

from core.model import (
    OUTPUT_ROLES,
    Finding,
    Role,
    Row,
    Severity,
    Table,
    role_for_header,
)
from core.rules import check_table, findings_by_row

HEADERS = [
    "Name",
    "Canvas User ID",
    "SIS User ID",
    "Current Login",
    "New Login",
    "Password",
    "Authentication Provider",
    "Action",
    "Status",
]


def make_table(rows: list[dict[str, str]], headers: list[str] = HEADERS) -> Table:
    """A table as the workbook reader would give it; sheet rows start at 2."""
    columns = {role_for_header(h): i for i, h in enumerate(headers) if role_for_header(h)}
    table = Table(
        sheet="Sheet1",
        headers=list(headers),
        header_row=1,
        columns=columns,
        rows=[Row(i + 2, [values.get(h, "") for h in headers]) for i, values in enumerate(rows)],
    )
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    return table


def ok_row(**changes: str) -> dict[str, str]:
    row = {"Name": "Ava", "SIS User ID": "0045510", "New Login": "ava.k", "Password": "sunny-7-x"}
    row.update(changes)
    return row


def only(findings: list[Finding], severity: Severity = Severity.ERROR) -> list[Finding]:
    return [f for f in findings if f.severity is severity]


def test_a_good_row_has_no_findings():
    assert check_table(make_table([ok_row()])) == []


def test_missing_student_points_at_the_first_student_column():
    table = make_table([ok_row(**{"SIS User ID": ""})])
    [finding] = check_table(table)
    assert finding.severity is Severity.ERROR
    assert finding.column == table.column(Role.CANVAS_USER_ID)
    assert "No student" in finding.message


def test_canvas_user_id_must_be_a_number():
    table = make_table([ok_row(**{"Canvas User ID": "12a"})])
    [finding] = check_table(table)
    assert finding.role is Role.CANVAS_USER_ID
    assert finding.column == table.column(Role.CANVAS_USER_ID)
    assert "'12a' is not a number" in finding.message


def test_create_needs_a_login_name():
    table = make_table([ok_row(**{"New Login": ""})])
    [finding] = only(check_table(table))
    assert finding.column == table.column(Role.NEW_LOGIN)
    assert "No login name" in finding.message


def test_update_and_delete_need_a_login_name_or_a_canvas_login_id():
    table = make_table(
        [
            ok_row(**{"New Login": "", "Action": "Reset"}),
            ok_row(**{"New Login": "", "Action": "Remove", "Password": ""}),
            ok_row(**{"New Login": "", "Action": "Delete", "Password": ""}),
        ]
    )
    table.set_value(2, Role.CANVAS_LOGIN_ID, "77")
    by_row = findings_by_row(check_table(table))
    assert "login to change" in by_row[0][0].message
    assert "login to remove" in by_row[1][0].message
    assert 2 not in by_row


def test_login_name_problems():
    table = make_table(
        [
            ok_row(**{"New Login": "ava\tk"}),
            ok_row(**{"New Login": "a" * 101}),
            ok_row(**{"New Login": " ava.k"}),
        ]
    )
    by_row = findings_by_row(check_table(table))
    assert "cannot be printed" in by_row[0][0].message
    assert "101 characters" in by_row[1][0].message
    assert "space" in by_row[2][0].message
    assert all(f.column == table.column(Role.NEW_LOGIN) for fs in by_row.values() for f in fs)


def test_capital_letters_are_only_a_warning():
    [finding] = check_table(make_table([ok_row(**{"New Login": "Ava.K"})]))
    assert finding.severity is Severity.WARNING
    assert "ava.k" in finding.message


def test_duplicates_compare_as_canvas_does_and_name_the_other_row():
    table = make_table(
        [
            ok_row(**{"New Login": "Ava.K"}),
            ok_row(**{"SIS User ID": "2", "New Login": "ava.k"}),
            ok_row(**{"SIS User ID": "3", "New Login": "ａｖａ.ｋ"}),  # full width: NFKC
            ok_row(**{"SIS User ID": "4", "New Login": "ava.k", "Action": "Delete"}),
        ]
    )
    errors = [f for f in check_table(table) if "also on" in f.message]
    assert sorted(f.row for f in errors) == [0, 1, 2]
    first = next(f for f in errors if f.row == 0)
    assert "rows 3 and 4" in first.message


def test_duplicate_with_spaces_around_it():
    table = make_table(
        [ok_row(**{"New Login": "Ava.K"}), ok_row(**{"SIS User ID": "9", "New Login": " ava.k "})]
    )
    dupes = {f.row: f.message for f in check_table(table) if "also on" in f.message}
    assert set(dupes) == {0, 1}
    assert "also on row 3" in dupes[0]
    assert "also on row 2" in dupes[1]


def test_a_done_row_is_not_checked_but_still_counts_as_taken():
    table = make_table(
        [
            ok_row(**{"Password": "x", "Status": "Created"}),
            ok_row(**{"SIS User ID": "2"}),
        ]
    )
    findings = check_table(table)
    assert [f.row for f in findings] == [1]
    assert "also on row 2" in findings[0].message


def test_failed_rows_are_checked_again():
    table = make_table([ok_row(**{"Password": "x", "Status": "Failed"})])
    assert [f.role for f in check_table(table)] == [Role.PASSWORD]


def test_password_length_limits():
    table = make_table(
        [
            ok_row(**{"Password": "short"}),
            ok_row(**{"SIS User ID": "2", "New Login": "b", "Password": "p" * 256}),
        ]
    )
    by_row = findings_by_row(check_table(table))
    assert "shorter than 8" in by_row[0][0].message
    assert "longer than 255" in by_row[1][0].message
    longer = check_table(
        make_table([ok_row(**{"Password": "twelve-chars"})]), min_password_length=14
    )
    assert "shorter than 14" in longer[0].message


def test_password_on_a_single_sign_on_provider():
    table = make_table(
        [
            ok_row(**{"Authentication Provider": "saml"}),
            ok_row(**{"SIS User ID": "2", "New Login": "b", "Authentication Provider": "7"}),
            ok_row(**{"SIS User ID": "3", "New Login": "c", "Authentication Provider": "1"}),
            ok_row(**{"SIS User ID": "4", "New Login": "d", "Authentication Provider": "9"}),
        ]
    )
    by_row = findings_by_row(check_table(table, provider_types={"1": "canvas", "7": "saml"}))
    assert "single sign-on" in by_row[0][0].message
    assert "single sign-on" in by_row[1][0].message
    assert 2 not in by_row
    assert "no sign-in method" in by_row[3][0].message
    assert by_row[3][0].role is Role.PROVIDER


def test_sso_login_without_password_is_fine_and_canvas_login_without_one_is_a_warning():
    table = make_table(
        [
            ok_row(**{"Password": "", "Authentication Provider": "saml"}),
            ok_row(**{"SIS User ID": "2", "New Login": "b", "Password": ""}),
        ]
    )
    findings = check_table(table)
    assert [(f.row, f.severity) for f in findings] == [(1, Severity.WARNING)]


def test_update_with_nothing_to_change():
    table = make_table(
        [
            ok_row(**{"Action": "Update", "Password": ""}),
            ok_row(
                **{
                    "SIS User ID": "2",
                    "Action": "Change",
                    "Password": "",
                    "Current Login": "old.name",
                    "New Login": "new.name",
                }
            ),
        ]
    )
    findings = check_table(table)
    assert [f.row for f in findings] == [0]
    assert "Nothing to change" in findings[0].message


def test_unknown_action_says_which_words_work():
    table = make_table([ok_row(**{"Action": "Frobnicate"})])
    [finding] = check_table(table)
    assert finding.column == table.column(Role.ACTION)
    assert "'Frobnicate'" in finding.message
    for word in ("Create", "Update", "Delete"):
        assert word in finding.message


def test_cell_problems_become_findings():
    table = make_table([ok_row()])
    column = table.column(Role.PASSWORD)
    table.rows[0].cell_problems[column] = "Formula without a saved value: open and save in Excel"
    [finding] = check_table(table)
    assert (finding.column, finding.role) == (column, Role.PASSWORD)
    assert finding.severity is Severity.ERROR


def test_blank_rows_are_ignored():
    table = make_table([{"Name": "just a note"}, ok_row()])
    assert check_table(table) == []


def test_ten_thousand_rows():
    rows = [
        ok_row(**{"SIS User ID": f"S{n:06d}", "New Login": f"kid{n}", "Password": "long-enough"})
        for n in range(10_000)
    ]
    rows[5000]["New Login"] = "kid1"
    findings = check_table(make_table(rows))
    assert sorted(f.row for f in findings) == [1, 5000]


def test_a_formula_without_saved_value_matters_only_in_the_apps_own_columns():
    from core.plan import build_plan

    no_value = "This cell holds a formula with no saved value: open and save it in Excel first."
    table = make_table(
        [
            {
                "Name": "",
                "SIS User ID": "0045510",
                "New Login": "ava.k",
                "Password": "sunny-7-apple",
            },
            {"Name": "Liam", "SIS User ID": "0045511", "New Login": "liam.o", "Password": ""},
        ]
    )
    # Row 2: the teachers' Name column holds a formula Excel never computed: theirs.
    table.rows[0].cell_problems[HEADERS.index("Name")] = no_value
    # Row 3: the Password cell does: the row cannot be sent, and says so once.
    table.rows[1].cell_problems[HEADERS.index("Password")] = no_value
    findings = check_table(table)
    assert [f for f in findings if f.row == 0] == []
    on_password = [f for f in findings if f.row == 1 and f.role is Role.PASSWORD]
    assert [f.message for f in on_password] == [no_value]
    plan = build_plan(table, findings)
    assert [op.row for op in plan.operations] == [0]
    assert plan.invalid[0].message == no_value  # one sentence, no ".;" joins


# ---------------------------------------------------------------- issue 12: teachers' sheets


def test_a_login_name_with_a_space_inside_is_an_error_for_a_new_name():
    table = make_table(
        [
            ok_row(**{"New Login": "ava k"}),
            ok_row(**{"SIS User ID": "2", "New Login": "liam  o", "Action": "Add"}),
            # removing or resetting a login Canvas already has: its name is not ours to judge
            ok_row(
                **{"SIS User ID": "3", "New Login": "zoe d", "Action": "Delete", "Password": ""}
            ),
            ok_row(**{"SIS User ID": "4", "New Login": "mia s", "Action": "Reset"}),
            # a rename to a name with a space is a new name
            ok_row(
                **{
                    "SIS User ID": "5",
                    "Current Login": "jose.a",
                    "New Login": "jose a",
                    "Action": "Update",
                }
            ),
        ]
    )
    spaced = {f.row: f for f in check_table(table) if "space in it" in f.message}
    assert sorted(spaced) == [0, 1, 4]
    assert all(f.severity is Severity.ERROR for f in spaced.values())
    assert all(f.column == table.column(Role.NEW_LOGIN) for f in spaced.values())
    assert spaced[0].message == (
        "Login name 'ava k' has a space in it: Canvas would accept it, but a young pupil "
        "cannot type it reliably. Use a dot instead, for example 'ava.k'"
    )
    assert "'liam.o'" in spaced[1].message


def test_notes_and_footers_are_not_requests():
    from core.rules import is_blank_row, is_note_row, is_note_text

    headers = ["First Name", "Last Name", "Class", "Notes"]
    table = make_table(
        [
            {"First Name": "Zoë", "Last Name": "Dubois", "Class": "K"},
            {"First Name": "Total students: 23"},  # a footer in the name column
            {"Notes": "Mrs. Smith: bring PE kit on Friday"},  # a teacher's comment only
            {"Class": "Room 4"},  # a class but no name
            {},  # a spacer
            {"First Name": "Ava"},  # a name only: a request (the generator completes it)
        ],
        headers,
    )
    assert [is_blank_row(table, row) for row in range(6)] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]
    assert [is_note_row(table, row) for row in range(6)] == [
        False,
        True,
        True,
        True,
        False,  # nothing at all: blank, not a note
        False,
    ]
    findings = check_table(table)
    assert {f.row for f in findings} <= {0, 5}
    for text in ("Total students: 23", "Total: 23", "TOTAL 23", "Boys = 12", "Count: 4"):
        assert is_note_text(text), text
    for text in ("Zoë", "O'Brien, Liam", "Total", "Mary-Jane", "Ava K."):
        assert not is_note_text(text), text


def test_a_note_row_in_a_full_sheet_with_a_broken_teachers_cell_is_still_no_request():
    table = make_table([ok_row(), {"Name": "Total students: 1"}])
    table.rows[1].cell_problems[HEADERS.index("Name")] = "This cell shows the error #REF!"
    from core.rules import is_note_row

    assert is_note_row(table, 1)
    assert check_table(table) == []


def test_a_new_login_name_a_spreadsheet_would_take_for_a_formula_is_an_error():
    starts = ["=1+1", "+ava", "-ava.k", "@ava"]
    rows = [ok_row(**{"SIS User ID": str(n), "New Login": name}) for n, name in enumerate(starts)]
    rows += [
        ok_row(**{"SIS User ID": "10", "New Login": "ava-k=2+@"}),  # inside the name: fine
        # renaming to such a name gives Canvas a new one
        ok_row(
            **{
                "SIS User ID": "11",
                "Current Login": "jose.a",
                "New Login": "=jose",
                "Action": "Update",
            }
        ),
        # an existing login with such a name may still get a new password or be removed
        ok_row(**{"SIS User ID": "12", "New Login": "-old", "Action": "Reset"}),
        ok_row(**{"SIS User ID": "13", "New Login": "@old", "Action": "Delete", "Password": ""}),
    ]
    table = make_table(rows)
    formula = [f for f in check_table(table) if "would get a formula" in f.message]
    assert [f.row for f in formula] == [0, 1, 2, 3, 5]
    assert all(f.severity is Severity.ERROR for f in formula)
    assert all(f.column == table.column(Role.NEW_LOGIN) for f in formula)
    assert formula[2].message == (
        "Login name '-ava.k' starts with '-': whoever exports Canvas's logins to a "
        "spreadsheet would get a formula instead of the name. Start it with a letter or a digit"
    )


def test_a_login_name_with_a_line_break_is_one_error_that_says_so():
    names = ["ava\nk", "liam.o\r\n", "zoe\u2028d", "mia\ts"]
    rows = [ok_row(**{"SIS User ID": str(n), "New Login": name}) for n, name in enumerate(names)]
    findings = check_table(make_table(rows))
    assert [f.row for f in findings] == [0, 1, 2, 3]  # one each, no "space" besides
    assert all(f.severity is Severity.ERROR for f in findings)
    assert all("more than one line" in f.message for f in findings[:3])
    assert "cannot be printed (a tab" in findings[3].message


def test_a_second_column_with_an_apps_heading_is_a_warning_on_the_first_row():
    headers = [*HEADERS, "New Login", "Status"]
    table = make_table([ok_row(), ok_row(**{"SIS User ID": "2", "New Login": "liam.o"})], headers)
    table.columns[Role.NEW_LOGIN] = 4  # the first of each, as the reader takes them
    table.columns[Role.STATUS] = 8
    warnings = check_table(table)
    assert [(f.row, f.column, f.severity) for f in warnings] == [
        (0, 9, Severity.WARNING),
        (0, 10, Severity.WARNING),
    ]
    assert warnings[0].message == (
        "Column J ('New Login') is headed as a New Login column too; Canvas Logins uses "
        "column E ('New Login') for the New Login and leaves column J as it is. If that is "
        "the wrong one, rename one of the two headings"
    )
    assert "uses column I ('Status') for the Status" in warnings[1].message

"""The four login calls of the sandbox, their traps and error shapes, over HTTP."""

from __future__ import annotations

import re

import pytest
import requests

from core import demo

UNAUTHORIZED = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
LOGIN_KEYS = {
    "id",
    "user_id",
    "account_id",
    "unique_id",
    "sis_user_id",
    "integration_id",
    "authentication_provider_id",
    "created_at",
    "workflow_state",
    "declared_user_type",
    "must_reset_password",
}
LIAM = demo.DEMO_STUDENTS[1]
ISLA_ID = 118


def session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def create(sb, token: str | None = None, *, as_json: bool = False, account: int = 1, **fields):
    data: dict[str, str] = {}
    for key, value in fields.items():
        data["user[id]" if key == "user" else f"login[{key}]"] = value
    url = f"{sb.url}/api/v1/accounts/{account}/logins"
    s = session(token or sb.token)
    if as_json:
        body: dict[str, dict[str, str]] = {}
        for key, value in data.items():
            outer, inner = key[:-1].split("[")
            body.setdefault(outer, {})[inner] = value
        return s.post(url, json=body)
    return s.post(url, data=data)


def edit(sb, login_id, token: str | None = None, **fields):
    data = {f"login[{key}]": value for key, value in fields.items()}
    return session(token or sb.token).put(
        f"{sb.url}/api/v1/accounts/1/logins/{login_id}", data=data
    )


def delete(sb, user_ref, login_id, token: str | None = None):
    url = f"{sb.url}/api/v1/users/{user_ref}/logins/{login_id}"
    return session(token or sb.token).delete(url)


def error_of(answer, attribute):
    assert answer.status_code == 400
    return answer.json()["errors"][attribute][0]


# ----- list ------------------------------------------------------------------------------


def test_list_by_user_and_by_account(sandbox):
    s = session(sandbox.token)
    by_user = s.get(f"{sandbox.url}/api/v1/users/{ISLA_ID}/logins").json()
    by_account = s.get(
        f"{sandbox.url}/api/v1/accounts/1/logins", params={"user[id]": "sis_user_id:0045527"}
    ).json()
    assert by_user == by_account
    assert [lg["unique_id"] for lg in by_user] == ["isla.thompson@maplegrove.example", "isla.t"]
    saml, canvas = by_user
    assert set(saml) == LOGIN_KEYS | {"authentication_provider_type"}
    assert saml["authentication_provider_type"] == "saml"
    assert saml["sis_user_id"] == "0045527"
    assert canvas["authentication_provider_type"] == "canvas"
    assert "password" not in canvas


def test_list_on_a_sub_account_is_refused(sandbox):
    answer = session(sandbox.token).get(
        f"{sandbox.url}/api/v1/accounts/2/logins", params={"user[id]": "101"}
    )
    assert answer.status_code == 400
    assert answer.json() == {"message": "Action must be called on a root account."}


def test_pagination_walks_bookmarks(sandbox):
    for n in range(4):
        sandbox.state.add_login(LIAM.canvas_id, f"liam.extra{n}")
    expected = [lg["id"] for lg in sandbox.state.logins_of(LIAM.canvas_id)]
    assert len(expected) == 5
    s = session(sandbox.token)
    url: str | None = f"{sandbox.url}/api/v1/users/{LIAM.canvas_id}/logins?per_page=2"
    seen: list[int] = []
    pages = 0
    while url:
        answer = s.get(url)
        assert answer.status_code == 200
        page = answer.json()
        assert len(page) <= 2
        seen += [lg["id"] for lg in page]
        link = answer.headers["Link"]
        assert ", " not in link  # entries joined by "," without spaces
        rels = dict((rel, target) for target, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', link))
        assert "current" in rels and "first" in rels
        assert "per_page=2" in rels["first"]
        url = rels.get("next")
        if url:
            assert "page=bookmark:" in url
        pages += 1
    assert seen == expected
    assert pages == 3


def test_per_page_is_capped_at_100_and_defaults_to_10(sandbox):
    for n in range(12):
        sandbox.state.add_login(LIAM.canvas_id, f"many{n}")
    s = session(sandbox.token)
    url = f"{sandbox.url}/api/v1/users/{LIAM.canvas_id}/logins"
    default = s.get(url)
    assert len(default.json()) == 10
    assert 'rel="next"' in default.headers["Link"]
    big = s.get(url, params={"per_page": 500})
    assert len(big.json()) == 13
    assert "per_page=100" in big.headers["Link"]
    assert 'rel="next"' not in big.headers["Link"]


def test_list_hides_sis_ids_without_read_sis(sandbox):
    sandbox.add_token("no-sis", rights={"manage_user_logins"})
    logins = session("no-sis").get(f"{sandbox.url}/api/v1/users/101/logins").json()
    assert logins and all("sis_user_id" not in lg and "integration_id" not in lg for lg in logins)


def test_list_leaves_deleted_logins_out(sandbox):
    extra = sandbox.state.add_login(101, "gone.one", workflow_state="deleted")
    logins = session(sandbox.token).get(f"{sandbox.url}/api/v1/users/101/logins").json()
    assert extra["id"] not in [lg["id"] for lg in logins]


# ----- create ----------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_create_by_sis_id_in_one_request(sandbox, as_json):
    answer = create(
        sandbox,
        as_json=as_json,
        user=f"sis_user_id:{LIAM.sis_id}",
        unique_id="liam.o",
        password="green-frog-42",
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) >= LOGIN_KEYS
    assert body["user_id"] == LIAM.canvas_id
    assert body["unique_id"] == "liam.o"
    assert body["account_id"] == demo.DEMO_ROOT_ACCOUNT_ID
    assert body["workflow_state"] == "active"
    stored = sandbox.state.find_login("LIAM.O")
    assert stored is not None and stored["password"] == "green-frog-42"
    assert sandbox.state.write_log == [
        ("POST", "/api/v1/accounts/1/logins", f"user:{LIAM.canvas_id} login:liam.o")
    ]


def test_create_without_user_id_makes_the_login_for_the_token_owner(sandbox):
    answer = create(sandbox, unique_id="liam.o", password="green-frog-42")
    assert answer.status_code == 200
    assert answer.json()["user_id"] == demo.DEMO_ADMIN_USER_ID
    assert [lg["unique_id"] for lg in sandbox.state.logins_of(LIAM.canvas_id)] == [
        LIAM.logins[0][0]
    ]


def test_create_without_password_invents_one(sandbox):
    answer = create(sandbox, user="102", unique_id="zoe.sso", authentication_provider_id="saml")
    assert answer.status_code == 200
    body = answer.json()
    assert body["authentication_provider_id"] == 7
    assert body["authentication_provider_type"] == "saml"
    assert sandbox.state.find_login("zoe.sso")["password"]


def test_provider_by_numeric_id(sandbox):
    answer = create(sandbox, user="102", unique_id="zoe.c", authentication_provider_id="1")
    assert answer.json()["authentication_provider_type"] == "canvas"


@pytest.mark.parametrize("name", ["chloe.b", "Chloe.B", " chloe.b ", "CHLOE.B", "chloe.b\u3000"])
def test_taken_names_compare_like_canvas(sandbox, name):
    answer = create(sandbox, user="114", unique_id=name, password="gold-leaf-38")
    assert error_of(answer, "unique_id") == {
        "attribute": "unique_id",
        "type": "taken",
        "message": "ID already in use for this account and authentication provider",
    }


def test_suspended_logins_still_hold_their_name(sandbox):
    sandbox.state.add_login(105, "mia.s", workflow_state="suspended")
    answer = create(sandbox, user="106", unique_id="mia.s", password="long-enough-1")
    assert error_of(answer, "unique_id")["type"] == "taken"


def test_names_are_unique_per_provider_family(sandbox):
    sso_name = demo.DEMO_STUDENTS[0].logins[0][0]
    canvas = create(sandbox, user="101", unique_id=sso_name, password="long-enough-1")
    assert canvas.status_code == 200
    sso = create(sandbox, user="102", unique_id="chloe.b", authentication_provider_id="saml")
    assert sso.status_code == 200


def test_a_deleted_login_frees_its_name_but_not_its_sis_id(sandbox):
    sandbox.state.add_login(101, "old.name", sis_user_id="OLD-1", workflow_state="deleted")
    assert create(sandbox, user="102", unique_id="old.name", password="long-enough-1").ok
    again = create(
        sandbox, user="103", unique_id="fresh.name", password="long-enough-1", sis_user_id="OLD-1"
    )
    assert error_of(again, "sis_user_id") == {
        "attribute": "sis_user_id",
        "type": "taken",
        "message": 'SIS ID "OLD-1" is already in use',
    }


@pytest.mark.parametrize(
    ("password", "code"), [("cat7", "too_short"), ("", "too_short"), ("x" * 256, "too_long")]
)
def test_password_policy(sandbox, password, code):
    answer = create(sandbox, user="104", unique_id="noah.n", password=password)
    assert error_of(answer, "password") == {"attribute": "password", "type": code, "message": code}


@pytest.mark.parametrize(
    ("unique_id", "code"), [("x" * 101, "too_long"), ("tab\there", "invalid"), ("  ", "too_short")]
)
def test_unique_id_must_be_printable_and_short(sandbox, unique_id, code):
    answer = create(sandbox, user="104", unique_id=unique_id, password="long-enough-1")
    assert error_of(answer, "unique_id")["type"] == code


def test_password_on_sso_provider_is_400(sandbox):
    answer = create(
        sandbox,
        user="104",
        unique_id="n@sso",
        authentication_provider_id="saml",
        password="abcdefgh1",
    )
    problem = error_of(answer, "password")
    assert problem["attribute"] == "password"
    assert problem["message"] == "password can only be set for Canvas authentication"


def test_create_error_shapes(sandbox):
    sub = create(sandbox, account=2, user="104", unique_id="noah.n", password="long-enough-1")
    assert sub.status_code == 400
    assert sub.json() == {"message": "Action must be called on a root account."}
    unknown_user = create(sandbox, user="sis_user_id:nobody", unique_id="a.b")
    assert (unknown_user.status_code, unknown_user.json()) == (404, NOT_FOUND)
    unknown_provider = create(
        sandbox, user="104", unique_id="a.b", authentication_provider_id="cas"
    )
    assert (unknown_provider.status_code, unknown_provider.json()) == (404, NOT_FOUND)
    nothing = create(sandbox, user="104")
    assert nothing.status_code == 400
    assert nothing.json() == {"message": "missing required parameter"}
    assert sandbox.state.write_log == []
    assert sandbox.stats.writes[("POST", "/api/v1/accounts/:account_id/logins")] == 4


def test_sis_ids_need_manage_sis(sandbox):
    sandbox.add_token("no-sis", rights={"manage_user_logins", "read_sis"})
    for field in ("sis_user_id", "integration_id"):
        answer = create(sandbox, "no-sis", user="104", unique_id="noah.n", **{field: "N-1"})
        assert answer.status_code == 403
        assert answer.json() == UNAUTHORIZED
    plain = create(sandbox, "no-sis", user="104", unique_id="noah.n", password="long-enough-1")
    assert plain.status_code == 200


# ----- edit ------------------------------------------------------------------------------


def isla_canvas_login(sandbox) -> dict:
    return sandbox.state.find_login("isla.t")


def test_edit_resets_a_password(sandbox):
    login = isla_canvas_login(sandbox)
    answer = edit(sandbox, login["id"], password="new-moon-81")
    assert answer.status_code == 200
    assert answer.json()["id"] == login["id"]
    assert sandbox.state.find_login("isla.t")["password"] == "new-moon-81"
    assert sandbox.state.write_log == [
        ("PUT", f"/api/v1/accounts/1/logins/{login['id']}", f"login:{login['id']}")
    ]


def test_password_change_needs_the_account_setting(sandbox):
    sandbox.add_token("no-pw", rights={"manage_user_logins", "read_sis"})
    login = isla_canvas_login(sandbox)
    answer = edit(sandbox, login["id"], "no-pw", password="new-moon-81")
    assert answer.status_code == 403
    assert answer.json() == UNAUTHORIZED
    assert sandbox.state.find_login("isla.t")["password"] == login["password"]


def test_edit_checks(sandbox):
    login = isla_canvas_login(sandbox)
    assert edit(sandbox, login["id"], password="short").json()["errors"]["password"][0]["type"] == (
        "too_short"
    )
    taken = edit(sandbox, login["id"], unique_id="CHLOE.B")
    assert error_of(taken, "unique_id")["type"] == "taken"
    same = edit(sandbox, login["id"], unique_id="Isla.T")
    assert same.status_code == 200 and same.json()["unique_id"] == "Isla.T"
    bad_state = edit(sandbox, login["id"], workflow_state="frozen")
    assert bad_state.status_code == 400
    suspended = edit(sandbox, login["id"], workflow_state="suspended")
    assert suspended.json()["workflow_state"] == "suspended"
    assert edit(sandbox, 9999, password="long-enough-1").status_code == 404
    nothing = edit(sandbox, login["id"])
    assert nothing.json() == {"message": "missing required parameter"}
    sandbox.add_token("no-sis", rights={"manage_user_logins", "change_passwords"})
    assert edit(sandbox, login["id"], "no-sis", sis_user_id="I-1").status_code == 403


def test_edit_password_on_sso_login_is_400(sandbox):
    sso = sandbox.state.logins_of(ISLA_ID)[0]
    answer = edit(sandbox, sso["id"], password="long-enough-1")
    assert error_of(answer, "password")["message"] == (
        "password can only be set for Canvas authentication"
    )


# ----- delete ----------------------------------------------------------------------------


def test_delete_is_soft(sandbox):
    henry = sandbox.state.find_login("henry.d")
    answer = delete(sandbox, "sis_user_id:0045526", henry["id"])
    assert answer.status_code == 200
    assert answer.json()["workflow_state"] == "deleted"
    assert answer.json()["id"] == henry["id"]
    assert sandbox.state.find_login("henry.d") is None
    assert sandbox.state.find_login("henry.d", include_deleted=True)["workflow_state"] == "deleted"
    assert len(sandbox.state.logins_of(117, include_deleted=True)) == 2
    again = delete(sandbox, "117", henry["id"])
    assert (again.status_code, again.json()) == (404, NOT_FOUND)


def test_delete_checks_the_owner(sandbox):
    henry = sandbox.state.find_login("henry.d")
    answer = delete(sandbox, "118", henry["id"])
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    assert sandbox.state.find_login("henry.d") is not None


def test_last_login_cannot_go(sandbox):
    only = sandbox.state.logins_of(LIAM.canvas_id)[0]
    answer = delete(sandbox, str(LIAM.canvas_id), only["id"])
    assert answer.status_code == 400
    base = answer.json()["errors"]["base"][0]
    assert base["type"] == "Users must have at least one login"
    assert base["message"] == "Users must have at least one login"


def test_deleting_a_login_with_sis_id_needs_manage_sis(sandbox):
    sandbox.add_token("no-sis", rights={"manage_user_logins"})
    sso = sandbox.state.logins_of(ISLA_ID)[0]
    assert sso["sis_user_id"]
    answer = delete(sandbox, str(ISLA_ID), sso["id"], "no-sis")
    assert (answer.status_code, answer.json()) == (403, UNAUTHORIZED)
    plain = sandbox.state.find_login("isla.t")
    assert delete(sandbox, str(ISLA_ID), plain["id"], "no-sis").status_code == 200


def test_blank_user_id_finds_nobody(sandbox):
    answer = create(sandbox, user="", unique_id="blank.user", password="long-enough-1")
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)


def test_declared_user_type(sandbox):
    ok = create(sandbox, user="104", unique_id="noah.n", declared_user_type="student")
    assert ok.json()["declared_user_type"] == "student"
    bad = create(sandbox, user="105", unique_id="mia.s", declared_user_type="wizard")
    assert error_of(bad, "declared_user_type")["type"] == "inclusion"


def test_query_string_parameters_count_on_writes(sandbox):
    answer = session(sandbox.token).post(
        f"{sandbox.url}/api/v1/accounts/1/logins",
        params={"user[id]": "sis_user_id:0045514", "login[unique_id]": "mia.q"},
    )
    assert answer.status_code == 200
    assert answer.json()["user_id"] == 105

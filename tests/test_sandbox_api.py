"""The sandbox's users, accounts, providers, permissions and token handling, over HTTP."""

from __future__ import annotations

import http.client
import threading
import time

import pytest
import requests

from core import demo
from core.sandbox import serve_forever

UNAUTHORIZED = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


def session(token: str | None) -> requests.Session:
    s = requests.Session()
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s


AVA = demo.DEMO_STUDENTS[0]


@pytest.mark.parametrize(
    "ref",
    [
        str(AVA.canvas_id),
        f"sis_user_id:{AVA.sis_id}",
        f"sis_login_id:{AVA.logins[0][0].upper()}",
        f"%20sis_login_id:{AVA.logins[0][0]}%20",
        f"sis_user_id:%20{AVA.sis_id}",
    ],
)
def test_every_user_id_form_finds_the_student(sandbox, ref):
    answer = session(sandbox.token).get(f"{sandbox.url}/api/v1/users/{ref}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == AVA.canvas_id
    assert body["name"] == AVA.name
    assert body["sortable_name"] == "Kowalski, Ava"
    assert body["sis_user_id"] == AVA.sis_id
    assert body["login_id"] == AVA.logins[0][0]
    assert set(body) >= {"id", "name", "sortable_name", "short_name", "sis_user_id", "login_id"}


def test_self_and_integration_id_forms(sandbox):
    user_id = sandbox.state.add_student(
        "Pat Example", "X-77", sso_login="pat@maplegrove.example", integration_id="INT-9"
    )
    s = session(sandbox.token)
    me = s.get(f"{sandbox.url}/api/v1/users/self").json()
    assert me["id"] == demo.DEMO_ADMIN_USER_ID
    assert me["name"] == demo.DEMO_ADMIN_NAME
    assert me["login_id"] == "office.admin"
    found = s.get(f"{sandbox.url}/api/v1/users/sis_integration_id:INT-9").json()
    assert found["id"] == user_id


@pytest.mark.parametrize(
    "ref", ["999999", "sis_user_id:nope", "sis_login_id:nobody", "sis_integration_id:x", "abc"]
)
def test_unknown_user_is_404_with_canvas_shape(sandbox, ref):
    answer = session(sandbox.token).get(f"{sandbox.url}/api/v1/users/{ref}")
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND


def test_sis_login_id_names_the_holder_of_a_login(sandbox):
    answer = session(sandbox.token).get(f"{sandbox.url}/api/v1/users/sis_login_id:Chloe.B")
    assert answer.json()["id"] == 113


def test_accounts_list_marks_the_root(sandbox):
    accounts = session(sandbox.token).get(f"{sandbox.url}/api/v1/accounts").json()
    by_id = {account["id"]: account for account in accounts}
    root = by_id[demo.DEMO_ROOT_ACCOUNT_ID]
    sub = by_id[demo.DEMO_SUB_ACCOUNT_ID]
    assert root["root_account_id"] is None
    assert root["parent_account_id"] is None
    assert root["name"] == demo.DEMO_ROOT_ACCOUNT_NAME
    assert sub["root_account_id"] == demo.DEMO_ROOT_ACCOUNT_ID
    assert sub["parent_account_id"] == demo.DEMO_ROOT_ACCOUNT_ID
    one = session(sandbox.token).get(f"{sandbox.url}/api/v1/accounts/{sub['id']}")
    assert one.json()["name"] == demo.DEMO_SUB_ACCOUNT_NAME
    assert session(sandbox.token).get(f"{sandbox.url}/api/v1/accounts/77").status_code == 404


def test_permissions_follow_the_token_rights(sandbox):
    sandbox.add_token("limited", rights={"manage_user_logins"})
    names = ["manage_user_logins", "change_passwords", "manage_sis", "import_sis"]
    url = f"{sandbox.url}/api/v1/accounts/1/permissions"
    admin = session(sandbox.token).get(url, params={"permissions[]": names}).json()
    assert admin == dict.fromkeys(names, True)
    limited = session("limited").get(url, params={"permissions[]": names}).json()
    assert limited == {
        "manage_user_logins": True,
        "change_passwords": False,
        "manage_sis": False,
        "import_sis": False,
    }


def test_authentication_providers(sandbox):
    s = session(sandbox.token)
    providers = s.get(f"{sandbox.url}/api/v1/accounts/1/authentication_providers").json()
    assert [(p["id"], p["auth_type"]) for p in providers] == list(demo.DEMO_PROVIDERS)
    assert [p["position"] for p in providers] == [1, 2]
    sub = s.get(f"{sandbox.url}/api/v1/accounts/2/authentication_providers")
    assert sub.status_code == 400
    assert sub.json() == {"message": "Action must be called on a root account."}


def test_no_token_is_401_with_www_authenticate(sandbox):
    answer = session(None).get(f"{sandbox.url}/api/v1/users/self")
    assert answer.status_code == 401
    assert answer.json() == {
        "status": "unauthenticated",
        "errors": [{"message": "user authorization required"}],
    }
    assert "WWW-Authenticate" in answer.headers
    assert "X-Request-Cost" in answer.headers


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (None, "Invalid access token."),
        ("revoke_token", "Revoked access token."),
        ("expire_token", "Expired access token."),
    ],
)
def test_bad_tokens_are_401(sandbox, change, message):
    token = "some-other-token"
    if change:
        sandbox.add_token(token)
        getattr(sandbox, change)(token)
    answer = session(token).get(f"{sandbox.url}/api/v1/users/self")
    assert answer.status_code == 401
    assert answer.json()["errors"] == [{"message": message}]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_access_token_query_parameter_works(sandbox):
    answer = requests.get(
        f"{sandbox.url}/api/v1/users/self", params={"access_token": sandbox.token}
    )
    assert answer.status_code == 200


def test_missing_user_agent_is_refused_clearly(sandbox):
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    connection.request(
        "GET", "/api/v1/users/self", headers={"Authorization": f"Bearer {sandbox.token}"}
    )
    answer = connection.getresponse()
    text = answer.read().decode()
    connection.close()
    assert answer.status == 400
    assert "User-Agent" in text
    assert answer.getheader("Content-Type").startswith("text/plain")


def test_tokens_without_rights_get_the_permission_403(sandbox):
    sandbox.add_token("reader", rights=set())
    s = session("reader")
    checks = [
        s.get(f"{sandbox.url}/api/v1/users/101"),
        s.get(f"{sandbox.url}/api/v1/users/101/logins"),
        s.post(
            f"{sandbox.url}/api/v1/accounts/1/logins",
            data={"user[id]": "101", "login[unique_id]": "x.y"},
        ),
        s.get(f"{sandbox.url}/api/v1/accounts/1/authentication_providers"),
    ]
    for answer in checks:
        assert answer.status_code == 403
        assert answer.json() == UNAUTHORIZED
    assert s.get(f"{sandbox.url}/api/v1/users/self").status_code == 200
    assert s.get(f"{sandbox.url}/api/v1/accounts").json() == []


def test_unknown_api_route_is_404(sandbox):
    answer = session(sandbox.token).get(f"{sandbox.url}/api/v1/nothing/here")
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND


def test_every_answer_carries_cost_headers(sandbox):
    s = session(sandbox.token)
    for answer in (
        s.get(f"{sandbox.url}/api/v1/users/self"),
        s.get(f"{sandbox.url}/api/v1/users/424242"),
        s.post(f"{sandbox.url}/api/v1/accounts/2/logins", data={"user[id]": "101"}),
    ):
        assert float(answer.headers["X-Request-Cost"]) >= 0
        assert float(answer.headers["X-Rate-Limit-Remaining"]) <= 600


def test_keep_alive_serves_many_requests_on_one_connection(sandbox):
    s = session(sandbox.token)
    answers = [s.get(f"{sandbox.url}/api/v1/users/self") for _ in range(5)]
    assert all(a.status_code == 200 for a in answers)
    assert all(a.headers.get("Connection", "").lower() != "close" for a in answers)


def test_sandbox_prints_nothing(sandbox, capfd):
    s = session(sandbox.token)
    s.get(f"{sandbox.url}/api/v1/users/self")
    s.get(f"{sandbox.url}/api/v1/users/31337")
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_extra_students_for_big_runs(sandbox_factory):
    big = sandbox_factory(extra_students=25, seed_demo=False)
    s = session(big.token)
    first = s.get(f"{big.url}/api/v1/users/sis_user_id:S000001").json()
    last = s.get(f"{big.url}/api/v1/users/sis_user_id:S000025").json()
    assert first["id"] == 1001
    assert last["id"] == 1025
    assert s.get(f"{big.url}/api/v1/users/101").status_code == 404


def wait_for(condition, tries: int = 400) -> None:
    for _ in range(tries):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition never came true")


def test_stop_during_a_request_is_silent(sandbox_factory, capfd):
    sb = sandbox_factory(latency=0.4)
    outcome: dict[str, object] = {}

    def call() -> None:
        try:
            outcome["status"] = session(sb.token).get(f"{sb.url}/api/v1/users/self").status_code
        except requests.ConnectionError:
            outcome["status"] = "dropped"

    caller = threading.Thread(target=call)
    caller.start()
    wait_for(lambda: sb.stats.in_flight == 1)
    sb.stop()
    caller.join()
    wait_for(lambda: sb.stats.in_flight == 0)
    assert outcome["status"] in (200, "dropped")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_serve_forever_reports_ready_and_stops_on_request():
    stop = threading.Event()
    seen: dict[str, object] = {}

    def ready(running) -> None:
        answer = session(running.token).get(f"{running.url}/api/v1/users/self")
        seen["status"] = answer.status_code
        seen["url"] = running.url
        stop.set()

    serve_forever(port=0, on_ready=ready, stop_event=stop)
    assert seen["status"] == 200
    assert str(seen["url"]).startswith("http://127.0.0.1:")

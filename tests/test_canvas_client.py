"""The Canvas client over real HTTP against the built-in sandbox, and its error parsing."""

from __future__ import annotations

import json
import random
import socket
import threading
from collections.abc import Iterator

import pytest

from core import demo
from core.canvas import CanvasClient
from core.canvas.errors import (
    AccountChoiceNeeded,
    CanvasConfigError,
    CanvasError,
    ConnectionFailed,
    LastLogin,
    LoginTaken,
    NotFound,
    NotRootAccount,
    PasswordRejected,
    PermissionDenied,
    RateInfo,
    ServerError,
    SisIdTaken,
    Throttled,
    TimedOut,
    TokenRefused,
    ValidationFailed,
    describe_error,
    error_from_answer,
)
from core.canvas.transport import normalise_base_url
from core.model import CancelToken
from core.run.bucket import BucketPacer
from core.run.pacing import Backoff, RetryPolicy, call_with_retries
from core.sandbox import FaultConfig, ThrottleConfig

SECRET = "s3cret-T0KEN-value-9876"


def closed_url() -> str:
    """A loopback address where nothing listens (connecting is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- parsing every shape Canvas answers with (no server needed) --------------------

UNIQUE_TAKEN = (
    '{"errors":{"unique_id":[{"attribute":"unique_id","type":"taken",'
    '"message":"ID already in use for this account and authentication provider"}]}}'
)
SIS_TAKEN = (
    '{"errors":{"sis_user_id":[{"attribute":"sis_user_id","type":"taken",'
    '"message":"SIS ID \\"S-77\\" is already in use"}]}}'
)
UNAUTHORIZED = (
    '{"status":"unauthorized","errors":[{"message":"user not authorized to perform that action"}]}'
)


def password_body(code: str) -> str:
    entry = {"attribute": "password", "type": code, "message": code}
    return json.dumps({"errors": {"password": [entry]}})


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            401,
            '{"status":"unauthenticated","errors":[{"message":"user authorization required"}]}',
            TokenRefused,
        ),
        (401, '{"errors":[{"message":"Invalid access token."}]}', TokenRefused),
        (401, '{"errors":[{"message":"Revoked access token."}]}', TokenRefused),
        (401, '{"errors":[{"message":"Expired access token."}]}', TokenRefused),
        (401, UNAUTHORIZED, PermissionDenied),  # older Canvas
        (403, UNAUTHORIZED, PermissionDenied),
        (403, "403 Forbidden (Rate Limit Exceeded)\n", Throttled),
        (429, "429 Too Many Requests (Rate Limit Exceeded)\n", Throttled),
        (404, '{"errors":[{"message":"The specified resource does not exist."}]}', NotFound),
        (400, UNIQUE_TAKEN, LoginTaken),
        (400, '{"errors":{"unique_id":["has already been taken"]}}', LoginTaken),
        (400, SIS_TAKEN, SisIdTaken),
        (400, password_body("too_short"), PasswordRejected),
        (
            400,
            '{"errors":{"base":[{"attribute":"base","type":"Users must have at least one login",'
            '"message":"Users must have at least one login"}]}}',
            LastLogin,
        ),
        (400, '{"message":"Action must be called on a root account."}', NotRootAccount),
        (400, '{"message":"missing required parameter"}', ValidationFailed),
        (400, "null", ValidationFailed),
        (400, "", ValidationFailed),
        (
            400,
            "<html><head><title>Bad Request</title></head><body>x</body></html>",
            ValidationFailed,
        ),
        (500, '{"errors":[{"message":"An error occurred."}],"error_report_id":3}', ServerError),
        (502, "<html><head><title>502 Bad Gateway</title></head></html>", ServerError),
        (503, "Service Unavailable", ServerError),
    ],
)
def test_every_answer_shape_becomes_its_typed_error(status, body, kind):
    error = error_from_answer(status, body, method="GET", path="/api/v1/x")
    assert type(error) is kind
    assert error.status == status
    assert error.message and "{" not in error.message and "<" not in error.message
    assert error.retryable is (kind in (Throttled, ServerError))
    assert not error.maybe_done


def test_permission_and_throttle_403s_are_told_apart_by_the_body():
    assert isinstance(error_from_answer(403, UNAUTHORIZED), PermissionDenied)
    assert isinstance(error_from_answer(403, "403 Forbidden (Rate Limit Exceeded)"), Throttled)
    assert not error_from_answer(403, UNAUTHORIZED).retryable


def test_validation_errors_keep_the_raw_facts():
    error = error_from_answer(400, SIS_TAKEN, method="POST")
    assert (error.attribute, error.error_type) == ("sis_user_id", "taken")
    assert 'SIS ID "S-77" is already in use' in error.message
    missing = error_from_answer(
        404, '{"errors":[{"message":"The specified resource does not exist."}]}'
    )
    assert missing.detail == "The specified resource does not exist."


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("too_short", "Password is too short for this school's Canvas password policy"),
        ("too_long", "too long"),
        ("repeats", "repeats"),
        ("sequence", "'abcd'"),
        ("common", "too common"),
        ("no_digits", "digit"),
        ("no_symbols", "symbol"),
        ("password can only be set for Canvas authentication", "single sign-on"),
    ],
)
def test_password_rejections_are_put_in_plain_words(code, words):
    error = error_from_answer(400, password_body(code), method="POST")
    assert isinstance(error, PasswordRejected)
    assert words in error.message
    assert error.attribute == "password"


def test_writes_that_may_have_happened_are_marked():
    for status in (500, 502, 503, 504):  # Canvas can act and then fail with a 500
        assert error_from_answer(status, "", method="POST").maybe_done
        assert error_from_answer(status, "", method="PUT").maybe_done
        assert error_from_answer(status, "", method="DELETE").maybe_done
        assert not error_from_answer(status, "", method="GET").maybe_done
    assert not error_from_answer(500, "", method="GET").maybe_done
    assert not error_from_answer(429, "", method="POST").maybe_done  # throttled: not done


def test_rate_info_reads_the_throttle_headers():
    info = RateInfo.from_headers({"X-Rate-Limit-Remaining": "587.25", "X-Request-Cost": "0.0123"})
    assert info == RateInfo(remaining=587.25, cost=0.0123)
    assert RateInfo.from_headers({"X-Rate-Limit-Remaining": "-12.5"}).remaining == -12.5
    assert RateInfo.from_headers({"X-Request-Cost": "nonsense"}) is None
    assert RateInfo.from_headers({}) is None


def test_describe_error_is_plain_and_hides_secrets():
    assert describe_error(NotRootAccount()) == NotRootAccount().message
    text = describe_error(RuntimeError(f"Authorization: Bearer {SECRET} rejected"))
    assert text.startswith("Something unexpected went wrong")
    assert SECRET not in text
    CanvasClient(closed_url(), SECRET)  # registers the token as a secret
    assert SECRET not in describe_error(KeyError(f"token was {SECRET}"))


# --- addresses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("https://school.instructure.com", "https://school.instructure.com"),
        ("https://School.Instructure.com/", "https://school.instructure.com"),
        ("https://school.instructure.com/api/v1/", "https://school.instructure.com"),
        ("https://school.instructure.com/accounts/1?x=1#y", "https://school.instructure.com"),
        ("school.test.instructure.com", "https://school.test.instructure.com"),
        ("  https://canvas.example.edu:8443/ ", "https://canvas.example.edu:8443"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://[::1]:3000/api/v1", "http://[::1]:3000"),
        ("http://127.8.0.1:8080", "http://127.8.0.1:8080"),
        ("http://LocalHost:5000", "http://localhost:5000"),
    ],
)
def test_addresses_are_normalised(typed, base):
    assert normalise_base_url(typed) == base


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "ftp://school.example",
        "http://school.instructure.com",
        "https://user:pw@school.example",
        "https://",
        "http://10.0.0.5",
        "http://canvas.localhost:3000",
        "http://localhost.school.example",
        "http://[::ffff:10.0.0.5]",
    ],
)
def test_unusable_addresses_are_refused_in_plain_words(bad):
    with pytest.raises(CanvasConfigError) as caught:
        CanvasClient(bad, SECRET)
    assert caught.value.message
    assert SECRET not in str(caught.value)
    assert "pw" not in str(caught.value)


def test_http_to_a_remote_host_is_refused_before_any_network_traffic(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the client tried to use the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(CanvasConfigError) as caught:
        CanvasClient("http://example.invalid", SECRET)
    assert "https://" in caught.value.message


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("http://school.instructure.com/courses/1", "https://school.instructure.com"),
        ("http://canvas.example.edu:8443/login", "https://canvas.example.edu:8443"),
        ("http://[2001:db8::7]:8443/", "https://[2001:db8::7]:8443"),
        ("http://[2001:db8::7]", "https://[2001:db8::7]"),
        ("http://canvas.localhost:3000", "https://canvas.localhost:3000"),
    ],
)
def test_plain_http_is_for_this_computer_only_and_the_https_advice_keeps_the_port(typed, suggested):
    with pytest.raises(CanvasConfigError) as caught:
        normalise_base_url(typed)
    assert caught.value.message.endswith(f"Try {suggested}")
    assert normalise_base_url(suggested) == suggested  # the advice is an address that works


def test_a_token_with_impossible_characters_is_refused_without_echoing_it():
    with pytest.raises(CanvasConfigError) as caught:
        CanvasClient(closed_url(), "abc\u00e9def-" + SECRET)
    assert SECRET not in str(caught.value)


def test_create_without_a_student_is_refused_before_sending():
    # Nothing listens there: had anything been sent, this would be ConnectionFailed.
    client = CanvasClient(closed_url(), SECRET)
    for empty in ("", "   ", None):
        with pytest.raises(ValueError):
            client.create_login(1, empty, "ava.k", password="sunny-apple-7")


def test_no_answer_at_all_is_a_connection_failure_without_the_token():
    client = CanvasClient(closed_url(), SECRET, timeout=(2, 2))
    with pytest.raises(ConnectionFailed) as caught:
        client.whoami()
    assert caught.value.retryable and not caught.value.maybe_done
    with pytest.raises(ConnectionFailed) as write:
        client.create_login(1, "101", "ava.k")
    assert not write.value.maybe_done  # refused connection: nothing was sent
    for error in (caught.value, write.value):
        assert SECRET not in str(error) and SECRET not in repr(error)
        assert SECRET not in (error.detail or "")
    assert SECRET not in repr(client)


# --- answers lost on the way back (a loopback TCP server that misbehaves) ------------


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[str]]]:
    """Reads each request, then hangs up (user "hangup") or never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    received: list[str] = []
    open_conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            head = b""
            conn.settimeout(5)
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            received.append(request_line)
            if "/users/hangup" in request_line:
                conn.close()
            else:
                open_conns.append(conn)

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    stop.set()
    worker.join(5)
    for conn in open_conns:
        conn.close()
    listener.close()


def test_a_write_that_timed_out_may_have_happened(silent_server):
    url, received = silent_server
    client = CanvasClient(url, SECRET, timeout=(2, 0.3))
    with pytest.raises(TimedOut) as write:
        client.create_login(1, "sis_user_id:0045510", "ava.k", password="sunny-apple-7")
    assert write.value.maybe_done and write.value.retryable
    assert "may or may not" in write.value.message
    with pytest.raises(TimedOut) as read:
        client.list_logins("101")
    assert not read.value.maybe_done
    assert [line.split()[0] for line in received] == ["POST", "GET"]
    assert SECRET not in str(write.value) + repr(write.value) + (write.value.detail or "")


def test_a_write_whose_connection_broke_after_sending_may_have_happened(silent_server):
    url, received = silent_server
    client = CanvasClient(url, SECRET)
    with pytest.raises(ConnectionFailed) as write:
        client.delete_login("hangup", 5)
    assert write.value.maybe_done
    with pytest.raises(ConnectionFailed) as read:
        client.get_user("hangup")
    assert not read.value.maybe_done and read.value.retryable
    assert received == [
        "DELETE /api/v1/users/hangup/logins/5 HTTP/1.1",
        "GET /api/v1/users/hangup HTTP/1.1",
    ]


# --- against the built-in sandbox over real HTTP -------------------------------------


@pytest.fixture
def client(sandbox) -> Iterator[CanvasClient]:
    sandbox.add_token(SECRET)  # an admin token whose value the tests look for in messages
    with CanvasClient(sandbox.url, SECRET) as running:
        yield running


def assert_no_secret(error: BaseException, client: CanvasClient | None = None) -> None:
    shown = [str(error), repr(error), describe_error(error), getattr(error, "detail", "") or ""]
    if client is not None:
        shown.append(repr(client))
    for text in shown:
        assert SECRET not in text


def test_who_and_where(client):
    me = client.whoami()
    assert (me["id"], me["name"]) == (demo.DEMO_ADMIN_USER_ID, demo.DEMO_ADMIN_NAME)
    assert {a["id"] for a in client.accounts()} == {
        demo.DEMO_ROOT_ACCOUNT_ID,
        demo.DEMO_SUB_ACCOUNT_ID,
    }
    assert [a["id"] for a in client.root_accounts()] == [demo.DEMO_ROOT_ACCOUNT_ID]
    assert client.default_root_account_id() == demo.DEMO_ROOT_ACCOUNT_ID
    providers = client.providers(demo.DEMO_ROOT_ACCOUNT_ID)
    assert [(p["id"], p["auth_type"]) for p in providers] == list(demo.DEMO_PROVIDERS)


def test_a_token_that_administers_nothing_gets_a_plain_account_message(sandbox):
    sandbox.add_token("student-token", user_id=101, rights=set())
    student = CanvasClient(sandbox.url, "student-token")
    with pytest.raises(AccountChoiceNeeded) as caught:
        student.default_root_account_id()
    assert "does not administer any Canvas account" in caught.value.message


def test_permissions_are_read_per_name(client, sandbox):
    names = ["manage_user_logins", "change_passwords", "manage_sis"]
    assert client.permissions(1, names) == dict.fromkeys(names, True)
    sandbox.add_token("logins-only", rights={"manage_user_logins"})
    with CanvasClient(sandbox.url, "logins-only") as weak:
        assert weak.permissions(1, names) == {
            "manage_user_logins": True,
            "change_passwords": False,
            "manage_sis": False,
        }


@pytest.mark.parametrize(
    ("ref", "canvas_id"),
    [
        ("101", 101),
        ("  101 ", 101),
        ("sis_user_id:0045510", 101),  # leading zeros kept
        (" sis_user_id:0045512 ", 103),  # spaces trimmed
        ("sis_login_id:chloe.b", 113),
        ("sis_login_id:CHLOE.B", 113),  # login names compare case-insensitively
        ("sis_login_id:zoë.dubois@maplegrove.example", 103),  # unicode, URL-encoded
        ("sis_login_id:ZOË.DUBOIS@maplegrove.example", 103),
        ("self", demo.DEMO_ADMIN_USER_ID),
    ],
)
def test_user_lookup_by_every_id_form(client, ref, canvas_id):
    assert client.get_user(ref)["id"] == canvas_id


def test_an_unknown_student_is_not_found_with_the_raw_facts_kept(client):
    for ref in ("sis_user_id:45510", "sis_user_id:0045510 x", "999999", "sis_login_id:nobody"):
        with pytest.raises(NotFound) as caught:
            client.get_user(ref)
        assert caught.value.status == 404
        assert caught.value.detail == "The specified resource does not exist."
        assert caught.value.path.startswith("/api/v1/users/")


def test_list_logins_follows_every_page(client, sandbox):
    for n in range(120):
        sandbox.state.add_login(104, f"noah.{n:03d}", "canvas")
    before = sandbox.stats.requests
    logins = client.list_logins("sis_user_id:0045513")
    assert sandbox.stats.requests - before == 2  # 100 + 21
    assert len(logins) == 121
    assert {lg["unique_id"] for lg in logins} >= {f"noah.{n:03d}" for n in range(120)}

    before = sandbox.stats.requests
    small_pages = client.list_logins("104", per_page=7)
    assert sandbox.stats.requests - before == 18  # ceil(121 / 7)
    assert [lg["id"] for lg in small_pages] == [lg["id"] for lg in logins]


def test_create_edit_delete(client, sandbox):
    created = client.create_login(
        1, "sis_user_id:0045510", "ava.k", password="sunny-apple-7", declared_user_type="student"
    )
    assert (created["user_id"], created["unique_id"]) == (101, "ava.k")
    assert created["workflow_state"] == "active"
    assert sandbox.state.logins[created["id"]]["password"] == "sunny-apple-7"
    assert "ava.k" in {lg["unique_id"] for lg in client.list_logins("101")}

    edited = client.edit_login(1, created["id"], unique_id="ava.kw", password="warm-rain-23")
    assert edited["unique_id"] == "ava.kw"
    assert sandbox.state.logins[created["id"]]["password"] == "warm-rain-23"
    suspended = client.edit_login(1, created["id"], workflow_state="suspended")
    assert suspended["workflow_state"] == "suspended"

    deleted = client.delete_login("sis_user_id:0045510", created["id"])
    assert deleted["workflow_state"] == "deleted"
    assert created["id"] not in {lg["id"] for lg in client.list_logins("101")}


def test_an_sso_login_needs_no_password(client):
    login = client.create_login(1, "sis_login_id:chloe.b", "chloe.bernard.sso", provider="saml")
    assert login["authentication_provider_id"] == 7
    by_id = client.create_login(1, "113", "chloe.bernard.2", provider=7)
    assert by_id["authentication_provider_id"] == 7


def test_edit_with_nothing_to_change_is_not_sent(client, sandbox):
    before = sandbox.stats.requests
    with pytest.raises(ValueError):
        client.edit_login(1, 5)
    assert sandbox.stats.requests == before


def test_create_refuses_an_empty_student_without_sending(client, sandbox):
    before = sandbox.stats.requests
    for empty in ("", "  ", None):
        with pytest.raises(ValueError):
            client.create_login(1, empty, "someone.new", password="sunny-apple-7")
    assert sandbox.stats.requests == before
    assert sandbox.state.find_login("someone.new") is None


def test_login_taken(client):
    for name in ("chloe.b", " Chloe.B "):
        with pytest.raises(LoginTaken) as caught:
            client.create_login(1, "114", name, password="gold-leaf-38")
        assert caught.value.message == f"Login name '{name.strip()}' is already in use in Canvas"
        assert (caught.value.status, caught.value.attribute) == (400, "unique_id")
        assert_no_secret(caught.value, client)


def test_sis_id_taken(client):
    with pytest.raises(SisIdTaken) as caught:
        client.create_login(1, "114", "yuki.tanaka", password="gold-leaf-38", sis_user_id="0045510")
    assert 'SIS ID "0045510" is already in use' in caught.value.message
    assert caught.value.error_type == "taken"


def test_password_rejections(client):
    with pytest.raises(PasswordRejected) as short:
        client.create_login(1, "104", "noah.n", password="cat7")
    assert short.value.message == "Password is too short for this school's Canvas password policy"
    assert short.value.error_type == "too_short"
    with pytest.raises(PasswordRejected) as sso:
        client.create_login(1, "104", "noah.sso", password="long-enough-1", provider="saml")
    assert "single sign-on" in sso.value.message
    assert "cat7" not in short.value.message + (short.value.detail or "")


def test_the_last_login_cannot_be_deleted(client):
    (only,) = client.list_logins("101")
    with pytest.raises(LastLogin) as caught:
        client.delete_login("101", only["id"])
    assert "only login" in caught.value.message


def test_logins_live_on_the_root_account(client):
    with pytest.raises(NotRootAccount) as caught:
        client.create_login(demo.DEMO_SUB_ACCOUNT_ID, "101", "ava.k", password="sunny-apple-7")
    assert caught.value.status == 400


def test_not_found_for_logins_and_providers(client):
    with pytest.raises(NotFound):
        client.delete_login("101", 99999)
    with pytest.raises(NotFound):
        client.create_login(1, "sis_user_id:nobody", "ghost.x", password="sunny-apple-7")
    with pytest.raises(NotFound):
        client.create_login(1, "101", "ava.k", password="sunny-apple-7", provider=99)


def test_missing_invalid_revoked_and_expired_tokens_are_refused(sandbox):
    sandbox.add_token(SECRET)
    sandbox.add_token(SECRET + "-expired")
    sandbox.state.tokens[SECRET].state = "revoked"
    sandbox.state.tokens[SECRET + "-expired"].state = "expired"
    expected = {
        "": "user authorization required",
        "no-such-" + SECRET: "Invalid access token.",
        SECRET: "Revoked access token.",
        SECRET + "-expired": "Expired access token.",
    }
    for token, detail in expected.items():
        with CanvasClient(sandbox.url, token) as refused:
            with pytest.raises(TokenRefused) as caught:
                refused.whoami()
            assert caught.value.status == 401
            assert caught.value.detail == detail
            assert "Account → Settings" in caught.value.message
            assert_no_secret(caught.value, refused)


def test_a_token_with_fewer_rights_is_denied(sandbox):
    sandbox.add_token(SECRET, rights={"manage_user_logins"})
    with CanvasClient(sandbox.url, SECRET) as weak:
        with pytest.raises(PermissionDenied) as no_password_right:
            weak.edit_login(1, sandbox.state.find_login("isla.t")["id"], password="new-moon-81")
        with pytest.raises(PermissionDenied) as no_sis_right:
            weak.create_login(1, "101", "ava.k", password="sunny-apple-7", sis_user_id="K-1")
    for error in (no_password_right.value, no_sis_right.value):
        assert error.status == 403 and not error.retryable
        assert error.message.startswith("Your Canvas token is not allowed to do this")
        assert_no_secret(error)


@pytest.mark.parametrize("status", [403, 429])
def test_throttled_answers_are_told_from_permission_403s(sandbox_factory, status):
    # With a high-water mark under the up-front cost every call is refused.
    busy = sandbox_factory(throttle=ThrottleConfig(high_water=40, throttled_status=status))
    with CanvasClient(busy.url, busy.token) as client, pytest.raises(Throttled) as caught:
        client.whoami()
    assert caught.value.status == status and caught.value.retryable
    assert caught.value.rate is not None and caught.value.rate.remaining < 40
    assert client.last_rate == caught.value.rate
    assert busy.stats.throttled == 1


def test_rate_info_comes_from_every_answer(client):
    seen: list[RateInfo] = []
    client.observer = seen.append
    client.whoami()
    rate = client.last_rate
    assert rate is not None and rate.cost is not None
    assert 0 < rate.remaining <= 600
    with pytest.raises(NotFound):
        client.get_user("999999")
    assert len(seen) == 2 and seen[0] == rate
    assert client.last_rate == seen[1]


def test_other_threads_see_their_own_last_rate(client):
    client.whoami()
    elsewhere: list[object] = []
    worker = threading.Thread(target=lambda: elsewhere.append(client.last_rate))
    worker.start()
    worker.join(5)
    assert elsewhere == [None]
    assert client.last_rate is not None


def test_a_write_canvas_did_before_a_gateway_error_is_marked_maybe_done(sandbox_factory):
    flaky = sandbox_factory(faults=FaultConfig(rate=1.0, kinds=("done_then_502",)))
    with CanvasClient(flaky.url, flaky.token) as client:
        with pytest.raises(ServerError) as caught:
            client.create_login(1, "101", "ava.k", password="sunny-apple-7")
        assert caught.value.status == 502 and caught.value.maybe_done
        assert "may or may not" in caught.value.message
        with pytest.raises(ServerError) as read:
            client.whoami()
        assert not read.value.maybe_done and read.value.retryable
    assert flaky.state.find_login("ava.k") is not None  # Canvas did act


def test_sis_import_status_and_errors_attachment(client, sandbox):
    sandbox.state.sis_import_seconds = 0.0
    rows = (
        "user_id,login_id,existing_user_id,password\n"
        "K-0045510,ava.k,0045510,sunny-apple-7\n"
        "K-9999999,ghost.x,9999999,long-enough-1\n"
    )
    started = client.sis_import(1, rows.encode())
    status = started
    for _ in range(400):
        if status["workflow_state"] not in ("created", "importing"):
            break
        threading.Event().wait(0.025)
        status = client.sis_import_status(1, started["id"])
    assert status["workflow_state"] == "imported_with_messages"
    assert any("9999999" in message for _, message in status["processing_warnings"])
    assert sandbox.state.find_login("ava.k")["user_id"] == 101

    errors_csv = client.get_url(status["errors_attachment"]["url"])
    assert "9999999" in errors_csv.text
    restored = client.sis_restore_states(1, started["id"])
    assert isinstance(restored, dict) and restored

    before = sandbox.stats.requests
    with pytest.raises(CanvasError) as elsewhere:
        client.get_url("https://files.example.invalid/x.csv")
    assert "another address" in elsewhere.value.message
    assert sandbox.stats.requests == before


def test_pacer_and_retries_carry_a_burst_through_a_tight_throttle(sandbox_factory):
    # Room for five calls in flight; the pacer starts out expecting Canvas's 600.
    tight = sandbox_factory(throttle=ThrottleConfig(high_water=260))
    limiter = BucketPacer(ceiling=10)
    backoff = Backoff(base=0.01, cap=0.1, max_attempts=20, rng=random.Random(5))
    results: list[int] = []
    with CanvasClient(tight.url, tight.token) as client:

        def one(ref: str) -> None:
            user = call_with_retries(
                lambda: client.get_user(ref),
                limiter=limiter,
                policy=RetryPolicy(),
                backoff=backoff,
                cancel=CancelToken(),
                rate_of=lambda: client.last_rate,
            )
            results.append(user["id"])

        workers = [threading.Thread(target=one, args=(str(101 + n % 18),)) for n in range(60)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
    assert sorted(results) == sorted(101 + n % 18 for n in range(60))
    assert limiter.in_flight == 0
    assert limiter.limit <= 5


def test_every_call_names_the_app_and_uses_the_os_trust_store_and_timeouts():
    """User-Agent "CanvasLogins/<version>" (Canvas requires one), TLS via truststore."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import truststore

    import core

    seen: dict[str, str] = {}

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.update(self.headers.items())
            body = b'{"id": 1, "name": "Office Admin"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with CanvasClient(f"http://127.0.0.1:{server.server_port}", "t0ken-for-test") as client:
            assert client.whoami()["name"] == "Office Admin"
            assert client.timeout == (10, 60)  # connect, read: never wait forever
    finally:
        server.shutdown()
        server.server_close()
    assert seen["User-Agent"].startswith(f"CanvasLogins/{core.__version__}")
    assert seen["Authorization"] == "Bearer t0ken-for-test"
    assert ssl.SSLContext is truststore.SSLContext  # inspecting school proxies work

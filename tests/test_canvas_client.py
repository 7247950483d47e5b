"""The Canvas client over real HTTP against the built-in sandbox, and its error parsing."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from core.canvas import CanvasClient, normalise_base_url
from core.canvas_errors import (
    CanvasConfigError,
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
    for status in (502, 503, 504):
        assert error_from_answer(status, "", method="POST").maybe_done
        assert error_from_answer(status, "", method="PUT").maybe_done
        assert error_from_answer(status, "", method="DELETE").maybe_done
        assert not error_from_answer(status, "", method="GET").maybe_done
    assert not error_from_answer(500, "", method="POST").maybe_done
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

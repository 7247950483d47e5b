"""The HTTP layer: throttle, faults, latency, auth, then the route handler.

Order for each API request, as in Canvas's middleware stack: the leaky bucket first
(a refused request does nothing and gets no fault), then the fault draw, then the
answer's latency (the request holds its place in the bucket meanwhile), then the
User-Agent and token checks, then the route. Canvas's sign-in form (``POST /login/canvas``,
:mod:`core.sandbox.sign_in`) is a page, not the API: no token, no throttle, no fault.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from core.sandbox import routes
from core.sandbox.faults import FaultDecision
from core.sandbox.params import BadRequestBody, parse_params
from core.sandbox.request import ApiRequest, ApiResponse
from core.sandbox.sign_in import SIGN_IN_PATH, sign_in
from core.sandbox.sis_import import errors_file
from core.sandbox.state import NOT_FOUND_BODY, ApiError, SandboxState
from core.sandbox.stats import SandboxStats
from core.sandbox.throttle import LeakyBuckets


class ServedSandbox(Protocol):
    """What the HTTP layer needs of the sandbox it serves (:class:`core.sandbox.Sandbox`)."""

    state: SandboxState
    stats: SandboxStats
    buckets: LeakyBuckets
    latency: float

    @property
    def url(self) -> str: ...

    @property
    def fault_slow_seconds(self) -> float: ...

    def draw_fault(self) -> FaultDecision | None: ...


WWW_AUTHENTICATE = 'Bearer realm="canvas-lms"'
SERVER_ERROR_BODY = {"errors": [{"message": "An error occurred."}]}
_GATEWAY_PAGES = {
    502: b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1></body></html>",
    503: b"<html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>503 Service Unavailable</h1></body></html>",
}


def _unauthenticated(message: str, status_word: str = "unauthenticated") -> ApiResponse:
    return ApiResponse(
        401,
        {"status": status_word, "errors": [{"message": message}]},
        headers={"WWW-Authenticate": WWW_AUTHENTICATE},
    )


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    block_on_close = False

    def __init__(self, address: tuple[str, int], sandbox: ServedSandbox) -> None:
        self.sandbox = sandbox
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, SandboxHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host (slow on some PCs)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent: a client that hung up, or a stop while answering, is not news."""

    def close_open_connections(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
            self.open_sockets.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CanvasSandbox/1.0"
    disable_nagle_algorithm = True
    timeout = 120
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the sandbox writes nothing to stdout or stderr."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # ----- plumbing ------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length > 0 else b""
        if len(data) < length:  # the client went away mid-request: Canvas would not act
            raise ConnectionResetError("the request body ended early")
        return data

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_api(self, response: ApiResponse, cost: float, remaining: float) -> None:
        if isinstance(response.body, bytes | bytearray):
            body = bytes(response.body)
        else:
            body = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        headers = {
            **response.headers,
            "X-Request-Cost": f"{cost:.6g}",
            "X-Rate-Limit-Remaining": f"{remaining:.6g}",
        }
        self._send(response.status, body, response.content_type, headers)

    def _drop(self) -> None:
        """Close the connection without an answer, as a lost reply looks to a client."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ----- the request ---------------------------------------------------------------

    def _handle(self, method: str) -> None:
        sandbox = self.server.sandbox
        parts = urlsplit(self.path)
        try:
            body = self._read_body()
        except (ConnectionResetError, ValueError):
            self._drop()
            return
        if method == "POST" and parts.path.rstrip("/") == SIGN_IN_PATH:
            page = sign_in(sandbox.state, sandbox.url, self.headers.get("Content-Type", ""), body)
            self._send(page.status, page.body, page.content_type, page.headers)
            return
        if not parts.path.startswith("/api/"):
            self._serve_file(parts.path, parts.query)
            return
        matched = routes.match(method, parts.path)
        is_write = routes.is_write_method(method)
        token = self._token(parts.query)
        stats = sandbox.stats
        stats.request_started(method, matched[0].template if matched else None, is_write)
        try:
            buckets = sandbox.buckets
            admission = buckets.start(token or f"anonymous:{self.client_address[0]}")
            if not admission.allowed:
                cost, remaining = buckets.finish(admission, buckets.config.refused_cost)
                stats.count_throttled()
                config = buckets.config
                if sandbox.latency:
                    time.sleep(sandbox.latency)
                self._send(
                    config.throttled_status,
                    config.throttled_body.encode("ascii"),
                    "text/plain; charset=utf-8",
                    {"X-Request-Cost": f"{cost:.6g}", "X-Rate-Limit-Remaining": f"{remaining:.6g}"},
                )
                return
            fault = sandbox.draw_fault()
            if fault is not None:
                stats.count_fault(fault.index, fault.kind, method, parts.path)
            delay = sandbox.latency
            if fault is not None and fault.kind == "slow":
                delay += sandbox.fault_slow_seconds
            if delay > 0:
                time.sleep(delay)
            self._answer_with_fault(
                method, parts.path, parts.query, body, matched, token, fault, admission
            )
        finally:
            stats.request_ended()

    def _answer_with_fault(
        self,
        method: str,
        path: str,
        query: str,
        body: bytes,
        matched: tuple[routes.Route, dict[str, str]] | None,
        token: str | None,
        fault: FaultDecision | None,
        admission: Any,
    ) -> None:
        sandbox = self.server.sandbox
        kind = fault.kind if fault else None
        acts = kind in (None, "slow", "done_then_502") or (
            kind == "drop"
            and routes.is_write_method(method)
            and fault is not None
            and fault.done_first
        )
        response = self._answer(method, path, query, body, matched, token) if acts else None
        if response is not None and response.write_identity and response.status < 400:
            sandbox.state.log_write(method, path, response.write_identity)
        cost, remaining = sandbox.buckets.finish(admission)
        if kind == "drop":
            self._drop()
        elif kind == "500":
            self._send_api(ApiResponse(500, SERVER_ERROR_BODY), cost, remaining)
        elif kind in ("502", "503", "done_then_502"):
            status = 503 if kind == "503" else 502
            self._send(status, _GATEWAY_PAGES[status], "text/html; charset=utf-8")
        elif response is not None:
            self._send_api(response, cost, remaining)

    def _token(self, query: str) -> str | None:
        header = self.headers.get("Authorization", "").strip()
        if header.lower().startswith("bearer "):
            return header[7:].strip() or None
        for key, value in parse_qsl(query):
            if key == "access_token" and value:
                return value
        return None

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        body: bytes,
        matched: tuple[routes.Route, dict[str, str]] | None,
        token: str | None,
    ) -> ApiResponse:
        sandbox = self.server.sandbox
        if not self.headers.get("User-Agent", "").strip():
            return ApiResponse(
                400,
                b"400 Bad Request (User-Agent header missing: Canvas requires one on API calls)",
                content_type="text/plain; charset=utf-8",
            )
        if token is None:
            return _unauthenticated("user authorization required")
        with sandbox.state.lock:
            info = sandbox.state.tokens.get(token)
        if info is None:
            return _unauthenticated("Invalid access token.")
        if info.state == "revoked":
            return _unauthenticated("Revoked access token.")
        if info.state == "expired":
            return _unauthenticated("Expired access token.")
        if matched is None:
            return ApiResponse(404, NOT_FOUND_BODY)
        route, args = matched
        try:
            params = parse_params(query, self.headers.get("Content-Type", ""), body)
        except BadRequestBody:
            return ApiResponse(
                400, {"errors": [{"message": "The request body could not be read."}]}
            )
        request = ApiRequest(
            method=method,
            path=path,
            route=route.template,
            args=args,
            params=params,
            token=info,
            base_url=sandbox.url,
            state=sandbox.state,
        )
        try:
            return route.handler(request)
        except ApiError as error:
            return ApiResponse(error.status, error.body)
        except Exception:  # the sandbox must answer like Canvas, never crash a worker
            return ApiResponse(500, SERVER_ERROR_BODY)

    def _serve_file(self, path: str, query: str) -> None:
        """Attachment downloads (the SIS errors CSV); not part of the API or its throttle."""
        pieces = path.strip("/").split("/")
        if len(pieces) == 4 and pieces[:2] == ["files", "sis_imports"]:
            verifier = dict(parse_qsl(query)).get("verifier", "")
            data = errors_file(self.server.sandbox.state, pieces[2], verifier)
            if data is not None:
                self._send(
                    200,
                    data,
                    "text/csv; charset=utf-8",
                    {"Content-Disposition": f'attachment; filename="{pieces[3]}"'},
                )
                return
        self._send(404, b"404 Not Found", "text/plain; charset=utf-8")

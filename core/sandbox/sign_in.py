"""Canvas's own sign-in form, ``POST /login/canvas``, so a test or a demo can try a login.

Canvas's login page posts ``pseudonym_session[unique_id]`` and
``pseudonym_session[password]``; a login that may sign in is redirected to the
dashboard (302, ``Location: /?login_success=1``), anything else gets the login page
again with 400 and Canvas's words. A suspended login, a removed one and a single
sign-on login never sign in here (:meth:`SandboxState.can_sign_in`). The sandbox keeps
no session: no cookie is set, and no authenticity token is asked for.
"""

from __future__ import annotations

from core.sandbox.params import BadRequestBody, parse_params
from core.sandbox.request import ApiResponse
from core.sandbox.state import SandboxState

__all__ = ["SIGN_IN_PATH", "sign_in"]

SIGN_IN_PATH = "/login/canvas"
_HTML = "text/html; charset=utf-8"
_REFUSED_PAGE = (
    b"<html><head><title>Log In to Canvas</title></head><body>"
    b"<p>Please verify your username or password and try again.</p></body></html>"
)


def sign_in(state: SandboxState, base_url: str, content_type: str, body: bytes) -> ApiResponse:
    """The answer to the sign-in form: a redirect to the dashboard, or 400."""
    refused = ApiResponse(400, _REFUSED_PAGE, content_type=_HTML)
    try:
        params = parse_params("", content_type, body)
    except BadRequestBody:
        return refused
    unique_id = params.get("pseudonym_session[unique_id]") or ""
    password = params.get("pseudonym_session[password]") or ""
    if not unique_id.strip() or not password or not state.can_sign_in(unique_id, password):
        return refused
    return ApiResponse(
        302, b"", headers={"Location": f"{base_url}/?login_success=1"}, content_type=_HTML
    )

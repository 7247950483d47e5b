"""The route table and the small read-only calls (users, accounts, providers).

The course and roster calls are in courses.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from core.sandbox import courses, logins, sis_import
from core.sandbox.request import ApiRequest, ApiResponse
from core.sandbox.state import unauthorized

Handler = Callable[[ApiRequest], ApiResponse]


def get_user(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        user = req.state.user_by_ref(req.args.get("user_id", "self"), req.token.user_id)
        if user.id != req.token.user_id and not req.is_admin:
            raise unauthorized()
        return ApiResponse(200, req.state.user_json(user, req.read_sis))


def list_accounts(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        if not req.is_admin:
            return ApiResponse(200, [])
        root = req.state.root_account_id
        accounts = sorted(req.state.accounts.values(), key=lambda account: account.id)
        return ApiResponse(200, [account.json(root) for account in accounts])


def get_account(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        account = req.state.account(req.args["account_id"])
        if not req.is_admin:
            raise unauthorized()
        return ApiResponse(200, account.json(req.state.root_account_id))


def account_permissions(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        req.state.account(req.args["account_id"])
    asked = req.params.get_list("permissions[]") or req.params.get_list("permissions")
    return ApiResponse(200, {name: req.has(name) for name in asked})


def list_providers(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        req.state.root_account(req.args["account_id"])
        if not req.is_admin:
            raise unauthorized()
        return ApiResponse(200, [provider.json() for provider in req.state.providers])


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PUT", "DELETE", "PATCH")


def _route(method: str, template: str, handler: Handler) -> Route:
    regex = re.sub(r":(\w+)", r"(?P<\1>[^/]+)", template)
    return Route(method, template, re.compile(f"^{regex}/?$"), handler)


ROUTES: tuple[Route, ...] = (
    _route("GET", "/api/v1/users/:user_id/logins", logins.list_logins),
    _route("DELETE", "/api/v1/users/:user_id/logins/:login_id", logins.delete_login),
    _route("GET", "/api/v1/users/:user_id", get_user),
    _route("GET", "/api/v1/accounts", list_accounts),
    _route("GET", "/api/v1/accounts/:account_id/logins", logins.list_logins),
    _route("POST", "/api/v1/accounts/:account_id/logins", logins.create_login),
    _route("PUT", "/api/v1/accounts/:account_id/logins/:login_id", logins.edit_login),
    _route("GET", "/api/v1/accounts/:account_id/permissions", account_permissions),
    _route("GET", "/api/v1/accounts/:account_id/authentication_providers", list_providers),
    _route("POST", "/api/v1/accounts/:account_id/sis_imports", sis_import.create_import),
    _route("GET", "/api/v1/accounts/:account_id/sis_imports/:import_id", sis_import.get_import),
    _route(
        "PUT",
        "/api/v1/accounts/:account_id/sis_imports/:import_id/restore_states",
        sis_import.restore_states,
    ),
    _route("GET", "/api/v1/progress/:progress_id", sis_import.get_progress),
    _route("GET", "/api/v1/accounts/:account_id/terms", courses.list_account_terms),
    _route("GET", "/api/v1/accounts/:account_id/courses", courses.list_account_courses),
    _route("GET", "/api/v1/accounts/:account_id/users", courses.list_account_users),
    _route("GET", "/api/v1/courses/:course_id", courses.get_course),
    _route("GET", "/api/v1/courses/:course_id/users", courses.list_course_users),
    _route("GET", "/api/v1/courses/:course_id/sections", courses.list_course_sections),
    _route("GET", "/api/v1/courses/:course_id/enrollments", courses.list_course_enrollments),
    _route("GET", "/api/v1/sections/:section_id/enrollments", courses.list_section_enrollments),
    _route("GET", "/api/v1/accounts/:account_id", get_account),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request, with its path arguments URL-decoded and trimmed."""
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            args = {key: unquote(value).strip() for key, value in found.groupdict().items()}
            return route, args
    return None


def is_write_method(method: str) -> bool:
    return method in ("POST", "PUT", "DELETE", "PATCH")

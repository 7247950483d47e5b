"""The four login calls, with Canvas's checks in Canvas's order (PseudonymsController).

Order on create: account exists (404) -> user (404) -> root account (400) -> right to
manage logins (403) -> provider (404) -> at least one recognised field (400) -> SIS ids
need manage_sis (403) -> no password on SSO (400) -> validation on save (400).

Uniqueness of ``unique_id``: among non-deleted logins (suspended ones count) of the same
provider family. Every Canvas-authenticated login (provider ``canvas`` or none) is one
family; each SSO provider is a family of its own. Names are compared through
:func:`core.model.login_key`.
"""

from __future__ import annotations

import base64
import json
import secrets
import unicodedata
from typing import Any
from urllib.parse import urlencode

from core.sandbox.request import ApiRequest, ApiResponse
from core.sandbox.state import ApiError, Provider, SandboxState, name_key, not_found, unauthorized

RECOGNISED_FIELDS = (
    "unique_id",
    "password",
    "sis_user_id",
    "authentication_provider_id",
    "integration_id",
    "workflow_state",
    "declared_user_type",
)
DECLARED_USER_TYPES = frozenset(
    {"administrative", "observer", "staff", "student", "student_other", "teacher"}
)
MISSING_PARAMETER_BODY = {"message": "missing required parameter"}
PASSWORD_MIN = 8
PASSWORD_MAX = 255
UNIQUE_ID_MAX = 100
DEFAULT_PER_PAGE = 10
_UNPRINTABLE = frozenset({"Cc", "Cs", "Cn", "Zl", "Zp"})
MAX_PER_PAGE = 100


# ----- pagination ----------------------------------------------------------------------


def _bookmark(last_id: int) -> str:
    token = base64.urlsafe_b64encode(json.dumps([last_id]).encode()).decode().rstrip("=")
    return f"bookmark:{token}"


def _after_id(page: str | None) -> int:
    if not page or not page.startswith("bookmark:"):
        return 0
    token = page.removeprefix("bookmark:")
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(decoded[0])
    except (ValueError, TypeError, IndexError, json.JSONDecodeError):
        return 0


def per_page_of(req: ApiRequest) -> int:
    text = (req.params.get("per_page") or "").strip()
    if not text.isdigit():
        return DEFAULT_PER_PAGE
    return max(1, min(MAX_PER_PAGE, int(text)))


def paginate(req: ApiRequest, items: list[dict[str, Any]]) -> ApiResponse:
    """One page of ``items`` (sorted by id) with Canvas's bookmark Link header."""
    per_page = per_page_of(req)
    page = req.params.get("page")
    after = _after_id(page)
    remaining = [item for item in items if item["id"] > after]
    shown = remaining[:per_page]
    kept = [(k, v) for k, v in req.params.items() if k not in ("page", "per_page")]

    def link(page_value: str, rel: str) -> str:
        query = urlencode([*kept, ("page", page_value), ("per_page", str(per_page))], safe=":[]")
        return f'<{req.base_url}{req.path}?{query}>; rel="{rel}"'

    links = [link(page if page and after else "first", "current")]
    if len(remaining) > per_page:
        links.append(link(_bookmark(shown[-1]["id"]), "next"))
    links.append(link("first", "first"))
    return ApiResponse(200, shown, headers={"Link": ",".join(links)})


# ----- validation ----------------------------------------------------------------------


def is_printable(text: str) -> bool:
    """Ruby's ``[[:print:]]``, which Canvas uses: any character but controls, surrogates,
    unassigned ones and line or paragraph separators (spaces of every width count)."""
    return all(unicodedata.category(ch) not in _UNPRINTABLE for ch in text)


def _error(attribute: str, kind: str, message: str | None = None) -> dict[str, str]:
    return {"attribute": attribute, "type": kind, "message": message or kind}


def _validate(
    state: SandboxState, login: dict[str, Any], new_password: str | None, provider: Provider | None
) -> None:
    """Canvas's save-time validation; raises the 400 with every problem found."""
    errors: dict[str, list[dict[str, str]]] = {}
    unique_id = login["unique_id"] or ""
    if not unique_id.strip():
        errors["unique_id"] = [_error("unique_id", "too_short")]
    elif len(unique_id) > UNIQUE_ID_MAX:
        errors["unique_id"] = [_error("unique_id", "too_long")]
    elif not is_printable(unique_id):
        errors["unique_id"] = [_error("unique_id", "invalid")]
    else:
        key = name_key(unique_id)
        family = state.family(provider)
        for other in state.logins.values():
            if (
                other["id"] != login.get("id")
                and other["workflow_state"] != "deleted"
                and name_key(other["unique_id"]) == key
                and state.family(state.provider_of(other)) == family
            ):
                errors["unique_id"] = [
                    _error(
                        "unique_id",
                        "taken",
                        "ID already in use for this account and authentication provider",
                    )
                ]
                break
    for attribute, label in (("sis_user_id", "SIS ID"), ("integration_id", "Integration ID")):
        value = login.get(attribute)
        if value and any(
            other["id"] != login.get("id") and other.get(attribute) == value
            for other in state.logins.values()
        ):
            errors[attribute] = [_error(attribute, "taken", f'{label} "{value}" is already in use')]
    if new_password is not None:
        if len(new_password) < PASSWORD_MIN:
            errors["password"] = [_error("password", "too_short")]
        elif len(new_password) > PASSWORD_MAX:
            errors["password"] = [_error("password", "too_long")]
    if errors:
        raise ApiError(400, {"errors": errors})


def _apply_fields(
    req: ApiRequest,
    login: dict[str, Any],
    fields: dict[str, str],
    provider: Provider | None,
    *,
    creating: bool,
) -> str | None:
    """Copy the sent fields onto ``login`` with Canvas's right checks. Returns a new password."""
    if not any(name in fields for name in RECOGNISED_FIELDS):
        raise ApiError(400, MISSING_PARAMETER_BODY)
    if "unique_id" in fields:
        login["unique_id"] = fields["unique_id"]
    if "authentication_provider_id" in fields:
        login["authentication_provider_id"] = provider.id if provider else None
    if "declared_user_type" in fields:
        declared = fields["declared_user_type"] or None
        if declared is not None and declared not in DECLARED_USER_TYPES:
            problem = _error("declared_user_type", "inclusion", "is not included in the list")
            raise ApiError(400, {"errors": {"declared_user_type": [problem]}})
        login["declared_user_type"] = declared
    for attribute in ("sis_user_id", "integration_id"):
        if attribute in fields:
            req.require("manage_sis")
            login[attribute] = fields[attribute].strip() or None
    if "password" in fields and not req.state.is_passwordable(provider):
        raise ApiError(
            400,
            {
                "errors": {
                    "password": [
                        _error("password", "password can only be set for Canvas authentication")
                    ]
                }
            },
        )
    new_password: str | None = None
    if "password" in fields:
        if not creating:
            req.require("change_passwords")
        new_password = fields["password"]
    if "workflow_state" in fields:
        if fields["workflow_state"] not in ("active", "suspended"):
            problem = _error("workflow_state", "invalid", "invalid workflow_state")
            raise ApiError(400, {"errors": {"workflow_state": [problem]}})
        login["workflow_state"] = fields["workflow_state"]
    return new_password


def _provider_from(req: ApiRequest, fields: dict[str, str]) -> tuple[bool, Provider | None]:
    if "authentication_provider_id" not in fields:
        return False, None
    provider = req.state.provider_by_ref(fields["authentication_provider_id"])
    if provider is None:
        raise not_found()
    return True, provider


# ----- the four calls ------------------------------------------------------------------


def _user_ref(req: ApiRequest) -> str:
    """``user_id`` or ``user[id]`` as sent (even blank, which finds nobody); else ``self``.

    The trap, kept faithfully: a call without a user means the token's owner.
    """
    for key in ("user_id", "user[id]"):
        if key in req.params:
            return req.params.get(key) or ""
    return "self"


def _readable_user(req: ApiRequest, user_ref: str) -> int:
    user = req.state.user_by_ref(user_ref, req.token.user_id)
    if user.id != req.token.user_id and not req.has("manage_user_logins"):
        raise unauthorized()
    return user.id


def list_logins(req: ApiRequest) -> ApiResponse:
    with req.state.lock:
        if "account_id" in req.args:
            req.state.account(req.args["account_id"])
            user_id = _readable_user(req, _user_ref(req))
            req.state.root_account(req.args["account_id"])
        else:
            user_id = _readable_user(req, req.args["user_id"])
        shown = [req.state.login_json(lg, req.read_sis) for lg in req.state.logins_of(user_id)]
    return paginate(req, shown)


def create_login(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        account = state.account(req.args["account_id"])
        user = state.user_by_ref(_user_ref(req), req.token.user_id)
        state.root_account(str(account.id))
        req.require("manage_user_logins")
        fields = req.params.with_prefix("login")
        _, provider = _provider_from(req, fields)
        login: dict[str, Any] = {
            "user_id": user.id,
            "unique_id": "",
            "sis_user_id": None,
            "integration_id": None,
            "authentication_provider_id": None,
            "workflow_state": "active",
            "declared_user_type": None,
        }
        new_password = _apply_fields(req, login, fields, provider, creating=True)
        _validate(state, login, new_password, provider)
        stored = state.add_login(
            user.id,
            login["unique_id"],
            provider.auth_type if provider else None,
            login["sis_user_id"],
            integration_id=login["integration_id"],
            password=new_password if new_password is not None else secrets.token_urlsafe(16),
            workflow_state=login["workflow_state"],
        )
        stored["authentication_provider_id"] = provider.id if provider else None
        stored["declared_user_type"] = login["declared_user_type"]
        body = state.login_json(stored, req.read_sis)
    identity = f"user:{user.id} login:{name_key(login['unique_id'])}"
    return ApiResponse(200, body, write_identity=identity)


def _active_login(state: SandboxState, ref: str) -> dict[str, Any]:
    text = ref.strip()
    login = state.logins.get(int(text)) if text.isdigit() else None
    if login is None or login["workflow_state"] == "deleted":
        raise not_found()
    return login


def edit_login(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        login = _active_login(state, req.args["login_id"])
        req.require("manage_user_logins")
        fields = req.params.with_prefix("login")
        provider_sent, provider = _provider_from(req, fields)
        if not provider_sent:
            provider = state.provider_of(login)
        changed = dict(login)
        new_password = _apply_fields(req, changed, fields, provider, creating=False)
        _validate(state, changed, new_password, provider)
        if new_password is not None:
            changed["password"] = new_password
        login.update(changed)
        body = state.login_json(login, req.read_sis)
    return ApiResponse(200, body, write_identity=f"login:{login['id']}")


def delete_login(req: ApiRequest) -> ApiResponse:
    state = req.state
    with state.lock:
        user = state.user_by_ref(req.args["user_id"], req.token.user_id)
        login = _active_login(state, req.args["login_id"])
        if login["user_id"] != user.id:
            raise not_found()
        req.require("manage_user_logins")
        if login["sis_user_id"]:
            req.require("manage_sis")
        if len(state.logins_of(user.id)) < 2:
            message = "Users must have at least one login"
            raise ApiError(400, {"errors": {"base": [_error("base", message, message)]}})
        login["workflow_state"] = "deleted"
        body = state.login_json(login, req.read_sis)
    return ApiResponse(200, body, write_identity=f"login:{login['id']}")

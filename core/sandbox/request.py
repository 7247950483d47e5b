"""The request and answer types the route handlers work with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.sandbox.params import Params
from core.sandbox.state import SandboxState, TokenInfo, unauthorized


@dataclass
class ApiRequest:
    method: str
    path: str  # without the query string, still URL-encoded
    route: str  # the route template, e.g. "/api/v1/accounts/:account_id/logins"
    args: dict[str, str]  # URL-decoded path arguments
    params: Params
    token: TokenInfo
    base_url: str
    state: SandboxState

    def has(self, right: str) -> bool:
        return right in self.token.rights

    def require(self, right: str) -> None:
        if right not in self.token.rights:
            raise unauthorized()

    @property
    def is_admin(self) -> bool:
        return bool(self.token.rights)

    @property
    def read_sis(self) -> bool:
        return self.has("read_sis")


@dataclass
class ApiResponse:
    status: int
    body: Any  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    #: For the write log: a stable description of what the write acted on.
    write_identity: str | None = None

"""A tested connection to Canvas (or to the built-in sandbox), and how it is tested.

:func:`probe` asks Canvas who the token belongs to, which main (root) accounts it
administers and whether it may manage logins there. It is plain Python, so it runs on
a worker thread; a dialog only shows its answer. :class:`Connection` is what the app
works with once the user has picked an account: its client, its account and the run
options its profile allows.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.canvas import CanvasClient
from core.canvas.errors import AccountChoiceNeeded, CanvasError, PermissionDenied
from core.canvas.transport import normalise_base_url
from core.model import DEFAULT_CONCURRENCY
from core.profiles import SANDBOX_PROFILE_NAME, Profile, host_of, instance_kind
from core.run.engine import RunOptions

if TYPE_CHECKING:
    from core.sandbox import Sandbox

log = logging.getLogger(__name__)

LOGIN_PERMISSION = "manage_user_logins"
PASSWORD_PERMISSION = "change_passwords"
SIS_PERMISSION = "manage_sis"
CHECKED_PERMISSIONS = (LOGIN_PERMISSION, PASSWORD_PERMISSION, SIS_PERMISSION)

#: What each kind of Canvas instance is called on its badge (the app adds the colours).
KIND_LABELS: dict[str, str] = {
    "production": "PRODUCTION",
    "test": "TEST",
    "beta": "BETA",
    "sandbox": "SANDBOX (practice)",
}


@dataclass(frozen=True)
class AccountAccess:
    """A main account the token administers, and what the token may do there."""

    id: int
    name: str
    permissions: dict[str, bool] = field(default_factory=dict)
    #: Authentication provider id -> type (canvas, saml, ...), for the offline rules.
    provider_types: dict[str, str] = field(default_factory=dict)

    @property
    def can_manage_logins(self) -> bool:
        return self.permissions.get(LOGIN_PERMISSION, False)

    @property
    def can_change_passwords(self) -> bool:
        return self.permissions.get(PASSWORD_PERMISSION, False)

    @property
    def can_manage_sis(self) -> bool:
        return self.permissions.get(SIS_PERMISSION, False)

    def rights_text(self) -> str:
        if not self.can_manage_logins:
            return (
                "This token may not manage logins in this account. Ask a Canvas "
                "administrator for an admin role that includes “Users - manage login "
                "details”."
            )
        extras = []
        if not self.can_change_passwords:
            extras.append("it may not reset passwords")
        if not self.can_manage_sis:
            extras.append("it may not set login SIS IDs")
        if extras:
            return "May manage logins (but " + " and ".join(extras) + ")."
        return "May manage logins, reset passwords and set SIS IDs."


@dataclass
class Connection:
    """A Canvas the user connected to, with the main account logins are managed in."""

    profile: Profile
    token: str = field(repr=False)
    client: CanvasClient
    account_id: int
    account_name: str
    user_name: str
    can_manage_logins: bool
    production: bool
    host: str
    #: The built-in sandbox when connected to one this app started (stopped on close).
    sandbox: Sandbox | None = None
    can_change_passwords: bool = True
    can_manage_sis: bool = True
    #: Authentication provider id -> type, so the grid flags a password on an SSO login.
    provider_types: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``production``, ``test``, ``beta`` or ``sandbox``."""
        return "sandbox" if self.sandbox is not None else instance_kind(self.profile.url)

    @property
    def badge_text(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def description(self) -> str:
        """For titles and confirmations: "PRODUCTION district.instructure.com"."""
        if self.sandbox is not None:
            return "the built-in practice sandbox"
        prefix = "PRODUCTION " if self.production else f"{self.kind.upper()} "
        return prefix + self.host

    def run_options(self, dry_run: bool = False) -> RunOptions:
        """Options for a run here: this account, and the profile's concurrency ceiling."""
        return RunOptions(
            account_id=self.account_id,
            dry_run=dry_run,
            concurrency=max(1, int(self.profile.concurrency or DEFAULT_CONCURRENCY)),
        )

    def close(self) -> None:
        """Close the HTTP session, and stop the sandbox when it is ours."""
        with contextlib.suppress(Exception):
            self.client.close()
        if self.sandbox is not None:
            with contextlib.suppress(Exception):
                self.sandbox.stop()
            self.sandbox = None


@dataclass
class ProbeResult:
    """What "Test connection" found."""

    profile: Profile
    token: str = field(repr=False)
    base_url: str
    user_name: str
    accounts: list[AccountAccess]

    def account(self, account_id: int | None) -> AccountAccess:
        for account in self.accounts:
            if account.id == account_id:
                return account
        return self.accounts[0]

    def connection(
        self, account_id: int | None = None, *, sandbox: Sandbox | None = None
    ) -> Connection:
        account = self.account(account_id if account_id is not None else self.profile.account_id)
        profile = Profile(
            name=self.profile.name,
            url=self.base_url,
            account_id=account.id,
            concurrency=self.profile.concurrency,
            min_password_length=self.profile.min_password_length,
        )
        kind = "sandbox" if sandbox is not None else instance_kind(self.base_url)
        return Connection(
            profile=profile,
            token=self.token,
            client=CanvasClient(self.base_url, self.token),
            account_id=account.id,
            account_name=account.name,
            user_name=self.user_name,
            can_manage_logins=account.can_manage_logins,
            production=kind == "production",
            host=host_of(self.base_url),
            sandbox=sandbox,
            can_change_passwords=account.can_change_passwords,
            can_manage_sis=account.can_manage_sis,
            provider_types=dict(account.provider_types),
        )


def check_url(url: str) -> str:
    """The normalised address, or CanvasConfigError with a plain message (https etc.)."""
    return normalise_base_url(url)


def probe(profile: Profile, token: str) -> ProbeResult:
    """Ask Canvas who the token is and what it may do. Runs on a worker thread."""
    base_url = check_url(profile.url)
    if not (token or "").strip():
        raise CanvasError("Paste your Canvas access token first (see “How to make a token”).")
    with CanvasClient(base_url, token) as client:
        me = client.whoami()
        accounts = client.accounts()
        roots = [a for a in accounts if a.get("root_account_id") is None]
        if not roots:
            client.default_root_account_id()  # raises with the right plain message
            raise AccountChoiceNeeded("Your Canvas token does not administer a main account.")
        found = []
        for account in roots:
            try:
                rights = client.permissions(account["id"], CHECKED_PERMISSIONS)
            except PermissionDenied:
                rights = {}
            try:
                providers = {
                    str(p.get("id")): str(p.get("auth_type") or "")
                    for p in client.providers(account["id"])
                }
            except CanvasError:  # not allowed to list them: the rows will tell
                providers = {}
            found.append(
                AccountAccess(
                    id=int(account["id"]),
                    name=str(account.get("name") or f"Account {account['id']}"),
                    permissions=rights,
                    provider_types=providers,
                )
            )
    name = str(me.get("name") or me.get("short_name") or me.get("login_id") or "(no name)")
    log.info("tested %s: %d main account(s)", host_of(base_url), len(found))
    return ProbeResult(profile, token.strip(), base_url, name, found)


def start_sandbox_connection(latency: float = 0.0, **sandbox_options: Any) -> Connection:
    """Start a private built-in sandbox on this computer and connect to it."""
    from core.sandbox import Sandbox

    sandbox = Sandbox(latency=latency, **sandbox_options)
    started = sandbox.start()
    if started is not None and hasattr(started, "url"):
        sandbox = started
    try:
        result = probe(Profile(SANDBOX_PROFILE_NAME, sandbox.url), sandbox.token)
        return result.connection(sandbox=sandbox)
    except BaseException:
        sandbox.stop()
        raise

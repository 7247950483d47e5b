"""What the sandbox Canvas knows: accounts, providers, users, logins, tokens.

All access goes through :class:`SandboxState`, which holds one re-entrant lock. The HTTP
handlers take ``state.lock`` around every read-modify-write; the helpers for tests take
it themselves, so tests may call them from any thread while the server runs.

Logins are kept as plain dicts (the keys of Canvas's login JSON plus a private
``password``); :meth:`SandboxState.login_json` turns one into what the API shows.
"""

from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core import demo
from core.model import login_key
from core.sandbox.school import School

#: Canvas's rights to list the account's courses and to read their rosters.
COURSE_RIGHTS: frozenset[str] = frozenset({"read_course_list", "read_roster"})
#: Every right a token can hold. The admin token holds them all.
ALL_RIGHTS: frozenset[str] = frozenset(
    {"manage_user_logins", "change_passwords", "manage_sis", "import_sis", "read_sis"}
    | COURSE_RIGHTS
)

NOT_FOUND_BODY: dict[str, Any] = {"errors": [{"message": "The specified resource does not exist."}]}
UNAUTHORIZED_BODY: dict[str, Any] = {
    "status": "unauthorized",
    "errors": [{"message": "user not authorized to perform that action"}],
}
ROOT_ONLY_BODY: dict[str, Any] = {"message": "Action must be called on a root account."}

_EXTRA_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Riley", "Casey", "Morgan", "Jamie", "Avery")
_EXTRA_LAST = ("Lee", "Patel", "Garcia", "Kim", "Novak", "Berg", "Costa", "Ito", "Mensah", "Ward")


@functools.lru_cache(maxsize=131072)
def name_key(unique_id: str | None) -> str:
    """:func:`core.model.login_key`, remembered: uniqueness checks scan every login."""
    return login_key(unique_id)


class ApiError(Exception):
    """An answer other than success: the status and the JSON body Canvas would send."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body


def not_found() -> ApiError:
    return ApiError(404, NOT_FOUND_BODY)


def unauthorized() -> ApiError:
    return ApiError(403, UNAUTHORIZED_BODY)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sortable_name_for(name: str) -> str:
    first, _, rest = name.strip().partition(" ")
    return f"{rest}, {first}" if rest else first


@dataclass
class Account:
    id: int
    name: str
    parent_account_id: int | None = None

    @property
    def is_root(self) -> bool:
        return self.parent_account_id is None

    def json(self, root_id: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "parent_account_id": self.parent_account_id,
            "root_account_id": None if self.is_root else root_id,
            "workflow_state": "active",
            "uuid": f"sandbox-account-{self.id}",
            "default_time_zone": "America/Chicago",
        }


@dataclass
class Provider:
    id: int
    auth_type: str
    position: int

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "auth_type": self.auth_type, "position": self.position}


@dataclass
class User:
    id: int
    name: str
    sortable_name: str
    short_name: str
    sis_user_id: str | None = None
    integration_id: str | None = None


@dataclass
class TokenInfo:
    user_id: int
    rights: frozenset[str]
    state: str = "active"  # active | revoked | expired


@dataclass
class SandboxState:
    """The sandbox's data. Thread-safe: hold ``lock`` around compound changes."""

    root_account_id: int = demo.DEMO_ROOT_ACCOUNT_ID
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    accounts: dict[int, Account] = field(default_factory=dict)
    providers: list[Provider] = field(default_factory=list)
    users: dict[int, User] = field(default_factory=dict)
    #: Logins by id, in id order (ids only grow, so insertion order is id order).
    logins: dict[int, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, TokenInfo] = field(default_factory=dict)
    #: (method, path, identity) of every write that changed something, in order.
    write_log: list[tuple[str, str, str]] = field(default_factory=list)
    #: SIS imports and progress objects by id (see sis_import.py).
    sis_imports: dict[int, dict[str, Any]] = field(default_factory=dict)
    progresses: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Terms, courses, sections and enrollments (see school.py).
    school: School = field(default_factory=School)
    #: How long a SIS import takes from created to finished, in seconds.
    sis_import_seconds: float = 1.2
    _next_login_id: int = 1
    _next_sis_id: int = 1

    # ----- seeding -------------------------------------------------------------------

    def seed_accounts(self) -> None:
        with self.lock:
            root = Account(demo.DEMO_ROOT_ACCOUNT_ID, demo.DEMO_ROOT_ACCOUNT_NAME)
            sub = Account(demo.DEMO_SUB_ACCOUNT_ID, demo.DEMO_SUB_ACCOUNT_NAME, root.id)
            self.accounts = {root.id: root, sub.id: sub}
            self.root_account_id = root.id
            self.providers = [
                Provider(pid, kind, pos) for pos, (pid, kind) in enumerate(demo.DEMO_PROVIDERS, 1)
            ]

    def seed_admin(self) -> None:
        """The office admin, their Canvas login and the admin token."""
        with self.lock:
            self.add_user(demo.DEMO_ADMIN_NAME, user_id=demo.DEMO_ADMIN_USER_ID)
            self.add_login(
                demo.DEMO_ADMIN_USER_ID, "office.admin", "canvas", password="sandbox-admin"
            )
            self.add_token(demo.DEMO_TOKEN, user_id=demo.DEMO_ADMIN_USER_ID)

    def seed_demo(self) -> None:
        """The demo school of core/demo.py: students and their logins, teachers, classes."""
        with self.lock:
            for teacher in demo.DEMO_TEACHERS:
                self.add_user(
                    teacher.name,
                    teacher.sis_id,
                    user_id=teacher.user_id,
                    short_name=teacher.short_name,
                )
            self.school.seed_demo()
            for student in demo.DEMO_STUDENTS:
                self.add_user(student.name, student.sis_id, user_id=student.canvas_id)
                for unique_id, provider in student.logins:
                    self.add_login(
                        student.canvas_id, unique_id, provider, sis_user_id=student.sis_id
                    )
            for user_id, unique_id, provider in demo.DEMO_EXTRA_LOGINS:
                self.add_login(user_id, unique_id, provider, password="sandbox-pass-1")

    def seed_extra_students(self, count: int, first_id: int = 1001) -> None:
        """Generated students ``S000001``... with canvas ids from 1001 and an SSO login."""
        with self.lock:
            for n in range(1, count + 1):
                first = _EXTRA_FIRST[(n - 1) % len(_EXTRA_FIRST)]
                last = _EXTRA_LAST[((n - 1) // len(_EXTRA_FIRST)) % len(_EXTRA_LAST)]
                sis_id = f"S{n:06d}"
                self.add_student(
                    f"{first} {last}",
                    sis_id,
                    user_id=first_id + n - 1,
                    sso_login=f"s{n:06d}@maplegrove.example",
                )

    # ----- helpers for tests (and the seed) ------------------------------------------

    def add_user(
        self,
        name: str,
        sis_id: str | None = None,
        *,
        user_id: int | None = None,
        integration_id: str | None = None,
        short_name: str | None = None,
    ) -> int:
        with self.lock:
            if user_id is None:
                user_id = max(self.users, default=0) + 1
            self.users[user_id] = User(
                id=user_id,
                name=name,
                sortable_name=sortable_name_for(name),
                short_name=short_name or name,
                sis_user_id=sis_id,
                integration_id=integration_id,
            )
            return user_id

    def add_student(
        self,
        name: str,
        sis_id: str | None = None,
        *,
        user_id: int | None = None,
        sso_login: str | None = None,
        integration_id: str | None = None,
    ) -> int:
        """A student; with ``sso_login`` also a SAML login carrying the SIS id. Returns the id."""
        with self.lock:
            new_id = self.add_user(name, sis_id, user_id=user_id, integration_id=integration_id)
            if sso_login:
                self.add_login(
                    new_id, sso_login, "saml", sis_user_id=sis_id, integration_id=integration_id
                )
            return new_id

    def add_login(
        self,
        user_id: int,
        unique_id: str,
        provider_type: str | None = "canvas",
        sis_user_id: str | None = None,
        *,
        integration_id: str | None = None,
        password: str | None = None,
        workflow_state: str = "active",
    ) -> dict[str, Any]:
        """Store a login directly (no validation). Returns the stored dict."""
        with self.lock:
            provider = self.provider_by_ref(provider_type)
            login_id = self._next_login_id
            self._next_login_id += 1
            login: dict[str, Any] = {
                "id": login_id,
                "user_id": user_id,
                "account_id": self.root_account_id,
                "unique_id": unique_id,
                "sis_user_id": sis_user_id,
                "integration_id": integration_id,
                "authentication_provider_id": provider.id if provider else None,
                "created_at": now_iso(),
                "workflow_state": workflow_state,
                "declared_user_type": None,
                "must_reset_password": False,
                "password": password if password is not None else secrets.token_urlsafe(12),
            }
            self.logins[login_id] = login
            return login

    def add_token(
        self,
        token: str,
        *,
        user_id: int = demo.DEMO_ADMIN_USER_ID,
        rights: set[str] | frozenset[str] | None = None,
    ) -> None:
        """A token for ``user_id``; ``rights=None`` means every right (an admin token)."""
        with self.lock:
            granted = ALL_RIGHTS if rights is None else frozenset(rights)
            self.tokens[token] = TokenInfo(user_id=user_id, rights=granted)

    def logins_of(self, user_id: int, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            return [
                dict(login)
                for login in self.logins.values()
                if login["user_id"] == user_id
                and (include_deleted or login["workflow_state"] != "deleted")
            ]

    def find_login(self, unique_id: str, include_deleted: bool = False) -> dict[str, Any] | None:
        """The first login whose name matches ``unique_id`` as Canvas compares names."""
        key = name_key(unique_id)
        with self.lock:
            for login in self.logins.values():
                if name_key(login["unique_id"]) == key and (
                    include_deleted or login["workflow_state"] != "deleted"
                ):
                    return dict(login)
            return None

    def all_active_logins(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                dict(login)
                for login in self.logins.values()
                if login["workflow_state"] != "deleted"
            ]

    def can_sign_in(self, unique_id: str, password: str) -> bool:
        """Whether Canvas's own sign-in takes ``unique_id`` and ``password``: a Canvas login
        (not single sign-on) of that name, with that password, neither removed nor
        suspended (a suspended login keeps its name and password but cannot sign in)."""
        key = name_key(unique_id)
        with self.lock:
            return any(
                login["workflow_state"] == "active"
                and name_key(login["unique_id"]) == key
                and self.is_passwordable(self.provider_of(login))
                and secrets.compare_digest(login["password"].encode(), password.encode())
                for login in self.logins.values()
            )

    def writes(self, method: str | None = None) -> list[tuple[str, str, str]]:
        with self.lock:
            return [entry for entry in self.write_log if method is None or entry[0] == method]

    def log_write(self, method: str, path: str, identity: str) -> None:
        with self.lock:
            self.write_log.append((method, path, identity))

    def next_sis_id(self) -> int:
        with self.lock:
            value = self._next_sis_id
            self._next_sis_id += 1
            return value

    # ----- lookups used by the API ----------------------------------------------------

    def account(self, ref: str) -> Account:
        ref = ref.strip()
        if ref == "self":
            return self.accounts[self.root_account_id]
        if not ref.isdigit() or int(ref) not in self.accounts:
            raise not_found()
        return self.accounts[int(ref)]

    def root_account(self, ref: str) -> Account:
        account = self.account(ref)
        if not account.is_root:
            raise ApiError(400, ROOT_ONLY_BODY)
        return account

    def provider_by_ref(self, ref: str | int | None) -> Provider | None:
        """A provider by numeric id or by type (the account's first of that type)."""
        if ref is None:
            return None
        text = str(ref).strip()
        if text.isdigit():
            return next((p for p in self.providers if p.id == int(text)), None)
        kind = text.casefold()
        return next((p for p in self.providers if p.auth_type == kind), None)

    def provider_of(self, login: dict[str, Any]) -> Provider | None:
        return self.provider_by_ref(login["authentication_provider_id"])

    def is_passwordable(self, provider: Provider | None) -> bool:
        return provider is None or provider.auth_type == "canvas"

    def family(self, provider: Provider | None) -> str:
        """Logins must be unique within a family: all Canvas logins, or one SSO provider."""
        if provider is None or self.is_passwordable(provider):
            return "canvas"
        return f"provider:{provider.id}"

    def user_by_ref(self, ref: str, token_user_id: int) -> User:
        """Every user id form Canvas takes; unknown users raise the 404 ApiError."""
        text = ref.strip()
        user_id: int | None = None
        if text == "self":
            user_id = token_user_id
        elif text.isdigit():
            user_id = int(text)
        elif ":" in text:
            kind, _, value = text.partition(":")
            value = value.strip()
            user_id = self._user_id_by_sis(kind.strip(), value)
        if user_id is None or user_id not in self.users:
            raise not_found()
        return self.users[user_id]

    def _user_id_by_sis(self, kind: str, value: str) -> int | None:
        active = [lg for lg in self.logins.values() if lg["workflow_state"] != "deleted"]
        if kind == "sis_login_id":
            key = name_key(value)
            return next((lg["user_id"] for lg in active if name_key(lg["unique_id"]) == key), None)
        if kind == "sis_user_id":
            found = next((lg["user_id"] for lg in active if lg["sis_user_id"] == value), None)
            if found is None:
                found = next((u.id for u in self.users.values() if u.sis_user_id == value), None)
            return found
        if kind == "sis_integration_id":
            found = next((lg["user_id"] for lg in active if lg["integration_id"] == value), None)
            if found is None:
                found = next((u.id for u in self.users.values() if u.integration_id == value), None)
            return found
        return None

    def login_json(self, login: dict[str, Any], read_sis: bool = True) -> dict[str, Any]:
        shown = {key: value for key, value in login.items() if key != "password"}
        provider = self.provider_of(login)
        if provider is not None:
            shown["authentication_provider_type"] = provider.auth_type
        if not read_sis:
            shown.pop("sis_user_id", None)
            shown.pop("integration_id", None)
        return shown

    def user_json(self, user: User, read_sis: bool = True) -> dict[str, Any]:
        active = [
            lg
            for lg in self.logins.values()
            if lg["user_id"] == user.id and lg["workflow_state"] != "deleted"
        ]
        sis_id = user.sis_user_id or next(
            (lg["sis_user_id"] for lg in active if lg["sis_user_id"]), None
        )
        shown: dict[str, Any] = {
            "id": user.id,
            "name": user.name,
            "sortable_name": user.sortable_name,
            "short_name": user.short_name,
            "login_id": active[0]["unique_id"] if active else None,
        }
        if read_sis:
            shown["sis_user_id"] = sis_id
            shown["integration_id"] = user.integration_id
        return shown

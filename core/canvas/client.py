"""The Canvas REST client: the few calls Canvas Logins makes, and nothing else.

Every request goes through :meth:`CanvasClient._send`, which reads the throttle
headers of every answer (handing them to ``observer``), turns failures into the typed
errors of :mod:`core.canvas.errors`, and never lets the token reach a message, a log
line or a repr. See ``canvas-api.md`` for the Canvas behaviour this relies on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

import core
from core.canvas.errors import (
    AccountChoiceNeeded,
    CanvasConfigError,
    CanvasError,
    LoginTaken,
    RateInfo,
    SisIdTaken,
    error_from_answer,
    register_secret,
)
from core.canvas.transport import (
    BearerAuth,
    NoCookies,
    connection_error,
    is_loopback_host,
    normalise_base_url,
    use_system_trust_store,
)

__all__ = [
    "CanvasClient",
    "RateInfo",
    "is_loopback_host",
    "normalise_base_url",
    "use_system_trust_store",
]

log = logging.getLogger(__name__)

_MAX_PAGES = 10_000
#: What a course search and a course read ask Canvas to add to each course.
_COURSE_INCLUDES = ("teachers", "total_students", "term", "concluded")


def _path_part(value: object) -> str:
    """One path segment: a user or account reference, URL-encoded, ``:`` kept."""
    return quote(str(value).strip(), safe=":")


class CanvasClient:
    """One Canvas host and token. Safe to share between worker threads."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: tuple[float, float] = (10, 60),
        pool_size: int = 16,
        user_agent: str | None = None,
        observer: Callable[[RateInfo], None] | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        token = (token or "").strip()
        if any(not (" " < ch <= "~") for ch in token):
            raise CanvasConfigError(
                "The access token has characters a Canvas token never has. Copy it again "
                "from Canvas (Account → Settings)."
            )
        register_secret(token)
        self.timeout = timeout
        #: Called with the throttle headers of every answer (the runner's limiter).
        self.observer = observer
        self._latest_rate: RateInfo | None = None
        self._host = urlsplit(self.base_url).netloc
        self._local = threading.local()
        use_system_trust_store()
        session = requests.Session()
        session.auth = BearerAuth(token)
        session.cookies.set_policy(NoCookies())
        session.headers["User-Agent"] = (
            user_agent or f"CanvasLogins/{core.__version__} (+python-requests)"
        )
        session.headers["Accept"] = "application/json"
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self._session = session

    def __repr__(self) -> str:
        return f"CanvasClient({self.base_url!r})"

    def __enter__(self) -> CanvasClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def last_rate(self) -> RateInfo | None:
        """Throttle headers of the latest answer this thread received (None if none)."""
        return getattr(self._local, "rate", None)

    @property
    def latest_rate(self) -> RateInfo | None:
        """Throttle headers of the latest answer on any thread: how full the token's
        bucket was when the reads before a run ended (they may run side by side)."""
        return self._latest_rate

    # --- the one way out -------------------------------------------------------

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    def _same_host(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower() == self.base_url.lower()

    def _send(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Any = None,
        data: Any = None,
        files: Any = None,
        follow_redirects: bool = False,
    ) -> requests.Response:
        method = method.upper()
        url = self._url(path_or_url)
        if not self._same_host(url):
            raise CanvasError(
                "Canvas pointed to another address; stopped so the token is not sent there."
            )
        path = urlsplit(url).path
        self._local.rate = None
        try:
            answer = self._session.request(
                method,
                url,
                params=params,
                data=data,
                files=files,
                timeout=self.timeout,
                allow_redirects=follow_redirects,
            )
        except requests.RequestException as exc:
            log.info("%s %s: no answer (%s)", method, path, type(exc).__name__)
            raise connection_error(exc, method, self._host, path) from None
        rate = RateInfo.from_headers(answer.headers)
        self._local.rate = rate
        if rate is not None:
            self._latest_rate = rate
        log.debug("%s %s -> %s", method, path, answer.status_code)
        if rate is not None and self.observer is not None:
            try:
                self.observer(rate)
            except Exception:
                log.exception("rate observer failed")
        if 200 <= answer.status_code < 300:
            return answer
        if 300 <= answer.status_code < 400:
            target = urlsplit(answer.headers.get("Location", "")).netloc or self._host
            raise CanvasError(
                f"Canvas answered with a move to {target}. Check the Canvas address "
                "(it may be a different school address).",
                status=answer.status_code,
                rate=rate,
                method=method,
                path=path,
            )
        raise error_from_answer(
            answer.status_code, answer.text, method=method, path=path, rate=rate
        ) from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self._send(method, path, **kwargs)
        text = answer.text
        if text.startswith("while(1);"):
            text = text[len("while(1);") :]
        try:
            return json.loads(text) if text.strip() else None
        except ValueError:
            raise CanvasError(
                "The answer did not come from Canvas (is the address right?).",
                status=answer.status_code,
                method=method,
                path=urlsplit(answer.url).path,
            ) from None

    def _dict(self, method: str, path: str, **kwargs: Any) -> dict:
        payload = self._json(method, path, **kwargs)
        if not isinstance(payload, dict):
            raise CanvasError("Canvas gave an answer that could not be read.", method=method)
        return payload

    def _get_all(self, path: str, params: Any = None, *, key: str | None = None) -> list[dict]:
        """Every page of a list, following ``Link: rel="next"`` as an opaque URL.

        ``key``: each page is an object holding the list under that key (the terms).
        """
        items: list[dict] = []
        seen: set[str] = set()
        url: str | None = path
        first = True
        while url is not None:
            if url in seen or len(seen) >= _MAX_PAGES:
                raise CanvasError("Canvas kept sending more pages than expected; stopped.")
            seen.add(url)
            answer = self._send("GET", url, params=params if first else None)
            first = False
            try:
                page = json.loads(answer.text.removeprefix("while(1);"))
            except ValueError:
                raise CanvasError(
                    "The answer did not come from Canvas (is the address right?)."
                ) from None
            if key is not None and isinstance(page, dict):
                page = page.get(key)
            if not isinstance(page, list):
                raise CanvasError("Canvas gave an answer that could not be read.")
            items.extend(page)
            next_link = answer.links.get("next", {}).get("url")
            url = urljoin(answer.url, next_link) if next_link else None
        return items

    # --- who and where -----------------------------------------------------------

    def whoami(self) -> dict:
        return self._dict("GET", "/api/v1/users/self")

    def accounts(self) -> list[dict]:
        return self._get_all("/api/v1/accounts", {"per_page": 100})

    def root_accounts(self) -> list[dict]:
        return [a for a in self.accounts() if a.get("root_account_id") is None]

    def default_root_account_id(self) -> int:
        accounts = self.accounts()
        roots = [a for a in accounts if a.get("root_account_id") is None]
        if len(roots) == 1:
            return int(roots[0]["id"])
        if len(roots) > 1:
            names = ", ".join(f"{a.get('name', '?')} ({a.get('id')})" for a in roots)
            raise AccountChoiceNeeded(
                f"Your Canvas token administers several main accounts: {names}. "
                "Choose which one to use.",
                accounts=roots,
            )
        if accounts:
            names = ", ".join(f"{a.get('name', '?')} ({a.get('id')})" for a in accounts)
            raise AccountChoiceNeeded(
                f"Your Canvas token administers only sub-accounts ({names}). Logins are "
                "managed on the school's main account: ask a Canvas administrator of the "
                "whole school.",
                accounts=accounts,
            )
        raise AccountChoiceNeeded(
            "Your Canvas token does not administer any Canvas account. Logins can only be "
            "managed with a token of a Canvas administrator."
        )

    def permissions(self, account_id: int | str, names: Iterable[str]) -> dict[str, bool]:
        params = [("permissions[]", name) for name in names]
        payload = self._dict(
            "GET", f"/api/v1/accounts/{_path_part(account_id)}/permissions", params=params
        )
        return {str(k): bool(v) for k, v in payload.items()}

    def providers(self, account_id: int | str) -> list[dict]:
        return self._get_all(
            f"/api/v1/accounts/{_path_part(account_id)}/authentication_providers",
            {"per_page": 100},
        )

    # --- users and logins ----------------------------------------------------------

    def get_user(self, user_ref: str) -> dict:
        return self._dict("GET", f"/api/v1/users/{_path_part(_require_ref(user_ref))}")

    def list_logins(self, user_ref: str, *, per_page: int = 100) -> list[dict]:
        return self._get_all(
            f"/api/v1/users/{_path_part(_require_ref(user_ref))}/logins",
            {"per_page": per_page},
        )

    def create_login(
        self,
        account_id: int | str,
        user_ref: str,
        unique_id: str,
        *,
        password: str | None = None,
        sis_user_id: str | None = None,
        integration_id: str | None = None,
        provider: str | int | None = None,
        declared_user_type: str | None = None,
    ) -> dict:
        """A new login for the user. Never sent without ``user[id]`` (see canvas-api.md)."""
        ref = _require_ref(user_ref)
        fields = {
            "user[id]": ref,
            "login[unique_id]": unique_id,
            "login[password]": password,
            "login[sis_user_id]": sis_user_id,
            "login[integration_id]": integration_id,
            "login[authentication_provider_id]": provider,
            "login[declared_user_type]": declared_user_type,
        }
        data = {k: str(v) for k, v in fields.items() if v is not None and str(v) != ""}
        with _named_values(unique_id, sis_user_id):
            return self._dict(
                "POST", f"/api/v1/accounts/{_path_part(account_id)}/logins", data=data
            )

    def edit_login(
        self,
        account_id: int | str,
        login_id: int | str,
        *,
        unique_id: str | None = None,
        password: str | None = None,
        sis_user_id: str | None = None,
        integration_id: str | None = None,
        provider: str | int | None = None,
        workflow_state: str | None = None,
    ) -> dict:
        fields = {
            "login[unique_id]": unique_id,
            "login[password]": password,
            "login[sis_user_id]": sis_user_id,
            "login[integration_id]": integration_id,
            "login[authentication_provider_id]": provider,
            "login[workflow_state]": workflow_state,
        }
        data = {k: str(v) for k, v in fields.items() if v is not None}
        if not data:
            raise ValueError("Nothing to change was given for this login.")
        path = f"/api/v1/accounts/{_path_part(account_id)}/logins/{_path_part(login_id)}"
        with _named_values(unique_id, sis_user_id):
            return self._dict("PUT", path, data=data)

    def delete_login(self, user_ref: str, login_id: int | str) -> dict:
        ref = _path_part(_require_ref(user_ref))
        return self._dict("DELETE", f"/api/v1/users/{ref}/logins/{_path_part(login_id)}")

    # --- courses and rosters (read only) --------------------------------------------

    def search_courses(
        self,
        account_id: int | str,
        *,
        search_term: str | None = None,
        teacher_ids: Sequence[int] = (),
        term_id: int | None = None,
        include_concluded: bool = False,
    ) -> list[dict]:
        """The account's courses (its sub-accounts' too), with teachers, student count,
        term and whether concluded. Canvas lists concluded ones unless told not to."""
        params: list[tuple[str, object]] = [("per_page", 100)]
        params += [("include[]", name) for name in _COURSE_INCLUDES]
        if search_term is not None:
            params.append(("search_term", search_term))
        params += [("by_teachers[]", teacher_id) for teacher_id in teacher_ids]
        if term_id is not None:
            params.append(("enrollment_term_id", term_id))
        if not include_concluded:
            params += [("state[]", state) for state in ("created", "claimed", "available")]
            params.append(("completed", "false"))
        return self._get_all(f"/api/v1/accounts/{_path_part(account_id)}/courses", params)

    def enrollment_terms(self, account_id: int | str) -> list[dict]:
        """The root account's active terms, newest first (Canvas puts undated ones first)."""
        return self._get_all(
            f"/api/v1/accounts/{_path_part(account_id)}/terms",
            {"per_page": 100},
            key="enrollment_terms",
        )

    def search_teachers(self, account_id: int | str, search_term: str) -> list[dict]:
        """People of the account with a teacher enrollment whose name holds ``search_term``."""
        params = {"search_term": search_term, "enrollment_type": "teacher", "per_page": 100}
        return self._get_all(f"/api/v1/accounts/{_path_part(account_id)}/users", params)

    def get_course(self, course_ref: int | str) -> dict:
        """One course (an id or ``sis_course_id:X``), with the same extras as a search."""
        params = [("include[]", name) for name in _COURSE_INCLUDES]
        return self._dict("GET", f"/api/v1/courses/{_path_part(course_ref)}", params=params)

    def course_sections(self, course_id: int | str) -> list[dict]:
        return self._get_all(
            f"/api/v1/courses/{_path_part(course_id)}/sections",
            {"per_page": 100, "include[]": "total_students"},
        )

    def course_students(self, course_id: int | str) -> list[dict]:
        """The course's active and invited students, once each, with SIS id and login."""
        return self._get_all(
            f"/api/v1/courses/{_path_part(course_id)}/users",
            {"enrollment_type[]": "student", "per_page": 100},
        )

    def section_students(self, section_id: int | str) -> list[dict]:
        """The section's active and invited student enrollments, each with its ``user``."""
        params = [
            ("type[]", "StudentEnrollment"),
            ("state[]", "active"),
            ("state[]", "invited"),
            ("per_page", 100),
        ]
        return self._get_all(f"/api/v1/sections/{_path_part(section_id)}/enrollments", params)

    # --- SIS import (the bulk path) -----------------------------------------------

    def sis_import(
        self, account_id: int | str, csv_bytes: bytes, *, filename: str = "logins.csv"
    ) -> dict:
        return self._dict(
            "POST",
            f"/api/v1/accounts/{_path_part(account_id)}/sis_imports",
            data={"import_type": "instructure_csv", "extension": "csv"},
            files={"attachment": (filename, csv_bytes, "text/csv")},
        )

    def sis_import_status(self, account_id: int | str, import_id: int | str) -> dict:
        path = f"/api/v1/accounts/{_path_part(account_id)}/sis_imports/{_path_part(import_id)}"
        return self._dict("GET", path)

    def sis_restore_states(self, account_id: int | str, import_id: int | str) -> dict:
        path = (
            f"/api/v1/accounts/{_path_part(account_id)}/sis_imports/"
            f"{_path_part(import_id)}/restore_states"
        )
        return self._dict("PUT", path)

    def get_url(self, url: str) -> requests.Response:
        """GET a Canvas URL (e.g. a SIS import's ``errors_attachment``) on this host only.

        Redirects (to a file store) are followed; requests drops the token when one
        leaves the host.
        """
        return self._send("GET", urljoin(self.base_url + "/", url), follow_redirects=True)


def _require_ref(user_ref: str) -> str:
    ref = (user_ref or "").strip()
    if not ref:
        raise ValueError("No student was given for this login, so nothing was sent to Canvas.")
    return ref


@contextlib.contextmanager
def _named_values(unique_id: str | None, sis_user_id: str | None) -> Iterator[None]:
    """Rewords LoginTaken / SisIdTaken with the login name or SIS ID that was sent."""
    try:
        yield
    except LoginTaken as exc:
        if unique_id:
            exc.reword(f"Login name '{unique_id.strip()}' is already in use in Canvas")
        raise
    except SisIdTaken as exc:
        if sis_user_id and 'SIS ID "' not in exc.message:
            exc.reword(
                f'Login SIS ID "{sis_user_id.strip()}" is already in use in Canvas (a SIS '
                "ID stays reserved even after its login is deleted)"
            )
        raise

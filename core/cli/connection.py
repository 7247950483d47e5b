"""Where Canvas is and connecting to it: ``--url``, ``--account``, ``--profile``, the token.

The address is ``--url``, else the ``CANVAS_URL`` environment variable, else the
``--profile``'s; the token likewise comes from ``CANVAS_TOKEN`` before the profile's.
What is typed on the command line wins, then the environment, then the profile. A run
or an undo against a production Canvas says so in one line on stderr before anything
is sent (:func:`production_banner`). A token is never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TextIO, TypeVar

from core.canvas.client import CanvasClient
from core.canvas.errors import AccountChoiceNeeded, CanvasConfigError, CanvasError
from core.canvas.transport import normalise_base_url
from core.cli.common import positive
from core.cli.status import UsageProblem
from core.credentials import get_token
from core.history import canvas_host
from core.logs import TOKEN_ENV
from core.model import DEFAULT_CONCURRENCY, MIN_PASSWORD_LENGTH
from core.profiles import Profile, ProfileStore, is_production
from core.run.pacing import read_with_retries

T = TypeVar("T")
log = logging.getLogger("core.cli")

#: The Canvas address when ``--url`` does not give one.
URL_ENV = "CANVAS_URL"


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--url``, ``--account``, ``--profile``: where the command talks to Canvas."""
    parser.add_argument(
        "--url",
        metavar="URL",
        help=f"the Canvas address, https://... (default: the {URL_ENV} environment variable, "
        "else the profile's)",
    )
    parser.add_argument("--account", type=positive, metavar="ID", help="root account id")
    parser.add_argument("--profile", metavar="NAME", help="use a profile saved in the app")


@dataclass
class Connection:
    url: str
    token: str
    account_id: int | None
    concurrency: int
    min_password_length: int

    @property
    def host(self) -> str:
        """``school.instructure.com`` (with a port when the address has one)."""
        return canvas_host(normalise_base_url(self.url))


def connection_from(args: argparse.Namespace) -> Connection:
    """URL, token and settings from the arguments, the environment or a saved profile
    (in that order: ``--url``, then ``CANVAS_URL``, then the profile's address)."""
    url = args.url or os.environ.get(URL_ENV, "").strip()
    token = os.environ.get(TOKEN_ENV, "").strip()
    account_id, concurrency, min_length = args.account, args.concurrency, args.min_password_length
    if args.profile:
        profile, profile_token = _profile(args.profile)
        url = url or profile.url
        token = token or profile_token
        account_id = account_id or profile.account_id
        concurrency = concurrency or profile.concurrency
        min_length = min_length or profile.min_password_length
    if not url:
        raise UsageProblem(
            "Give the Canvas address with --url (for example --url "
            f"https://school.instructure.com), or set the {URL_ENV} environment variable."
        )
    if not token:
        raise UsageProblem(
            f"No Canvas access token: set the {TOKEN_ENV} environment variable (or use "
            "--profile with a profile saved in the app)."
        )
    try:
        normalise_base_url(url)
    except CanvasConfigError as exc:
        raise UsageProblem(exc.message) from None
    return Connection(
        url,
        token,
        account_id,
        concurrency or DEFAULT_CONCURRENCY,
        min_length or MIN_PASSWORD_LENGTH,
    )


def production_banner(conn: Connection, *, dry_run: bool = False) -> str:
    """The line that marks a production Canvas before anything is sent ("" for the
    sandbox, a test or a beta Canvas: :func:`core.profiles.instance_kind`)."""
    if not is_production(conn.url):
        return ""
    what = "checking only, nothing is changed" if dry_run else "changes are real"
    return f"PRODUCTION Canvas at {conn.host}: {what}."


def say_production(conn: Connection, err: TextIO, *, dry_run: bool = False) -> None:
    banner = production_banner(conn, dry_run=dry_run)
    if banner:
        print(banner, file=err)
        err.flush()


def _profile(name: str) -> tuple[Profile, str]:
    """A profile saved by the app (core.profiles) and its token (core.credentials)."""
    profile = ProfileStore().get(name)
    if profile is None:
        raise UsageProblem(f"There is no saved profile named '{name}'.")
    return profile, (get_token(name) or "").strip()


@dataclass
class Connected:
    client: CanvasClient
    account_id: int | None
    #: Authentication provider id -> type, or None when they could not be read.
    provider_types: dict[str, str] | None
    #: The rights asked for in :func:`connect`, or None when they could not be read (the
    #: run then asks itself, and says what went wrong).
    permissions: dict[str, bool] | None = None


def connect(conn: Connection, permissions: Iterable[str] = ()) -> Connected:
    """The client, the account, its sign-in methods and the ``permissions`` a run needs.

    The reads that do not depend on each other go out together: who the token belongs
    to with which account it administers, then the sign-in methods with the rights
    (all four at once when the account is given).
    Raises CanvasError (exit 3) when Canvas cannot be reached or refuses the token, and
    UsageProblem when the account must be named.
    """
    client = CanvasClient(conn.url, conn.token, pool_size=max(16, conn.concurrency + 2))
    names = list(permissions)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="canvas-connect") as reads:
        try:
            whoami = reads.submit(read_with_retries, client.whoami)
            account_id = conn.account_id
            if account_id is None:
                account_id = read_with_retries(client.default_root_account_id)
            account = account_id
            providers = reads.submit(read_with_retries, lambda: client.providers(account))
            rights = (
                reads.submit(read_with_retries, lambda: client.permissions(account, names))
                if names
                else None
            )
            whoami.result()
        except AccountChoiceNeeded as exc:
            client.close()
            raise UsageProblem(f"{exc.message} Give it with --account ID.") from None
        except CanvasConfigError as exc:
            client.close()
            raise UsageProblem(exc.message) from None
        except BaseException:
            client.close()
            raise
        found = _answer_or_none(providers, "sign-in methods not read")
        provider_types = (
            None
            if found is None
            else {str(p.get("id")): str(p.get("auth_type") or "") for p in found}
        )
        granted = _answer_or_none(rights, "rights not read") if rights is not None else None
    return Connected(client, account_id, provider_types, granted)


@contextlib.contextmanager
def connecting(conn: Connection, permissions: Iterable[str] = ()) -> Iterator[Future[Connected]]:
    """:func:`connect` started at once on a thread of its own, so Canvas's round trips
    overlap opening the workbook; take ``.result()`` where the connection is needed (it
    raises as :func:`connect` does). A client nobody took is closed on the way out."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="canvas-connect") as pool:
        pending = pool.submit(connect, conn, permissions)
        try:
            yield pending
        except BaseException:
            with contextlib.suppress(BaseException):
                pending.result().client.close()
            raise


def _answer_or_none(read: Future[T], what: str) -> T | None:
    """What a read answered, or None when Canvas did not answer it."""
    try:
        return read.result()
    except CanvasError as exc:
        log.info("%s: %s", what, exc.message)
        return None

"""``canvas-logins-cli cards WORKBOOK --output cards.pdf``: login cards to print and hand out.

Cards for the rows a run Created or Updated (``--all``: every row with a login),
grouped by class. The address on the cards comes from ``--url``, else the Canvas the
workbook's last run used (the journal), else the ``CANVAS_URL`` environment variable.
With a token (``CANVAS_TOKEN`` or ``--profile``) Canvas is asked for the school's
sign-in methods, so an SSO school's cards point at Canvas's own login page. It never
prints a password.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from core.canvas.errors import CanvasConfigError, CanvasError
from core.canvas.transport import is_loopback_host
from core.cli.common import (
    add_workbook_options,
    open_workflow,
)
from core.cli.connection import (
    URL_ENV,
    add_connection_arguments,
    connect,
    connection_from,
)
from core.cli.status import ExitStatus, UsageProblem
from core.journal import Journal
from core.kit.cards import (
    CardOptions,
    CardsNotSaved,
    PageSize,
    cards_for,
    default_page_size,
    sign_in_address,
    write_cards_pdf,
)
from core.logs import TOKEN_ENV
from core.model import Table, header_key


def add_parser(commands: argparse._SubParsersAction) -> None:
    cards = commands.add_parser("cards", help="make a PDF of login cards to hand out")
    cards.add_argument("workbook", metavar="WORKBOOK")
    cards.add_argument("--output", required=True, metavar="PATH", help="e.g. cards.pdf")
    add_workbook_options(cards)
    cards.add_argument(
        "--class-column",
        metavar="NAME",
        help="the column whose value groups the cards (default: Class, else Teacher)",
    )
    cards.add_argument(
        "--page",
        choices=[size.value for size in PageSize],
        help="paper size (default: from this computer's region)",
    )
    cards.add_argument(
        "--all",
        action="store_true",
        help="a card for every row with a login, not only those a run created or updated",
    )
    add_connection_arguments(cards)
    cards.set_defaults(concurrency=None, min_password_length=None)


def _class_column(table: Table, name: str | None) -> int | None:
    if name is None:
        return None
    wanted = header_key(name)
    for index, header in enumerate(table.headers):
        if header_key(header) == wanted:
            return index
    seen = ", ".join(f"'{header}'" for header in table.headers if str(header).strip())
    raise UsageProblem(f"There is no column '{name}' in the sheet. Its columns are: {seen}.")


def _journal_url(journal: Journal, workbook_key: str) -> str:
    """The Canvas the workbook's last run went to, as the journal remembers it."""
    last = journal.last_run(workbook_key)
    if last is None or not last.url_host:
        return ""
    host = urlsplit(f"//{last.url_host}").hostname or ""
    scheme = "http" if is_loopback_host(host) else "https"
    return f"{scheme}://{last.url_host}"


def _sign_in(
    args: argparse.Namespace, journal_url: str
) -> tuple[str, str, dict[str, str] | None, str]:
    """(address, QR URL, provider id -> type, a note for stderr) for the cards.

    Raises UsageProblem without an address, CanvasError when Canvas was asked and failed.
    """
    url = args.url or journal_url or os.environ.get(URL_ENV, "").strip()
    providers: list[dict[str, object]] = []
    provider_types: dict[str, str] | None = None
    note = ""
    if args.profile or os.environ.get(TOKEN_ENV, "").strip():
        connection = connection_from(argparse.Namespace(**{**vars(args), "url": url}))
        url = connection.url
        connected = connect(connection)
        connected.client.close()
        provider_types = connected.provider_types
        if provider_types is None:
            note = (
                "Could not read the school's sign-in methods from Canvas: the cards show "
                "the plain Canvas address."
            )
        else:
            providers = [{"id": key, "auth_type": kind} for key, kind in provider_types.items()]
    if not url:
        raise UsageProblem(
            "Give the Canvas address for the cards with --url (for example --url "
            f"https://school.instructure.com), or set {URL_ENV}."
        )
    try:
        address, qr_url = sign_in_address(url, providers)
    except CanvasConfigError as exc:
        raise UsageProblem(exc.message) from None
    return address, qr_url, provider_types, note


def _arrow(out: TextIO) -> str:
    """ "→", or "->" where the output's encoding has no arrow (a Windows pipe: cp1252)."""
    try:
        "→".encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "->"
    return "→"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> ExitStatus:
    with Journal() as journal:
        workflow = open_workflow(args.workbook, args.sheet, journal, columns=args.columns, err=err)
        workflow.restore()  # results a run could not save into the workbook (it was open)
        journal_url = _journal_url(journal, workflow.key)
    table = workflow.table
    class_column = _class_column(table, args.class_column)
    try:
        address, qr_url, provider_types, note = _sign_in(args, journal_url)
    except CanvasError as exc:
        print(f"{exc.message} No cards were made.", file=err)
        return ExitStatus.CANVAS
    if note:
        print(note, file=err)
    rows = range(len(table.rows)) if args.all else None
    cards = cards_for(table, rows, class_column=class_column, provider_types=provider_types)
    if not cards:
        raise UsageProblem(
            "No cards to make: no row with a login has the status Created or Updated. Run "
            "the workbook first, or add --all for a card for every row with a login."
            if not args.all
            else "No cards to make: no row has a login."
        )
    page = PageSize(args.page) if args.page else default_page_size()
    output = Path(args.output).expanduser()
    try:
        report = write_cards_pdf(cards, output, CardOptions(page, address, qr_url))
    except CardsNotSaved as exc:
        raise UsageProblem(exc.message) from None
    print(f"{report.summary()} {_arrow(out)} {output}", file=out)
    if report.unprintable:
        print(report.unprintable_words(), file=err)
    return ExitStatus.OK

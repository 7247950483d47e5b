"""What the rest of the app needs of a Canvas client, as a type.

:class:`~core.canvas.client.CanvasClient` is the one real implementation; tests of the
pieces hand the run engine small fakes that keep to this shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from core.canvas.errors import RateInfo


class CanvasApi(Protocol):
    """The Canvas calls the run engine, the checks, undo and the class rosters make."""

    base_url: str

    @property
    def last_rate(self) -> RateInfo | None: ...

    @property
    def latest_rate(self) -> RateInfo | None: ...

    def close(self) -> None: ...

    def whoami(self) -> dict: ...

    def default_root_account_id(self) -> int: ...

    def permissions(self, account_id: int | str, names: Iterable[str]) -> dict[str, bool]: ...

    def providers(self, account_id: int | str) -> list[dict]: ...

    def get_user(self, user_ref: str) -> dict: ...

    def list_logins(self, user_ref: str, *, per_page: int = 100) -> list[dict]: ...

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
    ) -> dict: ...

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
    ) -> dict: ...

    def delete_login(self, user_ref: str, login_id: int | str) -> dict: ...

    def sis_import(
        self, account_id: int | str, csv_bytes: bytes, *, filename: str = "logins.csv"
    ) -> dict: ...

    def sis_import_status(self, account_id: int | str, import_id: int | str) -> dict: ...

    def sis_restore_states(self, account_id: int | str, import_id: int | str) -> dict: ...

    def get_url(self, url: str) -> Any: ...

    def search_courses(
        self,
        account_id: int | str,
        *,
        search_term: str | None = None,
        teacher_ids: Sequence[int] = (),
        term_id: int | None = None,
        include_concluded: bool = False,
    ) -> list[dict]: ...

    def enrollment_terms(self, account_id: int | str) -> list[dict]: ...

    def search_teachers(self, account_id: int | str, search_term: str) -> list[dict]: ...

    def get_course(self, course_ref: int | str) -> dict: ...

    def course_sections(self, course_id: int | str) -> list[dict]: ...

    def course_students(self, course_id: int | str) -> list[dict]: ...

    def section_students(self, section_id: int | str) -> list[dict]: ...

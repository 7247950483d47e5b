"""Build a core Table straight from dicts, for engine tests that need no workbook file."""

from __future__ import annotations

from pathlib import Path

from core.journal import Journal
from core.model import OUTPUT_ROLES, Row, Table, role_for_header
from core.workbook import WorkbookDoc
from core.workflow import Workflow


def table_from_dicts(headers: list[str], rows: list[dict[str, str]]) -> Table:
    """A sheet named Students with ``headers`` on row 1 and one row per dict from row 2."""
    columns = {role_for_header(h): i for i, h in enumerate(headers) if role_for_header(h)}
    table = Table(
        "Students",
        list(headers),
        1,
        columns,
        [Row(i + 2, [values.get(h, "") for h in headers]) for i, values in enumerate(rows)],
    )
    for role in OUTPUT_ROLES:
        table.ensure_column(role)
    return table


def workflow_for(table: Table, journal: Journal | None = None) -> Workflow:
    """The workflow over a table that has no file behind it (it is never saved)."""
    doc = WorkbookDoc(Path("students.xlsx"), "xlsx", table.sheet, [table.sheet], table)
    return Workflow(doc, journal)

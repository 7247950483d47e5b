"""Excel's saved results of formula cells, read straight from the sheet XML.

openpyxl only exposes them through a second, slow ``data_only`` load of the whole
workbook; a streaming pass over the sheets that hold formulas, picking out just the
formula cells, is about three times faster and tells an empty text result (``<v/>``
with ``t="str"``) apart from no saved result at all.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import XML, iterparse

from openpyxl.utils.cell import coordinate_to_tuple

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

#: (row, column) -> (value, data type: "n", "s", "b" or "e").
CachedValues = dict[tuple[int, int], tuple[Any, str]]


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def rels_part_of(part: str) -> str:
    """The part holding ``part``'s relationships ("" for the package's own)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, resolved part name) of ``part``."""
    try:
        root = XML(archive.read(rels_part_of(part)))
    except KeyError:
        return {}
    return {
        rel.get("Id", ""): (rel.get("Type", ""), _resolve(part, rel.get("Target", "")))
        for rel in root.iter(f"{PKG_REL}Relationship")
    }


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> the zip part holding its XML."""
    workbook_part = "xl/workbook.xml"
    for rel_type, target in relationships(archive, "").values():
        if rel_type.endswith("/officeDocument"):
            workbook_part = target
    rels = relationships(archive, workbook_part)
    root = XML(archive.read(workbook_part))
    parts = {}
    for sheet in root.iter(f"{MAIN}sheet"):
        rel = rels.get(sheet.get(f"{DOC_REL}id", ""))
        if rel is not None:
            parts[sheet.get("name", "")] = rel[1]
    return parts


class _SharedStrings:
    """The workbook's shared strings, parsed only if a formula result needs one."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._strings: list[str] | None = None

    def get(self, index: int) -> str:
        if self._strings is None:
            names = self._archive.namelist()
            part = next((n for n in names if n.lower().endswith("sharedstrings.xml")), None)
            self._strings = []
            if part is not None:
                root = XML(self._archive.read(part))
                self._strings = [
                    "".join(t.text or "" for t in si.iter(f"{MAIN}t"))
                    for si in root.iter(f"{MAIN}si")
                ]
        return self._strings[index] if 0 <= index < len(self._strings) else ""


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _sheet_cache(archive: zipfile.ZipFile, part: str, shared: _SharedStrings) -> CachedValues:
    found: CachedValues = {}
    row_number = 0
    column = 0
    with archive.open(part) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == f"{MAIN}row":
                    row_number = int(element.get("r") or row_number + 1)
                    column = 0
                continue
            if tag == f"{MAIN}c":
                reference = element.get("r")
                row, column = (
                    coordinate_to_tuple(reference) if reference else (row_number, column + 1)
                )
                if element.find(f"{MAIN}f") is not None:
                    hit = _cached(element, shared)
                    if hit is not None:
                        found[(row, column)] = hit
                element.clear()
            elif tag == f"{MAIN}row":
                element.clear()
    return found


def _cached(cell: Any, shared: _SharedStrings) -> tuple[Any, str] | None:
    value = cell.find(f"{MAIN}v")
    cell_type = cell.get("t", "n")
    if value is None:
        return None
    text = value.text or ""
    if cell_type in ("str", "inlineStr"):
        return text, "s"
    if not text:
        return None
    if cell_type == "s":
        return shared.get(int(text)), "s"
    if cell_type == "b":
        return text.strip() in ("1", "true"), "b"
    if cell_type == "e":
        return text, "e"
    try:
        return _number(text), "n"
    except ValueError:
        return text, "s"


def read_cached_values(path: Path | IO[bytes], titles: list[str]) -> dict[str, CachedValues]:
    """Saved formula results of the named sheets (cells with no result are left out)."""
    cache: dict[str, CachedValues] = {}
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive)
        shared = _SharedStrings(archive)
        for title in titles:
            part = parts.get(title)
            if part is not None:
                cache[title] = _sheet_cache(archive, part, shared)
    return cache

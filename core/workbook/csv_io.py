"""CSV files in and out, keeping their encoding, delimiter and line endings.

Records the program does not change are written back byte for byte as they were read,
so quoting styles and odd spacing in the rest of the file survive a save. Text the
program writes can be made safe against formula injection (:func:`formula_safe`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from pathlib import Path

from core.workbook.doc import CsvSource, WorkbookError

DELIMITERS = (",", ";", "\t")
#: What makes a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def decode(data: bytes) -> tuple[str, str]:
    """The text and the codec: UTF-8 (with or without BOM), UTF-16 with BOM, else
    Windows-1252 (what Excel on Windows writes for "CSV")."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the most consistent columns."""
    best = (False, 0, 0)
    chosen = ","
    for delimiter in DELIMITERS:
        try:
            records = list(csv.reader(lines[:20], delimiter=delimiter))
        except csv.Error:
            continue
        counts = [len(r) for r in records if any(field.strip() for field in r)]
        if not counts:
            continue
        fields, times = Counter(counts).most_common(1)[0]
        score = (fields > 1, times, fields)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def read_csv(path: Path) -> CsvSource:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkbookError(
            f"Could not read '{path.name}': {exc.strerror or 'access was refused'}."
        ) from exc
    text, encoding = decode(data)
    lines = _LINE.findall(text)
    delimiter = sniff_delimiter(lines)
    line_ending = "\r\n"
    if lines:
        first = lines[0]
        line_ending = first[len(first.rstrip("\r\n")) :] or "\r\n"
    records: list[list[str]] = []
    raw: list[str] = []
    try:
        reader = csv.reader(iter(lines), delimiter=delimiter)
        consumed = 0
        for record in reader:
            records.append(record)
            raw.append("".join(lines[consumed : reader.line_num]))
            consumed = reader.line_num
    except csv.Error as exc:
        raise WorkbookError(
            f"'{path.name}' could not be read as a CSV file ({exc}). Open it in Excel and "
            "save it as CSV or as an Excel Workbook (.xlsx) again."
        ) from exc
    return CsvSource(
        encoding=encoding,
        delimiter=delimiter,
        line_ending=line_ending,
        records=records,
        raw=raw,
        ends_with_newline=text.endswith(("\n", "\r")),
    )


def render_csv(source: CsvSource, changed: set[int]) -> tuple[bytes, str, list[str]]:
    """The file's bytes with the ``changed`` records re-written, the codec used, and each
    record's new text (the new ``raw``).

    Falls back to UTF-8 with BOM when the text no longer fits the file's old encoding
    (a name in another script written into a Windows-1252 file).
    """
    parts: list[str] = []
    last = len(source.records) - 1
    for index, record in enumerate(source.records):
        if index < len(source.raw) and index not in changed:
            parts.append(source.raw[index])
            continue
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=source.delimiter, lineterminator="").writerow(record)
        old = source.raw[index] if index < len(source.raw) else ""
        ending = old[len(old.rstrip("\r\n")) :]
        if not ending and (index < last or source.ends_with_newline):
            ending = source.line_ending
        parts.append(buffer.getvalue() + ending)
    text = "".join(parts)
    try:
        return text.encode(source.encoding), source.encoding, parts
    except UnicodeEncodeError:
        return text.encode("utf-8-sig"), "utf-8-sig", parts


def formula_safe(text: str) -> str:
    """``text`` as a spreadsheet shows it but never runs it: a leading ``'`` before a
    first character that would start a formula (OWASP's advice for CSV files)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text

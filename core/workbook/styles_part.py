"""The workbook's cell formats (xl/styles.xml), and new ones derived from them.

A written cell keeps its own format; when it needs another number format (a date-time
for Processed At, a whole number for Canvas Login ID, Text for text Excel would turn
into a number or formula) it gets a copy of its format with only the number format
changed, added at the end of ``cellXfs``. Nothing else in the part changes, so the
indexes of every existing format stay valid.
"""

from __future__ import annotations

import contextlib

from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_REVERSE, is_date_format

from core.workbook.xml_spans import (
    NotEditable,
    append_children,
    element,
    root_tag_end,
    scan,
    set_attributes,
    splice,
    tag_end,
)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: The first number format id free for a workbook's own formats.
_FIRST_CUSTOM_FORMAT = 164


class Styles:
    """The cell formats of one styles part, with the formats this save adds."""

    def __init__(self, data: bytes) -> None:
        found = scan(data, {"numFmts", "numFmt", "cellXfs", "xf"})
        if found.namespace != MAIN_NS:
            raise NotEditable("the styles part is not in the usual SpreadsheetML namespace")
        self._data = data
        self._prefix = found.prefix
        tops = {span.name: span for span in found.spans if span.depth == 1}
        self._num_fmts = tops.get("numFmts")
        cell_xfs = tops.get("cellXfs")
        if cell_xfs is None:
            raise NotEditable("the styles part has no cell formats")
        self._cell_xfs = cell_xfs
        self._codes: dict[int, str] = {}
        for span in found.spans:
            if span.name == "numFmt" and span.depth == 2:
                with contextlib.suppress(ValueError):
                    self._codes[int(span.attrs.get("numFmtId", ""))] = span.attrs.get(
                        "formatCode", ""
                    )
        xfs = [
            span
            for span in found.spans
            if span.name == "xf" and span.depth == 2 and cell_xfs.start < span.start < cell_xfs.end
        ]
        self._xfs = [data[xf.start : xf.end] for xf in xfs]
        self._formats = [_format_id(xf.attrs) for xf in xfs]
        self._root_tag_end = root_tag_end(data)
        self._added_codes: dict[int, str] = {}
        self._added_xfs: list[bytes] = []
        self._derived: dict[tuple[int, str], int] = {}

    def number_format(self, style: int) -> str:
        """The number format code of cell format ``style`` ("General" when unknown)."""
        format_id = self._formats[style] if 0 <= style < len(self._formats) else 0
        return self._code(format_id)

    def is_date(self, style: int) -> bool:
        return is_date_format(self.number_format(style))

    def with_number_format(self, style: int, code: str) -> int:
        """The cell format that is ``style`` with the number format ``code``: ``style``
        itself when it has it, an equal existing format, or one added now."""
        if self.number_format(style) == code:
            return style
        known = self._derived.get((style, code))
        if known is None:
            known = self._derived[(style, code)] = self._derive(style, code)
        return known

    def _derive(self, style: int, code: str) -> int:
        every = self._xfs + self._added_xfs
        if not every:
            every = [element(self._prefix, "xf", [("numFmtId", "0")], None)]
            self._added_xfs.extend(every)
            self._formats.append(0)
        base = every[style] if 0 <= style < len(every) else every[0]
        format_id = self._format_id_for(code)
        tag_stop = tag_end(base, 0)
        tag = set_attributes(
            base[:tag_stop], {"numFmtId": str(format_id), "applyNumberFormat": "1"}
        )
        derived = tag + base[tag_stop:]
        if derived in every:
            return every.index(derived)
        self._added_xfs.append(derived)
        self._formats.append(format_id)
        return len(every)

    def _format_id_for(self, code: str) -> int:
        builtin = BUILTIN_FORMATS_REVERSE.get(code)
        if builtin is not None and builtin not in self._codes:
            return int(builtin)
        codes = {**self._codes, **self._added_codes}
        for format_id, known in codes.items():
            if known == code:
                return format_id
        format_id = max([_FIRST_CUSTOM_FORMAT - 1, *codes]) + 1
        self._added_codes[format_id] = code
        return format_id

    def _code(self, format_id: int) -> str:
        codes = {**self._codes, **self._added_codes}
        return codes.get(format_id) or BUILTIN_FORMATS.get(format_id, "General")

    @property
    def changed(self) -> bool:
        return bool(self._added_xfs)

    def render(self) -> bytes:
        """The styles part with the added formats (unchanged bytes when none were)."""
        if not self._added_xfs:
            return self._data
        data, prefix = self._data, self._prefix
        edits: list[tuple[int, int, bytes]] = []
        if self._added_codes:
            new_formats = b"".join(
                element(prefix, "numFmt", [("numFmtId", str(i)), ("formatCode", c)], None)
                for i, c in self._added_codes.items()
            )
            count = len(self._codes) + len(self._added_codes)
            if self._num_fmts is None:
                edits.append(
                    (
                        self._root_tag_end,
                        self._root_tag_end,
                        element(prefix, "numFmts", [("count", str(count))], new_formats),
                    )
                )
            else:
                edits.extend(append_children(data, self._num_fmts, new_formats, count))
        assert self._cell_xfs is not None
        count = len(self._xfs) + len(self._added_xfs)
        edits.extend(append_children(data, self._cell_xfs, b"".join(self._added_xfs), count))
        return splice(data, edits)


def _format_id(attrs: dict[str, str]) -> int:
    try:
        return int(attrs.get("numFmtId", "0"))
    except ValueError:
        return 0

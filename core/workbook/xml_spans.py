"""Where elements sit in a part's XML, as byte spans, so the part can be edited in place.

expat reports where each tag starts; an edit replaces only the spans it must, and every
byte between them is copied through, so the rest of the part (other namespaces,
extensions, the order and spelling of attributes, whitespace) stays exactly as Excel
wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
_ATTRIBUTE = re.compile(rb"""(\s)([^\s=/>]+)(\s*=\s*)("[^"]*"|'[^']*')""")


class NotEditable(Exception):
    """A part is not what the in-place editor expects; ``reason`` says what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Span:
    """One element: its local name, attributes and ``data[start:end]`` (the whole element)."""

    name: str
    attrs: dict[str, str]
    start: int
    end: int
    depth: int  # 0 for the root element
    empty: bool  # written as <name ... />


@dataclass
class Scan:
    """The spans of the wanted elements, in the order their end tags come (children
    before their parent), and the root element's prefix ("x:" or "") and namespace."""

    prefix: str
    namespace: str
    spans: list[Span]


def scan(data: bytes, names: Collection[str], take: Callable[[Span], None] | None = None) -> Scan:
    """Find the elements named ``names`` (local names, in the root's namespace). With
    ``take`` each span is handed to it as found instead of kept in ``Scan.spans``."""
    head = data[:200].lstrip(b"\xef\xbb\xbf")
    declared = _DECLARED_ENCODING.match(head)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        declared and declared.group(1).lower() not in (b"utf-8", b"utf8")
    ):
        raise NotEditable("the part is not written in UTF-8")
    parser = expat.ParserCreate()
    spans: list[Span] = []
    wanted: dict[str, str] = {}
    root: dict[str, str] = {}
    opened: list[tuple[int, dict[str, str], int]] = []  # wanted elements not ended yet
    depth = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        if not root:
            prefix = name.rpartition(":")[0]
            root["prefix"] = f"{prefix}:" if prefix else ""
            root["namespace"] = attrs.get(f"xmlns:{prefix}" if prefix else "xmlns", "")
            wanted.update({root["prefix"] + local: local for local in names})
        if name in wanted:
            opened.append((parser.CurrentByteIndex, attrs, depth))
        depth += 1

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        local = wanted.get(name)
        if local is None:
            return
        begin, attrs, level = opened.pop()
        index = parser.CurrentByteIndex
        # <x .../> ends where its tag does; </x> ends at its own '>'.
        empty = data[index - 2 : index] == b"/>" and data.find(b"<", begin + 1, index) < 0
        stop = index if empty else data.index(b">", index) + 1
        (take or spans.append)(Span(local, attrs, begin, stop, level, empty))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise NotEditable(f"the part's XML could not be read ({exc})") from exc
    return Scan(root.get("prefix", ""), root.get("namespace", ""), spans)


def tag_end(data: bytes, start: int) -> int:
    """Where the start tag beginning at ``start`` ends (just after its ``>``)."""
    match = _START_TAG.match(data, start)
    if match is None:
        raise NotEditable("a start tag could not be read")
    return match.end()


def set_attributes(tag: bytes, changes: dict[str, str | None]) -> bytes:
    """``tag`` (a start tag) with attributes changed, added (at the end) or removed
    (``None``); the others keep their order, quotes and spacing."""
    pending = dict(changes)

    def replace(match: re.Match[bytes]) -> bytes:
        name = match.group(2).decode()
        if name not in pending:
            return match.group(0)
        value = pending.pop(name)
        if value is None:
            return b""
        return match.group(1) + match.group(2) + match.group(3) + quoteattr(value).encode()

    edited = _ATTRIBUTE.sub(replace, tag)
    added = b"".join(
        f" {name}={quoteattr(value)}".encode()
        for name, value in pending.items()
        if value is not None
    )
    if not added:
        return edited
    close = 2 if edited.endswith(b"/>") else 1
    body = edited[:-close].rstrip()
    return body + added + edited[-close:]


def element(prefix: str, name: str, attrs: Iterable[tuple[str, str]], inner: bytes | None) -> bytes:
    """``<prefix:name a="v">inner</prefix:name>`` (or ``<.../>`` when ``inner`` is None)."""
    qualified = prefix + name
    text = "".join(f" {key}={quoteattr(value)}" for key, value in attrs)
    if inner is None:
        return f"<{qualified}{text}/>".encode()
    return f"<{qualified}{text}>".encode() + inner + f"</{qualified}>".encode()


def text_bytes(text: str) -> bytes:
    return escape(text).encode()


def element_text(fragment: bytes) -> str:
    """The text inside an element given as its bytes (entities resolved)."""
    parser = expat.ParserCreate()
    pieces: list[str] = []
    parser.CharacterDataHandler = pieces.append
    try:
        parser.Parse(fragment, True)
    except expat.ExpatError as exc:
        raise NotEditable(f"an element could not be read ({exc})") from exc
    return "".join(pieces)


def splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each ``(start, end, replacement)`` applied (edits must not overlap;
    ``start == end`` inserts)."""
    out: list[bytes] = []
    position = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < position:
            raise NotEditable("two edits of a part overlap")
        out.append(data[position:start])
        out.append(replacement)
        position = end
    out.append(data[position:])
    return b"".join(out)


def end_tag_start(data: bytes, span: Span) -> int:
    """Where the end tag of a (not empty) element begins: insert children there."""
    return data.rindex(b"</", span.start, span.end)


def root_tag_end(data: bytes) -> int:
    """Where the root element's start tag ends (after the declaration and comments)."""
    position = data.index(b"<")
    while data.startswith((b"<?", b"<!--"), position):
        position = data.index(b"<", data.index(b">", position) + 1)
    return tag_end(data, position)


def append_children(
    data: bytes, parent: Span, children: bytes, count: int
) -> list[tuple[int, int, bytes]]:
    """Edits that add ``children`` at the end of ``parent`` and set its ``count``."""
    stop = tag_end(data, parent.start)
    tag = set_attributes(data[parent.start : stop], {"count": str(count)})
    if parent.empty:
        opened = tag[:-2].rstrip() + b">"
        name = tag[1:].split(None, 1)[0].rstrip(b"/>")
        return [(parent.start, parent.end, opened + children + b"</" + name + b">")]
    closing = end_tag_start(data, parent)
    return [(parent.start, stop, tag), (closing, closing, children)]

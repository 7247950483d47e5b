"""Request parameters as Rails sees them: query string, form, JSON or multipart.

Everything is flattened to bracket keys (``login[unique_id]``, ``permissions[]``) so the
handlers read one shape whatever the client sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl


class BadRequestBody(ValueError):
    """The body could not be read as its Content-Type claims."""


@dataclass
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Params:
    values: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    raw_body: bytes = b""
    content_type: str = ""

    def add(self, key: str, value: str) -> None:
        self.values.setdefault(key, []).append(value)

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def get(self, key: str, default: str | None = None) -> str | None:
        found = self.values.get(key)
        return found[-1] if found else default

    def get_list(self, key: str) -> list[str]:
        return list(self.values.get(key, []))

    def items(self) -> list[tuple[str, str]]:
        return [(key, value) for key, values in self.values.items() for value in values]

    def with_prefix(self, prefix: str) -> dict[str, str]:
        """``{"unique_id": ...}`` for keys ``login[unique_id]`` when prefix is ``login``."""
        found: dict[str, str] = {}
        start = prefix + "["
        for key, values in self.values.items():
            if key.startswith(start) and key.endswith("]") and values:
                found[key[len(start) : -1]] = values[-1]
        return found


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flatten(params: Params, prefix: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(params, f"{prefix}[{key}]" if prefix else str(key), inner)
    elif isinstance(value, list):
        for inner in value:
            if isinstance(inner, dict | list):
                _flatten(params, f"{prefix}[]", inner)
            else:
                params.add(f"{prefix}[]", _scalar(inner))
    else:
        params.add(prefix, _scalar(value))


def _parse_multipart(params: Params, content_type: str, body: bytes) -> None:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BadRequestBody("multipart body without parts")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            params.files[str(name)] = UploadedFile(
                str(filename), part.get_content_type(), bytes(payload)
            )
        else:
            charset = part.get_content_charset() or "utf-8"
            params.add(str(name), bytes(payload).decode(charset, errors="replace"))


def parse_params(query: str, content_type: str, body: bytes) -> Params:
    params = Params(raw_body=body, content_type=content_type)
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.add(key, value)
    media = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    try:
        if media == "application/x-www-form-urlencoded":
            for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
                params.add(key, value)
        elif media == "application/json":
            decoded = json.loads(body.decode("utf-8"))
            if isinstance(decoded, dict):
                _flatten(params, "", decoded)
        elif media == "multipart/form-data":
            _parse_multipart(params, content_type, body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequestBody(str(exc)) from exc
    return params

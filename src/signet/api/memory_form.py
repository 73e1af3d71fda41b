"""Read a small multipart form wholly into memory: a few short text fields and at most one file.

Starlette's ``request.form()`` spools a file part of over 1 MiB to a temporary file on disk. The
verification faces promise that an uploaded PDF is never stored, so they read the body with this
streaming parser instead: every byte stays in memory, bounded by ``file_limit``, and is dropped
with the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from signet.errors import PayloadTooLarge, ValidationFailed

__all__ = ["MemoryForm", "read_memory_form", "size_words"]

MAX_PARTS = 8
MAX_FIELD_BYTES = 4096


@dataclass
class MemoryForm:
    fields: dict[str, str] = field(default_factory=dict)
    # The first part sent with a file name (the browser sends one even for an empty choice).
    file_field: str | None = None
    file_name: str | None = None
    file_data: bytes | None = None


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    name: str = ""
    file_name: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _Reader:
    def __init__(self, file_limit: int) -> None:
        self.file_limit = file_limit
        self.form = MemoryForm()
        self.part = _Part()
        self.parts = 0

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise ValidationFailed([("body", f"the form has more than {MAX_PARTS} parts")])
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        part = self.part
        part.headers[bytes(part.header_name).lower()] = bytes(part.header_value)
        part.header_name, part.header_value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_name = options.get(b"filename")
        self.part.file_name = raw_name.decode("utf-8", "replace") if raw_name is not None else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        part.data += data[start:end]
        if part.file_name is None and len(part.data) > MAX_FIELD_BYTES:
            raise ValidationFailed([(part.name or "body", "is too long")])
        if len(part.data) > self.file_limit:
            raise PayloadTooLarge(f"The file is larger than {size_words(self.file_limit)}")

    def on_part_end(self) -> None:
        part, form = self.part, self.form
        if part.file_name is None:
            form.fields.setdefault(part.name, bytes(part.data).decode("utf-8", "replace"))
        elif form.file_field is None:
            form.file_field, form.file_name, form.file_data = (
                part.name,
                part.file_name,
                bytes(part.data),
            )
        self.part = _Part()


async def read_memory_form(request: Request, *, file_limit: int) -> MemoryForm:
    """Parse a ``multipart/form-data`` body in memory; 413 when the file passes ``file_limit``."""
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if not boundary:
        raise ValidationFailed([("body", "the multipart form has no boundary")])
    body_limit = file_limit + MAX_PARTS * (MAX_FIELD_BYTES + 1024)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit:
        raise PayloadTooLarge(f"The file is larger than {size_words(file_limit)}")
    reader = _Reader(file_limit)
    callbacks = {
        name: getattr(reader, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_part_data",
            "on_part_end",
        )
    }
    parser = MultipartParser(boundary, callbacks, max_size=body_limit)  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > body_limit:
                raise PayloadTooLarge(f"The file is larger than {size_words(file_limit)}")
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise ValidationFailed([("body", "the multipart form is malformed")]) from exc
    return reader.form


def size_words(size: int) -> str:
    """``50 MB``, ``4 KB``, ``100 bytes``: a size limit for people."""
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if size >= unit:
            return f"{round(size / unit, 1):g} {name}"
    return f"{size} bytes"

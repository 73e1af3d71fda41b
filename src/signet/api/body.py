"""Read and parse request bodies ourselves where size matters (base64 PDFs in JSON).

The body is bounded while it streams (``read_body``, ``http_guard``); parsing and validating
one of several megabytes (a create with a base64 PDF or thousands of fields) takes long
enough to stall every other request, so past ``OFF_LOOP_BYTES`` it runs in a worker thread
(``off_loop``), with the same errors.

A worker thread still holds the GIL while pydantic validates, so a body's size alone does not
bound the stall: 28 MB of tiny field objects took pydantic 15 s and the event loop up to a
second. ``refuse_huge_structure`` bounds the number of JSON values first: no request of either
face needs more than ``MAX_JSON_VALUES`` (1,000 fields of a dozen keys each are about 15,000).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from signet.api.errors import pydantic_problems
from signet.api.input_model import refuse_bad_values
from signet.errors import PayloadTooLarge, ValidationFailed

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Parsing a JSON body this large takes about a millisecond; past it, a worker thread does it.
OFF_LOOP_BYTES = 256 * 1024

_DATA_URI = re.compile(r"^data:[\w.+-]+/[\w.+-]+(;[\w=.-]+)*;base64,")
_WS = re.compile(r"\s+")


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
    return bytes(buf)


# Values (objects, arrays, strings, numbers…) a JSON body may hold; see the module's text.
MAX_JSON_VALUES = 100_000
_TOO_MANY_VALUES = (
    f"holds more than {MAX_JSON_VALUES:,} JSON values; no request needs that many "
    "(a request takes at most 1,000 fields)"
)


def refuse_huge_structure(raw: bytes) -> None:
    """400 when the body holds more than ``MAX_JSON_VALUES`` values (keys are not counted).

    In JSON, a container's items after the first follow a comma, and every container opens with
    a bracket: the count of those three bytes bounds the values from above, in a few
    milliseconds for 30 MB. Only past that bound is the body scanned for the ones outside
    strings (``_count_values``), which stops as soon as the count passes the limit. Invalid JSON
    under the limit is left to the caller's parser and its usual error."""
    if raw.count(b",") + raw.count(b"{") + raw.count(b"[") < MAX_JSON_VALUES:
        return
    if _count_values(raw, MAX_JSON_VALUES) > MAX_JSON_VALUES:
        raise ValidationFailed([("body", _TOO_MANY_VALUES)])


# Bytes scanned per step. Each step is a few C calls (a millisecond or two), and a worker thread
# scanning a large body lets the event loop's thread take the GIL between steps.
_SCAN_STEP = 128 * 1024


def _count_values(raw: bytes, limit: int) -> int:
    """The values of a JSON text, counted outside its strings: one for the top level, one per
    comma and one per non-empty container (``{}`` and ``[]`` hold none); stops past ``limit``.

    Each step drops escape pairs (``\\\\``, ``\\"``), so that every quote left opens or
    closes a string, splits on the quotes and keeps the parts outside strings, each string
    replaced by ``0`` (so ``[""]`` stays a non-empty list): all at C speed, whatever the text.
    A step never ends inside an escape pair."""
    count = 1
    in_string = False
    pos, size = 0, len(raw)
    while pos < size:
        end = min(pos + _SCAN_STEP, size)
        step = raw[pos:end]
        if (len(step) - len(step.rstrip(b"\\"))) % 2:  # an escape pair cut in two: take its end
            end = min(end + 1, size)
            step = raw[pos:end]
        parts = step.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')
        outside = b"0".join(parts[1::2] if in_string else parts[0::2])
        count += outside.count(b",") + outside.count(b"{") + outside.count(b"[")
        count -= outside.count(b"{}") + outside.count(b"[]")
        if count > limit:
            return count
        in_string ^= len(parts) % 2 == 0  # an odd number of quotes in the step
        pos = end
    return count


def parse_model(raw: bytes, model: type[M]) -> M:
    if not raw.strip():
        raise ValidationFailed([("body", "a JSON object is required")])
    refuse_huge_structure(raw)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors and errors[0].get("type") == "json_invalid":
            raise ValidationFailed([("body", "the body is not valid JSON")]) from exc
        if errors and errors[0].get("type") == "model_type":
            raise ValidationFailed([("body", "the body must be a JSON object")]) from exc
        raise ValidationFailed(pydantic_problems(list(errors))) from exc


async def off_loop(size: int, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` for a body of ``size``: on the event loop when small, else in a worker
    thread so the loop keeps answering other requests. Exceptions pass through unchanged."""
    if size > OFF_LOOP_BYTES:
        return await run_in_threadpool(fn, *args)
    return fn(*args)


async def parse_body(raw: bytes, model: type[M]) -> M:
    """``parse_model``, off the event loop for a large body."""
    return await off_loop(len(raw), parse_model, raw, model)


async def read_model(request: Request, model: type[M]) -> M:
    limit = request.app.state.signet.settings.max_json_body_bytes
    return await parse_body(await read_body(request, limit), model)


def decode_base64_pdf(text: str, limit: int, loc: str = "document") -> bytes:
    """Decode a base64 (optionally data-URI, optionally line-wrapped) PDF; 413 past ``limit``."""
    m = _DATA_URI.match(text[:200])
    if m:
        text = text[m.end() :]
    # Reject early, before decoding, when the text alone proves the file too large.
    if len(text) * 3 // 4 > limit + 4096:
        raise PayloadTooLarge(f"The document is larger than {limit // (1024 * 1024)} MB")
    try:
        # a2b_base64 reads the str in place; b64decode would first copy it to bytes (27 MB for
        # a 20 MB PDF), which is most of the peak memory of a large create.
        data = binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        try:
            data = binascii.a2b_base64(_WS.sub("", text), strict_mode=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed([(loc, "is not valid base64")]) from None
    if len(data) > limit:
        raise PayloadTooLarge(f"The document is larger than {limit // (1024 * 1024)} MB")
    return data


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI text for a JSON body that the endpoint reads and checks itself."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def read_json(request: Request) -> Any:
    """The parsed JSON body (any type: the caller checks its shape)."""
    raw = await read_body(request, request.app.state.signet.settings.max_json_body_bytes)
    return await off_loop(len(raw), _load_json, raw)


def _load_json(raw: bytes) -> Any:
    refuse_huge_structure(raw)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationFailed([("body", "the body is not valid JSON")]) from None
    refuse_bad_values(data)
    return data

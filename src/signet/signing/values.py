"""Check and normalise the values a recipient submits, per field type (API.md §4.2)."""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

from signet.models import Field
from signet.signing import rules

_PNG_URI = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=\s]+)$")
MAX_MARK_BYTES = 2 * 1024 * 1024
# A signature or initials, even drawn on a large high-density screen, is well under this; 2 MB
# of PNG can hold 8000 x 8000 mostly empty pixels, a gigabyte to decode when the PDF is sealed.
MAX_MARK_SIDE = 4096
MARK_PROBLEM = "must be a PNG image (data URI) of at most 2 MB and 4096 pixels a side"


def png_data_uri_ok(value: str) -> bool:
    """A PNG data URI of at most MAX_MARK_BYTES, whose header says at most MAX_MARK_SIDE a side."""
    m = _PNG_URI.match(value or "")
    if not m:
        return False
    try:
        raw = base64.b64decode(m.group(1), validate=False)
    except ValueError:
        return False
    return raw.startswith(b"\x89PNG\r\n\x1a\n") and len(raw) <= MAX_MARK_BYTES and png_size_ok(raw)


def png_size_ok(raw: bytes) -> bool:
    """True when the PNG's header (its first chunk, IHDR) says at most MAX_MARK_SIDE a side."""
    if raw[12:16] != b"IHDR":
        return False
    width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    return 0 < width <= MAX_MARK_SIDE and 0 < height <= MAX_MARK_SIDE


def normalise_value(field: Field, raw: Any) -> tuple[str | None, str | None]:
    """(value, problem). Empty input → (None, None)."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None, None
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    value = str(raw)
    t = field.type
    if t in ("text", "text_area"):
        if len(value) > rules.MAX_TEXT_VALUE:
            return None, "is longer than 10000 characters"
        return value, None
    if t == "number":
        try:
            float(value.replace(",", "") if value.count(",") and "." in value else value)
        except ValueError:
            return None, "must be a number"
        return value.strip(), None
    if t in ("date", "approval_date"):
        try:
            return date.fromisoformat(value[:10]).isoformat(), None
        except ValueError:
            return None, "must be a date (YYYY-MM-DD)"
    if t in ("checkbox", "approval_checkmark", "radio_buttons"):
        v = value.strip().lower()
        if v not in ("true", "false"):
            return None, "must be true or false"
        return v, None
    if t == "dropdown":
        if value not in (field.dropdown_options or []):
            return None, "must be one of the field's options"
        return value, None
    if t in ("signature", "initial", "approval_signature"):
        # The adopted mark is set per recipient; a field only says it is signed.
        return ("signed", None) if value else (None, None)
    if t == "file":
        return value, None  # set by the upload endpoint (a JSON description), not typed in
    return None, "cannot be filled in"

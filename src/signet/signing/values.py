"""Check and normalise the values a recipient submits, per field type
(docs/compat/firma.md#field-types)."""

from __future__ import annotations

import base64
import io
import re
from datetime import date
from typing import Any

from PIL import Image

from signet.models import Field
from signet.signing import rules

_PNG_URI = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=\s]+)$")
MAX_MARK_BYTES = 2 * 1024 * 1024
# A signature or initials, even drawn on a large high-density screen, is well under this; 2 MB
# of PNG can hold 8000 x 8000 mostly empty pixels, a gigabyte to decode when the PDF is sealed.
MAX_MARK_SIDE = 4096
MARK_PROBLEM = "must be a PNG image (data URI) of at most 2 MB and 4096 pixels a side"


def png_data_uri_ok(value: str) -> bool:
    """A PNG data URI of at most MAX_MARK_BYTES that decodes, at most MAX_MARK_SIDE a side."""
    m = _PNG_URI.match(value or "")
    if not m:
        return False
    try:
        raw = base64.b64decode(m.group(1), validate=False)
    except ValueError:
        return False
    return len(raw) <= MAX_MARK_BYTES and image_ok(raw, ("PNG",))


def image_ok(raw: bytes, formats: tuple[str, ...]) -> bool:
    """True when ``raw`` is an image in one of ``formats`` (Pillow's names) that decodes whole
    and is at most MAX_MARK_SIDE pixels a side.

    Checked when a mark or stamp arrives, as the seal will read it: the size Pillow reports is
    the one it decodes (a second IHDR chunk in a PNG would pass a look at the first), and a
    file that breaks while decoding is refused now rather than failing every finalisation.
    The size is checked before any pixel is decoded, so decoding costs at most 64 MB.
    """
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in formats:
                return False
            width, height = image.size
            if not (0 < width <= MAX_MARK_SIDE and 0 < height <= MAX_MARK_SIDE):
                return False
            image.load()
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001  (Pillow reports a damaged file with many types)
        return False
    return True


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

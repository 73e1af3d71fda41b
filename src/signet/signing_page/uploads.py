"""Files a recipient attaches to a ``file`` field: checked by their first bytes, stored by
SHA-256, and handed back to the page as a signed token so that ``finish`` only accepts files this
recipient uploaded to this field."""

from __future__ import annotations

import hashlib
import json

from signet.errors import PayloadTooLarge, ValidationFailed
from signet.kit import signed_urls

MAX_FILE_BYTES = 10 * 1024 * 1024
TOKEN_TTL_SECONDS = 7 * 24 * 3600
_PURPOSE = "signing-upload"

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
ACCEPTED = {
    "image_and_pdf": (*IMAGE_TYPES, "application/pdf"),
    "image": IMAGE_TYPES,
    "pdf": ("application/pdf",),
}
_KIND_WORDS = {"image_and_pdf": "an image or a PDF", "image": "an image", "pdf": "a PDF"}


def sniff(data: bytes) -> str | None:
    """The media type the file's magic bytes show, among those Signet accepts."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    return None


def accepted_kind(format_rules: dict[str, object] | None) -> str:
    kind = (format_rules or {}).get("acceptedFileTypes")
    return kind if isinstance(kind, str) and kind in ACCEPTED else "image_and_pdf"


def accept_attribute(format_rules: dict[str, object] | None) -> str:
    """The ``accept`` attribute of the file input for this field."""
    kind = accepted_kind(format_rules)
    return ",".join(ACCEPTED[kind])


def safe_file_name(name: str | None) -> str:
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?').strip()
    return cleaned[:200] or "file"


def check_file(data: bytes, format_rules: dict[str, object] | None) -> str:
    """The file's media type, or ValidationFailed/PayloadTooLarge saying what is wrong."""
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge("The file is larger than 10 MB")
    if not data:
        raise ValidationFailed([("file", "the file is empty")])
    kind = accepted_kind(format_rules)
    media_type = sniff(data)
    if media_type is None or media_type not in ACCEPTED[kind]:
        raise ValidationFailed(
            [
                (
                    "file",
                    f"this field accepts {_KIND_WORDS[kind]} "
                    "(PNG, JPEG, GIF, WebP or PDF as allowed)",
                )
            ]
        )
    return media_type


def describe(data: bytes, file_name: str, media_type: str) -> tuple[str, str]:
    """(sha256, the field value: a JSON description of the stored file)."""
    sha = hashlib.sha256(data).hexdigest()
    value = json.dumps(
        {"sha256": sha, "file_name": file_name, "content_type": media_type, "size": len(data)},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return sha, value


def issue_token(secret: bytes, recipient_id: str, field_id: str, value: str) -> str:
    return signed_urls.sign(
        secret, {"p": _PURPOSE, "r": recipient_id, "f": field_id, "v": value}, TOKEN_TTL_SECONDS
    )


def value_from_token(secret: bytes, recipient_id: str, field_id: str, token: str) -> str:
    """The stored-file description behind an upload token of this recipient and field."""
    try:
        payload = signed_urls.verify(secret, token)
    except (signed_urls.InvalidToken, ValueError, KeyError):
        payload = {}
    if (
        payload.get("p") != _PURPOSE
        or payload.get("r") != recipient_id
        or (payload.get("f") != field_id)
    ):
        raise ValidationFailed([(f"values.{field_id}", "upload the file again")])
    return str(payload["v"])

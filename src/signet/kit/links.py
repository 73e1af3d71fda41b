"""Links Signet hands out: signed expiring file URLs, upload URLs and signing-page URLs."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from signet.kit import signed_urls

# Where the signing page answers: a recipient's link (``/signing/{id}``) and a PandaDoc
# session (``/s/{id}``).
SIGNING_PAGE_PREFIXES = ("/signing/", "/s/")
SEVEN_DAYS = 7 * 24 * 3600
ONE_HOUR = 3600


def file_link(
    base_url: str, secret: bytes, sha256: str, filename: str, ttl: int, now: float | None = None
) -> tuple[str, datetime]:
    """A URL serving the stored blob ``sha256`` until it expires, and the expiry time. The same
    arguments and the same second give the same URL."""
    if now is None:
        now = time.time()
    token = signed_urls.sign(secret, {"p": "file", "s": sha256, "n": filename}, ttl, now=now)
    expires = datetime.fromtimestamp(int(now + ttl), UTC)
    return f"{base_url}/files/{token}", expires


def upload_link(
    base_url: str, secret: bytes, document_id: str, ttl: int = ONE_HOUR
) -> tuple[str, str]:
    token = signed_urls.sign(secret, {"p": "upload", "d": document_id}, ttl)
    return f"{base_url}/v1/uploads/{token}", token


def signing_link(base_url: str, recipient_id: str) -> str:
    return f"{base_url}/signing/{recipient_id}"

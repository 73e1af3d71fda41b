"""Webhook signing secrets and signatures, in the Firma and PandaDoc formats
(docs/compat/webhooks.md).

Firma signs a timestamp and the body into a header; PandaDoc signs the body into a ``signature``
query parameter. Both are HMAC-SHA256 keyed with the secret's text (not hex-decoded), as the
upstream receivers compute it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import quote

from signet.kit.tokens import random_base62

__all__ = [
    "FIRMA_TOLERANCE_SECONDS",
    "append_signature_param",
    "firma_signature_header",
    "firma_signature_headers",
    "new_firma_secret",
    "new_pandadoc_shared_key",
    "pandadoc_signature",
    "verify_firma_signature",
    "verify_pandadoc_signature",
]

# Receivers should allow ±5 min on t (docs/compat/webhooks.md#firma-format).
FIRMA_TOLERANCE_SECONDS = 300
_DIGITS_RE = re.compile(r"^[0-9]+$")


def new_firma_secret() -> str:
    """A webhook secret for a company or workspace: 64 hex characters (256 bits)."""
    return secrets.token_hex(32)


def new_pandadoc_shared_key() -> str:
    """A PandaDoc webhook subscription's shared key: 20 letters and digits (about 119 bits)."""
    return random_base62(20)


def _hmac_hex(key: str, payload: bytes) -> str:
    return hmac.new(key.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def firma_signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.

    Sign the exact bytes sent, with a fresh timestamp on every attempt.
    """
    digest = _hmac_hex(secret, f"{int(timestamp)}.".encode() + body)
    return f"t={int(timestamp)},v1={digest}"


def firma_signature_headers(
    secret: str, body: bytes, timestamp: int, *, previous_secret: str | None = None
) -> dict[str, str]:
    """``X-Firma-Signature``, plus ``X-Firma-Signature-Old`` while a rotated-out secret is in
    its grace period, so receivers still holding the old secret keep verifying."""
    headers = {"X-Firma-Signature": firma_signature_header(secret, body, timestamp)}
    if previous_secret:
        headers["X-Firma-Signature-Old"] = firma_signature_header(previous_secret, body, timestamp)
    return headers


def verify_firma_signature(
    secret: str,
    body: bytes,
    header: str,
    tolerance_s: float = FIRMA_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its ``t`` is within
    ``tolerance_s`` of ``now`` (either side). A malformed header is simply not valid."""
    timestamp: str | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            timestamp = value.strip()
        elif key == "v1":
            candidates.append(value.strip().lower())
    if timestamp is None or not _DIGITS_RE.match(timestamp) or not candidates:
        return False
    current = time.time() if now is None else now
    # The window bounds replays of a captured delivery.
    if abs(current - int(timestamp)) > tolerance_s:
        return False
    expected = _hmac_hex(secret, f"{timestamp}.".encode() + body).encode()
    # Check every candidate without stopping early, so timing says nothing about which matched.
    matches = [hmac.compare_digest(expected, c.encode("utf-8", "replace")) for c in candidates]
    return any(matches)


def pandadoc_signature(shared_key: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body, keyed with the subscription's shared key."""
    return _hmac_hex(shared_key, body)


def verify_pandadoc_signature(shared_key: str, body: bytes, signature: str) -> bool:
    """True when ``signature`` (the ``signature`` query value) matches ``body``."""
    expected = pandadoc_signature(shared_key, body).encode()
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace"))


def append_signature_param(url: str, signature: str) -> str:
    """Add ``signature=<hex>`` to the subscriber's URL, after any query string it already has
    (which is kept byte for byte: some receivers sign or route on it)."""
    base, hash_mark, fragment = url.partition("#")
    if "?" not in base:
        separator = "?"
    elif base.endswith(("?", "&")):
        separator = ""
    else:
        separator = "&"
    signed = f"{base}{separator}signature={quote(signature, safe='')}"
    return f"{signed}#{fragment}" if hash_mark else signed

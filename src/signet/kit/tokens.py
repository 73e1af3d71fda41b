"""Random secrets and their storage hashes."""

from __future__ import annotations

import hashlib
import secrets
import string

_BASE62 = string.digits + string.ascii_letters


def random_base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def new_api_key(kind: str = "live") -> str:
    """``signet_live_`` + 43 base62 characters (about 256 bits)."""
    return f"signet_{kind}_{random_base62(43)}"


def hash_token(token: str) -> str:
    """Storage hash of a high-entropy token; the token itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()

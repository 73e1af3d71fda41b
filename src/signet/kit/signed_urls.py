"""HMAC-signed, expiring tokens for links served by Signet (files, uploads).

A token is ``<payload>.<signature>`` in URL-safe base64; the payload is compact JSON carrying
the purpose, the object and the expiry, so a link can be checked without a database read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import orjson


class InvalidToken(Exception):
    """The token is malformed or its signature does not match."""


class ExpiredToken(InvalidToken):
    """The token was genuine but its time is up."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, payload: dict[str, Any], ttl_seconds: int, now: float | None = None) -> str:
    exp = int((now if now is not None else time.time()) + ttl_seconds)
    body = _b64(orjson.dumps({**payload, "exp": exp}))
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:20]
    return f"{body}.{_b64(mac)}"


def verify(secret: bytes, token: str, now: float | None = None) -> dict[str, Any]:
    try:
        body, mac = token.split(".", 1)
        expected = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:20]
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidToken("bad signature")
        payload: dict[str, Any] = orjson.loads(_unb64(body))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidToken(str(exc)) from exc
    if payload.get("exp", 0) < (now if now is not None else time.time()):
        raise ExpiredToken("expired")
    return payload

"""Short secrets that must cross the job queue (a one-time code on its way to an email or an
SMS): encrypted under a key derived from the installation secret, so the jobs table never holds
them in clear (docs/identity.md#how-codes-are-kept)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

_CONTEXT = b"signet.kit.sealed.v1"


def _fernet(secret: bytes) -> Fernet:
    key = hmac.new(secret, _CONTEXT, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: bytes, text: str) -> str:
    return _fernet(secret).encrypt(text.encode()).decode()


def unseal(secret: bytes, token: str) -> str | None:
    """The text, or None when the token was not sealed by this installation."""
    try:
        return _fernet(secret).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None

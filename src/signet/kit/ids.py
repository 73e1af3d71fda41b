"""Identifier forms: canonical UUIDs, and PandaDoc's 22-char base-57 form of the same UUID."""

from __future__ import annotations

import uuid

import shortuuid


def parse_uuid(value: str) -> str | None:
    """Canonical lower-case UUID string for either form, or None if undecodable."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        pass
    if isinstance(value, str) and len(value) == 22:
        try:
            return str(shortuuid.decode(value))
        except (ValueError, KeyError):
            return None
    return None


def short_id(value: str) -> str:
    return str(shortuuid.encode(uuid.UUID(value)))

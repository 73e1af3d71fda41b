"""Time formats of the two faces, and input parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime


def firma_time(value: datetime | None) -> str | None:
    """Seconds precision with a Z, as Firma's examples: 2025-03-01T09:30:00Z."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pandadoc_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Any ISO 8601 value; no offset means UTC; a bare date means 00:00 UTC."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = datetime.combine(date.fromisoformat(text), datetime.min.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)

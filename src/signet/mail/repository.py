"""The signing rows an email talks about, read for the ``email.send`` job (its workspace comes
from ``workspaces.repository``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.models import Recipient, SigningRequest


def request_by_id(session: Session, request_id: str) -> SigningRequest | None:
    return session.get(SigningRequest, request_id)


def recipient_by_id(session: Session, recipient_id: str | None) -> Recipient | None:
    """The recipient, or None for an email to a plain address (no recipient id)."""
    return session.get(Recipient, recipient_id) if recipient_id else None

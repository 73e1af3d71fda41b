"""Queries of the identity checks' rows (``recipient_verifications``; docs/identity.md). The
rules are ``signing.identity``'s; these never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from signet.models import RecipientVerification


def for_recipients(session: Session, recipient_ids: Sequence[str]) -> list[RecipientVerification]:
    """Every check row of these recipients."""
    if not recipient_ids:
        return []
    return list(
        session.scalars(
            select(RecipientVerification).where(
                RecipientVerification.recipient_id.in_(list(recipient_ids))
            )
        ).all()
    )

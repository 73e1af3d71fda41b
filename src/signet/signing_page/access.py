"""How a visitor reaches a recipient: the fixed recipient link or an embedded session.

Both kinds of link resolve to the same (request, recipient) pair; every sub-route (actions,
page images, download) repeats the check, so an expired session stops working everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from signet.models import Recipient, SigningRequest
from signet.signing.recipient_actions import load_for_recipient
from signet.signing.repository_reads import session_target
from signet.signing.sessions import resolve_session
from signet.workspaces.repository import workspace_by_id

RECIPIENT, SESSION = "recipient", "session"


@dataclass(frozen=True)
class Link:
    """The link in the address bar: ``/signing/{token}`` or ``/s/{token}``."""

    kind: str
    token: str

    @property
    def base_path(self) -> str:
        prefix = "/signing" if self.kind == RECIPIENT else "/s"
        return f"{prefix}/{self.token}"

    @property
    def session_id(self) -> str | None:
        return self.token if self.kind == SESSION else None


def resolve(
    session: Session, link: Link, *, for_update: bool = False
) -> tuple[SigningRequest, Recipient]:
    """The request and recipient behind the link; NotFound, or SessionExpired (410)."""
    if link.kind == SESSION:
        request, recipient, _row = resolve_session(session, link.token, for_update=for_update)
        return request, recipient
    return load_for_recipient(session, link.token, for_update=for_update)


def expired_session_target(session: Session, token: str) -> tuple[SigningRequest, Recipient] | None:
    """Who an expired session pointed at, so the 410 page can tell the host window."""
    return session_target(session, token)


def workspace_settings(session: Session, request: SigningRequest) -> dict[str, Any]:
    workspace = workspace_by_id(session, request.workspace_id)
    return dict(workspace.settings or {}) if workspace else {}

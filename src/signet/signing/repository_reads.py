"""Read-only queries of signing data that the faces make: a request's stored PDF, who a
signing session's token points at, a workspace's contacts, and the point read behind
``GET /signing-requests/{id}``. Loading and listing requests is ``signing.repository``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signet.kit.tokens import hash_token
from signet.models import Blob, Recipient, SigningRequest, SigningSession
from signet.point_reads import PointReader, Row


def request_blob(session: Session, request: SigningRequest) -> Blob | None:
    """The stored PDF of the request; None while it has none."""
    return session.get(Blob, request.document_sha256) if request.document_sha256 else None


def session_target(session: Session, token: str) -> tuple[SigningRequest, Recipient] | None:
    """The request and recipient a signing session's token was made for, whatever the state
    of either and however old the session; None for an unknown token."""
    row = session.scalars(
        select(SigningSession).where(SigningSession.token_hash == hash_token(token or ""))
    ).first()
    if row is None:
        return None
    request = session.get(SigningRequest, row.signing_request_id)
    recipient = session.get(Recipient, row.recipient_id)
    if request is None or recipient is None:
        return None
    return request, recipient


def workspace_contacts(
    session: Session, workspace_id: str
) -> list[tuple[str, str, str, str | None]]:
    """(email, first name, last name, phone) of every recipient of the workspace's requests,
    newest first, repeats included."""
    rows = session.execute(
        select(Recipient.email, Recipient.first_name, Recipient.last_name, Recipient.phone_number)
        .join(SigningRequest, SigningRequest.id == Recipient.signing_request_id)
        .where(SigningRequest.workspace_id == workspace_id)
        .order_by(Recipient.created_at.desc())
    ).all()
    return [(email, first, last, phone) for email, first, last, phone in rows]


# The columns of ``signing_requests`` the detail shape needs, in the order the point read
# returns them.
DETAIL_COLUMNS = (
    "id",
    "workspace_id",
    "name",
    "description",
    "state",
    "template_id",
    "document_sha256",
    "page_count",
    "expiration_hours",
    "expires_at",
    "language",
    "settings",
    "metadata",
    "created_at",
    "updated_at",
    "sent_at",
    "finished_at",
    "cancelled_at",
    "declined_at",
    "last_signing_action_at",
    "certificate_generated_at",
    "certificate_has_error",
    "final_sha256",
    "document_only_sha256",
    "certificate_only_sha256",
)
_DETAIL_SQL = (
    f"SELECT {', '.join(DETAIL_COLUMNS)} FROM signing_requests WHERE id = ? AND workspace_id = ?"
)


async def detail_columns(point: PointReader, request_id: str, workspace_id: str) -> Row | None:
    """The ``DETAIL_COLUMNS`` of the request in this workspace, as the driver returns them (see
    ``signet.point_reads``), deleted ones included; None when there is no such row.
    ``request_id`` is canonical (``kit.ids.parse_uuid``)."""
    return await point.one(_DETAIL_SQL, (request_id, workspace_id))

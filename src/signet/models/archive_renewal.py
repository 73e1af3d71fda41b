"""One archive timestamp renewal (docs/evidence.md): a sealed file replaced by a copy with one
more document timestamp. The old file stays stored and is still recognised by its SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from signet.models.base import ID, Base, UTCDateTime, new_id, utcnow


class ArchiveRenewal(Base):
    __tablename__ = "archive_renewals"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    signing_request_id: Mapped[str] = mapped_column(
        ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True
    )
    variant: Mapped[str] = mapped_column(String(20))  # final | document_only | certificate_only
    previous_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # When the certificate of the new file's last document timestamp expires.
    archive_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Stored files: content-addressed blobs, and uploaded documents waiting to be used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from signet.models.base import ID, Base, JSONType, UTCDateTime, new_id, utcnow


class Blob(Base):
    """One stored PDF, keyed by the SHA-256 of its bytes: the same file is stored once."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int] = mapped_column(Integer)
    # [[width_pt, height_pt], ...] per page, as displayed (rotation applied).
    page_sizes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    # The SHA-256 of the file as uploaded, when intake rewrote it (repaired, or active content
    # removed: docs/pdf-intake.md); None when the stored file is the upload byte for byte.
    upload_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UploadedDocument(Base):
    """A presigned upload ticket (Firma ``POST /documents`` with ``file_name``) and its result."""

    __tablename__ = "uploaded_documents"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True)
    upload_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    usable_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

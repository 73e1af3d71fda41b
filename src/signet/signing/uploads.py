"""Uploaded documents: a PDF sent ahead of the create that uses it.

An upload is opened ``pending`` with the size the client declares, receives its bytes once
(exactly that many, a usable PDF) and becomes ``uploaded``; a create may then name it by id
for 24 hours. The URL the bytes are sent to is the face's business (Firma hands out a signed
one); the lifecycle and its checks live here so every face can offer uploads.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from signet.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from signet.kit.ids import parse_uuid
from signet.models import Blob, UploadedDocument
from signet.models.base import utcnow
from signet.signing import repository
from signet.signing.documents import check_pdf, store_pdf
from signet.storage import BlobStore

# How long the client has to send the bytes, and how long the upload is usable afterwards.
SEND_WITHIN = timedelta(hours=1)
USABLE_FOR = timedelta(hours=24)
ALLOWED_CONTENT_TYPES = {"application/pdf"}


def open_upload(
    session: Session,
    *,
    workspace_id: str,
    file_name: str,
    file_size: int,
    content_type: str,
    max_bytes: int,
) -> UploadedDocument:
    """Open a ``pending`` upload after checking what the client declares: a PDF of 1 byte up
    to ``max_bytes`` (413 past it)."""
    problems = []
    if file_size < 1:
        problems.append(("file_size", "must be at least 1 byte"))
    elif file_size > max_bytes:
        raise PayloadTooLarge(f"file_size is over the {max_bytes} byte limit")
    if content_type.split(";")[0].strip().lower() not in ALLOWED_CONTENT_TYPES:
        problems.append(("content_type", "must be application/pdf (DOCX needs a converter)"))
    if problems:
        raise ValidationFailed(problems)
    upload = UploadedDocument(
        workspace_id=workspace_id,
        file_name=file_name,
        content_type="application/pdf",
        declared_size=file_size,
        status="pending",
        upload_expires_at=utcnow() + SEND_WITHIN,
    )
    session.add(upload)
    session.flush()
    return upload


def receive_upload(
    session: Session, store: BlobStore, upload_id: str, data: bytes
) -> tuple[UploadedDocument, Blob]:
    """Take the bytes of a ``pending`` upload once: exactly the declared size and a usable
    PDF; stored by hash, the upload is then ``uploaded`` and usable for 24 hours."""
    upload = repository.find_upload(session, upload_id, for_update=True)
    if upload is None:
        # The caller reached us through a signed link naming this upload: a link to nothing is
        # a bad credential, not a missing resource.
        raise Forbidden("Invalid upload URL")
    if upload.status == "uploaded":
        raise Conflict("This upload URL has already been used", code="ALREADY_UPLOADED")
    if len(data) != upload.declared_size:
        raise ValidationFailed(
            [
                (
                    "body",
                    f"expected {upload.declared_size} bytes as declared "
                    f"in file_size, received {len(data)}",
                )
            ]
        )
    blob = store_pdf(session, store, check_pdf(data, loc="body"))
    upload.blob_sha256 = blob.sha256
    upload.status = "uploaded"
    upload.usable_until = utcnow() + USABLE_FOR
    return upload, blob


def usable_blob(session: Session, workspace_id: str, upload_id: str) -> Blob:
    """The stored PDF of this workspace's upload; 404 for an unknown id, 400 while it is still
    pending or once its 24 hours are over."""
    parsed = parse_uuid(upload_id)
    upload = repository.find_upload(session, parsed) if parsed else None
    if upload is None or upload.workspace_id != workspace_id:
        raise NotFound("Document not found")
    if upload.status != "uploaded" or upload.blob_sha256 is None:
        raise ValidationFailed([("document_id", "the document has not been uploaded yet")])
    if upload.usable_until and upload.usable_until <= utcnow():
        raise ValidationFailed([("document_id", "the uploaded document has expired")])
    blob = repository.find_blob(session, upload.blob_sha256)
    assert blob is not None  # the upload's blob row is written with it and never removed
    return blob

"""The document of a create or replace: a base64 PDF or an uploaded ``document_id``, checked
before anything is written, with anchor tags applied when given."""

from __future__ import annotations

from typing import Any

from signet.api.auth import AuthContext
from signet.api.body import decode_base64_pdf
from signet.api.state import AppState
from signet.errors import NotFound, ValidationFailed
from signet.kit.ids import parse_uuid
from signet.models import Blob, UploadedDocument
from signet.models.base import utcnow
from signet.pdf.inspect import PdfInfo
from signet.signing.anchors import AnchorResult, AnchorSpec, apply_anchor_tags
from signet.signing.documents import check_pdf, store_pdf
from signet.signing.specs import DraftSpec

Document = Blob | PdfInfo


def resolve_pdf(
    session: Any,
    state: AppState,
    auth: AuthContext,
    *,
    document: str | None,
    document_id: str | None,
    required: bool = True,
) -> Document | None:
    """The stored blob of an uploaded document, or the checked (not yet stored) inline PDF."""
    if document and document_id:
        raise ValidationFailed([("document", "give either document or document_id, not both")])
    if document_id:
        doc_id = parse_uuid(document_id)
        doc = session.get(UploadedDocument, doc_id) if doc_id else None
        if doc is None or doc.workspace_id != auth.workspace_id:
            raise NotFound("Document not found")
        if doc.status != "uploaded" or doc.blob_sha256 is None:
            raise ValidationFailed([("document_id", "the document has not been uploaded yet")])
        if doc.usable_until and doc.usable_until <= utcnow():
            raise ValidationFailed([("document_id", "the uploaded document has expired")])
        blob = session.get(Blob, doc.blob_sha256)
        assert blob is not None
        return blob
    if not document:
        if required:
            raise ValidationFailed([("document", "a base64 document or a document_id is required")])
        return None
    return check_pdf(decode_base64_pdf(document, state.settings.max_inline_pdf_bytes))


def pdf_bytes(state: AppState, document: Document) -> bytes:
    return document.data if isinstance(document, PdfInfo) else state.store.get(document.sha256)


def with_anchors(
    state: AppState, document: Document, spec: DraftSpec, tags: list[AnchorSpec]
) -> tuple[Document, AnchorResult]:
    """Add the anchor tags' fields to ``spec``; the painted document replaces the original."""
    result = apply_anchor_tags(spec, pdf_bytes(state, document), tags)
    if result.pdf is not None:
        document = check_pdf(result.pdf)
    return document, result


def store(session: Any, state: AppState, document: Document) -> Blob:
    return document if isinstance(document, Blob) else store_pdf(session, state.store, document)

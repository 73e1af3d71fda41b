"""Firma's two ways to give a create or replace its PDF: ``document`` (base64) or an uploaded
``document_id``. Reading them is the face's part; checking and storing the PDF are the
domain's (``signing.creation``), called from here for the template replace routes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signet.api.auth import AuthContext
from signet.api.body import decode_base64_pdf
from signet.api.state import AppState
from signet.errors import ValidationFailed
from signet.models import Blob
from signet.signing import creation
from signet.signing.creation import Document, DocumentSource

REQUIRED = "a base64 document or a document_id is required"


def source(
    state: AppState,
    *,
    document: str | None,
    document_id: str | None,
    required: str | None = REQUIRED,
) -> DocumentSource:
    """The document as the domain takes it; ``required`` is the message when neither is
    given (None: the document is optional). 400 for both, or for base64 that is not base64;
    413 past the inline size limit."""
    if document and document_id:
        raise ValidationFailed([("document", "give either document or document_id, not both")])
    if document_id:
        return DocumentSource(upload_id=document_id)
    if not document:
        if required:
            raise ValidationFailed([("document", required)])
        return DocumentSource()
    return DocumentSource(pdf=decode_base64_pdf(document, state.settings.max_inline_pdf_bytes))


def source_or_problems(
    state: AppState,
    problems: list[tuple[str, str]],
    *,
    document: str | None,
    document_id: str | None,
    required: str | None = REQUIRED,
) -> DocumentSource:
    """As ``source``, with a 400's problems added to ``problems`` (reported with the rest)."""
    try:
        return source(state, document=document, document_id=document_id, required=required)
    except ValidationFailed as exc:
        problems += exc.problems
        return DocumentSource()


def resolve_pdf(
    session: Session,
    state: AppState,
    auth: AuthContext,
    *,
    document: str | None,
    document_id: str | None,
) -> Document:
    """The stored blob of an uploaded document, or the checked (not yet stored) inline PDF."""
    found = creation.read_document(
        session,
        auth.workspace_id,
        source(state, document=document, document_id=document_id),
    )
    assert found is not None  # source() insists on one of the two
    return found


def pdf_bytes(state: AppState, document: Document) -> bytes:
    return creation.document_bytes(state.store, document)


def store(session: Session, state: AppState, document: Document) -> Blob:
    return creation.store_document(session, state.store, document)

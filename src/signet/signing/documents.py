"""Accept a PDF once: validate, repair if needed, store content-addressed, record its pages.

Checking (``check_pdf``) and storing (``store_pdf``) are separate so a create can check the
document and every other input first, and write nothing when anything is wrong.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signet.errors import ValidationFailed
from signet.models import Blob
from signet.pdf.inspect import PdfInfo, PdfProblem, inspect_pdf
from signet.signing import repository
from signet.storage import BlobStore


def check_pdf(data: bytes, *, loc: str = "document") -> PdfInfo:
    """The PDF's description; 400 with a clear message when it is not a usable PDF."""
    try:
        return inspect_pdf(data)
    except PdfProblem as exc:
        raise ValidationFailed([(loc, str(exc))]) from exc


def store_pdf(session: Session, store: BlobStore, info: PdfInfo) -> Blob:
    """Store a checked PDF once by SHA-256 and return its Blob row."""
    digest = hashlib.sha256(info.data).hexdigest()
    blob = repository.find_blob(session, digest)
    if blob is not None:
        return blob
    store.put(digest, info.data)
    blob = Blob(
        sha256=digest,
        size=len(info.data),
        page_count=info.page_count,
        page_sizes=[list(s) for s in info.page_sizes],
        upload_sha256=info.upload_sha256 if info.upload_sha256 not in ("", digest) else None,
    )
    try:
        with session.begin_nested():
            session.add(blob)
    except IntegrityError:
        # Another request stored the same file a moment ago: use its row.
        existing = repository.find_blob(session, digest)
        if existing is None:
            raise
        return existing
    return blob

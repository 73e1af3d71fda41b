"""What the PDF pipeline stamps onto pages and writes into the certificate of completion.

Plain frozen dataclasses, validated on creation, so the domain code can build them from its
models and the PDF code can trust them without a database at hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "DATE_FORMATS",
    "FIELD_TYPES",
    "IMAGE_FIELD_TYPES",
    "CertificateData",
    "CertificateEvent",
    "CertificateRecipient",
    "StampValue",
]

FIELD_TYPES: frozenset[str] = frozenset(
    {
        "signature",
        "initial",
        "text",
        "text_area",
        "number",
        "date",
        "checkbox",
        "radio_buttons",
        "dropdown",
        "url",
        "file",
        "stamp",
        "approval_signature",
        "approval_checkmark",
        "approval_date",
    }
)
# Types whose value is a "data:image/...;base64," URI drawn as a picture.
IMAGE_FIELD_TYPES: frozenset[str] = frozenset(
    {"signature", "initial", "stamp", "approval_signature"}
)
DATE_FORMATS: tuple[str, ...] = (
    "MM/dd/yyyy",
    "dd/MM/yyyy",
    "yyyy-MM-dd",
    "MMMM dd, yyyy",
    "MMM dd, yyyy",
    "dd MMMM yyyy",
)


@dataclass(frozen=True)
class StampValue:
    """One filled field to draw on the final PDF.

    Geometry is in percent of the page as displayed (rotation and CropBox applied), with the
    origin at the top-left corner, exactly as the API takes it.
    """

    page_number: int  # 1-based
    x: float
    y: float
    width: float
    height: float
    type: str
    # Text as typed; ISO date for dates; "true"/"false" for checkbox, approval_checkmark and
    # each radio member; the chosen option for dropdown; a PNG/JPEG data URI for images.
    value: str
    date_format: str | None = None
    font_size: float | None = None
    url_text: str | None = None
    # For a typed signature or initials: the typed text, laid invisibly over the image so the
    # final PDF's text (search, copy, extraction) holds the same characters the signer typed.
    text_layer: str | None = None

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            expected = ", ".join(sorted(FIELD_TYPES))
            raise ValueError(f"Unknown field type {self.type!r}; expected one of {expected}")
        if self.page_number < 1:
            raise ValueError(f"page_number must be 1 or more, got {self.page_number}")
        # A tiny tolerance: the API checks x + width <= 100 on floats that went through JSON.
        eps = 1e-6
        if self.x < 0 or self.y < 0 or self.width <= 0 or self.height <= 0:
            raise ValueError("x and y must be >= 0, width and height > 0 (percent of the page)")
        if self.x + self.width > 100 + eps or self.y + self.height > 100 + eps:
            raise ValueError("the field must stay on the page: x + width and y + height <= 100")
        if self.date_format is not None and self.date_format not in DATE_FORMATS:
            expected = ", ".join(DATE_FORMATS)
            raise ValueError(f"Unknown date_format {self.date_format!r}; expected {expected}")
        if self.font_size is not None and not 8 <= self.font_size <= 48:
            raise ValueError(f"font_size must be between 8 and 48, got {self.font_size}")


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime (UTC), got a naive one")


@dataclass(frozen=True)
class CertificateRecipient:
    """A signer, approver or CC as the certificate shows them."""

    name: str
    email: str
    designation: str  # "Signer", "Approver" or "CC"
    order: int | None = None
    authentication: str = "Email link"
    ip: str | None = None
    user_agent: str | None = None
    sent_at: datetime | None = None
    viewed_at: datetime | None = None
    consent_at: datetime | None = None
    terms_version: str | None = None
    signed_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str | None = None
    signature_png: bytes | None = None
    initials_png: bytes | None = None
    signature_id: str | None = None  # the recipient UUID

    def __post_init__(self) -> None:
        for name in ("sent_at", "viewed_at", "consent_at", "signed_at", "declined_at"):
            _require_aware(name, getattr(self, name))

    @property
    def is_cc(self) -> bool:
        return self.designation.strip().lower() == "cc"


@dataclass(frozen=True)
class CertificateEvent:
    """One audit event, in chain order."""

    time: datetime
    event: str
    actor: str | None = None
    ip: str | None = None

    def __post_init__(self) -> None:
        _require_aware("time", self.time)


@dataclass(frozen=True)
class CertificateData:
    """Everything the certificate of completion shows (docs/certificate.md#contents)."""

    document_name: str
    signing_request_id: str  # UUID
    short_id: str  # the same id as 22-char base-57 (PandaDoc form)
    page_count: int
    original_sha256: str
    signed_sha256: str  # the sealed document-only PDF
    audit_hash: str  # final hash of the audit chain
    installation_name: str
    base_url: str
    time_zone: str = "UTC"  # IANA name of the company/workspace zone
    created_at: datetime | None = None
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    completed_manually_by: str | None = None
    test: bool = False
    recipients: Sequence[CertificateRecipient] = field(default_factory=tuple)
    events: Sequence[CertificateEvent] = field(default_factory=tuple)
    logo_png: bytes | None = None  # company/workspace logo, top of the first page
    page_size: str = "A4"  # "A4" or "Letter"
    # The upload's SHA-256 when intake rewrote it into the original (docs/pdf-intake.md).
    uploaded_sha256: str | None = None
    # How many per-signer signatures the signed files carry (docs/seal-keys.md); 0: none.
    signer_signatures: int = 0
    # With a remote signing service (SIGNET_CSC_URL): the subject of its credential's
    # certificate, which makes every per-signer signature; None: the signing CA's certificates.
    signer_signatures_by: str | None = None

    def __post_init__(self) -> None:
        for name in ("created_at", "sent_at", "completed_at", "expires_at"):
            _require_aware(name, getattr(self, name))
        if self.page_size not in ("A4", "Letter"):
            raise ValueError(f"page_size must be 'A4' or 'Letter', got {self.page_size!r}")
        if self.page_count < 0:
            raise ValueError("page_count must not be negative")

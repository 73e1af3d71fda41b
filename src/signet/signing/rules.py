"""Constants of the signing domain: field types, designations, settings and their defaults."""

from __future__ import annotations

from typing import Any

FIELD_TYPES = {
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
FIELD_TYPE_ALIASES = {
    "initials": "initial",
    "textarea": "text_area",
    "radio": "radio_buttons",
    "image": "stamp",
}
APPROVER_ONLY_TYPES = {"approval_signature", "approval_checkmark", "approval_date"}
# Omitted sizes (percent of the page), as anchor defaults.
DEFAULT_SIZES = {
    "signature": (25.0, 5.0),
    "text": (20.0, 3.0),
    "checkbox": (3.0, 3.0),
}
DATE_FORMATS = {
    "MM/dd/yyyy",
    "dd/MM/yyyy",
    "yyyy-MM-dd",
    "MMMM dd, yyyy",
    "MMM dd, yyyy",
    "dd MMMM yyyy",
}
PREFILL_KEYS = {
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone_number",
    "company",
    "title",
    "street_address",
    "city",
    "state_province",
    "postal_code",
    "country",
}
DESIGNATIONS = {"signer": "Signer", "approver": "Approver", "cc": "CC"}
LANGUAGES = {
    "en",
    "es",
    "it",
    "pt",
    "fr",
    "de",
    "el",
    "ru",
    "pl",
    "cs",
    "sv",
    "nl",
    "ro",
    "nb",
    "ca",
}

# Built-in defaults of the request settings (docs/settings.md#request-settings). None means
# "inherit; off".
SETTINGS_DEFAULTS: dict[str, Any] = {
    "allow_download": True,
    "attach_pdf_on_finish": True,
    "allow_editing_before_sending": False,
    "use_signing_order": True,
    "hand_drawn_only": False,
    "send_signing_email": True,
    "send_finish_email": True,
    "send_expiration_email": True,
    "send_cancellation_email": True,
    "allow_partial_download": False,
    "require_otp_verification": None,
    "disable_guided_navigation": None,
    "allow_presigning_download": None,
    "show_qr_code": None,
    "show_signature_frame": None,
    "show_partial_watermark": None,
    "require_terms_acceptance": None,
    "identity_editable_fields": None,
    "notify_identity_change_email": False,
    "notify_identity_change_webhook": False,
    # Signet extension: an SMS code before signing (docs/identity.md).
    "require_sms_verification": None,
    # Signet extension: a PAdES signature per signer before the seal (docs/seal-keys.md).
    "signature_per_signer": None,
}
# Settings Signet takes but does not act on (docs/settings.md#what-signet-does-with-each-setting).
# A security promise Signet cannot keep is refused; a cosmetic one is accepted with a warning.
REFUSED_SETTINGS: dict[str, str] = {
    "require_terms_acceptance": (
        "is not supported: Signet's signing page has no signer-terms step (every signer "
        "accepts the workspace's consent_text); leave it null or false"
    ),
}
IGNORED_SETTINGS: dict[str, str] = {
    "show_qr_code": "ignored: Signet's page and certificate show no QR code",
    "show_signature_frame": "ignored: Signet stamps signatures without a frame",
    "identity_editable_fields": (
        "ignored: signers cannot edit their identity on Signet's signing page"
    ),
    "notify_identity_change_email": (
        "ignored: signers cannot edit their identity on Signet's signing page, so no change "
        "is ever notified"
    ),
    "notify_identity_change_webhook": (
        "ignored: signers cannot edit their identity on Signet's signing page, so no change "
        "is ever notified"
    ),
}
BOOLEAN_SETTINGS = {k for k in SETTINGS_DEFAULTS if k != "identity_editable_fields"}
IDENTITY_EDITABLE = {"name", "company", "title", "phone", "address"}
COMPLETION_KEYS = (
    "completion_title",
    "completion_message",
    "completion_redirect_url",
    "completion_redirect_delay",
)

MAX_RECIPIENTS = 100
MAX_FIELDS = 1000
MAX_REMINDERS = 50
MAX_TEXT_VALUE = 10_000
DEFAULT_EXPIRATION_HOURS = 168


def setting(settings: dict[str, Any], key: str) -> bool:
    """The effective boolean value of a setting (None = inherited default = off)."""
    value = settings.get(key, SETTINGS_DEFAULTS.get(key))
    if value is None:
        return key == "show_partial_watermark"
    return bool(value)

"""Request bodies of the Firma-compatible face. Lenient on purpose: the domain checks meaning and
reports every problem at once; these models only fix the JSON types."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, JsonValue
from pydantic.json_schema import JsonDict

from signet.api.input_model import InputModel
from signet.signing.validation import MAX_HOURS

# What signet.signing.validation checks, declared in the schemas (its messages stay the answer).
HOURS: JsonDict = {"minimum": 1, "maximum": MAX_HOURS}
# A create names its PDF (base64 or an uploaded id), or a template.
DOCUMENT_SOURCES: list[JsonValue] = [
    {"required": [key], "properties": {key: {"type": "string"}}}
    for key in ("document", "document_id", "template_id")
]


class FirmaIn(InputModel):
    # Unknown keys are ignored (and listed in warnings on create endpoints).
    model_config = ConfigDict(extra="allow")

    def unknown_keys(self, prefix: str) -> list[str]:
        found = [f"{prefix}{k}" for k in (self.model_extra or {})]
        for name in type(self).model_fields:
            value = getattr(self, name)
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if isinstance(item, FirmaIn):
                    loc = f"{prefix}{name}[{i}]." if isinstance(value, list) else f"{prefix}{name}."
                    found.extend(item.unknown_keys(loc))
        return found


class PositionIn(FirmaIn):
    x: float
    y: float
    width: float | None = None
    height: float | None = None


class RecipientIn(FirmaIn):
    id: str | None = Field(
        default=None, description="A temp_* id that fields and reminders may use"
    )
    template_user_id: str | None = Field(
        default=None, description="Template-based creation: the template user this recipient is"
    )
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    designation: str = "Signer"
    order: int | None = None
    phone_number: str | None = None
    street_address: str | None = None
    city: str | None = None
    state_province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    title: str | None = None
    company: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class FieldIn(FirmaIn):
    id: str | None = None
    template_field_id: str | None = Field(
        default=None, description="Template-based creation: the template field to override"
    )
    type: str | None = None
    position: PositionIn | None = None
    # The flat form of create-and-send (and the template PATCH): page, x, y, width, height.
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    page_number: int | None = None
    page: int | None = None
    required: bool = True
    recipient_id: str | None = None
    read_only: bool = False
    read_only_value: str | None = Field(
        default=None,
        description=(
            "The fixed value of a read-only field; for a stamp (image) field a PNG or JPEG "
            "data URI of at most 2 MB and 4096 pixels a side"
        ),
    )
    final_value: str | None = None
    prefilled_data: str | None = None
    variable_name: str | None = None
    variable_defined_name: str | None = None
    name: str | None = None
    dropdown_options: list[str] | None = None
    format_rules: dict[str, Any] | None = None
    date_default: str | None = None
    date_signing_default: bool = False
    multi_group_id: str | None = None
    required_conditions: dict[str, Any] | None = None
    visibility_conditions: dict[str, Any] | None = None
    validation_rules: dict[str, Any] | None = None
    background_color: str | None = None
    deleted: bool = False


class ReminderIn(FirmaIn):
    id: str | None = None
    hours: int | None = None
    hours_before_expiration: int | None = None
    all_users: bool = False
    recipient_id: str | None = None
    subject: str | None = None
    message: str | None = None


class AnchorTagIn(FirmaIn):
    """Place a field where a text marker sits in the document (document-based creation)."""

    anchor_string: str = Field(description="The text to find, e.g. {{SIGN_HERE}}")
    type: str
    recipient_id: str | int | None = Field(
        default=None, description="A recipient's temp id, or a Signer/Approver order"
    )
    x_offset: float = 0
    y_offset: float = 0
    offset_units: str = Field(default="percent", description="percent or pixels (PDF points)")
    width: float | None = Field(default=None, description="Percent of the page width")
    height: float | None = Field(default=None, description="Percent of the page height")
    case_sensitive: bool = False
    match_whole_word: bool = True
    ignore_if_not_present: bool = False
    occurrence: int = Field(default=0, description="0 = every occurrence, n = the n-th only")
    remove_anchor_text: bool = True
    add_white_background: bool = False
    required: bool = True
    read_only: bool = False
    read_only_value: str | None = Field(
        default=None,
        description=(
            "The fixed value of a read-only field; for a stamp (image) field a PNG or JPEG "
            "data URI of at most 2 MB and 4096 pixels a side"
        ),
    )
    variable_name: str | None = None
    variable_defined_name: str | None = None
    background_color: str | None = None
    font_size: float | None = None
    dropdown_options: list[str] | None = None
    date_default: str | None = None
    date_signing_default: bool = False
    multi_group_id: str | None = None
    format_rules: dict[str, Any] | None = None


class SigningRequestCreate(FirmaIn):
    model_config = ConfigDict(json_schema_extra={"anyOf": DOCUMENT_SOURCES})

    name: str = Field(default="", description="Required unless template_id is given")
    document: str | None = Field(default=None, description="Base64-encoded PDF, at most 20 MB")
    document_id: str | None = Field(default=None, description="An uploaded document's id")
    template_id: str | None = None
    description: str | None = None
    expiration_hours: int = Field(default=168, json_schema_extra=HOURS)
    settings: dict[str, Any] = Field(default_factory=dict)
    language: str = "en"
    metadata: dict[str, Any] = Field(default_factory=dict)
    recipients: list[RecipientIn] = Field(default_factory=list)
    fields: list[FieldIn] = Field(default_factory=list)
    reminders: list[ReminderIn] = Field(default_factory=list)
    anchor_tags: list[AnchorTagIn] = Field(
        default_factory=list, description="Document-based creation only; at most 100"
    )
    completion_title: str | None = None
    completion_message: str | None = None
    completion_redirect_url: str | None = None
    completion_redirect_delay: int | None = None


class LegacyRecipientIn(FirmaIn):
    name: str = ""
    email: str = ""


class LegacyDocumentCreate(FirmaIn):
    name: str
    description: str | None = None
    document: str | None = None
    expiration_hours: int = Field(default=168, json_schema_extra=HOURS)
    settings: dict[str, Any] = Field(default_factory=dict)
    recipients: list[LegacyRecipientIn] = Field(default_factory=list)


class UploadTicketCreate(FirmaIn):
    file_name: str = Field(max_length=255)
    file_size: int
    content_type: str = "application/pdf"


# The properties a PATCH may change, of a signing request and of a template alike.
PATCH_PROPERTY_KEYS = (
    "name",
    "description",
    "expiration_hours",
    "settings",
    "language",
    "metadata",
    "completion_title",
    "completion_message",
    "completion_redirect_url",
    "completion_redirect_delay",
)


class SigningRequestPatch(FirmaIn):
    """Exactly one of: properties, ``recipient``, ``field`` (``seal_participant`` → 501)."""

    name: str | None = None
    description: str | None = None
    expiration_hours: int | None = Field(default=None, json_schema_extra=HOURS)
    settings: dict[str, Any] | None = None
    language: str | None = None
    metadata: dict[str, Any] | None = None
    completion_title: str | None = None
    completion_message: str | None = None
    completion_redirect_url: str | None = None
    completion_redirect_delay: int | None = None
    recipient: RecipientIn | None = None
    field: FieldIn | None = None
    seal_participant: dict[str, Any] | None = None


class DeletedRecipientIn(FirmaIn):
    recipient_id: str
    field_action: str = "delete"
    reassign_to_recipient_id: str | None = None


class PutRecipientIn(RecipientIn):
    temp_id: str | None = Field(default=None, alias="_temp_id")


class SigningRequestPut(FirmaIn):
    signing_request_properties: dict[str, Any] | None = None
    recipients: list[PutRecipientIn] | None = None
    deleted_recipients: list[DeletedRecipientIn] = Field(default_factory=list)
    force_remove_conditions: bool = False
    fields: list[FieldIn] | None = None
    reminders: list[ReminderIn] | None = None
    language: str | None = None


class CancelIn(FirmaIn):
    reason: str | None = Field(default=None, max_length=500)
    notify_signers: bool = True


class ResendIn(FirmaIn):
    recipient_ids: list[str] = Field(min_length=1)
    custom_message: str | None = Field(default=None, max_length=1000)


class SendIn(FirmaIn):
    custom_message: str | None = Field(default=None, max_length=1000)

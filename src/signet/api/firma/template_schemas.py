"""Request and response bodies of the Firma face's template endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from signet.api.firma.schemas_in import (
    DOCUMENT_SOURCES,
    HOURS,
    AnchorTagIn,
    FieldIn,
    FirmaIn,
    RecipientIn,
)
from signet.api.firma.schemas_out import Pagination, RequiredReadOnlyField

# --- in ---------------------------------------------------------------------------------


class TemplateUserIn(RecipientIn):
    role: str | None = Field(
        default=None, description="Role label (PandaDoc face); default 'Signer 1', 'Approver 2'…"
    )


class TemplateFieldIn(FieldIn):
    assigned_to_user_id: str | None = Field(
        default=None, description="The template user (id or temp_* id); = recipient_id"
    )
    options: list[str] | None = Field(default=None, description="Dropdown options")
    default_to_signing_date: bool | None = Field(
        default=None, description="Date fields: default to the signing date"
    )


class TemplateReminderIn(FirmaIn):
    id: str | None = None
    hours: int | None = Field(default=None, description="Hours after sending")
    all_users: bool = False
    user_id: str | None = None
    template_user_id: str | None = None
    recipient_id: str | None = None
    subject: str | None = None
    message: str | None = None
    deleted: bool = False


class _Completion(FirmaIn):
    completion_title: str | None = None
    completion_message: str | None = None
    completion_redirect_url: str | None = None
    completion_redirect_delay: int | None = None


class TemplateCreate(_Completion):
    model_config = ConfigDict(json_schema_extra={"anyOf": DOCUMENT_SOURCES[:2]})

    name: str | None = Field(default=None, description="Required; at most 255 characters")
    description: str | None = None
    document: str | None = Field(default=None, description="Base64-encoded PDF, at most 20 MB")
    document_id: str | None = Field(default=None, description="An uploaded document's id")
    expiration_hours: int = Field(default=168, json_schema_extra=HOURS)
    settings: dict[str, Any] = Field(default_factory=dict)
    language: str = "en"
    metadata: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    users: list[TemplateUserIn] = Field(default_factory=list)
    recipients: list[TemplateUserIn] = Field(default_factory=list, description="Alias of users")
    fields: list[TemplateFieldIn] = Field(default_factory=list)
    reminders: list[TemplateReminderIn] = Field(default_factory=list)
    anchor_tags: list[AnchorTagIn] = Field(default_factory=list)


class TemplatePatch(_Completion):
    """Exactly one of: properties, ``user`` (no id → added), ``field`` (no id → added;
    ``{id, deleted: true}`` removes it)."""

    name: str | None = None
    description: str | None = None
    document: str | None = None
    document_id: str | None = None
    expiration_hours: int | None = Field(default=None, json_schema_extra=HOURS)
    settings: dict[str, Any] | None = None
    language: str | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    user: TemplateUserIn | None = None
    field: TemplateFieldIn | None = None


class DeletedUserIn(FirmaIn):
    user_id: str
    field_action: str = "delete"
    reassign_to_user_id: str | None = None


class TemplatePut(FirmaIn):
    template_properties: dict[str, Any] | None = None
    users: list[TemplateUserIn] | None = None
    deleted_users: list[DeletedUserIn] = Field(default_factory=list)
    force_remove_conditions: bool = False
    fields: list[TemplateFieldIn] | None = None
    reminders: list[TemplateReminderIn] | None = None


class ReplaceDocumentIn(FirmaIn):
    model_config = ConfigDict(json_schema_extra={"anyOf": DOCUMENT_SOURCES[:2]})

    document: str | None = Field(default=None, description="Base64-encoded PDF")
    document_id: str | None = None


class DuplicateIn(FirmaIn):
    name: str | None = Field(default=None, max_length=255)


class CopyIn(FirmaIn):
    workspace_id: str
    name: str | None = Field(default=None, max_length=255)


# --- out --------------------------------------------------------------------------------


class TemplateSettingsOut(BaseModel):
    allow_download: bool
    attach_pdf_on_finish: bool
    allow_editing_before_sending: bool
    use_signing_order: bool
    hand_drawn_only: bool
    send_signing_email: bool
    send_finish_email: bool
    send_expiration_email: bool
    send_cancellation_email: bool
    allow_partial_download: bool
    require_otp_verification: bool | None
    disable_guided_navigation: bool | None
    allow_presigning_download: bool | None
    show_qr_code: bool | None
    show_signature_frame: bool | None
    show_partial_watermark: bool | None
    require_terms_acceptance: bool | None
    signature_per_signer: bool | None = Field(
        default=None,
        description="Signet extension: each signer's own PAdES signature in the sealed PDF",
    )
    completion_title: str | None
    completion_message: str | None
    completion_redirect_url: str | None
    completion_redirect_delay: int | None


class TemplateUserOut(BaseModel):
    id: str
    name: str
    email: str
    first_name: str
    last_name: str
    designation: str
    order: int
    role: str = Field(description="Role label; PandaDoc recipients are matched by it")
    phone_number: str | None
    street_address: str | None
    city: str | None
    state_province: str | None
    postal_code: str | None
    country: str | None
    title: str | None
    company: str | None
    custom_fields: dict[str, Any]
    required_fields: list[str]
    missing_fields: list[str]
    required_read_only_fields: list[RequiredReadOnlyField]
    ready_to_send: bool


class TemplatePosition(BaseModel):
    x: float
    y: float
    width: float
    height: float


class TemplateFieldOut(BaseModel):
    id: str
    type: str
    required: bool
    recipient_id: str | None
    template_user_id: str | None
    variable_name: str | None
    variable_defined_name: str | None
    name: str | None
    position: TemplatePosition
    page_number: int
    dropdown_options: list[str] | None
    multi_group_id: str | None
    date_default: str | None
    date_signing_default: bool
    format_rules: dict[str, Any] | None
    validation_rules: dict[str, Any] | None
    read_only: bool
    read_only_value: str | None
    prefilled_data: str | None
    required_conditions: dict[str, Any] | None
    visibility_conditions: dict[str, Any] | None
    background_color: str | None


class TemplateReminderOut(BaseModel):
    id: str
    hours: int = Field(description="Hours after sending")
    subject: str | None
    message: str | None
    all_users: bool
    template_user_id: str | None
    recipient_id: str | None
    sent_on: str | None
    created_at: str
    updated_at: str
    created_date: str
    updated_date: str


class TemplateListItem(BaseModel):
    id: str
    name: str
    description: str | None
    document_url: str | None
    document_url_expires_at: str | None
    page_count: int | None
    expiration_hours: int
    credit_cost: int
    settings: TemplateSettingsOut
    language: str
    tags: list[str]
    created_date: str
    updated_date: str


class TemplateOut(TemplateListItem):
    recipients: list[TemplateUserOut]
    fields: list[TemplateFieldOut]


class TemplateCreated(TemplateOut):
    warnings: list[str]


class TemplateListResponse(BaseModel):
    results: list[TemplateListItem]
    pagination: Pagination


class TemplateUsersResponse(BaseModel):
    results: list[TemplateUserOut]


class TemplateFieldsResponse(BaseModel):
    results: list[TemplateFieldOut]


class TemplatePatchResponse(BaseModel):
    message: str
    updated_fields: list[str]
    user: TemplateUserOut | None = None
    field: TemplateFieldOut | None = None


class MessageResponse(BaseModel):
    message: str


class TemplateDuplicateResponse(BaseModel):
    id: str
    name: str
    description: str | None
    status: str
    workspace_id: str
    created_date: str


class TemplateCopyResponse(BaseModel):
    id: str
    name: str
    workspace_id: str
    created_date: str

"""Response bodies of the Firma-compatible face, exactly as returned (nullability included)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class SettingsOut(BaseModel):
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
    identity_editable_fields: list[str] | None
    notify_identity_change_email: bool
    notify_identity_change_webhook: bool
    require_sms_verification: bool | None = Field(
        default=None, description="Signet extension: an SMS code before signing"
    )
    signature_per_signer: bool | None = Field(
        default=None,
        description=(
            "Signet extension: each signer's own PAdES signature in the sealed PDF, with a "
            "certificate naming them; null inherits the workspace's, then off"
        ),
    )
    completion_title: str | None
    completion_message: str | None
    completion_redirect_url: str | None
    completion_redirect_delay: int | None


class RecipientOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    name: str
    email: str
    designation: str
    order: int
    phone_number: str | None
    street_address: str | None
    city: str | None
    state_province: str | None
    postal_code: str | None
    country: str | None
    title: str | None
    company: str | None
    custom_fields: dict[str, Any]
    finished_date: str | None


class RequiredReadOnlyField(BaseModel):
    variable_name: str | None
    variable_defined_name: str | None
    field_type: str
    has_value: bool


class SigningRequestUser(RecipientOut):
    required_fields: list[str]
    missing_fields: list[str]
    required_read_only_fields: list[RequiredReadOnlyField]
    ready_to_send: bool
    finished_on: str | None
    declined_on: str | None
    decline_reason: str | None
    signing_link: str = Field(description="Signet extension: the recipient's signing page")


class PositionOut(BaseModel):
    x: float
    y: float
    width: float
    height: float


class FieldOut(BaseModel):
    id: str
    type: str
    field_type: str
    recipient_id: str | None
    companies_workspaces_signing_requests_users_id: str | None
    page_number: int
    x_position: float
    x_postion: float = Field(description="Deprecated alias kept from upstream, typo included")
    y_position: float
    width: float
    height: float
    heigh: float = Field(description="Deprecated alias kept from upstream, typo included")
    position: PositionOut
    required: bool
    read_only: bool
    read_only_value: str | None
    prefilled_data: str | None
    variable_name: str | None
    variable_defined_name: str | None
    dropdown_options: list[str] | None
    format_rules: dict[str, Any] | None
    date_default: str | None
    date_signing_default: bool
    multi_group_id: str | None
    required_conditions: dict[str, Any] | None
    visibility_conditions: dict[str, Any] | None
    background_color: str | None
    value: str | None
    final_value: str | None
    calculated_font_size: float | None
    deleted: bool


class ReminderOut(BaseModel):
    id: str
    hours: int
    hours_before_expiration: int
    all_users: bool
    recipient_id: str | None
    template_user_id: str | None
    subject: str | None
    message: str | None
    sent_on: str | None
    created_at: str
    updated_at: str


class SigningRequestCreated(BaseModel):
    id: str
    name: str
    description: str | None
    status: str
    document_url: str | None
    document_url_expires_at: str | None
    page_count: int | None
    document_page_count: int | None
    expiration_hours: int
    expires_at: str | None
    credit_cost: int
    template_id: str | None
    settings: SettingsOut
    language: str
    created_date: str
    updated_date: str
    sent_date: str | None
    finished_date: str | None
    cancelled_date: str | None
    date_created: str
    date_sent: str | None
    date_finished: str | None
    date_cancelled: str | None
    recipients: list[RecipientOut]
    fields: list[FieldOut]
    reminders: list[ReminderOut]
    warnings: list[str]
    seal_participants: list[Any]
    metadata: dict[str, Any]


class FirstSigner(BaseModel):
    id: str
    name: str
    email: str
    signing_link: str


class SigningRequestCreatedAndSent(SigningRequestCreated):
    first_signer: FirstSigner | None
    credits_remaining: int | None


class ListRecipient(BaseModel):
    id: str
    name: str
    email: str
    designation: str
    order: int
    finished_date: str | None
    signature_details: dict[str, Any] | None


class ListItem(BaseModel):
    id: str
    name: str
    description: str | None
    status: str
    document_url: str | None
    document_url_expires_at: str | None
    page_count: int | None
    expiration_hours: int
    expires_at: str | None
    credit_cost: int
    template_id: str | None
    settings: SettingsOut
    created_date: str
    updated_date: str
    sent_date: str | None
    finished_date: str | None
    cancelled_date: str | None
    declined_date: str | None
    recipients: list[ListRecipient]
    fields: list[FieldOut]
    seal_participants: list[Any]


class Pagination(BaseModel):
    current_page: int
    page_size: int
    total_count: int
    total_pages: int


class ListResponse(BaseModel):
    results: list[ListItem]
    pagination: Pagination


class StatusFlags(BaseModel):
    sent: bool
    finished: bool
    cancelled: bool
    declined: bool
    expired: bool


class Timestamps(BaseModel):
    created_on: str
    sent_on: str | None
    finished_on: str | None
    cancelled_on: str | None
    declined_on: str | None
    last_changed_on: str
    last_signing_action_on: str | None


class CertificateOut(BaseModel):
    generated: bool
    generated_on: str | None
    has_error: bool


class Detail(BaseModel):
    id: str
    name: str
    description: str | None
    template_description: str | None
    companies_workspaces_id: str
    document_url: str | None
    document_url_expires_at: str | None
    document_page_count: int | None
    expiration_hours: int
    expires_at: str | None
    credit_cost: int
    template_id: str | None
    status: StatusFlags
    timestamps: Timestamps
    settings: SettingsOut
    language: str
    certificate: CertificateOut
    final_document_download_url: str | None
    final_document_download_error: str | None
    document_only_download_url: str | None
    document_only_download_error: str | None
    certificate_only_download_url: str | None
    certificate_only_download_error: str | None
    seal_participants: list[Any]
    use_signing_order: int
    allow_download: int
    allow_editing_before_sending: int
    hand_drawn_only: int
    attach_pdf_on_finish: int
    metadata: dict[str, Any] | None = Field(default=None, description="Present when non-empty")


class UsersResponse(BaseModel):
    results: list[SigningRequestUser]


class FieldsResponse(BaseModel):
    results: list[FieldOut]


class AuditActor(BaseModel):
    type: str
    id: str | None
    name: str | None
    email: str | None


class AuditEntry(BaseModel):
    id: str
    timestamp: str
    source: str
    event: str
    description: str
    actor: AuditActor
    ip_address: str | None
    user_agent: str | None
    details: dict[str, Any]


class AuditResponse(BaseModel):
    results: list[AuditEntry]


class DownloadResponse(BaseModel):
    status: str
    is_partial: bool
    download_url: str
    generated_at: str | None
    expires_at: str


class LegacySettings(BaseModel):
    allow_download: bool
    attach_pdf_on_finish: bool
    allow_editing_before_sending: bool
    send_signing_email: bool
    send_finish_email: bool
    send_expiration_email: bool
    send_cancellation_email: bool
    hand_drawn_only: bool


class LegacyDocument(BaseModel):
    id: str
    name: str
    description: str | None
    document_url: str | None
    document_url_expires_at: str | None
    document_page_count: int | None
    status: str
    expiration_hours: int
    credit_cost: int
    settings: LegacySettings
    use_signing_order: int
    allow_download: int
    allow_editing_before_sending: int
    hand_drawn_only: int
    attach_pdf_on_finish: int
    template_id: str | None
    date_created: str
    date_sent: str | None
    date_finished: str | None
    date_cancelled: str | None
    date_declined: str | None
    expires_at: str | None
    certificate: CertificateOut
    final_document_download_url: str | None
    final_document_download_error: str | None
    document_only_download_url: str | None
    document_only_download_error: str | None
    certificate_only_download_url: str | None
    certificate_only_download_error: str | None


class UploadTicket(BaseModel):
    document_id: str
    upload_url: str
    upload_token: str
    expires_in: int


class UploadResult(BaseModel):
    document_id: str
    status: str
    page_count: int
    sha256: str


class PatchPropertiesResponse(BaseModel):
    message: str
    updated_fields: list[str]
    signing_request: Detail


class PatchRecipientResponse(BaseModel):
    message: str
    recipient: RecipientOut


class PatchFieldResponse(BaseModel):
    message: str
    field: FieldOut | None


class PutSummary(BaseModel):
    recipients_created: int
    recipients_updated: int
    recipients_deleted: int
    fields_created: int
    fields_updated: int
    fields_deleted: int
    reminders_created: int
    reminders_updated: int
    reminders_deleted: int


class PutResponse(BaseModel):
    message: str
    signing_request: Detail
    recipients: list[RecipientOut]
    fields: list[FieldOut]
    reminders: list[ReminderOut]
    summary: PutSummary


class DeleteResponse(BaseModel):
    message: str
    signing_request_id: str
    deleted_on: str


class SendResponse(BaseModel):
    message: str
    signing_request_id: str
    recipients_notified: int
    sent_date: str
    expires_at: str


class CancelResponse(BaseModel):
    message: str
    signing_request_id: str
    cancelled_on: str
    notify_signers: bool
    emails_sent: int


class ResendRecipient(BaseModel):
    id: str
    email: str
    name: str


class ResendResponse(BaseModel):
    message: str
    signing_request_id: str
    recipients_notified: int
    recipients_failed: int
    recipients: list[ResendRecipient]

"""Request models of the PandaDoc face; unknown keys are ignored, as upstream does."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from signet.api.input_model import InputModel
from signet.api.pandadoc.status import MANUAL_TARGETS, STATUS_NAMES


class _In(InputModel):
    model_config = ConfigDict(extra="ignore")


class VerificationIn(_In):
    email_otp_verification: Any = None
    passcode_verification: Any = None
    phone_verification: Any = None
    kba_verification: Any = None
    id_verification: Any = None
    verification_place: str | None = None


class RecipientIn(_In):
    id: str | None = Field(default=None, description="PATCH only: the recipient to update")
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = Field(default=None, description="A role makes a signer; none makes a CC")
    recipient_type: str | None = Field(default=None, description="signer, approver or CC")
    signing_order: int | None = Field(default=None, description="Equal values sign in parallel")
    company: str | None = None
    job_title: str | None = None
    verification_settings: VerificationIn | None = None
    redirect: dict[str, Any] | None = None
    delivery_methods: dict[str, Any] | None = None


class TokenIn(_In):
    name: str
    value: Any = None


class PositionIn(_In):
    offset_x: float = 0
    offset_y: float = 0
    anchor_point: str = "topleft"


class StyleIn(_In):
    width: float | None = None
    height: float | None = None


class LayoutIn(_In):
    page: int = 1
    position: PositionIn = Field(default_factory=PositionIn)
    style: StyleIn = Field(default_factory=StyleIn)


class FieldSettingsIn(_In):
    required: bool = True
    placeholder: str | None = None
    masked: bool = False
    multiline: bool = False
    options: list[str] | None = None


class FieldIn(_In):
    type: str
    name: str | None = None
    field_id: str | None = None
    title: str | None = None
    layout: LayoutIn = Field(default_factory=LayoutIn)
    assigned_to: str | None = Field(default=None, description="Recipient id, role or email")
    merge_field: str | None = None
    value: Any = None
    settings: FieldSettingsIn = Field(default_factory=FieldSettingsIn)


class DocumentCreateIn(_In):
    """The ``data`` part of an upload, or the JSON body of a create from a URL or template."""

    name: str | None = None
    url: str | None = None
    template_uuid: str | None = None
    recipients: list[RecipientIn] = Field(default_factory=list)
    fields: dict[str, Any] | list[FieldIn] | None = None
    tokens: list[TokenIn] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    parse_form_fields: bool = False
    signature_per_signer: bool = Field(
        default=False,
        description=(
            "Signet extension: each signer's own PAdES signature in the sealed PDF, with a "
            "certificate naming them"
        ),
    )


class DocumentUpdateIn(_In):
    name: str | None = None
    recipients: list[RecipientIn] | None = None
    fields: dict[str, Any] | None = None
    tokens: list[TokenIn] | None = None
    metadata: dict[str, Any] | None = None


class SendIn(_In):
    subject: str | None = None
    message: str | None = None
    silent: bool = False
    reply_to: str | None = None


class StatusChangeIn(_In):
    # What the route accepts: a code it can change to, as a number, a digit string or a name.
    status: int | str = Field(
        json_schema_extra={
            "enum": [
                form
                for code in sorted(MANUAL_TARGETS)
                for form in (code, str(code), STATUS_NAMES[code])
            ]
        }
    )
    note: str | None = None
    notify_recipients: bool = True


class RecipientAddIn(_In):
    """``{id: contact_id, kind: "contact"}``; Signet also takes the person inline."""

    id: str | None = None
    kind: str = "contact"
    email: str | None = Field(default=None, json_schema_extra={"format": "email"})
    first_name: str | None = None
    last_name: str | None = None


class RecipientEditIn(_In):
    email: str | None = Field(default=None, json_schema_extra={"format": "email"})
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    job_title: str | None = None
    street_address: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    verification_settings: VerificationIn | None = None
    redirect: dict[str, Any] | None = None


class FieldsIn(_In):
    fields: list[FieldIn]


class DeliveryIn(_In):
    email: bool = True
    sms: bool = False


class CustomizationIn(_In):
    subject: str | None = None
    message: str | None = None


class ReminderIn(_In):
    recipient_id: str
    delivery_methods: DeliveryIn = Field(default_factory=DeliveryIn)
    email_customization: CustomizationIn = Field(default_factory=CustomizationIn)


class RemindersIn(_In):
    reminders: list[ReminderIn]

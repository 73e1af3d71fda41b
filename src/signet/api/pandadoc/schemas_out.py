"""Response models of the PandaDoc face: PandaDoc's shapes, as its official SDK (6.2.0)
accepts them (docs/compat/pandadoc.md#response-shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from signet.api.openapi import PandaDocErrorOut as PandaDocErrorOut


class DocumentStatusOut(BaseModel):
    id: str
    uuid: str
    name: str
    status: str
    date_created: str
    date_modified: str
    date_completed: str | None
    expiration_date: str | None
    version: str


class DocumentCreatedOut(BaseModel):
    id: str
    uuid: str
    name: str
    status: str
    date_created: str
    date_modified: str
    expiration_date: str | None
    version: str
    info_message: str


class ListItemOut(BaseModel):
    id: str
    name: str
    status: str
    date_created: str
    date_modified: str
    date_completed: str | None
    expiration_date: str | None
    version: str


class ListOut(BaseModel):
    results: list[ListItemOut]


class RecipientOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    recipient_type: str
    has_completed: bool
    role: str
    roles: list[str]
    signing_order: int | None
    contact_id: str
    shared_link: str
    signature_date: str | None


class SendRecipientOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    recipient_type: str
    has_completed: bool
    signing_order: int | None
    shared_link: str


class SendOut(DocumentStatusOut):
    recipients: list[SendRecipientOut]


class MemberOut(BaseModel):
    id: str
    membership_id: str
    email: str
    first_name: str
    last_name: str
    avatar: None = None


class AssignedToOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    email: str
    recipient_type: str
    role: str


class FieldPositionOut(BaseModel):
    offset_x: float
    offset_y: float
    anchor_point: str = "topleft"


class FieldStyleOut(BaseModel):
    width: float
    height: float


class FieldLayoutOut(BaseModel):
    page: int
    position: FieldPositionOut
    style: FieldStyleOut


class FieldOut(BaseModel):
    uuid: str
    name: str
    title: str
    value: Any
    is_filled: bool
    field_id: str
    merge_field: str | None
    type: str
    placeholder: str | None
    assigned_to: AssignedToOut | None
    layout: FieldLayoutOut
    section_uuid: None = None


class FieldsOut(BaseModel):
    fields: list[FieldOut]


class TemplateRefOut(BaseModel):
    id: str
    name: str


class TokenOut(BaseModel):
    name: str
    value: str


class GrandTotalOut(BaseModel):
    amount: str = "0.00"
    currency: str = "USD"


class DetailsOut(BaseModel):
    """``template`` is left out (not null) when the document has none: the SDK refuses null."""

    id: str
    name: str
    autonumbering_sequence_name: None = None
    status: str
    date_created: str
    date_modified: str
    date_completed: str | None
    date_sent: str | None
    content_date_modified: str
    expiration_date: str | None
    version: str
    created_by: MemberOut
    sent_by: MemberOut | None
    template: TemplateRefOut | None = None
    metadata: dict[str, Any]
    tags: list[str]
    recipients: list[RecipientOut]
    fields: list[FieldOut]
    tokens: list[TokenOut]
    pricing: dict[str, Any] = Field(default_factory=dict)
    tables: list[Any] = Field(default_factory=list)
    images: list[Any] = Field(default_factory=list)
    texts: list[Any] = Field(default_factory=list)
    linked_objects: list[Any] = Field(default_factory=list)
    approval_execution: None = None
    grand_total: GrandTotalOut = Field(default_factory=GrandTotalOut)


class RecipientIdOut(BaseModel):
    recipient_id: str


class ReminderResultOut(BaseModel):
    recipient_id: str
    status: str
    error: str | None


class ReminderResultsOut(BaseModel):
    results: list[ReminderResultOut]


class NotReadyOut(BaseModel):
    id: str
    status: str
    info_message: str

"""Templates: a document with roles, fields and reminders, reused to create signing requests.

A template is a signing request minus its state. Its users are roles (a label, a designation,
an order, optionally a default person); its reminders count hours *after sending*. Creating a
request copies everything it needs, so later template changes never reach existing requests.
Custom field definitions name the values fields are filled from (``variable_defined_name``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signet.models.base import ID, Base, JSONType, UTCDateTime, new_id, utcnow
from signet.models.shared_columns import FieldColumns, PersonColumns


class Template(Base):
    __tablename__ = "templates"
    __table_args__ = (Index("ix_templates_ws_created", "workspace_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True)
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expiration_hours: Mapped[int] = mapped_column(Integer, default=168)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # TemplateSettings (docs/settings.md#template-settings) plus completion_* keys, as given;
    # None = inherit.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Names of the [Token.Name] placeholders found in the document's text.
    tokens: Mapped[list[str]] = mapped_column(JSONType, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_key_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    users: Mapped[list[TemplateUser]] = relationship(
        back_populates="template",
        order_by="TemplateUser.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    fields: Mapped[list[TemplateField]] = relationship(
        back_populates="template",
        order_by="TemplateField.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    reminders: Mapped[list[TemplateReminder]] = relationship(
        back_populates="template",
        order_by="TemplateReminder.created_at",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class TemplateUser(PersonColumns, Base):
    """A role of the template: who signs, approves or gets a copy, and in which order; its
    person is the default one, used when a request names nobody for the role."""

    __tablename__ = "template_users"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    template_id: Mapped[str] = mapped_column(
        ForeignKey("templates.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[Template] = relationship(back_populates="users")

    @property
    def role_label(self) -> str:
        """The role's name as PandaDoc shows it: the label, else "Signer 1", "Approver 2"..."""
        return self.role or f"{self.designation} {self.order}"


class TemplateField(FieldColumns, Base):
    """A field of the template, in percent of the page (top-left origin), like a request's."""

    __tablename__ = "template_fields"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    template_id: Mapped[str] = mapped_column(
        ForeignKey("templates.id", ondelete="CASCADE"), index=True
    )
    template_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("template_users.id", ondelete="SET NULL"), nullable=True, index=True
    )

    template: Mapped[Template] = relationship(back_populates="fields")


class TemplateReminder(Base):
    """A reminder of the template: ``hours`` after sending (docs/compat/firma.md#reminders)."""

    __tablename__ = "template_reminders"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    template_id: Mapped[str] = mapped_column(
        ForeignKey("templates.id", ondelete="CASCADE"), index=True
    )
    hours: Mapped[int] = mapped_column(Integer)
    all_users: Mapped[bool] = mapped_column(Boolean, default=False)
    template_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("template_users.id", ondelete="CASCADE"), nullable=True
    )
    subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[Template] = relationship(back_populates="reminders")


class CustomFieldDefinition(Base):
    """A named value fields refer to by ``variable_defined_name``.

    ``scope`` is workspace, template or signing_request; ``owner_id`` is the workspace, template
    or request id, so one unique index keeps names unique within each scope.
    """

    __tablename__ = "custom_field_definitions"
    __table_args__ = (
        Index(
            "ix_custom_field_definitions_owner_name", "scope", "owner_id", "field_name", unique=True
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # workspace | template | signing_request
    owner_id: Mapped[str] = mapped_column(ID)
    field_name: Mapped[str] = mapped_column(String(50))
    field_label: Mapped[str] = mapped_column(String(100))
    is_preset: Mapped[bool] = mapped_column(Boolean, default=False)
    preset_value: Mapped[str | None] = mapped_column(String(500), nullable=True)
    copied_from_template: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

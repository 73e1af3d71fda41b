"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 18:20:41.793275
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import signet.models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column(
            "page_sizes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_workspaces_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workspaces_company_id"), ["company_id"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("last_four", sa.String(length=4), nullable=False),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_api_keys_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "signing_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("viewed", sa.Boolean(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("expiration_hours", sa.Integer(), nullable=False),
        sa.Column("expires_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_key_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declined_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_signing_action_at", signet.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column(
            "certificate_generated_at", signet.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("certificate_has_error", sa.Boolean(), nullable=False),
        sa.Column("final_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_only_sha256", sa.String(length=64), nullable=True),
        sa.Column("certificate_only_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_sha256"],
            ["blobs.sha256"],
            name=op.f("fk_signing_requests_document_sha256_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_signing_requests_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_requests")),
    )
    with op.batch_alter_table("signing_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_requests_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_signing_requests_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_signing_requests_ws_created", ["workspace_id", "created_at"], unique=False
        )

    op.create_table(
        "uploaded_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("declared_size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "upload_expires_at", signet.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("usable_until", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_uploaded_documents_blob_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_uploaded_documents_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploaded_documents")),
    )
    with op.batch_alter_table("uploaded_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_uploaded_documents_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_name", sa.String(length=255), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("recipient_id", sa.String(length=36), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["signing_request_id"],
            ["signing_requests.id"],
            name=op.f("fk_audit_events_signing_request_id_signing_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_audit_events_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_request_seq", ["signing_request_id", "seq"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_audit_events_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "recipients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("last_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone_number", sa.String(length=64), nullable=True),
        sa.Column("designation", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=255), nullable=True),
        sa.Column("signing_order", sa.Integer(), nullable=False),
        sa.Column("street_address", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=255), nullable=True),
        sa.Column("state_province", sa.String(length=255), nullable=True),
        sa.Column("postal_code", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column(
            "custom_fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sent_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("viewed_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("declined_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["signing_request_id"],
            ["signing_requests.id"],
            name=op.f("fk_recipients_signing_request_id_signing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")),
    )
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recipients_signing_request_id"), ["signing_request_id"], unique=False
        )

    op.create_table(
        "fields",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("width", sa.Float(), nullable=False),
        sa.Column("height", sa.Float(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("read_only_value", sa.Text(), nullable=True),
        sa.Column("prefilled_data", sa.String(length=64), nullable=True),
        sa.Column("variable_name", sa.String(length=255), nullable=True),
        sa.Column("variable_defined_name", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column(
            "dropdown_options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "format_rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("date_default", sa.String(length=32), nullable=True),
        sa.Column("date_signing_default", sa.Boolean(), nullable=False),
        sa.Column("multi_group_id", sa.String(length=255), nullable=True),
        sa.Column(
            "required_conditions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "visibility_conditions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "validation_rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("background_color", sa.String(length=16), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_fields_recipient_id_recipients"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["signing_request_id"],
            ["signing_requests.id"],
            name=op.f("fk_fields_signing_request_id_signing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fields")),
    )
    with op.batch_alter_table("fields", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fields_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fields_signing_request_id"), ["signing_request_id"], unique=False
        )

    op.create_table(
        "reminders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("all_users", sa.Boolean(), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=True),
        sa.Column("template_user_id", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("sent_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_reminders_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signing_request_id"],
            ["signing_requests.id"],
            name=op.f("fk_reminders_signing_request_id_signing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminders_signing_request_id"), ["signing_request_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_signing_request_id"))

    op.drop_table("reminders")
    with op.batch_alter_table("fields", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fields_signing_request_id"))
        batch_op.drop_index(batch_op.f("ix_fields_recipient_id"))

    op.drop_table("fields")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipients_signing_request_id"))

    op.drop_table("recipients")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_workspace_id"))
        batch_op.drop_index("ix_audit_events_request_seq")

    op.drop_table("audit_events")
    with op.batch_alter_table("uploaded_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploaded_documents_workspace_id"))

    op.drop_table("uploaded_documents")
    with op.batch_alter_table("signing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_signing_requests_ws_created")
        batch_op.drop_index(batch_op.f("ix_signing_requests_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_signing_requests_state"))

    op.drop_table("signing_requests")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_workspace_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspaces_company_id"))

    op.drop_table("workspaces")
    op.drop_table("companies")
    op.drop_table("blobs")

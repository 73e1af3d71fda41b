"""templates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 18:42:37.653844
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import signet.models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "custom_field_definitions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("field_name", sa.String(length=50), nullable=False),
        sa.Column("field_label", sa.String(length=100), nullable=False),
        sa.Column("is_preset", sa.Boolean(), nullable=False),
        sa.Column("preset_value", sa.String(length=500), nullable=True),
        sa.Column("copied_from_template", sa.Boolean(), nullable=False),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_custom_field_definitions_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_definitions")),
    )
    with op.batch_alter_table("custom_field_definitions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_custom_field_definitions_owner_name",
            ["scope", "owner_id", "field_name"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_custom_field_definitions_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("expiration_hours", sa.Integer(), nullable=False),
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
        sa.Column(
            "tokens",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_key_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_sha256"], ["blobs.sha256"], name=op.f("fk_templates_document_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_templates_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
    )
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_templates_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_templates_ws_created", ["workspace_id", "created_at"], unique=False
        )

    op.create_table(
        "template_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=255), nullable=True),
        sa.Column("designation", sa.String(length=16), nullable=False),
        sa.Column("signing_order", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("last_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone_number", sa.String(length=64), nullable=True),
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
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_template_users_template_id_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_users")),
    )
    with op.batch_alter_table("template_users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_template_users_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "template_fields",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("template_user_id", sa.String(length=36), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_template_fields_template_id_templates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_user_id"],
            ["template_users.id"],
            name=op.f("fk_template_fields_template_user_id_template_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_fields")),
    )
    with op.batch_alter_table("template_fields", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_template_fields_template_id"), ["template_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_template_fields_template_user_id"), ["template_user_id"], unique=False
        )

    op.create_table(
        "template_reminders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("all_users", sa.Boolean(), nullable=False),
        sa.Column("template_user_id", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_template_reminders_template_id_templates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_user_id"],
            ["template_users.id"],
            name=op.f("fk_template_reminders_template_user_id_template_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_reminders")),
    )
    with op.batch_alter_table("template_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_template_reminders_template_id"), ["template_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("template_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_reminders_template_id"))

    op.drop_table("template_reminders")
    with op.batch_alter_table("template_fields", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_fields_template_user_id"))
        batch_op.drop_index(batch_op.f("ix_template_fields_template_id"))

    op.drop_table("template_fields")
    with op.batch_alter_table("template_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_users_template_id"))

    op.drop_table("template_users")
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.drop_index("ix_templates_ws_created")
        batch_op.drop_index(batch_op.f("ix_templates_workspace_id"))

    op.drop_table("templates")
    with op.batch_alter_table("custom_field_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_field_definitions_workspace_id"))
        batch_op.drop_index("ix_custom_field_definitions_owner_name")

    op.drop_table("custom_field_definitions")

"""jobs webhooks sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:31:38.171220
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import signet.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_claim", ["state", "run_at"], unique=False)
        batch_op.create_index("ix_jobs_dedupe_key", ["dedupe_key"], unique=True)

    op.create_table(
        "webhook_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_events_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_events_signing_request_id"), ["signing_request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_events_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "webhook_secrets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("previous_secret", sa.String(length=128), nullable=True),
        sa.Column(
            "previous_expires_at", signet.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("rotated_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_secrets")),
    )
    with op.batch_alter_table("webhook_secrets", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_secrets_scope", ["scope", "owner_id"], unique=True)

    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payload_options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("shared_key", sa.String(length=64), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("auto_disabled_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_webhooks_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_webhooks_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhooks_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("webhook_id", sa.String(length=36), nullable=False),
        sa.Column("event_name", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=32), nullable=True),
        sa.Column("delivered_at", signet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_webhook_events"),
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhooks.id"], name=op.f("fk_webhook_deliveries_webhook_id_webhooks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            "ix_webhook_deliveries_webhook", ["webhook_id", "created_at"], unique=False
        )

    op.create_table(
        "signing_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("created_by_key_id", sa.String(length=36), nullable=True),
        sa.Column("created_by_key_name", sa.String(length=255), nullable=True),
        sa.Column("expires_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_signing_sessions_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signing_request_id"],
            ["signing_requests.id"],
            name=op.f("fk_signing_sessions_signing_request_id_signing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_signing_sessions_token_hash")),
    )
    with op.batch_alter_table("signing_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signing_sessions_signing_request_id"),
            ["signing_request_id"],
            unique=False,
        )

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", signet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column(
            "request_headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=32), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column(
            "response_headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_attempts_delivery_id"), ["delivery_id"], unique=False
        )

    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_image", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("initials_image", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("signature_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("consent_ip", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("consent_user_agent", sa.Text(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("consent_user_agent")
        batch_op.drop_column("consent_ip")
        batch_op.drop_column("signature_kind")
        batch_op.drop_column("initials_image")
        batch_op.drop_column("signature_image")

    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempts_delivery_id"))

    op.drop_table("webhook_attempts")
    with op.batch_alter_table("signing_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_sessions_signing_request_id"))

    op.drop_table("signing_sessions")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_webhook")
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_event_id"))

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_webhooks_company_id"))

    op.drop_table("webhooks")
    with op.batch_alter_table("webhook_secrets", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_secrets_scope")

    op.drop_table("webhook_secrets")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_events_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_events_signing_request_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_events_company_id"))

    op.drop_table("webhook_events")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_dedupe_key")
        batch_op.drop_index("ix_jobs_claim")

    op.drop_table("jobs")

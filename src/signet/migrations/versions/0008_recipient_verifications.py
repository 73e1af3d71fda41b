"""recipient verifications (email code, access code, SMS code)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import signet.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recipient_verifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("place", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_sent_at", signet.models.base.UTCDateTime(), nullable=True),
        sa.Column("code_expires_at", signet.models.base.UTCDateTime(), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_at", signet.models.base.UTCDateTime(), nullable=True),
        sa.Column("verified_at", signet.models.base.UTCDateTime(), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recipient_id"], ["recipients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["signing_request_id"], ["signing_requests.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_recipient_verifications_recipient",
        "recipient_verifications",
        ["recipient_id", "method"],
        unique=True,
    )
    op.create_index(
        "ix_recipient_verifications_signing_request_id",
        "recipient_verifications",
        ["signing_request_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_recipient_verifications_signing_request_id", table_name="recipient_verifications"
    )
    op.drop_index("ix_recipient_verifications_recipient", table_name="recipient_verifications")
    op.drop_table("recipient_verifications")

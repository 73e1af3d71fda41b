"""archive timestamp renewals: the expiry of a request's last document timestamps, and history

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import signet.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "signing_requests",
        sa.Column("archive_expires_at", signet.models.base.UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_signing_requests_archive_expires_at", "signing_requests", ["archive_expires_at"]
    )
    op.create_table(
        "archive_renewals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("signing_request_id", sa.String(length=36), nullable=False),
        sa.Column("variant", sa.String(length=20), nullable=False),
        sa.Column("previous_sha256", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("archive_expires_at", signet.models.base.UTCDateTime(), nullable=True),
        sa.Column("created_at", signet.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signing_request_id"], ["signing_requests.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_archive_renewals_signing_request_id", "archive_renewals", ["signing_request_id"]
    )
    op.create_index("ix_archive_renewals_previous_sha256", "archive_renewals", ["previous_sha256"])


def downgrade() -> None:
    op.drop_index("ix_archive_renewals_previous_sha256", table_name="archive_renewals")
    op.drop_index("ix_archive_renewals_signing_request_id", table_name="archive_renewals")
    op.drop_table("archive_renewals")
    op.drop_index("ix_signing_requests_archive_expires_at", table_name="signing_requests")
    op.drop_column("signing_requests", "archive_expires_at")

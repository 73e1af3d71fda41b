"""idempotency keys: a lease renewed while the first request runs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import signet.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before this column existed keep the old rule (free again after 10 minutes).
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("alive_until", signet.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("alive_until")

"""audit hash format: how each event's hash was computed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 21:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every event already stored was hashed over orjson's output (format 0); new ones over
    # RFC 8785's (format 1), which audit/service.py sets explicitly.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hash_format", sa.SmallInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash_format")

"""typed marks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 18:35:23.156447
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_text", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("initials_text", sa.String(length=64), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("initials_text")
        batch_op.drop_column("signature_text")

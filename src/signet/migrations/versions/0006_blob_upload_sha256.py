"""blobs.upload_sha256: the SHA-256 of a PDF as uploaded, when intake rewrote it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 22:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.add_column(sa.Column("upload_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.drop_column("upload_sha256")

"""chat context: the last entry and field each chat was answered with

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_context",
        sa.Column("chat_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_key"),
    )
    with op.batch_alter_table("chat_context", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_context_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_context", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_context_updated_at"))
    op.drop_table("chat_context")

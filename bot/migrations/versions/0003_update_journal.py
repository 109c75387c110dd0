"""update journal; one feedback vote per user and answer

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_journal",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("update_journal", schema=None) as batch_op:
        batch_op.create_index("ix_update_journal_received_at", ["received_at"], unique=False)
        batch_op.create_index("ix_update_journal_owner", ["owner"], unique=False)
        batch_op.create_index("ix_update_journal_state", ["state"], unique=False)
        batch_op.create_index("ix_update_journal_user_received", ["user_key", "received_at"], unique=False)
    # one vote per user and answer: keep each user's last vote, then let the database enforce it
    op.execute(
        "DELETE FROM feedback WHERE id NOT IN "
        "(SELECT max_id FROM (SELECT max(id) AS max_id FROM feedback GROUP BY ref, user_key) AS last)"
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("uq_feedback_ref_user", ["ref", "user_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("uq_feedback_ref_user")
    with op.batch_alter_table("update_journal", schema=None) as batch_op:
        batch_op.drop_index("ix_update_journal_user_received")
        batch_op.drop_index("ix_update_journal_state")
        batch_op.drop_index("ix_update_journal_owner")
        batch_op.drop_index("ix_update_journal_received_at")
    op.drop_table("update_journal")

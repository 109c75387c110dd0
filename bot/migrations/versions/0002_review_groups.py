"""review groups stored with each question; admin pending state

Each query row carries the key of its review group, so review is an SQL GROUP BY. A review
action names the group and the last row it covers. An admin's unfinished "assign to…" lives in
``admin_pending`` so that any instance can go on with it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 5000


def _key(normalized: str) -> str:
    # the same rule as bot.grouping.group_key, frozen here as migrations must not change later
    words = sorted(set((normalized or "").split()))
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:10] if words else ""


def upgrade() -> None:
    with op.batch_alter_table("query_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default=""))
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("last_query_id", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_review_action_group_key"), ["group_key"], unique=False)
    op.create_table(
        "admin_pending",
        sa.Column("admin_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("bound", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("admin_id"),
    )
    _backfill()
    with op.batch_alter_table("query_log", schema=None) as batch_op:
        batch_op.create_index("ix_query_log_group", ["group_key", "id"], unique=False)
        batch_op.create_index("ix_query_log_review", ["outcome", "group_key", "channel", "chosen_entry_id", "id"],
                              unique=False)
        batch_op.create_index("ix_query_log_stats", ["outcome", "entry_id", "created_at"], unique=False)


def _backfill() -> None:
    """Keys for rows logged before this revision, and the range each earlier action covered."""
    bind = op.get_bind()
    query_log = sa.table("query_log", sa.column("id", sa.Integer), sa.column("normalized", sa.String),
                         sa.column("group_key", sa.String), sa.column("ref", sa.String))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(query_log.c.id, query_log.c.normalized)
            .where(query_log.c.id > last, query_log.c.normalized != "")
            .order_by(query_log.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            query_log.update().where(query_log.c.id == sa.bindparam("row_id"))
            .values(group_key=sa.bindparam("key")),
            [{"row_id": r.id, "key": _key(r.normalized)} for r in rows],
        )
        last = rows[-1].id
    actions = sa.table("review_action", sa.column("id", sa.Integer), sa.column("normalized", sa.String),
                       sa.column("refs", sa.String), sa.column("group_key", sa.String),
                       sa.column("last_query_id", sa.BigInteger))
    for action in bind.execute(sa.select(actions.c.id, actions.c.normalized, actions.c.refs)).all():
        refs = [r for r in (action.refs or "").split(",") if r]
        upto = bind.execute(sa.select(sa.func.max(query_log.c.id)).where(query_log.c.ref.in_(refs))).scalar() \
            if refs else None
        bind.execute(actions.update().where(actions.c.id == action.id)
                     .values(group_key=_key(action.normalized), last_query_id=upto or 0))


def downgrade() -> None:
    with op.batch_alter_table("query_log", schema=None) as batch_op:
        batch_op.drop_index("ix_query_log_stats")
        batch_op.drop_index("ix_query_log_review")
        batch_op.drop_index("ix_query_log_group")
        batch_op.drop_column("group_key")
    op.drop_table("admin_pending")
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_action_group_key"))
        batch_op.drop_column("last_query_id")
        batch_op.drop_column("group_key")

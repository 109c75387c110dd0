"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 02:46:58.537547
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('user_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_ref'), ['ref'], unique=False)

    op.create_table('query_log',
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('chat_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('raw_text', sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=True),
    sa.Column('normalized', sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('entry_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('suggestions', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('chosen_entry_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('query_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_query_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_query_log_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_query_log_outcome'), ['outcome'], unique=False)
        batch_op.create_index('ix_query_log_outcome_created', ['outcome', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_query_log_ref'), ['ref'], unique=True)
        batch_op.create_index(batch_op.f('ix_query_log_user_key'), ['user_key'], unique=False)

    op.create_table('review_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admin_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('entry_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('normalized', sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
    sa.Column('refs', sqlmodel.sql.sqltypes.AutoString(length=65535), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_action_created_at'), ['created_at'], unique=False)

    op.create_table('learned_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
    sa.Column('normalized', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
    sa.Column('entry_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['review_action.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('learned_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learned_alias_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learned_alias_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_learned_alias_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_learned_alias_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learned_alias_normalized'), ['normalized'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('learned_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learned_alias_normalized'))
        batch_op.drop_index(batch_op.f('ix_learned_alias_entry_id'))
        batch_op.drop_index(batch_op.f('ix_learned_alias_created_at'))
        batch_op.drop_index(batch_op.f('ix_learned_alias_active'))
        batch_op.drop_index(batch_op.f('ix_learned_alias_action_id'))

    op.drop_table('learned_alias')
    with op.batch_alter_table('review_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_action_created_at'))

    op.drop_table('review_action')
    with op.batch_alter_table('query_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_query_log_user_key'))
        batch_op.drop_index(batch_op.f('ix_query_log_ref'))
        batch_op.drop_index('ix_query_log_outcome_created')
        batch_op.drop_index(batch_op.f('ix_query_log_outcome'))
        batch_op.drop_index(batch_op.f('ix_query_log_entry_id'))
        batch_op.drop_index(batch_op.f('ix_query_log_created_at'))

    op.drop_table('query_log')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_ref'))

    op.drop_table('feedback')

"""channels: deflections from the new-ticket form

Revision ID: 0004_channels
Revises: 0001_foundation
Create Date: 2026-11-22 20:00:00

"""
import sqlalchemy as sa
from alembic import op

import support.database

# revision identifiers, used by Alembic.
revision = '0004_channels'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_deflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('article_id', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('form_key', sa.String(length=100), nullable=False),
    sa.Column('opened_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ticket_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_channel_deflections_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_deflections'))
    )
    with op.batch_alter_table('channel_deflections', schema=None) as batch_op:
        batch_op.create_index('ix_channel_deflections_opened', ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_deflections_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_deflections_form_key'), ['form_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_deflections_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('channel_deflections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_deflections_user_id'))
        batch_op.drop_index(batch_op.f('ix_channel_deflections_form_key'))
        batch_op.drop_index(batch_op.f('ix_channel_deflections_article_id'))
        batch_op.drop_index('ix_channel_deflections_opened')

    op.drop_table('channel_deflections')

"""network: rollout of systems per school (live from, wave, old system in parallel until)

Revision ID: 0021_rollout
Revises: 0020_network_space
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op

import support.database

revision = '0021_rollout'
down_revision = '0020_network_space'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_rollouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=20), nullable=False),
    sa.Column('live_on', sa.Date(), nullable=False),
    sa.Column('wave', sa.String(length=40), nullable=False),
    sa.Column('legacy_system', sa.String(length=80), nullable=False),
    sa.Column('legacy_until', sa.Date(), nullable=True),
    sa.Column('updated_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_rollouts_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_rollouts')),
    sa.UniqueConstraint('school_id', 'system', name=op.f('uq_school_rollouts_school_id'))
    )
    with op.batch_alter_table('school_rollouts', schema=None) as batch_op:
        batch_op.create_index('ix_school_rollouts_live_on', ['live_on'], unique=False)


def downgrade():
    with op.batch_alter_table('school_rollouts', schema=None) as batch_op:
        batch_op.drop_index('ix_school_rollouts_live_on')
    op.drop_table('school_rollouts')

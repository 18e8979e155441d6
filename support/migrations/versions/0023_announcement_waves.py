"""network: announcements targeted by rollout wave (announcements.waves, a list of wave names)

Revision ID: 0023_announcement_waves
Revises: 0022_phone_digits
Create Date: 2026-12-04 16:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0023_announcement_waves'
down_revision = '0022_phone_digits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waves', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.alter_column('waves', server_default=None)


def downgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_column('waves')

"""email channel: a bounce marks the person's address as failing

Revision ID: 0012_email_failing
Revises: 0011_network
Create Date: 2026-12-03 16:00:00

"""
import sqlalchemy as sa
from alembic import op

import support.database

revision = '0012_email_failing'
down_revision = '0011_network'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_failing_since', support.database.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('email_failure', sa.String(length=300), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_failure')
        batch_op.drop_column('email_failing_since')

"""workspace: users.phone_digits, the phone number in one form, so callers are found however it was typed

Revision ID: 0022_phone_digits
Revises: 0021_rollout
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op

from support.accounts.phone_numbers import phone_digits

revision = '0022_phone_digits'
down_revision = '0021_rollout'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_digits', sa.String(length=40), server_default='', nullable=False))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('phone', sa.String),
                     sa.column('phone_digits', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.phone).where(users.c.phone != '')).all()
    for user_id, phone in rows:
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(phone_digits=phone_digits(phone)[:40]))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone_digits')

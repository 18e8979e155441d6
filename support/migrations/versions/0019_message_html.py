"""tickets: an e-mail message keeps its sanitised HTML body, its inline images their Content-ID, and raw mail records when retention emptied it

Revision ID: 0019_message_html
Revises: 0013_announcements
Create Date: 2026-12-03 17:30:00

"""
import sqlalchemy as sa
from alembic import op

import support.database

revision = '0019_message_html'
down_revision = '0013_announcements'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_id', sa.String(length=255), server_default='', nullable=False))
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_purged_at', support.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_column('raw_purged_at')
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_column('content_id')
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.drop_column('body_html')

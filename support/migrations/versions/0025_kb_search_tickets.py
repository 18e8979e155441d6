"""kb: searches that ended in a ticket, and the article a staff reply then pointed to

Revision ID: 0025_kb_search_tickets
Revises: 0024_kb_cheap_reading
Create Date: 2026-12-04 19:45:00

"""
import sqlalchemy as sa
from alembic import op

import support.database

revision = '0025_kb_search_tickets'
down_revision = '0024_kb_cheap_reading'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_search_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('answer_article_id', sa.String(length=80), nullable=True),
    sa.Column('created_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_kb_search_tickets_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_search_tickets')),
    sa.UniqueConstraint('token', 'ticket_id', name=op.f('uq_kb_search_tickets_token'))
    )
    with op.batch_alter_table('kb_search_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_search_tickets_ticket_id'), ['ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_search_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_search_tickets_ticket_id'))
    op.drop_table('kb_search_tickets')

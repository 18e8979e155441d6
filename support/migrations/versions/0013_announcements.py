"""network: announcements (driftinformation), their linked tickets and history

Revision ID: 0013_announcements
Revises: 0012_email_failing
Create Date: 2026-12-03 16:38:20.017550

"""
from alembic import op
import sqlalchemy as sa

import support.database


# revision identifiers, used by Alembic.
revision = '0013_announcements'
down_revision = '0012_email_failing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('starts_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', support.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('audiences', sa.JSON(), nullable=False),
    sa.Column('school_forms', sa.JSON(), nullable=False),
    sa.Column('administration_ids', sa.JSON(), nullable=False),
    sa.Column('school_ids', sa.JSON(), nullable=False),
    sa.Column('systems', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', support.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_announcements_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_announcements_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_resolved_ends', ['resolved_at', 'ends_at'], unique=False)
        batch_op.create_index('ix_announcements_updated', ['updated_at'], unique=False)

    op.create_table('announcement_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_announcement_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_events_announcement_id_announcements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_events'))
    )
    with op.batch_alter_table('announcement_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_events_announcement_id'), ['announcement_id'], unique=False)

    op.create_table('announcement_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_tickets_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_announcement_tickets_linked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_announcement_tickets_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_tickets')),
    sa.UniqueConstraint('announcement_id', 'ticket_id', name=op.f('uq_announcement_tickets_announcement_id'))
    )
    with op.batch_alter_table('announcement_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_tickets_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_tickets_ticket_id'), ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('announcement_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_tickets_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_tickets_announcement_id'))

    op.drop_table('announcement_tickets')
    with op.batch_alter_table('announcement_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_events_announcement_id'))

    op.drop_table('announcement_events')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('ix_announcements_updated')
        batch_op.drop_index('ix_announcements_resolved_ends')

    op.drop_table('announcements')

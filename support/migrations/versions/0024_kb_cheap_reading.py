"""kb: reading writes nothing: stored article HTML, related articles, corpus stamps, search-log tokens

Revision ID: 0024_kb_cheap_reading
Revises: 0023_announcement_waves
Create Date: 2026-12-04 17:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import support.database

from kb.render import render_for_storage

revision = '0024_kb_cheap_reading'
down_revision = '0023_announcement_waves'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
    with op.batch_alter_table('kb_search_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_kb_search_log_token'), ['token'])
    op.create_table('kb_related_articles',
    sa.Column('article_id', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('related_id', sa.String(length=80), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_related_articles_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_id'], ['kb_articles.id'], name=op.f('fk_kb_related_articles_related_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'position', name=op.f('pk_kb_related_articles'))
    )
    with op.batch_alter_table('kb_related_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_related_articles_related_id'), ['related_id'], unique=False)
    op.create_table('kb_corpus_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('views_generation', sa.Integer(), nullable=False),
    sa.Column('views_counted_at', support.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_corpus_state'))
    )
    # The one row of stamps exists from the start, so two first saves never race to create it.
    state = sa.table('kb_corpus_state', sa.column('id', sa.Integer), sa.column('generation', sa.Integer),
                     sa.column('views_generation', sa.Integer), sa.column('views_counted_at', support.database.UTCDateTime))
    op.bulk_insert(state, [{'id': 1, 'generation': 0, 'views_generation': 0,
                            'views_counted_at': datetime.now(UTC)}])
    # Render the articles that exist once, as saving them would have; related articles follow at `support init`.
    articles = sa.table('kb_articles', sa.column('id', sa.String), sa.column('body', sa.Text),
                        sa.column('body_html', sa.Text))
    connection = op.get_bind()
    for article_id, body in connection.execute(sa.select(articles.c.id, articles.c.body)).all():
        connection.execute(articles.update().where(articles.c.id == article_id)
                           .values(body_html=render_for_storage(body or '')))


def downgrade():
    op.drop_table('kb_corpus_state')
    with op.batch_alter_table('kb_related_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_related_articles_related_id'))
    op.drop_table('kb_related_articles')
    with op.batch_alter_table('kb_search_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_kb_search_log_token'), type_='unique')
        batch_op.drop_column('token')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_column('body_html')

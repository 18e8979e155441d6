"""Hide personal identity numbers that the knowledge base's search log kept verbatim

Revision ID: 0007_kb_search_log_numbers
Revises: 0006_session_generation
Create Date: 2026-11-30 10:00:00

"""

import sqlalchemy as sa
from alembic import op

from support.personal_numbers import hide_personal_numbers

# revision identifiers, used by Alembic.
revision = "0007_kb_search_log_numbers"
down_revision = "0006_session_generation"
branch_labels = None
depends_on = None

search_log = sa.table("kb_search_log", sa.column("id", sa.Integer), sa.column("query", sa.String))
BATCH = 1000


def upgrade():
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(search_log.c.id, search_log.c.query).where(search_log.c.id > last_id)
            .order_by(search_log.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row_id, query in rows:
            hidden = hide_personal_numbers(query or "").lower()
            if hidden != (query or "").lower():
                connection.execute(search_log.update().where(search_log.c.id == row_id).values(query=hidden))
        last_id = rows[-1][0]


def downgrade():
    pass  # the numbers are gone for good, which is the point

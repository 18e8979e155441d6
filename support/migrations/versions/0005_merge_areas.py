"""Join the knowledge-base, tickets and channels branches into one head

Revision ID: 0005_merge_areas
Revises: 0002_kb, 0003_tickets, 0004_channels
Create Date: 2026-11-22 21:40:00

"""

# revision identifiers, used by Alembic.
revision = "0005_merge_areas"
down_revision = ("0002_kb", "0003_tickets", "0004_channels")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

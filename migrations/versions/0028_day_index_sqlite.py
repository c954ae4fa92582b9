"""engagement_day's day index on SQLite only: PostgreSQL counts a window's edge days from the monthly masks
(0027_edge_days) and never reads it, while every refresh kept it in order row by row (the 500,000 daily rows of
an import went in in 0.72x the time without it, same-run)

Revision ID: 0028_day_index_sqlite
Revises: 0027_edge_days
Create Date: 2026-12-01 21:40:00

"""
from alembic import op

revision = '0028_day_index_sqlite'
down_revision = '0027_edge_days'
branch_labels = None
depends_on = None

COLUMNS = ['day', 'participant_id', 'offered', 'attended']


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # if_exists: migration 0019 on PostgreSQL rebuilds the daily rows with today's code, which leaves it out
        op.drop_index('ix_engagement_day_day', table_name='engagement_day', if_exists=True)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_engagement_day_day', 'engagement_day', COLUMNS, unique=False)

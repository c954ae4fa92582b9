"""the running totals' overview indexes carry the team, so the overview sums by team from the indexes alone

The overview summed each participant's signed rows (end and start totals, edge days) in one union and looked
every participant up in participant for their team. It now joins each participant's two totals and sums them
by the team the totals are filed under (dashboards/running_totals.py window_numbers): the indexes it reads
carry team_id, so no row of the table is fetched.

Revision ID: 0026_total_team
Revises: 0025_team_newest_session
Create Date: 2026-12-01 14:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0026_total_team'
down_revision = '0025_team_newest_session'
branch_labels = None
depends_on = None

COVERED = ['month', 'participant_id', 'offered', 'attended']


def _indexes(columns):
    with op.batch_alter_table('engagement_total', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_total_last')
        batch_op.drop_index('ix_engagement_total_month')
        batch_op.create_index('ix_engagement_total_month', columns, unique=False)
        batch_op.create_index('ix_engagement_total_last', columns, unique=False,
                              sqlite_where=sa.text('is_last = 1'), postgresql_where=sa.text('is_last'))
    op.execute('ANALYZE engagement_total')  # the planner's statistics of the new indexes (SQLite reads them)


def upgrade():
    _indexes(COVERED + ['team_id'])


def downgrade():
    _indexes(COVERED)

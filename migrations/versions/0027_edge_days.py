"""the days of each month with a session offered and attended, as bitmasks, so the state overview counts a
window's partial edge months from the running totals' rows (dashboards/edge_days.py)

PostgreSQL: engagement_month and engagement_total get offered_days and attended_days, filled here from the
daily rows (the running totals rebuilt from the monthly rows, as a whole refresh builds them), and the running
totals' month index carries them; engagement_day gets a partial index of the days with two or more sessions,
which the masks count once. SQLite keeps reading the daily rows: its columns stay NULL (the partial index is
declared on both so the schema is one).

Revision ID: 0027_edge_days
Revises: 0026_total_team
Create Date: 2026-12-01 19:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0027_edge_days'
down_revision = '0026_total_team'
branch_labels = None
depends_on = None

TABLES = ('engagement_month', 'engagement_total')
COLUMNS = ('offered_days', 'attended_days')
TOTAL_MONTH = ['month', 'participant_id', 'offered', 'attended', 'team_id']


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
    # if_not_exists: migration 0019 rebuilds the daily rows with today's code, which builds today's indexes
    op.create_index('ix_engagement_day_several', 'engagement_day', ['day', 'participant_id', 'offered', 'attended'],
                    unique=False, if_not_exists=True, sqlite_where=sa.text('offered > 1'),
                    postgresql_where=sa.text('offered > 1'))
    if op.get_bind().dialect.name == 'postgresql':
        _fill(op.get_bind())


def _fill(connection):
    """The monthly rows' masks from the daily rows, then every running total again from the monthly rows (its
    indexes dropped and built once, as the model declares them: the month index with the masks)."""
    from dashboards import edge_days, running_totals
    from dashboards.models import EngagementDay, EngagementMonth
    D, M = EngagementDay.__table__, EngagementMonth.__table__
    masks = sa.select(D.c.participant_id, D.c.month, *edge_days.masks()).group_by(D.c.participant_id,
                                                                                  D.c.month).subquery()
    connection.execute(sa.update(M).where(M.c.participant_id == masks.c.participant_id, M.c.month == masks.c.month)
                       .values(offered_days=masks.c.offered_days, attended_days=masks.c.attended_days))
    running_totals.refresh(connection)
    op.execute('ANALYZE engagement_month')
    op.execute('ANALYZE engagement_total')


def downgrade():
    op.drop_index('ix_engagement_day_several', table_name='engagement_day')
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:  # the month index as 0026 made it (dropping a column would drop the index with it)
        op.drop_index('ix_engagement_total_month', table_name='engagement_total')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.drop_column(column)
    if postgresql:
        op.create_index('ix_engagement_total_month', 'engagement_total', TOTAL_MONTH, unique=False)

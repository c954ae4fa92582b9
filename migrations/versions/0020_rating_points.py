"""ratings may lie on a state scale's own range (0-4, 1-7...), not only 1-5

A scale file declares its rating range and every path checks ratings against it; the database's check held
every rating to 1-5, so a state version rated 0-4 or 1-7 could not be recorded. The check now holds ratings to
the widest range a scale file may declare (scoring.fidelity.POINT_LIMITS, 0-10, spelled here as of this revision).
The downgrade refuses while any rating lies outside 1-5 rather than lose it.

Revision ID: 0020_rating_points
Revises: 0019_day_summaries
Create Date: 2026-12-01 03:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0020_rating_points'
down_revision = '0019_day_summaries'
branch_labels = None
depends_on = None

TABLES = ('assessment_rating', 'assessment_consensus')
CHECK = "(value IS NULL OR value BETWEEN {low} AND {high}) AND NOT (not_applicable AND value IS NOT NULL)"


def _recheck(low, high):
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'ck_{table}_value'), type_='check')
            batch.create_check_constraint(op.f(f'ck_{table}_value'), CHECK.format(low=low, high=high))


def upgrade():
    _recheck(0, 10)


def downgrade():
    for table in TABLES:
        outside = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {table} WHERE value < 1 OR value > 5")).scalar()
        if outside:
            raise RuntimeError(f"{table} holds {outside} ratings outside 1-5 (from a state scale's own range): "
                               "they would be lost; remove those assessments before downgrading.")
    _recheck(1, 5)

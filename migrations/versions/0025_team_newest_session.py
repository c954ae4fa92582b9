"""Each team's newest session date kept beside its last data change

summaries.stamp writes team_data_change.newest_session (max(session_date) of the team's sessions) in the
statement that writes changed_at, so the "data as of" block joins a row per team instead of seeking each
team's sessions (2,400 seeks on the state overview). Existing rows are filled here; a team with no row yet
(never stamped) is still sought by freshness.py.

Revision ID: 0025_team_newest_session
Revises: 0024_goal_review_key
Create Date: 2026-12-01 13:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0025_team_newest_session'
down_revision = '0024_goal_review_key'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team_data_change') as batch:
        batch.add_column(sa.Column('newest_session', sa.Date(), nullable=True))
    op.execute("UPDATE team_data_change SET newest_session = (SELECT max(s.session_date) FROM imr_session s "
               "WHERE s.team_id = team_data_change.team_id)")


def downgrade():
    with op.batch_alter_table('team_data_change') as batch:
        batch.drop_column('newest_session')

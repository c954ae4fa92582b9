"""When each team's data last changed, for the dashboards' "data as of" line

team_data_change holds one row per team, stamped by the engagement summaries' refresh in the same
transaction as the import or edit that changed the team's participants, sessions or attendance.

Revision ID: 0016_team_data_change
Revises: 0015_goal_tracking
Create Date: 2026-11-30 19:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0016_team_data_change'
down_revision = '0015_goal_tracking'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'team_data_change',
        sa.Column('team_id', sa.Integer(), sa.ForeignKey('team.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
    )


def downgrade():
    op.drop_table('team_data_change')

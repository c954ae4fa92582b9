"""engagement summaries: offered and attended sessions per participant per month

Revision ID: 0004_dashboards
Revises: 0001_foundation
Create Date: 2026-11-23 12:01:34.777466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_dashboards'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('engagement_month',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('offered', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.Column('first_attended', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_engagement_month_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', 'month', name=op.f('pk_engagement_month'))
    )
    with op.batch_alter_table('engagement_month', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_month_month', ['month', 'participant_id', 'offered', 'attended'], unique=False)
        batch_op.create_index('ix_engagement_month_team', ['team_id'], unique=False)

    # A database that already holds attendance gets its summaries in 0019_day_summaries (the monthly rows are
    # summed from the daily ones, which do not exist yet here).


def downgrade():
    with op.batch_alter_table('engagement_month', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_month_team')
        batch_op.drop_index('ix_engagement_month_month')

    op.drop_table('engagement_month')

"""running totals of engagement per participant and month, so the state overview reads two rows per participant

The overview summed every month of a window from the monthly summaries (12 rows per participant at the
default window, 1.4 million at state scale); engagement_total holds each participant's totals from their first
month to the end of each month, so a window is the total at its end minus the total before its start
(dashboards/running_totals.py). The table is filled here from the monthly summaries already present.

Revision ID: 0022_state_scale
Revises: 0021_totp_at_rest
Create Date: 2026-12-01 03:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0022_state_scale'
down_revision = '0021_totp_at_rest'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'engagement_total',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('offered', sa.Integer(), nullable=False),
        sa.Column('attended', sa.Integer(), nullable=False),
        sa.Column('is_last', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f('fk_engagement_total_participant_id_participant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('participant_id', 'month', name=op.f('pk_engagement_total')),
    )
    with op.batch_alter_table('engagement_total', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_total_month', ['month', 'participant_id', 'offered', 'attended'],
                              unique=False)
        batch_op.create_index('ix_engagement_total_last', ['month', 'participant_id', 'offered', 'attended'],
                              unique=False, sqlite_where=sa.text('is_last = 1'), postgresql_where=sa.text('is_last'))
        batch_op.create_index('ix_engagement_total_team', ['team_id'], unique=False)
    # Filled from the monthly summaries present (the refresh builds the indexes again once the rows are in),
    # with today's code, so without the edge-day masks, whose columns come in 0027_edge_days.
    from dashboards.running_totals import refresh
    refresh(op.get_bind(), masks=False)


def downgrade():
    with op.batch_alter_table('engagement_total', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_total_team')
        batch_op.drop_index('ix_engagement_total_last')
        batch_op.drop_index('ix_engagement_total_month')
    op.drop_table('engagement_total')

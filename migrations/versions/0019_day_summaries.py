"""engagement per participant per day, for windows that cut months

The state overview summed the days of a window's partial edge months from the attendance rows of every
program (13.8 s at 12 million rows); engagement_day holds those sums per participant and day, and the
monthly rows are now summed from it. The table is filled here from the data already present.

Revision ID: 0019_day_summaries
Revises: 0018_evidence_indexes
Create Date: 2026-11-30 23:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0019_day_summaries'
down_revision = '0018_evidence_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'engagement_day',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('offered', sa.Integer(), nullable=False),
        sa.Column('attended', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f('fk_engagement_day_participant_id_participant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('participant_id', 'month', 'day', name=op.f('pk_engagement_day')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('engagement_day', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_day_day', ['day', 'participant_id', 'offered', 'attended'],
                              unique=False)
    # Both summaries from the data present (0004 left the monthly ones to this revision), as a bulk load; with
    # today's code, so without the edge-day masks, whose columns come in 0027_edge_days, and without the running
    # totals, whose table 0022_state_scale creates (and fills).
    from dashboards.summaries import refresh
    refresh(op.get_bind(), large=True, rows=1, masks=False, totals=False)


def downgrade():
    with op.batch_alter_table('engagement_day', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_day_day')
    op.drop_table('engagement_day')

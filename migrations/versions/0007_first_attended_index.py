"""index the monthly summaries by participant and first attended session

The program and team pages look up each listed participant's first attended session (a correlated
min() per participant); with this index that is one index seek instead of a walk over every month.

Revision ID: 0007_first_attended
Revises: 0006_merge
Create Date: 2026-11-30 06:40:00

"""
from alembic import op


revision = '0007_first_attended'
down_revision = '0006_merge'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engagement_month', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_month_first', ['participant_id', 'first_attended'], unique=False)


def downgrade():
    with op.batch_alter_table('engagement_month', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_month_first')

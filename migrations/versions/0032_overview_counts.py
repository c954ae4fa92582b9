"""each team's state overview numbers kept per window, and a version per team that each change of its data counts up

Revision ID: 0032_overview_counts
Revises: 0031_kept_consensus_form
Create Date: 2026-12-03 05:00:00

The tables start empty: the first overview of a window computes every team's numbers and keeps them.
A later migration that rewrites the engagement summaries must empty overview_counts (or count the versions up).
"""
import sqlalchemy as sa
from alembic import op

revision = '0032_overview_counts'
down_revision = '0031_kept_consensus_form'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team_data_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('0')))
    op.create_table(
        'overview_counts',
        sa.Column('window_start', sa.Date(), nullable=False),
        sa.Column('window_end', sa.Date(), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=False),
        sa.Column('format', sa.String(length=12), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('counted', sa.Integer(), nullable=False),
        sa.Column('engaged', sa.Integer(), nullable=False),
        sa.Column('any_participation', sa.Integer(), nullable=False),
        sa.Column('attended', sa.Integer(), nullable=False),
        sa.Column('computed_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('window_start', 'window_end', 'threshold', 'format', 'team_id'))
    op.create_index('ix_overview_counts_computed_on', 'overview_counts', ['computed_on'])


def downgrade():
    op.drop_index('ix_overview_counts_computed_on', table_name='overview_counts')
    op.drop_table('overview_counts')
    with op.batch_alter_table('team_data_change', schema=None) as batch_op:
        batch_op.drop_column('version')

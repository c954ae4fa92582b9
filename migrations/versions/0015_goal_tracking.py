"""IMR goal tracking, the agency's choice to keep goal wording, and the evidence window of a visit

goal holds each line of a participant's Goal Tracking Sheet (long-term goal, short-term goal, step) and
goal_review the dates it was reviewed. agency.keep_goal_wording is off by default: wording is personal.
assessment.evidence_from/evidence_to keep the window the trainer chose for the evidence panel.

Revision ID: 0015_goal_tracking
Revises: 0014_process_heartbeat
Create Date: 2026-11-30 19:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0015_goal_tracking'
down_revision = '0014_process_heartbeat'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'goal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('date_set', sa.Date(), nullable=False),
        sa.Column('target_date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('wording', sa.Text(), nullable=True),
        sa.CheckConstraint("level IN ('long_term', 'short_term', 'step')", name=op.f('ck_goal_level')),
        sa.CheckConstraint("status IN ('active', 'achieved', 'revised', 'stopped')", name=op.f('ck_goal_status')),
        sa.CheckConstraint('date_set <= target_date', name=op.f('ck_goal_set_before_target')),
        sa.CheckConstraint("(level = 'long_term') = (parent_id IS NULL)", name=op.f('ck_goal_parent_by_level')),
        sa.ForeignKeyConstraint(['parent_id'], ['goal.id'], name=op.f('fk_goal_parent_id_goal'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f('fk_goal_participant_id_participant'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_goal')),
        sa.UniqueConstraint('participant_id', 'reference', name=op.f('uq_goal_participant_id')),
    )
    op.create_index(op.f('ix_goal_parent_id'), 'goal', ['parent_id'], unique=False)
    op.create_table(
        'goal_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=False),
        sa.Column('review_date', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_goal_review_goal_id_goal'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_review')),
        sa.UniqueConstraint('goal_id', 'review_date', name=op.f('uq_goal_review_goal_id')),
    )
    op.create_index('ix_goal_review_date', 'goal_review', ['review_date', 'goal_id'], unique=False)
    with op.batch_alter_table('agency') as batch:
        batch.add_column(sa.Column('keep_goal_wording', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('assessment') as batch:
        batch.add_column(sa.Column('evidence_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('evidence_to', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('assessment') as batch:
        batch.drop_column('evidence_to')
        batch.drop_column('evidence_from')
    with op.batch_alter_table('agency') as batch:
        batch.drop_column('keep_goal_wording')
    op.drop_index('ix_goal_review_date', table_name='goal_review')
    op.drop_table('goal_review')
    op.drop_index(op.f('ix_goal_parent_id'), table_name='goal')
    op.drop_table('goal')
